// SPDX-License-Identifier: GPL-2.0
//
// Connected sockets (SOCK_STREAM and SOCK_SEQPACKET): the connection's state, shared by the
// files that implement it (Documentation/connections.rst):
//
//   state.cc    the state machine: a segment's processing in each state, resets, teardown
//   listen.cc   the listen socket's queue of children, SYN_RECV -> ESTABLISHED, accept
//   output.cc   sending: segmentation, the send window, the retransmission queue, transmit
//   gso.cc      GSO super-segments: their size, and what gso_segment writes in each piece
//   input.cc    receiving: in-order delivery, the out-of-order queue, acknowledgements
//   timer.cc    the retransmit / persist / time-wait timer and the RTT estimate
//   stream.cc   the socket calls
//
// Locking.  A connection's state changes in its socket's own context: its owner (afc::Owner),
// or softirq / the timer with the slock held while nobody owns it; segments that arrive while
// it is owned wait on the back_log and the owner's release feeds them in.  A listener's queue of
// children has its own lock (afk_acceptq_lock), taken after a child's slock, never before.
// Connected sockets' slocks are a lockdep class of their own, under which the namespace lock may
// be taken (hashing); the receive path never holds the namespace lock while taking one.
#pragma once

#include "rx.h"

namespace afc {

#define AFC_CONN_STATE_LIST(X)	\
	X(CLOSED)		\
	X(LISTEN)		\
	X(SYN_SENT)		\
	X(SYN_RECV)		\
	X(ESTABLISHED)		\
	X(FIN_WAIT1)		\
	X(FIN_WAIT2)		\
	X(CLOSING)		\
	X(TIME_WAIT)		\
	X(CLOSE_WAIT)		\
	X(LAST_ACK)

#define AFC_STATE_ENUM(name) name,
enum class State : unsigned char { AFC_CONN_STATE_LIST(AFC_STATE_ENUM) };
#undef AFC_STATE_ENUM

// Defaults (Documentation/connections.rst, "Timers").
constexpr unsigned int kInitialRtoMs = 1000;	// RFC 6298 2.1
constexpr unsigned int kMinRtoMs = 200;		// as Linux TCP
constexpr unsigned int kMaxRtoMs = 30000;
constexpr unsigned int kSynRetries = 6;		// AF_CUSTOM_SYNCNT default (TCP_SYNCNT's)
constexpr unsigned int kSynAckRetries = 5;
constexpr unsigned int kMaxRetries = 12;	// data: then ETIMEDOUT (AF_CUSTOM_USER_TIMEOUT)
constexpr unsigned int kTimeWaitMs = 2000;	// bounded: stray segments are absorbed, then gone
constexpr unsigned int kFinWait2Ms = 10000;	// an orphan's wait for the peer's FIN
constexpr unsigned int kMaxRecord = 65536;	// SOCK_SEQPACKET's largest record
constexpr unsigned int kMaxWindow = 16 << 20;	// the largest window a peer may offer us

// Sequence-number arithmetic, modulo 2^32.
inline bool before(unsigned int a, unsigned int b)
{
	return static_cast<int>(a - b) < 0;
}
inline bool after(unsigned int a, unsigned int b)
{
	return before(b, a);
}

// A queued outgoing segment's description, in skb->cb of the write queue's buffers.
struct TxSeg {
	unsigned int seq;
	unsigned short len;
	unsigned char flags;		// FIN, EOR
	unsigned char sent;		// transmissions so far
	unsigned long long sent_ms;
};
static_assert(sizeof(TxSeg) <= AFC_SKB_CB_SIZE, "TxSeg must fit sk_buff::cb");

inline TxSeg *tx_seg(struct sk_buff *skb)
{
	return static_cast<TxSeg *>(afk_skb_cb(skb));
}

// Sequence space a segment takes: its bytes, and one for FIN.
inline unsigned int seg_end(const TxSeg *t)
{
	return t->seq + t->len + ((t->flags & AFC_WIRE_FIN) ? 1 : 0);
}
inline unsigned int seg_end(const RxMeta *m, unsigned int len)
{
	return m->seq + len + ((m->flags & (AFC_WIRE_SYN | AFC_WIRE_FIN)) ? 1 : 0);
}

// The core's clock in milliseconds (jiffies, or KUnit's hand-driven one).
unsigned long long now_ms();

// ---- state.cc
void set_state(Socket *s, State st);
void conn_rcv(Socket *s, struct sk_buff *skb);		// a segment, in the socket's context
void conn_reset(Socket *s, int err);			// abort: RST sent by the caller if any
void conn_done(Socket *s);				// CLOSED for good: leave the tables
bool conn_synchronized(State st);
unsigned char rx_wire_type(const Socket *s);		// our frames' type

// The sending side of a socket, for one sendmsg or shutdown at a time (a sleeping lock, taken
// before ownership).
class SendLock {
public:
	// @nonblock: only if free now (else error() is EAGAIN).
	SendLock(Socket *s, bool nonblock)
		: sk_(s->sk), err_(nonblock ? afk_send_trylock(sk_) : afk_send_lock(sk_)),
		  held_(err_ == 0)
	{
	}
	~SendLock()
	{
		if (held_)
			afk_send_unlock(sk_);
	}
	SendLock(const SendLock &) = delete;
	SendLock &operator=(const SendLock &) = delete;

	bool held() const { return held_; }
	int error() const { return err_ == -AFC_EINTR ? -AFC_ERESTARTSYS : err_; }

private:
	struct sock *sk_;
	int err_;
	bool held_;
};

// ---- rx.cc
int conn_frame(struct net *net, struct sk_buff *skb, int wire_type, unsigned short dport,
	       int pkt_type);

// ---- listen.cc
// A connection request reached a listener (afc_rx, namespace lock held).
void conn_request(Socket *listener, struct sk_buff *skb);
void child_established(Socket *child);			// SYN_RECV -> ESTABLISHED
void child_unlink(Socket *child);			// the child dies before accept
void listener_close(Socket *listener);
int accept_ready(Socket *listener, unsigned long);	// an afk_sk_wait condition

// ---- output.cc
unsigned int conn_mss(int mtu);
int conn_queue(Socket *s, struct sk_buff *skb, unsigned int len, unsigned char flags);
void conn_push(Socket *s);				// send what the window allows
bool conn_retransmit(Socket *s);			// the first unacknowledged segment
void conn_probe(Socket *s);				// zero window: one segment anyway
void send_control(Socket *s, unsigned char flags);	// SYN, SYN|ACK, ACK, FIN|ACK, RST
void send_reset_for(struct net *net, int type, const RxMeta *m, unsigned short dport,
		    unsigned int len);			// a segment for no connection
void conn_ack_sent(Socket *s);
unsigned int rcv_window(const Socket *s);
void tx_clean(Socket *s, unsigned int ack);		// free what @ack covers
bool conn_queue_fin(Socket *s, enum afc_gfp gfp);

// ---- gso.cc
unsigned int conn_gso_max(const struct afc_link &l, unsigned int mss);
unsigned int conn_seg_max(const Socket *s);		// the next segment's most

// ---- input.cc
void conn_data(Socket *s, struct sk_buff *skb);	// an acceptable segment's data and FIN
void rq_consumed(Socket *s);				// a reader freed room: window update

// ---- stream.cc
int conn_setsockopt(Socket *s, int optname, int value);
int conn_getsockopt(Socket *s, int optname, int *value);

// ---- timer.cc
void timer_set(Socket *s, unsigned int ms);
void timer_clear(Socket *s);
void timer_fire(Socket *s);				// the socket's context
// A device event for a connected socket (the notifier; namespace lock held): an unregistered
// device fails its connections, listeners bound to it get ENETDOWN.
void conn_dev_event(Socket *s, int ifindex, bool unregister);
void rtt_sample(Socket *s, unsigned int ms);
void rto_reset(Socket *s);
unsigned int rto_backed_off(const Socket *s);

} // namespace afc
