/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transfers and captures for the selftests that move bulk data between two namespaces (gso_test,
 * lookup_test): byte-checked STREAM transfers and SEQPACKET records, a packet capture on a veth
 * that counts and checks the af_custom frames crossing it, netem on both ends of a pair, and the
 * namespace's counters.  Include after sockets.h.
 *
 * Every byte sent is byte_at(k, j): byte j of stream k (record k of a SEQPACKET transfer is
 * stream k), so the receiver checks each one without a copy of what was sent.
 */
#ifndef AFC_TRANSFER_H
#define AFC_TRANSFER_H

#include <pthread.h>
#include <stdint.h>
#include <linux/filter.h>
#include "../lib/wire.h"
#include "sockets.h"

#define WRITE		(64 << 10)	/* bytes per send() */
#define MAX_RECORD	65536		/* SOCK_SEQPACKET's largest record */
#define TRANSFER_MS	45000		/* a transfer gives up here, under its case's limit */
/* Delay, some loss and reordering on both veth ends (a printf format). */
#define NETEM_ARGS	"loss 2%% reorder 25%% delay 1ms"

/* The debug kernel (KASAN, lockdep, kmemleak) runs about ten times slower. */
static inline bool debug_kernel(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

static inline unsigned short ethertype(void)
{
	long t = afc_param("ethertype");

	return t > 0 ? t : AF_CUSTOM_ETHERTYPE;
}

/* netem NETEM_ARGS on both ends of the pair a <-> b. */
static inline void netem_both(struct __test_metadata *_metadata, const struct link *a,
			      const struct link *b)
{
	ASSERT_EQ(ns_run(_metadata, a->ns, NS_TC " qdisc add dev %s root netem " NETEM_ARGS,
			 a->name), 0);
	ASSERT_EQ(ns_run(_metadata, b->ns, NS_TC " qdisc add dev %s root netem " NETEM_ARGS,
			 b->name), 0);
	printf("# netem on both veth ends: " NETEM_ARGS "\n");
}

static inline void stats_print(struct __test_metadata *_metadata, int ns, const char *who)
{
	static const char *const names[] = {
		"rx_frames", "tx_frames", "segs_retransmitted", "out_of_order_segments",
		"drop_bad_checksum", "drop_bad_length", "drop_rcvbuf_full", "drop_bad_gso",
	};

	printf("# %s:", who);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		printf(" %s %lld", names[i], stat_get(_metadata, ns, names[i]));
	printf("\n");
}

/* ---- data: byte j of stream k ---- */

static inline unsigned char byte_at(unsigned int k, size_t j)
{
	uint64_t h = (j >> 3) * 0x9e3779b97f4a7c15ULL + (k + 1) * 0xbf58476d1ce4e5b9ULL;

	h ^= h >> 29;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 32;
	return (unsigned char)(h >> ((j & 7) * 8));
}

static inline void fill_at(unsigned char *buf, unsigned int k, size_t from, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = byte_at(k, from + i);
}

/* How many of the len bytes at buf differ from stream k at `from`. */
static inline size_t differ_at(const unsigned char *buf, unsigned int k, size_t from, size_t len)
{
	size_t bad = 0;

	for (size_t i = 0; i < len; i++)
		bad += buf[i] != byte_at(k, from + i);
	return bad;
}

/* ---- a capture on a veth: the af_custom frames arriving there ---- */

struct capture {
	int fd;
	int mtu;
	volatile int stop;
	pthread_t t;
	/* results */
	long frames;		/* af_custom frames that arrived (that the filter took) */
	long super;		/* ... longer than the MTU */
	long max;		/* the longest, Ethernet header included */
	long eor;		/* ... with EOR set */
	long unsummed;		/* ... whose checksum field is zero (left to a device) */
	long bad_sum;		/* ... with a sum filled in that does not sum to zero */
	long drops;		/* frames the capture's socket dropped (its buffer was full) */
};

/* Counts frames until told to stop, then those still queued. */
static inline void *capture_loop(void *arg)
{
	struct capture *c = arg;
	unsigned char *f = malloc(70000);

	while (f) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (!c->stop && poll(&p, 1, 50) != 1)
			continue;
		n = recv(c->fd, f, 70000, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && c->stop)
			break;
		if (n < ETH_HLEN + AFC_WIRE_HLEN || n > 70000)
			continue;
		const unsigned char *h = f + ETH_HLEN;
		size_t len = AFC_WIRE_HLEN + afcw_get16(h + AFC_WIRE_OFF_LEN);

		c->frames++;
		if (n > ETH_HLEN + c->mtu)
			c->super++;
		if (n > c->max)
			c->max = n;
		if (h[AFC_WIRE_OFF_FLAGS] & AFC_WIRE_EOR)
			c->eor++;
		if (!afcw_get16(h + AFC_WIRE_OFF_CSUM))
			c->unsummed++;
		else if (len <= (size_t)n - ETH_HLEN && afcw_csum(h, len))
			c->bad_sum++;
	}
	free(f);
	return NULL;
}

/* PACKET_STATISTICS' struct tpacket_stats (linux/if_packet.h clashes with netpacket/packet.h). */
struct capture_stats {
	unsigned int packets, drops;
};

/*
 * Starts capturing the af_custom frames arriving at l; with a filter (classic BPF over the
 * Ethernet frame), only those it accepts.  Frames queued before the filter was attached are
 * thrown away first.
 */
static inline void capture_start_filtered(struct __test_metadata *_metadata, struct capture *c,
					  const struct link *l, const struct sock_fprog *filter)
{
	struct capture_stats st;
	socklen_t len = sizeof(st);
	unsigned char f[ETH_HLEN];
	int big = 8 << 20;

	memset(c, 0, sizeof(*c));
	c->fd = packet_socket(_metadata, l, ethertype());
	c->mtu = l->mtu;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (filter) {
		ASSERT_EQ(setsockopt(c->fd, SOL_SOCKET, SO_ATTACH_FILTER, filter, sizeof(*filter)),
			  0);
		while (recv(c->fd, f, sizeof(f), MSG_TRUNC | MSG_DONTWAIT) >= 0)
			;
	}
	ASSERT_EQ(getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len), 0);	/* resets */
	ASSERT_EQ(pthread_create(&c->t, NULL, capture_loop, c), 0);
}

static inline void capture_start(struct __test_metadata *_metadata, struct capture *c,
				 const struct link *l)
{
	capture_start_filtered(_metadata, c, l, NULL);
}

static inline void capture_stop(struct __test_metadata *_metadata, struct capture *c,
				const char *what)
{
	struct capture_stats st;
	socklen_t len = sizeof(st);

	usleep(200 * 1000);		/* the last frames */
	c->stop = 1;
	ASSERT_EQ(pthread_join(c->t, NULL), 0);
	ASSERT_EQ(getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len), 0);
	c->drops = st.drops;
	close(c->fd);
	printf("# capture (%s): %ld frames, %ld longer than the MTU, longest %ld bytes, %ld with "
	       "EOR, %ld unsummed, %ld bad sums, %ld dropped by the capture\n", what, c->frames,
	       c->super, c->max, c->eor, c->unsummed, c->bad_sum, c->drops);
}

/* ---- a STREAM transfer: len bytes of stream k from one socket to another ---- */

struct stream_xfer {
	int from, to;		/* the sending and the receiving socket */
	unsigned int k;
	size_t len;
	pthread_t tx, rx;
	/* results */
	size_t sent, got, bad;	/* bytes sent, received, received wrong */
	int send_err, recv_err;	/* errno of a failed send or recv (-1: a short send) */
	long long ms;		/* until the receiver's end of stream */
};

static inline void *stream_sender(void *arg)
{
	struct stream_xfer *x = arg;
	unsigned char *buf = malloc(WRITE);

	if (!buf)
		x->send_err = ENOMEM;
	while (buf && x->sent < x->len) {
		size_t n = x->len - x->sent < WRITE ? x->len - x->sent : WRITE;
		ssize_t w;

		fill_at(buf, x->k, x->sent, n);
		w = send(x->from, buf, n, MSG_NOSIGNAL);
		if (w != (ssize_t)n) {		/* a blocking send writes it all */
			x->send_err = w < 0 ? errno : -1;
			break;
		}
		x->sent += n;
	}
	shutdown(x->from, SHUT_WR);
	free(buf);
	return NULL;
}

/* Reads until the end of the stream, an error or TRANSFER_MS, checking every byte. */
static inline void *stream_receiver(void *arg)
{
	struct stream_xfer *x = arg;
	unsigned char *buf = malloc(256 << 10);
	long long t0 = now_ms();

	if (!buf)
		x->recv_err = ENOMEM;
	while (buf) {
		ssize_t n = recv(x->to, buf, 256 << 10, 0);

		if (n <= 0) {
			if (n < 0) {
				x->recv_err = errno;
				printf("# stream %u: recv: %s after %zu bytes\n", x->k,
				       strerror(errno), x->got);
			}
			break;
		}
		x->bad += differ_at(buf, x->k, x->got, n);
		x->got += n;
		if (now_ms() - t0 > TRANSFER_MS) {
			printf("# stream %u: stopped after %d ms\n", x->k, TRANSFER_MS);
			break;
		}
	}
	x->ms = now_ms() - t0;
	free(buf);
	return NULL;
}

/* Starts the transfer x (from, to, k and len set) in two threads. */
static inline void stream_start(struct __test_metadata *_metadata, struct stream_xfer *x)
{
	ASSERT_EQ(pthread_create(&x->tx, NULL, stream_sender, x), 0);
	ASSERT_EQ(pthread_create(&x->rx, NULL, stream_receiver, x), 0);
}

/* Waits for the transfer x: every byte sent, arrived and right, no error on either side. */
static inline void stream_finish(struct __test_metadata *_metadata, struct stream_xfer *x)
{
	ASSERT_EQ(pthread_join(x->rx, NULL), 0);
	if (x->got < x->len)
		shutdown(x->from, SHUT_RDWR);	/* a sender still blocked gives up */
	ASSERT_EQ(pthread_join(x->tx, NULL), 0);
	printf("# STREAM %u: %zu bytes in %lld ms (%.1f MB/s), %zu differ\n", x->k, x->got, x->ms,
	       x->ms ? x->got / 1000.0 / x->ms : 0.0, x->bad);
	EXPECT_EQ(x->send_err, 0);
	EXPECT_EQ(x->recv_err, 0);
	EXPECT_EQ(x->sent, x->len);
	EXPECT_EQ(x->got, x->len);
	EXPECT_EQ(x->bad, (size_t)0);
}

/* total bytes from cl to acc, checked byte by byte; returns the ms. */
static inline long long stream_transfer(struct __test_metadata *_metadata, int acc, int cl,
					size_t total)
{
	struct stream_xfer x = { .from = cl, .to = acc, .len = total };

	stream_start(_metadata, &x);
	stream_finish(_metadata, &x);
	return x.ms;
}

/* ---- SEQPACKET records: record k has sizes[k] bytes of stream k ---- */

struct record_sender {
	int fd;
	const size_t *sizes;
	unsigned int count;
	unsigned int sent;
	int err;
};

static inline void *record_sender(void *arg)
{
	struct record_sender *r = arg;
	unsigned char *buf = malloc(MAX_RECORD);

	for (; buf && r->sent < r->count; r->sent++) {
		size_t n = r->sizes[r->sent];
		ssize_t w;

		fill_at(buf, r->sent, 0, n);
		w = send(r->fd, buf, n, MSG_NOSIGNAL);
		if (w != (ssize_t)n) {
			r->err = w < 0 ? errno : -1;
			break;
		}
	}
	free(buf);
	return NULL;
}

/* The records from cl reach acc one by one, whole (MSG_EOR), each its own bytes. */
static inline void record_transfer(struct __test_metadata *_metadata, int acc, int cl,
				   const size_t *sizes, unsigned int count)
{
	struct record_sender r = { .fd = cl, .sizes = sizes, .count = count };
	unsigned char *in = malloc(MAX_RECORD + 1);
	unsigned int i, bad = 0;
	pthread_t t;

	ASSERT_NE(NULL, in);
	ASSERT_EQ(pthread_create(&t, NULL, record_sender, &r), 0);
	for (i = 0; i < count; i++) {
		struct iovec iov = { .iov_base = in, .iov_len = MAX_RECORD + 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(acc, &msg, 0);

		if (n <= 0) {
			printf("# record %u: recvmsg returned %zd (%s)\n", i, n,
			       n < 0 ? strerror(errno) : "EOF");
			break;
		}
		if ((size_t)n != sizes[i] || (msg.msg_flags & (MSG_EOR | MSG_TRUNC)) != MSG_EOR ||
		    differ_at(in, i, 0, n)) {
			if (bad++ < 5)
				printf("# record %u: %zd bytes (want %zu), flags %#x, %zu differ\n", i,
				       n, sizes[i], msg.msg_flags, differ_at(in, i, 0, n));
		}
	}
	ASSERT_EQ(pthread_join(t, NULL), 0);
	printf("# SEQPACKET: %u of %u records, %u bad\n", i, count, bad);
	EXPECT_EQ(r.err, 0);
	EXPECT_EQ(r.sent, count);
	EXPECT_EQ(i, count);
	EXPECT_EQ(bad, 0U);
	free(in);
}

#endif
