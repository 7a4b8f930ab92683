// SPDX-License-Identifier: GPL-2.0
//
// The receive lookups: which socket a frame for a port goes to.  A bound socket is filed in one
// of two tables of its namespace (module/core/netns.h), under the namespace lock, by a key:
//
//   conn[]   connected sockets, by (type, local port, peer port, peer MAC, interface), where the
//            interface is the bound one, else the peer's (0 = any); a socket connected to a
//            broadcast or multicast address takes frames from any MAC, so it is filed under the
//            all-zero MAC;
//   bound[]  the others, by (type, local port, interface; 0 = any).
//
// Sockets with equal keys form a group: the oldest is the group's head and sits in the hash
// chain, the others hang off it in binding order.  A chain therefore holds one entry per
// distinct key, and a lookup compares keys only: it never walks the sockets that share a port
// (SO_REUSEADDR), and every socket of a matching group accepts the frame.
//
// A unicast frame goes to the head of the first group found, in order: connected to its source
// on its interface, on any interface; connected to any source on its interface, on any; bound
// to its interface; bound to any.  Broadcast and multicast frames go to every socket of those
// groups.
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

// A lookup key.  `mac` is null for the bound table.
struct Key {
	int type;
	unsigned short port;
	int ifindex;
	unsigned short peer_port;
	const unsigned char *mac;
};

unsigned int key_hash(Net *n, const Key &k)
{
	unsigned int h = hash(n, static_cast<unsigned int>(k.type) << 16 | k.port);
	h = hash(n, h ^ static_cast<unsigned int>(k.ifindex));
	if (k.mac) {
		h = hash(n, h ^ k.peer_port);
		h = hash(n, h ^ (k.mac[0] << 24 | k.mac[1] << 16 | k.mac[2] << 8 | k.mac[3]));
		h = hash(n, h ^ (k.mac[4] << 8 | k.mac[5]));
	}
	return h;
}

Key key_of(const Socket *s)
{
	if (!s->connected)
		return Key{ s->type, s->port, s->ifindex, 0, nullptr };
	const unsigned char *mac = is_multicast(s->peer.mac) ? kAnyMac : s->peer.mac;
	return Key{ s->type, s->port, s->ifindex ? s->ifindex : s->peer.ifindex, s->peer.port,
		    mac };
}

bool key_equal(const Socket *s, const Key &k)
{
	Key o = key_of(s);

	if (o.type != k.type || o.port != k.port || o.ifindex != k.ifindex ||
	    !o.mac != !k.mac)
		return false;
	return !k.mac || (o.peer_port == k.peer_port && same_mac(o.mac, k.mac));
}

List<Socket> &chain(Net *n, const Key &k)
{
	unsigned int h = key_hash(n, k) % Net::kRxBuckets;

	return k.mac ? n->conn[h] : n->bound[h];
}

// The head of the group with key @k, or nullptr.
Socket *group(Net *n, const Key &k)
{
	for (Socket *s : chain(n, k))
		if (key_equal(s, k))
			return s;
	return nullptr;
}

// The groups a frame for @dport may go to, most specific first.  A unicast lookup stops at the
// first group found (@first); a fanout collects them all.
struct Groups {
	Socket *g[6];
	unsigned int n = 0;

	Groups(Net *net, int type, unsigned short dport, const RxMeta *m, bool first)
	{
		const Key keys[] = {
			{ type, dport, m->ifindex, m->sport, m->mac },
			{ type, dport, 0, m->sport, m->mac },
			{ type, dport, m->ifindex, m->sport, kAnyMac },
			{ type, dport, 0, m->sport, kAnyMac },
			{ type, dport, m->ifindex, 0, nullptr },
			{ type, dport, 0, 0, nullptr },
		};
		for (const Key &k : keys) {
			if (Socket *head = group(net, k)) {
				g[n++] = head;
				if (first)
					return;
			}
		}
	}
};

} // namespace

void rx_hash(Socket *s)
{
	Net *n = net_of(s->net);
	Key k = key_of(s);

	if (Socket *head = group(n, k))
		head->group.push_back(s->in_group);	// joins as the youngest
	else
		chain(n, k).push_back(s->by_rx);	// heads a group of its own
}

void rx_unhash(Socket *s)
{
	if (s->by_rx.linked()) {
		// The head leaves: the next oldest takes its place in the chain.
		if (Socket *next = s->group.front()) {
			next->in_group.unlink();
			s->by_rx.replace_with(next->by_rx);
			while (Socket *t = s->group.front()) {
				t->in_group.unlink();
				next->group.push_back(t->in_group);
			}
		} else {
			s->by_rx.unlink();
		}
	} else if (s->in_group.linked()) {
		s->in_group.unlink();
	}
}

bool rx_conn_exists(const Socket *s)
{
	return group(net_of(s->net), key_of(s)) != nullptr;
}

bool rx_hashed(const Socket *s)
{
	return s->by_rx.linked() || s->in_group.linked();
}

Socket *rx_lookup(Net *n, int type, unsigned short dport, const RxMeta *m)
{
	Groups gs(n, type, dport, m, true);

	return gs.n ? gs.g[0] : nullptr;
}

void rx_fanout(Net *n, int type, unsigned short dport, const RxMeta *m,
	       void (*fn)(Socket *, void *), void *arg)
{
	Groups gs(n, type, dport, m, false);

	for (unsigned int i = 0; i < gs.n; i++) {
		fn(gs.g[i], arg);
		for (Socket *s : gs.g[i]->group)
			fn(s, arg);
	}
}

} // namespace afc
