/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_rpc_encryption: does Microsoft Exchange enforce RPC encryption?
 *
 * The plugin logs on to a mailbox store twice over Outlook Anywhere
 * (RPC over HTTP): once with RPC privacy (encrypted) and once without,
 * and compares what the server allowed with --expect.
 *
 * This file is the command-line front end only: process_arguments ->
 * validate_arguments -> check_run (check_run.c), in the shape of
 * monitoring-plugins' check_curl.  Everything testable lives in lib/. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodiscover.h"
#include "autodiscover_srv.h"
#include "crypto.h"
#include "err.h"
#include "check_run.h"
#include "mp.h"
#include "probe_config.h"

#define PROGNAME "check_rpc_encryption"
#define USAGE                                                                  \
	"Usage: " PROGNAME                                                     \
	" -u user (-e address or -H host -m mailbox-dn) [opts]"

/* --help and --version exit with this status.  (The Monitoring Plugins
 * guidelines ask for UNKNOWN (3); this plugin reports success so that
 * packaging scripts and `--version && ...` work.) */
#define INFO_EXIT_STATUS 0

/* Adding an option: give it an OPT_ value (long-only options) and a
 * long_options entry in its group, a case in the group's opt_* parser (the
 * value is parsed and stored there, into probe_config or cli_state), its
 * text in the group's help_* function, checks that involve other options in
 * a validate_* function, and a paragraph in the README and the man page.
 * A new group is an opt_* parser added to opt_groups[] and a help_* call
 * in print_help(). */
enum {
	/* connection */
	OPT_TRANSPORT = 256,
	OPT_NO_TLS,
	OPT_RPC_SERVER,
	OPT_RPC_PORT,
	OPT_RPC_PROXY_PATH,
	OPT_PLAIN_PORT,
	OPT_PROXY,
	OPT_ALL_ADDRESSES,
	OPT_MAX_PARALLEL,
	/* Autodiscover */
	OPT_AD_URL,
	OPT_AD_DNS,
	OPT_AD_CONNECT_TO,
	/* TLS */
	OPT_CA_FILE,
	OPT_INSECURE,
	OPT_CLIENT_CERT,
	OPT_CLIENT_KEY,
	OPT_CERT_EXPIRY,
	OPT_POSTURE,
	OPT_POSTURE_CRITICAL,
	OPT_TLS_FLOOR,
	/* credentials and mailbox */
	OPT_PASSWORD_FILE,
	OPT_HTTP_AUTH,
	OPT_AUTH,
	OPT_KEYTAB,
	OPT_REALM,
	OPT_SPN,
	/* check */
	OPT_EXPECT,
	OPT_PROBE,
	OPT_UNENC_LEVEL,
	OPT_CLIENT_VERSION,
	/* general */
	OPT_OUTPUT_FORMAT,
};

static const struct option long_options[] = {
	/* connection: opt_connection() */
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "hostname", required_argument, NULL, 'H' },
	{ "ip-address", required_argument, NULL, 'I' },
	{ "port", required_argument, NULL, 'p' },
	{ "no-tls", no_argument, NULL, OPT_NO_TLS },
	{ "rpc-server", required_argument, NULL, OPT_RPC_SERVER },
	{ "rpc-port", required_argument, NULL, OPT_RPC_PORT },
	{ "rpc-proxy-path", required_argument, NULL, OPT_RPC_PROXY_PATH },
	{ "plain-port", required_argument, NULL, OPT_PLAIN_PORT },
	{ "proxy", required_argument, NULL, OPT_PROXY },
	{ "all-addresses", no_argument, NULL, OPT_ALL_ADDRESSES },
	{ "max-parallel", required_argument, NULL, OPT_MAX_PARALLEL },
	/* Autodiscover: opt_autodiscover() */
	{ "email", required_argument, NULL, 'e' },
	{ "autodiscover-url", required_argument, NULL, OPT_AD_URL },
	{ "autodiscover-dns", required_argument, NULL, OPT_AD_DNS },
	{ "autodiscover-connect-to", required_argument, NULL, OPT_AD_CONNECT_TO },
	/* TLS: opt_tls() */
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "client-cert", required_argument, NULL, OPT_CLIENT_CERT },
	{ "client-key", required_argument, NULL, OPT_CLIENT_KEY },
	{ "certificate-expiry", required_argument, NULL, OPT_CERT_EXPIRY },
	/* credentials and mailbox: opt_credentials() */
	{ "user", required_argument, NULL, 'u' },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "mailbox-dn", required_argument, NULL, 'm' },
	{ "http-auth", required_argument, NULL, OPT_HTTP_AUTH },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "keytab", required_argument, NULL, OPT_KEYTAB },
	{ "realm", required_argument, NULL, OPT_REALM },
	{ "spn", required_argument, NULL, OPT_SPN },
	/* check: opt_check() */
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "probe", required_argument, NULL, OPT_PROBE },
	{ "unencrypted-level", required_argument, NULL, OPT_UNENC_LEVEL },
	{ "client-version", required_argument, NULL, OPT_CLIENT_VERSION },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	/* posture: opt_posture() */
	{ "posture", optional_argument, NULL, OPT_POSTURE },
	{ "posture-critical", no_argument, NULL, OPT_POSTURE_CRITICAL },
	{ "tls-floor", required_argument, NULL, OPT_TLS_FLOOR },
	/* general: opt_general() */
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "output-format", required_argument, NULL, OPT_OUTPUT_FORMAT },
	/* --extra-opts is expanded before getopt sees argv (mp_ini.h). */
	{ NULL, 0, NULL, 0 },
};

/* Short options (getopt_long's string; the leading ':' reports a missing
 * argument as ':'). */
static const char shortopts[] = ":H:I:p:u:m:e:w:c:t:46vhV";

/* What process_arguments collected before validation. */
struct cli_state {
	const char *warning, *critical;
	const char *password_file;
	char *ini_password; /* owned by the extra-opts result */
	bool port_given, v4, v6, max_parallel_given;
	/* given explicitly: options that only RPC over HTTP uses */
	bool http_auth_given, rpc_server_given, proxy_path_given;
	bool posture_critical, tls_floor_given;
	bool auth_given; /* --auth: the RPC bind's package (not MAPI/HTTP's) */
};

/* process_arguments' results; ARGS_OTHER: an opt_* parser saw another
 * group's option. */
enum { ARGS_OK = 0, ARGS_HELP = 1, ARGS_VERSION = 2, ARGS_OTHER = 3 };

static void print_usage(void)
{
	printf("%s\n", USAGE);
}

/* One UNKNOWN status line and the usage line; returns the exit status. */
static int die_unknown(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

static int die_unknown(const char *fmt, ...)
{
	char msg[RPE_ERRMSG_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mp_print_status(CHECK_PREFIX, MP_UNKNOWN, msg, USAGE);
}

static void print_version(void)
{
	printf("%s v%s\n", PROGNAME, PACKAGE_VERSION);
}

/* The --help text is laid out as it prints: not for clang-format. */
/* clang-format off */
static void help_connection(void)
{
	printf("\n"
"Connection:\n"
" --transport=http|tcp|mapi\n"
"    http: RPC over HTTP through the RPC proxy (Outlook Anywhere).  tcp: RPC\n"
"    over TCP as Outlook inside the LAN (Exchange 2007/2010): the endpoint\n"
"    mapper on -p (default: 135) names the store's port.  mapi: MAPI over\n"
"    HTTP (Outlook 2016 and later, Exchange 2016 and later by default): the\n"
"    EMSMDB Connect over https, and the same Connect over plain http on\n"
"    --plain-port, which must be refused (TLS is MAPI over HTTP's only\n"
"    protection).  (default: http)\n"
" -H, --hostname=HOST\n"
"    RPC proxy (Outlook Anywhere) host name; also the name checked against the\n"
"    TLS certificate.  With --transport tcp: the Exchange server.  Required\n"
"    unless -e finds it.  No port here (-p gives it); IPv6 bare or in [].\n"
" -I, --ip-address=ADDRESS\n"
"    Connect to this address instead of resolving HOST.\n"
" -p, --port=PORT\n"
"    Port of the RPC proxy (default: 443, or 80 with --no-tls); with\n"
"    --transport tcp the endpoint mapper's (default: 135).\n"
" --no-tls\n"
"    Plain HTTP instead of HTTPS (lab use: credentials travel in clear).\n"
" --rpc-server=NAME\n"
"    Backend named in the proxy URL /rpc/rpcproxy.dll?NAME:PORT (default:\n"
"    what -e finds, else HOST).  Exchange 2013 and later route by mailbox:\n"
"    ExchangeGuid@domain (Get-Mailbox monitor | fl ExchangeGuid); a server\n"
"    name there is answered with HTTP 404.  With --transport mapi: the\n"
"    MailboxId of /mapi/emsmdb/?MailboxId=GUID@domain (required unless -e\n"
"    finds it).\n"
" --plain-port=PORT\n"
"    --transport mapi: the plain http port of the unencrypted probe\n"
"    (default: %d).  Only NTLM or Negotiate is offered there, never Basic.\n"
" --rpc-port=PORT\n"
"    Backend port in the proxy URL (default: %d).  With --transport tcp:\n"
"    connect to this store port directly, without the endpoint mapper.\n"
" --rpc-proxy-path=PATH\n"
"    Path of the RPC proxy (default: %s).\n"
" --proxy=URL\n"
"    Send requests through this HTTP proxy (e.g. http://proxy:3128).\n"
" -4, -6\n"
"    Use IPv4 or IPv6 only (default: either).\n"
" --all-addresses\n"
"    Resolve -H (with -e: the RPC proxy found) to every address (A and AAAA,\n"
"    or those of -4/-6) and probe each one, pinned to it (the TLS name stays\n"
"    -H).  The worst state wins; the status line names the addresses that\n"
"    differ.  Not with -I/--proxy.\n"
" --max-parallel=N\n"
"    Addresses probed at once with --all-addresses, 1..%d (default: %d).\n\n",
	       CFG_DEFAULT_PORT_PLAIN, CFG_DEFAULT_RPC_PORT,
	       CFG_DEFAULT_PROXY_PATH, CFG_MAX_PARALLEL_MAX,
	       CFG_DEFAULT_MAX_PARALLEL);
}

static void help_autodiscover(void)
{
	printf(
"Autodiscover (find the rest from the mailbox's e-mail address):\n"
" -e, --email=ADDRESS\n"
"    The monitored mailbox's address.  Autodiscover (POX, MS-OXDSCLI) then\n"
"    gives what -H, -m, --rpc-server and --http-auth do not: the RPC proxy\n"
"    (Protocol EXPR), the mailbox DN (LegacyDN), the RemoteName (Protocol\n"
"    EXCH: GUID@domain on Exchange 2013 and later) and the AuthPackage.\n"
"    Explicit options win.  Tried in Outlook's order, within -t, with the\n"
"    same credentials and TLS checks as the RPC proxy:\n"
"      https://DOMAIN/autodiscover/autodiscover.xml and\n"
"      https://autodiscover.DOMAIN/autodiscover/autodiscover.xml (both at\n"
"      once), the redirect of http://autodiscover.DOMAIN/... (302 to https\n"
"      only), then DNS SRV _autodiscover._tcp.DOMAIN (a target in any\n"
"      domain, https with a verified certificate only); redirectAddr,\n"
"      redirectUrl and HTTP redirects are followed (https, 10 at most,\n"
"      loops refused).  The RPC proxy port is -p, else the port of the\n"
"      Autodiscover URL that answered if it names the same host, else 443.\n"
" --autodiscover-url=URL\n"
"    Ask this https endpoint only (split DNS, tests).\n"
" --autodiscover-dns=ADDRESS[:PORT]\n"
"    IPv4 name server for the SRV lookup (default: the system's).\n"
" --autodiscover-connect-to=HOST:PORT:ADDRESS:PORT\n"
"    Connect Autodiscover requests for HOST:PORT to ADDRESS:PORT instead\n"
"    (the TLS name stays HOST); may be repeated.\n"
"  With --transport mapi, -e asks with X-MapiHttpCapability: 1 and takes\n"
"  host, port and MailboxId from the mapiHttp Protocol's MailStore URL.\n"
"  With --transport tcp, -e takes the mailbox DN and, without -H, the\n"
"  server from Protocol EXCH (Exchange 2007/2010); the TLS, proxy and\n"
"  --http-auth options then apply to Autodiscover.\n\n");
}

static void help_credentials(void)
{
	printf(
"TLS:\n"
" --ca-file=FILE\n"
"    Trust the CA certificates in FILE (PEM) instead of the system store.\n"
" --insecure\n"
"    Do not verify the server certificate (cannot be combined with --ca-file).\n"
" --client-cert=FILE, --client-key=FILE\n"
"    Present a client certificate (PEM); --client-key needs --client-cert.\n"
"    The files must be readable when the plugin starts.\n"
" --certificate-expiry=WARN[,CRIT]\n"
"    Days before the server certificate's notAfter: WARNING within WARN days,\n"
"    CRITICAL within CRIT days (check_curl -C); an expired certificate is\n"
"    CRITICAL.  Perfdata certificate_expiry_days.\n\n");
	printf(
"Credentials and mailbox:\n"
" -u, --user=USER\n"
"    Account as DOMAIN\\user or user@domain.  Required.\n"
" --password-file=FILE\n"
"    Read the password from FILE (one trailing newline is removed).\n"
" -m, --mailbox-dn=DN\n"
"    legacyExchangeDN of the mailbox to log on to, e.g.\n"
"    \"/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/\n"
"    cn=Recipients/cn=monitor\"  (Get-Mailbox monitor | fl LegacyExchangeDN).\n"
"    Printable ASCII, at most 1024 characters.  Required unless -e finds\n"
"    it.\n"
" --http-auth=any|basic|ntlm|negotiate\n"
"    HTTP authentication offered to the RPC proxy (default: any).\n"
" --auth=ntlm|kerberos|negotiate\n"
"    Security package of the store logon's RPC bind (default: negotiate,\n"
"    what a default Outlook uses): negotiate is SPNEGO (RPC auth type 9)\n"
"    offering Kerberos and NTLM, Kerberos when a keytab, --realm, a\n"
"    user@domain or KRB5CCNAME lead to a ticket, else NTLM alone; the\n"
"    output names the mechanism used (\"SPNEGO (NTLM)\").  ntlm is type 10,\n"
"    kerberos type 16.  A server that does not accept type 9 is CRITICAL\n"
"    (no retry with another type).  Kerberos takes its keys from --keytab,\n"
"    else from the password, else from the credentials cache (KRB5CCNAME);\n"
"    realm and KDC come from krb5.conf or DNS.\n"
" --keytab=FILE\n"
"    Kerberos client keytab of the -u account (also for --http-auth\n"
"    negotiate); no password is needed then.\n"
" --realm=REALM\n"
"    Kerberos realm of the -u account (default: the domain of user@domain,\n"
"    else krb5.conf's default_realm).\n"
" --spn=SERVICE/HOST\n"
"    The store's service principal (default: exchangeMDB/ the backend name,\n"
"    --rpc-server or -H).\n\n"
"    The password is never taken from the command line, where any local user\n"
"    can read it in the process list; there is no --password option.  Sources,\n"
"    first match wins:\n"
"      1. --password-file=FILE\n"
"      2. password=... in the --extra-opts section\n"
"      3. the environment variable %s\n\n",
	       CFG_PASSWORD_ENV);
}

static void help_check(void)
{
	printf(
"Check:\n"
" --expect=required|optional|any\n"
"    required: encrypted logon works and unencrypted logon is refused\n"
"              (ecNotEncrypted).  optional: both logons work.  any: report\n"
"              what the server does, judge only availability and time.\n"
"    (default: required)\n"
" --probe=both|encrypted|unencrypted\n"
"    Which logons to attempt (default: both).\n"
" --unencrypted-level=LEVEL[,LEVEL...]\n"
"    Authentication level of the unencrypted logon: connect (no per-message\n"
"    protection), integrity (signed, not sealed), or none (no RPC\n"
"    authentication; over RPC/HTTP only the RPC proxy's HTTP authentication,\n"
"    which Exchange 2013 and later accept) (default: connect).  A list\n"
"    (connect,integrity,none) makes one unencrypted logon per level, each\n"
"    with its line and perfdata (unencrypted_connect_time, ...); the worst\n"
"    verdict speaks.\n"
" --client-version=VERSION\n"
"    Outlook version announced in EcDoConnectEx: outlook2003 (11.0.8161.0),\n"
"    outlook2007 (12.0.6607.1000), outlook2010 (14.0.7015.1000),\n"
"    outlook2013 (15.0.4569.1506), outlook2016 (16.0.4266.1001), a version\n"
"    A.B.C.D (A and B up to 255, C up to 32767), or the three words A.B.C\n"
"    as sent by old clients (B up to 32767) (default: %s).\n"
" -w, --warning=RANGE\n"
" -c, --critical=RANGE\n"
"    Thresholds on the slowest probe's total time in seconds, in the\n"
"    Monitoring Plugins range format: 10 (alert outside 0..10), 10: (below\n"
"    10), ~:10 (above 10), 10:20 (outside 10..20), @10:20 (inside 10..20).\n"
" -t, --timeout=SECONDS[:STATE]\n"
"    Overall deadline (default: %.0f); STATE is the result when it passes:\n"
"    OK, WARNING, CRITICAL or UNKNOWN, or 0..3 (default: UNKNOWN).\n\n",
	       CFG_DEFAULT_CLIENT_VERSION, MP_DEFAULT_TIMEOUT);
}

static void help_posture(void)
{
	printf(
"Posture (the other locks on the door):\n"
" --posture[=all|ep,tls,auth,cert,build]\n"
"    Also check, on each HTTP door the run uses (/rpc or /mapi; Autodiscover\n"
"    with -e), concurrently with the probes and within -t (default: all):\n"
"      ep     Extended Protection enforced: one extra NTLM logon without\n"
"             channel binding must get 401 on /rpc, /mapi (Autodiscover: shown,\n"
"             Microsoft's supported setting there is None)\n"
"      tls    no handshake below --tls-floor completes (one handshake per\n"
"             version, in its own TLS context; no credentials)\n"
"      auth   no Basic offered on /rpc, /mapi (a way around Extended\n"
"             Protection)\n"
"      cert   key RSA >= 2048 or EC >= 256 bits, no SHA-1/MD5 signature on\n"
"             the leaf or an intermediate, and with --insecure: the chain\n"
"             verifies without it\n"
"      build  the Exchange build from X-OWA-Version\n"
"    Each finding is a long-output line naming its fix, with perfdata; it\n"
"    gives WARNING.  These checks send no password (NTLM only, no Basic).\n"
" --posture-critical\n"
"    Posture findings give CRITICAL instead of WARNING.\n"
" --tls-floor=1.0|1.1|1.2|1.3\n"
"    Lowest TLS version the server may accept (default: 1.2).\n\n");
}

static void help_general(void)
{
	printf(
"General:\n"
" --extra-opts[=[SECTION][@FILE]]\n"
"    Read options from a section of an ini file (default section:\n"
"    %s).\n"
"    Default file: $MP_CONFIG_FILE, else the Monitoring Plugins standard\n"
"    locations (/etc/monitoring-plugins/monitoring-plugins.ini, ...).\n"
"    Lines are key=value (long option names without --); command-line\n"
"    options override them.  password= is kept out of the argument list.\n"
" -v, --verbose\n"
"    More detail in the long output; repeat for more.\n"
" --output-format=FORMAT\n"
"    classic (default): status line, perfdata, long output.  multi-line:\n"
"    Monitoring Plugins 3's format, one \"\\_[STATE] - ...\" line per subcheck\n"
"    (address, probe, step), perfdata after the last line.  mp-test-json:\n"
"    Monitoring Plugins 3's JSON (state, summary, checks); exits 0.\n"
" -h, --help      This help.\n"
" -V, --version   Version.\n\n",
	       PROGNAME);
	printf(
"Exit states:\n"
"  0 OK        the server behaves as --expect says (and within -w/-c)\n"
"  1 WARNING   the -w threshold was crossed\n"
"  2 CRITICAL  encryption policy differs from --expect, the encrypted logon\n"
"              failed (service or credentials broken), or -c was crossed\n"
"  3 UNKNOWN   bad arguments, an internal error, or a policy that could not\n"
"              be told (the unencrypted logon failed for another reason)\n"
"  A timeout gives the -t state (UNKNOWN unless changed).\n\n");
	printf(
"Remediation:\n"
"  A server that requires encryption refuses an unencrypted logon with\n"
"  ecNotEncrypted (2416, 0x970); clients older than Outlook 2007 get\n"
"  ecClientVerDisallowed (1247, 0x4DF) instead, which --client-version\n"
"  outlook2003 shows next to a working encrypted logon.  The same code on\n"
"  the encrypted logon means the version is blocked (Set-RpcClientAccess\n"
"  -BlockedClientVersions).  Inspect and change the policy with the\n"
"  Exchange Management Shell:\n"
"    Get-RpcClientAccess | fl Server,EncryptionRequired\n"
"    Set-RpcClientAccess -Server EXCH01 -EncryptionRequired $true\n"
"  Exchange 2007: Set-MailboxServer EXCH01 -MapiEncryptionRequired:$true\n"
"  Outlook clients need \"Encrypt data between Microsoft Outlook and\n"
"  Microsoft Exchange\" enabled in the profile when encryption is required.\n\n");
	printf(
"Examples:\n"
"  %s -e monitor@contoso.com -u 'CONTOSO\\monitor' \\\n"
"      --password-file /etc/nagios/exch.pw\n"
"  %s -H mail.contoso.com -u 'CONTOSO\\monitor' \\\n"
"      --password-file /etc/nagios/exch.pw \\\n"
"      -m '/o=Contoso/ou=First Administrative Group/cn=Recipients/cn=monitor'\n"
"  %s --extra-opts=exchange@/etc/nagios/rpc.ini \\\n"
"      --expect optional -w 5 -c 10\n",
	       PROGNAME, PROGNAME, PROGNAME);
}

static void print_help(void)
{
	print_version();
	printf("\n"
"Checks whether Microsoft Exchange enforces RPC encryption for MAPI clients.\n"
"Over Outlook Anywhere (RPC over HTTP) or RPC over TCP it logs on to a\n"
"mailbox twice: once with RPC privacy (encrypted) and once without, and\n"
"compares the result with --expect.\n\n");
	print_usage();
	help_connection();
	help_autodiscover();
	help_credentials();
	help_check();
	help_posture();
	help_general();
}
/* clang-format on */

/* Long option names that are prefixes of "password" would be taken by
 * getopt_long as an abbreviation of --password-file, or are an attempt to
 * pass a password on the command line: refuse both with the alternatives. */
static bool is_password_option(const char *arg)
{
	size_t n;

	if (strncmp(arg, "--", 2) != 0 || !arg[2])
		return false;
	arg += 2;
	n = strcspn(arg, "=");
	return n >= 4 && n <= 8 && strncmp(arg, "password", n) == 0;
}

static int check_no_password_option(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (is_password_option(argv[i]))
			return die_unknown("--password is not supported (it would show in "
					   "the process list): use --password-file FILE, "
					   "the %s environment variable or password= in "
					   "an --extra-opts section",
					   CFG_PASSWORD_ENV);
	}
	return -1;
}

/* The option as the user wrote it, for messages: the argv element without
 * any "=value" (which might be sensitive). */
static void option_text(char *out, size_t n, const char *arg, int opt)
{
	if (arg && strncmp(arg, "--", 2) == 0)
		snprintf(out, n, "%.*s", (int)strcspn(arg, "="), arg);
	else if (opt > 0 && opt < 256)
		snprintf(out, n, "-%c", opt);
	else
		snprintf(out, n, "%.40s", arg ? arg : "?");
}

static int set_str(char **slot, const char *v, struct rpe_error *err)
{
	if (probe_config_set_str(slot, v, false) < 0)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	return 0;
}

/* The option parsers, one per group of --help: each parses and stores the
 * options of its group and returns ARGS_OTHER for any other. */
typedef int opt_group_fn(int opt, const char *arg, struct probe_config *cfg,
			 struct cli_state *st, struct rpe_error *err);

static int opt_connection(int opt, const char *arg, struct probe_config *cfg,
			  struct cli_state *st, struct rpe_error *err)
{
	int rc = 0;

	switch (opt) {
	case OPT_TRANSPORT:
		return cfg_set_choice(cfg, CFG_CHOICE_TRANSPORT, arg, err);
	case 'H': return set_str(&cfg->hostname, arg, err);
	case 'I': return set_str(&cfg->ip_address, arg, err);
	case 'p':
		rc = cfg_parse_port(arg, "port", &cfg->port, err);
		st->port_given = true;
		return rc;
	case OPT_NO_TLS: cfg->tls = false; return 0;
	case OPT_RPC_SERVER:
		st->rpc_server_given = true;
		return set_str(&cfg->rpc_server, arg, err);
	case OPT_RPC_PORT:
		cfg->rpc_port_given = true;
		return cfg_parse_port(arg, "--rpc-port", &cfg->rpc_port, err);
	case OPT_RPC_PROXY_PATH:
		st->proxy_path_given = true;
		return set_str(&cfg->proxy_path, arg, err);
	case OPT_PLAIN_PORT:
		cfg->plain_port_given = true;
		return cfg_parse_port(arg, "--plain-port", &cfg->plain_port, err);
	case OPT_PROXY: return set_str(&cfg->proxy, arg, err);
	case '4': st->v4 = true; return 0;
	case '6': st->v6 = true; return 0;
	case OPT_ALL_ADDRESSES: cfg->all_addresses = true; return 0;
	case OPT_MAX_PARALLEL:
		st->max_parallel_given = true;
		return cfg_parse_max_parallel(arg, &cfg->max_parallel, err);
	default: return ARGS_OTHER;
	}
}

static int opt_autodiscover(int opt, const char *arg, struct probe_config *cfg,
			    struct cli_state *st, struct rpe_error *err)
{
	(void)st;
	switch (opt) {
	case 'e': return set_str(&cfg->email, arg, err);
	case OPT_AD_URL: return set_str(&cfg->autodiscover_url, arg, err);
	case OPT_AD_DNS: return set_str(&cfg->autodiscover_dns, arg, err);
	case OPT_AD_CONNECT_TO:
		if (cfg->autodiscover_connect_to_n == CFG_CONNECT_TO_MAX)
			return rpe_fail(err, RPE_ERR_ARG,
					"--autodiscover-connect-to given "
					"more than %d times",
					CFG_CONNECT_TO_MAX);
		return set_str(&cfg->autodiscover_connect_to[cfg->autodiscover_connect_to_n++],
			       arg, err);
	default: return ARGS_OTHER;
	}
}

static int opt_tls(int opt, const char *arg, struct probe_config *cfg,
		   struct cli_state *st, struct rpe_error *err)
{
	(void)st;
	switch (opt) {
	case OPT_CA_FILE: return set_str(&cfg->ca_file, arg, err);
	case OPT_INSECURE: cfg->insecure = true; return 0;
	case OPT_CLIENT_CERT: return set_str(&cfg->client_cert, arg, err);
	case OPT_CLIENT_KEY: return set_str(&cfg->client_key, arg, err);
	case OPT_CERT_EXPIRY:
		return cert_expiry_parse(arg, &cfg->cert_expiry, err);
	default: return ARGS_OTHER;
	}
}

static int opt_credentials(int opt, const char *arg, struct probe_config *cfg,
			   struct cli_state *st, struct rpe_error *err)
{
	switch (opt) {
	case 'u': return set_str(&cfg->user, arg, err);
	case OPT_PASSWORD_FILE: st->password_file = arg; return 0;
	case 'm': return set_str(&cfg->mailbox_dn, arg, err);
	case OPT_HTTP_AUTH:
		st->http_auth_given = true;
		return cfg_set_choice(cfg, CFG_CHOICE_HTTP_AUTH, arg, err);
	case OPT_AUTH:
		st->auth_given = true;
		return cfg_set_choice(cfg, CFG_CHOICE_AUTH, arg, err);
	case OPT_KEYTAB: return set_str(&cfg->keytab, arg, err);
	case OPT_REALM: return set_str(&cfg->realm, arg, err);
	case OPT_SPN: return set_str(&cfg->spn, arg, err);
	default: return ARGS_OTHER;
	}
}

static int opt_check(int opt, const char *arg, struct probe_config *cfg,
		     struct cli_state *st, struct rpe_error *err)
{
	switch (opt) {
	case OPT_EXPECT:
		return cfg_set_choice(cfg, CFG_CHOICE_EXPECT, arg, err);
	case OPT_PROBE: return cfg_set_choice(cfg, CFG_CHOICE_PROBES, arg, err);
	case OPT_UNENC_LEVEL:
		return cfg_set_choice(cfg, CFG_CHOICE_UNENC_LEVEL, arg, err);
	case OPT_CLIENT_VERSION:
		return cfg_parse_client_version(arg, cfg->client_version, err);
	case 'w': st->warning = arg; return 0;
	case 'c': st->critical = arg; return 0;
	case 't': return mp_deadline_parse(arg, &cfg->deadline, err);
	default: return ARGS_OTHER;
	}
}

/* --output-format takes effect at once, so that a later bad option is
 * reported in that format too. */
static int opt_output_format(const char *arg, struct rpe_error *err)
{
	enum mp_format f;

	if (mp_format_parse(arg, &f) < 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"--output-format must be classic, multi-line or "
				"mp-test-json, not '%s'",
				arg);
	mp_output_set_default_format(f);
	return 0;
}

static int opt_posture(int opt, const char *arg, struct probe_config *cfg,
		       struct cli_state *st, struct rpe_error *err)
{
	switch (opt) {
	case OPT_POSTURE:
		return posture_parse_checks(arg, &cfg->posture.checks, err);
	case OPT_POSTURE_CRITICAL:
		st->posture_critical = true;
		cfg->posture.critical = 1;
		return 0;
	case OPT_TLS_FLOOR:
		st->tls_floor_given = true;
		return posture_parse_tls_floor(arg, &cfg->posture.tls_floor, err);
	default: return ARGS_OTHER;
	}
}

static int opt_general(int opt, const char *arg, struct probe_config *cfg,
		       struct cli_state *st, struct rpe_error *err)
{
	(void)st;
	switch (opt) {
	case 'v': cfg->verbose++; return 0;
	case 'h': return ARGS_HELP;
	case 'V': return ARGS_VERSION;
	case OPT_OUTPUT_FORMAT: return opt_output_format(arg, err);
	default: return ARGS_OTHER;
	}
}

/* In the order of --help. */
static opt_group_fn *const opt_groups[] = {
	opt_connection, opt_autodiscover, opt_tls,     opt_credentials,
	opt_check,      opt_posture,      opt_general,
};

/* getopt_long's ':' (missing argument) and '?' (unknown option). */
static int bad_option(int opt, char **argv, struct rpe_error *err)
{
	char o[64];

	if (opt == ':') {
		option_text(o, sizeof(o), argv[optind - 1], optopt);
		return rpe_fail(err, RPE_ERR_ARG,
				"option '%s' requires an argument", o);
	}
	/* For an unknown short option inside a cluster ("-vx"), optind may
	 * not have moved yet. */
	option_text(o, sizeof(o), optopt ? NULL : argv[optind - 1], optopt);
	return rpe_fail(err, RPE_ERR_ARG, "unknown option '%s'", o);
}

/* One option to the group that takes it. */
static int take_option(int opt, const char *arg, struct probe_config *cfg,
		       struct cli_state *st, struct rpe_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(opt_groups) / sizeof(opt_groups[0]); i++) {
		rc = opt_groups[i](opt, arg, cfg, st, err);
		if (rc != ARGS_OTHER)
			return rc;
	}
	return ARGS_OTHER;
}

static int process_arguments(int argc, char **argv, struct probe_config *cfg,
			     struct cli_state *st, struct rpe_error *err)
{
	int opt, idx, rc;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, long_options, &idx)) !=
	       -1) {
		rc = opt == ':' || opt == '?' ?
			     ARGS_OTHER :
			     take_option(opt, optarg, cfg, st, err);
		if (rc == ARGS_OTHER)
			return bad_option(opt, argv, err);
		if (rc != ARGS_OK)
			return rc;
	}
	if (optind < argc)
		return rpe_fail(err, RPE_ERR_ARG,
				"unexpected argument at position %d (options "
				"take the form -x VALUE or --name=VALUE)",
				optind);
	return ARGS_OK;
}

/* Kerberos at the RPC layer needs no password when the proxy gets
 * Negotiate too (or there is no proxy): a keytab or the credentials cache
 * (KRB5CCNAME) stand in for it. */
static bool password_optional(const struct probe_config *cfg)
{
	return cfg->auth != PROBE_AUTH_NTLM &&
	       (cfg->transport == PROBE_TRANSPORT_TCP ||
		cfg->http_auth == HTTP_AUTH_NEGOTIATE);
}

static int load_password(struct probe_config *cfg, struct cli_state *st,
			 struct rpe_error *err)
{
	const char *env;

	if (password_optional(cfg) && cfg->keytab)
		return 0; /* the keytab's keys are the credentials */

	if (st->password_file) {
		char *pw;
		TRY(cfg_read_password_file(st->password_file, &pw, err));
		cfg->password = pw;
		return 0;
	}
	if (st->ini_password) {
		if (!*st->ini_password)
			return rpe_fail(err, RPE_ERR_ARG,
					"password= in the --extra-opts section "
					"is empty");
		if (probe_config_set_str(&cfg->password, st->ini_password,
					 true) < 0)
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return 0;
	}
	env = getenv(CFG_PASSWORD_ENV);
	if (env && *env) {
		if (strlen(env) > CFG_PASSWORD_MAX)
			return rpe_fail(err, RPE_ERR_ARG,
					"%s is longer than %d bytes",
					CFG_PASSWORD_ENV, CFG_PASSWORD_MAX);
		if (probe_config_set_str(&cfg->password, env, true) < 0)
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return 0;
	}
	if (password_optional(cfg))
		return 0; /* Kerberos from the credentials cache */
	return rpe_fail(err, RPE_ERR_ARG,
			"no password: use --password-file FILE, the %s "
			"environment variable or password= in an --extra-opts "
			"section",
			CFG_PASSWORD_ENV);
}

/* The options every run needs, and the names that go into URLs, TLS names
 * and the logon. */
static int validate_identity(struct probe_config *cfg, struct rpe_error *err)
{
	if (!cfg->hostname && !cfg->email)
		return rpe_fail(err, RPE_ERR_ARG, "missing -H/--hostname");
	if (!cfg->user)
		return rpe_fail(err, RPE_ERR_ARG, "missing -u/--user");
	if (!cfg->mailbox_dn && !cfg->email)
		return rpe_fail(err, RPE_ERR_ARG, "missing -m/--mailbox-dn");
	if (cfg->hostname)
		TRY(cfg_check_host("host name", cfg->hostname, err));
	if (cfg->ip_address)
		TRY(cfg_check_host("IP address", cfg->ip_address, err));
	if (cfg->rpc_server)
		TRY(cfg_check_rpc_server(cfg->rpc_server,
					 &cfg->rpc_server_mailbox, err));
	TRY(cfg_split_user(cfg, err));
	return cfg->mailbox_dn ? cfg_check_mailbox_dn(cfg->mailbox_dn, err) : 0;
}

/* -e and the options that only Autodiscover uses. */
static int validate_autodiscover(const struct probe_config *cfg,
				 struct rpe_error *err)
{
	char url[AUTODISCOVER_URL_MAX];
	struct rpe_error e;
	size_t i;

	if (!cfg->email) {
		if (cfg->autodiscover_url || cfg->autodiscover_dns ||
		    cfg->autodiscover_connect_to_n)
			return rpe_fail(err, RPE_ERR_ARG,
					"the --autodiscover-* options need -e/--email");
		return 0;
	}
	if (autodiscover_check_address(cfg->email, NULL, &e) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "-e/--email: %s", e.msg);
	if (cfg->autodiscover_url &&
	    autodiscover_url_canon(cfg->autodiscover_url, NULL, false, url,
				   sizeof(url), NULL, 0, &e) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "--autodiscover-url: %s",
				e.msg);
	if (cfg->autodiscover_dns &&
	    autodiscover_srv_check_nameserver(cfg->autodiscover_dns, &e) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "--autodiscover-dns: %s",
				e.msg);
	for (i = 0; i < cfg->autodiscover_connect_to_n; i++)
		TRY(cfg_check_connect_to(cfg->autodiscover_connect_to[i], err));
	return 0;
}

/* --keytab and --realm serve Kerberos at the RPC layer or libcurl's
 * Negotiate at the proxy; --spn names the store's service principal. */
static int validate_kerberos(const struct probe_config *cfg, struct rpe_error *err)
{
	bool krb = cfg->auth != PROBE_AUTH_NTLM;

	if (cfg->spn && !krb)
		return rpe_fail(err, RPE_ERR_ARG,
				"--spn needs --auth kerberos or negotiate");
	if ((cfg->keytab || cfg->realm) && !krb &&
	    cfg->http_auth != HTTP_AUTH_NEGOTIATE)
		return rpe_fail(err, RPE_ERR_ARG,
				"--keytab and --realm need --auth kerberos or "
				"negotiate, or --http-auth negotiate");
	if (cfg->spn && (!*cfg->spn || strchr(cfg->spn, '/') == NULL))
		return rpe_fail(err, RPE_ERR_ARG,
				"--spn '%.64s' is not a service principal "
				"(service/host, e.g. exchangeMDB/exch01.contoso.com)",
				cfg->spn);
	return 0;
}

/* --all-addresses and --certificate-expiry: what they need. */
static int validate_fleet(const struct probe_config *cfg,
			  const struct cli_state *st, struct rpe_error *err)
{
	if (cfg->all_addresses && cfg->ip_address)
		return rpe_fail(err, RPE_ERR_ARG,
				"--all-addresses and -I contradict each other "
				"(-I names the one address to check)");
	if (cfg->all_addresses && cfg->proxy)
		return rpe_fail(err, RPE_ERR_ARG,
				"--all-addresses cannot be used with --proxy "
				"(the proxy chooses the address)");
	if (st->max_parallel_given && !cfg->all_addresses)
		return rpe_fail(err, RPE_ERR_ARG,
				"--max-parallel needs --all-addresses");
	if (cfg->cert_expiry.set && !cfg->tls)
		return rpe_fail(err, RPE_ERR_ARG,
				"--certificate-expiry needs TLS (not --no-tls)");
	return 0;
}

/* --transport mapi: no DCE/RPC (no RPC proxy, no RPC authentication), a
 * mailbox GUID@domain for the MailboxId, TLS for the encrypted probe. */
static int validate_mapi(const struct probe_config *cfg,
			 const struct cli_state *st, struct rpe_error *err)
{
	const char *bad;

	if (cfg->transport != PROBE_TRANSPORT_MAPI) {
		if (cfg->plain_port_given)
			return rpe_fail(err, RPE_ERR_ARG,
					"--plain-port needs --transport mapi");
		return 0;
	}
	bad = !cfg->tls ?
		      "--no-tls (the encrypted probe is https)" :
	      st->auth_given ?
		      "--auth (MAPI over HTTP has no RPC authentication; use --http-auth)" :
	      cfg->rpc_port_given  ? "--rpc-port" :
	      st->proxy_path_given ? "--rpc-proxy-path" :
				     NULL;
	if (bad)
		return rpe_fail(err, RPE_ERR_ARG,
				"%s does not apply to --transport mapi", bad);
	if (st->rpc_server_given && !cfg->rpc_server_mailbox)
		return rpe_fail(err, RPE_ERR_ARG,
				"--transport mapi needs --rpc-server as the mailbox's GUID@domain (its MailboxId), not a server name");
	if (!st->rpc_server_given && !cfg->email)
		return rpe_fail(err, RPE_ERR_ARG,
				"--transport mapi needs --rpc-server GUID@domain (the mailbox's ExchangeGuid and SMTP domain) or -e");
	return 0;
}

/* --posture and its knobs. */
static int validate_posture(const struct probe_config *cfg,
			    const struct cli_state *st, struct rpe_error *err)
{
	if (!cfg->posture.checks) {
		if (st->posture_critical || st->tls_floor_given)
			return rpe_fail(err, RPE_ERR_ARG, "%s needs --posture",
					st->posture_critical ?
						"--posture-critical" :
						"--tls-floor");
		return 0;
	}
	if (cfg->transport == PROBE_TRANSPORT_TCP)
		return rpe_fail(err, RPE_ERR_ARG,
				"--posture checks the HTTP doors (/rpc, /mapi, Autodiscover), not --transport tcp");
	if (st->tls_floor_given && !(cfg->posture.checks & POSTURE_TLS))
		return rpe_fail(err, RPE_ERR_ARG,
				"--tls-floor needs the tls check of --posture");
	return 0;
}

/* Options that contradict each other or the transport. */
static int validate_combinations(const struct probe_config *cfg,
				 const struct cli_state *st,
				 struct rpe_error *err)
{
	const char *bad;

	if (st->v4 && st->v6)
		return rpe_fail(err, RPE_ERR_ARG,
				"-4 and -6 cannot be used together");
	if (!cfg->tls && (cfg->ca_file || cfg->insecure || cfg->client_cert ||
			  cfg->client_key))
		return rpe_fail(err, RPE_ERR_ARG,
				"--no-tls cannot be combined with --ca-file, "
				"--insecure, --client-cert or --client-key");
	if (cfg->insecure && cfg->ca_file)
		return rpe_fail(err, RPE_ERR_ARG,
				"--insecure and --ca-file contradict each other");
	if (cfg->client_key && !cfg->client_cert)
		return rpe_fail(err, RPE_ERR_ARG,
				"--client-key needs --client-cert");
	TRY(validate_kerberos(cfg, err));
	TRY(validate_fleet(cfg, st, err));
	TRY(validate_mapi(cfg, st, err));
	TRY(validate_posture(cfg, st, err));
	if (cfg->transport != PROBE_TRANSPORT_TCP)
		return 0;
	/* With -e the TLS, proxy and HTTP options serve Autodiscover. */
	bad = !cfg->tls            ? "--no-tls" :
	      cfg->cert_expiry.set ? "--certificate-expiry" :
	      cfg->email           ? NULL :
	      cfg->ca_file         ? "--ca-file" :
	      cfg->insecure        ? "--insecure" :
	      cfg->client_cert     ? "--client-cert" :
	      cfg->proxy           ? "--proxy" :
	      st->http_auth_given  ? "--http-auth" :
				     NULL;
	bad = bad                  ? bad :
	      st->rpc_server_given ? "--rpc-server" :
	      st->proxy_path_given ? "--rpc-proxy-path" :
				     NULL;
	if (bad)
		return rpe_fail(err, RPE_ERR_ARG,
				"%s applies to --transport http only "
				"(RPC over TCP has no TLS, HTTP or proxy)",
				bad);
	return 0;
}

/* The TLS files are read by libcurl only once it connects: check them now,
 * so that a typo is a usage error and not a failed probe. */
static int validate_files(const struct probe_config *cfg, struct rpe_error *err)
{
	if (cfg->ca_file)
		TRY(cfg_check_file("--ca-file", cfg->ca_file, err));
	if (cfg->client_cert)
		TRY(cfg_check_file("--client-cert", cfg->client_cert, err));
	if (cfg->client_key)
		TRY(cfg_check_file("--client-key", cfg->client_key, err));
	/* Files that exist but that libcurl could not use would otherwise
	 * fail every TLS handshake, as if the server had. */
	if (cfg->ca_file)
		TRY(crypto_check_ca_file("--ca-file", cfg->ca_file, err));
	if (cfg->client_cert)
		TRY(crypto_check_client_cert(cfg->client_cert, cfg->client_key,
					     err));
	if (cfg->keytab)
		TRY(cfg_check_file("--keytab", cfg->keytab, err));
	return 0;
}

/* Defaults that depend on other options, and the RPC proxy URL parts. */
static int validate_endpoint(struct probe_config *cfg,
			     const struct cli_state *st, struct rpe_error *err)
{
	if (!st->port_given)
		cfg->port = cfg->transport == PROBE_TRANSPORT_TCP ?
				    CFG_DEFAULT_EPM_PORT :
			    cfg->tls ? CFG_DEFAULT_PORT_TLS :
				       CFG_DEFAULT_PORT_PLAIN;
	cfg->ip_version = st->v4 ? 4 : st->v6 ? 6 : 0;
	/* MAPI over HTTP binds no RPC interface: no RPC security package
	 * (and no Kerberos tickets for one) to prepare. */
	if (cfg->transport == PROBE_TRANSPORT_MAPI)
		cfg->auth = PROBE_AUTH_NTLM;
	cfg->port_given = st->port_given;
	cfg->http_auth_given = st->http_auth_given;
	/* With -e the RemoteName is Autodiscover's unless given. */
	if (!cfg->rpc_server && !cfg->email)
		TRY(set_str(&cfg->rpc_server, cfg->hostname, err));
	if (!cfg->proxy_path)
		TRY(set_str(&cfg->proxy_path, CFG_DEFAULT_PROXY_PATH, err));
	TRY(cfg_check_proxy_path(cfg->proxy_path, err));
	return cfg->proxy ? cfg_check_proxy(cfg->proxy, err) : 0;
}

/* Everything is checked before the first connection; the password is read
 * last, so that a usage error is reported before a file is opened. */
static int validate_arguments(struct probe_config *cfg, struct cli_state *st,
			      struct rpe_error *err)
{
	TRY(validate_identity(cfg, err));
	TRY(validate_autodiscover(cfg, err));
	TRY(validate_combinations(cfg, st, err));
	TRY(validate_files(cfg, err));
	TRY(validate_endpoint(cfg, st, err));
	TRY(mp_thresholds_set(&cfg->thresholds, st->warning, st->critical, err));
	return load_password(cfg, st, err);
}

int main(int argc, char **argv)
{
	struct probe_config cfg;
	struct cli_state st;
	struct mp_extra_opts eo;
	struct rpe_error err;
	int rc, status;

	rpe_clear(&err);
	memset(&st, 0, sizeof(st));
	probe_config_init(&cfg);

	rc = check_no_password_option(argc, argv);
	if (rc >= 0)
		return rc;
	if (mp_extra_opts_apply(argc, argv, PROGNAME, &eo, &err) < 0)
		return die_unknown("%s", err.msg);
	/* Options from an ini section get the same check. */
	rc = check_no_password_option(eo.argc, eo.argv);
	if (rc >= 0) {
		mp_extra_opts_free(&eo);
		return rc;
	}
	st.ini_password = eo.ini.password;

	rc = process_arguments(eo.argc, eo.argv, &cfg, &st, &err);
	if (rc == ARGS_HELP) {
		print_help();
		status = INFO_EXIT_STATUS;
	} else if (rc == ARGS_VERSION) {
		print_version();
		status = INFO_EXIT_STATUS;
	} else if (rc < 0 || validate_arguments(&cfg, &st, &err) < 0) {
		status = die_unknown("%s", err.msg);
	} else {
		status = check_run(&cfg);
	}
	mp_extra_opts_free(&eo);
	probe_config_free(&cfg);
	return status;
}
