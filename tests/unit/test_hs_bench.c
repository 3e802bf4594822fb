/*
 * The handlespace benchmark's smoke mode (10k PEs, about a second), so
 * that make check builds and runs bench/hs_bench.c; the full table is
 * make bench-hs.
 */
#define HS_BENCH_NO_MAIN
#include "bench/hs_bench.c"

#include "testlib.h"

int
main(void)
{
	char a0[] = "hs_bench", a1[] = "-smoke";
	char *argv[] = {a0, a1, NULL};

	test_section("hs_bench -smoke");
	CHECK(hs_bench_main(2, argv) == 0);
	return test_done();
}
