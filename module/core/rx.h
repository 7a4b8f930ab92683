// SPDX-License-Identifier: GPL-2.0
//
// The receive path's shared pieces: where a received frame keeps its source address, the
// lookups (module/core/lookup.cc) and the hand-over from softirq to a socket
// (module/core/rx.cc, module/core/backlog.cc).
#pragma once

#include "netns.h"

namespace afc {

// A received frame's source and header, kept in skb->cb from demux to recvmsg.  `off` counts
// the payload bytes skipped at the front: received before (a segment that overlaps what we have;
// the payload may not be linear, so it is not pulled) or taken by a stream reader.
struct RxMeta {
	unsigned short sport;
	int ifindex;
	unsigned char mac[AFC_ETH_ALEN];
	unsigned char flags;
	unsigned short off;
	unsigned int seq;
	unsigned int ack;
	unsigned int window;
};
static_assert(sizeof(RxMeta) <= AFC_SKB_CB_SIZE, "RxMeta must fit sk_buff::cb");

inline RxMeta *rx_meta(struct sk_buff *skb)
{
	return static_cast<RxMeta *>(afk_skb_cb(skb));
}

// The socket of @type a unicast frame for @dport goes to, with a reference the caller puts, or
// nullptr.  Read under RCU; when a change of the tables overlapped the lookup, or its walks
// restarted too often, it is made again under the namespace lock (counted in rx_relookups).
Socket *rx_lookup(Net *n, int type, unsigned short dport, const RxMeta *m);
// @fn(s, @arg) for every socket of @type a broadcast or multicast frame for @dport goes to
// (namespace lock held).
void rx_fanout(Net *n, int type, unsigned short dport, const RxMeta *m,
	       void (*fn)(Socket *, void *), void *arg);

// A socket dropped a frame: counted for the namespace under @why and for the socket (sk_drops,
// which SO_RXQ_OVFL reports).
inline void drop_for(Socket *s, enum afc_drop why)
{
	count_drop(net_of(s->net), why);
	afk_sk_drops_inc(s->sk);
}

// Hand a frame for @s over from softirq: the socket filter and LSM hook first, then the
// receive function now, or the back_log when a task owns @s (dropped and counted when the
// back_log and receive queue together hold more than SO_RCVBUF + SO_SNDBUF).
void deliver(Socket *s, struct sk_buff *skb);

} // namespace afc
