/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the af_custom KUnit suites: test-managed sockets and frames built as a
 * device would hand them to the packet_type.  Everything a helper creates is released when the
 * case ends, even when an assertion stops it early.
 */
#ifndef AFC_KUNIT_H
#define AFC_KUNIT_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <asm/unaligned.h>
#include <net/checksum.h>
#include <net/sock.h>
#include <linux/af_custom.h>
#include <af_custom/boundary.h>

static inline int afc_kunit_sock_init(struct kunit_resource *res, void *sock)
{
	res->data = sock;
	return 0;
}

/* Connections end with a reset (SO_LINGER 0): none lingers after its case. */
static inline void afc_kunit_sock_free(struct kunit_resource *res)
{
	struct socket *sock = res->data;

	if (sock->type != SOCK_DGRAM)
		sock_no_linger(sock->sk);
	sock_release(sock);
}

/* A kernel socket in init_net, released at the end of the case. */
static inline struct socket *afc_kunit_socket(struct kunit *test, int type)
{
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, afc_family(), type, 0, &sock), 0);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, afc_kunit_sock_init,
							 afc_kunit_sock_free, GFP_KERNEL, sock));
	return sock;
}

static inline struct afc_sock *afc_kunit_core(struct socket *sock)
{
	return afk_sk_core(sock->sk);
}

static inline int afc_kunit_skb_init(struct kunit_resource *res, void *skb)
{
	res->data = skb;
	return 0;
}

static inline void afc_kunit_skb_free(struct kunit_resource *res)
{
	kfree_skb(res->data);
}

/* Hand @skb to the test: freed at the end of the case.  Returns @skb. */
static inline struct sk_buff *afc_kunit_keep_skb(struct kunit *test, struct sk_buff *skb)
{
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, afc_kunit_skb_init,
							 afc_kunit_skb_free, GFP_KERNEL, skb));
	return skb;
}

static inline struct sockaddr_custom afc_kunit_addr(unsigned short port, int ifindex)
{
	struct sockaddr_custom a = {
		.scu_family = afc_family(),
		.scu_port = htons(port),
		.scu_ifindex = ifindex,
	};

	return a;
}

static inline int afc_kunit_bind(struct socket *sock, unsigned short port, int ifindex)
{
	struct sockaddr_custom a = afc_kunit_addr(port, ifindex);

	return kernel_bind(sock, (struct sockaddr *)&a, sizeof(a));
}

static const u8 afc_kunit_src_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/*
 * The Ethernet device frames arrive on: registered in init_net for the case (loopback cannot
 * carry af_custom), unregistered when it ends.  The af_custom frames it transmits wait in its
 * private queue for afc_kunit_sent().
 */
static inline netdev_tx_t afc_kunit_xmit(struct sk_buff *skb, struct net_device *dev)
{
	/* Only ours: the kernel's own (IPv6 router solicitations, MLD) go nowhere. */
	if (skb->len < ETH_HLEN ||
	    ((struct ethhdr *)skb->data)->h_proto != htons(afc_ethertype())) {
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	skb_queue_tail((struct sk_buff_head *)netdev_priv(dev), skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops afc_kunit_netdev_ops = {
	.ndo_start_xmit = afc_kunit_xmit,
};

static inline int afc_kunit_dev_init(struct kunit_resource *res, void *unused)
{
	struct net_device *dev = alloc_etherdev(sizeof(struct sk_buff_head));

	if (!dev)
		return -ENOMEM;
	skb_queue_head_init(netdev_priv(dev));
	strscpy(dev->name, "afckunit%d", sizeof(dev->name));
	dev->netdev_ops = &afc_kunit_netdev_ops;
	eth_hw_addr_random(dev);
	if (register_netdev(dev)) {
		free_netdev(dev);
		return -ENODEV;
	}
	rtnl_lock();
	dev_open(dev, NULL);
	rtnl_unlock();
	res->data = dev;
	return 0;
}

static inline void afc_kunit_dev_free(struct kunit_resource *res)
{
	unregister_netdev(res->data);
	skb_queue_purge(netdev_priv(res->data));
	free_netdev(res->data);
}

static inline struct net_device *afc_kunit_dev(struct kunit *test)
{
	struct kunit_resource *res = kunit_find_named_resource(test, "afc_kunit_dev");
	struct net_device *dev;

	if (!res) {
		res = kzalloc(sizeof(*res), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, res);
		if (kunit_add_named_resource(test, afc_kunit_dev_init, afc_kunit_dev_free, res,
					     "afc_kunit_dev", NULL)) {
			kfree(res);
			KUNIT_ASSERT_FAILURE(test, "cannot register an Ethernet device");
		}
		res->should_kfree = true;
		kunit_get_resource(res);
	}
	dev = res->data;
	kunit_put_resource(res);
	return dev;
}

/*
 * A received frame as eth_type_trans() leaves it, on the case's Ethernet device: the MAC header
 * set, data at our header (sport -> dport), @len payload bytes of @fill.  Not test-managed:
 * afc_rx() takes it.
 */
static inline struct sk_buff *afc_kunit_frame(struct kunit *test, unsigned short sport,
					      unsigned short dport, unsigned int len, u8 fill,
					      u8 pkt_type)
{
	struct afc_wire_hdr h = {
		.type = AFC_WIRE_DGRAM, .sport = sport, .dport = dport, .len = len,
	};
	struct sk_buff *skb = alloc_skb(ETH_HLEN + AFC_WIRE_HLEN + len, GFP_KERNEL);
	struct ethhdr *eth;
	u8 *frame;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	eth = skb_put(skb, ETH_HLEN);
	eth_broadcast_addr(eth->h_dest);
	ether_addr_copy(eth->h_source, afc_kunit_src_mac);
	eth->h_proto = htons(afc_ethertype());
	skb_reset_mac_header(skb);
	skb_pull(skb, ETH_HLEN);
	skb_reset_network_header(skb);		/* as __netif_receive_skb_core() does */
	frame = skb_put(skb, AFC_WIRE_HLEN + len);
	memset(frame + AFC_WIRE_HLEN, fill, len);
	afc_wire_build(&h, frame);
	skb->dev = afc_kunit_dev(test);
	skb->protocol = eth->h_proto;
	skb->pkt_type = pkt_type;
	return skb;
}

/*
 * A frame with header @h (type, flags, ports, seq, ack, window; len = @len) as the device would
 * hand it over, @len payload bytes of @fill, from afc_kunit_src_mac.  afc_rx() takes it.
 */
static inline struct sk_buff *afc_kunit_frame_hdr(struct kunit *test, struct afc_wire_hdr h,
						  unsigned int len, u8 fill, u8 pkt_type)
{
	struct sk_buff *skb = afc_kunit_frame(test, h.sport, h.dport, len, fill, pkt_type);

	h.len = len;
	afc_wire_build(&h, skb->data);
	return skb;
}

/*
 * As afc_kunit_frame_hdr, but only the header is linear: the @len payload bytes (byte j is
 * @fill + j) are in a page fragment, as a device with scatter-gather or a veth forwarding a
 * paged buffer hands them over.  Checksummed over the fragment.  afc_rx() takes it.
 */
static inline struct sk_buff *afc_kunit_frame_paged(struct kunit *test, struct afc_wire_hdr h,
						    unsigned int len, u8 fill)
{
	struct sk_buff *skb = afc_kunit_frame(test, h.sport, h.dport, 0, 0, PACKET_HOST);
	unsigned int order = get_order(len), j;
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_COMP, order);
	u8 *p;

	if (!page)
		kfree_skb(skb);
	KUNIT_ASSERT_NOT_NULL(test, page);
	p = page_address(page);
	for (j = 0; j < len; j++)
		p[j] = (u8)(fill + j);
	skb_fill_page_desc(skb, 0, page, 0, len);
	skb->len += len;
	skb->data_len += len;
	skb->truesize += PAGE_SIZE << order;
	h.len = len;
	afc_wire_put(&h, skb->data);
	/* The folded sum, stored as it is in memory, is the big-endian checksum. */
	*(__sum16 *)(skb->data + AFC_WIRE_OFF_CSUM) =
		csum_fold(skb_checksum(skb, 0, AFC_WIRE_HLEN + len, 0));
	return skb;
}

/*
 * The next frame the case's device sent, its header checked and parsed into *@h; NULL when none.
 * Linear or not, and with its checksum verified unless it was left to the device (a device with
 * NETIF_F_HW_CSUM, afc_kunit_dev_features): then it must be CHECKSUM_PARTIAL over our header
 * and what follows, the field zero.
 */
static inline struct sk_buff *afc_kunit_sent(struct kunit *test, struct afc_wire_hdr *h)
{
	struct sk_buff *skb = skb_dequeue((struct sk_buff_head *)netdev_priv(afc_kunit_dev(test)));

	if (!skb)
		return NULL;
	afc_kunit_keep_skb(test, skb);
	KUNIT_ASSERT_GE(test, skb->len, (unsigned int)ETH_HLEN + AFC_WIRE_HLEN);
	KUNIT_ASSERT_TRUE(test, pskb_may_pull(skb, ETH_HLEN + AFC_WIRE_HLEN));
	KUNIT_ASSERT_EQ(test, afc_wire_check(skb->data + ETH_HLEN, skb->len - ETH_HLEN, h),
			AFC_DROP_NONE);
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		KUNIT_EXPECT_EQ(test, skb_checksum_start_offset(skb), ETH_HLEN);
		KUNIT_EXPECT_EQ(test, skb->csum_offset, AFC_WIRE_OFF_CSUM);
		KUNIT_EXPECT_EQ(test, get_unaligned_be16(skb->data + ETH_HLEN + AFC_WIRE_OFF_CSUM), 0);
	} else {
		KUNIT_EXPECT_EQ(test, csum_fold(skb_checksum(skb, ETH_HLEN, skb->len - ETH_HLEN, 0)),
				0);
	}
	return skb;
}

/* Give the case's device @features (SG, HW_CSUM, GSO...) before anything is sent through it. */
static inline struct net_device *afc_kunit_dev_features(struct kunit *test,
							netdev_features_t features)
{
	struct net_device *dev = afc_kunit_dev(test);

	rtnl_lock();
	dev->hw_features |= features;
	dev->features |= features;
	rtnl_unlock();
	return dev;
}

/* Deliver @count frames sport -> dport through the receive path; frame i carries byte i. */
static inline void afc_kunit_rx(struct kunit *test, unsigned short sport, unsigned short dport,
				unsigned int len, int count)
{
	int i;

	for (i = 0; i < count; i++)
		afc_rx(afc_kunit_frame(test, sport, dport, len, (u8)i, PACKET_HOST));
}

/*
 * Live core objects (afc_sock_live) once every sock freed so far is gone: a sock's memory goes
 * one RCU grace period after its last reference (SOCK_RCU_FREE), so the pending frees run first.
 */
static inline long afc_kunit_live(void)
{
	rcu_barrier();
	return afc_sock_live();
}

/* A namespace counter of init_net: an enum afc_stat, or AFC_STAT_DROPS + an enum afc_drop. */
static inline unsigned long afc_kunit_drops(enum afc_drop why)
{
	return afc_net_stat(&init_net, AFC_STAT_DROPS + why);
}

#endif /* AFC_KUNIT_H */
