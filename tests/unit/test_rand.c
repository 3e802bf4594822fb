/* Random ids: never 0, uniform within bounds, reproducible when seeded. */
#include <string.h>

#include "core/rand.h"
#include "testlib.h"

static void
test_kernel(void)
{
	uint8_t a[300], b[300];
	uint32_t x = 0, y = 0;
	int i, zeros = 0, differ = 0;

	test_section("kernel randomness");
	for (i = 0; i < 10000; i++)
		zeros += rand_id32() == 0;
	CHECK(zeros == 0);
	rand_bytes(a, sizeof(a));
	rand_bytes(b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	for (i = 0; i < 8; i++) {
		x = rand_u32();
		differ += x != y;
		y = x;
	}
	CHECK(differ >= 7);
	CHECK(rand_u64() != rand_u64());
	for (i = 0, differ = 1; i < 1000; i++)
		differ &= rand_uniform(3) < 3;
	CHECK(differ);
}

static void
test_rand_uniform(void)
{
	int counts[6] = {0};
	int i, ok = 1, n = 60000;
	uint32_t v;

	test_section("uniform");
	/* Seeded, so the 5-sigma bounds below can never flake. */
	rand_seed_for_tests(7);
	CHECK(rand_uniform(0) == 0 && rand_uniform(1) == 0);
	CHECK(rand_uniform(2) < 2);
	for (i = 0; i < n; i++) {
		v = rand_uniform(6);
		if (v >= 6) {
			ok = 0;
			break;
		}
		counts[v]++;
	}
	CHECK(ok);
	/* Expect 10000 each; 5 sigma is about 456. */
	for (i = 0; i < 6; i++)
		CHECK(counts[i] > 9500 && counts[i] < 10500);
	for (i = 0; i < 10000; i++)
		ok &= rand_uniform(0x80000001u) < 0x80000001u;
	for (i = 0; i < 10000; i++)
		ok &= rand_uniform(UINT32_MAX) < UINT32_MAX;
	CHECK(ok);
}

static void
test_seeded(void)
{
	uint32_t first[16], again[16];
	int i, zeros = 0;

	test_section("seeded");
	rand_seed_for_tests(1);
	for (i = 0; i < 16; i++)
		first[i] = rand_u32();
	rand_seed_for_tests(1);
	for (i = 0; i < 16; i++)
		again[i] = rand_u32();
	CHECK(memcmp(first, again, sizeof(first)) == 0);
	rand_seed_for_tests(2);
	CHECK(rand_u32() != first[0]);
	/* Seed 0 still yields varied, non-zero ids. */
	rand_seed_for_tests(0);
	for (i = 0; i < 100000; i++)
		zeros += rand_id32() == 0;
	CHECK(zeros == 0);
}

int
main(void)
{
	test_kernel(); /* first: the others switch to the test generator */
	test_rand_uniform();
	test_seeded();
	return test_done();
}
