/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EMSMDB (MS-OXCRPC 3.1.4) NDR for EcDoConnectEx (opnum 10) and
 * EcDoDisconnect (opnum 1), and the ec* return codes (MS-OXCDATA 2.4). */
#ifndef RPE_EMSMDB_H
#define RPE_EMSMDB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dcerpc.h"
#include "err.h"

/* a4f1db00-ca47-1067-b31f-00dd010662da v0.81 */
extern const struct dcerpc_syntax emsmdb_interface;

#define EMSMDB_OPNUM_DISCONNECT 1
#define EMSMDB_OPNUM_CONNECT_EX 10

/* The EcDoConnectEx error table (MS-OXCRPC 3.1.4.1), values as in
 * MS-OXCDATA 2.4. */
#define EMSMDB_EC_NONE 0x00000000u
#define EMSMDB_EC_UNKNOWN_USER 0x000003EBu
#define EMSMDB_EC_LOGIN_PERM 0x000003F2u
#define EMSMDB_EC_CLIENT_VER_DISALLOWED 0x000004DFu
#define EMSMDB_EC_RPC_HTTP_DISALLOWED 0x000004E0u
#define EMSMDB_EC_CACHED_MODE_REQUIRED 0x000004E1u
#define EMSMDB_EC_PROTOCOL_DISABLED 0x000007D8u
#define EMSMDB_EC_NOT_ENCRYPTED 0x00000970u
#define EMSMDB_EC_VERSION_MISMATCH 0x80040110u
#define EMSMDB_EC_LOGIN_FAILURE 0x80040111u
#define EMSMDB_EC_ACCESS_DENIED 0x80070005u

/* Longest mailbox DN we send.  MS-OXCRPC 3.1.4.1 gives szUserDN no maximum;
 * legacyExchangeDN values are far shorter. */
#define EMSMDB_MAX_DN 1024
/* pcbAuxOut range (MS-OXCRPC 3.1.4.1: [range(0x0, 0x1008)]). */
#define EMSMDB_MAX_AUX 0x1008
#define EMSMDB_MAX_STRING 4096

struct emsmdb_connect_req {
	const char *user_dn;        /* legacyExchangeDN, ASCII */
	uint32_t flags;             /* ulFlags, 0 for a normal client */
	uint32_t con_mod;           /* ulConMod: connection modulus hash */
	uint32_t cpid;              /* 0 = 1252 */
	uint32_t lcid_string;       /* 0 = 1033 */
	uint32_t lcid_sort;         /* 0 = 1033 */
	uint16_t client_version[3]; /* rgwClientVersion */
};

struct emsmdb_connect_resp {
	uint8_t cxh[20]; /* session context handle */
	uint32_t polls_max;
	uint32_t retry_count;
	uint32_t retry_delay;
	uint16_t icxr;
	char *dn_prefix; /* NULL when absent */
	char *display_name;
	uint16_t server_version[3];
	uint16_t best_version[3];
	uint32_t timestamp;
	uint32_t aux_out_len;
	uint32_t result; /* the ec return code */
};

/* szUserDN of EcDoConnectEx ([in, string] unsigned char *, MS-OXCRPC
 * 3.1.4.1): 1..EMSMDB_MAX_DN printable ASCII characters.  RPE_ERR_ARG with
 * the reason otherwise. */
int emsmdb_check_user_dn(const char *dn, struct rpe_error *err);
int emsmdb_encode_connect_ex(struct buf *out,
			     const struct emsmdb_connect_req *req,
			     struct rpe_error *err);
int emsmdb_parse_connect_ex_response(const uint8_t *stub, size_t len,
				     struct emsmdb_connect_resp *out,
				     struct rpe_error *err);
void emsmdb_connect_resp_free(struct emsmdb_connect_resp *r);

int emsmdb_encode_disconnect(struct buf *out, const uint8_t cxh[20],
			     struct rpe_error *err);
int emsmdb_parse_disconnect_response(const uint8_t *stub, size_t len,
				     uint32_t *result, struct rpe_error *err);

/* rgwClientVersion and its kin are three WORDs (MS-OXCRPC 3.1.4.1.3.1,
 * "Version Number Comparison"): when the high bit of the second word is set
 * they hold major<<8|minor, 0x8000|build, minor build; otherwise major,
 * build, minor build with minor 0.  emsmdb_parse_version takes
 *   "A.B.C.D"  major.minor.build.minor-build in the first format (A and B
 *              0..255, C 0..32767, D 0..65535): "16.0.4266.1001";
 *   "A.B.C"    the three words of the second format as sent (B 0..32767),
 *              the notation of the spec's own example (MS-OXCRPC 4.1,
 *              "12.6206.1000"); a server reads it as A.0.B.C.
 * RPE_ERR_ARG for anything else. */
int emsmdb_parse_version(const char *s, uint16_t out[3]);
void emsmdb_format_version(const uint16_t v[3], char *out, size_t n);
#define emsmdb_format_server_version emsmdb_format_version

/* "ecNotEncrypted"; unknown codes give "0x%08x" text (static buffer). */
const char *emsmdb_ec_name(uint32_t ec);
/* One admin-readable line: what the store means and, for the codes of the
 * EcDoConnectEx table, which setting decides it; NULL for unknown codes. */
const char *emsmdb_ec_meaning(uint32_t ec);

#endif
