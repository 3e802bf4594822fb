/* SHA-1 against the FIPS 180-2 / RFC 3174 test vectors, split feeding
 * and the file helper. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sha1.h"
#include "testlib.h"

static void
hash_str(const char *s, size_t len, char hex[41])
{
	uint8_t h[SHA1_SIZE];
	struct sha1 c;

	sha1_init(&c);
	sha1_update(&c, s, len);
	sha1_final(&c, h);
	sha1_hex(h, hex);
}

static void
test_vectors(void)
{
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnop"
	                  "nopq";
	char hex[41];
	uint8_t h[SHA1_SIZE];
	struct sha1 c;
	char block[1000];
	int i;

	test_section("vectors");
	hash_str("", 0, hex);
	CHECK(strcmp(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709") == 0);
	hash_str("abc", 3, hex);
	CHECK(strcmp(hex, "a9993e364706816aba3e25717850c26c9cd0d89d") == 0);
	hash_str(two, strlen(two), hex);
	CHECK(strcmp(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1") == 0);
	/* One million 'a', fed in 1000-byte pieces. */
	memset(block, 'a', sizeof(block));
	sha1_init(&c);
	for (i = 0; i < 1000; i++)
		sha1_update(&c, block, sizeof(block));
	sha1_final(&c, h);
	sha1_hex(h, hex);
	CHECK(strcmp(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f") == 0);
	/* Byte-by-byte feeding gives the same as one piece. */
	sha1_init(&c);
	for (i = 0; i < (int)strlen(two); i++)
		sha1_update(&c, two + i, 1);
	sha1_final(&c, h);
	sha1_hex(h, hex);
	CHECK(strcmp(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1") == 0);
}

static void
test_file(void)
{
	char path[] = "/tmp/rsp-sha1.XXXXXX";
	uint8_t h[SHA1_SIZE];
	char hex[41];
	int fd;

	test_section("file");
	fd = mkstemp(path);
	CHECK(fd != -1);
	CHECK(write(fd, "abc", 3) == 3);
	close(fd);
	CHECK(sha1_file(path, h) == 3);
	sha1_hex(h, hex);
	CHECK(strcmp(hex, "a9993e364706816aba3e25717850c26c9cd0d89d") == 0);
	unlink(path);
	CHECK(sha1_file(path, h) == -1);
}

int
main(void)
{
	test_vectors();
	test_file();
	return test_done();
}
