// SPDX-License-Identifier: GPL-2.0
/*
 * afc: inspect and exercise af_custom from the command line.
 *
 *   afc info                 module parameters and the number of open sockets' references
 *   afc socket TYPE...       create one socket of each TYPE (stream, seqpacket, dgram, raw, or
 *                            a number), report what the kernel answered, close them
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../lib/afc.h"

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

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return cmd_info();
	if (argc >= 3 && !strcmp(argv[1], "socket"))
		return cmd_socket(argc - 2, argv + 2);
	fprintf(stderr, "usage: afc info | afc socket TYPE...\n");
	return 64;
}
