/* SPDX-License-Identifier: GPL-2.0 */
/*
 * afc: the af_custom command-line tool.  main.c holds the command table, help and version;
 * each command lives in its own file (nc.c: listen/connect, stat.c, misc.c: info/socket/
 * send/recv) as `int cmd_NAME(int argc, char **argv)`, argv[0] being the command's name, so
 * getopt() works on it as on a program's arguments.
 *
 * Exit status, as nc's: 0 success, 1 an error (message "afc: what: why" on stderr), 2 bad
 * arguments (a usage line on stderr).
 */
#ifndef AFC_CLI_H
#define AFC_CLI_H

#include <stdbool.h>
#include "../lib/addr.h"

#define AFC_EXIT_ERROR	1
#define AFC_EXIT_USAGE	2

struct afc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;		/* after "afc NAME " */
	const char *help;		/* the rest of `afc NAME --help` */
};

/* Commands (one file each, or a few per file). */
int cmd_info(int argc, char **argv);
int cmd_socket(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_perf(int argc, char **argv);	/* perf.c */

/* The table entry of the command now running (main.c sets it). */
extern const struct afc_cmd *afc_current;

/* Prints "usage: afc NAME SYNOPSIS" on stderr; returns AFC_EXIT_USAGE. */
int afc_usage(void);

/* "afc: " fmt [": " strerror(errno)] "\n" on stderr; return AFC_EXIT_ERROR. */
__attribute__((format(printf, 1, 2))) int afc_error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) int afc_perror(const char *fmt, ...);

/*
 * 0 when the module is loaded; else AFC_EXIT_ERROR after saying so.  Commands call it once
 * their arguments are known good (bad arguments are exit 2 whether it is loaded or not).
 */
int afc_need_module(void);

/* -t TYPE of listen/connect: SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM; -1 for other names. */
int afc_opt_type(const char *arg);
/*
 * An interface name (or "any": 0) for the current namespace; -1 after "afc: NAME: no such
 * interface" on stderr.
 */
int afc_opt_ifindex(const char *arg);

#endif
