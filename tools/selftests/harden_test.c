// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for issue 7, the hardening of the datagram socket layer: the device rule (only
 * ARPHRD_ETHER devices with 6-byte addresses carry af_custom), a back_log bounded in bytes that
 * a flood cannot keep draining forever, lookups with 10,000 sockets on one port, the socket
 * filter and MSG_ERRQUEUE on receive, a sleeping sender that must not pin its device, the socket
 * options that apply (SO_BINDTODEVICE, SO_BINDTOIFINDEX) and the ones that do not, ENOBUFS from
 * a qdisc, and SO_RCVBUFFORCE near INT_MAX.  Needs root.
 *
 * As in dgram_test, every case builds its own namespaces (netns.h) and leaves nothing behind.
 * Load order and the fault_init_step= parameter are tested in module_test.
 */
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include "../lib/afc.h"
#include "../lib/wire.h"
#include "netns.h"
#include "sockets.h"


#define WIRE_HLEN	AFC_WIRE_HLEN

#define EPHEMERAL_LOW	49152
#define EPHEMERAL_HIGH	65535
#define PORT_A		5000
#define PORT_B		6000
#define WAIT_MS		10000	/* how long to wait for frames in flight */

static const unsigned char some_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* ---- addresses and sockets (the rest: sockets.h) ---- */

static struct sockaddr_custom sock_name(struct __test_metadata *_metadata, int fd)
{
	struct sockaddr_custom a;
	socklen_t len = sizeof(a);

	memset(&a, 0xa5, sizeof(a));
	ASSERT_EQ(getsockname(fd, SA(&a), &len), 0);
	return a;
}

static unsigned long long sock_ino(struct __test_metadata *_metadata, int fd)
{
	struct stat st;

	ASSERT_EQ(fstat(fd, &st), 0);
	return st.st_ino;
}

/* Waits up to timeout_ms for child pid to end; true (and its status) when it did. */
static bool child_wait(struct __test_metadata *_metadata, pid_t pid, int timeout_ms, int *status)
{
	long long deadline = now_ms() + timeout_ms;

	do {
		pid_t r = waitpid(pid, status, WNOHANG);

		ASSERT_GE(r, 0);
		if (r == pid)
			return true;
		usleep(10000);
	} while (now_ms() < deadline);
	return false;
}

/* ---- /proc/net/af_custom_stat and /proc/net/af_custom ---- */

/*
 * One line of /proc/net/af_custom (tools/lib/proc.h), queue sizes signed so that a wrapped
 * counter shows.
 */
#define proc_sock afc_proc_sock

/* The line of the socket with inode ino in namespace ns's /proc/net/af_custom. */
static bool proc_sock_find(struct __test_metadata *_metadata, int ns, unsigned long long ino,
			   struct proc_sock *ps)
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
		if (p.inode == (long long)ino) {
			*ps = p;
			found = true;
		}
	}
	afc_proc_close(&f);
	return found;
}

/* ---- frames (Documentation/wire-format.rst) ---- */

static unsigned short ethertype(void)
{
	long t = afc_param("ethertype");

	return t > 0 ? t : AF_CUSTOM_ETHERTYPE;
}

/* A valid af_custom datagram header and payload at h; returns their length. */
static size_t wire_dgram(unsigned char *h, unsigned short sport, unsigned short dport,
			 const void *payload, size_t plen)
{
	struct afc_wire_hdr w = {
		.version = AFC_WIRE_VERSION, .type = AFC_WIRE_DGRAM, .sport = sport, .dport = dport,
		.len = plen,
	};

	return afcw_build(h, &w, payload, plen);
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

/* ================================================================================================
 * 1. The device rule: only ARPHRD_ETHER devices with a 6-byte address carry af_custom.
 * ============================================================================================= */

/*
 * Devices that are not Ethernet, all up, in one namespace: a tun device (ARPHRD_NONE, no link
 * header), two ip6gre devices (ARPHRD_IP6GRE, 16-byte addresses; g6h has no remote address and
 * so has header_ops->create, which reads 16 bytes of destination address) and lo
 * (ARPHRD_LOOPBACK, refused too).  Nothing to tear down: the namespace goes with the case's
 * process.
 */
FIXTURE(odd_devs) {
	int ns, n;
	struct link dev[4];
};

FIXTURE_SETUP(odd_devs)
{
	static const char *const names[] = { "tun0", "g6", "g6h", "lo" };

	self->ns = ns_new(_metadata);
	/* ip6gre wants IPv6, which ns_new() turned off. */
	ns_sysctl(_metadata, "/proc/sys/net/ipv6/conf/all/disable_ipv6", "0");
	ns_sysctl(_metadata, "/proc/sys/net/ipv6/conf/default/disable_ipv6", "0");
	ASSERT_EQ(ns_run(_metadata, self->ns, NS_IP " tuntap add dev tun0 mode tun"), 0);
	ASSERT_EQ(ns_run(_metadata, self->ns,
			 NS_IP " link add g6 type ip6gre remote fd00::2 local fd00::1"), 0);
	ASSERT_EQ(ns_run(_metadata, self->ns, NS_IP " link add g6h type ip6gre local fd00::1"), 0);
	self->n = ARRAY_SIZE(names);
	for (int i = 0; i < self->n; i++) {
		struct link *l = &self->dev[i];
		struct ifreq ifr = { 0 };

		*l = (struct link){ .ns = self->ns };
		snprintf(l->name, sizeof(l->name), "%s", names[i]);
		link_set_up(_metadata, l, true);
		ASSERT_EQ(link_ioctl(_metadata, l, SIOCGIFINDEX, &ifr), 0);
		l->ifindex = ifr.ifr_ifindex;
	}
}

FIXTURE_TEARDOWN(odd_devs)
{
}

/* `call` must fail with ENODEV; says on which device when it does not. */
#define EXPECT_ENODEV_ON(dev, call) \
	EXPECT_ERRNO(call, ENODEV) TH_LOG("on %s", (dev)->name)

TEST_F(odd_devs, bind_to_a_non_ethernet_device_is_enodev)
{
	for (int i = 0; i < self->n; i++) {
		int fd = dgram_socket(_metadata, self->ns);

		EXPECT_ENODEV_ON(&self->dev[i], bind_to(fd, PORT_A + i, self->dev[i].ifindex));
	}
}

TEST_F(odd_devs, connect_to_a_non_ethernet_device_is_enodev)
{
	for (int i = 0; i < self->n; i++) {
		struct sockaddr_custom dst = scu(PORT_B, self->dev[i].ifindex, some_mac);
		int any = bound_socket(_metadata, self->ns, PORT_A + i, 0);
		int fd = dgram_socket(_metadata, self->ns);

		EXPECT_ENODEV_ON(&self->dev[i], connect(fd, SA(&dst), sizeof(dst)));
		EXPECT_ENODEV_ON(&self->dev[i], connect(any, SA(&dst), sizeof(dst)));
	}
}

/*
 * On the unfixed module, sending out of g6h copies 16 bytes from a 6-byte address (a KASAN
 * stack-out-of-bounds on the debug kernel).
 */
TEST_F(odd_devs, sendto_out_of_a_non_ethernet_device_is_enodev)
{
	for (int i = 0; i < self->n; i++) {
		struct sockaddr_custom dst = scu(PORT_B, self->dev[i].ifindex, some_mac);
		int any = bound_socket(_metadata, self->ns, PORT_A + i, 0);
		int fd = dgram_socket(_metadata, self->ns);

		EXPECT_ENODEV_ON(&self->dev[i], send_to(fd, "x", 1, 0, &dst));
		EXPECT_ENODEV_ON(&self->dev[i], send_to(any, "x", 1, 0, &dst));
	}
}

/*
 * In Linux 6.1 SOL_SOCKET options are the kernel's (sock_setsockopt): a family cannot refuse
 * SO_BINDTODEVICE, it only hears of it (proto.rehash).  A socket tied to a device that is not
 * Ethernet therefore gets ENODEV from every call that would use the device: bind, connect, send.
 */
static void tie_and_expect_enodev(struct __test_metadata *_metadata, int ns,
				  const struct link *dev, bool by_name)
{
	static const unsigned char bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct sockaddr_custom dst = scu(PORT_B, 0, bcast);
	int fd = dgram_socket(_metadata, ns), fd2 = dgram_socket(_metadata, ns);
	int fd3 = dgram_socket(_metadata, ns);

	for (int *p = (int[]){ fd, fd2, fd3 }, i = 0; i < 3; i++) {
		if (by_name) {
			ASSERT_EQ(setsockopt(p[i], SOL_SOCKET, SO_BINDTODEVICE, dev->name,
					     strlen(dev->name) + 1), 0);
		} else {
			ASSERT_EQ(setsockopt_int(p[i], SOL_SOCKET, SO_BINDTOIFINDEX, dev->ifindex),
				  0);
		}
	}
	EXPECT_ENODEV_ON(dev, bind_to(fd, PORT_A, 0));
	EXPECT_ENODEV_ON(dev, connect(fd2, SA(&dst), sizeof(dst)));
	EXPECT_ENODEV_ON(dev, send_to(fd3, "x", 1, 0, &dst));
	close(fd);
	close(fd2);
	close(fd3);
}

TEST_F(odd_devs, sockets_tied_to_a_non_ethernet_device_get_enodev_from_bind_connect_and_send)
{
	for (int i = 0; i < self->n; i++) {
		tie_and_expect_enodev(_metadata, self->ns, &self->dev[i], true);
		tie_and_expect_enodev(_metadata, self->ns, &self->dev[i], false);
	}
}

/*
 * A valid af_custom frame of our EtherType written to a tun device (IFF_TUN with packet info:
 * the EtherType is tun_pi.proto) enters the stack on tun0 and must not reach a socket bound
 * to its port on any interface.
 */
TEST(frames_from_a_tun_device_are_dropped_and_counted_as_not_ethernet)
{
	enum { N = 3 };
	unsigned char frame[sizeof(struct tun_pi) + WIRE_HLEN + 64], buf[64];
	struct link tun;
	struct ifreq ifr = { .ifr_flags = IFF_TUN };
	long long before, v, deadline;
	int ns = ns_new(_metadata), fd, s, delivered = 0;
	short rev;
	ssize_t n;

	ns_enter(_metadata, ns);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tun0");
	ASSERT_EQ(ioctl(fd, TUNSETIFF, &ifr), 0);
	tun = (struct link){ .ns = ns, .name = "tun0" };
	link_set_up(_metadata, &tun, true);
	s = bound_socket(_metadata, ns, PORT_A, 0);
	before = stat_find(_metadata, ns, "drop_not_ethernet");

	for (int i = 0; i < N; i++) {
		struct tun_pi pi = { .flags = 0, .proto = htons(ethertype()) };
		size_t len;

		fill(buf, i, 10 + i);
		memcpy(frame, &pi, sizeof(pi));
		len = sizeof(pi) + wire_dgram(frame + sizeof(pi), 4242, PORT_A, buf, 10 + i);
		ASSERT_EQ(write(fd, frame, len), (ssize_t)len);
	}
	deadline = now_ms() + WAIT_MS;
	while ((v = stat_find(_metadata, ns, "drop_not_ethernet")) >= 0 && v - before < N &&
	       now_ms() < deadline)
		usleep(1000);
	/* Without the counter, give the frames time to arrive before looking. */
	rev = poll_events(_metadata, s, POLLIN, v >= 0 ? 200 : 2000);
	if (rev & POLLIN)
		while ((n = recv(s, buf, sizeof(buf), MSG_DONTWAIT)) >= 0)
			delivered++;
	EXPECT_FALSE(rev & POLLIN) TH_LOG("%d of %d frames from tun0 were delivered", delivered, N);
	EXPECT_TRUE(before >= 0 && v >= 0)
		TH_LOG("/proc/net/af_custom_stat has no drop_not_ethernet");
	if (before >= 0 && v >= 0) {
		EXPECT_EQ(v - before, N);
	}
}

/* ================================================================================================
 * 2. The back_log: drained in batches (a flood does not keep the owner in release_sock) and
 *    bounded in bytes together with the receive queue.
 * ============================================================================================= */

#define SENDERS		3
#define FLOOD_S		20	/* the senders' own time limit */
#define FLOOD_SIZE	1000
/* One frame's truesize (a 1000-byte datagram: about 2.3 KB), the slack of the byte limit. */
#define FRAME_SLACK	4096

/* Shared with the sender processes (MAP_SHARED). */
struct flood {
	int stop;			/* set by the case: stop sending */
	int done[SENDERS];		/* set by each sender when it stops */
	long long sent[SENDERS];
	pid_t pid[SENDERS];
};

/* Three processes in namespace ns send datagrams to dst as fast as they can. */
static struct flood *flood_start(struct __test_metadata *_metadata, int ns,
				 const struct sockaddr_custom *dst, int seconds)
{
	struct flood *f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(f != MAP_FAILED);
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < SENDERS; i++) {
		unsigned char buf[FLOOD_SIZE];
		long long end = now_ms() + seconds * 1000LL;
		pid_t pid;
		int fd;

		fflush(stdout);
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid > 0) {
			f->pid[i] = pid;	/* shared memory: the child must not write it */
			continue;
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = dgram_socket(_metadata, ns);
		fill(buf, i, sizeof(buf));
		while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED) && now_ms() < end &&
		       f->sent[i] < 50000000) {
			if (send_to(fd, buf, sizeof(buf), 0, dst) == sizeof(buf))
				__atomic_add_fetch(&f->sent[i], 1, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&f->done[i], 1, __ATOMIC_RELAXED);
		_exit(0);
	}
	return f;
}

/* Is every sender still sending? */
static bool flood_active(struct flood *f)
{
	for (int i = 0; i < SENDERS; i++)
		if (__atomic_load_n(&f->done[i], __ATOMIC_RELAXED))
			return false;
	return !__atomic_load_n(&f->stop, __ATOMIC_RELAXED);
}

static void flood_stop(struct __test_metadata *_metadata, struct flood *f)
{
	int status;

	__atomic_store_n(&f->stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < SENDERS; i++) {
		ASSERT_TRUE(child_wait(_metadata, f->pid[i], (FLOOD_S + 10) * 1000, &status))
			TH_LOG("sender %d did not stop", i);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("sender %d: wait status 0x%x", i, status);
	}
}

struct reader {
	int fd;
	int stop;
	long long got;
};

/* The owner: recv() in a loop (each call owns the socket, then drains the back_log). */
static void *reader_run(void *arg)
{
	struct reader *r = arg;
	unsigned char buf[FLOOD_SIZE + 1];

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
		if (recv(r->fd, buf, sizeof(buf), 0) > 0)
			__atomic_add_fetch(&r->got, 1, __ATOMIC_RELAXED);
	return NULL;
}

struct sampler {
	struct __test_metadata md;	/* the case's, for checks in the thread */
	int ns, stop;
	unsigned long long ino;
	long long samples, max_held, max_rx, max_backlog;
	long long min_backlog;		/* the smallest non-zero backlog seen */
};

/* Samples rx_queue + backlog of one socket from /proc/net/af_custom. */
static void *sampler_run(void *arg)
{
	struct sampler *m = arg;
	struct __test_metadata *_metadata = &m->md;
	struct proc_sock ps;

	afc_thread_begin(_metadata);
	while (!__atomic_load_n(&m->stop, __ATOMIC_RELAXED)) {
		if (proc_sock_find(_metadata, m->ns, m->ino, &ps)) {
			long long held = ps.rx_queue + ps.backlog;

			m->samples++;
			if (held > m->max_held)
				m->max_held = held;
			if (ps.rx_queue > m->max_rx)
				m->max_rx = ps.rx_queue;
			if (ps.backlog > m->max_backlog)
				m->max_backlog = ps.backlog;
			if (ps.backlog > 0 && (!m->min_backlog || ps.backlog < m->min_backlog))
				m->min_backlog = ps.backlog;
		}
		usleep(5000);
	}
	return NULL;
}

/*
 * Three senders flood a port whose owner keeps calling recv(); meanwhile a second task calls
 * getsockname() and setsockopt(SO_RCVTIMEO), the reader is stopped and the socket closed.  All
 * of it must happen while the flood goes on (the senders stop by themselves after FLOOD_S
 * seconds, so a task stuck behind an endless drain shows as one that finished only after the
 * flood did), and the socket's queued bytes must stay within SO_RCVBUF + SO_SNDBUF.
 * (On the VM's two CPUs a flood arrives through one CPU's softirq while the owner drains on the
 * other, so an endless drain needs more senders' CPUs than that; the checks still hold it.)
 */
TEST_F_TIMEOUT(pair, flooded_socket_still_serves_other_callers_closes_and_bounds_its_queues, 60)
{
	struct timeval tv = { .tv_usec = 100000 };
	struct reader r = { 0 };
	struct sampler m = { 0 };
	struct sockaddr_custom to_a;
	pthread_t reader, sampler;
	long long calls = 0, calls_in_flood = 0, rx0, end;
	bool joined_in_flood, closed_in_flood;
	int rcvbuf, sndbuf, limit;
	struct timespec ts;
	struct flood *f;

	r.fd = bound_socket(_metadata, self->a.ns, PORT_A, 0);
	ASSERT_EQ(setsockopt_int(r.fd, SOL_SOCKET, SO_RCVBUF, 4096), 0);
	ASSERT_EQ(setsockopt_int(r.fd, SOL_SOCKET, SO_SNDBUF, 4096), 0);
	ASSERT_EQ(setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	rcvbuf = sockopt_int(_metadata, r.fd, SO_RCVBUF);
	sndbuf = sockopt_int(_metadata, r.fd, SO_SNDBUF);
	limit = rcvbuf + sndbuf + FRAME_SLACK;
	m.md = *_metadata;
	m.ns = self->a.ns;
	m.ino = sock_ino(_metadata, r.fd);
	rx0 = stat_get(_metadata, self->a.ns, "rx_frames");

	to_a = peer_of(&self->b, &self->a, PORT_A);
	f = flood_start(_metadata, self->b.ns, &to_a, FLOOD_S);
	ASSERT_GE(stat_wait_rise(_metadata, self->a.ns, "rx_frames", rx0, 1000), 1000);
	ASSERT_EQ(pthread_create(&reader, NULL, reader_run, &r), 0);
	ASSERT_EQ(pthread_create(&sampler, NULL, sampler_run, &m), 0);

	/* This thread is the second task: calls that take the socket, for 4 s of flood. */
	end = now_ms() + 4000;
	while (now_ms() < end && flood_active(f)) {
		sock_name(_metadata, r.fd);
		ASSERT_EQ(setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
		calls++;
		if (flood_active(f))
			calls_in_flood++;
	}

	/* Stop the reader (its recv() returns within 100 ms), then close: the real release. */
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += FLOOD_S + 10;
	ASSERT_EQ(pthread_timedjoin_np(reader, NULL, &ts), 0);
	joined_in_flood = flood_active(f);
	__atomic_store_n(&m.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(pthread_join(sampler, NULL), 0);
	afc_thread_end(_metadata, &m.md);
	EXPECT_EQ(close(r.fd), 0);
	closed_in_flood = flood_active(f);
	flood_stop(_metadata, f);

	printf("# %lld getsockname+setsockopt calls (%lld during the flood), %lld datagrams read, "
	       "%lld frames received; /proc sampled %lld times: max rx_queue %lld backlog %lld "
	       "sum %lld, limit %d (SO_RCVBUF %d + SO_SNDBUF %d + %d)\n",
	       calls, calls_in_flood, r.got, stat_get(_metadata, self->a.ns, "rx_frames") - rx0,
	       m.samples, m.max_rx, m.max_backlog, m.max_held, limit, rcvbuf, sndbuf, FRAME_SLACK);
	EXPECT_GT(calls_in_flood, 0);
	EXPECT_TRUE(joined_in_flood)
		TH_LOG("the reader's recv() returned only after the flood ended");
	EXPECT_TRUE(closed_in_flood) TH_LOG("close() returned only after the flood ended");
	EXPECT_GT(r.got, 0);
	EXPECT_GT(m.samples, 0);
	EXPECT_LE(m.max_held, limit);
	/* In bytes, a back_log that holds anything holds at least one whole datagram. */
	EXPECT_FALSE(m.min_backlog && m.min_backlog < FLOOD_SIZE)
		TH_LOG("/proc backlog %lld is less than one %d-byte datagram: not in bytes",
		       m.min_backlog, FLOOD_SIZE);
}

/*
 * Under a flood the socket drops (counted as backlog_full or rcvbuf_full), and once the flood
 * is over it still receives.
 */
TEST_F_TIMEOUT(pair, flood_drops_are_counted_and_the_socket_receives_afterwards, 60)
{
	struct timeval tv = { .tv_usec = 100000 };
	struct reader r = { 0 };
	struct sockaddr_custom to_a;
	long long bl0, rb0, drops, rx0;
	unsigned char buf[FLOOD_SIZE + 1];
	pthread_t reader;
	struct flood *f;
	int sb;

	r.fd = bound_socket(_metadata, self->a.ns, PORT_A, 0);
	ASSERT_EQ(setsockopt_int(r.fd, SOL_SOCKET, SO_RCVBUF, 4096), 0);
	ASSERT_EQ(setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	bl0 = stat_get(_metadata, self->a.ns, "drop_backlog_full");
	rb0 = stat_get(_metadata, self->a.ns, "drop_rcvbuf_full");
	rx0 = stat_get(_metadata, self->a.ns, "rx_frames");
	to_a = peer_of(&self->b, &self->a, PORT_A);
	f = flood_start(_metadata, self->b.ns, &to_a, FLOOD_S);
	ASSERT_GE(stat_wait_rise(_metadata, self->a.ns, "rx_frames", rx0, 1000), 1000);
	ASSERT_EQ(pthread_create(&reader, NULL, reader_run, &r), 0);
	usleep(2000000);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(pthread_join(reader, NULL), 0);
	flood_stop(_metadata, f);

	drops = stat_get(_metadata, self->a.ns, "drop_backlog_full") - bl0 +
		stat_get(_metadata, self->a.ns, "drop_rcvbuf_full") - rb0;
	printf("# %lld read, %lld dropped (backlog_full %lld, rcvbuf_full %lld)\n", r.got, drops,
	       stat_get(_metadata, self->a.ns, "drop_backlog_full") - bl0,
	       stat_get(_metadata, self->a.ns, "drop_rcvbuf_full") - rb0);
	EXPECT_GT(r.got, 0);
	EXPECT_GT(drops, 0);

	/* Frames still in flight land or drop; then empty the queue and send one more. */
	usleep(500000);
	while (recv(r.fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	sb = bound_socket(_metadata, self->b.ns, PORT_B, 0);
	ASSERT_EQ(send_to(sb, "after the flood", 15, 0, &to_a), 15);
	tv = (struct timeval){ .tv_sec = RECV_TIMEOUT_S };
	ASSERT_EQ(setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ASSERT_EQ(recv(r.fd, buf, sizeof(buf), 0), 15);
	EXPECT_TRUE(!memcmp(buf, "after the flood", 15));
}

/* ================================================================================================
 * 4. Lookups with 10,000 sockets on one port.
 * ============================================================================================= */

static int ull_cmp(const void *x, const void *y)
{
	unsigned long long p = *(const unsigned long long *)x, q = *(const unsigned long long *)y;

	return p < q ? -1 : p > q;
}

/*
 * 10,000 sockets with SO_REUSEADDR on one port (any interface): unicast still reaches the
 * oldest binding, /proc/net/af_custom lists every socket exactly once, and port 0 still finds
 * distinct ephemeral ports.  Progress is checked, not time.
 */
TEST_F_TIMEOUT(pair, ten_thousand_sockets_on_one_port_keep_receive_proc_and_port_search_working,
	       120)
{
	enum { MAX_SOCKS = 10000, MORE = 1000, DGRAMS = 200, BATCH = 20 };
	static int fds[MAX_SOCKS], more[MORE];
	static unsigned long long inos[MAX_SOCKS + MORE];
	static unsigned char seen_port[EPHEMERAL_HIGH + 1];
	int nsocks = MAX_SOCKS, lines = 0, sb;
	long long t0, t_bound, t_rx, t_eph;
	struct rlimit rl = { .rlim_cur = MAX_SOCKS + MORE + 100, .rlim_max = MAX_SOCKS + MORE + 100 };
	struct sockaddr_custom to_a;
	unsigned char buf[64], want[64];

	/*
	 * On the debug kernel (KASAN, lockdep, kmemleak under TCG) a socket costs about 13 ms to
	 * create: 1,000 sockets there keep the case within its 120 s (about 60 s measured there
	 * on a loaded machine; 10,000 on the stock kernel take about 20 s).
	 */
	if (access("/sys/kernel/debug/kmemleak", F_OK) == 0)
		nsocks = 1000;
	ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
	t0 = now_ms();
	for (int i = 0; i < nsocks; i++) {
		ns_enter(_metadata, self->a.ns);
		fds[i] = socket(afc_family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ASSERT_GE(fds[i], 0);
		ASSERT_EQ(setsockopt_int(fds[i], SOL_SOCKET, SO_REUSEADDR, 1), 0);
		ASSERT_EQ(bind_to(fds[i], PORT_A, 0), 0)
			TH_LOG("socket %d: bind: %s", i, strerror(errno));
	}

	t_bound = now_ms();

	/* (a) Unicast: every datagram reaches the first socket bound. */
	sb = bound_socket(_metadata, self->b.ns, PORT_B, 0);
	to_a = peer_of(&self->b, &self->a, PORT_A);
	{
		struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };

		ASSERT_EQ(setsockopt(fds[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	}
	for (int base = 0; base < DGRAMS; base += BATCH) {
		for (int i = base; i < base + BATCH; i++) {
			fill(buf, i, 16);
			ASSERT_EQ(send_to(sb, buf, 16, 0, &to_a), 16);
		}
		for (int i = base; i < base + BATCH; i++) {
			ssize_t n = recv(fds[0], buf, sizeof(buf), 0);

			ASSERT_EQ(n, 16)
				TH_LOG("datagram %d: recv on the first socket returned %zd (%s)",
				       i, n, strerror(errno));
			fill(want, i, 16);
			EXPECT_TRUE(!memcmp(buf, want, 16));
		}
	}
	EXPECT_ERRNO(recv(fds[nsocks - 1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	t_rx = now_ms();

	/* (c) Port 0 on MORE sockets: distinct ephemeral ports. */
	for (int i = 0; i < MORE; i++) {
		unsigned int port;

		ns_enter(_metadata, self->a.ns);
		more[i] = socket(afc_family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ASSERT_GE(more[i], 0);
		ASSERT_EQ(bind_to(more[i], 0, 0), 0)
			TH_LOG("ephemeral socket %d: bind: %s", i, strerror(errno));
		port = ntohs(sock_name(_metadata, more[i]).scu_port);
		ASSERT_TRUE(port >= EPHEMERAL_LOW && port <= EPHEMERAL_HIGH && !seen_port[port])
			TH_LOG("ephemeral socket %d got port %u%s", i, port,
			       port >= EPHEMERAL_LOW && port <= EPHEMERAL_HIGH ? " twice" :
			       ", outside 49152..65535");
		seen_port[port] = 1;
	}

	t_eph = now_ms();

	/* (b) /proc/net/af_custom read to the end: the header, then each socket once. */
	for (int i = 0; i < nsocks; i++)
		inos[i] = sock_ino(_metadata, fds[i]);
	for (int i = 0; i < MORE; i++)
		inos[nsocks + i] = sock_ino(_metadata, more[i]);
	{
		int total = nsocks + MORE;
		static unsigned char listed[MAX_SOCKS + MORE];
		/* Inodes of one namespace's sockets, in a sorted copy to look them up. */
		static unsigned long long sorted[MAX_SOCKS + MORE];
		int others = 0, twice = 0, missing = 0, r;
		struct afc_proc pf;

		memcpy(sorted, inos, total * sizeof(sorted[0]));
		qsort(sorted, total, sizeof(sorted[0]), ull_cmp);
		ns_enter(_metadata, self->a.ns);
		ASSERT_EQ(afc_proc_open(&pf, AFC_PROC_SOCKETS), 0);
		while ((r = afc_proc_next(&pf)) != 0) {
			struct proc_sock p;
			int lo = 0, hi = total - 1, at = -1;

			lines++;
			ASSERT_FALSE(r < 0 || afc_proc_sock(&pf, &p) < 0)
				TH_LOG("line %d not understood", lines);
			while (lo <= hi) {
				int mid = (lo + hi) / 2;

				if (sorted[mid] == (unsigned long long)p.inode) {
					at = mid;
					break;
				}
				if (sorted[mid] < (unsigned long long)p.inode)
					lo = mid + 1;
				else
					hi = mid - 1;
			}
			if (at < 0)
				others++;
			else if (listed[at]++)
				twice++;
		}
		afc_proc_close(&pf);
		for (int i = 0; i < total; i++)
			if (!listed[i])
				missing++;
		printf("# %d sockets on port %d + %d ephemeral: /proc listed %d lines, %d unknown, "
		       "%d twice, %d missing (information, not checked: %lld ms to bind, %lld ms "
		       "to receive, %lld ms for port 0, %lld ms to read /proc)\n", nsocks, PORT_A,
		       MORE, lines, others, twice, missing, t_bound - t0, t_rx - t_bound,
		       t_eph - t_rx, now_ms() - t_eph);
		/* The case's namespace a holds exactly those sockets. */
		EXPECT_EQ(lines, total);
		EXPECT_EQ(twice, 0);
		EXPECT_EQ(missing, 0);
		EXPECT_EQ(others, 0);
	}
}

/* ================================================================================================
 * 5. Receive hooks: the socket filter, MSG_ERRQUEUE.
 * ============================================================================================= */

/* A classic BPF filter sees the datagram's payload only: it drops the odd lengths. */
TEST_F(pair, socket_filter_sees_the_payload_and_drops_odd_lengths_counted_as_filter)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),		/* odd: drop */
		BPF_STMT(BPF_RET | BPF_K, 0xffff),	/* even: keep it all */
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = code };
	unsigned char buf[64], want[64];
	long long filt0, rx0, filt;
	struct sockaddr_custom to_a;
	int sa, sb;

	sa = bound_socket(_metadata, self->a.ns, PORT_A, 0);
	sb = bound_socket(_metadata, self->b.ns, PORT_B, 0);
	ASSERT_EQ(setsockopt(sa, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0);
	filt0 = stat_find(_metadata, self->a.ns, "drop_filter");
	rx0 = stat_get(_metadata, self->a.ns, "rx_frames");
	to_a = peer_of(&self->b, &self->a, PORT_A);
	for (int len = 1; len <= 20; len++) {
		fill(buf, len, len);
		ASSERT_EQ(send_to(sb, buf, len, 0, &to_a), len);
	}
	for (int len = 2; len <= 20; len += 2) {
		ssize_t n = recv(sa, buf, sizeof(buf), 0);

		ASSERT_EQ(n, len)
			TH_LOG("want the %d-byte datagram, recv returned %zd (%s)", len, n,
			       n < 0 ? strerror(errno) : "another length");
		fill(want, len, len);
		EXPECT_TRUE(!memcmp(buf, want, len));
	}
	ASSERT_EQ(stat_wait_rise(_metadata, self->a.ns, "rx_frames", rx0, 20), 20);
	EXPECT_ERRNO(recv(sa, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	filt = stat_find(_metadata, self->a.ns, "drop_filter");
	EXPECT_TRUE(filt0 >= 0 && filt >= 0) TH_LOG("/proc/net/af_custom_stat has no drop_filter");
	if (filt0 >= 0 && filt >= 0) {
		EXPECT_EQ(filt - filt0, 10);
	}
}

TEST_F(pair, msg_errqueue_is_eagain_and_leaves_the_datagram_queued)
{
	struct sockaddr_custom to_a;
	unsigned char buf[64];
	int sa, sb;

	sa = bound_socket(_metadata, self->a.ns, PORT_A, 0);
	sb = bound_socket(_metadata, self->b.ns, PORT_B, 0);
	to_a = peer_of(&self->b, &self->a, PORT_A);
	ASSERT_EQ(send_to(sb, "queued", 6, 0, &to_a), 6);
	ASSERT_TRUE(poll_events(_metadata, sa, POLLIN, WAIT_MS) & POLLIN);
	EXPECT_ERRNO(recv(sa, buf, sizeof(buf), MSG_ERRQUEUE), EAGAIN);
	EXPECT_ERRNO(recv(sa, buf, sizeof(buf), MSG_ERRQUEUE | MSG_DONTWAIT), EAGAIN);
	ASSERT_EQ(recv(sa, buf, sizeof(buf), MSG_DONTWAIT), 6);
	EXPECT_TRUE(!memcmp(buf, "queued", 6));
}

/* ================================================================================================
 * 6. A sender asleep for send-buffer room does not pin the device it will send on.
 * ============================================================================================= */

/*
 * The send buffer is held by frames in veth2's netem (one frame out per 100 s); a child sleeps
 * in sendto() out of veth0.  Deleting veth0 must finish at once and wake the sender with
 * ENETDOWN or ENXIO.
 */
TEST_F_TIMEOUT(pair, deleting_a_device_under_a_blocked_sender_completes_and_fails_the_send, 60)
{
	enum { SIZE = 1000 };
	struct link a2, b2;
	struct sockaddr_custom via_veth2, via_veth0;
	unsigned char buf[SIZE] = { 0 };
	int fd, sent, status, err;
	pid_t sender, del;
	bool deleted, woke;
	ssize_t r = 0;

	a2 = (struct link){ .ns = self->a.ns, .name = "veth2" };
	b2 = (struct link){ .ns = self->b.ns, .name = "veth3" };
	veth_add(_metadata, &a2, &b2);
	ASSERT_EQ(ns_run(_metadata, self->a.ns,
			 NS_TC " qdisc add dev veth2 root netem slot 100s 100s packets 1"), 0);
	fd = bound_socket(_metadata, self->a.ns, PORT_A, 0);
	ASSERT_EQ(setsockopt_int(fd, SOL_SOCKET, SO_SNDBUF, 1), 0);
	via_veth2 = peer_of(&a2, &b2, PORT_B);
	via_veth0 = peer_of(&self->a, &self->b, PORT_B);
	for (sent = 0; sent < 1000; sent++) {
		r = send_to(fd, buf, SIZE, MSG_DONTWAIT, &via_veth2);
		if (r != SIZE)
			break;
	}
	err = errno;
	ASSERT_EQ(r, -1);
	ASSERT_EQ(err, EAGAIN);

	fflush(stdout);
	sender = fork();
	ASSERT_GE(sender, 0);
	if (sender == 0) {
		alarm(40);
		r = send_to(fd, buf, SIZE, 0, &via_veth0);
		_exit(r == SIZE ? 200 : r >= 0 ? 201 : errno);
	}
	usleep(500000);
	ASSERT_EQ(waitpid(sender, &status, WNOHANG), 0);	/* asleep in sendto */

	fflush(stdout);
	del = fork();
	ASSERT_GE(del, 0);
	if (del == 0)
		_exit(ns_run(_metadata, self->a.ns, NS_IP " link del dev veth0"));
	deleted = child_wait(_metadata, del, 10000, &status);
	EXPECT_TRUE(deleted)
		TH_LOG("ip link del veth0 did not finish in 10 s: the sleeping sender pins veth0");
	if (!deleted) {
		kill(sender, SIGKILL);
		ASSERT_TRUE(child_wait(_metadata, del, 30000, &status));
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_TRUE(!link_exists(_metadata, &self->a));
	woke = child_wait(_metadata, sender, 10000, &status);
	EXPECT_TRUE(woke) TH_LOG("the sender still sleeps after veth0 was deleted");
	if (!woke) {
		kill(sender, SIGKILL);
		ASSERT_EQ(waitpid(sender, &status, 0), sender);
	}
	EXPECT_FALSE(WIFSIGNALED(status))
		TH_LOG("the sender was killed by signal %d", WTERMSIG(status));
	if (!WIFSIGNALED(status)) {
		EXPECT_TRUE(WEXITSTATUS(status) == ENETDOWN || WEXITSTATUS(status) == ENXIO)
			TH_LOG("the sender's sendto ended with %s, want ENETDOWN or ENXIO",
			       WEXITSTATUS(status) == 200 ? "success" :
			       strerror(WEXITSTATUS(status)));
	}
}

/* ================================================================================================
 * 7. Socket options.
 * ============================================================================================= */

static int bind_device(int fd, int opt, const struct link *l)
{
	if (opt == SO_BINDTODEVICE)
		return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, l->name, strlen(l->name) + 1);
	return setsockopt_int(fd, SOL_SOCKET, SO_BINDTOIFINDEX, l->ifindex);
}

/*
 * Namespace a with veth0 to namespace b and veth2 to namespace c; the option ties unbound
 * sockets of a to veth0: sends leave by it, bind takes it, frames from veth2 stay out.
 */
static void check_device_option_on_unbound_sockets(struct __test_metadata *_metadata,
						   FIXTURE_DATA(pair) *self, int opt)
{
	struct link a2, c;
	struct sockaddr_custom dst, from;
	socklen_t fromlen = sizeof(from);
	unsigned char buf[64];
	int s1, s2, s3, sb, sc;
	long long rx0;

	a2 = (struct link){ .ns = self->a.ns, .name = "veth2" };
	c = (struct link){ .ns = ns_new(_metadata), .name = "veth3" };
	veth_add(_metadata, &a2, &c);
	sb = bound_socket(_metadata, self->b.ns, PORT_B, 0);
	sc = bound_socket(_metadata, c.ns, PORT_B, 0);

	/* A send with no interface leaves by the device; another interface is EINVAL. */
	s1 = dgram_socket(_metadata, self->a.ns);
	ASSERT_EQ(bind_device(s1, opt, &self->a), 0);
	dst = scu(PORT_B, 0, self->b.mac);
	EXPECT_EQ(send_to(s1, "via veth0", 9, 0, &dst), 9);
	EXPECT_EQ(recvfrom(sb, buf, sizeof(buf), 0, SA(&from), &fromlen), 9);
	EXPECT_EQ(from.scu_ifindex, self->b.ifindex);
	dst = scu(PORT_B, a2.ifindex, c.mac);
	EXPECT_ERRNO(send_to(s1, "via veth2", 9, 0, &dst), EINVAL);
	EXPECT_ERRNO(recv(sc, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);

	/* bind with no interface binds to the device; with another one it is EINVAL. */
	s2 = dgram_socket(_metadata, self->a.ns);
	ASSERT_EQ(bind_device(s2, opt, &self->a), 0);
	ASSERT_EQ(bind_to(s2, PORT_A, 0), 0);
	EXPECT_EQ(sock_name(_metadata, s2).scu_ifindex, self->a.ifindex);
	s3 = dgram_socket(_metadata, self->a.ns);
	ASSERT_EQ(bind_device(s3, opt, &self->a), 0);
	EXPECT_ERRNO(bind_to(s3, PORT_A + 1, a2.ifindex), EINVAL);

	/* s2 takes frames from veth0, not from veth2. */
	rx0 = stat_get(_metadata, self->a.ns, "rx_frames");
	dst = peer_of(&c, &a2, PORT_A);
	ASSERT_EQ(send_to(sc, "from c", 6, 0, &dst), 6);
	dst = peer_of(&self->b, &self->a, PORT_A);
	ASSERT_EQ(send_to(sb, "from b", 6, 0, &dst), 6);
	ASSERT_EQ(stat_wait_rise(_metadata, self->a.ns, "rx_frames", rx0, 2), 2);
	EXPECT_EQ(recv(s2, buf, sizeof(buf), MSG_DONTWAIT), 6);
	EXPECT_TRUE(!memcmp(buf, "from b", 6));
	EXPECT_ERRNO(recv(s2, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

TEST_F(pair, so_bindtodevice_ties_an_unbound_socket_to_the_device)
{
	check_device_option_on_unbound_sockets(_metadata, self, SO_BINDTODEVICE);
}

TEST_F(pair, so_bindtoifindex_ties_an_unbound_socket_to_the_device)
{
	check_device_option_on_unbound_sockets(_metadata, self, SO_BINDTOIFINDEX);
}

TEST_F(pair, so_bindtodevice_and_so_bindtoifindex_rebind_a_socket_bound_to_any_interface)
{
	static const int opts[] = { SO_BINDTODEVICE, SO_BINDTOIFINDEX };

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		int fd = bound_socket(_metadata, self->a.ns, PORT_A + i, 0);

		ASSERT_EQ(sock_name(_metadata, fd).scu_ifindex, 0);
		EXPECT_EQ(bind_device(fd, opts[i], &self->a), 0);
		EXPECT_EQ(sock_name(_metadata, fd).scu_ifindex, self->a.ifindex);
		EXPECT_EQ(ntohs(sock_name(_metadata, fd).scu_port), PORT_A + i);
	}
}

/* SOL_CUSTOM has no options yet; other levels than SOL_SOCKET have none either. */
TEST(unknown_sol_custom_and_other_level_options_are_enoprotoopt)
{
	int fd = dgram_socket(_metadata, ns_new(_metadata)), v = 1;
	socklen_t len = sizeof(v);

	EXPECT_ERRNO(setsockopt_int(fd, SOL_CUSTOM, 12345, 1), ENOPROTOOPT);
	EXPECT_ERRNO(getsockopt(fd, SOL_CUSTOM, 12345, &v, &len), ENOPROTOOPT);
	EXPECT_ERRNO(setsockopt_int(fd, SOL_IP, 1, 1), ENOPROTOOPT);
	EXPECT_ERRNO(setsockopt(fd, SOL_CUSTOM, 1, &v, 1), EINVAL);	/* shorter than an int */
}

TEST_F(pair, qdisc_that_drops_the_frame_gives_enobufs)
{
	struct sockaddr_custom to_b;
	int fd;

	fd = bound_socket(_metadata, self->a.ns, PORT_A, 0);
	to_b = peer_of(&self->a, &self->b, PORT_B);
	ASSERT_EQ(ns_run(_metadata, self->a.ns, NS_TC " qdisc add dev %s root pfifo limit 0",
			 self->a.name), 0);
	EXPECT_ERRNO(send_to(fd, "dropped", 7, 0, &to_b), ENOBUFS);
}

/* ================================================================================================
 * 8. SO_RCVBUFFORCE at INT_MAX: no counter or limit wraps.
 * ============================================================================================= */

struct owner_loop {
	struct __test_metadata md;	/* the case's, for checks in the thread */
	int fd, stop;
	long long calls;
};

/* getsockname() in a loop: the socket is owned often, so frames go by the back_log too. */
static void *owner_run(void *arg)
{
	struct owner_loop *o = arg;
	struct __test_metadata *_metadata = &o->md;

	afc_thread_begin(_metadata);
	while (!__atomic_load_n(&o->stop, __ATOMIC_RELAXED)) {
		sock_name(_metadata, o->fd);
		o->calls++;
	}
	return NULL;
}

TEST_F(pair, rcvbufforce_int_max_queues_everything_with_sane_counters)
{
	enum { N = 100, SIZE = 1000 };
	struct owner_loop o = { 0 };
	unsigned char buf[SIZE + 1], want[SIZE];
	long long rx0, bl0, rb0;
	struct sockaddr_custom to_a;
	struct proc_sock ps;
	pthread_t owner;
	int sb, inq;

	o.fd = bound_socket(_metadata, self->a.ns, PORT_A, 0);
	ASSERT_EQ(setsockopt_int(o.fd, SOL_SOCKET, SO_RCVBUFFORCE, INT_MAX), 0);
	printf("# SO_RCVBUF now %d, SO_SNDBUF %d\n", sockopt_int(_metadata, o.fd, SO_RCVBUF),
	       sockopt_int(_metadata, o.fd, SO_SNDBUF));
	EXPECT_GT(sockopt_int(_metadata, o.fd, SO_RCVBUF), INT_MAX / 2);
	sb = bound_socket(_metadata, self->b.ns, PORT_B, 0);
	to_a = peer_of(&self->b, &self->a, PORT_A);
	rx0 = stat_get(_metadata, self->a.ns, "rx_frames");
	bl0 = stat_get(_metadata, self->a.ns, "drop_backlog_full");
	rb0 = stat_get(_metadata, self->a.ns, "drop_rcvbuf_full");

	o.md = *_metadata;
	ASSERT_EQ(pthread_create(&owner, NULL, owner_run, &o), 0);
	for (int i = 0; i < N; i++) {
		fill(buf, i, SIZE);
		ASSERT_EQ(send_to(sb, buf, SIZE, 0, &to_a), SIZE);
	}
	ASSERT_EQ(stat_wait_rise(_metadata, self->a.ns, "rx_frames", rx0, N), N);
	usleep(100000);
	__atomic_store_n(&o.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(pthread_join(owner, NULL), 0);
	afc_thread_end(_metadata, &o.md);
	EXPECT_EQ(stat_get(_metadata, self->a.ns, "drop_backlog_full") - bl0, 0);
	EXPECT_EQ(stat_get(_metadata, self->a.ns, "drop_rcvbuf_full") - rb0, 0);

	ASSERT_EQ(ioctl(o.fd, SIOCINQ, &inq), 0);
	EXPECT_EQ(inq, SIZE);
	ASSERT_TRUE(proc_sock_find(_metadata, self->a.ns, sock_ino(_metadata, o.fd), &ps));
	printf("# %lld getsockname calls during the sends; /proc rx_queue %lld backlog %lld drops %lld\n",
	       o.calls, ps.rx_queue, ps.backlog, ps.drops);
	EXPECT_GE(ps.rx_queue, (long long)N * SIZE);
	EXPECT_LE(ps.rx_queue, (long long)N * 65536);
	EXPECT_EQ(ps.backlog, 0);
	EXPECT_EQ(ps.drops, 0);
	for (int i = 0; i < N; i++) {
		ssize_t n = recv(o.fd, buf, sizeof(buf), MSG_DONTWAIT);

		ASSERT_EQ(n, SIZE) TH_LOG("datagram %d: recv returned %zd (%s)", i, n,
					  strerror(errno));
		fill(want, i, SIZE);
		EXPECT_TRUE(!memcmp(buf, want, SIZE));
	}
	EXPECT_ERRNO(recv(o.fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	ASSERT_TRUE(proc_sock_find(_metadata, self->a.ns, sock_ino(_metadata, o.fd), &ps));
	EXPECT_EQ(ps.rx_queue, 0);
	EXPECT_EQ(ioctl(o.fd, SIOCINQ, &inq), 0);
	EXPECT_EQ(inq, 0);
}

TEST_HARNESS_MAIN
