/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small, hardened XML reader for documents that arrive from the network
 * (Autodiscover POX answers): expat parses, this module builds a read-only
 * element tree with namespaces resolved, and refuses what such a document
 * never needs.
 *
 * Refused: any markup declaration ("<!" that opens neither a comment nor a
 * CDATA section) in the raw bytes, in UTF-8/ASCII and in UTF-16 (with or
 * without a byte-order mark) alike, before expat sees them; a DOCTYPE or an
 * entity declaration again inside the parser; undefined entities (expat:
 * not well-formed); input over the caller's size cap; nesting deeper than
 * XML_MAX_DEPTH; more than XML_MAX_NODES nodes.  Nothing is ever fetched
 * (expat has no network code and no external-entity handler is set).
 * Encodings: UTF-8, UTF-16 (BOM or "<" autodetected), ISO-8859-1 and
 * US-ASCII, expat's built-in ones; the tree holds UTF-8.
 *
 * Only xml.c sees expat: a caller walks the tree with xml_child(),
 * xml_next() and xml_content(). */
#ifndef RPE_XML_H
#define RPE_XML_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define XML_MAX_DEPTH 64
#define XML_MAX_NODES 20000

enum xml_node_type { XML_NODE_ELEMENT, XML_NODE_TEXT };

struct xml_attr {
	const char *ns;   /* namespace URI, "" for an unprefixed attribute */
	const char *name; /* local name */
	const char *value;
	struct xml_attr *next;
};

struct xml_node {
	enum xml_node_type type;
	const char *ns;   /* element: namespace URI, "" when none */
	const char *name; /* element: local name */
	const char *text; /* text node: character data (CDATA included) */
	size_t text_len;
	struct xml_attr *attrs;
	struct xml_node *parent, *children, *last, *next;
};

struct xml_doc;

/* Parse len bytes (at most max_len; more fails with RPE_ERR_TOOBIG) into
 * *out, freed with xml_free().  what names the document in messages
 * ("Autodiscover answer").  Fails with RPE_ERR_PROTO on a declaration,
 * malformed XML or a limit, RPE_ERR_NOMEM when memory runs out. */
int xml_parse(const uint8_t *data, size_t len, size_t max_len, const char *what,
	      struct xml_doc **out, struct rpe_error *err);
void xml_free(struct xml_doc *doc);

const struct xml_node *xml_root(const struct xml_doc *doc);

/* 1 if n is element name in namespace ns (ns NULL: any namespace). */
int xml_is(const struct xml_node *n, const char *ns, const char *name);
/* The first child element of parent named name in namespace ns (NULL: any),
 * or NULL. */
const struct xml_node *xml_child(const struct xml_node *parent, const char *ns,
				 const char *name);
/* The next sibling element after n with the same filter, or NULL:
 *   for (p = xml_child(a, ns, "Protocol"); p; p = xml_next(p, ns, "Protocol")) */
const struct xml_node *xml_next(const struct xml_node *n, const char *ns,
				const char *name);
/* The value of n's attribute name in namespace ns ("" for unprefixed), or
 * NULL. */
const char *xml_attr(const struct xml_node *n, const char *ns, const char *name);
/* All character data under n in document order (the XPath string value)
 * into out (size > 0), NUL-terminated and truncated like snprintf.
 * Returns the full length: call with size 1 to learn it. */
size_t xml_content(const struct xml_node *n, char *out, size_t size);

#endif
