#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An independent HTTP NTLM client for the responder's self-test:
python3-requests-ntlm (which sends channel bindings of the server's
certificate itself) or python3-ntlm-auth driven by hand over http.client,
so a test can choose the scheme, the binding and the connections.

  ntlm_http_client.py requests PORT CA [--no-cbt]
  ntlm_http_client.py raw PORT CA [--scheme NTLM|Negotiate]
                      [--cbt right|none|wrong] [--split]
  ntlm_http_client.py basic PORT CA

Prints one line: status=<HTTP status of the authenticated request>.  The
request is RPC_IN_DATA to the RPC proxy with a port the proxy refuses after
authentication, so 503 means "authenticated" and 401 "refused"; its body
is longer than 16 bytes (a shorter one is an echo request, MS-RPCH
2.1.2.1.5, answered 200).  --split sends the AUTHENTICATE on a second
connection."""
import argparse
import base64
import hashlib
import http.client
import ssl
import sys

from Cryptodome.Hash import MD4
from cryptography import x509
from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct
from ntlm_auth.ntlm import NtlmContext

URL = '/rpc/rpcproxy.dll?localhost:1'
USER, DOMAIN, PASSWORD = 'probe', 'EXAMPLE', 'Secret123!'
BODY = b'0123456789abcdefghijklmn'

# OpenSSL 3 keeps MD4 in its legacy provider, which Python's hashlib does
# not load: give ntlm-auth pycryptodome's MD4.
_hashlib_new = hashlib.new
hashlib.new = lambda name, data=b'', **kw: (
    MD4.new(data) if name.lower() == 'md4' else _hashlib_new(name, data, **kw))


def connect(port, ca):
    c = http.client.HTTPSConnection('localhost', port, timeout=20,
                                    context=ssl.create_default_context(cafile=ca))
    c.connect()
    return c


def bindings(conn, kind):
    """RFC 5929 4.1 from the certificate of this very connection."""
    if kind == 'none':
        return None
    cbt = GssChannelBindingsStruct()
    der = conn.sock.getpeercert(True)
    algo = x509.load_der_x509_certificate(der).signature_hash_algorithm.name
    digest = hashlib.new('sha256' if algo in ('md5', 'sha1') else algo, der).digest()
    if kind == 'wrong':
        digest = bytes(b ^ 0xff for b in digest)
    cbt[cbt.APPLICATION_DATA] = b'tls-server-end-point:' + digest
    return cbt


def leg(conn, scheme, token):
    conn.request('RPC_IN_DATA', URL, body=BODY, headers={
        'Authorization': '%s %s' % (scheme, base64.b64encode(token).decode()),
        'Content-Length': str(len(BODY)), 'Connection': 'Keep-Alive'})
    resp = conn.getresponse()
    resp.read()
    return resp


def raw(a):
    first = connect(a.port, a.ca)
    ctx = NtlmContext(USER, PASSWORD, DOMAIN, cbt_data=bindings(first, a.cbt))
    resp = leg(first, a.scheme, ctx.step())
    chal = None
    for k, v in resp.getheaders():
        if k.lower() == 'www-authenticate' and v.lower().startswith(a.scheme.lower() + ' '):
            chal = base64.b64decode(v.split(' ', 1)[1])
    if resp.status != 401 or chal is None:
        return resp.status
    second = connect(a.port, a.ca) if a.split else first
    return leg(second, a.scheme, ctx.step(chal)).status


def with_requests(a):
    import requests
    from requests_ntlm import HttpNtlmAuth
    r = requests.request('RPC_IN_DATA', 'https://localhost:%d%s' % (a.port, URL),
                         auth=HttpNtlmAuth('%s\\%s' % (DOMAIN, USER), PASSWORD,
                                           send_cbt=not a.no_cbt),
                         data=BODY, verify=a.ca, timeout=20)
    return r.status_code


def basic(a):
    conn = connect(a.port, a.ca)
    cred = base64.b64encode(('%s\\%s:%s' % (DOMAIN, USER, PASSWORD)).encode())
    conn.request('RPC_IN_DATA', URL, body=BODY,
                 headers={'Authorization': 'Basic ' + cred.decode(),
                          'Content-Length': str(len(BODY))})
    return conn.getresponse().status


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=('requests', 'raw', 'basic'))
    p.add_argument('port', type=int)
    p.add_argument('ca')
    p.add_argument('--no-cbt', action='store_true')
    p.add_argument('--scheme', default='NTLM')
    p.add_argument('--cbt', choices=('right', 'none', 'wrong'), default='right')
    p.add_argument('--split', action='store_true')
    a = p.parse_args()
    status = {'requests': with_requests, 'raw': raw, 'basic': basic}[a.mode](a)
    print('status=%d' % status)


sys.exit(main())
