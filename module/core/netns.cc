// SPDX-License-Identifier: GPL-2.0
//
// Per-namespace state (created and destroyed by the shim's pernet_operations), device events,
// and the /proc/net files.
#include "conn.h"
#include "guards.h"

namespace afc {
namespace {

const char *type_name(int type)
{
	switch (type) {
	case AFC_SOCK_DGRAM:
		return "DGRAM";
	case AFC_SOCK_STREAM:
		return "STREAM";
	case AFC_SOCK_SEQPACKET:
		return "SEQPACKET";
	default:
		return "?";
	}
}

const char *state_name(const Socket *s)
{
	if (s->type != AFC_SOCK_DGRAM)
		return afc_conn_state_name(s);
	if (s->connected)
		return "CONNECTED";
	return s->bound ? "BOUND" : "UNBOUND";
}

#define AFC_STAT_NAME(name, text) text,
const char *const stat_names[AFC_STAT_DROPS] = { AFC_STAT_LIST(AFC_STAT_NAME) };
#undef AFC_STAT_NAME

} // namespace
} // namespace afc

using afc::Net;
using afc::Socket;

extern "C" struct afc_net *afc_net_new(struct net *net)
{
	return new (afc::Ctx::Process) Net(net, afk_random_u32());
}

// Every socket holds its namespace, so none is left when the namespace goes away.
extern "C" void afc_net_free(struct afc_net *n)
{
	for (auto &b : n->sockets)
		AFC_WARN_ON_ONCE(!b.empty());
	delete n;
}

// A device went down or away: its datagram sockets get ENETDOWN (sk_err, woken with POLLERR).
// Connections keep retrying while a device is down (until their retry limit or user timeout,
// as TCP); when it is unregistered, those using it fail with ENETDOWN at once (their timer runs
// the reset in their context).  Sockets keep only an ifindex, never a reference, so
// unregistering a device does not wait for them.  Senders asleep for buffer room on any socket
// wake to look their device up again (a sender of an any-bound socket may be headed for it).
extern "C" void afc_netdev_event(struct net *net, int ifindex, unsigned long event)
{
	if (event != AFC_NETDEV_DOWN && event != AFC_NETDEV_UNREGISTER)
		return;

	Net *n = afc::net_of(net);

	// A bucket at a time: the lock (bottom halves off) is never held across the whole table.
	for (auto &bucket : n->sockets) {
		afc::NetLock lock(net);
		for (Socket *s : bucket) {
			if (s->type != AFC_SOCK_DGRAM) {
				afc::conn_dev_event(s, ifindex, event == AFC_NETDEV_UNREGISTER);
				continue;
			}
			bool uses = (s->bound && s->ifindex == ifindex) ||
				    (s->connected && !s->ifindex && s->peer.ifindex == ifindex);
			if (uses)
				afk_sk_err_report(s->sk, AFC_ENETDOWN);
			if (s->tx_sleepers.load()) {
				s->dev_events.add(1);
				afk_sk_state_change(s->sk);
			}
		}
	}
}

// /proc/net/af_custom: one line per socket of the namespace (Documentation/datagram.rst).
extern "C" void afc_proc_header(struct seq_file *m)
{
	afk_seq_printf(m, "%4s %-9s %-11s %7s %5s %-17s %5s %8s %8s %7s %5s %5s %8s %7s %7s %8s\n",
		       "sl", "type", "state", "ifindex", "lport", "peer", "pport", "tx_queue",
		       "rx_queue", "backlog", "drops", "uid", "inode", "retrans", "acceptq",
		       "pifindex");
}

namespace afc {
namespace {

// The interface the socket reaches its peer through (0: no peer, or not known): a connection's
// device, or a connected datagram socket's destination (its own device when that names none).
// A socket bound to any interface shows 0 as ifindex; this says where its traffic goes.
int proc_peer_ifindex(const Socket *s)
{
	if (s->type != AFC_SOCK_DGRAM)
		return s->conn.tx_ifindex;
	if (!s->connected)
		return 0;
	return s->peer.ifindex ? s->peer.ifindex : afc::local_ifindex(s);
}

// The socket at the cursor, moving on to later buckets when the cursor's bucket is shorter
// than it was (sockets closed between two reads); nullptr past the last bucket.
Socket *proc_at(Net *n, afc_proc_cursor *c)
{
	for (; c->bucket < Net::kSockBuckets; c->bucket++, c->offset = 0) {
		unsigned int i = 0;
		for (Socket *s : n->sockets[c->bucket])
			if (i++ == c->offset)
				return s;
	}
	return nullptr;
}

// The socket after @s in its bucket; at the bucket's end, nullptr with the cursor on the next
// bucket (the caller may let go of the lock there, then seek).
Socket *proc_advance(Net *n, afc_proc_cursor *c, Socket *s)
{
	c->pos++;
	if (Socket *next = n->sockets[c->bucket].next_of(s->all)) {
		c->offset++;
		return next;
	}
	c->bucket++;
	c->offset = 0;
	return nullptr;
}

} // namespace
} // namespace afc

// The socket at position @pos: from where the last read stopped when it can, else from the
// first bucket.  Namespace lock held (the shim's seq_file start).
extern "C" void *afc_proc_seek(struct net *net, struct afc_proc_cursor *c, long pos)
{
	Net *n = afc::net_of(net);

	if (pos < c->pos) {
		c->bucket = 0;
		c->offset = 0;
		c->pos = 0;
	}
	Socket *s = afc::proc_at(n, c);
	while (s && c->pos < pos) {
		s = afc::proc_advance(n, c, s);
		if (!s)
			s = afc::proc_at(n, c);
	}
	return s;
}

// The socket after @v in its bucket, or nullptr at the bucket's end (the cursor then points at
// the next bucket, and afc_proc_seek(c->pos) continues there).
extern "C" void *afc_proc_next(struct net *net, struct afc_proc_cursor *c, void *v)
{
	return afc::proc_advance(afc::net_of(net), c, static_cast<Socket *>(v));
}

extern "C" int afc_proc_done(const struct afc_proc_cursor *c)
{
	return c->bucket >= Net::kSockBuckets;
}

extern "C" void afc_proc_show(struct seq_file *m, void *v, long pos)
{
	Socket *s = static_cast<Socket *>(v);
	const unsigned char *p = s->peer.mac;

	afk_seq_printf(m,
		       "%4ld %-9s %-11s %7d %5u %02x:%02x:%02x:%02x:%02x:%02x %5u %8ld %8ld %7ld "
		       "%5u %5u %8lu %7lu %7d %8d\n",
		       pos, afc::type_name(s->type), afc::state_name(s), s->ifindex, s->port, p[0],
		       p[1], p[2], p[3], p[4], p[5], s->peer.port, s->wmem.load(), s->rmem.load(),
		       s->backlog_held.load(), afk_sk_drops(s->sk), afk_sk_uid(m, s->sk),
		       afk_sk_ino(s->sk), s->conn.retrans, s->conn.children,
		       afc::proc_peer_ifindex(s));
}

// /proc/net/af_custom_stat: the namespace's counters, "name value" per line.
extern "C" void afc_proc_stat(struct net *net, struct seq_file *m)
{
	Net *n = afc::net_of(net);

	for (int i = 0; i < AFC_STAT_DROPS; i++)
		afk_seq_printf(m, "%s %lu\n", afc::stat_names[i], n->stats[i].load());
	for (int i = AFC_DROP_NONE + 1; i < AFC_DROP_MAX; i++)
		afk_seq_printf(m, "drop_%s %lu\n", afc_drop_name(static_cast<enum afc_drop>(i)),
			       n->stats[AFC_STAT_DROPS + i].load());
}

extern "C" unsigned long afc_net_stat(struct net *net, int stat)
{
	AFC_BUG_ON(stat < 0 || stat >= AFC_STAT_DROPS + AFC_DROP_MAX);
	return afc::net_of(net)->stats[stat].load();
}
