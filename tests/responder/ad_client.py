#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small independent Autodiscover client (Python's http.client and
ElementTree) for the responder's self-test.

  ad_client.py post PORT CA EMAIL [USER PASSWORD [MAPIHTTP]]
      POSTs the POX request (MS-OXDSCLI 2.2.3) with Basic authentication and
      prints one line: "status=N action=settings dn=... expr=HOST ssl=On
      auth=PKG exch=SERVER version=HEX", "status=N action=redirectAddr
      target=...", "status=N error=CODE message=..." or "status=N".
  ad_client.py get HTTP_PORT
      The unauthenticated GET of MS-OXDISCO 3.1.5.4: "status=N location=URL".
  ad_client.py channel PORT CA REMOTENAME
      RPC_OUT_DATA for REMOTENAME:6001 with Basic auth and Expect:
      100-continue: "status=N reason=TEXT" (100 = the proxy accepted it)."""
import base64
import http.client
import socket
import ssl
import sys
import xml.etree.ElementTree as ET

NS_REQ = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006'
NS_BASE = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006'
NS_OUT = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'


def basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


def summary(status, body):
    if status != 200 or not body:
        return 'status=%d' % status
    root = ET.fromstring(body)
    err = root.find('.//{%s}Error' % NS_BASE)
    if err is None:
        err = root.find('.//{%s}Error' % NS_OUT)
    if err is not None:
        ns = err.tag.split('}')[0][1:]
        return 'status=%d error=%s message=%s' % (
            status, err.findtext('{%s}ErrorCode' % ns), err.findtext('{%s}Message' % ns))
    q = lambda p: root.findtext(p.replace('o:', '{%s}' % NS_OUT)) or '-'
    action = q('o:Response/o:Account/o:Action')
    if action != 'settings':
        target = q('o:Response/o:Account/o:RedirectAddr')
        if target == '-':
            target = q('o:Response/o:Account/o:RedirectUrl')
        return 'status=%d action=%s target=%s' % (status, action, target)
    protos = {}
    for p in root.iter('{%s}Protocol' % NS_OUT):
        kind = p.get('Type') or p.findtext('{%s}Type' % NS_OUT)
        protos.setdefault(kind, p)
    f = lambda kind, el: (protos[kind].findtext('{%s}%s' % (NS_OUT, el)) or '-') \
        if kind in protos else '-'
    return 'status=%d action=settings dn=%s expr=%s ssl=%s auth=%s exch=%s version=%s mapi=%s' % (
        status, q('o:Response/o:User/o:LegacyDN'), f('EXPR', 'Server'), f('EXPR', 'SSL'),
        f('EXPR', 'AuthPackage'), f('EXCH', 'Server'), f('EXCH', 'ServerVersion'),
        'yes' if 'mapiHttp' in protos else 'no')


def post(port, ca, email, user='EXAMPLE\\probe', password='Secret123!', mapi=None):
    body = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="%s"><Request>'
            '<EMailAddress>%s</EMailAddress><AcceptableResponseSchema>%s'
            '</AcceptableResponseSchema></Request></Autodiscover>' % (NS_REQ, email, NS_OUT))
    ctx = ssl.create_default_context(cafile=ca)
    conn = http.client.HTTPSConnection('localhost', port, context=ctx, timeout=10)
    headers = {'Content-Type': 'text/xml; charset=utf-8', 'Authorization': basic(user, password),
               'X-ClientCanHandle': 'Negotiate'}
    if mapi:
        headers['X-MapiHttpCapability'] = '1'
    conn.request('POST', '/Autodiscover/Autodiscover.xml', body.encode(), headers)
    r = conn.getresponse()
    return summary(r.status, r.read())


def get(port):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    conn.request('GET', '/autodiscover/autodiscover.xml')
    r = conn.getresponse()
    return 'status=%d location=%s' % (r.status, r.getheader('Location') or '-')


def channel(port, ca, name):
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(('localhost', port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname='localhost') as s:
            s.sendall(('RPC_OUT_DATA /rpc/rpcproxy.dll?%s:6001 HTTP/1.1\r\nHost: localhost\r\n'
                       'Authorization: %s\r\nContent-Length: 76\r\nExpect: 100-continue\r\n'
                       '\r\n' % (name, basic('EXAMPLE\\probe', 'Secret123!'))).encode())
            line = s.recv(4096).split(b'\r\n', 1)[0].decode('latin-1')
    _, status, reason = (line.split(' ', 2) + [''])[:3]
    return 'status=%s reason=%s' % (status, reason)


def main(argv):
    if argv[0] == 'post':
        return post(int(argv[1]), argv[2], *argv[3:])
    if argv[0] == 'get':
        return get(int(argv[1]))
    if argv[0] == 'channel':
        return channel(int(argv[1]), argv[2], argv[3])
    raise SystemExit(__doc__)


if __name__ == '__main__':
    print(main(sys.argv[1:]))
