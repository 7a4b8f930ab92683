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
#include <linux/af_custom.h>
#include <net/sock.h>
#include <af_custom/boundary.h>

struct afc_ksock {
	struct sock sk;			/* first: sk_alloc() allocates afc_proto.obj_size bytes */
	struct afc_sock *core;		/* owned by the core, freed from sk_destruct */
	struct sk_buff *back_log;	/* frames that arrived while a task owned the socket, */
	struct sk_buff *back_log_tail;	/* a NULL-terminated chain (slock) */
	wait_queue_head_t owner_wq;	/* tasks waiting for ownership */
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

/* Our own lockdep classes: the family number may be one whose kernel name is unrelated. */
static struct lock_class_key afc_slock_key;
static struct lock_class_key afc_sk_lock_key;
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
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	sock_orphan(sk);
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

/* Types whose protocol is not implemented yet: socket(2) and close(2) only. */
static struct proto_ops afc_bare_ops = {
	.owner = THIS_MODULE,
	.release = afc_release,
	.bind = sock_no_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = sock_no_getname,
	.poll = datagram_poll,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.sendmsg = sock_no_sendmsg,
	.recvmsg = sock_no_recvmsg,
	.mmap = sock_no_mmap,
	.sendpage = sock_no_sendpage,
};

static int afc_pf_create(struct net *net, struct socket *sock, int protocol, int kern);

static struct net_proto_family afc_pf = {
	.create = afc_pf_create,
	.owner = THIS_MODULE,
};

static int afc_pf_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	struct afc_ksock *k;
	struct afc_sock *core;
	struct sock *sk;
	int err;

	err = afc_sock_check(sock->type, protocol);
	if (err)
		return err;

	core = afc_sock_new(sock->type);
	if (!core)
		return -ENOMEM;

	sk = sk_alloc(net, afc_pf.family, GFP_KERNEL, &afc_proto, kern);
	if (!sk) {
		afc_sock_free(core);
		return -ENOMEM;
	}
	sock_init_data(sock, sk);
	sock_lock_init_class_and_name(sk, "slock-AF_CUSTOM", &afc_slock_key,
				      "sk_lock-AF_CUSTOM", &afc_sk_lock_key);
	k = afc_ksock(sk);
	k->core = core;
	k->back_log = NULL;
	k->back_log_tail = NULL;
	init_waitqueue_head(&k->owner_wq);
#ifdef CONFIG_LOCKDEP
	lockdep_init_map(&k->owner_map, "sk_owner-AF_CUSTOM", &afc_owner_key, 0);
#endif
	sk->sk_destruct = afc_sk_destruct;
	afc_sock_attach(core, sk);
	sock->ops = afc_sock_has_calls(sock->type) ? &afc_dgram_ops : &afc_bare_ops;
	sock_prot_inuse_add(net, &afc_proto, 1);
	return 0;
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
	afc_bare_ops.family = family;
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
	sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
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
