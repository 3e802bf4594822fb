/*
 * Handlespace: the owner's per-PE extension area, the drop callback
 * (exactly once for every freed PE, on every path, never for a PE that
 * stays) and the PE slab (refs, slot reuse, zeroed slots, many blocks).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "handlespace/hs.h"
#include "testlib.h"

/* What the tests keep per PE: the ID it was tagged with (0: untouched). */
struct ext {
	uint32_t tag;
	uint32_t pad[6]; /* as big as the registrar's area */
};

struct drops {
	uint32_t ids[4096];
	size_t n;
	int bad; /* tag and PE disagreed in the callback */
};

static void
on_drop(void *arg, struct hs_pe *pe)
{
	struct drops *d = arg;
	struct ext *x = hs_pe_ext(pe);

	/* The PE is still whole here: ID, handle, area. */
	if (x->tag != 0 && x->tag != hs_pe_id(pe))
		d->bad = 1;
	if (hs_pe_handle(pe)->len == 0)
		d->bad = 1;
	if (d->n < sizeof(d->ids) / sizeof(d->ids[0]))
		d->ids[d->n] = hs_pe_id(pe);
	d->n++;
}

static size_t
dropped(const struct drops *d, uint32_t id)
{
	size_t i, n = 0;

	for (i = 0; i < d->n && i < sizeof(d->ids) / sizeof(d->ids[0]); i++)
		n += d->ids[i] == id;
	return n;
}

struct tpe {
	struct rsp_pe pe;
	struct rsp_addr ua[1], aa[1];
};

static struct rsp_pe *
mkpe(struct tpe *t, uint32_t id, uint32_t home, uint32_t type)
{
	memset(t, 0, sizeof(*t));
	t->pe.id = id;
	t->pe.home = home;
	t->pe.life = 1000;
	t->pe.policy.type = type;
	t->pe.policy.nvalues = (uint8_t)rsp_policy_nvalues(type);
	t->pe.policy.v[0] = id % 7 + 1;
	t->pe.user.ptype = RSP_PARAM_SCTP;
	t->pe.user.port = 7;
	t->pe.user.naddrs = 1;
	t->pe.user.addrs = t->ua;
	t->ua[0].family = AF_INET;
	t->ua[0].a[0] = 10;
	t->ua[0].a[2] = (uint8_t)(id >> 8);
	t->ua[0].a[3] = (uint8_t)id;
	t->pe.has_asap = 1;
	t->pe.asap.ptype = RSP_PARAM_SCTP;
	t->pe.asap.port = 40000;
	t->pe.asap.naddrs = 1;
	t->pe.asap.addrs = t->aa;
	t->aa[0] = t->ua[0];
	return &t->pe;
}

static const struct rsp_handle pool = {4, "pool"};

static int
reg(struct hs *hs, uint32_t id, uint32_t home, uint32_t type, uint64_t now)
{
	struct tpe t;
	uint16_t cause;

	return hs_register(hs, &pool, mkpe(&t, id, home, type), now, &cause);
}

/* Tag a PE's area with its ID; 0 if the area was still zero. */
static int
tag(struct hs *hs, uint32_t id)
{
	const struct hs_pe *pe = hs_find_pe(hs, &pool, id);
	struct ext *x;
	int was_zero;

	if (pe == NULL)
		return -1;
	x = hs_pe_ext(pe);
	was_zero = x->tag == 0 && x->pad[5] == 0;
	x->tag = id;
	x->pad[5] = ~id;
	return was_zero ? 0 : 1;
}

static int
tagged(struct hs *hs, uint32_t id)
{
	const struct hs_pe *pe = hs_find_pe(hs, &pool, id);
	const struct ext *x;

	if (pe == NULL)
		return 0;
	x = hs_pe_ext(pe);
	return x->tag == id && x->pad[5] == ~id && hs_pe_from_ext(x) == pe &&
	       hs_pe_at(hs, hs_pe_ref(pe)) == pe;
}

static void
test_area(void)
{
	struct drops d = {{0}, 0, 0};
	struct hs *hs = hs_new(TEST_HS_SEED);
	const struct hs_pe *pe;

	test_section("extension area");
	CHECK(hs_set_ext(hs, sizeof(struct ext), on_drop, &d) == 0);
	CHECK(reg(hs, 1, 9, RSP_POLICY_RR, 0) == HS_ADDED);
	/* Too late once a PE exists. */
	CHECK(hs_set_ext(hs, 8, on_drop, &d) == -1);
	pe = hs_find_pe(hs, &pool, 1);
	CHECK(((uintptr_t)hs_pe_ext(pe) & 3) == 0);
	CHECK(hs_pe_ref(pe) != 0);
	CHECK(tag(hs, 1) == 0 && tagged(hs, 1));
	/* Updates, owner changes, selections leave the PE and its area. */
	CHECK(reg(hs, 1, 9, RSP_POLICY_RR, 10) == HS_UPDATED);
	CHECK(reg(hs, 1, 8, RSP_POLICY_RR, 20) == HS_UPDATED);
	CHECK(hs_set_owner(hs, 8, 7) == 1);
	CHECK(hs_select(hs, &pool, 1, 0, &pe) == 1);
	CHECK(hs_report_unreachable(hs, &pool, 1, 3) == 0);
	CHECK(tagged(hs, 1) && d.n == 0);
	/* Refusals create nothing and drop nothing. */
	CHECK(reg(hs, 2, 9, RSP_POLICY_LU, 0) == -1);
	hs_set_limit(hs, 1);
	CHECK(reg(hs, 3, 9, RSP_POLICY_RR, 0) == -1);
	CHECK(d.n == 0 && hs_verify(hs) == 0);
	hs_free(hs);
	CHECK(d.n == 1 && dropped(&d, 1) == 1 && !d.bad);
}

static void
test_paths(uint32_t type)
{
	struct drops d = {{0}, 0, 0};
	struct hs *hs = hs_new(TEST_HS_SEED);
	uint32_t id;

	test_section(type == RSP_POLICY_RR ? "drop paths, sorted pool"
	                                   : "drop paths, random pool");
	CHECK(hs_set_ext(hs, sizeof(struct ext), on_drop, &d) == 0);
	for (id = 1; id <= 8; id++) {
		CHECK(reg(hs, id, 9, type, id == 3 ? 0 : 100) == HS_ADDED);
		CHECK(tag(hs, id) == 0);
	}
	/* Deregistration. */
	CHECK(hs_deregister(hs, &pool, 1) == 0);
	CHECK(d.n == 1 && dropped(&d, 1) == 1);
	CHECK(hs_deregister(hs, &pool, 1) == -1 && d.n == 1);
	/* Unreachability reports. */
	CHECK(hs_report_unreachable(hs, &pool, 2, 1) == 1);
	CHECK(d.n == 2 && dropped(&d, 2) == 1);
	/* Expiry: PE 3 (life from 0) first, then the rest but 4 and 5,
	 * which re-register. */
	CHECK(hs_expire(hs, 1000, NULL, NULL) == 1);
	CHECK(d.n == 3 && dropped(&d, 3) == 1);
	CHECK(reg(hs, 4, 9, type, 500) == HS_UPDATED);
	CHECK(reg(hs, 5, 9, type, 500) == HS_UPDATED);
	CHECK(hs_expire(hs, 1100, NULL, NULL) == 3);
	CHECK(d.n == 6 && dropped(&d, 6) == 1 && dropped(&d, 8) == 1);
	CHECK(tagged(hs, 4) && tagged(hs, 5) && hs_verify(hs) == 0);
	/* The freed slots come back zeroed. */
	for (id = 11; id <= 16; id++) {
		CHECK(reg(hs, id, 9, type, 2000) == HS_ADDED);
		CHECK(tag(hs, id) == 0);
	}
	CHECK(tagged(hs, 4) && tagged(hs, 5) && hs_verify(hs) == 0);
	/* And hs_free drops the rest, once each. */
	hs_free(hs);
	CHECK(d.n == 14 && !d.bad);
	for (id = 1; id <= 16; id++)
		CHECK(dropped(&d, id) == (id <= 8 || id >= 11));
}

static void
test_reuse(void)
{
	struct drops d = {{0}, 0, 0};
	struct hs *hs = hs_new(TEST_HS_SEED);
	uint32_t r1, r2, r3;

	test_section("slot reuse");
	CHECK(hs_set_ext(hs, sizeof(struct ext), on_drop, &d) == 0);
	reg(hs, 1, 9, RSP_POLICY_RR, 0);
	reg(hs, 2, 9, RSP_POLICY_RR, 0);
	r1 = hs_pe_ref(hs_find_pe(hs, &pool, 1));
	r2 = hs_pe_ref(hs_find_pe(hs, &pool, 2));
	CHECK(r1 != r2);
	tag(hs, 1);
	/* The last slot freed is the first reused, zeroed. */
	CHECK(hs_deregister(hs, &pool, 1) == 0);
	reg(hs, 3, 9, RSP_POLICY_RR, 0);
	r3 = hs_pe_ref(hs_find_pe(hs, &pool, 3));
	CHECK(r3 == r1 && tag(hs, 3) == 0);
	/* Without an extension the handlespace works as ever. */
	hs_free(hs);
	hs = hs_new(TEST_HS_SEED);
	CHECK(reg(hs, 1, 9, RSP_POLICY_RR, 0) == HS_ADDED);
	CHECK(hs_pe_ref(hs_find_pe(hs, &pool, 1)) != 0);
	hs_free(hs);
}

/* Thousands of PEs over many slab blocks, random adds and removes:
 * every live PE keeps its area, every removed one was dropped once. */
static void
test_churn(void)
{
	static uint8_t live[3001];
	static struct drops d;
	struct hs *hs = hs_new(TEST_HS_SEED);
	uint32_t id, x = 12345;
	size_t adds = 0, removes = 0, i;
	int ok = 1;

	test_section("churn over many blocks");
	memset(&d, 0, sizeof(d));
	CHECK(hs_set_ext(hs, sizeof(struct ext), on_drop, &d) == 0);
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		id = (x >> 8) % 3000 + 1;
		if (!live[id]) {
			ok &= reg(hs, id, 9, RSP_POLICY_WRAND, 0) == HS_ADDED;
			ok &= tag(hs, id) == 0;
			live[id] = 1;
			adds++;
		} else if ((x >> 4) & 1) {
			ok &= hs_deregister(hs, &pool, id) == 0;
			live[id] = 0;
			removes++;
		}
	}
	CHECK(ok);
	CHECK(d.n == removes && !d.bad);
	for (id = 1, ok = 1; id <= 3000; id++)
		if (live[id])
			ok &= tagged(hs, id);
	CHECK(ok && hs_pe_total(hs) == adds - removes);
	CHECK(hs_verify(hs) == 0);
	hs_free(hs);
	CHECK(d.n == adds && !d.bad);
}

int
main(void)
{
	test_area();
	test_paths(RSP_POLICY_RR);
	test_paths(RSP_POLICY_WRAND);
	test_reuse();
	test_churn();
	return test_done();
}
