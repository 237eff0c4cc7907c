#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cross-check lib/'s RTS, DCE/RPC, NTLM sealing and EMSMDB NDR against an
independent implementation, impacket: lib/ encodes -> impacket decodes or
re-encodes byte for byte, impacket encodes -> lib/ decodes.

Usage: codec_vectors.py PATH-TO-codec_tool
Prints one line per check and a final "N passed, N failed"."""
import os
import random
import struct
import subprocess
import sys

from Cryptodome.Cipher import ARC4
from impacket import ntlm
import socket

from impacket.dcerpc.v5 import epm, rpch, rpcrt
from impacket.dcerpc.v5.dtypes import DWORD, NULL, USHORT
from impacket.dcerpc.v5.ndr import (NDRCALL, NDRPOINTER, NDRSTRUCT,
                                    NDRUniConformantArray,
                                    NDRUniConformantVaryingArray)
from impacket.dcerpc.v5.dtypes import STR
from impacket.uuid import uuidtup_to_bin

TOOL = sys.argv[1]
rng = random.Random(20161)
passed = failed = 0


def tool(*args):
    out = subprocess.run([TOOL] + [str(a) for a in args], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0 and not out.stdout.startswith('error'):
        raise RuntimeError('codec_tool %s failed: %s %s' % (args[0], out.stdout, out.stderr))
    return out.stdout.strip()


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print('ok   ' + name)
    else:
        failed += 1
        print('FAIL %s %s' % (name, detail))


def rb(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


# --- RTS (MS-RPCH 2.2.4) ---------------------------------------------------
for i in range(5):
    vc, oc, ic, ag = rb(16), rb(16), rb(16), rb(16)
    win = rng.choice([65536, 131072, 262144])
    got = bytes.fromhex(tool('a1', vc.hex(), oc.hex(), win))
    want = rpch.hCONN_A1(vc, oc, win)
    check('CONN/A1 #%d matches impacket (%d bytes)' % (i, len(got)), got == want,
          got.hex() + ' != ' + want.hex())
    want = rpch.hCONN_B1(vc, ic, ag)
    b1 = rpch.CONN_B1_RTS_PDU(want[20:])
    got = bytes.fromhex(tool('b1', vc.hex(), ic.hex(),
                             b1['ChannelLifetime']['ChannelLifetime'],
                             b1['ClientKeepalive']['ClientKeepalive'], ag.hex()))
    check('CONN/B1 #%d matches impacket (%d bytes)' % (i, len(got)), got == want,
          got.hex() + ' != ' + want.hex())
    nbytes = rng.randrange(1 << 20)
    got = bytes.fromhex(tool('fca', nbytes, win, oc.hex()))
    want = rpch.hFlowControlAckWithDestination(rpch.FDOutProxy, nbytes, win, oc)
    check('FlowControlAck #%d matches impacket' % i, got == want,
          got.hex() + ' != ' + want.hex())

# --- bind / auth3 (C706 12.6.4.3, MS-RPCE 2.2.2.11) ---------------------------
EMSMDB = uuidtup_to_bin(('A4F1DB00-CA47-1067-B31F-00DD010662DA', '0.81'))
NDR = uuidtup_to_bin(('8a885d04-1ceb-11c9-9fe8-08002b104860', '2.0'))
for level in (2, 5, 6):
    token = rb(rng.randrange(32, 60))
    pdu = bytes.fromhex(tool('bind', level, token.hex()))
    hdr = rpcrt.MSRPCHeader(pdu)
    bind = rpcrt.MSRPCBind(hdr['pduData'])
    item = rpcrt.CtxItem(bind['ctx_items'])
    trailer = rpcrt.SEC_TRAILER(hdr['sec_trailer'])
    ok = (hdr['type'] == rpcrt.MSRPC_BIND and hdr['frag_len'] == len(pdu)
          and hdr['auth_len'] == len(token) and bind['ctx_num'] == 1
          and item['AbstractSyntax'] == EMSMDB and item['TransferSyntax'] == NDR
          and trailer['auth_type'] == 10 and trailer['auth_level'] == level
          and hdr['auth_data'] == token)
    check('bind at level %d parses in impacket' % level, ok)
token = rb(80)
pdu = bytes.fromhex(tool('auth3', token.hex()))
hdr = rpcrt.MSRPCHeader(pdu)
check('auth3 parses in impacket', hdr['type'] == rpcrt.MSRPC_AUTH3 and
      hdr['auth_data'] == token and hdr['frag_len'] == len(pdu))

# --- sealed and signed requests (MS-NLMP 3.4.3 over MS-RPCE) -----------------
FLAGS = (ntlm.NTLMSSP_NEGOTIATE_56 | ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH |
         ntlm.NTLMSSP_NEGOTIATE_128 | ntlm.NTLMSSP_NEGOTIATE_VERSION |
         ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
         ntlm.NTLMSSP_NEGOTIATE_ALWAYS_SIGN | ntlm.NTLMSSP_NEGOTIATE_NTLM |
         ntlm.NTLMSSP_NEGOTIATE_SEAL | ntlm.NTLMSSP_NEGOTIATE_SIGN |
         ntlm.NTLMSSP_REQUEST_TARGET | 0x00000002 |
         ntlm.NTLMSSP_NEGOTIATE_UNICODE)


def expected_request(level, key, opnum, stub, call_id=2):
    """One-fragment request built the way MS-RPCE + MS-NLMP describe."""
    pad = (16 - len(stub) % 16) % 16
    body = stub + b'\x00' * pad
    trailer = struct.pack('<BBBBI', 10, level, pad, 0, 79231)
    frag = 24 + len(body) + 8 + 16
    hdr = struct.pack('<BBBB4sHHI', 5, 0, 0, 3, b'\x10\x00\x00\x00', frag, 16,
                      call_id) + struct.pack('<IHH', len(stub), 0, opnum)
    signkey = ntlm.SIGNKEY(FLAGS, key)
    sealkey = ntlm.SEALKEY(FLAGS, key)
    handle = ARC4.new(sealkey).encrypt
    to_sign = hdr + body + trailer
    if level == 6:
        sealed, sig = ntlm.SEAL(FLAGS, signkey, sealkey, to_sign, body, 0, handle)
        return hdr + sealed + trailer + sig.getData()
    sig = ntlm.SIGN(FLAGS, signkey, to_sign, 0, handle)
    return hdr + body + trailer + sig.getData()


for level in (5, 6):
    for n in (1, 15, 16, 17, 200, 1000):
        key, stub = rb(16), rb(n)
        got = bytes.fromhex(tool('request', level, key.hex(), 10, 5840, stub.hex()))
        want = expected_request(level, key, 10, stub)
        check('request level %d stub %d bytes equals the spec construction' % (level, n),
              got == want, got.hex()[:80] + ' != ' + want.hex()[:80])

# fragmentation: stub larger than one fragment -> several PDUs, each parses
key, stub = rb(16), rb(3000)
got = bytes.fromhex(tool('request', 6, key.hex(), 10, 1432, stub.hex()))
frags, off = [], 0
while off < len(got):
    h = rpcrt.MSRPCHeader(got[off:])
    frags.append(h)
    off += h['frag_len']
check('request of 3000 bytes at max_xmit_frag 1432 makes %d fragments of <= 1432' % len(frags),
      len(frags) == 3 and all(f['frag_len'] <= 1432 for f in frags)
      and frags[0]['flags'] & 1 and frags[-1]['flags'] & 2
      and not (frags[1]['flags'] & 3), str([(f['frag_len'], f['flags']) for f in frags]))
# plain request at level connect carries no verifier
stub = rb(40)
got = bytes.fromhex(tool('request', 2, rb(16).hex(), 1, 5840, stub.hex()))
h = rpcrt.MSRPCRequestHeader(got)
check('request at level connect has no auth trailer',
      h['auth_len'] == 0 and h['frag_len'] == 24 + 40 and h['pduData'] == stub)


# --- responses from the server direction ---------------------------------------
def server_response(level, key, stub, seq=0, call_id=2, pad_align=16,
                    handle=None, flags=3):
    pad = (pad_align - len(stub) % pad_align) % pad_align
    body = stub + b'\xbb' * pad
    trailer = struct.pack('<BBBBI', 10, level, pad, 0, 79231)
    frag = 24 + len(body) + 8 + 16
    hdr = struct.pack('<BBBB4sHHI', 5, 0, 2, flags, b'\x10\x00\x00\x00', frag, 16,
                      call_id) + struct.pack('<IHBB', len(stub), 0, 0, 0)
    signkey = ntlm.SIGNKEY(FLAGS, key, b'Server')
    sealkey = ntlm.SEALKEY(FLAGS, key, b'Server')
    handle = handle or ARC4.new(sealkey).encrypt
    to_sign = hdr + body + trailer
    if level == 6:
        sealed, sig = ntlm.SEAL(FLAGS, signkey, sealkey, to_sign, body, seq, handle)
        return hdr + sealed + trailer + sig.getData()
    sig = ntlm.SIGN(FLAGS, signkey, to_sign, seq, handle)
    return hdr + body + trailer + sig.getData()


for level in (5, 6):
    for align in (4, 16):
        key, stub = rb(16), rb(rng.randrange(1, 300))
        pdu = server_response(level, key, stub, pad_align=align)
        got = tool('response', level, key.hex(), pdu.hex())
        check('response level %d padded to %d verifies and yields the stub' % (level, align),
              got == stub.hex(), got[:60])
        bad = bytearray(pdu)
        bad[-9] ^= 0x01  # one bit of the checksum
        got = tool('response', level, key.hex(), bytes(bad).hex())
        check('response level %d with one flipped signature bit is rejected' % level,
              got.startswith('error'), got[:60])
        bad = bytearray(pdu)
        bad[30] ^= 0x80  # one bit of the stub
        got = tool('response', level, key.hex(), bytes(bad).hex())
        check('response level %d with one flipped stub bit is rejected' % level,
              got.startswith('error'), got[:60])
# two fragments, one RC4 stream and consecutive sequence numbers
key = rb(16)
stub1, stub2 = rb(64), rb(40)
handle = ARC4.new(ntlm.SEALKEY(FLAGS, key, b'Server')).encrypt
p1 = server_response(6, key, stub1, seq=0, handle=handle, flags=1)
p2 = server_response(6, key, stub2, seq=1, handle=handle, flags=2)
got = tool('response', 6, key.hex(), p1.hex(), p2.hex())
check('two-fragment sealed response reassembles', got == (stub1 + stub2).hex(), got[:60])
got = tool('response', 6, key.hex(), p1.hex())
check('first fragment alone is incomplete', got == 'incomplete', got)
got = tool('response', 6, key.hex(), p2.hex())
check('last fragment without a first is rejected', got.startswith('error'), got)


# --- EMSMDB NDR (MS-OXCRPC 3.1.4.1) ----------------------------------------------
class USHORT3(NDRSTRUCT):
    """unsigned short [3]: NDR aligns the array to 2."""
    structure = (('w0', '<H'), ('w1', '<H'), ('w2', '<H'))

    def getAlignment(self):
        return 2


class BYTE_CARRAY(NDRUniConformantArray):
    item = 'c'


class BYTE_CVARRAY(NDRUniConformantVaryingArray):
    item = 'c'


class EcDoConnectEx(NDRCALL):
    opnum = 10
    structure = (
        ('szUserDN', STR),
        ('ulFlags', DWORD),
        ('ulConMod', DWORD),
        ('cbLimit', DWORD),
        ('ulCpid', DWORD),
        ('ulLcidString', DWORD),
        ('ulLcidSort', DWORD),
        ('ulIcxrLink', DWORD),
        ('usFCanConvertCodePages', USHORT),
        ('rgwClientVersion', USHORT3),
        ('pulTimeStamp', DWORD),
        ('rgbAuxIn', BYTE_CARRAY),
        ('cbAuxIn', DWORD),
        ('pcbAuxOut', DWORD),
    )


class LPSTR_UNIQUE(NDRPOINTER):
    referent = (('Data', STR),)


class EcDoConnectExResponse(NDRCALL):
    structure = (
        ('pcxh', '20s'),
        ('pcmsPollsMax', DWORD),
        ('pcRetry', DWORD),
        ('pcmsRetryDelay', DWORD),
        ('picxr', USHORT),
        ('szDNPrefix', LPSTR_UNIQUE),
        ('szDisplayName', LPSTR_UNIQUE),
        ('rgwServerVersion', USHORT3),
        ('rgwBestVersion', USHORT3),
        ('pulTimeStamp', DWORD),
        ('rgbAuxOut', BYTE_CVARRAY),
        ('pcbAuxOut', DWORD),
        ('ErrorCode', DWORD),
    )


for dn, ver, words in (
        ('/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=probe',
         '16.0.18025.20000', (0x1000, 0x8000 | 18025, 20000)),
        ('/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=a',
         '11.0.8161', (11, 0, 8161)),
        ('/o=X/cn=abc', '12.0.4518.1014', (0x0c00, 0x8000 | 4518, 1014))):
    req = EcDoConnectEx()
    req['szUserDN'] = dn + '\x00'
    req['ulFlags'] = 0
    req['ulConMod'] = 0
    req['cbLimit'] = 0
    req['ulCpid'] = 1252
    req['ulLcidString'] = 1033
    req['ulLcidSort'] = 1033
    req['ulIcxrLink'] = 0xFFFFFFFF
    req['usFCanConvertCodePages'] = 1
    for k in range(3):
        req['rgwClientVersion']['w%d' % k] = words[k]
    req['pulTimeStamp'] = 0
    req['rgbAuxIn'] = b''
    req['cbAuxIn'] = 0
    req['pcbAuxOut'] = 0x1008
    want = bytearray(req.getData())
    # NDR leaves the content of alignment padding open; impacket fills it
    # with 0xbf, lib/ with zeros.
    pad_at = 12 + len(dn) + 1
    for k in range((4 - pad_at % 4) % 4):
        want[pad_at + k] = 0
    want = bytes(want)
    got = bytes.fromhex(tool('connect', dn, ver))
    check('EcDoConnectEx request for %s (%s) equals impacket NDR' % (dn[-12:], ver),
          got == want, got.hex() + ' != ' + want.hex())


def connect_response(ec, name, prefix, version, aux=b''):
    r = EcDoConnectExResponse()
    r['pcxh'] = rb(20) if ec == 0 else b'\x00' * 20
    r['pcmsPollsMax'] = 60000
    r['pcRetry'] = 6
    r['pcmsRetryDelay'] = 10000
    r['picxr'] = 7
    if prefix is None:
        r['szDNPrefix'] = NULL
    else:
        r['szDNPrefix'] = prefix + '\x00'
    if name is None:
        r['szDisplayName'] = NULL
    else:
        r['szDisplayName'] = name + '\x00'
    for k in range(3):
        r['rgwServerVersion']['w%d' % k] = version[k]
        r['rgwBestVersion']['w%d' % k] = version[k]
    r['pulTimeStamp'] = 12345
    r['rgbAuxOut'] = aux
    r['pcbAuxOut'] = len(aux)
    r['ErrorCode'] = ec
    return r.getData()


stub = connect_response(0, 'EXCH01', '/o=Example/cn=Servers/cn=', (0x0e03, 0x8000 | 123, 4))
got = tool('connect-response', stub.hex())
check('EcDoConnectEx success response from impacket parses',
      got == 'ec=0 version=14.3.123.4 name=EXCH01 prefix=/o=Example/cn=Servers/cn= polls=60000', got)
stub = connect_response(0x970, None, None, (0x0e03, 0x8000 | 123, 4))
got = tool('connect-response', stub.hex())
check('EcDoConnectEx ecNotEncrypted response (NULL strings) parses',
      got.startswith('ec=2416 ') and 'name=-' in got, got)
stub = connect_response(0, 'E', 'p', (15, 1, 2), aux=rb(48))
got = tool('connect-response', stub.hex())
check('EcDoConnectEx response with rgbAuxOut parses', got.startswith('ec=0 version=15.1.2'), got)
for cut in (1, 7, 40, len(stub) - 1):
    got = tool('connect-response', stub[:cut].hex())
    check('EcDoConnectEx response cut to %d bytes is rejected' % cut, got.startswith('error'), got)


# --- endpoint mapper ept_map (C706 appendix L, MS-RPCE 2.2.1.2) -------------
EMSMDB = uuidtup_to_bin(('a4f1db00-ca47-1067-b31f-00dd010662da', '0.81'))


def impacket_tower(port, ip, iface=EMSMDB):
    t = epm.EPMTower()
    f1 = epm.EPMRPCInterface()
    f1['InterfaceUUID'] = iface[:16]
    f1['MajorVersion'] = struct.unpack('<H', iface[16:18])[0]
    f1['MinorVersion'] = struct.unpack('<H', iface[18:20])[0]
    ndr = uuidtup_to_bin(('8a885d04-1ceb-11c9-9fe8-08002b104860', '2.0'))
    f2 = epm.EPMRPCDataRepresentation()
    f2['DataRepUuid'] = ndr[:16]
    f2['MajorVersion'] = 2
    f2['MinorVersion'] = 0
    f3 = epm.EPMProtocolIdentifier()
    f3['ProtIdentifier'] = epm.FLOOR_RPCV5_IDENTIFIER
    f4 = epm.EPMPortAddr()
    f4['IpPort'] = port
    f5 = epm.EPMHostAddr()
    f5['Ip4addr'] = socket.inet_aton(ip)
    t['NumberOfFloors'] = 5
    t['Floors'] = f1.getData() + f2.getData() + f3.getData() + f4.getData() + f5.getData()
    return t.getData()


got = bytes.fromhex(tool('epm-tower', 6004, '10.1.2.3'))
check('ncacn_ip_tcp tower equals impacket\'s', got == impacket_tower(6004, '10.1.2.3'),
      got.hex())
req = epm.ept_map()
stub = bytes.fromhex(tool('epm-request'))
req.fromString(stub)
tower = epm.EPMTower(b''.join(req['map_tower']['tower_octet_string']))
check('ept_map request parses in impacket (NULL object, 4 towers)',
      req['max_towers'] == 4 and stub[:4] == bytes(4) and
      req['entry_handle'].getData() == bytes(20), repr(req['max_towers']))
check('ept_map request asks for EMSMDB over ncacn_ip_tcp',
      tower['Floors'][0]['InterfaceUUID'] == EMSMDB[:16] and
      tower['Floors'][0]['MajorVersion'] == 0 and
      tower['Floors'][0]['MinorVersion'] == 81 and
      tower['Floors'][2]['ProtocolData'] == b'\x0b' and
      tower['Floors'][3]['ProtocolData'] == b'\x07' and
      tower['Floors'][3]['RelatedData'] == b'\x00\x00' and
      tower['Floors'][4]['ProtocolData'] == b'\x09', tower['Floors'][0]['InterfaceUUID'].hex())


def map_response(towers, status, max_towers=4):
    r = epm.ept_mapResponse()
    r['entry_handle'] = epm.ept_lookup_handle_t()
    r['num_towers'] = len(towers)
    ptrs = []
    for data in towers:
        p = epm.twr_p_t()
        p['tower_length'] = len(data)
        p['tower_octet_string'] = data
        ptrs.append(p)
    r['ITowers'] = ptrs
    r['status'] = status
    data = bytearray(r.getData())
    # impacket sends the array's maximum count as the actual count; a
    # Windows server sends the client's max_towers.
    struct.pack_into('<I', data, 24, max_towers)
    return bytes(data)


for port in (6001, 1025, 65535):
    stub = map_response([impacket_tower(port, '192.168.7.9')], 0)
    got = tool('epm-response', stub.hex())
    check('ept_map answer port %d from impacket decodes' % port,
          got == 'status=0x00000000 towers=1 found=1 port=%d ip=192.168.7.9' % port, got)
other = uuidtup_to_bin(('12345778-1234-abcd-ef00-0123456789ac', '1.0'))
stub = map_response([impacket_tower(49152, '10.0.0.1', other),
                     impacket_tower(6004, '10.0.0.2')], 0)
got = tool('epm-response', stub.hex())
check('ept_map answer picks the EMSMDB tower among several',
      got == 'status=0x00000000 towers=2 found=1 port=6004 ip=10.0.0.2', got)
stub = map_response([], 0x16c9a0d6)
got = tool('epm-response', stub.hex())
check('ept_map "not registered" answer decodes',
      got == 'status=0x16c9a0d6 towers=0 found=0 port=0 ip=0.0.0.0', got)
stub = map_response([impacket_tower(6001, '1.2.3.4')], 0)
for cut in (3, 24, 40, len(stub) - 5, len(stub) - 1):
    got = tool('epm-response', stub[:cut].hex())
    check('ept_map answer cut to %d bytes is rejected' % cut, got.startswith('error'), got)
bad = bytearray(stub)
struct.pack_into('<I', bad, 20, 3)  # num_towers lies
got = tool('epm-response', bytes(bad).hex())
check('ept_map answer with lying num_towers is rejected', got.startswith('error'), got)

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
