// SPDX-License-Identifier: GPL-2.0
//
// The socket calls of SOCK_STREAM and SOCK_SEQPACKET (Documentation/connections.rst): connect,
// listen, sendmsg, recvmsg, poll, shutdown, ioctl, options and close.  (accept is in listen.cc,
// bind and getsockname/getpeername are shared with datagrams.)  STREAM and SEQPACKET share the
// connection machine; they differ where records matter: a SEQPACKET write is one record, its
// last segment marked EOR, and a read returns one whole record.
//
// Each call owns the socket while it reads or changes the connection (afc::Owner) and waits
// for events -- a connection, buffer room, data -- without owning it.
#include "conn.h"
#include "guards.h"

namespace afc {
namespace {

constexpr unsigned int kHeadroom = 128;	// our header and the largest link header

bool seqpacket(const Socket *s)
{
	return s->type == AFC_SOCK_SEQPACKET;
}

bool can_send(State st)
{
	return st == State::ESTABLISHED || st == State::CLOSE_WAIT;
}

// Complete records on the receive queue (SEQPACKET; input.cc counts them in).
int records(const Socket *s)
{
	return s->conn.records.load();
}

int connect_done(Socket *s, unsigned long)
{
	return s->conn.state != State::SYN_SENT;
}

// A reader would not wait: data (a whole record for SEQPACKET), an error, or the end.
int readable(Socket *s, unsigned long)
{
	bool data = seqpacket(s) ? records(s) > 0 : !afk_rq_empty(s->sk);

	return data || afk_sk_err_pending(s->sk) ||
	       (s->shutdown.load() & AFC_RCV_SHUTDOWN) ||
	       (s->conn.state != State::SYN_SENT && !conn_synchronized(s->conn.state));
}

int linger_done(Socket *s, unsigned long)
{
	return s->conn.snd_una == s->conn.write_seq || !conn_synchronized(s->conn.state);
}

// An error for a call on a connection that cannot carry data: the pending error once, else
// EPIPE after it was (half-)closed for sending, else ENOTCONN.
int not_sending(Socket *s)
{
	int e = afk_sk_err_take(s->sk);

	if (e)
		return e;
	if ((s->shutdown.load() & AFC_SEND_SHUTDOWN) || s->conn.state != State::CLOSED ||
	    s->connected)
		return -AFC_EPIPE;
	return -AFC_ENOTCONN;
}

// Queue our FIN and move on: ESTABLISHED -> FIN_WAIT1, CLOSE_WAIT -> LAST_ACK.
void send_fin(Socket *s)
{
	Conn &c = s->conn;

	if (c.state == State::ESTABLISHED)
		set_state(s, State::FIN_WAIT1);
	else if (c.state == State::CLOSE_WAIT)
		set_state(s, State::LAST_ACK);
	else
		return;
	if (conn_queue_fin(s, AFC_GFP_PROCESS))
		conn_push(s);
}

// A sender lets go of the send lock: a shutdown(SHUT_WR) that came meanwhile left our FIN to
// it.  Returns @ret.
long send_end(Socket *s, long ret)
{
	Owner own(s);

	if ((s->shutdown.load() & AFC_SEND_SHUTDOWN) && !s->conn.fin_queued)
		send_fin(s);
	return ret;
}

void hold_for_protocol(Socket *s)
{
	if (!s->conn.held) {
		s->conn.held = true;
		afk_sk_hold(s->sk);
	}
}

// A new segment for @s with up to @len bytes of @msg (outside ownership); nullptr with *err.
// The bytes go to page fragments (afk_skb_append_from_msg), not a linear buffer: the send
// buffer is charged what they take, and a clone to transmit shares them.  *@got: the bytes
// taken, fewer than @len when the fragment slots ran out.
struct sk_buff *make_segment(Socket *s, struct msghdr *msg, unsigned int len, long *timeo,
			     TxSender *tx, bool force, unsigned int *got, int *err)
{
	SkbPtr skb;

	if (force) {
		skb.reset(afc_sock_wmalloc(s, kHeadroom, 1, AFC_GFP_PROCESS));
		if (!skb)
			*err = -AFC_ENOBUFS;
	} else {
		do {
			skb.reset(send_alloc(s, kHeadroom, timeo, err, &tx->events));
		} while (!skb && *err == kDevEvent);
	}
	if (!skb)
		return nullptr;
	afk_skb_reserve(skb.get(), kHeadroom);
	unsigned int before = afk_skb_truesize(skb.get());
	long n = afk_skb_append_from_msg(skb.get(), s->sk, msg, len);
	wmem_charge(s, afk_skb_truesize(skb.get()) - before);
	if (n <= 0) {
		*err = n < 0 ? static_cast<int>(n) : -AFC_ENOBUFS;
		return nullptr;
	}
	*got = static_cast<unsigned int>(n);
	return skb.release();
}

} // namespace

// close(2): an orderly close sends FIN after the queued data and lets the connection finish on
// its own (the protocol holds the sock until then); unread data or SO_LINGER 0 aborts with RST.
void conn_release(Socket *s)
{
	struct sock *sk = s->sk;
	long linger = afk_sk_linger(sk);	// -1: not set

	{
		Owner own(s);
		Conn &c = s->conn;

		s->released.store(true);
		switch (c.state) {
		case State::LISTEN:
			listener_close(s);
			conn_done(s);
			break;
		case State::CLOSED:
		case State::SYN_SENT:
			conn_done(s);
			break;
		case State::ESTABLISHED:
		case State::CLOSE_WAIT:
		case State::SYN_RECV:
			if (!afk_rq_empty(sk) || linger == 0) {
				send_control(s, AFC_WIRE_RST);
				conn_reset(s, 0);
				break;
			}
			hold_for_protocol(s);
			send_fin(s);
			break;
		case State::FIN_WAIT2:
			hold_for_protocol(s);
			timer_set(s, kFinWait2Ms);
			break;
		default:
			hold_for_protocol(s);
			break;
		}
		s->shutdown.store(AFC_SHUTDOWN_MASK);
	}
	if (linger > 0 && !linger_done(s, 0))
		afk_sk_wait(sk, linger, linger_done, s, 0);
	{
		// FIN_WAIT2 reached while the user still held the socket (or lingered): an orphan
		// waits for the peer's FIN kFinWait2Ms, not for ever.
		Owner own(s);
		if (s->conn.state == State::FIN_WAIT2)
			timer_set(s, kFinWait2Ms);
	}
	afk_rq_purge(sk);
}

} // namespace afc

using afc::Conn;
using afc::Owner;
using afc::Socket;
using afc::State;

extern "C" int afc_conn_connect(Socket *s, const void *addr, int addrlen, int nonblock)
{
	afc::Addr a;
	int err = afc::parse_dest(addr, addrlen, &a);
	if (err)
		return err;

	{
		Owner own(s);
		Conn &c = s->conn;

		switch (c.state) {
		case State::SYN_SENT:
			if (nonblock)
				return -AFC_EALREADY;
			goto wait;		// a restarted connect waits, as inet_stream_connect
		case State::LISTEN:
			return -AFC_EINVAL;
		case State::CLOSED:
			break;
		default:
			return -AFC_EISCONN;
		}
		int local = afc::local_ifindex(s);
		if (local && a.ifindex && local != a.ifindex)
			return -AFC_EINVAL;
		int ifindex = local ? local : a.ifindex;
		struct afc_link l;
		if (!ifindex || afk_dev_link(s->net, ifindex, &l) || !afc::link_usable(l) ||
		    !afc::conn_mss(l.mtu))
			return -AFC_ENODEV;
		if (!l.running)
			return -AFC_ENETDOWN;
		// A failed non-blocking attempt's error is this connect's answer (as TCP).
		err = afk_sk_err_take(s->sk);
		if (err)
			return err;
		err = afc::autobind(s);
		if (err)
			return err;

		{
			afc::NetLock lock(s->net);
			afc::RxChange change(afc::net_of(s->net));	// one move
			afc::rx_unhash(s);
			s->peer = a;
			s->connected = true;
			if (afc::rx_conn_exists(s)) {	// another socket on this port has this peer
				s->connected = false;
				afc::rx_hash(s);
				return -AFC_EADDRINUSE;
			}
			afc::rx_hash(s);
		}
		c.tx_ifindex = ifindex;
		c.mss = afc::conn_mss(l.mtu);
		c.gso_max = afc::conn_gso_max(l, c.mss);
		c.iss = afk_secure_seq(static_cast<unsigned int>(s->port) << 16 | a.port,
				       static_cast<unsigned int>(a.mac[0]) << 24 | a.mac[1] << 16 |
					       a.mac[2] << 8 | a.mac[3],
				       static_cast<unsigned int>(a.mac[4]) << 8 | a.mac[5]);
		c.snd_una = c.iss;
		c.snd_nxt = c.write_seq = c.iss + 1;
		c.snd_right = c.snd_nxt;
		// A socket may connect again after a failed attempt: nothing of it is left.
		afk_rq_purge(s->sk);
		c.records.store(0);
		c.srtt = c.rttvar = c.rto = 0;
		c.retrans = 0;
		c.max_snd_wnd = 0;
		c.rec_bytes = 0;
		c.in_recovery = c.rtt_timing = false;
		c.dupacks = 0;
		c.rcv_nxt = c.rcv_adv = 0;
		c.fin_queued = c.fin_rcvd = false;
		s->shutdown.store(0);
		c.born = afc::now_ms();
		afc::rto_reset(s);
		c.state = State::SYN_SENT;
		afc::send_control(s, AFC_WIRE_SYN);
		afc::timer_set(s, afc::kInitialRtoMs);
	}
	if (nonblock)
		return -AFC_EINPROGRESS;
wait:
	long timeo = afk_sk_sndtimeo(s->sk, 0);
	while (!afc::connect_done(s, 0)) {
		if (!timeo)
			return -AFC_EINPROGRESS;
		if (afk_signal_pending())
			return afk_sock_intr_errno(timeo);
		timeo = afk_sk_wait(s->sk, timeo, afc::connect_done, s, 0);
	}
	Owner own(s);
	if (afc::can_send(s->conn.state) || afc::conn_synchronized(s->conn.state))
		return 0;
	err = afk_sk_err_take(s->sk);
	return err ? err : -AFC_ECONNREFUSED;
}

extern "C" int afc_conn_listen(Socket *s, int backlog)
{
	Owner own(s);
	Conn &c = s->conn;
	int max = afk_somaxconn(s->sk);

	if (backlog > max)
		backlog = max;
	if (backlog < 0)
		backlog = 0;
	if (c.state == State::LISTEN) {
		c.backlog = backlog + 1;
		return 0;
	}
	if (c.state != State::CLOSED || s->connected)
		return -AFC_EINVAL;
	int err = afc::autobind(s);
	if (err)
		return -AFC_EINVAL;
	c.backlog = backlog + 1;	// as TCP: backlog 0 still admits one
	c.state = State::LISTEN;
	return 0;
}

extern "C" long afc_conn_sendmsg(Socket *s, struct msghdr *msg, afc_size_t len, int flags)
{
	bool record = afc::seqpacket(s);
	afc_size_t copied = 0;
	long timeo = afk_sk_sndtimeo(s->sk, flags & AFC_MSG_DONTWAIT);
	afc::TxSender tx(s);
	int err = 0;

	if (flags & AFC_MSG_OOB)
		return -AFC_EOPNOTSUPP;
	if (record && len > afc::kMaxRecord)
		return -AFC_EMSGSIZE;
	// One sender at a time: a record's segments are consecutive, and a FIN comes after a
	// whole record (a shutdown while a sender holds the lock leaves the FIN to it).
	afc::SendLock lock(s, flags & AFC_MSG_DONTWAIT);
	if (!lock.held())
		return lock.error();

	// Wait for the connection to come up (as TCP does for a socket still in SYN_SENT).
	while (s->conn.state == State::SYN_SENT) {
		if (!timeo)
			return -AFC_EAGAIN;
		if (afk_signal_pending())
			return afk_sock_intr_errno(timeo);
		timeo = afk_sk_wait(s->sk, timeo, afc::connect_done, s, 0);
	}

	do {
		unsigned int max = 0;
		long stop = 0;
		{
			Owner own(s);
			// A record already begun is finished even after shutdown(SHUT_WR).
			bool shut = (s->shutdown.load() & AFC_SEND_SHUTDOWN) && !(record && copied);
			if (!afc::can_send(s->conn.state) || shut || afk_sk_err_pending(s->sk))
				stop = copied ? static_cast<long>(copied) : afc::not_sending(s);
			max = afc::conn_seg_max(s);	// the MSS, or a GSO super-segment's
		}
		if (stop)
			return afc::send_end(s, stop);
		if (!len)
			return 0;		// nothing to send (an empty record is not sent either)
		unsigned int chunk = len - copied < max ? static_cast<unsigned int>(len - copied) : max;
		// A record's later segments do not wait: a record is queued whole or not at all.
		bool force = record && copied;
		struct sk_buff *skb = afc::make_segment(s, msg, chunk, &timeo, &tx, force, &chunk,
							&err);
		if (!skb) {
			if (record && copied) {
				// Half a record cannot be taken back: the connection is lost.
				Owner own(s);
				afc::send_control(s, AFC_WIRE_RST);
				afc::conn_reset(s, -err);
				return err;
			}
			return afc::send_end(s, copied ? static_cast<long>(copied) : err);
		}
		bool last = copied + chunk == len;
		{
			Owner own(s);
			bool shut = (s->shutdown.load() & AFC_SEND_SHUTDOWN) && !(record && copied);
			if (!afc::can_send(s->conn.state) || shut) {
				afk_skb_free(skb);
				stop = copied ? static_cast<long>(copied) : afc::not_sending(s);
			} else {
				afc::conn_queue(s, skb, chunk, record && last ? AFC_WIRE_EOR : 0);
				afc::conn_push(s);
			}
		}
		if (stop)
			return afc::send_end(s, stop);
		copied += chunk;
	} while (copied < len);
	return afc::send_end(s, static_cast<long>(copied));
}

namespace afc {
namespace {

// Read bytes of the stream (the socket owned).  Returns bytes copied or -EFAULT.
long stream_copy(Socket *s, struct msghdr *msg, afc_size_t len, int flags)
{
	afc_size_t copied = 0;
	bool peek = flags & AFC_MSG_PEEK;
	struct sk_buff *skb = afk_q_peek(s->sk, AFC_Q_RECEIVE);

	while (skb && copied < len) {
		RxMeta *m = rx_meta(skb);
		unsigned int avail = afk_skb_len(skb) - m->off;
		unsigned int n = len - copied < avail ? static_cast<unsigned int>(len - copied) : avail;

		if (afk_skb_copy_to_msg_at(skb, m->off, msg, n))
			return copied ? static_cast<long>(copied) : -AFC_EFAULT;
		copied += n;
		if (peek) {
			skb = afk_q_next(s->sk, AFC_Q_RECEIVE, skb);
			continue;
		}
		m->off += n;
		if (m->off == afk_skb_len(skb)) {
			afk_q_unlink(s->sk, AFC_Q_RECEIVE, skb);
			afk_skb_consume(skb);
			skb = afk_q_peek(s->sk, AFC_Q_RECEIVE);
		}
	}
	return static_cast<long>(copied);
}

// Read one whole record (the socket owned, a complete record queued).  Bytes past @len are
// discarded with MSG_TRUNC.
long record_copy(Socket *s, struct msghdr *msg, afc_size_t len, int flags, int *msg_flags)
{
	afc_size_t copied = 0, total = 0;
	bool peek = flags & AFC_MSG_PEEK;
	struct sk_buff *skb = afk_q_peek(s->sk, AFC_Q_RECEIVE);

	while (skb) {
		const RxMeta *m = rx_meta(skb);
		unsigned int seg = afk_skb_len(skb) - m->off;	// bytes received twice were skipped
		bool eor = m->flags & AFC_WIRE_EOR;
		unsigned int n = copied < len ? (len - copied < seg ? len - copied : seg) : 0;

		if (n && afk_skb_copy_to_msg_at(skb, m->off, msg, n))
			return -AFC_EFAULT;
		copied += n;
		total += seg;
		struct sk_buff *next = afk_q_next(s->sk, AFC_Q_RECEIVE, skb);
		if (!peek) {
			afk_q_unlink(s->sk, AFC_Q_RECEIVE, skb);
			afk_skb_consume(skb);
		}
		if (eor)
			break;
		skb = next;
	}
	if (!peek)
		s->conn.records.sub(1);
	*msg_flags |= AFC_MSG_EOR;
	if (total > copied)
		*msg_flags |= AFC_MSG_TRUNC;
	return static_cast<long>((flags & AFC_MSG_TRUNC) ? total : copied);
}

} // namespace
} // namespace afc

extern "C" long afc_conn_recvmsg(Socket *s, struct msghdr *msg, afc_size_t len, int flags,
				 int *msg_flags)
{
	long timeo = afk_sk_rcvtimeo(s->sk, flags & AFC_MSG_DONTWAIT);
	bool record = afc::seqpacket(s);
	afc_size_t target = 1;
	long copied = 0;

	if (flags & AFC_MSG_OOB)
		return -AFC_EOPNOTSUPP;
	if (flags & AFC_MSG_ERRQUEUE)
		return -AFC_EAGAIN;
	if (!record) {
		int lowat = afk_sk_rcvlowat(s->sk);
		target = (flags & AFC_MSG_WAITALL) ? len : (lowat > 1 ? lowat : 1);
		if (target > len)
			target = len;
	}

	for (;;) {
		{
			Owner own(s);
			Conn &c = s->conn;

			if (c.state == State::LISTEN)
				return -AFC_ENOTCONN;
			if (record) {
				if (afc::records(s)) {
					long n = afc::record_copy(s, msg, len, flags, msg_flags);
					if (n >= 0 && !(flags & AFC_MSG_PEEK))
						afc::rq_consumed(s);
					return n;
				}
			} else if (!afk_rq_empty(s->sk)) {
				long n = afc::stream_copy(s, msg, len - copied, flags);
				if (n < 0)
					return copied ? copied : n;
				copied += n;
				if (!(flags & AFC_MSG_PEEK))
					afc::rq_consumed(s);
				if (static_cast<afc_size_t>(copied) >= target || (flags & AFC_MSG_PEEK))
					return copied;
			}
			// Short of the target (MSG_WAITALL, SO_RCVLOWAT): wait for more, unless nothing
			// more can come or the caller cannot wait.
			if (copied) {
				if (afk_sk_err_pending(s->sk) || (s->shutdown.load() & AFC_RCV_SHUTDOWN) ||
				    c.fin_rcvd || c.state == State::CLOSED || !timeo)
					return copied;
				goto wait;
			}
			int e = afk_sk_err_take(s->sk);
			if (e)
				return e;
			if ((s->shutdown.load() & AFC_RCV_SHUTDOWN) || c.fin_rcvd)
				return 0;
			if (c.state == State::CLOSED)
				return s->connected ? 0 : -AFC_ENOTCONN;
			if (!timeo)
				return -AFC_EAGAIN;
		}
wait:
		if (afk_signal_pending())
			return copied ? copied : afk_sock_intr_errno(timeo);
		timeo = afk_sk_wait(s->sk, timeo, afc::readable, s, 0);
	}
}

extern "C" unsigned int afc_conn_poll(Socket *s)
{
	struct sock *sk = s->sk;
	State st = s->conn.state;
	int shut = s->shutdown.load();
	unsigned int mask = 0;

	if (afk_sk_err_pending(sk))
		mask |= AFC_EPOLLERR;
	if (st == State::LISTEN) {
		if (afc::accept_ready(s, 0))
			mask |= AFC_EPOLLIN | AFC_EPOLLRDNORM;
		return mask;
	}
	if (shut == AFC_SHUTDOWN_MASK || st == State::CLOSED)
		mask |= AFC_EPOLLHUP;
	if ((shut & AFC_RCV_SHUTDOWN) || s->conn.fin_rcvd)
		mask |= AFC_EPOLLIN | AFC_EPOLLRDNORM | AFC_EPOLLRDHUP;
	if (afc::seqpacket(s) ? afc::records(s) > 0 : !afk_rq_empty(sk))
		mask |= AFC_EPOLLIN | AFC_EPOLLRDNORM;
	if (afc::can_send(st) && !(shut & AFC_SEND_SHUTDOWN)) {
		if (afc::send_room(s))
			mask |= AFC_EPOLLOUT | AFC_EPOLLWRNORM;
		else
			afk_sk_set_nospace(sk);
	} else if (st == State::CLOSED || (shut & AFC_SEND_SHUTDOWN)) {
		mask |= AFC_EPOLLOUT | AFC_EPOLLWRNORM;	// a write fails at once
	}
	return mask;
}

extern "C" int afc_conn_shutdown(Socket *s, int how)
{
	if (how < 0 || how > 2)
		return -AFC_EINVAL;
	{
		Owner own(s);
		State st = s->conn.state;

		if (st == State::CLOSED || st == State::LISTEN || st == State::SYN_SENT)
			return -AFC_ENOTCONN;
		s->shutdown.fetch_or(how + 1);
		afk_sk_state_change(s->sk);	// wakes blocked readers and senders
	}
	// The FIN goes after a sender's whole record: now if no sender is at work, else the
	// sender queues it when it lets go (send_end).
	if (how != 0) {
		afc::SendLock lock(s, true);
		if (lock.held()) {
			Owner own(s);
			afc::send_fin(s);
		}
	}
	return 0;
}

extern "C" int afc_conn_ioctl(Socket *s, unsigned int cmd, long *value)
{
	Owner own(s);

	switch (cmd) {
	case AFC_SIOCINQ: {
		long n = 0;
		for (struct sk_buff *skb = afk_q_peek(s->sk, AFC_Q_RECEIVE); skb;
		     skb = afk_q_next(s->sk, AFC_Q_RECEIVE, skb))
			n += afk_skb_len(skb) - afc::rx_meta(skb)->off;
		*value = n;
		return 0;
	}
	case AFC_SIOCOUTQ:
		*value = static_cast<long>(s->conn.write_seq - s->conn.snd_una);
		return 0;
	default:
		return -AFC_ENOIOCTLCMD;
	}
}

namespace afc {

// SOL_CUSTOM options of connected sockets.
int conn_setsockopt(Socket *s, int optname, int value)
{
	Owner own(s);

	switch (optname) {
	case AFC_AF_CUSTOM_SYNCNT:
		if (value < 1 || value > 127)
			return -AFC_EINVAL;
		s->conn.syncnt = value;
		return 0;
	case AFC_AF_CUSTOM_USER_TIMEOUT:
		if (value < 0)
			return -AFC_EINVAL;
		s->conn.user_timeout = value;
		return 0;
	default:
		return -AFC_ENOPROTOOPT;
	}
}

int conn_getsockopt(Socket *s, int optname, int *value)
{
	switch (optname) {
	case AFC_AF_CUSTOM_SYNCNT:
		*value = s->conn.syncnt ? s->conn.syncnt : kSynRetries;
		return 0;
	case AFC_AF_CUSTOM_USER_TIMEOUT:
		*value = s->conn.user_timeout;
		return 0;
	case AFC_AF_CUSTOM_MAXSEG:
		*value = s->conn.mss;
		return 0;
	default:
		return -AFC_ENOPROTOOPT;
	}
}

} // namespace afc
