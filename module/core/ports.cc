// SPDX-License-Identifier: GPL-2.0
//
// The port table: the seeds' inet_bind rules for af_custom's (namespace, port, interface).
//
// Two bindings overlap when their ports are equal and their interfaces are equal or either is 0
// (any).  Overlapping bindings conflict unless both sockets set SO_REUSEADDR.  Port 0 takes the
// next port of the ephemeral range that nobody holds at all: one pass over the namespace's port
// bitmap.  Callers own the socket; the table itself is guarded by the namespace lock taken here.
#include "guards.h"
#include "netns.h"

namespace afc {
namespace {

bool overlap(int a, int b)
{
	return a == 0 || b == 0 || a == b;
}

bool port_held(const Net *n, unsigned int port)
{
	return n->port_map[port / Net::kWordBits] & (1UL << (port % Net::kWordBits));
}

void port_mark(Net *n, unsigned int port, bool held)
{
	unsigned long bit = 1UL << (port % Net::kWordBits);

	if (held)
		n->port_map[port / Net::kWordBits] |= bit;
	else
		n->port_map[port / Net::kWordBits] &= ~bit;
}

// Does another socket than @self hold @port?
bool port_shared(Net *n, unsigned short port, const Socket *self)
{
	for (Socket *t : port_bucket(n, port))
		if (t != self && t->port == port)
			return true;
	return false;
}

// Each socket type has its port space (as TCP and UDP do); a connection accepted on a port
// shares it with its listener and is not a binding of its own.
bool conflicts(Net *n, int type, unsigned short port, int ifindex, bool reuse,
	       const Socket *self)
{
	for (Socket *t : port_bucket(n, port))
		if (t != self && t->type == type && t->port == port && !t->child &&
		    overlap(t->ifindex, ifindex) && !(reuse && t->reuse))
			return true;
	return false;
}

// The first port in [from, to] that nobody holds, or 0; whole words of held ports are skipped.
unsigned short first_free(const Net *n, unsigned int from, unsigned int to)
{
	for (unsigned int p = from; p <= to;) {
		if (p % Net::kWordBits == 0 && n->port_map[p / Net::kWordBits] == ~0UL) {
			p += Net::kWordBits;
			continue;
		}
		if (!port_held(n, p))
			return static_cast<unsigned short>(p);
		p++;
	}
	return 0;
}

// The next free ephemeral port after the last one handed out, or 0 when all are taken.
unsigned short pick_ephemeral(Net *n)
{
	unsigned short port = first_free(n, n->ephemeral_next, n->ephemeral_hi);

	if (!port && n->ephemeral_next > n->ephemeral_lo)
		port = first_free(n, n->ephemeral_lo, n->ephemeral_next - 1);
	if (port)
		n->ephemeral_next = port == n->ephemeral_hi ? n->ephemeral_lo : port + 1;
	return port;
}

} // namespace

int port_bind(Socket *s, unsigned short port, int ifindex)
{
	Net *n = net_of(s->net);
	bool reuse = afk_sk_reuse(s->sk);
	int dev = afk_sk_bound_dev_if(s->sk);
	NetLock lock(s->net);

	if (s->bound)
		return -AFC_EINVAL;
	int effective = dev ? dev : ifindex;
	if (port == 0) {
		port = pick_ephemeral(n);
		if (port == 0)
			return -AFC_EADDRINUSE;
	} else if (conflicts(n, s->type, port, effective, reuse, s)) {
		return -AFC_EADDRINUSE;
	}
	s->port = port;
	s->bind_ifindex = ifindex;
	s->ifindex = effective;
	s->reuse = reuse;
	s->bound = true;
	port_bucket(n, port).push_back(s->by_port);
	port_mark(n, port, true);
	rx_hash(s);
	return 0;
}

void port_unbind(Socket *s)
{
	Net *n = net_of(s->net);
	NetLock lock(s->net);

	if (!s->bound)
		return;
	rx_unhash(s);
	s->by_port.unlink();
	if (!port_shared(n, s->port, s))
		port_mark(n, s->port, false);
	s->bound = false;
}

// A listener's new child takes the listener's port and interface, filed under its peer; -EEXIST
// when a connection with that peer exists already (two copies of one SYN).
int port_bind_child(Socket *c, const Socket *l)
{
	Net *n = net_of(c->net);
	NetLock lock(c->net);

	c->port = l->port;
	c->ifindex = l->ifindex;
	c->bind_ifindex = l->bind_ifindex;
	c->child = true;
	if (rx_conn_exists(c))
		return -AFC_EEXIST;
	c->bound = true;
	port_bucket(n, c->port).push_back(c->by_port);
	port_mark(n, c->port, true);
	rx_hash(c);
	return 0;
}

// SO_BINDTODEVICE moved a bound socket: as UDP's rehash, without the conflict check (the
// kernel's setsockopt cannot fail by then).  The most specific socket still wins a frame.
void port_set_ifindex(Socket *s, int ifindex)
{
	if (!s->bound || s->ifindex == ifindex)
		return;
	RxChange change(net_of(s->net));	// one move
	rx_unhash(s);
	s->ifindex = ifindex;
	rx_hash(s);
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
