#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Channel bindings (RFC 5929 4.1, MS-NLMP 2.2.2.1) of lib/cbt and lib/ntlm
against independent implementations.

1. Certificates made here with openssl for RSA (MD5, SHA-1, SHA-256/384/512),
   RSA-PSS and ECDSA signatures: the certificate hash lib/cbt picks
   (tests/unit/codec_tool cbt) must be the expected algorithm's digest of the
   DER computed with hashlib, agree with python3-cryptography's reading of
   the signature hash, and the MsvAvChannelBindings value must equal the MD5
   of python3-ntlm-auth's GssChannelBindingsStruct.  Ed25519 has no defined
   binding and must be refused with a message.
2. For pinned inputs (user, password, CHALLENGE, client challenge, session
   key, certificate) python3-ntlm-auth builds an AUTHENTICATE with cbt_data
   and lib/ntlm one with the same binding: the NTLMv2 responses (NTProofStr
   and the blob with MsvAvFlags and MsvAvChannelBindings) and the encrypted
   session key must be byte-identical, and lib/ntlm's MsvAvTargetName and
   MIC are checked with hmac/hashlib.

Usage: cbt_vectors.py PATH-TO-codec_tool"""
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import tempfile

from Cryptodome.Hash import MD4
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct
from ntlm_auth.ntlm import NtlmContext

TOOL = sys.argv[1]
passed = failed = 0

# OpenSSL 3 keeps MD4 in its legacy provider, which Python's hashlib does
# not load: give ntlm-auth (hashlib.new('md4')) pycryptodome's MD4.
_hashlib_new = hashlib.new


def _new(name, data=b'', **kw):
    if name.lower() == 'md4':
        return MD4.new(data)
    return _hashlib_new(name, data, **kw)


hashlib.new = _new

# name, openssl key, extra signing options, RFC 5929 hash (None: undefined)
CASES = [
    ('rsa-md5', ['-newkey', 'rsa:2048'], ['-md5'], 'sha256'),
    ('rsa-sha1', ['-newkey', 'rsa:2048'], ['-sha1'], 'sha256'),
    ('rsa-sha256', ['-newkey', 'rsa:2048'], ['-sha256'], 'sha256'),
    ('rsa-sha384', ['-newkey', 'rsa:2048'], ['-sha384'], 'sha384'),
    ('rsa-sha512', ['-newkey', 'rsa:2048'], ['-sha512'], 'sha512'),
    ('rsa-pss-sha256', ['-newkey', 'rsa:2048'],
     ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'], 'sha256'),
    ('rsa-pss-sha512', ['-newkey', 'rsa:2048'],
     ['-sha512', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:64'], 'sha512'),
    ('ecdsa-p256-sha256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
     ['-sha256'], 'sha256'),
    ('ecdsa-p384-sha384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
     ['-sha384'], 'sha384'),
    ('ecdsa-p256-sha1', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
     ['-sha1'], 'sha256'),
    ('ed25519', ['-newkey', 'ed25519'], [], None),
]


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL %s %s' % (name, detail))


def make_cert(tmp, name, key, sign):
    pem, der = os.path.join(tmp, name + '.pem'), os.path.join(tmp, name + '.der')
    subprocess.run(['openssl', 'req', '-x509', '-nodes', '-days', '2', '-subj', '/CN=' + name,
                    '-keyout', os.path.join(tmp, name + '.key'), '-out', pem] + key + sign,
                   check=True, capture_output=True)
    subprocess.run(['openssl', 'x509', '-in', pem, '-outform', 'der', '-out', der],
                   check=True, capture_output=True)
    with open(der, 'rb') as f:
        return der, f.read()


def signature_hash(path, der):
    """The signature's hash as python3-cryptography reads it, or for
    RSA-PSS (which its Debian 12 version does not know) as openssl prints
    the PSS parameters."""
    try:
        return x509.load_der_x509_certificate(der).signature_hash_algorithm.name
    except UnsupportedAlgorithm:
        text = subprocess.run(['openssl', 'x509', '-inform', 'der', '-in', path, '-noout',
                               '-text'], check=True, capture_output=True, text=True).stdout
        for line in text.splitlines():
            if 'Hash Algorithm:' in line:
                return line.split(':', 1)[1].strip()
        return '?'


def gss_md5(cert_hash):
    cbt = GssChannelBindingsStruct()
    cbt[cbt.APPLICATION_DATA] = b'tls-server-end-point:' + cert_hash
    return cbt, hashlib.md5(cbt.get_data()).digest()


def certificate_cases(tmp):
    bindings = {}
    for name, key, sign, want in CASES:
        path, der = make_cert(tmp, name, key, sign)
        out = subprocess.run([TOOL, 'cbt', path], capture_output=True, text=True)
        if want is None:
            check(name + ': refused', out.returncode != 0 and 'RFC 5929' in out.stdout,
                  out.stdout)
            continue
        got = out.stdout.split()
        if out.returncode != 0 or len(got) != 3:
            check(name + ': tool', False, out.stdout + out.stderr)
            continue
        digest = hashlib.new(want, der).digest()
        sig_hash = signature_hash(path, der)
        independent = 'sha256' if sig_hash in ('md5', 'sha1') else sig_hash
        check(name + ': hash name', got[0].lower().replace('-', '') == want, got[0])
        check(name + ': python3-cryptography agrees', independent == want, sig_hash)
        check(name + ': certificate hash', bytes.fromhex(got[1]) == digest)
        cbt, md5 = gss_md5(digest)
        check(name + ': MsvAvChannelBindings', bytes.fromhex(got[2]) == md5)
        bindings[name] = (cbt, md5)
    return bindings


def challenge_message():
    """A CHALLENGE with MsvAvTimestamp (so a MIC) and no MsvAvFlags."""
    def av(i, v):
        return struct.pack('<HH', i, len(v)) + v
    ti = (av(2, 'EXAMPLE'.encode('utf-16le')) + av(1, 'EXCH01'.encode('utf-16le')) +
          av(4, 'example.test'.encode('utf-16le')) +
          av(3, 'exch01.example.test'.encode('utf-16le')) +
          av(7, struct.pack('<Q', 0x01dc5a0a12345678)) + av(0, b''))
    name = 'EXAMPLE'.encode('utf-16le')
    flags = 0xe28a8235
    chal = bytes.fromhex('0123456789abcdef')
    msg = (b'NTLMSSP\x00' + struct.pack('<IHHI', 2, len(name), len(name), 56) +
           struct.pack('<I', flags) + chal + b'\x00' * 8 +
           struct.pack('<HHI', len(ti), len(ti), 56 + len(name)) +
           b'\x0a\x00\x61\x4a\x00\x00\x00\x0f' + name + ti)
    return msg, chal


def field(msg, off):
    ln, _, o = struct.unpack('<HHI', msg[off:off + 8])
    return msg[o:o + ln]


def av_pairs(blob_av):
    out, i = [], 0
    while i + 4 <= len(blob_av):
        aid, alen = struct.unpack('<HH', blob_av[i:i + 4])
        out.append((aid, blob_av[i + 4:i + 4 + alen]))
        i += 4 + alen
        if aid == 0:
            break
    return out


def authenticate_cases(bindings):
    chal_msg, server_chal = challenge_message()
    client_chal, exported = bytes.fromhex('aaaaaaaaaaaaaaaa'), b'\x55' * 16
    user, domain, password = 'prøbe', 'EXAMPLE', 'pässwörd€'
    for name in ('rsa-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512'):
        cbt, md5 = bindings[name]
        # python3-ntlm-auth draws the client challenge and then the
        # exported session key from os.urandom: pin both.
        pinned = iter([client_chal, exported])
        real_urandom, os.urandom = os.urandom, lambda n: next(pinned)
        try:
            ctx = NtlmContext(user, password, domain, cbt_data=cbt)
            ctx.step()
            theirs = ctx.step(chal_msg)
        finally:
            os.urandom = real_urandom
        spn = 'HTTP/mail.example.test'
        out = subprocess.run([TOOL, 'ntlm', user, domain, password, chal_msg.hex(),
                              client_chal.hex(), exported.hex(), md5.hex(), ''],
                             capture_output=True, text=True)
        lines = out.stdout.split()
        check(name + ': tool', out.returncode == 0 and len(lines) == 2, out.stdout)
        if len(lines) != 2:
            continue
        ours = bytes.fromhex(lines[1])
        check(name + ': NTLMv2 response identical to ntlm-auth',
              field(ours, 20) == field(theirs, 20))
        check(name + ': encrypted session key identical', field(ours, 52) == field(theirs, 52))
        # With the target name: the pairs ntlm-auth does not send.
        out = subprocess.run([TOOL, 'ntlm', user, domain, password, chal_msg.hex(),
                              client_chal.hex(), exported.hex(), md5.hex(), spn],
                             capture_output=True, text=True)
        neg, auth = (bytes.fromhex(x) for x in out.stdout.split())
        nt = field(auth, 20)
        pairs = dict(av_pairs(nt[16 + 28:]))
        check(name + ': MsvAvChannelBindings', pairs.get(10) == md5)
        check(name + ': MsvAvTargetName', pairs.get(9) == spn.encode('utf-16le'))
        check(name + ': MsvAvFlags MIC', pairs.get(6) == struct.pack('<I', 2))
        rk = hmac.new(hashlib.new('md4', password.encode('utf-16le')).digest(),
                      (user.upper() + domain).encode('utf-16le'), hashlib.md5).digest()
        proof = hmac.new(rk, server_chal + nt[16:], hashlib.md5).digest()
        check(name + ': NTProofStr', proof == nt[:16])
        zeroed = auth[:72] + b'\x00' * 16 + auth[88:]
        check(name + ': MIC', auth[72:88] ==
              hmac.new(exported, neg + chal_msg + zeroed, hashlib.md5).digest())


def main():
    with tempfile.TemporaryDirectory(prefix='rpcenc-cbt-') as tmp:
        bindings = certificate_cases(tmp)
    authenticate_cases(bindings)
    print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


main()
