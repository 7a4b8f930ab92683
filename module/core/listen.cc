// SPDX-License-Identifier: GPL-2.0
//
// The listen socket's queues (the seeds' tcp_conn_request / tcp_find_established /
// tcp_dequeue_established / tcp_accept): a connection request (SYN) makes a child socket in
// SYN_RECV, held on the listener's half-open queue (synq) and answered with SYN|ACK; the peer's
// ACK makes it ESTABLISHED and moves it to the accept queue (acceptq); accept takes the oldest
// established child.  Half-open children are never handed out.
//
// Requests are taken in afc_rx for the listener without owning it (the listener's back_log is
// not involved; the queues have their own lock).  Both queues together hold at most the listen
// backlog of children.  When they are full, the oldest half-open child older than one initial
// RTO is dropped for the new request (a flood of requests from forged sources keeps cycling
// through the half-open slots, and established connections still get through); otherwise the
// request is dropped and counted.  Nothing is allocated for a request that will not be queued.
//
// A queued child holds its listener.  A child leaves the queues only with its own slock held
// (its context, the listener's close, or accept), so in the child's context `parent` is stable
// and the listener it names is alive.  Lock order: the child's slock, then the queue lock.
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

// Take @c off its listener's queue (queue lock held).
void unqueue(Socket *l, Socket *c)
{
	c->conn.in_acceptq.unlink();
	c->conn.parent = nullptr;
	l->conn.children--;
}

} // namespace

// accept would not wait: an established child, an error, or no longer listening.
int accept_ready(Socket *l, unsigned long)
{
	if (l->conn.state != State::LISTEN || afk_sk_err_pending(l->sk))
		return 1;
	AcceptqLock q(l->sk);
	return !l->conn.acceptq.empty();
}

// A SYN for listener @l (afc_rx; @l held, no lock).  Frees @skb.
void conn_request(Socket *l, struct sk_buff *skb)
{
	SkbPtr seg(skb);
	RxMeta *m = rx_meta(skb);
	Net *n = net_of(l->net);

	if (l->conn.state != State::LISTEN ||
	    (m->flags & (AFC_WIRE_ACK | AFC_WIRE_RST | AFC_WIRE_FIN))) {
		send_reset_for(l->net, rx_wire_type(l), m, l->port, afk_skb_len(skb));
		return;
	}

	// The segment size the arrival device allows.
	struct afc_link dev;
	if (afk_dev_link(l->net, m->ifindex, &dev) || !link_usable(dev) || !conn_mss(dev.mtu))
		return;

	// Room on the queues, or the oldest half-open slot to take over.
	Socket *victim = nullptr;
	{
		AcceptqLock q(l->sk);
		if (l->conn.children >= l->conn.backlog) {
			Socket *old = l->conn.synq.front();
			if (!old || now_ms() - old->conn.born < kInitialRtoMs) {
				count(n, AFC_STAT_ACCEPTQ_OVERFLOW);
				return;
			}
			victim = old;
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
	k.gso_max = conn_gso_max(dev, k.mss);
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
	k.max_snd_wnd = m->window > kMaxWindow ? kMaxWindow : m->window;
	k.snd_right = k.snd_una + k.max_snd_wnd;
	k.born = now_ms();
	k.state = State::SYN_RECV;

	// From here on segments may find the child: its slock is held until it is queued and has
	// answered, so they are processed after that.
	{
		SlockGuard g(sk);
		bool queued = false;
		if (!port_bind_child(c, l)) {		// -EEXIST: two copies of one SYN
			AcceptqLock q(l->sk);
			if (l->conn.state == State::LISTEN && l->conn.children < l->conn.backlog) {
				afk_sk_hold(l->sk);	// the child holds its listener while queued
				k.parent = l;
				l->conn.synq.push_back(k.in_acceptq);
				l->conn.children++;
				queued = true;
			}
		}
		if (queued) {
			send_control(c, AFC_WIRE_SYN | AFC_WIRE_ACK);
			timer_set(c, kInitialRtoMs);
			return;
		}
		conn_done(c);
	}
	afk_sk_orphan(sk);
	afk_sk_put(sk);
}

// SYN_RECV -> ESTABLISHED (the child's context): the child moves to the accept queue and the
// listener's readers wake, all under the queue lock (accept may take the child the moment it
// is there).
void child_established(Socket *c)
{
	count(net_of(c->net), AFC_STAT_CONN_ACCEPTED);
	Socket *l = c->conn.parent;
	if (!l) {
		set_state(c, State::ESTABLISHED);
		return;
	}
	AcceptqLock q(l->sk);
	c->conn.state = State::ESTABLISHED;
	if (c->conn.parent == l) {
		c->conn.in_acceptq.unlink();
		l->conn.acceptq.push_back(c->conn.in_acceptq);
		if (!afk_sk_dead(l->sk))
			afk_sk_data_ready(l->sk);
	}
}

// A queued child dies before accept: off the queue, with the queue's reference.
void child_unlink(Socket *c)
{
	Socket *l = c->conn.parent;
	if (!l)
		return;
	{
		AcceptqLock q(l->sk);
		unqueue(l, c);
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
			c = l->conn.synq.front();
			if (!c)
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
			conn_done(c);		// takes it off the queue
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
			int e = afk_sk_err_take(l->sk);
			if (e)
				return e;
			Socket *c;
			{
				afc::AcceptqLock q(l->sk);
				c = l->conn.acceptq.front();
				if (c)
					afk_sk_hold(c->sk);
			}
			if (c) {
				bool taken = false;
				{
					afc::SlockGuard g(c->sk);	// the child's slock first
					afc::AcceptqLock q(l->sk);
					if (c->conn.parent == l) {
						afc::unqueue(l, c);
						taken = true;
					}
				}
				if (taken) {
					*child = c->sk;	// the queue's reference, now the caller's
					afk_sk_put(c->sk);	// ours
					afk_sk_put(l->sk);	// the child's hold on its listener (not
								// the last: the caller's file holds it)
					return 0;
				}
				afk_sk_put(c->sk);
				continue;		// it died meanwhile: look again
			}
		}
		if (!timeo)
			return -AFC_EAGAIN;
		if (afk_signal_pending())
			return afk_sock_intr_errno(timeo);
		timeo = afk_sk_wait(l->sk, timeo, afc::accept_ready, l, 0);
	}
}
