// SPDX-License-Identifier: GPL-2.0
//
// Socket memory accounting, after the seeds' sock_wmalloc / sock_rmalloc / sock_wfree /
// sock_rfree / sock_rspace / sock_wspace / sock_alloc_send_skb / sock_queue_rcv_skb.
//
// Every buffer is charged to its socket by its truesize and uncharged by its destructor.  The
// limits are the socket's SO_SNDBUF and SO_RCVBUF.  As in today's kernels, a buffer is refused
// once the charge has reached the limit (not when this buffer would cross it): one datagram
// larger than the whole buffer can still be sent and received.
#include "socket.h"

namespace afc {
namespace {

// The seeds' TCP window bounds, used by sock_rspace.  The seeds' MAX_WINDOW was 32767 (a 16-bit
// field); the wire's window is 32 bits, and the cap is 16 MiB so that a connection may keep
// megabytes in flight when its buffers allow.
constexpr long kMinWindow = 2048;
constexpr long kMaxWindow = 16L << 20;

// @events: the socket's device-event count when the sender went to sleep.
int send_ready(Socket *s, unsigned long events)
{
	return send_room(s) || afk_sk_err_pending(s->sk) ||
	       (s->shutdown.load() & AFC_SEND_SHUTDOWN) || s->dev_events.load() != events;
}

} // namespace
} // namespace afc

using afc::Socket;

namespace afc {
namespace {

// The seeds' sock_wmalloc and sock_rmalloc: one buffer charged to @charge, unless the charge
// has reached @limit and the caller does not force it.
struct sk_buff *charged_alloc(Socket *s, Atomic<long> &charge, long limit, afc_size_t size,
			      int force, enum afc_gfp gfp,
			      void (*own)(struct sk_buff *, struct sock *))
{
	if (!force && charge.load() >= limit)
		return nullptr;
	if (inject_alloc_failure())
		return nullptr;
	struct sk_buff *skb = afk_skb_alloc(size, gfp);
	if (!skb)
		return nullptr;
	charge.add(afk_skb_truesize(skb));
	own(skb, s->sk);
	return skb;
}

} // namespace
} // namespace afc

extern "C" struct sk_buff *afc_sock_wmalloc(Socket *s, afc_size_t size, int force,
					    enum afc_gfp gfp)
{
	return afc::charged_alloc(s, s->wmem, afk_sk_sndbuf(s->sk), size, force, gfp,
				  afk_skb_own_w);
}

extern "C" struct sk_buff *afc_sock_rmalloc(Socket *s, afc_size_t size, int force,
					    enum afc_gfp gfp)
{
	return afc::charged_alloc(s, s->rmem, afk_sk_rcvbuf(s->sk), size, force, gfp,
				  afk_skb_own_r);
}

// Destructor of send buffers: uncharge, and wake writers once at least half the send buffer is
// free again (as sock_def_write_space), not on every frame that leaves.
extern "C" void afc_sock_wfree(Socket *s, unsigned int truesize)
{
	long left = s->wmem.sub(truesize);

	if (AFC_WARN_ON_ONCE(left < 0))
		s->wmem.store(0);
	if (!s->released.load() && 2 * left <= afk_sk_sndbuf(s->sk))
		afk_sk_write_space(s->sk);
}

extern "C" void afc_sock_rfree(Socket *s, unsigned int truesize)
{
	if (AFC_WARN_ON_ONCE(s->rmem.sub(truesize) < 0))
		s->rmem.store(0);
}

// Room to advertise in the receive window: half the free receive buffer less a minimum window,
// capped at the maximum window; nothing once less than two minimum windows are left.
extern "C" long afc_sock_rspace(const Socket *s)
{
	long rcvbuf = afk_sk_rcvbuf(s->sk), rmem = s->rmem.load();

	if (rmem >= rcvbuf - 2 * afc::kMinWindow)
		return 0;
	long amt = (rcvbuf - rmem) / 2 - afc::kMinWindow;
	return amt > afc::kMaxWindow ? afc::kMaxWindow : amt;
}

// Free send buffer; nothing after shutdown(SHUT_WR).
extern "C" long afc_sock_wspace(const Socket *s)
{
	long sndbuf = afk_sk_sndbuf(s->sk), wmem = s->wmem.load();

	if ((s->shutdown.load() & AFC_SEND_SHUTDOWN) || wmem >= sndbuf)
		return 0;
	return sndbuf - wmem;
}

extern "C" int afc_sock_wmem(const Socket *s)
{
	return afc::clamp_int(s->wmem.load());
}

extern "C" int afc_sock_rmem(const Socket *s)
{
	return afc::clamp_int(s->rmem.load());
}

namespace afc {

// A send buffer of @size bytes, charged to @s.  A pending error is returned once (and cleared);
// EPIPE after shutdown(SHUT_WR); with the send buffer full, EAGAIN when non-blocking or when
// the time in *@timeo runs out, ERESTARTSYS/EINTR on a signal, otherwise sleep until there is
// room.  ENOBUFS when the buffer cannot be allocated (as sock_alloc_send_pskb).  kDevEvent when
// the socket's device-event count is no longer *@events (the caller's snapshot from before it
// looked its device up): the caller looks the device up again and calls again with what is left
// of *@timeo.  The caller counts itself in tx_sleepers for as long as it may come here.
struct sk_buff *send_alloc(Socket *s, afc_size_t size, long *timeo, int *err,
			   unsigned long *events)
{
	struct sock *sk = s->sk;

	for (;;) {
		int e = afk_sk_err_take(sk);
		if (e) {
			*err = e;
			return nullptr;
		}
		if (s->shutdown.load() & AFC_SEND_SHUTDOWN) {
			*err = -AFC_EPIPE;
			return nullptr;
		}
		if (send_room(s)) {
			struct sk_buff *skb = afc_sock_wmalloc(s, size, 1, AFC_GFP_PROCESS);
			if (!skb)
				*err = -AFC_ENOBUFS;
			return skb;
		}
		if (s->dev_events.load() != *events) {
			*events = s->dev_events.load();
			*err = kDevEvent;
			return nullptr;
		}
		afk_sk_set_nospace(sk);
		if (!*timeo) {
			*err = -AFC_EAGAIN;
			return nullptr;
		}
		if (afk_signal_pending()) {
			*err = afk_sock_intr_errno(*timeo);
			return nullptr;
		}
		*timeo = afk_sk_wait(sk, *timeo, send_ready, s, *events);
	}
}

} // namespace afc

extern "C" struct sk_buff *afc_sock_alloc_send_skb(Socket *s, afc_size_t size, int noblock,
						   int *err)
{
	long timeo = afk_sk_sndtimeo(s->sk, noblock);
	unsigned long events = s->dev_events.load();

	for (;;) {
		struct sk_buff *skb = afc::send_alloc(s, size, &timeo, err, &events);
		if (skb || *err != afc::kDevEvent)
			return skb;
	}
}

// Queue a received buffer: charge it, append it to the receive queue, wake readers.  -ENOMEM
// (the buffer untouched, for the caller to drop and count) when the receive buffer is full.
extern "C" int afc_sock_queue_rcv_skb(Socket *s, struct sk_buff *skb)
{
	if (s->rmem.load() >= afk_sk_rcvbuf(s->sk))
		return -AFC_ENOMEM;
	s->rmem.add(afk_skb_truesize(skb));
	afk_skb_own_r(skb, s->sk);
	afk_rq_tail(s->sk, skb);
	if (!s->released.load())
		afk_sk_data_ready(s->sk);
	return 0;
}
