/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The NTLM handshake of one HTTP channel, sans-I/O (MS-NTHT 3, MS-NLMP).
 *
 * NTLM over HTTP authenticates the TCP connection, so the transport keeps
 * each channel's legs on one connection and drives this state machine:
 *
 *   h = http_ntlm_new(&params, err)
 *   http_ntlm_begin(h, &hdr, err)  -> HTTP_NTLM_SEND_NEGOTIATE: send the
 *        request without a body (Content-Length: 0) with header `hdr`
 *   http_ntlm_header(h, line, len) for every header line of the answer
 *        (status lines included: they start a new response)
 *   http_ntlm_set_binding(h, cbt) while that answer arrives, with the
 *        binding of its connection (lib/tlsinfo reads it while libcurl's
 *        CURLINFO_TLS_SSL_PTR is valid, i.e. while the transfer runs)
 *   http_ntlm_response(h, status, &hdr, err)
 *        -> HTTP_NTLM_SEND_AUTHENTICATE: send the real request (with its
 *           body) and `hdr` on the same connection;
 *        -> HTTP_NTLM_SEND_NEGOTIATE: the server wants the other scheme
 *           (NTLM inside Negotiate, or the reverse): leg one again;
 *        -> HTTP_NTLM_USE_BASIC: no NTLM offered, Basic is (and allowed);
 *        -> HTTP_NTLM_DONE: the real request was accepted;
 *        -> < 0 with a message in an administrator's words.
 *
 * Under Negotiate the messages travel inside SPNEGO (lib/spnego: a
 * NegTokenInit with NTLMSSP, the CHALLENGE in the server's NegTokenResp,
 * the AUTHENTICATE with our mechListMIC), as Windows sends them without a
 * Kerberos ticket; a server that answers with a raw NTLMSSP CHALLENGE is
 * followed raw, and a final SPNEGO token on the accepted request must
 * verify.  The AUTHENTICATE carries MsvAvTargetName "HTTP/<host>" and the channel
 * binding of that TLS connection (none given, on plain HTTP: the all-zero
 * binding), MS-NLMP 3.1.5.1.2. */
#ifndef RPE_HTTPNTLM_H
#define RPE_HTTPNTLM_H

#include "buf.h"
#include "err.h"

enum http_ntlm_next {
	HTTP_NTLM_SEND_NEGOTIATE = 1,
	HTTP_NTLM_SEND_AUTHENTICATE,
	HTTP_NTLM_USE_BASIC,
	HTTP_NTLM_DONE,
};

struct http_ntlm_params {
	const char *user; /* without the domain */
	const char *domain;
	const char *password;
	const char *host;    /* for the SPN HTTP/<host> */
	int allow_basic;     /* --http-auth any */
	int negotiate_first; /* start with "Negotiate" instead of "NTLM" */
	const char *server;  /* in messages; NULL: "the RPC proxy" */
};

struct http_ntlm;

struct http_ntlm *http_ntlm_new(const struct http_ntlm_params *p,
				struct rpe_error *err);
void http_ntlm_free(struct http_ntlm *h);

/* hdr receives a whole header line without CRLF ("Authorization: ..."),
 * NUL-terminated; it holds a credential-derived token: wipe it (buf_free
 * does) and never trace it. */
int http_ntlm_begin(struct http_ntlm *h, struct buf *hdr, struct rpe_error *err);
void http_ntlm_header(struct http_ntlm *h, const char *line, size_t len);
/* The channel binding of the connection leg one's answer came on (lib/cbt,
 * e.g. through lib/tlsinfo); without one (plain HTTP, a certificate with
 * no RFC 5929 binding such as Ed25519) the AUTHENTICATE carries the
 * all-zero value. */
void http_ntlm_set_binding(struct http_ntlm *h, const uint8_t cbt[16]);
int http_ntlm_response(struct http_ntlm *h, long status, struct buf *hdr,
		       struct rpe_error *err);

/* Before the CHALLENGE: the AUTHENTICATE will carry neither
 * MsvAvChannelBindings nor MsvAvTargetName, as a client without Extended
 * Protection sends it (lib/posture_run's check: where Extended Protection
 * is required, such a logon is refused with 401). */
void http_ntlm_set_unbound(struct http_ntlm *h);

/* "NTLM" or "Negotiate": the scheme in use. */
const char *http_ntlm_scheme(const struct http_ntlm *h);
/* 1 once an AUTHENTICATE was produced (credentials were sent). */
int http_ntlm_sent_credentials(const struct http_ntlm *h);

#endif
