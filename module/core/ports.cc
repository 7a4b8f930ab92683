// SPDX-License-Identifier: GPL-2.0
//
// The port table: the seeds' inet_bind rules for af_custom's (namespace, port, interface).
//
// Two bindings overlap when their ports are equal and their interfaces are equal or either is 0
// (any).  Overlapping bindings conflict unless both sockets set SO_REUSEADDR.  Port 0 takes the
// next port of the ephemeral range that nobody holds at all.  Callers own the socket; the table
// itself is guarded by the namespace lock taken here.
#include "guards.h"
#include "netns.h"

namespace afc {
namespace {

bool overlap(int a, int b)
{
	return a == 0 || b == 0 || a == b;
}

bool in_use(Net *n, unsigned short port)
{
	for (Socket *t : n->bucket(port))
		if (t->port == port)
			return true;
	return false;
}

bool conflicts(Net *n, unsigned short port, int ifindex, bool reuse)
{
	for (Socket *t : n->bucket(port))
		if (t->port == port && overlap(t->ifindex, ifindex) && !(reuse && t->reuse))
			return true;
	return false;
}

// The next free ephemeral port after the last one handed out, or 0 when all are taken.
unsigned short pick_ephemeral(Net *n)
{
	unsigned int lo = n->ephemeral_lo, span = n->ephemeral_hi - lo + 1;
	unsigned int start = n->ephemeral_next - lo;

	for (unsigned int i = 0; i < span; i++) {
		unsigned short port = lo + (start + i) % span;

		if (!in_use(n, port)) {
			n->ephemeral_next = lo + (start + i + 1) % span;
			return port;
		}
	}
	return 0;
}

} // namespace

int port_bind(Socket *s, unsigned short port, int ifindex)
{
	Net *n = net_of(s->net);
	bool reuse = afk_sk_reuse(s->sk);
	NetLock lock(s->net);

	if (s->bound)
		return -AFC_EINVAL;
	if (port == 0) {
		port = pick_ephemeral(n);
		if (port == 0)
			return -AFC_EADDRINUSE;
	} else if (conflicts(n, port, ifindex, reuse)) {
		return -AFC_EADDRINUSE;
	}
	s->port = port;
	s->ifindex = ifindex;
	s->reuse = reuse;
	s->bound = true;
	n->bucket(port).push_back(s->by_port);
	return 0;
}

void port_unbind(Socket *s)
{
	NetLock lock(s->net);

	if (s->bound) {
		s->by_port.unlink();
		s->bound = false;
	}
}

} // namespace afc

// For KUnit: shrink the ephemeral range to test running out of ports.
extern "C" void afc_net_set_ephemeral(struct net *net, unsigned int lo, unsigned int hi)
{
	afc::Net *n = afc::net_of(net);
	afc::NetLock lock(net);

	AFC_BUG_ON(lo == 0 || lo > hi || hi > 0xffff);
	n->ephemeral_lo = lo;
	n->ephemeral_hi = hi;
	n->ephemeral_next = lo;
}
