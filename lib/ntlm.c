/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NTLM client, NTLMv2 with MIC and key exchange, and session security
 * (MS-NLMP 3.1.5, 3.3.2, 3.4).  See ntlm.h. */
#define _POSIX_C_SOURCE 200809L
#include "ntlm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"

#define NTLM_SIG "NTLMSSP" /* plus NUL: 8 bytes */
#define AUTH_HEADER_LEN 88 /* AUTHENTICATE fixed part incl. MIC */
#define AUTH_MIC_OFFSET 72
#define CHALLENGE_MAX 8192
#define MAX_NAME 512

/* One direction of session security (MS-NLMP 3.4): its keys, the RC4
 * handle kept across messages, and its sequence number. */
struct ntlm_dir {
	uint8_t sign_key[16];
	uint8_t seal_key[16];
	struct crypto_rc4 *rc4;
	uint32_t seq;
};

struct ntlm_session {
	uint32_t flags;
	struct ntlm_dir send, recv;
	int ready;
	struct ntlm_client *client; /* the owner, for the secctx step */
};

struct ntlm_client {
	char *user;
	char *domain;
	uint8_t nt_hash[16];
	uint32_t flags;
	struct buf negotiate; /* kept for the MIC */
	struct ntlm_overrides ov;
	struct ntlm_session *session;
	int bind;               /* add Extended Protection AV pairs */
	uint8_t cbt[16];        /* MsvAvChannelBindings value */
	struct buf target_name; /* MsvAvTargetName, UTF-16LE */
};

/* Helpers ---------------------------------------------------------------- */

static char *dup_str(const char *s)
{
	size_t n = strlen(s ? s : "");
	char *d = malloc(n + 1);
	if (d)
		memcpy(d, s ? s : "", n + 1);
	return d;
}

static void free_str(char *s)
{
	if (s) {
		crypto_wipe(s, strlen(s));
		free(s);
	}
}

/* UTF-16LE of a UTF-8 string into b. */
static int put_utf16(struct buf *b, const char *s)
{
	return buf_put_utf16le(b, s, strlen(s));
}

/* Upper-case a UTF-16LE buffer in place.  Windows uses its own case table
 * (RtlUpcaseUnicodeChar); this covers ASCII, Latin-1, Latin Extended-A
 * pairs, Greek and Cyrillic, which is what user names use in practice. */
static void upcase_utf16(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		uint16_t c = (uint16_t)(p[i] | (p[i + 1] << 8));
		if (c >= 'a' && c <= 'z')
			c -= 0x20;
		else if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
			c -= 0x20;
		else if (c == 0xFF)
			c = 0x178;
		else if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 &&
			 c != 0x138 && c != 0x149 && c != 0x17F &&
			 ((c <= 0x137 && (c & 1)) ||
			  (c >= 0x139 && c <= 0x148 && !(c & 1)) ||
			  (c >= 0x14A && c <= 0x177 && (c & 1)) ||
			  (c >= 0x179 && c <= 0x17E && !(c & 1))))
			c -= 1;
		else if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
			c -= 0x20;
		else if (c >= 0x430 && c <= 0x44F)
			c -= 0x20;
		else if (c >= 0x450 && c <= 0x45F)
			c -= 0x50;
		p[i] = (uint8_t)c;
		p[i + 1] = (uint8_t)(c >> 8);
	}
}

static int nt_hash(struct buf *b, const char *password, uint8_t out[16])
{
	TRY(put_utf16(b, password ? password : ""));
	return crypto_md4(b->data ? b->data : (const uint8_t *)"", b->len, out);
}

int ntlm_nt_hash(const char *password, uint8_t out[16])
{
	struct buf b;
	int rc;

	buf_init(&b, 4096);
	rc = nt_hash(&b, password, out);
	buf_free(&b);
	return rc;
}

/* HMAC_MD5(NT hash, UTF16LE(UPPER(user) + domain)), MS-NLMP 3.3.2. */
static int response_key(struct buf *u, struct buf *d, const uint8_t nt_hash[16],
			const char *user, const char *domain, uint8_t out[16])
{
	TRY(put_utf16(u, user ? user : ""));
	TRY(put_utf16(d, domain ? domain : ""));
	if (u->len)
		upcase_utf16(u->data, u->len);
	return crypto_hmac_md5(nt_hash, 16, u->data, u->len, d->data, d->len,
			       NULL, 0, out);
}

int ntlm_response_key_v2(const uint8_t nt_hash[16], const char *user,
			 const char *domain, uint8_t out[16])
{
	struct buf u, d;
	int rc;

	buf_init(&u, 4096);
	buf_init(&d, 4096);
	rc = response_key(&u, &d, nt_hash, user, domain, out);
	buf_free(&u);
	buf_free(&d);
	return rc;
}

/* CHALLENGE ---------------------------------------------------------------- */

/* The (len, maxlen, offset) triple of a payload field (MS-NLMP 2.2.1.2). */
static int get_field_hdr(struct buf_cur *c, uint16_t *len, uint32_t *off)
{
	uint16_t maxlen;

	TRY(buf_get_u16le(c, len));
	TRY(buf_get_u16le(c, &maxlen));
	return buf_get_u32le(c, off);
}

/* Signature and MessageType, the first 12 bytes of every message. */
static int get_msg_head(struct buf_cur *c, uint8_t sig[8], uint32_t *type)
{
	TRY(buf_get_bytes(c, sig, 8));
	return buf_get_u32le(c, type);
}

/* NegotiateFlags and ServerChallenge of a CHALLENGE_MESSAGE. */
static int get_flags_challenge(struct buf_cur *c, struct ntlm_challenge *out)
{
	TRY(buf_get_u32le(c, &out->flags));
	return buf_get_bytes(c, out->server_challenge, 8);
}

/* AvId and AvLen of an AV_PAIR (2.2.2.1). */
static int get_av_head(struct buf_cur *c, uint16_t *id, uint16_t *len)
{
	TRY(buf_get_u16le(c, id));
	return buf_get_u16le(c, len);
}

/* A (len, maxlen, offset) field, resolved to a sub-cursor of the message. */
static int get_field(struct buf_cur *c, const struct buf_cur *msg,
		     struct buf_cur *field, const char *name,
		     struct rpe_error *err)
{
	uint16_t len;
	uint32_t off;

	if (get_field_hdr(c, &len, &off) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"NTLM CHALLENGE truncated in %s field", name);
	if (len == 0) {
		buf_cur_init(field, NULL, 0);
		return 0;
	}
	if (buf_cur_slice(msg, off, len, field) < 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"NTLM CHALLENGE %s (offset %u, length %u) lies outside the %zu-byte message",
				name, (unsigned)off, (unsigned)len, msg->len);
	return 0;
}

int ntlm_parse_challenge(const uint8_t *msg, size_t len,
			 struct ntlm_challenge *out, struct rpe_error *err)
{
	struct buf_cur c, whole, name, ti, av;
	uint8_t sig[8];
	uint32_t type;
	int eol = 0;

	memset(out, 0, sizeof(*out));
	buf_cur_init(&c, msg, len);
	whole = c;
	if (len > CHALLENGE_MAX)
		return rpe_fail(err, RPE_ERR_TOOBIG,
				"NTLM CHALLENGE of %zu bytes is too large", len);
	if (get_msg_head(&c, sig, &type) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "NTLM CHALLENGE truncated");
	if (memcmp(sig, NTLM_SIG, 8) != 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"not an NTLMSSP message (bad signature)");
	if (type != 2)
		return rpe_fail(err, RPE_ERR_PROTO,
				"expected NTLM CHALLENGE (type 2), got type %u",
				(unsigned)type);
	TRY(get_field(&c, &whole, &name, "TargetName", err));
	if (get_flags_challenge(&c, out) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "NTLM CHALLENGE truncated");
	/* Reserved(8) and TargetInfoFields(8) are optional in very old
	 * servers; NTLMv2 needs the target info, so insist on it. */
	if (buf_skip(&c, 8) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"NTLM CHALLENGE without target info (NTLMv2 impossible)");
	TRY(get_field(&c, &whole, &ti, "TargetInfo", err));
	if ((out->flags & NTLM_NEG_VERSION) &&
	    buf_get_bytes(&c, out->version, 8) == 0)
		out->has_version = 1;
	if (ti.len == 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"NTLM CHALLENGE carries no target info");
	out->target_info = ti.p;
	out->target_info_len = ti.len;

	av = ti;
	while (buf_cur_remaining(&av) > 0) {
		uint16_t id, alen;
		struct buf_cur val;
		if (get_av_head(&av, &id, &alen) < 0)
			return rpe_fail(err, RPE_ERR_SHORT,
					"NTLM target info: truncated AV pair header");
		if (buf_get_sub(&av, alen, &val) < 0)
			return rpe_fail(err, RPE_ERR_PROTO,
					"NTLM target info: AV pair %u of length %u overruns the list",
					(unsigned)id, (unsigned)alen);
		if (id == NTLM_AV_EOL) {
			if (alen != 0)
				return rpe_fail(err, RPE_ERR_PROTO,
						"NTLM target info: MsvAvEOL with length %u",
						(unsigned)alen);
			eol = 1;
			break;
		}
		if (id == NTLM_AV_TIMESTAMP) {
			if (alen != 8 || buf_get_u64le(&val, &out->timestamp) < 0)
				return rpe_fail(err, RPE_ERR_PROTO,
						"NTLM target info: MsvAvTimestamp of length %u",
						(unsigned)alen);
			out->has_timestamp = 1;
		} else if (id == NTLM_AV_FLAGS && alen != 4) {
			return rpe_fail(err, RPE_ERR_PROTO,
					"NTLM target info: MsvAvFlags of length %u",
					(unsigned)alen);
		}
	}
	if (!eol)
		return rpe_fail(err, RPE_ERR_PROTO,
				"NTLM target info: missing MsvAvEOL");
	/* The list ends at the EOL; trailing bytes are ignored like Windows. */
	out->target_info_len = buf_cur_pos(&av);
	return 0;
}

/* Client ------------------------------------------------------------------- */

struct ntlm_client *ntlm_client_new(const char *user, const char *domain,
				    const char *password, struct rpe_error *err)
{
	struct ntlm_client *c;

	if (crypto_init(err) < 0)
		return NULL;
	if (!user || strlen(user) > MAX_NAME ||
	    (domain && strlen(domain) > MAX_NAME)) {
		rpe_fail(err, RPE_ERR_ARG,
			 "NTLM user or domain missing or too long");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	c->user = dup_str(user);
	c->domain = dup_str(domain ? domain : "");
	buf_init(&c->negotiate, 256);
	buf_init(&c->target_name, 2 * MAX_NAME);
	c->session = calloc(1, sizeof(*c->session));
	if (!c->user || !c->domain || !c->session) {
		ntlm_client_free(c);
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (ntlm_nt_hash(password, c->nt_hash) < 0) {
		ntlm_client_free(c);
		rpe_fail(err, RPE_ERR_ARG,
			 "password is not valid UTF-8 or crypto failed");
		return NULL;
	}
	c->flags = NTLM_CLIENT_FLAGS;
	c->session->client = c;
	return c;
}

static void session_clear(struct ntlm_session *s)
{
	crypto_rc4_free(s->send.rc4);
	crypto_rc4_free(s->recv.rc4);
	crypto_wipe(s, sizeof(*s));
}

void ntlm_client_free(struct ntlm_client *c)
{
	if (!c)
		return;
	free_str(c->user);
	free_str(c->domain);
	buf_free(&c->negotiate);
	buf_free(&c->target_name);
	if (c->session) {
		session_clear(c->session);
		free(c->session);
	}
	crypto_wipe(c, sizeof(*c));
	free(c);
}

void ntlm_client_set_overrides(struct ntlm_client *c,
			       const struct ntlm_overrides *o)
{
	c->ov = *o;
	c->ov.set = 1;
}

int ntlm_client_set_binding(struct ntlm_client *c, const uint8_t cbt_md5[16],
			    const char *target_name, struct rpe_error *err)
{
	buf_reset(&c->target_name);
	if (target_name && buf_put_utf16le(&c->target_name, target_name,
					   strlen(target_name)) < 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"NTLM target name is not valid UTF-8 or too long");
	if (cbt_md5)
		memcpy(c->cbt, cbt_md5, 16);
	else
		memset(c->cbt, 0, 16);
	c->bind = 1;
	return 0;
}

uint32_t ntlm_client_flags(const struct ntlm_client *c)
{
	return c->flags;
}

struct ntlm_session *ntlm_client_session(struct ntlm_client *c)
{
	return c->session;
}

/* Windows 10 version structure (MS-NLMP 2.2.2.10), NTLMSSP_REVISION_W2K3. */
static int put_version(struct buf *b)
{
	static const uint8_t v[8] = { 10, 0, 0x61, 0x4a, 0, 0, 0, 15 };
	return buf_put_bytes(b, v, 8);
}

static int put_field_hdr(struct buf *b, size_t len, size_t off);

/* NEGOTIATE_MESSAGE (2.2.1.1).  No domain or workstation supplied: empty
 * fields, offsets at the end of the fixed part like Windows. */
static int put_negotiate(struct buf *n, uint32_t flags, struct buf *out)
{
	TRY(buf_put_bytes(n, NTLM_SIG, 8));
	TRY(buf_put_u32le(n, 1));
	TRY(buf_put_u32le(n, flags));
	TRY(put_field_hdr(n, 0, 40)); /* DomainNameFields */
	TRY(put_field_hdr(n, 0, 40)); /* WorkstationFields */
	TRY(put_version(n));
	return buf_put_bytes(out, n->data, n->len);
}

/* The message is kept in c->negotiate for the MIC. */
int ntlm_client_negotiate(struct ntlm_client *c, struct buf *out,
			  struct rpe_error *err)
{
	int rc;

	buf_reset(&c->negotiate);
	rc = put_negotiate(&c->negotiate, c->flags, out);
	if (rc < 0)
		return rpe_fail(err, rc, "cannot build NTLM NEGOTIATE");
	return 0;
}

/* The client's copy of the target info: the server's AV pairs with
 * MsvAvFlags bit 0x2 (MIC present) set when a MIC is sent (3.1.5.1.2). */
/* Extended Protection pairs (MS-NLMP 2.2.2.1, 3.1.5.1.2), after the
 * server's, where Windows puts them. */
static int put_binding_pairs(struct buf *out, const struct ntlm_client *c)
{
	TRY(buf_put_u16le(out, NTLM_AV_CHANNEL_BINDINGS));
	TRY(buf_put_u16le(out, 16));
	TRY(buf_put_bytes(out, c->cbt, 16));
	if (c->target_name.len == 0)
		return 0;
	TRY(buf_put_u16le(out, NTLM_AV_TARGET_NAME));
	TRY(buf_put_u16le(out, (uint16_t)c->target_name.len));
	return buf_put_bytes(out, c->target_name.data, c->target_name.len);
}

static int build_target_info(struct buf *out, const struct ntlm_client *c,
			     const struct ntlm_challenge *ch, int with_mic)
{
	struct buf_cur av;
	int have_flags = 0;

	buf_cur_init(&av, ch->target_info, ch->target_info_len);
	while (buf_cur_remaining(&av) > 0) {
		uint16_t id, alen;
		const uint8_t *val;
		TRY(buf_get_u16le(&av, &id));
		TRY(buf_get_u16le(&av, &alen));
		TRY(buf_get_ref(&av, alen, &val));
		if (id == NTLM_AV_EOL)
			break;
		/* Ours replace any the server sent (it has no business
		 * sending them). */
		if (c->bind && (id == NTLM_AV_CHANNEL_BINDINGS ||
				id == NTLM_AV_TARGET_NAME))
			continue;
		TRY(buf_put_u16le(out, id));
		TRY(buf_put_u16le(out, alen));
		if (id == NTLM_AV_FLAGS && alen == 4) {
			struct buf_cur fc;
			uint32_t f;
			buf_cur_init(&fc, val, 4);
			TRY(buf_get_u32le(&fc, &f));
			if (with_mic)
				f |= 0x2;
			TRY(buf_put_u32le(out, f));
			have_flags = 1;
		} else {
			TRY(buf_put_bytes(out, val, alen));
		}
	}
	if (with_mic && !have_flags) {
		TRY(buf_put_u16le(out, NTLM_AV_FLAGS));
		TRY(buf_put_u16le(out, 4));
		TRY(buf_put_u32le(out, 0x2));
	}
	if (c->bind)
		TRY(put_binding_pairs(out, c));
	TRY(buf_put_u16le(out, NTLM_AV_EOL));
	return buf_put_u16le(out, 0);
}

static uint64_t filetime_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* 100 ns units since 1601-01-01 */
	return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull +
	       (uint64_t)ts.tv_nsec / 100;
}

static int put_field_hdr(struct buf *b, size_t len, size_t off)
{
	TRY(buf_put_u16le(b, (uint16_t)len));
	TRY(buf_put_u16le(b, (uint16_t)len));
	return buf_put_u32le(b, (uint32_t)off);
}

/* The working values of one AUTHENTICATE (MS-NLMP 3.1.5.1.2), wiped when
 * done. */
struct auth_work {
	struct ntlm_challenge ch;
	const uint8_t *chal; /* the CHALLENGE as received, for the MIC */
	size_t clen;
	struct buf temp; /* NTLMv2_CLIENT_CHALLENGE (2.2.2.7) */
	struct buf ti;   /* our copy of the target info */
	struct buf msg;  /* the AUTHENTICATE being built */
	struct buf user16, dom16, work16;
	uint8_t rkey[16], proof[16], base_key[16], exported[16], enc_key[16];
	uint8_t client_chal[8], lm[24];
	uint64_t ts;
	int with_mic;
};

static void work_init(struct auth_work *w, const uint8_t *chal, size_t clen)
{
	memset(w, 0, sizeof(*w));
	w->chal = chal;
	w->clen = clen;
	buf_init(&w->temp, 8192);
	buf_init(&w->ti, 8192);
	buf_init(&w->msg, 16384);
	buf_init(&w->user16, 4096);
	buf_init(&w->dom16, 4096);
	buf_init(&w->work16, 64);
}

static void work_free(struct auth_work *w)
{
	buf_free(&w->temp);
	buf_free(&w->ti);
	buf_free(&w->msg);
	buf_free(&w->user16);
	buf_free(&w->dom16);
	buf_free(&w->work16);
	crypto_wipe(w, sizeof(*w));
}

/* Flags in force: what both sides asked for (3.1.5.1.2); refuse what
 * NTLMv2 with session security cannot do. */
static int agree_flags(struct ntlm_client *c, const struct ntlm_challenge *ch,
		       struct rpe_error *err)
{
	if (!(ch->flags & NTLM_NEG_NTLM) &&
	    !(ch->flags & NTLM_NEG_EXTENDED_SESSIONSECURITY))
		return rpe_fail(err, RPE_ERR_AUTH,
				"server offers neither NTLM nor extended session security");
	c->flags = NTLM_CLIENT_FLAGS & ch->flags;
	if (!(c->flags & NTLM_NEG_UNICODE))
		return rpe_fail(err, RPE_ERR_AUTH,
				"server does not accept Unicode NTLM");
	if (!(c->flags & NTLM_NEG_EXTENDED_SESSIONSECURITY))
		return rpe_fail(err, RPE_ERR_AUTH,
				"server refuses NTLM extended session security");
	return 0;
}

/* Client challenge and timestamp: pinned by tests, else random and now;
 * the server's timestamp wins, and asks for a MIC (3.1.5.1.2). */
static int pick_challenge(struct ntlm_client *c, struct auth_work *w,
			  struct rpe_error *err)
{
	if (c->ov.set)
		memcpy(w->client_chal, c->ov.client_challenge, 8);
	else
		TRY(crypto_random(w->client_chal, 8, err));
	w->ts = w->ch.has_timestamp ? w->ch.timestamp :
		c->ov.set           ? c->ov.timestamp :
				      filetime_now();
	w->with_mic = w->ch.has_timestamp;
	return 0;
}

/* NTLMv2_CLIENT_CHALLENGE (2.2.2.7) around our target info. */
static int put_client_challenge(struct auth_work *w)
{
	TRY(buf_put_u8(&w->temp, 1));
	TRY(buf_put_u8(&w->temp, 1));
	TRY(buf_put_zeros(&w->temp, 6));
	TRY(buf_put_u64le(&w->temp, w->ts));
	TRY(buf_put_bytes(&w->temp, w->client_chal, 8));
	TRY(buf_put_zeros(&w->temp, 4));
	TRY(buf_put_bytes(&w->temp, w->ti.data, w->ti.len));
	return buf_put_zeros(&w->temp, 4);
}

/* NTProofStr, the session base key and the LMv2 response (3.3.2); LMv2 is
 * all zeros when the server sent a timestamp. */
static int ntlmv2_response(const struct ntlm_client *c, struct auth_work *w)
{
	TRY(ntlm_response_key_v2(c->nt_hash, c->user, c->domain, w->rkey));
	TRY(build_target_info(&w->ti, c, &w->ch, w->with_mic));
	TRY(put_client_challenge(w));
	TRY(crypto_hmac_md5(w->rkey, 16, w->ch.server_challenge, 8,
			    w->temp.data, w->temp.len, NULL, 0, w->proof));
	TRY(crypto_hmac_md5(w->rkey, 16, w->proof, 16, NULL, 0, NULL, 0,
			    w->base_key));
	if (w->with_mic)
		return 0;
	memcpy(w->lm + 16, w->client_chal, 8);
	return crypto_hmac_md5(w->rkey, 16, w->ch.server_challenge, 8,
			       w->client_chal, 8, NULL, 0, w->lm);
}

/* KXKEY for NTLMv2 is the session base key; with KEY_EXCH a random
 * exported key travels RC4-encrypted under it. */
static int session_key(const struct ntlm_client *c, struct auth_work *w,
		       struct rpe_error *err)
{
	struct crypto_rc4 *r;
	int rc;

	if (!(c->flags & NTLM_NEG_KEY_EXCH)) {
		memcpy(w->exported, w->base_key, 16);
		return 0;
	}
	if (c->ov.set)
		memcpy(w->exported, c->ov.exported_session_key, 16);
	else
		TRY(crypto_random(w->exported, 16, err));
	memcpy(w->enc_key, w->exported, 16);
	r = crypto_rc4_new(w->base_key, 16);
	rc = r ? crypto_rc4_update(r, w->enc_key, 16) : RPE_ERR_CRYPTO;
	crypto_rc4_free(r);
	return rc < 0 ? rpe_fail(err, rc, "NTLM key exchange failed") : 0;
}

/* AUTHENTICATE_MESSAGE (2.2.1.3): fixed part with a zero MIC, then the
 * payload in the order domain, user, workstation, LM, NT, session key. */
static int put_authenticate(const struct ntlm_client *c, struct auth_work *w)
{
	struct buf *m = &w->msg;
	size_t keylen = (c->flags & NTLM_NEG_KEY_EXCH) ? 16 : 0;
	size_t o_dom = AUTH_HEADER_LEN, o_user = o_dom + w->dom16.len,
	       o_work = o_user + w->user16.len, o_lm = o_work + w->work16.len,
	       o_nt = o_lm + 24, o_key = o_nt + 16 + w->temp.len;

	TRY(buf_put_bytes(m, NTLM_SIG, 8));
	TRY(buf_put_u32le(m, 3));
	TRY(put_field_hdr(m, 24, o_lm));
	TRY(put_field_hdr(m, 16 + w->temp.len, o_nt));
	TRY(put_field_hdr(m, w->dom16.len, o_dom));
	TRY(put_field_hdr(m, w->user16.len, o_user));
	TRY(put_field_hdr(m, w->work16.len, o_work));
	TRY(put_field_hdr(m, keylen, o_key));
	TRY(buf_put_u32le(m, c->flags));
	TRY(put_version(m));
	TRY(buf_put_zeros(m, 16)); /* MIC */
	TRY(buf_put_bytes(m, w->dom16.data, w->dom16.len));
	TRY(buf_put_bytes(m, w->user16.data, w->user16.len));
	TRY(buf_put_bytes(m, w->work16.data, w->work16.len));
	TRY(buf_put_bytes(m, w->lm, 24));
	TRY(buf_put_bytes(m, w->proof, 16));
	TRY(buf_put_bytes(m, w->temp.data, w->temp.len));
	if (keylen)
		TRY(buf_put_bytes(m, w->enc_key, 16));
	return m->len > 0xFFFF || 16 + w->temp.len > 0xFFFF ? RPE_ERR_TOOBIG : 0;
}

/* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
 * AUTHENTICATE with a zero MIC), written into its place. */
static int put_mic(const struct ntlm_client *c, struct auth_work *w)
{
	uint8_t mic[16];

	if (!w->with_mic)
		return 0;
	TRY(crypto_hmac_md5(w->exported, 16, c->negotiate.data, c->negotiate.len,
			    w->chal, w->clen, w->msg.data, w->msg.len, mic));
	memcpy(w->msg.data + AUTH_MIC_OFFSET, mic, 16);
	crypto_wipe(mic, sizeof(mic));
	return 0;
}

/* The client's session security from the exported key (3.4). */
static int start_session(struct ntlm_client *c, const struct auth_work *w,
			 struct rpe_error *err)
{
	struct ntlm_session *s = ntlm_session_new(w->exported, c->flags, 0);

	if (!s)
		return rpe_fail(err, RPE_ERR_CRYPTO,
				"cannot derive NTLM session keys");
	session_clear(c->session);
	memcpy(c->session, s, sizeof(*s));
	c->session->client = c;
	crypto_wipe(s, sizeof(*s));
	free(s);
	return 0;
}

static int authenticate(struct ntlm_client *c, struct auth_work *w,
			struct buf *out, struct rpe_error *err)
{
	int rc;

	TRY(ntlm_parse_challenge(w->chal, w->clen, &w->ch, err));
	TRY(agree_flags(c, &w->ch, err));
	TRY(pick_challenge(c, w, err));
	if ((rc = ntlmv2_response(c, w)) < 0)
		return rpe_fail(err, rc, "NTLMv2 computation failed");
	TRY(session_key(c, w, err));
	if (put_utf16(&w->user16, c->user) < 0 ||
	    put_utf16(&w->dom16, c->domain) < 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"user or domain is not valid UTF-8");
	if ((rc = put_authenticate(c, w)) < 0)
		return rpe_fail(err, rc, "cannot build NTLM AUTHENTICATE");
	if ((rc = put_mic(c, w)) < 0)
		return rpe_fail(err, rc, "cannot compute the NTLM MIC");
	if ((rc = buf_put_bytes(out, w->msg.data, w->msg.len)) < 0)
		return rpe_fail(err, rc, "NTLM AUTHENTICATE too large");
	return start_session(c, w, err);
}

int ntlm_client_authenticate(struct ntlm_client *c, const uint8_t *chal,
			     size_t clen, struct buf *out, struct rpe_error *err)
{
	struct auth_work w;
	int rc;

	work_init(&w, chal, clen);
	rc = authenticate(c, &w, out, err);
	work_free(&w);
	return rc;
}

/* Session security ------------------------------------------------------------ */

static const char magic_sign_c2s[] =
	"session key to client-to-server signing key magic constant";
static const char magic_sign_s2c[] =
	"session key to server-to-client signing key magic constant";
static const char magic_seal_c2s[] =
	"session key to client-to-server sealing key magic constant";
static const char magic_seal_s2c[] =
	"session key to server-to-client sealing key magic constant";

/* SIGNKEY/SEALKEY with extended session security (3.4.5.2, 3.4.5.3); the
 * magic constants include their terminating NUL. */
static int derive(const uint8_t key[16], size_t klen, const char *magic,
		  uint8_t out[16])
{
	uint8_t tmp[16 + 64];
	size_t mlen = strlen(magic) + 1;
	int rc;

	memcpy(tmp, key, klen);
	memcpy(tmp + klen, magic, mlen);
	rc = crypto_md5(tmp, klen + mlen, out);
	crypto_wipe(tmp, sizeof(tmp));
	return rc;
}

/* Keys and RC4 handle of one direction; the seal key is derived from the
 * first seal_len bytes of the exported key (3.4.5.3: 16, or 7 with
 * NTLMSSP_NEGOTIATE_56, or 5). */
static int dir_init(struct ntlm_dir *d, const uint8_t exported[16],
		    size_t seal_len, const char *sign_magic,
		    const char *seal_magic)
{
	TRY(derive(exported, 16, sign_magic, d->sign_key));
	TRY(derive(exported, seal_len, seal_magic, d->seal_key));
	d->rc4 = crypto_rc4_new(d->seal_key, 16);
	return d->rc4 ? 0 : RPE_ERR_CRYPTO;
}

/* The client sends with the client-to-server keys; a server (role 1, for
 * tests) with the server-to-client ones. */
static int session_init(struct ntlm_session *s, const uint8_t exported[16],
			size_t seal_len, int role)
{
	TRY(dir_init(&s->send, exported, seal_len,
		     role ? magic_sign_s2c : magic_sign_c2s,
		     role ? magic_seal_s2c : magic_seal_c2s));
	return dir_init(&s->recv, exported, seal_len,
			role ? magic_sign_c2s : magic_sign_s2c,
			role ? magic_seal_c2s : magic_seal_s2c);
}

struct ntlm_session *ntlm_session_new(const uint8_t exported[16],
				      uint32_t flags, int role)
{
	struct ntlm_session *s = calloc(1, sizeof(*s));
	size_t seal_len = (flags & NTLM_NEG_128) ? 16 :
			  (flags & NTLM_NEG_56)  ? 7 :
						   5;

	if (!s)
		return NULL;
	s->flags = flags;
	if (session_init(s, exported, seal_len, role) < 0) {
		ntlm_session_free(s);
		return NULL;
	}
	s->ready = 1;
	return s;
}

void ntlm_session_free(struct ntlm_session *s)
{
	if (!s)
		return;
	session_clear(s);
	free(s);
}

void ntlm_session_keys(const struct ntlm_session *s, uint8_t sign_send[16],
		       uint8_t seal_send[16], uint8_t sign_recv[16],
		       uint8_t seal_recv[16])
{
	memcpy(sign_send, s->send.sign_key, 16);
	memcpy(seal_send, s->send.seal_key, 16);
	memcpy(sign_recv, s->recv.sign_key, 16);
	memcpy(seal_recv, s->recv.seal_key, 16);
}

enum crypt_order {
	CRYPT_AFTER_MAC,  /* sealing: the checksum covers the plaintext */
	CRYPT_BEFORE_MAC, /* unsealing: decrypt, then check the plaintext */
};

/* The one signature routine: NTLMSSP_MESSAGE_SIGNATURE with extended
 * session security (3.4.4.2), Version 1 || the first 8 bytes of
 * HMAC_MD5(SignKey, seq || msg[0..len)) || seq, the checksum RC4-ed with
 * the direction's handle when KEY_EXCH was negotiated.  When crypt is set,
 * crypt[0..crypt_len) (inside msg) goes through the same handle first (3.4.3:
 * the message, then the checksum), in the order `order` says.  Does not
 * advance d->seq. */
static int signature(struct ntlm_dir *d, uint32_t flags, const uint8_t *msg,
		     size_t len, uint8_t *crypt, size_t crypt_len,
		     enum crypt_order order, uint8_t sig[16])
{
	uint8_t seqb[4], mac[16];
	int rc;

	if (crypt && order == CRYPT_BEFORE_MAC)
		TRY(crypto_rc4_update(d->rc4, crypt, crypt_len));
	buf_store_u32le(seqb, d->seq);
	TRY(crypto_hmac_md5(d->sign_key, 16, seqb, 4, msg, len, NULL, 0, mac));
	rc = crypt && order == CRYPT_AFTER_MAC ?
		     crypto_rc4_update(d->rc4, crypt, crypt_len) :
		     0;
	buf_store_u32le(sig, 1);
	memcpy(sig + 4, mac, 8);
	crypto_wipe(mac, sizeof(mac));
	if (rc == 0 && (flags & NTLM_NEG_KEY_EXCH))
		rc = crypto_rc4_update(d->rc4, sig + 4, 8);
	buf_store_u32le(sig + 12, d->seq);
	return rc;
}

/* Compare a received signature with the one computed (constant time). */
static int check_signature(struct ntlm_session *s, const uint8_t want[16],
			   const uint8_t sig[16])
{
	if (!crypto_memeq(want, sig, 16))
		return RPE_ERR_AUTH;
	s->recv.seq++;
	return 0;
}

/* The session is usable and [enc_off, enc_off + enc_len) lies in msg. */
static int check_region(const struct ntlm_session *s, size_t len,
			size_t enc_off, size_t enc_len)
{
	if (!s || !s->ready)
		return RPE_ERR_STATE;
	if (enc_off > len || len - enc_off < enc_len)
		return RPE_ERR_ARG;
	return 0;
}

int ntlm_session_sign(struct ntlm_session *s, const uint8_t *msg, size_t len,
		      uint8_t sig[16])
{
	TRY(check_region(s, len, 0, 0));
	TRY(signature(&s->send, s->flags, msg, len, NULL, 0, CRYPT_AFTER_MAC,
		      sig));
	s->send.seq++;
	return 0;
}

int ntlm_session_verify(struct ntlm_session *s, const uint8_t *msg, size_t len,
			const uint8_t sig[16])
{
	uint8_t want[16];
	int rc;

	TRY(check_region(s, len, 0, 0));
	rc = signature(&s->recv, s->flags, msg, len, NULL, 0, CRYPT_AFTER_MAC,
		       want);
	if (rc == 0)
		rc = check_signature(s, want, sig);
	crypto_wipe(want, sizeof(want));
	return rc;
}

int ntlm_session_seal(struct ntlm_session *s, uint8_t *msg, size_t len,
		      size_t enc_off, size_t enc_len, uint8_t sig[16])
{
	TRY(check_region(s, len, enc_off, enc_len));
	TRY(signature(&s->send, s->flags, msg, len, msg + enc_off, enc_len,
		      CRYPT_AFTER_MAC, sig));
	s->send.seq++;
	return 0;
}

int ntlm_session_unseal(struct ntlm_session *s, uint8_t *msg, size_t len,
			size_t enc_off, size_t enc_len, const uint8_t sig[16])
{
	uint8_t want[16];
	int rc;

	TRY(check_region(s, len, enc_off, enc_len));
	rc = signature(&s->recv, s->flags, msg, len, msg + enc_off, enc_len,
		       CRYPT_BEFORE_MAC, want);
	if (rc == 0)
		rc = check_signature(s, want, sig);
	crypto_wipe(want, sizeof(want));
	return rc;
}

/* secctx adapter ------------------------------------------------------------------ */

static int sc_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t *sig)
{
	return ntlm_session_sign(ctx, msg, len, sig);
}

static int sc_verify(void *ctx, const uint8_t *msg, size_t len, const uint8_t *sig)
{
	return ntlm_session_verify(ctx, msg, len, sig);
}

static int sc_seal(void *ctx, uint8_t *msg, size_t len, size_t enc_off,
		   size_t enc_len, uint8_t *sig)
{
	return ntlm_session_seal(ctx, msg, len, enc_off, enc_len, sig);
}

static int sc_unseal(void *ctx, uint8_t *msg, size_t len, size_t enc_off,
		     size_t enc_len, const uint8_t *sig)
{
	return ntlm_session_unseal(ctx, msg, len, enc_off, enc_len, sig);
}

/* Context establishment of the client that owns the session: NEGOTIATE
 * for the bind, AUTHENTICATE in answer to the CHALLENGE of the bind_ack,
 * which DCE/RPC carries in an auth3 (MS-NLMP 3.1.5.1, MS-RPCE 3.3.1.5.2). */
static int sc_step(void *ctx, const uint8_t *in, size_t in_len, struct buf *out,
		   struct rpe_error *err)
{
	struct ntlm_session *s = ctx;

	if (!s || !s->client)
		return rpe_fail(err, RPE_ERR_STATE,
				"NTLM session has no client to step");
	if (!in) {
		TRY(ntlm_client_negotiate(s->client, out, err));
		return SECCTX_CONTINUE;
	}
	TRY(ntlm_client_authenticate(s->client, in, in_len, out, err));
	return SECCTX_LAST;
}

/* RC4 handle of one direction back to its start (MS-SPNG 3.3.5.1). */
static int dir_reset(struct ntlm_dir *d)
{
	crypto_rc4_free(d->rc4);
	d->rc4 = crypto_rc4_new(d->seal_key, 16);
	return d->rc4 ? 0 : RPE_ERR_CRYPTO;
}

/* SPNEGO's mechListMIC: an NTLM signature over the MechTypeList with the
 * next sequence number, after which the RC4 handle starts again, as
 * Windows and Samba do (the sequence number is not reset). */
static int sc_get_mic(void *ctx, const uint8_t *msg, size_t len, struct buf *mic)
{
	struct ntlm_session *s = ctx;
	uint8_t sig[16];

	TRY(ntlm_session_sign(s, msg, len, sig));
	TRY(dir_reset(&s->send));
	return buf_put_bytes(mic, sig, sizeof(sig));
}

static int sc_verify_mic(void *ctx, const uint8_t *msg, size_t len,
			 const uint8_t *mic, size_t mic_len)
{
	struct ntlm_session *s = ctx;

	if (mic_len != 16)
		return RPE_ERR_AUTH;
	TRY(ntlm_session_verify(s, msg, len, mic));
	return dir_reset(&s->recv);
}

static void sc_destroy(void *ctx)
{
	struct ntlm_session *s = ctx;

	if (s)
		ntlm_client_free(s->client);
}

static const char *sc_display_name(void *ctx)
{
	(void)ctx;
	return "NTLM";
}

static const char *sc_failure_hint(void *ctx, enum secctx_failure f,
				   unsigned reason, char *out, size_t outsz)
{
	(void)ctx;
	if (f == SECCTX_FAIL_DENIED)
		snprintf(out, outsz, "wrong user or password?");
	else if (reason == SECCTX_NAK_AUTH_TYPE_NOT_RECOGNIZED)
		snprintf(out, outsz,
			 "the server does not accept NTLM (RPC auth type 10); --auth negotiate or kerberos may");
	else
		return NULL;
	return out;
}

/* Every operation but destroy, shared by the two tables below. */
#define NTLM_SECCTX_OPS                                                        \
	.name = "NTLMSSP", .auth_type = NTLM_AUTH_TYPE, .sig_len = 16,         \
	.sign = sc_sign, .verify = sc_verify, .seal = sc_seal,                 \
	.unseal = sc_unseal, .step = sc_step, .get_mic = sc_get_mic,           \
	.verify_mic = sc_verify_mic, .display_name = sc_display_name,          \
	.failure_hint = sc_failure_hint

const struct secctx_ops ntlm_secctx_ops = {
	NTLM_SECCTX_OPS,
	.destroy = sc_destroy,
};

/* The same context for a client its caller keeps owning (HTTP's
 * handshake wraps it in SPNEGO): no destroy. */
const struct secctx_ops ntlm_borrowed_secctx_ops = {
	NTLM_SECCTX_OPS,
};

struct secctx *ntlm_secctx_new(const char *user, const char *domain,
			       const char *password, struct rpe_error *err)
{
	struct secctx *sec = calloc(1, sizeof(*sec));
	struct ntlm_client *c;

	if (!sec) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	c = ntlm_client_new(user, domain, password, err);
	if (!c) {
		free(sec);
		return NULL;
	}
	sec->ops = &ntlm_secctx_ops;
	sec->ctx = ntlm_client_session(c);
	return sec;
}
