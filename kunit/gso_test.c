// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: GSO super-segments (module/core/gso.cc, module/shim/offload.c).  A connection on the
 * case's Ethernet device, given the features of the device under test: one that takes our GSO
 * frames whole (veth's: SG, HW_CSUM, GSO_SCTP), one that has them cut up by our gso_segment
 * with the sum left to it (SG, GSO, HW_CSUM) or summed in software (SG, GSO); and gso_segment
 * called directly on well-formed and malformed GSO buffers.
 */
#include "afc_kunit.h"

#define LPORT 42000
#define PEER_PORT 42001
#define PEER_ISS 5000000u
#define PEER_WINDOW 65536u

static u8 wire_type = AFC_WIRE_STREAM;

static struct afc_wire_hdr seg(u8 flags, unsigned int seq, unsigned int ack)
{
	struct afc_wire_hdr h = {
		.type = wire_type, .flags = flags, .sport = PEER_PORT, .dport = LPORT,
		.seq = seq, .ack = ack, .window = PEER_WINDOW,
	};

	return h;
}

static struct afc_conn_info info_of(struct socket *sock)
{
	struct afc_conn_info i;

	afc_conn_info(afc_kunit_core(sock), &i);
	return i;
}

/* An accepted connection from the peer (PEER_ISS, window PEER_WINDOW); *@iss: ours. */
static struct socket *connection(struct kunit *test, unsigned int *iss)
{
	struct socket *l = afc_kunit_socket(test, wire_type == AFC_WIRE_STREAM ? SOCK_STREAM
									   : SOCK_SEQPACKET);
	struct afc_wire_hdr h;
	struct socket *c;

	KUNIT_ASSERT_EQ(test, afc_kunit_bind(l, LPORT, 0), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(l, 4), 0);
	afc_rx(afc_kunit_frame_hdr(test, seg(AFC_WIRE_SYN, PEER_ISS, 0), 0, 0, PACKET_HOST));
	KUNIT_ASSERT_NOT_NULL(test, afc_kunit_sent(test, &h));
	KUNIT_ASSERT_EQ(test, h.flags, AFC_WIRE_SYN | AFC_WIRE_ACK);
	*iss = h.seq;
	afc_rx(afc_kunit_frame_hdr(test, seg(AFC_WIRE_ACK, PEER_ISS + 1, *iss + 1), 0, 0,
				   PACKET_HOST));
	KUNIT_ASSERT_EQ(test, kernel_accept(l, &c, O_NONBLOCK), 0);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, afc_kunit_sock_init,
							 afc_kunit_sock_free, GFP_KERNEL, c));
	return c;
}

static void send_pattern(struct kunit *test, struct socket *c, size_t len, u8 seed)
{
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);
	struct kvec v = { buf, len };
	struct msghdr msg = {};
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < len; i++)
		buf[i] = (u8)(seed + i * 13);
	KUNIT_ASSERT_EQ(test, kernel_sendmsg(c, &msg, &v, 1, len), (int)len);
}

/* The @len payload bytes of captured frame @skb continue the pattern at byte @from. */
static void expect_pattern(struct kunit *test, struct sk_buff *skb, size_t from, size_t len,
			   u8 seed)
{
	u8 *p = kunit_kmalloc(test, len, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, ETH_HLEN + AFC_WIRE_HLEN, p, len), 0);
	for (i = 0; i < len; i++)
		if (p[i] != (u8)(seed + (from + i) * 13))
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, len, "payload differs at byte %zu", from + i);
}

/* What veth offers: GSO frames go to the device whole, the sum left to it. */
#define VETH_LIKE (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_GSO | NETIF_F_GSO_SCTP)

static void write_of_several_mss_goes_out_as_one_gso_frame(struct kunit *test)
{
	unsigned int iss, mss, max, sent = 0, k;
	unsigned long frames;
	struct afc_wire_hdr h;
	struct sk_buff *skb;
	struct socket *c;

	afc_kunit_dev_features(test, VETH_LIKE);
	c = connection(test, &iss);
	mss = info_of(c).mss;
	frames = afc_net_stat(&init_net, AFC_STAT_TX_FRAMES);
	/* Whole MSS pieces under gso_max_size (65536 with the link's 16 bytes and ours). */
	KUNIT_EXPECT_EQ(test, info_of(c).gso_max, (65536 - 1 - 16 - AFC_WIRE_HLEN) / mss * mss);
	send_pattern(test, c, 3 * mss + 100, 1);
	skb = afc_kunit_sent(test, &h);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_TRUE(test, skb_is_gso(skb));
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_size, mss);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_segs, 4);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_type, (unsigned int)SKB_GSO_SCTP);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, skb->protocol, htons(afc_ethertype()));
	KUNIT_EXPECT_EQ(test, skb_network_offset(skb), ETH_HLEN);
	KUNIT_EXPECT_EQ(test, h.len, 3 * mss + 100);
	KUNIT_EXPECT_EQ(test, h.seq, iss + 1);
	KUNIT_EXPECT_EQ(test, h.flags, AFC_WIRE_ACK);
	expect_pattern(test, skb, 0, h.len, 1);
	KUNIT_EXPECT_NULL(test, afc_kunit_sent(test, &h));
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_TX_FRAMES) - frames, 1UL);
	sent = 3 * mss + 100;

	/* Larger writes: super-segments of a quarter of the peer's window, whole MSS pieces. */
	max = PEER_WINDOW / 4 / mss * mss;
	send_pattern(test, c, 40000, 2);
	for (k = 0; k < 3; k++) {
		unsigned int want = min(max, 40000 - (sent - (3 * mss + 100)));

		skb = afc_kunit_sent(test, &h);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		KUNIT_EXPECT_EQ(test, h.seq, iss + 1 + sent);
		KUNIT_EXPECT_EQ(test, h.len, want);
		KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_size, mss);
		KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_segs, DIV_ROUND_UP(want, mss));
		sent += h.len;
	}
	KUNIT_EXPECT_EQ(test, sent, 3 * mss + 100 + 40000);
	KUNIT_EXPECT_NULL(test, afc_kunit_sent(test, &h));
}

/* SEQPACKET: a record longer than a super-segment spans several; EOR on its last only. */
static void seqpacket_record_spans_super_segments_eor_on_the_last(struct kunit *test)
{
	unsigned int iss, mss, max, got = 0;
	struct afc_wire_hdr h;
	struct sk_buff *skb;
	struct socket *c;

	wire_type = AFC_WIRE_SEQPACKET;
	afc_kunit_dev_features(test, VETH_LIKE);
	c = connection(test, &iss);
	mss = info_of(c).mss;
	max = PEER_WINDOW / 4 / mss * mss;
	send_pattern(test, c, 40000, 9);
	while ((skb = afc_kunit_sent(test, &h))) {
		bool last = got + h.len == 40000;

		KUNIT_EXPECT_EQ(test, h.len, min(max, 40000 - got));
		KUNIT_EXPECT_EQ(test, h.flags, AFC_WIRE_ACK | (last ? AFC_WIRE_EOR : 0));
		expect_pattern(test, skb, got, h.len, 9);
		got += h.len;
	}
	KUNIT_EXPECT_EQ(test, got, 40000U);
}

/*
 * A device without GSO_SCTP: the stack cuts the super-frame up through our gso_segment.  Each
 * piece is an ordinary frame of the MSS (the last shorter) with its own seq, len and checksum,
 * EOR only on the last; with HW_CSUM the sum is left to the device, without it summed here.
 */
static void cut_up(struct kunit *test, netdev_features_t features, u8 type)
{
	unsigned int iss, mss, got = 0, n = 0;
	unsigned long frames;
	struct afc_wire_hdr h;
	struct sk_buff *skb;
	struct socket *c;

	wire_type = type;
	afc_kunit_dev_features(test, features);
	c = connection(test, &iss);
	mss = info_of(c).mss;
	KUNIT_EXPECT_GT(test, info_of(c).gso_max, mss);		/* super-segments are built */
	frames = afc_net_stat(&init_net, AFC_STAT_TX_FRAMES);
	send_pattern(test, c, 3 * mss + 100, 5);
	while ((skb = afc_kunit_sent(test, &h))) {		/* sums verified here */
		bool last = got + h.len == 3 * mss + 100;

		KUNIT_EXPECT_FALSE(test, skb_is_gso(skb));
		KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, (features & NETIF_F_HW_CSUM) ?
						      CHECKSUM_PARTIAL : CHECKSUM_NONE);
		KUNIT_EXPECT_EQ(test, h.seq, iss + 1 + got);
		KUNIT_EXPECT_EQ(test, h.len, last ? 100 : mss);
		KUNIT_EXPECT_EQ(test, h.flags, AFC_WIRE_ACK |
				(last && type == AFC_WIRE_SEQPACKET ? AFC_WIRE_EOR : 0));
		KUNIT_EXPECT_EQ(test, skb->len, ETH_HLEN + AFC_WIRE_HLEN + h.len);
		expect_pattern(test, skb, got, h.len, 5);
		got += h.len;
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 4U);
	KUNIT_EXPECT_EQ(test, got, 3 * mss + 100);
	/* One frame left the core: the pieces were cut below it. */
	KUNIT_EXPECT_EQ(test, afc_net_stat(&init_net, AFC_STAT_TX_FRAMES) - frames, 1UL);
}

static void device_without_gso_sctp_gets_pieces_summed_in_software(struct kunit *test)
{
	cut_up(test, NETIF_F_SG | NETIF_F_GSO, AFC_WIRE_STREAM);
}

static void device_without_gso_sctp_gets_pieces_it_sums_itself(struct kunit *test)
{
	cut_up(test, NETIF_F_SG | NETIF_F_GSO | NETIF_F_HW_CSUM, AFC_WIRE_SEQPACKET);
}

/* A device that takes no GSO at all (no SG, as the default test device): MSS segments. */
static void device_without_gso_gets_mss_segments(struct kunit *test)
{
	unsigned int iss;
	struct socket *c = connection(test, &iss);

	KUNIT_EXPECT_EQ(test, info_of(c).gso_max, info_of(c).mss);
}

/*
 * A GSO buffer of our EtherType as the transmit path hands it to the stack: link header, our
 * header (@h, len = @len), @len payload bytes in a page fragment (byte j is j * 13), marked
 * @gso_size / @gso_type, the sum left to the device.  Data at the link header.
 */
static struct sk_buff *gso_frame(struct kunit *test, struct afc_wire_hdr h, unsigned int len,
				 unsigned int gso_size, unsigned int gso_type)
{
	struct net_device *dev = afc_kunit_dev(test);
	struct sk_buff *skb = alloc_skb(128 + ETH_HLEN + AFC_WIRE_HLEN, GFP_KERNEL);
	unsigned int order = get_order(len ?: 1), j;
	struct page *page;
	struct ethhdr *eth;
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	afc_kunit_keep_skb(test, skb);
	skb_reserve(skb, 128);
	eth = skb_put(skb, ETH_HLEN);
	ether_addr_copy(eth->h_dest, afc_kunit_src_mac);
	ether_addr_copy(eth->h_source, dev->dev_addr);
	eth->h_proto = htons(afc_ethertype());
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	h.len = len;
	afc_wire_put(&h, skb_put(skb, AFC_WIRE_HLEN));
	if (len) {
		page = alloc_pages(GFP_KERNEL | __GFP_COMP, order);
		KUNIT_ASSERT_NOT_NULL(test, page);
		p = page_address(page);
		for (j = 0; j < len; j++)
			p[j] = (u8)(j * 13);
		skb_fill_page_desc(skb, 0, page, 0, len);
		skb->len += len;
		skb->data_len += len;
		skb->truesize += PAGE_SIZE << order;
	}
	skb->dev = dev;
	skb->protocol = htons(afc_ethertype());
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_network_header(skb) - skb->head;
	skb->csum_offset = AFC_WIRE_OFF_CSUM;
	skb_shinfo(skb)->gso_size = gso_size;
	skb_shinfo(skb)->gso_segs = gso_size ? DIV_ROUND_UP(len, gso_size) : 0;
	skb_shinfo(skb)->gso_type = gso_type;
	return skb;
}

/* gso_segment called by the stack as for a device with @features: the pieces, test-managed. */
static struct sk_buff *segment(struct kunit *test, struct sk_buff *skb, netdev_features_t f)
{
	struct sk_buff *segs = skb_gso_segment(skb, f), *s;

	if (!IS_ERR_OR_NULL(segs))
		for (s = segs; s; s = s->next)
			afc_kunit_keep_skb(test, s);
	return segs;
}

static void gso_segment_writes_each_pieces_header_and_sum(struct kunit *test)
{
	struct afc_wire_hdr h = seg(AFC_WIRE_ACK | AFC_WIRE_EOR | AFC_WIRE_FIN, 0xfffff000, 77);
	unsigned int len = 10000, gso = 1400, off = 0, k = 0;
	struct sk_buff *skb, *segs, *s;

	h.type = AFC_WIRE_SEQPACKET;
	skb = gso_frame(test, h, len, gso, SKB_GSO_SCTP);
	segs = segment(test, skb, NETIF_F_SG);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(segs));
	/* The original is left as the stack expects it: at its link header, whole. */
	KUNIT_EXPECT_PTR_EQ(test, skb->data, skb_mac_header(skb));
	KUNIT_EXPECT_EQ(test, skb->len, ETH_HLEN + AFC_WIRE_HLEN + len);
	for (s = segs; s; s = s->next, k++) {
		struct afc_wire_hdr p;
		unsigned int want = min(gso, len - off);

		/* A software sum (no HW_CSUM in the features): afc_wire_parse verifies it. */
		KUNIT_ASSERT_EQ(test, skb_linearize(s), 0);
		KUNIT_EXPECT_EQ(test, (int)s->ip_summed, CHECKSUM_NONE);
		KUNIT_ASSERT_EQ(test, afc_wire_parse(s->data + ETH_HLEN, s->len - ETH_HLEN, &p),
				AFC_DROP_NONE);
		KUNIT_EXPECT_EQ(test, p.len, want);
		KUNIT_EXPECT_EQ(test, p.seq, 0xfffff000 + off);	/* wraps past 2^32 */
		KUNIT_EXPECT_EQ(test, p.ack, 77U);
		KUNIT_EXPECT_EQ(test, p.flags, AFC_WIRE_ACK | (s->next ? 0 : AFC_WIRE_EOR |
							      AFC_WIRE_FIN));
		KUNIT_EXPECT_EQ(test, memcmp(s->data, skb_mac_header(skb), ETH_HLEN), 0);
		expect_pattern(test, s, off, want, 0);
		off += want;
	}
	KUNIT_EXPECT_EQ(test, k, DIV_ROUND_UP(len, gso));
	KUNIT_EXPECT_EQ(test, off, len);
}

/* Every malformed GSO buffer is refused (-EINVAL, the stack drops it) and counted. */
static void malformed_gso_frames_are_refused_and_counted(struct kunit *test)
{
	struct afc_wire_hdr good = seg(AFC_WIRE_ACK, 1, 1);
	unsigned long bad = afc_kunit_drops(AFC_DROP_GSO);
	unsigned int n = 0;
	struct sk_buff *skb;
	struct {
		const char *what;
		u8 version, type, flags;
		unsigned int len, gso_size, gso_type;
	} cases[] = {
		{ "TCPV4", 2, AFC_WIRE_STREAM, AFC_WIRE_ACK, 5000, 1400, SKB_GSO_TCPV4 },
		{ "SCTP|DODGY", 2, AFC_WIRE_STREAM, AFC_WIRE_ACK, 5000, 1400,
		  SKB_GSO_SCTP | SKB_GSO_DODGY },
		{ "SCTP|TCPV6", 2, AFC_WIRE_STREAM, AFC_WIRE_ACK, 5000, 1400,
		  SKB_GSO_SCTP | SKB_GSO_TCPV6 },
		{ "version 1", 1, AFC_WIRE_STREAM, AFC_WIRE_ACK, 5000, 1400, SKB_GSO_SCTP },
		{ "DGRAM", 2, AFC_WIRE_DGRAM, 0, 5000, 1400, SKB_GSO_SCTP },
		{ "unknown type", 2, 9, AFC_WIRE_ACK, 5000, 1400, SKB_GSO_SCTP },
		{ "SYN", 2, AFC_WIRE_STREAM, AFC_WIRE_SYN, 5000, 1400, SKB_GSO_SCTP },
		{ "RST", 2, AFC_WIRE_STREAM, AFC_WIRE_RST | AFC_WIRE_ACK, 5000, 1400,
		  SKB_GSO_SCTP },
		{ "undefined flag", 2, AFC_WIRE_STREAM, 0x80, 5000, 1400, SKB_GSO_SCTP },
		{ "gso_size 0", 2, AFC_WIRE_STREAM, AFC_WIRE_ACK, 5000, 0, SKB_GSO_SCTP },
		{ "gso_size 1", 2, AFC_WIRE_STREAM, AFC_WIRE_ACK, 5000, 1, SKB_GSO_SCTP },
		{ "one piece", 2, AFC_WIRE_STREAM, AFC_WIRE_ACK, 5000, 5000, SKB_GSO_SCTP },
		{ "no payload", 2, AFC_WIRE_STREAM, AFC_WIRE_ACK, 0, 1400, SKB_GSO_SCTP },
	};

	for (n = 0; n < ARRAY_SIZE(cases); n++) {
		struct afc_wire_hdr h = good;

		h.type = cases[n].type;
		h.flags = cases[n].flags;
		skb = gso_frame(test, h, cases[n].len, cases[n].gso_size, cases[n].gso_type);
		skb_network_header(skb)[AFC_WIRE_OFF_VERSION] = cases[n].version;
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(segment(test, skb, NETIF_F_SG)), -EINVAL,
				    "%s", cases[n].what);
	}
	/* The length field disagreeing with the buffer, either way. */
	skb = gso_frame(test, good, 5000, 1400, SKB_GSO_SCTP);
	put_unaligned_be16(4999, skb_network_header(skb) + AFC_WIRE_OFF_LEN);
	KUNIT_EXPECT_EQ(test, PTR_ERR(segment(test, skb, NETIF_F_SG)), -EINVAL);
	skb = gso_frame(test, good, 5000, 1400, SKB_GSO_SCTP);
	put_unaligned_be16(5001, skb_network_header(skb) + AFC_WIRE_OFF_LEN);
	KUNIT_EXPECT_EQ(test, PTR_ERR(segment(test, skb, NETIF_F_SG)), -EINVAL);
	/* Our header not where the network header is. */
	skb = gso_frame(test, good, 5000, 1400, SKB_GSO_SCTP);
	skb_set_network_header(skb, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(segment(test, skb, NETIF_F_SG)), -EINVAL);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_GSO) - bad,
			(unsigned long)ARRAY_SIZE(cases) + 3);
	/* The well-formed one goes through. */
	skb = gso_frame(test, good, 5000, 1400, SKB_GSO_SCTP);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(segment(test, skb, NETIF_F_SG)));
}

/*
 * A super-frame arriving whole (a veth's receiver) is one segment: checked, acknowledged once,
 * read from its fragments; sent by the local stack (CHECKSUM_PARTIAL) it is not summed.
 */
static void super_frame_received_whole_is_one_segment(struct kunit *test)
{
	unsigned int iss, base = PEER_ISS + 1, len = 60000, i;
	struct afc_wire_hdr h;
	struct sk_buff *skb;
	struct socket *c;
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);
	struct kvec v = { buf, len };
	struct msghdr msg = {};

	KUNIT_ASSERT_NOT_NULL(test, buf);
	c = connection(test, &iss);
	skb = afc_kunit_frame_paged(test, seg(AFC_WIRE_ACK, base, iss + 1), len, 0);
	put_unaligned_be16(0, skb->data + AFC_WIRE_OFF_CSUM);	/* left to a device */
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_headroom(skb);
	skb->csum_offset = AFC_WIRE_OFF_CSUM;
	skb_shinfo(skb)->gso_size = 1476;
	skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(len, 1476);
	skb_shinfo(skb)->gso_type = SKB_GSO_SCTP;
	afc_rx(skb);
	KUNIT_ASSERT_NOT_NULL(test, afc_kunit_sent(test, &h));
	KUNIT_EXPECT_EQ(test, h.flags, AFC_WIRE_ACK);
	KUNIT_EXPECT_EQ(test, h.ack, base + len);
	KUNIT_EXPECT_NULL(test, afc_kunit_sent(test, &h));
	KUNIT_ASSERT_EQ(test, kernel_recvmsg(c, &msg, &v, 1, len, MSG_DONTWAIT), (int)len);
	for (i = 0; i < len; i++)
		if (buf[i] != (u8)i)
			break;
	KUNIT_EXPECT_EQ(test, i, len);
}

static void gso_exit(struct kunit *test)
{
	wire_type = AFC_WIRE_STREAM;
}

static struct kunit_case gso_cases[] = {
	KUNIT_CASE(write_of_several_mss_goes_out_as_one_gso_frame),
	KUNIT_CASE(seqpacket_record_spans_super_segments_eor_on_the_last),
	KUNIT_CASE(device_without_gso_sctp_gets_pieces_summed_in_software),
	KUNIT_CASE(device_without_gso_sctp_gets_pieces_it_sums_itself),
	KUNIT_CASE(device_without_gso_gets_mss_segments),
	KUNIT_CASE(gso_segment_writes_each_pieces_header_and_sum),
	KUNIT_CASE(malformed_gso_frames_are_refused_and_counted),
	KUNIT_CASE(super_frame_received_whole_is_one_segment),
	{}
};

static struct kunit_suite gso_suite = {
	.name = "afc_gso",
	.exit = gso_exit,
	.test_cases = gso_cases,
};

kunit_test_suites(&gso_suite);
