/* SPDX-License-Identifier: GPL-2.0 */
/*
 * af_custom frames in user space (selftests, tools): the header of
 * include/af_custom/wire_format.h, built and checksummed as the module does.
 */
#ifndef AFC_USER_WIRE_H
#define AFC_USER_WIRE_H

#include <stddef.h>
#include <string.h>
#include "../../include/af_custom/wire_format.h"

static inline void afcw_put16(unsigned char *p, unsigned short v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void afcw_put32(unsigned char *p, unsigned int v)
{
	afcw_put16(p, v >> 16);
	afcw_put16(p + 2, v);
}

static inline unsigned short afcw_get16(const unsigned char *p)
{
	return p[0] << 8 | p[1];
}

static inline unsigned int afcw_get32(const unsigned char *p)
{
	return (unsigned int)afcw_get16(p) << 16 | afcw_get16(p + 2);
}

/* RFC 1071 over big-endian 16-bit words, an odd last byte padded with zero. */
static inline unsigned short afcw_csum(const unsigned char *p, size_t len)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * Writes at h the header w (its version as given, so tests can forge one) and the plen payload
 * bytes, checksummed over both; returns AFC_WIRE_HLEN + plen.
 */
static inline size_t afcw_build(unsigned char *h, const struct afc_wire_hdr *w,
				const void *payload, size_t plen)
{
	memset(h, 0, AFC_WIRE_HLEN);
	h[AFC_WIRE_OFF_VERSION] = w->version;
	h[AFC_WIRE_OFF_TYPE] = w->type;
	h[AFC_WIRE_OFF_FLAGS] = w->flags;
	afcw_put16(h + AFC_WIRE_OFF_SPORT, w->sport);
	afcw_put16(h + AFC_WIRE_OFF_DPORT, w->dport);
	afcw_put16(h + AFC_WIRE_OFF_LEN, w->len);
	afcw_put32(h + AFC_WIRE_OFF_SEQ, w->seq);
	afcw_put32(h + AFC_WIRE_OFF_ACK, w->ack);
	afcw_put32(h + AFC_WIRE_OFF_WINDOW, w->window);
	if (plen)
		memcpy(h + AFC_WIRE_HLEN, payload, plen);
	afcw_put16(h + AFC_WIRE_OFF_CSUM, afcw_csum(h, AFC_WIRE_HLEN + plen));
	return AFC_WIRE_HLEN + plen;
}

#endif
