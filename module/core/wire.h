// SPDX-License-Identifier: GPL-2.0
//
// The af_custom wire header (byte layout in Documentation/wire-format.rst; offsets in the
// boundary header, AFC_WIRE_OFF_*).  Big-endian fields are read and written byte by byte: no
// host byte-order assumption.
#pragma once

#include "runtime.h"

namespace afc::wire {

using u8 = unsigned char;
using u16 = unsigned short;
using u32 = unsigned int;

static_assert(AFC_WIRE_OFF_WINDOW + 4 == AFC_WIRE_HLEN, "header layout and AFC_WIRE_HLEN disagree");

inline u16 get16(const u8 *p) { return static_cast<u16>(p[0] << 8 | p[1]); }
inline u32 get32(const u8 *p)
{
	return static_cast<u32>(p[0]) << 24 | static_cast<u32>(p[1]) << 16 |
	       static_cast<u32>(p[2]) << 8 | p[3];
}
inline void put16(u8 *p, u16 v)
{
	p[0] = static_cast<u8>(v >> 8);
	p[1] = static_cast<u8>(v);
}
inline void put32(u8 *p, u32 v)
{
	put16(p, static_cast<u16>(v >> 16));
	put16(p + 2, static_cast<u16>(v));
}

bool known_type(u8 type);

// Every flag bit af_custom defines.
#define AFC_WIRE_FLAG_OR(name, value) | (value)
constexpr u8 kAllFlags = 0 AFC_WIRE_FLAG_LIST(AFC_WIRE_FLAG_OR);
#undef AFC_WIRE_FLAG_OR

} // namespace afc::wire
