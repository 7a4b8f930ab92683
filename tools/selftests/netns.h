/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network namespaces and veth links for selftests.
 *
 * A case makes its namespaces with unshare(CLONE_NEWNET) and holds each one only as an open file
 * descriptor, so the namespaces, their veths and qdiscs disappear when the case's process exits,
 * however it exits (a failed ASSERT included): nothing is created in the initial namespace and
 * nothing outlives a case.  The helpers enter the namespace they work in (setns), so a socket
 * belongs to the namespace named by the helper that made it.  iproute2 is called by full path:
 * busybox's ip cannot make veth pairs.
 */
#ifndef AFC_NETNS_H
#define AFC_NETNS_H

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>
#include <netpacket/packet.h>
#include <linux/if_ether.h>
#include "harness.h"

#define NS_IP "/usr/sbin/ip"
#define NS_TC "/usr/sbin/tc"

/* The other IEEE 802 local experimental EtherType (af_custom's default is the first one). */
#define NS_PROBE_ETHERTYPE 0x88B6

/* One end of a veth pair: set ns and name, veth_add() fills in the rest. */
struct link {
	int ns;				/* namespace file descriptor */
	char name[IFNAMSIZ];
	int ifindex;
	unsigned char mac[ETH_ALEN];
	int mtu;
};

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void ns_enter(struct __test_metadata *_metadata, int ns)
{
	ASSERT_EQ(setns(ns, CLONE_NEWNET), 0);
}

/* Writes value to a sysctl of the current namespace, if the kernel has it. */
static inline void ns_sysctl(struct __test_metadata *_metadata, const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		EXPECT_EQ(write(fd, value, strlen(value)), (ssize_t)strlen(value));
		close(fd);
	}
}

/* A new network namespace; the caller is left in it. */
static inline int ns_new(struct __test_metadata *_metadata)
{
	int ns;

	ASSERT_EQ(unshare(CLONE_NEWNET), 0);
	ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(ns, 0);
	/*
	 * No IPv6 autoconfiguration (router solicitations, DAD, MLD) on the links: only the frames
	 * a case sends cross them.
	 */
	ns_sysctl(_metadata, "/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	ns_sysctl(_metadata, "/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	return ns;
}

/*
 * Runs the shell command line fmt... in namespace ns and returns its exit status (-1 when it
 * did not exit).  Its output goes to the KTAP stream as diagnostic lines.
 */
__attribute__((format(printf, 3, 4)))
static inline int ns_run(struct __test_metadata *_metadata, int ns, const char *fmt, ...)
{
	char cmd[512], line[256];
	int pipefd[2], status;
	va_list ap;
	FILE *out;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		if (setns(ns, CLONE_NEWNET) == 0)
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	out = fdopen(pipefd[0], "r");
	ASSERT_NE(NULL, out);
	while (fgets(line, sizeof(line), out))
		printf("# %s: %s%s", cmd, line, strchr(line, '\n') ? "" : "\n");
	fclose(out);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A device ioctl on link l in its namespace; returns the ioctl's result. */
static inline int link_ioctl(struct __test_metadata *_metadata, const struct link *l,
			     unsigned long req, struct ifreq *ifr)
{
	int fd, ret, err;

	ns_enter(_metadata, l->ns);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(fd, 0);
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", l->name);
	ret = ioctl(fd, req, ifr);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* ifconfig up / down: the same dev_change_flags() as `ip link set dev up|down`. */
static inline void link_set_up(struct __test_metadata *_metadata, const struct link *l, bool up)
{
	struct ifreq ifr = { 0 };

	ASSERT_EQ(link_ioctl(_metadata, l, SIOCGIFFLAGS, &ifr), 0);
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	ASSERT_EQ(link_ioctl(_metadata, l, SIOCSIFFLAGS, &ifr), 0);
}

static inline void link_set_mtu(struct __test_metadata *_metadata, struct link *l, int mtu)
{
	struct ifreq ifr = { .ifr_mtu = mtu };

	ASSERT_EQ(link_ioctl(_metadata, l, SIOCSIFMTU, &ifr), 0);
	l->mtu = mtu;
}

/* Does a device of that name exist in l's namespace? */
static inline bool link_exists(struct __test_metadata *_metadata, const struct link *l)
{
	struct ifreq ifr = { 0 };

	return link_ioctl(_metadata, l, SIOCGIFINDEX, &ifr) == 0;
}

static inline void link_info(struct __test_metadata *_metadata, struct link *l)
{
	struct ifreq ifr = { 0 };

	ASSERT_EQ(link_ioctl(_metadata, l, SIOCGIFINDEX, &ifr), 0);
	l->ifindex = ifr.ifr_ifindex;
	ASSERT_EQ(link_ioctl(_metadata, l, SIOCGIFHWADDR, &ifr), 0);
	memcpy(l->mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	ASSERT_EQ(link_ioctl(_metadata, l, SIOCGIFMTU, &ifr), 0);
	l->mtu = ifr.ifr_mtu;
}

/*
 * A raw AF_PACKET socket on link l: it sends whole Ethernet frames out of l with send() and
 * receives l's incoming frames of EtherType proto (none when proto is 0).
 */
static inline int packet_socket(struct __test_metadata *_metadata, const struct link *l,
				unsigned short proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = l->ifindex,
	};
	int fd;

	ns_enter(_metadata, l->ns);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* Writes an Ethernet header from `from` to `to` into f; returns its length. */
static inline size_t eth_header(unsigned char *f, const struct link *from, const struct link *to,
			 unsigned short ethertype)
{
	struct ethhdr *eth = (struct ethhdr *)f;

	memcpy(eth->h_dest, to->mac, ETH_ALEN);
	memcpy(eth->h_source, from->mac, ETH_ALEN);
	eth->h_proto = htons(ethertype);
	return ETH_HLEN;
}

/*
 * Waits until a frame sent on `from` arrives at its peer `to`.  A device's qdisc is attached
 * asynchronously (linkwatch) after the link comes up, and until then frames are dropped; the
 * probes use their own EtherType, which af_custom never sees.
 */
static inline void link_wait_ready(struct __test_metadata *_metadata, const struct link *from,
				   const struct link *to)
{
	unsigned char frame[ETH_ZLEN] = { 0 };
	int tx = packet_socket(_metadata, from, 0);
	int rx = packet_socket(_metadata, to, NS_PROBE_ETHERTYPE);
	long long deadline = now_ms() + 10000;
	struct pollfd p = { .fd = rx, .events = POLLIN };

	eth_header(frame, from, to, NS_PROBE_ETHERTYPE);
	do {
		/* Until the link is up a queue may refuse the probe: ENOBUFS, try again. */
		ssize_t n = send(tx, frame, sizeof(frame), 0);

		if (n < 0 && errno == ENOBUFS)
			n = sizeof(frame);
		ASSERT_EQ(n, (ssize_t)sizeof(frame));
		if (poll(&p, 1, 20) == 1)
			break;
	} while (now_ms() < deadline);
	ASSERT_TRUE(p.revents & POLLIN);
	close(tx);
	close(rx);
}

/*
 * Creates the veth pair a <-> b (a->ns, a->name, b->ns and b->name set by the caller; the two
 * namespaces may be the same), brings both ends up, fills in their ifindex, MAC and MTU, and
 * returns once frames cross in both directions.
 */
static inline void veth_add(struct __test_metadata *_metadata, struct link *a, struct link *b)
{
	ASSERT_EQ(ns_run(_metadata, a->ns,
			 NS_IP " link add %s type veth peer name %s netns /proc/%d/fd/%d",
			 a->name, b->name, (int)getpid(), b->ns), 0);
	link_set_up(_metadata, a, true);
	link_set_up(_metadata, b, true);
	link_info(_metadata, a);
	link_info(_metadata, b);
	link_wait_ready(_metadata, a, b);
	link_wait_ready(_metadata, b, a);
}

/* Two new namespaces joined by a veth pair: a is veth0 in the first, b veth1 in the second. */
static inline void veth_pair(struct __test_metadata *_metadata, struct link *a, struct link *b)
{
	*a = (struct link){ .ns = ns_new(_metadata), .name = "veth0" };
	*b = (struct link){ .ns = ns_new(_metadata), .name = "veth1" };
	veth_add(_metadata, a, b);
}

#endif
