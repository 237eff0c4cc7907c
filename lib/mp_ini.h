/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --extra-opts: options from a section of a Monitoring Plugins ini file
 * (monitoring-plugins lib/parse_ini.c and lib/extra_opts.c).  The only part
 * of lib/mp* that reads files or the environment. */
#ifndef RPE_MP_INI_H
#define RPE_MP_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* --extra-opts --------------------------------------------------------------- */

/* Result of reading one ini section: argv-style options in file order, plus
 * the password captured from a `password=` key (which never becomes an
 * argv element, so it cannot show up in ps). */
struct mp_ini_opts {
	char **args; /* "--key=value", "--flag", "-kvalue", "-f" */
	size_t nargs;
	char *password; /* NULL if absent; wipe with mp_ini_opts_free */
	bool section_found;
};

void mp_ini_opts_free(struct mp_ini_opts *o);

/* Parse ini text (n bytes, not necessarily NUL-terminated) and append the
 * options of `section` to o.  Follows monitoring-plugins parse_ini.c:
 *   - '#' and ';' start comment lines; blank lines are ignored;
 *   - "[ name ]" starts a section (blanks inside the brackets are trimmed);
 *     a section may appear several times, its options accumulate;
 *   - "key = value": blanks around key and value are trimmed; the key may
 *     contain inner spaces; "key=" becomes the flag "--key";
 *   - a key of one character becomes a short option ("-k" / "-kvalue";
 *     parse_ini.c writes "-k=value", which getopt would misread);
 *   - an option line before the first section header is an error.
 * Deliberate extensions: a bare "key" line is accepted as "key=", and a
 * value wholly enclosed in matching "..." or '...' loses the quotes (so it
 * can keep leading/trailing blanks).  Lines are bounded (MP_INI_LINE_MAX);
 * NUL bytes are an error.  A section that does not occur leaves
 * section_found false (not an error here). */
#define MP_INI_LINE_MAX 4096
#define MP_INI_FILE_MAX (1024u * 1024u)
int mp_ini_parse(const char *text, size_t n, const char *section,
		 struct mp_ini_opts *o, struct rpe_error *err);

/* Split a locator "[section][@file]": an empty section means
 * default_section; no "@file" means the default file (see
 * mp_ini_default_file).  Then read that file's section into o.  Errors
 * (UNKNOWN in plugin terms): file not found/unreadable, no section, syntax. */
int mp_ini_load(const char *locator, const char *default_section,
		struct mp_ini_opts *o, struct rpe_error *err);

/* The default ini file as monitoring-plugins finds it: $MP_CONFIG_FILE;
 * else the first of monitoring-plugins.ini, plugins.ini, nagios-plugins.ini
 * existing in a directory of $NAGIOS_CONFIG_PATH (':'-separated,
 * deprecated); else the first existing of
 *   /usr/local/etc/monitoring-plugins/monitoring-plugins.ini
 *   /usr/local/etc/monitoring-plugins.ini
 *   /etc/monitoring-plugins/monitoring-plugins.ini
 *   /etc/monitoring-plugins.ini
 *   /etc/nagios/plugins.ini  /usr/local/nagios/etc/plugins.ini
 *   /usr/local/etc/nagios/plugins.ini  /etc/opt/nagios/plugins.ini
 *   /etc/nagios-plugins.ini  /usr/local/etc/nagios-plugins.ini
 *   /etc/opt/nagios-plugins.ini
 * Writes the path into out (n bytes); RPE_ERR_ARG if none exists. */
int mp_ini_default_file(char *out, size_t n, struct rpe_error *err);

/* Expand every --extra-opts occurrence in argv, as monitoring-plugins'
 * np_extra_opts does: "--extra-opts=LOC", "--extra-opts LOC" (when LOC does
 * not start with '-') and a bare "--extra-opts" (default section and file)
 * are removed, and the options they name are inserted right after argv[0],
 * before all command-line options, so the command line wins for options
 * given twice.  On success *new_argv is a NULL-terminated array owned by
 * eo (free with mp_extra_opts_free), pointing into argv and eo->ini.args;
 * if there was no --extra-opts it is a copy of argv.  A captured password
 * ends up in eo->ini.password (the last one wins). */
struct mp_extra_opts {
	struct mp_ini_opts ini;
	char **argv;
	int argc;
	bool used;
};

int mp_extra_opts_apply(int argc, char **argv, const char *default_section,
			struct mp_extra_opts *eo, struct rpe_error *err);
void mp_extra_opts_free(struct mp_extra_opts *eo);

#endif
