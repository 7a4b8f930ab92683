// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the connection state machine (module/core/state.cc, listen.cc, input.cc, output.cc,
 * timer.cc) driven by synthetic segments on the case's Ethernet device, with what the module
 * sends captured from that device, and the core's clock driven by hand (afc_clock_fake).
 */
#include <linux/jiffies.h>
#include "afc_kunit.h"

#define LPORT 41000
#define PEER_PORT 41001
#define PEER_ISS 1000000u

static const char *state_of(struct socket *sock)
{
	return afc_conn_state_name(afc_kunit_core(sock));
}

static struct afc_conn_info info_of(struct socket *sock)
{
	struct afc_conn_info i;

	afc_conn_info(afc_kunit_core(sock), &i);
	return i;
}

static u8 wire_type = AFC_WIRE_STREAM;	/* the type of the frames a case sends */

static struct afc_wire_hdr seg(u8 flags, unsigned int seq, unsigned int ack, unsigned int window)
{
	struct afc_wire_hdr h = {
		.type = wire_type, .flags = flags, .sport = PEER_PORT, .dport = LPORT,
		.seq = seq, .ack = ack, .window = window,
	};

	return h;
}

static void rx_seg(struct kunit *test, struct afc_wire_hdr h, unsigned int len, u8 fill)
{
	afc_rx(afc_kunit_frame_hdr(test, h, len, fill, PACKET_HOST));
}

/* The next frame sent must have exactly @flags; returns its header. */
static struct afc_wire_hdr expect_sent(struct kunit *test, u8 flags)
{
	struct afc_wire_hdr h = {};

	KUNIT_ASSERT_NOT_NULL_MSG(test, afc_kunit_sent(test, &h), "no frame sent (want %#x)",
				  flags);
	KUNIT_EXPECT_EQ(test, h.type, wire_type);
	KUNIT_EXPECT_EQ(test, h.flags, flags);
	return h;
}

static void expect_nothing_sent(struct kunit *test)
{
	struct afc_wire_hdr h;

	KUNIT_EXPECT_NULL(test, afc_kunit_sent(test, &h));
}

static struct socket *listening(struct kunit *test, int backlog)
{
	struct socket *l = afc_kunit_socket(test, wire_type == AFC_WIRE_STREAM ? SOCK_STREAM
									   : SOCK_SEQPACKET);

	KUNIT_ASSERT_EQ(test, afc_kunit_bind(l, LPORT, 0), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(l, backlog), 0);
	return l;
}

/* The three-way handshake with a listener; returns the accepted child, *@iss its ISS. */
static struct socket *handshake(struct kunit *test, struct socket *l, unsigned int *iss)
{
	struct afc_wire_hdr h;
	struct socket *c;

	rx_seg(test, seg(AFC_WIRE_SYN, PEER_ISS, 0, 65536), 0, 0);
	h = expect_sent(test, AFC_WIRE_SYN | AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, PEER_ISS + 1);
	KUNIT_EXPECT_EQ(test, h.sport, LPORT);
	KUNIT_EXPECT_EQ(test, h.dport, PEER_PORT);
	*iss = h.seq;
	rx_seg(test, seg(AFC_WIRE_ACK, PEER_ISS + 1, *iss + 1, 65536), 0, 0);
	KUNIT_ASSERT_EQ(test, kernel_accept(l, &c, O_NONBLOCK), 0);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, afc_kunit_sock_init,
							 afc_kunit_sock_free, GFP_KERNEL, c));
	KUNIT_EXPECT_STREQ(test, state_of(c), "ESTABLISHED");
	return c;
}

static void listener_answers_syn_and_child_is_accepted_after_the_ack(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned long accepted = afc_net_stat(&init_net, AFC_STAT_CONN_ACCEPTED);
	unsigned int iss;

	/* No established child yet: accept would wait. */
	KUNIT_EXPECT_EQ(test, kernel_accept(l, &c, O_NONBLOCK), -EAGAIN);
	c = handshake(test, l, &iss);
	KUNIT_EXPECT_EQ(test, info_of(c).snd_una, iss + 1);
	KUNIT_EXPECT_EQ(test, info_of(c).rcv_nxt, PEER_ISS + 1);
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_CONN_ACCEPTED) - accepted, 1UL);
	expect_nothing_sent(test);
}

static void half_open_children_are_skipped_by_accept(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	struct afc_wire_hdr h;

	rx_seg(test, seg(AFC_WIRE_SYN, PEER_ISS, 0, 65536), 0, 0);
	expect_sent(test, AFC_WIRE_SYN | AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, info_of(l).children, 1);
	KUNIT_EXPECT_EQ(test, kernel_accept(l, &c, O_NONBLOCK), -EAGAIN);
	/* The same SYN again: the SYN|ACK was lost; answered again, no second child. */
	rx_seg(test, seg(AFC_WIRE_SYN, PEER_ISS, 0, 65536), 0, 0);
	h = expect_sent(test, AFC_WIRE_SYN | AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, PEER_ISS + 1);
	KUNIT_EXPECT_EQ(test, info_of(l).children, 1);
}

static void full_accept_queue_drops_requests_and_counts_them(struct kunit *test)
{
	struct socket *l = listening(test, 0);		/* room for one child */
	unsigned long overflow = afc_net_stat(&init_net, AFC_STAT_ACCEPTQ_OVERFLOW);
	struct afc_wire_hdr h = seg(AFC_WIRE_SYN, PEER_ISS, 0, 65536);

	afc_clock_fake(1, 100000);
	rx_seg(test, h, 0, 0);
	expect_sent(test, AFC_WIRE_SYN | AFC_WIRE_ACK);
	h.sport = PEER_PORT + 1;			/* another connection */
	rx_seg(test, h, 0, 0);
	expect_nothing_sent(test);
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_ACCEPTQ_OVERFLOW) - overflow, 1UL);
	KUNIT_EXPECT_EQ(test, info_of(l).children, 1);
}

static void segment_for_no_connection_gets_a_reset_but_a_reset_does_not(struct kunit *test)
{
	struct afc_wire_hdr h;

	rx_seg(test, seg(AFC_WIRE_ACK, 5, 77, 100), 3, 0);
	h = expect_sent(test, AFC_WIRE_RST);
	KUNIT_EXPECT_EQ(test, h.seq, 77U);		/* RFC 793: seq = the segment's ack */
	rx_seg(test, seg(AFC_WIRE_SYN, 5, 0, 100), 0, 0);
	h = expect_sent(test, AFC_WIRE_RST | AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, 6U);
	rx_seg(test, seg(AFC_WIRE_RST, 5, 0, 0), 0, 0);
	expect_nothing_sent(test);
}

static void data_in_order_out_of_order_and_duplicate(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned long dup = afc_net_stat(&init_net, AFC_STAT_DUPLICATES);
	unsigned long ooo = afc_net_stat(&init_net, AFC_STAT_OUT_OF_ORDER);
	unsigned int iss, base = PEER_ISS + 1;
	struct afc_wire_hdr h;
	char buf[64];
	struct kvec v = { buf, sizeof(buf) };
	struct msghdr msg = {};

	c = handshake(test, l, &iss);
	rx_seg(test, seg(AFC_WIRE_ACK, base + 20, iss + 1, 65536), 10, 'c');	/* a gap */
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base);
	rx_seg(test, seg(AFC_WIRE_ACK, base + 10, iss + 1, 65536), 10, 'b');
	expect_sent(test, AFC_WIRE_ACK);
	rx_seg(test, seg(AFC_WIRE_ACK, base + 10, iss + 1, 65536), 10, 'b');	/* again */
	expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_OUT_OF_ORDER) - ooo, 3UL);
	KUNIT_EXPECT_GE(test, afc_net_stat(&init_net, AFC_STAT_DUPLICATES) - dup, 1UL);
	/* The gap fills: everything is delivered, in order. */
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1, 65536), 10, 'a');
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base + 30);
	KUNIT_ASSERT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), 30);
	KUNIT_EXPECT_EQ(test, buf[0], 'a');
	KUNIT_EXPECT_EQ(test, buf[10], 'b');
	KUNIT_EXPECT_EQ(test, buf[29], 'c');
	/* Overlapping the received bytes: only the new tail counts. */
	rx_seg(test, seg(AFC_WIRE_ACK, base + 25, iss + 1, 65536), 10, 'd');
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base + 35);
	KUNIT_ASSERT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), 5);
	KUNIT_EXPECT_EQ(test, buf[0], 'd');
}

/*
 * The out-of-order queue alone fills the receive buffer; the segment that fills the gap must
 * still be taken while the reader has nothing to read, or the connection stalls for good (seen
 * on virtio-net with mergeable buffers, where a frame's truesize is over twice its payload).
 */
static void in_order_segment_is_taken_when_out_of_order_ones_fill_the_buffer(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned long full = afc_kunit_drops(AFC_DROP_RCVBUF);
	unsigned int iss, base = PEER_ISS + 1;
	struct afc_wire_hdr h;
	char buf[256];
	struct kvec v = { buf, sizeof(buf) };
	struct msghdr msg = {};
	int i;

	c = handshake(test, l, &iss);
	WRITE_ONCE(c->sk->sk_rcvbuf, SOCK_MIN_RCVBUF);
	for (i = 1; i <= 16; i++) {
		rx_seg(test, seg(AFC_WIRE_ACK, base + 100 * i, iss + 1, 65536), 100, 'a' + i);
		while (afc_kunit_sent(test, &h))
			;
	}
	KUNIT_ASSERT_GT_MSG(test, afc_kunit_drops(AFC_DROP_RCVBUF) - full, 0UL,
			    "the out-of-order segments did not fill the buffer");
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1, 65536), 100, 'a');
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_GE(test, h.ack, base + 200);	/* it and the queued one after it */
	KUNIT_ASSERT_GE(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), 200);
	KUNIT_EXPECT_EQ(test, buf[0], 'a');
	KUNIT_EXPECT_EQ(test, buf[100], 'b');
}

static void resets_and_acks_outside_the_window_are_ignored(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned long oow = afc_net_stat(&init_net, AFC_STAT_OUT_OF_WINDOW);
	unsigned int iss, base = PEER_ISS + 1;
	struct afc_wire_hdr h;

	c = handshake(test, l, &iss);
	rx_seg(test, seg(AFC_WIRE_RST, base + 100000000, 0, 0), 0, 0);	/* far away */
	expect_nothing_sent(test);
	rx_seg(test, seg(AFC_WIRE_RST, base + 10, 0, 0), 0, 0);	/* in window, not exact */
	h = expect_sent(test, AFC_WIRE_ACK);				/* a challenge ACK */
	KUNIT_EXPECT_EQ(test, h.ack, base);
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1000, 65536), 0, 0);	/* acks unsent data */
	expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_STREQ(test, state_of(c), "ESTABLISHED");
	KUNIT_EXPECT_EQ(test, info_of(c).snd_una, iss + 1);
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_OUT_OF_WINDOW) - oow, 3UL);
	/* The exact one resets the connection. */
	rx_seg(test, seg(AFC_WIRE_RST, base, 0, 0), 0, 0);
	KUNIT_EXPECT_STREQ(test, state_of(c), "CLOSED");
	KUNIT_EXPECT_EQ(test, sock_error(c->sk), -ECONNRESET);
}

static void connect_retries_its_syn_with_backoff_then_times_out(struct kunit *test)
{
	struct socket *s = afc_kunit_socket(test, SOCK_STREAM);
	struct sockaddr_custom to = afc_kunit_addr(PEER_PORT, afc_kunit_dev(test)->ifindex);
	unsigned long long t = 500000;
	int syncnt = 2, i;

	afc_clock_fake(1, t);
	memcpy(to.scu_addr, afc_kunit_src_mac, ETH_ALEN);
	KUNIT_ASSERT_EQ(test, s->ops->setsockopt(s, SOL_CUSTOM, AF_CUSTOM_SYNCNT,
						 KERNEL_SOCKPTR(&syncnt), sizeof(syncnt)), 0);
	KUNIT_ASSERT_EQ(test, kernel_connect(s, (struct sockaddr *)&to, sizeof(to), O_NONBLOCK),
			-EINPROGRESS);
	expect_sent(test, AFC_WIRE_SYN);
	KUNIT_EXPECT_EQ(test, info_of(s).rto, 1000U);
	for (i = 0; i < syncnt; i++) {
		afc_conn_timer(afc_kunit_core(s));	/* too early: nothing */
		expect_nothing_sent(test);
		t += info_of(s).rto;
		afc_clock_fake(1, t);
		afc_conn_timer(afc_kunit_core(s));
		expect_sent(test, AFC_WIRE_SYN);
		KUNIT_EXPECT_EQ(test, info_of(s).rto, 1000U << (i + 1));	/* backed off */
	}
	t += info_of(s).rto;
	afc_clock_fake(1, t);
	afc_conn_timer(afc_kunit_core(s));
	expect_nothing_sent(test);
	KUNIT_EXPECT_STREQ(test, state_of(s), "CLOSED");
	KUNIT_EXPECT_EQ(test, sock_error(s->sk), -ETIMEDOUT);
}

static void rtt_samples_set_the_rto_and_retransmission_resends_the_first_segment(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned int iss, base = PEER_ISS + 1;
	unsigned long long t = 900000;
	struct afc_wire_hdr h;
	char data[100];
	struct kvec v = { data, sizeof(data) };
	struct msghdr msg = {};

	afc_clock_fake(1, t);
	c = handshake(test, l, &iss);
	memset(data, 'x', sizeof(data));
	KUNIT_ASSERT_EQ(test, kernel_sendmsg(c, &msg, &v, 1, sizeof(data)), (int)sizeof(data));
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.seq, iss + 1);
	KUNIT_EXPECT_EQ(test, h.len, 100);
	/* Lost: the timer sends it again after the RTO, then twice the RTO. */
	t += info_of(c).rto;
	afc_clock_fake(1, t);
	afc_conn_timer(afc_kunit_core(c));
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.seq, iss + 1);
	KUNIT_EXPECT_EQ(test, info_of(c).retrans, 1UL);
	KUNIT_EXPECT_EQ(test, info_of(c).backoff, 1U);
	/* Acknowledged: the retransmitted segment gives no sample (Karn), backoff is reset. */
	t += 30;
	afc_clock_fake(1, t);
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 101, 65536), 0, 0);
	KUNIT_EXPECT_EQ(test, info_of(c).snd_una, iss + 101);
	KUNIT_EXPECT_EQ(test, info_of(c).backoff, 0U);
	/* A segment sent once and acknowledged after 40 ms: srtt moves towards 40. */
	KUNIT_ASSERT_EQ(test, kernel_sendmsg(c, &msg, &v, 1, 10), 10);
	expect_sent(test, AFC_WIRE_ACK);
	t += 40;
	afc_clock_fake(1, t);
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 111, 65536), 0, 0);
	KUNIT_EXPECT_LT(test, info_of(c).srtt, 1000U);
	KUNIT_EXPECT_GE(test, info_of(c).rto, 200U);		/* the minimum */
}

static void zero_window_is_probed_and_reopens(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned int iss, base = PEER_ISS + 1;
	unsigned long long t = 1300000;
	unsigned long probes = afc_net_stat(&init_net, AFC_STAT_WINDOW_PROBES);
	struct afc_wire_hdr h;
	char data[10] = "0123456789";
	struct kvec v = { data, sizeof(data) };
	struct msghdr msg = {};

	afc_clock_fake(1, t);
	c = handshake(test, l, &iss);
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1, 0), 0, 0);	/* the window closes */
	KUNIT_ASSERT_EQ(test, kernel_sendmsg(c, &msg, &v, 1, sizeof(data)), (int)sizeof(data));
	expect_nothing_sent(test);
	for (int i = 0; i < 20; i++) {		/* answered probes never give up */
		t += info_of(c).rto;
		afc_clock_fake(1, t);
		afc_conn_timer(afc_kunit_core(c));
		h = expect_sent(test, AFC_WIRE_ACK);			/* the probe: empty, */
		KUNIT_EXPECT_EQ(test, h.len, 0);
		KUNIT_EXPECT_EQ(test, h.seq, iss);			/* one before snd_una */
		KUNIT_EXPECT_EQ(test, info_of(c).snd_nxt, iss + 1);	/* nothing sent */
		rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1, 0), 0, 0);	/* still closed */
	}
	KUNIT_EXPECT_STREQ(test, state_of(c), "ESTABLISHED");
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_WINDOW_PROBES) - probes, 20UL);
	/* The peer opens its window: the data goes. */
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1, 4096), 0, 0);
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.len, 10);
	KUNIT_EXPECT_EQ(test, h.seq, iss + 1);
}

/*
 * STREAM writes that find the window full join the last queued segment, up to a segment's
 * most (here the MSS: the case's device has no GSO), bytes in order; when the window opens they
 * leave as one frame, the next write that did not fit as another.
 */
static void writes_while_the_window_is_full_join_the_last_segment(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned int iss, base = PEER_ISS + 1, sizes[] = { 100, 100, 100, 1000, 1000 };
	unsigned long coalesced = afc_net_stat(&init_net, AFC_STAT_TX_COALESCED);
	static u8 data[1000], got[1300];
	struct afc_wire_hdr h;
	struct sk_buff *skb;
	unsigned int i, j;

	c = handshake(test, l, &iss);
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1, 0), 0, 0);	/* the window closes */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct kvec v = { data, sizes[i] };
		struct msghdr msg = {};

		memset(data, 'a' + i, sizeof(data));
		KUNIT_ASSERT_EQ(test, kernel_sendmsg(c, &msg, &v, 1, sizes[i]), (int)sizes[i]);
	}
	expect_nothing_sent(test);
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_TX_COALESCED) - coalesced, 3UL);
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1, 65536), 0, 0);	/* it opens */
	skb = afc_kunit_sent(test, &h);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, h.seq, iss + 1);
	KUNIT_ASSERT_EQ(test, h.len, 1300);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, ETH_HLEN + AFC_WIRE_HLEN, got, 1300), 0);
	for (i = 0, j = 0; i < 4; j += sizes[i++])
		KUNIT_EXPECT_PTR_EQ(test, memchr_inv(got + j, 'a' + i, sizes[i]), NULL);
	skb = afc_kunit_sent(test, &h);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, h.seq, iss + 1 + 1300);
	KUNIT_EXPECT_EQ(test, h.len, 1000);
	expect_nothing_sent(test);
}

/* A window probe reaching us (an empty segment one before rcv_nxt) is answered with our window. */
static void window_probe_is_answered(struct kunit *test)
{
	struct socket *l = listening(test, 4);
	unsigned int iss, base = PEER_ISS + 1;
	struct afc_wire_hdr h;

	handshake(test, l, &iss);
	rx_seg(test, seg(AFC_WIRE_ACK, base - 1, iss + 1, 65536), 0, 0);
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base);
	KUNIT_EXPECT_GT(test, h.window, 0U);
}

static void orderly_close_goes_through_fin_wait_and_time_wait(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned int iss, base = PEER_ISS + 1;
	unsigned long long t = 1700000;
	struct afc_wire_hdr h;

	afc_clock_fake(1, t);
	c = handshake(test, l, &iss);
	KUNIT_ASSERT_EQ(test, kernel_sock_shutdown(c, SHUT_WR), 0);
	h = expect_sent(test, AFC_WIRE_ACK | AFC_WIRE_FIN);
	KUNIT_EXPECT_EQ(test, h.seq, iss + 1);
	KUNIT_EXPECT_STREQ(test, state_of(c), "FIN_WAIT1");
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 2, 65536), 0, 0);
	KUNIT_EXPECT_STREQ(test, state_of(c), "FIN_WAIT2");
	rx_seg(test, seg(AFC_WIRE_ACK | AFC_WIRE_FIN, base, iss + 2, 65536), 0, 0);
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base + 1);
	KUNIT_EXPECT_STREQ(test, state_of(c), "TIME_WAIT");
	t += 2000;
	afc_clock_fake(1, t);
	afc_conn_timer(afc_kunit_core(c));
	KUNIT_EXPECT_STREQ(test, state_of(c), "CLOSED");
}

/*
 * Both directions are finished in TIME_WAIT: a reset there ends it quietly (a reader still
 * holding the socket sees the end of the stream, not ECONNRESET), as a TCP socket in TIME_WAIT.
 */
static void reset_in_time_wait_ends_it_without_an_error(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned int iss, base = PEER_ISS + 1;
	unsigned long resets = afc_net_stat(&init_net, AFC_STAT_CONN_RESET);
	char buf[8];
	struct kvec v = { buf, sizeof(buf) };
	struct msghdr msg = {};

	c = handshake(test, l, &iss);
	KUNIT_ASSERT_EQ(test, kernel_sock_shutdown(c, SHUT_WR), 0);
	expect_sent(test, AFC_WIRE_ACK | AFC_WIRE_FIN);
	rx_seg(test, seg(AFC_WIRE_ACK | AFC_WIRE_FIN, base, iss + 2, 65536), 0, 0);
	expect_sent(test, AFC_WIRE_ACK);
	KUNIT_ASSERT_STREQ(test, state_of(c), "TIME_WAIT");
	rx_seg(test, seg(AFC_WIRE_RST, base + 1, 0, 0), 0, 0);
	KUNIT_EXPECT_STREQ(test, state_of(c), "CLOSED");
	KUNIT_EXPECT_EQ(test, sock_error(c->sk), 0);
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_CONN_RESET) - resets, 0UL);
	KUNIT_EXPECT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), 0);
}

static void allocation_failure_on_a_request_leaves_no_child(struct kunit *test)
{
	struct socket *l = listening(test, 4);
	long live = afc_kunit_live();

	afc_fail_allocs(1);
	rx_seg(test, seg(AFC_WIRE_SYN, PEER_ISS, 0, 65536), 0, 0);
	afc_fail_allocs(0);
	expect_nothing_sent(test);
	KUNIT_EXPECT_EQ(test, info_of(l).children, 0);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live);
	/* The peer's retransmitted SYN gets through. */
	rx_seg(test, seg(AFC_WIRE_SYN, PEER_ISS, 0, 65536), 0, 0);
	expect_sent(test, AFC_WIRE_SYN | AFC_WIRE_ACK);
}

/* A record in two segments arriving out of order is reassembled and read whole, with EOR. */
static void seqpacket_record_reassembled_from_out_of_order_segments(struct kunit *test)
{
	struct socket *l, *c;
	unsigned int iss, base = PEER_ISS + 1;
	char buf[64];
	struct kvec v = { buf, sizeof(buf) };
	struct msghdr msg = {};

	wire_type = AFC_WIRE_SEQPACKET;
	l = listening(test, 4);
	c = handshake(test, l, &iss);
	rx_seg(test, seg(AFC_WIRE_ACK | AFC_WIRE_EOR, base + 10, iss + 1, 65536), 10, 'b');
	expect_sent(test, AFC_WIRE_ACK);
	/* Half a record is no record: nothing to read yet. */
	KUNIT_EXPECT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1, 65536), 10, 'a');
	expect_sent(test, AFC_WIRE_ACK);
	rx_seg(test, seg(AFC_WIRE_ACK | AFC_WIRE_EOR, base + 20, iss + 1, 65536), 5, 'c');
	expect_sent(test, AFC_WIRE_ACK);
	KUNIT_ASSERT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), 20);
	KUNIT_EXPECT_TRUE(test, msg.msg_flags & MSG_EOR);
	KUNIT_EXPECT_EQ(test, buf[0], 'a');
	KUNIT_EXPECT_EQ(test, buf[19], 'b');
	/* A short read takes the head of the next record and discards the rest. */
	KUNIT_ASSERT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, 2, MSG_DONTWAIT), 2);
	KUNIT_EXPECT_TRUE(test, msg.msg_flags & MSG_TRUNC);
	KUNIT_EXPECT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/*
 * Segments whose payload is in page fragments (a veth forwarding a paged buffer, a device with
 * scatter-gather) are taken as they are: the checksum is verified over the fragments, bytes
 * received twice are skipped by offset, and readers copy from the fragments.
 */
static void paged_segments_are_verified_trimmed_and_read_without_linearizing(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned long bad = afc_kunit_drops(AFC_DROP_CHECKSUM);
	unsigned int iss, base = PEER_ISS + 1, i;
	struct afc_wire_hdr h;
	struct sk_buff *skb;
	static u8 buf[5000];
	struct kvec v = { buf, sizeof(buf) };
	struct msghdr msg = {};

	c = handshake(test, l, &iss);
	skb = afc_kunit_frame_paged(test, seg(AFC_WIRE_ACK, base, iss + 1, 65536), 3000, 0);
	KUNIT_EXPECT_EQ(test, skb_headlen(skb), (unsigned int)AFC_WIRE_HLEN);
	afc_rx(skb);
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base + 3000);
	/* Overlapping: its first 1000 bytes are old; 2000 new ones follow. */
	afc_rx(afc_kunit_frame_paged(test, seg(AFC_WIRE_ACK, base + 2000, iss + 1, 65536), 3000,
				     (u8)2000));
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base + 5000);
	/* A flipped payload bit, far past the linear header: the sum over the fragment fails. */
	skb = afc_kunit_frame_paged(test, seg(AFC_WIRE_ACK, base + 5000, iss + 1, 65536), 100, 0);
	((u8 *)skb_frag_address(&skb_shinfo(skb)->frags[0]))[77] ^= 0x10;
	afc_rx(skb);
	expect_nothing_sent(test);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_CHECKSUM) - bad, 1UL);
	KUNIT_ASSERT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), 5000);
	for (i = 0; i < 5000; i++)
		if (buf[i] != (u8)i)
			break;
	KUNIT_EXPECT_EQ(test, i, 5000U);
}

/* The same for a SEQPACKET record: its segments' skipped bytes are not part of the record. */
static void paged_record_with_an_overlapping_segment_is_read_whole(struct kunit *test)
{
	struct socket *l, *c;
	unsigned int iss, base = PEER_ISS + 1, i;
	static u8 buf[4000];
	struct kvec v = { buf, sizeof(buf) };
	struct msghdr msg = {};

	wire_type = AFC_WIRE_SEQPACKET;
	l = listening(test, 4);
	c = handshake(test, l, &iss);
	afc_rx(afc_kunit_frame_paged(test, seg(AFC_WIRE_ACK, base, iss + 1, 65536), 2000, 0));
	expect_sent(test, AFC_WIRE_ACK);
	afc_rx(afc_kunit_frame_paged(test, seg(AFC_WIRE_ACK | AFC_WIRE_EOR, base + 1500,
					       iss + 1, 65536), 1500, (u8)1500));
	expect_sent(test, AFC_WIRE_ACK);
	KUNIT_ASSERT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, sizeof(buf), MSG_DONTWAIT), 3000);
	KUNIT_EXPECT_TRUE(test, msg.msg_flags & MSG_EOR);
	for (i = 0; i < 3000; i++)
		if (buf[i] != (u8)i)
			break;
	KUNIT_EXPECT_EQ(test, i, 3000U);
}

/*
 * A write is copied into page fragments, not a linear buffer per segment: the send buffer is
 * charged the bytes plus one small head per segment, and all of it is given back once the
 * peer acknowledges.  The segments go out with their bytes and a correct checksum.
 */
static void writes_go_to_page_fragments_charged_by_what_they_take(struct kunit *test)
{
	struct socket *l = listening(test, 4), *c;
	unsigned int iss, base = PEER_ISS + 1, mss, off = 0, i, k;
	static u8 data[3000];
	struct kvec v = { data, sizeof(data) };
	struct msghdr msg = {};
	struct afc_wire_hdr h;
	struct sk_buff *skb;
	int wmem;

	c = handshake(test, l, &iss);
	mss = info_of(c).mss;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7);
	KUNIT_ASSERT_EQ(test, kernel_sendmsg(c, &msg, &v, 1, sizeof(data)), (int)sizeof(data));
	wmem = afc_sock_wmem(afc_kunit_core(c));
	KUNIT_EXPECT_GE(test, wmem, (int)sizeof(data));
	KUNIT_EXPECT_LE(test, wmem, (int)(sizeof(data) + 3 * 1024));	/* three small heads */
	for (k = 0; k < 3; k++) {
		skb = afc_kunit_sent(test, &h);	/* the checksum is verified here */
		KUNIT_ASSERT_NOT_NULL(test, skb);
		/* A device without NETIF_F_HW_CSUM: the stack summed it (skb_checksum_help). */
		KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
		KUNIT_EXPECT_EQ(test, h.seq, iss + 1 + off);
		KUNIT_EXPECT_EQ(test, (unsigned int)h.len, min(mss, (unsigned int)sizeof(data) - off));
		for (i = 0; i < h.len; i++)
			if (skb->data[ETH_HLEN + AFC_WIRE_HLEN + i] != (u8)((off + i) * 7))
				break;
		KUNIT_EXPECT_EQ(test, i, (unsigned int)h.len);
		off += h.len;
	}
	KUNIT_EXPECT_EQ(test, off, (unsigned int)sizeof(data));
	expect_nothing_sent(test);
	rx_seg(test, seg(AFC_WIRE_ACK, base, iss + 1 + sizeof(data), 65536), 0, 0);
	KUNIT_EXPECT_EQ(test, afc_sock_wmem(afc_kunit_core(c)), 0);
}

/*
 * A device that checksums (NETIF_F_HW_CSUM, as veth) gets the sum to do: CHECKSUM_PARTIAL over
 * our header and payload, the field zero.  On the receiving side such a frame from the local
 * stack (and one a device verified) is trusted; the same bytes as CHECKSUM_NONE are not.
 */
static void checksum_left_to_a_device_that_can_and_local_frames_trusted(struct kunit *test)
{
	struct socket *l, *c;
	unsigned long bad = afc_kunit_drops(AFC_DROP_CHECKSUM);
	unsigned int iss, base = PEER_ISS + 1;
	char data[100] = "offloaded";
	struct kvec v = { data, sizeof(data) };
	struct msghdr msg = {};
	struct afc_wire_hdr h;
	struct sk_buff *skb;
	int i;

	afc_kunit_dev_features(test, NETIF_F_SG | NETIF_F_HW_CSUM);
	l = listening(test, 4);
	c = handshake(test, l, &iss);
	KUNIT_ASSERT_EQ(test, kernel_sendmsg(c, &msg, &v, 1, sizeof(data)), (int)sizeof(data));
	skb = afc_kunit_sent(test, &h);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, h.len, 100);
	/* Frames with a zero checksum field: trusted as PARTIAL or UNNECESSARY, else dropped. */
	for (i = 0; i < 3; i++) {
		u8 summed[] = { CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY, CHECKSUM_NONE };

		skb = afc_kunit_frame_hdr(test, seg(AFC_WIRE_ACK, base + 10 * i, iss + 101, 65536),
					  10, 'a' + i, PACKET_HOST);
		put_unaligned_be16(0, skb->data + AFC_WIRE_OFF_CSUM);
		skb->ip_summed = summed[i];
		if (summed[i] == CHECKSUM_PARTIAL) {
			skb->csum_start = skb_headroom(skb);
			skb->csum_offset = AFC_WIRE_OFF_CSUM;
		}
		afc_rx(skb);
	}
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base + 10);
	h = expect_sent(test, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base + 20);
	expect_nothing_sent(test);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_CHECKSUM) - bad, 1UL);
}

static void conn_exit(struct kunit *test)
{
	afc_clock_fake(0, 0);
	afc_fail_allocs(0);
	wire_type = AFC_WIRE_STREAM;
}

static struct kunit_case conn_cases[] = {
	KUNIT_CASE(listener_answers_syn_and_child_is_accepted_after_the_ack),
	KUNIT_CASE(half_open_children_are_skipped_by_accept),
	KUNIT_CASE(full_accept_queue_drops_requests_and_counts_them),
	KUNIT_CASE(segment_for_no_connection_gets_a_reset_but_a_reset_does_not),
	KUNIT_CASE(data_in_order_out_of_order_and_duplicate),
	KUNIT_CASE(in_order_segment_is_taken_when_out_of_order_ones_fill_the_buffer),
	KUNIT_CASE(resets_and_acks_outside_the_window_are_ignored),
	KUNIT_CASE(connect_retries_its_syn_with_backoff_then_times_out),
	KUNIT_CASE(rtt_samples_set_the_rto_and_retransmission_resends_the_first_segment),
	KUNIT_CASE(zero_window_is_probed_and_reopens),
	KUNIT_CASE(writes_while_the_window_is_full_join_the_last_segment),
	KUNIT_CASE(window_probe_is_answered),
	KUNIT_CASE(orderly_close_goes_through_fin_wait_and_time_wait),
	KUNIT_CASE(reset_in_time_wait_ends_it_without_an_error),
	KUNIT_CASE(allocation_failure_on_a_request_leaves_no_child),
	KUNIT_CASE(seqpacket_record_reassembled_from_out_of_order_segments),
	KUNIT_CASE(paged_segments_are_verified_trimmed_and_read_without_linearizing),
	KUNIT_CASE(paged_record_with_an_overlapping_segment_is_read_whole),
	KUNIT_CASE(writes_go_to_page_fragments_charged_by_what_they_take),
	KUNIT_CASE(checksum_left_to_a_device_that_can_and_local_frames_trusted),
	{}
};

static struct kunit_suite conn_suite = {
	.name = "afc_conn",
	.exit = conn_exit,
	.test_cases = conn_cases,
};

kunit_test_suites(&conn_suite);
