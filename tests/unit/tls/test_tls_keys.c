/*
 * The TLS key file (core/transport/tls/tls_keys.c): good lines, each
 * kind of bad line with the file, line and expectation in its error,
 * duplicates, the pool patterns of an identity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/transport/tls/tls_keys.h"
#include "tests/unit/testlib.h"

#define KEY32 "00112233445566778899aabbccddeeff"

static char path[64];

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Load text: 0 with keys, or -1 with err holding want. */
static int
load(const char *text, struct tls_keys *keys, const char *want)
{
	char err[256] = "";
	int r;

	write_file(text);
	r = tls_keys_load(keys, path, err, sizeof(err));
	if (want != NULL && !CHECK(r == -1 && strstr(err, want) != NULL))
		fprintf(
		    stderr, "  error was \"%s\", expected \"%s\"\n", err, want);
	return r;
}

static void
test_good(void)
{
	static const uint8_t echo[] = "EchoPool", ping[] = "PingPongPool",
	                     other[] = "Other", nul[] = {'E', 0, 'x'};
	struct tls_keys keys;
	const struct tls_key *k;

	test_section("good file");
	CHECK(load("# comment\n\n  pe1 pe " KEY32 KEY32 " Echo* Ping?ongPool\n"
	           "pu1\tpu\t" KEY32 "\r\nreg-a registrar " KEY32 "\n"
	           "root admin " KEY32 "\n",
	          &keys, NULL) == 0);
	CHECK(keys.n == 4);
	k = tls_keys_find(&keys, "pe1");
	CHECK(k != NULL && k->role == TLS_ROLE_PE && k->keylen == 32 &&
	      k->key[0] == 0x00 && k->key[15] == 0xff && k->npatterns == 2);
	CHECK(k && tls_key_pool_allowed(k, echo, sizeof(echo) - 1));
	CHECK(k && tls_key_pool_allowed(k, ping, sizeof(ping) - 1));
	CHECK(k && !tls_key_pool_allowed(k, other, sizeof(other) - 1));
	CHECK(k && !tls_key_pool_allowed(k, nul, sizeof(nul)));
	k = tls_keys_find(&keys, "pu1");
	CHECK(k != NULL && k->role == TLS_ROLE_PU && k->keylen == 16);
	CHECK(k && !tls_key_pool_allowed(k, echo, sizeof(echo) - 1));
	CHECK(tls_keys_find(&keys, "reg-a")->role == TLS_ROLE_REGISTRAR);
	CHECK(strcmp(tls_role_name(TLS_ROLE_ADMIN), "admin") == 0);
	CHECK(tls_keys_find(&keys, "nobody") == NULL);
	tls_keys_free(&keys);
}

static void
test_bad(void)
{
	struct tls_keys keys;
	char want[128];

	test_section("bad files");
	snprintf(want, sizeof(want),
	    "%s:2: role: expected pe, pu, registrar "
	    "or admin (found \"boss\")",
	    path);
	load("pu1 pu " KEY32 "\nx boss " KEY32 "\n", &keys, want);
	snprintf(want, sizeof(want), "%s:1: key: expected 32 to 128 hex", path);
	load("x pu 0011\n", &keys, want);
	load("x pu " KEY32 "0\n", &keys, "key: expected");
	load("x pu " KEY32 "zz\n", &keys, "key: expected");
	load("x pu " KEY32 KEY32 KEY32 KEY32 "00\n", &keys, "key: expected");
	snprintf(want, sizeof(want), "%s:1: expected IDENTITY ROLE KEY", path);
	load("x pu\n", &keys, want);
	load("x pe " KEY32 "\n", &keys, "role pe: expected at least one");
	load("x pu " KEY32 " Echo*\n", &keys,
	    "pool patterns are for role pe only (found \"Echo*\")");
	snprintf(want, sizeof(want), "%s:2: identity already given", path);
	load("x pu " KEY32 "\nx pu " KEY32 "\n", &keys, want);
	load("# only a comment\n", &keys, "no identity");
	load("x pe " KEY32 " a b c d e f g h i j k l m n o p q\n", &keys,
	    "more than 16 pool patterns");
	CHECK(tls_keys_load(&keys, "/nonexistent/keys", want, sizeof(want)) ==
	          -1 &&
	      strstr(want, "/nonexistent/keys: No such file") != NULL);
}

int
main(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_tls_keys.XXXXXX");
	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	test_good();
	test_bad();
	unlink(path);
	return test_done();
}
