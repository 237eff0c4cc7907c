/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EMSMDB NDR (MS-OXCRPC 3.1.4.1, 3.1.4.3; NDR rules of C706 ch. 14). */
#include "emsmdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct dcerpc_syntax emsmdb_interface = {
	{ 0x00, 0xdb, 0xf1, 0xa4, 0x47, 0xca, 0x67, 0x10, 0xb3, 0x1f, 0x00,
	  0xdd, 0x01, 0x06, 0x62, 0xda },
	0,
	81
};

/* Request -------------------------------------------------------------------- */

int emsmdb_check_user_dn(const char *dn, struct rpe_error *err)
{
	size_t len, i;

	if (!dn || !*dn)
		return rpe_fail(err, RPE_ERR_ARG, "the mailbox DN is empty");
	len = strlen(dn);
	if (len > EMSMDB_MAX_DN)
		return rpe_fail(err, RPE_ERR_ARG,
				"%zu characters, more than the %d this client "
				"sends as szUserDN",
				len, EMSMDB_MAX_DN);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)dn[i];
		if (c < 0x20 || c > 0x7e)
			return rpe_fail(err, RPE_ERR_ARG,
					"byte 0x%02x at position %zu: szUserDN "
					"is a printable ASCII string",
					c, i + 1);
	}
	return 0;
}

/* The [in] parameters of EcDoConnectEx in NDR (MS-OXCRPC 3.1.4.1). */
static int put_connect_ex(struct buf *out, const struct emsmdb_connect_req *req,
			  size_t dnlen)
{
	size_t i;

	/* [in, string] unsigned char *szUserDN: a top-level reference
	 * pointer (no referent id) to a conformant varying string. */
	TRY(buf_put_u32le(out, (uint32_t)dnlen + 1));
	TRY(buf_put_u32le(out, 0));
	TRY(buf_put_u32le(out, (uint32_t)dnlen + 1));
	TRY(buf_put_bytes(out, req->user_dn, dnlen + 1));
	TRY(buf_put_align(out, 4));
	TRY(buf_put_u32le(out, req->flags));
	TRY(buf_put_u32le(out, req->con_mod));
	TRY(buf_put_u32le(out, 0)); /* cbLimit */
	TRY(buf_put_u32le(out, req->cpid ? req->cpid : 1252));
	TRY(buf_put_u32le(out, req->lcid_string ? req->lcid_string : 1033));
	TRY(buf_put_u32le(out, req->lcid_sort ? req->lcid_sort : 1033));
	TRY(buf_put_u32le(out, 0xFFFFFFFFu)); /* ulIcxrLink: no linked session */
	TRY(buf_put_u16le(out, 1));           /* usFCanConvertCodePages */
	for (i = 0; i < 3; i++)
		TRY(buf_put_u16le(out, req->client_version[i]));
	/* [in, out] unsigned long *pulTimeStamp */
	TRY(buf_put_align(out, 4));
	TRY(buf_put_u32le(out, 0));
	/* [in, size_is(cbAuxIn)] unsigned char rgbAuxIn[]: empty conformant
	 * array, then cbAuxIn, then [in, out] pcbAuxOut. */
	TRY(buf_put_u32le(out, 0));
	TRY(buf_put_u32le(out, 0));
	return buf_put_u32le(out, EMSMDB_MAX_AUX);
}

int emsmdb_encode_connect_ex(struct buf *out,
			     const struct emsmdb_connect_req *req,
			     struct rpe_error *err)
{
	int rc;

	TRY(emsmdb_check_user_dn(req->user_dn, err));
	rc = put_connect_ex(out, req, strlen(req->user_dn));
	if (rc < 0)
		return rpe_fail(err, rc, "cannot encode EcDoConnectEx");
	return 0;
}

int emsmdb_encode_disconnect(struct buf *out, const uint8_t cxh[20],
			     struct rpe_error *err)
{
	if (buf_put_bytes(out, cxh, 20) < 0)
		return rpe_fail(err, RPE_ERR_TOOBIG,
				"cannot encode EcDoDisconnect");
	return 0;
}

/* Response ------------------------------------------------------------------ */

/* A pointer's referent id, aligned to 4 (NDR pointers, C706 ch. 14). */
static int get_pointer(struct buf_cur *c, uint32_t *ref)
{
	TRY(buf_get_align(c, 4));
	return buf_get_u32le(c, ref);
}

/* max_count, offset, actual_count of a conformant varying array (C706
 * ch. 14). */
static int get_counts(struct buf_cur *c, uint32_t n[3])
{
	TRY(buf_get_u32le(c, &n[0]));
	TRY(buf_get_u32le(c, &n[1]));
	return buf_get_u32le(c, &n[2]);
}

/* A unique pointer to a conformant varying ASCII string, as the referent of
 * [out, string] unsigned char ** (pointee follows the pointer directly). */
static int get_string_ptr(struct buf_cur *c, char **out, const char *name,
			  struct rpe_error *err)
{
	uint32_t ref, n[3];
	const uint8_t *p;
	char *s;

	*out = NULL;
	if (get_pointer(c, &ref) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"EcDoConnectEx response truncated at %s", name);
	if (ref == 0)
		return 0;
	if (get_counts(c, n) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"EcDoConnectEx response truncated in %s", name);
	if (n[1] != 0 || n[2] > n[0] || n[2] == 0 || n[2] > EMSMDB_MAX_STRING)
		return rpe_fail(err, RPE_ERR_PROTO,
				"%s: bad string counts (max %u, offset %u, actual %u)",
				name, (unsigned)n[0], (unsigned)n[1],
				(unsigned)n[2]);
	if (buf_get_ref(c, n[2], &p) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"%s: %u characters announced, fewer present",
				name, (unsigned)n[2]);
	if (p[n[2] - 1] != '\0' || memchr(p, '\0', n[2] - 1))
		return rpe_fail(err, RPE_ERR_PROTO,
				"%s is not a NUL-terminated string", name);
	s = malloc(n[2]);
	if (!s)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	memcpy(s, p, n[2]);
	*out = s;
	return 0;
}

/* pcxh, pcmsPollsMax, pcRetry, pcmsRetryDelay, picxr */
static int get_session(struct buf_cur *c, struct emsmdb_connect_resp *r)
{
	TRY(buf_get_bytes(c, r->cxh, 20));
	TRY(buf_get_u32le(c, &r->polls_max));
	TRY(buf_get_u32le(c, &r->retry_count));
	TRY(buf_get_u32le(c, &r->retry_delay));
	return buf_get_u16le(c, &r->icxr);
}

/* rgwServerVersion, rgwBestVersion, pulTimeStamp, then the counts of
 * [out, length_is(*pcbAuxOut), size_is(*pcbAuxOut)] rgbAuxOut[]. */
static int get_versions(struct buf_cur *c, struct emsmdb_connect_resp *r,
			uint32_t aux[3])
{
	int i;

	TRY(buf_get_align(c, 2));
	for (i = 0; i < 3; i++)
		TRY(buf_get_u16le(c, &r->server_version[i]));
	for (i = 0; i < 3; i++)
		TRY(buf_get_u16le(c, &r->best_version[i]));
	TRY(buf_get_align(c, 4));
	TRY(buf_get_u32le(c, &r->timestamp));
	return get_counts(c, aux);
}

/* rgbAuxOut's bytes, *pcbAuxOut and the return code. */
static int get_result(struct buf_cur *c, struct emsmdb_connect_resp *r,
		      uint32_t aux_len)
{
	TRY(buf_skip(c, aux_len));
	TRY(buf_get_align(c, 4));
	TRY(buf_get_u32le(c, &r->aux_out_len));
	return buf_get_u32le(c, &r->result);
}

static int parse_connect_ex(struct buf_cur *c, struct emsmdb_connect_resp *r,
			    struct rpe_error *err)
{
	uint32_t aux[3];

	if (get_session(c, r) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"EcDoConnectEx response truncated (%zu bytes)",
				c->len);
	TRY(get_string_ptr(c, &r->dn_prefix, "szDNPrefix", err));
	TRY(get_string_ptr(c, &r->display_name, "szDisplayName", err));
	if (get_versions(c, r, aux) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"EcDoConnectEx response truncated (%zu bytes)",
				c->len);
	if (aux[1] != 0 || aux[2] > aux[0] || aux[0] > EMSMDB_MAX_AUX)
		return rpe_fail(err, RPE_ERR_PROTO,
				"rgbAuxOut: bad counts (max %u, offset %u, actual %u)",
				(unsigned)aux[0], (unsigned)aux[1],
				(unsigned)aux[2]);
	if (get_result(c, r, aux[2]) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"EcDoConnectEx response truncated (%zu bytes)",
				c->len);
	if (r->aux_out_len != aux[2])
		return rpe_fail(err, RPE_ERR_PROTO,
				"pcbAuxOut %u disagrees with rgbAuxOut length %u",
				(unsigned)r->aux_out_len, (unsigned)aux[2]);
	if (buf_cur_remaining(c) != 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"%zu unexpected bytes after the EcDoConnectEx return code",
				buf_cur_remaining(c));
	return 0;
}

int emsmdb_parse_connect_ex_response(const uint8_t *stub, size_t len,
				     struct emsmdb_connect_resp *r,
				     struct rpe_error *err)
{
	struct buf_cur c;
	int rc;

	memset(r, 0, sizeof(*r));
	buf_cur_init(&c, stub, len);
	rc = parse_connect_ex(&c, r, err);
	if (rc < 0)
		emsmdb_connect_resp_free(r);
	return rc;
}

void emsmdb_connect_resp_free(struct emsmdb_connect_resp *r)
{
	free(r->dn_prefix);
	free(r->display_name);
	r->dn_prefix = r->display_name = NULL;
}

int emsmdb_parse_disconnect_response(const uint8_t *stub, size_t len,
				     uint32_t *result, struct rpe_error *err)
{
	struct buf_cur c;

	buf_cur_init(&c, stub, len);
	/* pcxh (20 bytes, zeroed by the server), then the return code */
	if (buf_peek_u32le_at(&c, 20, result) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"EcDoDisconnect response truncated (%zu bytes)",
				len);
	if (len != 24)
		return rpe_fail(err, RPE_ERR_PROTO,
				"EcDoDisconnect response has trailing bytes");
	return 0;
}

/* Versions and codes -------------------------------------------------------- */

int emsmdb_parse_version(const char *s, uint16_t out[3])
{
	unsigned long part[4];
	int n = 0;
	char *end;

	if (!s || !*s)
		return RPE_ERR_ARG;
	while (n < 4) {
		if (*s < '0' || *s > '9')
			return RPE_ERR_ARG;
		part[n] = strtoul(s, &end, 10);
		if (part[n] > 0xFFFF)
			return RPE_ERR_ARG;
		n++;
		s = end;
		if (*s == '\0')
			break;
		if (*s != '.')
			return RPE_ERR_ARG;
		s++;
	}
	if (*s != '\0' || n < 3)
		return RPE_ERR_ARG;
	if (n == 3) {
		/* The words as sent: the second one's high bit would mark the
		 * four-number format. */
		if (part[1] > 0x7FFF)
			return RPE_ERR_ARG;
		out[0] = (uint16_t)part[0];
		out[1] = (uint16_t)part[1];
		out[2] = (uint16_t)part[2];
		return 0;
	}
	if (part[0] > 0xFF || part[1] > 0xFF || part[2] > 0x7FFF)
		return RPE_ERR_ARG;
	out[0] = (uint16_t)(part[0] << 8 | part[1]);
	out[1] = (uint16_t)(0x8000 | part[2]);
	out[2] = (uint16_t)part[3];
	return 0;
}

void emsmdb_format_version(const uint16_t v[3], char *out, size_t n)
{
	if (v[1] & 0x8000)
		snprintf(out, n, "%u.%u.%u.%u", (unsigned)(v[0] >> 8),
			 (unsigned)(v[0] & 0xFF), (unsigned)(v[1] & 0x7FFF),
			 (unsigned)v[2]);
	else
		snprintf(out, n, "%u.%u.%u", (unsigned)v[0], (unsigned)v[1],
			 (unsigned)v[2]);
}

/* The first block is the EcDoConnectEx error table of MS-OXCRPC 3.1.4.1
 * (values from MS-OXCDATA 2.4), each with the Exchange setting behind it;
 * the rest are other MS-OXCDATA 2.4 codes a store may answer. */
static const struct {
	uint32_t ec;
	const char *name;
	const char *meaning;
} ec_table[] = {
	{ 0x00000000, "ecNone", "success" },
	{ 0x80070005, "ecAccessDenied",
	  "the account may not log on to this mailbox (mailbox permissions), or the mailbox DN was empty" },
	{ 0x00000970, "ecNotEncrypted",
	  "the server requires RPC encryption and this logon was not sealed (Set-RpcClientAccess -EncryptionRequired)" },
	{ 0x000004DF, "ecClientVerDisallowed",
	  "the client version is blocked (Set-RpcClientAccess -BlockedClientVersions, Set-CASMailbox -MAPIBlockOutlookVersions), "
	  "or the client is too old to be told that encryption is required" },
	{ 0x80040111, "ecLoginFailure",
	  "the store cannot log the user on to the mailbox database (database dismounted or unreachable)" },
	{ 0x000003EB, "ecUnknownUser",
	  "the mailbox DN is not an enabled mailbox here (check -m against (Get-Mailbox NAME).LegacyExchangeDN)" },
	{ 0x000003F2, "ecLoginPerm",
	  "an administrative logon was requested without administrative rights" },
	{ 0x80040110, "ecVersionMismatch",
	  "the client version is older than the server supports (--client-version)" },
	{ 0x000004E1, "ecCachedModeRequired",
	  "the mailbox accepts only Outlook in cached mode (Set-CASMailbox -MAPIBlockOutlookNonCachedMode)" },
	{ 0x000004E0, "ecRpcHttpDisallowed",
	  "the mailbox may not use Outlook Anywhere, RPC over HTTP (Set-CASMailbox -MAPIBlockOutlookRpcHttp)" },
	{ 0x000007D8, "ecProtocolDisabled",
	  "MAPI is disabled for the mailbox (Set-CASMailbox -MAPIEnabled) or a client access rule blocks Outlook Anywhere" },
	{ 0x000003FC, "ecServerOOM", "the store server is out of memory" },
	{ 0x00000478, "ecWrongServer", "the mailbox lives on another server" },
	{ 0x80004005, "ecError", "unspecified failure" },
	{ 0x80040102, "ecNotSupported", "operation not supported" },
	{ 0x8004010F, "ecNotFound", "object not found" },
	{ 0x80040115, "ecNetwork", "network error on the server side" },
	{ 0x8007000E, "ecMAPIOOM", "out of memory" },
	{ 0x80070057, "ecInvalidParam", "invalid parameter" },
};

const char *emsmdb_ec_name(uint32_t ec)
{
	static char unknown[16];
	size_t i;

	for (i = 0; i < sizeof(ec_table) / sizeof(ec_table[0]); i++)
		if (ec_table[i].ec == ec)
			return ec_table[i].name;
	snprintf(unknown, sizeof(unknown), "0x%08x", (unsigned)ec);
	return unknown;
}

const char *emsmdb_ec_meaning(uint32_t ec)
{
	size_t i;

	for (i = 0; i < sizeof(ec_table) / sizeof(ec_table[0]); i++)
		if (ec_table[i].ec == ec)
			return ec_table[i].meaning;
	return NULL;
}
