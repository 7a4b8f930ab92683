// SPDX-License-Identifier: GPL-2.0
/*
 * afc stat: ss for af_custom.  Reads /proc/net/af_custom by the names in its header line
 * (tools/lib/proc.h), so columns it does not know are carried along (JSON "extra") and columns
 * in another order are found where they are; /proc/net/af_custom_stat is "name value" lines,
 * printed in the file's order whatever the names.
 *
 * Hidden options for tests: --proc FILE and --proc-stat FILE read those files instead (and do
 * not need the module).
 */
#include <getopt.h>
#include <stdbool.h>
#include <ctype.h>
#include "afc.h"
#include "../lib/proc.h"

#define PROC_SOCKETS	"/proc/net/af_custom"
#define PROC_STAT	"/proc/net/af_custom_stat"

/* Columns afc understands; any other goes to JSON's "extra". */
static const char *const known_cols[] = {
	"sl", "type", "state", "ifindex", "lport", "peer", "pport", "tx_queue", "rx_queue",
	"backlog", "drops", "uid", "inode", "retrans", "acceptq", "pifindex",
};

#define ADDR_LEN	64

struct row {
	struct afc_proc_sock s;
	char type[16];			/* lower case */
	long long recvq, sendq;
	int lif, pif;			/* local and peer interface (0: any / none) */
	bool connected;			/* has a peer */
	bool has_lmac;
	unsigned char lmac[AF_CUSTOM_ADDR_LEN];
	char local[ADDR_LEN], peer[ADDR_LEN];
	char *extra;			/* JSON members of unknown columns, or NULL */
};

static struct {
	bool listening, all, json, numeric, summary;
	unsigned int types;		/* bit per SOCK_* type; 0: all */
	const char *proc, *proc_stat;
} opt;

/* ---- JSON ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A number, or null for a column the file lacks (-1). */
static void json_num(FILE *f, long long v)
{
	if (v < 0)
		fputs("null", f);
	else
		fprintf(f, "%lld", v);
}

/* A value from the file: a JSON number when it is a plain decimal, else a string. */
static void json_val(FILE *f, const char *v)
{
	const char *p = v;

	while (isdigit((unsigned char)*p))
		p++;
	if (*v && !*p && (v[0] != '0' || !v[1]))
		fputs(v, f);
	else
		json_str(f, v);
}

/* ---- the socket list ---- */

static bool known(const char *col)
{
	for (size_t i = 0; i < sizeof(known_cols) / sizeof(known_cols[0]); i++)
		if (!strcmp(col, known_cols[i]))
			return true;
	return false;
}

static int type_of(const char *proc_type)
{
	char lower[16];
	size_t i;

	for (i = 0; proc_type[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)proc_type[i]);
	lower[i] = 0;
	return afc_type_parse(lower);
}

/* Sockets that wait for peers: listeners and bound datagram sockets (as ss -l shows UDP). */
static bool is_listening(const struct row *r)
{
	return !strcmp(r->s.state, "LISTEN") || !strcmp(r->s.state, "BOUND");
}

static bool wanted_type(const struct row *r)
{
	int type = type_of(r->s.type);

	return !opt.types || (type >= 0 && (opt.types & 1u << type));
}

static bool wanted(const struct row *r)
{
	if (!wanted_type(r))
		return false;
	if (opt.all)
		return true;
	if (opt.listening)
		return is_listening(r);
	return r->connected && !is_listening(r);
}

static char *extra_members(const struct afc_proc *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool first = true;

	if (!f)
		return NULL;
	for (int i = 0; i < p->ncols && i < p->nvals; i++) {
		if (known(p->cols[i]))
			continue;
		fputs(first ? "" : ", ", f);
		json_str(f, p->cols[i]);
		fputs(": ", f);
		json_val(f, p->vals[i]);
		first = false;
	}
	fclose(f);
	if (first) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void row_fill(struct row *r, const struct afc_proc *p)
{
	size_t i;

	for (i = 0; r->s.type[i] && i < sizeof(r->type) - 1; i++)
		r->type[i] = (char)tolower((unsigned char)r->s.type[i]);
	r->type[i] = 0;
	/* As ss: a listener's Recv-Q is its accept queue. */
	r->recvq = !strcmp(r->s.state, "LISTEN") && r->s.acceptq >= 0 ? r->s.acceptq
								       : r->s.rx_queue;
	r->sendq = r->s.tx_queue;
	r->connected = r->s.pport > 0;
	/* A connection on a socket bound to any interface runs over the peer's. */
	r->pif = r->s.pifindex > 0 ? r->s.pifindex : (r->s.ifindex > 0 ? r->s.ifindex : 0);
	r->lif = r->s.ifindex > 0 ? r->s.ifindex : (r->connected ? r->pif : 0);
	r->has_lmac = r->lif > 0 && afc_if_mac(r->lif, r->lmac) == 0;
	afc_addr_format(r->local, sizeof(r->local), r->lif, r->has_lmac ? r->lmac : NULL,
			r->s.lport > 0 ? (unsigned short)r->s.lport : 0, opt.numeric);
	if (r->connected && r->s.has_peer)
		afc_addr_format(r->peer, sizeof(r->peer), r->pif, r->s.peer,
				(unsigned short)r->s.pport, opt.numeric);
	else
		strcpy(r->peer, "*:*");
	r->extra = opt.json ? extra_members(p) : NULL;
}

static int type_rank(const char *type)
{
	int t = afc_type_parse(type);

	return t == SOCK_STREAM ? 0 : t == SOCK_SEQPACKET ? 1 : t == SOCK_DGRAM ? 2 : 3;
}

/* Types in stream, seqpacket, dgram order; listeners first; then by port. */
static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int d = type_rank(x->type) - type_rank(y->type);

	if (d)
		return d;
	d = is_listening(y) - is_listening(x);
	if (d)
		return d;
	if (x->s.lport != y->s.lport)
		return x->s.lport < y->s.lport ? -1 : 1;
	if (x->s.pport != y->s.pport)
		return x->s.pport < y->s.pport ? -1 : 1;
	return x->s.inode < y->s.inode ? -1 : x->s.inode > y->s.inode;
}

/* Reads every socket line of the file; returns their number, or -1 (message printed). */
static int read_rows(const char *path, struct row **rows)
{
	struct afc_proc p;
	int n = 0, cap = 0, r;

	*rows = NULL;
	if (afc_proc_open(&p, path) < 0)
		return afc_perror("%s", path), -1;
	if (afc_proc_col(&p, "type") < 0 || afc_proc_col(&p, "state") < 0) {
		afc_proc_close(&p);
		return afc_error("%s: no type and state columns in its header", path), -1;
	}
	while ((r = afc_proc_next(&p)) != 0) {
		struct row *row;

		if (r < 0) {
			afc_error("%s: line %d has %d fields, the header %d; skipped", path,
				  p.lineno, p.nvals, p.ncols);
			continue;
		}
		if (n == cap) {
			struct row *more;

			cap = cap * 2 + 16;
			more = realloc(*rows, sizeof(**rows) * (size_t)cap);

			if (!more) {
				afc_proc_close(&p);
				return afc_perror("memory"), -1;
			}
			*rows = more;
		}
		row = &(*rows)[n];
		memset(row, 0, sizeof(*row));
		if (afc_proc_sock(&p, &row->s) < 0) {
			afc_error("%s: line %d lacks type, state or inode; skipped", path,
				  p.lineno);
			continue;
		}
		row_fill(row, &p);
		n++;
	}
	afc_proc_close(&p);
	qsort(*rows, (size_t)n, sizeof(**rows), row_cmp);
	return n;
}

static void print_table(const struct row *rows, int n)
{
	static const char *const head[] = { "Type", "State", "Recv-Q", "Send-Q", "Local", "Peer",
					    "Retrans", "UID", "Inode" };
	enum { NCOL = sizeof(head) / sizeof(head[0]) };
	/* Numbers to the right. */
	static const bool right[NCOL] = { 0, 0, 1, 1, 0, 0, 1, 1, 1 };
	int w[NCOL];
	char cell[NCOL][ADDR_LEN];

	for (int c = 0; c < NCOL; c++)
		w[c] = (int)strlen(head[c]);
	/* Two passes: the widths, then the lines. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass) {
			for (int c = 0; c < NCOL; c++)
				printf("%s%*s", c ? "  " : "", right[c] ? w[c] : -w[c], head[c]);
			putchar('\n');
		}
		for (int i = 0; i < n; i++) {
			const struct row *r = &rows[i];

			if (!wanted(r))
				continue;
			snprintf(cell[0], ADDR_LEN, "%s", r->type);
			snprintf(cell[1], ADDR_LEN, "%s", r->s.state);
			snprintf(cell[2], ADDR_LEN, "%lld", r->recvq);
			snprintf(cell[3], ADDR_LEN, "%lld", r->sendq);
			snprintf(cell[4], ADDR_LEN, "%s", r->local);
			snprintf(cell[5], ADDR_LEN, "%s", r->peer);
			snprintf(cell[6], ADDR_LEN, "%lld", r->s.retrans);
			snprintf(cell[7], ADDR_LEN, "%lld", r->s.uid);
			snprintf(cell[8], ADDR_LEN, "%lld", r->s.inode);
			for (int c = 0; c < NCOL; c++) {
				if (!strcmp(cell[c], "-1"))	/* a column the file lacks */
					strcpy(cell[c], "-");
				if (!pass && (int)strlen(cell[c]) > w[c])
					w[c] = (int)strlen(cell[c]);
				if (pass)
					printf("%s%*s", c ? "  " : "",
					       c == NCOL - 1 && !right[c] ? 0
					       : right[c] ? w[c] : -w[c], cell[c]);
			}
			if (pass)
				putchar('\n');
		}
	}
}

static void json_end(FILE *f, const char *key, int ifindex, const unsigned char *mac,
		     long long port)
{
	char name[IF_NAMESIZE], m[AFC_MAC_STRLEN];

	fprintf(f, "\"%s\": {\"iface\": ", key);
	if (ifindex > 0 && afc_ifname(ifindex, name))
		json_str(f, name);
	else
		fputs("null", f);
	fprintf(f, ", \"ifindex\": %d, \"mac\": ", ifindex);
	if (mac)
		json_str(f, afc_mac_format(m, mac));
	else
		fputs("null", f);
	fputs(", \"port\": ", f);
	json_num(f, port);
	fputc('}', f);
}

static void print_json(const struct row *rows, int n)
{
	bool first = true;

	printf("{\"sockets\": [");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if (!wanted(r))
			continue;
		printf("%s\n  {\"type\": ", first ? "" : ",");
		first = false;
		json_str(stdout, r->type);
		printf(", \"state\": ");
		json_str(stdout, r->s.state);
		printf(", \"recv_q\": ");
		json_num(stdout, r->recvq);
		printf(", \"send_q\": ");
		json_num(stdout, r->sendq);
		printf(", ");
		json_end(stdout, "local", r->lif, r->has_lmac ? r->lmac : NULL, r->s.lport);
		printf(", ");
		if (r->connected && r->s.has_peer)
			json_end(stdout, "peer", r->pif, r->s.peer, r->s.pport);
		else
			printf("\"peer\": null");
		printf(", \"retrans\": ");
		json_num(stdout, r->s.retrans);
		printf(", \"uid\": ");
		json_num(stdout, r->s.uid);
		printf(", \"inode\": ");
		json_num(stdout, r->s.inode);
		printf(", \"rx_queue\": ");
		json_num(stdout, r->s.rx_queue);
		printf(", \"tx_queue\": ");
		json_num(stdout, r->s.tx_queue);
		printf(", \"backlog\": ");
		json_num(stdout, r->s.backlog);
		printf(", \"drops\": ");
		json_num(stdout, r->s.drops);
		printf(", \"acceptq\": ");
		json_num(stdout, r->s.acceptq);
		if (r->extra)
			printf(", \"extra\": {%s}", r->extra);
		putchar('}');
	}
	printf("%s]}\n", first ? "" : "\n");
}

/* ---- -s: totals and counters ---- */

#define MAX_KINDS 16

struct tally {
	char name[16];
	int total;
	int nstates;
	struct {
		char name[16];
		int n;
	} states[MAX_KINDS];
};

static int tally_rows(const struct row *rows, int n, struct tally *t)
{
	int ntypes = 0;

	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		struct tally *k = NULL;
		int j;

		if (!wanted_type(r))
			continue;
		for (j = 0; j < ntypes && strcmp(t[j].name, r->type); j++)
			;
		if (j == ntypes) {
			if (ntypes == MAX_KINDS)
				continue;
			memset(&t[ntypes], 0, sizeof(t[0]));
			snprintf(t[ntypes].name, sizeof(t[0].name), "%s", r->type);
			ntypes++;
		}
		k = &t[j];
		k->total++;
		for (j = 0; j < k->nstates && strcmp(k->states[j].name, r->s.state); j++)
			;
		if (j == k->nstates) {
			if (k->nstates == MAX_KINDS)
				continue;
			snprintf(k->states[j].name, sizeof(k->states[j].name), "%s", r->s.state);
			k->nstates++;
		}
		k->states[j].n++;
	}
	return ntypes;
}

static int print_summary(const struct row *rows, int n)
{
	const char *path = opt.proc_stat ? opt.proc_stat : PROC_STAT;
	struct tally t[MAX_KINDS];
	int ntypes = tally_rows(rows, n, t), total = 0, nc = 0;
	char line[256], name[128], value[128];
	FILE *f = fopen(path, "r");

	if (!f)
		return afc_perror("%s", path);
	for (int i = 0; i < ntypes; i++)
		total += t[i].total;
	if (opt.json) {
		printf("{\"totals\": {\"total\": %d, \"types\": {", total);
		for (int i = 0; i < ntypes; i++) {
			printf("%s", i ? ", " : "");
			json_str(stdout, t[i].name);
			printf(": {\"total\": %d, \"states\": {", t[i].total);
			for (int j = 0; j < t[i].nstates; j++) {
				printf("%s", j ? ", " : "");
				json_str(stdout, t[i].states[j].name);
				printf(": %d", t[i].states[j].n);
			}
			printf("}}");
		}
		printf("}},\n \"counters\": {");
	} else {
		printf("Total: %d\n", total);
		for (int i = 0; i < ntypes; i++) {
			printf("%-10s %d (", t[i].name, t[i].total);
			for (int j = 0; j < t[i].nstates; j++)
				printf("%s%s %d", j ? ", " : "", t[i].states[j].name,
				       t[i].states[j].n);
			printf(")\n");
		}
		printf("\nCounters:\n");
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %127s", name, value) != 2)
			continue;
		if (opt.json) {
			printf("%s\n  ", nc ? "," : "");
			json_str(stdout, name);
			printf(": ");
			json_val(stdout, value);
		} else {
			printf("  %-26s %12s\n", name, value);
		}
		nc++;
	}
	fclose(f);
	if (opt.json)
		printf("%s}}\n", nc ? "\n " : "");
	return 0;
}

int cmd_stat(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "proc", required_argument, NULL, 'P' },
		{ "proc-stat", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path;
	struct row *rows;
	int c, n, rc = 0;

	while ((c = getopt_long(argc, argv, "latqdsjn", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			opt.listening = true;
			break;
		case 'a':
			opt.all = true;
			break;
		case 't':
			opt.types |= 1u << SOCK_STREAM;
			break;
		case 'q':
			opt.types |= 1u << SOCK_SEQPACKET;
			break;
		case 'd':
			opt.types |= 1u << SOCK_DGRAM;
			break;
		case 's':
			opt.summary = true;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'n':
			opt.numeric = true;
			break;
		case 'P':
			opt.proc = optarg;
			break;
		case 'S':
			opt.proc_stat = optarg;
			break;
		default:
			return afc_usage();
		}
	}
	if (optind != argc || (opt.listening && opt.all))
		return afc_usage();
	if (!opt.proc && !opt.proc_stat && afc_need_module())
		return AFC_EXIT_ERROR;
	path = opt.proc ? opt.proc : PROC_SOCKETS;
	rows = NULL;
	n = 0;
	/* -s on a counters file alone (tests) reads no socket list. */
	if (!(opt.summary && opt.proc_stat && !opt.proc)) {
		n = read_rows(path, &rows);
		if (n < 0)
			return AFC_EXIT_ERROR;
	}
	if (opt.summary)
		rc = print_summary(rows, n);
	else if (opt.json)
		print_json(rows, n);
	else
		print_table(rows, n);
	for (int i = 0; i < n; i++)
		free(rows[i].extra);
	free(rows);
	if (fflush(stdout) == EOF)
		return afc_perror("write");
	return rc;
}
