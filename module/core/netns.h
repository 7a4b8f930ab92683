// SPDX-License-Identifier: GPL-2.0
//
// Per-network-namespace state: the socket table (every socket, and the bound ones hashed by
// port), the ephemeral port range and the counters of /proc/net/af_custom_stat.  The table is
// guarded by the namespace's lock (afk_net_lock); the counters are atomics.
#pragma once

#include "list.h"
#include "socket.h"

struct afc_net {
	explicit afc_net(struct net *net) : net(net) {}
	afc_net(const afc_net &) = delete;
	afc_net &operator=(const afc_net &) = delete;

	static constexpr unsigned int kPortBuckets = 256;
	static constexpr unsigned short kEphemeralLo = 49152;
	static constexpr unsigned short kEphemeralHi = 65535;

	struct net *const net;
	afc::List<afc::Socket> sockets;			// every open socket
	afc::List<afc::Socket> ports[kPortBuckets];	// bound sockets, by port
	unsigned short ephemeral_lo = kEphemeralLo;
	unsigned short ephemeral_hi = kEphemeralHi;
	unsigned short ephemeral_next = kEphemeralLo;

	afc::Atomic<unsigned long> stats[AFC_STAT_DROPS + AFC_DROP_MAX];

	afc::List<afc::Socket> &bucket(unsigned short port) { return ports[port % kPortBuckets]; }
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

// The port table (module/core/ports.cc).  Both take the namespace lock.
int port_bind(Socket *s, unsigned short port, int ifindex);
void port_unbind(Socket *s);

} // namespace afc
