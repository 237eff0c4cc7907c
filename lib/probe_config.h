/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The validated command-line configuration of one plugin run.
 *
 * plugins/check_rpc_encryption.c fills it (getopt_long, --extra-opts,
 * password sources) and hands it to the probes read-only.  The helpers here
 * are the parts of validation worth unit-testing without a process.
 *
 * (Named probe_config.h, not config.h: the build's autoconf header is
 * config.h and lib/ comes first on the include path.) */
#ifndef RPE_PROBE_CONFIG_H
#define RPE_PROBE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "mp.h"

#define CFG_DEFAULT_PORT_TLS 443
#define CFG_DEFAULT_PORT_PLAIN 80
#define CFG_DEFAULT_RPC_PORT 6001
#define CFG_DEFAULT_EPM_PORT 135
#define CFG_DEFAULT_PROXY_PATH "/rpc/rpcproxy.dll"
/* Outlook for Microsoft 365 (16.0); "11.0.8161" would be Outlook 2003. */
#define CFG_DEFAULT_CLIENT_VERSION "16.0.18025"
#define CFG_PASSWORD_ENV "CHECK_RPC_ENCRYPTION_PASSWORD"
#define CFG_PASSWORD_MAX 1024

/* --expect: what the operator wants the server to enforce. */
enum cfg_expect {
	CFG_EXPECT_REQUIRED = 0, /* unencrypted logon must be refused */
	CFG_EXPECT_OPTIONAL,     /* unencrypted logon must be accepted */
	CFG_EXPECT_ANY,          /* only report what the server does */
};

/* --probe: which logons to attempt. */
enum cfg_probe {
	CFG_PROBE_BOTH = 0,
	CFG_PROBE_ENCRYPTED,
	CFG_PROBE_UNENCRYPTED,
};

/* --unencrypted-level: the DCE/RPC authentication level of the
 * "unencrypted" probe. */
enum cfg_unenc_level {
	CFG_UNENC_CONNECT = 0, /* RPC_C_AUTHN_LEVEL_CONNECT (2) */
	CFG_UNENC_INTEGRITY,   /* RPC_C_AUTHN_LEVEL_PKT_INTEGRITY (5) */
};

/* --http-auth: which HTTP authentication the RPC proxy may get. */
enum cfg_http_auth {
	CFG_HTTP_AUTH_ANY = 0,
	CFG_HTTP_AUTH_BASIC,
	CFG_HTTP_AUTH_NTLM,
	CFG_HTTP_AUTH_NEGOTIATE,
};

/* --transport: how the probes reach the store. */
enum cfg_transport {
	CFG_TRANSPORT_HTTP = 0, /* RPC over HTTP (Outlook Anywhere) */
	CFG_TRANSPORT_TCP,      /* RPC over TCP via the endpoint mapper */
};

enum cfg_ip_family {
	CFG_IP_ANY = 0,
	CFG_IP_V4,
	CFG_IP_V6,
};

/* How the -u text named the account. */
enum cfg_user_form {
	CFG_USER_BARE = 0, /* "user": no domain */
	CFG_USER_DOWNLEVEL, /* "DOMAIN\user" */
	CFG_USER_UPN,      /* "user@domain" */
};

struct probe_config {
	/* where */
	enum cfg_transport transport; /* --transport: http */
	char *hostname;     /* -H: RPC proxy host and TLS name */
	char *ip_address;   /* -I: connect here instead of resolving -H */
	unsigned port;      /* -p: 443, or 80 with --no-tls; tcp: 135 */
	bool tls;           /* false with --no-tls */
	char *rpc_server;   /* --rpc-server: backend in the proxy URL (-H) */
	unsigned rpc_port;  /* --rpc-port: 6001 */
	bool rpc_port_given; /* tcp: connect there, skip the endpoint mapper */
	char *proxy_path;   /* --rpc-proxy-path: /rpc/rpcproxy.dll */
	enum cfg_ip_family ip_family; /* -4 / -6 */
	char *proxy;        /* --proxy: HTTP proxy URL, NULL = none */

	/* who */
	char *user;         /* -u as given */
	char *username;     /* account part of -u */
	char *domain;       /* domain part of -u ("" for a bare user) */
	enum cfg_user_form user_form;
	char *password;     /* secret: wiped by probe_config_free */
	char *mailbox_dn;   /* -m: legacyExchangeDN of the mailbox */

	/* what */
	enum cfg_expect expect;
	enum cfg_probe probe;
	enum cfg_unenc_level unencrypted_level;
	enum cfg_http_auth http_auth;
	char *client_version;           /* as given, "16.0.18025" */
	unsigned client_version_parts[4]; /* parsed, unused parts 0 */
	unsigned client_version_nparts;   /* 3 or 4 */

	/* judging */
	struct mp_thresholds thresholds; /* -w/-c on the slowest probe's total seconds */
	struct mp_deadline deadline;     /* -t SECONDS[:STATE] */

	/* TLS */
	char *ca_file;
	bool insecure;
	char *client_cert;
	char *client_key;

	int verbose;
};

/* Defaults for everything; strings NULL (probe_config_finish fills the
 * defaults that depend on other options). */
void probe_config_init(struct probe_config *c);
/* Free every string; the password is wiped first.  Safe to call twice. */
void probe_config_free(struct probe_config *c);

/* Replace *slot with a copy of s (old value freed, wiped if secret). */
int probe_config_set_str(char **slot, const char *s, bool secret);

/* Enum parsers: exact lower-case names as in --help; RPE_ERR_ARG with a
 * message that quotes the text and lists the choices. */
int cfg_parse_expect(const char *s, enum cfg_expect *out, struct rpe_error *err);
int cfg_parse_probe(const char *s, enum cfg_probe *out, struct rpe_error *err);
int cfg_parse_unenc_level(const char *s, enum cfg_unenc_level *out,
			  struct rpe_error *err);
int cfg_parse_http_auth(const char *s, enum cfg_http_auth *out,
			struct rpe_error *err);
int cfg_parse_transport(const char *s, enum cfg_transport *out,
			struct rpe_error *err);
const char *cfg_transport_name(enum cfg_transport v);
const char *cfg_expect_name(enum cfg_expect v);
const char *cfg_probe_name(enum cfg_probe v);
const char *cfg_unenc_level_name(enum cfg_unenc_level v);
const char *cfg_http_auth_name(enum cfg_http_auth v);

/* Decimal port 1..65535 (what names the option, for the message). */
int cfg_parse_port(const char *s, const char *what, unsigned *out,
		   struct rpe_error *err);
/* "a.b.c" or "a.b.c.d", each part 0..65535. */
int cfg_parse_client_version(const char *s, unsigned parts[4], unsigned *nparts,
			     struct rpe_error *err);
/* Split "DOMAIN\user" / "user@domain" / "user" into c->username, c->domain
 * and c->user_form (c->user must be set).  Empty parts are an error. */
int cfg_split_user(struct probe_config *c, struct rpe_error *err);
/* Read a password file: at most CFG_PASSWORD_MAX bytes, one trailing "\n"
 * (or "\r\n") stripped; empty or NUL-containing content is an error.  The
 * read buffer is wiped. */
int cfg_read_password_file(const char *path, char **out, struct rpe_error *err);

#endif
