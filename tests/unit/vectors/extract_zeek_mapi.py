#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cut the connect-level DCE/RPC responses out of Zeek's dce-rpc/mapi.pcap
(an Exchange server's EPM, NSPI and EMSMDB over ncacn_ip_tcp; zeek/zeek @
a13de64fbbdb01f90961c04719b308fbbb6d199e, testing/btest/Traces/dce-rpc/
mapi.pcap, BSD licence, zeek's COPYING) into zeek_mapi_connect_level.txt,
the vectors of tests/unit/test_realbytes.c.

The server's side of each TCP stream is put together from tshark's
segments, cut into PDUs by frag_length, and each PDU is checked against
what tshark's DCE/RPC dissector shows for it (call id, frag_length,
auth_length, auth level 2 = connect, auth_pad_length).  A call's stub is
what tshark shows as its payload stub data: each fragment's bytes after
the 24-byte response header, up to the sec_trailer's pad.

Usage: extract_zeek_mapi.py PCAP > zeek_mapi_connect_level.txt
(needs tshark; run by hand, its output is checked in)."""
import struct
import zlib
import subprocess
import sys

PCAP = sys.argv[1]


def tshark(*args):
    return subprocess.run(['tshark', '-r', PCAP] + list(args), capture_output=True,
                          text=True, check=True).stdout.splitlines()


# tshark's view of every connect-level response PDU, in stream order.
seen = {}
for line in tshark('-Y', 'dcerpc.pkt_type == 2 && dcerpc.auth_level == 2', '-T', 'fields',
                   '-E', 'separator=|', '-E', 'occurrence=a', '-e', 'tcp.stream',
                   '-e', 'dcerpc.cn_call_id', '-e', 'dcerpc.cn_frag_len',
                   '-e', 'dcerpc.cn_auth_len', '-e', 'dcerpc.auth_pad_len',
                   '-e', 'dcerpc.payload_stub_data', '-e', 'frame.number'):
    stream, call, frag, alen, pad, _, frame = line.split('|')
    for c, f, a, p in zip(call.split(','), frag.split(','), alen.split(','), pad.split(',')):
        seen.setdefault(int(stream), []).append((int(c), int(f), int(a), int(p), int(frame)))

# The server's bytes of those streams (port 1032 and 4997 serve; the
# client connects from the other end).
segs = {}
for line in tshark('-Y', 'tcp.len > 0', '-T', 'fields', '-E', 'separator=|',
                   '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.seq',
                   '-e', 'tcp.payload'):
    stream, sport, seq, payload = line.split('|')
    stream = int(stream)
    if stream in seen and sport in ('1032', '4997'):
        segs.setdefault(stream, {})[int(seq)] = bytes.fromhex(payload)

print('# Connect-level DCE/RPC responses of an Exchange server, cut from Zeek\'s')
print('# testing/btest/Traces/dce-rpc/mapi.pcap (zeek/zeek @ a13de64fbbdb01f9, BSD')
print('# licence) by extract_zeek_mapi.py; each checked against tshark\'s dissector.')
print('# "pdu HEX" lines are one call\'s fragments, "stub LEN CRC32" the length and')
print('# CRC-32 (zlib\'s) of the stub they decode to: tshark\'s payload stub data,')
print('# auth pad, sec_trailer and verifier removed.')
total = 0
for stream in sorted(seen):
    data = b''
    base = min(segs[stream])
    for seq in sorted(segs[stream]):
        seq -= base
        if seq == len(data):
            data += segs[stream][seq + base]
        elif seq < len(data):
            continue  # a retransmission
        else:
            sys.exit('stream %d: gap at %d' % (stream, seq))
    want = list(seen[stream])
    off = 0
    call_pdus, stub = [], b''
    while off + 16 <= len(data) and want:
        ptype, flags = data[off + 2], data[off + 3]
        frag, alen, call = struct.unpack_from('<HHI', data, off + 8)
        pdu = data[off:off + frag]
        off += frag
        if ptype != 2 or not alen or pdu[frag - alen - 8 + 1] != 2:
            continue  # not a connect-level response
        pad = pdu[frag - alen - 8 + 2]
        c, f, a, p, frame = want.pop(0)
        if (c, f, a, p) != (call, frag, alen, pad):
            sys.exit('stream %d frame %d: tshark says %r, bytes say %r' %
                     (stream, frame, (c, f, a, p), (call, frag, alen, pad)))
        call_pdus.append(pdu)
        stub += pdu[24:frag - alen - 8 - pad]
        if flags & 2:
            print('# stream %d, call %d, frame %d, %d fragment(s), auth_pad_length %d' %
                  (stream, call, frame, len(call_pdus), pad))
            for x in call_pdus:
                print('pdu ' + x.hex())
            print('stub %d %08x' % (len(stub), zlib.crc32(stub)))
            total += len(call_pdus)
            call_pdus, stub = [], b''
    if want:
        sys.exit('stream %d: %d responses not found in the bytes' % (stream, len(want)))
print('# %d PDUs' % total)
