// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for issue 8: SOCK_STREAM and SOCK_SEQPACKET connections between two network
 * namespaces joined by a veth pair (Documentation/connections.rst).  Needs root.
 *
 * Transfers: echo for both types, a 64 MiB stream checked by hash, 10,000 SEQPACKET records of
 * random sizes up to 64 KiB checked one by one, the same under netem (loss, duplication,
 * reordering and corruption on both veth ends), 200 concurrent connections.  Setup and
 * teardown: the accept queue, connect errors and timeouts, non-blocking connect, interrupted
 * accept, half-close, abortive close, EPIPE/SIGPIPE, forged resets, /proc, and last of all rmmod
 * while a connection or its TIME_WAIT exists.
 *
 * On the debug kernel (KASAN, lockdep, kmemleak: /sys/kernel/debug/kmemleak exists) transfers
 * are smaller so that each case keeps within its time limit.  As in dgram_test, every case
 * builds its own namespaces (netns.h) and leaves nothing behind but connections that are still
 * closing (TIME_WAIT, 2 s).
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/sockios.h>
#include "../lib/afc.h"
#include "../lib/wire.h"
#include "netns.h"
#include "sockets.h"

#define PORT_L		7000
#define TIMEOUT_S	20
#define WAIT_MS		10000	/* how long to wait for something the peer sends */
#define MAX_RECORD	65536	/* SOCK_SEQPACKET's largest record */
#define TIME_WAIT_MS	2000	/* how long a closed connection lingers */

/* A printf format: % doubled. */
#define NETEM_ARGS	"loss 10%% duplicate 5%% reorder 25%% delay 1ms corrupt 1%%"

/*
 * Transfers stop at this many ms after they start and report what arrived, so that a slow one
 * fails with its figures before its time limit (TEST_F_TIMEOUT 120 s, 150 s for the 200
 * connections) kills the case.  On a loaded machine (2 CPUs shared with other VMs) 10,000
 * records took 50 s on the stock kernel, 400 on the debug one as long, and the 200 connections
 * echoed for 40 s there: about half of this.  Every case that kselftest's default 30 s would not
 * do has its own limit, about twice what it was measured to need there or above its own waits.
 */
#define TRANSFER_MS	90000

/* The debug kernel (KASAN, lockdep, kmemleak) runs about ten times slower. */
static bool debug_kernel(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

/* Namespaces a and b joined by veth0 <-> veth1 (they go with the case's process). */
FIXTURE(pair) {
	struct link a, b;
};

FIXTURE_SETUP(pair)
{
	veth_pair(_metadata, &self->a, &self->b);
}

FIXTURE_TEARDOWN(pair)
{
}

/* ---- addresses and sockets ---- */


static int listener(struct __test_metadata *_metadata, int ns, int type, unsigned short port,
		    int backlog)
{
	struct sockaddr_custom a = scu(port, 0, NULL);
	int fd = conn_socket(_metadata, ns, type, TIMEOUT_S);

	ASSERT_EQ(bind(fd, SA(&a), sizeof(a)), 0);
	ASSERT_EQ(listen(fd, backlog), 0);
	return fd;
}

/* The address of the listener on a's side, from b's side. */
static struct sockaddr_custom server_addr(const struct link *a, const struct link *b)
{
	return scu(PORT_L, b->ifindex, a->mac);
}

/*
 * A connected pair: *cl in b's namespace connected to a new listener *lfd on port in a's;
 * returns the accepted socket.
 */
static int connect_pair_at(struct __test_metadata *_metadata, struct link *a, struct link *b,
			   int type, unsigned short port, int *cl, int *lfd)
{
	struct sockaddr_custom to = scu(port, b->ifindex, a->mac);
	int acc;

	*lfd = listener(_metadata, a->ns, type, port, 8);
	*cl = conn_socket(_metadata, b->ns, type, TIMEOUT_S);
	ASSERT_EQ(connect(*cl, SA(&to), sizeof(to)), 0);
	acc = accept(*lfd, NULL, NULL);
	ASSERT_GE(acc, 0);
	return acc;
}

static int connect_pair(struct __test_metadata *_metadata, struct link *a, struct link *b,
			int type, int *cl, int *lfd)
{
	return connect_pair_at(_metadata, a, b, type, PORT_L, cl, lfd);
}

static struct sockaddr_custom sock_name(struct __test_metadata *_metadata, int fd)
{
	struct sockaddr_custom a;
	socklen_t len = sizeof(a);

	memset(&a, 0xa5, sizeof(a));
	ASSERT_EQ(getsockname(fd, SA(&a), &len), 0);
	ASSERT_EQ(len, sizeof(a));
	return a;
}

static struct sockaddr_custom peer_name(struct __test_metadata *_metadata, int fd)
{
	struct sockaddr_custom a;
	socklen_t len = sizeof(a);

	memset(&a, 0xa5, sizeof(a));
	ASSERT_EQ(getpeername(fd, SA(&a), &len), 0);
	ASSERT_EQ(len, sizeof(a));
	return a;
}

static int so_error(struct __test_metadata *_metadata, int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	return v;
}

static void rcvtimeo_ms(struct __test_metadata *_metadata, int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
}

static void set_nonblock(struct __test_metadata *_metadata, int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	ASSERT_GE(fl, 0);
	ASSERT_EQ(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK), 0);
}

/* Waits until fd shows one of `events` (or POLLERR/POLLHUP); returns revents (0: timed out). */
static short poll_wait(struct __test_metadata *_metadata, int fd, short events, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	short r;

	do {
		r = poll_events(_metadata, fd, events, 50);
		if (r)
			return r;
	} while (now_ms() < deadline);
	return 0;
}

/* Polls fd for `events` until all of `want` show; returns the last revents. */
static short poll_until(struct __test_metadata *_metadata, int fd, short events, short want,
			int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	short r;

	do {
		r = poll_events(_metadata, fd, events, 20);
		if ((r & want) == want)
			break;
	} while (now_ms() < deadline);
	return r;
}

/* ---- data: a reproducible random stream and its hash ---- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

/* Fills buf with the next len bytes of the generator (len a multiple of 8 but for the last). */
static void rng_fill(uint64_t *s, unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v = rng_next(s);
		memcpy(buf + i, &v, 8);
	}
	if (i < len) {
		uint64_t v = rng_next(s);
		memcpy(buf + i, &v, len - i);
	}
}

#define FNV_INIT	0xcbf29ce484222325ULL

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* ---- /proc/net/af_custom_stat and /proc/net/af_custom ---- */

static const char *const counters[] = {
	"conn_opened", "conn_accepted", "conn_refused", "conn_reset", "segs_retransmitted",
	"window_probes", "resets_sent", "out_of_window", "duplicate_segments",
	"out_of_order_segments", "acceptq_overflow", "drop_bad_checksum", "drop_rcvbuf_full",
};

static void stats_print(struct __test_metadata *_metadata, int ns, const char *who)
{
	char line[512];
	size_t n = 0;

	n += snprintf(line + n, sizeof(line) - n, "# %s:", who);
	for (size_t i = 0; i < ARRAY_SIZE(counters); i++)
		n += snprintf(line + n, sizeof(line) - n, " %s %lld", counters[i],
			      stat_get(_metadata, ns, counters[i]));
	printf("%s\n", line);
}

/* One line of /proc/net/af_custom (tools/lib/proc.h). */
#define proc_sock afc_proc_sock

/*
 * Finds in namespace ns's /proc/net/af_custom the socket of local port lport and peer port
 * pport (0: any) in state `state` (NULL: any); true when there is one (*ps filled in).
 */
static bool proc_find(struct __test_metadata *_metadata, int ns, unsigned int lport,
		      unsigned int pport, const char *state, struct proc_sock *ps)
{
	struct afc_proc f;
	bool found = false;
	int r;

	ns_enter(_metadata, ns);
	ASSERT_EQ(afc_proc_open(&f, AFC_PROC_SOCKETS), 0);
	while ((r = afc_proc_next(&f)) != 0) {
		struct proc_sock p;

		ASSERT_FALSE(r < 0 || afc_proc_sock(&f, &p) < 0)
			TH_LOG("/proc/net/af_custom line %d not understood", f.lineno);
		if (p.lport == lport && (!pport || p.pport == pport) &&
		    (!state || !strcmp(p.state, state))) {
			if (ps)
				*ps = p;
			found = true;
		}
	}
	afc_proc_close(&f);
	return found;
}

/* How many sockets namespace ns's /proc/net/af_custom lists. */
static int proc_count(struct __test_metadata *_metadata, int ns)
{
	char line[512];
	int n = -1;		/* the header */
	FILE *f;

	ns_enter(_metadata, ns);
	f = fopen("/proc/thread-self/net/af_custom", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* Waits until proc_find(ns, lport, pport, state) holds; returns whether it does. */
static bool proc_wait(struct __test_metadata *_metadata, int ns, unsigned int lport,
		      unsigned int pport, const char *state)
{
	long long deadline = now_ms() + WAIT_MS;

	while (!proc_find(_metadata, ns, lport, pport, state, NULL)) {
		if (now_ms() > deadline)
			return false;
		usleep(2000);
	}
	return true;
}

/* ---- netem ---- */

static void netem_on(struct __test_metadata *_metadata, const struct link *l)
{
	ASSERT_EQ(ns_run(_metadata, l->ns, NS_TC " qdisc add dev %s root netem " NETEM_ARGS,
			 l->name), 0);
}

static void netem_both(struct __test_metadata *_metadata, const struct link *a,
		       const struct link *b)
{
	netem_on(_metadata, a);
	netem_on(_metadata, b);
	printf("# netem on both veth ends: " NETEM_ARGS "\n");
}

/* ---- echo ---- */

static void echo_both_ways(struct __test_metadata *_metadata, FIXTURE_DATA(pair) *self, int type)
{
	char buf[64];
	int cl, lfd, acc;

	acc = connect_pair(_metadata, &self->a, &self->b, type, &cl, &lfd);
	ASSERT_EQ(send(cl, "hello", 5, 0), 5);
	ASSERT_EQ(recv(acc, buf, sizeof(buf), 0), 5);
	EXPECT_EQ(memcmp(buf, "hello", 5), 0);
	ASSERT_EQ(send(acc, "world!", 6, 0), 6);
	ASSERT_EQ(recv(cl, buf, sizeof(buf), 0), 6);
	EXPECT_EQ(memcmp(buf, "world!", 6), 0);
	close(cl);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 0);	/* orderly close: EOF */
	close(acc);
	close(lfd);
}

TEST_F(pair, stream_echo_between_namespaces)
{
	echo_both_ways(_metadata, self, SOCK_STREAM);
}

TEST_F(pair, seqpacket_echo_between_namespaces)
{
	echo_both_ways(_metadata, self, SOCK_SEQPACKET);
}

/* ---- bulk STREAM transfer checked by hash ---- */

struct stream_job {
	int fd;
	size_t len;		/* bytes to send */
	size_t chunk;		/* bytes per send() */
	uint64_t seed;
	/* results */
	size_t sent;
	uint64_t hash;
	int err;		/* errno of a failed or short send */
};

/* Sends job->len bytes of the generator in blocking sends, each of which must write it all. */
static void *stream_sender(void *arg)
{
	struct stream_job *j = arg;
	unsigned char *buf = malloc(j->chunk);
	uint64_t s = j->seed;

	j->hash = FNV_INIT;
	while (buf && j->sent < j->len) {
		size_t n = j->len - j->sent < j->chunk ? j->len - j->sent : j->chunk;
		ssize_t w;

		rng_fill(&s, buf, n);
		j->hash = fnv1a(j->hash, buf, n);
		w = send(j->fd, buf, n, MSG_NOSIGNAL);
		if (w != (ssize_t)n) {		/* a blocking send writes everything */
			j->err = w < 0 ? errno : -1;
			if (w > 0)
				j->sent += w;
			break;
		}
		j->sent += n;
	}
	shutdown(j->fd, SHUT_WR);
	free(buf);
	return NULL;
}

struct stream_result {
	size_t got;
	uint64_t hash;
	int err;
};

/* Reads fd to its end, hashing; reports progress at each quarter of `total`. */
static struct stream_result stream_drain(int fd, size_t total)
{
	static unsigned char buf[256 << 10];
	struct stream_result r = { .hash = FNV_INIT };
	long long t0 = now_ms();
	size_t next = total / 4;

	for (;;) {
		ssize_t n;

		do			/* a 1 s receive timeout: the time is checked between */
			n = recv(fd, buf, sizeof(buf), 0);
		while (n < 0 && errno == EAGAIN && now_ms() - t0 <= TRANSFER_MS);
		if (now_ms() - t0 > TRANSFER_MS) {
			printf("# stopped after %d ms\n", TRANSFER_MS);
			r.err = ETIME;
			break;
		}
		if (n < 0) {
			r.err = errno;
			break;
		}
		if (n == 0)
			break;
		r.hash = fnv1a(r.hash, buf, n);
		r.got += n;
		if (r.got >= next && r.got < total) {
			printf("# ... %zu bytes, %lld ms\n", r.got, now_ms() - t0);
			next += total / 4;
		}
	}
	return r;
}

/* total bytes from b's client to a's accepted socket; returns the milliseconds it took. */
static long long stream_transfer(struct __test_metadata *_metadata, struct link *a, struct link *b,
				 size_t total, size_t chunk)
{
	struct stream_job j = { .len = total, .chunk = chunk, .seed = 0x9e3779b97f4a7c15ULL };
	struct stream_result r;
	pthread_t t;
	long long t0, ms;
	int cl, lfd, acc;

	acc = connect_pair(_metadata, a, b, SOCK_STREAM, &cl, &lfd);
	rcvtimeo_ms(_metadata, acc, 1000);
	j.fd = cl;
	t0 = now_ms();
	ASSERT_EQ(pthread_create(&t, NULL, stream_sender, &j), 0);
	r = stream_drain(acc, total);
	ms = now_ms() - t0;
	if (r.err) {			/* the sender may be stuck: do not wait for it */
		stats_print(_metadata, a->ns, "receiver");
		stats_print(_metadata, b->ns, "sender");
	}
	ASSERT_EQ(r.err, 0) TH_LOG("STREAM: %zu of %zu bytes in %lld ms, then %s", r.got, total,
				   ms, strerror(r.err));
	ASSERT_EQ(pthread_join(t, NULL), 0);
	printf("# STREAM: %zu of %zu bytes in %lld ms (%.1f MB/s), hash %016llx vs sent %016llx\n",
	       r.got, total, ms, ms ? r.got / 1000.0 / ms : 0.0, (unsigned long long)r.hash,
	       (unsigned long long)j.hash);
	EXPECT_EQ(j.err, 0);
	EXPECT_EQ(r.err, 0);
	EXPECT_EQ(j.sent, total);
	EXPECT_EQ(r.got, total);
	EXPECT_TRUE(r.hash == j.hash);
	stats_print(_metadata, a->ns, "receiver");
	stats_print(_metadata, b->ns, "sender");
	close(cl);
	close(acc);
	close(lfd);
	return ms;
}

TEST_F_TIMEOUT(pair, stream_64mib_arrives_intact_by_hash_and_blocking_sends_write_everything, 120)
{
	size_t total = debug_kernel() ? 8 << 20 : 64 << 20;

	stream_transfer(_metadata, &self->a, &self->b, total, 1 << 20);
}

/* ---- SEQPACKET records of random sizes ---- */

struct record_job {
	int fd;
	unsigned int count;
	uint64_t seed;
	/* results */
	unsigned int sent;
	size_t bytes;
	int err;
};

static size_t record_size(uint64_t *sizes)
{
	return 1 + rng_next(sizes) % MAX_RECORD;
}

static uint64_t record_seed(unsigned int i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL;
}

static void *record_sender(void *arg)
{
	struct record_job *j = arg;
	unsigned char *buf = malloc(MAX_RECORD);
	uint64_t sizes = j->seed;

	for (; buf && j->sent < j->count; j->sent++) {
		size_t n = record_size(&sizes);
		uint64_t s = record_seed(j->sent);
		ssize_t w;

		rng_fill(&s, buf, n);
		w = send(j->fd, buf, n, MSG_NOSIGNAL);
		if (w != (ssize_t)n) {
			j->err = w < 0 ? errno : -1;
			break;
		}
		j->bytes += n;
	}
	free(buf);
	return NULL;
}

/*
 * count records of random sizes from b's client to a's accepted socket: each must arrive once,
 * in order, whole (its size, MSG_EOR, no MSG_TRUNC) and with its own contents; then EOF.
 */
static void record_transfer(struct __test_metadata *_metadata, struct link *a, struct link *b,
			    unsigned int count)
{
	struct record_job j = { .count = count, .seed = 0x2545f4914f6cdd1dULL };
	unsigned char *in = malloc(MAX_RECORD + 1), *want = malloc(MAX_RECORD);
	uint64_t sizes = j.seed;
	unsigned int i, bad_size = 0, bad_data = 0, bad_flags = 0;
	size_t bytes = 0;
	pthread_t t;
	long long t0, ms;
	int cl, lfd, acc;

	ASSERT_TRUE(in && want);
	acc = connect_pair(_metadata, a, b, SOCK_SEQPACKET, &cl, &lfd);
	rcvtimeo_ms(_metadata, acc, 1000);
	j.fd = cl;
	t0 = now_ms();
	ASSERT_EQ(pthread_create(&t, NULL, record_sender, &j), 0);
	for (i = 0; i < count; i++) {
		struct iovec iov = { .iov_base = in, .iov_len = MAX_RECORD + 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		size_t n = record_size(&sizes);
		uint64_t s = record_seed(i);
		ssize_t r;

		do			/* a 1 s receive timeout: the time is checked between */
			r = recvmsg(acc, &msg, 0);
		while (r < 0 && errno == EAGAIN && now_ms() - t0 <= TRANSFER_MS);
		if (now_ms() - t0 > TRANSFER_MS) {
			printf("# stopped after %d ms\n", TRANSFER_MS);
			break;
		}
		if (r <= 0) {
			printf("# record %u: recvmsg returned %zd (%s)\n", i, r,
			       r < 0 ? strerror(errno) : "EOF");
			break;
		}
		bytes += r;
		if ((i + 1) % (count / 4 ? count / 4 : 1) == 0)
			printf("# ... %u records, %zu bytes, %lld ms\n", i + 1, bytes,
			       now_ms() - t0);
		if ((size_t)r != n) {
			if (bad_size++ < 5)
				printf("# record %u: %zd bytes, want %zu\n", i, r, n);
			continue;
		}
		if ((msg.msg_flags & (MSG_EOR | MSG_TRUNC)) != MSG_EOR && bad_flags++ < 5)
			printf("# record %u: msg_flags %#x, want MSG_EOR alone\n", i,
			       msg.msg_flags);
		rng_fill(&s, want, n);
		if (memcmp(in, want, n) && bad_data++ < 5)
			printf("# record %u (%zu bytes): contents differ\n", i, n);
	}
	ms = now_ms() - t0;
	printf("# SEQPACKET: %u of %u records, %zu bytes in %lld ms (%.1f MB/s)\n", i, count, bytes,
	       ms, ms ? bytes / 1000.0 / ms : 0.0);
	stats_print(_metadata, a->ns, "receiver");
	stats_print(_metadata, b->ns, "sender");
	ASSERT_EQ(i, count) TH_LOG("SEQPACKET: %u of %u records", i, count);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	close(cl);
	EXPECT_EQ(recv(acc, in, MAX_RECORD, 0), 0);	/* nothing more, then EOF */
	EXPECT_EQ(j.err, 0);
	EXPECT_EQ(j.sent, count);
	EXPECT_EQ(i, count);
	EXPECT_EQ(bytes, j.bytes);
	EXPECT_EQ(bad_size, 0U);
	EXPECT_EQ(bad_flags, 0U);
	EXPECT_EQ(bad_data, 0U);
	close(acc);
	close(lfd);
	free(in);
	free(want);
}

TEST_F_TIMEOUT(pair, seqpacket_10000_random_records_arrive_whole_in_order_and_intact, 120)
{
	record_transfer(_metadata, &self->a, &self->b, debug_kernel() ? 400 : 10000);
}

TEST_F(pair, seqpacket_record_sizes_at_segment_edges_keep_their_boundaries)
{
	static char out[MAX_RECORD], in[MAX_RECORD + 100];
	size_t sizes[] = { 1, 100, 0, 0, 0, 0, 0, 3000, 9999, MAX_RECORD - 1, MAX_RECORD };
	int cl, lfd, acc, mss = 0;
	socklen_t len = sizeof(mss);

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_SEQPACKET, &cl, &lfd);
	ASSERT_EQ(getsockopt(cl, SOL_CUSTOM, AF_CUSTOM_MAXSEG, &mss, &len), 0);
	EXPECT_EQ(mss, self->a.mtu - AFC_WIRE_HLEN);
	/* A segment's payload, one less, one more, two segments, two and one. */
	sizes[2] = mss - 1;
	sizes[3] = mss;
	sizes[4] = mss + 1;
	sizes[5] = 2 * mss;
	sizes[6] = 2 * mss + 1;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(out, 'a' + (int)i, sizes[i]);
		ASSERT_EQ(send(cl, out, sizes[i], 0), (ssize_t)sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		ssize_t n = recv(acc, in, sizeof(in), 0);

		ASSERT_EQ(n, (ssize_t)sizes[i]);
		EXPECT_EQ(in[0], 'a' + (int)i);
		EXPECT_EQ(in[n - 1], 'a' + (int)i);
	}
}

/* ---- the same under netem ---- */

TEST_F_TIMEOUT(pair, stream_under_netem_loss_duplication_reordering_corruption_arrives_intact, 120)
{
	size_t total = debug_kernel() ? 512 << 10 : 2 << 20;

	netem_both(_metadata, &self->a, &self->b);
	stream_transfer(_metadata, &self->a, &self->b, total, 256 << 10);
	EXPECT_GT(stat_get(_metadata, self->b.ns, "segs_retransmitted"), 0);
}

TEST_F_TIMEOUT(pair, seqpacket_under_netem_loss_duplication_reordering_corruption_arrive_intact, 120)
{
	netem_both(_metadata, &self->a, &self->b);
	record_transfer(_metadata, &self->a, &self->b, debug_kernel() ? 16 : 64);
	EXPECT_GT(stat_get(_metadata, self->b.ns, "segs_retransmitted"), 0);
}

/* ---- many connections ---- */

/* Byte j of connection k's stream. */
static unsigned char conn_pattern(unsigned int k, size_t j)
{
	unsigned int h = (k + 1) * 2654435761u ^ (unsigned int)j * 40503u;

	return h ^ h >> 13 ^ h >> 21;
}

struct echo_end {
	int fd;
	size_t sent, rcvd;		/* client: its pattern; server: echoed */
	unsigned char pend[16384];	/* server: read, not yet written back */
	size_t plen, poff;
};

TEST_F_TIMEOUT(pair, two_hundred_concurrent_connections_each_echo_their_own_data, 150)
{
	const unsigned int nconn = 200;
	const size_t per = debug_kernel() ? 8 << 10 : 128 << 10;
	static struct echo_end cli[200], srv[200];
	static struct pollfd pfd[400];
	struct sockaddr_custom to;
	unsigned int accepted = 0, done = 0, bad = 0;
	long long t0, deadline;
	unsigned char buf[16384];
	int lfd;

	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, nconn);
	to = server_addr(&self->a, &self->b);
	t0 = now_ms();
	/* Every client connects at once (non-blocking), then the listener accepts them all. */
	for (unsigned int k = 0; k < nconn; k++) {
		cli[k].fd = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
		set_nonblock(_metadata, cli[k].fd, true);
		ASSERT_ERRNO(connect(cli[k].fd, SA(&to), sizeof(to)), EINPROGRESS);
	}
	for (; accepted < nconn; accepted++) {
		srv[accepted].fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		ASSERT_GE(srv[accepted].fd, 0);
	}
	for (unsigned int k = 0; k < nconn; k++) {
		ASSERT_TRUE(poll_wait(_metadata, cli[k].fd, POLLOUT, WAIT_MS) & POLLOUT);
		ASSERT_EQ(so_error(_metadata, cli[k].fd), 0);
	}
	printf("# %u connections up in %lld ms\n", nconn, now_ms() - t0);

	/* Each client sends `per` bytes of its own pattern; the server echoes; the client checks. */
	deadline = now_ms() + TRANSFER_MS;
	while (done < nconn && now_ms() < deadline) {
		for (unsigned int k = 0; k < nconn; k++) {
			pfd[k] = (struct pollfd){ .fd = cli[k].fd, .events = POLLIN };
			if (cli[k].sent < per)
				pfd[k].events |= POLLOUT;
			pfd[nconn + k] = (struct pollfd){ .fd = srv[k].fd,
							  .events = srv[k].plen ? POLLOUT : POLLIN };
		}
		ASSERT_GE(poll(pfd, 2 * nconn, 1000), 0);
		for (unsigned int k = 0; k < nconn; k++) {
			struct echo_end *c = &cli[k], *s = &srv[k];
			ssize_t n;

			if ((pfd[k].revents & POLLOUT) && c->sent < per) {
				size_t len = per - c->sent < sizeof(buf) ? per - c->sent : sizeof(buf);

				for (size_t j = 0; j < len; j++)
					buf[j] = conn_pattern(k, c->sent + j);
				n = send(c->fd, buf, len, MSG_NOSIGNAL);
				ASSERT_FALSE(n < 0 && errno != EAGAIN)
					TH_LOG("client %u: send: %s", k, strerror(errno));
				if (n > 0)
					c->sent += n;
			}
			if (pfd[k].revents & (POLLIN | POLLERR | POLLHUP)) {
				n = recv(c->fd, buf, sizeof(buf), 0);
				ASSERT_FALSE(n < 0 && errno != EAGAIN)
					TH_LOG("client %u: recv: %s", k, strerror(errno));
				ASSERT_NE(n, 0)
					TH_LOG("client %u: EOF after %zu bytes", k, c->rcvd);
				for (ssize_t j = 0; j < n; j++)
					bad += buf[j] != conn_pattern(k, c->rcvd + j);
				if (n > 0) {
					c->rcvd += n;
					if (c->rcvd == per)
						done++;
				}
			}
			if (!s->plen && (pfd[nconn + k].revents & (POLLIN | POLLERR | POLLHUP))) {
				n = recv(s->fd, s->pend, sizeof(s->pend), 0);
				ASSERT_FALSE(n < 0 && errno != EAGAIN)
					TH_LOG("server %u: recv: %s", k, strerror(errno));
				if (n > 0) {
					s->plen = n;
					s->poff = 0;
				}
			}
			if (s->plen) {
				n = send(s->fd, s->pend + s->poff, s->plen - s->poff, MSG_NOSIGNAL);
				ASSERT_FALSE(n < 0 && errno != EAGAIN)
					TH_LOG("server %u: send: %s", k, strerror(errno));
				if (n > 0) {
					s->poff += n;
					s->sent += n;
					if (s->poff == s->plen)
						s->plen = 0;
				}
			}
		}
	}
	printf("# %u connections, %zu bytes each way on each, all echoed in %lld ms\n", done, per,
	       now_ms() - t0);
	EXPECT_EQ(done, nconn);
	EXPECT_EQ(bad, 0U);
	/* Closed by both ends (the clients first): every end is gone once TIME_WAIT is over. */
	for (unsigned int k = 0; k < nconn; k++)
		close(cli[k].fd);
	for (unsigned int k = 0; k < nconn; k++)
		close(srv[k].fd);
	close(lfd);
	t0 = now_ms();
	while ((proc_count(_metadata, self->a.ns) || proc_count(_metadata, self->b.ns)) &&
	       now_ms() - t0 < TIME_WAIT_MS + WAIT_MS)
		usleep(50000);
	printf("# %d + %d connection ends left %lld ms after the close\n",
	       proc_count(_metadata, self->a.ns), proc_count(_metadata, self->b.ns), now_ms() - t0);
	EXPECT_EQ(proc_count(_metadata, self->a.ns), 0);
	EXPECT_EQ(proc_count(_metadata, self->b.ns), 0);
}

/* ---- the window and flow control ---- */

/* Writes (non-blocking) up to max bytes of pattern 0 to fd until it would block; returns them. */
static size_t fill_until_eagain(struct __test_metadata *_metadata, int fd, size_t max)
{
	static unsigned char buf[65536];
	size_t sent = 0;

	set_nonblock(_metadata, fd, true);
	while (sent < max) {
		size_t n = max - sent < sizeof(buf) ? max - sent : sizeof(buf);
		ssize_t w;

		for (size_t j = 0; j < n; j++)
			buf[j] = conn_pattern(0, sent + j);
		w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EAGAIN) {
			/* Room comes back as the peer acknowledges: wait a little for it. */
			if (!(poll_events(_metadata, fd, POLLOUT, 500) & POLLOUT))
				break;
			continue;
		}
		ASSERT_GT(w, 0);
		sent += w;
	}
	set_nonblock(_metadata, fd, false);
	return sent;
}

/* Waits until SIOCINQ of fd stops growing (no change for 500 ms); returns it. */
static int inq_settled(struct __test_metadata *_metadata, int fd)
{
	long long deadline = now_ms() + WAIT_MS, since = now_ms();
	int last = siocinq(_metadata, fd), v;

	while (now_ms() < deadline && now_ms() - since < 500) {
		usleep(20000);
		v = siocinq(_metadata, fd);
		if (v != last) {
			last = v;
			since = now_ms();
		}
	}
	return last;
}

/* Reads len bytes of pattern 0 from fd; returns how many differ (len + 1 when short). */
static size_t read_pattern(int fd, size_t len)
{
	static unsigned char buf[65536];
	size_t got = 0, bad = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf, len - got < sizeof(buf) ? len - got : sizeof(buf), 0);

		if (n <= 0) {
			printf("# read %zu of %zu bytes, then %s\n", got, len,
			       n < 0 ? strerror(errno) : "EOF");
			return len + 1;
		}
		for (ssize_t j = 0; j < n; j++)
			bad += buf[j] != conn_pattern(0, got + j);
		got += n;
	}
	return bad;
}

TEST_F_TIMEOUT(pair, window_lets_1mib_be_in_flight_with_4mib_buffers, 90)
{
	size_t sent;
	int cl, lfd, acc, inq;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	ASSERT_EQ(setsockopt_int(acc, SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20), 0);
	ASSERT_EQ(setsockopt_int(cl, SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20), 0);
	/* The reader reads nothing: what reaches its queue went through the window. */
	sent = fill_until_eagain(_metadata, cl, 6 << 20);
	inq = inq_settled(_metadata, acc);
	printf("# %zu bytes written, %d in the reader's queue, %d unacknowledged\n", sent, inq,
	       siocoutq(_metadata, cl));
	EXPECT_GE(inq, 1 << 20);
	EXPECT_EQ(read_pattern(acc, sent), 0U);
}

struct pattern_job {
	int fd;
	size_t len;
	ssize_t ret;
};

static void *pattern_sender(void *arg)
{
	struct pattern_job *j = arg;
	unsigned char *buf = malloc(j->len);

	for (size_t i = 0; buf && i < j->len; i++)
		buf[i] = conn_pattern(0, i);
	j->ret = buf ? send(j->fd, buf, j->len, MSG_NOSIGNAL) : -1;
	free(buf);
	return NULL;
}

TEST_F(pair, zero_window_is_probed_and_the_transfer_resumes_when_the_reader_drains)
{
	struct pattern_job j;
	long long probes0, probes;
	pthread_t t;
	int cl, lfd, acc, inq;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	probes0 = stat_get(_metadata, self->b.ns, "window_probes");
	/* 1 MiB, more than the reader's buffer and the writer's together: the window closes. */
	j = (struct pattern_job){ .fd = cl, .len = 1 << 20 };
	ASSERT_EQ(pthread_create(&t, NULL, pattern_sender, &j), 0);
	inq = inq_settled(_metadata, acc);
	probes = stat_wait_rise(_metadata, self->b.ns, "window_probes", probes0, 1);
	printf("# window closed with %d bytes queued at the reader; %lld probes\n", inq, probes);
	EXPECT_GE(probes, 1);
	EXPECT_EQ(read_pattern(acc, j.len), 0U);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	EXPECT_EQ(j.ret, (ssize_t)j.len);
}

TEST_F(pair, pollout_clears_when_the_send_buffer_fills_and_returns_when_the_reader_drains)
{
	size_t sent;
	int cl, lfd, acc;
	char c;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	EXPECT_TRUE(poll_events(_metadata, cl, POLLOUT, 0) & POLLOUT);
	sent = fill_until_eagain(_metadata, cl, 64 << 20);
	EXPECT_EQ(poll_events(_metadata, cl, POLLOUT, 200) & POLLOUT, 0);
	EXPECT_ERRNO(send(cl, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL), EAGAIN);
	printf("# %zu bytes taken before EAGAIN; %d unacknowledged\n", sent,
	       siocoutq(_metadata, cl));
	EXPECT_EQ(read_pattern(acc, sent), 0U);
	EXPECT_TRUE(poll_wait(_metadata, cl, POLLOUT, WAIT_MS) & POLLOUT);
	EXPECT_ERRNO(recv(acc, &c, 1, MSG_DONTWAIT), EAGAIN);
}

/* ---- the accept queue ---- */

TEST_F(pair, full_accept_queue_drops_and_counts_requests_until_accept_makes_room)
{
	struct sockaddr_custom to;
	long long over0;
	int lfd, c[3], acc[3];

	/* listen(1): the queue holds backlog + 1 = 2 children. */
	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, 1);
	to = server_addr(&self->a, &self->b);
	over0 = stat_get(_metadata, self->a.ns, "acceptq_overflow");
	for (int i = 0; i < 2; i++) {
		c[i] = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
		ASSERT_EQ(connect(c[i], SA(&to), sizeof(to)), 0);
	}
	/* A third request finds the queue full of established children: dropped and counted. */
	c[2] = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	set_nonblock(_metadata, c[2], true);
	ASSERT_ERRNO(connect(c[2], SA(&to), sizeof(to)), EINPROGRESS);
	EXPECT_EQ(stat_wait_rise(_metadata, self->a.ns, "acceptq_overflow", over0, 1), 1);
	EXPECT_EQ(poll_events(_metadata, c[2], POLLOUT, 500) & POLLOUT, 0);
	EXPECT_ERRNO(connect(c[2], SA(&to), sizeof(to)), EALREADY);

	/* accept makes room: the third request's retransmitted SYN gets in. */
	acc[0] = accept(lfd, NULL, NULL);
	ASSERT_GE(acc[0], 0);
	ASSERT_TRUE(poll_wait(_metadata, c[2], POLLOUT, WAIT_MS) & POLLOUT);
	EXPECT_EQ(so_error(_metadata, c[2]), 0);
	for (int i = 1; i < 3; i++) {
		acc[i] = accept(lfd, NULL, NULL);
		ASSERT_GE(acc[i], 0);
	}
	set_nonblock(_metadata, lfd, true);
	EXPECT_ERRNO(accept(lfd, NULL, NULL), EAGAIN);
	/* Oldest first: each accepted socket's peer is the client that connected in that order. */
	for (int i = 0; i < 3; i++) {
		struct sockaddr_custom cn = sock_name(_metadata, c[i]);
		struct sockaddr_custom pn = peer_name(_metadata, acc[i]);

		EXPECT_EQ(pn.scu_port, cn.scu_port);
		set_nonblock(_metadata, c[i], false);
		ASSERT_EQ(send(c[i], "x", 1, 0), 1);
		char ch;
		ASSERT_EQ(recv(acc[i], &ch, 1, 0), 1);
	}
}

TEST_F(pair, forged_syn_flood_leaves_the_listener_usable)
{
	unsigned char f[ETH_ZLEN + AFC_WIRE_HLEN];
	struct sockaddr_custom to;
	long long t0, ovf0, evict0;
	int lfd, inj, cl, acc;

	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, 4);
	to = server_addr(&self->a, &self->b);
	ovf0 = stat_get(_metadata, self->a.ns, "acceptq_overflow");
	evict0 = stat_get(_metadata, self->a.ns, "half_open_evicted");
	/* 500 SYNs from forged sources (ports and MACs nobody answers for). */
	inj = packet_socket(_metadata, &self->b, 0);
	for (unsigned int i = 0; i < 500; i++) {
		struct afc_wire_hdr w = {
			.version = AFC_WIRE_VERSION, .type = AFC_WIRE_STREAM, .flags = AFC_WIRE_SYN,
			.sport = 10000 + i, .dport = PORT_L, .seq = i * 7919u, .window = 65536,
		};
		struct link forged = self->b;
		size_t n;

		forged.mac[0] = 0x02;
		forged.mac[4] = i >> 8;
		forged.mac[5] = i;
		n = eth_header(f, &forged, &self->a, afc_param("ethertype") > 0 ?
					      afc_param("ethertype") : AF_CUSTOM_ETHERTYPE);
		n += afcw_build(f + n, &w, NULL, 0);
		ASSERT_EQ(send(inj, f, n < ETH_ZLEN ? ETH_ZLEN : n, 0),
			  (ssize_t)(n < ETH_ZLEN ? ETH_ZLEN : n));
	}
	EXPECT_GE(stat_wait_rise(_metadata, self->a.ns, "acceptq_overflow", ovf0, 400), 400);
	/* A real client still gets in (a half-open child older than 1 s makes room). */
	t0 = now_ms();
	cl = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	ASSERT_EQ(connect(cl, SA(&to), sizeof(to)), 0);
	acc = accept(lfd, NULL, NULL);
	ASSERT_GE(acc, 0);
	printf("# connected %lld ms after the flood; %lld half-open children evicted\n",
	       now_ms() - t0, stat_get(_metadata, self->a.ns, "half_open_evicted") - evict0);
	EXPECT_GE(stat_get(_metadata, self->a.ns, "half_open_evicted") - evict0, 1);
	ASSERT_EQ(send(cl, "ok", 2, 0), 2);
	char buf[2];
	ASSERT_EQ(read_full(acc, buf, 2), 2);
}

/* ---- connect ---- */

TEST_F(pair, connect_to_a_port_nobody_listens_on_is_econnrefused)
{
	struct sockaddr_custom to;
	long long refused0, rst0;
	int cl;

	refused0 = stat_get(_metadata, self->b.ns, "conn_refused");
	rst0 = stat_get(_metadata, self->a.ns, "resets_sent");
	to = scu(PORT_L + 1, self->b.ifindex, self->a.mac);
	cl = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	EXPECT_ERRNO(connect(cl, SA(&to), sizeof(to)), ECONNREFUSED);
	EXPECT_EQ(stat_get(_metadata, self->b.ns, "conn_refused") - refused0, 1);
	EXPECT_GE(stat_get(_metadata, self->a.ns, "resets_sent") - rst0, 1);
	/* The socket can try again (and is refused again). */
	EXPECT_ERRNO(connect(cl, SA(&to), sizeof(to)), ECONNREFUSED);
}

TEST_F(pair, connect_times_out_with_etimedout_when_the_peers_link_goes_down)
{
	struct sockaddr_custom to;
	long long t0, ms;
	int lfd, cl, v = 0;
	socklen_t len = sizeof(v);

	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, 8);
	to = server_addr(&self->a, &self->b);
	cl = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	ASSERT_EQ(getsockopt(cl, SOL_CUSTOM, AF_CUSTOM_SYNCNT, &v, &len), 0);
	EXPECT_EQ(v, 6);					/* the default */
	EXPECT_ERRNO(setsockopt_int(cl, SOL_CUSTOM, AF_CUSTOM_SYNCNT, 0), EINVAL);
	EXPECT_ERRNO(setsockopt_int(cl, SOL_CUSTOM, AF_CUSTOM_SYNCNT, 128), EINVAL);
	ASSERT_EQ(setsockopt_int(cl, SOL_CUSTOM, AF_CUSTOM_SYNCNT, 2), 0);
	ASSERT_EQ(getsockopt(cl, SOL_CUSTOM, AF_CUSTOM_SYNCNT, &v, &len), 0);
	EXPECT_EQ(v, 2);
	/* The peer's end: our SYNs go nowhere. */
	link_set_up(_metadata, &self->a, false);
	t0 = now_ms();
	EXPECT_ERRNO(connect(cl, SA(&to), sizeof(to)), ETIMEDOUT);
	ms = now_ms() - t0;
	printf("# ETIMEDOUT after %lld ms (SYN + 2 retries, RTO 1 s doubling: 7 s)\n", ms);
	EXPECT_GE(ms, 6000);
	EXPECT_LE(ms, 12000);
	close(lfd);
}

TEST_F(pair, connect_errors_enodev_enetdown_eisconn_and_autobind)
{
	struct sockaddr_custom to, nodev, cn;
	int lfd, cl, acc;

	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, 8);
	cl = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	/* No interface named by an unbound socket, or one that does not exist. */
	nodev = scu(PORT_L, 0, self->a.mac);
	EXPECT_ERRNO(connect(cl, SA(&nodev), sizeof(nodev)), ENODEV);
	nodev = scu(PORT_L, 9999, self->a.mac);
	EXPECT_ERRNO(connect(cl, SA(&nodev), sizeof(nodev)), ENODEV);
	/* Loopback is not Ethernet. */
	nodev = scu(PORT_L, 1, self->a.mac);
	EXPECT_ERRNO(connect(cl, SA(&nodev), sizeof(nodev)), ENODEV);
	/* Our own interface down. */
	to = server_addr(&self->a, &self->b);
	link_set_up(_metadata, &self->b, false);
	EXPECT_ERRNO(connect(cl, SA(&to), sizeof(to)), ENETDOWN);
	link_set_up(_metadata, &self->b, true);
	link_wait_ready(_metadata, &self->b, &self->a);
	link_wait_ready(_metadata, &self->a, &self->b);
	/* The unbound socket binds an ephemeral port when it connects. */
	EXPECT_EQ(sock_name(_metadata, cl).scu_port, 0);
	ASSERT_EQ(connect(cl, SA(&to), sizeof(to)), 0);
	cn = sock_name(_metadata, cl);
	EXPECT_NE(cn.scu_port, 0);
	acc = accept(lfd, NULL, NULL);
	ASSERT_GE(acc, 0);
	EXPECT_EQ(peer_name(_metadata, acc).scu_port, cn.scu_port);
	EXPECT_ERRNO(connect(cl, SA(&to), sizeof(to)), EISCONN);
	/* listen on a connected socket. */
	EXPECT_ERRNO(listen(cl, 4), EINVAL);
	EXPECT_ERRNO(listen(acc, 4), EINVAL);
}

TEST_F(pair, nonblocking_connect_is_einprogress_then_pollout_and_so_error)
{
	struct sockaddr_custom to, closed;
	int lfd, cl, cl2, acc;
	short r;

	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, 8);
	to = server_addr(&self->a, &self->b);
	cl = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	set_nonblock(_metadata, cl, true);
	ASSERT_ERRNO(connect(cl, SA(&to), sizeof(to)), EINPROGRESS);
	r = poll_wait(_metadata, cl, POLLOUT, WAIT_MS);
	EXPECT_TRUE(r & POLLOUT);
	EXPECT_EQ(r & (POLLERR | POLLHUP), 0);
	EXPECT_EQ(so_error(_metadata, cl), 0);
	EXPECT_ERRNO(connect(cl, SA(&to), sizeof(to)), EISCONN);
	acc = accept(lfd, NULL, NULL);
	ASSERT_GE(acc, 0);
	EXPECT_EQ(send(cl, "ab", 2, 0), 2);
	char buf[2];
	EXPECT_EQ(read_full(acc, buf, 2), 2);

	/* To a closed port: POLLERR (and POLLOUT), SO_ERROR ECONNREFUSED, read once. */
	closed = scu(PORT_L + 1, self->b.ifindex, self->a.mac);
	cl2 = conn_socket(_metadata, self->b.ns, SOCK_SEQPACKET, TIMEOUT_S);
	set_nonblock(_metadata, cl2, true);
	ASSERT_ERRNO(connect(cl2, SA(&closed), sizeof(closed)), EINPROGRESS);
	r = poll_wait(_metadata, cl2, POLLOUT, WAIT_MS);
	EXPECT_TRUE(r & POLLERR);
	EXPECT_EQ(so_error(_metadata, cl2), ECONNREFUSED);
	EXPECT_EQ(so_error(_metadata, cl2), 0);
}

TEST_F(pair, nonblocking_connect_in_progress_is_ealready)
{
	struct sockaddr_custom to;
	int cl;

	/* The peer's link down: the request stays in progress. */
	link_set_up(_metadata, &self->a, false);
	to = server_addr(&self->a, &self->b);
	cl = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	set_nonblock(_metadata, cl, true);
	ASSERT_ERRNO(connect(cl, SA(&to), sizeof(to)), EINPROGRESS);
	EXPECT_ERRNO(connect(cl, SA(&to), sizeof(to)), EALREADY);
	EXPECT_EQ(poll_events(_metadata, cl, POLLOUT | POLLIN, 300), 0);
	EXPECT_ERRNO(send(cl, "x", 1, MSG_NOSIGNAL), EAGAIN);
	EXPECT_ERRNO(listen(cl, 1), EINVAL);
}

/* ---- listen and accept ---- */

TEST_F(pair, listen_on_dgram_is_eopnotsupp_and_listen_again_changes_the_backlog)
{
	struct proc_sock ps;
	int fd, lfd;

	ns_enter(_metadata, self->a.ns);
	fd = socket(afc_family(), SOCK_DGRAM, 0);
	ASSERT_GE(fd, 0);
	EXPECT_ERRNO(listen(fd, 1), EOPNOTSUPP);
	close(fd);
	lfd = listener(_metadata, self->a.ns, SOCK_SEQPACKET, PORT_L, 1);
	EXPECT_EQ(listen(lfd, 100), 0);
	EXPECT_EQ(listen(lfd, 1 << 30), 0);		/* clamped to somaxconn */
	EXPECT_TRUE(proc_find(_metadata, self->a.ns, PORT_L, 0, "LISTEN", &ps));
	EXPECT_EQ(strcmp(ps.type, "SEQPACKET"), 0);
	/* An unbound socket binds a port to listen on. */
	fd = conn_socket(_metadata, self->a.ns, SOCK_STREAM, TIMEOUT_S);
	EXPECT_EQ(listen(fd, 1), 0);
	EXPECT_NE(sock_name(_metadata, fd).scu_port, 0);
}

TEST_F(pair, accept_nonblocking_eagain_rcvtimeo_accept4_flags_and_peer_address)
{
	struct timeval tv = { .tv_usec = 300000 };
	struct sockaddr_custom to, pa, pn, cn;
	socklen_t len;
	long long t0, ms;
	int lfd, cl, acc;

	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, 8);
	/* O_NONBLOCK: EAGAIN; SO_RCVTIMEO: EAGAIN after the timeout. */
	set_nonblock(_metadata, lfd, true);
	EXPECT_ERRNO(accept(lfd, NULL, NULL), EAGAIN);
	set_nonblock(_metadata, lfd, false);
	ASSERT_EQ(setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	t0 = now_ms();
	EXPECT_ERRNO(accept(lfd, NULL, NULL), EAGAIN);
	ms = now_ms() - t0;
	EXPECT_GE(ms, 250);
	EXPECT_LE(ms, 3000);
	EXPECT_EQ(poll_events(_metadata, lfd, POLLIN, 0), 0);

	to = server_addr(&self->a, &self->b);
	cl = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	ASSERT_EQ(connect(cl, SA(&to), sizeof(to)), 0);
	EXPECT_TRUE(poll_wait(_metadata, lfd, POLLIN, WAIT_MS) & POLLIN);
	len = sizeof(pa);
	memset(&pa, 0xa5, sizeof(pa));
	acc = accept4(lfd, SA(&pa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_GE(acc, 0);
	EXPECT_TRUE(fcntl(acc, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(acc, F_GETFD) & FD_CLOEXEC);
	/* The peer address: the client's port and MAC, on our interface. */
	cn = sock_name(_metadata, cl);
	EXPECT_EQ(len, sizeof(pa));
	EXPECT_EQ(pa.scu_family, afc_family());
	EXPECT_EQ(pa.scu_port, cn.scu_port);
	EXPECT_EQ(pa.scu_ifindex, self->a.ifindex);
	EXPECT_EQ(memcmp(pa.scu_addr, self->b.mac, ETH_ALEN), 0);
	pn = peer_name(_metadata, acc);
	EXPECT_EQ(memcmp(&pn, &pa, sizeof(pa)), 0);
	EXPECT_EQ(ntohs(sock_name(_metadata, acc).scu_port), PORT_L);
	/* The client's view of its peer. */
	pn = peer_name(_metadata, cl);
	EXPECT_EQ(ntohs(pn.scu_port), PORT_L);
	EXPECT_EQ(memcmp(pn.scu_addr, self->a.mac, ETH_ALEN), 0);
	/* The accepted non-blocking socket: EAGAIN on an empty queue. */
	char c;
	EXPECT_ERRNO(recv(acc, &c, 1, 0), EAGAIN);
}

TEST_F(pair, closing_a_listener_resets_its_queued_children)
{
	struct sockaddr_custom to;
	long long reset0;
	int lfd, cl[2];
	char c;

	lfd = listener(_metadata, self->a.ns, SOCK_SEQPACKET, PORT_L, 8);
	to = server_addr(&self->a, &self->b);
	reset0 = stat_get(_metadata, self->b.ns, "conn_reset");
	for (int i = 0; i < 2; i++) {
		cl[i] = conn_socket(_metadata, self->b.ns, SOCK_SEQPACKET, TIMEOUT_S);
		ASSERT_EQ(connect(cl[i], SA(&to), sizeof(to)), 0);
	}
	EXPECT_TRUE(poll_wait(_metadata, lfd, POLLIN, WAIT_MS) & POLLIN);
	close(lfd);			/* never accepted */
	for (int i = 0; i < 2; i++) {
		EXPECT_TRUE(poll_wait(_metadata, cl[i], POLLIN, WAIT_MS) & POLLERR);
		EXPECT_ERRNO(recv(cl[i], &c, 1, 0), ECONNRESET);
	}
	EXPECT_EQ(stat_get(_metadata, self->b.ns, "conn_reset") - reset0, 2);
}

TEST_F(pair, unconnected_socket_calls_are_enotconn_einval_and_msg_oob_eopnotsupp)
{
	struct sockaddr_custom pn;
	socklen_t len = sizeof(pn);
	int fd, cl, lfd, acc;
	char c;

	fd = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S);
	EXPECT_ERRNO(send(fd, "x", 1, MSG_NOSIGNAL), ENOTCONN);
	EXPECT_ERRNO(recv(fd, &c, 1, 0), ENOTCONN);
	EXPECT_ERRNO(shutdown(fd, SHUT_RDWR), ENOTCONN);
	EXPECT_ERRNO(getpeername(fd, SA(&pn), &len), ENOTCONN);
	EXPECT_ERRNO(accept(fd, NULL, NULL), EINVAL);		/* not listening */
	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	EXPECT_ERRNO(recv(lfd, &c, 1, 0), ENOTCONN);
	EXPECT_ERRNO(send(cl, "x", 1, MSG_OOB), EOPNOTSUPP);
	EXPECT_ERRNO(recv(acc, &c, 1, MSG_OOB), EOPNOTSUPP);
	EXPECT_ERRNO(accept(acc, NULL, NULL), EINVAL);
	EXPECT_ERRNO(shutdown(cl, 3), EINVAL);
	EXPECT_EQ(send(cl, "", 0, 0), 0);			/* zero bytes: 0 */
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

struct kicker {
	pthread_t target;
	int delay_ms;
	int fd;				/* connect this first when >= 0 */
	struct sockaddr_custom to;
	bool signal_first;
	int rc, err;
};

/* Optionally connects (before or after the signal), and sends SIGALRM to the target thread. */
static void *kick(void *arg)
{
	struct kicker *k = arg;

	usleep(k->delay_ms * 1000);
	if (k->signal_first)
		pthread_kill(k->target, SIGALRM);
	if (k->fd >= 0) {
		k->rc = connect(k->fd, SA(&k->to), sizeof(k->to));
		k->err = errno;
	}
	if (!k->signal_first)
		pthread_kill(k->target, SIGALRM);
	return NULL;
}

TEST_F(pair, accept_interrupted_by_a_signal_is_eintr_and_the_next_accept_gets_the_child)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct kicker k;
	pthread_t t;
	long long t0;
	int lfd, eintr = 0;
	const int rounds = 20;

	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, 8);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(sigaction(SIGALRM, &sa, NULL), 0);

	/* Nobody connects: the signal ends the wait with EINTR. */
	k = (struct kicker){ .target = pthread_self(), .delay_ms = 200, .fd = -1 };
	ASSERT_EQ(pthread_create(&t, NULL, kick, &k), 0);
	t0 = now_ms();
	EXPECT_ERRNO(accept(lfd, NULL, NULL), EINTR);
	EXPECT_GE(now_ms() - t0, 150);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	EXPECT_EQ(alarms, 1);

	/*
	 * A connection completes just before or just after the signal: accept returns the child, or
	 * EINTR and the child is the next accept's.  Never lost, never twice.
	 */
	for (int i = 0; i < rounds; i++) {
		char c = 0;
		int acc;

		k = (struct kicker){ .target = pthread_self(), .delay_ms = 20 + i * 5,
				     .fd = conn_socket(_metadata, self->b.ns, SOCK_STREAM, TIMEOUT_S),
				     .to = server_addr(&self->a, &self->b), .signal_first = i & 1 };
		ASSERT_EQ(pthread_create(&t, NULL, kick, &k), 0);
		acc = accept(lfd, NULL, NULL);
		if (acc < 0) {
			ASSERT_EQ(errno, EINTR);
			eintr++;
			acc = accept(lfd, NULL, NULL);
		}
		ASSERT_GE(acc, 0);
		ASSERT_EQ(pthread_join(t, NULL), 0);
		ASSERT_EQ(k.rc, 0);
		ASSERT_EQ(send(k.fd, &(char){ (char)i }, 1, 0), 1);
		ASSERT_EQ(recv(acc, &c, 1, 0), 1);
		EXPECT_EQ(c, (char)i);
		EXPECT_EQ(peer_name(_metadata, acc).scu_port, sock_name(_metadata, k.fd).scu_port);
		close(acc);
		close(k.fd);
	}
	printf("# %d of %d accepts interrupted while the connection arrived\n", eintr, rounds);
	set_nonblock(_metadata, lfd, true);
	EXPECT_ERRNO(accept(lfd, NULL, NULL), EAGAIN);
	signal(SIGALRM, SIG_DFL);
}

/* ---- devices and timeouts ---- */

TEST_F(pair, user_timeout_ends_a_connection_whose_data_goes_unacknowledged_with_etimedout)
{
	long long t0, ms, timedout0;
	int cl, lfd, acc, v = -1;
	socklen_t len = sizeof(v);
	char c;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	ASSERT_EQ(getsockopt(cl, SOL_CUSTOM, AF_CUSTOM_USER_TIMEOUT, &v, &len), 0);
	EXPECT_EQ(v, 0);
	EXPECT_ERRNO(setsockopt_int(cl, SOL_CUSTOM, AF_CUSTOM_USER_TIMEOUT, -1), EINVAL);
	ASSERT_EQ(setsockopt_int(cl, SOL_CUSTOM, AF_CUSTOM_USER_TIMEOUT, 1500), 0);
	ASSERT_EQ(getsockopt(cl, SOL_CUSTOM, AF_CUSTOM_USER_TIMEOUT, &v, &len), 0);
	EXPECT_EQ(v, 1500);
	timedout0 = stat_get(_metadata, self->b.ns, "conn_timedout");
	/* The peer's end: nothing is acknowledged any more. */
	link_set_up(_metadata, &self->a, false);
	t0 = now_ms();
	ASSERT_EQ(send(cl, "lost", 4, 0), 4);
	EXPECT_ERRNO(recv(cl, &c, 1, 0), ETIMEDOUT);
	ms = now_ms() - t0;
	printf("# ETIMEDOUT after %lld ms (user timeout 1500 ms)\n", ms);
	EXPECT_GE(ms, 1500);
	EXPECT_LE(ms, 8000);
	EXPECT_EQ(stat_get(_metadata, self->b.ns, "conn_timedout") - timedout0, 1);
	EXPECT_ERRNO(send(cl, "x", 1, MSG_NOSIGNAL), EPIPE);
	close(acc);
}

TEST_F(pair, device_down_and_up_again_leaves_the_connection_retrying_and_intact)
{
	static unsigned char out[64 << 10], in[64 << 10];
	uint64_t s = 99;
	int cl, lfd, acc;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	rng_fill(&s, out, sizeof(out));
	ASSERT_EQ(send(cl, out, sizeof(out) / 2, 0), (ssize_t)sizeof(out) / 2);
	link_set_up(_metadata, &self->b, false);		/* our own device */
	ASSERT_EQ(send(cl, out + sizeof(out) / 2, sizeof(out) / 2, 0),
		  (ssize_t)sizeof(out) / 2);
	usleep(1000 * 1000);
	EXPECT_EQ(so_error(_metadata, cl), 0);
	link_set_up(_metadata, &self->b, true);
	EXPECT_EQ(read_full(acc, in, sizeof(in)), (ssize_t)sizeof(in));
	EXPECT_EQ(memcmp(in, out, sizeof(in)), 0);
	EXPECT_EQ(so_error(_metadata, cl), 0);
	EXPECT_EQ(so_error(_metadata, acc), 0);
	ASSERT_EQ(send(acc, "back", 4, 0), 4);
	EXPECT_EQ(read_full(cl, in, 4), 4);
}

TEST_F(pair, unregistered_device_fails_its_connections_with_enetdown)
{
	int cl, lfd, acc;
	char c;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_SEQPACKET, &cl, &lfd);
	/* Both ends go. */
	ASSERT_EQ(ns_run(_metadata, self->b.ns, NS_IP " link del %s", self->b.name), 0);
	EXPECT_TRUE(poll_wait(_metadata, cl, POLLIN, WAIT_MS) & POLLERR);
	EXPECT_ERRNO(recv(cl, &c, 1, 0), ENETDOWN);
	EXPECT_TRUE(poll_wait(_metadata, acc, POLLIN, WAIT_MS) & POLLERR);
	EXPECT_ERRNO(recv(acc, &c, 1, 0), ENETDOWN);
	EXPECT_ERRNO(send(cl, "x", 1, MSG_NOSIGNAL), EPIPE);
}

/* ---- receiving ---- */

struct delayed_send {
	int fd;
	int delay_ms;
	const char *data;
	size_t len;
};

static void *send_later(void *arg)
{
	struct delayed_send *d = arg;

	usleep(d->delay_ms * 1000);
	send(d->fd, d->data, d->len, MSG_NOSIGNAL);
	return NULL;
}

TEST_F(pair, stream_peek_dontwait_waitall_and_rcvlowat)
{
	struct delayed_send d;
	char buf[64];
	pthread_t t;
	int cl, lfd, acc, lowat = 10;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	/* MSG_DONTWAIT on an empty queue. */
	EXPECT_ERRNO(recv(acc, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* MSG_PEEK leaves the bytes; SIOCINQ counts them; a read takes them. */
	ASSERT_EQ(send(cl, "abcdef", 6, 0), 6);
	ASSERT_TRUE(poll_wait(_metadata, acc, POLLIN, WAIT_MS) & POLLIN);
	EXPECT_EQ(siocinq(_metadata, acc), 6);
	EXPECT_EQ(recv(acc, buf, 3, MSG_PEEK), 3);
	EXPECT_EQ(memcmp(buf, "abc", 3), 0);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), MSG_PEEK), 6);
	EXPECT_EQ(siocinq(_metadata, acc), 6);
	EXPECT_EQ(recv(acc, buf, 4, 0), 4);
	EXPECT_EQ(memcmp(buf, "abcd", 4), 0);
	EXPECT_EQ(siocinq(_metadata, acc), 2);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 2);
	EXPECT_EQ(memcmp(buf, "ef", 2), 0);
	EXPECT_EQ(siocinq(_metadata, acc), 0);

	/* MSG_WAITALL: 5 bytes now, 5 later; the read returns all 10. */
	ASSERT_EQ(send(cl, "01234", 5, 0), 5);
	d = (struct delayed_send){ .fd = cl, .delay_ms = 300, .data = "56789", .len = 5 };
	ASSERT_EQ(pthread_create(&t, NULL, send_later, &d), 0);
	EXPECT_EQ(recv(acc, buf, 10, MSG_WAITALL), 10);
	EXPECT_EQ(memcmp(buf, "0123456789", 10), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	/* (Whatever a short read left behind is taken, so that the next check stands alone.) */
	usleep(200000);
	while (recv(acc, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;

	/* SO_RCVLOWAT 10: a read waits for 10 bytes. */
	ASSERT_EQ(setsockopt(acc, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)), 0);
	ASSERT_EQ(send(cl, "ABCDE", 5, 0), 5);
	d = (struct delayed_send){ .fd = cl, .delay_ms = 300, .data = "FGHIJ", .len = 5 };
	ASSERT_EQ(pthread_create(&t, NULL, send_later, &d), 0);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 10);
	EXPECT_EQ(memcmp(buf, "ABCDEFGHIJ", 10), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
}

TEST_F(pair, seqpacket_short_read_truncates_discards_the_rest_and_sets_msg_eor)
{
	static char big[MAX_RECORD + 1];
	char buf[2000];
	struct iovec iov = { .iov_base = buf };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int cl, lfd, acc;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_SEQPACKET, &cl, &lfd);
	EXPECT_ERRNO(send(cl, big, MAX_RECORD + 1, 0), EMSGSIZE);
	for (int i = 0; i < 1500; i++)
		big[i] = (char)i;
	ASSERT_EQ(send(cl, big, 1500, 0), 1500);
	ASSERT_EQ(send(cl, "next", 4, 0), 4);
	ASSERT_EQ(send(cl, big, 1500, 0), 1500);
	/* 100 of 1500 bytes: the head, MSG_TRUNC, and the rest is gone. */
	iov.iov_len = 100;
	EXPECT_EQ(recvmsg(acc, &msg, 0), 100);
	EXPECT_TRUE(msg.msg_flags & MSG_TRUNC);
	EXPECT_EQ(memcmp(buf, big, 100), 0);
	iov.iov_len = sizeof(buf);
	msg.msg_flags = 0;
	EXPECT_EQ(recvmsg(acc, &msg, 0), 4);
	EXPECT_EQ(memcmp(buf, "next", 4), 0);
	EXPECT_TRUE(msg.msg_flags & MSG_EOR);
	EXPECT_EQ(msg.msg_flags & MSG_TRUNC, 0);
	/* MSG_TRUNC as a flag: the record's real length. */
	iov.iov_len = 10;
	msg.msg_flags = 0;
	EXPECT_EQ(recvmsg(acc, &msg, MSG_TRUNC), 1500);
	EXPECT_TRUE(msg.msg_flags & MSG_TRUNC);
	EXPECT_TRUE(msg.msg_flags & MSG_EOR);
	EXPECT_EQ(memcmp(buf, big, 10), 0);
	EXPECT_ERRNO(recv(acc, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* MSG_PEEK leaves a record whole. */
	ASSERT_EQ(send(cl, "peek", 4, 0), 4);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), MSG_PEEK), 4);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 4);
	EXPECT_EQ(memcmp(buf, "peek", 4), 0);
}

/* ---- poll ---- */

TEST_F(pair, poll_reports_pollin_pollout_pollrdhup_pollhup_and_pollerr)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char buf[16];
	short r;
	int cl, lfd, acc;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	r = poll_events(_metadata, cl, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(r, POLLOUT);
	r = poll_events(_metadata, acc, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(r, POLLOUT);
	ASSERT_EQ(send(cl, "x", 1, 0), 1);
	r = poll_wait(_metadata, acc, POLLIN, WAIT_MS);
	EXPECT_EQ(r & (POLLIN | POLLRDHUP | POLLHUP | POLLERR), POLLIN);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 1);
	/* Nothing queued at the sender once the byte is acknowledged. */
	for (long long end = now_ms() + WAIT_MS; siocoutq(_metadata, cl) && now_ms() < end;)
		usleep(1000);
	EXPECT_EQ(siocoutq(_metadata, cl), 0);
	/* The peer's FIN: POLLIN | POLLRDHUP, still writable. */
	ASSERT_EQ(shutdown(cl, SHUT_WR), 0);
	r = poll_until(_metadata, acc, POLLIN | POLLOUT | POLLRDHUP, POLLRDHUP, WAIT_MS);
	EXPECT_EQ(r, POLLIN | POLLRDHUP | POLLOUT);
	/* Both directions shut: POLLHUP on both. */
	ASSERT_EQ(shutdown(acc, SHUT_WR), 0);
	r = poll_until(_metadata, cl, POLLIN | POLLRDHUP, POLLRDHUP, WAIT_MS);
	EXPECT_EQ(r & (POLLIN | POLLRDHUP | POLLHUP | POLLERR), POLLIN | POLLRDHUP | POLLHUP);
	r = poll_events(_metadata, acc, POLLIN | POLLRDHUP, 0);
	EXPECT_EQ(r & (POLLIN | POLLRDHUP | POLLHUP | POLLERR), POLLIN | POLLRDHUP | POLLHUP);
	close(cl);
	close(acc);

	/* A reset: POLLERR. */
	acc = connect_pair_at(_metadata, &self->a, &self->b, SOCK_STREAM, PORT_L + 1, &cl, &lfd);
	ASSERT_EQ(setsockopt(acc, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(acc);
	r = poll_wait(_metadata, cl, POLLIN, WAIT_MS);
	EXPECT_TRUE(r & POLLERR);
	EXPECT_TRUE(r & POLLHUP);
	EXPECT_EQ(so_error(_metadata, cl), ECONNRESET);
}

/* ---- closing ---- */

/* One side shuts its sending half; the other still sends until it closes. */
static void half_close(struct __test_metadata *_metadata, FIXTURE_DATA(pair) *self, int type)
{
	char buf[64];
	int cl, lfd, acc;

	acc = connect_pair(_metadata, &self->a, &self->b, type, &cl, &lfd);
	/* Client -> server: data, then FIN; the server reads the data, then 0 (again and again). */
	ASSERT_EQ(send(cl, "request", 7, 0), 7);
	ASSERT_EQ(shutdown(cl, SHUT_WR), 0);
	EXPECT_ERRNO(send(cl, "more", 4, MSG_NOSIGNAL), EPIPE);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 7);
	EXPECT_EQ(memcmp(buf, "request", 7), 0);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 0);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 0);
	/* Server -> client still flows over the half-closed connection. */
	for (int i = 0; i < 50; i++) {
		ASSERT_EQ(send(acc, "reply-xxxx", 10, 0), 10);
	}
	for (int i = 0; i < 50; i++) {
		ASSERT_EQ(read_full(cl, buf, 10), 10);
	}
	EXPECT_EQ(memcmp(buf, "reply-xxxx", 10), 0);
	/* The server closes its half: the client reads 0. */
	ASSERT_EQ(shutdown(acc, SHUT_WR), 0);
	EXPECT_EQ(recv(cl, buf, sizeof(buf), 0), 0);
	EXPECT_EQ(so_error(_metadata, cl), 0);
	EXPECT_EQ(so_error(_metadata, acc), 0);
	close(cl);
	close(acc);

	/* The other way round: the server shuts first, the client keeps sending. */
	acc = connect_pair_at(_metadata, &self->a, &self->b, type, PORT_L + 1, &cl, &lfd);
	ASSERT_EQ(shutdown(acc, SHUT_WR), 0);
	EXPECT_EQ(recv(cl, buf, sizeof(buf), 0), 0);
	ASSERT_EQ(send(cl, "late", 4, 0), 4);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 4);
	EXPECT_EQ(memcmp(buf, "late", 4), 0);
	close(cl);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 0);
	close(acc);
}

TEST_F(pair, stream_half_close_works_both_ways)
{
	half_close(_metadata, self, SOCK_STREAM);
}

TEST_F(pair, seqpacket_half_close_works_both_ways)
{
	half_close(_metadata, self, SOCK_SEQPACKET);
}

TEST_F(pair, orderly_close_delivers_all_queued_data_before_eof)
{
	static unsigned char out[1 << 20], in[1 << 20];
	uint64_t s = 42;
	int cl, lfd, acc;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	rng_fill(&s, out, sizeof(out));
	/* 1 MiB written and the socket closed at once, most of it still queued: all arrives. */
	ASSERT_EQ(setsockopt_int(cl, SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20), 0);
	ASSERT_EQ(send(cl, out, sizeof(out), 0), (ssize_t)sizeof(out));
	printf("# %d bytes still queued at close\n", siocoutq(_metadata, cl));
	close(cl);
	EXPECT_EQ(read_full(acc, in, sizeof(in)), (ssize_t)sizeof(in));
	EXPECT_EQ(memcmp(in, out, sizeof(in)), 0);
	EXPECT_EQ(recv(acc, in, sizeof(in), 0), 0);
	EXPECT_EQ(so_error(_metadata, acc), 0);
}

TEST_F(pair, so_linger_zero_close_resets_and_the_peer_gets_econnreset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long long reset0, sent0;
	char buf[16];
	int cl, lfd, acc;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	reset0 = stat_get(_metadata, self->b.ns, "conn_reset");
	sent0 = stat_get(_metadata, self->a.ns, "resets_sent");
	ASSERT_EQ(setsockopt(acc, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(acc);
	EXPECT_ERRNO(recv(cl, buf, sizeof(buf), 0), ECONNRESET);
	EXPECT_EQ(stat_get(_metadata, self->b.ns, "conn_reset") - reset0, 1);
	EXPECT_GE(stat_get(_metadata, self->a.ns, "resets_sent") - sent0, 1);
	/* The error is reported once; the connection is gone: EOF, and writes EPIPE. */
	EXPECT_EQ(recv(cl, buf, sizeof(buf), 0), 0);
	EXPECT_ERRNO(send(cl, "x", 1, MSG_NOSIGNAL), EPIPE);
	/* Nothing lingers on the aborting side (no TIME_WAIT). */
	EXPECT_TRUE(!proc_find(_metadata, self->a.ns, PORT_L, sock_name(_metadata, cl).scu_port,
			       NULL, NULL));
}

TEST_F(pair, close_with_unread_data_resets_and_the_peer_gets_econnreset)
{
	int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
	char buf[16];

	for (int i = 0; i < 2; i++) {
		int cl, lfd, acc;

		acc = connect_pair_at(_metadata, &self->a, &self->b, types[i], PORT_L + i, &cl,
				      &lfd);
		ASSERT_EQ(send(cl, "unread", 6, 0), 6);
		ASSERT_TRUE(poll_wait(_metadata, acc, POLLIN, WAIT_MS) & POLLIN);
		close(acc);			/* 6 bytes never read */
		/* The client sees POLLERR, then ECONNRESET. */
		EXPECT_TRUE(poll_wait(_metadata, cl, POLLIN, WAIT_MS) & POLLERR);
		EXPECT_ERRNO(recv(cl, buf, sizeof(buf), 0), ECONNRESET);
	}
}

TEST_F(pair, so_linger_with_a_timeout_waits_for_the_acknowledgement)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 10 };
	static unsigned char out[64 << 10], in[64 << 10];
	uint64_t s = 5;
	long long t0, ms, acked_ms;
	int cl, lfd, acc;

	/* Acknowledged at once: close returns as soon as it is, the data arrives, then EOF. */
	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	rng_fill(&s, out, sizeof(out));
	ASSERT_EQ(send(cl, out, sizeof(out), 0), (ssize_t)sizeof(out));
	ASSERT_EQ(setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	t0 = now_ms();
	ASSERT_EQ(close(cl), 0);
	acked_ms = now_ms() - t0;
	EXPECT_LE(acked_ms, 5000);
	EXPECT_EQ(read_full(acc, in, sizeof(in)), (ssize_t)sizeof(in));
	EXPECT_EQ(memcmp(in, out, sizeof(in)), 0);
	EXPECT_EQ(recv(acc, in, 1, 0), 0);

	/* Never acknowledged (the peer's link is down): close waits the whole second. */
	acc = connect_pair_at(_metadata, &self->a, &self->b, SOCK_STREAM, PORT_L + 1, &cl, &lfd);
	/* (the orphan gives up soon after, so that nothing outlives the case for long) */
	ASSERT_EQ(setsockopt_int(cl, SOL_CUSTOM, AF_CUSTOM_USER_TIMEOUT, 3000), 0);
	link_set_up(_metadata, &self->a, false);
	ASSERT_EQ(send(cl, "unacknowledged", 14, 0), 14);
	lg.l_linger = 1;
	ASSERT_EQ(setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	t0 = now_ms();
	close(cl);
	ms = now_ms() - t0;
	printf("# close with SO_LINGER: %lld ms when acknowledged, %lld ms (1 s) when not\n",
	       acked_ms, ms);
	EXPECT_GE(ms, 900);
	EXPECT_LE(ms, 3000);
}

static int sigpipes_pending(struct __test_metadata *_metadata)
{
	sigset_t set;

	ASSERT_EQ(sigpending(&set), 0);
	return sigismember(&set, SIGPIPE);
}

static void sigpipe_clear(void)
{
	struct timespec zero = { 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	while (sigtimedwait(&set, NULL, &zero) == SIGPIPE)
		;
}

TEST_F(pair, write_after_shutdown_is_epipe_with_sigpipe_unless_msg_nosignal)
{
	sigset_t set;
	int cl, lfd, acc;

	/* SIGPIPE blocked, so that it stays pending where the test can see it. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	ASSERT_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	ASSERT_EQ(shutdown(cl, SHUT_WR), 0);
	EXPECT_ERRNO(send(cl, "x", 1, MSG_NOSIGNAL), EPIPE);
	EXPECT_EQ(sigpipes_pending(_metadata), 0);
	EXPECT_ERRNO(send(cl, "x", 1, 0), EPIPE);
	EXPECT_EQ(sigpipes_pending(_metadata), 1);
	sigpipe_clear();
	EXPECT_ERRNO(write(cl, "x", 1), EPIPE);
	EXPECT_EQ(sigpipes_pending(_metadata), 1);
	sigpipe_clear();
	close(acc);
}

TEST_F_TIMEOUT(pair, write_after_the_peer_closed_is_epipe_with_sigpipe_unless_msg_nosignal, 60)
{
	long long t0, deadline, ms;
	sigset_t set;
	int cl, lfd, acc, err = 0, writes = 0, full = 0;
	char buf[16];

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	ASSERT_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	close(acc);			/* orderly: the client reads EOF */
	close(lfd);
	EXPECT_EQ(recv(cl, buf, sizeof(buf), 0), 0);
	/*
	 * The peer is gone: what the client writes now is answered with a reset, and from then
	 * on a write fails with EPIPE (the reset itself may be reported once as ECONNRESET).
	 */
	t0 = now_ms();
	deadline = t0 + 25000;
	while (now_ms() < deadline) {
		if (send(cl, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			err = errno;
			if (err == EPIPE)
				break;
			if (err == EAGAIN) {
				full++;
			} else {
				EXPECT_EQ(err, ECONNRESET);
			}
		} else {
			writes++;
		}
		usleep(20000);
	}
	ms = now_ms() - t0;
	printf("# EPIPE after %lld ms; before it %d writes accepted, %d EAGAIN\n", ms, writes,
	       full);
	ASSERT_EQ(err, EPIPE);
	/* One write reaches the peer, whose reset comes back a round trip later. */
	EXPECT_LE(ms, 2000);
	EXPECT_EQ(sigpipes_pending(_metadata), 0);
	EXPECT_ERRNO(send(cl, "x", 1, 0), EPIPE);
	EXPECT_EQ(sigpipes_pending(_metadata), 1);
	sigpipe_clear();
	/* Unblocked and unhandled, SIGPIPE kills the writer. */
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		signal(SIGPIPE, SIG_DFL);
		send(cl, "x", 1, 0);
		_exit(0);
	}
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
}

#define FIN_WAIT2_MS	10000	/* how long an orphan waits for its peer's FIN */

/* Prints the states of port lport's connections in ns once a second, until none is left. */
static long long wait_gone(struct __test_metadata *_metadata, int ns, unsigned int lport,
			   unsigned int pport, int timeout_ms)
{
	long long t0 = now_ms(), last = 0;
	struct proc_sock ps;

	while (proc_find(_metadata, ns, lport, pport, NULL, &ps) && now_ms() - t0 < timeout_ms) {
		if (now_ms() - last >= 1000) {
			printf("# %lld ms: port %u still %s\n", now_ms() - t0, lport, ps.state);
			last = now_ms();
		}
		usleep(20000);
	}
	return proc_find(_metadata, ns, lport, pport, NULL, NULL) ? -1 : now_ms() - t0;
}

TEST_F_TIMEOUT(pair, orphaned_fin_wait2_is_freed_after_its_timeout, 60)
{
	unsigned short cport;
	long long gone;
	int cl, lfd, acc;
	char c;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	cport = ntohs(sock_name(_metadata, cl).scu_port);
	/* The server closes; the client never does: the server's side waits for a FIN in vain. */
	close(acc);
	close(lfd);
	EXPECT_EQ(recv(cl, &c, 1, 0), 0);
	EXPECT_TRUE(proc_wait(_metadata, self->a.ns, PORT_L, cport, "FIN_WAIT2"));
	gone = wait_gone(_metadata, self->a.ns, PORT_L, cport, FIN_WAIT2_MS + 5000);
	printf("# orphan gone after %lld ms\n", gone);
	EXPECT_GE(gone, 0);
	EXPECT_TRUE(proc_find(_metadata, self->b.ns, cport, PORT_L, "CLOSE_WAIT", NULL));
}

TEST_F_TIMEOUT(pair, connection_written_to_after_the_peer_closed_is_freed_in_bounded_time, 60)
{
	unsigned short cport;
	long long t0, gone_a, gone_b;
	int cl, lfd, acc, n = 0;
	char c;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	cport = ntohs(sock_name(_metadata, cl).scu_port);
	close(acc);
	close(lfd);
	EXPECT_EQ(recv(cl, &c, 1, 0), 0);
	/* The client writes to the closed peer until nothing more is taken, then closes. */
	while (send(cl, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 && n < 100000) {
		n++;
		usleep(1000);
	}
	printf("# %d writes taken, then %s\n", n, strerror(errno));
	close(cl);
	/* Both ends go within the orphan's FIN_WAIT2 bound and TIME_WAIT (and some slack). */
	t0 = now_ms();
	gone_a = wait_gone(_metadata, self->a.ns, PORT_L, cport,
			   FIN_WAIT2_MS + TIME_WAIT_MS + 3000);
	gone_b = wait_gone(_metadata, self->b.ns, cport, PORT_L,
			   FIN_WAIT2_MS + TIME_WAIT_MS + 3000 -
						(int)(now_ms() - t0));
	printf("# server side gone after %lld ms, client side after %lld ms (-1: still there)\n",
	       gone_a, gone_b);
	EXPECT_GE(gone_a, 0);
	EXPECT_GE(gone_b, 0);
}

/* ---- forged resets ---- */

static unsigned short ethertype(void)
{
	long t = afc_param("ethertype");

	return t > 0 ? t : AF_CUSTOM_ETHERTYPE;
}

/*
 * Reads frames captured on the client's link until a data segment of `len` bytes; returns its
 * sequence number.
 */
static unsigned int capture_data_seq(struct __test_metadata *_metadata, int cap, unsigned short len)
{
	unsigned char f[2048];
	long long deadline = now_ms() + WAIT_MS;

	while (now_ms() < deadline) {
		struct pollfd p = { .fd = cap, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) != 1)
			continue;
		n = recv(cap, f, sizeof(f), 0);
		ASSERT_GE(n, 0);
		if (n < ETH_HLEN + AFC_WIRE_HLEN)
			continue;
		const unsigned char *h = f + ETH_HLEN;
		if (afcw_get16(h + AFC_WIRE_OFF_LEN) == len)
			return afcw_get32(h + AFC_WIRE_OFF_SEQ);
	}
	ASSERT_TRUE(false) TH_LOG("no %u-byte segment captured", len);
	return 0;
}

/* A RST (flags as given) from the server's port at a to the client's port at b. */
static void forge_rst(struct __test_metadata *_metadata, int inj, const struct link *a,
		      const struct link *b, unsigned short cport,
		      unsigned char flags, unsigned int seq, unsigned int ack)
{
	unsigned char f[ETH_ZLEN + AFC_WIRE_HLEN] = { 0 };
	struct afc_wire_hdr w = {
		.version = AFC_WIRE_VERSION, .type = AFC_WIRE_STREAM, .flags = flags,
		.sport = PORT_L, .dport = cport, .seq = seq, .ack = ack,
	};
	size_t n = eth_header(f, a, b, ethertype());

	n += afcw_build(f + n, &w, NULL, 0);
	if (n < ETH_ZLEN)
		n = ETH_ZLEN;
	ASSERT_EQ(send(inj, f, n, 0), (ssize_t)n);
}

TEST_F(pair, forged_out_of_window_resets_are_ignored_counted_and_leave_the_connection_alive)
{
	unsigned int seq, rcv_nxt, offsets[] = {
		1, 2, 100, 1460, 65536, 1u << 20, 1u << 24, 1u << 30, 1u << 31,
		-1u, -2u, -1460u, -65536u, -(1u << 24), -(1u << 30),
	};
	unsigned short cport;
	long long oow0, reset0;
	uint64_t rnd = 7;
	int cl, lfd, acc, cap, inj, forged = 0;
	char buf[16];

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	cport = ntohs(sock_name(_metadata, cl).scu_port);
	/* The client's rcv_nxt, from the server's next data segment seen on the client's link. */
	cap = packet_socket(_metadata, &self->b, ethertype());
	ASSERT_EQ(send(acc, "s", 1, 0), 1);
	seq = capture_data_seq(_metadata, cap, 1);
	rcv_nxt = seq + 1;
	ASSERT_EQ(recv(cl, buf, sizeof(buf), 0), 1);

	oow0 = stat_get(_metadata, self->b.ns, "out_of_window");
	reset0 = stat_get(_metadata, self->b.ns, "conn_reset");
	inj = packet_socket(_metadata, &self->a,
			    0);		/* frames out of veth0: as from the server */
	for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
		forge_rst(_metadata, inj, &self->a, &self->b, cport, AFC_WIRE_RST,
			  rcv_nxt + offsets[i], 0);
		forge_rst(_metadata, inj, &self->a, &self->b, cport, AFC_WIRE_RST | AFC_WIRE_ACK,
			  rcv_nxt + offsets[i], 0);
		forged += 2;
	}
	for (int i = 0; i < 200; i++) {
		unsigned int s = (unsigned int)rng_next(&rnd);

		if (s == rcv_nxt)
			continue;
		forge_rst(_metadata, inj, &self->a, &self->b, cport, AFC_WIRE_RST, s, 0);
		forged++;
	}
	EXPECT_EQ(stat_wait_rise(_metadata, self->b.ns, "out_of_window", oow0, forged), forged);
	printf("# %d forged resets, out_of_window +%lld\n", forged,
	       stat_get(_metadata, self->b.ns, "out_of_window") - oow0);

	/* Alive: no error, both directions carry data, still ESTABLISHED. */
	EXPECT_EQ(so_error(_metadata, cl), 0);
	EXPECT_EQ(stat_get(_metadata, self->b.ns, "conn_reset"), reset0);
	ASSERT_EQ(send(cl, "ping", 4, 0), 4);
	ASSERT_EQ(read_full(acc, buf, 4), 4);
	EXPECT_EQ(memcmp(buf, "ping", 4), 0);
	ASSERT_EQ(send(acc, "pong", 4, 0), 4);
	seq = capture_data_seq(_metadata, cap, 4);
	ASSERT_EQ(read_full(cl, buf, 4), 4);
	EXPECT_EQ(memcmp(buf, "pong", 4), 0);
	EXPECT_TRUE(proc_find(_metadata, self->b.ns, cport, PORT_L, "ESTABLISHED", NULL));

	/* The frames did reach the connection: a reset at exactly rcv_nxt ends it. */
	forge_rst(_metadata, inj, &self->a, &self->b, cport, AFC_WIRE_RST, seq + 4, 0);
	ASSERT_TRUE(poll_wait(_metadata, cl, POLLIN, WAIT_MS) & POLLERR);
	EXPECT_ERRNO(recv(cl, buf, sizeof(buf), 0), ECONNRESET);
	EXPECT_EQ(stat_get(_metadata, self->b.ns, "conn_reset") - reset0, 1);
}

TEST_F(pair, replayed_segment_is_counted_as_a_duplicate_and_not_delivered_twice)
{
	unsigned char f[2048];
	long long dup0, oow0, deadline;
	ssize_t flen = -1;
	int cl, lfd, acc, cap, inj;
	char buf[16];

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	/* The client's data segment, as it reached the server's link. */
	cap = packet_socket(_metadata, &self->a, ethertype());
	ASSERT_EQ(send(cl, "dup!", 4, 0), 4);
	deadline = now_ms() + WAIT_MS;
	while (now_ms() < deadline) {
		if (!(poll_events(_metadata, cap, POLLIN, 100) & POLLIN))
			continue;
		flen = recv(cap, f, sizeof(f), 0);
		if (flen >= ETH_HLEN + AFC_WIRE_HLEN + 4 &&
		    afcw_get16(f + ETH_HLEN + AFC_WIRE_OFF_LEN) == 4)
			break;
		flen = -1;
	}
	ASSERT_GT(flen, 0);
	/*
	 * Captured where the segment arrived, its checksum is still the sender's to do (the frame
	 * came over veth as CHECKSUM_PARTIAL, the field zero): sum it, as the device would have,
	 * before the frame goes out again from a packet socket.
	 */
	afcw_put16(f + ETH_HLEN + AFC_WIRE_OFF_CSUM, 0);
	afcw_put16(f + ETH_HLEN + AFC_WIRE_OFF_CSUM, afcw_csum(f + ETH_HLEN, AFC_WIRE_HLEN + 4));
	ASSERT_EQ(read_full(acc, buf, 4), 4);
	dup0 = stat_get(_metadata, self->a.ns, "duplicate_segments");
	oow0 = stat_get(_metadata, self->a.ns, "out_of_window");
	/* The same frame again, sent out of the client's link. */
	inj = packet_socket(_metadata, &self->b, 0);
	ASSERT_EQ(send(inj, f, flen, 0), flen);
	EXPECT_EQ(stat_wait_rise(_metadata, self->a.ns, "duplicate_segments", dup0, 1), 1);
	EXPECT_EQ(stat_get(_metadata, self->a.ns, "out_of_window") - oow0, 0);
	EXPECT_ERRNO(recv(acc, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* The stream goes on. */
	ASSERT_EQ(send(cl, "next", 4, 0), 4);
	ASSERT_EQ(read_full(acc, buf, 4), 4);
	EXPECT_EQ(memcmp(buf, "next", 4), 0);
	EXPECT_ERRNO(recv(acc, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

TEST_F(pair, segment_for_no_connection_gets_a_reset_and_a_reset_gets_nothing)
{
	unsigned char f[ETH_ZLEN + AFC_WIRE_HLEN + 4] = { 0 };
	long long rst0;
	int cap, inj, lfd;
	size_t n;

	lfd = listener(_metadata, self->a.ns, SOCK_STREAM, PORT_L, 8);	/* another port: not 7777 */
	cap = packet_socket(_metadata, &self->b, ethertype());
	inj = packet_socket(_metadata, &self->b, 0);
	rst0 = stat_get(_metadata, self->a.ns, "resets_sent");
	/* Data with ACK to a port nobody has: RST, seq = that ack. */
	struct afc_wire_hdr w = {
		.version = AFC_WIRE_VERSION, .type = AFC_WIRE_STREAM, .flags = AFC_WIRE_ACK,
		.sport = 5555, .dport = 7777, .len = 4, .seq = 1000, .ack = 123456, .window = 65536,
	};
	n = eth_header(f, &self->b, &self->a, ethertype());
	n += afcw_build(f + n, &w, "abcd", 4);
	ASSERT_EQ(send(inj, f, n < ETH_ZLEN ? ETH_ZLEN : n, 0),
		  (ssize_t)(n < ETH_ZLEN ? ETH_ZLEN : n));
	ASSERT_TRUE(poll_events(_metadata, cap, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_GE(recv(cap, f, sizeof(f), 0), ETH_HLEN + AFC_WIRE_HLEN);
	const unsigned char *h = f + ETH_HLEN;
	EXPECT_EQ(h[AFC_WIRE_OFF_FLAGS], AFC_WIRE_RST);
	EXPECT_EQ(afcw_get16(h + AFC_WIRE_OFF_SPORT), 7777);
	EXPECT_EQ(afcw_get16(h + AFC_WIRE_OFF_DPORT), 5555);
	EXPECT_EQ(afcw_get32(h + AFC_WIRE_OFF_SEQ), 123456U);
	EXPECT_EQ(stat_get(_metadata, self->a.ns, "resets_sent") - rst0, 1);
	/* A reset to a port nobody has: no answer. */
	w.flags = AFC_WIRE_RST;
	w.len = 0;
	memset(f, 0, sizeof(f));
	n = eth_header(f, &self->b, &self->a, ethertype());
	n += afcw_build(f + n, &w, NULL, 0);
	ASSERT_EQ(send(inj, f, ETH_ZLEN, 0), ETH_ZLEN);
	EXPECT_EQ(poll_events(_metadata, cap, POLLIN, 500), 0);
	EXPECT_EQ(stat_get(_metadata, self->a.ns, "resets_sent") - rst0, 1);
	close(lfd);
}

/* ---- /proc ---- */

TEST_F(pair, proc_net_af_custom_shows_types_and_states_listen_established_time_wait)
{
	struct proc_sock ps;
	unsigned short cport;
	long long t0;
	int cl, lfd, acc, cl2, lfd2, acc2;
	char c;

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	cport = ntohs(sock_name(_metadata, cl).scu_port);
	EXPECT_TRUE(proc_find(_metadata, self->a.ns, PORT_L, 0, "LISTEN", &ps));
	EXPECT_EQ(strcmp(ps.type, "STREAM"), 0);
	EXPECT_TRUE(proc_find(_metadata, self->a.ns, PORT_L, cport, "ESTABLISHED", &ps));
	EXPECT_EQ(strcmp(ps.type, "STREAM"), 0);
	EXPECT_TRUE(proc_find(_metadata, self->b.ns, cport, PORT_L, "ESTABLISHED", &ps));

	/* The client closes first: FIN_WAIT2 until the server closes, then TIME_WAIT for 2 s. */
	close(cl);
	EXPECT_EQ(recv(acc, &c, 1, 0), 0);
	EXPECT_TRUE(proc_find(_metadata, self->a.ns, PORT_L, cport, "CLOSE_WAIT", NULL));
	EXPECT_TRUE(proc_wait(_metadata, self->b.ns, cport, PORT_L, "FIN_WAIT2"));
	close(acc);
	t0 = now_ms();
	while (!proc_find(_metadata, self->b.ns, cport, PORT_L, "TIME_WAIT",
			  NULL) && now_ms() - t0 < WAIT_MS)
		usleep(2000);
	EXPECT_TRUE(proc_find(_metadata, self->b.ns, cport, PORT_L, "TIME_WAIT", NULL));
	/* The server side is gone once its FIN is acknowledged (LAST_ACK -> CLOSED). */
	while (proc_find(_metadata, self->a.ns, PORT_L, cport, NULL,
			 NULL) && now_ms() - t0 < WAIT_MS)
		usleep(2000);
	EXPECT_TRUE(!proc_find(_metadata, self->a.ns, PORT_L, cport, NULL, NULL));
	usleep(1000 * 1000);
	EXPECT_TRUE(proc_find(_metadata, self->b.ns, cport, PORT_L, "TIME_WAIT",
			      NULL));	/* still, at 1 s */
	while (proc_find(_metadata, self->b.ns, cport, PORT_L, NULL,
			 NULL) && now_ms() - t0 < WAIT_MS)
		usleep(10000);
	printf("# TIME_WAIT gone %lld ms after the close\n", now_ms() - t0);
	EXPECT_TRUE(!proc_find(_metadata, self->b.ns, cport, PORT_L, NULL, NULL));
	EXPECT_GE(now_ms() - t0, TIME_WAIT_MS - 200);

	/* SEQPACKET. */
	lfd2 = listener(_metadata, self->a.ns, SOCK_SEQPACKET, PORT_L + 1, 4);
	cl2 = conn_socket(_metadata, self->b.ns, SOCK_SEQPACKET, TIMEOUT_S);
	struct sockaddr_custom to = scu(PORT_L + 1, self->b.ifindex, self->a.mac);
	ASSERT_EQ(connect(cl2, SA(&to), sizeof(to)), 0);
	acc2 = accept(lfd2, NULL, NULL);
	ASSERT_GE(acc2, 0);
	EXPECT_TRUE(proc_find(_metadata, self->b.ns, ntohs(sock_name(_metadata, cl2).scu_port),
			      PORT_L + 1, "ESTABLISHED",
			      &ps));
	EXPECT_EQ(strcmp(ps.type, "SEQPACKET"), 0);
}

/* ---- rmmod (last: it unloads and reloads the module) ---- */

static const char *module_path = "/afc/af_custom.ko";

static int module_unload(void)
{
	return syscall(SYS_delete_module, "af_custom", O_NONBLOCK);
}

static int module_load(void)
{
	int fd = open(module_path, O_RDONLY | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static bool module_loaded(void)
{
	struct stat st;

	return stat(AFC_SYSFS, &st) == 0;
}

/* Is the unload refused as busy?  (EWOULDBLOCK with O_NONBLOCK; EBUSY on older kernels.) */
static bool unload_refused(struct __test_metadata *_metadata)
{
	int r = module_unload();

	if (r == 0)
		return false;
	ASSERT_TRUE(errno == EWOULDBLOCK || errno == EBUSY)
		TH_LOG("delete_module: %s", strerror(errno));
	return true;
}

TEST_F_TIMEOUT(pair, rmmod_refused_while_a_connection_or_its_time_wait_exists_and_clean_after, 60)
{
	long long t0, t_closed, t_gone = -1;
	unsigned short cport;
	long base;
	int cl, lfd, acc;
	char c;

	if (access(module_path, R_OK))
		SKIP(return, "%s not found: cannot reload the module afterwards", module_path);
	/* Earlier cases' connections finish closing first (TIME_WAIT, an orphan's FIN_WAIT2). */
	t0 = now_ms();
	while (afc_module_refcnt() != 0 && now_ms() - t0 < FIN_WAIT2_MS + TIME_WAIT_MS + 3000)
		usleep(50000);
	base = afc_module_refcnt();
	printf("# module refcnt %ld after %lld ms\n", base, now_ms() - t0);
	EXPECT_EQ(base, 0)
		TH_LOG("connections of earlier cases still hold the module (refcnt %ld): "
		       "rmmod cannot succeed; only the refcnt is checked", base);

	acc = connect_pair(_metadata, &self->a, &self->b, SOCK_STREAM, &cl, &lfd);
	cport = ntohs(sock_name(_metadata, cl).scu_port);
	EXPECT_TRUE(unload_refused(_metadata));
	/* Every descriptor closed: the connection is still closing, and holds the module. */
	close(lfd);
	close(cl);			/* the client closes first: it will linger in TIME_WAIT */
	ASSERT_EQ(recv(acc, &c, 1, 0), 0);
	close(acc);
	t_closed = now_ms();
	while (!proc_find(_metadata, self->b.ns, cport, PORT_L, "TIME_WAIT",
			  NULL) && now_ms() - t_closed < WAIT_MS)
		usleep(2000);
	ASSERT_TRUE(proc_find(_metadata, self->b.ns, cport, PORT_L, "TIME_WAIT", NULL));
	EXPECT_GT(afc_module_refcnt(), base);
	EXPECT_TRUE(unload_refused(_metadata));
	EXPECT_TRUE(module_loaded());
	/* After TIME_WAIT (2 s) the module unloads. */
	while (now_ms() - t_closed < TIME_WAIT_MS + 8000) {
		if (base ? afc_module_refcnt() == base : !unload_refused(_metadata)) {
			t_gone = now_ms() - t_closed;
			break;
		}
		usleep(20000);
	}
	printf("# %s %lld ms after the last close\n",
	       base ? "refcnt back to its base" : "rmmod succeeded", t_gone);
	EXPECT_GE(t_gone, TIME_WAIT_MS - 200);
	EXPECT_TRUE(base || !module_loaded());
	/* Loaded again, as later tests expect. */
	if (!module_loaded()) {
		ASSERT_EQ(module_load(), 0);
	}
	ASSERT_TRUE(module_loaded());
	ns_enter(_metadata, self->a.ns);
	int fd = socket(afc_family(), SOCK_STREAM, 0);
	EXPECT_GE(fd, 0);
}

TEST_HARNESS_MAIN
