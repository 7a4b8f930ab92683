// SPDX-License-Identifier: GPL-2.0
/*
 * afc perf: stream throughput, request/response latency and connection rate, measured with one
 * code path for every transport.  The transport decides socket(family, type, 0) and the address;
 * the loops below are shared.
 *
 *   afc perf server TRANSPORT ADDR...
 *   afc perf client [-m stream|rr|crr] [-s SIZE] [-t SECONDS] [-P FLOWS] [-r REP] [-w SECONDS]
 *                   [-i IF] [-l LABEL] TRANSPORT ADDR...
 *
 *   TRANSPORT                    server ADDR            client ADDR
 *   afc-stream, afc-seqpacket    IF|any PORT            IF MAC PORT
 *   tcp                          IPV4 PORT              IPV4 PORT
 *   tipc-stream, tipc-seqpacket  TYPE INSTANCE          TYPE INSTANCE
 *   unix                         PATH or @ABSTRACT      PATH or @ABSTRACT
 *
 *   -m test (stream), -s write or message size, 1..64K (64K), -t seconds (2), -P flows (1),
 *   -w seconds to retry the first connect, -i count the traffic of interface IF, -r and -l
 *   label the result (repetition, name).
 *
 * Every connection starts with the client's 16-byte hello (magic, test, size, duration), sent as
 * soon as it is connected (a TIPC connect completes only when the server accepts, and the server
 * reads the hello before it accepts the next connection):
 *   stream  once every flow is connected, each sends one byte (go); the server then writes
 *           SIZE-byte writes for the duration and closes; each of the client's FLOWS connections
 *           reads (64 KiB buffer) until EOF.  The receiver measures, so only what arrived counts,
 *           and the end is the sender's close: TIPC has no half-close.
 *   rr      the client sends SIZE bytes, the server sends them back, for the duration; each round
 *           trip is timed (median, 99th percentile, fastest)
 *   crr     connect, hello, the server's 16-byte answer, the server's close, close: per second
 * Every close is shutdown(SHUT_RDWR) then close(): TIPC's close() alone aborts the connection
 * (the peer reads ECONNRESET), its shutdown is the orderly end, and it is that for the others too.
 * The client prints one JSON line per measurement, with the CPU time of the whole machine over
 * it from /proc/stat (sys and softirq per byte or per operation: client, server and the
 * transport's softirq work all run in this machine), and with -i IF the bytes and packets that
 * crossed interface IF.  The server serves until it is killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/tipc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "../lib/addr.h"
#include "perf.h"

#define PERF_MAGIC	0x41464350u	/* "AFCP" */
#define PERF_MAX_SIZE	65536		/* the largest af_custom SOCK_SEQPACKET record */
#define PERF_MAX_FLOWS	64
#define PERF_RBUF	65536		/* stream test: the reader's buffer */

enum perf_test { PERF_STREAM = 1, PERF_RR, PERF_CRR };

static const char *const test_names[] = {
	[PERF_STREAM] = "stream", [PERF_RR] = "rr", [PERF_CRR] = "crr",
};

struct perf_hello {
	uint32_t magic, test, size, duration_ms;	/* network byte order */
};

union perf_addr {
	struct sockaddr sa;
	struct sockaddr_custom scu;
	struct sockaddr_in sin;
	struct sockaddr_tipc tipc;
	struct sockaddr_un sun;
};

struct transport {
	const char *name;
	int family;		/* 0: af_custom, whose number is read at run time */
	int type;
	int server_args, client_args;
	const char *server_usage, *client_usage;
	int (*addr)(bool server, char **argv, union perf_addr *a, socklen_t *len);
};

/* A port number (afc_port_parse: decimal 0..65535); -1 when s is not one. */
static int perf_parse_port(const char *s)
{
	unsigned short port;

	return afc_port_parse(s, &port) ? -1 : port;
}

/* IF|any PORT (server) or IF MAC PORT (client), parsed as the rest of afc parses them. */
static int addr_afc(bool server, char **argv, union perf_addr *a, socklen_t *len)
{
	int port = perf_parse_port(argv[server ? 1 : 2]);
	int ifindex = afc_ifindex_parse(argv[0]);
	unsigned char mac[AF_CUSTOM_ADDR_LEN];

	if (ifindex < 0)
		fprintf(stderr, "afc perf: no interface %s\n", argv[0]);
	/* A client connects through one interface: "any" is for the server. */
	if (ifindex < 0 || (!server && !ifindex) || port < 0 ||
	    (!server && afc_mac_parse(argv[1], mac)))
		return -1;
	memset(a, 0, sizeof(*a));
	a->scu = afc_scu(ifindex, server ? NULL : mac, (unsigned short)port);
	*len = sizeof(a->scu);
	return 0;
}

static int addr_tcp(bool server, char **argv, union perf_addr *a, socklen_t *len)
{
	int port = perf_parse_port(argv[1]);

	(void)server;
	memset(a, 0, sizeof(*a));
	a->sin.sin_family = AF_INET;
	if (port < 0 || inet_pton(AF_INET, argv[0], &a->sin.sin_addr) != 1)
		return -1;
	a->sin.sin_port = htons(port);
	*len = sizeof(a->sin);
	return 0;
}

/* A TIPC service address {type, instance}: published cluster-wide, looked up anywhere. */
static int addr_tipc(bool server, char **argv, union perf_addr *a, socklen_t *len)
{
	char *e1, *e2;
	unsigned long type = strtoul(argv[0], &e1, 0), inst = strtoul(argv[1], &e2, 0);

	memset(a, 0, sizeof(*a));
	a->tipc.family = AF_TIPC;
	a->tipc.addrtype = TIPC_SERVICE_ADDR;
	a->tipc.scope = server ? TIPC_CLUSTER_SCOPE : 0;
	a->tipc.addr.name.name.type = type;
	a->tipc.addr.name.name.instance = inst;
	a->tipc.addr.name.domain = 0;
	*len = sizeof(a->tipc);
	/* Types below 64 are reserved for TIPC itself. */
	return *e1 || *e2 || type < 64 || type > UINT32_MAX || inst > UINT32_MAX ? -1 : 0;
}

/* PATH, or @NAME for the abstract namespace (nothing left behind in the filesystem). */
static int addr_unix(bool server, char **argv, union perf_addr *a, socklen_t *len)
{
	const char *p = argv[0];
	size_t n = strlen(p);

	memset(a, 0, sizeof(*a));
	a->sun.sun_family = AF_UNIX;
	if (!n || n >= sizeof(a->sun.sun_path))
		return -1;
	memcpy(a->sun.sun_path, p, n);
	if (p[0] == '@')
		a->sun.sun_path[0] = 0;
	else if (server)
		unlink(p);
	*len = offsetof(struct sockaddr_un, sun_path) + n + (p[0] != '@');
	return 0;
}

static const struct transport transports[] = {
	{ "afc-stream", 0, SOCK_STREAM, 2, 3, "IF|any PORT", "IF MAC PORT", addr_afc },
	{ "afc-seqpacket", 0, SOCK_SEQPACKET, 2, 3, "IF|any PORT", "IF MAC PORT", addr_afc },
	{ "tcp", AF_INET, SOCK_STREAM, 2, 2, "IPV4 PORT", "IPV4 PORT", addr_tcp },
	{ "tipc-stream", AF_TIPC, SOCK_STREAM, 2, 2, "TYPE INSTANCE", "TYPE INSTANCE", addr_tipc },
	{ "tipc-seqpacket", AF_TIPC, SOCK_SEQPACKET, 2, 2, "TYPE INSTANCE", "TYPE INSTANCE",
	  addr_tipc },
	{ "unix", AF_UNIX, SOCK_STREAM, 1, 1, "PATH|@NAME", "PATH|@NAME", addr_unix },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct transport *find_transport(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		if (!strcmp(name, transports[i].name))
			return &transports[i];
	return NULL;
}

static int perf_socket(const struct transport *t)
{
	return socket(t->family ? t->family : afc_family(), t->type | SOCK_CLOEXEC, 0);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Precise time for the measurements; the coarse clock (a jiffy) for the loops' deadlines. */
static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static double coarse_s(void)
{
	return clock_s(CLOCK_MONOTONIC_COARSE);
}

/* Reads exactly n bytes (one record on SEQPACKET); n, 0 at EOF, -1 on an error. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, (char *)buf + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k;
		got += k;
	}
	return got;
}

static ssize_t write_full(int fd, const void *buf, size_t n)
{
	size_t put = 0;

	while (put < n) {
		ssize_t k = write(fd, (const char *)buf + put, n - put);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		put += k;
	}
	return put;
}

/* The orderly end of a connection on every transport (see the top of the file). */
static void perf_close(int fd)
{
	shutdown(fd, SHUT_RDWR);
	close(fd);
}

static void *alloc_buf(size_t n)
{
	unsigned char *b = malloc(n);

	if (!b) {
		perror("afc perf: malloc");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 131 + 7);
	return b;
}

/* ---- server ---------------------------------------------------------------------------- */

struct conn {
	int fd;
	enum perf_test test;
	size_t size;
	double duration;
};

static void *serve_conn(void *arg)
{
	struct conn *c = arg;
	char *buf = alloc_buf(c->size);

	if (c->test == PERF_STREAM) {
		double deadline;

		/* The client's go: every one of its flows is connected. */
		if (read_full(c->fd, buf, 1) == 1)
			for (deadline = coarse_s() + c->duration; coarse_s() < deadline;)
				if (write_full(c->fd, buf, c->size) < 0)
					break;
	} else {
		while (read_full(c->fd, buf, c->size) == (ssize_t)c->size)
			if (write_full(c->fd, buf, c->size) < 0)
				break;
	}
	perf_close(c->fd);
	free(buf);
	free(c);
	return NULL;
}

static int perf_server(const struct transport *t, const union perf_addr *a, socklen_t len)
{
	int fd = perf_socket(t), one = 1;
	pthread_attr_t attr;

	if (fd < 0 || (t->family == AF_INET &&
		       setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    bind(fd, &a->sa, len) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "afc perf: %s server: %s\n", t->name, strerror(errno));
		return 1;
	}
	fprintf(stderr, "afc perf: %s server listening\n", t->name);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct perf_hello h;
		struct conn *c;
		pthread_t th;
		int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == ECONNRESET)
				continue;
			perror("afc perf: accept");
			return 1;
		}
		if (read_full(cfd, &h, sizeof(h)) != sizeof(h) || ntohl(h.magic) != PERF_MAGIC ||
		    ntohl(h.test) < PERF_STREAM || ntohl(h.test) > PERF_CRR ||
		    ntohl(h.size) < 1 || ntohl(h.size) > PERF_MAX_SIZE) {
			close(cfd);
			continue;
		}
		/* The connection-rate exchange is served here: no thread per connection. */
		if (ntohl(h.test) == PERF_CRR) {
			write_full(cfd, &h, sizeof(h));
			perf_close(cfd);
			continue;
		}
		c = malloc(sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		*c = (struct conn){ .fd = cfd, .test = ntohl(h.test), .size = ntohl(h.size),
				    .duration = ntohl(h.duration_ms) / 1000.0 };
		if (pthread_create(&th, &attr, serve_conn, c)) {
			close(cfd);
			free(c);
		}
	}
}

/* ---- client ---------------------------------------------------------------------------- */

struct client {
	const struct transport *t;
	union perf_addr addr;
	socklen_t addr_len;
	enum perf_test test;
	size_t size;
	double duration, wait;
	struct perf_hello hello;
	const char *ifname;	/* -i: count this interface's traffic */
	const char *label;	/* -l: the name the result goes by (default: the transport's) */
	pthread_barrier_t ready, go;
};

struct flow {
	struct client *cl;
	pthread_t th;
	int fd;
	long long bytes, ops;
	double end;
	double *lat;		/* rr: round-trip times, seconds */
	size_t nlat, cap;
	const char *failed;	/* what failed, errno in err */
	int err;
};

/*
 * Connects a new socket and sends the hello; retries (a new socket each time) until `wait`
 * seconds have passed.
 */
static int perf_connect(struct client *cl, double wait)
{
	double deadline = now_s() + wait;

	for (;;) {
		int fd = perf_socket(cl->t);

		if (fd < 0)
			return -1;
		if (connect(fd, &cl->addr.sa, cl->addr_len) == 0) {
			if (write_full(fd, &cl->hello, sizeof(cl->hello)) == sizeof(cl->hello))
				return fd;
			close(fd);
			return -1;
		}
		close(fd);
		if (now_s() >= deadline)
			return -1;
		usleep(100000);
	}
}

static int flow_fail(struct flow *f, const char *what)
{
	f->failed = what;
	f->err = errno;
	return -1;
}

static void lat_push(struct flow *f, double v)
{
	if (f->nlat == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 65536;
		f->lat = realloc(f->lat, f->cap * sizeof(*f->lat));
		if (!f->lat) {
			perror("afc perf: realloc");
			exit(1);
		}
	}
	f->lat[f->nlat++] = v;
}

static int run_stream(struct flow *f, char *buf)
{
	if (write_full(f->fd, "g", 1) < 0)
		return flow_fail(f, "write go");
	for (;;) {
		ssize_t n = read(f->fd, buf, PERF_RBUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return flow_fail(f, "read");
		if (n == 0)
			return 0;
		f->bytes += n;
		f->ops++;
	}
}

static int run_rr(struct flow *f, char *buf, double deadline)
{
	size_t size = f->cl->size;

	for (double t0 = now_s(), t1; t0 < deadline; t0 = t1) {
		if (write_full(f->fd, buf, size) < 0)
			return flow_fail(f, "write request");
		if (read_full(f->fd, buf, size) != (ssize_t)size)
			return flow_fail(f, "read response");
		t1 = now_s();
		lat_push(f, t1 - t0);
		f->bytes += size;
		f->ops++;
	}
	return 0;
}

static int run_crr(struct flow *f, double deadline)
{
	struct perf_hello back;
	char eof;

	while (coarse_s() < deadline) {
		int fd = perf_connect(f->cl, 0);

		if (fd < 0)
			return flow_fail(f, "connect");
		if (read_full(fd, &back, sizeof(back)) != sizeof(back) ||
		    memcmp(&back, &f->cl->hello, sizeof(back))) {
			close(fd);
			return flow_fail(f, "exchange");
		}
		/* Wait for the server's close, so the server's end takes TIME_WAIT (as TCP). */
		if (read(fd, &eof, 1) != 0) {
			close(fd);
			return flow_fail(f, "wait for close");
		}
		perf_close(fd);
		f->bytes += sizeof(back);
		f->ops++;
	}
	return 0;
}

static void *flow_run(void *arg)
{
	struct flow *f = arg;
	struct client *cl = f->cl;
	char *buf = alloc_buf(cl->size > PERF_RBUF ? cl->size : PERF_RBUF);

	f->fd = cl->test == PERF_CRR ? -1 : perf_connect(cl, cl->wait);
	if (cl->test != PERF_CRR && f->fd < 0)
		flow_fail(f, "connect");
	pthread_barrier_wait(&cl->ready);	/* every flow connected */
	pthread_barrier_wait(&cl->go);		/* the start is stamped */
	if (!f->failed) {
		double deadline = coarse_s() + cl->duration;

		if (cl->test == PERF_STREAM)
			run_stream(f, buf);
		else if (cl->test == PERF_RR)
			run_rr(f, buf, now_s() + cl->duration);
		else
			run_crr(f, deadline);
	}
	f->end = now_s();
	if (f->fd >= 0)
		perf_close(f->fd);
	free(buf);
	return NULL;
}

/* The machine's CPU time from /proc/stat's first line, in seconds. */
struct cpu_times {
	double user, sys, irq, softirq, idle;
};

static void cpu_times(struct cpu_times *c)
{
	unsigned long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
	double hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
			 &iowait, &irq, &softirq) != 7)
		fprintf(stderr, "afc perf: cannot read /proc/stat\n");
	if (f)
		fclose(f);
	*c = (struct cpu_times){ (user + nice) / hz, sys / hz, irq / hz, softirq / hz,
				 (idle + iowait) / hz };
}

/* Bytes and packets both ways through interface `name` (sysfs of this namespace); 0 if none. */
struct wire {
	unsigned long long bytes, packets;
};

static unsigned long long netstat(const char *name, const char *what)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", name, what);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void wire_count(const char *name, struct wire *w)
{
	w->bytes = netstat(name, "tx_bytes") + netstat(name, "rx_bytes");
	w->packets = netstat(name, "tx_packets") + netstat(name, "rx_packets");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int perf_client(struct client *cl, int flows, int rep)
{
	struct flow *f = calloc(flows, sizeof(*f));
	struct cpu_times c0, c1;
	struct wire w0 = { 0 }, w1 = { 0 };
	double t0, t1, secs, kernel;
	long long bytes = 0, ops = 0;
	int failed = 0;

	if (!f)
		return 1;
	cl->hello = (struct perf_hello){ htonl(PERF_MAGIC), htonl(cl->test), htonl(cl->size),
					 htonl((uint32_t)(cl->duration * 1000)) };
	pthread_barrier_init(&cl->ready, NULL, flows + 1);
	pthread_barrier_init(&cl->go, NULL, flows + 1);
	for (int i = 0; i < flows; i++) {
		f[i].cl = cl;
		if (pthread_create(&f[i].th, NULL, flow_run, &f[i])) {
			perror("afc perf: pthread_create");
			exit(1);
		}
	}
	pthread_barrier_wait(&cl->ready);
	if (cl->ifname)
		wire_count(cl->ifname, &w0);
	cpu_times(&c0);
	t0 = now_s();
	pthread_barrier_wait(&cl->go);
	t1 = t0;
	for (int i = 0; i < flows; i++) {
		pthread_join(f[i].th, NULL);
		if (f[i].end > t1)
			t1 = f[i].end;
	}
	cpu_times(&c1);
	if (cl->ifname)
		wire_count(cl->ifname, &w1);
	secs = t1 - t0;

	for (int i = 0; i < flows; i++) {
		if (f[i].failed) {
			fprintf(stderr, "afc perf: %s %s flow %d: %s: %s\n", cl->t->name,
				test_names[cl->test], i, f[i].failed, strerror(f[i].err));
			failed = 1;
		}
		bytes += f[i].bytes;
		ops += f[i].ops;
	}
	if (failed || !ops)
		return 1;
	kernel = (c1.sys - c0.sys) + (c1.softirq - c0.softirq);

	printf("{\"afc_perf\":1,\"transport\":\"%s\",\"label\":\"%s\",\"test\":\"%s\","
	       "\"size\":%zu,\"flows\":%d,\"rep\":%d,\"seconds\":%.4f,\"bytes\":%lld,"
	       "\"ops\":%lld,\"mbit_s\":%.3f,\"ops_s\":%.2f",
	       cl->t->name, cl->label ? cl->label : cl->t->name, test_names[cl->test],
	       cl->test == PERF_CRR ? sizeof(struct perf_hello) : cl->size, flows, rep, secs,
	       bytes, ops, bytes * 8 / secs / 1e6, ops / secs);
	if (cl->test == PERF_RR) {
		size_t n = 0;
		double *all;

		for (int i = 0; i < flows; i++)
			n += f[i].nlat;
		all = malloc(n * sizeof(*all));
		if (!all)
			return 1;
		n = 0;
		for (int i = 0; i < flows; i++) {
			memcpy(all + n, f[i].lat, f[i].nlat * sizeof(*all));
			n += f[i].nlat;
			free(f[i].lat);
		}
		qsort(all, n, sizeof(*all), cmp_double);
		printf(",\"lat_min_us\":%.2f,\"lat_p50_us\":%.2f,\"lat_p99_us\":%.2f", all[0] * 1e6,
		       all[n / 2] * 1e6, all[(n * 99 + 99) / 100 - 1] * 1e6);
		free(all);
	}
	printf(",\"cpus\":%ld,\"cpu_user_s\":%.2f,\"cpu_sys_s\":%.2f,\"cpu_softirq_s\":%.2f,"
	       "\"cpu_irq_s\":%.2f,\"cpu_idle_s\":%.2f", sysconf(_SC_NPROCESSORS_ONLN),
	       c1.user - c0.user, c1.sys - c0.sys, c1.softirq - c0.softirq, c1.irq - c0.irq,
	       c1.idle - c0.idle);
	if (cl->ifname)
		printf(",\"wire_if\":\"%s\",\"wire_bytes\":%llu,\"wire_packets\":%llu", cl->ifname,
		       w1.bytes - w0.bytes, w1.packets - w0.packets);
	if (cl->test == PERF_STREAM)
		printf(",\"cpu_ns_per_byte\":%.3f", kernel * 1e9 / bytes);
	else
		printf(",\"cpu_us_per_op\":%.2f", kernel * 1e6 / ops);
	printf("}\n");
	fflush(stdout);
	free(f);
	return 0;
}

/* ---- command line ------------------------------------------------------------------------ */

static int perf_usage(void)
{
	fprintf(stderr,
		"usage: afc perf server TRANSPORT ADDR...\n"
		"       afc perf client [-m stream|rr|crr] [-s SIZE] [-t SECONDS] [-P FLOWS]\n"
		"                       [-r REP] [-w SECONDS] [-i IF] [-l LABEL] TRANSPORT ADDR...\n"
		"  TRANSPORT       server ADDR       client ADDR\n");
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		fprintf(stderr, "  %-15s %-17s %s\n", transports[i].name, transports[i].server_usage,
			transports[i].client_usage);
	fprintf(stderr, "  SIZE: bytes, or with K (1..64K); defaults: -m stream -s 64K -t 2 -P 1\n");
	return 2;
}

/* "1K" = 1024; 0 when not a size. */
static size_t parse_size(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end == 'K' || *end == 'k') {
		v *= 1024;
		end++;
	}
	return *end || !v || v > PERF_MAX_SIZE ? 0 : v;
}

int cmd_perf(int argc, char **argv)
{
	struct client cl = { .test = PERF_STREAM, .size = 65536, .duration = 2 };
	const struct transport *t;
	bool server;
	int flows = 1, rep = 0, opt, nargs;

	if (argc < 3 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")))
		return perf_usage();
	server = !strcmp(argv[1], "server");
	argc--;
	argv++;
	optind = 1;
	while (!server && (opt = getopt(argc, argv, "+m:s:t:P:r:w:i:l:")) != -1) {
		switch (opt) {
		case 'm':
			cl.test = !strcmp(optarg, "stream") ? PERF_STREAM :
				  !strcmp(optarg, "rr") ? PERF_RR :
				  !strcmp(optarg, "crr") ? PERF_CRR : 0;
			if (!cl.test)
				return perf_usage();
			break;
		case 's':
			cl.size = parse_size(optarg);
			if (!cl.size)
				return perf_usage();
			break;
		case 't':
			cl.duration = atof(optarg);
			if (cl.duration < 0.1 || cl.duration > 3600)
				return perf_usage();
			break;
		case 'P':
			flows = atoi(optarg);
			if (flows < 1 || flows > PERF_MAX_FLOWS)
				return perf_usage();
			break;
		case 'r':
			rep = atoi(optarg);
			break;
		case 'w':
			cl.wait = atof(optarg);
			break;
		case 'i':
			cl.ifname = optarg;
			break;
		case 'l':
			cl.label = optarg;
			break;
		default:
			return perf_usage();
		}
	}
	if (server)
		optind = 1;
	t = optind < argc ? find_transport(argv[optind]) : NULL;
	if (!t)
		return perf_usage();
	nargs = server ? t->server_args : t->client_args;
	if (argc - optind - 1 != nargs) {
		fprintf(stderr, "afc perf: %s %s: %s\n", server ? "server" : "client", t->name,
			server ? t->server_usage : t->client_usage);
		return 2;
	}
	if (t->addr(server, argv + optind + 1, &cl.addr, &cl.addr_len)) {
		fprintf(stderr, "afc perf: bad %s address; %s %s\n", t->name,
			server ? "server" : "client", server ? t->server_usage : t->client_usage);
		return 2;
	}
	cl.t = t;
	/* A peer that goes away is an error to report, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	return server ? perf_server(t, &cl.addr, cl.addr_len) : perf_client(&cl, flows, rep);
}
