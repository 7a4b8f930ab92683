// SPDX-License-Identifier: GPL-2.0
//
// A connection's one timer, after the seeds' reset_xmit_timer: what it does when it fires
// depends on the state (Documentation/connections.rst, "Timers"):
//
//   SYN_SENT, SYN_RECV   send the SYN (SYN|ACK) again, at most AF_CUSTOM_SYNCNT (5) times
//   data in flight       retransmit the first unacknowledged segment (RFC 6298, backing off),
//                        at most kMaxRetries times or AF_CUSTOM_USER_TIMEOUT ms: ETIMEDOUT
//   zero window          send one segment anyway (a window probe), backing off likewise
//   FIN_WAIT2 (orphan)   give up on the peer's FIN after kFinWait2Ms
//   TIME_WAIT            after kTimeWaitMs the connection is gone
//
// The RTT estimate follows RFC 6298: srtt and rttvar from samples of segments sent once
// (Karn's rule), rto = srtt + 4 rttvar, clamped to [kMinRtoMs, kMaxRtoMs], doubled per backoff.
#include "conn.h"
#include "guards.h"

namespace afc {
namespace {

bool fake_clock = false;
unsigned long long fake_ms = 0;

} // namespace

unsigned long long now_ms()
{
	return fake_clock ? __atomic_load_n(&fake_ms, __ATOMIC_RELAXED) : afk_now_ms();
}

void timer_set(Socket *s, unsigned int ms)
{
	s->conn.timer_due = now_ms() + ms;
	if (!s->conn.timer_due)
		s->conn.timer_due = 1;
	afk_timer_arm(s->sk, ms);
}

void timer_clear(Socket *s)
{
	s->conn.timer_due = 0;
	afk_timer_cancel(s->sk);
}

void rto_reset(Socket *s)
{
	s->conn.backoff = 0;
	s->conn.retries = 0;
	s->conn.loss_since = 0;
}

unsigned int rto_backed_off(const Socket *s)
{
	unsigned int rto = s->conn.rto ? s->conn.rto : kInitialRtoMs;

	for (unsigned int i = 0; i < s->conn.backoff && rto < kMaxRtoMs; i++)
		rto *= 2;
	return rto < kMaxRtoMs ? rto : kMaxRtoMs;
}

void rtt_sample(Socket *s, unsigned int ms)
{
	Conn &c = s->conn;

	if (!c.srtt) {
		c.srtt = ms ? ms : 1;
		c.rttvar = ms / 2;
	} else {
		unsigned int err = c.srtt > ms ? c.srtt - ms : ms - c.srtt;
		c.rttvar = (3 * c.rttvar + err) / 4;
		c.srtt = (7 * c.srtt + ms) / 8;
	}
	unsigned int rto = c.srtt + 4 * c.rttvar;
	c.rto = rto < kMinRtoMs ? kMinRtoMs : rto > kMaxRtoMs ? kMaxRtoMs : rto;
}

namespace {

// Has the connection tried long enough?  The retry limit, or the user's timeout since the first
// unanswered retransmission.
bool gave_up(Socket *s, unsigned int limit)
{
	Conn &c = s->conn;

	if (!c.loss_since)
		c.loss_since = now_ms();
	if (c.user_timeout)
		return now_ms() - c.loss_since >= c.user_timeout;
	return c.retries >= limit;
}

void backoff(Socket *s)
{
	s->conn.retries++;
	s->conn.backoff++;
	timer_set(s, rto_backed_off(s));
}

} // namespace

// The timer's work, in the socket's context.
void timer_fire(Socket *s)
{
	Conn &c = s->conn;

	if (c.dev_gone.load()) {
		c.dev_gone.store(0);
		if (c.state != State::CLOSED && c.state != State::LISTEN) {
			conn_reset(s, AFC_ENETDOWN);
			return;
		}
	}
	if (!c.timer_due)
		return;
	unsigned long long now = now_ms();
	if (now < c.timer_due) {		// re-armed since, or a hand-driven clock
		afk_timer_arm(s->sk, static_cast<unsigned int>(c.timer_due - now));
		return;
	}
	c.timer_due = 0;

	switch (c.state) {
	case State::SYN_SENT:
	case State::SYN_RECV: {
		unsigned int limit = c.state == State::SYN_SENT ? (c.syncnt ? c.syncnt : kSynRetries)
								: kSynAckRetries;
		if (c.retries >= limit) {
			conn_reset(s, AFC_ETIMEDOUT);
			return;
		}
		send_control(s, c.state == State::SYN_SENT ? AFC_WIRE_SYN
							   : AFC_WIRE_SYN | AFC_WIRE_ACK);
		c.retrans++;
		backoff(s);
		return;
	}
	case State::TIME_WAIT:
		conn_done(s);
		return;
	case State::FIN_WAIT2:
		if (s->released.load()) {
			conn_done(s);
			return;
		}
		break;
	case State::FIN_WAIT1:
	case State::CLOSING:
	case State::LAST_ACK:
		// Our FIN found no memory when the user closed: try again.
		if (!c.fin_queued && conn_queue_fin(s, AFC_GFP_ATOMIC))
			conn_push(s);
		break;
	default:
		break;
	}

	// Data in flight is retransmitted; data held back by a closed window is probed for.
	bool probe = c.snd_una == c.snd_nxt;
	if (probe && !afk_q_peek(s->sk, AFC_Q_WRITE))
		return;
	if (gave_up(s, kMaxRetries)) {
		send_control(s, AFC_WIRE_RST);
		conn_reset(s, AFC_ETIMEDOUT);
		return;
	}
	if (probe)
		conn_probe(s);
	else
		conn_retransmit(s);
	backoff(s);
}

void conn_dev_event(Socket *s, int ifindex, bool unregister)
{
	Conn &c = s->conn;
	State st = c.state;

	if (st == State::LISTEN) {
		if (s->ifindex == ifindex && unregister)
			afk_sk_err_report(s->sk, AFC_ENETDOWN);
		return;
	}
	// A connection that is not CLOSED holds a reference (its file, its listener's queue or
	// the protocol's), so its timer may be armed from here.
	if (!unregister || st == State::CLOSED || c.tx_ifindex != ifindex)
		return;
	c.dev_gone.store(1);
	afk_timer_arm(s->sk, 0);
}

} // namespace afc

using afc::Socket;

// The sock's timer fired (softirq; the shim holds the sock).  While a task owns the socket the
// work waits for its release, as segments do.
extern "C" void afc_conn_timer(Socket *s)
{
	afc::SlockGuard slock(s->sk);

	if (s->owned) {
		s->conn.timer_deferred = true;
		return;
	}
	afc::timer_fire(s);
}

extern "C" void afc_clock_fake(int on, unsigned long long ms)
{
	__atomic_store_n(&afc::fake_ms, ms, __ATOMIC_RELAXED);
	afc::fake_clock = on;
}
