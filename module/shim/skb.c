// SPDX-License-Identifier: GPL-2.0
/*
 * sk_buff services for the C++ core: allocation, geometry, the charge to a socket, and copies
 * to and from user messages.  One kernel API each.
 */
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/sock.h>
#include <linux/netfilter.h>
#include <linux/uio.h>
#include <net/checksum.h>
#include <af_custom/boundary.h>

static inline gfp_t afk_gfp(enum afc_gfp gfp)
{
	return gfp == AFC_GFP_ATOMIC ? GFP_ATOMIC : GFP_KERNEL;
}

struct sk_buff *afk_skb_alloc(size_t size, enum afc_gfp gfp)
{
	return alloc_skb(size, afk_gfp(gfp));
}

struct sk_buff *afk_skb_clone(struct sk_buff *skb, enum afc_gfp gfp)
{
	return skb_clone(skb, afk_gfp(gfp));
}

void afk_skb_free(struct sk_buff *skb)
{
	kfree_skb(skb);
}

void afk_skb_consume(struct sk_buff *skb)
{
	consume_skb(skb);
}

unsigned int afk_skb_truesize(const struct sk_buff *skb)
{
	return skb->truesize;
}

unsigned int afk_skb_len(const struct sk_buff *skb)
{
	return skb->len;
}

unsigned char *afk_skb_data(const struct sk_buff *skb)
{
	return skb->data;
}

void afk_skb_reserve(struct sk_buff *skb, unsigned int len)
{
	skb_reserve(skb, len);
}

unsigned char *afk_skb_put(struct sk_buff *skb, unsigned int len)
{
	return skb_put(skb, len);
}

void afk_skb_pull(struct sk_buff *skb, unsigned int len)
{
	skb_pull(skb, len);
}

int afk_skb_may_pull(struct sk_buff *skb, unsigned int len)
{
	return pskb_may_pull(skb, len) ? 0 : -ENOMEM;
}

int afk_skb_trim(struct sk_buff *skb, unsigned int len)
{
	return pskb_trim_rcsum(skb, len);
}

unsigned short afk_skb_csum(struct sk_buff *skb, unsigned int offset, unsigned int len)
{
	/* As afk_csum: the folded sum in memory order is the big-endian checksum. */
	return be16_to_cpu((__force __be16)csum_fold(skb_checksum(skb, offset, len, 0)));
}

void *afk_skb_cb(struct sk_buff *skb)
{
	return skb->cb;
}

struct net *afk_skb_net(const struct sk_buff *skb)
{
	return dev_net(skb->dev);
}

int afk_skb_pkt_type(const struct sk_buff *skb)
{
	return skb->pkt_type;
}

void afk_skb_src_mac(const struct sk_buff *skb, unsigned char *mac)
{
	if (skb_mac_header_was_set(skb) && skb_mac_header_len(skb) >= ETH_HLEN)
		ether_addr_copy(mac, eth_hdr(skb)->h_source);
	else
		eth_zero_addr(mac);
}

void afk_skb_rx_detach(struct sk_buff *skb)
{
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb->dev = NULL;
}

void afk_skb_tx_mark(struct sk_buff *skb, const struct sock *sk)
{
	skb->priority = READ_ONCE(sk->sk_priority);
	skb->mark = READ_ONCE(sk->sk_mark);
}

int afk_skb_cow_head(struct sk_buff *skb, unsigned int headroom)
{
	return skb_cow_head(skb, headroom);
}

struct sk_buff *afk_skb_next(struct sk_buff *skb)
{
	struct sk_buff *next = skb->next;

	skb_mark_not_on_list(skb);
	return next;
}

/*
 * The destructors give the charge back to the core.  A send buffer may outlive its socket's
 * file (queued in a device), so it holds the sock; a receive buffer never leaves the sock's
 * queues, which are purged before the sock is freed.
 */
static void afk_skb_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;

	afc_sock_wfree(afk_sk_core(sk), skb->truesize);
	sock_put(sk);
}

static void afk_skb_rfree(struct sk_buff *skb)
{
	afc_sock_rfree(afk_sk_core(skb->sk), skb->truesize);
}

void afk_skb_own_w(struct sk_buff *skb, struct sock *sk)
{
	skb_orphan(skb);
	sock_hold(sk);
	skb->sk = sk;
	skb->destructor = afk_skb_wfree;
}

void afk_skb_own_r(struct sk_buff *skb, struct sock *sk)
{
	skb_orphan(skb);
	skb->sk = sk;
	skb->destructor = afk_skb_rfree;
}

int afk_skb_copy_from_msg(struct sk_buff *skb, unsigned int offset, struct msghdr *msg,
			  size_t len)
{
	return memcpy_from_msg(skb->data + offset, msg, len);
}

long afk_skb_append_from_msg(struct sk_buff *skb, struct sock *sk, struct msghdr *msg,
			     size_t len)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	size_t done = 0;

	while (done < len) {
		int i = skb_shinfo(skb)->nr_frags;
		size_t copy;
		bool merge;

		/* skb_page_frag_refill, not sk_page_frag_refill: that one also shrinks sk_sndbuf
		 * by sk_wmem_queued, which af_custom does not keep. */
		if (!skb_page_frag_refill(32U, pfrag, sk->sk_allocation))
			return done ? (long)done : -ENOBUFS;
		merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
		if (!merge && i >= MAX_SKB_FRAGS)
			break;
		copy = min_t(size_t, len - done, pfrag->size - pfrag->offset);
		if (copy_page_from_iter(pfrag->page, pfrag->offset, copy, &msg->msg_iter) != copy)
			return -EFAULT;
		if (merge) {
			skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
		} else {
			skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
			get_page(pfrag->page);
		}
		pfrag->offset += copy;
		skb->len += copy;
		skb->data_len += copy;
		skb->truesize += copy;
		done += copy;
	}
	return done;
}

int afk_skb_coalesce(struct sk_buff *to, struct sk_buff *from)
{
	struct skb_shared_info *ts = skb_shinfo(to), *fs = skb_shinfo(from);
	unsigned int len = from->len;
	bool merge;
	int i;

	if (skb_cloned(to) || skb_cloned(from) || skb_headlen(from) || ts->frag_list ||
	    fs->frag_list || skb_zcopy(to) || skb_zcopy(from) || !fs->nr_frags)
		return -EMSGSIZE;
	merge = skb_can_coalesce(to, ts->nr_frags, skb_frag_page(&fs->frags[0]),
				 skb_frag_off(&fs->frags[0]));
	if (ts->nr_frags + fs->nr_frags - merge > MAX_SKB_FRAGS)
		return -EMSGSIZE;
	i = 0;
	if (merge) {
		skb_frag_size_add(&ts->frags[ts->nr_frags - 1], skb_frag_size(&fs->frags[0]));
		put_page(skb_frag_page(&fs->frags[0]));		/* @from's reference */
		i = 1;
	}
	for (; i < fs->nr_frags; i++)
		ts->frags[ts->nr_frags++] = fs->frags[i];	/* references move along */
	fs->nr_frags = 0;
	to->len += len;
	to->data_len += len;
	to->truesize += len;
	from->len = 0;
	from->data_len = 0;
	from->truesize -= len;
	return 0;
}

int afk_skb_csum_offload(struct sk_buff *skb, unsigned int csum_offset)
{
	return skb_partial_csum_set(skb, 0, csum_offset) ? 0 : -EINVAL;
}

int afk_skb_csum_trusted(const struct sk_buff *skb)
{
	return skb->ip_summed == CHECKSUM_PARTIAL || skb->ip_summed == CHECKSUM_UNNECESSARY;
}

int afk_skb_copy_to_msg(const struct sk_buff *skb, struct msghdr *msg, size_t len)
{
	return skb_copy_datagram_msg(skb, 0, msg, len);
}

void afk_skb_recv_cmsgs(struct msghdr *msg, struct sock *sk, struct sk_buff *skb)
{
	sock_recv_cmsgs(msg, sk, skb);
}

struct sk_buff *afk_skb_tx_copy(struct sk_buff *skb)
{
	return skb_cloned(skb) ? pskb_copy(skb, GFP_ATOMIC) : skb_clone(skb, GFP_ATOMIC);
}

unsigned char *afk_skb_push(struct sk_buff *skb, unsigned int len)
{
	return skb_push(skb, len);
}

int afk_skb_copy_to_msg_at(const struct sk_buff *skb, unsigned int offset, struct msghdr *msg,
			   size_t len)
{
	return skb_copy_datagram_msg(skb, offset, msg, len);
}

void afk_skb_header_release(struct sk_buff *skb)
{
	__skb_header_release(skb);
}

void afk_skb_gso_set(struct sk_buff *skb, unsigned int gso_size, unsigned int segs)
{
	struct skb_shared_info *si = skb_shinfo(skb);

	si->gso_size = gso_size;
	si->gso_segs = segs;
	si->gso_type = SKB_GSO_SCTP;	/* exactly: a tunnel's bits from last time go */
}
