#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe pair done by an independent client, impacket: NTLM bind at
privacy and at connect, EcDoConnectEx, EcDoDisconnect.  Used by the
responder's self-test and by the benchmark.

  impacket_client.py PORT MAILBOX-DN
      RPC over HTTP v2 via the RPC proxy (TLS, user EXAMPLE\\probe).
      Prints "encrypted ec=0x.. unencrypted ec=0x..".
  impacket_client.py --tcp EPM-PORT MAILBOX-DN [HOST]
      ncacn_ip_tcp: asks the endpoint mapper on EPM-PORT for EMSMDB (hept_map
      and a second ept_map on the same association, whose tower is decoded
      floor by floor), then probes the port it names.  Prints
      "binding=ncacn_ip_tcp:HOST[P] floors=P/IP encrypted ec=0x.. unencrypted ec=0x..",
      or "epm error 0x.." when the lookup fails.
  impacket_client.py --epm EPM-PORT UUID VERSION [HOST]
      Only the lookup, for any interface: prints "binding=..." or "epm error 0x..".
  impacket_client.py --epm-lookup EPM-PORT [HOST]
      ept_lookup (opnum 2, not served): prints "epm error 0x..".
  impacket_client.py --anon TCP-PORT [HOST]
      Binds EMSMDB over ncacn_ip_tcp without authentication: prints
      "bind accepted" or "bind rejected (...)".
  A leading "--max-frag N" makes the logons send their requests in
  fragments of at most N stub bytes.  A leading "--remote-name NAME" puts
  NAME (e.g. <mailbox GUID>@<domain>) in the RPC proxy URL instead of
  localhost and adds " server=A.B.C.D" (rgwServerVersion of the encrypted
  logon) to the RPC over HTTP line."""
import socket
import struct
import sys

from impacket.dcerpc.v5 import epm, rpcrt, transport
from impacket.dcerpc.v5.dtypes import DWORD, STR, USHORT
from impacket.dcerpc.v5.ndr import NDRCALL, NDRSTRUCT, NDRUniConformantArray
from impacket.uuid import uuidtup_to_bin



def _recv_or_raise(self, forceRecv=0, count=0):
    """impacket 0.10's TCPTransport.recv(count=N) loops forever once the peer
    has closed (recv keeps returning b''); end the call instead."""
    sock = self.get_socket()
    if not count:
        return sock.recv(8192)
    buf = b''
    while len(buf) < count:
        chunk = sock.recv(count - len(buf))
        if not chunk:
            raise rpcrt.DCERPCException('connection closed by the server')
        buf += chunk
    return buf


transport.TCPTransport.recv = _recv_or_raise
TIMEOUT = 10  # seconds for connect and for each receive on ncacn_ip_tcp
MAX_FRAG = 0  # request stub bytes per fragment, 0: impacket's default
REMOTE = None  # RemoteName in the RPC proxy URL; None: localhost
VERSIONS = []  # rgwServerVersion of each logged-on EcDoConnectEx

EMSMDB = uuidtup_to_bin(('A4F1DB00-CA47-1067-B31F-00DD010662DA', '0.81'))
NDR = uuidtup_to_bin(('8a885d04-1ceb-11c9-9fe8-08002b104860', '2.0'))


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


def http_transport(port):
    t = transport.DCERPCTransportFactory('ncacn_http:%s[6001]' % (REMOTE or 'localhost'))
    t.set_rpc_proxy_url('https://localhost:%d/rpc/rpcproxy.dll' % port)
    t.set_credentials('probe', 'Secret123!', 'EXAMPLE')
    return t


def probe(t, dn, level):
    dce = t.get_dce_rpc()
    dce.set_credentials('probe', 'Secret123!', 'EXAMPLE')
    dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
    dce.set_auth_level(level)
    dce.connect()
    dce.bind(EMSMDB)
    if MAX_FRAG:
        dce.set_max_fragment_size(MAX_FRAG)
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
        VERSIONS.append(server_version(answer))
        d = EcDoDisconnect()
        d['pcxh'] = answer[:20]
        dce.call(d.opnum, d)
        dce.recv()
    dce.disconnect()
    return ec


def server_version(stub):
    """rgwServerVersion from an EcDoConnectEx response (MS-OXCRPC 3.1.4.1):
    after the handle and four scalars come two unique strings, then the
    three version words (new format: major<<8|minor, 0x8000|build, rev)."""
    off = 36
    for _ in range(2):
        ref = struct.unpack_from('<I', stub, off)[0]
        off += 4
        if ref:
            actual = struct.unpack_from('<I', stub, off + 8)[0]
            off += 12 + actual
            off += (4 - off % 4) % 4
    off += off % 2
    w = struct.unpack_from('<HHH', stub, off)
    return '%d.%d.%d.%d' % (w[0] >> 8, w[0] & 0xff, w[1] & 0x7fff, w[2])


def epm_connect(host, epm_port):
    """Anonymous association with the endpoint mapper."""
    t = transport.DCERPCTransportFactory('ncacn_ip_tcp:%s[%d]' % (host, epm_port))
    t.set_connect_timeout(TIMEOUT)
    dce = t.get_dce_rpc()
    dce.connect()
    return dce


def tower_floors(dce, iface):
    """ept_map done by hand with impacket's structures (the map tower asks
    for ncacn_ip_tcp); returns "PORT/IPV4" read from floors 4 and 5."""
    tower = epm.EPMTower()
    i = epm.EPMRPCInterface()
    i['InterfaceUUID'] = iface[:16]
    i['MajorVersion'], i['MinorVersion'] = struct.unpack('<HH', iface[16:20])
    ndr = epm.EPMRPCDataRepresentation()
    ndr['DataRepUuid'] = NDR[:16]
    ndr['MajorVersion'] = 2
    proto = epm.EPMProtocolIdentifier()
    proto['ProtIdentifier'] = 0x0b
    port, host = epm.EPMPortAddr(), epm.EPMHostAddr()
    host['Ip4addr'] = socket.inet_aton('0.0.0.0')
    tower['NumberOfFloors'] = 5
    tower['Floors'] = i.getData() + ndr.getData() + proto.getData() + port.getData() + \
        host.getData()
    req = epm.ept_map()
    req['obj'] = epm.NULL
    req['map_tower']['tower_length'] = len(tower)
    req['map_tower']['tower_octet_string'] = tower.getData()
    req['max_towers'] = 4
    resp = dce.request(req)
    got = epm.EPMTower(b''.join(resp['ITowers'][0]['Data']['tower_octet_string']))
    floors = got['Floors']
    if resp['num_towers'] != 1 or got['NumberOfFloors'] != 5:
        raise ValueError('%d towers of %d floors' % (resp['num_towers'], got['NumberOfFloors']))
    p = epm.EPMPortAddr(floors[3].getData())
    a = epm.EPMHostAddr(floors[4].getData())
    if p['PortIdentifier'] != 7 or a['HostAddressId'] != 9:
        raise ValueError('floor ids %d/%d' % (p['PortIdentifier'], a['HostAddressId']))
    return '%d/%s' % (p['IpPort'], socket.inet_ntoa(a['Ip4addr']))


def main(argv):
    global MAX_FRAG, REMOTE
    if argv[0] == '--max-frag':
        MAX_FRAG, argv = int(argv[1]), argv[2:]
    if argv[0] == '--remote-name':
        REMOTE, argv = argv[1], argv[2:]
    if argv[0] == '--anon':
        t = transport.DCERPCTransportFactory('ncacn_ip_tcp:%s[%s]' % (
            argv[2] if argv[2:] else '127.0.0.1', argv[1]))
        t.set_connect_timeout(TIMEOUT)
        dce = t.get_dce_rpc()
        dce.connect()
        try:
            dce.bind(EMSMDB)
        except rpcrt.DCERPCException as e:
            return 'bind rejected (%s)' % e
        finally:
            dce.disconnect()
        return 'bind accepted'
    if argv[0] == '--none':
        # Over RPC/HTTP with no RPC-level authentication (RPC_C_AUTHN_LEVEL_NONE):
        # the bind carries no auth trailer.
        try:
            return 'none ec=0x%x' % probe(http_transport(int(argv[1])), argv[2],
                                          rpcrt.RPC_C_AUTHN_LEVEL_NONE)
        except rpcrt.DCERPCException as e:
            return 'bind rejected (%s)' % e
    if argv[0] not in ('--tcp', '--epm', '--epm-lookup'):
        port, dn = int(argv[0]), argv[1]
        a = probe(http_transport(port), dn, rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        b = probe(http_transport(port), dn, rpcrt.RPC_C_AUTHN_LEVEL_CONNECT)
        return 'encrypted ec=0x%x unencrypted ec=0x%x%s' % (
            a, b, ' server=%s' % VERSIONS[0] if REMOTE and VERSIONS else '')
    mode, epm_port = argv[0], int(argv[1])
    host = {'--tcp': argv[3:4], '--epm': argv[4:5], '--epm-lookup': argv[2:3]}[mode] \
        or ['127.0.0.1']
    host = host[0]
    try:
        dce = epm_connect(host, epm_port)
        if mode == '--epm-lookup':
            epm.hept_lookup(host, dce=dce)
            return 'epm lookup answered'
        iface = EMSMDB if mode == '--tcp' else uuidtup_to_bin((argv[2], argv[3]))
        binding = epm.hept_map(host, iface, protocol='ncacn_ip_tcp', dce=dce)
        floors = tower_floors(dce, iface) if mode == '--tcp' else None
        dce.disconnect()
    except socket.timeout:
        return 'epm error (timed out)'
    except rpcrt.DCERPCException as e:
        code = e.get_error_code()  # None for a fault PDU: only the text
        return 'epm error %s(%s)' % ('0x%x ' % code if code else '', e)
    if mode == '--epm':
        return 'binding=%s' % binding

    def tcp():
        t = transport.DCERPCTransportFactory(binding)
        t.set_connect_timeout(TIMEOUT)
        return t
    a = probe(tcp(), argv[2], rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    b = probe(tcp(), argv[2], rpcrt.RPC_C_AUTHN_LEVEL_CONNECT)
    return 'binding=%s floors=%s encrypted ec=0x%x unencrypted ec=0x%x' % (binding, floors, a, b)


if __name__ == '__main__':
    print(main(sys.argv[1:]))
