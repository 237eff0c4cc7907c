/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bare floors of the benchmark, linked with libcurl (and through it
 * OpenSSL) only:
 *   floor                     libcurl initialised, a multi handle made and
 *                             freed: what any libcurl program pays;
 *   floor N URL CAFILE        N concurrent HTTPS GETs of URL (certificate
 *                             verified against CAFILE), the answers
 *                             discarded: "floor4" is the TLS cost the four
 *                             connections of an RPC-over-HTTP probe pair
 *                             cannot avoid.
 * The plugin's cost is reported above these. */
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static int fetch(int n, const char *url, const char *ca)
{
	CURLM *m = curl_multi_init();
	CURL *e[16];
	int i, running = 0, rc = 0;
	CURLMsg *msg;

	if (!m || n < 1 || n > 16)
		return 1;
	for (i = 0; i < n; i++) {
		e[i] = curl_easy_init();
		if (!e[i])
			return 1;
		curl_easy_setopt(e[i], CURLOPT_URL, url);
		curl_easy_setopt(e[i], CURLOPT_CAINFO, ca);
		curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(e[i], CURLOPT_TIMEOUT, 20L);
		curl_multi_add_handle(m, e[i]);
	}
	for (;;) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			return 1;
		if (!running)
			break;
		if (curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
			return 1;
	}
	while ((msg = curl_multi_info_read(m, &i)))
		if (msg->msg == CURLMSG_DONE && msg->data.result != CURLE_OK) {
			fprintf(stderr, "floor: %s\n",
				curl_easy_strerror(msg->data.result));
			rc = 1;
		}
	for (i = 0; i < n; i++) {
		curl_multi_remove_handle(m, e[i]);
		curl_easy_cleanup(e[i]);
	}
	curl_multi_cleanup(m);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	if (argc == 4) {
		rc = fetch(atoi(argv[1]), argv[2], argv[3]);
	} else {
		CURLM *m = curl_multi_init();

		if (!m)
			rc = 1;
		curl_multi_cleanup(m);
	}
	curl_global_cleanup();
	return rc;
}
