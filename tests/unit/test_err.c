/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/err: the error convention every module uses (err.h): rpe_fail fills
 * the caller's error and returns the code, TRY passes a failure up, each
 * code has a name. */
#include "config.h"

#include "err.h"
#include "t.h"

static int steps_run;

static int step(int rc)
{
	steps_run++;
	return rc;
}

/* Three steps in a row, the TRY way. */
static int three(int a, int b, int c)
{
	TRY(step(a));
	TRY(step(b));
	TRY(step(c));
	return 0;
}

static void test_try(void)
{
	steps_run = 0;
	CHECK_INT(three(0, 0, 0), 0);
	CHECK_INT(steps_run, 3);
	steps_run = 0;
	CHECK_INT(three(0, RPE_ERR_TIMEOUT, 0), RPE_ERR_TIMEOUT);
	CHECK_INT(steps_run, 2);
	/* A positive result is not a failure. */
	steps_run = 0;
	CHECK_INT(three(1, 2, 0), 0);
	CHECK_INT(steps_run, 3);
}

static void test_fail(void)
{
	struct rpe_error e;
	char longer[RPE_ERRMSG_MAX + 50];

	rpe_clear(&e);
	CHECK_INT(e.code, 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(rpe_fail(&e, RPE_ERR_PROTO, "bad %s at %d", "PDU", 7),
		  RPE_ERR_PROTO);
	CHECK_INT(e.code, RPE_ERR_PROTO);
	CHECK_STR(e.msg, "bad PDU at 7");
	/* NULL: only the code comes back. */
	CHECK_INT(rpe_fail(NULL, RPE_ERR_ARG, "ignored"), RPE_ERR_ARG);
	rpe_clear(NULL);
	/* A long message is cut, terminated. */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	rpe_fail(&e, RPE_ERR_TOOBIG, "%s", longer);
	CHECK_INT(strlen(e.msg), RPE_ERRMSG_MAX - 1);
}

static void test_names(void)
{
	int code;

	CHECK_STR(rpe_code_name(RPE_OK), "success");
	CHECK_STR(rpe_code_name(RPE_ERR_TIMEOUT), "deadline passed");
	CHECK_STR(rpe_code_name(-999), "unknown error");
	/* Every code from RPE_ERR_SHORT to RPE_ERR_TIMEOUT is named. */
	for (code = RPE_ERR_SHORT; code >= RPE_ERR_TIMEOUT; code--)
		CHECK(strcmp(rpe_code_name(code), "unknown error") != 0);
}

int main(void)
{
	T_RUN(test_try);
	T_RUN(test_fail);
	T_RUN(test_names);
	T_DONE();
}
