// SPDX-License-Identifier: GPL-2.0
//
// Receiving on a connection (the seeds' tcp_data / tcp_queue): an acceptable segment's bytes
// go to the receive queue in sequence order.  A segment that starts beyond rcv_nxt waits on the
// out-of-order queue (charged to the receive buffer, sorted by sequence, duplicates dropped) until
// the gap before it fills; bytes already received are trimmed off the front of a segment that
// overlaps them.  A FIN takes effect once every byte before it has arrived.  Every segment that
// carries data or a FIN is acknowledged at once (no delayed acknowledgement yet).
#include "conn.h"

namespace afc {
namespace {

// The bytes of a received segment not yet taken: trim_front moves `off` past those received
// before (the payload need not be linear, so it is not pulled).
unsigned int payload_len(struct sk_buff *skb)
{
	return afk_skb_len(skb) - rx_meta(skb)->off;
}

// Charge @skb to the receive buffer whatever its limit: a SEQPACKET socket with no whole record
// queued must take the rest of the head record, or nobody could ever read (the reader waits for
// the record, the record for room).  Bounded by kRecordSlack past SO_RCVBUF.
constexpr long kRecordSlack = 4L * kMaxRecord;

bool must_take(Socket *s)
{
	return s->type == AFC_SOCK_SEQPACKET && s->conn.records.load() == 0 &&
	       s->rmem.load() < afk_sk_rcvbuf(s->sk) + kRecordSlack;
}

void charge(Socket *s, struct sk_buff *skb)
{
	s->rmem.add(afk_skb_truesize(skb));
	afk_skb_own_r(skb, s->sk);
}

// Drop the bytes of @skb before rcv_nxt; false when nothing new is left (a duplicate).
bool trim_front(Socket *s, struct sk_buff *skb)
{
	RxMeta *m = rx_meta(skb);
	unsigned int len = payload_len(skb);
	unsigned int rcv_nxt = s->conn.rcv_nxt;

	if (!before(m->seq, rcv_nxt))
		return true;
	if (!after(seg_end(m, len), rcv_nxt))
		return false;			// nothing new: data and FIN already taken
	unsigned int old = rcv_nxt - m->seq;
	if (old > len)
		old = len;			// only the FIN is new
	m->off = static_cast<unsigned short>(m->off + old);
	m->seq += old;
	return true;
}

// The peer's FIN, every byte before it received.
void fin_in_order(Socket *s)
{
	Conn &c = s->conn;

	c.rcv_nxt++;
	c.fin_rcvd = true;
	s->shutdown.fetch_or(AFC_RCV_SHUTDOWN);
	switch (c.state) {
	case State::SYN_RECV:
	case State::ESTABLISHED:
		set_state(s, State::CLOSE_WAIT);
		break;
	case State::FIN_WAIT1:
		// Our FIN is not acknowledged yet (else we would be in FIN_WAIT2).
		set_state(s, State::CLOSING);
		break;
	case State::FIN_WAIT2:
		set_state(s, State::TIME_WAIT);
		timer_set(s, kTimeWaitMs);
		break;
	default:
		break;
	}
	if (!afk_sk_dead(s->sk))
		afk_sk_data_ready(s->sk);
}

// Deliver an in-order segment: its bytes to the receive queue (already charged when it comes
// from the out-of-order queue), then its FIN.  False when the receive buffer had no room and the
// reader has bytes to read: the segment is dropped unacknowledged and the peer sends it again.
bool deliver_in_order(Socket *s, struct sk_buff *skb, bool charged)
{
	RxMeta *m = rx_meta(skb);
	unsigned int len = payload_len(skb);
	bool fin = m->flags & AFC_WIRE_FIN;

	if (len) {
		bool eor = m->flags & AFC_WIRE_EOR;
		// Decided before the EOR counts.  An empty receive queue always takes the next
		// in-order segment (as TCP does): the out-of-order queue alone may have filled the
		// buffer, or the link's buffers may cost more than the window assumed (virtio-net's
		// mergeable buffers: over twice the payload), and refusing the one segment that
		// lets the reader go on would stall the connection for good.
		bool take = charged || must_take(s) || !afk_q_peek(s->sk, AFC_Q_RECEIVE);
		Conn &c = s->conn;

		// A SEQPACKET record may not grow past kMaxRecord: a peer that never ends its
		// record would otherwise hold our memory (the head record's slack) for ever.
		if (s->type == AFC_SOCK_SEQPACKET) {
			c.rec_bytes += len;
			if (c.rec_bytes > kMaxRecord) {
				afk_skb_free(skb);
				send_control(s, AFC_WIRE_RST);
				conn_reset(s, AFC_ECONNRESET);
				return false;
			}
		}
		if (eor)
			c.records.add(1);	// before a reader can be woken
		if (take) {
			if (!charged)
				charge(s, skb);
			afk_q_tail(s->sk, AFC_Q_RECEIVE, skb);
			if (!afk_sk_dead(s->sk))
				afk_sk_data_ready(s->sk);
		} else if (afc_sock_queue_rcv_skb(s, skb)) {
			if (eor)
				c.records.sub(1);
			if (s->type == AFC_SOCK_SEQPACKET)
				c.rec_bytes -= len;
			drop_for(s, AFC_DROP_RCVBUF);
			afk_skb_free(skb);
			return false;
		}
		if (eor)
			c.rec_bytes = 0;
		s->conn.rcv_nxt += len;
		count(net_of(s->net), AFC_STAT_RX_BYTES, len);
	} else {
		afk_skb_consume(skb);
	}
	if (fin)
		fin_in_order(s);
	return true;
}

// Keep a segment that starts beyond rcv_nxt, in sequence order, charged to the receive buffer.
void ooo_insert(Socket *s, struct sk_buff *skb)
{
	RxMeta *m = rx_meta(skb);
	struct sk_buff *pos = afk_q_peek(s->sk, AFC_Q_OOO);

	count(net_of(s->net), AFC_STAT_OUT_OF_ORDER);
	if (s->rmem.load() >= afk_sk_rcvbuf(s->sk) && !must_take(s)) {
		drop_for(s, AFC_DROP_RCVBUF);
		afk_skb_free(skb);
		return;
	}
	for (; pos; pos = afk_q_next(s->sk, AFC_Q_OOO, pos)) {
		RxMeta *p = rx_meta(pos);
		if (p->seq == m->seq) {			// already have it: a duplicate
			count(net_of(s->net), AFC_STAT_DUPLICATES);
			afk_skb_free(skb);
			return;
		}
		if (after(p->seq, m->seq))
			break;
	}
	charge(s, skb);
	if (pos)
		afk_q_insert_before(s->sk, AFC_Q_OOO, pos, skb);
	else
		afk_q_tail(s->sk, AFC_Q_OOO, skb);
}

// Move what the last in-order segment made contiguous from the out-of-order queue.
void ooo_drain(Socket *s)
{
	while (struct sk_buff *skb = afk_q_peek(s->sk, AFC_Q_OOO)) {
		if (after(rx_meta(skb)->seq, s->conn.rcv_nxt))
			return;
		afk_q_unlink(s->sk, AFC_Q_OOO, skb);
		if (!trim_front(s, skb)) {
			afk_skb_free(skb);
			continue;
		}
		deliver_in_order(s, skb, true);
		if (s->conn.fin_rcvd) {
			afk_q_purge(s->sk, AFC_Q_OOO);	// nothing follows a FIN
			return;
		}
	}
}

} // namespace

// An acceptable segment (state.cc checked it is within the window) with data or a FIN.
void conn_data(Socket *s, struct sk_buff *skb)
{
	if (s->conn.fin_rcvd || !trim_front(s, skb)) {
		count(net_of(s->net), AFC_STAT_DUPLICATES);
		afk_skb_free(skb);
		conn_ack_sent(s);
		return;
	}
	if (rx_meta(skb)->seq == s->conn.rcv_nxt) {
		if (deliver_in_order(s, skb, false))
			ooo_drain(s);
	} else {
		ooo_insert(s, skb);
	}
	if (s->conn.state != State::CLOSED)	// a record over kMaxRecord reset it
		conn_ack_sent(s);
}

// A reader took bytes: when the window we could advertise grew by a segment or a quarter of
// the buffer past what the peer knows, tell it (a window update).
void rq_consumed(Socket *s)
{
	Conn &c = s->conn;

	if (!conn_synchronized(c.state) || c.fin_rcvd)
		return;
	long space = afc_sock_rspace(s);
	long known = after(c.rcv_adv, c.rcv_nxt) ? static_cast<long>(c.rcv_adv - c.rcv_nxt) : 0;
	if (space - known >= static_cast<long>(c.mss) &&
	    (known < static_cast<long>(c.mss) || space - known >= afk_sk_rcvbuf(s->sk) / 4))
		conn_ack_sent(s);
}

} // namespace afc
