/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses and sockets for the selftests: the helpers dgram_test and harden_test share (one
 * definition of how a case names a peer, makes and binds a socket).  Include after netns.h.
 */
#ifndef AFC_SOCKETS_H
#define AFC_SOCKETS_H

#include <linux/af_custom.h>
#include <linux/sockios.h>
#include "../lib/afc.h"
#include "../lib/addr.h"
#include "../lib/proc.h"
#include "netns.h"

#define SA(p)		((struct sockaddr *)(p))
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Receive timeout of the sockets dgram_socket() makes: a lost datagram fails with EAGAIN. */
#define RECV_TIMEOUT_S	10

static const unsigned char broadcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static inline struct sockaddr_custom scu(unsigned short port, int ifindex,
					 const unsigned char *mac)
{
	return afc_scu(ifindex, mac, port);
}

/* The address that reaches `port` of the far end `to` of link `out`, sent out of `out`. */
static inline struct sockaddr_custom peer_of(const struct link *out, const struct link *to,
					     unsigned short port)
{
	return scu(port, out->ifindex, to->mac);
}

/* A datagram socket in namespace ns, with the default receive timeout. */
static inline int dgram_socket(struct __test_metadata *_metadata, int ns)
{
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	int fd;

	ns_enter(_metadata, ns);
	fd = socket(afc_family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static inline int bind_to(int fd, unsigned short port, int ifindex)
{
	struct sockaddr_custom a = scu(port, ifindex, NULL);

	return bind(fd, SA(&a), sizeof(a));
}

/* A socket in ns bound to port on ifindex (bind must succeed). */
static inline int bound_socket(struct __test_metadata *_metadata, int ns, unsigned short port,
			       int ifindex)
{
	int fd = dgram_socket(_metadata, ns);

	ASSERT_EQ(bind_to(fd, port, ifindex), 0);
	return fd;
}

static inline ssize_t send_to(int fd, const void *buf, size_t len, int flags,
			      const struct sockaddr_custom *dst)
{
	return sendto(fd, buf, len, flags, SA(dst), sizeof(*dst));
}

static inline int sockopt_int(struct __test_metadata *_metadata, int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	ASSERT_EQ(getsockopt(fd, SOL_SOCKET, opt, &v, &len), 0);
	return v;
}

/* A STREAM or SEQPACKET socket in namespace ns whose sends and receives time out after secs. */
static inline int conn_socket(struct __test_metadata *_metadata, int ns, int type, int secs)
{
	struct timeval tv = { .tv_sec = secs };
	int fd;

	ns_enter(_metadata, ns);
	fd = socket(afc_family(), type | SOCK_CLOEXEC, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

/* Counter `name` of namespace ns (the caller enters it); -1 when the file has no such line. */
static inline long long stat_find(struct __test_metadata *_metadata, int ns, const char *name)
{
	ns_enter(_metadata, ns);
	ASSERT_EQ(access(AFC_PROC_STAT, R_OK), 0);
	return afc_stat_find(AFC_PROC_STAT, name);
}

/* Counter `name`, which must exist. */
static inline long long stat_get(struct __test_metadata *_metadata, int ns, const char *name)
{
	long long v = stat_find(_metadata, ns, name);

	ASSERT_GE(v, 0) TH_LOG("/proc/net/af_custom_stat has no %s", name);
	return v;
}

/* Waits up to 10 s until counter `name` has risen from `base` by `want`; returns the rise. */
static inline long long stat_wait_rise(struct __test_metadata *_metadata, int ns, const char *name,
				       long long base, long long want)
{
	long long deadline = now_ms() + 10000, v;

	while ((v = stat_get(_metadata, ns, name)) - base < want && now_ms() < deadline)
		usleep(2000);
	return v - base;
}

/* poll() one fd for at most timeout_ms; returns its revents. */
static inline short poll_events(struct __test_metadata *_metadata, int fd, short events,
				int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	ASSERT_GE(poll(&p, 1, timeout_ms), 0);
	return p.revents;
}

/* Byte j of the datagram numbered seq: datagrams of equal size still differ. */
static inline unsigned char pattern(unsigned int seq, unsigned int j)
{
	unsigned int h = (seq + 1) * 2654435761u + j * 40503u;

	return h ^ h >> 11 ^ h >> 23;
}

static inline void fill(unsigned char *buf, unsigned int seq, size_t len)
{
	for (size_t j = 0; j < len; j++)
		buf[j] = pattern(seq, j);
}

static inline int setsockopt_int(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v));
}

/* Reads until len bytes have arrived, EOF or an error: the count (short at EOF), or -1. */
static inline ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n <= 0)
			return n < 0 ? n : (ssize_t)got;
		got += n;
	}
	return got;
}

/* Bytes queued to read on fd (SIOCINQ). */
static inline int siocinq(struct __test_metadata *_metadata, int fd)
{
	int v = -1;

	ASSERT_EQ(ioctl(fd, SIOCINQ, &v), 0);
	return v;
}

/* Bytes sent on fd and not acknowledged yet (SIOCOUTQ). */
static inline int siocoutq(struct __test_metadata *_metadata, int fd)
{
	int v = -1;

	ASSERT_EQ(ioctl(fd, SIOCOUTQ, &v), 0);
	return v;
}

#endif
