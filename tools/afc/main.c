// SPDX-License-Identifier: GPL-2.0
/*
 * afc: the af_custom command-line tool.  The command table, help, version and the helpers the
 * commands share.  A new command is one line in cmds[] below plus its object in tools/Makefile.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "afc.h"

#ifndef AFC_VERSION
#define AFC_VERSION "unknown"	/* tools/Makefile passes the top-level VERSION */
#endif

static const struct afc_cmd cmds[] = {
	{ "listen", cmd_listen, "[-t stream|seqpacket|dgram] [-i IFACE] [-k] [-v] PORT",
	  "Listen on PORT (on interface IFACE, default any) and copy stdin to the\n"
	  "connection and the connection to stdout, like nc -l.  End of stdin\n"
	  "half-closes the connection (shutdown SHUT_WR); afc exits when the peer has\n"
	  "closed too.\n"
	  "\n"
	  "  -t TYPE   stream (default); seqpacket: each read of stdin is one record,\n"
	  "            each record one write to stdout; dgram: print each datagram,\n"
	  "            send each read of stdin to the last sender, run until killed\n"
	  "  -i IFACE  bind to this interface only\n"
	  "  -k        keep listening: accept connections one after another\n"
	  "  -v        report peers and byte counts on stderr\n" },
	{ "connect", cmd_connect,
	  "[-t stream|seqpacket|dgram] [-v] IFACE MAC|broadcast PORT",
	  "Connect through interface IFACE to MAC at PORT and copy stdin to the\n"
	  "connection and the connection to stdout, like nc.  End of stdin half-closes\n"
	  "the connection (shutdown SHUT_WR); afc exits when the peer has closed too.\n"
	  "\n"
	  "  -t TYPE   stream (default); seqpacket: each read of stdin is one record;\n"
	  "            dgram: each read of stdin is one datagram (MAC may be\n"
	  "            \"broadcast\"), replies go to stdout, afc exits at the end of stdin\n"
	  "  -v        report the connection and byte counts on stderr\n" },
	{ "stat", cmd_stat, "[-l|-a] [-t] [-q] [-d] [-s] [-j] [-n]",
	  "List this network namespace's af_custom sockets, like ss: type, state,\n"
	  "queues, local and peer address ([MAC]%IFACE:PORT), retransmissions, owner\n"
	  "and inode.  Without -l or -a, sockets without a peer are left out.\n"
	  "\n"
	  "  -l        listeners (and bound dgram sockets) only\n"
	  "  -a        every socket\n"
	  "  -t, -q, -d  stream, seqpacket, dgram sockets only\n"
	  "  -s        totals by type and state, and the namespace's counters\n"
	  "  -j        JSON: {\"sockets\": [...]}; with -s {\"totals\", \"counters\"}\n"
	  "  -n        interface indexes instead of names\n" },
	{ "info", cmd_info, "",
	  "Print the loaded module's version, parameters (family, ethertype) and\n"
	  "reference count.\n" },
	{ "socket", cmd_socket, "TYPE...",
	  "Create one socket of each TYPE (stream, seqpacket, dgram, raw, rdm or a\n"
	  "number), print what the kernel answered, close them.  Exits 1 when any was\n"
	  "refused.\n" },
	{ "send", cmd_send, "IFACE MAC|broadcast PORT TEXT...",
	  "Send each TEXT as one datagram through interface IFACE to MAC (or\n"
	  "broadcast) at PORT.\n" },
	{ "recv", cmd_recv, "[-i IFACE] [-c COUNT] PORT",
	  "Bind a datagram socket to PORT (on IFACE, default any) and print COUNT\n"
	  "datagrams (default 1), each on one line with its length and sender.\n"
	  "\n"
	  "  -i IFACE  bind to this interface only\n"
	  "  -c COUNT  how many datagrams to wait for\n" },
	{ "perf", cmd_perf, "server|client [OPTIONS] TRANSPORT ADDR...",
	  "Measure throughput (-m stream), request/response latency (-m rr) or the\n"
	  "connection rate (-m crr) of af_custom, TCP, TIPC and AF_UNIX with one code\n"
	  "path: `afc perf server TRANSPORT ADDR...` serves, `afc perf client ...`\n"
	  "measures and prints one JSON line per result (make bench runs both).\n"
	  "`afc perf client` without arguments lists transports and options.\n" },
};

const struct afc_cmd *afc_current;

static void print_synopses(FILE *f)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "%s afc %s%s%s\n", i ? "      " : "usage:", cmds[i].name,
			*cmds[i].synopsis ? " " : "", cmds[i].synopsis);
}

static int help(void)
{
	print_synopses(stdout);
	printf("       afc --help | --version | COMMAND --help\n"
	       "\n"
	       "A netcat and ss for af_custom sockets (socket(AF_CUSTOM, ...) over\n"
	       "Ethernet).  IFACE is an interface name (or \"any\"), MAC six hex bytes\n"
	       "a:b:c:d:e:f, PORT a number 1..65535.  The family number is read from\n"
	       AFC_SYSFS "/parameters/family.\n"
	       "Exit status: 0 success, 1 error, 2 bad arguments.  See afc(8).\n");
	return 0;
}

static int version(void)
{
	char v[64];

	printf("afc %s\n", AFC_VERSION);
	if (afc_module_version(v, sizeof(v)))
		printf("af_custom module %s\n", v);
	else
		printf("af_custom module %s\n",
		       afc_module_loaded() ? "(no version)" : "not loaded");
	return 0;
}

int afc_usage(void)
{
	if (!afc_current) {
		print_synopses(stderr);
		fprintf(stderr, "Try 'afc --help' for more information.\n");
	} else {
		fprintf(stderr, "usage: afc %s%s%s\n", afc_current->name,
			*afc_current->synopsis ? " " : "", afc_current->synopsis);
		fprintf(stderr, "Try 'afc %s --help' for more information.\n", afc_current->name);
	}
	return AFC_EXIT_USAGE;
}

static int verror(int err, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "afc: ");
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	return AFC_EXIT_ERROR;
}

int afc_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(0, fmt, ap);
	va_end(ap);
	return AFC_EXIT_ERROR;
}

int afc_perror(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	verror(err, fmt, ap);
	va_end(ap);
	return AFC_EXIT_ERROR;
}

int afc_need_module(void)
{
	if (afc_module_loaded())
		return 0;
	return afc_error("the af_custom module is not loaded (modprobe af_custom)");
}

int afc_opt_type(const char *arg)
{
	int type = afc_type_parse(arg);

	return type == SOCK_STREAM || type == SOCK_SEQPACKET || type == SOCK_DGRAM ? type : -1;
}

int afc_opt_ifindex(const char *arg)
{
	int ifindex = afc_ifindex_parse(arg);

	if (ifindex < 0)
		afc_error("%s: no such interface", arg);
	return ifindex;
}

/* Is "--help" among the command's arguments (before a "--")? */
static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	static char prog[64];

	if (!name)
		return afc_usage();
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help"))
		return help();
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		return version();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(name, cmds[i].name))
			continue;
		afc_current = &cmds[i];
		/* getopt's own messages then read "afc listen: invalid option -- 'x'". */
		snprintf(prog, sizeof(prog), "afc %s", name);
		argv[1] = prog;
		if (wants_help(argc - 1, argv + 1)) {
			printf("usage: afc %s%s%s\n\n%s", name, *cmds[i].synopsis ? " " : "",
			       cmds[i].synopsis, cmds[i].help);
			return 0;
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "afc: unknown command '%s'\n", name);
	return afc_usage();
}
