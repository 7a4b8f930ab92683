// SPDX-License-Identifier: GPL-2.0
//
// The socket calls of SOCK_DGRAM (Documentation/datagram.rst): addresses, bind, connect,
// sendmsg, recvmsg, getsockname/getpeername, poll, shutdown, ioctl.  Each call owns the socket
// while it reads or changes its state (afc::Owner) and never sleeps while owning it.
#include "conn.h"
#include "guards.h"
#include "netns.h"
#include "rx.h"

namespace afc {

unsigned short addr_family(const void *addr)
{
	unsigned short family;

	__builtin_memcpy(&family, static_cast<const unsigned char *>(addr) + AFC_SCU_FAMILY,
			 sizeof(family));
	return family;
}

// A whole struct sockaddr_custom (the caller checked the length before reading the family, which
// bind and connect answer differently): EINVAL when its padding is not zero.
int parse_addr(const void *addr, Addr *a)
{
	const unsigned char *p = static_cast<const unsigned char *>(addr);

	if (p[AFC_SCU_ZERO] || p[AFC_SCU_ZERO + 1])
		return -AFC_EINVAL;
	a->port = (p[AFC_SCU_PORT] << 8) | p[AFC_SCU_PORT + 1];
	__builtin_memcpy(&a->ifindex, p + AFC_SCU_IFINDEX, sizeof(a->ifindex));
	__builtin_memcpy(a->mac, p + AFC_SCU_ADDR, AFC_ETH_ALEN);
	return 0;
}

// A destination for connect or sendto.
int parse_dest(const void *addr, int len, Addr *a)
{
	if (len < AFC_SCU_LEN)
		return -AFC_EINVAL;
	if (addr_family(addr) != afc_family())
		return -AFC_EAFNOSUPPORT;
	int err = parse_addr(addr, a);
	if (err)
		return err;
	return a->port ? 0 : -AFC_EINVAL;
}

int write_addr(void *addr, const Addr &a)
{
	unsigned char *p = static_cast<unsigned char *>(addr);
	unsigned short family = afc_family();

	__builtin_memset(p, 0, AFC_SCU_LEN);
	__builtin_memcpy(p + AFC_SCU_FAMILY, &family, sizeof(family));
	p[AFC_SCU_PORT] = a.port >> 8;
	p[AFC_SCU_PORT + 1] = a.port & 0xff;
	__builtin_memcpy(p + AFC_SCU_IFINDEX, &a.ifindex, sizeof(a.ifindex));
	__builtin_memcpy(p + AFC_SCU_ADDR, a.mac, AFC_ETH_ALEN);
	return AFC_SCU_LEN;
}

// An unbound socket that sends or connects gets an ephemeral port on any interface.  As UDP's
// autobind, running out of ports is EAGAIN here.
int autobind(Socket *s)
{
	if (s->bound)
		return 0;
	int err = port_bind(s, 0, 0);
	return err == -AFC_EADDRINUSE ? -AFC_EAGAIN : err;
}

// The interface a socket is tied to: SO_BINDTODEVICE's, else the one it is bound to; 0 = any.
int local_ifindex(const Socket *s)
{
	int dev = afk_sk_bound_dev_if(s->sk);

	return dev ? dev : s->ifindex;
}

// Can the device described by @l send a @len-byte datagram?  ENODEV when it cannot carry
// af_custom, ENETDOWN when it is down, EMSGSIZE when @len does not fit its MTU (after our
// header) or the header's length field.
int tx_check(const struct afc_link *l, afc_size_t len)
{
	if (!link_usable(*l))
		return -AFC_ENODEV;
	if (!l->running)
		return -AFC_ENETDOWN;
	if (l->mtu < AFC_WIRE_HLEN || len > l->mtu - AFC_WIRE_HLEN || len > 0xffff)
		return -AFC_EMSGSIZE;
	return 0;
}

} // namespace afc

using afc::Addr;
using afc::Socket;

extern "C" int afc_bind(Socket *s, const void *addr, int addrlen)
{
	Addr a;

	if (addrlen < AFC_SCU_LEN || afc::addr_family(addr) != afc_family())
		return -AFC_EINVAL;
	int err = afc::parse_addr(addr, &a);
	if (err)
		return err;
	int dev = afk_sk_bound_dev_if(s->sk);
	if (dev && a.ifindex && a.ifindex != dev)
		return -AFC_EINVAL;		// SO_BINDTODEVICE names another device
	if (a.ifindex || dev) {
		err = afc::check_link(s->net, a.ifindex ? a.ifindex : dev);
		if (err)
			return err;
	}
	if (a.port && a.port < AFC_AF_CUSTOM_PROT_SOCK && !afk_sk_capable_bind(s->sk))
		return -AFC_EACCES;

	afc::Owner own(s);
	return afc::port_bind(s, a.port, a.ifindex);
}

// connect: set the default destination, or clear it with AF_UNSPEC.
extern "C" int afc_connect(Socket *s, const void *addr, int addrlen)
{
	Addr a;

	if (addrlen < static_cast<int>(sizeof(unsigned short)))
		return -AFC_EINVAL;
	bool disconnect = afc::addr_family(addr) == AFC_AF_UNSPEC;
	if (!disconnect) {
		int err = afc::parse_dest(addr, addrlen, &a);
		if (!err && a.ifindex)
			err = afc::check_link(s->net, a.ifindex);
		if (err)
			return err;
	}

	afc::Owner own(s);
	if (!disconnect) {
		int local = afc::local_ifindex(s);
		if (local && a.ifindex && local != a.ifindex)
			return -AFC_EINVAL;
		int err = local ? afc::check_link(s->net, local) : 0;
		if (!err)
			err = afc::autobind(s);
		if (err)
			return err;
	}
	afc::NetLock lock(s->net);	// the receive lookups file a socket by its peer
	afc::RxChange change(afc::net_of(s->net));	// one move
	afc::rx_unhash(s);
	s->connected = !disconnect;
	s->peer = a;
	if (s->bound)
		afc::rx_hash(s);
	return 0;
}

extern "C" int afc_getname(Socket *s, void *addr, int peer)
{
	Addr a;
	afc::Owner own(s);

	if (peer) {
		if (!s->connected)
			return -AFC_ENOTCONN;
		a = s->peer;
	} else {
		struct afc_link l;

		a.port = s->port;
		a.ifindex = s->ifindex;
		if (a.ifindex && !afk_dev_link(s->net, a.ifindex, &l))
			__builtin_memcpy(a.mac, l.mac, AFC_ETH_ALEN);	// zero if the device went away
	}
	return afc::write_addr(addr, a);
}

// sendmsg: one datagram in one frame, on the socket's interface or the destination's.  No
// device reference is held while the sender sleeps for send-buffer room: the device is looked
// up before, to size the buffer, and again after, to send it; a device event wakes sleepers.
extern "C" long afc_sendmsg(Socket *s, struct msghdr *msg, afc_size_t len, int flags,
			    const void *addr, int addrlen)
{
	Addr dst;
	int ifindex, err;

	if (flags & AFC_MSG_OOB)
		return -AFC_EOPNOTSUPP;
	if (addr) {
		err = afc::parse_dest(addr, addrlen, &dst);
		if (err)
			return err;
	}
	{
		afc::Owner own(s);

		if (!addr) {
			if (!s->connected)
				return -AFC_EDESTADDRREQ;
			dst = s->peer;
		}
		err = afc::autobind(s);
		if (err)
			return err;
		int local = afc::local_ifindex(s);
		if (local && dst.ifindex && local != dst.ifindex)
			return -AFC_EINVAL;
		ifindex = local ? local : dst.ifindex;
	}

	struct afc_link l;
	long timeo = afk_sk_sndtimeo(s->sk, flags & AFC_MSG_DONTWAIT);
	afc::SkbPtr skb;
	afc::TxSender sender(s);
	do {
		if (afk_dev_link(s->net, ifindex, &l))
			return -AFC_ENXIO;
		err = afc::tx_check(&l, len);
		if (err)
			return err;
		unsigned int size = l.headroom + AFC_WIRE_HLEN + len + l.tailroom;
		skb.reset(afc::send_alloc(s, size, &timeo, &err, &sender.events));
	} while (!skb && err == afc::kDevEvent);
	if (!skb)
		return err;
	unsigned int head = l.headroom;
	afk_skb_reserve(skb.get(), head);
	unsigned char *frame = afk_skb_put(skb.get(), AFC_WIRE_HLEN + len);
	if (afk_skb_copy_from_msg(skb.get(), AFC_WIRE_HLEN, msg, len))
		return -AFC_EFAULT;

	struct afc_wire_hdr h = {};
	h.type = AFC_WIRE_DGRAM;
	h.sport = s->port;
	h.dport = dst.port;
	h.len = static_cast<unsigned short>(len);
	afc_wire_build(&h, frame);

	// The device may have changed while the sender slept (or the ifindex may name another one
	// now): check the device it holds, and send on that one.
	afc::DevRef dev(afk_dev_get(s->net, ifindex));
	if (!dev)
		return -AFC_ENXIO;
	afk_dev_link_of(dev.get(), &l);
	err = afc::tx_check(&l, len);
	if (err)
		return err;
	if (l.headroom > head && afk_skb_cow_head(skb.get(), l.headroom))
		return -AFC_ENOBUFS;
	afk_skb_tx_mark(skb.get(), s->sk);
	err = afk_dev_hard_header(skb.get(), dev.get(), afc_ethertype(), dst.mac);
	if (err < 0)
		return err == -AFC_ENODEV ? err : -AFC_EINVAL;

	err = afk_dev_xmit(skb.release());
	if (err)
		return err;
	afc::Net *n = afc::net_of(s->net);
	afc::count(n, AFC_STAT_TX_FRAMES);
	afc::count(n, AFC_STAT_TX_BYTES, len);
	return static_cast<long>(len);
}

// recvmsg: one datagram.  A short buffer gets its head and MSG_TRUNC in *msg_flags; with
// MSG_TRUNC in @flags the call returns the datagram's real length.  @addr may be NULL.
extern "C" long afc_recvmsg(Socket *s, struct msghdr *msg, afc_size_t len, int flags,
			    int *msg_flags, void *addr, int *addrlen)
{
	int err;

	if (flags & AFC_MSG_OOB)
		return -AFC_EOPNOTSUPP;
	if (flags & AFC_MSG_ERRQUEUE)
		return -AFC_EAGAIN;	// the error queue is always empty (as UDP with none queued)
	afc::SkbPtr skb(afc_skb_recv_datagram(s, flags, &err));
	if (!skb)
		return err;

	unsigned int dlen = afk_skb_len(skb.get());
	afc_size_t copied = len < dlen ? len : dlen;
	if (copied < dlen)
		*msg_flags |= AFC_MSG_TRUNC;
	if (afk_skb_copy_to_msg(skb.get(), msg, copied))
		return -AFC_EFAULT;
	afk_skb_recv_cmsgs(msg, s->sk, skb.get());
	if (addr) {
		const afc::RxMeta *m = afc::rx_meta(skb.get());
		Addr a;

		a.port = m->sport;
		a.ifindex = m->ifindex;
		__builtin_memcpy(a.mac, m->mac, AFC_ETH_ALEN);
		*addrlen = afc::write_addr(addr, a);
	}
	skb.consume();
	return (flags & AFC_MSG_TRUNC) ? static_cast<long>(dlen) : static_cast<long>(copied);
}

extern "C" unsigned int afc_poll(Socket *s)
{
	struct sock *sk = s->sk;
	int shut = s->shutdown.load();
	unsigned int mask = 0;

	if (afk_sk_err_pending(sk))
		mask |= AFC_EPOLLERR;
	if (shut & AFC_RCV_SHUTDOWN)
		mask |= AFC_EPOLLRDHUP | AFC_EPOLLIN | AFC_EPOLLRDNORM;
	if (shut == AFC_SHUTDOWN_MASK)
		mask |= AFC_EPOLLHUP;
	if (!afk_rq_empty(sk))
		mask |= AFC_EPOLLIN | AFC_EPOLLRDNORM;
	// Writable when a send would not wait (after SHUT_WR it fails at once with EPIPE).
	if ((shut & AFC_SEND_SHUTDOWN) || afc::send_room(s))
		mask |= AFC_EPOLLOUT | AFC_EPOLLWRNORM | AFC_EPOLLWRBAND;
	else
		afk_sk_set_nospace(sk);
	return mask;
}

// shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR; sleeping readers and writers wake to see it.
extern "C" int afc_shutdown(Socket *s, int how)
{
	if (how < 0 || how > 2)
		return -AFC_EINVAL;
	s->shutdown.fetch_or(how + 1);	// SHUT_RD 0 -> RCV_SHUTDOWN 1, ...
	afk_sk_state_change(s->sk);
	return 0;
}

extern "C" int afc_ioctl(Socket *s, unsigned int cmd, long *value)
{
	switch (cmd) {
	case AFC_SIOCINQ: {
		long len = afk_rq_head_len(s->sk);
		*value = len < 0 ? 0 : len;
		return 0;
	}
	case AFC_SIOCOUTQ:
		*value = afc::clamp_int(s->wmem.load());
		return 0;
	default:
		return -AFC_ENOIOCTLCMD;
	}
}

// SO_BINDTODEVICE or SO_BINDTOIFINDEX set or cleared the sock's device (the kernel's
// sock_setsockopt, which calls proto.rehash).  A bound socket moves to it, or back to the
// interface it was bound to.  A device that cannot carry af_custom is not refused here (the
// kernel has already stored it); bind, connect and sendmsg refuse it with ENODEV.
extern "C" void afc_rehash(Socket *s)
{
	afc::Owner own(s);
	int dev = afk_sk_bound_dev_if(s->sk);
	afc::NetLock lock(s->net);

	afc::port_set_ifindex(s, dev ? dev : s->bind_ifindex);
}

// SOL_CUSTOM options belong to connected sockets (module/core/stream.cc); datagram sockets have
// none, and no other level but SOL_SOCKET (the kernel's) has any.
extern "C" int afc_setsockopt(Socket *s, int level, int optname, int value)
{
	if (level != AFC_SOL_CUSTOM || s->type == AFC_SOCK_DGRAM)
		return -AFC_ENOPROTOOPT;
	return afc::conn_setsockopt(s, optname, value);
}

extern "C" int afc_getsockopt(Socket *s, int level, int optname, int *value)
{
	if (level != AFC_SOL_CUSTOM || s->type == AFC_SOCK_DGRAM)
		return -AFC_ENOPROTOOPT;
	return afc::conn_getsockopt(s, optname, value);
}
