// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that the constants mirrored in the boundary header (for the C++ core, which
 * sees no kernel header) equal the kernel's own, and that the UAPI address fits a sockaddr.
 * This file generates no code.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/termios.h>
#include <linux/sockios.h>
#include <linux/socket.h>
#include <net/sock.h>
#include <linux/af_custom.h>
#include <af_custom/boundary.h>

#define AFC_CHECK(name, value) \
	static_assert((int)AFC_##name == (int)(name) && (value) == (int)(name), \
		      #name " mirror is stale");
AFC_ERRNO_LIST(AFC_CHECK)
AFC_SOCK_TYPE_LIST(AFC_CHECK)
AFC_CONST_LIST(AFC_CHECK)

static_assert(sizeof(struct sockaddr_custom) == 16, "sockaddr_custom layout is UAPI");
static_assert(sizeof(struct sockaddr_custom) == AFC_SCU_LEN, "AFC_SCU_LEN is stale");
static_assert(offsetof(struct sockaddr_custom, scu_family) == AFC_SCU_FAMILY, "AFC_SCU_FAMILY");
static_assert(offsetof(struct sockaddr_custom, scu_port) == AFC_SCU_PORT, "AFC_SCU_PORT");
static_assert(offsetof(struct sockaddr_custom, scu_ifindex) == AFC_SCU_IFINDEX, "AFC_SCU_IFINDEX");
static_assert(offsetof(struct sockaddr_custom, scu_addr) == AFC_SCU_ADDR, "AFC_SCU_ADDR");
static_assert(offsetof(struct sockaddr_custom, scu_zero) == AFC_SCU_ZERO, "AFC_SCU_ZERO");
static_assert(sizeof(((struct sk_buff *)0)->cb) == AFC_SKB_CB_SIZE, "AFC_SKB_CB_SIZE is stale");
static_assert(sizeof(struct sockaddr_custom) <= sizeof(struct sockaddr), "must fit a sockaddr");
static_assert(SOL_CUSTOM == AFC_SOL_CUSTOM, "SOL_CUSTOM mirror is stale");
static_assert(sizeof(((struct afc_link *)0)->mac) == ETH_ALEN, "afc_link.mac");
static_assert(AF_CUSTOM > AF_UNSPEC && AF_CUSTOM < NPROTO, "default family out of range");
