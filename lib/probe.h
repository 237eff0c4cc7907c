/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store logon probes: one probe = one connection (RPC over HTTP v2, or RPC
 * over TCP after an endpoint mapper lookup) that binds EMSMDB with NTLM at a
 * given authentication level and calls EcDoConnectEx (and EcDoDisconnect
 * when a session was opened).
 *
 * Several probes run concurrently in one event loop under one deadline; each
 * records per-phase timings and a classified outcome.  The layers below are
 * described in docs/architecture.md. */
#ifndef RPE_PROBE_H
#define RPE_PROBE_H

#include <stdint.h>

#include "auth.h"
#include "outcome.h"
#include "transport_http.h"
#include "transport_tcp.h"

enum probe_phase {
	PHASE_CONNECT = 0, /* HTTP: DNS, TCP, TLS, HTTP request and auth;
			    * TCP: endpoint mapper lookup, TCP connect */
	PHASE_RTS,         /* RTS virtual connection (CONN/A1..C2), HTTP only */
	PHASE_BIND,        /* bind with NTLM NEGOTIATE -> bind_ack */
	PHASE_LOGON,       /* auth3 + EcDoConnectEx */
	PHASE_DISCONNECT,  /* EcDoDisconnect */
	PHASE_DONE,
	PHASE_COUNT
};

enum probe_transport {
	PROBE_TRANSPORT_HTTP = 0, /* RPC over HTTP v2 (Outlook Anywhere) */
	PROBE_TRANSPORT_TCP,  /* ncacn_ip_tcp, port from the endpoint mapper */
	PROBE_TRANSPORT_MAPI, /* MAPI over HTTP (lib/mapi_probe): https,
				     and plain http for the unencrypted probe */
};

/* Security package of the RPC bind (MS-RPCE 2.2.1.1.7), a row of
 * lib/auth's package table. */
enum probe_auth {
	PROBE_AUTH_NTLM = AUTH_PKG_NTLM,           /* NTLMSSP (10) */
	PROBE_AUTH_KERBEROS = AUTH_PKG_KERBEROS,   /* Kerberos (16) */
	PROBE_AUTH_NEGOTIATE = AUTH_PKG_NEGOTIATE, /* SPNEGO (9) */
};

struct kerb_creds;

/* Authentication levels (MS-RPCE 2.2.1.1.8). */
enum probe_level {
	PROBE_LEVEL_NONE = 1, /* no RPC authentication at all */
	PROBE_LEVEL_CONNECT = 2,
	PROBE_LEVEL_INTEGRITY = 5,
	PROBE_LEVEL_PRIVACY = 6,
};

struct probe_target {
	enum probe_transport transport;
	struct http_params http;
	/* RPC/TCP: host, -I and -4/-6 as for HTTP; the port is the endpoint
	 * mapper's, or tcp_port when set (no lookup then). */
	struct tcp_params tcp;
	long tcp_port;
	const char *rpc_server; /* backend name in the proxy URL */
	long rpc_port;          /* 6001 */
	const char *proxy_path; /* /rpc/rpcproxy.dll */
	/* NTLM credentials for the RPC bind (split from -u). */
	const char *user;
	const char *domain;
	const char *password;
	/* Kerberos and SPNEGO: the credentials (acquired before the run, see
	 * lib/kerberos.h) and the store's service principal (spn, or
	 * exchangeMDB/<spn_server>). */
	enum probe_auth auth;
	struct kerb_creds *kerb;
	const char *spn;
	const char *spn_server;
	const char *mailbox_dn;
	uint16_t client_version[3]; /* rgwClientVersion */
	/* MAPI over HTTP: "/mapi/emsmdb/?MailboxId=GUID@domain" and the
	 * plain http port of the unencrypted probe (80). */
	const char *mapi_path;
	long plain_port;
};

struct probe_result {
	const char *label;                 /* "encrypted" / "unencrypted" */
	const struct probe_target *target; /* NULL: probe_run's target */
	enum probe_level level;
	enum probe_auth auth; /* the bind's security package */
	char auth_name[32];   /* ... as negotiated: "SPNEGO (NTLM)" */
	enum probe_outcome outcome;
	enum probe_phase phase; /* phase reached (failure: where it failed) */
	uint32_t ec;            /* EcDoConnectEx return code */
	char ec_name[48];       /* "ecNotEncrypted", "0x80040111" ... */
	uint32_t fault_status;  /* fault PDU status */
	long http_status;
	char http_reason[96]; /* its reason phrase ("RPC Error: 6ba") */
	char message[320];    /* one line, for humans */
	char step[32];        /* within the phase, when it has steps:
				     * "endpoint mapper" (RPC/TCP connect) */
	/* Seconds since the probe started at which each phase ended; < 0 when
	 * the phase did not complete. */
	double phase_end[PHASE_COUNT];
	double tls_time;         /* TLS handshake done (OUT channel), s */
	double resolve_time;     /* HTTP: name resolved, s (0: not seen) */
	double tcp_time;         /* HTTP: TCP connected, s (0: not seen) */
	struct tls_seen tls;     /* HTTP: what the TLS handshake showed */
	char auth_offered[96];   /* HTTP: schemes offered in WWW-Authenticate */
	double epm_time;         /* endpoint mapper answered, s (TCP) */
	unsigned tcp_port;       /* EMSMDB port used (TCP) */
	double total_time;       /* probe start -> last answer, s */
	char server_version[32]; /* from rgwServerVersion, "14.3.123.4" */
	char display_name[96];   /* szDisplayName of the store server */
	unsigned bytes_sent;
	unsigned bytes_received;
	int have_mapi_rc; /* MAPI over HTTP: X-ResponseCode != 0 */
	uint32_t mapi_rc;
};

typedef void (*probe_trace_fn)(void *ctx, int level, const char *line);

/* Run the given probes concurrently until all finish or deadline_ms (a
 * CLOCK_MONOTONIC timestamp in milliseconds) passes.  results[i].label and
 * .level select each probe.  Returns 0, or < 0 if the run could not start
 * at all (err says why). */
int probe_run(const struct probe_target *target, struct probe_result *results,
	      int n, int64_t deadline_ms, int trace_level, probe_trace_fn trace,
	      void *trace_ctx, struct rpe_error *err);
/* The same with at most max_running probes under way at once (the rest
 * start, in order, as earlier ones finish); results[i].target, when set,
 * replaces target for that probe.  A probe that could not start before the
 * deadline ends as OUTCOME_TIMEOUT during connect. */
int probe_run_bounded(const struct probe_target *target,
		      struct probe_result *results, int n, int max_running,
		      int64_t deadline_ms, int trace_level, probe_trace_fn trace,
		      void *trace_ctx, struct rpe_error *err);

/* Work that shares the probes' loop and deadline (the extra requests of
 * the posture checks, lib/posture_run.h): started once the loop exists,
 * before the first probe; the loop keeps running while busy() says so
 * (until the deadline); stop() comes after the last loop_run, before the
 * loop is freed, and closes what is still open. */
struct loop;
struct probe_companion {
	void *ctx;
	int (*start)(void *ctx, struct loop *loop, int64_t deadline_ms,
		     struct rpe_error *err);
	int (*busy)(void *ctx);
	void (*stop)(void *ctx);
};

/* probe_run_bounded with a companion (NULL: none). */
int probe_run_with(const struct probe_target *target,
		   struct probe_result *results, int n, int max_running,
		   int64_t deadline_ms, int trace_level, probe_trace_fn trace,
		   void *trace_ctx, const struct probe_companion *companion,
		   struct rpe_error *err);

const char *probe_phase_name(enum probe_phase ph);
const char *probe_level_name(enum probe_level l);
const char *probe_auth_name(enum probe_auth a);

/* CLOCK_MONOTONIC now in milliseconds. */
int64_t probe_now_ms(void);

#endif
