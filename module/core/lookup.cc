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
//
// Unicast lookups run under RCU alone: the chains are RcuChains (module/core/rcu_list.h, a walk
// that ends in another chain starts over), sockets are freed a grace period after their last
// reference (SOCK_RCU_FREE), and a socket's key is read between two reads of its `rx_seq`: odd
// while the socket is out of the tables (rx_unhash makes it odd before the socket leaves,
// rx_hash even after its key is final and before it is published), so a key read while it
// changes, or a group head that is leaving, makes the walk start over.  The whole lookup (six
// walks) is trusted only if the namespace's `rx_gen` was even and did not move meanwhile: a
// writer that changed the tables while it ran (a successor published at a chain's front behind
// the reader, a socket moving from a chain not yet walked to one already walked) sends it to the
// lock.  The socket found is returned with a reference taken only if its count is not already
// zero.  Fan-out walks the groups' member lists, which only the namespace lock guards.
#include "guards.h"
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

RcuChain<Socket> &chain(Net *n, const Key &k)
{
	unsigned int h = key_hash(n, k) % Net::kRxBuckets;

	return k.mac ? n->conn[h] : n->bound[h];
}

// The head of the group with key @k, or nullptr: under RCU or the namespace lock (*@gave_up: an
// RCU reader restarted too often, the answer is not known).
Socket *group(Net *n, const Key &k, bool *gave_up)
{
	using Match = RcuChain<Socket>::Match;

	return chain(n, k).find([&k](const Socket *s) {
		unsigned int seq = s->rx_seq.load();

		if (seq & 1)
			return Match::Restart;		// leaving: its place has another by now
		bool equal = key_equal(s, k);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);	// the key read before seq again
		if (s->rx_seq.load() != seq)
			return Match::Restart;		// the key changed while it was read
		return equal ? Match::Yes : Match::No;
	}, gave_up);
}

// Under the namespace lock no entry moves: a walk never restarts.
Socket *group_locked(Net *n, const Key &k)
{
	bool gave_up = false;
	Socket *s = group(n, k, &gave_up);

	AFC_WARN_ON_ONCE(gave_up);
	return s;
}

// The groups a frame for @dport may go to, most specific first.  A unicast lookup stops at the
// first group found (@first); a fanout collects them all.
struct Groups {
	Socket *g[6];
	unsigned int n = 0;
	bool gave_up = false;	// an RCU walk restarted too often: look again under the lock

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
			Socket *head = group(net, k, &gave_up);
			if (gave_up)
				return;
			if (head) {
				g[n++] = head;
				if (first)
					return;
			}
		}
	}
};

} // namespace

// The key is final: even before the socket can be found (the atomic's release orders the key's
// stores before it, the chain's publication orders it before the link).
void rx_hash(Socket *s)
{
	Net *n = net_of(s->net);
	Key k = key_of(s);
	RxChange change(n);

	if (AFC_WARN_ON_ONCE(!(s->rx_seq.load() & 1)))
		return;		// hashed already
	s->rx_seq.add(1);
	if (Socket *head = group_locked(n, k))
		head->group.push_back(s->in_group);	// joins as the youngest
	else
		chain(n, k).push_front(s->by_rx);	// heads a group of its own
}

// Odd before the socket leaves; the fence keeps later stores to its key after that (the kernel's
// write_seqcount_begin).  A leaving head's successor takes its place at the front of the chain
// before the head is unlinked: a reader finds one or the other (RcuChain: only push_front).
void rx_unhash(Socket *s)
{
	if (!rx_hashed(s))
		return;
	RxChange change(net_of(s->net));
	s->rx_seq.add(1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (!s->by_rx.linked()) {
		s->in_group.unlink();
		return;
	}
	if (Socket *next = s->group.front()) {
		next->in_group.unlink();
		while (Socket *t = s->group.front()) {
			t->in_group.unlink();
			next->group.push_back(t->in_group);
		}
		chain(net_of(s->net), key_of(s)).push_front(next->by_rx);
	}
	RcuChain<Socket>::unlink(s->by_rx);
}

bool rx_conn_exists(const Socket *s)
{
	return group_locked(net_of(s->net), key_of(s)) != nullptr;
}

bool rx_hashed(const Socket *s)
{
	return s->by_rx.linked() || s->in_group.linked();
}

namespace {

// The unicast answer with a reference, or nullptr: none, or its last reference is gone (it is
// closing, its memory waits for the grace period).
Socket *held(const Groups &gs)
{
	if (!gs.n || !afk_sk_hold_live(gs.g[0]->sk))
		return nullptr;
	return gs.g[0];
}

Socket *rx_lookup_locked(Net *n, int type, unsigned short dport, const RxMeta *m)
{
	NetLock lock(n->net);

	return held(Groups(n, type, dport, m, true));
}

} // namespace

Socket *rx_lookup(Net *n, int type, unsigned short dport, const RxMeta *m)
{
	{
		RcuRead rcu;
		unsigned int gen = n->rx_gen.load();

		if (!(gen & 1)) {
			Groups gs(n, type, dport, m, true);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);	// the walks before gen again
			if (!gs.gave_up && n->rx_gen.load() == gen)
				return held(gs);
		}
	}
	count(n, AFC_STAT_RX_RELOOKUPS);
	return rx_lookup_locked(n, type, dport, m);
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
