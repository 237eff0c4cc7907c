/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --extra-opts ini files; see mp_ini.h. */
#define _POSIX_C_SOURCE 200809L /* access */
#include "mp_ini.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

/* --extra-opts --------------------------------------------------------------- */

void mp_ini_opts_free(struct mp_ini_opts *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->nargs; i++) {
		buf_wipe(o->args[i], strlen(o->args[i]));
		free(o->args[i]);
	}
	free(o->args);
	if (o->password) {
		buf_wipe(o->password, strlen(o->password));
		free(o->password);
	}
	memset(o, 0, sizeof(*o));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

static int ini_add(struct mp_ini_opts *o, const char *k, size_t kn,
		   const char *v, size_t vn, bool has_value)
{
	char **na, *arg;
	size_t len, pos = 0;

	if (kn == 8 && memcmp(k, "password", 8) == 0) {
		char *pw = malloc(vn + 1);
		if (!pw)
			return RPE_ERR_NOMEM;
		memcpy(pw, v, vn);
		pw[vn] = '\0';
		if (o->password) {
			buf_wipe(o->password, strlen(o->password));
			free(o->password);
		}
		o->password = pw;
		return 0;
	}
	/* "--" + key + "=" + value + NUL; every term is bounded by the
	 * line length, so no overflow. */
	len = 2 + kn + 1 + vn + 1;
	arg = malloc(len);
	if (!arg)
		return RPE_ERR_NOMEM;
	arg[pos++] = '-';
	if (kn > 1)
		arg[pos++] = '-';
	memcpy(arg + pos, k, kn);
	pos += kn;
	if (has_value && vn) {
		if (kn > 1)
			arg[pos++] = '=';
		memcpy(arg + pos, v, vn);
		pos += vn;
	}
	arg[pos] = '\0';
	na = realloc(o->args, (o->nargs + 1) * sizeof(*na));
	if (!na) {
		free(arg);
		return RPE_ERR_NOMEM;
	}
	o->args = na;
	o->args[o->nargs++] = arg;
	return 0;
}

int mp_ini_parse(const char *text, size_t n, const char *section,
		 struct mp_ini_opts *o, struct rpe_error *err)
{
	enum { NONE, OTHER, MINE } st = NONE;
	size_t pos = 0, lineno = 0, seclen;

	if (!section || (n && !text))
		return rpe_fail(err, RPE_ERR_ARG, "bad ini arguments");
	seclen = strlen(section);
	if (memchr(text ? text : "", '\0', n))
		return rpe_fail(err, RPE_ERR_PROTO,
				"config file contains a NUL byte");
	while (pos < n) {
		const char *ls = text + pos, *le, *nl;
		size_t linelen;

		lineno++;
		nl = memchr(ls, '\n', n - pos);
		le = nl ? nl : text + n;
		linelen = (size_t)(le - ls);
		pos += linelen + (nl ? 1 : 0);
		if (linelen > MP_INI_LINE_MAX)
			return rpe_fail(err, RPE_ERR_PROTO,
					"config file line %zu is too long",
					lineno);
		trim(&ls, &le);
		if (ls == le || *ls == '#' || *ls == ';')
			continue;
		if (*ls == '[') {
			const char *ns = ls + 1,
				   *ne = memchr(ns, ']', (size_t)(le - ns));
			if (!ne)
				return rpe_fail(err, RPE_ERR_PROTO,
						"config file line %zu: "
						"unterminated section header",
						lineno);
			trim(&ns, &ne);
			if ((size_t)(ne - ns) == seclen &&
			    memcmp(ns, section, seclen) == 0) {
				st = MINE;
				o->section_found = true;
			} else {
				st = OTHER;
			}
			continue;
		}
		if (st == NONE)
			return rpe_fail(err, RPE_ERR_PROTO,
					"config file line %zu: option outside "
					"any section",
					lineno);
		if (st == OTHER)
			continue;
		{
			const char *eq = memchr(ls, '=', (size_t)(le - ls));
			const char *ks = ls, *ke = eq ? eq : le;
			const char *vs = eq ? eq + 1 : le, *ve = le;
			int rc;

			trim(&ks, &ke);
			trim(&vs, &ve);
			if (ks == ke)
				return rpe_fail(err, RPE_ERR_PROTO,
						"config file line %zu: "
						"missing option name",
						lineno);
			if (ve - vs >= 2 && (*vs == '"' || *vs == '\'') &&
			    ve[-1] == *vs) {
				vs++;
				ve--;
			}
			rc = ini_add(o, ks, (size_t)(ke - ks), vs,
				     (size_t)(ve - vs), eq != NULL);
			if (rc < 0)
				return rpe_fail(err, rc, "out of memory");
		}
	}
	return 0;
}

static bool file_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

int mp_ini_default_file(char *out, size_t n, struct rpe_error *err)
{
	static const char *const names[] = { "monitoring-plugins.ini",
					     "plugins.ini",
					     "nagios-plugins.ini" };
	static const char *const paths[] = {
		"/usr/local/etc/monitoring-plugins/monitoring-plugins.ini",
		"/usr/local/etc/monitoring-plugins.ini",
		"/etc/monitoring-plugins/monitoring-plugins.ini",
		"/etc/monitoring-plugins.ini",
		/* deprecated locations, still searched by monitoring-plugins */
		"/etc/nagios/plugins.ini",
		"/usr/local/nagios/etc/plugins.ini",
		"/usr/local/etc/nagios/plugins.ini",
		"/etc/opt/nagios/plugins.ini",
		"/etc/nagios-plugins.ini",
		"/usr/local/etc/nagios-plugins.ini",
		"/etc/opt/nagios-plugins.ini",
	};
	const char *env = getenv("MP_CONFIG_FILE");
	size_t i;

	/* Like parse_ini.c, $MP_CONFIG_FILE is taken as is, even if the file
	 * turns out to be missing: the user asked for that file. */
	if (env && env[0]) {
		if ((size_t)snprintf(out, n, "%s", env) >= n)
			return rpe_fail(err, RPE_ERR_ARG,
					"MP_CONFIG_FILE is too long");
		return 0;
	}
	env = getenv("NAGIOS_CONFIG_PATH");
	while (env && *env) {
		size_t dl = strcspn(env, ":");
		for (i = 0; dl && i < sizeof(names) / sizeof(names[0]); i++) {
			int w = snprintf(out, n, "%.*s/%s", (int)dl, env,
					 names[i]);
			if (w > 0 && (size_t)w < n && file_exists(out))
				return 0;
		}
		env += dl;
		if (*env == ':')
			env++;
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (file_exists(paths[i]) &&
		    (size_t)snprintf(out, n, "%s", paths[i]) < n)
			return 0;
	}
	if (n)
		out[0] = '\0';
	return rpe_fail(err, RPE_ERR_ARG,
			"--extra-opts: cannot find a config file in any "
			"standard location (set MP_CONFIG_FILE or use "
			"section@file)");
}

static int read_file(const char *path, struct buf *b, struct rpe_error *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t *space;
	size_t got;

	if (!f)
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: cannot read config file '%s': %s",
				path, strerror(errno));
	for (;;) {
		if (buf_put_space(b, 4096, &space) < 0) {
			fclose(f);
			return rpe_fail(err, RPE_ERR_TOOBIG,
					"--extra-opts: config file '%s' is "
					"larger than %u bytes",
					path, MP_INI_FILE_MAX);
		}
		got = fread(space, 1, 4096, f);
		b->len -= 4096 - got;
		if (got < 4096)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: error reading '%s'", path);
	}
	fclose(f);
	return 0;
}

/* Section and file named by "[section][@file]". */
static int ini_locate(const char *locator, const char *default_section,
		      char *section, size_t sn, char *path, size_t pn,
		      struct rpe_error *err)
{
	const char *at = locator ? strchr(locator, '@') : NULL;
	size_t slen =
		locator ? (at ? (size_t)(at - locator) : strlen(locator)) : 0;
	int w = slen ? snprintf(section, sn, "%.*s", (int)slen, locator) :
		       snprintf(section, sn, "%s", default_section);

	if (w < 0 || (size_t)w >= sn)
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: section name too long");
	if (!at)
		return mp_ini_default_file(path, pn, err);
	if (!at[1])
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: empty file name after '@'");
	if ((size_t)snprintf(path, pn, "%s", at + 1) >= pn)
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: file name too long");
	return 0;
}

static int load_section(struct buf *b, const char *path, const char *section,
			struct mp_ini_opts *o, struct rpe_error *err)
{
	struct rpe_error e;

	TRY(read_file(path, b, err));
	if (b->len > MP_INI_FILE_MAX)
		return rpe_fail(err, RPE_ERR_TOOBIG,
				"--extra-opts: config file '%s' is larger than "
				"%u bytes",
				path, MP_INI_FILE_MAX);
	if (mp_ini_parse((const char *)b->data, b->len, section, o, &e) < 0)
		return rpe_fail(err, e.code, "--extra-opts: %.100s: %s", path,
				e.msg);
	if (!o->section_found)
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: no section [%s] in config file '%s'",
				section, path);
	return 0;
}

int mp_ini_load(const char *locator, const char *default_section,
		struct mp_ini_opts *o, struct rpe_error *err)
{
	char path[4096], section[256];
	struct buf b;
	int rc;

	o->section_found = false;
	TRY(ini_locate(locator, default_section, section, sizeof(section), path,
		       sizeof(path), err));
	buf_init(&b, MP_INI_FILE_MAX + 4096);
	rc = load_section(&b, path, section, o, err);
	buf_free(&b);
	return rc;
}

void mp_extra_opts_free(struct mp_extra_opts *eo)
{
	if (!eo)
		return;
	mp_ini_opts_free(&eo->ini);
	free(eo->argv);
	eo->argv = NULL;
	eo->argc = 0;
	eo->used = false;
}

int mp_extra_opts_apply(int argc, char **argv, const char *default_section,
			struct mp_extra_opts *eo, struct rpe_error *err)
{
	char **rest;
	size_t nrest = 0, i, total;
	int a, rc = 0;

	memset(eo, 0, sizeof(*eo));
	if (argc < 1)
		return rpe_fail(err, RPE_ERR_ARG, "empty argv");
	rest = calloc((size_t)argc, sizeof(*rest));
	if (!rest)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");

	for (a = 1; a < argc && rc == 0; a++) {
		const char *loc = NULL;
		bool found = false;

		if (strcmp(argv[a], "--") == 0) {
			/* Operands: leave them, and everything after, alone. */
			for (; a < argc; a++)
				rest[nrest++] = argv[a];
			break;
		}
		if (strncmp(argv[a], "--extra-opts=", 13) == 0) {
			loc = argv[a] + 13;
			found = true;
		} else if (strcmp(argv[a], "--extra-opts") == 0) {
			found = true;
			if (a + 1 < argc && argv[a + 1][0] != '-')
				loc = argv[++a];
		}
		if (!found) {
			rest[nrest++] = argv[a];
			continue;
		}
		eo->used = true;
		rc = mp_ini_load(loc, default_section, &eo->ini, err);
		eo->ini.section_found = false; /* per-load flag */
	}
	if (rc < 0) {
		free(rest);
		mp_ini_opts_free(&eo->ini);
		return rc;
	}

	total = 1 + eo->ini.nargs + nrest;
	eo->argv = calloc(total + 1, sizeof(*eo->argv));
	if (!eo->argv) {
		free(rest);
		mp_ini_opts_free(&eo->ini);
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	}
	eo->argv[0] = argv[0];
	for (i = 0; i < eo->ini.nargs; i++)
		eo->argv[1 + i] = eo->ini.args[i];
	for (i = 0; i < nrest; i++)
		eo->argv[1 + eo->ini.nargs + i] = rest[i];
	eo->argv[total] = NULL;
	eo->argc = (int)total;
	free(rest);
	return 0;
}
