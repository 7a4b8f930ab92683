/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The af_custom wire format, as constants: one source for the C++ core (through the boundary
 * header) and for user-space tools (tools/lib/wire.h).  Plain C, no includes, no declarations
 * of functions.  The layout is documented byte by byte in Documentation/wire-format.rst.
 */
#ifndef AF_CUSTOM_WIRE_H
#define AF_CUSTOM_WIRE_H

/*
 * Wire format (module/core/wire.cc; layout in Documentation/wire-format.rst).  The byte offsets
 * of the header's fields are here so that user-space tools (tools/lib/wire.h) share them.
 */
#define AFC_WIRE_VERSION	2
#define AFC_WIRE_HLEN		24
#define AFC_WIRE_OFF_VERSION	0	/* u8 */
#define AFC_WIRE_OFF_TYPE	1	/* u8: AFC_WIRE_TYPE_LIST */
#define AFC_WIRE_OFF_FLAGS	2	/* u8: AFC_WIRE_FLAG_LIST */
#define AFC_WIRE_OFF_RESERVED	3	/* u8: zero */
#define AFC_WIRE_OFF_SPORT	4	/* be16 */
#define AFC_WIRE_OFF_DPORT	6	/* be16 */
#define AFC_WIRE_OFF_LEN	8	/* be16: payload bytes after the header */
#define AFC_WIRE_OFF_CSUM	10	/* be16: RFC 1071 over header and payload */
#define AFC_WIRE_OFF_SEQ	12	/* be32 */
#define AFC_WIRE_OFF_ACK	16	/* be32 */
#define AFC_WIRE_OFF_WINDOW	20	/* be32: receive window in bytes */
/* Shortest Ethernet payload: shorter frames arrive zero-padded to this length. */
#define AFC_ETH_MIN_PAYLOAD	46

/* Frame types: one per socket type; a frame only reaches sockets of its type. */
#define AFC_WIRE_TYPE_LIST(X)	\
	X(DGRAM, 1)		\
	X(STREAM, 2)		\
	X(SEQPACKET, 3)

/* Header flags (connection types; a DGRAM frame carries none). */
#define AFC_WIRE_FLAG_LIST(X)	\
	X(SYN, 0x01)		\
	X(ACK, 0x02)		\
	X(FIN, 0x04)		\
	X(RST, 0x08)		\
	X(EOR, 0x10)

/* Why a received frame was dropped: counted per reason, named in /proc. */
#define AFC_DROP_LIST(X)			\
	X(SHORT, "short")			\
	X(VERSION, "bad_version")		\
	X(TYPE, "bad_type")			\
	X(FLAGS, "bad_flags")			\
	X(LENGTH, "bad_length")			\
	X(CHECKSUM, "bad_checksum")		\
	X(NOSOCK, "no_socket")			\
	X(RCVBUF, "rcvbuf_full")		\
	X(BACKLOG, "backlog_full")		\
	X(NOMEM, "nomem")			\
	X(NOT_ETHERNET, "not_ethernet")		\
	X(FILTER, "filter")			\
	X(GSO, "bad_gso")

/* Namespace counters besides the drops, in /proc/net/af_custom_stat order. */
#define AFC_STAT_LIST(X)				\
	X(RX_FRAMES, "rx_frames")			\
	X(RX_BYTES, "rx_bytes")				\
	X(TX_FRAMES, "tx_frames")			\
	X(TX_BYTES, "tx_bytes")				\
	X(CONN_OPENED, "conn_opened")			\
	X(CONN_ACCEPTED, "conn_accepted")		\
	X(CONN_REFUSED, "conn_refused")			\
	X(CONN_RESET, "conn_reset")			\
	X(CONN_TIMEDOUT, "conn_timedout")		\
	X(SEGS_RETRANS, "segs_retransmitted")		\
	X(WINDOW_PROBES, "window_probes")		\
	X(RESETS_SENT, "resets_sent")			\
	X(OUT_OF_WINDOW, "out_of_window")		\
	X(DUPLICATES, "duplicate_segments")		\
	X(OUT_OF_ORDER, "out_of_order_segments")	\
	X(ACCEPTQ_OVERFLOW, "acceptq_overflow")		\
	X(HALF_OPEN_EVICTED, "half_open_evicted")	\
	X(RX_RELOOKUPS, "rx_relookups")			\
	X(TX_COALESCED, "tx_coalesced")

#define AFC_STAT_ENUM(name, text) AFC_STAT_##name,
enum afc_stat { AFC_STAT_LIST(AFC_STAT_ENUM) AFC_STAT_DROPS };	/* + enum afc_drop */
#undef AFC_STAT_ENUM

#define AFC_WIRE_TYPE_ENUM(name, value) AFC_WIRE_##name = (value),
enum afc_wire_type { AFC_WIRE_TYPE_LIST(AFC_WIRE_TYPE_ENUM) };
#undef AFC_WIRE_TYPE_ENUM

#define AFC_WIRE_FLAG_ENUM(name, value) AFC_WIRE_##name = (value),
enum afc_wire_flag { AFC_WIRE_FLAG_LIST(AFC_WIRE_FLAG_ENUM) };
#undef AFC_WIRE_FLAG_ENUM

#define AFC_DROP_ENUM(name, text) AFC_DROP_##name,
enum afc_drop { AFC_DROP_NONE = 0, AFC_DROP_LIST(AFC_DROP_ENUM) AFC_DROP_MAX };
#undef AFC_DROP_ENUM

/* A header in host byte order; the wire carries it big-endian. */
struct afc_wire_hdr {
	unsigned char version;
	unsigned char type;
	unsigned char flags;
	unsigned short sport;
	unsigned short dport;
	unsigned short len;		/* payload bytes after the header */
	unsigned int seq;
	unsigned int ack;
	unsigned int window;
};

#endif /* AF_CUSTOM_WIRE_H */
