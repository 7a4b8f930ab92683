// SPDX-License-Identifier: GPL-2.0
/*
 * Binds the core's socket objects (struct afc_sock) to struct socket / struct sock: the proto_ops
 * table, the protocol and family registration, and the struct sock services the core uses.  No
 * protocol logic here: each function hands over to the core or calls one kernel API.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/filter.h>
#include <linux/sockptr.h>
#include <linux/siphash.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include <linux/af_custom.h>
#include <net/sock.h>
#include <af_custom/boundary.h>

struct afc_ksock {
	struct sock sk;			/* first: sk_alloc() allocates afc_proto.obj_size bytes */
	struct afc_sock *core;		/* owned by the core, freed from sk_destruct */
	struct sk_buff *back_log;	/* frames that arrived while a task owned the socket, */
	struct sk_buff *back_log_tail;	/* a NULL-terminated chain (slock) */
	wait_queue_head_t owner_wq;	/* tasks waiting for ownership */
	struct timer_list timer;	/* a connection's timer (holds the sock while pending) */
	struct sk_buff_head ooo;	/* a connection's out-of-order segments */
	spinlock_t acceptq_lock;	/* a listener's queue of children */
	struct mutex send_lock;		/* one sendmsg or shutdown at a time (connections) */
#ifdef CONFIG_LOCKDEP
	struct lockdep_map owner_map;	/* ownership, for lockdep */
#endif
};

static inline struct afc_ksock *afc_ksock(const struct sock *sk)
{
	return container_of(sk, struct afc_ksock, sk);
}

struct afc_sock *afk_sk_core(const struct sock *sk)
{
	return afc_ksock(sk)->core;
}

static void afc_sk_rehash(struct sock *sk)
{
	afc_rehash(afk_sk_core(sk));
}

static struct proto afc_proto = {
	.name = "AF_CUSTOM",
	.rehash = afc_sk_rehash,
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct afc_ksock),
};

/*
 * Our own lockdep classes: the family number may be one whose kernel name is unrelated.
 * Connected sockets' slocks are a class of their own: the namespace lock may be taken under
 * them (hashing), while a datagram's slock is taken under the namespace lock (fan-out).
 */
static struct lock_class_key afc_slock_key;
static struct lock_class_key afc_sk_lock_key;
static struct lock_class_key afc_conn_slock_key;
static struct lock_class_key afc_conn_sk_lock_key;
#ifdef CONFIG_LOCKDEP
static struct lock_class_key afc_owner_key;
#endif

static void afc_sk_destruct(struct sock *sk)
{
	afc_sock_free(afk_sk_core(sk));
}

static int afc_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	afc_sock_release(afk_sk_core(sk));
	afk_sk_orphan(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int afc_sock_bind(struct socket *sock, struct sockaddr *addr, int len)
{
	return afc_bind(afk_sk_core(sock->sk), addr, len);
}

static int afc_sock_connect(struct socket *sock, struct sockaddr *addr, int len, int flags)
{
	return afc_connect(afk_sk_core(sock->sk), addr, len);
}

static int afc_sock_getname(struct socket *sock, struct sockaddr *addr, int peer)
{
	return afc_getname(afk_sk_core(sock->sk), addr, peer);
}

static __poll_t afc_sock_poll(struct file *file, struct socket *sock, poll_table *wait)
{
	sock_poll_wait(file, sock, wait);
	return (__force __poll_t)afc_poll(afk_sk_core(sock->sk));
}

static int afc_sock_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	long value;
	int err = afc_ioctl(afk_sk_core(sock->sk), cmd, &value);

	return err ? err : put_user((int)value, (int __user *)arg);
}

static int afc_sock_shutdown(struct socket *sock, int how)
{
	return afc_shutdown(afk_sk_core(sock->sk), how);
}

static int afc_sock_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	return afc_sendmsg(afk_sk_core(sock->sk), msg, len, msg->msg_flags, msg->msg_name,
			   msg->msg_namelen);
}

static int afc_sock_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags)
{
	int msg_flags = 0, namelen = 0;
	long ret = afc_recvmsg(afk_sk_core(sock->sk), msg, len, flags, &msg_flags, msg->msg_name,
			       &namelen);

	msg->msg_flags |= msg_flags;
	if (ret >= 0 && msg->msg_name)
		msg->msg_namelen = namelen;
	return ret;
}

/*
 * Levels other than SOL_SOCKET (the kernel's sock_setsockopt() serves that one and tells the
 * core about SO_BINDTODEVICE through proto.rehash).  af_custom's own options take an int.
 */
static int afc_sock_setsockopt(struct socket *sock, int level, int optname, sockptr_t optval,
			       unsigned int optlen)
{
	int value = 0;

	if (level == SOL_CUSTOM) {
		if (optlen < sizeof(int))
			return -EINVAL;
		if (copy_from_sockptr(&value, optval, sizeof(int)))
			return -EFAULT;
	}
	return afc_setsockopt(afk_sk_core(sock->sk), level, optname, value);
}

static int afc_sock_getsockopt(struct socket *sock, int level, int optname, char __user *optval,
			       int __user *optlen)
{
	int len, value, err;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	err = afc_getsockopt(afk_sk_core(sock->sk), level, optname, &value);
	if (err)
		return err;
	len = min_t(int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &value, len))
		return -EFAULT;
	return 0;
}

/* .family is the family= parameter, set before sock_register(). */
static struct proto_ops afc_dgram_ops = {
	.owner = THIS_MODULE,
	.release = afc_release,
	.bind = afc_sock_bind,
	.connect = afc_sock_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = afc_sock_getname,
	.poll = afc_sock_poll,
	.ioctl = afc_sock_ioctl,
	.listen = sock_no_listen,
	.shutdown = afc_sock_shutdown,
	.setsockopt = afc_sock_setsockopt,
	.getsockopt = afc_sock_getsockopt,
	.sendmsg = afc_sock_sendmsg,
	.recvmsg = afc_sock_recvmsg,
	.mmap = sock_no_mmap,
	.sendpage = sock_no_sendpage,
};

/* ---- connected sockets: SOCK_STREAM and SOCK_SEQPACKET ----------------------------------- */

static int afc_conn_connect_op(struct socket *sock, struct sockaddr *addr, int len, int flags)
{
	return afc_conn_connect(afk_sk_core(sock->sk), addr, len, flags & O_NONBLOCK);
}

static int afc_conn_listen_op(struct socket *sock, int backlog)
{
	return afc_conn_listen(afk_sk_core(sock->sk), backlog);
}

/* The core hands over an established child; the reference its queue held becomes the file's. */
static int afc_conn_accept_op(struct socket *sock, struct socket *newsock, int flags, bool kern)
{
	struct sock *child = NULL;
	int err = afc_conn_accept(afk_sk_core(sock->sk), flags & O_NONBLOCK, &child);

	if (err)
		return err;
	sock_graft(child, newsock);
	newsock->ops = sock->ops;
	newsock->state = SS_CONNECTED;
	return 0;
}

static int afc_conn_sendmsg_op(struct socket *sock, struct msghdr *msg, size_t len)
{
	int err = afc_conn_sendmsg(afk_sk_core(sock->sk), msg, len, msg->msg_flags);

	/* As sk_stream_error(): a write to a closed connection raises SIGPIPE. */
	if (err == -EPIPE && !(msg->msg_flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return err;
}

static int afc_conn_recvmsg_op(struct socket *sock, struct msghdr *msg, size_t len, int flags)
{
	int msg_flags = 0;
	int ret = afc_conn_recvmsg(afk_sk_core(sock->sk), msg, len, flags, &msg_flags);

	msg->msg_flags |= msg_flags;
	if (ret >= 0 && msg->msg_name)
		msg->msg_namelen = afc_getname(afk_sk_core(sock->sk), msg->msg_name, 1) > 0 ?
				   sizeof(struct sockaddr_custom) : 0;
	return ret;
}

static __poll_t afc_conn_poll_op(struct file *file, struct socket *sock, poll_table *wait)
{
	sock_poll_wait(file, sock, wait);
	return (__force __poll_t)afc_conn_poll(afk_sk_core(sock->sk));
}

static int afc_conn_shutdown_op(struct socket *sock, int how)
{
	return afc_conn_shutdown(afk_sk_core(sock->sk), how);
}

static int afc_conn_ioctl_op(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	long value;
	int err = afc_conn_ioctl(afk_sk_core(sock->sk), cmd, &value);

	return err ? err : put_user((int)value, (int __user *)arg);
}

/* One table per connected type (as net/tipc/socket.c has): they differ in the core only. */
#define AFC_CONN_OPS(name)						\
static struct proto_ops name = {					\
	.owner = THIS_MODULE,						\
	.release = afc_release,						\
	.bind = afc_sock_bind,						\
	.connect = afc_conn_connect_op,					\
	.socketpair = sock_no_socketpair,				\
	.accept = afc_conn_accept_op,					\
	.getname = afc_sock_getname,					\
	.poll = afc_conn_poll_op,					\
	.ioctl = afc_conn_ioctl_op,					\
	.listen = afc_conn_listen_op,					\
	.shutdown = afc_conn_shutdown_op,				\
	.setsockopt = afc_sock_setsockopt,				\
	.getsockopt = afc_sock_getsockopt,				\
	.sendmsg = afc_conn_sendmsg_op,					\
	.recvmsg = afc_conn_recvmsg_op,					\
	.mmap = sock_no_mmap,						\
	.sendpage = sock_no_sendpage,					\
}
AFC_CONN_OPS(afc_stream_ops);
AFC_CONN_OPS(afc_seqpacket_ops);

static const struct proto_ops *afc_ops_of(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return &afc_stream_ops;
	case SOCK_SEQPACKET:
		return &afc_seqpacket_ops;
	default:
		return &afc_dgram_ops;
	}
}

static int afc_pf_create(struct net *net, struct socket *sock, int protocol, int kern);

static struct net_proto_family afc_pf = {
	.create = afc_pf_create,
	.owner = THIS_MODULE,
};

static void afk_timer_fn(struct timer_list *t);
static struct lock_class_key afc_acceptq_key;

/* What every af_custom sock gets once sock_init_data() has run: ours, then the core's. */
static void afc_ksock_init(struct sock *sk, struct afc_sock *core)
{
	struct afc_ksock *k = afc_ksock(sk);

	if (sk->sk_type == SOCK_DGRAM)
		sock_lock_init_class_and_name(sk, "slock-AF_CUSTOM", &afc_slock_key,
					      "sk_lock-AF_CUSTOM", &afc_sk_lock_key);
	else
		sock_lock_init_class_and_name(sk, "slock-AF_CUSTOM-conn", &afc_conn_slock_key,
					      "sk_lock-AF_CUSTOM-conn", &afc_conn_sk_lock_key);
	k->core = core;
	k->back_log = NULL;
	k->back_log_tail = NULL;
	init_waitqueue_head(&k->owner_wq);
	timer_setup(&k->timer, afk_timer_fn, 0);
	skb_queue_head_init(&k->ooo);
	spin_lock_init(&k->acceptq_lock);
	lockdep_set_class(&k->acceptq_lock, &afc_acceptq_key);
	mutex_init(&k->send_lock);
#ifdef CONFIG_LOCKDEP
	lockdep_init_map(&k->owner_map, "sk_owner-AF_CUSTOM", &afc_owner_key, 0);
#endif
	sk->sk_destruct = afc_sk_destruct;
	/* Receive lookups walk the tables under RCU: the sock (and its core) outlive them. */
	sock_set_flag(sk, SOCK_RCU_FREE);
	afc_sock_attach(core, sk);
	sock_prot_inuse_add(sock_net(sk), &afc_proto, 1);
}

static const struct proto_ops *afc_ops_of(int type);

static int afc_pf_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	struct afc_sock *core;
	struct sock *sk;
	int err;

	err = afc_sock_check(sock->type, protocol);
	if (err)
		return err;

	core = afc_sock_new(sock->type, AFC_GFP_PROCESS);
	if (!core)
		return -ENOMEM;

	sk = sk_alloc(net, afc_pf.family, GFP_KERNEL, &afc_proto, kern);
	if (!sk) {
		afc_sock_free(core);
		return -ENOMEM;
	}
	sock_init_data(sock, sk);
	afc_ksock_init(sk, core);
	sock->ops = afc_ops_of(sock->type);
	return 0;
}

/*
 * A connection request's sock, made in softirq for a listener (the seeds' tcp_conn_request
 * copies the listener): same namespace, type, buffers and device; no struct socket until accept
 * grafts one.  Its one reference belongs to the caller (the listener's accept queue).
 */
struct sock *afk_sk_child(struct sock *parent, struct afc_sock *core)
{
	struct sock *sk = sk_alloc(sock_net(parent), parent->sk_family, GFP_ATOMIC, &afc_proto, 0);

	if (!sk)
		return NULL;
	sock_init_data(NULL, sk);
	sk->sk_type = parent->sk_type;
	sk->sk_protocol = parent->sk_protocol;
	sk->sk_sndbuf = READ_ONCE(parent->sk_sndbuf);
	sk->sk_rcvbuf = READ_ONCE(parent->sk_rcvbuf);
	sk->sk_userlocks = parent->sk_userlocks;
	sk->sk_bound_dev_if = READ_ONCE(parent->sk_bound_dev_if);
	sk->sk_priority = READ_ONCE(parent->sk_priority);
	sk->sk_mark = READ_ONCE(parent->sk_mark);
	sk->sk_uid = parent->sk_uid;
	afc_ksock_init(sk, core);
	return sk;
}

/* A connection the user never accepted, or no longer holds: the kernel-side close. */
void afk_sk_orphan(struct sock *sk)
{
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	sock_orphan(sk);
}

int afk_proto_register(void)
{
	return proto_register(&afc_proto, 1);
}

void afk_proto_unregister(void)
{
	proto_unregister(&afc_proto);
}

int afk_family_register(int family)
{
	afc_pf.family = family;
	afc_dgram_ops.family = family;
	afc_stream_ops.family = family;
	afc_seqpacket_ops.family = family;
	return sock_register(&afc_pf);
}

void afk_family_unregister(void)
{
	sock_unregister(afc_pf.family);
}

/* ---- struct sock fields and callbacks ---------------------------------------------------- */

struct net *afk_sk_net(const struct sock *sk)
{
	return sock_net(sk);
}

int afk_sk_sndbuf(const struct sock *sk)
{
	return READ_ONCE(sk->sk_sndbuf);
}

int afk_sk_rcvbuf(const struct sock *sk)
{
	return READ_ONCE(sk->sk_rcvbuf);
}

int afk_sk_reuse(const struct sock *sk)
{
	return sk->sk_reuse != SK_NO_REUSE;
}

int afk_sk_bound_dev_if(const struct sock *sk)
{
	return READ_ONCE(sk->sk_bound_dev_if);
}

long afk_sk_linger(const struct sock *sk)
{
	return sock_flag(sk, SOCK_LINGER) ? (long)READ_ONCE(sk->sk_lingertime) : -1;
}

int afk_sk_rcvlowat(const struct sock *sk)
{
	return READ_ONCE(sk->sk_rcvlowat);
}

void afk_sk_drops_inc(struct sock *sk)
{
	atomic_inc(&sk->sk_drops);
}

unsigned int afk_sk_drops(const struct sock *sk)
{
	return atomic_read(&sk->sk_drops);
}

int afk_sk_filter(struct sock *sk, struct sk_buff *skb)
{
	return sk_filter(sk, skb);
}

long afk_sk_rcvtimeo(const struct sock *sk, int noblock)
{
	return sock_rcvtimeo(sk, noblock);
}

long afk_sk_sndtimeo(const struct sock *sk, int noblock)
{
	return sock_sndtimeo(sk, noblock);
}

int afk_sk_err_take(struct sock *sk)
{
	return sock_error(sk);
}

int afk_sk_err_pending(const struct sock *sk)
{
	return READ_ONCE(sk->sk_err);
}

void afk_sk_err_report(struct sock *sk, int err)
{
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
}

void afk_sk_data_ready(struct sock *sk)
{
	sk->sk_data_ready(sk);
}

void afk_sk_write_space(struct sock *sk)
{
	sk->sk_write_space(sk);
}

void afk_sk_state_change(struct sock *sk)
{
	sk->sk_state_change(sk);
}

void afk_sk_set_nospace(struct sock *sk)
{
	struct socket *sock = READ_ONCE(sk->sk_socket);

	if (!sock)
		return;			/* a child not accepted yet, or an orphan */
	sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	set_bit(SOCK_NOSPACE, &sock->flags);
}

int afk_sk_capable_bind(const struct sock *sk)
{
	return ns_capable(sock_net(sk)->user_ns, CAP_NET_BIND_SERVICE);
}

unsigned int afk_sk_uid(struct seq_file *m, struct sock *sk)
{
	return from_kuid_munged(seq_user_ns(m), sock_i_uid(sk));
}

unsigned long afk_sk_ino(struct sock *sk)
{
	return sock_i_ino(sk);
}

long afk_sk_wait(struct sock *sk, long timeo, int (*cond)(struct afc_sock *s, unsigned long arg),
		 struct afc_sock *s, unsigned long arg)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while (!cond(s, arg) && timeo && !signal_pending(current))
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
	remove_wait_queue(sk_sleep(sk), &wait);
	return timeo;
}

int afk_signal_pending(void)
{
	return signal_pending(current);
}

int afk_sock_intr_errno(long timeo)
{
	return sock_intr_errno(timeo);
}

/* ---- ownership and the back_log ----------------------------------------------------------- */

void afk_owner_lock(struct sock *sk)
{
	spin_lock_bh(&sk->sk_lock.slock);
}

void afk_owner_unlock(struct sock *sk)
{
	spin_unlock_bh(&sk->sk_lock.slock);
}

/* __lock_sock(): called and returns with the slock held. */
void afk_owner_wait(struct sock *sk)
{
	struct afc_ksock *k = afc_ksock(sk);
	DEFINE_WAIT(wait);

	prepare_to_wait_exclusive(&k->owner_wq, &wait, TASK_UNINTERRUPTIBLE);
	spin_unlock_bh(&sk->sk_lock.slock);
	schedule();
	spin_lock_bh(&sk->sk_lock.slock);
	finish_wait(&k->owner_wq, &wait);
}

void afk_owner_wake(struct sock *sk)
{
	struct afc_ksock *k = afc_ksock(sk);

	if (waitqueue_active(&k->owner_wq))
		wake_up(&k->owner_wq);
}

void afk_owner_acquired(struct sock *sk)
{
#ifdef CONFIG_LOCKDEP
	lock_map_acquire(&afc_ksock(sk)->owner_map);
#endif
}

void afk_owner_released(struct sock *sk)
{
#ifdef CONFIG_LOCKDEP
	lock_map_release(&afc_ksock(sk)->owner_map);
#endif
}

void afk_backlog_push(struct sock *sk, struct sk_buff *skb)
{
	struct afc_ksock *k = afc_ksock(sk);

	skb->next = NULL;
	if (k->back_log_tail)
		k->back_log_tail->next = skb;
	else
		k->back_log = skb;
	k->back_log_tail = skb;
}

struct sk_buff *afk_backlog_take(struct sock *sk)
{
	struct afc_ksock *k = afc_ksock(sk);
	struct sk_buff *skb = k->back_log;

	k->back_log = NULL;
	k->back_log_tail = NULL;
	return skb;
}

/* The sock is going away: nobody else can reach its back_log. */
void afk_backlog_purge(struct sock *sk)
{
	struct sk_buff *skb = afk_backlog_take(sk);

	while (skb) {
		struct sk_buff *next = skb->next;

		skb_mark_not_on_list(skb);
		kfree_skb(skb);
		skb = next;
	}
}

/* ---- the receive queue -------------------------------------------------------------------- */

/* With the socket's drop count so far, for SO_RXQ_OVFL (as sock_queue_rcv_skb). */
void afk_rq_tail(struct sock *sk, struct sk_buff *skb)
{
	sock_skb_set_dropcount(sk, skb);
	skb_queue_tail(&sk->sk_receive_queue, skb);
}

struct sk_buff *afk_rq_dequeue(struct sock *sk)
{
	return skb_dequeue(&sk->sk_receive_queue);
}

struct sk_buff *afk_rq_peek_get(struct sock *sk)
{
	struct sk_buff_head *q = &sk->sk_receive_queue;
	struct sk_buff *skb;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	skb = skb_peek(q);
	if (skb)
		skb_get(skb);
	spin_unlock_irqrestore(&q->lock, flags);
	return skb;
}

long afk_rq_head_len(struct sock *sk)
{
	struct sk_buff_head *q = &sk->sk_receive_queue;
	struct sk_buff *skb;
	unsigned long flags;
	long len;

	spin_lock_irqsave(&q->lock, flags);
	skb = skb_peek(q);
	len = skb ? (long)skb->len : -1;
	spin_unlock_irqrestore(&q->lock, flags);
	return len;
}

int afk_rq_empty(const struct sock *sk)
{
	return skb_queue_empty_lockless(&sk->sk_receive_queue);
}

void afk_rq_purge(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
}

/* ---- connections: timer, clock, queues, accept queue ------------------------------------- */

static void afk_timer_fn(struct timer_list *t)
{
	struct afc_ksock *k = from_timer(k, t, timer);

	afc_conn_timer(k->core);
	sock_put(&k->sk);		/* the reference afk_timer_arm took */
}

/* As sk_reset_timer(): a pending timer holds the sock. */
void afk_timer_arm(struct sock *sk, unsigned long delay_ms)
{
	struct afc_ksock *k = afc_ksock(sk);

	if (!mod_timer(&k->timer, jiffies + msecs_to_jiffies(delay_ms)))
		sock_hold(sk);
}

void afk_timer_cancel(struct sock *sk)
{
	if (del_timer(&afc_ksock(sk)->timer))
		__sock_put(sk);
}

unsigned long long afk_now_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

void afk_sk_hold(struct sock *sk)
{
	sock_hold(sk);
}

int afk_sk_hold_live(struct sock *sk)
{
	return refcount_inc_not_zero(&sk->sk_refcnt);
}

void afk_sk_put(struct sock *sk)
{
	sock_put(sk);
}

int afk_somaxconn(const struct sock *sk)
{
	return READ_ONCE(sock_net(sk)->core.sysctl_somaxconn);
}

int afk_send_lock(struct sock *sk)
{
	return mutex_lock_interruptible(&afc_ksock(sk)->send_lock);
}

int afk_send_trylock(struct sock *sk)
{
	return mutex_trylock(&afc_ksock(sk)->send_lock) ? 0 : -EAGAIN;
}

void afk_send_unlock(struct sock *sk)
{
	mutex_unlock(&afc_ksock(sk)->send_lock);
}

void afk_acceptq_lock(struct sock *sk)
{
	spin_lock_bh(&afc_ksock(sk)->acceptq_lock);
}

void afk_acceptq_unlock(struct sock *sk)
{
	spin_unlock_bh(&afc_ksock(sk)->acceptq_lock);
}

int afk_sk_dead(const struct sock *sk)
{
	return sock_flag(sk, SOCK_DEAD);
}

static struct sk_buff_head *afk_q(struct sock *sk, enum afc_queue q)
{
	switch (q) {
	case AFC_Q_RECEIVE:
		return &sk->sk_receive_queue;
	case AFC_Q_WRITE:
		return &sk->sk_write_queue;
	default:
		return &afc_ksock(sk)->ooo;
	}
}

/*
 * The queues change only in the socket's own context (its owner, or softirq while nobody owns
 * it); the receive queue's lock is still taken because poll and SIOCINQ peek at it.
 */
void afk_q_tail(struct sock *sk, enum afc_queue q, struct sk_buff *skb)
{
	if (q == AFC_Q_RECEIVE)
		afk_rq_tail(sk, skb);
	else
		__skb_queue_tail(afk_q(sk, q), skb);
}

void afk_q_insert_before(struct sock *sk, enum afc_queue q, struct sk_buff *next,
			 struct sk_buff *skb)
{
	__skb_queue_before(afk_q(sk, q), next, skb);
}

struct sk_buff *afk_q_peek(struct sock *sk, enum afc_queue q)
{
	return skb_peek(afk_q(sk, q));
}

struct sk_buff *afk_q_last(struct sock *sk, enum afc_queue q)
{
	return skb_peek_tail(afk_q(sk, q));
}

struct sk_buff *afk_q_next(struct sock *sk, enum afc_queue q, struct sk_buff *skb)
{
	return skb_peek_next(skb, afk_q(sk, q));
}

void afk_q_unlink(struct sock *sk, enum afc_queue q, struct sk_buff *skb)
{
	if (q == AFC_Q_RECEIVE)
		skb_unlink(skb, afk_q(sk, q));
	else
		__skb_unlink(skb, afk_q(sk, q));
}

void afk_q_purge(struct sock *sk, enum afc_queue q)
{
	if (q == AFC_Q_RECEIVE)
		skb_queue_purge(afk_q(sk, q));
	else
		__skb_queue_purge(afk_q(sk, q));
}

static siphash_key_t afk_seq_key __read_mostly;

unsigned int afk_secure_seq(unsigned int a, unsigned int b, unsigned int c)
{
	net_get_random_once(&afk_seq_key, sizeof(afk_seq_key));
	return siphash_3u32(a, b, c, &afk_seq_key) + (u32)(ktime_get_real_ns() >> 6);
}
