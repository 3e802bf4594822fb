/* Address prefixes (core/prefix.c): parsing, its errors, matching. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/prefix.h"
#include "testlib.h"

static struct sockaddr_storage
sa(const char *s)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, s,
	             &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	return ss;
}

static int
match(const char *prefix, const char *addr)
{
	struct sockaddr_storage ss = sa(addr);
	struct addr_prefix p;
	char err[128];

	return prefix_parse(prefix, &p, err, sizeof(err)) == 0 &&
	       prefix_match(&p, (struct sockaddr *)&ss);
}

static void
test_match(void)
{
	test_section("matching");
	CHECK(match("10.0.0.0/8", "10.255.1.2"));
	CHECK(!match("10.0.0.0/8", "11.0.0.1"));
	CHECK(match("192.168.1.0/25", "192.168.1.127"));
	CHECK(!match("192.168.1.0/25", "192.168.1.128"));
	CHECK(match("127.0.0.2", "127.0.0.2"));
	CHECK(!match("127.0.0.2", "127.0.0.3"));
	CHECK(match("0.0.0.0/0", "203.0.113.9"));
	CHECK(match("2001:db8::/32", "2001:db8:1::5"));
	CHECK(!match("2001:db8::/32", "2001:db9::5"));
	CHECK(match("10.0.0.0/8", "::ffff:10.1.2.3"));
	CHECK(!match("10.0.0.0/8", "2001:db8::1"));
	CHECK(!match("2001:db8::/32", "10.0.0.1"));
	CHECK(match("fe80::/10", "febf::1"));
	CHECK(!match("fe80::/10", "fec0::1"));
}

static void
test_errors(void)
{
	struct prefix_list l;
	struct addr_prefix p;
	struct sockaddr_storage ss = sa("10.2.3.4");
	char err[128];

	test_section("errors and lists");
	CHECK(prefix_parse("10.0.0.0/33", &p, err, sizeof(err)) == -1);
	CHECK(strstr(err, "10.0.0.0/33") != NULL && strstr(err, "0..32"));
	CHECK(prefix_parse("::/129", &p, err, sizeof(err)) == -1);
	CHECK(prefix_parse("10.0.0.0/", &p, err, sizeof(err)) == -1);
	CHECK(prefix_parse("10.0.0.0/8x", &p, err, sizeof(err)) == -1);
	CHECK(prefix_parse("example.org", &p, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not an address prefix") != NULL);
	CHECK(prefix_parse("", &p, err, sizeof(err)) == -1);
	memset(&l, 0, sizeof(l));
	CHECK(prefix_list_parse(
	          "192.0.2.0/24,10.2.0.0/16", &l, err, sizeof(err)) == 0 &&
	      l.n == 2);
	CHECK(prefix_list_match(&l, (struct sockaddr *)&ss));
	CHECK(
	    prefix_list_parse("1.2.3.4,nonsense", &l, err, sizeof(err)) == -1);
	CHECK(strstr(err, "nonsense") != NULL);
}

int
main(void)
{
	test_match();
	test_errors();
	return test_done();
}
