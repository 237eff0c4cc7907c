# SPDX-License-Identifier: GPL-3.0-or-later
"""Autodiscover and Exchange 2013+ routing for the test responder.

Imported by responder.py, which calls add_arguments(), start(), serve(),
refuse_remote_name() and store_version().  Written from MS-OXDSCLI (the POX
request and response), MS-OXDISCO (how clients find the service: the
unauthenticated http GET answered with a 302, DNS SRV) and the behaviour of
Exchange's RPC proxy:

* POST /autodiscover/autodiscover.xml on the RPC proxy's port, behind the
  same HTTP authentication, answers the monitored mailbox (--email) with
  User/LegacyDN, Protocol EXPR (the RPC proxy: --expr-server, SSL, the
  AuthPackage of --http-auth) and EXCH (Server = <mailbox GUID>@<domain> in
  Exchange 2013+ mode, the server's FQDN in 2010 mode); addresses named by
  --ad-redirect-addr / --ad-redirect-url get those redirects, --ad-loop
  sends every address back to this URL, anything else gets the POX Error
  500 "The e-mail address cannot be found.".  --ad-fault breaks the answer.
* --ad-http: a plain-HTTP listener whose GET of the well-known path answers
  302 to https://<--ad-http-host>:<port>/autodiscover/autodiscover.xml (or
  --ad-http-location); READY gains http_port=N.
* --ad-dns on|stall|dot: a UDP DNS server on loopback answering the SRV
  query _autodiscover._tcp.<domain> with --srv-target and this port
  (stall: never answers; dot: target "." = no service); READY gains
  dns_port=N.
* --exchange 2013|2016|2019: the RPC proxy accepts only <GUID>@<domain> as
  RemoteName (HTTP 404 otherwise, "503 RPC Error: 6ba" for names given to
  --no-access), and EcDoConnectEx reports a 15.x server version."""

import socketserver
import struct
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

NS_REQUEST = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006'
NS_RESPONSE = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006'
NS_OUTLOOK = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'
PATH = '/autodiscover/autodiscover.xml'

# Exchange version: (store version words of EcDoConnectEx's rgwServerVersion,
# i.e. MS-OXCRPC 3.1.4.1.3's new format, and the four-part number).
VERSIONS = {
    '2010': (14, 3, 123, 4),
    '2013': (15, 0, 1497, 2),
    '2016': (15, 1, 2507, 6),
    '2019': (15, 2, 1118, 7),
}

ARGS = None
LOG = None
PORT = None


def add_arguments(p):
    p.add_argument('--exchange', choices=sorted(VERSIONS), default='2010',
                   help='2013 and later: RemoteName must be <mailbox GUID>@<domain>, 15.x versions')
    p.add_argument('--email', help='the monitored mailbox address (default <user>@<ad-domain>)')
    p.add_argument('--ad-domain', default='example.test', help='the mail domain')
    p.add_argument('--mailbox-guid', default='3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f')
    p.add_argument('--expr-server', default='localhost',
                   help='Server of Protocol EXPR (the RPC proxy host name)')
    p.add_argument('--no-access', action='append', default=[], metavar='REMOTENAME',
                   help='answer 503 "RPC Error: 6ba" for this RemoteName')
    p.add_argument('--ad-redirect-addr', action='append', default=[], metavar='FROM=TO',
                   help='Action redirectAddr for address FROM')
    p.add_argument('--ad-redirect-url', action='append', default=[], metavar='ADDR=URL',
                   help='Action redirectUrl for address ADDR, unless asked at URL\'s '
                        'host:port (then settings); {port} in URL is this port')
    p.add_argument('--ad-loop', action='store_true',
                   help='answer every address with redirectUrl to this same URL')
    p.add_argument('--ad-fault', choices=('malformed', 'no-expr', 'html', 'huge', 'entity',
                                          'stall'),
                   help='break the Autodiscover answer (stall: never answer)')
    p.add_argument('--ad-http', action='store_true',
                   help='plain-HTTP listener answering GET with a 302 to the https endpoint')
    p.add_argument('--ad-http-host', default='localhost', help='host name in that 302')
    p.add_argument('--ad-http-location', help='the 302 Location (default: this https endpoint)')
    p.add_argument('--ad-dns', choices=('on', 'stall', 'dot'),
                   help='UDP DNS server answering _autodiscover._tcp.<ad-domain> SRV')
    p.add_argument('--srv-target', default='localhost', help='target of that SRV record')


def log(msg):
    LOG('-', msg)


def start(args, port, logger):
    """Set up after parsing; returns the extra READY fields."""
    global ARGS, LOG, PORT
    ARGS, LOG, PORT = args, logger, port
    if not ARGS.email:
        ARGS.email = '%s@%s' % (ARGS.user, ARGS.ad_domain)
    ready = ''
    if ARGS.ad_http:
        srv = HTTPServer((ARGS.listen if ':' not in ARGS.listen else '127.0.0.1', 0), RedirectHandler)
        threading.Thread(target=srv.serve_forever, kwargs={'poll_interval': 0.2},
                         daemon=True).start()
        ready += ' http_port=%d' % srv.server_address[1]
    if ARGS.ad_dns:
        dns = socketserver.ThreadingUDPServer(('127.0.0.1', 0), DnsHandler)
        threading.Thread(target=dns.serve_forever, kwargs={'poll_interval': 0.2},
                         daemon=True).start()
        ready += ' dns_port=%d' % dns.server_address[1]
    log('autodiscover email=%s exchange=%s remote_name=%s%s' % (
        ARGS.email, ARGS.exchange, remote_name(), ready))
    return ready


def modern():
    return ARGS.exchange != '2010'


def remote_name():
    """What Autodiscover names as EXCH Server, i.e. the RemoteName."""
    if modern():
        return '%s@%s' % (ARGS.mailbox_guid, ARGS.ad_domain)
    return '%s.%s' % (ARGS.server_name.lower(), ARGS.ad_domain)


def store_version():
    """rgwServerVersion words for EcDoConnectEx (MS-OXCRPC 3.1.4.1.3)."""
    major, minor, build, rev = VERSIONS[ARGS.exchange]
    return struct.pack('<HHH', major << 8 | minor, 0x8000 | build, rev)


def server_version_hex():
    """POX ServerVersion: major in bits 27..22, minor 21..16, build 14..0."""
    major, minor, build, _ = VERSIONS[ARGS.exchange]
    return '%08X' % (7 << 28 | major << 22 | minor << 16 | 0x8000 | build)


# --- the RPC proxy's RemoteName (Exchange 2013+) --------------------------------

def refuse_remote_name(c, name):
    """True when the channel request was answered with an error."""
    if name.lower() in (n.lower() for n in ARGS.no_access):
        LOG(c.id, 'remote name %s: no access, 503 RPC Error: 6ba' % name)
        c.respond(503, 'RPC Error: 6ba', body=b'<html>RPC Error: 6ba</html>', close=True)
        return True
    if modern() and name.lower() != remote_name().lower():
        LOG(c.id, 'remote name %s unknown (want %s), 404' % (name, remote_name()))
        c.respond(404, 'Not Found', body=b'<html>404 Not Found</html>', close=True)
        return True
    return False


# --- POST /autodiscover/autodiscover.xml -----------------------------------------

def serve(c, method, path, headers, clen, check_http_auth):
    """None when the request is not for Autodiscover; True when answered and
    the connection may carry another request."""
    if path.lower() != PATH:
        return None
    if method != 'POST':
        c.respond(405, 'Method Not Allowed', close=True)
        return False
    if clen > 65536:
        c.respond(413, 'Request Entity Too Large', close=True)
        return False
    if headers.get('expect', '').lower() == '100-continue' and clen:
        c.send(b'HTTP/1.1 100 Continue\r\n\r\n')
    body = c.read(clen) if clen else b''
    if not check_http_auth(c, method, headers):
        LOG(c.id, 'autodiscover 401')
        return True
    if ARGS.ad_fault == 'stall':
        LOG(c.id, 'autodiscover fault stall')
        c.sock.settimeout(120)
        while c.sock.recv(65536):
            pass
        return False
    status, xml = answer(c, body, headers)
    c.respond(status, 'OK' if status == 200 else 'Error',
              [('Content-Type', 'text/xml; charset=utf-8')], xml)
    return True


def request_address(body):
    root = ET.fromstring(body)
    req = root.find('{%s}Request' % NS_REQUEST)
    if root.tag != '{%s}Autodiscover' % NS_REQUEST or req is None:
        raise ValueError('not a POX request')
    addr = req.findtext('{%s}EMailAddress' % NS_REQUEST) or ''
    schema = req.findtext('{%s}AcceptableResponseSchema' % NS_REQUEST) or ''
    return addr.strip(), schema.strip()


def pairs(specs):
    return dict(s.split('=', 1) for s in specs)


def answer(c, body, headers):
    try:
        addr, schema = request_address(body)
    except (ET.ParseError, ValueError) as e:
        LOG(c.id, 'autodiscover bad request (%s)' % e)
        return 200, error_xml('600', 'Invalid Request')
    LOG(c.id, 'autodiscover request email=%s schema=%s' % (addr, schema))
    if schema != NS_OUTLOOK:
        return 200, error_xml('601', 'The requested schema is not available.')
    if ARGS.ad_fault:
        return 200, broken(ARGS.ad_fault)
    redirect_addr = {k.lower(): v for k, v in pairs(ARGS.ad_redirect_addr).items()}
    redirect_url = {k.lower(): v.replace('{port}', str(PORT))
                    for k, v in pairs(ARGS.ad_redirect_url).items()}
    if addr.lower() in redirect_addr:
        return 200, redirect_xml('redirectAddr', 'RedirectAddr', redirect_addr[addr.lower()])
    target = redirect_url.get(addr.lower())
    if target and urlsplit(target).netloc.lower() != headers.get('host', '').lower():
        return 200, redirect_xml('redirectUrl', 'RedirectUrl', target)
    if target:
        LOG(c.id, 'autodiscover settings for %s at its redirectUrl' % addr)
        return 200, settings_xml(False)
    if ARGS.ad_loop:
        return 200, redirect_xml('redirectUrl', 'RedirectUrl', own_url())
    if addr.lower() != ARGS.email.lower():
        LOG(c.id, 'autodiscover unknown address %s: POX error 500' % addr)
        return 200, error_xml('500', 'The e-mail address cannot be found.')
    # MAPI over HTTP switched off (--mapi-http off): no mapiHttp Protocol.
    mapi = modern() and headers.get('x-mapihttpcapability', '') not in ('', '0') and \
        getattr(ARGS, 'mapi_http', 'on') == 'on'

    LOG(c.id, 'autodiscover settings for %s%s' % (addr, ' (mapiHttp)' if mapi else ''))
    return 200, settings_xml(mapi)


def own_url():
    return 'https://%s:%d%s' % (ARGS.expr_server, PORT, PATH)


def envelope(inner, outlook=True):
    ns = (' xmlns="%s"' % NS_OUTLOOK) if outlook else ''
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n<Autodiscover xmlns="%s">'
            '<Response%s>%s</Response></Autodiscover>' % (NS_RESPONSE, ns, inner)).encode()


def error_xml(code, message):
    # MS-OXDSCLI 2.2.4.1.1.3; Exchange puts it in the base schema.
    return envelope('<Error Time="%s" Id="2257880431"><ErrorCode>%s</ErrorCode>'
                    '<Message>%s</Message><DebugData /></Error>' % (
                        '12:00:00.0000000', code, escape(message)), outlook=False)


def redirect_xml(action, element, target):
    return envelope('<Account><AccountType>email</AccountType><Action>%s</Action>'
                    '<%s>%s</%s></Account>' % (action, element, escape(target), element))


def auth_package():
    return {'basic': 'Basic', 'ntlm': 'Ntlm', 'any': 'Ntlm'}.get(ARGS.http_auth)


def settings_xml(mapi, expr=True):
    org = '/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)'
    user = ('<User><DisplayName>%s</DisplayName><LegacyDN>%s</LegacyDN>'
            '<AutoDiscoverSMTPAddress>%s</AutoDiscoverSMTPAddress>'
            '<DeploymentId>644560b8-a1ce-429c-8ace-23395843f701</DeploymentId></User>' % (
                escape(ARGS.display_name), escape(ARGS.mailbox), escape(ARGS.email)))
    if mapi:
        protos = ('<Protocol Type="mapiHttp" Version="1"><MailStore><ExternalUrl>'
                  'https://%s/mapi/emsmdb/?MailboxId=%s</ExternalUrl></MailStore></Protocol>' % (
                      ARGS.expr_server, remote_name()))
        return envelope(user + '<Account><AccountType>email</AccountType>'
                        '<Action>settings</Action>%s</Account>' % protos)
    exch = ('<Protocol><Type>EXCH</Type><Server>%s</Server>'
            '<ServerDN>%s/cn=Configuration/cn=Servers/cn=%s</ServerDN>'
            '<ServerVersion>%s</ServerVersion>'
            '<MdbDN>%s/cn=Configuration/cn=Servers/cn=%s/cn=Microsoft Private MDB</MdbDN>'
            '<ASUrl>https://%s/EWS/Exchange.asmx</ASUrl></Protocol>' % (
                remote_name(), org, remote_name(), server_version_hex(), org,
                ARGS.server_name, ARGS.expr_server))
    pkg = auth_package()
    expr = ('<Protocol><Type>EXPR</Type><Server>%s</Server><SSL>%s</SSL>%s'
            '<CertPrincipalName>msstd:%s</CertPrincipalName></Protocol>' % (
                ARGS.expr_server, 'Off' if ARGS.no_tls else 'On',
                '<AuthPackage>%s</AuthPackage>' % pkg if pkg else '', ARGS.expr_server)) \
        if expr else ''
    return envelope(user + '<Account><AccountType>email</AccountType><Action>settings</Action>'
                    + exch + expr + '</Account>')


def broken(kind):
    if kind == 'malformed':
        return settings_xml(False)[:-40]
    if kind == 'no-expr':
        return settings_xml(False, expr=False)
    if kind == 'html':
        return b'<html><head><title>Sign in</title></head><body>Outlook Web App</body></html>'
    if kind == 'huge':
        return envelope('<User><DisplayName>%s</DisplayName></User>' % ('x' * 300000))
    return (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;">]>'
            b'<Autodiscover xmlns="' + NS_RESPONSE.encode() + b'">&l2;</Autodiscover>')


# --- the unauthenticated http GET (MS-OXDISCO 3.1.5.4) ----------------------------

class RedirectHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *a):
        log('http ' + fmt % a)

    def do_GET(self):
        if self.path.split('?')[0].lower() != PATH:
            self.send_response(404)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        loc = ARGS.ad_http_location or 'https://%s:%d%s' % (ARGS.ad_http_host, PORT, PATH)
        log('http GET redirect 302 to %s' % loc)
        self.send_response(302, 'Found')
        self.send_header('Location', loc)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def do_POST(self):
        # Real servers answer plain-HTTP POSTs with a redirect or an error,
        # never with settings.
        self.send_response(403, 'Forbidden')
        self.send_header('Content-Length', '0')
        self.end_headers()


# --- DNS SRV (RFC 2782, RFC 1035) --------------------------------------------------

def dns_name(name):
    out = b''
    for label in name.rstrip('.').split('.') if name not in ('', '.') else []:
        out += bytes([len(label)]) + label.encode()
    return out + b'\x00'


def dns_qname(msg, off):
    labels = []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode('ascii', 'replace'))
        off += 1 + n
    return '.'.join(labels), off + 1


class DnsHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        try:
            qid, _flags, qd = struct.unpack('>HHH', data[:6])
            name, end = dns_qname(data, 12)
            qtype = struct.unpack('>H', data[end:end + 2])[0]
        except (struct.error, IndexError):
            return
        log('dns query %s type %d' % (name, qtype))
        if ARGS.ad_dns == 'stall':
            return
        question = data[12:end + 4]
        want = '_autodiscover._tcp.%s' % ARGS.ad_domain
        if name.lower() != want.lower() or qtype != 33 or qd != 1:
            sock.sendto(struct.pack('>HHHHHH', qid, 0x8183, 1, 0, 0, 0) + question,
                        self.client_address)
            return
        target = '' if ARGS.ad_dns == 'dot' else ARGS.srv_target
        rdata = struct.pack('>HHH', 0, 100, 0 if ARGS.ad_dns == 'dot' else PORT) + dns_name(target)
        rr = struct.pack('>HHHIH', 0xC00C, 33, 1, 300, len(rdata)) + rdata
        sock.sendto(struct.pack('>HHHHHH', qid, 0x8580, 1, 1, 0, 0) + question + rr,
                    self.client_address)


if __name__ == '__main__':
    raise SystemExit('imported by responder.py')
