// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the constants block of af_custom.lua from the headers the module is built from
 * (include/af_custom/wire_format.h, include/uapi/linux/af_custom.h), so that the dissector
 * copies no number by hand.  Run by tools/wireshark/constants.sh, which checks or updates the
 * block; nothing else uses it.
 */
#include <stdio.h>
#include <linux/af_custom.h>
#include "../../include/af_custom/wire_format.h"

#define OFFSETS(X) X(VERSION, version) X(TYPE, type) X(FLAGS, flags) X(RESERVED, reserved) \
	X(SPORT, sport) X(DPORT, dport) X(LEN, len) X(CSUM, csum) X(SEQ, seq) X(ACK, ack) \
	X(WINDOW, window)

int main(void)
{
	printf("local W = {\n");
	printf("\tethertype = 0x%04X,\n", AF_CUSTOM_ETHERTYPE);
	printf("\tversion = %d,\n", AFC_WIRE_VERSION);
	printf("\thlen = %d,\n", AFC_WIRE_HLEN);
	printf("\teth_min_payload = %d,\n", AFC_ETH_MIN_PAYLOAD);
	printf("\toff = {\n");
#define OFF(name, lua) printf("\t\t%s = %d,\n", #lua, AFC_WIRE_OFF_##name);
	OFFSETS(OFF)
	printf("\t},\n");
	printf("\ttypes = {\n");
#define TYPE(name, value) printf("\t\t{ \"%s\", %d },\n", #name, value);
	AFC_WIRE_TYPE_LIST(TYPE)
	printf("\t},\n");
	printf("\tflags = {\n");
#define FLAG(name, value) printf("\t\t{ \"%s\", 0x%02X },\n", #name, value);
	AFC_WIRE_FLAG_LIST(FLAG)
	printf("\t},\n");
	printf("\tdrops = {\n");
#define DROP(name, text) printf("\t\t%s = \"%s\",\n", #name, text);
	AFC_DROP_LIST(DROP)
	printf("\t},\n");
	printf("}\n");
	return 0;
}
