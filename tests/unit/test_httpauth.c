/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Extended Protection pieces: the channel-binding hash (the worked example
 * of Microsoft's Open Specifications blog "NTLM and Channel Binding Hash
 * (aka Extended Protection for Authentication)", 2013), the AV pairs it
 * adds to the AUTHENTICATE, and WWW-Authenticate / Authorization headers
 * (RFC 7235, RFC 4559, MS-NTHT). */
#include "cbt.h"
#include "crypto.h"
#include "http_head.h"
#include "httpauth.h"
#include "httpntlm.h"
#include "ntlm.h"
#include "t.h"

/* The MS-NLMP 4.2.4.3 CHALLENGE and credentials, with an MsvAvTimestamp
 * added to the target info so the AUTHENTICATE carries a MIC and
 * MsvAvFlags (3.1.5.1.2). */
static const char *challenge =
	"4e544c4d53535000020000000c000c003800000033828ae2"
	"0123456789abcdef00000000000000003000300044000000"
	"060070170000000f53006500720076006500720002000c00"
	"44006f006d00610069006e0001000c005300650072007600"
	"6500720007000800000000000000d00100000000";
#define SERVER_PAIRS                                                           \
	"02000c0044006f006d00610069006e00"                                     \
	"01000c00530065007200760065007200"                                     \
	"07000800"                                                             \
	"000000000000d001"

static void test_cbt_blog_vector(void)
{
	uint8_t h[32], md5[16], want[16];
	struct rpe_error err = { 0, "" };

	/* The SHA-256 of the example's certificate and the MD5 of its
	 * gss_channel_bindings_struct. */
	t_unhex("ea05fefecc6b0bd571dbbc5baa3ed453"
		"86d0446835f7b74c85621b9983475f95",
		h, 32);
	t_unhex("6586e99d81c2fc984e47172fd4dd0310", want, 16);
	CHECK_INT(cbt_md5_from_hash(h, 32, md5, &err), 0);
	CHECK_MEM(md5, want, 16);
	CHECK(cbt_md5_from_hash(h, 0, md5, &err) == RPE_ERR_ARG);
	CHECK(cbt_md5_from_hash(h, CBT_HASH_MAX + 1, md5, &err) == RPE_ERR_ARG);
}

static void test_cbt_bad_certificates(void)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	uint8_t md5[16];
	struct rpe_error err = { 0, "" };

	CHECK(cbt_from_der(junk, sizeof(junk), md5, &err) == RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "DER") != NULL);
	CHECK(cbt_from_der(NULL, 0, md5, &err) == RPE_ERR_ARG);
	CHECK(cbt_from_ssl(NULL, NULL, md5, &err) == RPE_ERR_STATE);
}

/* The NTLMv2 blob's AV list of an AUTHENTICATE built from that CHALLENGE, with or without Extended Protection pairs. */
static size_t blob_av(int bind, const uint8_t *cbt, uint8_t *av, size_t max)
{
	uint8_t chal[256];
	size_t clen = t_unhex(challenge, chal, sizeof(chal)), n, off;
	struct ntlm_client *c;
	struct ntlm_overrides ov;
	struct buf out;
	struct rpe_error err = { 0, "" };

	c = ntlm_client_new("User", "Domain", "Password", &err);
	if (!c)
		return 0;
	memset(&ov, 0, sizeof(ov));
	memset(ov.client_challenge, 0xaa, 8);
	memset(ov.exported_session_key, 0x55, 16);
	ntlm_client_set_overrides(c, &ov);
	if (bind)
		CHECK_INT(ntlm_client_set_binding(c, cbt, "HTTP/Server", &err),
			  0);
	buf_init(&out, 0);
	CHECK_INT(ntlm_client_negotiate(c, &out, &err), 0);
	buf_reset(&out);
	CHECK_INT(ntlm_client_authenticate(c, chal, clen, &out, &err), 0);
	/* NtChallengeResponse: NTProofStr(16), blob header(28), AV pairs,
	 * 4 zero bytes (MS-NLMP 2.2.2.7). */
	n = (size_t)(out.data[20] | out.data[21] << 8);
	off = (size_t)(out.data[24] | out.data[25] << 8);
	n = n - 16 - 28 - 4;
	if (n > max)
		n = 0;
	memcpy(av, out.data + off + 16 + 28, n);
	buf_free(&out);
	ntlm_client_free(c);
	return n;
}

static void test_authenticate_binding(void)
{
	uint8_t av[512], want[512], cbt[16];
	size_t n, wn;

	/* RPC layer: the server's pairs and MsvAvFlags with the MIC bit,
	 * nothing else. */
	n = blob_av(0, NULL, av, sizeof(av));
	wn = t_unhex(SERVER_PAIRS "060004000200000000000000", want, sizeof(want));
	CHECK_INT(n, wn);
	CHECK_MEM(av, want, wn);

	/* HTTP: MsvAvChannelBindings (0x000a) then MsvAvTargetName (0x0009,
	 * "HTTP/Server" in UTF-16LE) before MsvAvEOL. */
	t_unhex("6586e99d81c2fc984e47172fd4dd0310", cbt, 16);
	n = blob_av(1, cbt, av, sizeof(av));
	wn = t_unhex(SERVER_PAIRS "0600040002000000"
				  "0a001000"
				  "6586e99d81c2fc984e47172fd4dd0310"
				  "09001600"
				  "48005400540050002f00530065007200760065007200"
				  "00000000",
		     want, sizeof(want));
	CHECK_INT(n, wn);
	CHECK_MEM(av, want, wn);

	/* No TLS: the all-zero hash that means "no channel bindings"
	 * (MS-NLMP 2.2.2.1). */
	n = blob_av(1, NULL, av, sizeof(av));
	memset(cbt, 0, 16);
	CHECK_INT(n, wn);
	CHECK_MEM(av + 44 + 8 + 4, cbt, 16);
}

static void test_binding_bad_name(void)
{
	struct rpe_error err = { 0, "" };
	struct ntlm_client *c = ntlm_client_new("u", "d", "p", &err);

	CHECK(c != NULL);
	CHECK(ntlm_client_set_binding(c, NULL, "HTTP/\xff", &err) == RPE_ERR_ARG);
	ntlm_client_free(c);
}

static int parse(struct httpauth *h, const char *v)
{
	struct rpe_error err = { 0, "" };
	return httpauth_parse(h, v, strlen(v), &err);
}

static void test_www_authenticate_lists(void)
{
	struct httpauth h;

	httpauth_init(&h);
	/* IIS: two headers */
	CHECK_INT(parse(&h, "Negotiate"), 0);
	CHECK_INT(parse(&h, "NTLM"), 0);
	CHECK_INT(h.offered, HTTPAUTH_NTLM | HTTPAUTH_NEGOTIATE);
	CHECK_INT(h.token_scheme, 0);
	/* One header, comma list with auth-params and a quoted comma */
	httpauth_reset(&h);
	CHECK_INT(parse(&h, " negotiate , NTLM,Basic realm=\"ex,ch \\\"01\\\"\", "
			    "charset=UTF-8"),
		  0);
	CHECK_INT(h.offered, HTTPAUTH_NTLM | HTTPAUTH_NEGOTIATE | HTTPAUTH_BASIC);
	/* Unknown schemes with parameter lists are skipped */
	httpauth_reset(&h);
	CHECK_INT(parse(&h, "Digest realm=\"a\", nonce=\"b==\", qop=auth, "
			    "Bearer, Basic realm=x"),
		  0);
	CHECK_INT(h.offered, HTTPAUTH_BASIC);
	/* Malformed */
	httpauth_reset(&h);
	CHECK(parse(&h, "realm=\"x\"") == RPE_ERR_PROTO);
	CHECK(parse(&h, "Basic realm=\"x") == RPE_ERR_PROTO);
	CHECK(parse(&h, "Basic realm=") == 0); /* a token68 "realm=" */
	CHECK(parse(&h, "\"NTLM\"") == RPE_ERR_PROTO);
	httpauth_free(&h);
}

static void test_www_authenticate_tokens(void)
{
	struct httpauth h;
	struct rpe_error err = { 0, "" };
	const uint8_t *tok;
	size_t n;

	httpauth_init(&h);
	/* "NTLMSSP\0" + type 2 */
	CHECK_INT(parse(&h, "NTLM TlRMTVNTUAACAAAA"), 0);
	CHECK_INT(h.token_scheme, HTTPAUTH_NTLM);
	CHECK_INT(h.token.len, 12);
	CHECK(h.token_is_ntlmssp);
	CHECK_INT(httpauth_ntlm_token(&h, HTTPAUTH_NTLM, &tok, &n, &err), 0);
	CHECK_INT(n, 12);
	CHECK(httpauth_ntlm_token(&h, HTTPAUTH_NEGOTIATE, &tok, &n, &err) < 0);
	/* Raw NTLMSSP inside Negotiate, padded */
	httpauth_reset(&h);
	CHECK_INT(parse(&h, "Negotiate TlRMTVNTUAACAAAAAQ==, NTLM"), 0);
	CHECK_INT(httpauth_ntlm_token(&h, HTTPAUTH_NEGOTIATE, &tok, &n, &err), 0);
	CHECK_INT(n, 13);
	CHECK_INT(h.offered, HTTPAUTH_NTLM | HTTPAUTH_NEGOTIATE);
	/* SPNEGO (an InitialContextToken starts with 0x60): recognised as
	 * not NTLM */
	httpauth_reset(&h);
	CHECK_INT(parse(&h, "Negotiate YIIBAA=="), 0);
	CHECK(!h.token_is_ntlmssp);
	CHECK(httpauth_ntlm_token(&h, HTTPAUTH_NEGOTIATE, &tok, &n, &err) ==
	      RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "SPNEGO") != NULL);
	/* Strict base64 */
	httpauth_reset(&h);
	CHECK(parse(&h, "NTLM QR==") == RPE_ERR_PROTO); /* stray bits */
	httpauth_reset(&h);
	CHECK(parse(&h, "NTLM QQ=") == RPE_ERR_PROTO); /* not a quantum */
	httpauth_reset(&h);
	CHECK(parse(&h, "NTLM Q-Q=") == RPE_ERR_PROTO); /* base64url */
	httpauth_reset(&h);
	CHECK(parse(&h, "NTLM QQ===") == RPE_ERR_PROTO);
	httpauth_reset(&h);
	CHECK(parse(&h, "NTLM QUFB, Negotiate QUFB") == RPE_ERR_PROTO);
	/* Tokens of other schemes do not count */
	httpauth_reset(&h);
	CHECK_INT(parse(&h, "Bearer QUFB, NTLM"), 0);
	CHECK_INT(h.token_scheme, 0);
	httpauth_free(&h);
}

static void test_header_lines(void)
{
	struct httpauth h;
	struct rpe_error err = { 0, "" };
	static const char l1[] = "www-authenticate: NTLM TlRMTVNTUAACAAAA\r\n";
	static const char l2[] = "Content-Length: 0\r\n";
	static const char l3[] = "WWW-Authenticate:Negotiate\n";

	httpauth_init(&h);
	CHECK_INT(httpauth_header_line(&h, l1, strlen(l1), &err), 1);
	CHECK_INT(httpauth_header_line(&h, l2, strlen(l2), &err), 0);
	CHECK_INT(httpauth_header_line(&h, l3, strlen(l3), &err), 1);
	CHECK_INT(h.offered, HTTPAUTH_NTLM | HTTPAUTH_NEGOTIATE);
	CHECK_INT(h.token.len, 12);
	httpauth_free(&h);
}

/* lib/http_head's field values, as the one-shot requests read them
 * (Connection, posture's X-OWA-Version), on lines as libcurl hands them:
 * not NUL-terminated. */
static void test_head_values(void)
{
	static const char conn[] = "Connection: close\r\nX";
	static const char owa[] = "x-owa-version:\t15.2.1544.4\r\n";
	struct http_head h;
	char out[16];
	size_t value = 9;

	memset(&h, 0, sizeof(h));
	CHECK_INT(http_head_value(conn, 19, "Connection", out, sizeof(out)), 1);
	CHECK_STR(out, "close");
	CHECK_INT(http_head_value(conn, 13, "Connection", out, sizeof(out)), 1);
	CHECK_STR(out, "c");
	CHECK_INT(http_head_value(conn, 11, "Connection", out, sizeof(out)), 1);
	CHECK_STR(out, "");
	CHECK_INT(http_head_value(conn, 10, "Connection", out, sizeof(out)), 0);
	CHECK_INT(http_head_value(conn, 19, "Connectio", out, sizeof(out)), 0);
	CHECK_INT(http_head_value(conn, 19, "Connection", out, 4), 1);
	CHECK_STR(out, "clo");
	CHECK_INT(http_head_value(conn, 19, "Connection", out, 0), 0);
	CHECK_INT(http_head_value(conn, 19, "", out, sizeof(out)), 0);
	CHECK_INT(http_head_value(owa, strlen(owa), "X-OWA-Version", out,
				  sizeof(out)),
		  1);
	CHECK_STR(out, "15.2.1544.4");
	CHECK_INT(http_head_line(&h, owa, strlen(owa), &value), HTTP_HEAD_FIELD);
	CHECK_INT(value, 0);
	CHECK_INT(http_head_line(&h, "WWW-Authenticate: NTLM\r\n", 24, &value),
		  HTTP_HEAD_CHALLENGE);
	CHECK_INT(value, 17);
}

static void test_authorization(void)
{
	static const uint8_t neg[] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P',
				       0,   1,   0,   0,   0,   7 };
	struct rpe_error err = { 0, "" };
	struct buf out;

	buf_init(&out, 0);
	CHECK_INT(httpauth_authorization(HTTPAUTH_NTLM, neg, 12, &out, &err), 0);
	CHECK_STR((const char *)out.data, "NTLM TlRMTVNTUAABAAAA");
	CHECK_INT(out.len, strlen("NTLM TlRMTVNTUAABAAAA"));
	buf_reset(&out);
	CHECK_INT(httpauth_authorization(HTTPAUTH_NEGOTIATE, neg, 13, &out, &err),
		  0);
	CHECK_STR((const char *)out.data, "Negotiate TlRMTVNTUAABAAAABw==");
	CHECK(httpauth_authorization(HTTPAUTH_BASIC, neg, 13, &out, &err) ==
	      RPE_ERR_ARG);
	CHECK(httpauth_authorization(HTTPAUTH_NTLM, neg, 0, &out, &err) ==
	      RPE_ERR_ARG);
	buf_free(&out);
}

/* Feed one response (status line and headers) to the handshake. */
static int respond(struct http_ntlm *h, long status, const char **lines,
		   struct buf *hdr, struct rpe_error *err)
{
	char sl[32];

	snprintf(sl, sizeof(sl), "HTTP/1.1 %ld X\r\n", status);
	http_ntlm_header(h, sl, strlen(sl));
	for (; lines && *lines; lines++)
		http_ntlm_header(h, *lines, strlen(*lines));
	return http_ntlm_response(h, status, hdr, err);
}

static struct http_ntlm *handshake(int allow_basic, int negotiate_first)
{
	struct http_ntlm_params p = { "prøbe",     "EXAMPLE",
				      "pässwörd€", "mail.example.test",
				      allow_basic, negotiate_first,
				      NULL };
	struct rpe_error err = { 0, "" };
	struct http_ntlm *h = http_ntlm_new(&p, &err);

	CHECK(h != NULL);
	return h;
}

/* "WWW-Authenticate: NTLM <the CHALLENGE above>" */
static const char *challenge_line(unsigned scheme, char *out, size_t n)
{
	uint8_t chal[256];
	size_t clen = t_unhex(challenge, chal, sizeof(chal));
	struct buf b;
	struct rpe_error err = { 0, "" };

	buf_init(&b, 0);
	CHECK_INT(httpauth_authorization(scheme, chal, clen, &b, &err), 0);
	snprintf(out, n, "WWW-Authenticate: %s\r\n", (const char *)b.data);
	buf_free(&b);
	return out;
}

/* The AUTHENTICATE in an Authorization value names HTTP/<host> and, on
 * plain HTTP, the all-zero binding. */
static int carries_spn(const char *value)
{
	static const char spn[] = "HTTP/mail.example.test";
	uint8_t want[2 * sizeof(spn) + 4 + 20];
	struct httpauth a;
	size_t i, n = 0;
	int found = 0;

	want[n++] = 0x0a, want[n++] = 0, want[n++] = 16, want[n++] = 0;
	memset(want + n, 0, 16);
	n += 16;
	want[n++] = 0x09, want[n++] = 0;
	want[n++] = 2 * (sizeof(spn) - 1), want[n++] = 0;
	for (i = 0; i + 1 < sizeof(spn); i++)
		want[n++] = (uint8_t)spn[i], want[n++] = 0;
	httpauth_init(&a);
	if (parse(&a, value) == 0)
		for (i = 0; i + n <= a.token.len && !found; i++)
			found = memcmp(a.token.data + i, want, n) == 0;
	httpauth_free(&a);
	return found;
}

static void test_http_ntlm_handshake(void)
{
	struct http_ntlm *h = handshake(0, 0);
	struct rpe_error err = { 0, "" };
	struct buf hdr;
	char line[1024];
	const char *l401[] = { "WWW-Authenticate: Negotiate\r\n",
			       challenge_line(HTTPAUTH_NTLM, line, sizeof(line)),
			       "Content-Length: 0\r\n", NULL };

	buf_init(&hdr, 0);
	CHECK_INT(http_ntlm_begin(h, &hdr, &err), HTTP_NTLM_SEND_NEGOTIATE);
	CHECK(strncmp((char *)hdr.data, "Authorization: NTLM TlRMTVNTUAAB",
		      32) == 0);
	CHECK(!http_ntlm_sent_credentials(h));
	CHECK_INT(respond(h, 401, l401, &hdr, &err), HTTP_NTLM_SEND_AUTHENTICATE);
	CHECK(strncmp((char *)hdr.data, "Authorization: NTLM TlRMTVNTUAAD",
		      32) == 0);
	CHECK(http_ntlm_sent_credentials(h));
	CHECK(carries_spn((const char *)hdr.data + 15));
	CHECK_INT(respond(h, 200, NULL, &hdr, &err), HTTP_NTLM_DONE);
	http_ntlm_free(h);

	/* 401 after the AUTHENTICATE names the likely causes */
	h = handshake(0, 0);
	http_ntlm_begin(h, &hdr, &err);
	respond(h, 401, l401, &hdr, &err);
	CHECK(respond(h, 401, NULL, &hdr, &err) == RPE_ERR_AUTH);
	CHECK(strstr(err.msg, "the RPC proxy refused the NTLM credentials") !=
	      NULL);
	CHECK(strstr(err.msg, "bad user name or password") != NULL);
	CHECK(strstr(err.msg, "Extended Protection") != NULL);
	http_ntlm_free(h);
	buf_free(&hdr);
}

static void test_http_ntlm_schemes(void)
{
	struct http_ntlm *h = handshake(1, 1);
	struct rpe_error err = { 0, "" };
	struct buf hdr;
	char line[1024];
	const char *ntlm_only[] = { "WWW-Authenticate: NTLM\r\n", NULL };
	const char *basic_only[] = { "WWW-Authenticate: Basic realm=\"x\"\r\n",
				     NULL };
	const char *chal[] = {
		challenge_line(HTTPAUTH_NEGOTIATE, line, sizeof(line)), NULL
	};
	const char *bad[] = { "WWW-Authenticate: NTLM QQ=\r\n", NULL };

	buf_init(&hdr, 0);
	/* Negotiate first; the server only does NTLM: leg one again */
	CHECK_INT(http_ntlm_begin(h, &hdr, &err), HTTP_NTLM_SEND_NEGOTIATE);
	/* Under Negotiate leg one is SPNEGO around the NEGOTIATE (60 ..). */
	CHECK(strncmp((char *)hdr.data, "Authorization: Negotiate Y", 26) == 0);
	CHECK_INT(respond(h, 401, ntlm_only, &hdr, &err),
		  HTTP_NTLM_SEND_NEGOTIATE);
	CHECK_STR(http_ntlm_scheme(h), "NTLM");
	/* ... and then neither NTLM nor Negotiate: Basic, as allowed */
	CHECK_INT(respond(h, 401, basic_only, &hdr, &err), HTTP_NTLM_USE_BASIC);
	http_ntlm_free(h);

	/* Basic not allowed: say no credentials went out */
	h = handshake(0, 0);
	http_ntlm_begin(h, &hdr, &err);
	CHECK(respond(h, 401, basic_only, &hdr, &err) == RPE_ERR_AUTH);
	CHECK(strstr(err.msg,
		     "does not offer NTLM (it offers Basic); no credentials") !=
	      NULL);
	http_ntlm_free(h);

	/* NTLM inside Negotiate */
	h = handshake(0, 1);
	http_ntlm_begin(h, &hdr, &err);
	CHECK_INT(respond(h, 401, chal, &hdr, &err), HTTP_NTLM_SEND_AUTHENTICATE);
	CHECK(strncmp((char *)hdr.data, "Authorization: Negotiate TlRMTVNTUAAD",
		      37) == 0);
	http_ntlm_free(h);

	/* Malformed challenge; a leg one that is not a 401 */
	h = handshake(0, 0);
	http_ntlm_begin(h, &hdr, &err);
	CHECK(respond(h, 401, bad, &hdr, &err) == RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "malformed") != NULL);
	http_ntlm_free(h);
	h = handshake(0, 0);
	http_ntlm_begin(h, &hdr, &err);
	CHECK(respond(h, 200, NULL, &hdr, &err) == RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "HTTP 200 instead of a 401") != NULL);
	http_ntlm_free(h);
	buf_free(&hdr);
}

/* b gets tag, DER length and v. */
static void der(struct buf *b, uint8_t tag, const uint8_t *v, size_t n)
{
	buf_put_u8(b, tag);
	if (n >= 0x100) {
		buf_put_u8(b, 0x82);
		buf_put_u16be(b, (uint16_t)n);
	} else if (n >= 0x80) {
		buf_put_u8(b, 0x81);
		buf_put_u8(b, (uint8_t)n);
	} else {
		buf_put_u8(b, (uint8_t)n);
	}
	buf_put_bytes(b, v, n);
}

/* "WWW-Authenticate: Negotiate <NegTokenResp>" with negState st, the
 * NTLMSSP mechanism when mech, and the token or MIC given. */
static const char *spnego_line(int st, int mech, const uint8_t *tok,
			       size_t tlen, const uint8_t *mic, size_t mlen,
			       char *out, size_t n)
{
	static const uint8_t oid[] = { 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
				       0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };
	struct buf f, t, seq, whole, val;
	struct rpe_error err = { 0, "" };
	uint8_t stv[3] = { 0x0a, 0x01, (uint8_t)st };

	buf_init(&f, 0), buf_init(&t, 0), buf_init(&seq, 0);
	buf_init(&whole, 0), buf_init(&val, 0);
	der(&f, 0xa0, stv, 3);
	if (mech)
		der(&f, 0xa1, oid, sizeof(oid));
	if (tok) {
		der(&t, 0x04, tok, tlen);
		der(&f, 0xa2, t.data, t.len);
		buf_reset(&t);
	}
	if (mic) {
		der(&t, 0x04, mic, mlen);
		der(&f, 0xa3, t.data, t.len);
	}
	der(&seq, 0x30, f.data, f.len);
	der(&whole, 0xa1, seq.data, seq.len);
	CHECK_INT(httpauth_authorization(HTTPAUTH_NEGOTIATE, whole.data,
					 whole.len, &val, &err),
		  0);
	snprintf(out, n, "WWW-Authenticate: %s\r\n", (const char *)val.data);
	buf_free(&f), buf_free(&t), buf_free(&seq);
	buf_free(&whole), buf_free(&val);
	return out;
}

/* Negotiate as Windows without a ticket: SPNEGO around NTLMSSP; the
 * CHALLENGE inside the server's NegTokenResp, the AUTHENTICATE back inside
 * ours with the mechListMIC; a final token that does not verify is refused,
 * none at all is fine. */
static void test_http_ntlm_spnego(void)
{
	uint8_t chal[256], zero[16] = { 0 };
	size_t clen = t_unhex(challenge, chal, sizeof(chal));
	struct rpe_error err = { 0, "" };
	struct http_ntlm *h;
	struct buf hdr;
	char l1[2048], l2[512];
	const char *chal401[] = {
		spnego_line(1, 1, chal, clen, NULL, 0, l1, sizeof(l1)), NULL
	};
	const char *bad200[] = {
		spnego_line(0, 0, NULL, 0, zero, 16, l2, sizeof(l2)), NULL
	};
	const char *reject[] = { "WWW-Authenticate: Negotiate oQcwBaADCgEC\r\n",
				 NULL };

	buf_init(&hdr, 0);
	h = handshake(0, 1);
	CHECK_INT(http_ntlm_begin(h, &hdr, &err), HTTP_NTLM_SEND_NEGOTIATE);
	CHECK(strncmp((char *)hdr.data, "Authorization: Negotiate Y", 26) == 0);
	CHECK_INT(respond(h, 401, chal401, &hdr, &err),
		  HTTP_NTLM_SEND_AUTHENTICATE);
	/* a1 ..: a NegTokenResp, base64 "o..." */
	CHECK(strncmp((char *)hdr.data, "Authorization: Negotiate o", 26) == 0);
	CHECK(http_ntlm_sent_credentials(h));
	CHECK_INT(respond(h, 200, bad200, &hdr, &err), RPE_ERR_AUTH);
	CHECK(strstr(err.msg, "final SPNEGO token failed") != NULL);
	CHECK(strstr(err.msg, "mechListMIC does not verify") != NULL);
	http_ntlm_free(h);

	h = handshake(0, 1);
	http_ntlm_begin(h, &hdr, &err);
	respond(h, 401, chal401, &hdr, &err);
	CHECK_INT(respond(h, 200, NULL, &hdr, &err), HTTP_NTLM_DONE);
	http_ntlm_free(h);

	/* negState reject in place of the CHALLENGE */
	h = handshake(0, 1);
	http_ntlm_begin(h, &hdr, &err);
	CHECK_INT(respond(h, 401, reject, &hdr, &err), RPE_ERR_AUTH);
	CHECK(strstr(err.msg, "SPNEGO answer refused") != NULL);
	CHECK(strstr(err.msg, "negState reject") != NULL);
	http_ntlm_free(h);
	buf_free(&hdr);
}

int main(void)
{
	struct rpe_error err = { 0, "" };

	/* MD5 for the bindings, MD4 and RC4 for the AUTHENTICATE. */
	if (crypto_init(&err) < 0)
		fprintf(stderr, "crypto_init: %s\n", err.msg);
	T_RUN(test_cbt_blog_vector);
	T_RUN(test_cbt_bad_certificates);
	T_RUN(test_authenticate_binding);
	T_RUN(test_binding_bad_name);
	T_RUN(test_www_authenticate_lists);
	T_RUN(test_www_authenticate_tokens);
	T_RUN(test_header_lines);
	T_RUN(test_head_values);
	T_RUN(test_authorization);
	T_RUN(test_http_ntlm_handshake);
	T_RUN(test_http_ntlm_schemes);
	T_RUN(test_http_ntlm_spnego);
	crypto_cleanup();
	T_DONE();
}
