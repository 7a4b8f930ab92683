// SPDX-License-Identifier: GPL-2.0
//
// Socket ownership and the back_log, after the seeds' sk->inuse / back_log / release_sock, and
// the datagram receive queue reader, after skb_recv_datagram.
//
// A task owns a socket between afc_lock_sock and afc_release_sock (afc::Owner).  A frame that
// arrives from softirq while the socket is owned cannot run the receive function (the owner may
// be changing the state it reads), so it waits on the back_log, at most kBacklogMax frames.
// release_sock feeds the back_log to the receive function in arrival order, with the slock
// dropped for each frame, and only then gives ownership up: frames that arrive meanwhile join the
// back_log's tail and are drained in the same pass, so nothing overtakes.
#include "guards.h"
#include "netns.h"
#include "rx.h"

namespace afc {
namespace {

int recv_ready(Socket *s)
{
	return !afk_rq_empty(s->sk) || afk_sk_err_pending(s->sk) ||
	       (s->shutdown.load() & AFC_RCV_SHUTDOWN);
}

} // namespace

void deliver(Socket *s, struct sk_buff *skb)
{
	SlockGuard slock(s->sk);

	if (!s->owned) {
		sock_rcv(s, skb);
		return;
	}
	if (s->backlog_len >= kBacklogMax) {
		count_drop(net_of(s->net), AFC_DROP_BACKLOG);
		s->drops.add(1);
		afk_skb_free(skb);
		return;
	}
	afk_backlog_push(s->sk, skb);
	s->backlog_len++;
}

} // namespace afc

using afc::Socket;

extern "C" void afc_lock_sock(Socket *s)
{
	{
		afc::SlockGuard slock(s->sk);

		while (s->owned)
			afk_owner_wait(s->sk);
		s->owned = true;
	}
	afk_owner_acquired(s->sk);
}

extern "C" void afc_release_sock(Socket *s)
{
	struct sock *sk = s->sk;
	afc::SlockGuard slock(sk);

	while (struct sk_buff *skb = afk_backlog_pop(sk)) {
		s->backlog_len--;
		afk_owner_unlock(sk);
		afc::sock_rcv(s, skb);
		afk_owner_lock(sk);
	}
	AFC_BUG_ON(s->backlog_len != 0);
	s->owned = false;
	afk_owner_released(sk);
	afk_owner_wake(sk);
}

extern "C" int afc_backlog_len(const Socket *s)
{
	return __atomic_load_n(&s->backlog_len, __ATOMIC_RELAXED);
}

// The next datagram of @s: dequeued, or with MSG_PEEK left queued and returned with a reference
// of its own.  NULL with *err set when there is none: a pending error (once), 0 after
// shutdown(SHUT_RD), EAGAIN when non-blocking or SO_RCVTIMEO ran out, ERESTARTSYS/EINTR on a
// signal.
extern "C" struct sk_buff *afc_skb_recv_datagram(Socket *s, int flags, int *err)
{
	struct sock *sk = s->sk;
	long timeo = afk_sk_rcvtimeo(sk, flags & AFC_MSG_DONTWAIT);

	for (;;) {
		{
			afc::Owner own(s);
			struct sk_buff *skb =
				(flags & AFC_MSG_PEEK) ? afk_rq_peek_get(sk) : afk_rq_dequeue(sk);
			if (skb)
				return skb;
			int e = afk_sk_err_take(sk);
			if (e) {
				*err = e;
				return nullptr;
			}
			if (s->shutdown.load() & AFC_RCV_SHUTDOWN) {
				*err = 0;
				return nullptr;
			}
			if (!timeo) {
				*err = -AFC_EAGAIN;
				return nullptr;
			}
		} // release_sock: the back_log drains into the receive queue here
		if (afk_signal_pending()) {
			*err = afk_sock_intr_errno(timeo);
			return nullptr;
		}
		timeo = afk_sk_wait(sk, timeo, afc::recv_ready, s);
	}
}
