/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Configuration helpers; see probe_config.h. */
#define _POSIX_C_SOURCE 200809L
#include "probe_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void probe_config_init(struct probe_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tls = true;
	c->rpc_port = CFG_DEFAULT_RPC_PORT;
	c->expect = CFG_EXPECT_REQUIRED;
	c->probe = CFG_PROBE_BOTH;
	c->unencrypted_level = CFG_UNENC_CONNECT;
	c->http_auth = CFG_HTTP_AUTH_ANY;
	c->ip_family = CFG_IP_ANY;
	mp_deadline_init(&c->deadline);
}

static void free_str(char **p, bool secret)
{
	if (*p) {
		if (secret)
			buf_wipe(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void probe_config_free(struct probe_config *c)
{
	if (!c)
		return;
	free_str(&c->password, true);
	free_str(&c->hostname, false);
	free_str(&c->ip_address, false);
	free_str(&c->rpc_server, false);
	free_str(&c->proxy_path, false);
	free_str(&c->proxy, false);
	free_str(&c->user, false);
	free_str(&c->username, false);
	free_str(&c->domain, false);
	free_str(&c->mailbox_dn, false);
	free_str(&c->client_version, false);
	free_str(&c->ca_file, false);
	free_str(&c->client_cert, false);
	free_str(&c->client_key, false);
}

int probe_config_set_str(char **slot, const char *s, bool secret)
{
	char *copy = NULL;

	if (s) {
		copy = strdup(s);
		if (!copy)
			return RPE_ERR_NOMEM;
	}
	free_str(slot, secret);
	*slot = copy;
	return 0;
}

static int parse_choice(const char *s, const char *const *names, int n,
			const char *what, const char *choices, int *out,
			struct rpe_error *err)
{
	int i;

	for (i = 0; s && i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return rpe_fail(err, RPE_ERR_ARG, "invalid %s '%.64s' (choose %s)", what,
			s ? s : "", choices);
}

static const char *const expect_names[] = { "required", "optional", "any" };
static const char *const probe_names[] = { "both", "encrypted", "unencrypted" };
static const char *const unenc_names[] = { "connect", "integrity" };
static const char *const auth_names[] = { "any", "basic", "ntlm", "negotiate" };
static const char *const transport_names[] = { "http", "tcp" };

#define NAMES(a) a, (int)(sizeof(a) / sizeof(a[0]))

int cfg_parse_expect(const char *s, enum cfg_expect *out, struct rpe_error *err)
{
	int v;
	TRY(parse_choice(s, NAMES(expect_names), "--expect",
			 "required, optional or any", &v, err));
	*out = (enum cfg_expect)v;
	return 0;
}

int cfg_parse_probe(const char *s, enum cfg_probe *out, struct rpe_error *err)
{
	int v;
	TRY(parse_choice(s, NAMES(probe_names), "--probe",
			 "both, encrypted or unencrypted", &v, err));
	*out = (enum cfg_probe)v;
	return 0;
}

int cfg_parse_unenc_level(const char *s, enum cfg_unenc_level *out,
			  struct rpe_error *err)
{
	int v;
	TRY(parse_choice(s, NAMES(unenc_names), "--unencrypted-level",
			 "connect or integrity", &v, err));
	*out = (enum cfg_unenc_level)v;
	return 0;
}

int cfg_parse_http_auth(const char *s, enum cfg_http_auth *out,
			struct rpe_error *err)
{
	int v;
	TRY(parse_choice(s, NAMES(auth_names), "--http-auth",
			 "any, basic, ntlm or negotiate", &v, err));
	*out = (enum cfg_http_auth)v;
	return 0;
}

int cfg_parse_transport(const char *s, enum cfg_transport *out,
			struct rpe_error *err)
{
	int v;
	TRY(parse_choice(s, NAMES(transport_names), "--transport",
			 "http or tcp", &v, err));
	*out = (enum cfg_transport)v;
	return 0;
}

const char *cfg_transport_name(enum cfg_transport v)
{
	return (unsigned)v < 2 ? transport_names[v] : "?";
}

const char *cfg_expect_name(enum cfg_expect v)
{
	return (unsigned)v < 3 ? expect_names[v] : "?";
}

const char *cfg_probe_name(enum cfg_probe v)
{
	return (unsigned)v < 3 ? probe_names[v] : "?";
}

const char *cfg_unenc_level_name(enum cfg_unenc_level v)
{
	return (unsigned)v < 2 ? unenc_names[v] : "?";
}

const char *cfg_http_auth_name(enum cfg_http_auth v)
{
	return (unsigned)v < 4 ? auth_names[v] : "?";
}

/* Decimal digits only, value <= max; no sign, no blanks, no leading '+'. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (!s || !*s)
		return RPE_ERR_ARG;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return RPE_ERR_ARG;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return RPE_ERR_ARG;
	}
	*out = v;
	return 0;
}

int cfg_parse_port(const char *s, const char *what, unsigned *out,
		   struct rpe_error *err)
{
	unsigned long v;

	if (parse_uint(s, 65535, &v) < 0 || v == 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid %s '%.32s' (must be 1..65535)", what,
				s ? s : "");
	*out = (unsigned)v;
	return 0;
}

int cfg_parse_client_version(const char *s, unsigned parts[4], unsigned *nparts,
			     struct rpe_error *err)
{
	unsigned n = 0, tmp[4] = { 0, 0, 0, 0 };
	const char *p = s;

	if (!s)
		return rpe_fail(err, RPE_ERR_ARG, "missing --client-version");
	for (;;) {
		char part[8];
		size_t len = strcspn(p, ".");
		unsigned long v;

		if (n == 4 || len == 0 || len >= sizeof(part))
			goto bad;
		memcpy(part, p, len);
		part[len] = '\0';
		if (parse_uint(part, 65535, &v) < 0)
			goto bad;
		tmp[n++] = (unsigned)v;
		p += len;
		if (!*p)
			break;
		p++; /* '.' */
	}
	if (n < 3)
		goto bad;
	memcpy(parts, tmp, sizeof(tmp));
	*nparts = n;
	return 0;
bad:
	return rpe_fail(err, RPE_ERR_ARG,
			"invalid --client-version '%.32s' (want a.b.c or "
			"a.b.c.d, each 0..65535, e.g. %s)",
			s, CFG_DEFAULT_CLIENT_VERSION);
}

int cfg_split_user(struct probe_config *c, struct rpe_error *err)
{
	const char *u = c->user, *sep;
	char *name = NULL, *dom = NULL;
	enum cfg_user_form form;

	if (!u || !*u)
		return rpe_fail(err, RPE_ERR_ARG, "missing user name (-u)");
	if ((sep = strchr(u, '\\')) != NULL) {
		form = CFG_USER_DOWNLEVEL;
		dom = strndup(u, (size_t)(sep - u));
		name = strdup(sep + 1);
	} else if ((sep = strrchr(u, '@')) != NULL) {
		form = CFG_USER_UPN;
		name = strndup(u, (size_t)(sep - u));
		dom = strdup(sep + 1);
	} else {
		form = CFG_USER_BARE;
		name = strdup(u);
		dom = strdup("");
	}
	if (!name || !dom) {
		free(name);
		free(dom);
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	}
	if (!*name || (form != CFG_USER_BARE && !*dom) ||
	    strchr(name, '\\') || (form == CFG_USER_DOWNLEVEL && strchr(dom, '@'))) {
		free(name);
		free(dom);
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid user '%.64s' (use DOMAIN\\user or "
				"user@domain)", u);
	}
	free(c->username);
	free(c->domain);
	c->username = name;
	c->domain = dom;
	c->user_form = form;
	return 0;
}

int cfg_read_password_file(const char *path, char **out, struct rpe_error *err)
{
	char buf[CFG_PASSWORD_MAX + 2];
	size_t n;
	FILE *f;
	int rc = 0;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return rpe_fail(err, RPE_ERR_ARG,
				"cannot read password file '%.200s': %s", path,
				strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f))
		rc = rpe_fail(err, RPE_ERR_ARG,
			      "cannot read password file '%.200s'", path);
	fclose(f);
	if (rc == 0) {
		if (n && buf[n - 1] == '\n') {
			n--;
			if (n && buf[n - 1] == '\r')
				n--;
		}
		if (n > CFG_PASSWORD_MAX)
			rc = rpe_fail(err, RPE_ERR_ARG,
				      "password file '%.200s' is longer than "
				      "%d bytes", path, CFG_PASSWORD_MAX);
		else if (n == 0)
			rc = rpe_fail(err, RPE_ERR_ARG,
				      "password file '%.200s' is empty", path);
		else if (memchr(buf, '\0', n))
			rc = rpe_fail(err, RPE_ERR_ARG,
				      "password file '%.200s' contains a NUL "
				      "byte", path);
	}
	if (rc == 0) {
		*out = malloc(n + 1);
		if (!*out) {
			rc = rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		} else {
			memcpy(*out, buf, n);
			(*out)[n] = '\0';
		}
	}
	buf_wipe(buf, sizeof(buf));
	return rc;
}
