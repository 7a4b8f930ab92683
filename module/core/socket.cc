// SPDX-License-Identifier: GPL-2.0
//
// Socket object lifetime and the socket(2) argument checks.
#include "guards.h"
#include "netns.h"

namespace {

// Live socket objects, for leak checks (KUnit and /proc).
afc::Atomic<long> live_sockets;

} // namespace

// socket(AF_CUSTOM, type, protocol): the protocol must be 0 (there is one protocol per type), and
// the type one of the three the family implements.  The protocol is checked first, as TIPC does.
extern "C" int afc_sock_check(int type, int protocol)
{
	if (protocol != 0)
		return -AFC_EPROTONOSUPPORT;
	switch (type) {
	case AFC_SOCK_STREAM:
	case AFC_SOCK_SEQPACKET:
	case AFC_SOCK_DGRAM:
		return 0;
	default:
		return -AFC_ESOCKTNOSUPPORT;
	}
}

extern "C" struct afc_sock *afc_sock_new(int type, enum afc_gfp gfp)
{
	AFC_BUG_ON(afc_sock_check(type, 0) != 0);
	afc::Socket *s = new (gfp == AFC_GFP_ATOMIC ? afc::Ctx::Atomic : afc::Ctx::Process)
		afc::Socket(type);
	if (s)
		live_sockets.add(1);
	return s;
}

// The struct sock exists: enter the namespace's socket table (listed in /proc from now on).
extern "C" void afc_sock_attach(struct afc_sock *s, struct sock *sk)
{
	AFC_BUG_ON(s->sk != nullptr);
	s->sk = sk;
	s->net = afk_sk_net(sk);

	afc::Net *n = afc::net_of(s->net);
	afc::NetLock lock(s->net);
	afc::sock_bucket(n, s).push_back(s->all);
}

// close(2): the file is gone.  Leave the port table, so no new frame finds the socket, and free
// what is queued; the struct sock may live on while sk_buffs in flight hold it.  A connection
// may live on too, to close in order (module/core/stream.cc).
extern "C" void afc_sock_release(struct afc_sock *s)
{
	AFC_BUG_ON(s->released.load());
	if (s->type != AFC_SOCK_DGRAM) {
		afc::conn_release(s);
		return;
	}
	{
		afc::Owner own(s);

		s->shutdown.store(AFC_SHUTDOWN_MASK);
		afc::port_unbind(s);
		afc::NetLock lock(s->net);
		s->all.unlink();
	}
	s->released.store(true);
	afk_rq_purge(s->sk);
}

// The struct sock's destructor: the last reference is gone.  Frames a softirq delivered while
// the socket was being released may still be queued; their destructors need @s.
extern "C" void afc_sock_free(struct afc_sock *s)
{
	if (!s)
		return;
	if (s->sk) {
		afk_backlog_purge(s->sk);
		afk_rq_purge(s->sk);
	}
	// A connection leaves the socket list only now (/proc shows it until it is gone); every
	// socket left the port and receive tables; their buffers all gave their charge back.
	if (s->all.linked()) {
		afc::NetLock lock(s->net);
		s->all.unlink();
	}
	// Still in a table: receive lookups under RCU may stand on it right now (the grace period
	// that brought us here began before it was taken out), so it is taken out and leaked.
	if (AFC_WARN_ON_ONCE(s->by_port.linked() || afc::rx_hashed(s))) {
		afc::NetLock lock(s->net);
		s->by_port.unlink();
		afc::rx_unhash(s);
		return;
	}
	AFC_WARN_ON_ONCE(s->wmem.load() || s->rmem.load());
	delete s;
	live_sockets.sub(1);
}

extern "C" int afc_sock_type(const struct afc_sock *s)
{
	return s->type;
}


extern "C" long afc_sock_live(void)
{
	return live_sockets.load();
}
