// SPDX-License-Identifier: GPL-2.0
//
// Sending on a connection (the seeds' tcp_write / tcp_send_skb / tcp_do_retransmit): data is
// cut into segments of at most the MSS as it is written, each queued on the socket's write
// queue with its sequence number and charged to the send buffer until acknowledged.  What the
// peer's window allows is sent as a copy (afk_skb_tx_copy) with the header pushed in front, so
// the original stays queued for retransmission.  Every segment acknowledges what we received
// and advertises our receive window (the seeds' sock_rspace arithmetic, see rcv_window).
#include "conn.h"
#include "guards.h"
#include "wire.h"

namespace afc {
namespace {

// The first segment not sent yet (Conn::send_head, as tcp_send_head), or nullptr.  Segments are
// in sequence order; the ones in flight precede it and are freed from the front once
// acknowledged, so it is never freed while it is the send head.
struct sk_buff *send_head(Socket *s)
{
	return s->conn.send_head;
}

// Hand a frame (header pushed) to the connection's device; it is consumed either way.
void xmit(struct net *net, int ifindex, struct sk_buff *skb, const unsigned char *mac,
	  const struct sock *sk, unsigned int payload)
{
	DevRef dev(afk_dev_get(net, ifindex));
	struct afc_link l;

	if (!dev) {
		afk_skb_free(skb);
		return;
	}
	afk_dev_link_of(dev.get(), &l);
	if (!link_usable(l) || !l.running || afk_skb_cow_head(skb, l.headroom)) {
		afk_skb_free(skb);
		return;
	}
	if (sk)
		afk_skb_tx_mark(skb, sk);
	if (afk_dev_hard_header(skb, dev.get(), afc_ethertype(), mac) < 0) {
		afk_skb_free(skb);
		return;
	}
	if (afk_dev_xmit(skb) == 0) {
		Net *n = net_of(net);
		count(n, AFC_STAT_TX_FRAMES);
		count(n, AFC_STAT_TX_BYTES, payload);
	}
}

// Headroom for our header and the largest link header: control frames and segments alike.
constexpr unsigned int kHeadroom = 128;

// Push and fill our header in front of @skb's @len payload bytes, and send it.
void transmit(Socket *s, struct sk_buff *skb, unsigned char flags, unsigned int seq,
	      unsigned int len)
{
	Conn &c = s->conn;
	unsigned char *h = afk_skb_push(skb, AFC_WIRE_HLEN);
	struct afc_wire_hdr w = {};

	w.type = rx_wire_type(s);
	w.flags = flags;
	w.sport = s->port;
	w.dport = s->peer.port;
	w.len = static_cast<unsigned short>(len);
	w.seq = seq;
	if (flags & AFC_WIRE_ACK) {
		w.ack = c.rcv_nxt;
		w.window = rcv_window(s);
		c.rcv_adv = c.rcv_nxt + w.window;
	}
	// The sum is left to the device, or to the stack for one that cannot (skb_checksum_help,
	// the same RFC 1071 sum): not taken in software again at every retransmission, and never on
	// veth, whose receiver trusts a frame from the local stack (afc_rx).
	afc_wire_put(&w, h);
	if (afk_skb_csum_offload(skb, AFC_WIRE_OFF_CSUM)) {
		wire::put16(h + AFC_WIRE_OFF_CSUM, afk_skb_csum(skb, 0, AFC_WIRE_HLEN + len));
	} else if (len > c.mss) {
		// A GSO super-segment (gso.cc): pieces of the MSS.  Set at every transmission, as
		// TCP does: the fields are in the data's shared info, where a tunnel may have added
		// its bits last time.  (Never on a software sum: the stack refuses GSO without
		// CHECKSUM_PARTIAL.)
		afk_skb_gso_set(skb, c.mss, (len + c.mss - 1) / c.mss);
	}
	xmit(s->net, c.tx_ifindex, skb, s->peer.mac, s->sk, len);
}

// Transmit a queued segment: a copy goes out, the original stays for retransmission.
void send_seg(Socket *s, struct sk_buff *skb)
{
	TxSeg *t = tx_seg(skb);
	struct sk_buff *copy = afk_skb_tx_copy(skb);
	Conn &c = s->conn;

	// One segment at a time is timed for the RTT, from its first transmission to the first
	// acknowledgement that covers it; a retransmission spoils the measurement (Karn).
	if (!t->sent && !c.rtt_timing) {
		c.rtt_timing = true;
		c.rtt_seq = seg_end(t);
		c.rtt_start = now_ms();
	}
	t->sent++;
	t->sent_ms = now_ms();
	if (!copy) {
		count_drop(net_of(s->net), AFC_DROP_NOMEM);	// the timer sends it again
		return;
	}
	transmit(s, copy, AFC_WIRE_ACK | (t->flags & (AFC_WIRE_FIN | AFC_WIRE_EOR)), t->seq, t->len);
}

} // namespace

unsigned int conn_mss(int mtu)
{
	unsigned int mss = mtu > AFC_WIRE_HLEN ? mtu - AFC_WIRE_HLEN : 0;
	return mss > 0xffff ? 0xffff : mss;
}

// The window to advertise: the seeds' sock_rspace (half the free receive buffer less a
// minimum window), never pulling back the right edge already advertised.
unsigned int rcv_window(const Socket *s)
{
	long space = afc_sock_rspace(s);
	unsigned int win = space > 0 ? static_cast<unsigned int>(space) : 0;
	const Conn &c = s->conn;

	if (after(c.rcv_adv, c.rcv_nxt) && c.rcv_adv - c.rcv_nxt > win)
		win = c.rcv_adv - c.rcv_nxt;
	// An empty receive buffer always takes a segment (however small SO_RCVBUF is: input.cc
	// takes the next in-order one whenever the receive queue is empty), and a
	// SEQPACKET reader waits for a whole record: until one is queued, the window stays open by
	// a segment (input.cc takes it past SO_RCVBUF).
	if ((!s->rmem.load() || (s->type == AFC_SOCK_SEQPACKET && !c.records.load())) &&
	    win < c.mss)
		win = c.mss;
	return win;
}

// Queue @skb (data at its @len payload bytes, headroom reserved) at the end of the stream.
//
// STREAM bytes written while the last queued segment still waits to be sent (the peer's window
// is full) join that segment, up to the most a segment may carry (conn_seg_max), as
// tcp_sendmsg appends to its tail: small writes then leave as few large segments once the
// window opens, not one frame and one acknowledgement each.  Nothing is held back for it: a
// write that finds the window open goes at once.
int conn_queue(Socket *s, struct sk_buff *skb, unsigned int len, unsigned char flags)
{
	Conn &c = s->conn;
	TxSeg *t = tx_seg(skb);

	if (s->type == AFC_SOCK_STREAM && !flags && len && c.send_head) {
		struct sk_buff *last = afk_q_last(s->sk, AFC_Q_WRITE);
		TxSeg *lt = tx_seg(last);

		if (!lt->flags && lt->len && lt->len + len <= conn_seg_max(s) &&
		    afk_skb_coalesce(last, skb) == 0) {
			lt->len = static_cast<unsigned short>(lt->len + len);
			c.write_seq += len;
			afk_skb_consume(skb);
			count(net_of(s->net), AFC_STAT_TX_COALESCED);
			return 0;
		}
	}

	t->seq = c.write_seq;
	t->len = static_cast<unsigned short>(len);
	t->flags = flags;
	t->sent = 0;
	t->sent_ms = 0;
	c.write_seq = seg_end(t);
	afk_skb_header_release(skb);	// its clones may push our header (one copy per byte)
	afk_q_tail(s->sk, AFC_Q_WRITE, skb);
	if (!c.send_head)
		c.send_head = skb;
	return 0;
}

// Our FIN: a segment of its own at the end of the write queue (so it is retransmitted like
// data).  Without memory for it, the timer tries again (timer.cc).
bool conn_queue_fin(Socket *s, enum afc_gfp gfp)
{
	if (s->conn.fin_queued)
		return true;
	struct sk_buff *skb = afc_sock_wmalloc(s, kHeadroom, 1, gfp);
	if (!skb) {
		if (!s->conn.timer_due)
			timer_set(s, kMinRtoMs);
		return false;
	}
	afk_skb_reserve(skb, kHeadroom);
	s->conn.fin_queued = true;
	conn_queue(s, skb, 0, AFC_WIRE_FIN);
	return true;
}

// Send every queued segment the peer's window allows; a segment that does not fit waits for
// the window (the timer probes a zero window).
void conn_push(Socket *s)
{
	Conn &c = s->conn;
	bool sent = false;

	while (struct sk_buff *skb = send_head(s)) {
		TxSeg *t = tx_seg(skb);
		// Data must fit the window, except that with nothing in flight and the window open
		// at all, one segment goes (a window smaller than a segment must not stall us).  A
		// FIN may go at the window's edge.
		bool fits = !after(seg_end(t), c.snd_right) ||
			    (t->len == 0 && c.snd_nxt == c.snd_right) ||
			    (c.snd_una == c.snd_nxt && after(c.snd_right, c.snd_nxt));
		if (!fits)
			break;
		send_seg(s, skb);
		c.snd_nxt = seg_end(t);
		c.send_head = afk_q_next(s->sk, AFC_Q_WRITE, skb);
		sent = true;
	}
	// The timer also runs while our FIN waits for memory (conn_queue_fin failed).
	bool fin_owed = !c.fin_queued && (c.state == State::FIN_WAIT1 ||
					  c.state == State::CLOSING || c.state == State::LAST_ACK);
	if (!c.timer_due && (sent || send_head(s) || fin_owed))
		timer_set(s, fin_owed && !sent ? kMinRtoMs : rto_backed_off(s));
}

// Send the first unacknowledged segment again, and enter loss recovery until everything sent so
// far is acknowledged: each partial acknowledgement meanwhile retransmits the next hole at once
// (NewReno, RFC 6582), instead of waiting a timeout per lost segment.
bool conn_retransmit(Socket *s)
{
	Conn &c = s->conn;
	struct sk_buff *skb = afk_q_peek(s->sk, AFC_Q_WRITE);

	if (!skb || !before(tx_seg(skb)->seq, c.snd_nxt))
		return false;
	c.rtt_timing = false;
	if (!c.in_recovery) {
		c.in_recovery = true;
		c.recover = c.snd_nxt;
	}
	send_seg(s, skb);
	s->conn.retrans++;
	count(net_of(s->net), AFC_STAT_SEGS_RETRANS);
	return true;
}

// The window is closed and nothing is in flight: a window probe, as TCP's: an empty segment with
// an old sequence number (snd_una - 1), which the peer must answer with an acknowledgement that
// tells its window.  Nothing beyond the window is sent, and snd_nxt does not move.
void conn_probe(Socket *s)
{
	struct sk_buff *skb = afk_skb_alloc(kHeadroom, AFC_GFP_ATOMIC);

	if (!skb)
		return;
	afk_skb_reserve(skb, kHeadroom);
	count(net_of(s->net), AFC_STAT_WINDOW_PROBES);
	transmit(s, skb, AFC_WIRE_ACK, s->conn.snd_una - 1, 0);
}

// A segment without data: SYN, SYN|ACK, ACK, RST (RST|ACK when we know what to acknowledge).
void send_control(Socket *s, unsigned char flags)
{
	Conn &c = s->conn;
	struct sk_buff *skb = afk_skb_alloc(kHeadroom, AFC_GFP_ATOMIC);

	if (!skb) {
		count_drop(net_of(s->net), AFC_DROP_NOMEM);
		return;
	}
	afk_skb_reserve(skb, kHeadroom);
	unsigned int seq = (flags & AFC_WIRE_SYN) ? c.iss : c.snd_nxt;
	if ((flags & AFC_WIRE_RST) && conn_synchronized(c.state))
		flags |= AFC_WIRE_ACK;
	if (flags & AFC_WIRE_RST)
		count(net_of(s->net), AFC_STAT_RESETS_SENT);
	transmit(s, skb, flags, seq, 0);
}

void conn_ack_sent(Socket *s)
{
	send_control(s, AFC_WIRE_ACK);
}

// A segment that belongs to no connection gets a reset (never a reset for a reset): RFC 793's
// rule: with ACK, seq = its ack; without, RST|ACK acknowledging it.
void send_reset_for(struct net *net, int type, const RxMeta *m, unsigned short dport,
		    unsigned int len)
{
	if (m->flags & AFC_WIRE_RST)
		return;
	struct sk_buff *skb = afk_skb_alloc(kHeadroom, AFC_GFP_ATOMIC);
	if (!skb)
		return;
	afk_skb_reserve(skb, kHeadroom);
	unsigned char *h = afk_skb_push(skb, AFC_WIRE_HLEN);
	struct afc_wire_hdr w = {};
	w.type = static_cast<unsigned char>(type);
	w.sport = dport;
	w.dport = m->sport;
	if (m->flags & AFC_WIRE_ACK) {
		w.flags = AFC_WIRE_RST;
		w.seq = m->ack;
	} else {
		w.flags = AFC_WIRE_RST | AFC_WIRE_ACK;
		w.ack = seg_end(m, len);
	}
	afc_wire_build(&w, h);
	count(net_of(net), AFC_STAT_RESETS_SENT);
	xmit(net, m->ifindex, skb, m->mac, nullptr, 0);
}

// The peer acknowledged everything before @ack: free those segments, and take the RTT sample
// if the timed segment is covered.
void tx_clean(Socket *s, unsigned int ack)
{
	Conn &c = s->conn;

	if (c.rtt_timing && !before(ack, c.rtt_seq)) {
		c.rtt_timing = false;
		rtt_sample(s, static_cast<unsigned int>(now_ms() - c.rtt_start));
	}
	while (struct sk_buff *skb = afk_q_peek(s->sk, AFC_Q_WRITE)) {
		TxSeg *t = tx_seg(skb);
		if (after(seg_end(t), ack))
			break;
		afk_q_unlink(s->sk, AFC_Q_WRITE, skb);
		afk_skb_consume(skb);		// uncharges the send buffer, wakes writers
	}
}

} // namespace afc
