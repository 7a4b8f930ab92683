// SPDX-License-Identifier: GPL-2.0
//
// Receive: frames of our EtherType from every device of every namespace (the shim's packet_type
// hands them over in softirq).  Only Ethernet devices carry af_custom: frames from any other
// device are dropped first.  Each frame is validated before anything in it is used, then given
// to the socket the lookups choose (module/core/lookup.cc): the most specific one for a unicast
// frame, every one that accepts it for a broadcast or multicast frame.
#include "guards.h"
#include "rx.h"

namespace afc {
namespace {

struct Fanout {
	struct sk_buff *skb;	// the frame itself, for the last receiver
	Socket *pending;	// a receiver found earlier, which gets a clone
	Net *n;
};

void fanout_one(Socket *s, void *arg)
{
	Fanout *f = static_cast<Fanout *>(arg);

	if (f->pending) {
		struct sk_buff *copy = afk_skb_clone(f->skb, AFC_GFP_ATOMIC);
		if (copy)
			deliver(f->pending, copy);
		else
			count_drop(f->n, AFC_DROP_NOMEM);
	}
	f->pending = s;
}

} // namespace

// The protocol's receive function (the seeds' prot->rcv for datagrams).
void sock_rcv(Socket *s, struct sk_buff *skb)
{
	Net *n = net_of(s->net);
	unsigned int len = afk_skb_len(skb);

	if (afc_sock_queue_rcv_skb(s, skb)) {
		drop_for(s, AFC_DROP_RCVBUF);
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
	struct afc_link l;

	afc::count(n, AFC_STAT_RX_FRAMES);
	afk_skb_link(skb, &l);
	if (!afc::link_usable(l)) {
		afc::count_drop(n, AFC_DROP_NOT_ETHERNET);
		return AFC_NET_RX_DROP;
	}
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
	m->ifindex = l.ifindex;
	afk_skb_src_mac(skb, m->mac);

	afc::NetLock lock(net);
	if (pkt_type != AFC_PACKET_BROADCAST && pkt_type != AFC_PACKET_MULTICAST) {
		afc::Socket *s = afc::rx_lookup(n, AFC_SOCK_DGRAM, h.dport, m);
		if (!s) {
			afc::count_drop(n, AFC_DROP_NOSOCK);
			return AFC_NET_RX_DROP;
		}
		afc::deliver(s, frame.release());
		return AFC_NET_RX_SUCCESS;
	}

	afc::Fanout f = { skb, nullptr, n };
	afc::rx_fanout(n, AFC_SOCK_DGRAM, h.dport, m, afc::fanout_one, &f);
	if (!f.pending) {
		afc::count_drop(n, AFC_DROP_NOSOCK);
		return AFC_NET_RX_DROP;
	}
	afc::deliver(f.pending, frame.release());
	return AFC_NET_RX_SUCCESS;
}
