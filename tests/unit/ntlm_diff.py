#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Differential test of lib/ntlm against impacket.ntlm: random users (with
non-ASCII letters), domains, passwords (with characters outside the BMP),
server challenges and target infos, with and without MsvAvTimestamp.  For
each, lib/ builds NEGOTIATE and AUTHENTICATE (tests/unit/codec_tool ntlm)
and impacket's primitives check NTProofStr, the NTLMv2 blob, LMv2, the
encrypted session key and the MIC.

Usage: ntlm_diff.py PATH-TO-codec_tool [COUNT]"""
import hashlib
import hmac
import random
import struct
import subprocess
import sys

from Cryptodome.Cipher import ARC4
from impacket import ntlm

TOOL = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 60
rng = random.Random(424)
# Letters whose upper case is the same in Windows' table and Python's
# (no ß, no dotless i, no long s).
LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' \
          'éüñçøåäöÉÜÑÇαβγδωΩжЖяЯ.-_'
PW_CHARS = LETTERS + '!"#$%&()*+,/:;<=>?@[]^{|}~ €😀𝄞'
passed = failed = 0


def check(name, cond):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL ' + name)


def word(chars, lo, hi):
    return ''.join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def challenge(with_ts):
    av = ntlm.AV_PAIRS()
    av[ntlm.NTLMSSP_AV_DOMAINNAME] = word(LETTERS, 1, 15).upper().encode('utf-16le')
    av[ntlm.NTLMSSP_AV_HOSTNAME] = word(LETTERS, 1, 15).upper().encode('utf-16le')
    av[ntlm.NTLMSSP_AV_DNS_DOMAINNAME] = word(LETTERS, 1, 30).encode('utf-16le')
    if with_ts:
        av[ntlm.NTLMSSP_AV_TIME] = struct.pack('<Q', rng.getrandbits(63))
    if rng.random() < 0.5:
        av[ntlm.NTLMSSP_AV_FLAGS] = struct.pack('<I', 1)
    ti = av.getData()
    flags = 0xe2898215 | ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO
    name = word(LETTERS, 1, 10).encode('utf-16le')
    chal = bytes(rng.getrandbits(8) for _ in range(8))
    msg = (b'NTLMSSP\x00' + struct.pack('<IHHI', 2, len(name), len(name), 56) +
           struct.pack('<I', flags) + chal + b'\x00' * 8 +
           struct.pack('<HHI', len(ti), len(ti), 56 + len(name)) +
           b'\x0a\x00\x61\x4a\x00\x00\x00\x0f' + name + ti)
    return msg, chal, ti


def field(msg, off):
    ln, _, o = struct.unpack('<HHI', msg[off:off + 8])
    return msg[o:o + ln]


for i in range(COUNT):
    user, domain = word(LETTERS, 1, 20), word(LETTERS, 0, 15)
    password = word(PW_CHARS, 0, 24)
    with_ts = i % 2 == 0
    chal_msg, server_chal, ti = challenge(with_ts)
    client_chal = bytes(rng.getrandbits(8) for _ in range(8))
    exported = bytes(rng.getrandbits(8) for _ in range(16))
    out = subprocess.run([TOOL, 'ntlm', user, domain, password, chal_msg.hex(),
                          client_chal.hex(), exported.hex()],
                         capture_output=True, text=True)
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) != 2:
        check('case %d: tool failed: %s %s' % (i, out.stdout, out.stderr), False)
        continue
    neg, auth = bytes.fromhex(lines[0]), bytes.fromhex(lines[1])
    nt = field(auth, 20)
    lm = field(auth, 12)
    got_domain = field(auth, 28).decode('utf-16le')
    got_user = field(auth, 36).decode('utf-16le')
    enc_key = field(auth, 52)
    key = ntlm.NTOWFv2(user, password, domain)
    proof = hmac.new(key, server_chal + nt[16:], hashlib.md5).digest()
    check('case %d: names' % i, (got_user, got_domain) == (user, domain))
    check('case %d: NTProofStr' % i, proof == nt[:16])
    check('case %d: blob carries the client challenge' % i, nt[16 + 16:16 + 24] == client_chal)
    if with_ts:
        check('case %d: blob timestamp is the server\'s' % i, nt[16 + 8:16 + 16] == ti[ti.find(b'\x07\x00\x08\x00') + 4:][:8])
        check('case %d: LMv2 zero with a timestamp' % i, lm == b'\x00' * 24)
    else:
        want_lm = hmac.new(key, server_chal + client_chal, hashlib.md5).digest() + client_chal
        check('case %d: LMv2' % i, lm == want_lm)
    base = hmac.new(key, proof, hashlib.md5).digest()
    check('case %d: encrypted session key' % i, ARC4.new(base).decrypt(enc_key) == exported)
    mic = auth[72:88]
    if with_ts:
        zeroed = auth[:72] + b'\x00' * 16 + auth[88:]
        check('case %d: MIC' % i, mic == hmac.new(exported, neg + chal_msg + zeroed, hashlib.md5).digest())
        check('case %d: MsvAvFlags says MIC' % i, b'\x06\x00\x04\x00' in nt[16 + 28:])
    else:
        check('case %d: no MIC without a timestamp' % i, mic == b'\x00' * 16)

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
