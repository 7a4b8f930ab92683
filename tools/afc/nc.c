// SPDX-License-Identifier: GPL-2.0
/*
 * afc listen / afc connect: netcat for af_custom.  stdin goes to the socket and the socket to
 * stdout; the socket is written with MSG_DONTWAIT and polled for room, so that two ends both
 * sending more than their buffers hold keep reading each other (no deadlock on full windows).
 * A SEQPACKET or DGRAM send is one record or datagram, queued whole or not at all.
 */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>
#include "afc.h"

#define NC_BUF 65536	/* a read of stdin, and the largest SEQPACKET record */

struct nc {
	int type;
	bool verbose;
	bool stdin_open;		/* stdin not at its end yet (kept across -k connections) */
	/* stdin bytes read but not yet taken by the socket */
	size_t pending, off;
	struct sockaddr_custom to;	/* DGRAM listen: where stdin goes (the last sender) */
	bool have_to;
	long long sent, received;
	char in[NC_BUF], out[NC_BUF];
};

static struct nc nc = { .type = SOCK_STREAM, .stdin_open = true };

static void peer_format(char *buf, size_t len, const struct sockaddr_custom *a)
{
	afc_addr_format(buf, len, a->scu_ifindex, a->scu_addr, ntohs(a->scu_port), 0);
}

/* Writes all of buf to fd (stdout: blocking). */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Hands the pending stdin bytes to the socket without waiting.  Returns 0 (perhaps with some
 * left: EAGAIN), or -1 on an error.
 */
static int flush_pending(int fd, bool dgram_listen)
{
	while (nc.pending) {
		ssize_t n;

		if (dgram_listen)
			n = sendto(fd, nc.in + nc.off, nc.pending, MSG_DONTWAIT | MSG_NOSIGNAL,
				   (struct sockaddr *)&nc.to, sizeof(nc.to));
		else
			n = send(fd, nc.in + nc.off, nc.pending, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		nc.sent += n;
		/* A record or datagram goes whole; a stream may take part of the bytes. */
		nc.off += (size_t)n;
		nc.pending -= (size_t)n;
		if (nc.type != SOCK_STREAM)
			nc.pending = 0;
	}
	nc.off = 0;
	return 0;
}

/*
 * Copies stdin to fd and fd to stdout until both have ended (for DGRAM: until stdin has, or
 * never when listening).  stdin's end half-closes a connection.  Returns an exit status.
 */
static int relay(int fd, bool dgram_listen)
{
	bool net_open = true, shut = false;

	if (!nc.stdin_open && nc.type != SOCK_DGRAM) {
		shutdown(fd, SHUT_WR);
		shut = true;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = -1 }, { .fd = fd } };
		bool take_stdin = nc.stdin_open && !nc.pending && (!dgram_listen || nc.have_to);

		if (nc.type == SOCK_DGRAM && !dgram_listen && !nc.stdin_open && !nc.pending)
			return 0;
		if (!net_open && !nc.pending && (shut || !nc.stdin_open) &&
		    nc.type != SOCK_DGRAM)
			return 0;
		if (take_stdin) {
			p[0].fd = STDIN_FILENO;
			p[0].events = POLLIN;
		}
		p[1].events = (net_open ? POLLIN : 0) | (nc.pending ? POLLOUT : 0);
		if (!p[1].events)
			p[1].fd = -1;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return afc_perror("poll");
		}
		if (p[0].revents) {
			ssize_t n = read(STDIN_FILENO, nc.in, sizeof(nc.in));

			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return afc_perror("read stdin");
			if (n == 0 || (p[0].revents & POLLNVAL)) {
				nc.stdin_open = false;
			} else if (n > 0) {
				nc.pending = (size_t)n;
				nc.off = 0;
			}
		}
		if (nc.pending && flush_pending(fd, dgram_listen) < 0) {
			/* The peer went away with our bytes unsent: data lost, an error (as nc). */
			return afc_perror("write");
		}
		if (!nc.stdin_open && !nc.pending && !shut && nc.type != SOCK_DGRAM) {
			if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN)
				return afc_perror("shutdown");
			shut = true;
		}
		if (net_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			struct sockaddr_custom from;
			socklen_t len = sizeof(from);
			ssize_t n = recvfrom(fd, nc.out, sizeof(nc.out), MSG_DONTWAIT,
					     (struct sockaddr *)&from, &len);

			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return afc_perror("read");
			if (n == 0 && nc.type != SOCK_DGRAM) {
				net_open = false;
			} else if (n >= 0) {
				nc.received += n;
				if (nc.type == SOCK_DGRAM && nc.verbose) {
					char a[64];

					peer_format(a, sizeof(a), &from);
					fprintf(stderr, "afc: %zd bytes from %s\n", n, a);
				}
				if (dgram_listen) {
					nc.to = from;
					nc.have_to = true;
				}
				if (write_all(STDOUT_FILENO, nc.out, (size_t)n) < 0)
					return afc_perror("write stdout");
			}
		}
	}
}

static void report_bytes(void)
{
	if (nc.verbose)
		fprintf(stderr, "afc: sent %lld bytes, received %lld bytes\n", nc.sent,
			nc.received);
}

/* Options shared by listen and connect; returns the index of the first operand or -1. */
static int parse_opts(int argc, char **argv, const char *optstring, const char **ifname,
		      bool *keep)
{
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, optstring)) != -1) {
		switch (c) {
		case 't':
			nc.type = afc_opt_type(optarg);
			if (nc.type < 0)
				return -1;
			break;
		case 'i':
			*ifname = optarg;
			break;
		case 'k':
			*keep = true;
			break;
		case 'v':
			nc.verbose = true;
			break;
		default:
			return -1;
		}
	}
	return optind;
}

int cmd_listen(int argc, char **argv)
{
	const char *ifname = NULL;
	int fd, rc = 0, ifindex = 0;
	bool keep = false;
	unsigned short port;
	struct sockaddr_custom me;
	int i = parse_opts(argc, argv, "t:i:kv", &ifname, &keep);

	if (i < 0 || argc - i != 1 || afc_port_parse(argv[i], &port) || !port)
		return afc_usage();
	if (afc_need_module())
		return AFC_EXIT_ERROR;
	if (ifname) {
		ifindex = afc_opt_ifindex(ifname);
		if (ifindex < 0)
			return AFC_EXIT_ERROR;
	}
	me = afc_scu(ifindex, NULL, port);
	fd = socket(afc_family(), nc.type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return afc_perror("socket");
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		return afc_perror("bind");
	if (nc.type == SOCK_DGRAM)
		return relay(fd, true);
	if (listen(fd, keep ? 16 : 1) < 0)
		return afc_perror("listen");
	do {
		struct sockaddr_custom peer;
		socklen_t len = sizeof(peer);
		int c = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

		if (c < 0 && errno == EINTR)
			continue;
		if (c < 0)
			return afc_perror("accept");
		if (!keep)
			close(fd);	/* one connection, as nc -l: later ones are refused */
		if (nc.verbose) {
			char a[64];

			peer_format(a, sizeof(a), &peer);
			fprintf(stderr, "afc: connection from %s\n", a);
		}
		nc.sent = nc.received = 0;
		rc = relay(c, false);
		report_bytes();
		close(c);
	} while (keep);
	return rc;
}

int cmd_connect(int argc, char **argv)
{
	const char *ifname = NULL;
	int fd, ifindex, rc;
	bool keep = false;
	unsigned short port;
	unsigned char mac[AF_CUSTOM_ADDR_LEN];
	struct sockaddr_custom to;
	int i = parse_opts(argc, argv, "t:v", &ifname, &keep);

	if (i < 0 || argc - i != 3 || afc_mac_parse(argv[i + 1], mac) ||
	    afc_port_parse(argv[i + 2], &port) || !port)
		return afc_usage();
	if (afc_mac_is_broadcast(mac) && nc.type != SOCK_DGRAM) {
		fprintf(stderr, "afc: broadcast is for -t dgram only\n");
		return afc_usage();
	}
	if (afc_need_module())
		return AFC_EXIT_ERROR;
	ifindex = afc_opt_ifindex(argv[i]);
	if (ifindex < 0)
		return AFC_EXIT_ERROR;
	to = afc_scu(ifindex, mac, port);
	fd = socket(afc_family(), nc.type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return afc_perror("socket");
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		return afc_perror("connect");
	if (nc.verbose) {
		struct sockaddr_custom me;
		socklen_t len = sizeof(me);
		char a[64], b[64];

		getsockname(fd, (struct sockaddr *)&me, &len);
		afc_addr_format(a, sizeof(a), ifindex, NULL, ntohs(me.scu_port), 0);
		peer_format(b, sizeof(b), &to);
		fprintf(stderr, "afc: connected %s to %s\n", a, b);
	}
	rc = relay(fd, false);
	report_bytes();
	close(fd);
	return rc;
}
