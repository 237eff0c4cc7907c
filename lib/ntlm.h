/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NTLM (MS-NLMP) client with NTLMv2, MIC, key exchange and session
 * security, sans-I/O: the caller moves the messages.
 *
 *   c = ntlm_client_new(user, domain, password)
 *   ntlm_client_negotiate(c, out)            -> NEGOTIATE_MESSAGE
 *   ntlm_client_authenticate(c, chal, out)   -> AUTHENTICATE_MESSAGE
 *   ntlm_secctx_ops + ntlm_client_session(c) -> sign/seal for DCE/RPC
 *
 * The password is turned into the NT hash at creation and wiped; every key
 * is wiped on free. */
#ifndef RPE_NTLM_H
#define RPE_NTLM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "secctx.h"

/* NEGOTIATE flags (MS-NLMP 2.2.2.5) */
#define NTLM_NEG_UNICODE 0x00000001u
#define NTLM_NEG_OEM 0x00000002u
#define NTLM_REQUEST_TARGET 0x00000004u
#define NTLM_NEG_SIGN 0x00000010u
#define NTLM_NEG_SEAL 0x00000020u
#define NTLM_NEG_LM_KEY 0x00000080u
#define NTLM_NEG_NTLM 0x00000200u
#define NTLM_NEG_ANONYMOUS 0x00000800u
#define NTLM_NEG_ALWAYS_SIGN 0x00008000u
#define NTLM_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLM_TARGET_TYPE_SERVER 0x00020000u
#define NTLM_NEG_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLM_NEG_TARGET_INFO 0x00800000u
#define NTLM_NEG_VERSION 0x02000000u
#define NTLM_NEG_128 0x20000000u
#define NTLM_NEG_KEY_EXCH 0x40000000u
#define NTLM_NEG_56 0x80000000u

/* What Windows sends for RPC at any authentication level: the level only
 * decides later whether PDUs are signed or sealed. */
#define NTLM_CLIENT_FLAGS                                                      \
	(NTLM_NEG_56 | NTLM_NEG_KEY_EXCH | NTLM_NEG_128 | NTLM_NEG_VERSION |   \
	 NTLM_NEG_EXTENDED_SESSIONSECURITY | NTLM_NEG_ALWAYS_SIGN |            \
	 NTLM_NEG_NTLM | NTLM_NEG_SEAL | NTLM_NEG_SIGN | NTLM_REQUEST_TARGET | \
	 NTLM_NEG_OEM | NTLM_NEG_UNICODE)

/* AV pair ids (MS-NLMP 2.2.2.1) */
enum ntlm_av_id {
	NTLM_AV_EOL = 0,
	NTLM_AV_NB_COMPUTER = 1,
	NTLM_AV_NB_DOMAIN = 2,
	NTLM_AV_DNS_COMPUTER = 3,
	NTLM_AV_DNS_DOMAIN = 4,
	NTLM_AV_DNS_TREE = 5,
	NTLM_AV_FLAGS = 6,
	NTLM_AV_TIMESTAMP = 7,
	NTLM_AV_SINGLE_HOST = 8,
	NTLM_AV_TARGET_NAME = 9,
	NTLM_AV_CHANNEL_BINDINGS = 10,
};

struct ntlm_challenge {
	uint32_t flags;
	uint8_t server_challenge[8];
	const uint8_t *target_info; /* points into the parsed message */
	size_t target_info_len;
	int has_timestamp;
	uint64_t timestamp;
	uint8_t version[8];
	int has_version;
};

/* Parse a CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2); every offset and AV pair is
 * bounds-checked.  `out` points into `msg`. */
int ntlm_parse_challenge(const uint8_t *msg, size_t len,
			 struct ntlm_challenge *out, struct rpe_error *err);

/* Values tests may pin (MS-NLMP 4.2.4 uses fixed ones); zero = random/now. */
struct ntlm_overrides {
	int set;
	uint8_t client_challenge[8];
	uint64_t timestamp; /* used when the server sent none */
	uint8_t exported_session_key[16];
};

struct ntlm_session;
struct ntlm_client;

struct ntlm_client *ntlm_client_new(const char *user, const char *domain,
				    const char *password, struct rpe_error *err);
void ntlm_client_free(struct ntlm_client *c);
void ntlm_client_set_overrides(struct ntlm_client *c,
			       const struct ntlm_overrides *o);

/* Extended Protection (MS-NLMP 3.1.5.1.2), for NTLM inside HTTP: the
 * AUTHENTICATE's copy of the target info then carries MsvAvChannelBindings
 * (cbt_md5 from lib/cbt, or NULL for the all-zero "no binding" value of
 * MS-NLMP 2.2.2.1) and MsvAvTargetName = target_name (the SPN, e.g.
 * "HTTP/mail.example.com"; NULL: none), both replacing any the server
 * sent.  Without this call (the RPC layer) neither pair is added. */
int ntlm_client_set_binding(struct ntlm_client *c, const uint8_t cbt_md5[16],
			    const char *target_name, struct rpe_error *err);

int ntlm_client_negotiate(struct ntlm_client *c, struct buf *out,
			  struct rpe_error *err);
/* Consume the CHALLENGE, produce the AUTHENTICATE and derive session
 * keys.  RPE_ERR_AUTH when the server's flags are unacceptable. */
int ntlm_client_authenticate(struct ntlm_client *c, const uint8_t *chal,
			     size_t clen, struct buf *out, struct rpe_error *err);
/* Flags in force after authenticate. */
uint32_t ntlm_client_flags(const struct ntlm_client *c);
/* The session security context (valid for the client's lifetime; usable
 * once authenticate succeeded). */
struct ntlm_session *ntlm_client_session(struct ntlm_client *c);

/* Primitives, exposed for vectors and differential tests ---------------- */

int ntlm_nt_hash(const char *password, uint8_t out[16]);
int ntlm_response_key_v2(const uint8_t nt_hash[16], const char *user,
			 const char *domain, uint8_t out[16]);

/* Session security (MS-NLMP 3.4): role 0 = client (sends with the
 * client-to-server keys), 1 = server. */
struct ntlm_session *ntlm_session_new(const uint8_t exported_key[16],
				      uint32_t flags, int role);
void ntlm_session_free(struct ntlm_session *s);
int ntlm_session_sign(struct ntlm_session *s, const uint8_t *msg, size_t len,
		      uint8_t sig[16]);
int ntlm_session_verify(struct ntlm_session *s, const uint8_t *msg, size_t len,
			const uint8_t sig[16]);
int ntlm_session_seal(struct ntlm_session *s, uint8_t *msg, size_t len,
		      size_t enc_off, size_t enc_len, uint8_t sig[16]);
int ntlm_session_unseal(struct ntlm_session *s, uint8_t *msg, size_t len,
			size_t enc_off, size_t enc_len, const uint8_t sig[16]);
/* Derived keys, for tests. */
void ntlm_session_keys(const struct ntlm_session *s, uint8_t sign_send[16],
		       uint8_t seal_send[16], uint8_t sign_recv[16],
		       uint8_t seal_recv[16]);

/* RPC_C_AUTHN_WINNT (MS-RPCE 2.2.1.1.7) */
#define NTLM_AUTH_TYPE 10

/* DCE/RPC's security context over a client's session; its step drives the
 * owning client (NEGOTIATE, then AUTHENTICATE for the auth3) and its
 * destroy frees that client. */
extern const struct secctx_ops ntlm_secctx_ops;
/* ntlm_secctx_ops without destroy: for a client its caller keeps owning
 * (ctx = ntlm_client_session(c)). */
extern const struct secctx_ops ntlm_borrowed_secctx_ops;
/* A new client as a security context (the package table's entry). */
struct secctx *ntlm_secctx_new(const char *user, const char *domain,
			       const char *password, struct rpe_error *err);

#endif
