/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names and addresses of af_custom for user programs (afc, selftests, benchmarks): socket type
 * names, MAC strings, ports, interface names and indexes, struct sockaddr_custom.  One parser
 * for all of them, so that every tool accepts and prints the same spellings.
 *
 * Interfaces are looked up with ioctls on a socket of the calling thread's network namespace
 * (not /sys/class/net, which shows the namespace sysfs was mounted in).
 */
#ifndef AFC_USER_ADDR_H
#define AFC_USER_ADDR_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "afc.h"

#define AFC_MAC_STRLEN	18	/* "xx:xx:xx:xx:xx:xx" and its NUL */

static const struct afc_type_name {
	const char *name;
	int type;
} afc_type_names[] = {
	{ "stream", SOCK_STREAM },
	{ "seqpacket", SOCK_SEQPACKET },
	{ "dgram", SOCK_DGRAM },
	/* Types the family refuses, named so that `afc socket` can show the refusal. */
	{ "raw", SOCK_RAW },
	{ "rdm", SOCK_RDM },
};

/* SOCK_* of a type name ("stream", "seqpacket", "dgram", "raw", "rdm"); -1 for others. */
static inline int afc_type_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(afc_type_names) / sizeof(afc_type_names[0]); i++)
		if (!strcmp(s, afc_type_names[i].name))
			return afc_type_names[i].type;
	return -1;
}

/* The name of SOCK_* type, or NULL. */
static inline const char *afc_type_name(int type)
{
	for (size_t i = 0; i < sizeof(afc_type_names) / sizeof(afc_type_names[0]); i++)
		if (afc_type_names[i].type == type)
			return afc_type_names[i].name;
	return NULL;
}

/*
 * A MAC address: six hex bytes of one or two digits separated by ':' (or '-'), or "broadcast"
 * for ff:ff:ff:ff:ff:ff.  Returns 0, or -1 when s is not one.
 */
static inline int afc_mac_parse(const char *s, unsigned char *mac)
{
	if (!strcmp(s, "broadcast")) {
		memset(mac, 0xff, AF_CUSTOM_ADDR_LEN);
		return 0;
	}
	for (int i = 0; i < AF_CUSTOM_ADDR_LEN; i++) {
		unsigned int v = 0;
		int digits = 0;

		if (i && *s != ':' && *s != '-')
			return -1;
		if (i)
			s++;
		for (; digits < 2; digits++, s++) {
			if (*s >= '0' && *s <= '9')
				v = v << 4 | (unsigned int)(*s - '0');
			else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
				v = v << 4 | (unsigned int)((*s | 0x20) - 'a' + 10);
			else
				break;
		}
		if (!digits)
			return -1;
		mac[i] = (unsigned char)v;
	}
	return *s ? -1 : 0;
}

/* "xx:xx:xx:xx:xx:xx" into buf (AFC_MAC_STRLEN bytes); returns buf. */
static inline char *afc_mac_format(char *buf, const unsigned char *mac)
{
	snprintf(buf, AFC_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return buf;
}

static inline int afc_mac_is_broadcast(const unsigned char *mac)
{
	for (int i = 0; i < AF_CUSTOM_ADDR_LEN; i++)
		if (mac[i] != 0xff)
			return 0;
	return 1;
}

/* A port number 0..65535 in decimal, nothing else.  Returns 0, or -1. */
static inline int afc_port_parse(const char *s, unsigned short *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

/* A socket for interface ioctls in this namespace (any family that reaches dev_ioctl). */
static inline int afc_if_socket(void)
{
	return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/*
 * The ifindex of an interface name (or of a number naming an existing interface); 0 for "any"
 * or "*"; -1 when there is no such interface.
 */
static inline int afc_ifindex_parse(const char *name)
{
	char buf[IF_NAMESIZE], *end;
	unsigned long n;
	unsigned int i;

	if (!strcmp(name, "any") || !strcmp(name, "*"))
		return 0;
	i = if_nametoindex(name);
	if (i)
		return (int)i;
	n = strtoul(name, &end, 10);
	if (*name && !*end && n > 0 && n < 0x7fffffff && if_indextoname((unsigned int)n, buf))
		return (int)n;
	return -1;
}

/* The name of interface ifindex into buf (IF_NAMESIZE bytes); NULL when there is none. */
static inline char *afc_ifname(int ifindex, char *buf)
{
	if (ifindex <= 0)
		return NULL;
	return if_indextoname((unsigned int)ifindex, buf);
}

/* The hardware address of interface ifindex.  Returns 0, or -1 (errno set). */
static inline int afc_if_mac(int ifindex, unsigned char *mac)
{
	struct ifreq ifr = { 0 };
	int fd, ret, err;

	if (!afc_ifname(ifindex, ifr.ifr_name))
		return -1;
	fd = afc_if_socket();
	if (fd < 0)
		return -1;
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr);
	err = errno;
	close(fd);
	errno = err;
	if (ret < 0)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, AF_CUSTOM_ADDR_LEN);
	return 0;
}

/* A struct sockaddr_custom of the loaded module's family; mac may be NULL (zeros). */
static inline struct sockaddr_custom afc_scu(int ifindex, const unsigned char *mac,
					     unsigned short port)
{
	struct sockaddr_custom a = {
		.scu_family = (__kernel_sa_family_t)afc_family(),
		.scu_port = htons(port),
		.scu_ifindex = ifindex,
	};

	if (mac)
		memcpy(a.scu_addr, mac, AF_CUSTOM_ADDR_LEN);
	return a;
}

/*
 * An address as afc prints it, after ss: "[MAC]%IFACE:PORT".  ifindex 0 prints "*" for the
 * interface (and the MAC, unknown then); port 0 prints "*"; mac NULL leaves the MAC out.
 * Returns buf (len bytes).
 */
static inline char *afc_addr_format(char *buf, size_t len, int ifindex, const unsigned char *mac,
				    unsigned short port, int numeric)
{
	char name[IF_NAMESIZE], m[AFC_MAC_STRLEN], p[8];
	const char *ifn = "*";

	if (ifindex > 0 && (numeric || !afc_ifname(ifindex, name)))
		snprintf(name, sizeof(name), "%d", ifindex);
	if (ifindex > 0)
		ifn = name;
	if (port)
		snprintf(p, sizeof(p), "%u", port);
	else
		strcpy(p, "*");
	if (mac)
		snprintf(buf, len, "[%s]%%%s:%s", afc_mac_format(m, mac), ifn, p);
	else
		snprintf(buf, len, "%s:%s", ifn, p);
	return buf;
}

#endif
