// SPDX-License-Identifier: GPL-2.0
//
// The socket calls of SOCK_DGRAM (Documentation/datagram.rst): addresses, bind, connect,
// sendmsg, recvmsg, getsockname/getpeername, poll, shutdown, ioctl.  Each call owns the socket
// while it reads or changes its state (afc::Owner) and never sleeps while owning it.
#include "guards.h"
#include "netns.h"
#include "rx.h"

namespace afc {
namespace {

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

} // namespace
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
	if (a.ifindex && !afk_dev_exists(s->net, a.ifindex))
		return -AFC_ENODEV;
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
		if (err)
			return err;
	}

	afc::Owner own(s);
	if (!disconnect) {
		int err = afc::autobind(s);
		if (err)
			return err;
		if (s->ifindex && a.ifindex && s->ifindex != a.ifindex)
			return -AFC_EINVAL;
	}
	afc::NetLock lock(s->net);	// the receive lookup reads the peer
	s->connected = !disconnect;
	s->peer = a;
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
		a.port = s->port;
		a.ifindex = s->ifindex;
		if (a.ifindex)
			afk_dev_mac(s->net, a.ifindex, a.mac);	// stays zero if the device went away
	}
	return afc::write_addr(addr, a);
}

// sendmsg: one datagram in one frame, on the socket's interface or the destination's.
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
		if (s->ifindex && dst.ifindex && s->ifindex != dst.ifindex)
			return -AFC_EINVAL;
		ifindex = s->ifindex ? s->ifindex : dst.ifindex;
	}

	afc::DevRef dev(afk_dev_get(s->net, ifindex));
	if (!dev)
		return -AFC_ENXIO;
	if (!afk_dev_running(dev.get()))
		return -AFC_ENETDOWN;
	unsigned int mtu = afk_dev_mtu(dev.get());
	if (mtu < AFC_WIRE_HLEN || len > mtu - AFC_WIRE_HLEN || len > 0xffff)
		return -AFC_EMSGSIZE;

	unsigned int head = afk_dev_headroom(dev.get());
	unsigned int size = head + AFC_WIRE_HLEN + len + afk_dev_tailroom(dev.get());
	afc::SkbPtr skb(afc_sock_alloc_send_skb(s, size, flags & AFC_MSG_DONTWAIT, &err));
	if (!skb)
		return err;
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
	if (afk_dev_hard_header(skb.get(), dev.get(), afc_ethertype(), dst.mac) < 0)
		return -AFC_EINVAL;

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
	afc::SkbPtr skb(afc_skb_recv_datagram(s, flags, &err));
	if (!skb)
		return err;

	unsigned int dlen = afk_skb_len(skb.get());
	afc_size_t copied = len < dlen ? len : dlen;
	if (copied < dlen)
		*msg_flags |= AFC_MSG_TRUNC;
	if (afk_skb_copy_to_msg(skb.get(), msg, copied))
		return -AFC_EFAULT;
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
		*value = s->wmem.load();
		return 0;
	default:
		return -AFC_ENOIOCTLCMD;
	}
}
