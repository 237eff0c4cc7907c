/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/auth's package table and what every package's ops table carries. */
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "crypto.h"
#include "dcerpc.h"
#include "t.h"

static const struct auth_params params = {
	.user = "probe",
	.domain = "EXAMPLE",
	.password = "pw",
	.level = DCERPC_AUTH_LEVEL_PRIVACY,
};

static void test_ntlm_row(void)
{
	struct rpe_error err = { 0, "" };
	struct secctx *s = auth_secctx_new(AUTH_PKG_NTLM, &params, &err);
	struct buf out;
	char hint[200];

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(s->ops->auth_type, 10);
	CHECK_STR(secctx_display_name(s), "NTLM");
	CHECK(s->ops->destroy != NULL);
	buf_init(&out, 4096);
	CHECK_INT(s->ops->step(s->ctx, NULL, 0, &out, &err), SECCTX_CONTINUE);
	CHECK(out.len >= 32 && memcmp(out.data, "NTLMSSP\0\1\0\0\0", 12) == 0);
	CHECK_STR(secctx_failure_hint(s, SECCTX_FAIL_DENIED, 0, hint,
				      sizeof(hint)),
		  "wrong user or password?");
	CHECK(secctx_failure_hint(s, SECCTX_FAIL_BIND_NAK,
				  SECCTX_NAK_AUTH_TYPE_NOT_RECOGNIZED, hint,
				  sizeof(hint)) != NULL);
	CHECK(strstr(hint, "auth type 10") != NULL);
	CHECK(secctx_failure_hint(s, SECCTX_FAIL_BIND_NAK, 0, hint,
				  sizeof(hint)) == NULL);
	buf_free(&out);
	auth_secctx_free(s);
}

static void test_bad_rows(void)
{
	struct rpe_error err = { 0, "" };

	CHECK(auth_secctx_new(AUTH_PKG_COUNT, &params, &err) == NULL);
	CHECK_INT(err.code, RPE_ERR_ARG);
	/* Kerberos without acquired credentials cannot start. */
	rpe_clear(&err);
	CHECK(auth_secctx_new(AUTH_PKG_KERBEROS, &params, &err) == NULL);
	CHECK_INT(err.code, RPE_ERR_ARG);
	auth_secctx_free(NULL);
}

int main(void)
{
	struct rpe_error err = { 0, "" };

	if (crypto_init(&err) < 0)
		fprintf(stderr, "crypto_init: %s\n", err.msg);
	T_RUN(test_ntlm_row);
	T_RUN(test_bad_rows);
	crypto_cleanup();
	T_DONE();
}
