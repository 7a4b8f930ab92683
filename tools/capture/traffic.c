// SPDX-License-Identifier: GPL-2.0
/*
 * traffic: af_custom traffic of every socket type, and malformed frames, captured with afc_pcap
 * for the dissector test (scripts/vm/capture.sh in the VM, scripts/host/dissector_test.sh on the
 * host, which decodes the capture with tools/wireshark/af_custom.lua).
 *
 *   traffic AFC_PCAP FILE
 *
 * Two new network namespaces joined by a veth pair (client veth0, server veth1); AFC_PCAP
 * captures on veth1 into FILE while the client and the server exchange datagrams, open, use and
 * close a STREAM and a SEQPACKET connection, try a refused connection, and while malformed frames
 * are sent to the server from an AF_PACKET socket.  Prints KTAP: one case per exchange, one per
 * malformed frame (the module must count it under the drop reason it was made for), and one for
 * the capture.  Each malformed frame leaves with its own source MAC and a line
 *   # inject NAME MAC DROP
 * so that the host test can find it in the capture and compare the dissector's verdict with
 * DROP, the module's (NAME itself when the module drops it for no fault of the frame's format).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "../lib/afc.h"
#include "../lib/proc.h"
#include "../lib/wire.h"

#define IP "/usr/sbin/ip"

/* Ports of the exchanges, one pair per exchange so the host test can tell them apart. */
#define DGRAM_CLIENT	7000
#define DGRAM_SERVER	7001
#define STREAM_CLIENT	7100
#define STREAM_SERVER	7101
#define REFUSED_CLIENT	7102
#define REFUSED_SERVER	7103
#define SEQPKT_CLIENT	7200
#define SEQPKT_SERVER	7201
#define NOBODY_PORT	7900	/* no socket: where the well-formed injected frames go */

/* The SEQPACKET exchange's long record: longer than a segment on a 1500-byte link (several
 * segments, or one GSO super-frame over veth). */
#define LONG_RECORD	3000

#define SA(p) ((struct sockaddr *)(p))

struct link {
	int ns;
	const char *name;
	int ifindex;
	unsigned char mac[ETH_ALEN];
};

static struct link cli = { .name = "veth0" }, srv = { .name = "veth1" };
static int cases, failures;

#define CHECK(cond)								\
	do {									\
		if (!(cond)) {							\
			printf("# %s:%d: %s failed (errno %d: %s)\n", __FILE__,	\
			       __LINE__, #cond, errno, strerror(errno));	\
			return false;						\
		}								\
	} while (0)

static void result(const char *name, bool ok)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++cases, name);
	failures += !ok;
	fflush(stdout);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static bool enter(int ns)
{
	CHECK(setns(ns, CLONE_NEWNET) == 0);
	return true;
}

/* A new network namespace, held by a file descriptor only: it goes when we exit. */
static int ns_new(void)
{
	int fd;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	/* No IPv6 autoconfiguration chatter on the links (the capture skips it anyway). */
	int s = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);
	if (s >= 0) {
		if (write(s, "1", 1) != 1)
			printf("# disable_ipv6: %s\n", strerror(errno));
		close(s);
	}
	return fd;
}

/* Runs argv in namespace ns, standard output to stdout's diagnostics; its exit status. */
static int run_in(int ns, char *const argv[])
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(STDOUT_FILENO, STDERR_FILENO);
		if (setns(ns, CLONE_NEWNET) == 0)
			execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool link_up(struct link *l)
{
	struct ifreq ifr = { 0 };
	int fd;

	CHECK(enter(l->ns));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", l->name);
	CHECK(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	CHECK(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	CHECK(ioctl(fd, SIOCGIFINDEX, &ifr) == 0);
	l->ifindex = ifr.ifr_ifindex;
	CHECK(ioctl(fd, SIOCGIFHWADDR, &ifr) == 0);
	memcpy(l->mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return true;
}

/* A raw packet socket on l that sends whole frames and receives those of EtherType proto. */
static int packet_socket(const struct link *l, unsigned short proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = l->ifindex,
	};
	int fd;

	if (!enter(l->ns))
		return -1;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, SA(&sll), sizeof(sll))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Until a link's qdisc is attached (asynchronously, after it comes up) frames are dropped:
 * wait until a probe crosses from `from` to `to`.  The probes carry the Ethernet loopback
 * EtherType, which neither af_custom nor the capture sees.
 */
static bool link_ready(const struct link *from, const struct link *to)
{
	unsigned char frame[ETH_ZLEN] = { 0 };
	struct ethhdr *eth = (struct ethhdr *)frame;
	int tx = packet_socket(from, 0), rx = packet_socket(to, ETH_P_LOOPBACK);
	struct pollfd p = { .fd = rx, .events = POLLIN };
	long long deadline = now_ms() + 10000;

	CHECK(tx >= 0 && rx >= 0);
	memcpy(eth->h_dest, to->mac, ETH_ALEN);
	memcpy(eth->h_source, from->mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_LOOPBACK);
	do {
		if (send(tx, frame, sizeof(frame), 0) < 0 && errno != ENOBUFS)
			CHECK(!"send a probe");
		if (poll(&p, 1, 20) == 1)
			break;
	} while (now_ms() < deadline);
	CHECK(p.revents & POLLIN);
	close(tx);
	close(rx);
	return true;
}

static bool setup(void)
{
	char peer[64];

	cli.ns = ns_new();
	srv.ns = ns_new();
	CHECK(cli.ns >= 0 && srv.ns >= 0);
	snprintf(peer, sizeof(peer), "/proc/%d/fd/%d", (int)getpid(), srv.ns);
	char *argv[] = { IP, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
			 "netns", peer, NULL };
	CHECK(run_in(cli.ns, argv) == 0);
	CHECK(link_up(&cli) && link_up(&srv));
	CHECK(link_ready(&cli, &srv) && link_ready(&srv, &cli));
	return true;
}

static struct sockaddr_custom addr(unsigned short port, int ifindex, const unsigned char *mac)
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

/* A socket of type in l's namespace bound to port on l, with 10 s timeouts. */
static int bound(const struct link *l, int type, unsigned short port)
{
	struct timeval tv = { .tv_sec = 10 };
	struct sockaddr_custom a = addr(port, l->ifindex, NULL);
	int fd;

	if (!enter(l->ns))
		return -1;
	fd = socket(afc_family(), type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, SA(&a), sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Receives exactly the len bytes of want on fd (a datagram or record: in one read). */
static bool recv_is(int fd, const void *want, size_t len, bool one_read)
{
	static unsigned char buf[LONG_RECORD + 64];
	size_t got = 0;

	do {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - got, 0);

		CHECK(n > 0);
		got += n;
	} while (!one_read && got < len);
	CHECK(got == len && !memcmp(buf, want, len));
	return true;
}

static bool dgram_exchange(void)
{
	static const char ask[] = "dgram hello", answer[] = "dgram reply";
	int c = bound(&cli, SOCK_DGRAM, DGRAM_CLIENT), s = bound(&srv, SOCK_DGRAM, DGRAM_SERVER);
	struct sockaddr_custom to_srv = addr(DGRAM_SERVER, cli.ifindex, srv.mac);
	struct sockaddr_custom to_cli = addr(DGRAM_CLIENT, srv.ifindex, cli.mac);

	CHECK(c >= 0 && s >= 0);
	CHECK(sendto(c, ask, strlen(ask), 0, SA(&to_srv), sizeof(to_srv)) == (ssize_t)strlen(ask));
	CHECK(recv_is(s, ask, strlen(ask), true));
	CHECK(sendto(s, answer, strlen(answer), 0, SA(&to_cli), sizeof(to_cli)) ==
	      (ssize_t)strlen(answer));
	CHECK(recv_is(c, answer, strlen(answer), true));
	close(c);
	close(s);
	return true;
}

/*
 * One connection of type from cport to sport: the client sends ask (as one write), the server
 * answers, then the client closes first and the server after reading its end of file.
 */
static bool connection(int type, unsigned short cport, unsigned short sport,
		       const void *ask, size_t asklen, const void *more, size_t morelen,
		       const char *answer)
{
	int l = bound(&srv, type, sport), c = bound(&cli, type, cport), a;
	struct sockaddr_custom to = addr(sport, cli.ifindex, srv.mac);
	bool records = type == SOCK_SEQPACKET;
	char eof;

	CHECK(l >= 0 && c >= 0);
	CHECK(listen(l, 1) == 0);
	CHECK(connect(c, SA(&to), sizeof(to)) == 0);
	a = accept(l, NULL, NULL);
	CHECK(a >= 0);
	CHECK(send(c, ask, asklen, 0) == (ssize_t)asklen);
	CHECK(recv_is(a, ask, asklen, records));
	if (more) {
		CHECK(send(c, more, morelen, 0) == (ssize_t)morelen);
		CHECK(recv_is(a, more, morelen, records));
	}
	CHECK(send(a, answer, strlen(answer), 0) == (ssize_t)strlen(answer));
	CHECK(recv_is(c, answer, strlen(answer), records));
	close(c);
	CHECK(recv(a, &eof, 1, 0) == 0);
	close(a);
	close(l);
	usleep(300000);		/* the last acknowledgement, on its way */
	return true;
}

static bool stream_connection(void)
{
	static const char ask[] = "stream request";

	return connection(SOCK_STREAM, STREAM_CLIENT, STREAM_SERVER, ask, strlen(ask), NULL, 0,
			  "stream reply");
}

static bool seqpacket_connection(void)
{
	static const char ask[] = "record one";
	static unsigned char record[LONG_RECORD];

	for (size_t i = 0; i < sizeof(record); i++)
		record[i] = 'a' + i % 26;
	return connection(SOCK_SEQPACKET, SEQPKT_CLIENT, SEQPKT_SERVER, ask, strlen(ask), record,
			  sizeof(record), "record reply");
}

static bool refused_connection(void)
{
	int c = bound(&cli, SOCK_STREAM, REFUSED_CLIENT);
	struct sockaddr_custom to = addr(REFUSED_SERVER, cli.ifindex, srv.mac);

	CHECK(c >= 0);
	CHECK(connect(c, SA(&to), sizeof(to)) == -1 && errno == ECONNREFUSED);
	close(c);
	return true;
}

/* Counter `name` of the server's namespace; -1 when there is none. */
static long long stat_of(const char *name)
{
	return enter(srv.ns) ? afc_stat_find(AFC_PROC_STAT, name) : -1;
}

/* A malformed frame: how it is made from a good one, and why the module must drop it. */
struct bad_frame {
	const char *name;
	enum afc_drop drop;
	/* Changes the frame of *len bytes (header and payload) in place; may change *len. */
	void (*spoil)(unsigned char *h, size_t *len);
};

static void reseal(unsigned char *h, size_t len)
{
	afcw_put16(h + AFC_WIRE_OFF_CSUM, 0);
	afcw_put16(h + AFC_WIRE_OFF_CSUM, afcw_csum(h, len));
}

static void cut_header(unsigned char *h, size_t *len)
{
	(void)h;
	*len = AFC_WIRE_OFF_CSUM;		/* up to the length field */
}

static void old_version(unsigned char *h, size_t *len)
{
	h[AFC_WIRE_OFF_VERSION] = AFC_WIRE_VERSION - 1;
	reseal(h, *len);
}

static void unknown_type(unsigned char *h, size_t *len)
{
	h[AFC_WIRE_OFF_TYPE] = 0x7f;
	reseal(h, *len);
}

static void undefined_flag(unsigned char *h, size_t *len)
{
	h[AFC_WIRE_OFF_TYPE] = AFC_WIRE_STREAM;
	h[AFC_WIRE_OFF_FLAGS] = AFC_WIRE_ACK | 0x80;
	reseal(h, *len);
}

static void dgram_syn(unsigned char *h, size_t *len)
{
	h[AFC_WIRE_OFF_FLAGS] = AFC_WIRE_SYN;
	reseal(h, *len);
}

static void reserved_set(unsigned char *h, size_t *len)
{
	h[AFC_WIRE_OFF_RESERVED] = 1;
	reseal(h, *len);
}

static void length_too_long(unsigned char *h, size_t *len)
{
	afcw_put16(h + AFC_WIRE_OFF_LEN, *len - AFC_WIRE_HLEN + 10);
	reseal(h, *len);
}

static void length_too_short(unsigned char *h, size_t *len)
{
	/* Past Ethernet's minimum nothing may follow the payload. */
	afcw_put16(h + AFC_WIRE_OFF_LEN, 4);
	reseal(h, AFC_WIRE_HLEN + 4);
	(void)len;
}

static void bad_checksum(unsigned char *h, size_t *len)
{
	(void)len;
	h[AFC_WIRE_OFF_CSUM + 1] ^= 0x01;
}

static void padded(unsigned char *h, size_t *len)
{
	/* Well-formed, with zero padding up to Ethernet's minimum: the module accepts it. */
	afcw_put16(h + AFC_WIRE_OFF_LEN, 3);
	memset(h + AFC_WIRE_HLEN + 3, 0, AFC_ETH_MIN_PAYLOAD - AFC_WIRE_HLEN - 3);
	reseal(h, AFC_WIRE_HLEN + 3);
	*len = AFC_ETH_MIN_PAYLOAD;
}

static void syn_fin(unsigned char *h, size_t *len)
{
	/* Well-formed, but a combination af_custom never sends: no listener, so a reset. */
	h[AFC_WIRE_OFF_TYPE] = AFC_WIRE_STREAM;
	h[AFC_WIRE_OFF_FLAGS] = AFC_WIRE_SYN | AFC_WIRE_FIN;
	afcw_put16(h + AFC_WIRE_OFF_LEN, 0);
	*len = AFC_WIRE_HLEN;
	reseal(h, *len);
}

static const struct bad_frame bad_frames[] = {
	{ "short_header", AFC_DROP_SHORT, cut_header },
	{ "old_version", AFC_DROP_VERSION, old_version },
	{ "unknown_type", AFC_DROP_TYPE, unknown_type },
	{ "undefined_flag", AFC_DROP_FLAGS, undefined_flag },
	{ "flags_on_dgram", AFC_DROP_FLAGS, dgram_syn },
	{ "reserved_nonzero", AFC_DROP_FLAGS, reserved_set },
	{ "length_past_frame", AFC_DROP_LENGTH, length_too_long },
	{ "length_short_of_frame", AFC_DROP_LENGTH, length_too_short },
	{ "bad_checksum", AFC_DROP_CHECKSUM, bad_checksum },
	{ "padded_dgram", AFC_DROP_NOSOCK, padded },
	{ "syn_fin", AFC_DROP_NOSOCK, syn_fin },
};

static const char *drop_name(enum afc_drop d)
{
	switch (d) {
#define AFC_DROP_CASE(name, text) case AFC_DROP_##name: return text;
	AFC_DROP_LIST(AFC_DROP_CASE)
#undef AFC_DROP_CASE
	default:
		return "none";
	}
}

/*
 * Sends bad frame i to the server, from source MAC 02:00:00:00:af:<i>, and waits until the
 * module counts it as dropped for its reason.
 */
static bool inject(int tx, unsigned int i)
{
	const struct bad_frame *b = &bad_frames[i];
	unsigned char frame[ETH_HLEN + 128];
	struct ethhdr *eth = (struct ethhdr *)frame;
	unsigned char *h = frame + ETH_HLEN;
	struct afc_wire_hdr w = {
		.version = AFC_WIRE_VERSION,
		.type = AFC_WIRE_DGRAM,
		.sport = NOBODY_PORT + 1 + i,
		.dport = NOBODY_PORT,
	};
	static const char payload[] = "malformed frame, forty bytes of payload!";
	char counter[64];
	long long before, deadline;
	size_t len;

	memcpy(eth->h_dest, srv.mac, ETH_ALEN);
	memcpy(eth->h_source, (unsigned char[ETH_ALEN]){ 0x02, 0, 0, 0, 0xaf, i }, ETH_ALEN);
	eth->h_proto = htons(afc_param("ethertype") > 0 ? afc_param("ethertype") :
			     AF_CUSTOM_ETHERTYPE);
	w.len = sizeof(payload) - 1;
	len = afcw_build(h, &w, payload, w.len);
	b->spoil(h, &len);

	snprintf(counter, sizeof(counter), "drop_%s", drop_name(b->drop));
	before = stat_of(counter);
	CHECK(before >= 0);
	printf("# inject %s %02x:%02x:%02x:%02x:%02x:%02x %s\n", b->name, eth->h_source[0],
	       eth->h_source[1], eth->h_source[2], eth->h_source[3], eth->h_source[4],
	       eth->h_source[5], drop_name(b->drop));
	CHECK(send(tx, frame, ETH_HLEN + len, 0) == (ssize_t)(ETH_HLEN + len));
	deadline = now_ms() + 5000;
	while (stat_of(counter) == before && now_ms() < deadline)
		usleep(2000);
	CHECK(stat_of(counter) == before + 1);
	return true;
}

/* Starts afc_pcap on the server's link; returns its pid once it captures (its stderr: *err). */
static pid_t start_capture(const char *prog, const char *file, FILE **err)
{
	char line[256];
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		if (setns(srv.ns, CLONE_NEWNET) == 0)
			execl(prog, prog, srv.name, file, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	*err = fdopen(p[0], "r");
	if (pid < 0 || !*err)
		return -1;
	while (fgets(line, sizeof(line), *err)) {
		printf("# %s", line);
		if (strstr(line, "capturing on"))
			return pid;
	}
	return -1;
}

int main(int argc, char **argv)
{
	const unsigned int nbad = sizeof(bad_frames) / sizeof(bad_frames[0]);
	FILE *err = NULL;
	char line[256];
	pid_t pcap = -1;
	int status = -1, tx;
	bool ok;

	if (argc != 3) {
		fprintf(stderr, "usage: traffic AFC_PCAP FILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%u\n", 6 + nbad);

	ok = setup();
	if (ok) {
		pcap = start_capture(argv[1], argv[2], &err);
		ok = pcap > 0;
	}
	result("namespaces_veth_and_capture_start", ok);
	result("dgram_exchange", ok && dgram_exchange());
	result("stream_connection", ok && stream_connection());
	result("seqpacket_connection", ok && seqpacket_connection());
	result("stream_connection_refused", ok && refused_connection());

	tx = ok ? packet_socket(&cli, 0) : -1;
	for (unsigned int i = 0; i < nbad; i++) {
		char name[64];

		snprintf(name, sizeof(name), "injected_%s_dropped_as_%s", bad_frames[i].name,
			 drop_name(bad_frames[i].drop));
		result(name, tx >= 0 && inject(tx, i));
	}
	usleep(200000);		/* the reset to syn_fin */

	if (pcap > 0) {
		kill(pcap, SIGTERM);
		while (fgets(line, sizeof(line), err))
			printf("# %s", line);
		waitpid(pcap, &status, 0);
	}
	result("capture_written", pcap > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return failures ? 1 : 0;
}
