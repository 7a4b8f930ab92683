/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/net/af_custom and /proc/net/af_custom_stat for user programs (afc, selftests,
 * benchmarks).  The socket list is read by the names in its header line, so that columns the
 * reader does not know, or columns in another order, do not break it; the counters are
 * "name value" lines.
 *
 *	struct afc_proc p;
 *	struct afc_proc_sock s;
 *
 *	if (afc_proc_open(&p, AFC_PROC_SOCKETS) == 0) {
 *		while (afc_proc_next(&p) > 0)
 *			if (afc_proc_sock(&p, &s) == 0 && s.inode == ino) ...
 *		afc_proc_close(&p);
 *	}
 */
#ifndef AFC_USER_PROC_H
#define AFC_USER_PROC_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"

/* Paths in the namespace of the calling thread (a selftest may have moved it with setns). */
#define AFC_PROC_SOCKETS	"/proc/thread-self/net/af_custom"
#define AFC_PROC_STAT		"/proc/thread-self/net/af_custom_stat"

#define AFC_PROC_MAXCOLS	64
#define AFC_PROC_LINE		1024

struct afc_proc {
	FILE *f;
	int ncols;
	char *cols[AFC_PROC_MAXCOLS];	/* the header's names (in hdr) */
	int nvals;
	char *vals[AFC_PROC_MAXCOLS];	/* the current line's fields (in line) */
	int lineno;
	char hdr[AFC_PROC_LINE];
	char line[AFC_PROC_LINE];
};

/* Splits s at blanks in place into at most max words; returns their number. */
static inline int afc_proc_split(char *s, char **words, int max)
{
	int n = 0;

	for (char *save, *w = strtok_r(s, " \t\n", &save); w && n < max;
	     w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	return n;
}

/* Opens path and reads its header line.  Returns 0, or -1 (errno set; EINVAL: no header). */
static inline int afc_proc_open(struct afc_proc *p, const char *path)
{
	memset(p, 0, sizeof(*p));
	p->f = fopen(path, "r");
	if (!p->f)
		return -1;
	if (!fgets(p->hdr, sizeof(p->hdr), p->f) ||
	    (p->ncols = afc_proc_split(p->hdr, p->cols, AFC_PROC_MAXCOLS)) == 0) {
		fclose(p->f);
		p->f = NULL;
		errno = EINVAL;
		return -1;
	}
	p->lineno = 1;
	return 0;
}

static inline void afc_proc_close(struct afc_proc *p)
{
	if (p->f)
		fclose(p->f);
	p->f = NULL;
}

/* The index of column name, or -1. */
static inline int afc_proc_col(const struct afc_proc *p, const char *name)
{
	for (int i = 0; i < p->ncols; i++)
		if (!strcmp(p->cols[i], name))
			return i;
	return -1;
}

/*
 * Reads the next line.  Returns 1, 0 at the end, or -1 for a line whose number of fields is
 * not the header's (the caller may report p->lineno and go on).
 */
static inline int afc_proc_next(struct afc_proc *p)
{
	if (!p->f || !fgets(p->line, sizeof(p->line), p->f))
		return 0;
	p->lineno++;
	p->nvals = afc_proc_split(p->line, p->vals, AFC_PROC_MAXCOLS);
	return p->nvals == p->ncols ? 1 : -1;
}

/* The current line's field of column name, or NULL when there is no such column. */
static inline const char *afc_proc_get(const struct afc_proc *p, const char *name)
{
	int i = afc_proc_col(p, name);

	return i >= 0 && i < p->nvals ? p->vals[i] : NULL;
}

/* The field as a number (decimal, or 0x hex); def when the column is absent or not a number. */
static inline long long afc_proc_num(const struct afc_proc *p, const char *name, long long def)
{
	const char *v = afc_proc_get(p, name);
	char *end;
	long long n;

	if (!v)
		return def;
	errno = 0;
	n = strtoll(v, &end, 0);
	return errno || *end || end == v ? def : n;
}

/* One socket line; a column the file lacks leaves its field at -1 (an empty string). */
struct afc_proc_sock {
	char type[16];			/* "STREAM", "SEQPACKET", "DGRAM" */
	char state[16];			/* "LISTEN", "ESTABLISHED", "BOUND", ... */
	int ifindex;			/* bound interface, 0 for any */
	int pifindex;			/* the interface reaching the peer, 0: none */
	long long lport, pport;
	int has_peer;			/* peer parsed as a MAC */
	unsigned char peer[AF_CUSTOM_ADDR_LEN];
	long long tx_queue, rx_queue, backlog, drops, uid, inode, retrans, acceptq;
};

/* The current line as a socket.  Returns 0, or -1 when it lacks type, state or inode. */
static inline int afc_proc_sock(const struct afc_proc *p, struct afc_proc_sock *s)
{
	const char *type = afc_proc_get(p, "type"), *state = afc_proc_get(p, "state");
	const char *peer = afc_proc_get(p, "peer");

	memset(s, 0, sizeof(*s));
	snprintf(s->type, sizeof(s->type), "%s", type ? type : "");
	snprintf(s->state, sizeof(s->state), "%s", state ? state : "");
	s->ifindex = (int)afc_proc_num(p, "ifindex", -1);
	s->pifindex = (int)afc_proc_num(p, "pifindex", -1);
	s->lport = afc_proc_num(p, "lport", -1);
	s->pport = afc_proc_num(p, "pport", -1);
	s->has_peer = peer && afc_mac_parse(peer, s->peer) == 0;
	s->tx_queue = afc_proc_num(p, "tx_queue", -1);
	s->rx_queue = afc_proc_num(p, "rx_queue", -1);
	s->backlog = afc_proc_num(p, "backlog", -1);
	s->drops = afc_proc_num(p, "drops", -1);
	s->uid = afc_proc_num(p, "uid", -1);
	s->inode = afc_proc_num(p, "inode", -1);
	s->retrans = afc_proc_num(p, "retrans", -1);
	s->acceptq = afc_proc_num(p, "acceptq", -1);
	return type && state && s->inode >= 0 ? 0 : -1;
}

/*
 * Finds the socket with inode ino in the socket list at path (AFC_PROC_SOCKETS).  Returns 1
 * (s filled in), 0 when it is not listed, -1 when the file cannot be read.
 */
static inline int afc_proc_find_inode(const char *path, unsigned long long ino,
				      struct afc_proc_sock *s)
{
	struct afc_proc p;
	struct afc_proc_sock cur;
	int found = 0, r;

	if (afc_proc_open(&p, path))
		return -1;
	while ((r = afc_proc_next(&p)) != 0)
		if (r > 0 && !afc_proc_sock(&p, &cur) && cur.inode == (long long)ino) {
			*s = cur;
			found = 1;
		}
	afc_proc_close(&p);
	return found;
}

/* Counter name of the counters file at path (AFC_PROC_STAT); -1 when it has no such line. */
static inline long long afc_stat_find(const char *path, const char *name)
{
	char key[64];
	long long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

#endif
