// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that the constants mirrored in the boundary header (for the C++ core, which
 * sees no kernel header) equal the kernel's own, and that the UAPI address fits a sockaddr.
 * This file generates no code.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/af_custom.h>
#include <af_custom/boundary.h>

#define AFC_CHECK(name, value) \
	static_assert((int)AFC_##name == (int)(name) && (value) == (int)(name), \
		      #name " mirror is stale");
AFC_ERRNO_LIST(AFC_CHECK)
AFC_SOCK_TYPE_LIST(AFC_CHECK)
AFC_CONST_LIST(AFC_CHECK)

static_assert(sizeof(struct sockaddr_custom) == 16, "sockaddr_custom layout is UAPI");
static_assert(sizeof(struct sockaddr_custom) <= sizeof(struct sockaddr), "must fit a sockaddr");
static_assert(AF_CUSTOM > AF_UNSPEC && AF_CUSTOM < NPROTO, "default family out of range");
