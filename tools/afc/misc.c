// SPDX-License-Identifier: GPL-2.0
/*
 * afc info, afc socket, afc send, afc recv: the module's parameters, which socket types the
 * family takes, and single datagrams sent and received.
 */
#include <getopt.h>
#include "afc.h"

int cmd_info(int argc, char **argv)
{
	char v[64];

	(void)argv;
	if (argc != 1)
		return afc_usage();
	if (afc_need_module())
		return AFC_EXIT_ERROR;
	printf("version    %s\n", afc_module_version(v, sizeof(v)) ? v : "-");
	printf("family     %ld\n", afc_param("family"));
	printf("ethertype  0x%04lx\n", afc_param("ethertype"));
	printf("refcnt     %ld\n", afc_module_refcnt());
	return 0;
}

int cmd_socket(int argc, char **argv)
{
	int fds[64], n = 0, failed = 0;

	if (argc < 2 || argc > 65)
		return afc_usage();
	for (int i = 1; i < argc; i++) {
		char *end;
		int type = afc_type_parse(argv[i]);

		if (type < 0) {
			type = (int)strtol(argv[i], &end, 0);
			if (*end || end == argv[i])
				return afc_usage();
		}
	}
	if (afc_need_module())
		return AFC_EXIT_ERROR;
	long before = afc_module_refcnt();
	for (int i = 1; i < argc; i++) {
		int type = afc_type_parse(argv[i]);
		int fd;

		if (type < 0)
			type = (int)strtol(argv[i], NULL, 0);
		fd = socket(afc_family(), type, 0);
		if (fd < 0) {
			printf("socket(%d, %s, 0) = -1 %s (%s)\n", afc_family(), argv[i],
			       strerrorname_np(errno), strerror(errno));
			failed++;
			continue;
		}
		printf("socket(%d, %s, 0) = %d\n", afc_family(), argv[i], fd);
		fds[n++] = fd;
	}
	printf("module refcnt with %d open: %ld\n", n, afc_module_refcnt());
	for (int i = 0; i < n; i++)
		close(fds[i]);
	/* (the last references go a grace period after close: see afc_module_refcnt_settled) */
	printf("closed %d socket%s, module refcnt: %ld\n", n, n == 1 ? "" : "s",
	       afc_module_refcnt_settled(before));
	return failed ? AFC_EXIT_ERROR : 0;
}

int cmd_send(int argc, char **argv)
{
	unsigned char mac[AF_CUSTOM_ADDR_LEN];
	struct sockaddr_custom to;
	unsigned short port;
	int fd, ifindex;

	if (argc < 5 || afc_mac_parse(argv[2], mac) || afc_port_parse(argv[3], &port) || !port)
		return afc_usage();
	if (afc_need_module())
		return AFC_EXIT_ERROR;
	ifindex = afc_opt_ifindex(argv[1]);
	if (ifindex < 0)
		return AFC_EXIT_ERROR;
	to = afc_scu(ifindex, mac, port);
	fd = socket(afc_family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return afc_perror("socket");
	for (int i = 4; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (sendto(fd, argv[i], len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			return afc_perror("sendto");
		printf("sent %zu bytes to %s port %u\n", len, argv[2], port);
	}
	close(fd);
	return 0;
}

int cmd_recv(int argc, char **argv)
{
	const char *ifname = NULL;
	long count = 1;
	unsigned short port;
	struct sockaddr_custom me;
	static char buf[65536];
	char *end;
	int c, fd, ifindex = 0;

	while ((c = getopt(argc, argv, "i:c:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'c':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1)
				return afc_usage();
			break;
		default:
			return afc_usage();
		}
	}
	if (argc - optind != 1 || afc_port_parse(argv[optind], &port) || !port)
		return afc_usage();
	if (afc_need_module())
		return AFC_EXIT_ERROR;
	if (ifname) {
		ifindex = afc_opt_ifindex(ifname);
		if (ifindex < 0)
			return AFC_EXIT_ERROR;
	}
	me = afc_scu(ifindex, NULL, port);
	fd = socket(afc_family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return afc_perror("socket");
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		return afc_perror("bind");
	for (long i = 0; i < count; i++) {
		struct sockaddr_custom from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
		char a[64];

		if (n < 0)
			return afc_perror("recvfrom");
		buf[n] = 0;
		afc_addr_format(a, sizeof(a), from.scu_ifindex, from.scu_addr,
				ntohs(from.scu_port), 0);
		printf("%zd bytes from %s: %s\n", n, a, buf);
		fflush(stdout);
	}
	close(fd);
	return 0;
}
