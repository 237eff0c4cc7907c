/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The side of the event loop that sources see (docs/architecture.md, "The
 * loop and its sources"): the source interface and the libcurl helpers
 * every source shares.  Included only by loop.c and transport_*.c, the
 * users of libcurl. */
#ifndef RPE_LOOP_SOURCE_H
#define RPE_LOOP_SOURCE_H

#include <curl/curl.h>

#include "loop.h"
#include "tlsinfo.h"

/* Upper bound on extra sockets polled at once (two probes need four). */
#define LOOP_MAX_FDS 16

struct loop_source;

struct loop_source_ops {
	/* The source's easy handle finished (CURLMSG_DONE); rc is its
	 * result.  For a connect-only handle this is "connected". */
	void (*done)(struct loop_source *src, CURLcode rc);
	/* Before the loop waits: hand queued bytes over (resume a paused
	 * upload, write to a socket).  Return 1 when work was handed to
	 * libcurl that must run before any wait. */
	int (*prepare)(struct loop_source *src);
	/* A socket of the source's own to wait on with libcurl's; return 1
	 * and fill *fd, or 0 for none (now). */
	int (*wait_fd)(struct loop_source *src, struct curl_waitfd *fd);
	/* After the wait: move bytes on that socket. */
	void (*events)(struct loop_source *src);
	/* Teardown of a loop whose owner left the source open: free it. */
	void (*destroy)(struct loop_source *src);
};

/* Embedded first in each source's own struct. */
struct loop_source {
	const struct loop_source_ops *ops;
	struct loop *loop;
	CURL *easy;
	const char *name; /* trace prefix: "IN", "OUT", "EPM" ... */
	struct loop_source *next;
	int in_multi;
	struct tls_seen *tls; /* TLS sources: what the handshakes showed */
};

/* An easy handle for src with what every source needs: CURLOPT_PRIVATE
 * (the dispatch), no signals, the error buffer, TCP_NODELAY, the share
 * handle and, at -vvv, libcurl's trace with credentials redacted.  src is
 * initialised (ops, loop, name) but not registered yet. */
CURL *loop_easy_new(struct loop *loop, struct loop_source *src,
		    const struct loop_source_ops *ops, const char *name,
		    char *errbuf, struct rpe_error *err);
/* Register src: its easy handle (if any) joins the multi handle. */
int loop_add(struct loop_source *src, struct rpe_error *err);
/* Unregister src and clean up its easy handle (closing its connection).
 * Never from inside the loop's calls into that source. */
void loop_remove(struct loop_source *src);
/* Run src's easy handle again after its transfer finished (the next leg of
 * an HTTP authentication), keeping its connection; callable from `done`. */
int loop_restart(struct loop_source *src, struct rpe_error *err);

/* Facts one source learnt that the others of the run act on. */
#define LOOP_NOTE_NO_HTTP_AUTH 1u /* the proxy asks for no HTTP auth */
void loop_note(struct loop *loop, unsigned note);
unsigned loop_notes(const struct loop *loop);

/* Shared curl helpers ------------------------------------------------------ */

/* Set one option; a refusal becomes RPE_ERR_UNSUPPORTED naming it. */
#define LOOP_SETOPT(easy, opt, val, err)                                       \
	(curl_easy_setopt((easy), opt, (val)) == CURLE_OK ?                    \
		 0 :                                                           \
		 rpe_fail((err), RPE_ERR_UNSUPPORTED,                          \
			  "libcurl rejected option %s", #opt))

enum loop_result loop_classify(CURLcode rc);

/* A transfer that ended because the answer was no HTTP (libcurl's
 * "Received HTTP/0.9 when not allowed", a weird server reply): one wording
 * for every request, "the answer to <request> is not HTTP: is this port
 * <service> (a TLS or SSH service, an RPC/TCP port)?".  Returns 1 and
 * fills out when rc is such an end, else 0. */
int loop_not_http(CURLcode rc, const char *request, const char *service,
		  char *out, size_t n);

/* A CURLINFO_*_TIME_T of the handle in microseconds; -1 when that step
 * did not happen (yet). */
int64_t loop_info_us(CURL *easy, CURLINFO what);

/* -4/-6 (CURLOPT_IPRESOLVE) and -I (CURLOPT_CONNECT_TO to connect_ip:port,
 * keeping host for the URL, Host header and TLS name) on one handle;
 * *connect_to is the list to free with the handle. */
int loop_route(CURL *easy, int ip_version, const char *connect_ip, long port,
	       struct curl_slist **connect_to, struct rpe_error *err);

/* Certificate verification against the run's one CA store (ca_file, or
 * the system's when NULL), loaded on first use. */
int loop_use_ca(struct loop *loop, CURL *easy, const char *ca_file,
		struct rpe_error *err);

/* Record what each TLS handshake of src shows (version, cipher, the leaf
 * certificate even when verification fails) in *seen, which must live as
 * long as src.  Works with and without loop_use_ca. */
int loop_watch_tls(struct loop_source *src, struct tls_seen *seen,
		   struct rpe_error *err);

#endif
