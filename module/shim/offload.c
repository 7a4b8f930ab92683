// SPDX-License-Identifier: GPL-2.0
/*
 * GSO for our EtherType: the packet_offload whose gso_segment cuts a super-frame (one af_custom
 * frame longer than the MTU, gso_type SKB_GSO_SCTP; module/core/gso.cc) into frames of the
 * MTU when the device cannot take it whole.  skb_segment() copies the link header and ours into
 * each segment and shares the payload's pages; the core writes each segment's header; the sum
 * is left to the device when it can take it, else summed here as validate_xmit_skb would.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <af_custom/boundary.h>

static struct sk_buff *afk_gso_segment(struct sk_buff *skb, netdev_features_t features)
{
	unsigned int gso_size = skb_shinfo(skb)->gso_size, hoff, k = 0;
	struct net *net = skb->dev ? dev_net(skb->dev) : NULL;
	struct sk_buff *segs, *seg;

	/* Our header is where the stack says the frame's network header is, and linear. */
	if (skb->len >= AFC_WIRE_HLEN && !pskb_may_pull(skb, AFC_WIRE_HLEN))
		return ERR_PTR(-ENOMEM);
	if (skb_network_offset(skb) ||
	    afc_gso_check(net, skb->data, skb->len, gso_size, skb_shinfo(skb)->gso_type))
		return ERR_PTR(-EINVAL);
	hoff = skb->data - skb_mac_header(skb);

	/*
	 * HW_CSUM: no partial sums in skb_segment; each segment is summed once, below.  No
	 * GSO_PARTIAL: every segment must be one MSS, the sequence numbers below count on it.
	 * skb_segment() itself pushes @skb back to its link header (as after tcp_gso_segment).
	 */
	__skb_pull(skb, AFC_WIRE_HLEN);
	segs = skb_segment(skb, (features & ~NETIF_F_GSO_PARTIAL) | NETIF_F_HW_CSUM);
	if (IS_ERR_OR_NULL(segs))
		return segs;

	for (seg = segs; seg; seg = seg->next, k++) {
		/* skb_segment put the link header and ours, linear, at the start of each one. */
		unsigned char *h = seg->data + hoff;

		afc_gso_fix(h, k, gso_size, seg->len - hoff - AFC_WIRE_HLEN, !seg->next);
		seg->ip_summed = CHECKSUM_PARTIAL;
		seg->csum_start = h - seg->head;
		seg->csum_offset = AFC_WIRE_OFF_CSUM;
		if (!(features & NETIF_F_HW_CSUM) && skb_checksum_help(seg)) {
			kfree_skb_list(segs);
			return ERR_PTR(-ENOMEM);
		}
	}
	return segs;
}

static struct packet_offload afk_offload = {
	.callbacks = {
		.gso_segment = afk_gso_segment,
	},
};

void afk_offload_add(unsigned int ethertype)
{
	afk_offload.type = htons(ethertype);
	dev_add_offload(&afk_offload);
}

void afk_offload_remove(void)
{
	dev_remove_offload(&afk_offload);	/* and synchronize_net() */
}
