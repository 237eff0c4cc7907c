/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/kerberos without a KDC: principal and service principal names, the
 * operator's words for krb5 error codes, the package's constants, and the
 * credential failures that need no KDC (unreadable keytab, KDC port
 * closed, KDC silent past the deadline) against a krb5.conf of the test's
 * own. */
#define _POSIX_C_SOURCE 200809L /* setenv, mkdtemp, clock_gettime */
#include <arpa/inet.h>
#include <krb5.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dcerpc.h"
#include "kerberos.h"
#include "t.h"

static void test_principal_names(void)
{
	char out[256];

	CHECK_INT(kerb_principal_name("probe@corp.example.com", NULL, out,
				      sizeof(out)),
		  0);
	CHECK_STR(out, "probe@CORP.EXAMPLE.COM");
	CHECK_INT(kerb_principal_name("CORP\\probe", NULL, out, sizeof(out)), 0);
	CHECK_STR(out, "probe");
	CHECK_INT(kerb_principal_name("CORP\\probe", "corp.example.com", out,
				      sizeof(out)),
		  0);
	CHECK_STR(out, "probe@CORP.EXAMPLE.COM");
	CHECK_INT(kerb_principal_name("probe@upn.example", "CORP.EXAMPLE", out,
				      sizeof(out)),
		  0);
	CHECK_STR(out, "probe@CORP.EXAMPLE");
	CHECK_INT(kerb_principal_name("probe", NULL, out, sizeof(out)), 0);
	CHECK_STR(out, "probe");
	CHECK_INT(kerb_principal_name("", NULL, out, sizeof(out)), RPE_ERR_ARG);
	CHECK_INT(kerb_principal_name("CORP\\", NULL, out, sizeof(out)),
		  RPE_ERR_ARG);
	CHECK_INT(kerb_principal_name("@REALM", NULL, out, sizeof(out)),
		  RPE_ERR_ARG);
	CHECK_INT(kerb_principal_name("probe@corp.example.com", NULL, out, 8),
		  RPE_ERR_TOOBIG);
}

static void test_spn_names(void)
{
	char out[256];

	CHECK_INT(kerb_spn_name(NULL, "exch01.corp.example", "CORP.EXAMPLE",
				out, sizeof(out)),
		  0);
	CHECK_STR(out, "exchangeMDB/exch01.corp.example@CORP.EXAMPLE");
	CHECK_INT(kerb_spn_name(NULL, "exch01", NULL, out, sizeof(out)), 0);
	CHECK_STR(out, "exchangeMDB/exch01");
	CHECK_INT(kerb_spn_name("host/exch01", "ignored", "CORP.EXAMPLE", out,
				sizeof(out)),
		  0);
	CHECK_STR(out, "host/exch01@CORP.EXAMPLE");
	CHECK_INT(kerb_spn_name("host/exch01@OTHER.REALM", NULL, "CORP.EXAMPLE",
				out, sizeof(out)),
		  0);
	CHECK_STR(out, "host/exch01@OTHER.REALM");
	CHECK_INT(kerb_spn_name(NULL, NULL, "CORP.EXAMPLE", out, sizeof(out)),
		  RPE_ERR_ARG);
	CHECK_INT(kerb_spn_name(NULL, "exch01", NULL, out, 10), RPE_ERR_TOOBIG);
}

static void test_reasons(void)
{
	const char *r;

	r = kerb_reason(KRB5KRB_AP_ERR_SKEW, 0);
	CHECK(r && strstr(r, "clock skew"));
	r = kerb_reason(KRB5KDC_ERR_PREAUTH_FAILED, 1);
	CHECK(r && strstr(r, "preauthentication failed"));
	r = kerb_reason(KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, 1);
	CHECK(r && strstr(r, "unknown principal"));
	r = kerb_reason(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, 0);
	CHECK(r && strstr(r, "no such service principal"));
	r = kerb_reason(KRB5_KDC_UNREACH, 1);
	CHECK(r && strstr(r, "KDC unreachable"));
	/* A bad checksum only means a wrong password in the AS exchange. */
	CHECK(kerb_reason(KRB5KRB_AP_ERR_BAD_INTEGRITY, 1) != NULL);
	CHECK(kerb_reason(KRB5KRB_AP_ERR_BAD_INTEGRITY, 0) == NULL);
	CHECK(kerb_reason(0, 1) == NULL);
}

static void test_ops(void)
{
	CHECK_INT(kerb_secctx_ops.auth_type, 16);
	CHECK(kerb_secctx_ops.step && kerb_secctx_ops.sig_size);
	CHECK(kerb_secctx_ops.header_sign);
}

/* Failures that need no KDC, against a krb5.conf of our own whose KDC
 * port refuses connections at once. */
static void test_creds_offline(void)
{
	char dir[] = "/tmp/rpcenc-krb5.XXXXXX", conf[300];
	struct kerb_cred_params p;
	struct rpe_error err;
	struct kerb_creds *c;
	FILE *f;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(conf, sizeof(conf), "%s/krb5.conf", dir);
	f = fopen(conf, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "[libdefaults]\n\tdefault_realm = UNIT.TEST\n"
		   "\tdns_lookup_kdc = false\n[realms]\n\tUNIT.TEST = {\n"
		   "\t\tkdc = 127.0.0.1:1\n\t}\n");
	fclose(f);
	setenv("KRB5_CONFIG", conf, 1);

	memset(&p, 0, sizeof(p));
	p.source = KERB_CRED_KEYTAB;
	p.user = "probe";
	p.keytab = "/nonexistent/probe.keytab";
	rpe_clear(&err);
	c = kerb_creds_acquire(&p, &err);
	CHECK(c == NULL);
	CHECK(strstr(err.msg, "cannot read the keytab /nonexistent/probe.keytab"));

	p.source = KERB_CRED_PASSWORD;
	p.password = "not-a-secret";
	rpe_clear(&err);
	c = kerb_creds_acquire(&p, &err);
	CHECK(c == NULL);
	CHECK_INT(err.code, RPE_ERR_AUTH);
	CHECK(strstr(err.msg,
		     "Kerberos TGT for probe@UNIT.TEST: KDC unreachable"));
	if (!strstr(err.msg, "KDC unreachable"))
		fprintf(stderr, "  message: %s\n", err.msg);
	CHECK(!strstr(err.msg, "not-a-secret"));

	p.user = NULL;
	rpe_clear(&err);
	CHECK(kerb_creds_acquire(&p, &err) == NULL);
	CHECK_INT(err.code, RPE_ERR_ARG);
	kerb_creds_free(NULL);
	kerb_ctx_free(NULL);
	unlink(conf);
	rmdir(dir);
}

/* A KDC that never answers: the bounded acquisition gives up at its
 * timeout and says so; the worker finishes on its own later. */
static void test_creds_timeout(void)
{
	char dir[] = "/tmp/rpcenc-krb5.XXXXXX", conf[300];
	struct kerb_cred_params p = { KERB_CRED_PASSWORD, "probe", NULL,
				      "not-a-secret", NULL };
	struct kerb_prefetch pf = { NULL, "exch01", "mail.unit.test" };
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct rpe_error err;
	struct timespec t0, t1;
	int fd, timed_out = 0;
	double secs;
	FILE *f;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0 || !mkdtemp(dir)) {
		CHECK(!"socket setup");
		return;
	}
	snprintf(conf, sizeof(conf), "%s/krb5.conf", dir);
	if (!(f = fopen(conf, "w"))) {
		CHECK(!"krb5.conf");
		return;
	}
	fprintf(f,
		"[libdefaults]\n\tdefault_realm = UNIT.TEST\n"
		"\tdns_lookup_kdc = false\n[realms]\n\tUNIT.TEST = {\n"
		"\t\tkdc = 127.0.0.1:%u\n\t}\n",
		(unsigned)ntohs(sa.sin_port));
	fclose(f);
	setenv("KRB5_CONFIG", conf, 1);
	rpe_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(kerb_creds_acquire_within(&p, &pf, 500, &timed_out, &err) == NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK_INT(timed_out, 1);
	CHECK(secs >= 0.45 && secs < 2.0);
	CHECK(strstr(err.msg, "no answer from the KDC within 500 ms"));
	unlink(conf);
	rmdir(dir);
}

int main(void)
{
	T_RUN(test_principal_names);
	T_RUN(test_spn_names);
	T_RUN(test_reasons);
	T_RUN(test_ops);
	T_RUN(test_creds_offline);
	T_RUN(test_creds_timeout);
	T_DONE();
}
