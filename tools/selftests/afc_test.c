// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of the afc command-line tool (tools/afc, man/afc.8), used as a user would: each case
 * runs /afc/bin/afc (or $AFC_BIN) with pipes for stdin, stdout and stderr, in network namespaces
 * joined by a veth pair (netns.h), and checks what it prints, what it sends and its exit status.
 * Needs root.
 *
 * Every afc a case starts dies with the case (PR_SET_PDEATHSIG), so a failed case leaves no
 * socket open behind it.
 */
#include <ctype.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include "../lib/afc.h"
#include "../lib/addr.h"
#include "../lib/proc.h"
#include "netns.h"
#include "sockets.h"

#define WAIT_MS		20000	/* how long an afc may take to finish its transfer */
#define MAX_RECORD	65536	/* SOCK_SEQPACKET's largest record */
#define NOT_LOADED	"afc: the af_custom module is not loaded (modprobe af_custom)\n"

static bool debug_kernel(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

static const char *afc_bin(void)
{
	const char *p = getenv("AFC_BIN");

	return p ? p : "/afc/bin/afc";
}

/* ---- running afc ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct __test_metadata *_metadata, struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = realloc(b->p, b->cap);
		ASSERT_NE(NULL, b->p);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = 0;	/* text outputs can be compared as strings */
}

/* One afc process and the parent's ends of its stdin, stdout and stderr (-1 when not ours). */
struct afc {
	pid_t pid;
	int in, out, err;
	const unsigned char *src;	/* what is written to its stdin, then stdin is closed */
	size_t src_len, src_off;
	bool keep_stdin;		/* do not close stdin after src */
	struct buf o, e;		/* stdout and stderr as read */
	int status;			/* exit status, -1 for a signal */
	bool done;
};

static void nonblock(struct __test_metadata *_metadata, int fd)
{
	ASSERT_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/*
 * Starts afc with arguments argv (NULL-terminated, argv[0] "afc") in namespace ns (-1: the
 * current one).  in_fd / out_fd, when >= 0, become its stdin / stdout as they are (sockets of
 * a socketpair, say); otherwise pipes to us.  hide_module: in a mount namespace of its own with
 * an empty /sys/module, as on a machine where af_custom is not loaded.
 */
static void afc_start_fds(struct __test_metadata *_metadata, struct afc *a, int ns, int in_fd,
			  int out_fd, bool hide_module, const char *const *argv)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2];
	pid_t parent = getpid();

	memset(a, 0, sizeof(*a));
	a->in = a->out = -1;
	if (in_fd < 0) {
		ASSERT_EQ(pipe2(pin, O_CLOEXEC), 0);
	}
	if (out_fd < 0) {
		ASSERT_EQ(pipe2(pout, O_CLOEXEC), 0);
	}
	ASSERT_EQ(pipe2(perr, O_CLOEXEC), 0);
	/* An afc that exits before reading its stdin is an EPIPE for afc_pump, not a death. */
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	a->pid = fork();
	ASSERT_GE(a->pid, 0);
	if (a->pid == 0) {
		/* Dies with the case, however the case ends; SIGPIPE as a shell would leave it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_DFL);
		if (getppid() != parent)
			_exit(127);
		if (ns >= 0 && setns(ns, CLONE_NEWNET) < 0)
			_exit(127);
		if (hide_module &&
		    (unshare(CLONE_NEWNS) < 0 ||
		     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		     mount("none", "/sys/module", "tmpfs", 0, NULL) < 0))
			_exit(127);
		dup2(in_fd >= 0 ? in_fd : pin[0], STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : pout[1], STDOUT_FILENO);
		dup2(perr[1], STDERR_FILENO);
		execv(afc_bin(), (char *const *)argv);
		_exit(127);
	}
	if (in_fd < 0) {
		close(pin[0]);
		a->in = pin[1];
		nonblock(_metadata, a->in);
	}
	if (out_fd < 0) {
		close(pout[1]);
		a->out = pout[0];
		nonblock(_metadata, a->out);
	}
	close(perr[1]);
	a->err = perr[0];
	nonblock(_metadata, a->err);
}

static void afc_start(struct __test_metadata *_metadata, struct afc *a, int ns,
		      const char *const *argv)
{
	afc_start_fds(_metadata, a, ns, -1, -1, false, argv);
}

static void drain(struct __test_metadata *_metadata, int *fd, struct buf *b)
{
	char chunk[65536];
	ssize_t n;

	while (*fd >= 0 && (n = read(*fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			ASSERT_TRUE(errno == EAGAIN || errno == EINTR);
			return;
		}
		buf_add(_metadata, b, chunk, (size_t)n);
	}
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * Feeds the afcs' stdins, collects their outputs, reaps them: until each has exited with its
 * output closed, or timeout_ms has passed (then false).
 */
static bool afc_pump(struct __test_metadata *_metadata, struct afc *a, int n, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p[3 * 8];
		int np = 0, running = 0;

		ASSERT_TRUE(n <= 8);
		for (int i = 0; i < n; i++) {
			struct afc *x = &a[i];

			if (x->in >= 0 && x->src_off == x->src_len && !x->keep_stdin) {
				close(x->in);
				x->in = -1;
			}
			if (x->in >= 0 && x->src_off < x->src_len)
				p[np++] = (struct pollfd){ .fd = x->in, .events = POLLOUT };
			if (x->out >= 0)
				p[np++] = (struct pollfd){ .fd = x->out, .events = POLLIN };
			if (x->err >= 0)
				p[np++] = (struct pollfd){ .fd = x->err, .events = POLLIN };
			if (!x->done) {
				int st;
				pid_t r = waitpid(x->pid, &st, WNOHANG);

				ASSERT_GE(r, 0);
				if (r == x->pid) {
					x->done = true;
					x->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
				}
			}
			if (!x->done || x->out >= 0 || x->err >= 0)
				running++;
		}
		if (!running)
			return true;
		if (now_ms() > deadline)
			return false;
		/* A child's exit is not an event here: look again every 10 ms. */
		ASSERT_GE(poll(p, (nfds_t)np, 10), 0);
		for (int i = 0; i < n; i++) {
			struct afc *x = &a[i];

			if (x->in >= 0 && x->src_off < x->src_len) {
				size_t left = x->src_len - x->src_off;
				ssize_t w = write(x->in, x->src + x->src_off, left);

				if (w < 0 && errno == EPIPE) {
					close(x->in);
					x->in = -1;
				} else if (w < 0) {
					ASSERT_TRUE(errno == EAGAIN || errno == EINTR);
				} else {
					x->src_off += (size_t)w;
				}
			}
			drain(_metadata, &x->out, &x->o);
			drain(_metadata, &x->err, &x->e);
		}
	}
}

/* Prints text as KTAP diagnostic lines ("# " each). */
static void diag(const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		printf("# %.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

/* Pumps the afcs until afc i's stdout holds want; false when they end or time runs out first. */
static bool afc_wait_output(struct __test_metadata *_metadata, struct afc *a, int n, int i,
			    const char *want, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (!(a[i].o.p && strstr(a[i].o.p, want)))
		if (afc_pump(_metadata, a, n, 20) || now_ms() > deadline)
			return a[i].o.p && strstr(a[i].o.p, want);
	return true;
}

/* Runs afc to its end with stdin src (NULL: empty); returns its exit status. */
static int afc_run(struct __test_metadata *_metadata, struct afc *a, int ns, const char *src,
		   const char *const *argv)
{
	afc_start(_metadata, a, ns, argv);
	a->src = (const unsigned char *)src;
	a->src_len = src ? strlen(src) : 0;
	ASSERT_TRUE(afc_pump(_metadata, a, 1, WAIT_MS));
	printf("# afc");
	for (int i = 1; argv[i]; i++)
		printf(" %s", argv[i]);
	printf(": exit %d, %zu bytes out%s\n", a->status, a->o.len, a->e.len ? ", stderr:" : "");
	if (a->e.len)
		diag(a->e.p);
	return a->status;
}

static void afc_kill(struct __test_metadata *_metadata, struct afc *a)
{
	if (!a->done) {
		kill(a->pid, SIGTERM);
		ASSERT_EQ(waitpid(a->pid, NULL, 0), a->pid);
		a->done = true;
	}
}

static const char *str(const struct buf *b)
{
	return b->p ? b->p : "";
}

/* ---- what /proc says ---- */

/* Waits until namespace ns lists a socket of type (as /proc names it) on lport in state. */
static void wait_socket(struct __test_metadata *_metadata, int ns, const char *type,
			unsigned int lport, const char *state)
{
	long long deadline = now_ms() + WAIT_MS;

	for (;;) {
		struct afc_proc p;
		struct afc_proc_sock s;
		bool found = false;

		ns_enter(_metadata, ns);
		ASSERT_EQ(afc_proc_open(&p, AFC_PROC_SOCKETS), 0);
		while (afc_proc_next(&p) > 0)
			if (!afc_proc_sock(&p, &s) && !strcmp(s.type, type) && s.lport == lport &&
			    !strcmp(s.state, state))
				found = true;
		afc_proc_close(&p);
		if (found)
			return;
		ASSERT_LE(now_ms(), deadline)
			TH_LOG("no %s socket on port %u in state %s", type, lport, state);
		usleep(10000);
	}
}

/* ---- a minimal JSON checker (RFC 8259 grammar, no semantic checks) ---- */

static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p) || !*p) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return NULL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return p;
}

/* An object or array: members separated by commas, between open and close. */
static const char *json_list(const char *p, char close, bool object, int depth)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(json_ws(p));
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, int depth)
{
	p = json_ws(p);
	if (depth > 64)
		return NULL;
	switch (*p) {
	case '{':
		return json_list(p, '}', true, depth);
	case '[':
		return json_list(p, ']', false, depth);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return json_number(p);
	}
}

/* Is s exactly one JSON object (and white space)? */
static bool json_object_valid(const char *s)
{
	const char *end;

	s = json_ws(s);
	if (*s != '{')
		return false;
	end = json_value(s, 0);
	return end && !*json_ws(end);
}

/* ---- the cases ---- */

TEST(json_checker_accepts_json_and_rejects_the_rest)
{
	EXPECT_TRUE(json_object_valid(
		"{\"a\": [1, -2.5e3, \"x\\\"\\u00e9\", true, null], \"b\": {}}\n"));
	EXPECT_TRUE(!json_object_valid("{\"a\": [1, 2,]}"));
	EXPECT_TRUE(!json_object_valid("{\"a\": 01}"));
	EXPECT_TRUE(!json_object_valid("{\"a\": \"\x01\"}"));
	EXPECT_TRUE(!json_object_valid("{\"a\": 1} x"));
	EXPECT_TRUE(!json_object_valid("{a: 1}"));
	EXPECT_TRUE(!json_object_valid("[1]"));
}

/* A few MiB each way at once: neither end may stall on a full window while it writes. */
/* The transfer may take up to 50 s (afc_pump() below). */
TEST_TIMEOUT(stream_copies_stdin_both_ways_at_once_and_exits_when_both_ends_are_done, 80)
{
	size_t len = debug_kernel() ? 1 << 20 : 4 << 20;
	unsigned char *to_b = malloc(len), *to_a = malloc(len);
	struct link a, b;
	struct afc x[2];
	char mac[AFC_MAC_STRLEN];

	ASSERT_TRUE(to_b && to_a);
	fill(to_b, 1, len);
	fill(to_a, 2, len);
	veth_pair(_metadata, &a, &b);
	afc_mac_format(mac, b.mac);
	afc_start(_metadata, &x[0], b.ns, (const char *const[]){ "afc", "listen", "7000", NULL });
	x[0].src = to_a;
	x[0].src_len = len;
	wait_socket(_metadata, b.ns, "STREAM", 7000, "LISTEN");
	afc_start(_metadata, &x[1], a.ns,
		  (const char *const[]){ "afc", "connect", "veth0", mac, "7000", NULL });
	x[1].src = to_b;
	x[1].src_len = len;
	ASSERT_TRUE(afc_pump(_metadata, x, 2, 50000));
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(x[i].status, 0);
		EXPECT_EQ(x[i].e.len, 0U);
		EXPECT_EQ(x[i].o.len, len);
		if (x[i].e.len)
			printf("# stderr %d: %s\n", i, str(&x[i].e));
	}
	EXPECT_TRUE(x[0].o.len == len && !memcmp(x[0].o.p, to_b, len));
	EXPECT_TRUE(x[1].o.len == len && !memcmp(x[1].o.p, to_a, len));
}

/*
 * connect: the end of stdin is a FIN (the peer reads EOF) while afc goes on copying what the
 * peer sends; afc exits 0 once the peer closes too.  listen likewise, with an empty stdin.
 */
TEST(end_of_stdin_half_closes_and_afc_exits_after_the_peers_close)
{
	static const char reply[] = "sent after your EOF\n";
	struct sockaddr_custom me, to;
	socklen_t len = sizeof(me);
	struct link a, b;
	struct afc x;
	char buf[256], mac[AFC_MAC_STRLEN];
	int l, c;

	veth_pair(_metadata, &a, &b);

	/* Our listener in b, afc connect in a. */
	ns_enter(_metadata, b.ns);
	l = socket(afc_family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(l, 0);
	me = scu(7001, 0, NULL);
	ASSERT_EQ(bind(l, SA(&me), sizeof(me)), 0);
	ASSERT_EQ(listen(l, 1), 0);
	afc_start(_metadata, &x, a.ns, (const char *const[]){ "afc", "connect", "veth0",
						   afc_mac_format(mac, b.mac), "7001", NULL });
	x.src = (const unsigned char *)"request\n";
	x.src_len = 8;
	c = accept(l, SA(&to), &len);
	ASSERT_GE(c, 0);
	ASSERT_TRUE(!afc_pump(_metadata, &x, 1, 200));	/* stdin goes, and afc stays */
	ASSERT_EQ(x.in, -1);
	ASSERT_TRUE(poll_events(_metadata, c, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_EQ(recv(c, buf, sizeof(buf), MSG_WAITALL), 8);	/* then EOF: WAITALL returns */
	EXPECT_TRUE(!memcmp(buf, "request\n", 8));
	EXPECT_EQ(recv(c, buf, sizeof(buf), 0), 0);
	EXPECT_TRUE(!x.done);
	ASSERT_EQ(send(c, reply, strlen(reply), 0), (ssize_t)strlen(reply));
	/* The reply reaches stdout; afc still waits for our end. */
	EXPECT_TRUE(afc_wait_output(_metadata, &x, 1, 0, reply, WAIT_MS));
	EXPECT_TRUE(!afc_pump(_metadata, &x, 1, 200));
	EXPECT_TRUE(!strcmp(str(&x.o), reply));
	ASSERT_EQ(close(c), 0);
	ASSERT_TRUE(afc_pump(_metadata, &x, 1, WAIT_MS));
	EXPECT_EQ(x.status, 0);
	EXPECT_TRUE(!strcmp(str(&x.o), reply));
	EXPECT_EQ(x.e.len, 0U);
	close(l);

	/* afc listen in b with an empty stdin: our connection reads EOF at once, can still send. */
	afc_start(_metadata, &x, b.ns, (const char *const[]){ "afc", "listen", "7002", NULL });
	close(x.in);
	x.in = -1;
	wait_socket(_metadata, b.ns, "STREAM", 7002, "LISTEN");
	ns_enter(_metadata, a.ns);
	c = socket(afc_family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(c, 0);
	to = scu(7002, a.ifindex, b.mac);
	ASSERT_EQ(connect(c, SA(&to), sizeof(to)), 0);
	ASSERT_TRUE(poll_events(_metadata, c, POLLIN, WAIT_MS) & POLLIN);
	EXPECT_EQ(recv(c, buf, sizeof(buf), 0), 0);
	ASSERT_EQ(send(c, reply, strlen(reply), 0), (ssize_t)strlen(reply));
	ASSERT_EQ(shutdown(c, SHUT_WR), 0);
	ASSERT_TRUE(afc_pump(_metadata, &x, 1, WAIT_MS));
	EXPECT_EQ(x.status, 0);
	EXPECT_TRUE(!strcmp(str(&x.o), reply));
	EXPECT_EQ(x.e.len, 0U);
	close(c);
}

/*
 * SEQPACKET: each read of stdin is one record and each record one write to stdout.  stdin and
 * stdout are AF_UNIX SOCK_SEQPACKET sockets here, which keep the boundaries visible.
 */
TEST(seqpacket_keeps_record_boundaries_from_stdin_and_to_stdout)
{
	static const size_t sizes[] = { 1, 1000, MAX_RECORD, 7, 1500, 40000 };
	unsigned char *rec = malloc(MAX_RECORD + 1), *got = malloc(MAX_RECORD + 1);
	struct sockaddr_custom me, peer;
	socklen_t len = sizeof(peer);
	int in[2], out[2], l, c;
	struct link a, b;
	struct afc x;
	char mac[AFC_MAC_STRLEN];

	ASSERT_TRUE(rec && got);
	veth_pair(_metadata, &a, &b);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, in), 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, out), 0);
	ns_enter(_metadata, b.ns);
	l = socket(afc_family(), SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ASSERT_GE(l, 0);
	me = scu(7003, 0, NULL);
	ASSERT_EQ(bind(l, SA(&me), sizeof(me)), 0);
	ASSERT_EQ(listen(l, 1), 0);
	afc_start_fds(_metadata, &x, a.ns, in[1], out[1], false,
		      (const char *const[]){ "afc", "connect", "-t", "seqpacket", "veth0",
					     afc_mac_format(mac, b.mac), "7003", NULL });
	close(in[1]);
	close(out[1]);
	c = accept(l, SA(&peer), &len);
	ASSERT_GE(c, 0);

	/* stdin -> connection */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill(rec, (unsigned int)i, sizes[i]);
		ASSERT_EQ(send(in[0], rec, sizes[i], 0), (ssize_t)sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct iovec iov = { .iov_base = got, .iov_len = MAX_RECORD + 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		ASSERT_TRUE(poll_events(_metadata, c, POLLIN, WAIT_MS) & POLLIN);
		n = recvmsg(c, &msg, 0);
		fill(rec, (unsigned int)i, sizes[i]);
		EXPECT_EQ(n, (ssize_t)sizes[i]);
		EXPECT_TRUE(msg.msg_flags & MSG_EOR);
		EXPECT_TRUE(n == (ssize_t)sizes[i] && !memcmp(got, rec, sizes[i]));
	}

	/* connection -> stdout */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill(rec, (unsigned int)i + 100, sizes[i]);
		ASSERT_EQ(send(c, rec, sizes[i], 0), (ssize_t)sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		ssize_t n;

		ASSERT_TRUE(poll_events(_metadata, out[0], POLLIN, WAIT_MS) & POLLIN);
		n = recv(out[0], got, MAX_RECORD + 1, 0);
		fill(rec, (unsigned int)i + 100, sizes[i]);
		EXPECT_EQ(n, (ssize_t)sizes[i]);
		EXPECT_TRUE(n == (ssize_t)sizes[i] && !memcmp(got, rec, sizes[i]));
	}

	/* Both ends close: afc exits 0. */
	close(in[0]);
	ASSERT_TRUE(poll_events(_metadata, c, POLLIN, WAIT_MS) & POLLIN);
	EXPECT_EQ(recv(c, got, MAX_RECORD, 0), 0);
	close(c);
	ASSERT_TRUE(afc_pump(_metadata, &x, 1, WAIT_MS));
	EXPECT_EQ(x.status, 0);
	EXPECT_EQ(x.e.len, 0U);
	close(out[0]);
	close(l);
}

/*
 * DGRAM: connect to "broadcast" sends each read of stdin as one datagram to every listener on
 * the segment; listen writes each datagram to stdout and sends stdin to the last sender.
 */
TEST(dgram_listen_prints_datagrams_and_connect_broadcasts_each_read)
{
	static const char *const words[] = { "one", "two", "three" };
	int in[2], out[2], fd;
	struct link a, b;
	struct afc lx, cx;
	struct sockaddr_custom to, from;
	socklen_t len = sizeof(from);
	char buf[64];
	ssize_t n;

	veth_pair(_metadata, &a, &b);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, in), 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, out), 0);

	/* afc listen -t dgram in b: its stdout a seqpacket socket, to see each datagram. */
	afc_start_fds(_metadata, &lx, b.ns, -1, out[1], false,
		      (const char *const[]){ "afc", "listen", "-t", "dgram", "7004", NULL });
	lx.keep_stdin = true;
	close(out[1]);
	wait_socket(_metadata, b.ns, "DGRAM", 7004, "BOUND");

	/* afc connect -t dgram ... broadcast in a: three reads of stdin, three datagrams. */
	afc_start_fds(_metadata, &cx, a.ns, in[1], -1, false,
		      (const char *const[]){ "afc", "connect", "-t", "dgram", "veth0",
					     "broadcast", "7004", NULL });
	close(in[1]);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		ASSERT_EQ(send(in[0], words[i], strlen(words[i]), 0), (ssize_t)strlen(words[i]));
		ASSERT_TRUE(poll_events(_metadata, out[0], POLLIN, WAIT_MS) & POLLIN);
		n = recv(out[0], buf, sizeof(buf), 0);
		EXPECT_EQ(n, (ssize_t)strlen(words[i]));
		EXPECT_TRUE(n == (ssize_t)strlen(words[i]) && !memcmp(buf, words[i], (size_t)n));
	}
	close(in[0]);
	/* end of stdin: connect is done */
	ASSERT_TRUE(afc_pump(_metadata, &cx, 1, WAIT_MS));
	EXPECT_EQ(cx.status, 0);
	EXPECT_EQ(cx.e.len, 0U);

	/* A unicast datagram from our socket in a; the listener's stdin answers it. */
	fd = dgram_socket(_metadata, a.ns);
	to = scu(7004, a.ifindex, b.mac);
	ASSERT_EQ(send_to(fd, "ping", 4, 0, &to), 4);
	ASSERT_TRUE(poll_events(_metadata, out[0], POLLIN, WAIT_MS) & POLLIN);
	n = recv(out[0], buf, sizeof(buf), 0);
	EXPECT_TRUE(n == 4 && !memcmp(buf, "ping", 4));
	ASSERT_EQ(write(lx.in, "pong", 4), 4);
	n = recvfrom(fd, buf, sizeof(buf), 0, SA(&from), &len);
	EXPECT_TRUE(n == 4 && !memcmp(buf, "pong", 4));
	EXPECT_EQ(ntohs(from.scu_port), 7004);
	EXPECT_TRUE(!memcmp(from.scu_addr, b.mac, ETH_ALEN));
	afc_kill(_metadata, &lx);
	close(out[0]);
	close(fd);
}

/* -k: one connection after another on the same listener; without it, the second is refused. */
TEST(listen_k_accepts_two_clients_in_turn)
{
	struct link a, b;
	struct afc l, c;
	char mac[AFC_MAC_STRLEN];

	veth_pair(_metadata, &a, &b);
	afc_mac_format(mac, b.mac);
	afc_start(_metadata, &l, b.ns, (const char *const[]){ "afc", "listen", "-k", "7005",
							     NULL });
	/* stdin empty: each connection is half-closed from here at once. */
	close(l.in);
	l.in = -1;
	wait_socket(_metadata, b.ns, "STREAM", 7005, "LISTEN");
	EXPECT_EQ(afc_run(_metadata, &c, a.ns, "first client\n",
			  (const char *const[]){ "afc", "connect", "veth0", mac, "7005", NULL }),
		  0);
	EXPECT_EQ(afc_run(_metadata, &c, a.ns, "second client\n",
			  (const char *const[]){ "afc", "connect", "veth0", mac, "7005", NULL }),
		  0);
	/* The listener has copied both, in turn, and still listens. */
	EXPECT_TRUE(afc_wait_output(_metadata, &l, 1, 0, "first client\nsecond client\n", WAIT_MS));
	EXPECT_TRUE(!strcmp(str(&l.o), "first client\nsecond client\n"));
	EXPECT_TRUE(!l.done);
	wait_socket(_metadata, b.ns, "STREAM", 7005, "LISTEN");
	afc_kill(_metadata, &l);
	EXPECT_EQ(l.e.len, 0U);

	/* Without -k: one connection, then the port is closed. */
	afc_start(_metadata, &l, b.ns, (const char *const[]){ "afc", "listen", "7006", NULL });
	close(l.in);
	l.in = -1;
	wait_socket(_metadata, b.ns, "STREAM", 7006, "LISTEN");
	EXPECT_EQ(afc_run(_metadata, &c, a.ns, "only\n",
			  (const char *const[]){ "afc", "connect", "veth0", mac, "7006", NULL }),
		  0);
	ASSERT_TRUE(afc_pump(_metadata, &l, 1, WAIT_MS));
	EXPECT_EQ(l.status, 0);
	EXPECT_TRUE(!strcmp(str(&l.o), "only\n"));
	EXPECT_EQ(afc_run(_metadata, &c, a.ns, "late\n",
			  (const char *const[]){ "afc", "connect", "veth0", mac, "7006", NULL }),
		  1);
	EXPECT_TRUE(!strcmp(str(&c.e), "afc: connect: Connection refused\n"));
}

TEST(connect_refused_and_unknown_interface_say_so_and_exit_1)
{
	struct link a, b;
	struct afc c;
	char mac[AFC_MAC_STRLEN];

	veth_pair(_metadata, &a, &b);
	afc_mac_format(mac, b.mac);
	EXPECT_EQ(afc_run(_metadata, &c, a.ns, "x",
			  (const char *const[]){ "afc", "connect", "veth0", mac, "7007", NULL }),
		  1);
	EXPECT_TRUE(!strcmp(str(&c.e), "afc: connect: Connection refused\n"));
	EXPECT_EQ(c.o.len, 0U);
	EXPECT_EQ(afc_run(_metadata, &c, a.ns, "x",
			  (const char *const[]){ "afc", "connect", "nosuch0", mac, "7007", NULL }),
		  1);
	EXPECT_TRUE(!strcmp(str(&c.e), "afc: nosuch0: no such interface\n"));
	EXPECT_EQ(afc_run(_metadata, &c, a.ns, NULL,
			  (const char *const[]){ "afc", "listen", "-i", "nosuch0", "7007", NULL }),
		  1);
	EXPECT_TRUE(!strcmp(str(&c.e), "afc: nosuch0: no such interface\n"));
}

TEST(bad_arguments_print_a_usage_line_and_exit_2)
{
	static const char *const bad[][8] = {
		{ "afc", NULL },
		{ "afc", "nosuchcommand", NULL },
		{ "afc", "listen", NULL },
		{ "afc", "listen", "-t", "raw", "7000", NULL },
		{ "afc", "listen", "70000", NULL },
		{ "afc", "listen", "7000", "7001", NULL },
		{ "afc", "listen", "-x", "7000", NULL },
		{ "afc", "connect", "lo", "not-a-mac", "7000", NULL },
		{ "afc", "connect", "lo", "01:02:03:04:05", "7000", NULL },
		{ "afc", "connect", "lo", "broadcast", "7000", NULL },	/* stream */
		{ "afc", "connect", "lo", "01:02:03:04:05:06", "port", NULL },
		{ "afc", "stat", "-x", NULL },
		{ "afc", "stat", "-l", "-a", NULL },
		{ "afc", "send", "lo", "broadcast", "7000", NULL },
		{ "afc", "recv", "-c", "0", "7000", NULL },
		{ "afc", "socket", NULL },
	};
	struct afc x;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(afc_run(_metadata, &x, -1, NULL, bad[i]), 2);
		EXPECT_EQ(x.o.len, 0U);
		EXPECT_NE(NULL, strstr(str(&x.e), "usage: afc"))
			TH_LOG("%s %s: no usage line on stderr", bad[i][1], bad[i][2]);
	}
}

TEST(help_goes_to_stdout_and_exits_0)
{
	static const char *const cmds[] = { "listen", "connect", "stat", "info", "socket",
					    "send", "recv" };
	char want[64];
	struct afc x;

	EXPECT_EQ(afc_run(_metadata, &x, -1, NULL, (const char *const[]){ "afc", "--help", NULL }),
		  0);
	EXPECT_EQ(x.e.len, 0U);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(want, sizeof(want), " afc %s", cmds[i]);
		EXPECT_NE(NULL, strstr(str(&x.o), want))
			TH_LOG("afc --help does not show afc %s", cmds[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(afc_run(_metadata, &x, -1, NULL,
				  (const char *const[]){ "afc", cmds[i], "--help", NULL }), 0);
		EXPECT_EQ(x.e.len, 0U);
		snprintf(want, sizeof(want), "usage: afc %s", cmds[i]);
		EXPECT_TRUE(!strncmp(str(&x.o), want, strlen(want)));
		EXPECT_GT(strlen(str(&x.o)), strlen(want) + 20);
	}
}

TEST(version_is_afcs_and_the_loaded_modules)
{
	char v[64], want[160];
	struct afc x;

	ASSERT_NE(NULL, afc_module_version(v, sizeof(v)));
	EXPECT_EQ(afc_run(_metadata, &x, -1, NULL, (const char *const[]){ "afc", "--version",
									 NULL }), 0);
	/* Both come from the top-level VERSION. */
	snprintf(want, sizeof(want), "afc %s\naf_custom module %s\n", v, v);
	EXPECT_TRUE(!strcmp(str(&x.o), want));
	EXPECT_EQ(x.e.len, 0U);
}

/* Run where /sys/module has no af_custom (a mount namespace with an empty /sys/module). */
TEST(without_the_module_afc_says_it_is_not_loaded)
{
	static const char *const cmds[][4] = {
		{ "afc", "stat", NULL },
		{ "afc", "listen", "7000", NULL },
		{ "afc", "info", NULL },
	};
	struct afc x;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		afc_start_fds(_metadata, &x, -1, -1, -1, true, cmds[i]);
		ASSERT_TRUE(afc_pump(_metadata, &x, 1, WAIT_MS));
		EXPECT_EQ(x.status, 1);
		EXPECT_TRUE(!strcmp(str(&x.e), NOT_LOADED));
		EXPECT_EQ(x.o.len, 0U);
		if (strcmp(str(&x.e), NOT_LOADED))
			printf("# afc %s: %s", cmds[i][1], str(&x.e));
	}
	afc_start_fds(_metadata, &x, -1, -1, -1, true, (const char *const[]){ "afc", "--version",
									     NULL });
	ASSERT_TRUE(afc_pump(_metadata, &x, 1, WAIT_MS));
	EXPECT_EQ(x.status, 0);
	EXPECT_NE(NULL, strstr(str(&x.o), "\naf_custom module not loaded\n"));
}

/* The line of afc stat output whose fields 1 and 2 (type, state) and 5 (local) are these. */
static bool stat_line(const char *out, const char *type, const char *state, const char *local,
		      char fields[9][64])
{
	char line[512];

	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		int k;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		memset(fields, 0, 9 * 64);
		k = sscanf(line, "%63s %63s %63s %63s %63s %63s %63s %63s %63s", fields[0],
			   fields[1], fields[2], fields[3], fields[4], fields[5], fields[6],
			   fields[7], fields[8]);
		if (k == 9 && !strcmp(fields[0], type) && !strcmp(fields[1], state) &&
		    !strcmp(fields[4], local))
			return true;
	}
	return false;
}

/*
 * A listener, an established connection, a datagram socket: afc stat shows them with the
 * interfaces' names and MACs and the ports at both ends, filters them as ss does, prints the
 * namespace's counters as /proc has them, and its JSON parses.
 */
TEST(stat_shows_listener_connection_and_counters_like_ss)
{
	char f[9][64], want[128], amac[AFC_MAC_STRLEN], bmac[AFC_MAC_STRLEN], name[64], val[64];
	struct link a, b;
	struct afc x[3], s;
	struct afc *l = &x[0], *d = &x[1], *c = &x[2];
	unsigned int cport;
	const char *line;
	int counters = 0;

	veth_pair(_metadata, &a, &b);
	afc_mac_format(amac, a.mac);
	afc_mac_format(bmac, b.mac);
	/* stdins stay open: the connection stays established while we look. */
	afc_start(_metadata, l, b.ns, (const char *const[]){ "afc", "listen", "-k", "7100", NULL });
	l->keep_stdin = true;
	afc_start(_metadata, d, b.ns, (const char *const[]){ "afc", "listen", "-t", "dgram", "-i",
							    "veth1", "7200", NULL });
	d->keep_stdin = true;
	wait_socket(_metadata, b.ns, "STREAM", 7100, "LISTEN");
	wait_socket(_metadata, b.ns, "DGRAM", 7200, "BOUND");
	afc_start(_metadata, c, a.ns, (const char *const[]){ "afc", "connect", "veth0", bmac,
							    "7100", NULL });
	c->keep_stdin = true;
	c->src = (const unsigned char *)"hello\n";
	c->src_len = 6;
	ASSERT_TRUE(afc_wait_output(_metadata, x, 3, 0, "hello\n", WAIT_MS));

	/* The connecting end: local veth0 with a's MAC and an ephemeral port, peer b:7100. */
	EXPECT_EQ(afc_run(_metadata, &s, a.ns, NULL, (const char *const[]){ "afc", "stat", NULL }),
		  0);
	diag(str(&s.o));
	EXPECT_TRUE(!strncmp(str(&s.o), "Type ", 5));
	line = strstr(str(&s.o), "ESTABLISHED");
	ASSERT_NE(NULL, line);
	snprintf(want, sizeof(want), "[%s]%%veth0:", amac);
	line = strstr(line, want);
	ASSERT_NE(NULL, line);
	ASSERT_EQ(sscanf(line + strlen(want), "%u", &cport), 1);
	snprintf(want, sizeof(want), "[%s]%%veth0:%u", amac, cport);
	ASSERT_TRUE(stat_line(str(&s.o), "stream", "ESTABLISHED", want, f));
	snprintf(want, sizeof(want), "[%s]%%veth0:7100", bmac);
	EXPECT_TRUE(!strcmp(f[5], want));
	EXPECT_TRUE(!strcmp(f[7], "0"));	/* uid */

	/* The listening end: -a shows the listener, the accepted connection, the dgram socket. */
	EXPECT_EQ(afc_run(_metadata, &s, b.ns, NULL, (const char *const[]){ "afc", "stat", "-a",
									   NULL }), 0);
	diag(str(&s.o));
	EXPECT_TRUE(stat_line(str(&s.o), "stream", "LISTEN", "*:7100", f));
	EXPECT_TRUE(!strcmp(f[5], "*:*"));
	snprintf(want, sizeof(want), "[%s]%%veth1:7100", bmac);
	EXPECT_TRUE(stat_line(str(&s.o), "stream", "ESTABLISHED", want, f));
	snprintf(want, sizeof(want), "[%s]%%veth1:%u", amac, cport);
	EXPECT_TRUE(!strcmp(f[5], want));
	snprintf(want, sizeof(want), "[%s]%%veth1:7200", bmac);
	EXPECT_TRUE(stat_line(str(&s.o), "dgram", "BOUND", want, f));

	/* Filters: by default no listener; -l listeners (and bound dgram); -t/-d by type. */
	EXPECT_EQ(afc_run(_metadata, &s, b.ns, NULL, (const char *const[]){ "afc", "stat", NULL }),
		  0);
	EXPECT_TRUE(!strstr(str(&s.o), "LISTEN") && !strstr(str(&s.o), "BOUND"));
	EXPECT_NE(NULL, strstr(str(&s.o), "ESTABLISHED"));
	EXPECT_EQ(afc_run(_metadata, &s, b.ns, NULL, (const char *const[]){ "afc", "stat", "-l",
									   NULL }), 0);
	EXPECT_TRUE(strstr(str(&s.o), "LISTEN") && strstr(str(&s.o), "BOUND"));
	EXPECT_TRUE(!strstr(str(&s.o), "ESTABLISHED"));
	EXPECT_EQ(afc_run(_metadata, &s, b.ns, NULL, (const char *const[]){ "afc", "stat", "-a",
									   "-d", NULL }),
		  0);
	EXPECT_TRUE(strstr(str(&s.o), "dgram") && !strstr(str(&s.o), "stream"));
	EXPECT_EQ(afc_run(_metadata, &s, b.ns, NULL, (const char *const[]){ "afc", "stat", "-a",
									   "-t", NULL }),
		  0);
	EXPECT_TRUE(!strstr(str(&s.o), "dgram") && strstr(str(&s.o), "stream"));

	/* JSON: valid, with the ports and MACs. */
	EXPECT_EQ(afc_run(_metadata, &s, b.ns, NULL, (const char *const[]){ "afc", "stat", "-a",
									   "-j", NULL }),
		  0);
	diag(str(&s.o));
	EXPECT_TRUE(json_object_valid(str(&s.o)));
	EXPECT_TRUE(!strncmp(str(&s.o), "{\"sockets\": [", 13));
	snprintf(want, sizeof(want), "\"mac\": \"%s\", \"port\": %u}", amac, cport);
	EXPECT_NE(NULL, strstr(str(&s.o), want));
	EXPECT_NE(NULL, strstr(str(&s.o), "\"state\": \"LISTEN\""));

	/* -s: each counter as /proc/net/af_custom_stat has it (the link is quiet now). */
	EXPECT_EQ(afc_run(_metadata, &s, b.ns, NULL, (const char *const[]){ "afc", "stat", "-s",
									   NULL }), 0);
	diag(str(&s.o));
	EXPECT_NE(NULL, strstr(str(&s.o), "Total: 3\n"));
	EXPECT_NE(NULL, strstr(str(&s.o), "stream     2 ("));
	line = strstr(str(&s.o), "Counters:\n");
	ASSERT_NE(NULL, line);
	ns_enter(_metadata, b.ns);
	for (line = strchr(line, '\n') + 1; sscanf(line, "%63s %63s", name, val) == 2;
	     line = strchr(line, '\n') + 1) {
		EXPECT_EQ(strtoll(val, NULL, 10), afc_stat_find(AFC_PROC_STAT, name));
		counters++;
	}
	EXPECT_GE(counters, 10);
	EXPECT_GE(afc_stat_find(AFC_PROC_STAT, "conn_accepted"), 1);
	EXPECT_NE(NULL, strstr(str(&s.o), "conn_accepted"));
	EXPECT_EQ(afc_run(_metadata, &s, b.ns, NULL, (const char *const[]){ "afc", "stat", "-s",
									   "-j", NULL }),
		  0);
	diag(str(&s.o));
	EXPECT_TRUE(json_object_valid(str(&s.o)));
	EXPECT_NE(NULL, strstr(str(&s.o), "\"conn_accepted\": "));

	for (int i = 0; i < 3; i++) {
		EXPECT_TRUE(!x[i].done);
		afc_kill(_metadata, &x[i]);
	}
}

/*
 * afc stat reads /proc/net/af_custom by its header's names: a file with its columns in another
 * order and one it does not know still gives the right rows (the unknown one in JSON "extra").
 */
TEST(stat_reads_columns_by_name_whatever_their_order)
{
	static const char fake[] =
		"inode colour  state       type      lport ifindex peer              pport "
		"rx_queue tx_queue uid retrans acceptq pifindex sl\n"
		"  501 blue    LISTEN      STREAM     7000       0 00:00:00:00:00:00     0 "
		"       0        0   0       0       2        0  0\n"
		"  502 red     ESTABLISHED SEQPACKET 49152       1 02:00:00:00:00:0b  7000 "
		"     100       50  7       3       0        1  1\n"
		"  503 green   BOUND       DGRAM      5000       1 00:00:00:00:00:00     0 "
		"     768        0   0       0       0        0  2\n";
	const char *path = "/tmp/afc_test_proc";
	char f[9][64], lomac[AFC_MAC_STRLEN], want[64];
	unsigned char mac[ETH_ALEN];
	FILE *file = fopen(path, "w");
	struct afc s;

	ASSERT_NE(NULL, file);
	ASSERT_EQ(fputs(fake, file) >= 0, 1);
	ASSERT_EQ(fclose(file), 0);
	ASSERT_EQ(afc_if_mac(1, mac), 0);	/* lo, ifindex 1 in this namespace */
	afc_mac_format(lomac, mac);

	EXPECT_EQ(afc_run(_metadata, &s, -1, NULL,
			  (const char *const[]){ "afc", "stat", "-a", "--proc", path, NULL }), 0);
	diag(str(&s.o));
	EXPECT_EQ(s.e.len, 0U);
	EXPECT_TRUE(stat_line(str(&s.o), "stream", "LISTEN", "*:7000", f));
	EXPECT_TRUE(!strcmp(f[2], "2") && !strcmp(f[3], "0") && !strcmp(f[8], "501"));
	snprintf(want, sizeof(want), "[%s]%%lo:49152", lomac);
	EXPECT_TRUE(stat_line(str(&s.o), "seqpacket", "ESTABLISHED", want, f));
	EXPECT_TRUE(!strcmp(f[5], "[02:00:00:00:00:0b]%lo:7000"));
	EXPECT_TRUE(!strcmp(f[2], "100") && !strcmp(f[3], "50"));
	EXPECT_TRUE(!strcmp(f[6], "3") && !strcmp(f[7], "7") && !strcmp(f[8], "502"));
	snprintf(want, sizeof(want), "[%s]%%lo:5000", lomac);
	EXPECT_TRUE(stat_line(str(&s.o), "dgram", "BOUND", want, f));
	EXPECT_TRUE(!strcmp(f[2], "768") && !strcmp(f[8], "503"));

	EXPECT_EQ(afc_run(_metadata, &s, -1, NULL, (const char *const[]){ "afc", "stat", "-a", "-j",
									 "--proc",
							       path, NULL }), 0);
	diag(str(&s.o));
	EXPECT_TRUE(json_object_valid(str(&s.o)));
	EXPECT_NE(NULL, strstr(str(&s.o), "\"extra\": {\"colour\": \"red\"}"));
	EXPECT_NE(NULL, strstr(str(&s.o), "\"inode\": 502"));
	unlink(path);
}

AFC_MAIN
