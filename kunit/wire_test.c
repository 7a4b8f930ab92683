// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the wire header.  Round trips, the checksum against RFC 1071's worked example, and the
 * parser fed every kind of malformed frame: truncated at each offset, each bit flipped, unknown
 * version and type, lying lengths, Ethernet padding.
 */
#include <kunit/test.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <af_custom/boundary.h>

MODULE_IMPORT_NS(AF_CUSTOM_KUNIT);

#define PAYLOAD 64
#define FRAME (AFC_WIRE_HLEN + PAYLOAD)

static const struct afc_wire_hdr sample = {
	.type = AFC_WIRE_STREAM,
	.flags = AFC_WIRE_SYN | AFC_WIRE_ACK,
	.sport = 0x1234,
	.dport = 0xfedc,
	.len = PAYLOAD,
	.seq = 0x01020304,
	.ack = 0xa0b0c0d0,
	.window = 0x80010203,
};

static void make_frame(u8 *frame, const struct afc_wire_hdr *h)
{
	int i;

	for (i = 0; i < h->len; i++)
		frame[AFC_WIRE_HLEN + i] = (u8)(i * 7 + 3);
	afc_wire_build(h, frame);
}

/* Rewrite the checksum so that only the field under test is wrong. */
static void fix_csum(u8 *frame, size_t len)
{
	frame[AFC_WIRE_OFF_CSUM] = frame[AFC_WIRE_OFF_CSUM + 1] = 0;
	put_unaligned_be16(afc_wire_csum(frame, len), frame + AFC_WIRE_OFF_CSUM);
}

static void wire_round_trip(struct kunit *test)
{
	u8 frame[FRAME];
	struct afc_wire_hdr h;

	make_frame(frame, &sample);
	KUNIT_ASSERT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_NONE);
	KUNIT_EXPECT_EQ(test, h.version, AFC_WIRE_VERSION);
	KUNIT_EXPECT_EQ(test, h.type, sample.type);
	KUNIT_EXPECT_EQ(test, h.flags, sample.flags);
	KUNIT_EXPECT_EQ(test, h.sport, sample.sport);
	KUNIT_EXPECT_EQ(test, h.dport, sample.dport);
	KUNIT_EXPECT_EQ(test, h.len, sample.len);
	KUNIT_EXPECT_EQ(test, h.seq, sample.seq);
	KUNIT_EXPECT_EQ(test, h.ack, sample.ack);
	KUNIT_EXPECT_EQ(test, h.window, sample.window);
}

static void wire_layout_is_big_endian(struct kunit *test)
{
	static const u8 head[10] = { AFC_WIRE_VERSION, AFC_WIRE_STREAM, 0x03, 0, 0x12, 0x34,
				     0xfe, 0xdc, 0, PAYLOAD };
	static const u8 tail[12] = { 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0, 0x80, 0x01, 0x02, 0x03 };
	u8 frame[FRAME];

	make_frame(frame, &sample);
	KUNIT_EXPECT_EQ(test, memcmp(frame, head, sizeof(head)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(frame + AFC_WIRE_OFF_SEQ, tail, sizeof(tail)), 0);
	KUNIT_EXPECT_EQ(test, afc_wire_csum(frame, FRAME), 0);	/* the checksum field */
}

static void wire_csum_rfc1071_example(struct kunit *test)
{
	/* RFC 1071 section 3: these words sum to 0xddf2, so the checksum is ~0xddf2. */
	static const u8 words[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const u8 odd[] = { 0x00, 0x01, 0xf2 };	/* 0x0001 + 0xf200 */

	KUNIT_EXPECT_EQ(test, afc_wire_csum(words, sizeof(words)), (unsigned short)~0xddf2);
	KUNIT_EXPECT_EQ(test, afc_wire_csum(odd, sizeof(odd)), (unsigned short)~0xf201);
	KUNIT_EXPECT_EQ(test, afc_wire_csum(words, 0), (unsigned short)0xffff);
}

static void wire_truncated_at_every_offset(struct kunit *test)
{
	u8 frame[FRAME];
	struct afc_wire_hdr h;
	size_t len;

	make_frame(frame, &sample);
	for (len = 0; len < FRAME; len++) {
		enum afc_drop want = len < AFC_WIRE_HLEN ? AFC_DROP_SHORT : AFC_DROP_LENGTH;

		KUNIT_EXPECT_EQ_MSG(test, afc_wire_parse(frame, len, &h), want, "len %zu", len);
	}
}

static void wire_every_bit_flip_is_dropped(struct kunit *test)
{
	u8 frame[FRAME];
	struct afc_wire_hdr h;
	size_t byte;
	int bit;

	make_frame(frame, &sample);
	for (byte = 0; byte < FRAME; byte++) {
		for (bit = 0; bit < 8; bit++) {
			frame[byte] ^= 1 << bit;
			KUNIT_EXPECT_NE_MSG(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_NONE,
					    "byte %zu bit %d", byte, bit);
			frame[byte] ^= 1 << bit;
		}
	}
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_NONE);
}

static void wire_bad_checksum(struct kunit *test)
{
	u8 frame[FRAME];
	struct afc_wire_hdr h;

	make_frame(frame, &sample);
	frame[FRAME - 1] ^= 0xff;
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_CHECKSUM);
	make_frame(frame, &sample);
	frame[AFC_WIRE_OFF_CSUM] ^= 0x01;
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_CHECKSUM);
}

/* Only defined flags, none on a datagram, and the reserved byte zero: else bad_flags. */
static void wire_bad_flags(struct kunit *test)
{
	struct afc_wire_hdr h, dgram = sample;
	u8 frame[FRAME];

	make_frame(frame, &sample);
	frame[AFC_WIRE_OFF_FLAGS] |= 0x80;
	fix_csum(frame, FRAME);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_FLAGS);
	make_frame(frame, &sample);
	frame[AFC_WIRE_OFF_RESERVED] = 1;
	fix_csum(frame, FRAME);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_FLAGS);
	dgram.type = AFC_WIRE_DGRAM;
	make_frame(frame, &dgram);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_FLAGS);
	dgram.flags = 0;
	make_frame(frame, &dgram);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_NONE);
}

static void wire_unknown_version_and_type(struct kunit *test)
{
	static const u8 versions[] = { 0, 1, AFC_WIRE_VERSION + 1, 0x81, 0xff };
	static const u8 types[] = { 0, 0x7f, 0xff };
	u8 frame[FRAME];
	struct afc_wire_hdr h;
	int i;

	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		make_frame(frame, &sample);
		frame[0] = versions[i];
		fix_csum(frame, FRAME);
		KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_VERSION);
	}
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		make_frame(frame, &sample);
		frame[1] = types[i];
		fix_csum(frame, FRAME);
		KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_TYPE);
	}
}

static void wire_lying_length(struct kunit *test)
{
	u8 frame[FRAME + 8] = {};
	struct afc_wire_hdr h, lie = sample;

	/* Announces more than the frame holds. */
	lie.len = PAYLOAD + 1;
	make_frame(frame, &lie);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_LENGTH);
	/* The largest lie: only the length field changes (the builder would sum 64 KiB). */
	make_frame(frame, &sample);
	put_unaligned_be16(0xffff, frame + AFC_WIRE_OFF_LEN);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_LENGTH);

	/* Announces less than a frame longer than Ethernet's minimum holds. */
	lie.len = PAYLOAD - 1;
	make_frame(frame, &lie);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME, &h), AFC_DROP_LENGTH);
	lie.len = PAYLOAD;
	make_frame(frame, &lie);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, FRAME + 8, &h), AFC_DROP_LENGTH);
}

static void wire_ethernet_padding_is_accepted(struct kunit *test)
{
	u8 frame[AFC_ETH_MIN_PAYLOAD] = {};
	struct afc_wire_hdr h, small = sample;

	small.len = 1;
	make_frame(frame, &small);
	KUNIT_ASSERT_EQ(test, afc_wire_parse(frame, AFC_ETH_MIN_PAYLOAD, &h), AFC_DROP_NONE);
	KUNIT_EXPECT_EQ(test, h.len, 1);
	small.len = 0;
	make_frame(frame, &small);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, AFC_WIRE_HLEN, &h), AFC_DROP_NONE);
	KUNIT_EXPECT_EQ(test, afc_wire_parse(frame, AFC_ETH_MIN_PAYLOAD, &h), AFC_DROP_NONE);
}

static void wire_drop_reasons_are_named(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, afc_drop_name(AFC_DROP_SHORT), "short");
	KUNIT_EXPECT_STREQ(test, afc_drop_name(AFC_DROP_CHECKSUM), "bad_checksum");
	KUNIT_EXPECT_STREQ(test, afc_drop_name(AFC_DROP_NONE), "none");
}

static struct kunit_case wire_cases[] = {
	KUNIT_CASE(wire_round_trip),
	KUNIT_CASE(wire_layout_is_big_endian),
	KUNIT_CASE(wire_csum_rfc1071_example),
	KUNIT_CASE(wire_truncated_at_every_offset),
	KUNIT_CASE(wire_every_bit_flip_is_dropped),
	KUNIT_CASE(wire_bad_checksum),
	KUNIT_CASE(wire_bad_flags),
	KUNIT_CASE(wire_unknown_version_and_type),
	KUNIT_CASE(wire_lying_length),
	KUNIT_CASE(wire_ethernet_padding_is_accepted),
	KUNIT_CASE(wire_drop_reasons_are_named),
	{}
};

static struct kunit_suite wire_suite = {
	.name = "afc_wire",
	.test_cases = wire_cases,
};

kunit_test_suites(&wire_suite);
