/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * af_custom: a socket address family that talks over Ethernet with its own EtherType.
 *
 * This is the user-visible contract.  The family number is a module parameter: programs should
 * read /sys/module/af_custom/parameters/family when it exists and fall back to AF_CUSTOM.
 */
#ifndef _UAPI_LINUX_AF_CUSTOM_H
#define _UAPI_LINUX_AF_CUSTOM_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * Default family number: 19 was AF_ECONET, whose implementation left the kernel in 3.5.
 * No in-tree 6.1 protocol registers it.
 */
#define AF_CUSTOM		19
#define PF_CUSTOM		AF_CUSTOM

/* setsockopt()/getsockopt() level for af_custom's own options. */
#define SOL_CUSTOM		290

/* SOL_CUSTOM options of SOCK_STREAM and SOCK_SEQPACKET sockets (int values). */
#define AF_CUSTOM_SYNCNT	1	/* connection request retries (TCP_SYNCNT), 1..127 */
#define AF_CUSTOM_USER_TIMEOUT	2	/* ms unacknowledged data may wait before ETIMEDOUT
					   (TCP_USER_TIMEOUT); 0 = the retry limit */
#define AF_CUSTOM_MAXSEG	3	/* read-only: payload bytes per frame of the connection */

/* Default EtherType: IEEE 802 local experimental EtherType 1. */
#define AF_CUSTOM_ETHERTYPE	0x88B5

/* Ports below this one need CAP_NET_BIND_SERVICE. */
#define AF_CUSTOM_PROT_SOCK	1024

#define AF_CUSTOM_ADDR_LEN	6

struct sockaddr_custom {
	__kernel_sa_family_t	scu_family;	/* AF_CUSTOM */
	__be16			scu_port;	/* network byte order; 0 = pick one / any */
	__s32			scu_ifindex;	/* 0 = any interface (bind) */
	__u8			scu_addr[AF_CUSTOM_ADDR_LEN]; /* peer MAC (connect/sendto) or self */
	__u8			scu_zero[2];	/* must be zero */
};

#endif /* _UAPI_LINUX_AF_CUSTOM_H */
