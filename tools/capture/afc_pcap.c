// SPDX-License-Identifier: GPL-2.0
/*
 * afc_pcap: write the af_custom frames an interface sends and receives to a pcap file
 * (LINKTYPE_ETHERNET), for Wireshark or tshark with tools/wireshark/af_custom.lua.  A small
 * stand-in for tcpdump where there is none (the test VM): an AF_PACKET socket on one interface,
 * a classic BPF filter for the EtherType, kernel receive timestamps.
 *
 *   afc_pcap [-e ETHERTYPE] [-c COUNT] [-t SECONDS] IFACE FILE
 *
 * Stops after COUNT frames, after SECONDS seconds, or on SIGINT/SIGTERM, and then still writes
 * every frame the socket had queued.  FILE "-" is standard output.  The EtherType is -e, else the
 * loaded module's ethertype= parameter, else AF_CUSTOM_ETHERTYPE.  Once it captures it prints
 * "afc_pcap: capturing on IFACE, EtherType 0x...." to standard error (a caller may wait for
 * that line), and at the end "afc_pcap: N frames, D dropped".
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "../lib/afc.h"

#define SNAPLEN		65535
#define LINKTYPE_ETHERNET 1

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: afc_pcap [-e ETHERTYPE] [-c COUNT] [-t SECONDS] IFACE FILE\n");
	exit(2);
}

/* The classic pcap file header (host byte order; readers detect it by the magic). */
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, usec, caplen, len;
};

static int open_capture(const char *ifname, unsigned int ethertype)
{
	/* Only frames of the EtherType, whole. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(struct ethhdr, h_proto)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ethertype, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SNAPLEN),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int one = 1, rcvbuf = 4 << 20, fd;

	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "afc_pcap: %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	/*
	 * Protocol 0 until bind: no frame is queued before the filter is attached and the socket
	 * is bound to the one interface.  ETH_P_ALL (not the EtherType) so that frames the
	 * interface sends are seen too: transmit taps only reach ETH_P_ALL sockets.
	 */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "afc_pcap: packet socket on %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	/* Room for a burst while we write (SO_RCVBUFFORCE needs CAP_NET_ADMIN; best effort). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

/* Reads one frame and appends it to out; 1 when one was written, 0 when none waited, -1. */
static int capture_one(int fd, FILE *out, int flags)
{
	static unsigned char frame[SNAPLEN];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct timeval))];
	} ctl;
	struct iovec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct pcap_rec_hdr rec;
	struct timeval tv = { 0 };
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_TRUNC | flags);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP)
			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
	if (!tv.tv_sec)
		gettimeofday(&tv, NULL);
	rec.sec = tv.tv_sec;
	rec.usec = tv.tv_usec;
	rec.len = n;
	rec.caplen = (size_t)n < sizeof(frame) ? (size_t)n : sizeof(frame);
	if (fwrite(&rec, sizeof(rec), 1, out) != 1 || fwrite(frame, rec.caplen, 1, out) != 1)
		return -1;
	return 1;
}

int main(int argc, char **argv)
{
	struct pcap_file_hdr hdr = {
		.magic = 0xa1b2c3d4, .major = 2, .minor = 4,
		.snaplen = SNAPLEN, .linktype = LINKTYPE_ETHERNET,
	};
	long ethertype = afc_param("ethertype"), count = 0, seconds = 0, frames = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	struct tpacket_stats st = { 0 };
	socklen_t stlen = sizeof(st);
	struct timespec now, end = { 0 };
	FILE *out;
	int fd, opt, rc = 0;

	while ((opt = getopt(argc, argv, "e:c:t:")) != -1) {
		switch (opt) {
		case 'e': ethertype = strtol(optarg, NULL, 0); break;
		case 'c': count = strtol(optarg, NULL, 0); break;
		case 't': seconds = strtol(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (ethertype <= 0)
		ethertype = AF_CUSTOM_ETHERTYPE;
	if (ethertype < ETH_P_802_3_MIN || ethertype > 0xffff) {
		fprintf(stderr, "afc_pcap: EtherType 0x%lx is out of range\n", ethertype);
		return 2;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	out = strcmp(argv[optind + 1], "-") ? fopen(argv[optind + 1], "wb") : stdout;
	if (!out) {
		fprintf(stderr, "afc_pcap: %s: %s\n", argv[optind + 1], strerror(errno));
		return 1;
	}
	fd = open_capture(argv[optind], ethertype);
	if (fd < 0)
		return 1;
	if (fwrite(&hdr, sizeof(hdr), 1, out) != 1)
		rc = 1;
	fprintf(stderr, "afc_pcap: capturing on %s, EtherType 0x%04lx\n", argv[optind], ethertype);

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	while (!rc && !stop && (!count || frames < count)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int got;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds && (now.tv_sec > end.tv_sec ||
				(now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)))
			break;
		if (poll(&p, 1, 100) <= 0)
			continue;
		got = capture_one(fd, out, MSG_DONTWAIT);
		if (got < 0)
			rc = 1;
		frames += got > 0;
	}
	/*
	 * What was already queued when told to stop still belongs to the capture; bounded, so
	 * that traffic that keeps coming cannot keep us from stopping.
	 */
	for (int drained = 0; !rc && (!count || frames < count) && drained < 65536; drained++) {
		int got = capture_one(fd, out, MSG_DONTWAIT);

		if (got <= 0) {
			rc = got < 0;
			break;
		}
		frames++;
	}
	if (rc)
		fprintf(stderr, "afc_pcap: %s\n", strerror(errno));
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen);
	if (fflush(out) || (out != stdout && fclose(out)))
		rc = 1;
	fprintf(stderr, "afc_pcap: %ld frames, %u dropped\n", frames, st.tp_drops);
	close(fd);
	return rc;
}
