# SPDX-License-Identifier: GPL-3.0-or-later
"""Server side of Kerberos for the responder's DCE/RPC (auth type 16,
RPC_C_AUTHN_GSS_KERBEROS, and 9, RPC_C_AUTHN_GSS_NEGOTIATE: SPNEGO around
it), on MIT krb5 through python3-gssapi's raw API.

DCE-style three legs (MS-KILE 3.4.5.1): the bind carries the AP-REQ, the
bind_ack our AP-REP, the auth3 the client's AP-REP; SPNEGO's further legs
travel in alter_context PDUs.  With header signing
(MS-RPCE 3.3.1.5.2.2) the whole PDU is protected: one MIC over header, body
and sec_trailer at integrity, and at privacy a DCE-style wrap token whose
header and trailer are signed only while the body is encrypted (MS-KILE
3.4.5.4.1).  Keys come from a keytab (--krb5-keytab), e.g. exported from
the test KDC for the store's service principal."""

import base64

import gssapi.raw as gr
from gssapi.raw import IOV, IOVBufferType

AUTH_TYPE = 16
PFC_SUPPORT_HEADER_SIGN = 0x04
KRB5_MECH = gr.OID.from_int_seq('1.2.840.113554.1.2.2')


class KrbAcceptor:
    """One security context being established; complete after the auth3."""

    def __init__(self, keytab):
        self.creds = gr.acquire_cred_from({b'keytab': keytab.encode()},
                                          usage='accept').creds
        self.ctx = None
        self.complete = False
        self.client = None

    def step(self, token):
        """Accept one leg; returns the token to send back (may be empty)."""
        res = gr.accept_sec_context(token, acceptor_creds=self.creds, context=self.ctx)
        self.ctx = res.context
        self.complete = not res.more_steps
        if self.complete:
            self.client = gr.display_name(res.initiator_name).name.decode()
        return res.token or b''

    def session(self, hdr_signing):
        return KrbSession(self.ctx, hdr_signing)


class KrbSession:
    """Protection of request and response PDUs once the context is complete.
    msg is always header | body | sec_trailer (the PDU without its auth
    value); body is msg[24:24+len(body)] for requests and responses."""

    def __init__(self, ctx, hdr_signing):
        self.ctx = ctx
        self.hdr_signing = hdr_signing

    def sig_len(self, level):
        """Token size at integrity (5) or privacy (6), for a body padded
        to 16 bytes; it depends on the session key's enctype."""
        if level == 6:
            wrap = IOV((IOVBufferType.header, True), b'\x00' * 16, std_layout=False)
            gr.wrap_iov_length(self.ctx, wrap, confidential=True)
            return len(wrap[0].value)
        mic = IOV(b'\x00' * 16, (IOVBufferType.mic_token, True), std_layout=False)
        gr.get_mic_iov_length(self.ctx, mic)
        return len(mic[1].value)

    def _iov(self, tok, hdr, body, trailer):
        if tok is None:
            tok_buf = (IOVBufferType.header, True)
        else:
            tok_buf = (IOVBufferType.header, False, tok)
        if not self.hdr_signing:
            return IOV(tok_buf, (IOVBufferType.data, False, body), std_layout=False)
        return IOV(tok_buf, (IOVBufferType.sign_only, False, hdr),
                   (IOVBufferType.data, False, body),
                   (IOVBufferType.sign_only, False, trailer), std_layout=False)

    def verify(self, msg, sig):
        try:
            gr.verify_mic(self.ctx, msg, sig)
            return True
        except gr.GSSError:
            return False

    def open_sealed(self, hdr, body, trailer, sig):
        """Decrypt and verify a privacy request body; None if it fails."""
        iov = self._iov(sig, hdr, body, trailer)
        try:
            res = gr.unwrap_iov(self.ctx, iov)
        except gr.GSSError:
            return None
        if not res.encrypted:
            return None
        return iov[2].value if self.hdr_signing else iov[1].value

    def sign(self, msg):
        return gr.get_mic(self.ctx, msg)

    def seal(self, msg, body):
        """(encrypted body, wrap token) for header | body | trailer = msg."""
        hdr, trailer = msg[:24], msg[24 + len(body):]
        iov = self._iov(None, hdr, body, trailer)
        gr.wrap_iov(self.ctx, iov, confidential=True)
        sealed = iov[2].value if self.hdr_signing else iov[1].value
        return sealed, iov[0].value


def http_negotiate(keytab, token_b64):
    """One Negotiate token of an Authorization header (RFC 4559: SPNEGO, or
    Kerberos alone, in one leg); the client principal, or None."""
    try:
        acc = KrbAcceptor(keytab)
        acc.step(base64.b64decode(token_b64))
    except Exception:  # bad base64 or a refused token
        return None
    return acc.client if acc.complete else None
