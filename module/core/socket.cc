// SPDX-License-Identifier: GPL-2.0
//
// Socket object lifetime and the socket(2) argument checks.
#include "socket.h"

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

extern "C" struct afc_sock *afc_sock_new(int type)
{
	AFC_BUG_ON(afc_sock_check(type, 0) != 0);
	afc::Socket *s = new (afc::Ctx::Process) afc::Socket(type);
	if (s)
		live_sockets.add(1);
	return s;
}

extern "C" void afc_sock_attach(struct afc_sock *s, struct sock *sk)
{
	AFC_BUG_ON(s->sk != nullptr);
	s->sk = sk;
}

// close(2): the file is gone; the struct sock may live on while references remain.
extern "C" void afc_sock_release(struct afc_sock *s)
{
	AFC_BUG_ON(s->released);
	s->released = true;
}

// The struct sock's destructor: the last reference is gone.
extern "C" void afc_sock_free(struct afc_sock *s)
{
	if (!s)
		return;
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
