# SPDX-License-Identifier: GPL-3.0-or-later
"""MAPI over HTTP (MS-OXCMAPIHTTP) for the test responder: the EMSMDB
endpoint POST /mapi/emsmdb/?MailboxId=<GUID>@<domain> with the Connect and
Disconnect request types, and the plain-http door next to the https one.

Imported by responder.py, which calls add_arguments(), start() and serve().
Written from MS-OXCMAPIHTTP independently of the C library: the request
headers of 2.2.3.1, the chunked response with the PROCESSING / PENDING /
DONE meta-tags and additional headers of 2.2.7, the X-ResponseCode table
of 2.2.3.3.3, the Connect body of 2.2.4.1.1 / 2.2.4.1.2 and the Disconnect
body of 2.2.4.3, the MapiContext / MapiSequence cookies of 2.2.3.2 (a
Disconnect without the context cookie is answered 13, an unknown context
10, a stale sequence 15).

Knobs (one per verdict row):
  --mapi-http off            404 on /mapi (MAPI over HTTP not offered)
  --mapi-http-enabled false  the Connect is answered ecProtocolDisabled
  --mapi-fault rc:N          the Connect is answered X-ResponseCode N
  --mapi-fault no-cookie     the Connect sets no cookies (Disconnect: 13)
  --mapi-fault stale-sequence the Disconnect is answered 15
  --mapi-fault stall         the Connect is answered PROCESSING, then
                             PENDING every second, never DONE
  --mapi-fault close         the Connect's answer says Connection: close
                             and the connection is closed after it
  --mapi-fault stall-disconnect the Disconnect is never answered
  --mapi-fault reauth        the connection forgets its NTLM
                             authentication after the Connect (as IIS
                             with authPersistSingleRequest): a request
                             without Authorization is answered 401
  --mapi-plain MODE          the plain-http door on its own port (READY
                             plain_port=N): closed (nothing listens:
                             connection refused), reset (accept, then
                             RST), 403.4 (IIS "SSL required"), redirect
                             (301 to https), open (the same endpoint in
                             clear), basic-only (401 offering only Basic),
                             stall (accept, never answer)"""

import os
import socket
import struct
import threading
import time

ARGS = None
LOG = None
HTTPS_PORT = None
SESSIONS = {}  # MapiContext -> current MapiSequence
SESSIONS_LOCK = threading.Lock()

EC_UNKNOWN_USER = 0x3EB
EC_PROTOCOL_DISABLED = 0x7D8
PATH = '/mapi/emsmdb/'


def add_arguments(p):
    p.add_argument('--mapi-http', choices=('on', 'off'), default='on',
                   help='off: no MAPI over HTTP endpoint (404 on /mapi)')
    p.add_argument('--mapi-http-enabled', choices=('true', 'false'), default='true',
                   help='false: the mailbox may not use MAPI over HTTP (ecProtocolDisabled)')
    p.add_argument('--mapi-fault',
                   help='rc:N (X-ResponseCode N on Connect), no-cookie, stale-sequence, stall, '
                   'close, reauth, stall-disconnect')
    p.add_argument('--mapi-plain', choices=('closed', 'reset', '403.4', 'redirect', 'open',
                                            'basic-only', 'stall'),
                   help='serve a plain-http door on its own port (READY plain_port=N)')
    p.add_argument('--mapi-plain-port', type=int, default=0,
                   help='port of the plain-http door (0: any)')
    p.add_argument('--mapi-pending', type=int, default=1,
                   help='PENDING meta-tags before DONE (default 1)')


def log(conn, msg):
    LOG(conn, msg)


def mailbox_id():
    return '%s@%s' % (ARGS.mailbox_guid, ARGS.ad_domain)


def start(args, https_port, logger, server_class, handler):
    """Set up after parsing; returns the extra READY fields."""
    global ARGS, LOG, HTTPS_PORT
    ARGS, LOG, HTTPS_PORT = args, logger, https_port
    if not ARGS.mapi_plain:
        return ''
    if ARGS.mapi_plain == 'closed':
        # A bound socket that never listens: connections are refused, and
        # no other process can take the port while we hold it.
        fam = socket.AF_INET6 if ':' in ARGS.listen else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.bind((ARGS.listen, ARGS.mapi_plain_port))
        start.closed = s
        port = s.getsockname()[1]
    else:
        srv = server_class((ARGS.listen, ARGS.mapi_plain_port), None)
        srv.handler = plain_handler(handler)
        threading.Thread(target=srv.serve_forever, kwargs={'poll_interval': 0.2},
                         daemon=True).start()
        port = srv.server_address[1]
    LOG('-', 'mapi plain door %s on port %d' % (ARGS.mapi_plain, port))
    return ' plain_port=%d' % port


def plain_handler(handler):
    def serve_plain(sock, peer):
        mode = ARGS.mapi_plain
        if mode == 'reset':
            LOG('-', 'mapi plain: reset peer=%s' % peer[0])
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            sock.close()
            return
        if mode == 'stall':
            LOG('-', 'mapi plain: stall peer=%s' % peer[0])
            sock.settimeout(1)
            for _ in range(120):
                try:
                    if not sock.recv(65536):
                        break
                except socket.timeout:
                    continue
                except OSError:
                    break
            return
        handler(sock, peer)
    return serve_plain


def plain(c):
    return not hasattr(c.sock, 'getpeercert')


def cookies(headers):
    out = {}
    for part in headers.get('cookie', '').split(';'):
        k, _, v = part.strip().partition('=')
        if k:
            out[k] = v
    return out


def send_chunk(c, data):
    c.send(b'%x\r\n%s\r\n' % (len(data), data))


def answer(c, rtype, body, rc=0, set_cookies=(), extra_text=b'', close=False):
    """A chunked MAPI over HTTP answer as Exchange streams it."""
    head = ('HTTP/1.1 200 OK\r\nContent-Type: application/mapi-http\r\n'
            'Transfer-Encoding: chunked\r\nX-RequestType: %s\r\nX-ResponseCode: %d\r\n'
            'X-RequestId: %s\r\nX-ServerApplication: Exchange/15.02.1118.007\r\n'
            'X-PendingPeriod: 15000\r\n' % (rtype, rc, c.mapi_request_id))
    for k, v in set_cookies:
        head += 'Set-Cookie: %s=%s; path=/mapi/emsmdb/; secure; HttpOnly\r\n' % (k, v)
    if close:
        head += 'Connection: close\r\n'
    c.send(head.encode() + b'\r\n')
    t0 = time.time()
    send_chunk(c, b'PROCESSING\r\n')
    for _ in range(ARGS.mapi_pending):
        send_chunk(c, b'PENDING\r\n')
    final = b'DONE\r\n' + extra_text + b'X-ElapsedTime: %d\r\nX-StartTime: %s\r\n\r\n' % (
        int((time.time() - t0) * 1000), time.strftime('%a, %d %b %Y %H:%M:%S GMT',
                                                       time.gmtime(t0)).encode())
    send_chunk(c, final + body)
    c.send(b'0\r\n\r\n')


def failure(c, rtype, rc, why):
    """X-ResponseCode != 0: a text body with the diagnostic (2.2.3.3.3)."""
    log(c.id, 'mapi %s X-ResponseCode %d (%s)' % (rtype, rc, why))
    body = ('<html><body>%s</body></html>' % why).encode()
    c.respond(200, 'OK', [('Content-Type', 'text/html'), ('X-RequestType', rtype),
                          ('X-ResponseCode', str(rc))], body)


def parse_connect(body):
    nul = body.index(b'\0')
    dn = body[:nul].decode('ascii')
    flags, cp, lcid_sort, lcid_str, aux = struct.unpack('<5I', body[nul + 1:nul + 21])
    if len(body) != nul + 21 + aux:
        raise ValueError('Connect body length')
    return dn, flags, cp, lcid_sort, lcid_str


def connect(c, headers, body):
    fault = ARGS.mapi_fault or ''
    try:
        dn, flags, cp, lcid_sort, lcid_str = parse_connect(body)
    except (ValueError, struct.error) as e:
        failure(c, 'Connect', 12, 'invalid request body: %s' % e)
        return
    log(c.id, 'mapi Connect dn=%s flags=%#x codepage=%d lcid=%#x/%#x plain=%s' % (
        dn, flags, cp, lcid_sort, lcid_str, plain(c)))
    if fault.startswith('rc:'):
        failure(c, 'Connect', int(fault[3:]), 'fault')
        return
    if fault == 'stall':
        log(c.id, 'mapi fault stall')
        c.send(b'HTTP/1.1 200 OK\r\nContent-Type: application/mapi-http\r\n'
               b'Transfer-Encoding: chunked\r\nX-RequestType: Connect\r\nX-ResponseCode: 0\r\n\r\n')
        send_chunk(c, b'PROCESSING\r\n')
        for _ in range(120):
            time.sleep(1)
            send_chunk(c, b'PENDING\r\n')
        return
    ec = 0
    if dn.lower() != ARGS.mailbox.lower():
        ec = EC_UNKNOWN_USER
    elif ARGS.mapi_http_enabled == 'false' or not ARGS.mapi_enabled:
        ec = EC_PROTOCOL_DISABLED
    if ec:
        log(c.id, 'mapi Connect refused ec=%#x' % ec)
        answer(c, 'Connect', struct.pack('<5I', 0, ec, 0, 0, 0) + b'\0\0\0' +
               struct.pack('<I', 0))
        return
    ctx, seq = os.urandom(12).hex(), os.urandom(6).hex()
    set_cookies = [] if fault == 'no-cookie' else [('MapiContext', ctx), ('MapiSequence', seq)]
    with SESSIONS_LOCK:
        SESSIONS[ctx] = seq
    name = ARGS.display_name.encode('utf-16-le') + b'\0\0'
    resp = struct.pack('<5I', 0, 0, 60000, 6, 10000) + b'/o=Example\0' + name + \
        struct.pack('<I', 0)
    log(c.id, 'mapi Connect ok context=%s' % ctx)
    if fault == 'reauth':
        log(c.id, 'mapi fault reauth: conn=%s is no longer authenticated' % c.id)
        c.ntlm_user = None
    answer(c, 'Connect', resp, set_cookies=set_cookies, close=fault == 'close')
    if fault == 'close':
        log(c.id, 'mapi fault close: Connection: close after the Connect')
        return False
    return True


def disconnect(c, headers, body):
    got = cookies(headers)
    ctx, seq = got.get('MapiContext'), got.get('MapiSequence')
    if not ctx or not seq:
        failure(c, 'Disconnect', 13, 'missing cookie')
        return
    with SESSIONS_LOCK:
        want = SESSIONS.get(ctx)
        if want is not None and want == seq and ARGS.mapi_fault != 'stale-sequence':
            del SESSIONS[ctx]
    if want is None:
        failure(c, 'Disconnect', 10, 'context not found')
        return
    if want != seq or ARGS.mapi_fault == 'stale-sequence':
        failure(c, 'Disconnect', 15, 'invalid sequence')
        return
    if ARGS.mapi_fault == 'stall-disconnect':
        log(c.id, 'mapi fault stall-disconnect')
        time.sleep(30)
        return
    log(c.id, 'mapi Disconnect ok context=%s' % ctx)
    answer(c, 'Disconnect', struct.pack('<3I', 0, 0, 0))


def serve(c, method, path, query, headers, clen, check_http_auth):
    """None when the request is not for /mapi; True when answered and the
    connection may carry another request."""
    if not path.lower().startswith('/mapi'):
        return None
    is_plain = plain(c)
    if is_plain:
        mode = ARGS.mapi_plain
        if mode == '403.4':
            log(c.id, 'mapi plain: 403.4')
            c.respond(403, 'Forbidden', [('Content-Type', 'text/html')],
                      b'<html><body><h3>HTTP Error 403.4 - Forbidden</h3><p>The page you '
                      b'are trying to access is secured with Secure Sockets Layer (SSL).'
                      b'</p></body></html>', close=True)
            return False
        if mode == 'redirect':
            log(c.id, 'mapi plain: redirect')
            c.respond(301, 'Moved Permanently',
                      [('Location', 'https://localhost:%d%s?%s' % (HTTPS_PORT, path, query))],
                      close=True)
            return False
        if mode == 'basic-only':
            log(c.id, 'mapi plain: 401 offering Basic only (auth=%s)' %
                (headers.get('authorization', '-').split(' ')[0]))
            if clen:
                c.read(clen)
            c.respond(401, 'Unauthorized', [('WWW-Authenticate', 'Basic realm="mapi"')],
                      b'<html>401</html>')
            return True
    if ARGS.mapi_http == 'off' or path.lower().rstrip('/') != PATH.rstrip('/'):
        if clen:
            c.read(clen)
        c.respond(404, 'Not Found', body=b'<html>404 Not Found</html>')
        return True
    if method != 'POST':
        c.respond(405, 'Method Not Allowed', close=True)
        return False
    if clen > 65536:
        c.respond(413, 'Request Entity Too Large', close=True)
        return False
    body = c.read(clen) if clen else b''
    if not check_http_auth(c, method, headers):
        log(c.id, 'mapi 401')
        return True
    c.mapi_request_id = headers.get('x-requestid', '')
    rtype = headers.get('x-requesttype', '')
    mid = dict(p.partition('=')[::2] for p in query.split('&') if p).get('MailboxId', '')
    if headers.get('content-type', '').lower() != 'application/mapi-http':
        failure(c, rtype or '-', 4, 'invalid content type')
        return True
    if not c.mapi_request_id or not headers.get('x-clientinfo'):
        failure(c, rtype or '-', 7, 'missing header')
        return True
    if mid.lower() != mailbox_id().lower():
        log(c.id, 'mapi MailboxId %s unknown (want %s)' % (mid, mailbox_id()))
        c.respond(404, 'Not Found', [('X-RequestType', rtype), ('X-ResponseCode', '3')],
                  b'<html>mailbox not found</html>')
        return True
    if rtype == 'Connect':
        return connect(c, headers, body) is not False
    elif rtype == 'Disconnect':
        disconnect(c, headers, body)
    else:
        failure(c, rtype or '-', 5, 'invalid request type')
    return True
