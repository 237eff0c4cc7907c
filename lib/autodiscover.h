/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Autodiscover for Outlook Anywhere, sans-I/O: the plain-old-XML (POX)
 * request of MS-OXDSCLI 2.2.3, the candidate URLs of MS-OXDISCO 3.1.5 in
 * the order Outlook tries them, the redirect policy (Action redirectAddr /
 * redirectUrl of MS-OXDSCLI 2.2.4.1.1.2.2, HTTP redirects; https only, at
 * most 10 hops, never twice to the same place) and the response parser
 * (MS-OXDSCLI 2.2.4) on lib/xml (expat), hardened: no network, no DTD
 * (refused before parsing, UTF-16 included), no entity declarations, size,
 * depth and node limits, namespaces checked.
 *
 * Nothing here touches the network; the driver POSTs the body built here,
 * feeds each answer to autodiscover_parse_response() and asks the walk what
 * to do next.  The DNS SRV step (MS-OXDISCO 3.1.5.3) is in
 * autodiscover_srv.h. */
#ifndef RPE_AUTODISCOVER_H
#define RPE_AUTODISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Namespaces (MS-OXDSCLI 2.2.3, 2.2.4).  Exchange sends the http:// forms. */
#define AUTODISCOVER_NS_REQUEST                                                \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
#define AUTODISCOVER_NS_RESPONSE                                               \
	"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define AUTODISCOVER_NS_OUTLOOK                                                \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

/* The well-known path (MS-OXDISCO 2.2.1, MS-OXDSCLI 3.2.5). */
#define AUTODISCOVER_PATH "/autodiscover/autodiscover.xml"

/* An answer larger than this is refused before it is parsed: a real one is
 * a few kilobytes. */
#define AUTODISCOVER_MAX_RESPONSE (128u * 1024u)
/* "The client application should stop redirecting after 10 redirects"
 * (MS-OXDSCLI 2.2.4.1.1.2.9, RedirectUrl). */
#define AUTODISCOVER_MAX_HOPS 10

#define AUTODISCOVER_ADDR_MAX 321 /* RFC 5321 4.5.3.1: 64 + "@" + 255 + NUL */
#define AUTODISCOVER_URL_MAX 2048
#define AUTODISCOVER_HOST_MAX 256
#define AUTODISCOVER_TEXT_MAX 1024 /* any other text value */

/* Candidates (MS-OXDISCO 3.1.5) ----------------------------------------------- */

enum autodiscover_step {
	/* POST the request to url (https). */
	AUTODISCOVER_STEP_POST,
	/* Unauthenticated GET of url (http, MS-OXDISCO 3.1.5.4): only a 302
	 * whose Location is https counts; it is then POSTed to. */
	AUTODISCOVER_STEP_GET_REDIRECT,
	/* DNS SRV lookup of name (MS-OXDISCO 3.1.5.3), then POST to
	 * https://<target>:<port>/autodiscover/autodiscover.xml. */
	AUTODISCOVER_STEP_SRV,
};

struct autodiscover_candidate {
	enum autodiscover_step step;
	char url[AUTODISCOVER_URL_MAX]; /* for SRV: the owner name queried */
};

#define AUTODISCOVER_CANDIDATES 4

/* Outlook's order for the address's domain (MS-OXDISCO 3.1.5.2, 3.1.5.4,
 * 3.1.5.3; the LDAP service connection point of 3.1.5.1 is for domain
 * members only and not tried):
 *   POST https://<domain>/autodiscover/autodiscover.xml
 *   POST https://autodiscover.<domain>/autodiscover/autodiscover.xml
 *   GET  http://autodiscover.<domain>/autodiscover/autodiscover.xml (302)
 *   SRV  _autodiscover._tcp.<domain>
 * Fails (RPE_ERR_ARG) when email is not a plain ASCII local@domain. */
int autodiscover_candidates(
	const char *email,
	struct autodiscover_candidate out[AUTODISCOVER_CANDIDATES],
	struct rpe_error *err);

/* Check local@domain (ASCII, RFC 5321 lengths, a DNS host name as domain);
 * on success *domain points into email. */
int autodiscover_check_address(const char *email, const char **domain,
			       struct rpe_error *err);

/* 0 if h (len bytes) is a DNS host name (RFC 1123 2.1), else -1. */
int autodiscover_check_host(const char *h, size_t len);

/* The canonical form of an absolute URL (scheme and host lower case, port
 * explicit, no fragment), or of ref resolved against base when base is not
 * NULL.  Only https is accepted unless allow_http; user names or passwords
 * in a URL are refused.  host (may be NULL) receives the host name. */
int autodiscover_url_canon(const char *ref, const char *base, bool allow_http,
			   char *out, size_t outsize, char *host,
			   size_t hostsize, struct rpe_error *err);

/* Request (MS-OXDSCLI 2.2.3) ---------------------------------------------------- */

/* The POX request body for email: Autodiscover/Request with EMailAddress and
 * AcceptableResponseSchema = the outlook 2006a response schema, UTF-8.
 * The driver sends it with Content-Type text/xml and X-ClientCanHandle:
 * Negotiate (MS-OXDSCLI 2.2.2), and X-MapiHttpCapability: 1 only for
 * --transport mapi: with that header an Exchange 2013 SP1+ server may answer
 * with the mapiHttp protocol only (MS-OXDSCLI 2.2.2.1), and the RPC probes
 * need EXPR/EXCH. */
int autodiscover_build_request(const char *email, struct buf *out,
			       struct rpe_error *err);

#define AUTODISCOVER_CONTENT_TYPE "text/xml; charset=utf-8"
#define AUTODISCOVER_CLIENT_CAN_HANDLE "Negotiate"

/* Response (MS-OXDSCLI 2.2.4) ------------------------------------------------ */

enum autodiscover_action {
	AUTODISCOVER_ACTION_SETTINGS,      /* Protocol elements follow */
	AUTODISCOVER_ACTION_REDIRECT_ADDR, /* ask again for redirect (address) */
	AUTODISCOVER_ACTION_REDIRECT_URL,  /* ask redirect (URL) instead */
	AUTODISCOVER_ACTION_ERROR,         /* the POX Error response */
};

/* AuthPackage of the EXPR Protocol element (MS-OXDSCLI 2.2.4.1.1.2.6). */
enum autodiscover_auth {
	AUTODISCOVER_AUTH_UNSPECIFIED, /* element absent: the client chooses */
	AUTODISCOVER_AUTH_BASIC,
	AUTODISCOVER_AUTH_NTLM,
	AUTODISCOVER_AUTH_NEGOTIATE,
	AUTODISCOVER_AUTH_KERB,
	AUTODISCOVER_AUTH_KERBNTLM,
	AUTODISCOVER_AUTH_CERTIFICATE,
	AUTODISCOVER_AUTH_ANONYMOUS,
	AUTODISCOVER_AUTH_OTHER,
};

struct autodiscover_response {
	enum autodiscover_action action;
	/* User (2.2.4.1.1.1) */
	char display_name[AUTODISCOVER_TEXT_MAX];
	char legacy_dn[AUTODISCOVER_TEXT_MAX];
	char smtp_address[AUTODISCOVER_ADDR_MAX]; /* AutoDiscoverSMTPAddress */
	/* Account/RedirectAddr (2.2.4.1.1.2.8) or RedirectUrl (2.2.4.1.1.2.9) */
	char redirect[AUTODISCOVER_URL_MAX];
	/* Protocol Type=EXPR (2.2.4.1.1.2.6): the RPC proxy. */
	bool has_expr;
	char expr_server[AUTODISCOVER_HOST_MAX];
	bool expr_ssl; /* SSL On (the default when absent) */
	enum autodiscover_auth expr_auth;
	char expr_auth_name[32]; /* AuthPackage as sent */
	char expr_cert_principal[AUTODISCOVER_TEXT_MAX]; /* "msstd:name" */
	/* Protocol Type=EXCH: the mailbox server; Server is the RemoteName
	 * (GUID@domain on Exchange 2013 and later, an FQDN before). */
	bool has_exch;
	char exch_server[AUTODISCOVER_HOST_MAX];
	char exch_server_dn[AUTODISCOVER_TEXT_MAX];
	bool exch_server_is_guid;
	bool has_version;        /* ServerVersion decoded */
	uint32_t server_version; /* raw value */
	unsigned version_major, version_minor, version_build;
	/* Protocol Type="mapiHttp" (2.2.4.1.1.2.6): MAPI over HTTP offered. */
	bool mapi_http;
	char mapi_http_url[AUTODISCOVER_URL_MAX]; /* MailStore URL if given */
	/* Error (2.2.4.1.1.3) */
	char error_code[32];
	char error_message[AUTODISCOVER_TEXT_MAX];
	char error_debug[AUTODISCOVER_TEXT_MAX];
};

/* Parse one answer body.  Fails (RPE_ERR_TOOBIG, RPE_ERR_PROTO) on input
 * over AUTODISCOVER_MAX_RESPONSE, malformed XML, a DTD or entity
 * declaration, a tree over lib/xml's limits, a root that is not
 * Autodiscover in the response namespace, a Response in another schema, a
 * missing Response/Action, a redirect without its target, or a value over
 * its size.  Text values are trimmed; control characters become spaces.  A
 * POX Error is a successful parse with action AUTODISCOVER_ACTION_ERROR. */
int autodiscover_parse_response(const uint8_t *data, size_t len,
				struct autodiscover_response *out,
				struct rpe_error *err);

/* "Exchange 2013 (15.0.1497)"-like text for the ServerVersion of EXCH. */
void autodiscover_format_version(const struct autodiscover_response *r,
				 char *out, size_t n);
const char *autodiscover_auth_name(enum autodiscover_auth a);

/* 1 if name is <GUID>@<domain>: the RemoteName of a mailbox on Exchange
 * 2013 and later (the mailbox's ExchangeGuid, 8-4-4-4-12 hex digits, and
 * its primary SMTP domain, two labels or more). */
int autodiscover_is_guid_name(const char *name);

/* Redirect policy ------------------------------------------------------------- */

/* One chain of requests from a candidate: the address asked for, the hops
 * taken and every (URL, address) asked so far. */
struct autodiscover_walk;

struct autodiscover_walk *autodiscover_walk_new(const char *email,
						struct rpe_error *err);
void autodiscover_walk_free(struct autodiscover_walk *w);
const char *autodiscover_walk_email(const struct autodiscover_walk *w);
unsigned autodiscover_walk_hops(const struct autodiscover_walk *w);

/* Record that url (canonical form, see autodiscover_url_canon) is about to
 * be asked with the step's method for the current address; fails
 * (RPE_ERR_PROTO, "redirect loop") if that was done before in this walk. */
int autodiscover_walk_visit(struct autodiscover_walk *w,
			    enum autodiscover_step step, const char *url,
			    struct rpe_error *err);

/* Follow a redirect to a URL: an HTTP 3xx Location (relative to base), the
 * 302 of the GET candidate, or Action redirectUrl (base NULL).  Counts a
 * hop (more than AUTODISCOVER_MAX_HOPS fail), requires https and returns
 * the canonical URL to POST to. */
int autodiscover_walk_redirect_url(struct autodiscover_walk *w,
				   const char *location, const char *base,
				   char *url, size_t urlsize,
				   struct rpe_error *err);

/* Follow Action redirectAddr: counts a hop, checks the new address and
 * fails on an address asked for before in this walk (a loop).  The driver
 * then starts again from the candidates of the new address's domain. */
int autodiscover_walk_redirect_addr(struct autodiscover_walk *w,
				    const char *address, struct rpe_error *err);

#endif
