/* The scripting service's environment cache: hits, misses, LRU eviction
 * by entries and bytes, damaged entries, adoption of a permanent
 * directory, and removal of a temporary one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sha1.h"
#include "services/scripting.h"
#include "testlib.h"

static char top[] = "/tmp/rsp-sscache.XXXXXX";

/* Write text to top/name; its SHA-1 into hash. */
static void
put_file(const char *name, const char *text, uint8_t *hash)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	sha1_file(path, hash);
}

static int
file_is(const char *path, const char *text)
{
	char buf[256];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

static void
test_lru(void)
{
	struct ss_cache c;
	uint8_t h1[SHA1_SIZE], h2[SHA1_SIZE], h3[SHA1_SIZE];
	char dir[256], src[256], dest[256], entry[512], hex[41];
	FILE *f;

	test_section("hit, miss, LRU by entries");
	snprintf(dir, sizeof(dir), "%s/cache", top);
	snprintf(dest, sizeof(dest), "%s/out", top);
	put_file("e1", "one", h1);
	put_file("e2", "two", h2);
	put_file("e3", "three", h3);
	CHECK(ss_cache_init(&c, dir, 1 << 20, 2) == 0);
	CHECK(ss_cache_get(&c, h1, dest) == -1);
	snprintf(src, sizeof(src), "%s/e1", top);
	CHECK(ss_cache_put(&c, h1, src) == 0);
	CHECK(ss_cache_put(&c, h1, src) == 0 && c.n == 1); /* no duplicate */
	snprintf(src, sizeof(src), "%s/e2", top);
	CHECK(ss_cache_put(&c, h2, src) == 0);
	CHECK(ss_cache_get(&c, h1, dest) == 0 && file_is(dest, "one"));
	/* e1 was used last: adding e3 evicts e2. */
	snprintf(src, sizeof(src), "%s/e3", top);
	CHECK(ss_cache_put(&c, h3, src) == 0);
	CHECK(c.n == 2 && c.total == 3 + 5);
	CHECK(ss_cache_get(&c, h2, dest) == -1);
	CHECK(ss_cache_get(&c, h3, dest) == 0 && file_is(dest, "three"));
	sha1_hex(h2, hex);
	snprintf(entry, sizeof(entry), "%s/%s.data", dir, hex);
	CHECK(access(entry, F_OK) == -1);

	test_section("damaged entry");
	sha1_hex(h1, hex);
	snprintf(entry, sizeof(entry), "%s/%s.data", dir, hex);
	f = fopen(entry, "w");
	fputs("tampered", f);
	fclose(f);
	CHECK(ss_cache_get(&c, h1, dest) == -1);
	CHECK(
	    c.n == 1 && access(entry, F_OK) == -1 && access(dest, F_OK) == -1);
	ss_cache_fini(&c);

	test_section("a permanent cache is adopted");
	CHECK(ss_cache_init(&c, dir, 1 << 20, 2) == 0);
	CHECK(c.n == 1 && c.total == 5);
	CHECK(ss_cache_get(&c, h3, dest) == 0 && file_is(dest, "three"));
	ss_cache_fini(&c);
	CHECK(access(dir, F_OK) == 0); /* not ours to remove */
	/* Adopting beyond the limit evicts at once. */
	snprintf(src, sizeof(src), "%s/e1", top);
	CHECK(ss_cache_init(&c, dir, 1 << 20, 2) == 0);
	CHECK(ss_cache_put(&c, h1, src) == 0 && c.n == 2);
	ss_cache_fini(&c);
	CHECK(ss_cache_init(&c, dir, 1 << 20, 1) == 0 && c.n == 1);
	ss_cache_fini(&c);
}

static void
test_bytes(void)
{
	struct ss_cache c;
	uint8_t h1[SHA1_SIZE], h2[SHA1_SIZE], hb[SHA1_SIZE];
	char src[256], tmpdir[sizeof(((struct ss_cache *)0)->dir)];

	test_section("LRU by bytes, too large, temporary directory");
	put_file("b1", "aaaaaaaaaa", h1);   /* 10 bytes */
	put_file("b2", "bbbbbbbbbbbb", h2); /* 12 bytes */
	put_file("big", "0123456789012345678901234567890", hb);
	CHECK(ss_cache_init(&c, NULL, 25, 10) == 0 && c.temporary);
	snprintf(tmpdir, sizeof(tmpdir), "%s", c.dir);
	CHECK(strncmp(tmpdir, top, strlen(top)) == 0 &&
	      strstr(tmpdir, "/rspSS-EnvironmentCache-") != NULL);
	snprintf(src, sizeof(src), "%s/b1", top);
	CHECK(ss_cache_put(&c, h1, src) == 0);
	snprintf(src, sizeof(src), "%s/b2", top);
	CHECK(ss_cache_put(&c, h2, src) == 0 && c.n == 2 && c.total == 22);
	snprintf(src, sizeof(src), "%s/b1", top);
	CHECK(ss_cache_put(&c, h1, src) == 0 && c.n == 2);
	snprintf(src, sizeof(src), "%s/big", top);
	CHECK(ss_cache_put(&c, hb, src) == -1 && c.n == 2);
	/* 10 + 12 + 10 > 25: one must go. */
	put_file("b3", "cccccccccc", hb);
	snprintf(src, sizeof(src), "%s/b3", top);
	CHECK(ss_cache_put(&c, hb, src) == 0 && c.n == 2 && c.total == 20);
	ss_cache_fini(&c);
	CHECK(access(tmpdir, F_OK) == -1);
}

int
main(void)
{
	CHECK(mkdtemp(top) != NULL);
	setenv("TMPDIR", top, 1);
	test_lru();
	test_bytes();
	ss_remove_tree(top);
	return test_done();
}
