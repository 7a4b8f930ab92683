// SPDX-License-Identifier: GPL-2.0
//
// Receive: frames of our EtherType from every device of every namespace (the shim's packet_type
// hands them over in softirq).  Each is validated before anything in it is used, then given to
// the socket bound to its destination port: the most specific one for a unicast frame (bound to
// the receiving interface beats bound to any), every one for a broadcast or multicast frame.  A
// connected socket only takes frames from its peer.
#include "guards.h"
#include "netns.h"
#include "rx.h"

namespace afc {
namespace {

bool is_multicast(const unsigned char *mac)
{
	return mac[0] & 1;
}

bool same_mac(const unsigned char *a, const unsigned char *b)
{
	return __builtin_memcmp(a, b, AFC_ETH_ALEN) == 0;
}

bool accepts(const Socket *s, unsigned short dport, const RxMeta *m)
{
	if (s->port != dport || (s->ifindex && s->ifindex != m->ifindex))
		return false;
	if (!s->connected)
		return true;
	return s->peer.port == m->sport &&
	       (is_multicast(s->peer.mac) || same_mac(s->peer.mac, m->mac));
}

} // namespace

// The protocol's receive function (the seeds' prot->rcv for datagrams).
void sock_rcv(Socket *s, struct sk_buff *skb)
{
	Net *n = net_of(s->net);
	unsigned int len = afk_skb_len(skb);

	if (afc_sock_queue_rcv_skb(s, skb)) {
		count_drop(n, AFC_DROP_RCVBUF);
		s->drops.add(1);
		afk_skb_free(skb);
		return;
	}
	count(n, AFC_STAT_RX_BYTES, len);
}

} // namespace afc

extern "C" int afc_rx(struct sk_buff *skb)
{
	afc::SkbPtr frame(skb);
	struct net *net = afk_skb_net(skb);
	afc::Net *n = afc::net_of(net);
	int pkt_type = afk_skb_pkt_type(skb);

	afc::count(n, AFC_STAT_RX_FRAMES);
	if (pkt_type == AFC_PACKET_OTHERHOST) {
		frame.consume();	// seen in promiscuous mode, addressed to another host
		return AFC_NET_RX_SUCCESS;
	}
	if (afk_skb_linearize(skb)) {
		afc::count_drop(n, AFC_DROP_NOMEM);
		return AFC_NET_RX_DROP;
	}

	struct afc_wire_hdr h;
	enum afc_drop why = afc_wire_parse(afk_skb_data(skb), afk_skb_len(skb), &h);
	if (why != AFC_DROP_NONE) {
		afc::count_drop(n, why);
		return AFC_NET_RX_DROP;
	}
	afk_skb_trim(skb, AFC_WIRE_HLEN + h.len);	// Ethernet padding
	afk_skb_pull(skb, AFC_WIRE_HLEN);

	afc::RxMeta *m = afc::rx_meta(skb);
	m->sport = h.sport;
	m->ifindex = afk_skb_ifindex(skb);
	afk_skb_src_mac(skb, m->mac);

	bool fanout = pkt_type == AFC_PACKET_BROADCAST || pkt_type == AFC_PACKET_MULTICAST;
	afc::Socket *target = nullptr;
	afc::NetLock lock(net);

	for (afc::Socket *s : n->bucket(h.dport)) {
		if (!afc::accepts(s, h.dport, m))
			continue;
		if (!fanout) {
			if (!target || (!target->ifindex && s->ifindex))
				target = s;
			continue;
		}
		if (target) {
			struct sk_buff *copy = afk_skb_clone(skb, AFC_GFP_ATOMIC);
			if (copy)
				afc::deliver(target, copy);
			else
				afc::count_drop(n, AFC_DROP_NOMEM);
		}
		target = s;
	}
	if (!target) {
		afc::count_drop(n, AFC_DROP_NOSOCK);
		return AFC_NET_RX_DROP;
	}
	afc::deliver(target, frame.release());
	return AFC_NET_RX_SUCCESS;
}
