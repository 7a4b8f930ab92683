// SPDX-License-Identifier: GPL-2.0
//
// The core's per-socket object.  The shims bind one to each struct sock (module/shim/socket.c);
// the core owns it: created by afc_sock_new, freed from the sock's destructor by afc_sock_free.
//
// Locking, as in the seeds' socket layer:
//   - ownership (afc::Owner, the seeds' sk->inuse) serializes the socket calls; while a task owns
//     the socket, frames from softirq wait on the back_log and the owner's release drains them;
//   - `owned` and `backlog_len` are guarded by the sock's slock;
//   - binding fields change under ownership *and* the namespace's table lock, so receive lookups
//     (table lock) and socket calls (ownership) both see them stable;
//   - `peer` is read by the receive function, which runs only when nobody owns the socket, or by
//     the owner itself when it drains the back_log;
//   - the memory counters and `shutdown` are atomics: poll and the skb destructors read them
//     without any lock.
#pragma once

#include "list.h"
#include "runtime.h"

namespace afc {

// A struct sockaddr_custom in host order.
struct Addr {
	unsigned short port = 0;
	int ifindex = 0;
	unsigned char mac[AFC_ETH_ALEN] = {};
};

} // namespace afc

struct afc_sock {
	explicit afc_sock(int type) : type(type), all(this), by_port(this) {}
	afc_sock(const afc_sock &) = delete;
	afc_sock &operator=(const afc_sock &) = delete;

	const int type;
	struct sock *sk = nullptr;	// the kernel socket this object is bound to
	struct net *net = nullptr;	// its namespace (the sock holds the reference)
	afc::Atomic<bool> released;	// the owning file was closed

	// Binding: the local port and interface (0 = any); `bound` once bind or autobind succeeded.
	bool bound = false;
	unsigned short port = 0;
	int ifindex = 0;
	bool reuse = false;		// SO_REUSEADDR when it was bound

	// Default destination, set by connect.
	bool connected = false;
	afc::Addr peer;

	afc::Atomic<int> shutdown;	// AFC_RCV_SHUTDOWN | AFC_SEND_SHUTDOWN

	// Memory charged to the send and receive buffers (the seeds' wmem_alloc / rmem_alloc).
	afc::Atomic<int> wmem;
	afc::Atomic<int> rmem;

	// Ownership and the back_log (slock).
	bool owned = false;
	int backlog_len = 0;

	afc::Atomic<unsigned long> drops;	// datagrams dropped for this socket

	afc::Link<afc_sock> all;		// afc_net::sockets
	afc::Link<afc_sock> by_port;		// afc_net::ports[], while bound
};

namespace afc {

using Socket = ::afc_sock;

// The send buffer has room: a send would not wait (the seeds' wmem_alloc < sndbuf).
inline bool send_room(const Socket *s)
{
	return s->wmem.load() < afk_sk_sndbuf(s->sk);
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

} // namespace afc
