# SPDX-License-Identifier: GPL-3.0-or-later
"""SPNEGO acceptor with NTLM inside, for the responder's RPC auth type 9
(RFC 4178, MS-SPNG, MS-RPCE 3.3.1.5.2): NegTokenInit in the bind, the
NTLM CHALLENGE in the bind_ack, AUTHENTICATE and mechListMIC in an
alter_context, accept-completed and the server's mechListMIC in the
alter_context_resp.  The NegTokenInit is read with impacket's spnego
module and the first NegTokenResp written with it; the DER of the later
tokens (which impacket's module does not cover: mechListMIC) is done
here, independently of the plugin's lib/spnego.c.

Knobs (--spnego): accept; refuse (bind_nak 'authentication type not
recognized'); bad-mic (the server's mechListMIC is corrupted); no-mic
(none sent); wrong-mech (supportedMech Kerberos, which the client did not
offer when it offers NTLM alone); reject (negState reject)."""
import hashlib
import hmac
import struct

from Cryptodome.Cipher import ARC4
from impacket import ntlm, spnego

NTLM_OID = b'\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a'
KRB5_OID = b'\x2a\x86\x48\x86\xf7\x12\x01\x02\x02'


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def tlv(tag, value):
    return bytes([tag]) + der_len(len(value)) + value


def der_read(buf, off):
    """(tag, value start, value end) of the element at off."""
    tag = buf[off]
    n = buf[off + 1]
    start = off + 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(buf[start:start + k], 'big')
        start += k
    if start + n > len(buf):
        raise ValueError('DER element overruns its token')
    return tag, start, start + n


def mech_types_der(init_token):
    """The raw MechTypeList (SEQUENCE OF OID) of a NegTokenInit: what the
    mechListMIC covers."""
    _, s, _ = der_read(init_token, 0)          # [APPLICATION 0]
    _, _, e = der_read(init_token, s)          # thisMech OID
    tag, s, _ = der_read(init_token, e)        # [0] NegTokenInit
    tag, s, _ = der_read(init_token, s)        # SEQUENCE
    tag, s, e = der_read(init_token, s)        # [0] mechTypes
    if tag != 0xa0:
        raise ValueError('NegTokenInit without mechTypes')
    return init_token[s:e]


def resp_fields(token):
    """{field number: raw value} of a NegTokenResp."""
    tag, s, e = der_read(token, 0)
    if tag != 0xa1:
        raise ValueError('not a NegTokenResp')
    tag, s, e = der_read(token, s)
    out = {}
    while s < e:
        tag, vs, ve = der_read(token, s)
        inner_tag, is_, ie = der_read(token, vs)
        out[tag - 0xa0] = token[is_:ie]
        s = ve
    return out


def resp(neg_state=None, mech=None, token=None, mic=None):
    fields = b''
    if neg_state is not None:
        fields += tlv(0xa0, tlv(0x0a, bytes([neg_state])))
    if mech is not None:
        fields += tlv(0xa1, tlv(0x06, mech))
    if token is not None:
        fields += tlv(0xa2, tlv(0x04, token))
    if mic is not None:
        fields += tlv(0xa3, tlv(0x04, mic))
    return tlv(0xa1, tlv(0x30, fields))


def client_mic_ok(flags, exported, types, mic):
    """The client's mechListMIC: an NTLM signature with sequence number 0
    over the MechTypeList (MS-NLMP 3.4.4.2), computed here from the keys."""
    sign = ntlm.SIGNKEY(flags, exported, 'Client')
    seal = ARC4.new(ntlm.SEALKEY(flags, exported, 'Client'))
    mac = hmac.new(sign, struct.pack('<I', 0) + types, hashlib.md5).digest()[:8]
    if flags & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH:
        mac = seal.encrypt(mac)
    want = struct.pack('<I', 1) + mac + struct.pack('<I', 0)
    return hmac.compare_digest(want, mic)


def unwrap(msg):
    """(kind, inner NTLM message, mechTypes DER or None, mechListMIC or None)
    of a SPNEGO token from an HTTP Negotiate header; kind 'init' or 'resp'."""
    if msg[:1] == b'\x60':
        init = spnego.SPNEGO_NegTokenInit(msg)
        return 'init', init.fields.get('MechToken', b''), mech_types_der(msg), None
    f = resp_fields(msg)
    return 'resp', f.get(2, b''), None, f.get(3)


class SpnegoNtlm:
    """One association's SPNEGO context; step() returns the token for the
    answer (bind_ack / alter_context_resp), raises ValueError on refusal."""

    def __init__(self, ntlm_server, session_cls, knob, log):
        self.ntlm = ntlm_server
        self.session_cls = session_cls
        self.knob = knob
        self.log = log
        self.types = None
        self.session = None
        self.complete = False
        self.user = None

    def step(self, token):
        if self.types is None:
            return self.init(token)
        f = resp_fields(token)
        if 2 in f and f[2][:8] == b'NTLMSSP\x00' and f[2][8] == 1:
            return resp(1, None, self.ntlm.challenge(f[2]))
        if 2 not in f:
            raise ValueError('NegTokenResp without the NTLM AUTHENTICATE')
        ok, who = self.ntlm.authenticate(f[2])
        if not ok:
            raise ValueError(who)
        self.user = who
        s = self.session_cls(self.ntlm.flags, self.ntlm.exported)
        if 3 not in f:
            raise ValueError('no mechListMIC from the client')
        if not s.verify(self.types, f[3]):
            raise ValueError('the client mechListMIC does not verify')
        s.reset_rc4('client')
        mic = s.sign(self.types)
        s.reset_rc4('server')
        if self.knob == 'bad-mic':
            mic = mic[:6] + bytes([mic[6] ^ 1]) + mic[7:]
        self.session = s
        self.complete = True
        self.log('spnego ntlm user=%s ok, mechListMIC verified%s' % (
            who, ' (ours corrupted)' if self.knob == 'bad-mic' else ''))
        return resp(0, None, None, None if self.knob == 'no-mic' else mic)

    def init(self, token):
        init = spnego.SPNEGO_NegTokenInit(token)
        self.types = mech_types_der(token)
        mechs = init['MechTypes']
        self.log('spnego mechTypes=%s' % ','.join(
            spnego.MechTypes.get(m, m.hex()).split(' ')[0] for m in mechs))
        if self.knob == 'reject':
            return resp(2)
        if self.knob == 'wrong-mech':
            return resp(1, KRB5_OID, b'\x60\x00')
        ntlm_mech = spnego.TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']
        if ntlm_mech not in mechs:
            raise ValueError('NTLMSSP not offered')
        mech_token = init.fields.get('MechToken')
        if mechs[0] != ntlm_mech or not mech_token:
            # Kerberos first (no keytab here): NTLM, and the client starts it.
            out = spnego.SPNEGO_NegTokenResp()
            out['NegState'] = b'\x01'
            out['SupportedMech'] = NTLM_OID
            return out.getData()
        out = spnego.SPNEGO_NegTokenResp()
        out['NegState'] = b'\x01'   # accept-incomplete
        out['SupportedMech'] = NTLM_OID
        out['ResponseToken'] = self.ntlm.challenge(mech_token)
        return out.getData()
