# SPDX-License-Identifier: GPL-3.0-or-later
"""IIS-like HTTP authentication for the responder, with Extended Protection.

Windows authentication as IIS does it in front of the RPC proxy (and
Autodiscover): `WWW-Authenticate: Negotiate` and `NTLM` offered (Negotiate
only with --offer-negotiate), NTLM accepted under either scheme as raw
NTLMSSP (MS-NTHT 2), Basic when enabled.  NTLM authenticates the TCP
connection: the CHALLENGE lives on the connection that asked for it, and an
AUTHENTICATE arriving on another connection is refused.  Every leg is logged
with the connection's id, so tests can prove a client kept one connection.

Extended Protection (IIS extendedProtection tokenChecking):
  none     channel bindings are not looked at;
  allow    an AUTHENTICATE without a binding (no MsvAvChannelBindings, or
           the all-zero value of MS-NLMP 2.2.2.1) is accepted, a wrong one
           refused;
  require  a missing or wrong binding is refused.
--ep-door DOOR=MODE sets it for one door (rpc, autodiscover, mapi), as
IIS sets it per virtual directory.  Basic is unaffected.  The expected binding is computed here, independently
of the C library: RFC 5929 4.1 hash of the certificate (python3-cryptography
reads its signature hash), wrapped in a gss_channel_bindings_struct and
MD5-hashed (RFC 4121 4.1.1.2).  --ep-bind-cert other binds to a certificate
other than the one presented, as a TLS-terminating load balancer would
make the back end see.

Use: add_arguments(parser); setup(args, presented_pem, tmpdir, log,
user_matches, ntlm_server); then authenticate(conn, headers) per request."""

import base64
import hashlib
import ssl
import struct
import subprocess

from cryptography import x509

MSV_AV_EOL, MSV_AV_CHANNEL_BINDINGS, MSV_AV_TARGET_NAME = 0, 10, 9
STATE = {}


def add_arguments(p):
    p.add_argument('--extended-protection', choices=('none', 'allow', 'require'),
                   default='none', help='IIS Extended Protection for NTLM (token checking)')
    p.add_argument('--ep-door', action='append', default=[], metavar='DOOR=MODE',
                   help='Extended Protection of one door (rpc, autodiscover, mapi): '
                        'none, allow or require; others keep --extended-protection')
    p.add_argument('--ep-bind-cert', choices=('presented', 'other'), default='presented',
                   help='compute the expected channel binding from the presented '
                        'certificate or from another one (a TLS-terminating load balancer)')
    p.add_argument('--offer-negotiate', action='store_true',
                   help='offer WWW-Authenticate: Negotiate before NTLM, like IIS')
    p.add_argument('--stall-ntlm', choices=('RPC_IN_DATA', 'RPC_OUT_DATA'),
                   help='never answer the NTLM NEGOTIATE of this method (a stalled HTTP '
                        'authentication)')
    p.add_argument('--negotiate-only', action='store_true',
                   help='offer and accept only Negotiate (raw NTLMSSP inside), not the NTLM scheme')


def end_point_hash(der):
    """RFC 5929 4.1 tls-server-end-point certificate hash."""
    algo = x509.load_der_x509_certificate(der).signature_hash_algorithm.name
    if algo in ('md5', 'sha1'):
        algo = 'sha256'
    return hashlib.new(algo, der).digest()


def binding_md5(der):
    app = b'tls-server-end-point:' + end_point_hash(der)
    return hashlib.md5(b'\x00' * 16 + struct.pack('<I', len(app)) + app).digest()


def other_certificate(tmp):
    key, crt = tmp + '/lb.key', tmp + '/lb.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                    'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt,
                    '-days', '2', '-subj', '/CN=backend.example.test'],
                   check=True, capture_output=True)
    return crt


def setup(args, presented_pem, tmp, log, user_matches, ntlm_server):
    """presented_pem: the certificate the TLS listener presents (None: no
    TLS, so no binding can be expected)."""
    STATE.update(args=args, log=log, user_matches=user_matches, ntlm_server=ntlm_server,
                 expected=None, target=None)
    pem = presented_pem
    if pem and args.ep_bind_cert == 'other':
        pem = other_certificate(tmp)
    if pem:
        with open(pem) as f:
            STATE['expected'] = binding_md5(ssl.PEM_cert_to_DER_cert(f.read()))
        log('-', 'extended protection=%s binds to %s certificate, expected binding %s' % (
            args.extended_protection, args.ep_bind_cert, STATE['expected'].hex()))


def blob_pairs(auth):
    """AV pairs of the NTLMv2 blob of an AUTHENTICATE (MS-NLMP 2.2.2.7)."""
    ln, _, off = struct.unpack('<HHI', auth[20:28])
    blob = auth[off:off + ln][16 + 28:]
    pairs, i = {}, 0
    while i + 4 <= len(blob):
        aid, alen = struct.unpack('<HH', blob[i:i + 4])
        if aid == MSV_AV_EOL:
            break
        pairs[aid] = blob[i + 4:i + 4 + alen]
        i += 4 + alen
    return pairs


def door_mode(door):
    for spec in STATE['args'].ep_door:
        name, _, mode = spec.partition('=')
        if name == door and mode in ('none', 'allow', 'require'):
            return mode
    return STATE['args'].extended_protection


def check_binding(auth, door=None):
    """(ok, why) for Extended Protection."""
    mode = door_mode(door)
    try:
        pairs = blob_pairs(auth)
    except struct.error:
        return False, 'malformed NTLMv2 response'
    got = pairs.get(MSV_AV_CHANNEL_BINDINGS)
    target = pairs.get(MSV_AV_TARGET_NAME)
    detail = 'binding=%s target=%s' % (
        got.hex() if got else '-',
        target.decode('utf-16le', 'replace') if target else '-')
    if mode == 'none':
        return True, detail
    if not got or got == b'\x00' * 16:
        if mode == 'require':
            return False, 'channel binding missing (extended protection require) ' + detail
        return True, detail
    if STATE['expected'] is None or got != STATE['expected']:
        return False, 'channel binding mismatch (expected %s) %s' % (
            STATE['expected'].hex() if STATE['expected'] else 'none: no TLS', detail)
    return True, detail


def offers():
    mode = STATE['args'].http_auth
    out = []
    if mode in ('ntlm', 'any'):
        if STATE['args'].offer_negotiate or STATE['args'].negotiate_only:
            out.append(('WWW-Authenticate', 'Negotiate'))
        if not STATE['args'].negotiate_only:
            out.append(('WWW-Authenticate', 'NTLM'))
    if mode in ('basic', 'any'):
        out.append(('WWW-Authenticate', 'Basic realm="%s"' % STATE['args'].server_name))
    return out


def basic(c, token):
    log = STATE['log']
    try:
        user, _, pw = base64.b64decode(token).decode('utf-8').partition(':')
    except Exception:
        user, pw = '', ''
    if STATE['user_matches'](user) and pw == STATE['args'].password:
        c.http_user = user
        log(c.id, 'http auth=basic user=%s ok' % user)
        return True
    log(c.id, 'http auth=basic user=%s rejected' % user)
    return False


def stall(c):
    """Read and drop until the client gives up (bounded)."""
    STATE['log'](c.id, 'http auth stalled')
    c.sock.settimeout(1)
    for _ in range(60):
        try:
            if not c.sock.recv(65536):
                break
        except OSError as e:
            if 'timed out' not in str(e):
                break


def ntlm_leg(c, scheme, token, method, door=None):
    """True: authenticated; False: refused; None: a 401 with the CHALLENGE
    was sent."""
    log = STATE['log']
    try:
        msg = base64.b64decode(token, validate=True)
    except ValueError:
        log(c.id, 'http auth=%s rejected: token is not base64' % scheme)
        return False
    wrapped = None
    if scheme == 'negotiate' and msg[:1] in (b'\x60', b'\xa1'):
        # SPNEGO around NTLMSSP, as Windows sends it without a ticket.
        import spnego_server
        try:
            wrapped, msg, types, mic = spnego_server.unwrap(msg)
        except Exception as e:
            log(c.id, 'http auth=negotiate rejected: malformed SPNEGO (%s)' % e)
            return False
        if types is not None:
            c.spnego_types = types
    if msg[:8] != b'NTLMSSP\x00' or len(msg) < 12:
        log(c.id, 'http auth=%s rejected: not a raw NTLMSSP token (SPNEGO/Kerberos '
            'is not served here)' % scheme)
        return False
    mtype = struct.unpack('<I', msg[8:12])[0]
    if mtype == 1 and method == STATE['args'].stall_ntlm:
        stall(c)
        return False
    if mtype == 1:
        srv = STATE['ntlm_server']()
        chal = srv.challenge(msg)
        srv.conn_id = c.id
        c.ntlm_http = srv
        log(c.id, 'http auth=%s negotiate: challenge sent on conn=%s%s' % (
            scheme, c.id, ' (inside SPNEGO)' if wrapped else ''))
        if wrapped:
            import spnego_server
            chal = spnego_server.resp(1, spnego_server.NTLM_OID, chal)
        c.respond(401, 'Unauthorized', [('WWW-Authenticate', '%s %s' % (
            'Negotiate' if scheme == 'negotiate' else 'NTLM',
            base64.b64encode(chal).decode()))])
        return None
    if mtype != 3:
        log(c.id, 'http auth=%s rejected: NTLM message type %d' % (scheme, mtype))
        return False
    srv, c.ntlm_http = c.ntlm_http, None
    if srv is None:
        log(c.id, 'http auth=%s rejected: AUTHENTICATE on conn=%s, which got no '
            'CHALLENGE (NTLM authenticates the connection)' % (scheme, c.id))
        return False
    ok, who = srv.authenticate(msg)
    if not ok:
        log(c.id, 'http auth=%s rejected: %s' % (scheme, who))
        return False
    if wrapped:
        import spnego_server
        if not mic or not spnego_server.client_mic_ok(
                srv.flags, srv.exported, getattr(c, 'spnego_types', b''), mic):
            log(c.id, 'http auth=negotiate user=%s rejected: mechListMIC missing or wrong' % who)
            return False
        log(c.id, 'http auth=negotiate spnego mechListMIC verified')
    ok, why = check_binding(msg, door)
    if not ok:
        log(c.id, 'http auth=%s user=%s rejected: %s' % (scheme, who, why))
        return False
    c.http_user = who
    c.ntlm_user = who  # NTLM authenticates the connection (MS-NTHT 3)
    log(c.id, 'http auth=%s user=%s ok on conn=%s, challenge sent on conn=%s, %s' % (
        scheme, who, c.id, srv.conn_id, why))
    return True


def authenticate(c, headers, body=b'<html><body>401 Unauthorized</body></html>', method=None,
                 door=None):
    """True when the request is authenticated; otherwise a 401 was sent."""
    mode = STATE['args'].http_auth
    if mode == 'none':
        return True
    scheme, _, token = headers.get('authorization', '').partition(' ')
    scheme, token = scheme.lower(), token.strip()
    result = False
    if not scheme and getattr(c, 'ntlm_user', None):
        # As IIS: a connection NTLM authenticated stays authenticated;
        # later requests on it carry no Authorization.
        STATE['log'](c.id, 'http auth=- user=%s ok: conn=%s is NTLM-authenticated' % (c.ntlm_user, c.id))
        return True
    if scheme == 'basic' and mode in ('basic', 'any'):
        result = basic(c, token)
    elif scheme in ('ntlm', 'negotiate') and mode in ('ntlm', 'any') and not (
            scheme == 'ntlm' and STATE['args'].negotiate_only):
        result = ntlm_leg(c, scheme, token, method, door)
        if result is None:
            return False
    if result:
        return True
    c.respond(401, 'Unauthorized', offers(), body)
    return False
