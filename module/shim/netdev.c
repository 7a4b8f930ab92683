// SPDX-License-Identifier: GPL-2.0
/*
 * The netdev hooks: the packet_type that receives our EtherType on every device of every
 * namespace, the netdevice notifier, and the device services the core's transmit path uses.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <af_custom/boundary.h>

/* ---- receive ------------------------------------------------------------------------------ */

static int afk_packet_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt,
			  struct net_device *orig_dev)
{
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return NET_RX_DROP;
	return afc_rx(skb);
}

static struct packet_type afk_packet_type = {
	.func = afk_packet_rcv,		/* .dev NULL: every device, every namespace */
};

void afk_packet_type_add(unsigned int ethertype)
{
	afk_packet_type.type = htons(ethertype);
	dev_add_pack(&afk_packet_type);
}

void afk_packet_type_remove(void)
{
	dev_remove_pack(&afk_packet_type);
}

/* ---- device events ------------------------------------------------------------------------ */

static int afk_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	afc_netdev_event(dev_net(dev), dev->ifindex, event);
	return NOTIFY_DONE;
}

static struct notifier_block afk_netdev_notifier = {
	.notifier_call = afk_netdev_event,
};

int afk_netdev_notifier_register(void)
{
	return register_netdevice_notifier(&afk_netdev_notifier);
}

void afk_netdev_notifier_unregister(void)
{
	unregister_netdevice_notifier(&afk_netdev_notifier);
}

/* ---- transmit ----------------------------------------------------------------------------- */

struct net_device *afk_dev_get(struct net *net, int ifindex)
{
	return dev_get_by_index(net, ifindex);
}

void afk_dev_put(struct net_device *dev)
{
	dev_put(dev);
}

void afk_dev_link_of(const struct net_device *dev, struct afc_link *l)
{
	l->ifindex = dev->ifindex;
	l->type = dev->type;
	l->addr_len = dev->addr_len;
	l->has_header = dev->header_ops && dev->header_ops->create;
	l->running = netif_running(dev);
	l->mtu = READ_ONCE(dev->mtu);
	l->headroom = LL_RESERVED_SPACE(dev);
	l->tailroom = dev->needed_tailroom;
	memset(l->mac, 0, sizeof(l->mac));
	memcpy(l->mac, dev->dev_addr, min_t(unsigned int, dev->addr_len, sizeof(l->mac)));
	l->gso = !!(dev->features & (NETIF_F_GSO | NETIF_F_GSO_SCTP));
	l->gso_max_size = READ_ONCE(dev->gso_max_size);
	l->gso_max_segs = READ_ONCE(dev->gso_max_segs);
}

int afk_dev_link(struct net *net, int ifindex, struct afc_link *l)
{
	struct net_device *dev;
	int err = -ENODEV;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(net, ifindex);
	if (dev) {
		afk_dev_link_of(dev, l);
		err = 0;
	}
	rcu_read_unlock();
	return err;
}

void afk_skb_link(const struct sk_buff *skb, struct afc_link *l)
{
	afk_dev_link_of(skb->dev, l);
}

/*
 * dev_hard_header() for an skb whose data is our frame.  The core checked the device is
 * Ethernet, but a held device can still change type (a team or bond taking a non-Ethernet
 * port): check again, and hand header_ops a MAX_ADDR_LEN buffer whatever addr_len says.
 */
int afk_dev_hard_header(struct sk_buff *skb, struct net_device *dev, unsigned int ethertype,
			const unsigned char *dst)
{
	unsigned char daddr[MAX_ADDR_LEN] = {};

	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN)
		return -ENODEV;
	memcpy(daddr, dst, ETH_ALEN);
	skb->dev = dev;
	skb->protocol = htons(ethertype);
	skb_reset_network_header(skb);
	return dev_hard_header(skb, dev, ethertype, daddr, NULL, skb->len);
}

int afk_dev_xmit(struct sk_buff *skb)
{
	int rc = dev_queue_xmit(skb);

	return rc > 0 ? net_xmit_errno(rc) : rc;
}
