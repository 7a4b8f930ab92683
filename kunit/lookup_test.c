// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the receive lookups under RCU (module/core/lookup.cc, module/core/rcu_list.h): frames
 * keep finding their sockets while other sockets are bound, connected, disconnected and closed
 * on another CPU (each move can carry a reader into another hash chain; a group head that leaves
 * hands its place to the next socket of its group); a closed socket, or one
 * whose last reference is going, gets nothing; with the tables quiet, a segment for no connection
 * is answered without the table lock.  The debug kernel's KASAN
 * watches the frees that wait for a grace period.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include "afc_kunit.h"

#define STABLE_PORT	42000	/* + i: sockets frames are sent to */
#define MOVER_PORT	43000	/* + i: sockets that move between the tables */
#define STABLE		128
#define MOVERS		64
#define PEER		9

static unsigned long stat_of(int stat)
{
	return afc_net_stat(&init_net, stat);
}

/*
 * A test-managed kthread running @fn(@data) on another CPU than the case's (which stays on its
 * own meanwhile), so that the two really run at once; on one CPU they take turns.  Started
 * after the case's sockets, so stopped before they are released (resources go LIFO);
 * racer_stop stops it earlier.
 */
struct racer {
	struct task_struct *task;
	int (*fn)(void *);
	void *data;
	const char *name;
};

static void racer_stop(struct racer *r)
{
	if (!r->task)
		return;
	kthread_stop(r->task);
	r->task = NULL;
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

static int racer_init(struct kunit_resource *res, void *arg)
{
	struct racer *r = arg;
	unsigned int cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	struct task_struct *task = kthread_create(r->fn, r->data, "%s", r->name);

	if (IS_ERR(task))
		return PTR_ERR(task);
	if (cpu < nr_cpu_ids) {
		kthread_bind(task, cpu);
		set_cpus_allowed_ptr(current, cpumask_of(raw_smp_processor_id()));
	}
	r->task = task;
	wake_up_process(task);
	res->data = r;
	return 0;
}

static void racer_free(struct kunit_resource *res)
{
	racer_stop(res->data);
}

static struct racer *racer_start(struct kunit *test, int (*fn)(void *), void *data,
				 const char *name)
{
	struct racer *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->fn = fn;
	r->data = data;
	r->name = name;
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, racer_init, racer_free,
							 GFP_KERNEL, r));
	return r;
}

/* ---- a kthread that binds, connects, disconnects and closes sockets until stopped ---- */

struct mover {
	int ifindex;
	atomic_long_t moves;	/* connects and disconnects done */
	atomic_long_t closes;
	int err;		/* the first unexpected error */
};

/* A socket on port @port with SO_REUSEADDR, or NULL. */
static struct socket *mover_socket(unsigned short port)
{
	struct socket *sock;

	if (sock_create_kern(&init_net, afc_family(), SOCK_DGRAM, 0, &sock))
		return NULL;
	sock_set_reuseaddr(sock->sk);
	if (afc_kunit_bind(sock, port, 0)) {
		sock_release(sock);
		return NULL;
	}
	return sock;
}

/*
 * Two sockets share a port (one group: the first heads it); the second moves bound[] ->
 * conn[] -> bound[] ... (each move relinks it in another chain), then the head closes while
 * the second is in its group (the second takes the head's place in the chain), then it closes.
 */
static int mover_round(struct mover *m, unsigned int i)
{
	struct sockaddr_custom peer = afc_kunit_addr(PEER, m->ifindex);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	unsigned short port = MOVER_PORT + i % MOVERS;
	struct socket *head = mover_socket(port), *sock = mover_socket(port);
	int err = head && sock ? 0 : -ENOMEM;
	int k;

	eth_random_addr(peer.scu_addr);
	for (k = 0; !err && k < 8; k++) {
		err = kernel_connect(sock, k % 2 ? &unspec : (struct sockaddr *)&peer,
				     k % 2 ? sizeof(unspec) : sizeof(peer), 0);
		if (!err)
			atomic_long_inc(&m->moves);
	}
	if (head)
		sock_release(head);	/* unhashed now, freed after a grace period */
	if (sock)
		sock_release(sock);
	atomic_long_add(2, &m->closes);
	return err;
}

static int mover_fn(void *arg)
{
	struct mover *m = arg;
	unsigned int i = 0;

	while (!kthread_should_stop()) {
		int err = mover_round(m, i++);

		if (err && !m->err)
			m->err = err;
		cond_resched();
	}
	return 0;
}

/* ---- the cases ---- */

/*
 * Every frame sent to a bound socket reaches that socket while a kthread binds, moves and
 * closes other sockets in the same hash tables (groups whose head leaves included).
 */
static void frames_find_their_sockets_while_others_move_between_tables(struct kunit *test)
{
	struct net_device *dev = afc_kunit_dev(test);
	unsigned long nosock = afc_kunit_drops(AFC_DROP_NOSOCK);
	unsigned long rcvbuf = afc_kunit_drops(AFC_DROP_RCVBUF);
	unsigned long relookups = stat_of(AFC_STAT_RX_RELOOKUPS);
	struct socket *stable[STABLE];
	unsigned int *sent = kunit_kcalloc(test, STABLE, sizeof(*sent), GFP_KERNEL);
	int frames = IS_ENABLED(CONFIG_KASAN) ? 8000 : 16000;	/* no receive buffer fills */
	struct mover *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	int i, wrong = 0;
	struct racer *r;

	KUNIT_ASSERT_NOT_NULL(test, sent);
	KUNIT_ASSERT_NOT_NULL(test, m);
	for (i = 0; i < STABLE; i++) {
		stable[i] = afc_kunit_socket(test, SOCK_DGRAM);
		KUNIT_ASSERT_EQ(test, afc_kunit_bind(stable[i], STABLE_PORT + i, 0), 0);
	}
	m->ifindex = dev->ifindex;
	r = racer_start(test, mover_fn, m, "afc_kunit_mover");
	for (i = 0; i < frames; i++) {
		unsigned int k = get_random_u32() % STABLE;

		afc_rx(afc_kunit_frame(test, PEER, STABLE_PORT + k, 1, (u8)i, PACKET_HOST));
		sent[k]++;
		if (i % 64 == 0)
			cond_resched();
	}
	racer_stop(r);
	for (i = 0; i < STABLE; i++)
		wrong += skb_queue_len(&stable[i]->sk->sk_receive_queue) != sent[i];
	kunit_info(test, "%d frames to %d sockets, %d with a wrong count, %lu looked up again under the lock; meanwhile %ld moves, %ld closes",
		   frames, STABLE, wrong, stat_of(AFC_STAT_RX_RELOOKUPS) - relookups,
		   atomic_long_read(&m->moves), atomic_long_read(&m->closes));
	KUNIT_EXPECT_EQ(test, m->err, 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&m->moves), 0L);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_NOSOCK) - nosock, 0UL);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_RCVBUF) - rcvbuf, 0UL);
	KUNIT_EXPECT_EQ(test, wrong, 0);
}

/* ---- a kthread that moves one socket between tables: SO_BINDTODEVICE on and off ---- */

struct toggler {
	struct socket *sock;
	int ifindex;
	atomic_long_t moves;
	int err;
};

static int toggler_fn(void *arg)
{
	struct toggler *t = arg;

	while (!kthread_should_stop()) {
		int err = sock_bindtoindex(t->sock->sk, atomic_long_read(&t->moves) % 2 ? 0 :
					   t->ifindex, true);

		if (err && !t->err)
			t->err = err;
		atomic_long_inc(&t->moves);
		cond_resched();
	}
	return 0;
}

/*
 * A socket that moves itself between tables (bound to any interface, then to the frames'
 * device, and back: each move takes it out of one chain and into another) gets every frame
 * meant for it: a lookup never takes the instant it is in neither for an answer.
 */
static void frames_reach_a_socket_while_it_moves_between_tables(struct kunit *test)
{
	struct net_device *dev = afc_kunit_dev(test);
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	unsigned long nosock = afc_kunit_drops(AFC_DROP_NOSOCK);
	unsigned long relookups = stat_of(AFC_STAT_RX_RELOOKUPS);
	int frames = IS_ENABLED(CONFIG_KASAN) ? 2000 : 6000, i;
	struct toggler *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct racer *r;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(sock, STABLE_PORT, 0), 0);
	WRITE_ONCE(sock->sk->sk_rcvbuf, 32 << 20);	/* room for every frame */
	t->sock = sock;
	t->ifindex = dev->ifindex;
	r = racer_start(test, toggler_fn, t, "afc_kunit_toggler");
	for (i = 0; i < frames; i++) {
		afc_rx(afc_kunit_frame(test, PEER, STABLE_PORT, 1, (u8)i, PACKET_HOST));
		if (i % 64 == 0)
			cond_resched();
	}
	racer_stop(r);
	kunit_info(test, "%d frames, %u queued, %lu looked up again under the lock; meanwhile %ld moves",
		   frames, skb_queue_len(&sock->sk->sk_receive_queue),
		   stat_of(AFC_STAT_RX_RELOOKUPS) - relookups, atomic_long_read(&t->moves));
	KUNIT_EXPECT_EQ(test, t->err, 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&t->moves), 1L);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_NOSOCK) - nosock, 0UL);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&sock->sk->sk_receive_queue), (unsigned int)frames);
}

/* A closed socket leaves the tables at once, though its memory waits for a grace period. */
static void closed_socket_gets_nothing(struct kunit *test)
{
	struct socket *sock;
	unsigned long nosock = afc_kunit_drops(AFC_DROP_NOSOCK);

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, afc_family(), SOCK_DGRAM, 0, &sock), 0);
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(sock, STABLE_PORT, 0), 0);
	sock_release(sock);
	afc_kunit_rx(test, PEER, STABLE_PORT, 10, 1);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_NOSOCK) - nosock, 1UL);
}

/*
 * A socket found while its last reference goes (its count already zero, its memory waiting for
 * a grace period) is not taken: the frame counts as "no socket".  The count is set to zero by
 * hand for one frame; nothing else holds or puts this socket meanwhile.
 */
static void socket_whose_last_reference_is_going_is_not_taken(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	unsigned long nosock = afc_kunit_drops(AFC_DROP_NOSOCK);
	unsigned int refs;
	struct sk_buff *skb;

	KUNIT_ASSERT_EQ(test, afc_kunit_bind(sock, STABLE_PORT, 0), 0);
	skb = afc_kunit_frame(test, PEER, STABLE_PORT, 10, 0, PACKET_HOST);	/* may assert */
	refs = refcount_read(&sock->sk->sk_refcnt);
	refcount_set(&sock->sk->sk_refcnt, 0);
	afc_rx(skb);
	refcount_set(&sock->sk->sk_refcnt, refs);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_NOSOCK) - nosock, 1UL);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&sock->sk->sk_receive_queue));
	afc_kunit_rx(test, PEER, STABLE_PORT, 10, 1);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&sock->sk->sk_receive_queue), 1U);
}

/*
 * With the tables quiet, a lookup under RCU is the answer: a segment for no connection is
 * reset without the table lock (rx_relookups does not move).
 */
static void segment_without_connection_is_reset_without_the_table_lock(struct kunit *test)
{
	struct afc_wire_hdr h = {
		.type = AFC_WIRE_STREAM, .flags = AFC_WIRE_ACK, .sport = PEER,
		.dport = STABLE_PORT, .seq = 5, .ack = 77, .window = 100,
	};
	unsigned long relookups = stat_of(AFC_STAT_RX_RELOOKUPS);
	unsigned long nosock = afc_kunit_drops(AFC_DROP_NOSOCK);
	struct afc_wire_hdr sent;

	afc_rx(afc_kunit_frame_hdr(test, h, 0, 0, PACKET_HOST));
	KUNIT_EXPECT_EQ(test, stat_of(AFC_STAT_RX_RELOOKUPS) - relookups, 0UL);
	KUNIT_EXPECT_EQ(test, afc_kunit_drops(AFC_DROP_NOSOCK) - nosock, 1UL);
	KUNIT_ASSERT_NOT_NULL(test, afc_kunit_sent(test, &sent));
	KUNIT_EXPECT_EQ(test, sent.flags, (unsigned char)AFC_WIRE_RST);
	KUNIT_EXPECT_EQ(test, sent.seq, 77U);
}

static struct kunit_case lookup_cases[] = {
	KUNIT_CASE(frames_find_their_sockets_while_others_move_between_tables),
	KUNIT_CASE(frames_reach_a_socket_while_it_moves_between_tables),
	KUNIT_CASE(closed_socket_gets_nothing),
	KUNIT_CASE(socket_whose_last_reference_is_going_is_not_taken),
	KUNIT_CASE(segment_without_connection_is_reset_without_the_table_lock),
	{}
};

static struct kunit_suite lookup_suite = {
	.name = "afc_lookup",
	.test_cases = lookup_cases,
};

kunit_test_suites(&lookup_suite);
