// SPDX-License-Identifier: GPL-2.0
//
// GSO super-segments (Documentation/connections.rst, "GSO super-segments").
//
// On a device that takes GSO, a connection's segment may carry up to about 64 KiB: one ordinary
// af_custom frame longer than the MTU, whose payload is a whole number of MSS-sized pieces (the
// last may be shorter).  It is sent with gso_size = the MSS and gso_type = SKB_GSO_SCTP: there
// is no GSO type of our own, and that one is in NETIF_F_GSO_SOFTWARE, so veth, bonds, bridges
// and the like pass the frame on whole (veth's receiver gets the whole frame: no MTU check for
// GSO buffers), while no hardware driver and not virtio-net claims it: there the stack cuts it
// up before the driver sees it, through the packet_offload of our EtherType
// (module/shim/offload.c), which calls afc_gso_check and afc_gso_fix below.  The receiver needs
// no GSO knowledge: a super-frame is one valid segment.
#include "conn.h"
#include "wire.h"

namespace afc {
namespace {

// Encapsulations a tunnel of Ethernet frames (gretap, vxlan, geneve) adds to the GSO type of
// what it carries: the inner frame reaches our gso_segment with these bits set.  Not the _CSUM
// variants: their outer checksum needs the partial sums skb_segment does not make for us (we
// segment as if the device summed), so such frames are refused rather than sent with a bad sum.
constexpr unsigned int kGsoTunnels = AFC_SKB_GSO_GRE | AFC_SKB_GSO_UDP_TUNNEL;

// The smallest MSS a connection can have: Ethernet's minimum MTU (ETH_MIN_MTU) less our header.
// A smaller gso_size is not ours, and would make thousands of segments of one frame.
constexpr unsigned int kMinGsoSize = 68 - AFC_WIRE_HLEN;

} // namespace

// The payload of a super-segment on link @l: whole MSS pieces, under the device's gso_max_size
// (gso_features_check refuses GSO for a frame of gso_max_size bytes or more, link header
// included), under the 16-bit length field, at most gso_max_segs of them; one MSS when the
// device takes no GSO.  Taken when the connection is made, as its MSS is: a device that later
// lowers its limits gets the frames cut up by the stack, correctly, through gso_segment.
unsigned int conn_gso_max(const struct afc_link &l, unsigned int mss)
{
	if (!l.gso || !mss)
		return mss;
	long room = static_cast<long>(l.gso_max_size) - 1 - l.headroom - AFC_WIRE_HLEN;
	if (room > 0xffff)
		room = 0xffff;
	if (room < 2L * mss)
		return mss;
	unsigned int segs = static_cast<unsigned int>(room) / mss;
	if (segs > l.gso_max_segs)
		segs = l.gso_max_segs;
	return segs >= 2 ? segs * mss : mss;
}

// The most the next segment of @s may carry: its super-segment size, but no more than a quarter
// of the largest window the peer has offered (whole MSS pieces, one at least), so that several
// segments are in flight and a loss costs a quarter of the window, not all of it.
unsigned int conn_seg_max(const Socket *s)
{
	const Conn &c = s->conn;
	unsigned int max = c.gso_max > c.mss ? c.gso_max : c.mss;

	if (!c.mss)
		return 0;
	unsigned int win = c.max_snd_wnd / 4 / c.mss * c.mss;
	if (win < c.mss)
		win = c.mss;
	return win < max ? win : max;
}

} // namespace afc

using namespace afc::wire;

// Nothing of a frame is trusted: a GSO buffer of our EtherType may come from anywhere the
// stack lets one through (a tunnel, a tap).  Ours are data segments of a connection, every
// byte accounted for by the length field, with the GSO type we set.
extern "C" int afc_gso_check(struct net *net, const void *hdr, unsigned int len,
			     unsigned int gso_size, unsigned int gso_type)
{
	struct afc_wire_hdr h;
	bool ok = (gso_type & AFC_SKB_GSO_SCTP) &&
		  !(gso_type & ~(AFC_SKB_GSO_SCTP | afc::kGsoTunnels)) &&
		  afc_wire_check(hdr, len, &h) == AFC_DROP_NONE && h.type != AFC_WIRE_DGRAM &&
		  !(h.flags & (AFC_WIRE_SYN | AFC_WIRE_RST)) && AFC_WIRE_HLEN + h.len == len &&
		  gso_size >= afc::kMinGsoSize && gso_size < h.len;

	if (ok)
		return 0;
	if (net)
		afc::count_drop(afc::net_of(net), AFC_DROP_GSO);
	return -AFC_EINVAL;
}

// Segment @index carries the bytes from seq + @index * gso_size; only the last one keeps the
// super-frame's FIN and EOR (a record ends, or the stream, after its last byte).
extern "C" void afc_gso_fix(void *hdr, unsigned int index, unsigned int gso_size,
			    unsigned int len, int last)
{
	u8 *p = static_cast<u8 *>(hdr);

	put32(p + AFC_WIRE_OFF_SEQ, get32(p + AFC_WIRE_OFF_SEQ) + index * gso_size);
	put16(p + AFC_WIRE_OFF_LEN, static_cast<u16>(len));
	if (!last)
		p[AFC_WIRE_OFF_FLAGS] &= static_cast<u8>(~(AFC_WIRE_FIN | AFC_WIRE_EOR));
	put16(p + AFC_WIRE_OFF_CSUM, 0);
}
