/*
 * Pool policies (docs/wire.md 5.3-5.5) as tables: PEs with their policy
 * values, a number of requests of n items, and the expected selection
 * sequence ("1,2 2,3": two requests of two PEs each).  Random policies
 * are judged by their shares over many seeded draws.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "handlespace/hs.h"
#include "testlib.h"

#define MAXPES 6

struct tpe_vals {
	uint32_t id;
	uint32_t v[RSP_POLICY_FIELDS];
};

struct seq_case {
	const char *what;
	uint32_t policy;
	struct tpe_vals pes[MAXPES];
	unsigned items, maxinc, requests;
	const char *expect;
};

#define DPF_1000 1000u /* load DPF: 1000 load units per ms of distance */

static const struct seq_case seq_cases[] = {
    {"RR 3 PEs, 2 items (5.5)", RSP_POLICY_RR, {{1, {0}}, {2, {0}}, {3, {0}}},
        2, 0, 4, "1,2 2,3 3,1 1,2"},
    {"RR 1 item", RSP_POLICY_RR, {{1, {0}}, {2, {0}}, {3, {0}}}, 1, 0, 6,
        "1 2 3 1 2 3"},
    {"RR max increment 2", RSP_POLICY_RR, {{1, {0}}, {2, {0}}, {3, {0}}}, 2, 2,
        4, "1,2 3,1 2,3 1,2"},
    {"RR more items than PEs", RSP_POLICY_RR, {{1, {0}}, {2, {0}}, {3, {0}}}, 5,
        0, 2, "1,2,3 2,3,1"},
    {"RR registration order, not ID order", RSP_POLICY_RR,
        {{30, {0}}, {10, {0}}, {20, {0}}}, 1, 0, 4, "30 10 20 30"},
    {"WRR weights 3,1 (5.5)", RSP_POLICY_WRR, {{1, {3}}, {2, {1}}}, 1, 0, 10,
        "1 2 1 1 1 2 1 1 1 2"},
    {"WRR weights 2,1,1 (5.5)", RSP_POLICY_WRR, {{1, {2}}, {2, {1}}, {3, {1}}},
        1, 0, 8, "1 2 3 1 1 2 3 1"},
    {"WRR weight 0 acts as 1", RSP_POLICY_WRR, {{1, {0}}, {2, {1}}}, 1, 0, 6,
        "1 2 1 2 1 2"},
    {"PRIO 5,9,9 (5.5)", RSP_POLICY_PRIO, {{1, {5}}, {2, {9}}, {3, {9}}}, 1, 0,
        4, "2 3 2 3"},
    {"PRIO 2 items", RSP_POLICY_PRIO, {{1, {5}}, {2, {9}}, {3, {9}}}, 2, 0, 3,
        "2,3 3,2 2,3"},
    {"PRIO max priority", RSP_POLICY_PRIO, {{1, {0xffffffff}}, {2, {0}}}, 2, 0,
        2, "1,2 1,2"},
    {"LU 100,100,150 (5.5)", RSP_POLICY_LU,
        {{1, {100}}, {2, {100}}, {3, {150}}}, 1, 0, 4, "1 2 1 2"},
    {"LU 3 items", RSP_POLICY_LU, {{1, {100}}, {2, {100}}, {3, {150}}}, 3, 0, 3,
        "1,2,3 2,1,3 1,2,3"},
    {"LU lowest first", RSP_POLICY_LU, {{1, {900}}, {2, {5}}, {3, {300}}}, 3, 0,
        2, "2,3,1 2,3,1"},
    {"LUD 100,200 ldeg 30", RSP_POLICY_LUD, {{1, {100, 30}}, {2, {200, 30}}}, 1,
        0, 6, "1 1 2 1 2 1"},
    {"PLU load + ldeg", RSP_POLICY_PLU,
        {{1, {100, 50}}, {2, {120, 10}}, {3, {130, 20}}}, 3, 0, 2,
        "2,1,3 2,1,3"},
    {"PLU no degradation", RSP_POLICY_PLU, {{1, {100, 50}}, {2, {120, 10}}}, 1,
        0, 3, "2 2 2"},
    {"PLUD degrades", RSP_POLICY_PLUD, {{1, {100, 50}}, {2, {120, 10}}}, 1, 0,
        6, "2 2 2 1 2 2"},
    {"LU-DPF distance counts", RSP_POLICY_LU_DPF,
        {{1, {0, DPF_1000, 50}}, {2, {40000, DPF_1000, 0}},
            {3, {10000, DPF_1000, 20}}},
        3, 0, 1, "3,2,1"},
    {"LU-DPF saturates", RSP_POLICY_LU_DPF,
        {{1, {0, 0xffffffff, 100}}, {2, {0xfffffff0, 0, 0}}}, 2, 0, 2,
        "2,1 2,1"},
    {"LUD-DPF", RSP_POLICY_LUD_DPF,
        {{1, {0, 100, DPF_1000, 50}}, {2, {50000, 100, DPF_1000, 0}}}, 1, 0, 4,
        "1 2 1 2"},
    {"PLU-DPF", RSP_POLICY_PLU_DPF,
        {{1, {0, 10, DPF_1000, 50}}, {2, {50000, 20, 0, 0}}}, 1, 0, 3, "1 1 1"},
    {"PLUD-DPF", RSP_POLICY_PLUD_DPF,
        {{1, {0, 10, DPF_1000, 50}}, {2, {50000, 20, 0, 0}}}, 1, 0, 5,
        "1 2 1 1 2"},
};

struct tpe {
	struct rsp_pe pe;
	struct rsp_addr a;
};

static struct rsp_pe *
mkpe(struct tpe *t, uint32_t id, uint32_t type, const uint32_t *v)
{
	memset(t, 0, sizeof(*t));
	t->pe.id = id;
	t->pe.home = 1;
	t->pe.life = 1000000;
	t->pe.policy.type = type;
	memcpy(t->pe.policy.v, v, sizeof(t->pe.policy.v));
	t->pe.user.ptype = RSP_PARAM_SCTP;
	t->pe.user.port = 9;
	t->pe.user.naddrs = 1;
	t->pe.user.addrs = &t->a;
	t->a.family = AF_INET;
	t->a.a[0] = 192;
	t->a.a[3] = (uint8_t)id;
	return &t->pe;
}

static const struct rsp_handle pool = {4, "pool"};

static int
add(struct hs *hs, const struct tpe_vals *p, uint32_t type)
{
	struct tpe t;
	uint16_t cause;

	return hs_register(hs, &pool, mkpe(&t, p->id, type, p->v), 0, &cause);
}

static void
run_seq(const struct seq_case *c)
{
	const struct hs_pe *out[HS_SELECT_MAX];
	struct hs *hs = hs_new(TEST_HS_SEED);
	char got[256];
	size_t len = 0;
	unsigned r;
	int i, n, ok = 1;

	for (i = 0; i < MAXPES && c->pes[i].id != 0; i++)
		ok &= add(hs, &c->pes[i], c->policy) == HS_ADDED;
	got[0] = 0;
	for (r = 0; r < c->requests; r++) {
		n = hs_select(hs, &pool, c->items, c->maxinc, out);
		for (i = 0; i < n && len + 16 < sizeof(got); i++)
			len += (size_t)snprintf(got + len, sizeof(got) - len,
			    "%s%u",
			    i   ? ","
			    : r ? " "
			        : "",
			    hs_pe_id(out[i]));
	}
	if (!CHECK(ok && strcmp(got, c->expect) == 0))
		fprintf(stderr, "  %s: got \"%s\", want \"%s\"\n", c->what, got,
		    c->expect);
	hs_free(hs);
}

struct share_case {
	const char *what;
	uint32_t policy;
	struct tpe_vals pes[MAXPES];
	unsigned items;
	/* Expected picks per 1000 requests and PE; 1: rare, 0: never. */
	unsigned permille[MAXPES];
};

#define FULL 0xffffffffu
#define HALF 0x7fffffffu

static const struct share_case share_cases[] = {
    {"RAND uniform", RSP_POLICY_RAND, {{1, {0}}, {2, {0}}, {3, {0}}, {4, {0}}},
        1, {250, 250, 250, 250}},
    {"WRAND weights, 0 never", RSP_POLICY_WRAND, {{1, {0}}, {2, {1}}, {3, {3}}},
        1, {0, 250, 750}},
    {"WRAND without replacement", RSP_POLICY_WRAND,
        {{1, {1}}, {2, {1}}, {3, {2}}}, 2, {583, 583, 833}},
    {"RLU 0xffffffff - load", RSP_POLICY_RLU,
        {{1, {0}}, {2, {FULL}}, {3, {HALF}}}, 1, {667, 0, 333}},
    {"RPLU load + ldeg", RSP_POLICY_RPLU,
        {{1, {0, HALF}}, {2, {HALF / 2, HALF / 2}}, {3, {0, 0}}}, 1,
        {250, 250, 500}},
    {"RLUD never degrades", RSP_POLICY_RLUD,
        {{1, {0, HALF}}, {2, {HALF, HALF}}}, 1, {667, 333}},
    {"RPLUD never degrades", RSP_POLICY_RPLUD, {{1, {0, HALF}}, {2, {0, 0}}}, 1,
        {333, 667}},
    /* v = weight - round(weight x distance x dpf): 1000; 3000 - 1500;
     * 100 - 200 < 0 gives 1; 1000 - 1000 = 0 is never picked. */
    {"WRAND-DPF", RSP_POLICY_WRAND_DPF,
        {{1, {1000, 0, 0}}, {2, {3000, 0x80000000, 1}}, {3, {100, FULL, 2}},
            {4, {1000, FULL, 1}}},
        1, {400, 600, 1, 0}},
};

static void
run_share(const struct share_case *c)
{
	const int draws = 30000;
	const struct hs_pe *out[HS_SELECT_MAX];
	unsigned count[MAXPES] = {0};
	struct hs *hs = hs_new(TEST_HS_SEED);
	int i, j, k, n, npes, ok = 1;
	long want, tol;

	hs_seed(hs, 2024);
	for (npes = 0; npes < MAXPES && c->pes[npes].id != 0; npes++)
		ok &= add(hs, &c->pes[npes], c->policy) == HS_ADDED;
	for (i = 0; i < draws; i++) {
		n = hs_select(hs, &pool, c->items, 0, out);
		ok &= n == (int)c->items;
		for (j = 0; j < n; j++) {
			for (k = 0; k < j; k++)
				ok &= out[k] != out[j]; /* no duplicates */
			count[hs_pe_id(out[j]) - 1]++;
		}
	}
	for (k = 0; k < npes; k++) {
		/* 6 sigma of a binomial at p <= 0.5 is under 1.8% of 30000. */
		want = (long)c->permille[k] * draws / 1000;
		tol = c->permille[k] > 1 ? draws * 18 / 1000
		      : c->permille[k]   ? draws / 1000
		                         : 0;
		ok &= (long)count[k] >= want - tol &&
		      (long)count[k] <= want + tol;
	}
	if (!CHECK(ok))
		fprintf(stderr, "  %s: %u %u %u %u\n", c->what, count[0],
		    count[1], count[2], count[3]);
	if (c->policy == RSP_POLICY_RLUD || c->policy == RSP_POLICY_RPLUD)
		for (k = 1; k <= npes; k++)
			CHECK(hs_pe_degradation(
			          hs_find_pe(hs, &pool, (uint32_t)k)) == 0);
	hs_free(hs);
}

static void
test_tables(void)
{
	size_t i;

	test_section("sorted selection sequences");
	for (i = 0; i < sizeof(seq_cases) / sizeof(seq_cases[0]); i++)
		run_seq(&seq_cases[i]);
	test_section("random selection shares");
	for (i = 0; i < sizeof(share_cases) / sizeof(share_cases[0]); i++)
		run_share(&share_cases[i]);
}

/* LUD's degradation: LoadDegradation after registration, then two steps
 * per selection (RSPLIB's double update), reset by re-registration. */
static void
test_lud_degradation(void)
{
	static const struct tpe_vals p = {7, {0, 30}};
	static const uint32_t steps[] = {90, 150, 210};
	const struct hs_pe *out[1];
	struct hs *hs = hs_new(TEST_HS_SEED);
	size_t i;

	test_section("LUD degradation");
	CHECK(add(hs, &p, RSP_POLICY_LUD) == HS_ADDED);
	CHECK(hs_pe_degradation(hs_find_pe(hs, &pool, 7)) == 30);
	for (i = 0; i < 3; i++) {
		CHECK(hs_select(hs, &pool, 1, 0, out) == 1);
		CHECK(hs_pe_degradation(out[0]) == steps[i]);
		CHECK(hs_pe_selections(out[0]) == i + 1);
	}
	CHECK(add(hs, &p, RSP_POLICY_LUD) == HS_UPDATED);
	CHECK(hs_pe_degradation(hs_find_pe(hs, &pool, 7)) == 30);
	/* Saturates instead of wrapping. */
	{
		static const struct tpe_vals big = {7, {0, 0x80000000}};

		CHECK(add(hs, &big, RSP_POLICY_LUD) == HS_UPDATED);
		CHECK(hs_select(hs, &pool, 1, 0, out) == 1);
		CHECK(hs_pe_degradation(out[0]) == 0xffffffff);
	}
	hs_free(hs);
}

/* LU pools change by re-registration with new loads. */
static void
test_lu_update(void)
{
	static const struct tpe_vals a = {1, {100}}, b = {2, {200}},
	                             a2 = {1, {300}};
	const struct hs_pe *out[2];
	struct hs *hs = hs_new(TEST_HS_SEED);

	test_section("LU load update");
	add(hs, &a, RSP_POLICY_LU);
	add(hs, &b, RSP_POLICY_LU);
	CHECK(hs_select(hs, &pool, 1, 0, out) == 1 && hs_pe_id(out[0]) == 1);
	CHECK(add(hs, &a2, RSP_POLICY_LU) == HS_UPDATED);
	CHECK(hs_select(hs, &pool, 2, 0, out) == 2 && hs_pe_id(out[0]) == 2 &&
	      hs_pe_id(out[1]) == 1);
	hs_free(hs);
}

static void
test_random_edges(void)
{
	static const struct tpe_vals z1 = {1, {0}}, z2 = {2, {0}}, w = {3, {5}};
	static const struct rsp_handle none = {4, "none"};
	const struct hs_pe *out[HS_SELECT_MAX];
	struct hs *hs = hs_new(TEST_HS_SEED);

	test_section("random edges");
	CHECK(hs_select(hs, &none, 1, 0, out) == -1);
	add(hs, &z1, RSP_POLICY_WRAND);
	add(hs, &z2, RSP_POLICY_WRAND);
	CHECK(hs_select(hs, &pool, 3, 0, out) == 0); /* all weights 0 */
	add(hs, &w, RSP_POLICY_WRAND);
	CHECK(hs_select(hs, &pool, 3, 0, out) == 1 && hs_pe_id(out[0]) == 3);
	CHECK(hs_select(hs, &pool, 0, 0, out) == 0);
	CHECK(hs_select(hs, &pool, 1000, 0, out) == 1);
	hs_free(hs);
}

static void
test_consistency(void)
{
	static const struct tpe_vals p1 = {1, {10}}, p2 = {2, {10}};
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct tpe t;
	uint16_t cause;

	test_section("pool consistency 5.3");
	CHECK(add(hs, &p1, RSP_POLICY_LU) == HS_ADDED);
	/* Another policy: 0x0005, also for an existing PE. */
	CHECK(add(hs, &p2, RSP_POLICY_LUD) == -1);
	CHECK(hs_register(hs, &pool, mkpe(&t, 2, RSP_POLICY_RR, p2.v), 0,
	          &cause) == -1 &&
	      cause == RSP_CAUSE_INCONSISTENT_POLICY);
	CHECK(hs_register(hs, &pool, mkpe(&t, 1, RSP_POLICY_RR, p1.v), 0,
	          &cause) == -1 &&
	      cause == RSP_CAUSE_INCONSISTENT_POLICY);
	/* Another transport protocol: 0x0007 (RSPLIB sends 0x100a). */
	mkpe(&t, 2, RSP_POLICY_LU, p2.v);
	t.pe.user.ptype = RSP_PARAM_TCP;
	CHECK(hs_register(hs, &pool, &t.pe, 0, &cause) == -1 &&
	      cause == RSP_CAUSE_INCONSISTENT_TRANSPORT);
	/* Another transport use: 0x0008. */
	mkpe(&t, 2, RSP_POLICY_LU, p2.v);
	t.pe.user.use = RSP_TRANSPORT_DATA_CONTROL;
	CHECK(hs_register(hs, &pool, &t.pe, 0, &cause) == -1 &&
	      cause == RSP_CAUSE_INCONSISTENT_CONTROL);
	CHECK(hs_pool_size(hs, &pool) == 1);
	/* The emptied pool goes; the next PE brings its own settings. */
	CHECK(hs_deregister(hs, &pool, 1) == 0 && hs_pool_total(hs) == 0);
	CHECK(hs_register(hs, &pool, &t.pe, 0, &cause) == HS_ADDED);
	CHECK(hs_pe_policy_type(hs_find_pe(hs, &pool, 2)) == RSP_POLICY_LU);
	CHECK(hs_deregister(hs, &pool, 2) == 0);
	CHECK(add(hs, &p2, RSP_POLICY_WRR) == HS_ADDED);
	CHECK(hs_pe_policy_type(hs_find_pe(hs, &pool, 2)) == RSP_POLICY_WRR);
	hs_free(hs);
}

/* Every encodable policy type has a row, and unknown types are refused. */
static void
test_all_types(void)
{
	static const struct tpe_vals p = {1, {1, 2, 3, 4}};
	const struct rsp_policy_info *tab;
	const struct hs_pe *out[1];
	struct hs *hs;
	size_t i, n;
	int ok = 1;

	test_section("all policy types");
	tab = rsp_policy_table(&n);
	for (i = 0; i < n; i++) {
		hs = hs_new(TEST_HS_SEED);
		ok &= add(hs, &p, tab[i].type) == HS_ADDED;
		ok &= hs_select(hs, &pool, 1, 0, out) == 1;
		hs_free(hs);
	}
	CHECK(ok && n == 18);
}

int
main(void)
{
	test_tables();
	test_lud_degradation();
	test_lu_update();
	test_random_edges();
	test_consistency();
	test_all_types();
	return test_done();
}
