// SPDX-License-Identifier: GPL-2.0
//
// The receive lookups: which socket a frame for a port goes to.  A bound socket is filed in one
// of two tables of its namespace (module/core/netns.h), under the namespace lock:
//
//   conn[]   connected sockets, by (local port, peer port, peer MAC); a socket connected to a
//            broadcast or multicast address takes frames from any MAC, so it is filed under
//            the all-zero MAC;
//   bound[]  the others, by (local port, interface; 0 = any).
//
// A unicast frame goes to the first socket that accepts it in, in order, the chains of its exact
// source, of any source, of its interface and of any interface: the most specific socket, found
// in O(1) however many sockets share a port (SO_REUSEADDR).  When several sockets are equally
// specific, the oldest binding gets the frame.  Broadcast and multicast frames go to every socket
// in those four chains that accepts them.
#include "netns.h"
#include "rx.h"

namespace afc {
namespace {

constexpr unsigned char kAnyMac[AFC_ETH_ALEN] = {};

bool is_multicast(const unsigned char *mac)
{
	return mac[0] & 1;
}

bool same_mac(const unsigned char *a, const unsigned char *b)
{
	return __builtin_memcmp(a, b, AFC_ETH_ALEN) == 0;
}

unsigned int mac_fold(const unsigned char *mac)
{
	return (mac[0] << 24 | mac[1] << 16 | mac[2] << 8 | mac[3]) ^ (mac[4] << 8 | mac[5]);
}

List<Socket> &conn_chain(Net *n, unsigned short port, unsigned short peer_port,
			 const unsigned char *peer_mac)
{
	unsigned int h = hash(n, (static_cast<unsigned int>(port) << 16 | peer_port) ^
				 hash(n, mac_fold(peer_mac)));
	return n->conn[h % Net::kRxBuckets];
}

List<Socket> &bound_chain(Net *n, unsigned short port, int ifindex)
{
	unsigned int h = hash(n, port ^ hash(n, static_cast<unsigned int>(ifindex)));
	return n->bound[h % Net::kRxBuckets];
}

List<Socket> &chain_of(Net *n, const Socket *s)
{
	if (!s->connected)
		return bound_chain(n, s->port, s->ifindex);
	const unsigned char *mac = is_multicast(s->peer.mac) ? kAnyMac : s->peer.mac;
	return conn_chain(n, s->port, s->peer.port, mac);
}

// Does @s take a frame for @dport described by @m?
bool accepts(const Socket *s, unsigned short dport, const RxMeta *m)
{
	if (s->port != dport || (s->ifindex && s->ifindex != m->ifindex))
		return false;
	if (!s->connected)
		return true;
	return s->peer.port == m->sport && (!s->peer.ifindex || s->peer.ifindex == m->ifindex) &&
	       (is_multicast(s->peer.mac) || same_mac(s->peer.mac, m->mac));
}

// The four chains a frame may find its sockets in, most specific first.  The last two are the
// same chain when the frame came in on "interface 0", which never happens for a real device.
struct Chains {
	List<Socket> *c[4];

	Chains(Net *n, unsigned short dport, const RxMeta *m)
		: c{ &conn_chain(n, dport, m->sport, m->mac), &conn_chain(n, dport, m->sport, kAnyMac),
		     &bound_chain(n, dport, m->ifindex), &bound_chain(n, dport, 0) }
	{
	}
};

} // namespace

void rx_hash(Socket *s)
{
	chain_of(net_of(s->net), s).push_back(s->by_rx);
}

void rx_unhash(Socket *s)
{
	if (s->by_rx.linked())
		s->by_rx.unlink();
}

Socket *rx_lookup(Net *n, unsigned short dport, const RxMeta *m)
{
	Chains ch(n, dport, m);

	for (List<Socket> *c : ch.c)
		for (Socket *s : *c)
			if (accepts(s, dport, m))
				return s;
	return nullptr;
}

void rx_fanout(Net *n, unsigned short dport, const RxMeta *m, void (*fn)(Socket *, void *),
	       void *arg)
{
	Chains ch(n, dport, m);

	for (unsigned int i = 0; i < 4; i++) {
		bool seen = false;	// two chains may be one bucket: visit each bucket once
		for (unsigned int j = 0; j < i; j++)
			seen |= ch.c[j] == ch.c[i];
		if (seen)
			continue;
		for (Socket *s : *ch.c[i])
			if (accepts(s, dport, m))
				fn(s, arg);
	}
}

} // namespace afc
