// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the receive side — socket ownership and the back_log (module/core/backlog.cc), the
 * datagram reader (afc_skb_recv_datagram) and the demux of afc_rx (module/core/rx.cc), fed with
 * frames built as the loopback device would hand them over.
 */
#include <linux/jiffies.h>
#include "afc_kunit.h"

#define PORT 40001
#define PEER 40002

static struct socket *bound_socket(struct kunit *test, unsigned short port)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);

	KUNIT_ASSERT_EQ(test, afc_kunit_bind(sock, port, 0), 0);
	sock->sk->sk_rcvbuf = 4 << 20;
	return sock;
}

/* Dequeue the receive queue, expecting @count frames whose payload bytes are 0, 1, 2, ... */
static void expect_in_order(struct kunit *test, struct sock *sk, int count)
{
	struct sk_buff *skb;
	int i;

	for (i = 0; i < count; i++) {
		skb = skb_dequeue(&sk->sk_receive_queue);
		KUNIT_ASSERT_NOT_NULL_MSG(test, skb, "frame %d missing", i);
		KUNIT_EXPECT_EQ_MSG(test, skb->data[0], (u8)i, "frame %d out of order", i);
		kfree_skb(skb);
	}
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&sk->sk_receive_queue));
}

static void unowned_frames_reach_receive_queue(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);

	afc_kunit_rx(test, PEER, PORT, 10, 5);
	KUNIT_EXPECT_EQ(test, afc_backlog_len(afc_kunit_core(sock)), 0);
	expect_in_order(test, sock->sk, 5);
}

static void owned_frames_wait_on_backlog_and_drain_in_order(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);

	afc_kunit_rx(test, PEER, PORT, 10, 3);		/* 0..2 straight to the queue */
	afc_lock_sock(s);
	afc_rx(afc_kunit_frame(test, PEER, PORT, 10, 3, PACKET_HOST));
	afc_rx(afc_kunit_frame(test, PEER, PORT, 10, 4, PACKET_HOST));
	afc_rx(afc_kunit_frame(test, PEER, PORT, 10, 5, PACKET_HOST));
	KUNIT_EXPECT_EQ(test, afc_backlog_len(s), 3);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&sock->sk->sk_receive_queue), 3U);
	afc_release_sock(s);
	KUNIT_EXPECT_EQ(test, afc_backlog_len(s), 0);
	expect_in_order(test, sock->sk, 6);
}

/*
 * The back_log and the receive queue together hold at most SO_RCVBUF + SO_SNDBUF bytes (plus the
 * frame that crossed it), counted in truesize: the rest is dropped and counted, whatever the
 * frame count.
 */
static void backlog_is_bounded_in_bytes_with_the_receive_queue(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);
	unsigned long before = afc_kunit_drops(AFC_DROP_BACKLOG);
	struct sk_buff *probe = afc_kunit_keep_skb(test, alloc_skb(0, GFP_KERNEL));
	const int frames = 200;
	long limit, held;
	int waiting;

	sock->sk->sk_rcvbuf = 16384;
	sock->sk->sk_sndbuf = 16384;
	limit = 32768;
	afc_kunit_rx(test, PEER, PORT, 100, 2);		/* 2 in the receive queue already */
	afc_lock_sock(s);
	afc_kunit_rx(test, PEER, PORT, 100, frames);
	waiting = afc_backlog_len(s);
	held = afc_backlog_bytes(s) + afc_sock_rmem(s);
	KUNIT_EXPECT_GT(test, waiting, 0);
	KUNIT_EXPECT_LT(test, waiting, frames);
	KUNIT_EXPECT_LE(test, held, limit + 2L * (long)probe->truesize + 1024);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_BACKLOG) - before,
			(unsigned long)(frames - waiting));
	afc_release_sock(s);
	KUNIT_EXPECT_EQ(test, afc_backlog_len(s), 0);
	KUNIT_EXPECT_EQ(test, afc_backlog_bytes(s), 0L);
}

/* Whatever the back_log held goes to the receive function in order, then ownership is free. */
static void release_drains_everything_in_order_and_resets_the_count(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);

	afc_lock_sock(s);
	afc_kunit_rx(test, PEER, PORT, 1, 100);
	KUNIT_EXPECT_EQ(test, afc_backlog_len(s), 100);
	KUNIT_EXPECT_GT(test, afc_backlog_bytes(s), 100L);
	afc_release_sock(s);
	KUNIT_EXPECT_EQ(test, afc_backlog_len(s), 0);
	KUNIT_EXPECT_EQ(test, afc_backlog_bytes(s), 0L);
	expect_in_order(test, sock->sk, 100);
	afc_lock_sock(s);		/* ownership was given up */
	afc_release_sock(s);
}

static void ownership_waits_for_owner(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);

	/* Owning twice in a row (not nested) works; release with an empty back_log is a no-op. */
	afc_lock_sock(s);
	afc_release_sock(s);
	afc_lock_sock(s);
	afc_release_sock(s);
	KUNIT_EXPECT_EQ(test, afc_backlog_len(s), 0);
}

static struct kunit_case backlog_cases[] = {
	KUNIT_CASE(unowned_frames_reach_receive_queue),
	KUNIT_CASE(owned_frames_wait_on_backlog_and_drain_in_order),
	KUNIT_CASE(backlog_is_bounded_in_bytes_with_the_receive_queue),
	KUNIT_CASE(release_drains_everything_in_order_and_resets_the_count),
	KUNIT_CASE(ownership_waits_for_owner),
	{}
};

static struct kunit_suite backlog_suite = {
	.name = "afc_backlog",
	.test_cases = backlog_cases,
};

/* ---- afc_skb_recv_datagram ---------------------------------------------------------------- */

static void peek_leaves_datagram_queued(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);
	struct sk_buff *a, *b;
	int err = 1;

	afc_kunit_rx(test, PEER, PORT, 10, 2);
	a = afc_kunit_keep_skb(test, afc_skb_recv_datagram(s, MSG_PEEK | MSG_DONTWAIT, &err));
	b = afc_kunit_keep_skb(test, afc_skb_recv_datagram(s, MSG_DONTWAIT, &err));
	KUNIT_EXPECT_PTR_EQ(test, a, b);	/* the peeked datagram is the next one read */
	KUNIT_EXPECT_EQ(test, b->data[0], 0);
	b = afc_kunit_keep_skb(test, afc_skb_recv_datagram(s, MSG_DONTWAIT, &err));
	KUNIT_EXPECT_EQ(test, b->data[0], 1);
}

static void dontwait_on_empty_queue_is_eagain(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	int err = 0;

	KUNIT_EXPECT_NULL(test, afc_skb_recv_datagram(afc_kunit_core(sock), MSG_DONTWAIT, &err));
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
}

static void pending_error_is_returned_once(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);
	int err = 0;

	sock->sk->sk_err = ENETDOWN;
	KUNIT_EXPECT_NULL(test, afc_skb_recv_datagram(s, MSG_DONTWAIT, &err));
	KUNIT_EXPECT_EQ(test, err, -ENETDOWN);
	KUNIT_EXPECT_NULL(test, afc_skb_recv_datagram(s, MSG_DONTWAIT, &err));
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
}

static void queued_data_comes_before_error_and_shutdown(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);
	int err = 0;

	afc_kunit_rx(test, PEER, PORT, 10, 1);
	sock->sk->sk_err = ENETDOWN;
	KUNIT_ASSERT_EQ(test, afc_shutdown(s, SHUT_RD), 0);
	afc_kunit_keep_skb(test, afc_skb_recv_datagram(s, MSG_DONTWAIT, &err));
	KUNIT_EXPECT_NULL(test, afc_skb_recv_datagram(s, 0, &err));
	KUNIT_EXPECT_EQ(test, err, -ENETDOWN);
}

static void receive_shutdown_returns_zero(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);
	int err = 1;

	KUNIT_ASSERT_EQ(test, afc_shutdown(s, SHUT_RD), 0);
	KUNIT_EXPECT_NULL(test, afc_skb_recv_datagram(s, 0, &err));	/* blocking: no wait */
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, afc_shutdown(s, 3), -EINVAL);
}

static void rcvtimeo_expires_with_eagain(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	unsigned long start = jiffies;
	int err = 0;

	sock->sk->sk_rcvtimeo = msecs_to_jiffies(50);
	KUNIT_EXPECT_NULL(test, afc_skb_recv_datagram(afc_kunit_core(sock), 0, &err));
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	KUNIT_EXPECT_GE(test, jiffies - start, msecs_to_jiffies(50));
}

static struct kunit_case recv_cases[] = {
	KUNIT_CASE(peek_leaves_datagram_queued),
	KUNIT_CASE(dontwait_on_empty_queue_is_eagain),
	KUNIT_CASE(pending_error_is_returned_once),
	KUNIT_CASE(queued_data_comes_before_error_and_shutdown),
	KUNIT_CASE(receive_shutdown_returns_zero),
	KUNIT_CASE(rcvtimeo_expires_with_eagain),
	{}
};

static struct kunit_suite recv_suite = {
	.name = "afc_recv_datagram",
	.test_cases = recv_cases,
};

/* ---- afc_rx: demux and drops -------------------------------------------------------------- */

static void full_rcvbuf_drops_and_counts(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	unsigned long before = afc_kunit_drops(AFC_DROP_RCVBUF);
	u32 queued;

	sock->sk->sk_rcvbuf = 4096;
	afc_kunit_rx(test, PEER, PORT, 1000, 20);
	queued = skb_queue_len(&sock->sk->sk_receive_queue);
	KUNIT_EXPECT_GT(test, queued, 0U);
	KUNIT_EXPECT_LT(test, queued, 20U);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_RCVBUF) - before, 20UL - queued);
}

static void unbound_port_is_counted_no_socket(struct kunit *test)
{
	unsigned long before = afc_kunit_drops(AFC_DROP_NOSOCK);

	afc_kunit_rx(test, PEER, PORT + 100, 10, 3);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_NOSOCK) - before, 3UL);
}

static void malformed_frames_are_counted_by_reason(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	unsigned long before[AFC_DROP_MAX];
	struct sk_buff *skb;
	int i;

	for (i = 0; i < AFC_DROP_MAX; i++)
		before[i] = afc_kunit_drops(i);

	skb = afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_HOST);
	skb_trim(skb, AFC_WIRE_HLEN - 1);			/* short */
	afc_rx(skb);
	skb = afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_HOST);
	skb->data[0] = AFC_WIRE_VERSION + 1;			/* version */
	afc_rx(skb);
	skb = afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_HOST);
	skb->data[1] = 0x7f;					/* type */
	afc_rx(skb);
	skb = afc_kunit_frame(test, PEER, PORT, 100, 0, PACKET_HOST);
	skb_trim(skb, AFC_WIRE_HLEN + 99);			/* length lies */
	afc_rx(skb);
	skb = afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_HOST);
	skb->data[AFC_WIRE_HLEN] ^= 1;				/* checksum */
	afc_rx(skb);

	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_SHORT) - before[AFC_DROP_SHORT], 1UL);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_VERSION) - before[AFC_DROP_VERSION], 1UL);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_TYPE) - before[AFC_DROP_TYPE], 1UL);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_LENGTH) - before[AFC_DROP_LENGTH], 1UL);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_CHECKSUM) - before[AFC_DROP_CHECKSUM], 1UL);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&sock->sk->sk_receive_queue));

	afc_kunit_rx(test, PEER, PORT, 10, 1);			/* a good one still passes */
	expect_in_order(test, sock->sk, 1);
}

static void otherhost_frames_are_ignored(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	unsigned long nosock = afc_kunit_drops(AFC_DROP_NOSOCK);

	afc_rx(afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_OTHERHOST));
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&sock->sk->sk_receive_queue));
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_NOSOCK), nosock);
}

static void broadcast_reaches_every_socket_on_the_port(struct kunit *test)
{
	struct socket *a = afc_kunit_socket(test, SOCK_DGRAM);
	struct socket *b = afc_kunit_socket(test, SOCK_DGRAM);
	struct socket *c = afc_kunit_socket(test, SOCK_DGRAM);

	a->sk->sk_reuse = b->sk->sk_reuse = c->sk->sk_reuse = SK_CAN_REUSE;
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(a, PORT, 0), 0);
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(b, PORT, 0), 0);
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(c, PORT, afc_kunit_dev(test)->ifindex), 0);
	afc_rx(afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_BROADCAST));
	expect_in_order(test, a->sk, 1);
	expect_in_order(test, b->sk, 1);
	expect_in_order(test, c->sk, 1);

	/* Unicast goes to one socket: the one bound to the receiving interface. */
	afc_rx(afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_HOST));
	expect_in_order(test, c->sk, 1);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&a->sk->sk_receive_queue));
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&b->sk->sk_receive_queue));
}

static void connected_socket_takes_only_its_peer(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct sockaddr_custom peer = afc_kunit_addr(PEER, 0);

	memcpy(peer.scu_addr, afc_kunit_src_mac, ETH_ALEN);
	KUNIT_ASSERT_EQ(test, kernel_connect(sock, (struct sockaddr *)&peer, sizeof(peer), 0), 0);
	afc_kunit_rx(test, PEER + 1, PORT, 10, 1);		/* another port: not taken */
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&sock->sk->sk_receive_queue));
	afc_kunit_rx(test, PEER, PORT, 10, 1);
	expect_in_order(test, sock->sk, 1);
}

/* Only Ethernet devices carry af_custom: a frame from loopback is dropped before parsing. */
static void frames_from_other_device_types_are_dropped(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	unsigned long before = afc_kunit_drops(AFC_DROP_NOT_ETHERNET);
	struct sk_buff *skb = afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_HOST);

	skb->dev = init_net.loopback_dev;
	afc_rx(skb);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_NOT_ETHERNET) - before, 1UL);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&sock->sk->sk_receive_queue));
}

/* A queued frame keeps no device, route or conntrack reference (the device may go away). */
static void queued_frames_hold_no_device(struct kunit *test)
{
	struct socket *sock = bound_socket(test, PORT);
	struct afc_sock *s = afc_kunit_core(sock);
	struct sk_buff *skb;

	afc_kunit_rx(test, PEER, PORT, 10, 1);
	afc_lock_sock(s);
	afc_kunit_rx(test, PEER, PORT, 10, 1);		/* via the back_log */
	afc_release_sock(s);
	while ((skb = skb_dequeue(&sock->sk->sk_receive_queue))) {
		KUNIT_EXPECT_NULL(test, skb->dev);
		KUNIT_EXPECT_FALSE(test, skb_dst(skb));
		kfree_skb(skb);
	}
}

/*
 * Unicast lookup with many sockets on one port: the oldest of the most specific sockets gets
 * the frame; a socket connected to the sender beats them all.
 */
static void unicast_goes_to_connected_then_oldest_most_specific(struct kunit *test)
{
	struct socket *any[50], *dev_bound, *conn;
	struct sockaddr_custom peer = afc_kunit_addr(PEER, 0);
	int i;

	for (i = 0; i < ARRAY_SIZE(any); i++) {
		any[i] = afc_kunit_socket(test, SOCK_DGRAM);
		any[i]->sk->sk_reuse = SK_CAN_REUSE;
		KUNIT_ASSERT_EQ(test, afc_kunit_bind(any[i], PORT, 0), 0);
	}
	afc_kunit_rx(test, PEER, PORT, 10, 1);
	expect_in_order(test, any[0]->sk, 1);
	for (i = 1; i < ARRAY_SIZE(any); i++)
		KUNIT_EXPECT_TRUE(test, skb_queue_empty(&any[i]->sk->sk_receive_queue));

	dev_bound = afc_kunit_socket(test, SOCK_DGRAM);
	dev_bound->sk->sk_reuse = SK_CAN_REUSE;
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(dev_bound, PORT, afc_kunit_dev(test)->ifindex), 0);
	afc_kunit_rx(test, PEER, PORT, 10, 1);
	expect_in_order(test, dev_bound->sk, 1);

	conn = afc_kunit_socket(test, SOCK_DGRAM);
	conn->sk->sk_reuse = SK_CAN_REUSE;
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(conn, PORT, 0), 0);
	memcpy(peer.scu_addr, afc_kunit_src_mac, ETH_ALEN);
	KUNIT_ASSERT_EQ(test, kernel_connect(conn, (struct sockaddr *)&peer, sizeof(peer), 0), 0);
	afc_kunit_rx(test, PEER, PORT, 10, 1);
	expect_in_order(test, conn->sk, 1);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&dev_bound->sk->sk_receive_queue));
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&any[0]->sk->sk_receive_queue));
}

/*
 * Sockets sharing a key form a group whose oldest member heads it: when the head closes, the
 * next oldest takes unicast; broadcast still reaches each member once.
 */
static void group_head_leaving_promotes_the_next_oldest(struct kunit *test)
{
	struct socket *s[4];
	int i;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, afc_family(), SOCK_DGRAM, 0, &s[i]),
				0);
		s[i]->sk->sk_reuse = SK_CAN_REUSE;
		KUNIT_ASSERT_EQ(test, afc_kunit_bind(s[i], PORT, 0), 0);
	}
	afc_kunit_rx(test, PEER, PORT, 10, 1);
	expect_in_order(test, s[0]->sk, 1);
	sock_release(s[0]);					/* the head leaves */
	afc_kunit_rx(test, PEER, PORT, 10, 1);
	expect_in_order(test, s[1]->sk, 1);
	sock_release(s[2]);					/* a middle member leaves */
	afc_rx(afc_kunit_frame(test, PEER, PORT, 10, 0, PACKET_BROADCAST));
	expect_in_order(test, s[1]->sk, 1);
	expect_in_order(test, s[3]->sk, 1);
	sock_release(s[1]);
	afc_kunit_rx(test, PEER, PORT, 10, 1);
	expect_in_order(test, s[3]->sk, 1);
	sock_release(s[3]);
}

static struct kunit_case rx_cases[] = {
	KUNIT_CASE(group_head_leaving_promotes_the_next_oldest),
	KUNIT_CASE(frames_from_other_device_types_are_dropped),
	KUNIT_CASE(queued_frames_hold_no_device),
	KUNIT_CASE(unicast_goes_to_connected_then_oldest_most_specific),
	KUNIT_CASE(full_rcvbuf_drops_and_counts),
	KUNIT_CASE(unbound_port_is_counted_no_socket),
	KUNIT_CASE(malformed_frames_are_counted_by_reason),
	KUNIT_CASE(otherhost_frames_are_ignored),
	KUNIT_CASE(broadcast_reaches_every_socket_on_the_port),
	KUNIT_CASE(connected_socket_takes_only_its_peer),
	{}
};

static struct kunit_suite rx_suite = {
	.name = "afc_rx",
	.test_cases = rx_cases,
};

kunit_test_suites(&backlog_suite, &recv_suite, &rx_suite);
