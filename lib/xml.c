/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hardened XML reader (xml.h) on expat: a declaration scan over the raw
 * bytes, then expat with namespace processing building a tree in an arena.
 *
 * Why expat and not libxml2: Debian's libxml2 links ICU and libstdc++
 * (about 2.5 MiB of peak RSS and several milliseconds of start-up in every
 * run of the plugin, also in runs that never parse XML); expat links only
 * libc.  Expat has no network code, parses iteratively (no recursion on
 * nesting) and since 2.4 limits entity amplification; it is not asked to
 * expand anything here, because a DTD never gets that far. */
#include "xml.h"

#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "buf.h"

/* Namespace URI and local name come from expat as "URI\x01local": U+0001
 * cannot occur in an XML 1.0 name or attribute value. */
#define NS_SEP '\x01'

/* Arena ----------------------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

#define CHUNK_SIZE (32u * 1024u)

struct xml_doc {
	struct chunk *chunks;
	struct xml_node *root;
};

static void *arena_alloc(struct xml_doc *d, size_t n)
{
	struct chunk *c = d->chunks;
	size_t a = sizeof(max_align_t);
	void *p;

	n = (n + a - 1) / a * a;
	if (!c || c->size - c->used < n) {
		size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = d->chunks;
		d->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static char *arena_strndup(struct xml_doc *d, const char *s, size_t n)
{
	char *p = arena_alloc(d, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void xml_free(struct xml_doc *doc)
{
	struct chunk *c, *next;

	if (!doc)
		return;
	for (c = doc->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(doc);
}

/* The declaration scan ----------------------------------------------------- */

/* How expat will read the bytes (XML 1.0 appendix F, expat's initScan):
 * a UTF-16 byte-order mark, or "<" as a UTF-16 code unit, chooses UTF-16;
 * anything else is read as an ASCII-compatible 8-bit encoding. */
enum unit_kind { UNIT_BYTE, UNIT_U16LE, UNIT_U16BE };

static int unit_at(const struct buf_cur *c, enum unit_kind k, size_t off,
		   uint16_t *u)
{
	uint8_t hi, lo;

	switch (k) {
	case UNIT_BYTE:
		if (buf_peek_u8_at(c, off, &lo) < 0)
			return -1;
		*u = lo;
		return 0;
	case UNIT_U16LE: return buf_peek_u16le_at(c, off, u);
	case UNIT_U16BE:
		if (buf_peek_u8_at(c, off, &hi) < 0 ||
		    buf_peek_u8_at(c, off + 1, &lo) < 0)
			return -1;
		*u = (uint16_t)(hi << 8 | lo);
		return 0;
	}
	return -1;
}

/* 1 if the code units from off spell the ASCII string str. */
static int units_are(const struct buf_cur *c, enum unit_kind k, size_t w,
		     size_t off, const char *str)
{
	uint16_t u;

	for (; *str; str++, off += w)
		if (unit_at(c, k, off, &u) < 0 || u != (uint8_t)*str)
			return 0;
	return 1;
}

/* A document from the network never needs a DTD: refusing every markup
 * declaration ("<!" that opens neither a comment nor a CDATA section)
 * before the parser sees the bytes keeps entity expansion (billion laughs,
 * external entities) out entirely, whatever the encoding. */
static int refuse_declarations(const uint8_t *data, size_t len,
			       const char *what, struct rpe_error *err)
{
	struct buf_cur c;
	enum unit_kind k = UNIT_BYTE;
	size_t w = 1, off = 0;
	uint8_t b0 = 0, b1 = 0;

	buf_cur_init(&c, data, len);
	if (buf_peek_u8_at(&c, 0, &b0) == 0 && buf_peek_u8_at(&c, 1, &b1) == 0) {
		if ((b0 == 0xff && b1 == 0xfe) || (b0 == '<' && b1 == 0))
			k = UNIT_U16LE;
		else if ((b0 == 0xfe && b1 == 0xff) || (b0 == 0 && b1 == '<'))
			k = UNIT_U16BE;
	}
	if (k != UNIT_BYTE)
		w = 2;
	for (; off < len; off += w)
		if (units_are(&c, k, w, off, "<!") &&
		    !units_are(&c, k, w, off, "<!--") &&
		    !units_are(&c, k, w, off, "<![CDATA["))
			return rpe_fail(err, RPE_ERR_PROTO,
					"%s: DTD or entity declaration refused",
					what);
	return 0;
}

/* The tree ---------------------------------------------------------------- */

struct builder {
	XML_Parser parser;
	struct xml_doc *doc;
	struct xml_node *cur; /* open element, NULL before the root */
	unsigned depth, nodes;
	char *text; /* character data not yet in a node */
	size_t text_len, text_cap;
	const char *what;
	struct rpe_error *err;
	int failed; /* 0 or the rpe_code of the first failure */
};

static void stop(struct builder *b, int code, const char *msg)
{
	if (!b->failed)
		b->failed = rpe_fail(b->err, code, "%s: %s", b->what, msg);
	XML_StopParser(b->parser, XML_FALSE);
}

static struct xml_node *new_node(struct builder *b, enum xml_node_type t)
{
	struct xml_node *n;

	if (++b->nodes > XML_MAX_NODES) {
		stop(b, RPE_ERR_PROTO, "too many elements");
		return NULL;
	}
	n = arena_alloc(b->doc, sizeof(*n));
	if (!n) {
		stop(b, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->ns = n->name = "";
	return n;
}

static void append(struct xml_node *parent, struct xml_node *n)
{
	n->parent = parent;
	if (parent->last)
		parent->last->next = n;
	else
		parent->children = n;
	parent->last = n;
}

/* Character data becomes one text node when the next tag starts or ends
 * (expat hands it over in pieces). */
static void flush_text(struct builder *b)
{
	struct xml_node *n;

	if (b->text_len == 0 || b->failed)
		return;
	if (b->cur && (n = new_node(b, XML_NODE_TEXT))) {
		n->text = arena_strndup(b->doc, b->text, b->text_len);
		n->text_len = b->text_len;
		if (!n->text)
			stop(b, RPE_ERR_NOMEM, "out of memory");
		else
			append(b->cur, n);
	}
	b->text_len = 0;
}

/* "URI\x01local" or "local" into namespace and local name. */
static int split_name(struct builder *b, const XML_Char *qname, const char **ns,
		      const char **name)
{
	const char *sep = strchr(qname, NS_SEP);

	if (!sep) {
		*ns = "";
		*name = arena_strndup(b->doc, qname, strlen(qname));
	} else {
		*ns = arena_strndup(b->doc, qname, (size_t)(sep - qname));
		*name = arena_strndup(b->doc, sep + 1, strlen(sep + 1));
	}
	if (!*ns || !*name) {
		stop(b, RPE_ERR_NOMEM, "out of memory");
		return -1;
	}
	return 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *qname,
			     const XML_Char **atts)
{
	struct builder *b = ud;
	struct xml_node *n;
	struct xml_attr *a, **tail;

	flush_text(b);
	if (b->failed)
		return;
	if (++b->depth > XML_MAX_DEPTH) {
		stop(b, RPE_ERR_PROTO, "elements nested too deeply");
		return;
	}
	n = new_node(b, XML_NODE_ELEMENT);
	if (!n || split_name(b, qname, &n->ns, &n->name) < 0)
		return;
	tail = &n->attrs;
	for (; atts[0] && atts[1]; atts += 2) {
		if (++b->nodes > XML_MAX_NODES) {
			stop(b, RPE_ERR_PROTO, "too many attributes");
			return;
		}
		a = arena_alloc(b->doc, sizeof(*a));
		if (!a) {
			stop(b, RPE_ERR_NOMEM, "out of memory");
			return;
		}
		memset(a, 0, sizeof(*a));
		if (split_name(b, atts[0], &a->ns, &a->name) < 0)
			return;
		a->value = arena_strndup(b->doc, atts[1], strlen(atts[1]));
		if (!a->value) {
			stop(b, RPE_ERR_NOMEM, "out of memory");
			return;
		}
		*tail = a;
		tail = &a->next;
	}
	if (b->cur)
		append(b->cur, n);
	else
		b->doc->root = n;
	b->cur = n;
}

static void XMLCALL on_end(void *ud, const XML_Char *qname)
{
	struct builder *b = ud;

	(void)qname;
	flush_text(b);
	if (b->failed || !b->cur)
		return;
	b->depth--;
	b->cur = b->cur->parent;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct builder *b = ud;
	size_t n = len > 0 ? (size_t)len : 0;

	if (b->failed || !b->cur || n == 0)
		return;
	if (b->text_cap - b->text_len < n) {
		size_t cap = b->text_cap ? b->text_cap : 256;
		char *p;

		while (cap - b->text_len < n)
			cap *= 2;
		p = realloc(b->text, cap);
		if (!p) {
			stop(b, RPE_ERR_NOMEM, "out of memory");
			return;
		}
		b->text = p;
		b->text_cap = cap;
	}
	memcpy(b->text + b->text_len, s, n);
	b->text_len += n;
}

/* Second line of defence behind refuse_declarations(). */
static void XMLCALL on_doctype(void *ud, const XML_Char *name,
			       const XML_Char *sysid, const XML_Char *pubid,
			       int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	stop(ud, RPE_ERR_PROTO, "DTD refused");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_length,
			      const XML_Char *base, const XML_Char *sysid,
			      const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_length;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	stop(ud, RPE_ERR_PROTO, "entity declaration refused");
}

int xml_parse(const uint8_t *data, size_t len, size_t max_len, const char *what,
	      struct xml_doc **out, struct rpe_error *err)
{
	struct builder b;
	enum XML_Status st;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.what = what;
	b.err = err;
	if (len > max_len || len > (size_t)INT32_MAX)
		return rpe_fail(err, RPE_ERR_TOOBIG, "%s larger than %zu bytes",
				what, max_len);
	TRY(refuse_declarations(data, len, what, err));
	b.doc = calloc(1, sizeof(*b.doc));
	b.parser = b.doc ? XML_ParserCreateNS(NULL, NS_SEP) : NULL;
	if (!b.parser) {
		free(b.doc);
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	}
	XML_SetUserData(b.parser, &b);
	XML_SetElementHandler(b.parser, on_start, on_end);
	XML_SetCharacterDataHandler(b.parser, on_text);
	XML_SetStartDoctypeDeclHandler(b.parser, on_doctype);
	XML_SetEntityDeclHandler(b.parser, on_entity);
	XML_SetParamEntityParsing(b.parser, XML_PARAM_ENTITY_PARSING_NEVER);
	st = XML_Parse(b.parser, (const char *)data, (int)len, XML_TRUE);
	if (st != XML_STATUS_OK && !b.failed)
		b.failed =
			rpe_fail(err, RPE_ERR_PROTO,
				 "%s is not well-formed XML (line %lu: %.80s)",
				 what,
				 (unsigned long)XML_GetCurrentLineNumber(b.parser),
				 XML_ErrorString(XML_GetErrorCode(b.parser)));
	if (!b.failed && !b.doc->root)
		b.failed = rpe_fail(err, RPE_ERR_PROTO,
				    "%s has no root element", what);
	XML_ParserFree(b.parser);
	free(b.text);
	if (b.failed) {
		xml_free(b.doc);
		return b.failed;
	}
	*out = b.doc;
	return 0;
}

/* Reading the tree --------------------------------------------------------- */

const struct xml_node *xml_root(const struct xml_doc *doc)
{
	return doc ? doc->root : NULL;
}

int xml_is(const struct xml_node *n, const char *ns, const char *name)
{
	return n && n->type == XML_NODE_ELEMENT &&
	       (!ns || strcmp(n->ns, ns) == 0) && strcmp(n->name, name) == 0;
}

const struct xml_node *xml_next(const struct xml_node *n, const char *ns,
				const char *name)
{
	for (n = n ? n->next : NULL; n; n = n->next)
		if (xml_is(n, ns, name))
			return n;
	return NULL;
}

const struct xml_node *xml_child(const struct xml_node *parent, const char *ns,
				 const char *name)
{
	const struct xml_node *n;

	if (!parent)
		return NULL;
	n = parent->children;
	return xml_is(n, ns, name) ? n : xml_next(n, ns, name);
}

const char *xml_attr(const struct xml_node *n, const char *ns, const char *name)
{
	const struct xml_attr *a;

	for (a = n ? n->attrs : NULL; a; a = a->next)
		if (strcmp(a->ns, ns ? ns : "") == 0 && strcmp(a->name, name) == 0)
			return a->value;
	return NULL;
}

static void put_text(const struct xml_node *t, char *out, size_t size,
		     size_t *total)
{
	if (size && *total < size - 1) {
		size_t room = size - 1 - *total;
		size_t k = t->text_len < room ? t->text_len : room;

		memcpy(out + *total, t->text, k);
		out[*total + k] = '\0';
	}
	*total += t->text_len;
}

/* Depth-first over the subtree without recursion: parent links lead back. */
size_t xml_content(const struct xml_node *n, char *out, size_t size)
{
	const struct xml_node *p;
	size_t total = 0;

	if (size)
		out[0] = '\0';
	if (!n)
		return 0;
	if (n->type == XML_NODE_TEXT) {
		put_text(n, out, size, &total);
		return total;
	}
	for (p = n->children; p;) {
		if (p->type == XML_NODE_TEXT)
			put_text(p, out, size, &total);
		if (p->children) {
			p = p->children;
			continue;
		}
		while (p != n && !p->next)
			p = p->parent;
		p = p == n ? NULL : p->next;
	}
	return total;
}
