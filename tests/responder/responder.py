#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Exchange-like Outlook Anywhere endpoint for tests and demos.

Behaves like an Exchange 2010 RPC proxy (RPC over HTTP v2, MS-RPCH) in front
of the EMSMDB store interface (MS-OXCRPC): HTTP auth, the RTS virtual
connection, DCE/RPC bind with NTLM at any level (the server side of NTLMv2 is
done here with impacket's primitives and Python's hmac/hashlib) or, with
--krb5-keytab, with Kerberos (krb_server.py, python3-gssapi), sign/seal of
requests and responses, and EcDoConnectEx / EcDoDisconnect with the
EncryptionRequired policy.  It is written independently of the C library it
tests.  Loopback only.

With --rpc-tcp it also serves the same EMSMDB interface over plain DCE/RPC
over TCP (ncacn_ip_tcp, as Exchange 2007/2010 does inside the LAN) and an
endpoint mapper (ept_map) that points at that port.  The DCE/RPC server
(bind, auth3, requests, fragmentation, sign/seal, fault knobs) is the same
code for both transports.

When ready it prints one line on stdout:  READY port=<port> ca=<ca.pem|->
and with --rpc-tcp:  READY port=<port> ca=<ca> tcp_port=<emsmdb> epm_port=<epm>
Logs (one line per phase event) go to stderr or --log FILE.  Connections on
the TCP ports are logged as conn=tcp-N (EMSMDB) and conn=epm-N (endpoint
mapper), each starting with "accept tcp connection from ..." or "accept epm
connection from ..."; HTTP connections as conn=N."""

import argparse
import hashlib
import hmac
import ipaddress
import os
import random
import select
import shutil
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
from uuid import UUID

from Cryptodome.Cipher import ARC4
from impacket import ntlm

import autodiscover
import httpauth
import spnego_server
import mapihttp

EMSMDB_UUID = bytes.fromhex('00dbf1a447ca6710b31f00dd010662da')  # wire order
NDR_UUID = bytes.fromhex('045d888aeb1cc9119fe808002b104860')
# EcDoConnectEx return codes (MS-OXCRPC 3.1.4.1, values of MS-OXCDATA 2.4).
EC_NOT_ENCRYPTED = 0x970
EC_UNKNOWN_USER = 0x3EB
EC_CLIENT_VER_DISALLOWED = 0x4DF
EC_RPC_HTTP_DISALLOWED = 0x4E0
EC_CACHED_MODE_REQUIRED = 0x4E1
EC_PROTOCOL_DISABLED = 0x7D8
# Clients below 12.00.0000.000 (Outlook 2003 and older) cannot receive
# these codes and get ecClientVerDisallowed instead (MS-OXCRPC 3.1.4.1,
# the ecClientVerDisallowed row; client versions in 3.2.4.1.3.2).
EC_NEEDS_12 = (EC_NOT_ENCRYPTED, EC_RPC_HTTP_DISALLOWED, EC_CACHED_MODE_REQUIRED,
               EC_PROTOCOL_DISABLED)
EPM_UUID = bytes.fromhex('0883afe11f5dc91191a408002b14a0fa')  # wire order
NCA_S_OP_RNG_ERROR = 0x1C010002
RPC_X_BAD_STUB_DATA = 0x6F7
EPT_S_NOT_REGISTERED = 0x16C9A0D6
ACCESS_DENIED = 5
PHASES = ('http-in', 'http-out', 'rts', 'bind', 'auth3', 'logon', 'disconnect', 'epm')

ARGS = None
LOG_LOCK = threading.Lock()
LOG_FILE = sys.stderr
CONN_IDS = iter(range(1, 1 << 30))
VCS = {}
VCS_LOCK = threading.Condition()


def log(conn, msg):
    with LOG_LOCK:
        LOG_FILE.write('responder: %.3f conn=%s %s\n' % (time.time(), conn, msg))
        LOG_FILE.flush()


class Fault:
    def __init__(self, spec):
        parts = spec.split(':', 2)
        if len(parts) < 2 or parts[0] not in PHASES:
            raise argparse.ArgumentTypeError('bad --fault %r (PHASE:KIND[:ARG])' % spec)
        self.phase, self.kind = parts[0], parts[1]
        self.arg = parts[2] if len(parts) > 2 else None
        if self.kind not in ('stall', 'close', 'truncate', 'garbage', 'status', 'rpc-error',
                             'fault', 'badsig', 'bind-nak', 'html', 'lie-frag',
                             'lie-auth', 'unexpected', 'drip', 'bogus', 'replay',
                             'in-status', 'cut401'):
            raise argparse.ArgumentTypeError('unknown fault kind %r' % self.kind)


def fault_for(phase):
    for f in ARGS.fault or []:
        if f.phase == phase:
            return f
    return None


class Abort(Exception):
    """End this connection (fault injection or protocol violation)."""


def stall(sock, conn):
    """Hold the connection open, answering nothing, until the peer leaves."""
    log(conn, 'fault stall')
    sock.settimeout(1.0)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if not sock.recv(65536):
                break
        except socket.timeout:
            continue
        except OSError:
            break
    raise Abort('stalled')


# --- HTTP --------------------------------------------------------------------

class Conn:
    def __init__(self, sock, peer):
        self.sock = sock
        self.peer = peer
        self.id = next(CONN_IDS)
        self.buf = b''
        self.ntlm_http = None  # server challenge state for HTTP NTLM
        self.http_user = None
        self.door = 'rpc'

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Abort('peer closed')
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_headers(self):
        while b'\r\n\r\n' not in self.buf:
            if len(self.buf) > 65536:
                raise Abort('header too large')
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Abort('peer closed')
            self.buf += chunk
        head, self.buf = self.buf.split(b'\r\n\r\n', 1)
        lines = head.decode('latin-1').split('\r\n')
        method, url, _ = lines[0].split(' ', 2)
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(':')
            headers[k.strip().lower()] = v.strip()
        return method, url, headers

    def send(self, data):
        self.sock.sendall(data)

    def respond(self, status, reason, headers=(), body=b'', close=False):
        out = 'HTTP/1.1 %d %s\r\n' % (status, reason)
        if ARGS.owa_version:
            out += 'X-OWA-Version: %s\r\n' % ARGS.owa_version
        for k, v in headers:
            out += '%s: %s\r\n' % (k, v)
        out += 'Content-Length: %d\r\n' % len(body)
        if close:
            out += 'Connection: close\r\n'
        self.send(out.encode() + b'\r\n' + body)


def user_matches(given, domain=None):
    """DOMAIN\\user, user@domain or user, case-insensitively."""
    u, d = given, domain
    if '\\' in given:
        d, u = given.split('\\', 1)
    elif '@' in given and domain in (None, ''):
        u, d = given.split('@', 1)
        d = d.split('.')[0]
    if u.lower() != ARGS.user.lower():
        return False
    return d in (None, '') or d.lower() == ARGS.domain.lower()


def check_http_auth(c, method, headers):
    """True when authenticated; otherwise a 401 was sent (tests/responder/
    httpauth.py: Basic, NTLM, NTLM inside Negotiate, Extended Protection;
    Kerberos for --http-auth negotiate)."""
    if ARGS.http_auth == 'negotiate':
        return check_kerberos_http(c, headers)
    return httpauth.authenticate(c, headers, method=method, door=c.door)


def check_kerberos_http(c, headers):
    """Negotiate with a Kerberos ticket (krb_server.py)."""
    scheme, _, token = headers.get('authorization', '').partition(' ')
    if scheme.lower() == 'negotiate':
        import krb_server
        user = krb_server.http_negotiate(ARGS.krb5_keytab, token)
        if user:
            c.http_user = user
            log(c.id, 'http auth=negotiate user=%s ok' % user)
            return True
        log(c.id, 'http auth=negotiate rejected')
    c.respond(401, 'Unauthorized', [('WWW-Authenticate', 'Negotiate')],
              b'<html><body>401 Unauthorized</body></html>')
    return False


def handle_connection(sock, peer):
    c = Conn(sock, peer)
    log(c.id, 'accept peer=%s:%s' % peer[:2])
    try:
        while True:
            method, url, headers = c.read_headers()
            clen = int(headers.get('content-length', '0') or 0)
            path, _, query = url.partition('?')
            # The IIS virtual directory (Extended Protection per door).
            c.door = ('mapi' if path.lower().startswith('/mapi') else
                      'rpc' if path.lower().startswith('/rpc') else 'autodiscover')
            log(c.id, 'http method=%s url=%s length=%d auth=%s' % (
                method, url, clen, headers.get('authorization', '').split(' ')[0] or '-'))
            handled = autodiscover.serve(c, method, path, headers, clen, check_http_auth)
            if handled is None:
                handled = mapihttp.serve(c, method, path, query, headers, clen, check_http_auth)
            if handled is not None:
                if handled:
                    continue
                return
            if method not in ('RPC_IN_DATA', 'RPC_OUT_DATA'):
                c.respond(405, 'Method Not Allowed', close=True)
                return
            if path.lower() != '/rpc/rpcproxy.dll':
                c.respond(404, 'Not Found', body=b'<html>404</html>', close=True)
                return
            phase = 'http-in' if method == 'RPC_IN_DATA' else 'http-out'
            f = fault_for(phase)
            if f and f.kind == 'cut401' and ARGS.http_auth != 'none':
                # The 401 of the HTTP authentication cut off: in its header
                # block, or (ARG body) in its body, then the close.
                log(c.id, 'fault cut401 %s' % (f.arg or 'headers'))
                if f.arg == 'body':
                    c.send(b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM\r\n'
                           b'WWW-Authenticate: Negotiate\r\nContent-Length: 200\r\n\r\n<html>401')
                else:
                    c.send(b'HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\nWWW-Authe')
                return
            # IIS authenticates before the RPC proxy looks at the query.
            if not check_http_auth(c, method, headers):
                if clen and headers.get('expect', '').lower() != '100-continue':
                    # The body is coming anyway; read small ones to keep the
                    # connection in sync, drop big ones.
                    if clen > 4096:
                        return
                    c.read(clen)
                elif clen:
                    return
                continue
            if clen <= 0x10:
                # An echo request (MS-RPCH 2.1.2.1.5: Content-Length 0 to
                # 0x10; also what a client's body-less first leg of HTTP
                # NTLM looks like to a proxy that asks for no
                # authentication): the echo response (2.1.2.1.6, RTS flags
                # ECHO, 2.2.4.48), and the proxy opens nothing.
                c.read(clen)
                log(c.id, 'echo request, echo response sent')
                c.respond(200, 'Success', [('Content-Type', 'application/rpc'),
                                           ('Connection', 'Keep-Alive')], rts_pdu(0x40, []))
                continue
            host, _, port = query.rpartition(':')
            if autodiscover.refuse_remote_name(c, host):
                return
            if port != '6001':
                c.respond(503, 'RPC Error', body=b'<html>RPC Error: port not allowed</html>',
                          close=True)
                return
            f = fault_for(phase)
            if f and f.kind == 'status':
                code = int(f.arg or '503')
                log(c.id, 'fault status %d' % code)
                c.respond(code, {301: 'Moved Permanently', 302: 'Found', 401: 'Unauthorized',
                                 403: 'Forbidden', 404: 'Not Found',
                                 500: 'Internal Server Error'}.get(code, 'RPC Error'),
                          [('Location', 'https://login.example.test/owa/')] if 300 <= code < 400 else [],
                          body=b'<html><body>RPC proxy error</body></html>', close=True)
                return
            if f and f.kind == 'rpc-error':
                # The RPC proxy's processing error: 503 with the Windows
                # error code in the reason phrase (MS-RPCH 2.1.2.1.3).
                log(c.id, 'fault rpc-error %s' % (f.arg or '6ba'))
                c.respond(503, 'RPC Error: %s' % (f.arg or '6ba'), close=True)
                return
            if f and f.kind in ('stall', 'close'):
                if f.kind == 'close':
                    log(c.id, 'fault close')
                    return
                stall(sock, c.id)
            if headers.get('expect', '').lower() == '100-continue':
                c.send(b'HTTP/1.1 100 Continue\r\n\r\n')
            if f and f.kind == 'html':
                log(c.id, 'fault html')
                c.respond(200, 'OK', [('Content-Type', 'text/html')],
                          b'<html><head><title>Sign in</title></head><body>Outlook Web App</body></html>')
                return
            if method == 'RPC_OUT_DATA':
                out_channel(c, clen)
            else:
                in_channel(c)
            return
    except Abort as e:
        log(c.id, 'close (%s)' % e)
    except (OSError, ssl.SSLError) as e:
        log(c.id, 'close (%s)' % e.__class__.__name__)
    finally:
        try:
            sock.close()
        except OSError:
            pass


# --- RTS / virtual connection (MS-RPCH 2.2.4) -----------------------------------

def rts_pdu(flags, cmds):
    body = struct.pack('<HH', flags, len(cmds)) + b''.join(cmds)
    return struct.pack('<BBBB4sHHI', 5, 0, 20, 3, b'\x10\x00\x00\x00', 16 + len(body), 0, 0) + body


def parse_rts(pdu):
    flags, n = struct.unpack('<HH', pdu[16:20])
    off, cmds = 20, []
    sizes = {0: 4, 1: 24, 2: 4, 3: 16, 4: 4, 5: 4, 6: 4, 7: 0, 9: 0, 10: 0, 12: 16, 13: 4, 14: 4}
    for _ in range(n):
        t = struct.unpack('<I', pdu[off:off + 4])[0]
        off += 4
        if t == 8:
            size = 4 + struct.unpack('<I', pdu[off:off + 4])[0]
        elif t == 11:
            size = 4 + (16 if struct.unpack('<I', pdu[off:off + 4])[0] else 4) + 12
        elif t in sizes:
            size = sizes[t]
        else:
            raise Abort('unknown RTS command %d' % t)
        cmds.append((t, pdu[off:off + size]))
        off += size
    if off != len(pdu):
        raise Abort('RTS PDU length mismatch')
    return flags, cmds


class VirtualConnection:
    def __init__(self, cookie):
        self.cookie = cookie
        self.out = None  # Conn of the OUT channel
        self.out_lock = threading.Lock()
        self.closed = False

    def send_out(self, data):
        with self.out_lock:
            self.out.send(data)


def out_channel(c, clen):
    a1 = c.read(clen)
    flags, cmds = parse_rts(a1)
    if len(cmds) != 4 or [t for t, _ in cmds] != [6, 3, 3, 0]:
        raise Abort('not a CONN/A1')
    cookie = cmds[1][1]
    log(c.id, 'rts CONN/A1 vc=%s' % cookie.hex())
    c.send(b'HTTP/1.1 200 Success\r\nContent-Type: application/rpc\r\n'
           b'Content-Length: 1073741824\r\n\r\n')
    with VCS_LOCK:
        vc = VCS.setdefault(cookie, VirtualConnection(cookie))
        vc.out = c
        VCS_LOCK.notify_all()
    # The OUT connection carries only server->client data from now on; keep
    # it open until the client goes away or the IN side closes it.  The IN
    # thread writes to this TLS connection (send_out): an OpenSSL object
    # must not be read and written by two threads at once, so wait with
    # select() and read only under the same lock.
    c.sock.settimeout(1.0)
    deadline = time.time() + 300
    while not vc.closed and time.time() < deadline:
        try:
            if not getattr(c.sock, 'pending', lambda: 0)() and not select.select([c.sock], [], [], 1.0)[0]:
                continue
            with vc.out_lock:
                if not c.sock.recv(4096):
                    break
        except socket.timeout:
            continue
        except OSError:
            break
    vc.closed = True


class Fragmenter:
    """Reads whole PDUs from the IN channel body or an ncacn_ip_tcp stream."""

    def __init__(self, c):
        self.c = c

    def next(self):
        hdr = self.c.read(16)
        if hdr[0] != 5 or hdr[1] != 0:
            raise Abort('not a DCE/RPC PDU')
        frag_len = struct.unpack('<H', hdr[8:10])[0]
        if frag_len < 16:
            raise Abort('frag_length %d' % frag_len)
        return hdr + self.c.read(frag_len - 16)


# --- NTLM server side (MS-NLMP 3.2) -----------------------------------------------

class NtlmServer:
    FLAGS_OFFERED = (ntlm.NTLMSSP_NEGOTIATE_56 | ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH |
                     ntlm.NTLMSSP_NEGOTIATE_128 | ntlm.NTLMSSP_NEGOTIATE_VERSION |
                     ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO |
                     ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
                     ntlm.NTLMSSP_NEGOTIATE_ALWAYS_SIGN | ntlm.NTLMSSP_NEGOTIATE_NTLM |
                     ntlm.NTLMSSP_NEGOTIATE_SEAL | ntlm.NTLMSSP_NEGOTIATE_SIGN |
                     ntlm.NTLMSSP_REQUEST_TARGET | ntlm.NTLMSSP_NEGOTIATE_UNICODE)

    def __init__(self):
        self.negotiate = self.challenge_msg = None
        self.flags = 0
        self.server_challenge = os.urandom(8)
        self.exported = None
        self.user = None

    def challenge(self, negotiate):
        if negotiate[:8] != b'NTLMSSP\x00':
            raise Abort('not NTLMSSP')
        self.negotiate = negotiate
        client_flags = struct.unpack('<I', negotiate[12:16])[0]
        self.flags = (client_flags & self.FLAGS_OFFERED) | ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO \
            | ntlm.NTLMSSP_TARGET_TYPE_DOMAIN
        dom = ARGS.domain.upper().encode('utf-16le')
        av = ntlm.AV_PAIRS()
        av[ntlm.NTLMSSP_AV_DOMAINNAME] = dom
        av[ntlm.NTLMSSP_AV_HOSTNAME] = b'EXCH01'.decode().encode('utf-16le')
        av[ntlm.NTLMSSP_AV_DNS_DOMAINNAME] = (ARGS.domain.lower() + '.test').encode('utf-16le')
        av[ntlm.NTLMSSP_AV_DNS_HOSTNAME] = ('exch01.' + ARGS.domain.lower() + '.test').encode('utf-16le')
        filetime = int((time.time() + 11644473600) * 10000000)
        av[ntlm.NTLMSSP_AV_TIME] = struct.pack('<Q', filetime)
        ti = av.getData()
        version = b'\x06\x01\xb1\x1d\x00\x00\x00\x0f'
        off = 56
        msg = (b'NTLMSSP\x00' + struct.pack('<I', 2) + struct.pack('<HHI', len(dom), len(dom), off)
               + struct.pack('<I', self.flags) + self.server_challenge + b'\x00' * 8
               + struct.pack('<HHI', len(ti), len(ti), off + len(dom)) + version + dom + ti)
        self.challenge_msg = msg
        return msg

    def authenticate(self, auth):
        """Verify NTLMv2 against the configured password; (ok, user-or-reason)."""
        try:
            def field(off):
                ln, _, o = struct.unpack('<HHI', auth[off:off + 8])
                if o + ln > len(auth):
                    raise ValueError('field outside message')
                return auth[o:o + ln]
            if auth[:8] != b'NTLMSSP\x00' or struct.unpack('<I', auth[8:12])[0] != 3:
                return False, 'not an AUTHENTICATE message'
            nt = field(20)
            enc_key = field(52)
            flags = struct.unpack('<I', auth[60:64])[0]
            # Names are UTF-16LE when Unicode was negotiated, OEM otherwise
            # (libcurl's HTTP NTLM negotiates OEM).
            codec = 'utf-16le' if flags & ntlm.NTLMSSP_NEGOTIATE_UNICODE else 'latin-1'
            domain = field(28).decode(codec)
            user = field(36).decode(codec)
        except (ValueError, struct.error, UnicodeDecodeError) as e:
            return False, 'malformed AUTHENTICATE (%s)' % e
        self.user = '%s\\%s' % (domain, user)
        if not user_matches(user, domain):
            return False, 'unknown user %s' % self.user
        if len(nt) < 48:
            return False, 'not an NTLMv2 response'
        rk = ntlm.NTOWFv2(user, ARGS.password, domain)
        proof = hmac.new(rk, self.server_challenge + nt[16:], hashlib.md5).digest()
        if not hmac.compare_digest(proof, nt[:16]):
            return False, 'wrong password for %s' % self.user
        base = hmac.new(rk, proof, hashlib.md5).digest()
        if flags & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH:
            if len(enc_key) != 16:
                return False, 'KEY_EXCH without a session key'
            self.exported = ARC4.new(base).decrypt(enc_key)
        else:
            self.exported = base
        # MIC (MS-NLMP 3.2.5.1.2): present when the blob's MsvAvFlags has 0x2.
        blob_av = nt[16 + 28:]
        mic_flag = False
        i = 0
        while i + 4 <= len(blob_av):
            aid, alen = struct.unpack('<HH', blob_av[i:i + 4])
            if aid == 0:
                break
            if aid == 6 and alen == 4:
                mic_flag = bool(struct.unpack('<I', blob_av[i + 4:i + 8])[0] & 2)
            i += 4 + alen
        if mic_flag:
            mic = auth[72:88]
            zeroed = auth[:72] + b'\x00' * 16 + auth[88:]
            want = hmac.new(self.exported, self.negotiate + self.challenge_msg + zeroed,
                            hashlib.md5).digest()
            if not hmac.compare_digest(mic, want):
                return False, 'MIC does not verify'
        self.flags = flags
        return True, self.user


class Session:
    """Per-direction NTLM session security, server role (MS-NLMP 3.4)."""

    def __init__(self, flags, key):
        self.flags = flags
        self.key = key
        self.c_sign = ntlm.SIGNKEY(flags, key, 'Client')
        self.s_sign = ntlm.SIGNKEY(flags, key, 'Server')
        self.c_seal = ARC4.new(ntlm.SEALKEY(flags, key, 'Client'))
        self.s_seal = ARC4.new(ntlm.SEALKEY(flags, key, 'Server'))
        self.seq_in = 0
        self.seq_out = 0

    def reset_rc4(self, side):
        """The RC4 handle of one direction starts again (after SPNEGO's
        mechListMIC, MS-SPNG 3.3.5.1); sequence numbers go on."""
        key = ntlm.SEALKEY(self.flags, self.key, 'Client' if side == 'client' else 'Server')
        if side == 'client':
            self.c_seal = ARC4.new(key)
        else:
            self.s_seal = ARC4.new(key)

    def _sig(self, signkey, rc4, seq, msg):
        mac = hmac.new(signkey, struct.pack('<I', seq) + msg, hashlib.md5).digest()[:8]
        if self.flags & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH:
            mac = rc4.encrypt(mac)
        return struct.pack('<I', 1) + mac + struct.pack('<I', seq)

    def verify(self, msg, sig):
        want = self._sig(self.c_sign, self.c_seal, self.seq_in, msg)
        self.seq_in += 1
        return hmac.compare_digest(want, sig)

    def unseal(self, data):
        return self.c_seal.decrypt(data)

    def sign(self, msg):
        sig = self._sig(self.s_sign, self.s_seal, self.seq_out, msg)
        self.seq_out += 1
        return sig

    def seal(self, msg, body):
        """Checksum over the plaintext PDU; RC4 the body, then the checksum
        with the same handle (MS-NLMP 3.4.3)."""
        mac = hmac.new(self.s_sign, struct.pack('<I', self.seq_out) + msg,
                       hashlib.md5).digest()[:8]
        sealed = self.s_seal.encrypt(body)
        if self.flags & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH:
            mac = self.s_seal.encrypt(mac)
        sig = struct.pack('<I', 1) + mac + struct.pack('<I', self.seq_out)
        self.seq_out += 1
        return sealed, sig


# --- DCE/RPC connection-oriented server (over RTS or raw TCP) -------------------------

def header(ptype, flags, frag_len, auth_len, call_id):
    return struct.pack('<BBBB4sHHI', 5, 0, ptype, flags, b'\x10\x00\x00\x00',
                       frag_len, auth_len, call_id)


class Service:
    """One DCE/RPC interface: abstract syntax, whether a bind must carry NTLM,
    and opnum -> (fault phase, RpcServer method)."""

    def __init__(self, name, uuid, version, require_auth, ops):
        self.name, self.uuid, self.version = name, uuid, version
        self.require_auth, self.ops = require_auth, ops


EMSMDB = Service('EMSMDB', EMSMDB_UUID, (0, 81), True,
                 {10: ('logon', 'connect_ex'), 1: ('disconnect', 'disconnect')})
EPM = Service('EPM', EPM_UUID, (3, 0), False, {3: ('epm', 'ept_map')})
SYNTAX_NAMES = {EMSMDB_UUID: 'EMSMDB', EPM_UUID: 'EPM'}


def version_from_words(w):
    """rgwClientVersion (MS-OXCRPC 3.1.4.1.3.1): with the high bit of the
    second word set {major<<8|minor, 0x8000|build, minor build}, otherwise
    {major, build, minor build} with minor 0."""
    if w[1] & 0x8000:
        return (w[0] >> 8, w[0] & 0xff, w[1] & 0x7fff, w[2])
    return (w[0], 0, w[1], w[2])


def format_version(v):
    return '%d.%d.%d.%d' % v


def parse_version_list(spec):
    """Exchange's BlockedClientVersions syntax (Set-RpcClientAccess):
    'X.Y.Z' entries or 'A.B.C-X.Y.Z' ranges (either end open), separated by
    semicolons, e.g. '-5.9.9;7.0.0-11.9.9'.  Returns [(low, high)] with None
    for an open end; versions compare as (major, minor, build)."""
    def ver(t):
        parts = t.strip().split('.')
        if len(parts) != 3 or not all(x.isdigit() for x in parts):
            raise argparse.ArgumentTypeError('bad version %r in %r (X.Y.Z)' % (t, spec))
        return tuple(int(x) for x in parts)

    out = []
    for item in filter(None, (x.strip() for x in spec.split(';'))):
        if '-' in item:
            lo, hi = item.split('-', 1)
            out.append((ver(lo) if lo.strip() else None, ver(hi) if hi.strip() else None))
        else:
            out.append((ver(item), ver(item)))
    return out


def version_blocked(version, ranges):
    v = version[:3]
    return any((lo is None or v >= lo) and (hi is None or v <= hi) for lo, hi in ranges)


class RpcServer:
    """Server side of one DCE/RPC association.  The transport hands it whole
    PDUs (dispatch) and gives it a function that writes PDUs back (send):
    the OUT channel of a virtual connection, or the TCP stream itself."""

    def __init__(self, c, send, svc=EMSMDB, sec_addr=b'6001\x00', tcp_port=None):
        self.c = c
        self.send = send
        self.svc = svc
        self.sec_addr = sec_addr
        self.tcp_port = tcp_port  # the EMSMDB port ept_map points to
        self.bound = False
        self.ntlm = None
        self.krb = None  # krb_server.KrbAcceptor of a Kerberos bind
        self.krb_atype = 16  # 16 Kerberos, 9 SPNEGO
        self.spnego = None  # spnego_server.SpnegoNtlm of a type 9 bind
        self.hdr_signing = False
        self.session = None
        self.level = 0
        self.auth_ok = False
        self.ctx_id = 79231
        self.max_frag = 5840
        self.handles = set()
        self.frags = {}
        self.last_response = None

    def out(self, data):
        self.send(data)

    def dispatch(self, pdu):
        """Handle one client PDU of the connection-oriented protocol."""
        ptype = pdu[2]
        if ptype == 14 and self.krb and not self.krb.complete:
            self.krb_alter(pdu)  # SPNEGO's further legs
        elif ptype == 14 and self.spnego and not self.spnego.complete:
            self.spnego_alter(pdu)
        elif ptype in (11, 14):
            self.bind(pdu)
        elif ptype == 16:
            self.auth3(pdu)
        elif ptype == 0:
            self.request(pdu)
        else:
            raise Abort('unexpected PDU type %d' % ptype)

    def anonymous_ok(self):
        """Binds without authentication: always for the endpoint mapper; for
        the store only over RPC/HTTP, where Exchange 2013 and later take the
        RPC proxy's HTTP authentication for the connection's identity."""
        if not self.svc.require_auth:
            return True
        return ARGS.anonymous_rpc not in ('refuse', 'deny') and self.tcp_port is None

    def bind_fault(self):
        if self.svc is EPM:
            # The endpoint mapper's phase is its lookup; only a NAK lands on
            # the bind.
            f = fault_for('epm')
            return f if f and f.kind == 'bind-nak' else None
        return fault_for('bind')

    def fault(self, call_id, status):
        body = struct.pack('<IHBBI4s', 0, 0, 0, 0, status, b'\x00' * 4)
        self.out(header(3, 3 | 0x20, 16 + len(body), 0, call_id) + body)
        log(self.c.id, 'fault status=0x%08x call=%d' % (status, call_id))

    def bind(self, pdu):
        f = self.bind_fault()
        call_id = struct.unpack('<I', pdu[12:16])[0]
        auth_len = struct.unpack('<H', pdu[10:12])[0]
        max_xmit, max_recv, _ = struct.unpack('<HHI', pdu[16:24])
        self.max_frag = min(max_recv, 5840)
        n_ctx = pdu[24]
        ctx_id = struct.unpack('<H', pdu[28:30])[0]
        abstract = pdu[32:48]
        version = struct.unpack('<HH', pdu[48:52])
        supported = abstract == self.svc.uuid and version == self.svc.version and n_ctx >= 1
        level, token = 0, b''
        if auth_len:
            trailer = pdu[len(pdu) - auth_len - 8:len(pdu) - auth_len]
            atype, level = trailer[0], trailer[1]
            self.ctx_id = struct.unpack('<I', trailer[4:8])[0]
            token = pdu[len(pdu) - auth_len:]
            if atype == 9 and ARGS.spnego == 'refuse':
                log(self.c.id, 'bind auth=negotiate refused (--spnego refuse)')
                return self.bind_nak(call_id, 8)
            if atype == 9 and not ARGS.krb5_keytab:
                self.spnego = spnego_server.SpnegoNtlm(
                    NtlmServer(), Session, ARGS.spnego, lambda m: log(self.c.id, m))
            elif atype in (9, 16) and ARGS.krb5_keytab:
                import krb_server
                self.krb = krb_server.KrbAcceptor(ARGS.krb5_keytab)
                self.krb_atype = atype
                self.hdr_signing = bool(pdu[3] & krb_server.PFC_SUPPORT_HEADER_SIGN)
            elif atype != 10:
                supported = supported and False
        self.level = level
        log(self.c.id, 'bind level=%d ctx=%s auth=%s' % (
            level, SYNTAX_NAMES.get(abstract, abstract.hex()),
            ({9: 'negotiate', 16: 'kerberos'}.get(self.krb_atype) if self.krb else
             'negotiate' if self.spnego else 'ntlm')
            if auth_len else 'none'))
        if f and f.kind == 'bind-nak':
            body = struct.pack('<HB', 0, 1) + b'\x05\x00'
            self.out(header(13, 3, 16 + len(body), 0, call_id) + body)
            log(self.c.id, 'fault bind-nak')
            return
        if f:
            self.inject(f, call_id)
        # Windows refuses a bind without authentication on the store
        # interface the same way it refuses an unknown interface: provider
        # rejection, abstract syntax not supported.  The endpoint mapper
        # takes anonymous binds, and so does the store behind an RPC proxy
        # with --anonymous-rpc (Exchange 2013 and later).
        # With --anonymous-rpc deny the bind goes through and the call is
        # denied (request(): no security context, fault access denied).
        deny = self.svc.require_auth and ARGS.anonymous_rpc == 'deny'
        result = 0 if supported and (auth_len or self.anonymous_ok() or deny) else 2
        body = self.ack_body(result, self.sec_addr)
        auth = b''
        self.bound = result == 0
        if result == 0 and auth_len and self.krb:
            out = self.krb_step(token)
            if out is None:
                return self.bind_nak(call_id)
            auth = struct.pack('<BBBBI', self.krb_atype, level, 0, 0, self.ctx_id) + out
        elif result == 0 and auth_len and self.spnego:
            try:
                out = self.spnego.step(token)
            except ValueError as e:
                log(self.c.id, 'spnego rejected: %s' % e)
                return self.bind_nak(call_id)
            auth = struct.pack('<BBBBI', 9, level, 0, 0, self.ctx_id) + out
        elif result == 0 and auth_len:
            self.ntlm = NtlmServer()
            chal = self.ntlm.challenge(token)
            auth = struct.pack('<BBBBI', 10, level, 0, 0, self.ctx_id) + chal
        total = 16 + len(body) + len(auth)
        # The header-signing flag is echoed (MS-RPCE 3.3.1.5.2.2).
        flags = 3 | (4 if self.hdr_signing else 0)
        self.out(header(12, flags, total, len(auth) - 8 if auth else 0, call_id) + body + auth)
        log(self.c.id, 'bind_ack result=%s' % ('accept' if result == 0 else 'reject'))

    def ack_body(self, result, sec_addr):
        """bind_ack / alter_context_resp body (C706 12.6.4.4): one result,
        provider rejection 'abstract syntax not supported' when refused."""
        reason = 0 if result == 0 else 1
        body = struct.pack('<HHI', self.max_frag, self.max_frag, 0x1234)
        body += struct.pack('<H', len(sec_addr)) + sec_addr
        pad = (4 - (16 + len(body)) % 4) % 4
        body += b'\x00' * pad
        body += struct.pack('<B3s', 1, b'\x00' * 3)
        return body + struct.pack('<HH', result, reason) + (
            NDR_UUID + struct.pack('<I', 2) if result == 0 else b'\x00' * 20)

    def bind_nak(self, call_id, reason=0):
        """A refused Kerberos ticket: bind_nak, reason not specified, as
        Samba answers it; 8: authentication type not recognized, as a
        server without the package answers it (MS-RPCE 2.2.2.5)."""
        body = struct.pack('<HB', reason, 1) + b'\x05\x00'
        self.out(header(13, 3, 16 + len(body), 0, call_id) + body)
        log(self.c.id, 'bind_nak reason=%d' % reason)

    def spnego_alter(self, pdu):
        """alter_context with the next SPNEGO token (NTLM inside): answered
        by an alter_context_resp (MS-RPCE 3.3.1.5.2)."""
        auth_len, call_id = struct.unpack('<H', pdu[10:12])[0], struct.unpack('<I', pdu[12:16])[0]
        try:
            out = self.spnego.step(pdu[len(pdu) - auth_len:] if auth_len else b'')
        except ValueError as e:
            log(self.c.id, 'spnego rejected: %s' % e)
            return self.fault(call_id, ACCESS_DENIED)
        if self.spnego.complete:
            self.auth_ok = True
            self.ntlm = self.spnego.ntlm
            self.session = self.spnego.session
        body = self.ack_body(0, b'')
        auth = struct.pack('<BBBBI', 9, self.level, 0, 0, self.ctx_id) + out
        self.out(header(15, 3, 16 + len(body) + len(auth), len(auth) - 8, call_id) + body + auth)
        log(self.c.id, 'alter_context_resp (spnego %s)' % (
            'complete' if self.spnego.complete else 'continues'))

    def krb_alter(self, pdu):
        """alter_context carrying the next SPNEGO token: answered with an
        alter_context_resp and ours (MS-RPCE 3.3.1.5.3)."""
        auth_len, call_id = struct.unpack('<H', pdu[10:12])[0], struct.unpack('<I', pdu[12:16])[0]
        out = self.krb_step(pdu[len(pdu) - auth_len:] if auth_len else b'')
        if out is None:
            return self.fault(call_id, ACCESS_DENIED)
        body = self.ack_body(0, b'')
        auth = struct.pack('<BBBBI', self.krb_atype, self.level, 0, 0, self.ctx_id) + out
        self.out(header(15, 3, 16 + len(body) + len(auth), len(auth) - 8, call_id) + body + auth)
        log(self.c.id, 'alter_context_resp (kerberos %s)' % (
            'complete' if self.krb.complete else 'continues'))

    def krb_step(self, token):
        """One leg of the Kerberos context; None when the token is refused."""
        try:
            out = self.krb.step(token)
        except Exception as e:  # gssapi.raw.GSSError, kept local to krb_server
            log(self.c.id, 'kerberos rejected: %s' % e)
            return None
        if self.krb.complete:
            self.auth_ok = True
            self.session = self.krb.session(self.hdr_signing)
            log(self.c.id, 'kerberos user=%s ok' % self.krb.client)
        return out

    def auth3(self, pdu):
        auth_len = struct.unpack('<H', pdu[10:12])[0]
        token = pdu[len(pdu) - auth_len:]
        f = fault_for('auth3')
        if f:
            self.inject(f, 0)
        if self.krb:
            self.krb_step(token)  # a refusal leaves auth_ok False
            return
        if not self.ntlm:
            raise Abort('auth3 before bind')
        ok, who = self.ntlm.authenticate(token)
        self.auth_ok = ok
        if ok:
            self.session = Session(self.ntlm.flags, self.ntlm.exported)
            log(self.c.id, 'auth3 user=%s ok' % who)
        else:
            log(self.c.id, 'auth3 rejected: %s' % who)

    def inject(self, f, call_id):
        if f.kind == 'stall':
            stall(self.c.sock, self.c.id)
        if f.kind == 'close':
            log(self.c.id, 'fault close')
            raise Abort('fault close')
        if f.kind == 'garbage':
            log(self.c.id, 'fault garbage')
            self.out(os.urandom(64))
            stall(self.c.sock, self.c.id)
        if f.kind == 'truncate':
            log(self.c.id, 'fault truncate')
            self.out(header(2, 3, 200, 0, call_id) + b'\x00' * 20)
            stall(self.c.sock, self.c.id)
        if f.kind == 'fault':
            self.fault(call_id, int(f.arg or '1c010002', 16))
            raise Abort('fault injected')
        if f.kind == 'lie-frag':
            # frag_length promises 4000 bytes; 40 arrive.
            log(self.c.id, 'fault lie-frag')
            self.out(header(2, 3, 4000, 0, call_id) + b'\x00' * 24)
            stall(self.c.sock, self.c.id)
        if f.kind == 'lie-auth':
            # auth_length larger than the whole fragment.
            log(self.c.id, 'fault lie-auth')
            self.out(header(2, 3, 48, 900, call_id) + b'\x00' * 32)
            stall(self.c.sock, self.c.id)
        if f.kind == 'unexpected':
            # A client-side PDU type (alter_context) where an answer belongs.
            log(self.c.id, 'fault unexpected')
            self.out(header(14, 3, 24, 0, call_id) + b'\x00' * 8)
            stall(self.c.sock, self.c.id)
        if f.kind == 'bogus':
            # RTS claiming 200 commands in a 28-byte PDU.
            log(self.c.id, 'fault bogus RTS')
            self.out(struct.pack('<BBBB4sHHIHH', 5, 0, 20, 3, b'\x10\x00\x00\x00', 28, 0, 0, 0, 200)
                     + struct.pack('<II', 2, 1000))
            stall(self.c.sock, self.c.id)
        if f.kind == 'drip':
            # A fault PDU, one byte per second (bounded by the client's -t).
            log(self.c.id, 'fault drip')
            pdu = header(3, 3, 32, 0, call_id) + struct.pack('<IHBBI4s', 0, 0, 0, 0, 5, bytes(4))
            for b in pdu:
                self.out(bytes([b]))
                time.sleep(1.0)
            raise Abort('dripped')
        if f.kind == 'replay' and self.last_response:
            log(self.c.id, 'fault replay')
            self.out(self.last_response)
            stall(self.c.sock, self.c.id)

    def request(self, pdu):
        ptype, flags = pdu[2], pdu[3]
        frag_len, auth_len, call_id = struct.unpack('<HHI', pdu[8:16])
        opnum = struct.unpack('<H', pdu[22:24])[0]
        stub_end = len(pdu)
        level = 2
        if auth_len:
            trailer = pdu[len(pdu) - auth_len - 8:len(pdu) - auth_len]
            level, pad = trailer[1], trailer[2]
            sig = pdu[len(pdu) - auth_len:]
            stub_end = len(pdu) - auth_len - 8
        if self.anonymous_ok() and self.bound and not self.ntlm and not self.krb and not auth_len:
            # An anonymous binding: the endpoint mapper's (level 0), or the
            # store's at RPC_C_AUTHN_LEVEL_NONE (1, MS-RPCE 2.2.1.1.8).
            level = 1 if self.svc.require_auth else 0
        elif not self.auth_ok or not self.session:
            self.fault(call_id, ACCESS_DENIED)
            return
        elif level != self.level:
            self.fault(call_id, ACCESS_DENIED)
            return
        stub = pdu[24:stub_end]
        if level in (5, 6) and self.krb:
            stub = self.krb_open(pdu, stub, stub_end, auth_len, level)
            if stub is None:
                log(self.c.id, 'request call=%d bad signature' % call_id)
                self.fault(call_id, ACCESS_DENIED)
                return
            stub = stub[:len(stub) - pad] if pad else stub
        elif level in (5, 6):
            if level == 6:
                stub = self.session.unseal(stub)
            signed = pdu[:24] + stub + pdu[stub_end:len(pdu) - auth_len]
            if not self.session.verify(signed, sig):
                log(self.c.id, 'request call=%d bad signature' % call_id)
                self.fault(call_id, ACCESS_DENIED)
                return
            stub = stub[:len(stub) - pad] if pad else stub
        buf = self.frags.get(call_id, b'') + stub
        if not flags & 2:
            self.frags[call_id] = buf
            return
        self.frags.pop(call_id, None)
        phase, method = self.svc.ops.get(opnum, (None, None))
        f = fault_for(phase) if phase else None
        if f and f.kind not in ('badsig',):
            self.inject(f, call_id)
        if method is None:
            self.fault(call_id, NCA_S_OP_RNG_ERROR)
            return
        out = getattr(self, method)(buf, level)
        if out is None:
            self.fault(call_id, RPC_X_BAD_STUB_DATA)
            return
        self.respond(call_id, out, badsig=bool(f and f.kind == 'badsig'))

    def krb_open(self, pdu, stub, stub_end, auth_len, level):
        """A Kerberos-protected request body in plaintext, or None."""
        trailer, sig = pdu[stub_end:len(pdu) - auth_len], pdu[len(pdu) - auth_len:]
        if level == 6:
            return self.session.open_sealed(pdu[:24], stub, trailer, sig)
        return stub if self.session.verify(pdu[:len(pdu) - auth_len], sig) else None

    def respond(self, call_id, stub, badsig=False):
        siglen = self.session.sig_len(self.level) if self.krb else 16
        atype = self.krb_atype if self.krb else 9 if self.spnego else 10
        room = self.max_frag - 24 - (8 + siglen if self.level in (5, 6) else 0)
        room -= room % 16
        chunks = [stub[i:i + room] for i in range(0, len(stub), room)] or [b'']
        for i, chunk in enumerate(chunks):
            flags = (1 if i == 0 else 0) | (2 if i == len(chunks) - 1 else 0)
            hint = len(stub) - i * room
            if self.level in (5, 6):
                pad = (16 - len(chunk) % 16) % 16
                body = chunk + b'\x00' * pad
                trailer = struct.pack('<BBBBI', atype, self.level, pad, 0, self.ctx_id)
                hdr = header(2, flags, 24 + len(body) + 8 + siglen, siglen, call_id) + \
                    struct.pack('<IHBB', hint, 0, 0, 0)
                if self.level == 6:
                    body, sig = self.session.seal(hdr + body + trailer, body)
                else:
                    sig = self.session.sign(hdr + body + trailer)
                if badsig:
                    sig = sig[:4] + bytes([sig[4] ^ 1]) + sig[5:]
                    log(self.c.id, 'fault badsig')
                self.last_response = hdr + body + trailer + sig
                self.out(self.last_response)
            elif self.level == 2 and ARGS.connect_verifier and not self.krb:
                # As Windows does at RPC_C_AUTHN_LEVEL_CONNECT (Zeek's
                # dce-rpc/mapi.pcap, frame 782): an NTLM verifier with
                # nothing in it, and the sec_trailer aligned by a pad of
                # leftover bytes (MS-RPCE 2.2.2.11).
                pad = (16 - len(chunk) % 16) % 16
                trailer = struct.pack('<BBBBI', 10, 2, pad, 0, self.ctx_id)
                hdr = header(2, flags, 24 + len(chunk) + pad + 8 + 16, 16, call_id) + \
                    struct.pack('<IHBB', hint, 0, 0, 0)
                self.out(hdr + chunk + os.urandom(pad) + trailer + struct.pack('<I', 1) + bytes(12))
            else:
                hdr = header(2, flags, 24 + len(chunk), 0, call_id) + \
                    struct.pack('<IHBB', hint, 0, 0, 0)
                self.out(hdr + chunk)

    def connect_ex(self, stub, level):
        maxc, off, actual = struct.unpack('<III', stub[:12])
        dn = stub[12:12 + actual].rstrip(b'\x00').decode('ascii', 'replace')
        pos = 12 + actual
        pos += (4 - pos % 4) % 4
        pos += 7 * 4
        pos += 2
        words = struct.unpack('<HHH', stub[pos:pos + 6])
        client_version = version_from_words(words)
        ec = self.logon_check(dn, level, client_version)
        log(self.c.id, 'request opnum=10 level=%d sealed=%s dn=%s version=%s ec=0x%x' % (
            level, 'yes' if level == 6 else 'no', dn, format_version(client_version), ec))
        handle = os.urandom(20) if ec == 0 else b'\x00' * 20
        if ec == 0:
            handle = b'\x00' * 4 + handle[4:]
            self.handles.add(handle)
        out = handle + struct.pack('<IIIH', 60000, 6, 10000, 0)
        out += b'\x00' * ((4 - len(out) % 4) % 4)

        def string(s):
            if s is None:
                return struct.pack('<I', 0)
            b = s.encode() + b'\x00'
            return struct.pack('<IIII', 0x20000 + len(b), len(b), 0, len(b)) + b

        prefix = '/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn='
        out += string(prefix if ec == 0 else None)
        out += b'\x00' * ((4 - len(out) % 4) % 4)
        # szDisplayName: the display name of the user (MS-OXCRPC 3.1.4.1)
        out += string(ARGS.display_name if ec == 0 else None)
        out += b'\x00' * ((2 - len(out) % 2) % 2)
        version = autodiscover.store_version()
        out += version + version
        out += b'\x00' * ((4 - len(out) % 4) % 4)
        out += struct.pack('<I', int(time.time()) & 0xffffffff)
        out += struct.pack('<III', 0, 0, 0)  # rgbAuxOut: empty
        out += struct.pack('<II', 0, ec)
        return out

    def logon_check(self, dn, level, version):
        """The store's logon decision, in the order Exchange's RPC Client
        Access checks it: the mailbox, the blocked versions, the mailbox's
        MAPI settings, then encryption; a pre-12.0 client is answered
        ecClientVerDisallowed for the codes it cannot receive."""
        if dn.lower() != ARGS.mailbox.lower():
            return EC_UNKNOWN_USER
        if version_blocked(version, ARGS.blocked_client_versions):
            return EC_CLIENT_VER_DISALLOWED
        if ARGS.mapi_block_outlook_rpc_http and self.tcp_port is None:
            ec = EC_RPC_HTTP_DISALLOWED
        elif not ARGS.mapi_enabled:
            ec = EC_PROTOCOL_DISABLED
        elif ARGS.encryption_required and level != 6 and \
                not (level == 1 and ARGS.anonymous_rpc == 'exempt'):
            # A binding not at RPC_C_AUTHN_LEVEL_PKT_PRIVACY gets
            # ecNotEncrypted (MS-OXCRPC 3.1.4.1); with 'exempt' a logon
            # without RPC authentication is not checked, as Exchange 2013's
            # RPC Client Access does for connections the RPC proxy
            # authenticated.
            ec = EC_NOT_ENCRYPTED
        elif ARGS.mapi_block_outlook_non_cached_mode:
            # The client announces cached mode only in an AUX_PERF_CLIENTINFO
            # block (MS-OXCRPC 2.2.2.2.7); an empty rgbAuxIn is online mode.
            ec = EC_CACHED_MODE_REQUIRED
        else:
            return 0
        if ec in EC_NEEDS_12 and version[:3] < (12, 0, 0):
            return EC_CLIENT_VER_DISALLOWED
        return ec

    def disconnect(self, stub, level):
        handle = stub[:20]
        ok = handle in self.handles
        self.handles.discard(handle)
        log(self.c.id, 'request opnum=1 known=%s' % ('yes' if ok else 'no'))
        return b'\x00' * 20 + struct.pack('<I', 0 if ok else 0x80040102)

    def ept_map(self, stub, level):
        """ept_map (opnum 3): [in, unique] object UUID, [in, unique] map tower,
        [in, out] entry handle, [in] max_towers; out: entry handle, num_towers,
        towers (conformant varying array of unique tower pointers), status."""
        try:
            off = 4 + (16 if struct.unpack_from('<I', stub, 0)[0] else 0)
            tower_ref = struct.unpack_from('<I', stub, off)[0]
            off += 4
            tower = b''
            if tower_ref:
                # twr_t is a conformant structure: max_count, tower_length, octets.
                max_count, tower_len = struct.unpack_from('<II', stub, off)
                off += 8
                if tower_len > max_count or off + max_count > len(stub):
                    raise ValueError('tower_length %d max_count %d' % (tower_len, max_count))
                tower = stub[off:off + tower_len]
                off += max_count
                off += (4 - off % 4) % 4
            off += 20  # entry handle
            max_towers = struct.unpack_from('<I', stub, off)[0]
            floors = parse_tower(tower) if tower else []
        except (struct.error, ValueError) as e:
            log(self.c.id, 'ept_map bad request (%s)' % e)
            return None
        iface = proto = '-'
        wanted = False
        if len(floors) >= 4 and floors[0][0][:1] == b'\x0d' and len(floors[0][0]) == 19 \
                and len(floors[0][1]) == 2:
            uuid = floors[0][0][1:17]
            major = struct.unpack('<H', floors[0][0][17:19])[0]
            minor = struct.unpack('<H', floors[0][1])[0]
            iface = '%s v%d.%d' % (SYNTAX_NAMES.get(uuid) or str(UUID(bytes_le=uuid)), major, minor)
            proto = '%s/%s' % (floors[2][0][:1].hex(), floors[3][0][:1].hex())
            # Same major version, minor no newer than registered (0.81),
            # connection-oriented RPC over TCP.
            wanted = (uuid == EMSMDB_UUID and major == 0 and minor <= 81
                      and floors[2][0] == b'\x0b' and floors[3][0] == b'\x07')
        found = wanted and not ARGS.epm_no_emsmdb and max_towers >= 1
        out = b'\x00' * 20  # entry handle: nothing more to enumerate
        if found:
            t = emsmdb_tcp_tower(self.tcp_port)
            out += struct.pack('<I', 1)
            out += struct.pack('<IIII', max_towers, 0, 1, 3)  # array; referent of towers[0]
            out += struct.pack('<II', len(t), len(t)) + t
            out += b'\x00' * ((4 - len(out) % 4) % 4)
            status = 0
        else:
            out += struct.pack('<I', 0) + struct.pack('<III', max_towers, 0, 0)
            status = EPT_S_NOT_REGISTERED
        out += struct.pack('<I', status)
        log(self.c.id, 'ept_map interface=%s protocol=%s max_towers=%d towers=%d port=%s '
            'status=0x%x' % (iface, proto, max_towers, 1 if found else 0,
                             self.tcp_port if found else '-', status))
        return out


# --- endpoint mapper (C706 appendix I / MS-RPCE 2.2.1.2) ----------------------------

def parse_tower(tower):
    """Floors of a protocol tower: [(lhs, rhs)]; counts are little-endian."""
    n = struct.unpack_from('<H', tower, 0)[0]
    off, floors = 2, []
    for _ in range(n):
        ln = struct.unpack_from('<H', tower, off)[0]
        lhs = tower[off + 2:off + 2 + ln]
        off += 2 + ln
        rn = struct.unpack_from('<H', tower, off)[0]
        rhs = tower[off + 2:off + 2 + rn]
        off += 2 + rn
        if len(lhs) != ln or len(rhs) != rn or not ln:
            raise ValueError('floor outside tower')
        floors.append((lhs, rhs))
    return floors


def build_tower(floors):
    out = struct.pack('<H', len(floors))
    for lhs, rhs in floors:
        out += struct.pack('<H', len(lhs)) + lhs + struct.pack('<H', len(rhs)) + rhs
    return out


def emsmdb_tcp_tower(port):
    """EMSMDB v0.81, NDR v2, ncacn_ip_tcp: the port and the IPv4 address are
    big-endian (network order), everything else little-endian.  Towers only
    carry IPv4, so an IPv6 listener is advertised as 127.0.0.1; the client
    keeps the address it reached the endpoint mapper on."""
    ip = ARGS.listen if ':' not in ARGS.listen else '127.0.0.1'
    return build_tower([
        (b'\x0d' + EMSMDB_UUID + struct.pack('<H', 0), struct.pack('<H', 81)),
        (b'\x0d' + NDR_UUID + struct.pack('<H', 2), struct.pack('<H', 0)),
        (b'\x0b', struct.pack('<H', 0)),
        (b'\x07', struct.pack('>H', port)),
        (b'\x09', socket.inet_aton(ip)),
    ])


# --- DCE/RPC straight on a TCP stream (ncacn_ip_tcp) -----------------------------------

def handle_rpc_tcp(sock, peer, svc, local_port):
    c = Conn(sock, peer)
    c.id = '%s-%d' % ('epm' if svc is EPM else 'tcp', c.id)
    # One line per connection, e.g. (counted by the tests)
    #   conn=epm-3 accept epm connection from 127.0.0.1:51234 (endpoint mapper port 135)
    #   conn=tcp-4 accept tcp connection from 127.0.0.1:51236 (EMSMDB ncacn_ip_tcp port 6004)
    addr = ('[%s]:%s' if ':' in peer[0] else '%s:%s') % (peer[0], peer[1])
    if svc is EPM:
        log(c.id, 'accept epm connection from %s (endpoint mapper port %d)' % (addr, local_port))
    else:
        log(c.id, 'accept tcp connection from %s (EMSMDB ncacn_ip_tcp port %d)' % (addr, local_port))
    rpc = RpcServer(c, c.send, svc, sec_addr=b'%d\x00' % local_port, tcp_port=ARGS.tcp_port)
    frag = Fragmenter(c)
    try:
        while True:
            rpc.dispatch(frag.next())
    except Abort as e:
        log(c.id, 'close (%s)' % e)
    except OSError as e:
        log(c.id, 'close (%s)' % e.__class__.__name__)
    except (struct.error, IndexError, ValueError) as e:
        log(c.id, 'close (malformed PDU: %s)' % e)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def in_channel(c):
    frag = Fragmenter(c)
    b1 = frag.next()
    if b1[2] != 20:
        raise Abort('IN channel did not start with RTS')
    flags, cmds = parse_rts(b1)
    if [t for t, _ in cmds] != [6, 3, 3, 4, 5, 12]:
        raise Abort('not a CONN/B1')
    cookie = cmds[1][1]
    log(c.id, 'rts CONN/B1 vc=%s' % cookie.hex())
    with VCS_LOCK:
        vc = VCS.setdefault(cookie, VirtualConnection(cookie))
        VCS_LOCK.wait_for(lambda: vc.out is not None, timeout=10)
    if vc.out is None:
        raise Abort('no OUT channel for the virtual connection')
    f = fault_for('rts')
    if f and f.kind == 'in-status':
        # What an RPC proxy answers on the IN channel when it cannot
        # reach the backend (RPC_S_SERVER_UNAVAILABLE, 0x6ba), while the
        # client's 1 GiB upload is still open.
        log(c.id, 'fault in-status %s' % (f.arg or '503'))
        c.send(b'HTTP/1.0 %d RPC Error: 6ba\r\nContent-Type: text/html\r\n\r\n'
               b'<html><body>RPC Error: 6ba</body></html>' % int(f.arg or '503'))
        raise Abort('fault in-status')
    rpc = RpcServer(c, vc.send_out)
    if f:
        rpc.inject(f, 0)
    vc.send_out(rts_pdu(0, [struct.pack('<II', 2, 120000)]))            # CONN/A3
    vc.send_out(rts_pdu(0, [struct.pack('<II', 6, 1), struct.pack('<II', 0, 65536),
                            struct.pack('<II', 2, 120000)]))             # CONN/C2
    log(c.id, 'rts CONN/A3 CONN/C2 sent, virtual connection open')
    try:
        while not vc.closed:
            pdu = frag.next()
            ptype = pdu[2]
            if ptype == 20:
                flags, cmds = parse_rts(pdu)
                log(c.id, 'rts flags=0x%x cmds=%s' % (flags, [t for t, _ in cmds]))
            else:
                rpc.dispatch(pdu)
    finally:
        vc.closed = True
        try:
            vc.out.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        with VCS_LOCK:
            VCS.pop(cookie, None)


# --- server -----------------------------------------------------------------------

def sign_with_dates(run, tmp, ca, ca_key, csr, crt, ext, days):
    # The server certificate valid until `days` days (and one hour) from
    # now; negative: expired that many days ago.  `openssl ca` is the
    # OpenSSL 3.0 command that takes explicit dates.
    now = time.time()
    not_after = now + days * 86400 + 3600
    not_before = min(now, not_after) - 86400
    fmt = lambda t: time.strftime('%Y%m%d%H%M%SZ', time.gmtime(t))
    cnf = os.path.join(tmp, 'ca.cnf')
    open(os.path.join(tmp, 'index.txt'), 'w').close()
    with open(os.path.join(tmp, 'serial'), 'w') as f:
        f.write('1000\n')
    with open(cnf, 'w') as f:
        f.write('[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\n'
                'new_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\n'
                'policy = p\nunique_subject = no\n[p]\ncommonName = supplied\n'
                % (tmp, tmp, tmp))
    run('ca', '-batch', '-notext', '-config', cnf, '-cert', ca, '-keyfile', ca_key,
        '-in', csr, '-out', crt, '-startdate', fmt(not_before), '-enddate', fmt(not_after),
        '-extfile', ext)


KEYS = {'ec256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
        'ec384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
        'rsa1024': ['-newkey', 'rsa:1024'], 'rsa2048': ['-newkey', 'rsa:2048']}
TLS_VERSIONS = {'1.0': ssl.TLSVersion.TLSv1, '1.1': ssl.TLSVersion.TLSv1_1,
                '1.2': ssl.TLSVersion.TLSv1_2, '1.3': ssl.TLSVersion.TLSv1_3}


def make_certs(tmp, names, days=None, key_spec='ec256', digest='sha256'):
    def run(*a):
        subprocess.run(['openssl'] + list(a), check=True, capture_output=True)
    ca_key, ca = os.path.join(tmp, 'ca.key'), os.path.join(tmp, 'ca.pem')
    key, csr, crt = (os.path.join(tmp, n) for n in ('server.key', 'server.csr', 'server.pem'))
    ext = os.path.join(tmp, 'ext.cnf')
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', ca_key, '-out', ca, '-days', '2', '-subj', '/CN=check_rpc_encryption test CA')
    run('req', *KEYS[key_spec], '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost')
    sans = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'] + ['DNS:' + n for n in names]
    with open(ext, 'w') as f:
        f.write('subjectAltName=%s\nextendedKeyUsage=serverAuth\n' % ','.join(sans))
    if days is not None:
        sign_with_dates(run, tmp, ca, ca_key, csr, crt, ext, days)
    else:
        run('x509', '-req', '-in', csr, '-CA', ca, '-CAkey', ca_key, '-CAcreateserial',
            '-out', crt, '-days', '2', '-extfile', ext, '-' + digest)
    return ca, crt, key


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # probe pairs open several connections at once
    ssl_ctx = None
    handler = None  # handler(sock, peer); None: the HTTPS RPC proxy

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr

    def process_request_thread(self, request, client_address):
        try:
            if self.ssl_ctx:
                request.settimeout(10)
                request = self.ssl_ctx.wrap_socket(request, server_side=True)
                request.settimeout(None)
            (self.handler or handle_connection)(request, client_address)
        except (OSError, ssl.SSLError) as e:
            log('-', 'tls failed peer=%s (%s)' % (client_address[0], e.__class__.__name__))
        finally:
            self.shutdown_request(request)


def main():
    global ARGS, LOG_FILE
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--listen', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--no-tls', action='store_true')
    p.add_argument('--cert-name', action='append', default=[])
    p.add_argument('--cert-days', type=int, default=None,
                   help='server certificate valid for DAYS more days (negative: expired '
                        'DAYS days ago); default two days')
    p.add_argument('--encryption-required', choices=('true', 'false'), default='true')
    p.add_argument('--user', default='probe')
    p.add_argument('--password', default=None)
    p.add_argument('--password-file')
    p.add_argument('--domain', default='EXAMPLE')
    p.add_argument('--mailbox', default='/o=Example/ou=Exchange Administrative Group '
                   '(FYDIBOHF23SPDLT)/cn=Recipients/cn=probe')
    p.add_argument('--server-name', default='EXCH01')
    p.add_argument('--http-auth', choices=('none', 'basic', 'ntlm', 'any', 'negotiate'),
                   default='basic', help='negotiate needs --krb5-keytab (keys of HTTP/<host>)')
    p.add_argument('--blocked-client-versions', type=parse_version_list, default=[],
                   help="answer ecClientVerDisallowed to these versions, in Exchange's "
                        "BlockedClientVersions syntax, e.g. --blocked-client-versions='-5.9.9;7.0.0-11.9.9'")
    p.add_argument('--mapi-block-outlook-rpc-http', action='store_true',
                   help='the mailbox may not use RPC over HTTP (ecRpcHttpDisallowed)')
    p.add_argument('--mapi-enabled', choices=('true', 'false'), default='true',
                   help='false: MAPI disabled for the mailbox (ecProtocolDisabled)')
    p.add_argument('--mapi-block-outlook-non-cached-mode', action='store_true',
                   help='only cached-mode clients (ecCachedModeRequired)')
    p.add_argument('--anonymous-rpc', choices=('refuse', 'deny', 'not-encrypted', 'exempt'),
                   default='refuse',
                   help='store binds without RPC authentication over RPC/HTTP: refuse them '
                        '(bind rejected), or accept the bind and deny the call with fault '
                        'access denied (Exchange 2010, also over RPC/TCP), or accept them and '
                        'answer the logon ecNotEncrypted when encryption is required, or '
                        'exempt them from that check')
    p.add_argument('--connect-verifier', action='store_true',
                   help='at level connect, answer with an NTLM verifier and an auth pad, '
                        'as Windows does')
    p.add_argument('--display-name', default='Probe User',
                   help="the mailbox user's display name (szDisplayName)")
    p.add_argument('--fault', action='append', type=Fault,
                   help='PHASE:KIND[:ARG], PHASE in %s; KIND stall, close, truncate, '
                        'garbage, status:CODE, rpc-error:HEX (503 RPC Error: HEX), fault:HEX, badsig, bind-nak, html, lie-frag, '
                        'lie-auth, unexpected, drip, bogus (RTS), replay, in-status:CODE (rts: an '
                        'HTTP/1.0 answer on the IN channel after CONN/B1); phase epm is the '
                        'endpoint mapper lookup (bind-nak hits its bind)' % ', '.join(PHASES))
    p.add_argument('--rpc-tcp', action='store_true',
                   help='also serve EMSMDB over ncacn_ip_tcp and an endpoint mapper')
    p.add_argument('--tcp-port', type=int, default=0, help='EMSMDB ncacn_ip_tcp port (0: any)')
    p.add_argument('--epm-port', type=int, default=0, help='endpoint mapper port (0: any)')
    p.add_argument('--epm-no-emsmdb', action='store_true',
                   help='the endpoint mapper answers EPT_S_NOT_REGISTERED for EMSMDB')
    p.add_argument('--krb5-keytab',
                   help='accept Kerberos binds (auth type 16) with the keys of this keytab')
    p.add_argument('--spnego', default='accept',
                   choices=('accept', 'refuse', 'bad-mic', 'no-mic', 'wrong-mech', 'reject'),
                   help='RPC auth type 9 (SPNEGO, NTLM inside): accept it, refuse it with a '
                   'bind_nak (authentication type not recognized), or misbehave')
    p.add_argument('--owa-version', help='send X-OWA-Version: VERSION on every HTTP answer '
                   '(the Exchange build, e.g. 15.2.1544.4)')
    p.add_argument('--tls-min', choices=sorted(TLS_VERSIONS),
                   help='lowest TLS version accepted (1.0 and 1.1 at OpenSSL security level 0)')
    p.add_argument('--tls-max', choices=sorted(TLS_VERSIONS), help='highest TLS version accepted')
    p.add_argument('--cert-key', choices=sorted(KEYS), default='ec256',
                   help='key of the server certificate')
    p.add_argument('--cert-digest', choices=('sha256', 'sha1'), default='sha256',
                   help='digest of the CA signature on the server certificate')
    p.add_argument('--log')
    autodiscover.add_arguments(p)
    httpauth.add_arguments(p)
    mapihttp.add_arguments(p)
    ARGS = p.parse_args()
    ARGS.encryption_required = ARGS.encryption_required == 'true'
    ARGS.mapi_enabled = ARGS.mapi_enabled == 'true'
    if ARGS.password_file:
        with open(ARGS.password_file) as f:
            ARGS.password = f.read().rstrip('\n')
    if ARGS.password is None:
        ARGS.password = 'Secret123!'
    if not ipaddress.ip_address(ARGS.listen).is_loopback:
        p.error('--listen must be a loopback address')
    if ARGS.log:
        LOG_FILE = open(ARGS.log, 'a', buffering=1)
    tmp = tempfile.mkdtemp(prefix='rpcenc-responder-')
    try:
        fam = socket.AF_INET6 if ':' in ARGS.listen else socket.AF_INET
        Server.address_family = fam
        srv = Server((ARGS.listen, ARGS.port), None)
        ca = '-'
        if not ARGS.no_tls:
            ca, crt, key = make_certs(tmp, ARGS.cert_name, ARGS.cert_days, ARGS.cert_key,
                                      ARGS.cert_digest)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            weak = ARGS.cert_key == 'rsa1024' or ARGS.cert_digest == 'sha1'
            if weak or ARGS.tls_min in ('1.0', '1.1'):
                # OpenSSL 3 refuses weak certificates and TLS < 1.2 above
                # security level 0; an old server is what is played here.
                ctx.set_ciphers('DEFAULT:@SECLEVEL=0')
            # TLS 1.2 at least unless asked (level 0 would allow 1.0).
            ctx.minimum_version = TLS_VERSIONS[ARGS.tls_min or '1.2']
            if ARGS.tls_max:
                ctx.maximum_version = TLS_VERSIONS[ARGS.tls_max]
            ctx.load_cert_chain(crt, key)
            srv.ssl_ctx = ctx
        httpauth.setup(ARGS, None if ARGS.no_tls else crt, tmp, log, user_matches, NtlmServer)
        port = srv.server_address[1]
        log('-', 'listening on %s port %d tls=%s encryption_required=%s http_auth=%s' % (
            ARGS.listen, port, not ARGS.no_tls, ARGS.encryption_required, ARGS.http_auth))
        ready = 'READY port=%d ca=%s' % (port, ca)
        ready += autodiscover.start(ARGS, port, log)
        if ARGS.rpc_tcp:
            tcp = Server((ARGS.listen, ARGS.tcp_port), None)
            ARGS.tcp_port = tcp.server_address[1]
            tcp.handler = lambda s, a: handle_rpc_tcp(s, a, EMSMDB, ARGS.tcp_port)
            epm = Server((ARGS.listen, ARGS.epm_port), None)
            ARGS.epm_port = epm.server_address[1]
            epm.handler = lambda s, a: handle_rpc_tcp(s, a, EPM, ARGS.epm_port)
            for extra in (tcp, epm):
                threading.Thread(target=extra.serve_forever, kwargs={'poll_interval': 0.2},
                                 daemon=True).start()
            log('-', 'listening on %s port %d (EMSMDB ncacn_ip_tcp) and port %d '
                '(endpoint mapper)%s' % (ARGS.listen, ARGS.tcp_port, ARGS.epm_port,
                                         ' epm_no_emsmdb' if ARGS.epm_no_emsmdb else ''))
            ready += ' tcp_port=%d epm_port=%d' % (ARGS.tcp_port, ARGS.epm_port)
        # Last, so that the fields before keep their order.
        ready += mapihttp.start(ARGS, port, log, Server, handle_connection)
        sys.stdout.write(ready + '\n')
        sys.stdout.flush()
        try:
            srv.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    main()
