// SPDX-License-Identifier: GPL-2.0
//
// Socket ownership and the back_log, after the seeds' sk->inuse / back_log / release_sock, and
// the datagram receive queue reader, after skb_recv_datagram.
//
// A task owns a socket between afc_lock_sock and afc_release_sock (afc::Owner).  A frame that
// arrives from softirq while the socket is owned cannot run the receive function (the owner may
// be changing the state it reads), so it waits on the back_log.  The back_log is bounded in
// bytes, together with the receive queue, by SO_RCVBUF + SO_SNDBUF (as sk_add_backlog).
//
// release_sock drains it as __release_sock does: it takes the whole list, feeds it to the
// receive function in arrival order with the slock dropped (rescheduling between frames), then
// takes the list again, until it finds it empty; only then does it reset the back_log's count
// and give ownership up.  Frames that arrive during the drain join the new list, so nothing
// overtakes; and since the count is not lowered frame by frame, a flood can add at most one
// limit's worth during a drain: the drain always ends.
#include "conn.h"
#include "guards.h"

namespace afc {
namespace {

int recv_ready(Socket *s, unsigned long)
{
	return !afk_rq_empty(s->sk) || afk_sk_err_pending(s->sk) ||
	       (s->shutdown.load() & AFC_RCV_SHUTDOWN);
}

} // namespace

void deliver(Socket *s, struct sk_buff *skb)
{
	struct sock *sk = s->sk;

	if (afk_sk_filter(sk, skb)) {
		drop_for(s, AFC_DROP_FILTER);
		afk_skb_free(skb);
		return;
	}
	afk_skb_rx_detach(skb);

	SlockGuard slock(sk);
	if (!s->owned) {
		sock_rcv(s, skb);
		return;
	}
	long limit = static_cast<long>(afk_sk_rcvbuf(sk)) + afk_sk_sndbuf(sk);
	if (s->backlog_bytes + s->rmem.load() > limit) {
		drop_for(s, AFC_DROP_BACKLOG);
		afk_skb_free(skb);
		return;
	}
	unsigned int truesize = afk_skb_truesize(skb);
	afk_backlog_push(sk, skb);
	s->backlog_len++;
	s->backlog_bytes += truesize;
	s->backlog_held.add(truesize);
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

	for (;;) {
		while (struct sk_buff *skb = afk_backlog_take(sk)) {
			afk_owner_unlock(sk);
			do {
				struct sk_buff *next = afk_skb_next(skb);

				s->backlog_held.sub(afk_skb_truesize(skb));
				afc::sock_rcv(s, skb);
				afk_cond_resched();
				skb = next;
			} while (skb);
			afk_owner_lock(sk);
		}
		// A connection's timer that fired while the socket was owned runs now, as a frame
		// from the back_log would (timer.cc); it may queue more frames to drain.
		if (!s->conn.timer_deferred)
			break;
		s->conn.timer_deferred = false;
		afk_owner_unlock(sk);
		afc::timer_fire(s);
		afk_owner_lock(sk);
	}
	s->backlog_len = 0;
	s->backlog_bytes = 0;
	s->owned = false;
	afk_owner_released(sk);
	afk_owner_wake(sk);
}

extern "C" int afc_backlog_len(const Socket *s)
{
	return __atomic_load_n(&s->backlog_len, __ATOMIC_RELAXED);
}

extern "C" long afc_backlog_bytes(const Socket *s)
{
	return __atomic_load_n(&s->backlog_bytes, __ATOMIC_RELAXED);
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
		timeo = afk_sk_wait(sk, timeo, afc::recv_ready, s, 0);
	}
}
