// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for GSO super-segments (Documentation/connections.rst, "GSO super-segments"),
 * between two network namespaces joined by a veth pair.  Needs root.
 *
 * A packet capture on the receiving veth counts what crosses it: super-frames (longer than the
 * MTU) arrive whole over veth, and the capture changes nothing; frames are cut to the MTU by our
 * gso_segment when the sending veth's gso_max_size is lowered after the connection was made, and
 * summed in software when the sending veth cannot checksum; transfers under netem loss and
 * reordering (a capture attached: super-frames still cross whole) and SEQPACKET records
 * spanning super-segments arrive intact; GSO frames forged from a packet socket are dropped and
 * counted, never segmented.  The transfers and the capture are transfer.h's.
 *
 *   gso_test [HARNESS OPTIONS]  the cases (harness.h: -l lists them, -r/-t pick some)
 *   gso_test bench [MIB [BUF]]  not a test: times an af_custom STREAM and a TCP transfer of
 *                           MIB MiB (default 256) over one veth pair in 64 KiB writes, with
 *                           BUF-byte socket buffers (default: the defaults), prints MB/s
 *                           (Documentation/performance.rst, "GSO super-packets")
 */
#include <netinet/in.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include "../lib/afc.h"
#include "sockets.h"
#include "transfer.h"

#define PORT		7200
#define TIMEOUT_S	20
/*
 * The time limit of a case with a STREAM transfer: above TRANSFER_MS, so that a stalled
 * transfer reports what arrived.  Healthy, each case takes at most ~10 s on the debug kernel.
 */
#define CASE_S		90

/* ---- connections ---- */

/*
 * *cl in b's namespace connected to a listener in a's (closed once it accepted, on a port not
 * used before); returns the accepted socket.  rcvbuf > 0: the listener's SO_RCVBUFFORCE, which
 * its child inherits (the window the client sees from the start, and so its super-segments'
 * size).
 */
static int connect_pair(struct __test_metadata *_metadata, struct link *a, struct link *b,
			int type, int rcvbuf, int *cl)
{
	static unsigned short port = PORT;	/* a new one each time: none is in TIME_WAIT */
	struct sockaddr_custom me = scu(port, 0, NULL), to = scu(port, b->ifindex, a->mac);
	int lfd = conn_socket(_metadata, a->ns, type, TIMEOUT_S), acc;

	if (rcvbuf) {
		ASSERT_EQ(setsockopt_int(lfd, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf), 0);
	}
	ASSERT_EQ(bind(lfd, SA(&me), sizeof(me)), 0);
	ASSERT_EQ(listen(lfd, 4), 0);
	*cl = conn_socket(_metadata, b->ns, type, TIMEOUT_S);
	ASSERT_EQ(connect(*cl, SA(&to), sizeof(to)), 0);
	acc = accept(lfd, NULL, NULL);
	ASSERT_GE(acc, 0);
	close(lfd);
	port++;
	return acc;
}

/* ---- the cases ---- */

TEST_TIMEOUT(stream_over_veth_arrives_in_super_frames_intact_under_a_capture, CASE_S)
{
	struct link a = { 0 }, b = { 0 };
	size_t total = debug_kernel() ? 4 << 20 : 32 << 20;
	struct capture cap;
	long long frames;
	int cl, acc;

	veth_pair(_metadata, &a, &b);
	acc = connect_pair(_metadata, &a, &b, SOCK_STREAM, 0, &cl);
	frames = stat_get(_metadata, a.ns, "rx_frames");
	capture_start(_metadata, &cap, &a);
	stream_transfer(_metadata, acc, cl, total);
	capture_stop(_metadata, &cap, "receiving veth");
	frames = stat_get(_metadata, a.ns, "rx_frames") - frames;
	stats_print(_metadata, a.ns, "receiver");
	stats_print(_metadata, b.ns, "sender");
	printf("# %lld frames for %zu bytes: %.0f bytes a frame (MTU %d)\n", frames, total,
	       frames ? (double)total / frames : 0.0, a.mtu);
	/* Whole super-frames crossed the veth, under gso_max_size (65536). */
	EXPECT_GT(cap.super, 0);
	EXPECT_LE(cap.max, 65535);
	EXPECT_GT((long long)total / (frames ? frames : 1), a.mtu);
	/* Sent by the local stack over veth: the sum was left to the device, and never done. */
	EXPECT_EQ(cap.bad_sum, 0);
	EXPECT_GT(cap.unsummed, 0);
	EXPECT_EQ(stat_get(_metadata, a.ns, "drop_bad_checksum"), 0);
	EXPECT_EQ(stat_get(_metadata, a.ns, "drop_bad_length"), 0);
	close(cl);
	close(acc);
}

/*
 * gso_max_size lowered under the connection's super-segments: the stack cuts each up through
 * our gso_segment.  Only MTU-sized frames cross, many more than the core handed down, and the
 * stream is intact.
 */
TEST_TIMEOUT(frames_are_cut_to_the_mtu_when_gso_max_size_drops_below_them, CASE_S)
{
	struct link a = { 0 }, b = { 0 };
	size_t total = debug_kernel() ? 2 << 20 : 8 << 20;
	long long tx, rx;
	struct capture cap;
	int cl, acc;

	veth_pair(_metadata, &a, &b);
	acc = connect_pair(_metadata, &a, &b, SOCK_STREAM, 0, &cl);
	ASSERT_EQ(ns_run(_metadata, b.ns, NS_IP " link set dev %s gso_max_size 1500", b.name), 0);
	tx = stat_get(_metadata, b.ns, "tx_frames");
	rx = stat_get(_metadata, a.ns, "rx_frames");
	capture_start(_metadata, &cap, &a);
	stream_transfer(_metadata, acc, cl, total);
	capture_stop(_metadata, &cap, "receiving veth");
	tx = stat_get(_metadata, b.ns, "tx_frames") - tx;
	rx = stat_get(_metadata, a.ns, "rx_frames") - rx;
	printf("# the sender's core handed down %lld frames, %lld arrived\n", tx, rx);
	EXPECT_EQ(cap.super, 0);
	EXPECT_LE(cap.max, ETH_HLEN + a.mtu);
	EXPECT_GT(rx, 4 * tx);		/* super-segments were built, and cut below the core */
	EXPECT_EQ(cap.bad_sum, 0);
	EXPECT_EQ(stat_get(_metadata, a.ns, "drop_bad_checksum"), 0);
	EXPECT_EQ(stat_get(_metadata, b.ns, "drop_bad_gso"), 0);
	close(cl);
	close(acc);
}

/* SIOCETHTOOL on l: tx checksumming on or off (what `ethtool -K dev tx off` does). */
static void link_tx_csum(struct __test_metadata *_metadata, const struct link *l, bool on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = on };
	struct ifreq ifr = { .ifr_data = (void *)&ev };

	ASSERT_EQ(link_ioctl(_metadata, l, SIOCETHTOOL, &ifr), 0);
	ev = (struct ethtool_value){ .cmd = ETHTOOL_GTXCSUM };
	ASSERT_EQ(link_ioctl(_metadata, l, SIOCETHTOOL, &ifr), 0);
	ASSERT_EQ(ev.data, on);
}

/*
 * A sending veth that cannot checksum: the stack cuts the super-segments up (no GSO without
 * the sum) and our gso_segment sums each piece in software; every frame arrives summed.
 */
TEST_TIMEOUT(frames_are_cut_and_summed_in_software_when_the_veth_cannot_checksum, CASE_S)
{
	struct link a = { 0 }, b = { 0 };
	size_t total = debug_kernel() ? 2 << 20 : 8 << 20;
	struct capture cap;
	int cl, acc;

	veth_pair(_metadata, &a, &b);
	link_tx_csum(_metadata, &b, false);
	acc = connect_pair(_metadata, &a, &b, SOCK_SEQPACKET, 0, &cl);
	capture_start(_metadata, &cap, &a);
	{
		size_t sizes[64];
		unsigned int n = debug_kernel() ? 16 : 64;
		uint64_t x = 12345;

		for (unsigned int i = 0; i < n; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			sizes[i] = 1 + (x >> 33) % MAX_RECORD;
		}
		record_transfer(_metadata, acc, cl, sizes, n);
	}
	close(cl);
	close(acc);
	acc = connect_pair(_metadata, &a, &b, SOCK_STREAM, 0, &cl);
	stream_transfer(_metadata, acc, cl, total);
	capture_stop(_metadata, &cap, "receiving veth");
	EXPECT_GT(cap.frames, 0);
	EXPECT_EQ(cap.super, 0);
	EXPECT_EQ(cap.unsummed, 0);
	EXPECT_EQ(cap.bad_sum, 0);
	EXPECT_EQ(stat_get(_metadata, a.ns, "drop_bad_checksum"), 0);
	close(cl);
	close(acc);
}

/*
 * netem (no corruption) hands super-segments on whole: sch_netem.c cuts a GSO buffer up only
 * to corrupt it.  A connection's segments are sized when written (conn_seg_max: a quarter of
 * the peer's largest window, whole MSS pieces), not by loss, so super-frames cross whatever
 * is lost or reordered, and a capture on the receiving veth sees them, each correctly summed
 * or left to the device.
 */
TEST_TIMEOUT(stream_and_records_arrive_intact_under_netem_loss_and_reordering_and_a_capture,
	     CASE_S)
{
	struct link a = { 0 }, b = { 0 };
	size_t total = debug_kernel() ? 1 << 20 : 4 << 20;
	size_t sizes[48];
	unsigned int n = debug_kernel() ? 12 : 48;
	uint64_t x = 777;
	struct capture cap;
	int cl, acc;

	veth_pair(_metadata, &a, &b);
	netem_both(_metadata, &a, &b);
	acc = connect_pair(_metadata, &a, &b, SOCK_STREAM, 0, &cl);
	capture_start(_metadata, &cap, &a);
	stream_transfer(_metadata, acc, cl, total);
	capture_stop(_metadata, &cap, "receiving veth, STREAM");
	EXPECT_GT(cap.frames, 0);
	EXPECT_GT(cap.super, 0);
	EXPECT_LE(cap.max, 65535);
	EXPECT_EQ(cap.bad_sum, 0);
	EXPECT_EQ(stat_get(_metadata, a.ns, "drop_bad_checksum"), 0);
	close(cl);
	close(acc);
	for (unsigned int i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sizes[i] = 1 + (x >> 33) % MAX_RECORD;
	}
	acc = connect_pair(_metadata, &a, &b, SOCK_SEQPACKET, 0, &cl);
	record_transfer(_metadata, acc, cl, sizes, n);
	stats_print(_metadata, a.ns, "receiver");
	stats_print(_metadata, b.ns, "sender");
	close(cl);
	close(acc);
}

/*
 * With a 4 MiB receive buffer the window allows ~64 KiB super-segments: a 64 KiB record spans
 * two.  Every record arrives whole, with its bytes; a capture sees one EOR per record.
 */
TEST(seqpacket_records_spanning_super_segments_keep_their_boundaries)
{
	struct link a = { 0 }, b = { 0 };
	int cl, acc, mss = 0;
	socklen_t len = sizeof(mss);
	struct capture cap;
	size_t sizes[] = { MAX_RECORD, 0, 0, 0, 1, 30000, MAX_RECORD - 1, MAX_RECORD, 2, 0 };

	veth_pair(_metadata, &a, &b);
	acc = connect_pair(_metadata, &a, &b, SOCK_SEQPACKET, 4 << 20, &cl);
	ASSERT_EQ(getsockopt(cl, SOL_CUSTOM, AF_CUSTOM_MAXSEG, &mss, &len), 0);
	/* A super-segment's payload (whole MSS pieces under 65536), one less, one more. */
	sizes[1] = (65536 - 1 - 16 - AFC_WIRE_HLEN) / mss * mss;
	sizes[2] = sizes[1] - 1;
	sizes[3] = sizes[1] + 1;
	sizes[9] = 2 * mss + 1;
	capture_start(_metadata, &cap, &a);
	record_transfer(_metadata, acc, cl, sizes, ARRAY_SIZE(sizes));
	capture_stop(_metadata, &cap, "receiving veth");
	EXPECT_GT(cap.super, 0);
	EXPECT_EQ(cap.eor, (long)ARRAY_SIZE(sizes));
	close(cl);
	close(acc);
}

/*
 * GSO frames of our EtherType forged from a packet socket (PACKET_VNET_HDR: gso_type TCPV4,
 * TCPV6 or UDP, the sum left to the device).  veth cannot take them whole (they are DODGY), so
 * the stack hands them to our gso_segment, which refuses them: dropped and counted as bad_gso,
 * nothing crosses.  A frame over the MTU without GSO is refused by the packet socket itself.
 * The connection between the two namespaces is untouched.
 */
TEST(gso_frames_forged_from_a_packet_socket_are_dropped_and_counted)
{
	struct link a = { 0 }, b = { 0 };
	static unsigned char f[sizeof(struct virtio_net_hdr) + ETH_HLEN + AFC_WIRE_HLEN + 20000];
	const struct { unsigned char type; unsigned short off; } kinds[] = {
		{ VIRTIO_NET_HDR_GSO_TCPV4, 16 },	/* the TCP checksum's offset: required */
		{ VIRTIO_NET_HDR_GSO_TCPV6, 16 },
		{ VIRTIO_NET_HDR_GSO_UDP, AFC_WIRE_OFF_CSUM },
	};
	struct capture cap;
	long long bad, rx;
	int inj, on = 1, cl, acc, forged = 0;
	char buf[8];

	veth_pair(_metadata, &a, &b);
	acc = connect_pair(_metadata, &a, &b, SOCK_STREAM, 0, &cl);
	inj = packet_socket(_metadata, &b, ethertype());
	ASSERT_EQ(setsockopt(inj, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)), 0);
	bad = stat_get(_metadata, b.ns, "drop_bad_gso");
	rx = stat_get(_metadata, a.ns, "rx_frames");
	capture_start(_metadata, &cap, &a);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		for (int i = 0; i < 10; i++) {
			struct virtio_net_hdr *v = (struct virtio_net_hdr *)f;
			unsigned char *e = f + sizeof(*v);
			struct afc_wire_hdr w = {
				.version = AFC_WIRE_VERSION, .type = AFC_WIRE_STREAM,
				.flags = AFC_WIRE_ACK, .sport = 1, .dport = PORT, .len = 20000,
				.seq = 1000 + i * 20000,
			};
			ssize_t n;

			memset(f, 0, sizeof(f));
			v->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			v->gso_type = kinds[k].type;
			v->gso_size = 1400;
			v->hdr_len = ETH_HLEN + AFC_WIRE_HLEN;
			v->csum_start = ETH_HLEN;
			v->csum_offset = kinds[k].off;
			eth_header(e, &b, &a, ethertype());
			afcw_build(e + ETH_HLEN, &w, NULL, 0);
			afcw_put16(e + ETH_HLEN + AFC_WIRE_OFF_LEN, 20000);
			n = send(inj, f, sizeof(f), 0);
			/* Handed to the device and dropped there: the send may report it. */
			if (n < 0 && errno != ENOMEM && errno != ENOBUFS)
				printf("# kind %zu: send: %s\n", k, strerror(errno));
			else
				forged++;
		}
	}
	EXPECT_EQ(forged, 30);
	EXPECT_EQ(stat_wait_rise(_metadata, b.ns, "drop_bad_gso", bad, forged), forged);
	/* Without GSO, a frame over the MTU does not even leave the packet socket. */
	on = 0;
	ASSERT_EQ(setsockopt(inj, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)), 0);
	EXPECT_ERRNO(send(inj, f + sizeof(struct virtio_net_hdr), ETH_HLEN + a.mtu + 100, 0),
		     EMSGSIZE);
	capture_stop(_metadata, &cap, "receiving veth");
	EXPECT_EQ(cap.frames, 0);
	EXPECT_EQ(stat_get(_metadata, a.ns, "rx_frames"), rx);
	/* The real connection carries on. */
	ASSERT_EQ(send(cl, "ping", 4, 0), 4);
	ASSERT_EQ(recv(acc, buf, sizeof(buf), 0), 4);
	EXPECT_EQ(memcmp(buf, "ping", 4), 0);
	close(inj);
	close(cl);
	close(acc);
}

/* ---- bench: not a test ---- */

/*
 * A TCP connection over the same veth: *cl in b's namespace, the accepted socket in a's.
 * rcvbuf > 0: the listener's SO_RCVBUFFORCE, as connect_pair (it turns autotuning off).
 */
static int tcp_pair(struct __test_metadata *_metadata, struct link *a, struct link *b,
		    int rcvbuf, int *cl)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(PORT) }, to = me;
	int lfd, acc, one = 1;

	inet_pton(AF_INET, "10.77.0.1", &to.sin_addr);
	ns_enter(_metadata, a->ns);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	if (rcvbuf) {
		ASSERT_EQ(setsockopt_int(lfd, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf), 0);
	}
	ASSERT_EQ(bind(lfd, (struct sockaddr *)&me, sizeof(me)), 0);
	ASSERT_EQ(listen(lfd, 4), 0);
	ns_enter(_metadata, b->ns);
	*cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(*cl, 0);
	ASSERT_EQ(connect(*cl, (struct sockaddr *)&to, sizeof(to)), 0);
	acc = accept(lfd, NULL, NULL);
	ASSERT_GE(acc, 0);
	close(lfd);
	return acc;
}

/* The ms total bytes take from cl to acc in WRITE-byte sends (contents not checked). */
static long long timed(struct __test_metadata *_metadata, int acc, int cl, size_t total)
{
	static unsigned char buf[256 << 10];
	struct stream_xfer s = { .from = cl, .len = total };
	long long t0 = now_ms();
	size_t got = 0;
	pthread_t t;
	ssize_t n;

	ASSERT_EQ(pthread_create(&t, NULL, stream_sender, &s), 0);
	while ((n = recv(acc, buf, sizeof(buf), 0)) > 0)
		got += n;
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_EQ(got, total);
	return now_ms() - t0;
}

#define BENCH_RUNS 5

static int cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return a < b ? -1 : a > b;
}

/*
 * total MiB through an af_custom STREAM and through TCP over one veth pair, BENCH_RUNS times
 * each, interleaved; buf > 0: SO_SNDBUF and SO_RCVBUF of both (forced), else the defaults (TCP
 * then autotunes its buffers; af_custom has no autotuning).  The machine may be shared: the
 * median and the best run are printed, each transfer's time too.
 */
static int bench(size_t mib, int buf)
{
	/* Outside the harness's cases: a failed ASSERT comes back here. */
	struct __test_metadata md = { .name = "bench", .passed = 1 }, *_metadata = &md;
	size_t total = mib << 20;
	long long ms[2][BENCH_RUNS];
	const char *const name[2] = { "af_custom", "TCP" };
	struct link a = { 0 }, b = { 0 };
	char bufs[32] = "default buffers";
	double med[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setjmp(md.env))
		return 1;
	if (buf)
		snprintf(bufs, sizeof(bufs), "%d KiB buffers", buf >> 10);
	veth_pair(_metadata, &a, &b);
	ASSERT_EQ(ns_run(_metadata, a.ns, NS_IP " addr add 10.77.0.1/24 dev %s", a.name), 0);
	ASSERT_EQ(ns_run(_metadata, b.ns, NS_IP " addr add 10.77.0.2/24 dev %s", b.name), 0);
	printf("bench: %zu MiB from one namespace to another over veth (MTU %d), %d KiB writes, "
	       "%s\n", mib, a.mtu, WRITE >> 10, bufs);
	for (int i = 0; i < BENCH_RUNS; i++) {
		for (int p = 0; p < 2; p++) {
			int cl, acc = p ? tcp_pair(_metadata, &a, &b, buf, &cl)
					: connect_pair(_metadata, &a, &b, SOCK_STREAM, buf, &cl);

			if (buf) {
				ASSERT_EQ(setsockopt_int(cl, SOL_SOCKET, SO_SNDBUFFORCE, buf), 0);
			}
			ms[p][i] = timed(_metadata, acc, cl, total);
			close(cl);
			close(acc);
			printf("bench: run %d: %-9s %6lld ms %8.1f MB/s\n", i + 1, name[p], ms[p][i],
			       total / 1000.0 / ms[p][i]);
			usleep(200 * 1000);
		}
	}
	for (int p = 0; p < 2; p++) {
		qsort(ms[p], BENCH_RUNS, sizeof(ms[p][0]), cmp_ll);
		med[p] = total / 1000.0 / ms[p][BENCH_RUNS / 2];
		printf("bench: %-9s median %.1f MB/s, best %.1f MB/s\n", name[p], med[p],
		       total / 1000.0 / ms[p][0]);
	}
	printf("bench: af_custom/TCP %.2f (medians)\n", med[0] / med[1]);
	return !md.passed;
}

/*
 * The cases' connections go with their namespaces, which the kernel tears down after the case's
 * process has exited: wait (at most 10 s) until none holds the module, so that the next program
 * (module_test unloads it) starts clean.
 */
static void wait_module_idle(void)
{
	long long deadline = now_ms() + 10000;

	while (afc_module_refcnt() > 0 && now_ms() < deadline)
		usleep(20 * 1000);
}

/*
 * harness.h's TEST_HARNESS_MAIN, but `bench [MIB [BUF]]` (more than its one AFC_OPERAND) first,
 * and wait_module_idle() once the cases are done (the harness exit()s; the cases' children
 * _exit() and do not run it).
 */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "bench"))
		return bench(argc > 2 ? strtoul(argv[2], NULL, 0) : 256,
			     argc > 3 ? (int)strtoul(argv[3], NULL, 0) : 0);
	atexit(wait_module_idle);
	return afc_harness_run(argc, argv, NULL);
}
