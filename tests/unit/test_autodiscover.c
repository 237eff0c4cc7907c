/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Autodiscover: candidates (MS-OXDISCO 3.1.5), the POX request and response
 * (MS-OXDSCLI 2.2.3, 2.2.4) with answers shaped like those of Exchange
 * 2010, 2013, 2016 and 2019, redirects and their limits, hostile XML, and
 * the SRV answer parser and RFC 2782 selection. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autodiscover.h"
#include "autodiscover_session.h"
#include "autodiscover_srv.h"
#include "buf.h"
#include "t.h"

#define HEAD                                                                                              \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"                                                  \
	"<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">" \
	"<Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">"
#define TAIL "</Response></Autodiscover>"

/* Exchange 2010 SP3: EXCH names the mailbox server by FQDN. */
static const char ex2010[] = HEAD
	"<User><DisplayName>Monitoring Mailbox</DisplayName>"
	"<LegacyDN>/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=monitor</LegacyDN>"
	"<DeploymentId>644560b8-a1ce-429c-8ace-23395843f701</DeploymentId></User>"
	"<Account><AccountType>email</AccountType><Action>settings</Action>"
	"<Protocol><Type>EXCH</Type><Server>EXCH01.example.test</Server>"
	"<ServerDN>/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=EXCH01</ServerDN>"
	"<ServerVersion>7383807B</ServerVersion>"
	"<MdbDN>/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=EXCH01/cn=Microsoft Private MDB</MdbDN>"
	"<ASUrl>https://mail.example.test/EWS/Exchange.asmx</ASUrl></Protocol>"
	"<Protocol><Type>EXPR</Type><Server>mail.example.test</Server><SSL>On</SSL>"
	"<AuthPackage>Basic</AuthPackage><CertPrincipalName>msstd:mail.example.test</CertPrincipalName></Protocol>"
	"<Protocol><Type>WEB</Type><External><OWAUrl AuthenticationMethod=\"Fba\">https://mail.example.test/owa/</OWAUrl>"
	"<Protocol><Type>EXPR</Type><ASUrl>https://mail.example.test/EWS/Exchange.asmx</ASUrl></Protocol></External></Protocol>"
	"</Account>" TAIL;

/* Exchange 2013 CU23: RemoteName is the mailbox GUID@domain, EXHTTP too. */
static const char ex2013[] = HEAD
	"<User><DisplayName>monitor</DisplayName>"
	"<LegacyDN>/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=3f2b8c1e5d4a4e6b9c7d0a1b2c3d4e5f-monitor</LegacyDN>"
	"<AutoDiscoverSMTPAddress>monitor@contoso.com</AutoDiscoverSMTPAddress></User>"
	"<Account><AccountType>email</AccountType><Action>settings</Action><MicrosoftOnline>False</MicrosoftOnline>"
	"<Protocol><Type>EXCH</Type><Server>3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com</Server>"
	"<ServerDN>/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com</ServerDN>"
	"<ServerVersion>73C085D9</ServerVersion><AuthPackage>Anonymous</AuthPackage></Protocol>"
	"<Protocol><Type>EXPR</Type><Server>mail.contoso.com</Server><SSL>On</SSL>"
	"<AuthPackage>Ntlm</AuthPackage><ServerExclusiveConnect>on</ServerExclusiveConnect>"
	"<CertPrincipalName>None</CertPrincipalName></Protocol>"
	"<Protocol><Type>EXHTTP</Type><Server>mail.contoso.com</Server><SSL>On</SSL><AuthPackage>Ntlm</AuthPackage></Protocol>"
	"</Account>" TAIL;

/* Exchange 2016 CU: Negotiate offered (X-ClientCanHandle: Negotiate). */
static const char ex2016[] = HEAD
	"<User><DisplayName>Monitor</DisplayName><LegacyDN>/o=Contoso/ou=x/cn=Recipients/cn=monitor</LegacyDN></User>"
	"<Account><Action>settings</Action>"
	"<Protocol><Type>EXPR</Type><Server>mail.contoso.com</Server>"
	"<AuthPackage>Negotiate</AuthPackage></Protocol>"
	"<Protocol><Type>EXCH</Type><Server>0a1b2c3d-1111-2222-3333-444455556666@contoso.com</Server>"
	"<ServerVersion>73C189CB</ServerVersion></Protocol>"
	"</Account>" TAIL;

/* Exchange 2019 CU13 with a mapiHttp Protocol element (2.2.4.1.1.2.6). */
static const char ex2019[] = HEAD
	"<User><DisplayName>M\xc3\xb6nitor  &amp; Co\t</DisplayName><LegacyDN>/o=Contoso/ou=x/cn=Recipients/cn=monitor</LegacyDN></User>"
	"<Account><AccountType>email</AccountType><Action>settings</Action>"
	"<Protocol Type=\"mapiHttp\" Version=\"1\"><MailStore>"
	"<InternalUrl>https://mail.contoso.com/mapi/emsmdb/?MailboxId=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com</InternalUrl>"
	"</MailStore></Protocol>"
	"<Protocol><Type>EXCH</Type><Server>3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com</Server>"
	"<ServerVersion>73C2845E</ServerVersion></Protocol>"
	"<Protocol><Type>EXPR</Type><Server>mail.contoso.com</Server><SSL>Off</SSL>"
	"<AuthPackage>Basic</AuthPackage></Protocol>"
	"</Account>" TAIL;

static const char redirect_addr[] = HEAD
	"<Account><Action>redirectAddr</Action><RedirectAddr>monitor@sub.example.test</RedirectAddr></Account>" TAIL;
static const char redirect_url[] = HEAD
	"<Account><Action>redirectUrl</Action><RedirectUrl>https://ad.example.test/autodiscover/autodiscover.xml</RedirectUrl></Account>" TAIL;

/* What Exchange answers for an unknown address: Response in the base
 * schema (MS-OXDSCLI 2.2.4.1.1.3). */
static const char pox_error[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">"
	"<Response><Error Time=\"14:47:44.5316245\" Id=\"2257880431\"><ErrorCode>500</ErrorCode>"
	"<Message>The e-mail address cannot be found.</Message><DebugData /></Error></Response></Autodiscover>";
static const char account_error[] = HEAD
	"<Account><Error Time=\"1\" Id=\"2\"><ErrorCode>603</ErrorCode><Message>x</Message>"
	"<DebugData>MailUser</DebugData></Error></Account>" TAIL;

static int parse(const char *xml, struct autodiscover_response *r,
		 struct rpe_error *err)
{
	return autodiscover_parse_response((const uint8_t *)xml, strlen(xml), r,
					   err);
}

static void test_exchange_answers(void)
{
	struct autodiscover_response *r = malloc(sizeof(*r));
	struct rpe_error err;
	char v[64];

	CHECK_INT(parse(ex2010, r, &err), 0);
	CHECK_INT(r->action, AUTODISCOVER_ACTION_SETTINGS);
	CHECK_STR(r->display_name, "Monitoring Mailbox");
	CHECK_STR(r->legacy_dn,
		  "/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=monitor");
	CHECK(r->has_expr && r->has_exch && !r->mapi_http);
	CHECK_STR(r->expr_server, "mail.example.test");
	CHECK(r->expr_ssl);
	CHECK_INT(r->expr_auth, AUTODISCOVER_AUTH_BASIC);
	CHECK_STR(r->expr_cert_principal, "msstd:mail.example.test");
	CHECK_STR(r->exch_server, "EXCH01.example.test");
	CHECK(!r->exch_server_is_guid);
	autodiscover_format_version(r, v, sizeof(v));
	CHECK_STR(v, "Exchange 2010 SP3 (14.3.123)");

	CHECK_INT(parse(ex2013, r, &err), 0);
	CHECK_STR(r->exch_server,
		  "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com");
	CHECK(r->exch_server_is_guid);
	CHECK_STR(r->smtp_address, "monitor@contoso.com");
	CHECK_INT(r->expr_auth, AUTODISCOVER_AUTH_NTLM);
	CHECK_STR(r->expr_auth_name, "Ntlm");
	CHECK_STR(r->expr_server, "mail.contoso.com");
	autodiscover_format_version(r, v, sizeof(v));
	CHECK_STR(v, "Exchange 2013 (15.0.1497)");

	CHECK_INT(parse(ex2016, r, &err), 0);
	CHECK_INT(r->expr_auth, AUTODISCOVER_AUTH_NEGOTIATE);
	CHECK(r->expr_ssl); /* SSL absent: On */
	CHECK(r->exch_server_is_guid);
	autodiscover_format_version(r, v, sizeof(v));
	CHECK_STR(v, "Exchange 2016 (15.1.2507)");

	CHECK_INT(parse(ex2019, r, &err), 0);
	CHECK(r->mapi_http);
	CHECK_STR(r->mapi_http_url,
		  "https://mail.contoso.com/mapi/emsmdb/?MailboxId=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com");
	CHECK(!r->expr_ssl);
	CHECK_STR(r->display_name, "M\xc3\xb6nitor  & Co");
	CHECK_INT(r->version_major, 15);
	CHECK_INT(r->version_minor, 2);
	CHECK_INT(r->version_build, 1118);
	CHECK_STR(autodiscover_auth_name(r->expr_auth), "Basic");
	free(r);
}

static void test_redirects_and_errors(void)
{
	struct autodiscover_response *r = malloc(sizeof(*r));
	struct rpe_error err;

	CHECK_INT(parse(redirect_addr, r, &err), 0);
	CHECK_INT(r->action, AUTODISCOVER_ACTION_REDIRECT_ADDR);
	CHECK_STR(r->redirect, "monitor@sub.example.test");
	CHECK_INT(parse(redirect_url, r, &err), 0);
	CHECK_INT(r->action, AUTODISCOVER_ACTION_REDIRECT_URL);
	CHECK_STR(r->redirect,
		  "https://ad.example.test/autodiscover/autodiscover.xml");
	CHECK_INT(parse(pox_error, r, &err), 0);
	CHECK_INT(r->action, AUTODISCOVER_ACTION_ERROR);
	CHECK_STR(r->error_code, "500");
	CHECK_STR(r->error_message, "The e-mail address cannot be found.");
	CHECK_STR(r->error_debug, "");
	CHECK_INT(parse(account_error, r, &err), 0);
	CHECK_INT(r->action, AUTODISCOVER_ACTION_ERROR);
	CHECK_STR(r->error_code, "603");
	CHECK_STR(r->error_debug, "MailUser");
	free(r);
}

static void check_refused(const char *xml, size_t len, int code,
			  const char *needle)
{
	struct autodiscover_response *r = malloc(sizeof(*r));
	struct rpe_error err;

	rpe_clear(&err);
	CHECK_INT(autodiscover_parse_response((const uint8_t *)xml, len, r, &err),
		  code);
	if (!strstr(err.msg, needle)) {
		CHECK(!"message");
		fprintf(stderr, "  got '%s', want '%s'\n", err.msg, needle);
	}
	free(r);
}

#define REFUSED(xml, code, needle) check_refused(xml, strlen(xml), code, needle)

static void test_hostile(void)
{
	size_t big = AUTODISCOVER_MAX_RESPONSE + 1;
	char *huge = malloc(big + 1), *deep;
	size_t i;

	REFUSED("", RPE_ERR_PROTO, "empty");
	REFUSED("<Autodiscover", RPE_ERR_PROTO, "not well-formed");
	REFUSED("<html><body>Outlook Web App</body></html>", RPE_ERR_PROTO,
		"root element html");
	REFUSED("<Autodiscover><Response/></Autodiscover>", RPE_ERR_PROTO,
		"root element Autodiscover");
	/* Billion laughs and an external entity: refused before parsing. */
	REFUSED("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY l \"lol\">"
		"<!ENTITY l2 \"&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;\">]>"
		"<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">&l2;</Autodiscover>",
		RPE_ERR_PROTO, "DTD");
	REFUSED("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>", RPE_ERR_PROTO,
		"DTD");
	REFUSED("<a>&undefined;</a>", RPE_ERR_PROTO, "not well-formed");
	/* Mobile sync schema is not what was asked for. */
	REFUSED("<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">"
		"<Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006\"/>"
		"</Autodiscover>",
		RPE_ERR_PROTO, "without an Outlook Response");
	REFUSED(HEAD "<Account><AccountType>email</AccountType></Account>" TAIL,
		RPE_ERR_PROTO, "without Action");
	REFUSED(HEAD "<Account><Action>redirectUrl</Action></Account>" TAIL,
		RPE_ERR_PROTO, "without its target");
	REFUSED(HEAD "<Account><Action>explode</Action></Account>" TAIL,
		RPE_ERR_PROTO, "unknown Action");
	REFUSED(HEAD "<User/>" TAIL, RPE_ERR_PROTO, "no Account");
	/* Over the size limit, whatever it holds. */
	memset(huge, ' ', big);
	huge[big] = '\0';
	check_refused(huge, big, RPE_ERR_TOOBIG, "larger than");
	/* A value over its field. */
	snprintf(huge, big,
		 HEAD "<User><DisplayName>%0*d</DisplayName></User>"
		      "<Account><Action>settings</Action></Account>" TAIL,
		 5000, 0);
	REFUSED(huge, RPE_ERR_TOOBIG, "DisplayName longer than");
	/* Nesting is capped (XML_MAX_DEPTH), closed or not. */
	deep = malloc(40000 * 4 + 1);
	for (i = 0; i < 40000; i++)
		memcpy(deep + 3 * i, "<a>", 3);
	deep[120000] = '\0';
	REFUSED(deep, RPE_ERR_PROTO, "nested too deeply");
	for (i = 0; i < 65; i++)
		memcpy(deep + 3 * i, "<a>", 3);
	for (i = 0; i < 65; i++)
		memcpy(deep + 195 + 4 * i, "</a>", 4);
	deep[195 + 260] = '\0';
	REFUSED(deep, RPE_ERR_PROTO, "nested too deeply");
	/* 64 levels are fine as XML (and then not an Autodiscover answer). */
	memmove(deep + 192, deep + 195, 256);
	deep[192 + 256] = '\0';
	REFUSED(deep, RPE_ERR_PROTO, "root element a");
	free(deep);
	/* Elements in the thousands (an answer has about a hundred). */
	{
		size_t n = 30000;
		char *many = malloc(4 * n + 16);
		strcpy(many, "<a>");
		for (i = 0; i < n; i++)
			memcpy(many + 3 + 4 * i, "<b/>", 4);
		strcpy(many + 3 + 4 * n, "</a>");
		REFUSED(many, RPE_ERR_PROTO, "too many elements");
		free(many);
	}
	/* expat knows UTF-8, UTF-16, ISO-8859-1 and US-ASCII only. */
	REFUSED("<?xml version=\"1.0\" encoding=\"koi8-r\"?><a/>",
		RPE_ERR_PROTO, "not well-formed");
	free(huge);
	/* Comments and CDATA are not declarations. */
	{
		struct autodiscover_response *r = malloc(sizeof(*r));
		struct rpe_error err;
		CHECK_INT(parse(HEAD
				"<!-- x --><User><LegacyDN><![CDATA[/o=a<b]]></LegacyDN></User>"
				"<Account><Action>settings</Action></Account>" TAIL,
				r, &err),
			  0);
		CHECK_STR(r->legacy_dn, "/o=a<b");
		CHECK(!r->has_expr);
		free(r);
	}
}

/* s (UTF-8) as UTF-16, little or big endian, with or without a BOM. */
static void utf16(struct buf *b, const char *s, int big_endian, int bom)
{
	size_t i;

	buf_init(b, 0);
	if (bom)
		buf_put_u16le(b, 0xfeff);
	CHECK_INT(buf_put_utf16le(b, s, strlen(s)), 0);
	if (big_endian)
		for (i = 0; i + 1 < b->len; i += 2) {
			uint8_t t = b->data[i];
			b->data[i] = b->data[i + 1];
			b->data[i + 1] = t;
		}
}

/* XML 1.0 4.3.3: UTF-16 documents, with a byte-order mark or detected from
 * "<".  Their DTDs are refused before parsing, like those of UTF-8
 * documents: the scan reads UTF-16 code units, not bytes. */
static void test_utf16(void)
{
	static const char *const dtds[] = {
		"<?xml version=\"1.0\" encoding=\"utf-16\"?><!DOCTYPE a [<!ENTITY l \"lol\">"
		"<!ENTITY l2 \"&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;\">]>"
		"<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">&l2;</Autodiscover>",
		"<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>",
		"<a><!ENTITY x \"y\"></a>",
	};
	struct autodiscover_response *r = malloc(sizeof(*r));
	struct rpe_error err;
	struct buf b;
	const char *xml = strchr(ex2019, '>') + 1; /* past the declaration */
	char *doc = malloc(strlen(xml) + 64);
	size_t i;
	int be, bom;

	sprintf(doc, "<?xml version=\"1.0\" encoding=\"utf-16\"?>%s", xml);
	for (be = 0; be < 2; be++)
		for (bom = 0; bom < 2; bom++) {
			utf16(&b, doc, be, bom);
			CHECK_INT(autodiscover_parse_response(b.data, b.len, r,
							      &err),
				  0);
			CHECK_STR(r->display_name, "M\xc3\xb6nitor  & Co");
			CHECK_STR(r->exch_server,
				  "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com");
			CHECK(r->mapi_http && r->has_expr && !r->expr_ssl);
			buf_free(&b);
			for (i = 0; i < sizeof(dtds) / sizeof(dtds[0]); i++) {
				utf16(&b, dtds[i], be, bom);
				check_refused((const char *)b.data, b.len,
					      RPE_ERR_PROTO,
					      "DTD or entity declaration refused");
				buf_free(&b);
			}
		}
	/* A UTF-16 comment is still no declaration; odd bytes are malformed. */
	utf16(&b, "<a><!-- x --></a>", 0, 1);
	check_refused((const char *)b.data, b.len, RPE_ERR_PROTO,
		      "root element a");
	check_refused((const char *)b.data, b.len - 1, RPE_ERR_PROTO,
		      "not well-formed");
	buf_free(&b);
	/* Latin-1 declared: the text arrives as UTF-8. */
	CHECK_INT(parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
			"<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">"
			"<Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">"
			"<User><DisplayName>M\xf6nitor</DisplayName></User>"
			"<Account><Action>settings</Action></Account>" TAIL,
			r, &err),
		  0);
	CHECK_STR(r->display_name, "M\xc3\xb6nitor");
	free(doc);
	free(r);
}

static void test_candidates_and_request(void)
{
	struct autodiscover_candidate c[AUTODISCOVER_CANDIDATES];
	struct rpe_error err;
	struct buf b;
	const char *domain;

	CHECK_INT(autodiscover_candidates("monitor@example.test", c, &err), 0);
	CHECK_INT(c[0].step, AUTODISCOVER_STEP_POST);
	CHECK_STR(c[0].url, "https://example.test/autodiscover/autodiscover.xml");
	CHECK_INT(c[1].step, AUTODISCOVER_STEP_POST);
	CHECK_STR(c[1].url,
		  "https://autodiscover.example.test/autodiscover/autodiscover.xml");
	CHECK_INT(c[2].step, AUTODISCOVER_STEP_GET_REDIRECT);
	CHECK_STR(c[2].url,
		  "http://autodiscover.example.test/autodiscover/autodiscover.xml");
	CHECK_INT(c[3].step, AUTODISCOVER_STEP_SRV);
	CHECK_STR(c[3].url, "_autodiscover._tcp.example.test");

	CHECK_INT(autodiscover_check_address("a.b+c@x-y.example.test", &domain,
					     &err),
		  0);
	CHECK_STR(domain, "x-y.example.test");
	CHECK_INT(autodiscover_candidates("monitor", c, &err), RPE_ERR_ARG);
	CHECK_INT(autodiscover_candidates("@example.test", c, &err), RPE_ERR_ARG);
	CHECK_INT(autodiscover_candidates("a b@example.test", c, &err),
		  RPE_ERR_ARG);
	CHECK_INT(autodiscover_candidates("a@-example.test", c, &err),
		  RPE_ERR_ARG);
	CHECK_INT(autodiscover_candidates("a@example..test", c, &err),
		  RPE_ERR_ARG);
	CHECK_INT(autodiscover_candidates("a@ex/ample.test", c, &err),
		  RPE_ERR_ARG);
	CHECK_INT(autodiscover_candidates("a@b\xc3\xa4r.test", c, &err),
		  RPE_ERR_ARG);
	CHECK(strstr(err.msg, "punycode") != NULL);

	buf_init(&b, 0);
	CHECK_INT(autodiscover_build_request("m&o@example.test", &b, &err), 0);
	CHECK_INT(buf_put_u8(&b, 0), 0);
	CHECK(strstr((char *)b.data,
		     "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">") !=
	      NULL);
	CHECK(strstr((char *)b.data,
		     "<EMailAddress>m&amp;o@example.test</EMailAddress>") != NULL);
	CHECK(strstr((char *)b.data,
		     "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>") !=
	      NULL);
	CHECK(strstr((char *)b.data, "encoding=\"utf-8\"") != NULL);
	buf_free(&b);
	CHECK_INT(autodiscover_build_request("<x>@example.test", &b, &err),
		  RPE_ERR_ARG);

	CHECK_INT(autodiscover_is_guid_name(
			  "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com"),
		  1);
	CHECK_INT(autodiscover_is_guid_name(
			  "3F2B8C1E-5D4A-4E6B-9C7D-0A1B2C3D4E5F@contoso.com"),
		  1);
	CHECK_INT(autodiscover_is_guid_name("EXCH01.contoso.com"), 0);
	CHECK_INT(autodiscover_is_guid_name("3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f"),
		  0);
	CHECK_INT(autodiscover_is_guid_name(
			  "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5g@contoso.com"),
		  0);
	CHECK_INT(autodiscover_is_guid_name(
			  "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@"),
		  0);
	CHECK_INT(autodiscover_is_guid_name(
			  "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso"),
		  0);
}

static void test_urls_and_walk(void)
{
	char url[AUTODISCOVER_URL_MAX], host[AUTODISCOVER_HOST_MAX];
	struct rpe_error err;
	struct autodiscover_walk *w;
	int i;

	CHECK_INT(autodiscover_url_canon("https://Mail.Example.TEST/Autodiscover/Autodiscover.xml#x",
					 NULL, false, url, sizeof(url), host,
					 sizeof(host), &err),
		  0);
	CHECK_STR(url,
		  "https://mail.example.test:443/Autodiscover/Autodiscover.xml");
	CHECK_STR(host, "mail.example.test");
	CHECK_INT(autodiscover_url_canon("http://a.example.test/x", NULL, false,
					 url, sizeof(url), NULL, 0, &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "https only") != NULL);
	CHECK_INT(autodiscover_url_canon("http://a.example.test:8080/x", NULL,
					 true, url, sizeof(url), NULL, 0, &err),
		  0);
	CHECK_STR(url, "http://a.example.test:8080/x");
	CHECK_INT(autodiscover_url_canon("https://user:pw@a.example.test/", NULL,
					 false, url, sizeof(url), NULL, 0, &err),
		  RPE_ERR_PROTO);
	CHECK_INT(autodiscover_url_canon("ftp://a.example.test/", NULL, false,
					 url, sizeof(url), NULL, 0, &err),
		  RPE_ERR_PROTO);
	CHECK_INT(autodiscover_url_canon("not a url", NULL, false, url,
					 sizeof(url), NULL, 0, &err),
		  RPE_ERR_PROTO);
	CHECK_INT(autodiscover_url_canon("/other/autodiscover.xml?a=1",
					 "https://b.example.test:8443/autodiscover/autodiscover.xml",
					 false, url, sizeof(url), NULL, 0, &err),
		  0);
	CHECK_STR(url, "https://b.example.test:8443/other/autodiscover.xml?a=1");

	w = autodiscover_walk_new("monitor@example.test", &err);
	CHECK(w != NULL);
	if (!w)
		return;
	CHECK_INT(autodiscover_walk_visit(w, AUTODISCOVER_STEP_POST,
					  "https://example.test:443/autodiscover/autodiscover.xml",
					  &err),
		  0);
	/* The same URL by GET is another place; by POST again it is a loop. */
	CHECK_INT(autodiscover_walk_visit(w, AUTODISCOVER_STEP_GET_REDIRECT,
					  "https://example.test:443/autodiscover/autodiscover.xml",
					  &err),
		  0);
	CHECK_INT(autodiscover_walk_visit(w, AUTODISCOVER_STEP_POST,
					  "https://EXAMPLE.test:443/autodiscover/autodiscover.xml",
					  &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "redirect loop") != NULL);
	/* An http redirect target is refused. */
	CHECK_INT(autodiscover_walk_redirect_url(w, "http://evil.example.test/",
						 NULL, url, sizeof(url), &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "https only") != NULL);
	/* A new address may be asked at the same URL; going back is a loop. */
	CHECK_INT(autodiscover_walk_redirect_addr(w, "m2@sub.example.test", &err),
		  0);
	CHECK_STR(autodiscover_walk_email(w), "m2@sub.example.test");
	CHECK_INT(autodiscover_walk_visit(w, AUTODISCOVER_STEP_POST,
					  "https://example.test:443/autodiscover/autodiscover.xml",
					  &err),
		  0);
	CHECK_INT(autodiscover_walk_redirect_addr(w, "Monitor@Example.test", &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "redirectAddr back") != NULL);
	CHECK_INT(autodiscover_walk_redirect_addr(w, "not-an-address", &err),
		  RPE_ERR_ARG);
	CHECK_INT(autodiscover_walk_hops(w), 4);
	autodiscover_walk_free(w);

	/* Ten redirects are followed, the eleventh is refused. */
	w = autodiscover_walk_new("monitor@example.test", &err);
	for (i = 0; i < AUTODISCOVER_MAX_HOPS; i++) {
		char loc[64];
		snprintf(loc, sizeof(loc), "https://h%d.example.test/a", i);
		CHECK_INT(autodiscover_walk_redirect_url(w, loc, NULL, url,
							 sizeof(url), &err),
			  0);
		CHECK_INT(autodiscover_walk_visit(w, AUTODISCOVER_STEP_POST,
						  url, &err),
			  0);
	}
	CHECK_INT(autodiscover_walk_redirect_url(w, "https://h99.example.test/a",
						 NULL, url, sizeof(url), &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "more than 10 redirects") != NULL);
	autodiscover_walk_free(w);
	CHECK(autodiscover_walk_new("bad", &err) == NULL);
	autodiscover_walk_free(NULL);
}

/* DNS answers ---------------------------------------------------------------- */

static void put_name(struct buf *b, const char *name)
{
	const char *dot;

	while (*name) {
		dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		buf_put_u8(b, (uint8_t)n);
		buf_put_bytes(b, name, n);
		name += n + (dot ? 1 : 0);
	}
	buf_put_u8(b, 0);
}

/* A response to an SRV query for qname with n records (RFC 1035 4.1); the
 * answers' owner is a compression pointer to the question (offset 12). */
static void dns_answer(struct buf *b, const char *qname, size_t n,
		       const uint16_t (*prw)[3], const char *const *targets)
{
	size_t i, rdlen_at;

	buf_init(b, 0);
	buf_put_u16be(b, 0x1234);
	buf_put_u16be(b, 0x8180);
	buf_put_u16be(b, 1);
	buf_put_u16be(b, (uint16_t)n);
	buf_put_u16be(b, 0);
	buf_put_u16be(b, 0);
	put_name(b, qname);
	buf_put_u16be(b, 33);
	buf_put_u16be(b, 1);
	for (i = 0; i < n; i++) {
		buf_put_u16be(b, 0xC00C);
		buf_put_u16be(b, 33);
		buf_put_u16be(b, 1);
		buf_put_u32be(b, 3600);
		rdlen_at = b->len;
		buf_put_u16be(b, 0);
		buf_put_u16be(b, prw[i][0]);
		buf_put_u16be(b, prw[i][1]);
		buf_put_u16be(b, prw[i][2]);
		put_name(b, targets[i]);
		b->data[rdlen_at] = (uint8_t)((b->len - rdlen_at - 2) >> 8);
		b->data[rdlen_at + 1] = (uint8_t)(b->len - rdlen_at - 2);
	}
}

static void test_srv(void)
{
	static const char q[] = "_autodiscover._tcp.example.test";
	static const uint16_t prw[4][3] = {
		{ 10, 0, 443 },
		{ 0, 60, 443 },
		{ 0, 40, 8443 },
		{ 0, 0, 443 },
	};
	static const char *const tg[4] = {
		"backup.example.test",
		"ad1.example.test",
		"ad2.other.test",
		"zero.example.test",
	};
	struct autodiscover_srv_target t[AUTODISCOVER_SRV_MAX];
	struct rpe_error err;
	char url[AUTODISCOVER_URL_MAX];
	size_t n, idx;
	int unavail;
	struct buf b;

	dns_answer(&b, q, 4, prw, tg);
	CHECK_INT(autodiscover_srv_parse(b.data, b.len, q, t, AUTODISCOVER_SRV_MAX,
					 &n, &unavail, &err),
		  0);
	CHECK_INT(n, 4);
	CHECK_INT(unavail, 0);
	CHECK_STR(t[2].host, "ad2.other.test");
	CHECK_INT(t[2].port, 8443);
	/* Priority 0 wins over 10; r = rnd % 101; zero weight first. */
	CHECK_INT(autodiscover_srv_pick(t, n, 0, &idx, &err), 0);
	CHECK_INT(idx, 3);
	CHECK_INT(autodiscover_srv_pick(t, n, 1, &idx, &err), 0);
	CHECK_INT(idx, 1);
	CHECK_INT(autodiscover_srv_pick(t, n, 60, &idx, &err), 0);
	CHECK_INT(idx, 1);
	CHECK_INT(autodiscover_srv_pick(t, n, 61, &idx, &err), 0);
	CHECK_INT(idx, 2);
	CHECK_INT(autodiscover_srv_pick(t, n, 100, &idx, &err), 0);
	CHECK_INT(idx, 2);
	CHECK_INT(autodiscover_srv_url(&t[2], url, sizeof(url), &err), 0);
	CHECK_STR(url,
		  "https://ad2.other.test:8443/autodiscover/autodiscover.xml");
	CHECK_INT(autodiscover_srv_pick(t, 1, 12345, &idx, &err), 0);
	CHECK_INT(idx, 0);
	CHECK_INT(autodiscover_srv_pick(t, 0, 0, &idx, &err), RPE_ERR_ARG);
	/* Another owner name is not ours. */
	CHECK_INT(autodiscover_srv_parse(b.data, b.len, "_other._tcp.example.test",
					 t, AUTODISCOVER_SRV_MAX, &n, &unavail,
					 &err),
		  0);
	CHECK_INT(n, 0);
	/* Truncated anywhere: an error, never a crash. */
	for (size_t cut = 0; cut < b.len; cut++) {
		int rc = autodiscover_srv_parse(b.data, cut, q, t,
						AUTODISCOVER_SRV_MAX, &n,
						&unavail, &err);
		CHECK(rc == RPE_ERR_PROTO || (rc == 0 && n < 4));
	}
	buf_free(&b);

	/* "." says the service is not available; port 0 and bad names are
	 * skipped. */
	{
		static const uint16_t p2[3][3] = { { 0, 0, 0 },
						   { 0, 0, 443 },
						   { 0, 0, 443 } };
		static const char *const t2[3] = { "a.example.test", "",
						   "bad_name.example.test" };
		dns_answer(&b, q, 3, p2, t2);
		CHECK_INT(autodiscover_srv_parse(b.data, b.len, q, t,
						 AUTODISCOVER_SRV_MAX, &n,
						 &unavail, &err),
			  0);
		CHECK_INT(n, 0);
		CHECK_INT(unavail, 1);
		buf_free(&b);
	}
	CHECK_INT(autodiscover_srv_query(q, "127.0.0.1:53", 999, &b, &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "under a second") != NULL);
	buf_init(&b, 0);
	CHECK_INT(autodiscover_srv_query(q, "not-an-ip", 5000, &b, &err),
		  RPE_ERR_ARG);
	CHECK_INT(autodiscover_srv_query(q, "127.0.0.1:99999", 5000, &b, &err),
		  RPE_ERR_ARG);
	buf_free(&b);
}

/* Sessions ------------------------------------------------------------------- */

static void feed_http(struct autodiscover_session *s, unsigned id, long status,
		      const char *location, const char *body)
{
	struct autodiscover_outcome o = { 0 };

	o.status = status;
	o.location = location;
	o.body = (const uint8_t *)body;
	o.len = body ? strlen(body) : 0;
	autodiscover_session_feed(s, id, &o);
}

static void feed_fail(struct autodiscover_session *s, unsigned id,
		      enum autodiscover_fail f, const char *msg)
{
	struct autodiscover_outcome o = { 0 };

	o.fail = f;
	o.msg = msg;
	autodiscover_session_feed(s, id, &o);
}

static void test_session_candidates(void)
{
	struct autodiscover_request a, b, g, srv, p;
	struct autodiscover_outcome o = { 0 };
	struct autodiscover_session *s;
	struct rpe_error err;
	const char *msg;

	/* Both POSTs and the GET at once; SRV waits for them to fail. */
	s = autodiscover_session_new("monitor@example.test", NULL, &err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(autodiscover_session_next(s, &a), 1);
	CHECK_STR(a.url,
		  "https://example.test:443/autodiscover/autodiscover.xml");
	CHECK_STR(a.email, "monitor@example.test");
	CHECK_INT(autodiscover_session_next(s, &b), 1);
	CHECK_STR(b.url,
		  "https://autodiscover.example.test:443/autodiscover/autodiscover.xml");
	CHECK_INT(autodiscover_session_next(s, &g), 1);
	CHECK_INT(g.step, AUTODISCOVER_STEP_GET_REDIRECT);
	CHECK_STR(g.url,
		  "http://autodiscover.example.test:80/autodiscover/autodiscover.xml");
	CHECK_INT(autodiscover_session_next(s, &srv), 0);
	CHECK_INT(autodiscover_session_pending(s), 3);
	feed_fail(s, a.id, AUTODISCOVER_FAIL_DNS,
		  "could not resolve example.test");
	feed_http(s, b.id, 401, NULL, "");
	/* The GET's 302 to https continues as a POST there. */
	feed_http(s, g.id, 302,
		  "https://mail.example.test/autodiscover/autodiscover.xml",
		  NULL);
	CHECK_INT(autodiscover_session_next(s, &p), 1);
	CHECK_INT(p.step, AUTODISCOVER_STEP_POST);
	CHECK_STR(p.url,
		  "https://mail.example.test:443/autodiscover/autodiscover.xml");
	feed_http(s, p.id, 500, NULL, "oops");
	/* All but SRV failed: SRV starts and answers. */
	CHECK_INT(autodiscover_session_next(s, &srv), 1);
	CHECK_INT(srv.step, AUTODISCOVER_STEP_SRV);
	CHECK_STR(srv.url, "example.test");
	o.url = "https://ad.example.test:8443/autodiscover/autodiscover.xml";
	autodiscover_session_feed(s, srv.id, &o);
	CHECK_INT(autodiscover_session_next(s, &p), 1);
	CHECK_STR(p.url,
		  "https://ad.example.test:8443/autodiscover/autodiscover.xml");
	feed_http(s, p.id, 200, NULL, ex2013);
	CHECK_INT(autodiscover_session_state(s), 1);
	CHECK_STR(autodiscover_session_url(s),
		  "https://ad.example.test:8443/autodiscover/autodiscover.xml");
	CHECK_STR(autodiscover_session_response(s)->exch_server,
		  "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com");
	CHECK(strstr(autodiscover_session_trail(s),
		     "SRV target https://ad.example.test:8443") != NULL);
	CHECK(strstr(autodiscover_session_trail(s), "failed (credentials)") !=
	      NULL);
	CHECK_INT(autodiscover_session_next(s, &p), 0);
	CHECK_INT(autodiscover_session_requests(s), 6);
	autodiscover_session_free(s);

	/* Everything fails: the most telling failure is the run's. */
	s = autodiscover_session_new("monitor@example.test", NULL, &err);
	autodiscover_session_next(s, &a);
	autodiscover_session_next(s, &b);
	autodiscover_session_next(s, &g);
	feed_fail(s, a.id, AUTODISCOVER_FAIL_CONNECT, "connection refused");
	feed_http(s, b.id, 401, NULL, "");
	feed_http(s, g.id, 302,
		  "http://plain.example.test/autodiscover/autodiscover.xml",
		  NULL);
	CHECK_INT(autodiscover_session_state(s), 0);
	autodiscover_session_next(s, &srv);
	feed_fail(s, srv.id, AUTODISCOVER_FAIL_DNS, "DNS: no SRV record");
	CHECK_INT(autodiscover_session_state(s), -1);
	CHECK_INT(autodiscover_session_failure(s, &msg), AUTODISCOVER_FAIL_AUTH);
	CHECK_STR(msg,
		  "POST https://autodiscover.example.test:443/autodiscover/autodiscover.xml: HTTP 401, the credentials were refused");
	CHECK(strstr(autodiscover_session_trail(s), "https only") != NULL);
	autodiscover_session_free(s);
}

static void test_session_answers(void)
{
	struct autodiscover_request a, b, g, p;
	struct autodiscover_session *s;
	struct rpe_error err;
	const char *msg;
	int i;

	/* redirectAddr starts over for the new domain; late answers of the
	 * old address are ignored. */
	s = autodiscover_session_new("old@example.test", NULL, &err);
	autodiscover_session_next(s, &a);
	autodiscover_session_next(s, &b);
	autodiscover_session_next(s, &g);
	feed_http(s, a.id, 200, NULL, redirect_addr);
	CHECK_INT(autodiscover_session_next(s, &p), 1);
	CHECK_STR(p.url,
		  "https://sub.example.test:443/autodiscover/autodiscover.xml");
	CHECK_STR(p.email, "monitor@sub.example.test");
	feed_http(s, b.id, 200, NULL, ex2010);
	CHECK_INT(autodiscover_session_state(s), 0);
	feed_http(s, p.id, 200, NULL, pox_error);
	CHECK_INT(autodiscover_session_state(s), -1);
	CHECK_INT(autodiscover_session_failure(s, &msg),
		  AUTODISCOVER_FAIL_POX_ERROR);
	CHECK_STR(msg,
		  "https://sub.example.test:443/autodiscover/autodiscover.xml answered for "
		  "monitor@sub.example.test with Autodiscover error 500: The e-mail address cannot be found.");
	autodiscover_session_free(s);

	/* A pinned URL that redirects to itself is a loop. */
	s = autodiscover_session_new("monitor@example.test",
				     "https://ad.example.test/autodiscover/autodiscover.xml",
				     &err);
	CHECK_INT(autodiscover_session_next(s, &a), 1);
	CHECK_INT(autodiscover_session_next(s, &b), 0);
	feed_http(s, a.id, 200, NULL,
		  HEAD
		  "<Account><Action>redirectUrl</Action><RedirectUrl>"
		  "https://AD.example.test:443/autodiscover/autodiscover.xml</RedirectUrl></Account>" TAIL);
	CHECK_INT(autodiscover_session_next(s, &b), 0);
	CHECK_INT(autodiscover_session_state(s), -1);
	CHECK_INT(autodiscover_session_failure(s, &msg),
		  AUTODISCOVER_FAIL_REDIRECT);
	CHECK(strstr(msg, "redirect loop") != NULL);
	autodiscover_session_free(s);

	/* Redirects that never end stop after 10. */
	s = autodiscover_session_new("monitor@example.test",
				     "https://ad.example.test/autodiscover/autodiscover.xml",
				     &err);
	for (i = 0; i < 12 && autodiscover_session_next(s, &a) == 1; i++) {
		char loc[128];
		snprintf(loc, sizeof(loc), "/hop%d/autodiscover.xml", i);
		feed_http(s, a.id, 302, loc, NULL);
	}
	CHECK_INT(i, 11);
	CHECK_INT(autodiscover_session_failure(s, &msg),
		  AUTODISCOVER_FAIL_REDIRECT);
	CHECK(strstr(msg, "more than 10 redirects") != NULL);
	autodiscover_session_free(s);

	/* Settings without EXPR; a malformed answer fails only its candidate. */
	s = autodiscover_session_new("monitor@example.test", NULL, &err);
	autodiscover_session_next(s, &a);
	autodiscover_session_next(s, &b);
	feed_http(s, a.id, 200, NULL, "<html>Outlook Web App</html>");
	CHECK_INT(autodiscover_session_state(s), 0);
	feed_http(s, b.id, 200, NULL,
		  HEAD
		  "<User><LegacyDN>/o=x</LegacyDN></User><Account>"
		  "<Action>settings</Action><Protocol Type=\"mapiHttp\"/></Account>" TAIL);
	CHECK_INT(autodiscover_session_failure(s, &msg),
		  AUTODISCOVER_FAIL_NO_EXPR);
	CHECK(strstr(msg, "without Protocol EXPR") != NULL &&
	      strstr(msg, "only MAPI over HTTP") != NULL);
	autodiscover_session_free(s);

	/* --transport mapi: the mapiHttp MailStore URL is what is wanted; a
	 * mapiHttp Protocol without one still fails. */
	s = autodiscover_session_new("monitor@example.test",
				     "https://ad.example.test/autodiscover/autodiscover.xml",
				     &err);
	autodiscover_session_want_mapi(s);
	autodiscover_session_next(s, &a);
	feed_http(s, a.id, 200, NULL,
		  HEAD
		  "<User><LegacyDN>/o=x</LegacyDN></User><Account>"
		  "<Action>settings</Action><Protocol Type=\"mapiHttp\" Version=\"1\"><MailStore>"
		  "<InternalUrl>https://in.example.test/mapi/emsmdb/?MailboxId=a@b.test</InternalUrl>"
		  "<ExternalUrl>https://mail.example.test/mapi/emsmdb/?MailboxId=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test</ExternalUrl>"
		  "</MailStore></Protocol></Account>" TAIL);
	CHECK_INT(autodiscover_session_state(s), 1);
	CHECK_STR(autodiscover_session_response(s)->mapi_http_url,
		  "https://mail.example.test/mapi/emsmdb/?MailboxId=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test");
	autodiscover_session_free(s);
	s = autodiscover_session_new("monitor@example.test",
				     "https://ad.example.test/autodiscover/autodiscover.xml",
				     &err);
	autodiscover_session_want_mapi(s);
	autodiscover_session_next(s, &a);
	feed_http(s, a.id, 200, NULL,
		  HEAD
		  "<User><LegacyDN>/o=x</LegacyDN></User><Account>"
		  "<Action>settings</Action><Protocol Type=\"mapiHttp\"/></Account>" TAIL);
	CHECK_INT(autodiscover_session_failure(s, &msg),
		  AUTODISCOVER_FAIL_NO_EXPR);
	autodiscover_session_free(s);

	CHECK(autodiscover_session_new("monitor@example.test",
				       "http://ad.example.test/", &err) == NULL);
	CHECK(strstr(err.msg, "--autodiscover-url") != NULL);
	CHECK(autodiscover_session_new("nobody", NULL, &err) == NULL);
	autodiscover_session_free(NULL);
	CHECK_STR(autodiscover_fail_name(AUTODISCOVER_FAIL_TLS), "TLS");
}

int main(void)
{
	T_RUN(test_exchange_answers);
	T_RUN(test_redirects_and_errors);
	T_RUN(test_hostile);
	T_RUN(test_utf16);
	T_RUN(test_candidates_and_request);
	T_RUN(test_urls_and_walk);
	T_RUN(test_srv);
	T_RUN(test_session_candidates);
	T_RUN(test_session_answers);
	T_DONE();
}
