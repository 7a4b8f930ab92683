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
struct sk_buff;
struct net;
struct net_device;
struct msghdr;
struct seq_file;

/* The core's per-socket and per-namespace objects: opaque to the shims. */
struct afc_sock;
struct afc_net;

/* errno values the core returns (negated, as the kernel does). */
#define AFC_ERRNO_LIST(X)		\
	X(EPERM, 1)			\
	X(EINTR, 4)			\
	X(ENXIO, 6)			\
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
	X(ENOBUFS, 105)			\
	X(ENOTCONN, 107)		\
	X(ENOPROTOOPT, 92)		\
	X(ECONNABORTED, 103)		\
	X(ECONNRESET, 104)		\
	X(EISCONN, 106)			\
	X(ETIMEDOUT, 110)		\
	X(ECONNREFUSED, 111)		\
	X(EALREADY, 114)		\
	X(EINPROGRESS, 115)		\
	X(ERESTARTSYS, 512)		\
	X(ENOIOCTLCMD, 515)

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
	X(NPROTO, 46)			\
	X(MSG_OOB, 0x1)			\
	X(MSG_PEEK, 0x2)		\
	X(MSG_TRUNC, 0x20)		\
	X(MSG_DONTWAIT, 0x40)		\
	X(MSG_EOR, 0x80)		\
	X(MSG_WAITALL, 0x100)		\
	X(MSG_ERRQUEUE, 0x2000)		\
	X(EPOLLIN, 0x1)			\
	X(EPOLLOUT, 0x4)		\
	X(EPOLLERR, 0x8)		\
	X(EPOLLHUP, 0x10)		\
	X(EPOLLRDNORM, 0x40)		\
	X(EPOLLWRNORM, 0x100)		\
	X(EPOLLWRBAND, 0x200)		\
	X(EPOLLRDHUP, 0x2000)		\
	X(RCV_SHUTDOWN, 1)		\
	X(SEND_SHUTDOWN, 2)		\
	X(SHUTDOWN_MASK, 3)		\
	X(SIOCINQ, 0x541B)		\
	X(SIOCOUTQ, 0x5411)		\
	X(NETDEV_DOWN, 2)		\
	X(NETDEV_UNREGISTER, 6)		\
	X(PACKET_HOST, 0)		\
	X(PACKET_BROADCAST, 1)		\
	X(PACKET_MULTICAST, 2)		\
	X(PACKET_OTHERHOST, 3)		\
	X(NET_RX_SUCCESS, 0)		\
	X(NET_RX_DROP, 1)		\
	X(ETH_ALEN, 6)			\
	X(ARPHRD_ETHER, 1)		\
	X(AF_CUSTOM_PROT_SOCK, 1024)	\
	X(SOL_CUSTOM, 290)		\
	X(AF_CUSTOM_SYNCNT, 1)		\
	X(AF_CUSTOM_USER_TIMEOUT, 2)	\
	X(AF_CUSTOM_MAXSEG, 3)		\
	X(SKB_GSO_GRE, 1 << 6)		\
	X(SKB_GSO_GRE_CSUM, 1 << 7)	\
	X(SKB_GSO_UDP_TUNNEL, 1 << 10)	\
	X(SKB_GSO_UDP_TUNNEL_CSUM, 1 << 11)	\
	X(SKB_GSO_SCTP, 1 << 14)


/*
 * struct sockaddr_custom (include/uapi/linux/af_custom.h), as byte offsets: the core reads and
 * writes user addresses through these; abi_check.c proves them against the UAPI struct.
 */
#define AFC_SCU_LEN		16
#define AFC_SCU_FAMILY		0	/* __kernel_sa_family_t, host order */
#define AFC_SCU_PORT		2	/* __be16 */
#define AFC_SCU_IFINDEX		4	/* __s32, host order */
#define AFC_SCU_ADDR		8	/* __u8[6] */
#define AFC_SCU_ZERO		14	/* __u8[2], must be zero */

/* Size of sk_buff::cb, where the core keeps a received frame's source address. */
#define AFC_SKB_CB_SIZE		48

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

void *afk_alloc(afc_size_t size, enum afc_gfp gfp);	/* kvmalloc in process context */
void afk_free(const void *ptr);
void afk_cond_resched(void);
unsigned int afk_random_u32(void);
/*
 * RFC 1071 Internet checksum of @len bytes (big-endian words, an odd last byte padded with
 * zero), as a host-order value: the kernel's ip_compute_csum, which sums 8 bytes a step.
 */
unsigned short afk_csum(const void *buf, afc_size_t len);

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
/* WARN(): an invariant broke but the core recovers (see AFC_WARN_ON_ONCE). */
void afk_warn(const char *file, int line);

/* Family registration (sock_register / proto_register). */
int afk_proto_register(void);
void afk_proto_unregister(void);
int afk_family_register(int family);
void afk_family_unregister(void);

/* Per-namespace state, netdevice notifier, packet_type, /proc (module/shim/net.c). */
int afk_pernet_register(void);
void afk_pernet_unregister(void);
int afk_netdev_notifier_register(void);
void afk_netdev_notifier_unregister(void);
void afk_packet_type_add(unsigned int ethertype);
void afk_packet_type_remove(void);
/* The packet_offload of our EtherType, whose gso_segment cuts super-frames (offload.c);
 * removing it waits until no gso_segment call is in flight (dev_remove_offload). */
void afk_offload_add(unsigned int ethertype);
void afk_offload_remove(void);
struct afc_net *afk_net_core(const struct net *net);
void afk_net_lock(const struct net *net);		/* the namespace's socket table lock */
void afk_net_unlock(const struct net *net);
void afk_rcu_read_lock(void);
void afk_rcu_read_unlock(void);
void afk_seq_printf(struct seq_file *m, const char *fmt, ...)
	__attribute__((__format__(__printf__, 2, 3)));

/* struct sock fields and callbacks (module/shim/socket.c). */
struct afc_sock *afk_sk_core(const struct sock *sk);
struct net *afk_sk_net(const struct sock *sk);
int afk_sk_sndbuf(const struct sock *sk);
int afk_sk_rcvbuf(const struct sock *sk);
int afk_sk_reuse(const struct sock *sk);		/* SO_REUSEADDR */
int afk_sk_bound_dev_if(const struct sock *sk);	/* SO_BINDTODEVICE, 0 when none */
long afk_sk_linger(const struct sock *sk);	/* SO_LINGER in jiffies; -1 when off */
int afk_sk_rcvlowat(const struct sock *sk);	/* SO_RCVLOWAT */
void afk_sk_drops_inc(struct sock *sk);		/* sk_drops: this socket's drops */
unsigned int afk_sk_drops(const struct sock *sk);
/* sk_filter(): the LSM hook and the socket filter; 0 to keep @skb, -errno to drop it. */
int afk_sk_filter(struct sock *sk, struct sk_buff *skb);
long afk_sk_rcvtimeo(const struct sock *sk, int noblock);
long afk_sk_sndtimeo(const struct sock *sk, int noblock);
int afk_sk_err_take(struct sock *sk);		/* sock_error(): -err once, then 0 */
int afk_sk_err_pending(const struct sock *sk);
void afk_sk_err_report(struct sock *sk, int err);	/* sk_err = err; sk_error_report() */
void afk_sk_data_ready(struct sock *sk);
void afk_sk_write_space(struct sock *sk);
void afk_sk_state_change(struct sock *sk);
void afk_sk_set_nospace(struct sock *sk);
int afk_sk_capable_bind(const struct sock *sk);	/* CAP_NET_BIND_SERVICE in its netns */
unsigned int afk_sk_uid(struct seq_file *m, struct sock *sk);
unsigned long afk_sk_ino(struct sock *sk);
/*
 * Wait on the socket's wait queue until @cond(@s) holds, a signal arrives or @timeo jiffies pass;
 * returns the jiffies left.  afk_signal_pending / afk_sock_intr_errno tell why it stopped.
 */
long afk_sk_wait(struct sock *sk, long timeo, int (*cond)(struct afc_sock *s, unsigned long arg),
		 struct afc_sock *s, unsigned long arg);
int afk_signal_pending(void);
int afk_sock_intr_errno(long timeo);

/* Socket ownership (the seeds' sk->inuse) and its back_log, on sk_lock.slock (socket.c). */
void afk_owner_lock(struct sock *sk);		/* spin_lock_bh(slock) */
void afk_owner_unlock(struct sock *sk);
void afk_owner_wait(struct sock *sk);		/* sleep until woken; slock dropped meanwhile */
void afk_owner_wake(struct sock *sk);
void afk_owner_acquired(struct sock *sk);	/* lockdep annotations of ownership */
void afk_owner_released(struct sock *sk);
void afk_backlog_push(struct sock *sk, struct sk_buff *skb);	/* slock held */
/* The whole back_log as a NULL-terminated chain, leaving it empty (slock held). */
struct sk_buff *afk_backlog_take(struct sock *sk);
void afk_backlog_purge(struct sock *sk);
struct sk_buff *afk_skb_next(struct sk_buff *skb);	/* unchain @skb, return the next one */

/* The receive queue (sk_receive_queue, its own lock). */
void afk_rq_tail(struct sock *sk, struct sk_buff *skb);
struct sk_buff *afk_rq_dequeue(struct sock *sk);
struct sk_buff *afk_rq_peek_get(struct sock *sk);	/* the head, with a reference */
long afk_rq_head_len(struct sock *sk);		/* the head's length, -1 when empty */
int afk_rq_empty(const struct sock *sk);
void afk_rq_purge(struct sock *sk);

/* Connections (module/shim/socket.c): the sock's timer (it holds the sock while pending), the
 * clock, child socks, the accept queue's lock and the sock's segment queues. */
enum afc_queue { AFC_Q_RECEIVE, AFC_Q_WRITE, AFC_Q_OOO };
void afk_timer_arm(struct sock *sk, unsigned long delay_ms);
void afk_timer_cancel(struct sock *sk);
unsigned long long afk_now_ms(void);
struct sock *afk_sk_child(struct sock *parent, struct afc_sock *core);	/* softirq */
void afk_sk_orphan(struct sock *sk);	/* no file any more (sock_orphan) */
void afk_sk_hold(struct sock *sk);
int afk_sk_hold_live(struct sock *sk);	/* a reference unless the count is zero (RCU lookups) */
void afk_sk_put(struct sock *sk);
int afk_sk_dead(const struct sock *sk);
int afk_somaxconn(const struct sock *sk);
int afk_send_lock(struct sock *sk);		/* 0, or -EINTR on a signal */
int afk_send_trylock(struct sock *sk);		/* 0, or -EAGAIN when taken */
void afk_send_unlock(struct sock *sk);
void afk_acceptq_lock(struct sock *sk);
void afk_acceptq_unlock(struct sock *sk);
void afk_q_tail(struct sock *sk, enum afc_queue q, struct sk_buff *skb);
void afk_q_insert_before(struct sock *sk, enum afc_queue q, struct sk_buff *next,
			 struct sk_buff *skb);
struct sk_buff *afk_q_peek(struct sock *sk, enum afc_queue q);
struct sk_buff *afk_q_last(struct sock *sk, enum afc_queue q);
struct sk_buff *afk_q_next(struct sock *sk, enum afc_queue q, struct sk_buff *skb);
void afk_q_unlink(struct sock *sk, enum afc_queue q, struct sk_buff *skb);
void afk_q_purge(struct sock *sk, enum afc_queue q);
/* secure_tcp_seq's recipe: a keyed hash of the connection's ends plus a clock. */
unsigned int afk_secure_seq(unsigned int a, unsigned int b, unsigned int c);

/* sk_buffs (module/shim/skb.c). */
struct sk_buff *afk_skb_alloc(afc_size_t size, enum afc_gfp gfp);
struct sk_buff *afk_skb_clone(struct sk_buff *skb, enum afc_gfp gfp);
void afk_skb_free(struct sk_buff *skb);		/* dropped */
void afk_skb_consume(struct sk_buff *skb);		/* used */
unsigned int afk_skb_truesize(const struct sk_buff *skb);
unsigned int afk_skb_len(const struct sk_buff *skb);
unsigned char *afk_skb_data(const struct sk_buff *skb);
void afk_skb_reserve(struct sk_buff *skb, unsigned int len);
unsigned char *afk_skb_put(struct sk_buff *skb, unsigned int len);
void afk_skb_pull(struct sk_buff *skb, unsigned int len);	/* within the linear part */
/* pskb_may_pull: 0 once the first @len bytes are linear at afk_skb_data, else -ENOMEM. */
int afk_skb_may_pull(struct sk_buff *skb, unsigned int len);
int afk_skb_trim(struct sk_buff *skb, unsigned int len);	/* pskb_trim_rcsum: 0 or -ENOMEM */
/* RFC 1071 checksum of @len bytes of @skb from @offset, linear or not (as afk_csum). */
unsigned short afk_skb_csum(struct sk_buff *skb, unsigned int offset, unsigned int len);
/*
 * Leave the checksum of the frame at afk_skb_data (its field at @csum_offset, zero) to the
 * device: CHECKSUM_PARTIAL from the frame's start to its end.  The stack sums it in software
 * (skb_checksum_help, RFC 1071 as ours) for a device that cannot.  0, or -EINVAL when the
 * field is not in the linear part.
 */
int afk_skb_csum_offload(struct sk_buff *skb, unsigned int csum_offset);
/* A received buffer whose sum the local stack vouches for: CHECKSUM_PARTIAL (sent by this host,
 * over veth or loopback-like devices, not summed yet) or CHECKSUM_UNNECESSARY. */
int afk_skb_csum_trusted(const struct sk_buff *skb);
void *afk_skb_cb(struct sk_buff *skb);
struct net *afk_skb_net(const struct sk_buff *skb);
int afk_skb_pkt_type(const struct sk_buff *skb);
void afk_skb_src_mac(const struct sk_buff *skb, unsigned char *mac);
/* A received frame is about to be queued: drop its dst, conntrack and device, as AF_PACKET. */
void afk_skb_rx_detach(struct sk_buff *skb);
void afk_skb_tx_mark(struct sk_buff *skb, const struct sock *sk);	/* SO_PRIORITY, SO_MARK */
int afk_skb_cow_head(struct sk_buff *skb, unsigned int headroom);
/* A queued segment's copy to transmit: a clone, or a copy while an earlier clone is in flight
 * (as tcp_transmit_skb), so the header can be pushed in front of it. */
struct sk_buff *afk_skb_tx_copy(struct sk_buff *skb);
unsigned char *afk_skb_push(struct sk_buff *skb, unsigned int len);
void afk_skb_header_release(struct sk_buff *skb);	/* clones may push headers */
/*
 * Mark @skb, our frame at afk_skb_data, as a GSO super-frame of @segs segments of @gso_size
 * payload bytes: gso_type SKB_GSO_SCTP (module/core/gso.cc says why).  The fields live in the
 * data's shared info: a clone's call sets them for the original too, as TCP's transmit does.
 */
void afk_skb_gso_set(struct sk_buff *skb, unsigned int gso_size, unsigned int segs);
int afk_skb_copy_to_msg_at(const struct sk_buff *skb, unsigned int offset, struct msghdr *msg,
			   afc_size_t len);
/* Charge to a socket: the destructor calls afc_sock_wfree / afc_sock_rfree. */
void afk_skb_own_w(struct sk_buff *skb, struct sock *sk);	/* holds the sock until freed */
void afk_skb_own_r(struct sk_buff *skb, struct sock *sk);
int afk_skb_copy_from_msg(struct sk_buff *skb, unsigned int offset, struct msghdr *msg,
			  afc_size_t len);
/*
 * Append up to @len bytes of @msg to @skb's page fragments, taken from the sock's page_frag as
 * tcp_sendmsg does (no linear copy: small writes share a page, a 64 KiB one takes a few).
 * Returns the bytes appended (fewer when the fragment slots run out), -ENOBUFS when no page
 * could be had, -EFAULT.  @skb's truesize grows by the bytes appended: the caller charges them.
 */
long afk_skb_append_from_msg(struct sk_buff *skb, struct sock *sk, struct msghdr *msg,
			     afc_size_t len);
/*
 * Move all of @from's payload, page fragments only, to the end of @to's (a fragment that goes on
 * where @to's last one ends extends it); neither may be cloned.  Their truesize moves with them.
 * 0, or -EMSGSIZE when they do not fit @to's fragment slots (nothing moved).
 */
int afk_skb_coalesce(struct sk_buff *to, struct sk_buff *from);
int afk_skb_copy_to_msg(const struct sk_buff *skb, struct msghdr *msg, afc_size_t len);
void afk_skb_recv_cmsgs(struct msghdr *msg, struct sock *sk, struct sk_buff *skb);	/* timestamps */

/* What the core needs to know of a device, read in one go. */
struct afc_link {
	int ifindex;
	unsigned short type;		/* ARPHRD_* */
	unsigned char addr_len;
	unsigned char has_header;	/* header_ops->create exists */
	unsigned char running;
	unsigned int mtu;
	unsigned int headroom;		/* LL_RESERVED_SPACE */
	unsigned int tailroom;
	unsigned char mac[6];		/* the first ETH_ALEN bytes of dev_addr */
	unsigned char gso;		/* NETIF_F_GSO or NETIF_F_GSO_SCTP: takes GSO frames */
	unsigned int gso_max_size;	/* a GSO frame, link header included, is shorter */
	unsigned int gso_max_segs;
};

/* Devices (module/shim/netdev.c).  afk_dev_get holds a reference; afk_dev_put drops it. */
struct net_device *afk_dev_get(struct net *net, int ifindex);
void afk_dev_put(struct net_device *dev);
int afk_dev_link(struct net *net, int ifindex, struct afc_link *l);	/* 0 or -ENODEV */
void afk_dev_link_of(const struct net_device *dev, struct afc_link *l);
void afk_skb_link(const struct sk_buff *skb, struct afc_link *l);	/* skb->dev's */
int afk_dev_hard_header(struct sk_buff *skb, struct net_device *dev, unsigned int ethertype,
			const unsigned char *dst);
int afk_dev_xmit(struct sk_buff *skb);		/* dev_queue_xmit: 0 or -errno */

/* ---------------------------------------------------------------------------------------------
 * afc_*: the core, for the shims
 * ------------------------------------------------------------------------------------------- */

/* Module load and unload (module/core/family.cc).  The steps of module init, in order; the
 * fault_init_step= parameter makes step N fail (tests of every unwind path). */
#define AFC_INIT_STEP_LIST(X)		\
	X(PROTO, "proto_register")	\
	X(PERNET, "pernet")		\
	X(NOTIFIER, "netdev_notifier")	\
	X(OFFLOAD, "gso_offload")	\
	X(FAMILY, "sock_register")
int afc_module_init(int family, unsigned int ethertype, int fault_step);
void afc_module_exit(void);
int afc_family(void);
unsigned int afc_ethertype(void);

/* Socket objects (module/core/socket.cc). */
int afc_sock_check(int type, int protocol);
struct afc_sock *afc_sock_new(int type, enum afc_gfp gfp);
void afc_sock_attach(struct afc_sock *s, struct sock *sk);
void afc_sock_release(struct afc_sock *s);
void afc_sock_free(struct afc_sock *s);
int afc_sock_type(const struct afc_sock *s);
long afc_sock_live(void);

/* The socket calls (module/core/datagram.cc).  Addresses are struct sockaddr_custom bytes. */
int afc_bind(struct afc_sock *s, const void *addr, int addrlen);
int afc_connect(struct afc_sock *s, const void *addr, int addrlen);
int afc_getname(struct afc_sock *s, void *addr, int peer);
long afc_sendmsg(struct afc_sock *s, struct msghdr *msg, afc_size_t len, int flags,
		 const void *addr, int addrlen);
long afc_recvmsg(struct afc_sock *s, struct msghdr *msg, afc_size_t len, int flags,
		 int *msg_flags, void *addr, int *addrlen);
unsigned int afc_poll(struct afc_sock *s);
int afc_shutdown(struct afc_sock *s, int how);
int afc_ioctl(struct afc_sock *s, unsigned int cmd, long *value);
/* SO_BINDTODEVICE / SO_BINDTOIFINDEX changed the sock's bound device (proto.rehash). */
void afc_rehash(struct afc_sock *s);
/* Options of levels other than SOL_SOCKET (which the kernel's sock_setsockopt serves). */
int afc_setsockopt(struct afc_sock *s, int level, int optname, int value);
int afc_getsockopt(struct afc_sock *s, int level, int optname, int *value);

/* Connected sockets, SOCK_STREAM and SOCK_SEQPACKET (module/core/stream.cc). */
int afc_conn_connect(struct afc_sock *s, const void *addr, int addrlen, int nonblock);
int afc_conn_listen(struct afc_sock *s, int backlog);
/* An established child for accept: *@child carries the reference the accept queue held. */
int afc_conn_accept(struct afc_sock *s, int nonblock, struct sock **child);
long afc_conn_sendmsg(struct afc_sock *s, struct msghdr *msg, afc_size_t len, int flags);
long afc_conn_recvmsg(struct afc_sock *s, struct msghdr *msg, afc_size_t len, int flags,
		      int *msg_flags);
unsigned int afc_conn_poll(struct afc_sock *s);
int afc_conn_shutdown(struct afc_sock *s, int how);
int afc_conn_ioctl(struct afc_sock *s, unsigned int cmd, long *value);
void afc_conn_timer(struct afc_sock *s);		/* the sock's timer fired (softirq) */
const char *afc_conn_state_name(const struct afc_sock *s);
/* A connection's numbers, for /proc and the KUnit suites. */
struct afc_conn_info {
	int state;			/* the index of the name afc_conn_state_name gives */
	unsigned int iss, snd_una, snd_nxt, write_seq, snd_right;
	unsigned int irs, rcv_nxt, rcv_adv;
	unsigned int srtt, rttvar, rto, backoff, retries;
	unsigned long retrans;
	int children, backlog;		/* listeners */
	unsigned int mss;
	unsigned int gso_max;		/* payload bytes of a super-segment (mss: none) */
};
void afc_conn_info(const struct afc_sock *s, struct afc_conn_info *info);
/* KUnit drives time by hand: while set, the core's clock reads @ms instead of jiffies. */
void afc_clock_fake(int on, unsigned long long ms);

/* Accounting (module/core/accounting.cc): the seeds' sock_wmalloc family. */
struct sk_buff *afc_sock_wmalloc(struct afc_sock *s, afc_size_t size, int force,
				 enum afc_gfp gfp);
struct sk_buff *afc_sock_rmalloc(struct afc_sock *s, afc_size_t size, int force,
				 enum afc_gfp gfp);
void afc_sock_wfree(struct afc_sock *s, unsigned int truesize);	/* skb destructors */
void afc_sock_rfree(struct afc_sock *s, unsigned int truesize);
long afc_sock_rspace(const struct afc_sock *s);
long afc_sock_wspace(const struct afc_sock *s);
int afc_sock_wmem(const struct afc_sock *s);
int afc_sock_rmem(const struct afc_sock *s);
struct sk_buff *afc_sock_alloc_send_skb(struct afc_sock *s, afc_size_t size, int noblock,
					int *err);
int afc_sock_queue_rcv_skb(struct afc_sock *s, struct sk_buff *skb);

/* Ownership and the back_log (module/core/backlog.cc). */
void afc_lock_sock(struct afc_sock *s);
void afc_release_sock(struct afc_sock *s);
int afc_backlog_len(const struct afc_sock *s);	/* frames waiting */
long afc_backlog_bytes(const struct afc_sock *s);	/* their truesize */
struct sk_buff *afc_skb_recv_datagram(struct afc_sock *s, int flags, int *err);

/* Receive (module/core/rx.cc): a frame of our EtherType, data at our header. */
int afc_rx(struct sk_buff *skb);

/* Namespaces (module/core/netns.cc). */
struct afc_net *afc_net_new(struct net *net);
void afc_net_free(struct afc_net *n);
void afc_netdev_event(struct net *net, int ifindex, unsigned long event);
/*
 * /proc/net/af_custom, walked a bucket at a time by the shim's seq_file under the namespace
 * lock; the cursor resumes where the last read stopped.  afc_proc_seek returns the socket at
 * position @pos (0-based) or NULL; afc_proc_next the one after @v.
 */
struct afc_proc_cursor {
	unsigned int bucket;	/* where the socket at @pos is */
	unsigned int offset;
	long pos;
};
void afc_proc_header(struct seq_file *m);
void *afc_proc_seek(struct net *net, struct afc_proc_cursor *c, long pos);
void *afc_proc_next(struct net *net, struct afc_proc_cursor *c, void *v);
int afc_proc_done(const struct afc_proc_cursor *c);	/* past the last bucket */
void afc_proc_show(struct seq_file *m, void *v, long pos);
void afc_proc_stat(struct net *net, struct seq_file *m);
unsigned long afc_net_stat(struct net *net, int stat);
void afc_net_set_ephemeral(struct net *net, unsigned int lo, unsigned int hi);

#include "wire_format.h"

/*
 * afc_wire_build: write @h's header in front of the @h->len payload bytes already at
 * @frame + AFC_WIRE_HLEN (linear), version and checksum included.
 * afc_wire_parse: validate the @len bytes at @frame (version, type, flags, length, checksum, in
 * that order) and fill @h; returns AFC_DROP_NONE or the reason to drop.
 */
void afc_wire_build(const struct afc_wire_hdr *h, void *frame);
/* afc_wire_put: the same header with a zero checksum field, for the caller to fill. */
void afc_wire_put(const struct afc_wire_hdr *h, void *frame);
enum afc_drop afc_wire_parse(const void *frame, afc_size_t len, struct afc_wire_hdr *h);
/*
 * afc_wire_check: afc_wire_parse without the checksum, for a frame whose payload need not be
 * linear: the AFC_WIRE_HLEN header bytes at @hdr are checked against the frame's length @len
 * (version, type, flags, length) and fill @h; the caller verifies the sum over the frame.
 */
enum afc_drop afc_wire_check(const void *hdr, afc_size_t len, struct afc_wire_hdr *h);
unsigned short afc_wire_csum(const void *buf, afc_size_t len);
const char *afc_drop_name(enum afc_drop reason);

/*
 * GSO super-frames (module/core/gso.cc), for the gso_segment of module/shim/offload.c.
 * afc_gso_check: may the frame at @hdr (@len bytes from our header, the header linear; gso_size
 * and gso_type of its shared info) be cut into segments?  0, or -EINVAL counted as a
 * bad_gso drop in @net (when not NULL).
 * afc_gso_fix: the header at @hdr of segment @index (@len payload bytes, @last or not) of such a
 * frame, a copy of the super-frame's: its seq, len and flags; the checksum field zero.
 */
int afc_gso_check(struct net *net, const void *hdr, unsigned int len, unsigned int gso_size,
		  unsigned int gso_type);
void afc_gso_fix(void *hdr, unsigned int index, unsigned int gso_size, unsigned int len,
		 int last);

/* Fault injection for KUnit (module/core/new.cc): the next @count allocations fail. */
void afc_fail_allocs(unsigned int count);

#ifdef __cplusplus
}
#endif

#endif /* AF_CUSTOM_BOUNDARY_H */
