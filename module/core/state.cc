// SPDX-License-Identifier: GPL-2.0
//
// The connection state machine (the seeds' tcp_rcv; RFC 793's "segment arrives"), for a segment
// that reached a socket's context (softirq while nobody owns it, or the owner's release_sock
// feeding the back_log).  Documentation/connections.rst draws it.  Listening sockets never get
// here: connection requests are taken in afc_rx (listen.cc).
//
//   CLOSED      --connect/SYN-->              SYN_SENT
//   SYN_SENT    <--SYN|ACK / ACK-->           ESTABLISHED
//   (listener)  <--SYN / SYN|ACK-->           SYN_RECV (child)  <--ACK-->  ESTABLISHED
//   ESTABLISHED --close/FIN-->  FIN_WAIT1  <--ACK--  FIN_WAIT2  <--FIN / ACK-->  TIME_WAIT
//   FIN_WAIT1   <--FIN / ACK-->  CLOSING   <--ACK-->  TIME_WAIT  --2 s-->  CLOSED
//   ESTABLISHED <--FIN / ACK-->  CLOSE_WAIT --close/FIN-->  LAST_ACK  <--ACK-->  CLOSED
//   any         <--RST (in window)-->  CLOSED (ECONNRESET; ECONNREFUSED in SYN_SENT; no error
//                                      in SYN_RECV and TIME_WAIT)
//
// Off-path protection: a segment must fall within the receive window, a RST must carry exactly
// rcv_nxt (one merely in the window is answered by an acknowledgement, as RFC 5961's challenge
// ACK), and an acknowledgement beyond snd_nxt is ignored; each is counted.
#include "conn.h"
#include "guards.h"

namespace afc {
namespace {

#define AFC_STATE_NAME(name) #name,
const char *const state_names[] = { AFC_CONN_STATE_LIST(AFC_STATE_NAME) };
#undef AFC_STATE_NAME

// Is [seq, seq + len) (or seq itself for an empty segment) within what we accept?
bool in_window(const Socket *s, unsigned int seq, unsigned int len)
{
	const Conn &c = s->conn;
	unsigned int right = c.rcv_adv;
	unsigned int room = rcv_window(s);

	if (before(right, c.rcv_nxt + room))
		right = c.rcv_nxt + room;
	if (!len)
		return !before(seq, c.rcv_nxt) ? !after(seq, right) : false;
	// Some byte of the segment is new and within the window.
	return before(seq, right) && after(seq + len, c.rcv_nxt);
}

// An acknowledgement to a segment we refuse (out of window, a RST or SYN that is not exact), so
// that a confused peer learns where we are: at most kChallengesPerSecond a second per
// connection, so that two desynchronized ends cannot ping-pong and a forger gets no amplifier.
constexpr unsigned int kChallengesPerSecond = 10;

void challenge_ack(Socket *s)
{
	Conn &c = s->conn;
	unsigned long long now = now_ms();

	count(net_of(s->net), AFC_STAT_OUT_OF_WINDOW);
	if (now - c.challenge_ms >= 1000) {
		c.challenge_ms = now;
		c.challenges = 0;
	}
	if (c.challenges++ < kChallengesPerSecond)
		conn_ack_sent(s);
}

// An acknowledgement for a segment we already had: at most kDupAcksPerSecond a second.
constexpr unsigned int kDupAcksPerSecond = 50;

void dup_ack(Socket *s)
{
	Conn &c = s->conn;
	unsigned long long now = now_ms();

	if (now - c.dupack_ms >= 1000) {
		c.dupack_ms = now;
		c.dupacks_sent = 0;
	}
	if (c.dupacks_sent++ < kDupAcksPerSecond)
		conn_ack_sent(s);
}

// The peer acknowledged @ack with window @win.  False when the segment must go no further.
bool ack_rcv(Socket *s, unsigned int ack, unsigned int win, unsigned int len)
{
	Conn &c = s->conn;

	if (after(ack, c.snd_nxt)) {		// acknowledges what we never sent
		challenge_ack(s);
		return false;
	}
	// Older than anything a window could still cover (RFC 5961 5.2): a blind forger's guess.
	unsigned int span = c.max_snd_wnd > 65536 ? c.max_snd_wnd : 65536;
	if (before(ack, c.snd_una - span)) {
		challenge_ack(s);
		return false;
	}
	if (win > kMaxWindow)
		win = kMaxWindow;
	if (win > c.max_snd_wnd)
		c.max_snd_wnd = win;
	if (before(ack, c.snd_una))		// old: still carries data
		return true;
	unsigned int right = ack + win;
	if (after(ack, c.snd_una)) {
		tx_clean(s, ack);
		c.snd_una = ack;
		c.dupacks = 0;
		rto_reset(s);
		if (c.in_recovery && !before(ack, c.recover))
			c.in_recovery = false;
		else if (c.in_recovery)
			conn_retransmit(s);	// a partial acknowledgement: the next hole
		if (c.snd_una == c.snd_nxt)
			timer_clear(s);
		else
			timer_set(s, rto_backed_off(s));
	} else if (!len && c.snd_una != c.snd_nxt && !c.in_recovery && right == c.snd_right) {
		// Three duplicate acknowledgements (a window update is not one): the first
		// unacknowledged segment was lost.
		if (++c.dupacks == 3)
			conn_retransmit(s);
	}
	bool opened = after(right, c.snd_right);
	c.snd_right = right;
	if (c.snd_una == c.snd_nxt && c.send_head) {
		if (opened && after(right, c.snd_nxt)) {
			rto_reset(s);		// probing is over: the next segment gets a fresh RTO
		} else if (!opened && !s->released.load()) {
			// A closed window answered (a probe's reply): the peer is alive, probing
			// goes on without counting towards the retry limit.  An orphan's probes do
			// count: a peer that never reads cannot keep it for ever.
			c.retries = 0;
			c.loss_since = 0;
			if (!c.timer_due)
				timer_set(s, rto_backed_off(s));
		}
	}
	if (!afk_sk_dead(s->sk) && afc::send_room(s))
		afk_sk_write_space(s->sk);
	return true;
}

// Our FIN was acknowledged (snd_una reached write_seq after queueing it).
void fin_acked(Socket *s)
{
	Conn &c = s->conn;

	switch (c.state) {
	case State::FIN_WAIT1:
		set_state(s, State::FIN_WAIT2);
		if (s->released.load())		// an orphan waits for the peer's FIN, not for ever
			timer_set(s, kFinWait2Ms);
		break;
	case State::CLOSING:
		set_state(s, State::TIME_WAIT);
		timer_set(s, kTimeWaitMs);
		break;
	case State::LAST_ACK:
		conn_done(s);
		break;
	default:
		break;
	}
}

// The handshake completed: the peer acknowledged our SYN and told its window.  The time since
// the SYN is an RTT sample unless the SYN was sent again (Karn's rule).
void establish(Socket *s, const RxMeta *m)
{
	Conn &c = s->conn;
	unsigned int win = m->window > kMaxWindow ? kMaxWindow : m->window;

	c.snd_una = m->ack;
	c.snd_right = m->ack + win;
	c.max_snd_wnd = win;
	if (!c.retries)
		rtt_sample(s, static_cast<unsigned int>(now_ms() - c.born));
	rto_reset(s);
	timer_clear(s);
}

void syn_sent_rcv(Socket *s, struct sk_buff *skb)
{
	Conn &c = s->conn;
	RxMeta *m = rx_meta(skb);
	bool ack = m->flags & AFC_WIRE_ACK;

	if (ack && m->ack != c.iss + 1) {
		if (!(m->flags & AFC_WIRE_RST))
			send_reset_for(s->net, rx_wire_type(s), m, s->port, afk_skb_len(skb));
		return;
	}
	if (m->flags & AFC_WIRE_RST) {
		if (ack) {
			count(net_of(s->net), AFC_STAT_CONN_REFUSED);
			conn_reset(s, AFC_ECONNREFUSED);
		}
		return;
	}
	if (!(m->flags & AFC_WIRE_SYN) || !ack)
		return;				// simultaneous open is not supported
	c.irs = m->seq;
	c.rcv_nxt = m->seq + 1;
	c.rcv_adv = c.rcv_nxt;
	establish(s, m);
	set_state(s, State::ESTABLISHED);
	count(net_of(s->net), AFC_STAT_CONN_OPENED);
	conn_ack_sent(s);
	conn_push(s);
}

} // namespace

bool conn_synchronized(State st)
{
	return st != State::CLOSED && st != State::LISTEN && st != State::SYN_SENT &&
	       st != State::SYN_RECV;
}

unsigned char rx_wire_type(const Socket *s)
{
	return s->type == AFC_SOCK_STREAM ? AFC_WIRE_STREAM : AFC_WIRE_SEQPACKET;
}

void set_state(Socket *s, State st)
{
	s->conn.state = st;
	if (!afk_sk_dead(s->sk))
		afk_sk_state_change(s->sk);
}

// The connection is gone: leave the tables and queues, give back the protocol's references.
// Safe to call more than once.  The caller holds a reference of its own.
void conn_done(Socket *s)
{
	Conn &c = s->conn;

	c.state = State::CLOSED;
	timer_clear(s);
	port_unbind(s);
	c.send_head = nullptr;
	afk_q_purge(s->sk, AFC_Q_WRITE);
	afk_q_purge(s->sk, AFC_Q_OOO);
	s->shutdown.store(AFC_SHUTDOWN_MASK);
	if (c.parent)
		child_unlink(s);		// drops the accept queue's reference
	if (c.held) {
		c.held = false;
		afk_sk_put(s->sk);
	}
	if (!afk_sk_dead(s->sk))
		afk_sk_state_change(s->sk);
}

// Abort with @err for the user (0: none, e.g. after close).
void conn_reset(Socket *s, int err)
{
	if (err && !afk_sk_dead(s->sk))
		afk_sk_err_report(s->sk, err);
	if (err == AFC_ECONNRESET)
		count(net_of(s->net), AFC_STAT_CONN_RESET);
	if (err == AFC_ETIMEDOUT)
		count(net_of(s->net), AFC_STAT_CONN_TIMEDOUT);
	conn_done(s);
}

// A segment for @s, data at its payload (rx_meta holds the header).
void conn_rcv(Socket *s, struct sk_buff *skb)
{
	Conn &c = s->conn;
	SkbPtr seg(skb);
	RxMeta *m = rx_meta(skb);
	unsigned int len = afk_skb_len(skb);

	switch (c.state) {
	case State::CLOSED:
	case State::LISTEN:
		send_reset_for(s->net, rx_wire_type(s), m, s->port, len);
		return;
	case State::SYN_SENT:
		syn_sent_rcv(s, skb);
		return;
	default:
		break;
	}

	// A SYN again in SYN_RECV: the SYN|ACK was lost; send it again.
	if (c.state == State::SYN_RECV && (m->flags & AFC_WIRE_SYN) && m->seq == c.irs) {
		send_control(s, AFC_WIRE_SYN | AFC_WIRE_ACK);
		return;
	}
	// (A FIN takes no window: one at rcv_nxt is acceptable even when the window is closed.)
	if (!in_window(s, m->seq, len)) {
		bool old = !after(seg_end(m, len), c.rcv_nxt) &&
			   (len || (m->flags & AFC_WIRE_FIN));
		if (!len && !(m->flags & (AFC_WIRE_RST | AFC_WIRE_FIN)) && m->seq == c.rcv_nxt - 1) {
			conn_ack_sent(s);	// a window probe: answered, not counted
		} else if (old && !(m->flags & (AFC_WIRE_RST | AFC_WIRE_SYN))) {
			// Data or a FIN we already have (our acknowledgement was lost): acknowledge
			// again, from a budget of its own so that forgers cannot spend it.
			count(net_of(s->net), AFC_STAT_DUPLICATES);
			dup_ack(s);
			if (c.state == State::TIME_WAIT && (m->flags & AFC_WIRE_FIN))
				timer_set(s, kTimeWaitMs);
		} else if (!(m->flags & AFC_WIRE_RST)) {
			challenge_ack(s);
		} else {
			count(net_of(s->net), AFC_STAT_OUT_OF_WINDOW);
		}
		return;
	}
	if (m->flags & AFC_WIRE_RST) {
		if (m->seq != c.rcv_nxt) {	// in the window but not exact: challenge
			challenge_ack(s);
			return;
		}
		// A child not accepted yet just goes; in TIME_WAIT both directions are finished,
		// so a reader holding the socket sees the end of the stream, as TCP's.
		bool quiet = c.state == State::SYN_RECV || c.state == State::TIME_WAIT;
		conn_reset(s, quiet ? 0 : AFC_ECONNRESET);
		return;
	}
	if (m->flags & AFC_WIRE_SYN) {		// a SYN in a synchronized state: challenge
		challenge_ack(s);
		return;
	}
	if (!(m->flags & AFC_WIRE_ACK))
		return;

	if (c.state == State::SYN_RECV) {
		if (m->ack != c.iss + 1) {
			send_reset_for(s->net, rx_wire_type(s), m, s->port, len);
			return;
		}
		establish(s, m);
		child_established(s);		// ESTABLISHED, under the listener's queue lock
	}
	if (!ack_rcv(s, m->ack, m->window, len))
		return;
	if (c.fin_queued && c.snd_una == c.write_seq)
		fin_acked(s);
	if (c.state == State::CLOSED)
		return;

	if (len || (m->flags & AFC_WIRE_FIN)) {
		// New data for a socket whose user closed it cannot be read: abort (as TCP).
		if (len && s->released.load() && after(m->seq + len, c.rcv_nxt)) {
			send_control(s, AFC_WIRE_RST);
			conn_reset(s, 0);
			return;
		}
		if (c.fin_rcvd || c.state == State::TIME_WAIT) {
			conn_ack_sent(s);	// a retransmitted FIN: acknowledge it again
			if (c.state == State::TIME_WAIT)
				timer_set(s, kTimeWaitMs);
			return;
		}
		conn_data(s, seg.release());
	}
	conn_push(s);
}

} // namespace afc

extern "C" const char *afc_conn_state_name(const struct afc_sock *s)
{
	return afc::state_names[static_cast<int>(s->conn.state)];
}

extern "C" void afc_conn_info(const struct afc_sock *s, struct afc_conn_info *i)
{
	const afc::Conn &c = s->conn;

	i->state = static_cast<int>(c.state);
	i->iss = c.iss;
	i->snd_una = c.snd_una;
	i->snd_nxt = c.snd_nxt;
	i->write_seq = c.write_seq;
	i->snd_right = c.snd_right;
	i->irs = c.irs;
	i->rcv_nxt = c.rcv_nxt;
	i->rcv_adv = c.rcv_adv;
	i->srtt = c.srtt;
	i->rttvar = c.rttvar;
	i->rto = afc::rto_backed_off(s);
	i->backoff = c.backoff;
	i->retries = c.retries;
	i->retrans = c.retrans;
	i->children = c.children;
	i->backlog = c.backlog;
	i->mss = c.mss;
	i->gso_max = c.gso_max;
}
