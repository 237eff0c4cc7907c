/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The validated command-line configuration of one plugin run.
 *
 * plugins/check_rpc_encryption.c fills it (getopt_long, --extra-opts,
 * password sources) and hands it to the probes read-only.  Every option has
 * one representation: the enums of the layers that use it (verdict, probe,
 * HTTP transport), set once by the parsers here from one name table each.
 * The parsers and checks are the parts of validation worth unit-testing
 * without a process; all of them run before any connection is made.
 *
 * (Named probe_config.h, not config.h: the build's autoconf header is
 * config.h and lib/ comes first on the include path.) */
#ifndef RPE_PROBE_CONFIG_H
#define RPE_PROBE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certinfo.h"
#include "err.h"
#include "mp_range.h"
#include "posture.h"
#include "verdict.h"

#define CFG_DEFAULT_PORT_TLS 443
#define CFG_DEFAULT_PORT_PLAIN 80
#define CFG_DEFAULT_RPC_PORT 6001
#define CFG_DEFAULT_EPM_PORT 135
#define CFG_DEFAULT_PROXY_PATH "/rpc/rpcproxy.dll"
#define CFG_DEFAULT_CLIENT_VERSION "outlook2016"
#define CFG_PASSWORD_ENV "CHECK_RPC_ENCRYPTION_PASSWORD"
#define CFG_PASSWORD_MAX 1024
/* --autodiscover-connect-to may be given this many times. */
#define CFG_CONNECT_TO_MAX 8
#define CFG_DEFAULT_MAX_PARALLEL 8
#define CFG_MAX_PARALLEL_MAX 32

/* How the -u text named the account. */
enum cfg_user_form {
	CFG_USER_BARE = 0,  /* "user": no domain */
	CFG_USER_DOWNLEVEL, /* "DOMAIN\user" */
	CFG_USER_UPN,       /* "user@domain" */
};

/* --unencrypted-level: at most one probe per level (connect, integrity,
 * none). */
#define CFG_UNENC_LEVELS_MAX 3

struct probe_config {
	/* where */
	enum probe_transport transport; /* --transport: http */
	char *hostname;                 /* -H: RPC proxy host and TLS name */
	char *ip_address; /* -I: connect here instead of resolving -H */
	unsigned port;    /* -p: 443, or 80 with --no-tls; tcp: 135 */
	bool tls;         /* false with --no-tls */
	char *rpc_server; /* --rpc-server: backend in the proxy URL (-H) */
	bool rpc_server_mailbox; /* it is a mailbox GUID@domain, no server */
	unsigned rpc_port;       /* --rpc-port: 6001 */
	bool rpc_port_given; /* tcp: connect there, skip the endpoint mapper */
	char *proxy_path;    /* --rpc-proxy-path: /rpc/rpcproxy.dll */
	int ip_version;      /* -4 / -6: 4 or 6, 0 for either */
	char *proxy;         /* --proxy: HTTP proxy URL, NULL = none */
	bool all_addresses;  /* --all-addresses: probe every address of -H */
	unsigned max_parallel; /* --max-parallel: addresses probed at once */
	unsigned plain_port; /* --plain-port: MAPI over HTTP's plain door, 80 */
	bool plain_port_given;

	/* who */
	char *user;     /* -u as given */
	char *username; /* account part of -u */
	char *domain;   /* domain part of -u ("" for a bare user) */
	enum cfg_user_form user_form;
	char *password;       /* secret: wiped by probe_config_free; NULL with
			       Kerberos from a keytab or a credentials cache */
	char *mailbox_dn;     /* -m: legacyExchangeDN of the mailbox */
	enum probe_auth auth; /* --auth: the RPC bind's security package */
	char *keytab;         /* --keytab: Kerberos client keytab */
	char *realm;          /* --realm: Kerberos realm of -u */
	char *spn;            /* --spn: the store's service principal */

	/* what */
	enum verdict_expect expect;         /* --expect */
	enum verdict_probes probes;         /* --probe */
	enum probe_level unencrypted_level; /* --unencrypted-level: the first */
	/* --unencrypted-level connect,integrity,none: one unencrypted probe
	 * per level, in the order given */
	enum probe_level unencrypted_levels[CFG_UNENC_LEVELS_MAX];
	size_t n_unencrypted_levels;
	enum http_auth http_auth;   /* --http-auth */
	uint16_t client_version[3]; /* --client-version: rgwClientVersion */

	/* judging */
	struct mp_thresholds thresholds; /* -w/-c on the slowest probe's total seconds */
	struct mp_deadline deadline;    /* -t SECONDS[:STATE] */
	struct cert_expiry cert_expiry; /* --certificate-expiry WARN[,CRIT] */
	struct posture_options posture; /* --posture, --posture-critical,
					  * --tls-floor */

	/* Autodiscover (-e): what -H, -m, --rpc-server and --http-auth do not
	 * say is found before the probes (MS-OXDSCLI); explicit options win. */
	char *email;            /* -e: the monitored mailbox's address */
	char *autodiscover_url; /* --autodiscover-url: ask this endpoint only */
	char *autodiscover_dns; /* --autodiscover-dns: name server for SRV */
	char *autodiscover_connect_to[CFG_CONNECT_TO_MAX]; /* HOST:PORT:ADDR:PORT */
	size_t autodiscover_connect_to_n;
	bool port_given;      /* -p given: Autodiscover does not choose it */
	bool http_auth_given; /* --http-auth given: AuthPackage is not used */

	/* TLS */
	char *ca_file;
	bool insecure;
	char *client_cert;
	char *client_key;

	int verbose;
};

/* Defaults for everything; strings NULL (the plugin fills the defaults
 * that depend on other options). */
void probe_config_init(struct probe_config *c);
/* Free every string; the password is wiped first.  Safe to call twice. */
void probe_config_free(struct probe_config *c);

/* Replace *slot with a copy of s (old value freed, wiped if secret). */
int probe_config_set_str(char **slot, const char *s, bool secret);

/* The options that choose from a list of names. */
enum cfg_choice {
	CFG_CHOICE_TRANSPORT = 0, /* --transport http|tcp|mapi */
	CFG_CHOICE_EXPECT,        /* --expect required|optional|any */
	CFG_CHOICE_PROBES,        /* --probe both|encrypted|unencrypted */
	CFG_CHOICE_UNENC_LEVEL, /* --unencrypted-level connect|integrity|none */
	CFG_CHOICE_HTTP_AUTH,   /* --http-auth any|basic|ntlm|negotiate */
	CFG_CHOICE_AUTH,        /* --auth ntlm|kerberos|negotiate */
};

/* Set the option `which` of c from its name s (exact, lower-case, as in
 * --help); RPE_ERR_ARG with a message that quotes s and lists the names. */
int cfg_set_choice(struct probe_config *c, enum cfg_choice which, const char *s,
		   struct rpe_error *err);

/* --max-parallel: 1..CFG_MAX_PARALLEL_MAX. */
int cfg_parse_max_parallel(const char *s, unsigned *out, struct rpe_error *err);

/* Decimal port 1..65535 (what names the option, for the message). */
int cfg_parse_port(const char *s, const char *what, unsigned *out,
		   struct rpe_error *err);
/* --client-version: an alias (outlook2003 ... outlook2016) or a version in
 * one of the two forms emsmdb_parse_version accepts, into the three
 * rgwClientVersion words. */
int cfg_parse_client_version(const char *s, uint16_t out[3],
			     struct rpe_error *err);
/* Split "DOMAIN\user" / "user@domain" / "user" into c->username, c->domain
 * and c->user_form (c->user must be set).  Empty parts are an error. */
int cfg_split_user(struct probe_config *c, struct rpe_error *err);
/* Read a password file: at most CFG_PASSWORD_MAX bytes, one trailing "\n"
 * (or "\r\n") stripped; empty or NUL-containing content is an error.  The
 * read buffer is wiped. */
int cfg_read_password_file(const char *path, char **out, struct rpe_error *err);

/* Checks ------------------------------------------------------------------ */

/* A host name or address for URLs and TLS names (what names the option). */
int cfg_check_host(const char *what, const char *s, struct rpe_error *err);
/* --rpc-server: a host name, or the Exchange 2013+ RemoteName of a mailbox,
 * GUID@domain (8-4-4-4-12 hex digits, then a domain name); *mailbox tells
 * which. */
int cfg_check_rpc_server(const char *s, bool *mailbox, struct rpe_error *err);
/* --autodiscover-connect-to: HOST:PORT:ADDR:PORT (libcurl's CONNECT_TO
 * form; ADDR may be empty to keep the host, PORT empty to keep the port). */
int cfg_check_connect_to(const char *s, struct rpe_error *err);
/* -m: a legacyExchangeDN that EcDoConnectEx can carry (see
 * emsmdb_check_user_dn). */
int cfg_check_mailbox_dn(const char *s, struct rpe_error *err);
/* --rpc-proxy-path: an absolute path without query or fragment. */
int cfg_check_proxy_path(const char *s, struct rpe_error *err);
/* --proxy: not empty, no control characters (libcurl parses the URL). */
int cfg_check_proxy(const char *s, struct rpe_error *err);
/* A file the option names (--ca-file ...) exists and can be read. */
int cfg_check_file(const char *what, const char *path, struct rpe_error *err);

#endif
