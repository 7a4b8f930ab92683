// SPDX-License-Identifier: GPL-2.0
/*
 * Binds the core's socket objects (struct afc_sock) to struct socket / struct sock, and registers
 * the protocol and the address family.  No protocol logic here: each function hands over to the
 * core or calls one kernel API.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>
#include <af_custom/boundary.h>

struct afc_ksock {
	struct sock sk;		/* first: sk_alloc() allocates afc_proto.obj_size bytes */
	struct afc_sock *core;	/* owned by the core, freed from sk_destruct */
};

static inline struct afc_sock *afc_core(const struct sock *sk)
{
	return container_of(sk, struct afc_ksock, sk)->core;
}

static struct proto afc_proto = {
	.name = "AF_CUSTOM",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct afc_ksock),
};

/* Our own lockdep classes: the family number may be one whose kernel name is unrelated. */
static struct lock_class_key afc_slock_key;
static struct lock_class_key afc_sk_lock_key;

static void afc_sk_destruct(struct sock *sk)
{
	afc_sock_free(afc_core(sk));
}

static int afc_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	afc_sock_release(afc_core(sk));
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	sock_orphan(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/* .family is the family= parameter, set before sock_register(). */
static struct proto_ops afc_ops = {
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
	container_of(sk, struct afc_ksock, sk)->core = core;
	afc_sock_attach(core, sk);
	sk->sk_destruct = afc_sk_destruct;
	sock->ops = &afc_ops;
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
	afc_ops.family = family;
	return sock_register(&afc_pf);
}

void afk_family_unregister(void)
{
	sock_unregister(afc_pf.family);
}
