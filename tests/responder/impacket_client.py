#!/usr/bin/python3
"""The probe pair done by an independent client, impacket: RPC over HTTP v2
via the RPC proxy, NTLM bind at privacy and at connect, EcDoConnectEx,
EcDoDisconnect.  Used by the responder's self-test and by the benchmark.
Usage: impacket_client.py PORT MAILBOX-DN   (TLS, user EXAMPLE\\probe)
Prints "encrypted ec=0x.. unencrypted ec=0x.."."""
import struct
import sys

from impacket.dcerpc.v5 import rpcrt, transport
from impacket.dcerpc.v5.dtypes import DWORD, STR, USHORT
from impacket.dcerpc.v5.ndr import NDRCALL, NDRSTRUCT, NDRUniConformantArray
from impacket.uuid import uuidtup_to_bin

EMSMDB = uuidtup_to_bin(('A4F1DB00-CA47-1067-B31F-00DD010662DA', '0.81'))


class USHORT3(NDRSTRUCT):
    structure = (('w0', '<H'), ('w1', '<H'), ('w2', '<H'))

    def getAlignment(self):
        return 2


class BYTES(NDRUniConformantArray):
    item = 'c'


class EcDoConnectEx(NDRCALL):
    opnum = 10
    structure = (('szUserDN', STR), ('ulFlags', DWORD), ('ulConMod', DWORD),
                 ('cbLimit', DWORD), ('ulCpid', DWORD), ('ulLcidString', DWORD),
                 ('ulLcidSort', DWORD), ('ulIcxrLink', DWORD),
                 ('usFCanConvertCodePages', USHORT), ('rgwClientVersion', USHORT3),
                 ('pulTimeStamp', DWORD), ('rgbAuxIn', BYTES), ('cbAuxIn', DWORD),
                 ('pcbAuxOut', DWORD))


class EcDoDisconnect(NDRCALL):
    opnum = 1
    structure = (('pcxh', '20s'),)


def probe(port, dn, level):
    t = transport.DCERPCTransportFactory('ncacn_http:localhost[6001]')
    t.set_rpc_proxy_url('https://localhost:%d/rpc/rpcproxy.dll' % port)
    t.set_credentials('probe', 'Secret123!', 'EXAMPLE')
    dce = t.get_dce_rpc()
    dce.set_credentials('probe', 'Secret123!', 'EXAMPLE')
    dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
    dce.set_auth_level(level)
    dce.connect()
    dce.bind(EMSMDB)
    req = EcDoConnectEx()
    req['szUserDN'] = dn + '\x00'
    for k, v in (('ulFlags', 0), ('ulConMod', 0), ('cbLimit', 0), ('ulCpid', 1252),
                 ('ulLcidString', 1033), ('ulLcidSort', 1033), ('ulIcxrLink', 0xFFFFFFFF),
                 ('usFCanConvertCodePages', 1), ('pulTimeStamp', 0), ('cbAuxIn', 0),
                 ('pcbAuxOut', 0x1008)):
        req[k] = v
    req['rgbAuxIn'] = b''
    for i, w in enumerate((0x1000, 0x8000 | 18025, 0)):
        req['rgwClientVersion']['w%d' % i] = w
    dce.call(req.opnum, req)
    answer = dce.recv()
    ec = struct.unpack('<I', answer[-4:])[0]
    if ec == 0:
        d = EcDoDisconnect()
        d['pcxh'] = answer[:20]
        dce.call(d.opnum, d)
        dce.recv()
    dce.disconnect()
    return ec


if __name__ == '__main__':
    port, dn = int(sys.argv[1]), sys.argv[2]
    a = probe(port, dn, rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    b = probe(port, dn, rpcrt.RPC_C_AUTHN_LEVEL_CONNECT)
    print('encrypted ec=0x%x unencrypted ec=0x%x' % (a, b))
