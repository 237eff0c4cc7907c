/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: what --posture reads from a server, on arbitrary
 * bytes: the X-OWA-Version value (posture_build_name), the offered
 * schemes and every other text field of a door, judged by
 * posture_evaluate with every check; and the --posture/--tls-floor
 * option parsers.  Built by tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "posture.h"

static void take(char *dst, size_t n, const uint8_t **p, size_t *left)
{
	size_t k = *left < n - 1 ? *left : n - 1;

	memcpy(dst, *p, k);
	dst[k] = '\0';
	*p += k;
	*left -= k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct posture_options o = { POSTURE_ALL, 0, POSTURE_TLS13 };
	struct posture_input in;
	struct posture_report r;
	struct cert_strength c;
	struct rpe_error err;
	char name[96], text[64];
	const uint8_t *p = data;
	size_t left = size;
	unsigned bits;
	int v, d;

	if (size < 4)
		return 0;
	memset(&in, 0, sizeof(in));
	memset(&c, 0, sizeof(c));
	o.tls_floor = p[0] % POSTURE_TLS_COUNT;
	o.critical = p[1] & 1;
	in.tls = p[1] & 2;
	in.insecure = p[1] & 4;
	in.tls_seen.verify_tried = p[1] & 8;
	in.tls_seen.verify_failed = p[1] & 16;
	for (v = 0; v < POSTURE_TLS_COUNT; v++) {
		in.tls_seen.tried[v] = p[2] >> v & 1;
		in.tls_seen.accepted[v] = p[2] >> (v + 4) & 1;
	}
	c.have = p[3] & 1;
	c.key_bits = p[3] * 16;
	c.n = p[3] % (CERT_CHAIN_MAX + 1);
	p += 4;
	left -= 4;
	take(text, sizeof(text), &p, &left);
	if (posture_build_name(text, name, sizeof(name)) > 0 && !name[0])
		__builtin_trap();
	(void)posture_parse_checks(text, &bits, &err);
	(void)posture_parse_tls_floor(text, &v, &err);
	take(c.key_type, sizeof(c.key_type), &p, &left);
	for (v = 0; v < c.n; v++)
		take(c.digest[v], sizeof(c.digest[v]), &p, &left);
	in.cert = &c;
	for (d = 0; d < POSTURE_DOOR_COUNT; d++) {
		struct posture_door_seen *s = &in.door[d];
		s->used = 1;
		s->answered = s->ep_answered = s->ep_sent = s->bound_ok = 1;
		s->ep_status = left ? 200 + p[0] : 401;
		take(s->offered, sizeof(s->offered), &p, &left);
		take(s->owa_version, sizeof(s->owa_version), &p, &left);
		take(s->ep_error, sizeof(s->ep_error), &p, &left);
	}
	in.server = "EXCH01";
	posture_evaluate(&o, &in, &r);
	if (r.n > POSTURE_ITEMS_MAX || r.findings > r.n ||
	    (r.findings && r.state != (o.critical ? 2 : 1)))
		__builtin_trap();
	return 0;
}
