/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs CHANNELS concurrent HTTP NTLM handshakes with lib/transport_ntlm on
 * one libcurl multi handle against an RPC proxy URL (RPC_IN_DATA: leg one
 * without a body, leg two with a small one) and prints, per channel:
 *
 *   chan N status S scheme X bound B challenge_port P authenticate_port Q
 *   chan N error MESSAGE
 *
 * Usage: ntlm_http_tool URL CAFILE USER DOMAIN PASSWORD CHANNELS [negotiate]
 * (the password comes from the environment variable NTLM_HTTP_PASSWORD
 * when PASSWORD is "-"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"
#include "crypto.h"
#include "transport_ntlm.h"

#define MAX_CHANNELS 8

struct chan {
	CURL *easy;
	struct tr_ntlm *ntlm;
	int id, done;
};

static size_t on_header(char *p, size_t size, size_t n, void *userp)
{
	struct chan *c = userp;
	struct curl_tlssessioninfo *ti = NULL;
	uint8_t cbt[16];

	tr_ntlm_on_header(c->ntlm, c->easy, p, size * n);
	/* The binding of the connection this answer came on (the plugin
	 * reads it through lib/tlsinfo). */
	if (size * n >= 5 && !memcmp(p, "HTTP/", 5) &&
	    curl_easy_getinfo(c->easy, CURLINFO_TLS_SSL_PTR, &ti) == CURLE_OK &&
	    ti && ti->backend == CURLSSLBACKEND_OPENSSL &&
	    cbt_from_ssl(ti->internals, NULL, cbt, NULL) == 0)
		tr_ntlm_set_binding(c->ntlm, cbt);
	return size * n;
}

static size_t on_write(char *p, size_t size, size_t n, void *userp)
{
	(void)p;
	(void)userp;
	return size * n;
}

static int setup(struct chan *c, char **argv, int id, struct rpe_error *err)
{
	const char *pw = strcmp(argv[5], "-") ? argv[5] :
						getenv("NTLM_HTTP_PASSWORD");
	struct http_ntlm_params p = { argv[3],     argv[4], pw ? pw : "",
				      "localhost", 0,       argv[7] != NULL,
				      NULL };

	c->id = id;
	c->easy = curl_easy_init();
	c->ntlm = tr_ntlm_new(&p, err);
	if (!c->easy || !c->ntlm || tr_ntlm_attach(c->ntlm, c->easy, err) < 0 ||
	    tr_ntlm_begin(c->ntlm, err) < 0)
		return -1;
	curl_easy_setopt(c->easy, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c->easy, CURLOPT_CAINFO, argv[2]);
	curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, "RPC_IN_DATA");
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(c->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->easy, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER,
			 tr_ntlm_header_node(c->ntlm));
	return 0;
}

/* A finished transfer: the next leg, or the channel's line. */
static int next_leg(CURLM *m, struct chan *c, struct rpe_error *err)
{
	long st = 0;
	int rc;

	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &st);
	curl_multi_remove_handle(m, c->easy);
	rc = tr_ntlm_on_done(c->ntlm, st, err);
	if (rc == HTTP_NTLM_SEND_NEGOTIATE || rc == HTTP_NTLM_SEND_AUTHENTICATE) {
		if (rc == HTTP_NTLM_SEND_AUTHENTICATE) {
			/* More than 16 bytes: a shorter body is an echo
			 * request (MS-RPCH 2.1.2.1.5), answered 200. */
			curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS,
					 "0123456789abcdefghijklmn");
			curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, 24L);
		}
		curl_multi_add_handle(m, c->easy);
		return 1;
	}
	if (rc < 0)
		printf("chan %d error %s\n", c->id, err->msg);
	else
		printf("chan %d status %ld scheme %s bound %d challenge_port %ld authenticate_port %ld\n",
		       c->id, st, tr_ntlm_scheme(c->ntlm),
		       tr_ntlm_bound(c->ntlm), tr_ntlm_challenge_port(c->ntlm),
		       tr_ntlm_authenticate_port(c->ntlm));
	c->done = 1;
	return 0;
}

static void run(CURLM *m, int n)
{
	struct rpe_error err = { 0, "" };
	int running = n, rounds;

	for (rounds = 0; running && rounds < 3000; rounds++) {
		CURLMsg *msg;
		int q, still;
		curl_multi_perform(m, &still);
		while ((msg = curl_multi_info_read(m, &q))) {
			struct chan *c = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&c);
			if (msg->data.result != CURLE_OK) {
				printf("chan %d error %s\n", c->id,
				       curl_easy_strerror(msg->data.result));
				curl_multi_remove_handle(m, c->easy);
				c->done = 1;
				running--;
			} else if (!next_leg(m, c, &err)) {
				running--;
			}
		}
		if (running)
			curl_multi_poll(m, NULL, 0, 10, NULL);
	}
}

int main(int argc, char **argv)
{
	struct chan ch[MAX_CHANNELS];
	struct rpe_error err = { 0, "" };
	CURLM *m;
	int n, i, status = 0;

	if (argc < 7 || argc > 8 || (n = atoi(argv[6])) < 1 || n > MAX_CHANNELS)
		return 2;
	if (crypto_init(&err) < 0 || curl_global_init(CURL_GLOBAL_DEFAULT))
		return 2;
	memset(ch, 0, sizeof(ch));
	m = curl_multi_init();
	for (i = 0; i < n; i++) {
		if (setup(&ch[i], argv, i, &err) < 0) {
			printf("chan %d error %s\n", i, err.msg);
			return 1;
		}
		curl_multi_add_handle(m, ch[i].easy);
	}
	run(m, n);
	for (i = 0; i < n; i++) {
		status |= !ch[i].done;
		curl_multi_remove_handle(m, ch[i].easy);
		curl_easy_cleanup(ch[i].easy);
		tr_ntlm_free(ch[i].ntlm);
	}
	curl_multi_cleanup(m);
	curl_global_cleanup();
	crypto_cleanup();
	return status;
}
