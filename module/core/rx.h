// SPDX-License-Identifier: GPL-2.0
//
// The receive path's shared pieces: where a received frame keeps its source address, and the
// hand-over from softirq to a socket (module/core/rx.cc, module/core/backlog.cc).
#pragma once

#include "socket.h"

namespace afc {

// A received datagram's source, kept in skb->cb from demux to recvmsg.
struct RxMeta {
	unsigned short sport;
	int ifindex;
	unsigned char mac[AFC_ETH_ALEN];
};
static_assert(sizeof(RxMeta) <= AFC_SKB_CB_SIZE, "RxMeta must fit sk_buff::cb");

inline RxMeta *rx_meta(struct sk_buff *skb)
{
	return static_cast<RxMeta *>(afk_skb_cb(skb));
}

// Frames that may wait on one socket's back_log.
constexpr int kBacklogMax = 256;

// Hand a frame for @s over from softirq: the receive function now, or the back_log when a task
// owns @s (dropped and counted when the back_log is full).
void deliver(Socket *s, struct sk_buff *skb);

} // namespace afc
