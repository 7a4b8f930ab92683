// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests: SOCK_STREAM and SOCK_SEQPACKET connections between two network namespaces joined
 * by a veth pair (Documentation/connections.rst).  Needs root.
 */
#include <pthread.h>
#include <sys/socket.h>
#include "../lib/afc.h"
#include "netns.h"

#define SA(p)		((struct sockaddr *)(p))
#define PORT_L		7000
#define TIMEOUT_S	20

static struct sockaddr_custom scu(unsigned short port, int ifindex, const unsigned char *mac)
{
	struct sockaddr_custom a = {
		.scu_family = afc_family(),
		.scu_port = htons(port),
		.scu_ifindex = ifindex,
	};

	if (mac)
		memcpy(a.scu_addr, mac, ETH_ALEN);
	return a;
}

static int conn_socket(int ns, int type)
{
	struct timeval tv = { .tv_sec = TIMEOUT_S };
	int fd;

	ns_enter(ns);
	fd = socket(afc_family(), type | SOCK_CLOEXEC, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static int listener(int ns, int type, unsigned short port, int backlog)
{
	struct sockaddr_custom a = scu(port, 0, NULL);
	int fd = conn_socket(ns, type);

	ASSERT_EQ(bind(fd, SA(&a), sizeof(a)), 0);
	ASSERT_EQ(listen(fd, backlog), 0);
	return fd;
}

/* A connected pair: *cl in b's namespace connected to a listener in a's; returns the accepted. */
static int connect_pair(struct link *a, struct link *b, int type, int *cl, int *lfd)
{
	struct sockaddr_custom to = scu(PORT_L, b->ifindex, a->mac);
	int acc;

	*lfd = listener(a->ns, type, PORT_L, 8);
	*cl = conn_socket(b->ns, type);
	ASSERT_EQ(connect(*cl, SA(&to), sizeof(to)), 0);
	acc = accept(*lfd, NULL, NULL);
	ASSERT_GE(acc, 0);
	return acc;
}

static ssize_t read_full(int fd, void *buf, size_t len)
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

TEST(stream_echo_between_namespaces)
{
	struct link a = { 0 }, b = { 0 };
	char buf[64];
	int cl, lfd, acc;

	veth_pair(&a, &b);
	acc = connect_pair(&a, &b, SOCK_STREAM, &cl, &lfd);
	ASSERT_EQ(send(cl, "hello", 5, 0), 5);
	ASSERT_EQ(read_full(acc, buf, 5), 5);
	EXPECT_EQ(memcmp(buf, "hello", 5), 0);
	ASSERT_EQ(send(acc, "world!", 6, 0), 6);
	ASSERT_EQ(read_full(cl, buf, 6), 6);
	EXPECT_EQ(memcmp(buf, "world!", 6), 0);
	close(cl);
	EXPECT_EQ(recv(acc, buf, sizeof(buf), 0), 0);	/* orderly close: EOF */
	close(acc);
	close(lfd);
}

struct bulk {
	int fd;
	size_t len;
	unsigned int seed;
};

static void *bulk_send(void *arg)
{
	struct bulk *b = arg;
	static char buf[65536];
	size_t sent = 0;

	while (sent < b->len) {
		size_t n = b->len - sent < sizeof(buf) ? b->len - sent : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)((sent + i) * 2654435761u >> 13);
		ssize_t w = send(b->fd, buf, n, 0);
		if (w <= 0)
			break;
		sent += w;
	}
	shutdown(b->fd, SHUT_WR);
	return (void *)sent;
}

TEST(stream_bulk_transfer_arrives_intact)
{
	struct link a = { 0 }, b = { 0 };
	const size_t total = 8 << 20;
	static char buf[65536];
	struct bulk bs;
	pthread_t t;
	size_t got = 0, bad = 0;
	long long t0;
	void *sent;
	int cl, lfd, acc;

	veth_pair(&a, &b);
	acc = connect_pair(&a, &b, SOCK_STREAM, &cl, &lfd);
	bs = (struct bulk){ .fd = cl, .len = total };
	t0 = now_ms();
	ASSERT_EQ(pthread_create(&t, NULL, bulk_send, &bs), 0);
	for (;;) {
		ssize_t n = recv(acc, buf, sizeof(buf), 0);
		ASSERT_GE(n, 0);
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			bad += buf[i] != (char)((got + i) * 2654435761u >> 13);
		got += n;
	}
	pthread_join(t, &sent);
	printf("# %zu bytes in %lld ms\n", got, now_ms() - t0);
	EXPECT_EQ((size_t)sent, total);
	EXPECT_EQ(got, total);
	EXPECT_EQ(bad, 0);
}

TEST(seqpacket_records_keep_their_boundaries)
{
	struct link a = { 0 }, b = { 0 };
	static char out[65536], in[70000];
	int cl, lfd, acc;
	size_t sizes[] = { 1, 100, 1475, 1476, 1477, 3000, 9999, 65536 };

	veth_pair(&a, &b);
	acc = connect_pair(&a, &b, SOCK_SEQPACKET, &cl, &lfd);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(out, 'a' + (int)i, sizes[i]);
		ASSERT_EQ(send(cl, out, sizes[i], 0), (ssize_t)sizes[i]);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ssize_t n = recv(acc, in, sizeof(in), 0);
		ASSERT_EQ(n, (ssize_t)sizes[i]);
		EXPECT_EQ(in[0], 'a' + (int)i);
		EXPECT_EQ(in[n - 1], 'a' + (int)i);
	}
}

TEST(connect_to_a_port_nobody_listens_on_is_econnrefused)
{
	struct link a = { 0 }, b = { 0 };
	struct sockaddr_custom to;
	int cl;

	veth_pair(&a, &b);
	to = scu(PORT_L + 1, b.ifindex, a.mac);
	cl = conn_socket(b.ns, SOCK_STREAM);
	EXPECT_ERRNO(connect(cl, SA(&to), sizeof(to)), ECONNREFUSED);
}

AFC_MAIN
