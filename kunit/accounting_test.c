// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: socket memory accounting (module/core/accounting.cc) — the limits and the force flag
 * of sock_wmalloc/sock_rmalloc, the destructors' uncharge, the sock_rspace/sock_wspace
 * arithmetic, sock_alloc_send_skb's error paths and sock_queue_rcv_skb's refusal.
 */
#include <linux/jiffies.h>
#include "afc_kunit.h"

/* Charge @sock's send (or receive) buffer with @size-byte buffers until refused. */
static int fill(struct kunit *test, struct afc_sock *s, bool send, unsigned int size)
{
	struct sk_buff *skb;
	int n = 0;

	while ((skb = send ? afc_sock_wmalloc(s, size, 0, AFC_GFP_PROCESS)
			   : afc_sock_rmalloc(s, size, 0, AFC_GFP_PROCESS))) {
		afc_kunit_keep_skb(test, skb);
		n++;
		KUNIT_ASSERT_LT(test, n, 1000);
	}
	return n;
}

static void wmalloc_refuses_at_sndbuf_unless_forced(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	struct sk_buff *skb;
	int n;

	sock->sk->sk_sndbuf = 8192;
	KUNIT_EXPECT_EQ(test, afc_sock_wmem(s), 0);
	n = fill(test, s, true, 1000);
	skb = afc_kunit_keep_skb(test, afc_sock_wmalloc(s, 1000, 1, AFC_GFP_PROCESS));
	KUNIT_EXPECT_PTR_EQ(test, skb->sk, sock->sk);
	/* Each buffer charged its truesize; refused only once the charge reached the limit. */
	KUNIT_EXPECT_EQ(test, afc_sock_wmem(s), (n + 1) * (int)skb->truesize);
	KUNIT_EXPECT_GE(test, n * (int)skb->truesize, 8192);
	KUNIT_EXPECT_LT(test, (n - 1) * (int)skb->truesize, 8192);
}

static void rmalloc_refuses_at_rcvbuf_unless_forced(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	int n;

	sock->sk->sk_rcvbuf = 4096;
	n = fill(test, s, false, 500);
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_GE(test, afc_sock_rmem(s), 4096);
	KUNIT_EXPECT_NULL(test, afc_sock_rmalloc(s, 1, 0, AFC_GFP_ATOMIC));
	afc_kunit_keep_skb(test, afc_sock_rmalloc(s, 500, 1, AFC_GFP_ATOMIC));
	KUNIT_EXPECT_EQ(test, afc_sock_wmem(s), 0);	/* the other buffer is untouched */
}

static void destructors_uncharge(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	struct sk_buff *w = afc_sock_wmalloc(s, 3000, 0, AFC_GFP_PROCESS);
	struct sk_buff *r = afc_sock_rmalloc(s, 2000, 0, AFC_GFP_PROCESS);

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, afc_sock_wmem(s), (int)w->truesize);
	KUNIT_EXPECT_EQ(test, afc_sock_rmem(s), (int)r->truesize);
	/* A send buffer holds its sock: it may outlive the file in a device queue. */
	KUNIT_EXPECT_EQ(test, refcount_read(&sock->sk->sk_refcnt), 2);
	kfree_skb(w);
	kfree_skb(r);
	KUNIT_EXPECT_EQ(test, afc_sock_wmem(s), 0);
	KUNIT_EXPECT_EQ(test, afc_sock_rmem(s), 0);
	KUNIT_EXPECT_EQ(test, refcount_read(&sock->sk->sk_refcnt), 1);
}

static void rspace_arithmetic(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	struct sk_buff *skb;
	long charged;

	sock->sk->sk_rcvbuf = 20000;		/* (20000 - 0) / 2 - 2048 */
	KUNIT_EXPECT_EQ(test, afc_sock_rspace(s), 7952);
	sock->sk->sk_rcvbuf = 1 << 20;		/* (1 MiB - 0) / 2 - 2048 */
	KUNIT_EXPECT_EQ(test, afc_sock_rspace(s), (1 << 19) - 2048);
	sock->sk->sk_rcvbuf = 64 << 20;		/* capped at the maximum window */
	KUNIT_EXPECT_EQ(test, afc_sock_rspace(s), 16 << 20);
	sock->sk->sk_rcvbuf = 4096;		/* not more than two minimum windows: nothing */
	KUNIT_EXPECT_EQ(test, afc_sock_rspace(s), 0);

	sock->sk->sk_rcvbuf = 20000;
	skb = afc_kunit_keep_skb(test, afc_sock_rmalloc(s, 1000, 0, AFC_GFP_PROCESS));
	charged = skb->truesize;
	KUNIT_EXPECT_EQ(test, afc_sock_rspace(s), (20000 - charged) / 2 - 2048);
	sock->sk->sk_rcvbuf = charged + 2 * 2048;	/* exactly two minimum windows left */
	KUNIT_EXPECT_EQ(test, afc_sock_rspace(s), 0);
}

static void wspace_arithmetic(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	struct sk_buff *skb;

	sock->sk->sk_sndbuf = 10000;
	KUNIT_EXPECT_EQ(test, afc_sock_wspace(s), 10000);
	skb = afc_kunit_keep_skb(test, afc_sock_wmalloc(s, 1000, 0, AFC_GFP_PROCESS));
	KUNIT_EXPECT_EQ(test, afc_sock_wspace(s), 10000 - (long)skb->truesize);
	sock->sk->sk_sndbuf = skb->truesize;	/* full */
	KUNIT_EXPECT_EQ(test, afc_sock_wspace(s), 0);
	sock->sk->sk_sndbuf = skb->truesize / 2;	/* over */
	KUNIT_EXPECT_EQ(test, afc_sock_wspace(s), 0);
	sock->sk->sk_sndbuf = 10000;
	KUNIT_EXPECT_EQ(test, afc_shutdown(s, SHUT_WR), 0);
	KUNIT_EXPECT_EQ(test, afc_sock_wspace(s), 0);
}

static void alloc_send_skb_full_nonblocking_is_eagain(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	int err = 0;

	sock->sk->sk_sndbuf = 4096;
	fill(test, s, true, 1000);
	KUNIT_EXPECT_NULL(test, afc_sock_alloc_send_skb(s, 100, 1, &err));
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	KUNIT_EXPECT_TRUE(test, test_bit(SOCK_NOSPACE, &sock->flags));
}

static void alloc_send_skb_sndtimeo_expires(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	unsigned long start;
	int err = 0;

	sock->sk->sk_sndbuf = 4096;
	sock->sk->sk_sndtimeo = msecs_to_jiffies(50);
	fill(test, s, true, 1000);
	start = jiffies;
	KUNIT_EXPECT_NULL(test, afc_sock_alloc_send_skb(s, 100, 0, &err));
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	KUNIT_EXPECT_GE(test, jiffies - start, msecs_to_jiffies(50));
}

static void alloc_send_skb_returns_pending_error_once(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	int err = 0;

	sock->sk->sk_err = ENETDOWN;
	KUNIT_EXPECT_NULL(test, afc_sock_alloc_send_skb(s, 100, 1, &err));
	KUNIT_EXPECT_EQ(test, err, -ENETDOWN);
	KUNIT_EXPECT_EQ(test, sock->sk->sk_err, 0);
	afc_kunit_keep_skb(test, afc_sock_alloc_send_skb(s, 100, 1, &err));
}

static void alloc_send_skb_after_send_shutdown_is_epipe(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	int err = 0;

	KUNIT_ASSERT_EQ(test, afc_shutdown(s, SHUT_WR), 0);
	KUNIT_EXPECT_NULL(test, afc_sock_alloc_send_skb(s, 100, 0, &err));
	KUNIT_EXPECT_EQ(test, err, -EPIPE);
}

static void queue_rcv_skb_charges_and_refuses_when_full(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	struct sk_buff *skb;
	int queued = 0;

	sock->sk->sk_rcvbuf = 4096;
	for (;;) {
		skb = alloc_skb(1000, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		if (afc_sock_queue_rcv_skb(s, skb))
			break;
		queued++;
		KUNIT_ASSERT_LT(test, queued, 100);
	}
	/* Refused untouched: the caller still owns it. */
	KUNIT_EXPECT_NULL(test, skb->sk);
	kfree_skb(skb);
	KUNIT_EXPECT_GT(test, queued, 0);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&sock->sk->sk_receive_queue), (u32)queued);
	KUNIT_EXPECT_GE(test, afc_sock_rmem(s), 4096);
	skb_queue_purge(&sock->sk->sk_receive_queue);
	KUNIT_EXPECT_EQ(test, afc_sock_rmem(s), 0);
}

/* A send buffer that cannot be allocated is ENOBUFS, as sock_alloc_send_pskb. */
static void alloc_send_skb_allocation_failure_is_enobufs(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	int err = 0;

	afc_fail_allocs(1);
	KUNIT_EXPECT_NULL(test, afc_sock_alloc_send_skb(s, 100, 1, &err));
	afc_fail_allocs(0);
	KUNIT_EXPECT_EQ(test, err, -ENOBUFS);
	KUNIT_EXPECT_EQ(test, afc_sock_wmem(s), 0);
	afc_kunit_keep_skb(test, afc_sock_alloc_send_skb(s, 100, 1, &err));
}

/* With SO_RCVBUFFORCE near INT_MAX the charge passes INT_MAX without wrapping. */
static void receive_charge_does_not_wrap_near_int_max(struct kunit *test)
{
	struct socket *sock = afc_kunit_socket(test, SOCK_DGRAM);
	struct afc_sock *s = afc_kunit_core(sock);
	struct sk_buff *a = alloc_skb(0, GFP_KERNEL), *b = alloc_skb(0, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	sock->sk->sk_rcvbuf = INT_MAX;
	a->truesize = INT_MAX - 1000;
	b->truesize = 1 << 20;
	KUNIT_ASSERT_EQ(test, afc_sock_queue_rcv_skb(s, a), 0);
	KUNIT_ASSERT_EQ(test, afc_sock_queue_rcv_skb(s, b), 0);	/* the charge was below */
	KUNIT_EXPECT_EQ(test, afc_sock_rmem(s), INT_MAX);		/* reported clamped */
	KUNIT_EXPECT_EQ(test, afc_sock_rspace(s), 0L);
	b = alloc_skb(0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_NE(test, afc_sock_queue_rcv_skb(s, b), 0);	/* full: refused */
	kfree_skb(b);
	skb_queue_purge(&sock->sk->sk_receive_queue);
	KUNIT_EXPECT_EQ(test, afc_sock_rmem(s), 0);
}

static struct kunit_case accounting_cases[] = {
	KUNIT_CASE(alloc_send_skb_allocation_failure_is_enobufs),
	KUNIT_CASE(receive_charge_does_not_wrap_near_int_max),
	KUNIT_CASE(wmalloc_refuses_at_sndbuf_unless_forced),
	KUNIT_CASE(rmalloc_refuses_at_rcvbuf_unless_forced),
	KUNIT_CASE(destructors_uncharge),
	KUNIT_CASE(rspace_arithmetic),
	KUNIT_CASE(wspace_arithmetic),
	KUNIT_CASE(alloc_send_skb_full_nonblocking_is_eagain),
	KUNIT_CASE(alloc_send_skb_sndtimeo_expires),
	KUNIT_CASE(alloc_send_skb_returns_pending_error_once),
	KUNIT_CASE(alloc_send_skb_after_send_shutdown_is_epipe),
	KUNIT_CASE(queue_rcv_skb_charges_and_refuses_when_full),
	{}
};

static struct kunit_suite accounting_suite = {
	.name = "afc_accounting",
	.test_cases = accounting_cases,
};

kunit_test_suites(&accounting_suite);
