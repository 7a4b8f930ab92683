// SPDX-License-Identifier: GPL-2.0
//
// Receive: frames of our EtherType from every device of every namespace (the shim's packet_type
// hands them over in softirq).  Only Ethernet devices carry af_custom: frames from any other
// device are dropped first.  Each frame is validated before anything in it is used, then given
// to the socket the lookups choose (module/core/lookup.cc): the most specific one for a unicast
// frame, every one that accepts it for a broadcast or multicast frame.
#include "conn.h"
#include "guards.h"

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

// The protocol's receive function (the seeds' prot->rcv): a connection's state machine, or a
// datagram's queueing.
void sock_rcv(Socket *s, struct sk_buff *skb)
{
	if (s->type != AFC_SOCK_DGRAM) {
		conn_rcv(s, skb);
		return;
	}
	Net *n = net_of(s->net);
	unsigned int len = afk_skb_len(skb);

	if (afc_sock_queue_rcv_skb(s, skb)) {
		drop_for(s, AFC_DROP_RCVBUF);
		afk_skb_free(skb);
		return;
	}
	count(n, AFC_STAT_RX_BYTES, len);
}

// A STREAM or SEQPACKET segment: to its connection, or to a listener (a connection request),
// or answered with a reset.  The lookup (module/core/lookup.cc) is exact: one that overlapped a
// change of the tables was made again under the namespace lock.
int conn_frame(struct net *net, struct sk_buff *skb, int wire_type, unsigned short dport,
	       int pkt_type)
{
	Net *n = net_of(net);
	RxMeta *m = rx_meta(skb);
	int type = wire_type == AFC_WIRE_STREAM ? AFC_SOCK_STREAM : AFC_SOCK_SEQPACKET;

	if (pkt_type == AFC_PACKET_BROADCAST || pkt_type == AFC_PACKET_MULTICAST) {
		count_drop(n, AFC_DROP_NOSOCK);		// connections are unicast
		afk_skb_free(skb);
		return AFC_NET_RX_DROP;
	}
	Socket *s = rx_lookup(n, type, dport, m);
	if (!s) {
		count_drop(n, AFC_DROP_NOSOCK);
		send_reset_for(net, wire_type, m, dport, afk_skb_len(skb));
		afk_skb_free(skb);
		return AFC_NET_RX_DROP;
	}
	if (!s->connected && s->conn.state == State::LISTEN && (m->flags & AFC_WIRE_SYN))
		conn_request(s, skb);
	else
		deliver(s, skb);
	afk_sk_put(s->sk);
	return AFC_NET_RX_SUCCESS;
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
	// Only our header needs to be linear: the payload stays where the device put it (page
	// fragments of a large frame are not copied), and every reader copies from the buffer.
	unsigned int len = afk_skb_len(skb);
	if (len >= AFC_WIRE_HLEN && afk_skb_may_pull(skb, AFC_WIRE_HLEN)) {
		afc::count_drop(n, AFC_DROP_NOMEM);
		return AFC_NET_RX_DROP;
	}
	struct afc_wire_hdr h;
	enum afc_drop why = afc_wire_check(afk_skb_data(skb), len, &h);
	// Summing a frame with its own checksum gives zero.  A frame the local stack vouches for
	// is not summed (as TCP): one sent by this host over veth still has the sum to do
	// (CHECKSUM_PARTIAL, the field zero), one a device verified is CHECKSUM_UNNECESSARY.
	if (why == AFC_DROP_NONE && !afk_skb_csum_trusted(skb) &&
	    afk_skb_csum(skb, 0, AFC_WIRE_HLEN + h.len) != 0)
		why = AFC_DROP_CHECKSUM;
	if (why != AFC_DROP_NONE) {
		afc::count_drop(n, why);
		return AFC_NET_RX_DROP;
	}
	if (len > AFC_WIRE_HLEN + h.len && afk_skb_trim(skb, AFC_WIRE_HLEN + h.len)) {
		afc::count_drop(n, AFC_DROP_NOMEM);	// Ethernet padding
		return AFC_NET_RX_DROP;
	}
	afk_skb_pull(skb, AFC_WIRE_HLEN);

	afc::RxMeta *m = afc::rx_meta(skb);
	m->sport = h.sport;
	m->ifindex = l.ifindex;
	afk_skb_src_mac(skb, m->mac);
	m->flags = h.flags;
	m->off = 0;
	m->seq = h.seq;
	m->ack = h.ack;
	m->window = h.window;
	if (h.type != AFC_WIRE_DGRAM)
		return afc::conn_frame(net, frame.release(), h.type, h.dport, pkt_type);

	if (pkt_type != AFC_PACKET_BROADCAST && pkt_type != AFC_PACKET_MULTICAST) {
		afc::Socket *s = afc::rx_lookup(n, AFC_SOCK_DGRAM, h.dport, m);
		if (!s) {
			afc::count_drop(n, AFC_DROP_NOSOCK);
			return AFC_NET_RX_DROP;
		}
		afc::deliver(s, frame.release());
		afk_sk_put(s->sk);
		return AFC_NET_RX_SUCCESS;
	}

	afc::NetLock lock(net);
	afc::Fanout f = { skb, nullptr, n };
	afc::rx_fanout(n, AFC_SOCK_DGRAM, h.dport, m, afc::fanout_one, &f);
	if (!f.pending) {
		afc::count_drop(n, AFC_DROP_NOSOCK);
		return AFC_NET_RX_DROP;
	}
	afc::deliver(f.pending, frame.release());
	return AFC_NET_RX_SUCCESS;
}
