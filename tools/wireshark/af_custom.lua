-- SPDX-License-Identifier: GPL-2.0
--
-- af_custom.lua: a Wireshark/tshark dissector for af_custom frames (Documentation/wireshark.rst).
--
--   tshark -X lua_script:tools/wireshark/af_custom.lua -r capture.pcap
--   or copy this file into Wireshark's personal Lua plugins folder (~/.local/lib/wireshark/plugins/)
--
-- It decodes every field of the current header (Documentation/wire-format.rst), verifies the
-- checksum as the module computes it (module/core/wire.cc), shows a TCP-like summary in the
-- Info column, flags every frame the module would drop with an expert error named after the
-- module's own drop reason (the drop_<reason> counters of /proc/net/af_custom_stat), warns about
-- flag combinations the module never sends, and hands the payload to the "data" dissector.
-- Preferences: afc.ethertype (the module's ethertype= parameter), afc.check_checksum.

-- The numbers below come from the headers the module is built from; constants.sh checks them
-- (run by scripts/host/dissector_test.sh) and rewrites them: tools/wireshark/constants.sh --update
-- BEGIN constants
local W = {
	ethertype = 0x88B5,
	version = 2,
	hlen = 24,
	eth_min_payload = 46,
	off = {
		version = 0,
		type = 1,
		flags = 2,
		reserved = 3,
		sport = 4,
		dport = 6,
		len = 8,
		csum = 10,
		seq = 12,
		ack = 16,
		window = 20,
	},
	types = {
		{ "DGRAM", 1 },
		{ "STREAM", 2 },
		{ "SEQPACKET", 3 },
	},
	flags = {
		{ "SYN", 0x01 },
		{ "ACK", 0x02 },
		{ "FIN", 0x04 },
		{ "RST", 0x08 },
		{ "EOR", 0x10 },
	},
	drops = {
		SHORT = "short",
		VERSION = "bad_version",
		TYPE = "bad_type",
		FLAGS = "bad_flags",
		LENGTH = "bad_length",
		CHECKSUM = "bad_checksum",
		NOSOCK = "no_socket",
		RCVBUF = "rcvbuf_full",
		BACKLOG = "backlog_full",
		NOMEM = "nomem",
		NOT_ETHERNET = "not_ethernet",
		FILTER = "filter",
		GSO = "bad_gso",
	},
}
-- END constants

local band, bor, bnot = bit32.band, bit32.bor, bit32.bnot

local TYPE, type_names = {}, {}
for _, t in ipairs(W.types) do
	TYPE[t[1]] = t[2]
	type_names[t[2]] = t[1]
end
local FLAG, all_flags = {}, 0
for _, f in ipairs(W.flags) do
	FLAG[f[1]] = f[2]
	all_flags = bor(all_flags, f[2])
end

-- The size of each header field (its offset is in W.off): the header must be exactly these.
local size = {
	version = 1, type = 1, flags = 1, reserved = 1, sport = 2, dport = 2, len = 2, csum = 2,
	seq = 4, ack = 4, window = 4,
}
do
	local total = 0
	for name, n in pairs(size) do
		assert(W.off[name] and W.off[name] + n <= W.hlen, "af_custom.lua: no room for " .. name)
		total = total + n
	end
	assert(total == W.hlen, "af_custom.lua: header fields and header length disagree")
end

local afc = Proto("afc", "af_custom")

-- Wireshark's checksum status values (proto_checksum_vals in epan/proto.c).
local CSUM_BAD, CSUM_GOOD, CSUM_UNVERIFIED = 0, 1, 2
local checksum_vals = { [0] = "Bad", [1] = "Good", [2] = "Unverified" }

local hf = {
	version = ProtoField.uint8("afc.version", "Version", base.DEC),
	type = ProtoField.uint8("afc.type", "Type", base.DEC, type_names),
	flags = ProtoField.uint8("afc.flags", "Flags", base.HEX),
	flags_undefined = ProtoField.uint8("afc.flags.undefined", "Undefined flags", base.HEX, nil,
					   band(bnot(all_flags), 0xff)),
	reserved = ProtoField.uint8("afc.reserved", "Reserved", base.HEX),
	sport = ProtoField.uint16("afc.sport", "Source Port", base.DEC),
	dport = ProtoField.uint16("afc.dport", "Destination Port", base.DEC),
	port = ProtoField.uint16("afc.port", "Source or Destination Port", base.DEC),
	len = ProtoField.uint16("afc.len", "Length", base.DEC, nil, nil,
				"Payload bytes after the header"),
	csum = ProtoField.uint16("afc.checksum", "Checksum", base.HEX),
	csum_status = ProtoField.uint8("afc.checksum.status", "Checksum Status", base.DEC,
				       checksum_vals),
	csum_calc = ProtoField.uint16("afc.checksum_calculated", "Calculated Checksum", base.HEX,
				      nil, nil, "The checksum the header should carry"),
	seq = ProtoField.uint32("afc.seq", "Sequence Number", base.DEC),
	ack = ProtoField.uint32("afc.ack", "Acknowledgment Number", base.DEC),
	window = ProtoField.uint32("afc.window", "Window", base.DEC, nil, nil,
				   "Receive window in bytes, from the acknowledgment number"),
	nxtseq = ProtoField.uint32("afc.nxtseq", "Next Sequence Number", base.DEC, nil, nil,
				   "Sequence number after this segment (SYN and FIN take one)"),
	padding = ProtoField.bytes("afc.padding", "Padding", base.NONE,
				   "Bytes after the payload: a short frame's Ethernet padding, not covered by the checksum"),
	drop = ProtoField.string("afc.drop", "Dropped by af_custom", base.ASCII,
				 "The module's drop reason: the drop_<reason> counter of /proc/net/af_custom_stat"),
}
local hf_flag = {}
for _, f in ipairs(W.flags) do
	hf_flag[f[1]] = ProtoField.bool("afc.flags." .. f[1]:lower(), f[1], 8, nil, f[2])
end

local ERROR, WARN, CHAT = expert.severity.ERROR, expert.severity.WARN, expert.severity.CHAT
local ef = {
	short = ProtoExpert.new("afc.short", "Frame too short for the af_custom header",
				expert.group.MALFORMED, ERROR),
	version = ProtoExpert.new("afc.version.bad", "Unknown af_custom version",
				  expert.group.MALFORMED, ERROR),
	type = ProtoExpert.new("afc.type.unknown", "Unknown frame type",
			       expert.group.MALFORMED, ERROR),
	flags = ProtoExpert.new("afc.flags.bad", "Flags the module rejects",
				expert.group.MALFORMED, ERROR),
	reserved = ProtoExpert.new("afc.reserved.nonzero", "Reserved byte is not zero",
				   expert.group.MALFORMED, ERROR),
	len = ProtoExpert.new("afc.len.bad", "Length field disagrees with the frame",
			      expert.group.MALFORMED, ERROR),
	csum = ProtoExpert.new("afc.checksum_bad.expert", "Bad checksum",
			       expert.group.CHECKSUM, ERROR),
	odd = ProtoExpert.new("afc.flags.unusual", "Flag combination af_custom never sends",
			      expert.group.PROTOCOL, WARN),
	conn = ProtoExpert.new("afc.connection", "Connection event",
			       expert.group.SEQUENCE, CHAT),
}

afc.fields = {}
for _, f in pairs(hf) do
	table.insert(afc.fields, f)
end
for _, f in pairs(hf_flag) do
	table.insert(afc.fields, f)
end
afc.experts = {}
for _, e in pairs(ef) do
	table.insert(afc.experts, e)
end

afc.prefs.ethertype = Pref.string("EtherType", string.format("0x%04X", W.ethertype),
	"The EtherType af_custom frames carry: the module's ethertype= parameter " ..
	string.format("(default 0x%04X); hexadecimal with 0x, or decimal", W.ethertype))
afc.prefs.check_checksum = Pref.bool("Validate the checksum", true,
	"Verify each frame's checksum as the module does (a connection frame whose field is zero " ..
	"was captured before the device summed it: unverified)")

local ethertypes = DissectorTable.get("ethertype")
local registered

local function register_ethertype()
	local et = tonumber(afc.prefs.ethertype)

	if not et or et ~= math.floor(et) or et < 0x0600 or et > 0xffff then
		report_failure("af_custom: EtherType preference '" .. tostring(afc.prefs.ethertype) ..
			       "' is not a number from 0x0600 to 0xFFFF; still using " ..
			       string.format("0x%04X", registered or W.ethertype))
		et = registered or W.ethertype
	end
	if et == registered then
		return
	end
	if registered then
		ethertypes:remove(registered, afc)
	end
	ethertypes:add(et, afc)
	registered = et
end

function afc.prefs_changed()
	register_ethertype()
end

-- The ones' complement sum of the first n bytes as big-endian 16-bit words, an odd last byte
-- padded with zero (RFC 1071, as afc_wire_csum in module/core/wire.cc), folded to 16 bits.
-- The two bytes at `skip` (if given) count as zero.
local function sum16(bytes, n, skip)
	local sum, i = 0, 0

	while i + 1 < n do
		if i ~= skip then
			sum = sum + bytes:get_index(i) * 256 + bytes:get_index(i + 1)
		end
		i = i + 2
	end
	if i < n then
		sum = sum + bytes:get_index(i) * 256
	end
	while sum > 0xffff do
		sum = sum % 0x10000 + math.floor(sum / 0x10000)
	end
	return sum
end

local function flag_names(flags)
	local names = {}

	for _, f in ipairs(W.flags) do
		if band(flags, f[2]) ~= 0 then
			table.insert(names, f[1])
		end
	end
	if band(flags, bnot(all_flags)) ~= 0 then
		table.insert(names, string.format("0x%02X", band(flags, bnot(all_flags))))
	end
	return names
end

-- The checks of afc_wire_parse (module/core/wire.cc) in the order the module makes them.
local drop_order = { W.drops.SHORT, W.drops.VERSION, W.drops.TYPE, W.drops.FLAGS, W.drops.LENGTH,
		     W.drops.CHECKSUM }

local data_dissector = Dissector.get("data")

function afc.dissector(tvb, pinfo, tree)
	local rlen = tvb:reported_length_remaining()	-- the Ethernet payload, as the module gets it
	local caplen = tvb:len()			-- what the capture holds of it
	local t = tree:add(afc, tvb:range(0, math.min(W.hlen, caplen)))
	local failed = {}				-- drop reasons that apply
	local item = {}

	pinfo.cols.protocol:set("AFC")
	-- Adds header field `name` if the capture holds it; returns its value.
	local function field(name)
		local off = W.off[name]
		if off + size[name] > caplen then
			return nil
		end
		local r = tvb:range(off, size[name])
		item[name] = t:add(hf[name], r)
		return r:uint()
	end
	-- The Info column; the module's reason for dropping the frame: its first check that fails.
	local function finish(info)
		for _, reason in ipairs(drop_order) do
			if failed[reason] then
				t:add(hf.drop, reason):set_generated()
				info = info .. " [dropped: " .. reason .. "]"
				break
			end
		end
		pinfo.cols.info:set(info)
		return rlen
	end

	if rlen < W.hlen then
		failed[W.drops.SHORT] = true
		t:add_proto_expert_info(ef.short, string.format(
			"Frame too short: %d bytes, the header alone is %d", rlen, W.hlen))
	end
	local version = field("version")
	if version and version ~= W.version then
		failed[W.drops.VERSION] = true
		item.version:add_proto_expert_info(ef.version, string.format(
			"Version %d: the module speaks version %d only", version, W.version))
		if caplen > 1 then
			data_dissector:call(tvb:range(1):tvb(), pinfo, tree)
		end
		return finish(string.format("Version %d", version))
	end

	-- The layout is version 2's from here on: every field the capture holds, each checked as
	-- module/core/wire.cc checks it.
	local ty = field("type")
	if ty then
		if type_names[ty] then
			pinfo.cols.protocol:set("AFC-" .. type_names[ty])
		else
			failed[W.drops.TYPE] = true
			item.type:add_proto_expert_info(ef.type, string.format("Unknown frame type %d", ty))
		end
	end

	local flags = field("flags")
	if flags then
		for _, f in ipairs(W.flags) do
			item.flags:add(hf_flag[f[1]], tvb:range(W.off.flags, 1))
		end
		local undefined = band(flags, bnot(all_flags))
		if undefined ~= 0 then
			item.flags:add(hf.flags_undefined, tvb:range(W.off.flags, 1))
			failed[W.drops.FLAGS] = true
			item.flags:add_proto_expert_info(ef.flags, string.format(
				"Undefined flag bits 0x%02X", undefined))
		end
		if ty == TYPE.DGRAM and flags ~= 0 then
			failed[W.drops.FLAGS] = true
			item.flags:add_proto_expert_info(ef.flags, "A DGRAM frame carries no flags")
		end
		local names = flag_names(flags)
		if #names > 0 then
			item.flags:append_text(" (" .. table.concat(names, ", ") .. ")")
		end
	end

	local reserved = field("reserved")
	if reserved and reserved ~= 0 then
		failed[W.drops.FLAGS] = true
		item.reserved:add_proto_expert_info(ef.reserved, string.format(
			"Reserved byte is 0x%02X, not zero", reserved))
	end

	local sport = field("sport")
	if sport then
		t:add(hf.port, tvb:range(W.off.sport, 2)):set_hidden()
	end
	local dport = field("dport")
	if dport then
		t:add(hf.port, tvb:range(W.off.dport, 2)):set_hidden()
	end

	-- Exactly the header and `len` payload bytes; a frame shorter than Ethernet's minimum may
	-- carry the link's padding after them.
	local len = field("len")
	local need = len and W.hlen + len
	if need and rlen >= W.hlen then
		if rlen < need then
			failed[W.drops.LENGTH] = true
			item.len:add_proto_expert_info(ef.len, string.format(
				"Length %d, but the frame carries %d payload bytes", len, rlen - W.hlen))
		elseif rlen > need and rlen > W.eth_min_payload then
			failed[W.drops.LENGTH] = true
			item.len:add_proto_expert_info(ef.len, string.format(
				"Length %d, but the frame carries %d bytes after the header (only a " ..
				"frame shorter than %d bytes may carry padding)", len, rlen - W.hlen,
				W.eth_min_payload))
		end
	end

	local csum = field("csum")
	if csum then
		local status = CSUM_UNVERIFIED
		if need and afc.prefs.check_checksum and need <= caplen then
			local bytes = tvb:range(0, need):bytes()
			local calc = band(bnot(sum16(bytes, need, W.off.csum)), 0xffff)
			-- As the module checks it: the sum over the frame with its checksum is all ones.
			if sum16(bytes, need) == 0xffff then
				status = CSUM_GOOD
				item.csum:append_text(" [correct]")
			elseif csum == 0 and (ty == TYPE.STREAM or ty == TYPE.SEQPACKET) then
				-- Checksum offload: the module leaves a connection frame's sum to the
				-- device (CHECKSUM_PARTIAL, the field zero); a capture on the sending host
				-- or on either end of a veth pair sees the frame before any device sums it.
				item.csum:append_text(" [not computed yet: left to the device]")
			else
				status = CSUM_BAD
				failed[W.drops.CHECKSUM] = true
				item.csum:append_text(string.format(" incorrect, should be 0x%04x", calc))
				item.csum:add_proto_expert_info(ef.csum, string.format(
					"Bad checksum 0x%04x, should be 0x%04x", csum, calc))
				t:add(hf.csum_calc, tvb:range(W.off.csum, 2), calc):set_generated()
			end
		else
			item.csum:append_text(" [unverified]")
		end
		t:add(hf.csum_status, tvb:range(W.off.csum, 2), status):set_generated()
	end

	local seq = field("seq")
	local ack = field("ack")
	local window = field("window")

	if rlen < W.hlen then
		return finish(string.format("Truncated header (%d of %d bytes)", rlen, W.hlen))
	elseif caplen < W.hlen then
		return finish("Header cut short by the capture")
	end

	-- Flag combinations the module accepts at this layer but never sends: its connection
	-- state machine (module/core/state.cc, listen.cc) answers them with a reset or ignores them.
	local conn = ty == TYPE.STREAM or ty == TYPE.SEQPACKET
	if conn and band(flags, FLAG.SYN) ~= 0 and band(flags, bor(FLAG.FIN, FLAG.RST)) ~= 0 then
		item.flags:add_proto_expert_info(ef.odd,
			"SYN with FIN or RST: a listener answers it with a reset")
	end
	if ty == TYPE.STREAM and band(flags, FLAG.EOR) ~= 0 then
		item.flags:add_proto_expert_info(ef.odd, "EOR marks SEQPACKET records, not STREAM data")
	end
	if conn and band(flags, bor(FLAG.SYN, FLAG.ACK, FLAG.RST)) == 0 then
		item.flags:add_proto_expert_info(ef.odd,
			"Neither SYN, ACK nor RST: a connection ignores the segment")
	end
	if conn then
		if band(flags, FLAG.SYN) ~= 0 then
			t:add_proto_expert_info(ef.conn, band(flags, FLAG.ACK) ~= 0 and
				"Connection accepted (SYN, ACK)" or "Connection request (SYN)")
		end
		if band(flags, FLAG.FIN) ~= 0 then
			t:add_proto_expert_info(ef.conn, "Connection finish (FIN)")
		end
		if band(flags, FLAG.RST) ~= 0 then
			t:add_proto_expert_info(ef.conn, "Connection reset (RST)")
		end
		-- As seg_end() in module/core/conn.h: a SYN or a FIN takes one sequence number.
		local one = band(flags, bor(FLAG.SYN, FLAG.FIN)) ~= 0 and 1 or 0
		t:add(hf.nxtseq, (seq + len + one) % 0x100000000):set_generated()
	end

	-- The payload: the bytes the length field announces, as far as the frame holds them, to
	-- the data dissector; what follows them is padding (or, past the minimum, excess).
	local plen = math.min(len, rlen - W.hlen)
	if plen > 0 and caplen > W.hlen then
		data_dissector:call(tvb:range(W.hlen, math.min(plen, caplen - W.hlen)):tvb(), pinfo, tree)
	end
	if rlen > need and caplen > need then
		t:add(hf.padding, tvb:range(need))
	end

	local info = string.format("%d → %d", sport, dport)
	local names = flag_names(flags)
	if #names > 0 then
		info = info .. " [" .. table.concat(names, ", ") .. "]"
	end
	t:append_text(string.format(", %s, Src Port: %d, Dst Port: %d",
				    type_names[ty] or string.format("type %d", ty), sport, dport))
	if ty ~= TYPE.DGRAM then
		info = info .. string.format(" Seq=%d", seq)
		t:append_text(string.format(", Seq: %d", seq))
		if band(flags, FLAG.ACK) ~= 0 then
			info = info .. string.format(" Ack=%d Win=%d", ack, window)
			t:append_text(string.format(", Ack: %d", ack))
		end
	end
	t:append_text(string.format(", Len: %d", len))
	return finish(info .. string.format(" Len=%d", len))
end

register_ethertype()
