#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"

static int passed, failed;
static const char *section = "";

void
test_section(const char *name)
{
	section = name;
}

int
test_check(int ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return 1;
	}
	failed++;
	fprintf(stderr, "FAIL %s:%d [%s] %s\n", file, line, section, what);
	return 0;
}

static void
dump(const char *tag, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s (%zu):", tag, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", p[i]);
	fputc('\n', stderr);
}

int
test_check_bytes(const void *got, size_t glen, const void *want, size_t wlen,
    const char *what, const char *file, int line)
{
	const uint8_t *g = got, *w = want;
	size_t i;
	int ok = glen == wlen;

	for (i = 0; ok && i < glen; i++)
		ok = g[i] == w[i];
	if (!test_check(ok, what, file, line)) {
		dump("got", g, glen);
		dump("want", w, wlen);
	}
	return ok;
}

int
test_done(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

long
test_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (isspace((unsigned char)*hex))
			continue;
		if (!isxdigit((unsigned char)*hex))
			return -1;
		v = isdigit((unsigned char)*hex) ? *hex - '0'
		                                 : (tolower(*hex) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

uint8_t *
test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) &&
	    fread(p, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

static uint64_t test_state = 1;

void
test_seed(uint64_t seed)
{
	test_state = seed;
}

uint32_t
test_u32(void)
{
	uint64_t z = (test_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

uint32_t
test_uniform(uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(((uint64_t)test_u32() * n) >> 32);
}

uint32_t
test_id32(void)
{
	uint32_t v;

	while ((v = test_u32()) == 0)
		;
	return v;
}
