// SPDX-License-Identifier: GPL-2.0
//
// The core's per-socket object.  The shims bind one to each struct sock (module/shim/socket.c);
// the core owns it: created by afc_sock_new, freed from the sock's destructor by afc_sock_free.
//
// Locking, as in the seeds' socket layer:
//   - ownership (afc::Owner, the seeds' sk->inuse) serializes the socket calls; while a task owns
//     the socket, frames from softirq wait on the back_log and the owner's release drains them;
//   - `owned`, `backlog_len` and `backlog_bytes` are guarded by the sock's slock;
//   - binding fields change under ownership *and* the namespace's table lock, and only while the
//     socket is out of the receive tables: socket calls (ownership) see them stable, and the
//     receive lookups (RCU) trust what they read only if `rx_seq` did not move meanwhile;
//   - `peer` is read by the receive function, which runs only when nobody owns the socket, or by
//     the owner itself when it drains the back_log;
//   - the memory counters and `shutdown` are atomics: poll and the skb destructors read them
//     without any lock.
#pragma once

#include "list.h"
#include "rcu_list.h"
#include "runtime.h"

namespace afc {

// A struct sockaddr_custom in host order.
struct Addr {
	unsigned short port = 0;
	int ifindex = 0;
	unsigned char mac[AFC_ETH_ALEN] = {};
};

enum class State : unsigned char;

// A connection's state (SOCK_STREAM, SOCK_SEQPACKET; module/core/conn.h).  Sequence numbers
// as in RFC 793; times in the core's milliseconds.
struct Conn {
	explicit Conn(struct afc_sock *owner) : in_acceptq(owner) {}

	State state{};				// State::CLOSED
	int tx_ifindex = 0;			// the device the connection uses
	unsigned int mss = 0;			// payload bytes per segment on the wire
	unsigned int gso_max = 0;		// payload bytes of a GSO super-segment (gso.cc)

	// Send side: snd_una..snd_nxt in flight, snd_nxt..write_seq queued, the peer lets us
	// send below snd_right (its last ack + window).
	unsigned int iss = 0, snd_una = 0, snd_nxt = 0, write_seq = 0, snd_right = 0;
	unsigned int max_snd_wnd = 0;		// the largest window the peer offered
	struct sk_buff *send_head = nullptr;	// the first queued segment not sent yet
	unsigned long long challenge_ms = 0;	// challenge ACKs: this second's start
	unsigned int challenges = 0;		// and how many went out in it
	unsigned long long dupack_ms = 0;	// duplicate acknowledgements likewise
	unsigned int dupacks_sent = 0;
	unsigned char dupacks = 0;
	bool fin_queued = false;
	bool in_recovery = false;		// a loss is being repaired until snd_una passes
	unsigned int recover = 0;		// ... this: snd_nxt when it began
	bool rtt_timing = false;		// a segment is being timed (RTT)
	unsigned int rtt_seq = 0;		// ... acknowledged once ack reaches this
	unsigned long long rtt_start = 0;

	// Receive side: rcv_nxt is the next byte expected; we advertised up to rcv_adv.
	unsigned int irs = 0, rcv_nxt = 0, rcv_adv = 0;
	bool fin_rcvd = false;

	// RTT (RFC 6298) and retransmission.
	unsigned int srtt = 0, rttvar = 0, rto = 0;
	unsigned int backoff = 0, retries = 0;
	unsigned long long loss_since = 0;	// first unanswered retransmission
	unsigned long long timer_due = 0;	// 0: not armed
	bool timer_deferred = false;		// fired while owned: run at release
	afc::Atomic<int> dev_gone;		// its device was unregistered: reset it

	// Options.
	unsigned int syncnt = 0, user_timeout = 0;

	// Listener: its children, half-open (synq) and established (acceptq), oldest first, at most
	// `backlog` in all (acceptq lock).
	int backlog = 0;
	int children = 0;
	afc::List<struct afc_sock> synq;
	afc::List<struct afc_sock> acceptq;
	// Child: its place in the listener's queues, and the listener while it is queued.
	afc::Link<struct afc_sock> in_acceptq;
	struct afc_sock *parent = nullptr;
	unsigned long long born = 0;

	afc::Atomic<int> records;		// complete SEQPACKET records queued
	unsigned int rec_bytes = 0;		// bytes of the record being received
	bool held = false;			// the protocol holds a sock reference
	unsigned long retrans = 0;		// segments retransmitted
};

} // namespace afc

struct afc_sock {
	explicit afc_sock(int type)
		: type(type), all(this), by_port(this), by_rx(this), in_group(this), conn(this)
	{
	}
	afc_sock(const afc_sock &) = delete;
	afc_sock &operator=(const afc_sock &) = delete;

	const int type;
	struct sock *sk = nullptr;	// the kernel socket this object is bound to
	struct net *net = nullptr;	// its namespace (the sock holds the reference)
	afc::Atomic<bool> released;	// the owning file was closed

	// Binding: the local port and interface (0 = any); `bound` once bind or autobind succeeded.
	// `ifindex` is SO_BINDTODEVICE's device when one is set, else the one bind() named
	// (`bind_ifindex`).
	bool bound = false;
	unsigned short port = 0;
	int ifindex = 0;
	int bind_ifindex = 0;
	bool reuse = false;		// SO_REUSEADDR when it was bound
	bool child = false;		// a connection a listener accepted: shares its port

	// Default destination, set by connect.
	bool connected = false;
	afc::Addr peer;

	afc::Atomic<int> shutdown;	// AFC_RCV_SHUTDOWN | AFC_SEND_SHUTDOWN

	// Memory charged to the send and receive buffers (the seeds' wmem_alloc / rmem_alloc).
	// Long: SO_RCVBUFFORCE may set a limit near INT_MAX, and a charge may pass it by a frame.
	afc::Atomic<long> wmem;
	afc::Atomic<long> rmem;

	// Ownership and the back_log (slock).  The back_log's frames and bytes are counted from
	// the first push until the owner's release has drained it all (as __release_sock).
	bool owned = false;
	int backlog_len = 0;
	long backlog_bytes = 0;
	afc::Atomic<long> backlog_held;	// bytes still waiting: what /proc shows

	// Senders asleep for send-buffer room, and device events that should wake them to look
	// their device up again (a sleeping sender holds no device reference).
	afc::Atomic<int> tx_sleepers;
	afc::Atomic<unsigned long> dev_events;


	afc::Link<afc_sock> all;		// afc_net::sockets[]
	afc::Link<afc_sock> by_port;		// afc_net::ports[], while bound
	afc::RcuLink<afc_sock> by_rx;		// afc_net::bound[] or conn[], as a group's head
	afc::Atomic<unsigned int> rx_seq{1};	// odd while out of the receive tables (lookup.cc)
	afc::Link<afc_sock> in_group;		// a head's `group`, as a younger member
	afc::List<afc_sock> group;		// the younger sockets with this head's key

	afc::Conn conn;				// SOCK_STREAM, SOCK_SEQPACKET
};

namespace afc {

using Socket = ::afc_sock;

// The send buffer has room: a send would not wait (the seeds' wmem_alloc < sndbuf).
inline bool send_room(const Socket *s)
{
	return s->wmem.load() < afk_sk_sndbuf(s->sk);
}

// A send buffer charged to @s grew by @delta bytes of truesize after its allocation (page
// fragments appended): charged too, so that its destructor's uncharge matches.
inline void wmem_charge(Socket *s, unsigned int delta)
{
	s->wmem.add(delta);
}

// A long counter reported through an int (SIOCOUTQ, the KUnit accessors).
inline int clamp_int(long v)
{
	return v > 0x7fffffffL ? 0x7fffffff : static_cast<int>(v);
}

// send_alloc's "a device event woke the sender" (module/core/accounting.cc).
constexpr int kDevEvent = 1;
struct sk_buff *send_alloc(Socket *s, afc_size_t size, long *timeo, int *err,
			   unsigned long *events);

// Devices that may carry af_custom: Ethernet, with 6-byte addresses and a link header to
// build.  Everything else (loopback, tunnels, tun, ip6gre's 16-byte addresses) is refused with
// ENODEV and its frames are dropped (Documentation/datagram.rst, "Devices").
inline bool link_usable(const struct afc_link &l)
{
	return l.type == AFC_ARPHRD_ETHER && l.addr_len == AFC_ETH_ALEN && l.has_header;
}

// A device named by a bind, connect or SO_BINDTODEVICE: 0, or -ENODEV when there is none or it
// cannot carry af_custom.
inline int check_link(struct net *net, int ifindex)
{
	struct afc_link l;

	if (afk_dev_link(net, ifindex, &l) || !link_usable(l))
		return -AFC_ENODEV;
	return 0;
}

// Ownership of a socket for a scope (the seeds' sk->inuse = 1 ... release_sock(sk)).
class Owner {
public:
	explicit Owner(Socket *s) : s_(s) { afc_lock_sock(s_); }
	~Owner() { afc_release_sock(s_); }
	Owner(const Owner &) = delete;
	Owner &operator=(const Owner &) = delete;

private:
	Socket *s_;
};

// The protocol's receive function: a validated frame for @s, data at the payload.  Runs in
// softirq when nobody owns @s, or in the owner's release_sock for frames from the back_log.
void sock_rcv(Socket *s, struct sk_buff *skb);

// close(2) of a connected socket (module/core/stream.cc).
void conn_release(Socket *s);

// Address and device helpers shared by the socket calls (module/core/datagram.cc).
int parse_dest(const void *addr, int len, Addr *a);
int autobind(Socket *s);
int local_ifindex(const Socket *s);
int tx_check(const struct afc_link *l, afc_size_t len);

// A sender that may sleep for buffer room counts itself from before its first device lookup,
// so that a device event in between still wakes it (the notifier only wakes sockets with
// senders).
class TxSender {
public:
	explicit TxSender(Socket *s) : s_(s)
	{
		s_->tx_sleepers.add(1);
		events = s_->dev_events.load();
	}
	~TxSender() { s_->tx_sleepers.sub(1); }
	TxSender(const TxSender &) = delete;
	TxSender &operator=(const TxSender &) = delete;

	unsigned long events;	// dev_events when the sender last looked its device up

private:
	Socket *s_;
};

} // namespace afc
