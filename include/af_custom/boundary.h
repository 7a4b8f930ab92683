/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C/C++ boundary of af_custom.
 *
 * Plain C, included by the C shims (module/shim/) and by the C++ core (module/core/).  It includes
 * no header at all, so the core never sees a kernel header.  Two directions:
 *
 *   afc_*  implemented by the C++ core, called by the shims (and by the KUnit suites);
 *   afk_*  implemented by the C shims, one kernel API each, called by the core.
 *
 * Names stay short: modpost rejects long symbols.  Kernel constants the core needs are listed here
 * once, as X-macros; module/shim/abi_check.c proves at compile time that each equals the kernel's.
 */
#ifndef AF_CUSTOM_BOUNDARY_H
#define AF_CUSTOM_BOUNDARY_H

#ifdef __cplusplus
extern "C" {
#endif

typedef __SIZE_TYPE__ afc_size_t;

/* Kernel objects: opaque to the core, which only passes them back to afk_* calls. */
struct sock;
struct socket;

/* The core's per-socket object: opaque to the shims. */
struct afc_sock;

/* errno values the core returns (negated, as the kernel does). */
#define AFC_ERRNO_LIST(X)		\
	X(EPERM, 1)			\
	X(EINTR, 4)			\
	X(EAGAIN, 11)			\
	X(ENOMEM, 12)			\
	X(EACCES, 13)			\
	X(EFAULT, 14)			\
	X(EBUSY, 16)			\
	X(EEXIST, 17)			\
	X(ENODEV, 19)			\
	X(EINVAL, 22)			\
	X(EPIPE, 32)			\
	X(EDESTADDRREQ, 89)		\
	X(EMSGSIZE, 90)			\
	X(EPROTONOSUPPORT, 93)		\
	X(ESOCKTNOSUPPORT, 94)		\
	X(EOPNOTSUPP, 95)		\
	X(EAFNOSUPPORT, 97)		\
	X(EADDRINUSE, 98)		\
	X(ENETDOWN, 100)		\
	X(ENOTCONN, 107)

/* Socket types (enum sock_type in <linux/net.h>). */
#define AFC_SOCK_TYPE_LIST(X)		\
	X(SOCK_STREAM, 1)		\
	X(SOCK_DGRAM, 2)		\
	X(SOCK_RAW, 3)			\
	X(SOCK_RDM, 4)			\
	X(SOCK_SEQPACKET, 5)		\
	X(SOCK_PACKET, 10)

/* Other kernel constants. */
#define AFC_CONST_LIST(X)		\
	X(AF_UNSPEC, 0)			\
	X(NPROTO, 46)

#define AFC_MIRROR(name, value) AFC_##name = (value),
enum afc_errno { AFC_ERRNO_LIST(AFC_MIRROR) };
enum afc_sock_type { AFC_SOCK_TYPE_LIST(AFC_MIRROR) };
enum afc_const { AFC_CONST_LIST(AFC_MIRROR) };
#undef AFC_MIRROR

/* ---------------------------------------------------------------------------------------------
 * afk_*: kernel services for the core (module/shim/kernel.c, module/shim/socket.c)
 * ------------------------------------------------------------------------------------------- */

/* Allocation context: every allocation names it (GFP_KERNEL vs GFP_ATOMIC). */
enum afc_gfp {
	AFC_GFP_PROCESS = 0,	/* process context, may sleep */
	AFC_GFP_ATOMIC = 1,	/* softirq, timers, under spinlocks */
};

void *afk_alloc(afc_size_t size, enum afc_gfp gfp);
void afk_free(const void *ptr);

enum afc_log_level {
	AFC_LOG_ERR,
	AFC_LOG_WARN,
	AFC_LOG_INFO,
};
void afk_log(enum afc_log_level level, const char *fmt, ...)
	__attribute__((__format__(__printf__, 2, 3)));

/*
 * BUG(): an invariant of the core is broken.  Not declared noreturn: objtool only knows the
 * kernel's own noreturn functions, so callers end the path with a trap (see AFC_BUG_ON).
 */
void afk_bug(const char *file, int line);

/* Family registration (sock_register / proto_register). */
int afk_proto_register(void);
void afk_proto_unregister(void);
int afk_family_register(int family);
void afk_family_unregister(void);

/* ---------------------------------------------------------------------------------------------
 * afc_*: the core, for the shims
 * ------------------------------------------------------------------------------------------- */

/* Module load and unload (module/core/family.cc). */
int afc_module_init(int family, unsigned int ethertype);
void afc_module_exit(void);
int afc_family(void);
unsigned int afc_ethertype(void);

/* Socket objects (module/core/socket.cc). */
int afc_sock_check(int type, int protocol);
struct afc_sock *afc_sock_new(int type);
void afc_sock_attach(struct afc_sock *s, struct sock *sk);
void afc_sock_release(struct afc_sock *s);
void afc_sock_free(struct afc_sock *s);
int afc_sock_type(const struct afc_sock *s);
long afc_sock_live(void);

/* Wire format (module/core/wire.cc; layout in Documentation/wire-format.rst). */
#define AFC_WIRE_VERSION	1
#define AFC_WIRE_HLEN		20
/* Shortest Ethernet payload: shorter frames arrive zero-padded to this length. */
#define AFC_ETH_MIN_PAYLOAD	46

/* Frame types. */
#define AFC_WIRE_TYPE_LIST(X)	\
	X(DGRAM, 1)

/* Why a received frame was dropped: counted per reason, named in /proc. */
#define AFC_DROP_LIST(X)			\
	X(SHORT, "short")			\
	X(VERSION, "bad_version")		\
	X(TYPE, "bad_type")			\
	X(LENGTH, "bad_length")			\
	X(CHECKSUM, "bad_checksum")

#define AFC_WIRE_TYPE_ENUM(name, value) AFC_WIRE_##name = (value),
enum afc_wire_type { AFC_WIRE_TYPE_LIST(AFC_WIRE_TYPE_ENUM) };
#undef AFC_WIRE_TYPE_ENUM

#define AFC_DROP_ENUM(name, text) AFC_DROP_##name,
enum afc_drop { AFC_DROP_NONE = 0, AFC_DROP_LIST(AFC_DROP_ENUM) AFC_DROP_MAX };
#undef AFC_DROP_ENUM

/* A header in host byte order; the wire carries it big-endian. */
struct afc_wire_hdr {
	unsigned char version;
	unsigned char type;
	unsigned short sport;
	unsigned short dport;
	unsigned short len;		/* payload bytes after the header */
	unsigned int seq;
	unsigned int ack;
	unsigned short window;
};

/*
 * afc_wire_build: write @h's header in front of the @h->len payload bytes already at
 * @frame + AFC_WIRE_HLEN, version and checksum included.
 * afc_wire_parse: validate the @len bytes at @frame (version, type, length, checksum, in that
 * order) and fill @h; returns AFC_DROP_NONE or the reason to drop.
 */
void afc_wire_build(const struct afc_wire_hdr *h, void *frame);
enum afc_drop afc_wire_parse(const void *frame, afc_size_t len, struct afc_wire_hdr *h);
unsigned short afc_wire_csum(const void *buf, afc_size_t len);
const char *afc_drop_name(enum afc_drop reason);

/* Fault injection for KUnit (module/core/new.cc): the next @count allocations fail. */
void afc_fail_allocs(unsigned int count);

#ifdef __cplusplus
}
#endif

#endif /* AF_CUSTOM_BOUNDARY_H */
