// SPDX-License-Identifier: GPL-2.0
//
// Building and validating af_custom frames.  Nothing in a received frame is trusted before
// afc_wire_parse has accepted it.
#include "wire.h"

namespace afc::wire {

bool known_type(u8 type)
{
	switch (type) {
#define AFC_WIRE_CASE(name, value) case AFC_WIRE_##name:
		AFC_WIRE_TYPE_LIST(AFC_WIRE_CASE)
#undef AFC_WIRE_CASE
		return true;
	default:
		return false;
	}
}

} // namespace afc::wire

using namespace afc::wire;

// RFC 1071 Internet checksum of header and payload (the kernel's optimised one: afk_csum).
extern "C" unsigned short afc_wire_csum(const void *buf, afc_size_t len)
{
	return afk_csum(buf, len);
}

extern "C" void afc_wire_put(const struct afc_wire_hdr *h, void *frame)
{
	u8 *p = static_cast<u8 *>(frame);

	p[AFC_WIRE_OFF_VERSION] = AFC_WIRE_VERSION;
	p[AFC_WIRE_OFF_TYPE] = h->type;
	p[AFC_WIRE_OFF_FLAGS] = h->flags;
	p[AFC_WIRE_OFF_RESERVED] = 0;
	put16(p + AFC_WIRE_OFF_SPORT, h->sport);
	put16(p + AFC_WIRE_OFF_DPORT, h->dport);
	put16(p + AFC_WIRE_OFF_LEN, h->len);
	put16(p + AFC_WIRE_OFF_CSUM, 0);
	put32(p + AFC_WIRE_OFF_SEQ, h->seq);
	put32(p + AFC_WIRE_OFF_ACK, h->ack);
	put32(p + AFC_WIRE_OFF_WINDOW, h->window);
}

extern "C" void afc_wire_build(const struct afc_wire_hdr *h, void *frame)
{
	u8 *p = static_cast<u8 *>(frame);

	afc_wire_put(h, p);
	put16(p + AFC_WIRE_OFF_CSUM, afc_wire_csum(p, AFC_WIRE_HLEN + h->len));
}

extern "C" enum afc_drop afc_wire_check(const void *hdr, afc_size_t len, struct afc_wire_hdr *h)
{
	const u8 *p = static_cast<const u8 *>(hdr);

	if (len < AFC_WIRE_HLEN)
		return AFC_DROP_SHORT;
	if (p[AFC_WIRE_OFF_VERSION] != AFC_WIRE_VERSION)
		return AFC_DROP_VERSION;
	u8 type = p[AFC_WIRE_OFF_TYPE];
	if (!known_type(type))
		return AFC_DROP_TYPE;
	// Only defined flags, none on a datagram, and the reserved byte zero.
	u8 flags = p[AFC_WIRE_OFF_FLAGS];
	if ((flags & ~kAllFlags) || (type == AFC_WIRE_DGRAM && flags) ||
	    p[AFC_WIRE_OFF_RESERVED])
		return AFC_DROP_FLAGS;

	// The frame holds exactly the header and the payload it announces; only a frame shorter
	// than Ethernet's minimum may carry more: the zero padding the link added.
	afc_size_t payload = get16(p + AFC_WIRE_OFF_LEN);
	afc_size_t need = AFC_WIRE_HLEN + payload;
	if (len < need || (len > need && len > AFC_ETH_MIN_PAYLOAD))
		return AFC_DROP_LENGTH;

	h->version = p[AFC_WIRE_OFF_VERSION];
	h->type = type;
	h->flags = flags;
	h->sport = get16(p + AFC_WIRE_OFF_SPORT);
	h->dport = get16(p + AFC_WIRE_OFF_DPORT);
	h->len = static_cast<u16>(payload);
	h->seq = get32(p + AFC_WIRE_OFF_SEQ);
	h->ack = get32(p + AFC_WIRE_OFF_ACK);
	h->window = get32(p + AFC_WIRE_OFF_WINDOW);
	return AFC_DROP_NONE;
}

extern "C" enum afc_drop afc_wire_parse(const void *frame, afc_size_t len, struct afc_wire_hdr *h)
{
	struct afc_wire_hdr w;
	enum afc_drop why = afc_wire_check(frame, len, &w);

	if (why != AFC_DROP_NONE)
		return why;
	// Summing a frame that carries its own checksum gives zero.
	if (afc_wire_csum(frame, AFC_WIRE_HLEN + w.len) != 0)
		return AFC_DROP_CHECKSUM;
	*h = w;
	return AFC_DROP_NONE;
}

extern "C" const char *afc_drop_name(enum afc_drop reason)
{
	switch (reason) {
#define AFC_DROP_CASE(name, text) case AFC_DROP_##name: return text;
		AFC_DROP_LIST(AFC_DROP_CASE)
#undef AFC_DROP_CASE
	default:
		return "none";
	}
}
