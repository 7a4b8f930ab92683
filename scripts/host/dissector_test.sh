#!/bin/bash
# The Wireshark dissector (tools/wireshark/af_custom.lua) on real frames: the stock VM's capture
# (scripts/vm/capture.sh prints it base64 into build/vm/check-stock.out; AFC_CAPTURE_OUT names
# another VM output) decoded with tshark, the decode checked by dissector_check.py.  With no
# capture every case fails.
. "$(dirname "$0")/ktap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
vmout=${AFC_CAPTURE_OUT:-$top/build/vm/check-stock.out}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The capture and the list of injected frames, out of the VM's output.
if [ -f "$vmout" ]; then
	tr -d '\r' < "$vmout" | sed -n '/^AFC-PCAP-BEGIN/,/^AFC-PCAP-END/{/^AFC-PCAP-/d;p}' |
		base64 -d > "$tmp/capture.pcap" 2>/dev/null
	tr -d '\r' < "$vmout" | grep '^# inject ' > "$tmp/injected"
fi
touch "$tmp/injected"

# Debian's tshark runs Lua scripts as root too (init.lua: run_user_scripts_when_superuser), with a
# warning on standard error; only standard output is read.
fields=(frame.number eth.src eth.dst afc.version afc.type afc.flags afc.flags.syn afc.flags.ack
	afc.flags.fin afc.flags.rst afc.flags.eor afc.sport afc.dport afc.len afc.seq afc.ack
	afc.window afc.nxtseq afc.checksum afc.checksum.status afc.checksum_calculated afc.drop
	afc.padding data.data data.len _ws.expert.severity _ws.expert.message _ws.col.Protocol
	_ws.col.Info afc.short afc.version.bad afc.type.unknown afc.flags.bad afc.reserved.nonzero
	afc.len.bad afc.checksum_bad.expert afc.flags.unusual)
args=()
for f in "${fields[@]}"; do args+=(-e "$f"); done
if [ -s "$tmp/capture.pcap" ]; then
	tshark -n -X lua_script:"$top/tools/wireshark/af_custom.lua" -r "$tmp/capture.pcap" \
		-T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
		"${args[@]}" > "$tmp/frames.tsv" 2> "$tmp/tshark.err"
fi

loads() {
	tshark -G protocols -X lua_script:"$top/tools/wireshark/af_custom.lua" 2>"$tmp/load.err" |
		grep -P '^af_custom\tAFC\tafc$' ||
		{ echo "tshark did not register the afc protocol:"; cat "$tmp/load.err"; return 1; }
}
case_() { python3 "$top/scripts/host/dissector_check.py" "$1" "$tmp"; }

cases=(every_frame_decodes_as_af_custom real_frames_have_known_types_and_exchange_ports
	dgram_frames_carry_no_flags_and_their_payloads stream_handshake_seq_and_ack_are_consistent
	stream_data_fin_and_acks_decode seqpacket_records_end_with_eor
	refused_connection_is_answered_with_rst_ack
	real_frames_have_good_or_offloaded_checksums_and_no_expert_errors
	malformed_frames_carry_the_module_drop_reason_as_expert_error
	corrupted_checksum_status_is_bad padded_and_unusual_frames_decode_without_error
	payload_reaches_the_data_dissector info_column_summarises_like_tcp
	ethertype_preference_moves_the_dissector)
plan $((2 + ${#cases[@]}))
check lua_constants_match_the_module_headers "$top/tools/wireshark/constants.sh" --check
check tshark_loads_the_dissector loads
for c in "${cases[@]}"; do
	check "$c" case_ "$c"
done
