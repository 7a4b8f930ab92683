#!/usr/bin/env python3
"""dissector_check.py CASE DIR: one case of scripts/host/dissector_test.sh.

DIR holds what the test prepared: capture.pcap (the stock VM's capture, made by
tools/capture/traffic), frames.tsv (tshark's decode of it with tools/wireshark/af_custom.lua, one
row per frame), injected (the "# inject NAME MAC DROP" lines traffic printed).  Exits 0 when the
case holds; says why on stdout otherwise.  Types and flags are read from
include/af_custom/wire_format.h; the exchanges (ports, payloads) are traffic.c's.
"""
import csv
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LUA = os.path.join(TOP, 'tools', 'wireshark', 'af_custom.lua')

# The exchanges tools/capture/traffic.c makes: type, client port, server port, payloads the
# client and the server send (in order).
DGRAM = ('DGRAM', 7000, 7001, [b'dgram hello'], [b'dgram reply'])
STREAM = ('STREAM', 7100, 7101, [b'stream request'], [b'stream reply'])
SEQPACKET = ('SEQPACKET', 7200, 7201,
             [b'record one', bytes(ord('a') + i % 26 for i in range(3000))], [b'record reply'])
REFUSED = ('STREAM', 7102, 7103)

# Wireshark's expert severities (epan/proto.h) and checksum status values.
PI_ERROR = 0x00800000
CSUM_BAD, CSUM_GOOD, CSUM_UNVERIFIED = 0, 1, 2

FLAGS = ['syn', 'ack', 'fin', 'rst', 'eor']


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def wire_list(name):
    """{NAME: value} of X-macro list `name` in include/af_custom/wire_format.h."""
    text = open(os.path.join(TOP, 'include', 'af_custom', 'wire_format.h')).read()
    m = re.search(r'#define ' + name + r'\(X\)((?:.*\\\n)*.*)', text)
    return {k: int(v, 0) for k, v in re.findall(r'X\((\w+),\s*(\w+)\)', m.group(1))}


TYPES = wire_list('AFC_WIRE_TYPE_LIST')


def tshark(*args):
    """tshark with the dissector; its standard output (its warnings, such as the one about
    running as root, go to standard error)."""
    r = subprocess.run(['tshark', '-n', '-X', 'lua_script:' + LUA] + list(args),
                       capture_output=True, text=True)
    expect(r.returncode == 0, f'tshark {" ".join(args)}: status {r.returncode}: {r.stderr.strip()}')
    expect('Lua' not in r.stderr or 'Error' not in r.stderr, f'Lua error: {r.stderr.strip()}')
    return r.stdout


class Frame:
    def __init__(self, row):
        self.row = row
        self.n = int(row['frame.number'])
        self.src = row['eth.src']
        self.is_afc = row['afc.version'] != ''

    def int(self, field, default=None):
        v = self.row[field]
        return int(v, 0) if v != '' else default

    def get(self, field):
        return self.row[field]

    @property
    def type(self):
        return self.int('afc.type')

    @property
    def flags(self):
        return {f.upper() for f in FLAGS if self.row['afc.flags.' + f] == '1'}

    @property
    def ports(self):
        return (self.int('afc.sport'), self.int('afc.dport'))

    @property
    def payload(self):
        return bytes.fromhex(self.row['data.data'].replace(':', ''))

    @property
    def severities(self):
        return [int(s) for s in self.row['_ws.expert.severity'].split(',') if s]

    def __str__(self):
        return f'frame {self.n} ({self.row["_ws.col.Info"]})'


def load(d):
    pcap = os.path.join(d, 'capture.pcap')
    expect(os.path.exists(pcap) and os.path.getsize(pcap) > 24,
           'the stock VM produced no capture (no AFC-PCAP block in build/vm/check-stock.out)')
    with open(os.path.join(d, 'frames.tsv'), newline='') as f:
        frames = [Frame(r) for r in csv.DictReader(f, delimiter='\t', quoting=csv.QUOTE_NONE)]
    injected = []
    for line in open(os.path.join(d, 'injected')):
        name, mac, drop = line.split()[2:5]
        injected.append((name, mac, drop))
    err = os.path.join(d, 'tshark.err')
    expect(frames, 'tshark decoded no frame: ' + (open(err).read() if os.path.exists(err) else ''))
    expect(injected, 'traffic injected no frame')
    return frames, injected


def real(frames, injected):
    """The frames the modules sent (not the injected ones)."""
    macs = {mac for _, mac, _ in injected}
    return [f for f in frames if f.src not in macs]


def conversation(frames, typ, cport, sport):
    """(client-to-server frames, server-to-client frames, all in order) of one exchange."""
    fwd = [f for f in frames if f.type == TYPES[typ] and f.ports == (cport, sport)]
    rev = [f for f in frames if f.type == TYPES[typ] and f.ports == (sport, cport)]
    both = sorted(fwd + rev, key=lambda f: f.n)
    expect(fwd and rev, f'no {typ} frames between ports {cport} and {sport}')
    return fwd, rev, both


def data_of(frames):
    """The payload bytes a side sent, in sequence order, each byte once (retransmissions)."""
    got = {}
    for f in frames:
        if f.int('afc.len'):
            got[f.int('afc.seq')] = f.payload
    return b''.join(got[k] for k in sorted(got))


def case_every_frame_decodes_as_af_custom(frames, injected):
    for f in frames:
        expect(f.is_afc, f'{f}: not decoded as af_custom')
    expect(len(frames) >= 40, f'only {len(frames)} frames captured')
    print(f'{len(frames)} frames, {len(injected)} of them injected')


def case_real_frames_have_known_types_and_exchange_ports(frames, injected):
    exchanges = {TYPES[t]: {(c, s), (s, c)} for t, c, s, *_ in (DGRAM, STREAM, SEQPACKET)}
    exchanges[TYPES[REFUSED[0]]] |= {(REFUSED[1], REFUSED[2]), (REFUSED[2], REFUSED[1])}
    for f in real(frames, injected):
        expect(f.type in exchanges, f'{f}: type {f.type}')
        if f.get('eth.dst') in {mac for _, mac, _ in injected}:
            continue		# the module's reset to an injected connection request
        expect(f.ports in exchanges[f.type], f'{f}: ports {f.ports} are no exchange of its type')


def case_dgram_frames_carry_no_flags_and_their_payloads(frames, injected):
    typ, c, s, ask, answer = DGRAM
    fwd, rev, _ = conversation(real(frames, injected), typ, c, s)
    for f in fwd + rev:
        expect(not f.flags, f'{f}: flags {f.flags} on a datagram')
        expect(f.int('afc.len') == len(f.payload), f'{f}: length field and payload disagree')
    expect([f.payload for f in fwd] == ask, f'client sent {[f.payload for f in fwd]}')
    expect([f.payload for f in rev] == answer, f'server sent {[f.payload for f in rev]}')


def handshake(frames, injected, exchange):
    typ, c, s = exchange[:3]
    fwd, rev, both = conversation(real(frames, injected), typ, c, s)
    expect(both[0].flags == {'SYN'} and both[0] in fwd, f'{both[0]}: the first frame is no SYN')
    syn = both[0]
    synack = next((f for f in rev if f.flags == {'SYN', 'ACK'}), None)
    expect(synack, f'{typ} {c} → {s}: no SYN|ACK')
    ack = next((f for f in fwd if f.n > synack.n and f.flags == {'ACK'}), None)
    expect(ack, f'{typ} {c} → {s}: no ACK after the SYN|ACK')
    isn, irs = syn.int('afc.seq'), synack.int('afc.seq')
    expect(synack.int('afc.ack') == (isn + 1) % 2**32, f'{synack}: ack is not the SYN\'s seq + 1')
    expect(syn.int('afc.nxtseq') == (isn + 1) % 2**32, f'{syn}: next sequence number')
    expect(ack.int('afc.seq') == (isn + 1) % 2**32, f'{ack}: seq is not the SYN\'s seq + 1')
    expect(ack.int('afc.ack') == (irs + 1) % 2**32, f'{ack}: ack is not the SYN|ACK\'s seq + 1')
    expect(synack.int('afc.window') > 0, f'{synack}: no window')
    return fwd, rev, both


def check_connection(frames, injected, exchange):
    """Handshake, data in sequence both ways, each side's FIN acknowledged."""
    typ, c, s, ask, answer = exchange
    fwd, rev, both = handshake(frames, injected, exchange)
    for side, sent in ((fwd, ask), (rev, answer)):
        expect(data_of(side) == b''.join(sent), f'{typ} {side[0].ports}: payload differs')
        # Each segment follows the one before it (SYN and FIN take one sequence number), or
        # repeats an earlier one (a retransmission).
        nxt = None
        for f in side:
            if nxt is not None and (f.int('afc.len') or 'FIN' in f.flags):
                expect((nxt - f.int('afc.seq')) % 2**32 < 2**31,
                       f'{f}: seq {f.int("afc.seq")} leaves a gap after {nxt}')
            if f.int('afc.len') or f.flags & {'SYN', 'FIN'}:
                if nxt is None or (f.int('afc.nxtseq') - nxt) % 2**32 < 2**31:
                    nxt = f.int('afc.nxtseq')
        fins = [f for f in side if 'FIN' in f.flags]
        expect(fins, f'{typ} {side[0].ports}: no FIN')
        other = rev if side is fwd else fwd
        end = fins[-1].int('afc.nxtseq')
        expect(any(f.int('afc.ack') == end and 'ACK' in f.flags and f.n > fins[-1].n
                   for f in other), f'{fins[-1]}: never acknowledged')
    for f in both[1:]:
        expect('ACK' in f.flags, f'{f}: a synchronized segment without ACK')
    return fwd, rev


def case_stream_handshake_seq_and_ack_are_consistent(frames, injected):
    handshake(frames, injected, STREAM)
    handshake(frames, injected, SEQPACKET)


def case_stream_data_fin_and_acks_decode(frames, injected):
    fwd, rev = check_connection(frames, injected, STREAM)
    for f in fwd + rev:
        expect('EOR' not in f.flags, f'{f}: EOR on a STREAM segment')


def case_seqpacket_records_end_with_eor(frames, injected):
    fwd, rev = check_connection(frames, injected, SEQPACKET)
    for side, records in ((fwd, SEQPACKET[3]), (rev, SEQPACKET[4])):
        segs = [f for f in side if f.int('afc.len')]
        got, cur = [], b''
        for f in segs:
            cur += f.payload
            if 'EOR' in f.flags:
                got.append(cur)
                cur = b''
        expect(got == records and cur == b'',
               f'{side[0].ports}: records split at EOR are {[len(r) for r in got]} bytes '
               f'(+{len(cur)} unterminated)')
    # Longer than the MSS (1476 on the 1500-byte veth): several segments, or one GSO
    # super-frame, which veth carries whole.
    expect(sum(1 for f in fwd if f.int('afc.len')) > len(SEQPACKET[3]) or
           any(f.int('afc.len') > 1500 - 24 for f in fwd),
           'the long record took neither several segments nor a super-frame')


def case_refused_connection_is_answered_with_rst_ack(frames, injected):
    typ, c, s = REFUSED
    fwd, rev, both = conversation(real(frames, injected), typ, c, s)
    syn, rst = both[0], both[1]
    expect(syn.flags == {'SYN'}, f'{syn}: no SYN')
    expect(rst.flags == {'RST', 'ACK'} and rst in rev, f'{rst}: no RST|ACK')
    expect(rst.int('afc.ack') == (syn.int('afc.seq') + 1) % 2**32, f'{rst}: ack is not seq + 1')


def case_real_frames_have_good_or_offloaded_checksums_and_no_expert_errors(frames, injected):
    offloaded = 0
    for f in real(frames, injected):
        status = f.int('afc.checksum.status')
        # A connection frame's sum is left to the device (checksum offload): captured on a veth,
        # its field is zero and the dissector leaves it unverified, without an error.
        if status == CSUM_UNVERIFIED and f.int('afc.checksum') == 0 and \
                f.type in (TYPES['STREAM'], TYPES['SEQPACKET']):
            offloaded += 1
        else:
            expect(status == CSUM_GOOD, f'{f}: checksum status {f.get("afc.checksum.status")}')
        expect(PI_ERROR not in f.severities, f'{f}: expert error {f.get("_ws.expert.message")}')
        expect(f.get('afc.drop') == '', f'{f}: dropped as {f.get("afc.drop")}')
    expect(offloaded, 'no connection frame with its sum left to the device')


# The expert infos the dissector raises for each of the module's drop reasons.
EXPERT = {
    'short': ['afc.short'],
    'bad_version': ['afc.version.bad'],
    'bad_type': ['afc.type.unknown'],
    'bad_flags': ['afc.flags.bad', 'afc.reserved.nonzero'],
    'bad_length': ['afc.len.bad'],
    'bad_checksum': ['afc.checksum_bad.expert'],
}


def case_malformed_frames_carry_the_module_drop_reason_as_expert_error(frames, injected):
    by_src = {f.src: f for f in frames}
    reasons = set()
    for name, mac, drop in injected:
        expect(mac in by_src, f'{name}: frame from {mac} not captured')
        f = by_src[mac]
        if drop not in EXPERT:
            continue		# well-formed; the module dropped it for want of a socket
        reasons.add(drop)
        expect(f.get('afc.drop') == drop, f'{name} {f}: dissector says '
               f'"{f.get("afc.drop")}", the module "{drop}"')
        expect(PI_ERROR in f.severities, f'{name} {f}: no expert error')
        expect(any(f.get(e) for e in EXPERT[drop]), f'{name} {f}: none of {EXPERT[drop]}')
        print(f'{name}: {f.get("_ws.expert.message")}')
    expect(reasons == set(EXPERT), f'drop reasons not exercised: {set(EXPERT) - reasons}')


def case_corrupted_checksum_status_is_bad(frames, injected):
    macs = [mac for name, mac, drop in injected if drop == 'bad_checksum']
    expect(macs, 'no bad_checksum frame injected')
    f = next(f for f in frames if f.src == macs[0])
    expect(f.int('afc.checksum.status') == CSUM_BAD, f'{f}: status {f.get("afc.checksum.status")}')
    calc, csum = f.int('afc.checksum_calculated'), f.int('afc.checksum')
    expect(calc is not None and calc != csum, f'{f}: calculated checksum {calc}, field {csum}')
    # traffic flipped the lowest bit of the checksum the sender computed.
    expect(calc ^ csum == 1, f'{f}: calculated 0x{calc:04x}, field 0x{csum:04x}')


def case_padded_and_unusual_frames_decode_without_error(frames, injected):
    for name, mac, drop in injected:
        if drop in EXPERT:
            continue
        f = next(f for f in frames if f.src == mac)
        expect(PI_ERROR not in f.severities, f'{name} {f}: expert error '
               f'{f.get("_ws.expert.message")}')
        expect(f.int('afc.checksum.status') == CSUM_GOOD, f'{name} {f}: checksum')
        if name == 'padded_dgram':
            pad = f.get('afc.padding').replace(':', '')
            expect(pad and set(pad) == {'0'}, f'{f}: padding "{pad}"')
            expect(f.int('afc.len') == len(f.payload), f'{f}: payload')
        if name == 'syn_fin':
            expect(f.flags == {'SYN', 'FIN'}, f'{f}: flags')
            expect(f.get('afc.flags.unusual'), f'{f}: no warning about SYN with FIN')
            reset = [r for r in frames if r.get('eth.dst') == mac and 'RST' in r.flags]
            expect(reset, f'{f}: the module did not answer with a reset')


def case_payload_reaches_the_data_dissector(frames, injected):
    n = 0
    for f in real(frames, injected):
        if f.int('afc.len'):
            expect(f.int('data.len') == f.int('afc.len') == len(f.payload),
                   f'{f}: data.len {f.get("data.len")}, afc.len {f.get("afc.len")}')
            n += 1
    # Two datagrams, two STREAM segments, three SEQPACKET ones at least (the long record is one
    # GSO super-frame over veth).
    expect(n >= 7, f'only {n} frames with payload')
    out = tshark('-r', os.path.join(sys.argv[2], 'capture.pcap'), '-Y', 'afc && data',
                 '-T', 'fields', '-e', 'frame.protocols')
    for line in out.split():
        expect(line.endswith('afc:data'), f'protocol stack {line}')


def case_info_column_summarises_like_tcp(frames, injected):
    _, _, both = handshake(frames, injected, STREAM)
    syn, synack = both[0], both[1]
    c, s = STREAM[1], STREAM[2]
    want = [(syn, rf'^{c} → {s} \[SYN\] Seq={syn.int("afc.seq")} Len=0$'),
            (synack, rf'^{s} → {c} \[SYN, ACK\] Seq=\d+ Ack={syn.int("afc.seq") + 1} '
                     rf'Win={synack.int("afc.window")} Len=0$')]
    d = next(f for f in real(frames, injected) if f.type == TYPES['DGRAM'])
    want.append((d, rf'^{DGRAM[1]} → {DGRAM[2]} Len={len(DGRAM[3][0])}$'))
    for f, pattern in want:
        expect(re.match(pattern, f.get('_ws.col.Info')), f'{f}: Info does not match {pattern}')
    for f in frames:
        expect(f.get('_ws.col.Protocol').startswith('AFC'), f'{f}: protocol column')


def case_ethertype_preference_moves_the_dissector(frames, injected):
    d = sys.argv[2]
    data = bytearray(open(os.path.join(d, 'capture.pcap'), 'rb').read())
    # Classic pcap: 24-byte file header, 16-byte record headers; the EtherType at 12.
    et = int.from_bytes(data[24 + 16 + 12:24 + 16 + 14], 'big')
    other = et + 1
    off = 24
    while off + 16 <= len(data):
        caplen = int.from_bytes(data[off + 8:off + 12], sys.byteorder)
        data[off + 16 + 12:off + 16 + 14] = other.to_bytes(2, 'big')
        off += 16 + caplen
    moved = os.path.join(d, 'moved.pcap')
    open(moved, 'wb').write(data)
    count = lambda *a: len(tshark('-r', moved, '-Y', 'afc', *a).splitlines())
    expect(count() == 0, f'frames of EtherType 0x{other:04x} decoded without the preference')
    expect(count('-o', f'afc.ethertype:0x{other:04x}') == len(frames),
           f'afc.ethertype:0x{other:04x} did not decode every frame')
    expect(count('-o', f'afc.ethertype:{other}') == len(frames), 'a decimal preference')
    print(f'0x{et:04x} rewritten to 0x{other:04x}: decoded with the preference only')


def main():
    case, d = sys.argv[1], sys.argv[2]
    try:
        frames, injected = load(d)
        globals()['case_' + case](frames, injected)
    except Fail as e:
        print(e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
