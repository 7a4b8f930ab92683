// SPDX-License-Identifier: GPL-2.0
//
// The listen socket's queue (the seeds' tcp_conn_request / tcp_find_established /
// tcp_dequeue_established / tcp_accept): a connection request (SYN) makes a child socket in
// SYN_RECV, held on the listener's queue and answered with SYN|ACK; the peer's ACK makes it
// ESTABLISHED; accept takes the oldest established child, skipping half-open ones.
//
// Requests are taken in afc_rx for the listener without owning it (the listener's back_log is
// not involved; the queue has its own lock).  The queue holds at most the listen backlog of
// children, half-open or not.  When it is full, the oldest half-open child older than one RTO is
// dropped for the new request (a flood of requests from forged sources keeps cycling through
// the half-open slots, and established connections still get through); otherwise the request
// is dropped and counted.  Nothing is allocated for a request that will not be queued.
#include "conn.h"
#include "guards.h"

namespace afc {
namespace {

class AcceptqLock {
public:
	explicit AcceptqLock(struct sock *sk) : sk_(sk) { afk_acceptq_lock(sk_); }
	~AcceptqLock() { afk_acceptq_unlock(sk_); }
	AcceptqLock(const AcceptqLock &) = delete;
	AcceptqLock &operator=(const AcceptqLock &) = delete;

private:
	struct sock *sk_;
};

// The oldest half-open child that has waited at least an initial RTO, or nullptr (acceptq lock).
Socket *evictable(Socket *l)
{
	unsigned long long now = now_ms();

	for (Socket *c : l->conn.acceptq)
		if (c->conn.state == State::SYN_RECV && now - c->conn.born >= kInitialRtoMs)
			return c;
	return nullptr;
}

} // namespace

// accept would not wait: an established child, an error, or no longer listening.
int accept_ready(Socket *l, unsigned long)
{
	if (l->conn.state != State::LISTEN || afk_sk_err_pending(l->sk))
		return 1;
	AcceptqLock q(l->sk);
	for (Socket *c : l->conn.acceptq)
		if (c->conn.state != State::SYN_RECV)
			return 1;
	return 0;
}

// A SYN for listener @l (afc_rx; @l held, no lock).  Frees @skb.
void conn_request(Socket *l, struct sk_buff *skb)
{
	SkbPtr seg(skb);
	RxMeta *m = rx_meta(skb);
	Net *n = net_of(l->net);

	if (l->conn.state != State::LISTEN || (m->flags & (AFC_WIRE_ACK | AFC_WIRE_RST))) {
		send_reset_for(l->net, rx_wire_type(l), m, l->port, afk_skb_len(skb));
		return;
	}

	// The segment size the arrival device allows.
	struct afc_link dev;
	if (afk_dev_link(l->net, m->ifindex, &dev) || !link_usable(dev) || !conn_mss(dev.mtu))
		return;

	// Room on the queue, or a half-open slot to take over.
	Socket *victim = nullptr;
	{
		AcceptqLock q(l->sk);
		if (l->conn.children >= l->conn.backlog) {
			victim = evictable(l);
			if (!victim) {
				count(n, AFC_STAT_ACCEPTQ_OVERFLOW);
				return;
			}
			afk_sk_hold(victim->sk);
		}
	}
	if (victim) {
		bool evicted = false;
		{
			SlockGuard g(victim->sk);
			if (!victim->owned && victim->conn.state == State::SYN_RECV) {
				send_control(victim, AFC_WIRE_RST);
				conn_done(victim);
				evicted = true;
			}
		}
		afk_sk_put(victim->sk);
		count(n, evicted ? AFC_STAT_HALF_OPEN_EVICTED : AFC_STAT_ACCEPTQ_OVERFLOW);
		if (!evicted)
			return;
	}

	Socket *c = afc_sock_new(l->type, AFC_GFP_ATOMIC);
	if (!c) {
		count_drop(n, AFC_DROP_NOMEM);
		return;
	}
	struct sock *sk = afk_sk_child(l->sk, c);	// attaches c; one reference: the queue's
	if (!sk) {
		afc_sock_free(c);
		count_drop(n, AFC_DROP_NOMEM);
		return;
	}

	Conn &k = c->conn;
	c->peer.port = m->sport;
	c->peer.ifindex = m->ifindex;
	__builtin_memcpy(c->peer.mac, m->mac, AFC_ETH_ALEN);
	c->connected = true;
	k.tx_ifindex = m->ifindex;
	k.mss = conn_mss(dev.mtu);
	k.syncnt = l->conn.syncnt;
	k.user_timeout = l->conn.user_timeout;
	k.irs = m->seq;
	k.rcv_nxt = m->seq + 1;
	k.rcv_adv = k.rcv_nxt;
	k.iss = afk_secure_seq(static_cast<unsigned int>(l->port) << 16 | m->sport,
			       static_cast<unsigned int>(m->mac[0]) << 24 | m->mac[1] << 16 |
				       m->mac[2] << 8 | m->mac[3],
			       static_cast<unsigned int>(m->mac[4]) << 8 | m->mac[5]);
	k.snd_una = k.snd_nxt = k.write_seq = k.iss + 1;
	k.snd_right = k.snd_una + m->window;
	k.born = now_ms();
	k.state = State::SYN_RECV;

	// Filed as a connection of its own (the same port as the listener), unless a request from
	// the same peer made one meanwhile.
	if (port_bind_child(c, l)) {
		conn_done(c);
		afk_sk_orphan(sk);
		afk_sk_put(sk);
		return;
	}
	{
		AcceptqLock q(l->sk);
		if (l->conn.state != State::LISTEN || l->conn.children >= l->conn.backlog) {
			k.parent = nullptr;
		} else {
			afk_sk_hold(l->sk);		// the child holds its listener while queued
			k.parent = l;
			l->conn.acceptq.push_back(k.in_acceptq);
			l->conn.children++;
		}
	}
	if (!k.parent) {
		conn_done(c);
		afk_sk_orphan(sk);
		afk_sk_put(sk);
		return;
	}
	SlockGuard g(sk);
	send_control(c, AFC_WIRE_SYN | AFC_WIRE_ACK);
	timer_set(c, kInitialRtoMs);
}

// SYN_RECV -> ESTABLISHED: tell the listener (the child's context).
void child_established(Socket *c)
{
	Socket *l = c->conn.parent;

	count(net_of(c->net), AFC_STAT_CONN_ACCEPTED);
	if (!l)
		return;
	{
		AcceptqLock q(l->sk);
		if (c->conn.parent != l)
			return;
	}
	if (!afk_sk_dead(l->sk))
		afk_sk_data_ready(l->sk);
}

// A queued child dies before accept: off the queue, with the queue's reference.
void child_unlink(Socket *c)
{
	Socket *l = c->conn.parent;

	if (!l)
		return;
	{
		AcceptqLock q(l->sk);
		if (c->conn.parent != l)
			return;
		c->conn.in_acceptq.unlink();
		c->conn.parent = nullptr;
		l->conn.children--;
	}
	afk_sk_orphan(c->sk);
	afk_sk_put(l->sk);
	afk_sk_put(c->sk);
}

// The listener closes (its owner): every child still queued is reset and freed.
void listener_close(Socket *l)
{
	{
		AcceptqLock q(l->sk);
		l->conn.state = State::CLOSED;
	}
	for (;;) {
		Socket *c;
		{
			AcceptqLock q(l->sk);
			c = l->conn.acceptq.front();
			if (!c)
				break;
			afk_sk_hold(c->sk);
		}
		{
			// Nobody owns a child before accept; softirq takes its slock.
			SlockGuard g(c->sk);
			if (c->conn.state != State::CLOSED)
				send_control(c, AFC_WIRE_RST);
			conn_done(c);		// unlinks it from the queue
		}
		afk_sk_put(c->sk);
	}
}

} // namespace afc

using afc::Socket;

// accept: the oldest established child.  The accept queue's reference goes to the caller.
extern "C" int afc_conn_accept(Socket *l, int nonblock, struct sock **child)
{
	long timeo = afk_sk_rcvtimeo(l->sk, nonblock);

	for (;;) {
		{
			afc::Owner own(l);
			if (l->conn.state != afc::State::LISTEN)
				return -AFC_EINVAL;
			afc::AcceptqLock q(l->sk);
			for (Socket *c : l->conn.acceptq) {
				if (c->conn.state == afc::State::SYN_RECV)
					continue;
				c->conn.in_acceptq.unlink();
				c->conn.parent = nullptr;
				l->conn.children--;
				*child = c->sk;
				afk_sk_put(l->sk);	// the child's hold on its listener (not
							// the last: the caller's file holds it)
				return 0;
			}
		}
		if (!timeo)
			return -AFC_EAGAIN;
		if (afk_signal_pending())
			return afk_sock_intr_errno(timeo);
		timeo = afk_sk_wait(l->sk, timeo, afc::accept_ready, l, 0);
	}
}
