/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: NTLM CHALLENGE parsing, and the AUTHENTICATE built from
 * whatever parsed (target info copied into the NTLMv2 blob). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "ntlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ntlm_client *c;
	struct ntlm_challenge ch;
	struct rpe_error err;
	struct buf out;

	if (!c) {
		struct ntlm_overrides ov;
		c = ntlm_client_new("user", "DOMAIN", "password", &err);
		if (!c)
			abort();
		memset(&ov, 0x11, sizeof(ov));
		ntlm_client_set_overrides(c, &ov);
	}
	if (ntlm_parse_challenge(data, size, &ch, &err) == 0 &&
	    ch.target_info_len > size)
		abort();
	buf_init(&out, 0);
	if (ntlm_client_negotiate(c, &out, &err) == 0) {
		buf_reset(&out);
		(void)ntlm_client_authenticate(c, data, size, &out, &err);
	}
	buf_free(&out);
	return 0;
}
