// SPDX-License-Identifier: GPL-2.0
//
// Per-network-namespace state: the socket tables, the ephemeral port range and the counters of
// /proc/net/af_custom_stat.  The tables are changed under the namespace's lock (afk_net_lock);
// the receive tables are also read under RCU alone (module/core/lookup.cc); the counters are
// atomics.
//
//   sockets[]  every open socket, hashed by address: /proc walks it a bucket at a time
//   ports[]    bound sockets by port, for the bind rules (module/core/ports.cc)
//   port_map   one bit per port that some socket holds: the ephemeral search is one pass
//   bound[]    bound, unconnected sockets by (port, interface)   } the receive lookups
//   conn[]     connected sockets by (port, peer port, peer MAC)   } (module/core/lookup.cc)
#pragma once

#include "list.h"
#include "socket.h"

struct afc_net {
	explicit afc_net(struct net *net, unsigned int seed) : net(net), seed(seed)
	{
		for (unsigned int i = 0; i < kRxBuckets; i++) {
			bound[i].init(i);
			conn[i].init(kRxBuckets + i);
		}
	}
	afc_net(const afc_net &) = delete;
	afc_net &operator=(const afc_net &) = delete;

	// Enumerators, not static constexpr members: those are inline variables, which -fno-weak
	// (Kbuild) cannot give one copy.
	enum : unsigned int {
		kSockBuckets = 256,
		kPortBuckets = 512,
		kRxBuckets = 512,
		kPorts = 65536,
		kWordBits = 8 * sizeof(unsigned long),
		kEphemeralLo = 49152,
		kEphemeralHi = 65535,
	};

	struct net *const net;
	const unsigned int seed;	// hash seed: a user cannot aim sockets at one bucket
	afc::List<afc::Socket> sockets[kSockBuckets];
	afc::List<afc::Socket> ports[kPortBuckets];
	afc::RcuChain<afc::Socket> bound[kRxBuckets];
	afc::RcuChain<afc::Socket> conn[kRxBuckets];
	afc::Atomic<unsigned int> rx_gen;	// odd while bound[]/conn[] change (lookup.cc)
	unsigned int rx_changing = 0;		// RxChange nesting (namespace lock)
	unsigned long port_map[kPorts / kWordBits] = {};
	unsigned short ephemeral_lo = kEphemeralLo;
	unsigned short ephemeral_hi = kEphemeralHi;
	unsigned short ephemeral_next = kEphemeralLo;

	afc::Atomic<unsigned long> stats[AFC_STAT_DROPS + AFC_DROP_MAX];
};

namespace afc {

using Net = ::afc_net;

inline Net *net_of(const struct net *net)
{
	return afk_net_core(net);
}

inline void count(Net *n, enum afc_stat stat, unsigned long v = 1)
{
	n->stats[stat].add(v);
}

inline void count_drop(Net *n, enum afc_drop reason)
{
	n->stats[AFC_STAT_DROPS + reason].add(1);
}

// A 32-bit mix (lowbias32) of @x and the namespace's seed, for the tables above.
inline unsigned int hash(const Net *n, unsigned int x)
{
	x ^= n->seed;
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

inline List<Socket> &sock_bucket(Net *n, const Socket *s)
{
	unsigned long p = reinterpret_cast<unsigned long>(s);

	return n->sockets[hash(n, static_cast<unsigned int>(p >> 6)) % Net::kSockBuckets];
}

inline List<Socket> &port_bucket(Net *n, unsigned short port)
{
	return n->ports[hash(n, port) % Net::kPortBuckets];
}

// The port table (module/core/ports.cc).  port_bind and port_unbind take the namespace lock.
int port_bind(Socket *s, unsigned short port, int ifindex);
void port_unbind(Socket *s);
void port_set_ifindex(Socket *s, int ifindex);	// namespace lock held
int port_bind_child(Socket *c, const Socket *listener);

// A change of the receive tables, the namespace lock held: rx_gen is odd from the outermost
// one's start to its end, so that a lookup under RCU that overlapped it looks again under the
// lock (module/core/lookup.cc).  A move (rx_unhash, new binding or peer, rx_hash) is one change:
// in between the socket is in no table, which a lookup must not take for an answer.
class RxChange {
public:
	explicit RxChange(Net *n) : n_(n)
	{
		if (n_->rx_changing++ == 0) {
			n_->rx_gen.add(1);
			__atomic_thread_fence(__ATOMIC_RELEASE);	// the tables' stores after it
		}
	}
	~RxChange()
	{
		if (--n_->rx_changing == 0)
			n_->rx_gen.add(1);	// its release: the tables' stores before it
	}
	RxChange(const RxChange &) = delete;
	RxChange &operator=(const RxChange &) = delete;

private:
	Net *n_;
};

// The receive tables (module/core/lookup.cc); the namespace lock held.  rx_hash files a bound
// socket by its current binding and peer; rx_unhash takes it out.  Between the two, the socket's
// binding and peer may change, inside one RxChange.
void rx_hash(Socket *s);
void rx_unhash(Socket *s);
bool rx_hashed(const Socket *s);
bool rx_conn_exists(const Socket *s);		// a group with @s's key exists

} // namespace afc
