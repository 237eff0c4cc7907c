/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Interop driver: lib/'s RPC/TCP stack against a real server (Samba AD DC).
 *
 *   samr_tool [OPTIONS] HOST EPM-PORT LEVEL USER DOMAIN
 *     password in $SAMR_PASSWORD (not needed with --keytab or --ccache)
 *     --auth ntlm|kerberos|negotiate|negotiate-ntlm  (default ntlm; with
 *                           kerberos, or SPNEGO offering Kerberos and NTLM,
 *                           DOMAIN is the realm; negotiate falls back to
 *                           NTLM alone without Kerberos credentials, as the
 *                           plugin does; negotiate-ntlm offers NTLM alone)
 *     --spn SPN             (Kerberos; default exchangeMDB/HOST)
 *     --keytab FILE         (Kerberos: client keytab instead of the password)
 *     --ccache              (Kerberos: the cache in KRB5CCNAME)
 *
 * Through the same event loop, TCP transport and DCE/RPC association
 * (lib/rpc_assoc) as the plugin it asks the endpoint mapper for SAMR (and
 * for EMSMDB), binds SAMR over ncacn_ip_tcp with NTLM, Kerberos or SPNEGO
 * at LEVEL (connect, integrity or privacy), calls SamrConnect (opnum 0) and
 * SamrCloseHandle (opnum 1).  Every step prints one "key=value" line for
 * tests/interop/samba.sh; the server checks our signatures and sealing,
 * lib/dcerpc checks the server's.  Exit 0 when every step could be carried out (whatever the
 * server answered), 1 on a transport or protocol failure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "crypto.h"
#include "dcerpc.h"
#include "emsmdb.h"
#include "epm.h"
#include "kerberos.h"
#include "ntlm.h"
#include "probe.h"
#include "rpc_assoc.h"
#include "transport_http.h"
#include "transport_tcp.h"

#define DEADLINE_MS 20000
#define MAX_FRAG 5840
#define SAMR_CONNECT 0
#define SAMR_CLOSE_HANDLE 1
/* SAM_SERVER_CONNECT | SAM_SERVER_LOOKUP_DOMAIN */
#define SAMR_ACCESS 0x00000021u

/* 12345778-1234-abcd-ef00-0123456789ac v1.0 */
static const struct dcerpc_syntax samr_interface = {
	{ 0x78, 0x57, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab, 0xef, 0x00, 0x01,
	  0x23, 0x45, 0x67, 0x89, 0xac },
	1,
	0
};

struct stream {
	struct loop *loop;
	struct tcp_chan *ch;
	struct dcerpc_reader rd;
	int ended;
	char why[400];
	int64_t deadline;
};

static int on_data(void *ctx, struct tcp_chan *ch, const uint8_t *p, size_t n)
{
	struct stream *s = ctx;
	struct rpe_error err = { 0, "" };
	(void)ch;
	if (dcerpc_reader_feed(&s->rd, p, n, &err) < 0) {
		s->ended = 1;
		snprintf(s->why, sizeof(s->why), "%s", err.msg);
		return -1;
	}
	return 0;
}

static void on_done(void *ctx, struct tcp_chan *ch, enum loop_result res,
		    const char *msg)
{
	struct stream *s = ctx;
	(void)ch;
	(void)res;
	s->ended = 1;
	snprintf(s->why, sizeof(s->why), "%s", msg);
}

static int stream_open(struct stream *s, struct loop *loop, const char *host,
		       long port, const char *name)
{
	struct tcp_chan_cb cb = { s, NULL, on_data, on_done };
	struct tcp_params tp = { host, NULL, port, 0, name };
	struct rpe_error err = { 0, "" };

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->deadline = probe_now_ms() + DEADLINE_MS;
	dcerpc_reader_init(&s->rd);
	s->ch = tcp_chan_open(loop, &tp, &cb, &err);
	if (!s->ch) {
		printf("error=%s\n", err.msg);
		return -1;
	}
	return 0;
}

static void stream_close(struct stream *s)
{
	tcp_chan_close(s->ch);
	s->ch = NULL;
	dcerpc_reader_free(&s->rd);
}

/* Send one PDU and wait for the next whole PDU from the server. */
static int exchange(struct stream *s, const struct buf *out,
		    struct dcerpc_pdu *pdu)
{
	struct rpe_error err = { 0, "" };
	int rc;

	if (out && tcp_chan_send(s->ch, out->data, out->len) < 0)
		return -1;
	for (;;) {
		rc = dcerpc_reader_next(&s->rd, pdu, &err);
		if (rc > 0)
			return 0;
		if (rc < 0) {
			printf("error=%s\n", err.msg);
			return -1;
		}
		if (s->ended) {
			printf("error=%s\n", s->why);
			return -1;
		}
		if (probe_now_ms() > s->deadline) {
			printf("error=no answer within %d ms\n", DEADLINE_MS);
			return -1;
		}
		if (loop_run(s->loop, 200, &err) < 0) {
			printf("error=%s\n", err.msg);
			return -1;
		}
	}
}

/* Send out (when not empty), then feed the server's PDUs to the
 * association until it reports something; what it gives back to send (an
 * auth3 after the bind) goes out at once. */
static int assoc_wait(struct stream *s, struct rpc_assoc *a, struct buf *out,
		      struct rpc_assoc_event *ev)
{
	struct dcerpc_pdu pdu;
	int kind;

	do {
		if (exchange(s, out->len ? out : NULL, &pdu) < 0)
			return -1;
		buf_reset(out);
		kind = rpc_assoc_feed(a, &pdu, out, ev);
	} while (kind == RPC_ASSOC_EV_NONE);
	if (out->len && tcp_chan_send(s->ch, out->data, out->len) < 0)
		return -1;
	return kind;
}

/* Bind (every leg of the security context) and report it as
 * "<what>=accepted" or "<what>=failed <why>"; 1 bound, 0 refused, -1 when
 * the connection failed. */
static int assoc_bind(struct stream *s, struct rpc_assoc *a, const char *what)
{
	struct rpc_assoc_event ev;
	struct buf out;
	int kind = RPC_ASSOC_EV_FAILED;

	buf_init(&out, 65536);
	if (rpc_assoc_bind(a, &out, &ev) == 0)
		kind = assoc_wait(s, a, &out, &ev);
	buf_free(&out);
	if (kind < 0)
		return -1;
	if (kind != RPC_ASSOC_EV_BOUND) {
		printf("%s=failed %s\n", what, ev.msg);
		return 0;
	}
	printf("%s=accepted\n", what);
	if (a->sec)
		printf("samr_auth=complete\n");
	return 1;
}

/* Call and print "<what>=fault 0x..." for a fault; 1 with the answer's
 * stub in resp, 0 after a fault, -1 on failure. */
static int call(struct stream *s, struct rpc_assoc *a, uint16_t opnum,
		const struct buf *stub, const char *what, struct buf *resp)
{
	struct rpc_assoc_event ev;
	struct buf out;
	uint32_t id;
	int kind = RPC_ASSOC_EV_FAILED;

	buf_init(&out, 65536);
	if (rpc_assoc_call(a, opnum, stub->data, stub->len, &out, &id, &ev) == 0)
		kind = assoc_wait(s, a, &out, &ev);
	buf_free(&out);
	if (kind == RPC_ASSOC_EV_RESPONSE)
		return buf_put_bytes(resp, ev.stub, ev.stub_len) < 0 ? -1 : 1;
	if (kind == RPC_ASSOC_EV_FAULT) {
		printf("%s=fault 0x%08x %s\n", what, (unsigned)ev.status,
		       dcerpc_fault_name(ev.status));
		return 0;
	}
	if (kind == RPC_ASSOC_EV_FAILED)
		printf("error=%s: %s\n", what, ev.msg);
	return -1;
}

static uint32_t tail_status(const struct buf *b)
{
	const uint8_t *p = b->data + b->len - 4;
	return b->len < 4 ? 0xffffffffu :
			    (uint32_t)p[0] | (uint32_t)p[1] << 8 |
				    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int lookup(struct stream *s, struct rpc_assoc *a,
		  const struct dcerpc_syntax *iface, const char *what)
{
	struct rpe_error err = { 0, "" };
	struct epm_map_result r;
	struct buf stub, resp;
	int rc;

	buf_init(&stub, 4096);
	buf_init(&resp, 65536);
	rc = epm_encode_map_request(&stub, iface, EPM_MAX_TOWERS, &err);
	if (rc == 0)
		rc = call(s, a, EPM_OPNUM_MAP, &stub, what, &resp);
	if (rc == 1) {
		rc = epm_decode_map_response(resp.data, resp.len, iface, &r,
					     &err);
		if (rc < 0)
			printf("error=%s: %s\n", what, err.msg);
		else {
			printf("%s=%s towers=%u port=%u\n", what,
			       epm_status_name(r.status), (unsigned)r.num_towers,
			       r.found ? (unsigned)r.port : 0u);
			rc = r.found ? (int)r.port : 0;
		}
	}
	buf_free(&stub);
	buf_free(&resp);
	return rc;
}

struct tool_opts {
	const char *host, *user, *domain, *password;
	const char *auth, *spn, *keytab;
	long epm_port;
	int level, ccache;
};

/* SamrConnect, then SamrCloseHandle on the handle it gave. */
static int samr_calls(struct stream *s, struct rpc_assoc *a)
{
	struct buf stub, resp;
	uint8_t handle[20];
	int rc;

	buf_init(&stub, 4096);
	buf_init(&resp, 65536);
	/* SamrConnect(ServerName NULL, DesiredAccess) */
	buf_put_u32le(&stub, 0);
	buf_put_u32le(&stub, SAMR_ACCESS);
	rc = call(s, a, SAMR_CONNECT, &stub, "samr_connect", &resp);
	if (rc == 1 && resp.len != 24) {
		printf("error=SamrConnect answer of %zu bytes\n", resp.len);
		rc = -1;
	}
	if (rc == 1) {
		memcpy(handle, resp.data, 20);
		printf("samr_connect=status 0x%08x\n",
		       (unsigned)tail_status(&resp));
		buf_reset(&stub);
		buf_reset(&resp);
		buf_put_bytes(&stub, handle, 20);
		rc = call(s, a, SAMR_CLOSE_HANDLE, &stub, "samr_close", &resp);
		if (rc == 1)
			printf("samr_close=status 0x%08x\n",
			       (unsigned)tail_status(&resp));
	}
	buf_free(&stub);
	buf_free(&resp);
	return rc < 0 ? -1 : 0;
}

/* The endpoint mapper, without authentication: SAMR's port, or <= 0. */
static int epm_lookups(struct loop *loop, const struct tool_opts *o)
{
	struct stream s;
	struct rpc_assoc epm;
	int port = -1;

	rpc_assoc_init(&epm, "endpoint mapper", "endpoint mapper ",
		       &epm_interface, NULL, DCERPC_AUTH_LEVEL_NONE);
	if (stream_open(&s, loop, o->host, o->epm_port, "EPM") == 0 &&
	    assoc_bind(&s, &epm, "epm_bind") == 1) {
		port = lookup(&s, &epm, &samr_interface, "epm_samr");
		if (port > 0 &&
		    lookup(&s, &epm, &emsmdb_interface, "epm_emsmdb") < 0)
			port = -1;
	}
	stream_close(&s);
	rpc_assoc_free(&epm);
	return port;
}

/* Kerberos credentials and the service ticket as the options say, within
 * the deadline; NULL (printed) on failure. */
static struct kerb_creds *kerberos_creds(const struct tool_opts *o)
{
	struct rpe_error err = { 0, "" };
	struct kerb_cred_params p = { KERB_CRED_PASSWORD, o->user, o->domain,
				      o->password, o->keytab };
	struct kerb_prefetch pf = { o->spn, o->host, NULL };
	struct kerb_creds *kc;
	int timed_out;

	if (o->keytab)
		p.source = KERB_CRED_KEYTAB;
	else if (o->ccache)
		p.source = KERB_CRED_CCACHE;
	kc = kerb_creds_acquire_within(&p, &pf, DEADLINE_MS, &timed_out, &err);
	if (!kc)
		printf("creds=failed %s\n", err.msg);
	else
		printf("creds=ok %s\n", kerb_creds_principal(kc));
	return kc;
}

/* The security context from lib/auth's package table, as the probe makes
 * it: ntlm, kerberos, negotiate (SPNEGO with Kerberos when credentials
 * can be had, else NTLM alone, as the plugin falls back) or negotiate-ntlm
 * (SPNEGO with NTLM only).  NULL with nothing more to do (the KDC's
 * answer is the result) or an error printed. */
static struct secctx *make_secctx(const struct tool_opts *o,
				  struct kerb_creds **kc)
{
	struct rpe_error err = { 0, "" };
	struct auth_params ap = {
		.user = o->user,
		.domain = o->domain,
		.password = o->password,
		.spn = o->spn,
		.spn_server = o->host,
		.level = (uint8_t)o->level,
	};
	enum auth_package pkg = AUTH_PKG_NEGOTIATE;
	struct secctx *sec;

	if (!strcmp(o->auth, "ntlm"))
		pkg = AUTH_PKG_NTLM;
	else if (!strcmp(o->auth, "kerberos"))
		pkg = AUTH_PKG_KERBEROS;
	if (pkg != AUTH_PKG_NTLM && strcmp(o->auth, "negotiate-ntlm")) {
		*kc = kerberos_creds(o);
		if (!*kc && pkg == AUTH_PKG_KERBEROS)
			return NULL;
		if (!*kc)
			printf("spnego=ntlm alone\n");
	}
	ap.kerb = *kc;
	sec = auth_secctx_new(pkg, &ap, &err);
	if (!sec)
		printf("error=%s\n", err.msg);
	return sec;
}

/* SAMR bound with the chosen package; 0 when every step was carried out. */
static int samr_session(struct loop *loop, const struct tool_opts *o, int port)
{
	struct kerb_creds *kc = NULL;
	struct secctx *sec;
	struct rpc_assoc a;
	struct stream s;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	sec = make_secctx(o, &kc);
	if (!sec) {
		kerb_creds_free(kc);
		return kc || !strcmp(o->auth, "ntlm") ? -1 : 0;
	}
	/* One association drives any package's legs (bind, then auth3 or
	 * alter_context as the package says). */
	rpc_assoc_init(&a, "SAMR", "", &samr_interface, sec, (uint8_t)o->level);
	if (stream_open(&s, loop, o->host, port, "SAMR") == 0) {
		rc = assoc_bind(&s, &a, "samr_bind");
		if (rc == 1)
			printf("samr_mech=%s\n", secctx_display_name(sec));
		rc = rc == 1 ? samr_calls(&s, &a) : rc;
	}
	stream_close(&s);
	rpc_assoc_free(&a);
	auth_secctx_free(sec);
	kerb_creds_free(kc);
	return rc < 0 ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct tool_opts *o)
{
	int i = 1;

	memset(o, 0, sizeof(*o));
	o->auth = "ntlm";
	o->password = getenv("SAMR_PASSWORD");
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--auth"))
			o->auth = argv[i + 1];
		else if (!strcmp(argv[i], "--spn"))
			o->spn = argv[i + 1];
		else if (!strcmp(argv[i], "--keytab"))
			o->keytab = argv[i + 1];
		else if (!strcmp(argv[i], "--ccache") && (o->ccache = 1))
			i--;
		else
			return -1;
	}
	if (argc - i != 5 ||
	    (strcmp(o->auth, "ntlm") && strcmp(o->auth, "kerberos") &&
	     strcmp(o->auth, "negotiate") && strcmp(o->auth, "negotiate-ntlm")))
		return -1;
	o->host = argv[i];
	o->epm_port = atol(argv[i + 1]);
	o->level = !strcmp(argv[i + 2], "privacy") ? DCERPC_AUTH_LEVEL_PRIVACY :
		   !strcmp(argv[i + 2], "integrity") ?
						     DCERPC_AUTH_LEVEL_INTEGRITY :
		   !strcmp(argv[i + 2], "connect") ? DCERPC_AUTH_LEVEL_CONNECT :
						     0;
	o->user = argv[i + 3];
	o->domain = argv[i + 4];
	if (!o->level || (!o->password && (!strcmp(o->auth, "ntlm") ||
					   !strcmp(o->auth, "negotiate-ntlm") ||
					   (!o->keytab && !o->ccache))))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct rpe_error err = { 0, "" };
	struct loop *loop;
	struct tool_opts o;
	int port, status = 1;

	if (parse_args(argc, argv, &o) < 0) {
		fprintf(stderr,
			"usage: SAMR_PASSWORD=... %s [--auth ntlm|kerberos|negotiate|negotiate-ntlm] "
			"[--spn SPN] [--keytab FILE] [--ccache] HOST EPM-PORT "
			"connect|integrity|privacy USER DOMAIN\n",
			argv[0]);
		return 2;
	}
	if (crypto_init(&err) < 0 || !(loop = loop_new(&err))) {
		fprintf(stderr, "%s: cannot start: %s\n", argv[0], err.msg);
		return 2;
	}
	port = epm_lookups(loop, &o);
	if (port > 0 && samr_session(loop, &o, port) == 0)
		status = 0;
	loop_free(loop);
	crypto_cleanup();
	return status;
}
