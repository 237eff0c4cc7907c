/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/probe_config: the option parsers and checks the plugin runs before
 * any connection. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "probe_config.h"

#include <unistd.h>

#include "emsmdb.h"
#include "t.h"

static void test_choices(void)
{
	struct probe_config c;
	struct rpe_error e;

	probe_config_init(&c);
	CHECK_INT(c.transport, PROBE_TRANSPORT_HTTP);
	CHECK_INT(c.expect, EXPECT_REQUIRED);
	CHECK_INT(c.probes, PROBES_BOTH);
	CHECK_INT(c.unencrypted_level, PROBE_LEVEL_CONNECT);
	CHECK_INT(c.http_auth, HTTP_AUTH_ANY);

	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_TRANSPORT, "tcp", &e), 0);
	CHECK_INT(c.transport, PROBE_TRANSPORT_TCP);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_EXPECT, "any", &e), 0);
	CHECK_INT(c.expect, EXPECT_ANY);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_PROBES, "unencrypted", &e), 0);
	CHECK_INT(c.probes, PROBES_UNENCRYPTED);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_UNENC_LEVEL, "integrity", &e), 0);
	CHECK_INT(c.unencrypted_level, PROBE_LEVEL_INTEGRITY);
	CHECK_INT(c.n_unencrypted_levels, 1);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_UNENC_LEVEL,
				 "none,connect,integrity", &e),
		  0);
	CHECK_INT(c.n_unencrypted_levels, 3);
	CHECK_INT(c.unencrypted_levels[0], PROBE_LEVEL_NONE);
	CHECK_INT(c.unencrypted_levels[2], PROBE_LEVEL_INTEGRITY);
	CHECK_INT(c.unencrypted_level, PROBE_LEVEL_NONE);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_UNENC_LEVEL,
				 "connect,none,connect", &e),
		  RPE_ERR_ARG);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_UNENC_LEVEL, "connect,", &e),
		  RPE_ERR_ARG);
	CHECK_INT(c.n_unencrypted_levels, 3); /* unchanged by a refusal */
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_UNENC_LEVEL, "integrity", &e), 0);
	CHECK_INT(c.n_unencrypted_levels, 1);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_HTTP_AUTH, "negotiate", &e), 0);
	CHECK_INT(c.http_auth, HTTP_AUTH_NEGOTIATE);
	CHECK_INT(c.auth, PROBE_AUTH_NEGOTIATE); /* the default: as Outlook */
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_AUTH, "negotiate", &e), 0);
	CHECK_INT(c.auth, PROBE_AUTH_NEGOTIATE);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_AUTH, "kerberos", &e), 0);
	CHECK_INT(c.auth, PROBE_AUTH_KERBEROS);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_AUTH, "krb5", &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid --auth 'krb5' (choose ntlm, kerberos or "
			 "negotiate)");
	CHECK_INT(c.auth, PROBE_AUTH_KERBEROS);

	/* a failure names the option and every choice, and changes nothing */
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_HTTP_AUTH, "NTLM", &e),
		  RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid --http-auth 'NTLM' (choose any, basic, ntlm "
			 "or negotiate)");
	CHECK_INT(c.http_auth, HTTP_AUTH_NEGOTIATE);
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_TRANSPORT, "", &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid --transport '' (choose http, tcp or mapi)");
	CHECK_INT(cfg_set_choice(&c, CFG_CHOICE_UNENC_LEVEL, "privacy", &e),
		  RPE_ERR_ARG);
	CHECK_INT(cfg_set_choice(&c, (enum cfg_choice)99, "x", &e), RPE_ERR_ARG);
	probe_config_free(&c);
}

static void test_client_version(void)
{
	static const struct {
		const char *text;
		uint16_t w[3];
	} ok[] = {
		/* MS-OXCRPC 3.1.4.1.3.1: high bit of word 2 set, major<<8|minor */
		{ "16.0.4266.1001", { 0x1000, 0x8000 | 4266, 1001 } },
		{ "outlook2016", { 0x1000, 0x8000 | 4266, 1001 } },
		{ "outlook2003", { 0x0b00, 0x8000 | 8161, 0 } },
		{ "outlook2007", { 0x0c00, 0x8000 | 6607, 1000 } },
		{ "outlook2010", { 0x0e00, 0x8000 | 7015, 1000 } },
		{ "outlook2013", { 0x0f00, 0x8000 | 4569, 1506 } },
		{ "255.255.32767.65535", { 0xffff, 0xffff, 0xffff } },
		/* three words as sent (the spec's example in 4.1) */
		{ "12.6206.1000", { 12, 6206, 1000 } },
		{ "65535.32767.65535", { 0xffff, 0x7fff, 0xffff } },
	};
	static const char *const bad[] = {
		"300.0.1.1",    "16.256.1.1",   "16.0.40000.1",
		"16.0.32768.0", "16.0.1.65536", "11.32768.0",
		"65536.0.0",    "16.0",         "16",
		"16.0.1.2.3",   "16..1",        ".16.0.1",
		"16.0.1.",      "+16.0.1",      " 16.0.1",
		"16.0.1 ",      "0x10.0.1",     "outlook",
		"outlook2019",  "OUTLOOK2016",  "",
	};
	struct rpe_error e;
	uint16_t w[3];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(cfg_parse_client_version(ok[i].text, w, &e), 0);
		CHECK_INT(w[0], ok[i].w[0]);
		CHECK_INT(w[1], ok[i].w[1]);
		CHECK_INT(w[2], ok[i].w[2]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(cfg_parse_client_version(bad[i], w, &e), RPE_ERR_ARG);
		CHECK(strstr(e.msg, "invalid --client-version") == e.msg);
	}
	CHECK_INT(cfg_parse_client_version(NULL, w, &e), RPE_ERR_ARG);
}

static void test_rpc_server(void)
{
	static const char *const bad[] = {
		"monitor@contoso.com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5@contoso.com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f0@contoso.com",
		"3f2b8c1e-5d4a-4e6b9c7d-0a1b2c3d4e5f@contoso.com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5x@contoso.com",
		"{3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f}@contoso.com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@.contoso.com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com.",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso..com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@-contoso.com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso-.com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@con_toso.com",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com:6001",
		"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@a@contoso.com",
		"@contoso.com",
		"mail/x",
		"",
	};
	char label64[128], long_domain[300];
	struct rpe_error e;
	bool mbx = true;
	size_t i;

	CHECK_INT(cfg_check_rpc_server("mbx01.contoso.com", &mbx, &e), 0);
	CHECK(!mbx);
	CHECK_INT(cfg_check_rpc_server("3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com",
				       &mbx, &e),
		  0);
	CHECK(mbx);
	CHECK_INT(cfg_check_rpc_server("3F2B8C1E-5D4A-4E6B-9C7D-0A1B2C3D4E5F@mail.x-1.example",
				       &mbx, &e),
		  0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(cfg_check_rpc_server(bad[i], &mbx, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "--rpc-server is empty");

	/* labels of 63 characters at most, names of 253 */
	snprintf(label64, sizeof(label64), "%s@%.64s.com",
		 "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK_INT(cfg_check_rpc_server(label64, &mbx, &e), RPE_ERR_ARG);
	memset(long_domain, 0, sizeof(long_domain));
	memcpy(long_domain, "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@", 37);
	for (i = 0; i < 127; i++)
		memcpy(long_domain + 37 + 2 * i, "a.", 2);
	memcpy(long_domain + 37 + 254, "a", 1); /* 255 characters */
	CHECK_INT(cfg_check_rpc_server(long_domain, &mbx, &e), RPE_ERR_ARG);
}

/* A colon only in IPv6 literals: host:port is refused before connecting,
 * naming the option that takes the port. */
static void test_host(void)
{
	static const char *const ok[] = {
		"mail.contoso.com", "192.0.2.1",     "::1", "[::1]",
		"fe80::1",          "2001:db8::a:b",
	};
	static const char *const port[] = {
		"mail.contoso.com:443", "192.0.2.1:8443", "[::1]:443",
		"[2001:db8::1]:443",    "mail:",
	};
	struct rpe_error e;
	bool mbx;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK_INT(cfg_check_host("host name", ok[i], &e), 0);
	for (i = 0; i < sizeof(port) / sizeof(port[0]); i++) {
		CHECK_INT(cfg_check_host("host name", port[i], &e), RPE_ERR_ARG);
		CHECK(strstr(e.msg, "give the port with -p") != NULL);
	}
	CHECK_INT(cfg_check_host("host name", "a:b:c", &e), RPE_ERR_ARG);
	CHECK(strstr(e.msg, "neither a host name nor an IPv6 address") != NULL);
	CHECK_INT(cfg_check_host("host name", "[fe80::1", &e), RPE_ERR_ARG);
	CHECK_INT(cfg_check_rpc_server("mbx01.contoso.com:6001", &mbx, &e),
		  RPE_ERR_ARG);
	CHECK(strstr(e.msg, "give the port with --rpc-port") != NULL);
}

static void test_mailbox_dn(void)
{
	char dn[1100];
	struct rpe_error e;

	CHECK_INT(cfg_check_mailbox_dn("/o=Example/cn=Recipients/cn=monitor", &e),
		  0);
	CHECK_INT(cfg_check_mailbox_dn("monitor", &e), RPE_ERR_ARG);
	CHECK_INT(cfg_check_mailbox_dn("/o=x\t", &e), RPE_ERR_ARG);
	CHECK_INT(cfg_check_mailbox_dn("/o=J\xc3\xbcrgen", &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid --mailbox-dn (byte 0xc3 at position 5: "
			 "szUserDN is a printable ASCII string)");
	memset(dn, 'a', sizeof(dn));
	dn[0] = '/';
	dn[EMSMDB_MAX_DN] = '\0';
	CHECK_INT(cfg_check_mailbox_dn(dn, &e), 0);
	dn[EMSMDB_MAX_DN] = 'a';
	dn[EMSMDB_MAX_DN + 1] = '\0';
	CHECK_INT(cfg_check_mailbox_dn(dn, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid --mailbox-dn (1025 characters, more than the "
			 "1024 this client sends as szUserDN)");
}

static void test_files(void)
{
	char dir[] = "/tmp/test_config.XXXXXX", path[64];
	struct rpe_error e;
	FILE *f;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	CHECK_INT(cfg_check_file("--ca-file", path, &e), RPE_ERR_ARG);
	CHECK(strstr(e.msg, "No such file or directory") != NULL);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	CHECK_INT(cfg_check_file("--ca-file", path, &e), 0);
	CHECK_INT(cfg_check_file("--client-cert", dir, &e), RPE_ERR_ARG);
	CHECK(strstr(e.msg, "it is a directory") != NULL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	T_RUN(test_choices);
	T_RUN(test_client_version);
	T_RUN(test_rpc_server);
	T_RUN(test_host);
	T_RUN(test_mailbox_dn);
	T_RUN(test_files);
	T_DONE();
}
