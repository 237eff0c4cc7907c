/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --posture: the other locks on the door, judged from what the run saw
 * (sans-I/O; the extra requests are lib/posture_run's).
 *
 * Besides RPC encryption, what keeps Outlook's traffic and credentials safe
 * on Exchange 2019 CU14+ and SE is Extended Protection on /rpc and /mapi
 * (the CVE-2024-21410 fix), TLS 1.2 or later only, no Basic beside
 * NTLM/Negotiate (Basic is a way around Extended Protection) and a strong
 * certificate; the Exchange build says which fixes the server has.  Each
 * check gives one item: a long-output line that names the cmdlet or
 * setting that fixes a finding, a short text for the status line and
 * perfdata.  Findings are WARNING, or CRITICAL with --posture-critical.
 *
 * The doors are a table (posture_door_info): a door the run uses gets the
 * Extended Protection and authentication checks its row asks for. */
#ifndef RPE_POSTURE_H
#define RPE_POSTURE_H

#include <stddef.h>

#include "certinfo.h"
#include "err.h"

/* The checks (--posture=ep,tls,auth,cert,build; all without a list). */
#define POSTURE_EP 0x01u
#define POSTURE_TLS 0x02u
#define POSTURE_AUTH 0x04u
#define POSTURE_CERT 0x08u
#define POSTURE_BUILD 0x10u
#define POSTURE_ALL 0x1fu

enum posture_tls_version {
	POSTURE_TLS10 = 0,
	POSTURE_TLS11,
	POSTURE_TLS12,
	POSTURE_TLS13,
	POSTURE_TLS_COUNT,
};

struct posture_options {
	unsigned checks; /* 0: --posture not given */
	int critical;    /* --posture-critical */
	int tls_floor;   /* enum posture_tls_version (default TLS 1.2) */
};

/* --posture[=LIST]: s NULL, "" or "all" means every check. */
int posture_parse_checks(const char *s, unsigned *out, struct rpe_error *err);
/* --tls-floor=1.0|1.1|1.2|1.3 */
int posture_parse_tls_floor(const char *s, int *out, struct rpe_error *err);
/* "TLS 1.0" ... */
const char *posture_tls_name(int v);

enum posture_door {
	POSTURE_DOOR_RPC = 0, /* RPC over HTTP: /rpc/rpcproxy.dll */
	POSTURE_DOOR_MAPI,    /* MAPI over HTTP: /mapi/emsmdb */
	POSTURE_DOOR_AUTODISCOVER,
	POSTURE_DOOR_COUNT,
};

struct posture_door_info {
	const char *name;  /* "/rpc", in the long output */
	const char *label; /* "rpc", in perfdata labels */
	const char *vdir;  /* the front end's IIS location */
	/* Extended Protection expected to be Require (HealthChecker's
	 * supported value; Autodiscover's is None: reported, not judged). */
	int ep_required;
	/* Basic offered there is a finding; the cmdlet that sets the IIS
	 * authentication methods ("%s": the server). */
	int basic_finding;
	const char *auth_fix;
};

const struct posture_door_info *posture_door_info(enum posture_door d);

/* What one door showed: lib/posture_run fills it from its own requests
 * (one without credentials: what any client is offered; one NTLM logon
 * without channel binding) and from the run. */
struct posture_door_seen {
	int used; /* the run uses this door */
	/* the request without credentials */
	int answered;         /* an HTTP answer came */
	char offered[96];     /* WWW-Authenticate schemes: "NTLM, Basic" */
	char owa_version[32]; /* X-OWA-Version (of either request) */
	int timed_out;
	char error[200]; /* why there was no answer */
	/* the NTLM logon without channel binding */
	int ep_answered;
	char ep_offered[96];
	int ep_sent;    /* its AUTHENTICATE went out */
	long ep_status; /* the answer to it */
	int ep_timed_out;
	char ep_error[200];
	int bound_ok;   /* the run's own NTLM logon (with binding)
				 * passed the HTTP authentication */
	int bound_none; /* the run made no NTLM logon here (Basic,
				 * Kerberos): nothing to compare a 401 with */
};

/* The TLS floor: one handshake per version below it, and, under
 * --insecure, one that verifies the chain. */
struct posture_tls_seen {
	int tried[POSTURE_TLS_COUNT];
	int accepted[POSTURE_TLS_COUNT];
	char cipher[POSTURE_TLS_COUNT][64];
	char error[POSTURE_TLS_COUNT][160];
	int verify_tried;
	int verify_failed;
	char verify_error[160];
};

struct posture_input {
	const char *server; /* named in the cmdlets */
	int tls;            /* the run uses TLS (not --no-tls) */
	int insecure;       /* --insecure */
	struct posture_door_seen door[POSTURE_DOOR_COUNT];
	struct posture_tls_seen tls_seen;
	char probe_tls[16]; /* what the probes negotiated */
	char probe_cipher[64];
	const struct cert_strength *cert; /* the RPC proxy's; NULL: unseen */
};

enum posture_status {
	POSTURE_PASS = 0,
	POSTURE_FINDING,
	POSTURE_UNTESTED,
	POSTURE_INFO,
};

#define POSTURE_ITEMS_MAX 20
#define POSTURE_TEXT_MAX 640

struct posture_item {
	unsigned check; /* POSTURE_EP ... */
	enum posture_status status;
	char text[POSTURE_TEXT_MAX]; /* the long-output line */
	char brief[120];             /* a finding, for the status line */
	char perf_label[48];         /* "" none */
	double perf_value;           /* NaN: U */
	char perf_alert[8];          /* the range that alerts: "1:", "0" */
};

struct posture_report {
	struct posture_item item[POSTURE_ITEMS_MAX];
	int n;
	int findings;
	int state; /* 0; 1 or 2 when there are findings */
};

void posture_evaluate(const struct posture_options *o,
		      const struct posture_input *in, struct posture_report *out);

/* The Exchange build of an X-OWA-Version value ("15.2.1544.4") from a
 * small table of releases; 1 with its name in out ("Exchange 2019 CU14",
 * a later revision: "... with a later update"), 0 when not in the table,
 * -1 when the value is no build number. */
int posture_build_name(const char *version, char *out, size_t n);

#endif
