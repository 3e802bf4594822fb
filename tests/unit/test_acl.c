/* The registrar's access list (core/registrar/acl.c): syntax, errors
 * with line numbers, first match, default deny. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/registrar/acl.h"
#include "testlib.h"

static struct sockaddr_in
v4(const char *s)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};

	inet_pton(AF_INET, s, &sin.sin_addr);
	return sin;
}

static int
allows(const struct acl *a, enum acl_op op, const char *from, const char *pool)
{
	struct sockaddr_in sin = v4(from);
	struct rsp_handle h = {0};

	if (pool != NULL) {
		h.len = (uint8_t)strlen(pool);
		memcpy(h.bytes, pool, h.len);
	}
	return acl_allows(a, op, (struct sockaddr *)&sin, pool ? &h : NULL);
}

static void
test_rules(void)
{
	static const char text[] =
	    "# site rules\n"
	    "deny  register 10.6.6.0/24 *\n"
	    "allow register 10.0.0.0/8  EchoPool   # exact\n"
	    "allow register 10.1.0.0/16 Calc*\n"
	    "allow resolve  any         *\n"
	    "\n"
	    "allow peer     192.0.2.0/24\n"
	    "allow dump     127.0.0.1\r\n";
	struct acl *a;
	char err[128];

	test_section("rules");
	a = acl_parse(text, sizeof(text) - 1, err, sizeof(err));
	if (!CHECK(a != NULL && a->n == 6))
		return;
	CHECK(allows(a, ACL_REGISTER, "10.2.3.4", "EchoPool"));
	CHECK(!allows(a, ACL_REGISTER, "10.2.3.4", "EchoPool2"));
	CHECK(!allows(a, ACL_REGISTER, "10.6.6.7", "EchoPool")); /* first */
	CHECK(allows(a, ACL_REGISTER, "10.1.9.9", "CalcAppPool"));
	CHECK(!allows(a, ACL_REGISTER, "10.2.9.9", "CalcAppPool"));
	CHECK(!allows(a, ACL_REGISTER, "11.0.0.1", "EchoPool")); /* default */
	CHECK(allows(a, ACL_RESOLVE, "203.0.113.1", "AnyPool"));
	CHECK(allows(a, ACL_PEER, "192.0.2.9", NULL));
	CHECK(!allows(a, ACL_PEER, "127.0.0.1", NULL));
	CHECK(allows(a, ACL_DUMP, "127.0.0.1", NULL));
	CHECK(allows(a, ACL_DUMP, "192.0.2.9", NULL)); /* a peer reads */
	CHECK(!allows(a, ACL_DUMP, "198.51.100.1", NULL));
	acl_free(a);
	a = acl_parse("", 0, err, sizeof(err));
	CHECK(
	    a != NULL && a->n == 0 && !allows(a, ACL_RESOLVE, "1.2.3.4", "P"));
	acl_free(a);
}

static void
bad(const char *text, const char *want)
{
	char err[256] = "";
	struct acl *a = acl_parse(text, strlen(text), err, sizeof(err));

	if (!CHECK(a == NULL && strstr(err, want) != NULL))
		printf("  %s -> '%s', wanted '%s'\n", text, err, want);
	acl_free(a);
}

static void
test_errors(void)
{
	char long_line[700];

	test_section("errors name the line");
	bad("allow register any\n", "1: register takes PREFIX POOL");
	bad("\n\npermit peer any\n", "3: 'permit': expected allow or deny");
	bad("allow peer any EchoPool\n", "1: peer takes PREFIX only");
	bad("allow peer 10.0.0.0/40\n", "1: 10.0.0.0/40: prefix length");
	bad("allow resolve any P extra words\n", "1: too many words");
	bad("deny\n", "1: expected register, resolve, peer or dump");
	bad("allow register any "
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789012345678901234567890123456789"
	    "9\n",
	    "1: pool handle longer than");
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	bad(long_line, "1: line too long");
	CHECK(acl_parse("allow dump\0 any\n", 16, long_line, 100) == NULL);
	CHECK(strstr(long_line, "not text") != NULL);
	CHECK(acl_load("/nonexistent/acl", long_line, 100) == NULL &&
	      strstr(long_line, "/nonexistent/acl: No such file") != NULL);
}

int
main(void)
{
	test_rules();
	test_errors();
	return test_done();
}
