/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/xml: the hardened reader under Autodiscover (xml.h): the tree with
 * namespaces resolved, attributes and text; the refusals (declarations in
 * UTF-8 and UTF-16, undefined entities, malformed input) and the limits
 * (size, depth). */
#include "config.h"

#include "xml.h"
#include "t.h"

#include <stdint.h>

static struct xml_doc *parse(const char *s, size_t len, int want,
			     const char *needle)
{
	struct xml_doc *doc = NULL;
	struct rpe_error err = { 0, "" };
	int rc = xml_parse((const uint8_t *)s, len, 1u << 20, "test document",
			   &doc, &err);

	CHECK_INT(rc, want);
	if (needle && !strstr(err.msg, needle)) {
		CHECK(!"message");
		fprintf(stderr, "  got '%s', want '%s'\n", err.msg, needle);
	}
	if (rc < 0)
		CHECK(doc == NULL);
	return doc;
}

#define NS_A "urn:a"
#define NS_B "urn:b"

static void test_tree(void)
{
	static const char s[] =
		"<?xml version=\"1.0\"?>\n"
		"<r xmlns=\"urn:a\" xmlns:b=\"urn:b\" b:id=\"7\" plain=\"x\">"
		"<p>one</p><b:p>two</b:p><p Type=\"EXPR\">th<![CDATA[r<e]]>e"
		"&amp;<i>in</i></p><!-- comment --></r>";
	struct xml_doc *doc = parse(s, sizeof(s) - 1, 0, NULL);
	const struct xml_node *r, *p;
	char text[64];

	if (!doc)
		return;
	r = xml_root(doc);
	CHECK(xml_is(r, NS_A, "r"));
	CHECK(xml_is(r, NULL, "r"));
	CHECK(!xml_is(r, NS_B, "r"));
	CHECK_STR(xml_attr(r, NS_B, "id"), "7");
	CHECK_STR(xml_attr(r, "", "plain"), "x");
	CHECK(xml_attr(r, "", "id") == NULL);
	/* p in urn:a: the first and the third, not b:p */
	p = xml_child(r, NS_A, "p");
	CHECK(p != NULL);
	if (!p)
		goto out;
	CHECK_INT(xml_content(p, text, sizeof(text)), 3);
	CHECK_STR(text, "one");
	CHECK(xml_attr(p, "", "Type") == NULL);
	p = xml_next(p, NS_A, "p");
	CHECK(p != NULL);
	if (!p)
		goto out;
	CHECK_STR(xml_attr(p, "", "Type"), "EXPR");
	/* text, CDATA, an entity and a child's text in document order */
	CHECK_INT(xml_content(p, text, sizeof(text)), 9);
	CHECK_STR(text, "thr<ee&in");
	/* truncated like snprintf, the full length returned */
	CHECK_INT(xml_content(p, text, 4), 9);
	CHECK_STR(text, "thr");
	CHECK(xml_next(p, NS_A, "p") == NULL);
	CHECK(xml_is(xml_child(r, NS_B, "p"), NS_B, "p"));
	CHECK(xml_child(r, NULL, "missing") == NULL);
out:
	xml_free(doc);
	xml_free(NULL);
}

/* "<a>é</a>" as UTF-16LE with a byte-order mark, and in ISO-8859-1: the
 * tree holds UTF-8. */
static void test_encodings(void)
{
	static const char utf16le[] = "\xff\xfe<\0a\0>\0\xe9\0<\0/\0a\0>\0";
	static const char latin1[] =
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>";
	struct xml_doc *doc;
	char text[8];

	doc = parse(utf16le, sizeof(utf16le) - 1, 0, NULL);
	if (doc) {
		CHECK_INT(xml_content(xml_root(doc), text, sizeof(text)), 2);
		CHECK_STR(text, "\xc3\xa9");
		xml_free(doc);
	}
	doc = parse(latin1, sizeof(latin1) - 1, 0, NULL);
	if (doc) {
		CHECK_INT(xml_content(xml_root(doc), text, sizeof(text)), 2);
		CHECK_STR(text, "\xc3\xa9");
		xml_free(doc);
	}
}

static void test_refused(void)
{
	/* <!DOCTYPE a> in UTF-16LE without a byte-order mark */
	static const char doctype16[] =
		"<\0!\0D\0O\0C\0T\0Y\0P\0E\0 \0a\0>\0<\0a\0/\0>\0";
	static const char bomb[] =
		"<!DOCTYPE a [<!ENTITY l \"lol\"><!ENTITY l2 \"&l;&l;\">]>"
		"<a>&l2;</a>";
	static const char external[] =
		"<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>";
	char deep[(XML_MAX_DEPTH + 1) * 7 + 1];
	size_t i, o = 0;

	parse(bomb, sizeof(bomb) - 1, RPE_ERR_PROTO, NULL);
	parse(external, sizeof(external) - 1, RPE_ERR_PROTO, NULL);
	parse(doctype16, sizeof(doctype16) - 1, RPE_ERR_PROTO, NULL);
	parse("<a>&undefined;</a>", 18, RPE_ERR_PROTO, NULL);
	parse("<a><b></a>", 10, RPE_ERR_PROTO, NULL);
	parse("", 0, RPE_ERR_PROTO, NULL);
	/* comments and CDATA sections are not declarations */
	xml_free(parse("<!-- c --><a><![CDATA[<x>]]></a>", 32, 0, NULL));
	/* well-formed, but nested one deeper than XML_MAX_DEPTH; at the
	 * limit it is accepted */
	for (i = 0; i <= XML_MAX_DEPTH; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "<a>");
	for (i = 0; i <= XML_MAX_DEPTH; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "</a>");
	parse(deep, o, RPE_ERR_PROTO, "nested too deeply");
	xml_free(parse(deep + 3, o - 7, 0, NULL));
}

static void test_size_cap(void)
{
	struct xml_doc *doc = NULL;
	struct rpe_error err = { 0, "" };
	static const char s[] = "<a>0123456789</a>";

	CHECK_INT(xml_parse((const uint8_t *)s, sizeof(s) - 1, 10, "test", &doc,
			    &err),
		  RPE_ERR_TOOBIG);
	CHECK(doc == NULL);
	CHECK_INT(xml_parse((const uint8_t *)s, sizeof(s) - 1, sizeof(s) - 1,
			    "test", &doc, &err),
		  0);
	xml_free(doc);
}

int main(void)
{
	T_RUN(test_tree);
	T_RUN(test_encodings);
	T_RUN(test_refused);
	T_RUN(test_size_cap);
	T_DONE();
}
