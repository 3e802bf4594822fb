/*
 * Minimal unit-test support: CHECK() counts, test_done() prints the
 * closing "N passed, N failed" line and gives the exit status.
 */
#ifndef RSP_TESTLIB_H
#define RSP_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

int test_check(int ok, const char *what, const char *file, int line);
int test_check_bytes(const void *got, size_t glen, const void *want,
    size_t wlen, const char *what, const char *file, int line);
void test_section(const char *name);
int test_done(void);
/* Parse "01 02 ab" style hex (whitespace ignored); returns length or -1. */
long test_hex(const char *hex, uint8_t *out, size_t max);
/* Read a whole file; returns malloc'd bytes or NULL. */
uint8_t *test_read_file(const char *path, size_t *len);

/* Deterministic test data (splitmix64): the tests of proto/ and
 * handlespace/ link no core/rand. */
void test_seed(uint64_t seed);
uint32_t test_u32(void);
uint32_t test_uniform(uint32_t n); /* 0..n-1 */
uint32_t test_id32(void);          /* non-zero */
#define TEST_HS_SEED 0x5eedULL     /* hs_new()'s seed in tests */

#define CHECK(c) test_check(!!(c), #c, __FILE__, __LINE__)
#define CHECK_BYTES(g, gl, w, wl) \
	test_check_bytes((g), (gl), (w), (wl), #g, __FILE__, __LINE__)

#endif
