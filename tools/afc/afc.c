// SPDX-License-Identifier: GPL-2.0
/*
 * afc: inspect and exercise af_custom from the command line.
 *
 *   afc info                 module parameters and the number of open sockets' references
 *   afc socket TYPE...       create one socket of each TYPE (stream, seqpacket, dgram, raw, or
 *                            a number), report what the kernel answered, close them
 *   afc send IF MAC PORT TEXT...
 *                            send each TEXT as one datagram from interface IF to MAC (or
 *                            "broadcast") at PORT
 *   afc recv IF|any PORT [COUNT]
 *                            bind PORT and print COUNT datagrams (default 1) with their senders
 *   afc stat                 this namespace's /proc/net/af_custom and af_custom_stat
 *   afc listen stream|seqpacket IF|any PORT
 *                            accept one connection, copy it to stdout until the peer closes
 *   afc connect stream|seqpacket IF MAC PORT
 *                            connect, copy stdin to the connection, half-close it at EOF, then
 *                            copy what the peer sends to stdout until it closes
 *   afc perf server|client ...
 *                            throughput, latency and connection rate of af_custom, TCP, TIPC
 *                            and AF_UNIX with one code path (perf.c)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "../lib/afc.h"
#include "perf.h"

static const struct {
	const char *name;
	int type;
} type_names[] = {
	{ "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM }, { "raw", SOCK_RAW },
	{ "rdm", SOCK_RDM },	   { "seqpacket", SOCK_SEQPACKET },
};

static int parse_type(const char *s)
{
	for (unsigned int i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (!strcmp(s, type_names[i].name))
			return type_names[i].type;
	return (int)strtol(s, NULL, 0);
}

static int cmd_info(void)
{
	if (afc_param("family") < 0) {
		fprintf(stderr, "afc: af_custom is not loaded (no %s)\n", AFC_SYSFS);
		return 1;
	}
	printf("family     %ld\n", afc_param("family"));
	printf("ethertype  0x%04lx\n", afc_param("ethertype"));
	printf("refcnt     %ld\n", afc_module_refcnt());
	return 0;
}

static int cmd_socket(int argc, char **argv)
{
	int fds[64], n = 0, failed = 0;

	for (int i = 0; i < argc && n < 64; i++) {
		int type = parse_type(argv[i]);
		int fd = socket(afc_family(), type, 0);

		if (fd < 0) {
			printf("socket(%d, %s, 0) = -1 %s (%s)\n", afc_family(), argv[i],
			       strerror(errno), strerrorname_np(errno));
			failed++;
			continue;
		}
		printf("socket(%d, %s, 0) = %d\n", afc_family(), argv[i], fd);
		fds[n++] = fd;
	}
	printf("module refcnt with %d open: %ld\n", n, afc_module_refcnt());
	for (int i = 0; i < n; i++)
		close(fds[i]);
	printf("closed %d socket%s, module refcnt: %ld\n", n, n == 1 ? "" : "s", afc_module_refcnt());
	return failed ? 2 : 0;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	if (!strcmp(s, "broadcast")) {
		memset(mac, 0xff, AF_CUSTOM_ADDR_LEN);
		return 0;
	}
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6 ? 0 : -1;
}

/* An interface name, or "any" for 0; -1 (with a message) when there is no such interface. */
static int parse_ifindex(const char *name)
{
	int ifindex = strcmp(name, "any") ? (int)if_nametoindex(name) : 0;

	if (ifindex == 0 && strcmp(name, "any"))
		fprintf(stderr, "afc: no interface %s\n", name);
	return strcmp(name, "any") && !ifindex ? -1 : ifindex;
}

static int cmd_send(int argc, char **argv)
{
	struct sockaddr_custom to = { .scu_family = afc_family() };
	int fd, ifindex = parse_ifindex(argv[0]);

	if (ifindex <= 0 || parse_mac(argv[1], to.scu_addr)) {
		fprintf(stderr, "afc: usage: afc send IF MAC|broadcast PORT TEXT...\n");
		return 64;
	}
	to.scu_ifindex = ifindex;
	to.scu_port = htons((unsigned short)atoi(argv[2]));
	fd = socket(afc_family(), SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("afc: socket");
		return 1;
	}
	for (int i = 3; i < argc; i++) {
		if (sendto(fd, argv[i], strlen(argv[i]), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("afc: sendto");
			return 1;
		}
		printf("sent %zu bytes to %s port %s\n", strlen(argv[i]), argv[1], argv[2]);
	}
	close(fd);
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	struct sockaddr_custom me = { .scu_family = afc_family() };
	int fd, count = argc > 2 ? atoi(argv[2]) : 1;
	char buf[65536];

	me.scu_ifindex = parse_ifindex(argv[0]);
	if (me.scu_ifindex < 0)
		return 64;
	me.scu_port = htons((unsigned short)atoi(argv[1]));
	fd = socket(afc_family(), SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("afc: socket/bind");
		return 1;
	}
	for (int i = 0; i < count; i++) {
		struct sockaddr_custom from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
		const unsigned char *m = from.scu_addr;

		if (n < 0) {
			perror("afc: recvfrom");
			return 1;
		}
		buf[n] = 0;
		printf("%zd bytes from %02x:%02x:%02x:%02x:%02x:%02x port %u ifindex %d: %s\n", n,
		       m[0], m[1], m[2], m[3], m[4], m[5], ntohs(from.scu_port), from.scu_ifindex,
		       buf);
		fflush(stdout);
	}
	close(fd);
	return 0;
}

/* Copy @in to @out until EOF; a SEQPACKET read is one record.  Returns the bytes or -1. */
static long long copy_fd(int in, int out)
{
	static char buf[65536];
	long long total = 0;

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), w = 0;

		if (n < 0)
			return -1;
		if (n == 0)
			return total;
		while (w < n) {
			ssize_t k = write(out, buf + w, n - w);
			if (k < 0)
				return -1;
			w += k;
		}
		total += n;
	}
}

static int cmd_listen(int argc, char **argv)
{
	struct sockaddr_custom me = { .scu_family = afc_family() }, peer;
	socklen_t len = sizeof(peer);
	int type = parse_type(argv[0]), fd, c;
	long long n;

	me.scu_ifindex = parse_ifindex(argv[1]);
	if ((type != SOCK_STREAM && type != SOCK_SEQPACKET) || me.scu_ifindex < 0 || argc != 3) {
		fprintf(stderr, "afc: usage: afc listen stream|seqpacket IF|any PORT\n");
		return 64;
	}
	me.scu_port = htons((unsigned short)atoi(argv[2]));
	fd = socket(afc_family(), type, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 || listen(fd, 1) < 0) {
		perror("afc: listen");
		return 1;
	}
	c = accept(fd, (struct sockaddr *)&peer, &len);
	if (c < 0) {
		perror("afc: accept");
		return 1;
	}
	n = copy_fd(c, STDOUT_FILENO);
	if (n < 0) {
		perror("afc: read");
		return 1;
	}
	fprintf(stderr, "afc: received %lld bytes from %02x:%02x:%02x:%02x:%02x:%02x port %u\n", n,
		peer.scu_addr[0], peer.scu_addr[1], peer.scu_addr[2], peer.scu_addr[3],
		peer.scu_addr[4], peer.scu_addr[5], ntohs(peer.scu_port));
	close(c);
	close(fd);
	return 0;
}

static int cmd_connect(int argc, char **argv)
{
	struct sockaddr_custom to = { .scu_family = afc_family() };
	int type = parse_type(argv[0]), fd;
	long long sent, got;

	to.scu_ifindex = argc == 4 ? parse_ifindex(argv[1]) : -1;
	if ((type != SOCK_STREAM && type != SOCK_SEQPACKET) || to.scu_ifindex <= 0 ||
	    parse_mac(argv[2], to.scu_addr)) {
		fprintf(stderr, "afc: usage: afc connect stream|seqpacket IF MAC PORT\n");
		return 64;
	}
	to.scu_port = htons((unsigned short)atoi(argv[3]));
	fd = socket(afc_family(), type, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("afc: connect");
		return 1;
	}
	sent = copy_fd(STDIN_FILENO, fd);
	if (sent < 0 || shutdown(fd, SHUT_WR) < 0) {
		perror("afc: write");
		return 1;
	}
	got = copy_fd(fd, STDOUT_FILENO);
	if (got < 0) {
		perror("afc: read");
		return 1;
	}
	fprintf(stderr, "afc: sent %lld bytes, received %lld\n", sent, got);
	close(fd);
	return 0;
}

static int cat(const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "send"))
		return cmd_send(argc - 2, argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "recv"))
		return cmd_recv(argc - 2, argv + 2);
	if (argc == 2 && !strcmp(argv[1], "stat"))
		return cat("/proc/net/af_custom") | cat("/proc/net/af_custom_stat");
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return cmd_info();
	if (argc >= 3 && !strcmp(argv[1], "socket"))
		return cmd_socket(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "listen"))
		return cmd_listen(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "connect"))
		return cmd_connect(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "perf"))
		return cmd_perf(argc - 1, argv + 1);
	fprintf(stderr, "usage: afc info | afc socket TYPE... | afc send IF MAC PORT TEXT... |\n"
			"       afc recv IF|any PORT [COUNT] | afc stat |\n"
			"       afc listen stream|seqpacket IF|any PORT |\n"
			"       afc connect stream|seqpacket IF MAC PORT |\n"
			"       afc perf server|client ... (afc perf for its usage)\n");
	return 64;
}
