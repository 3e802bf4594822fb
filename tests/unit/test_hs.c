/*
 * Handlespace: registration, update, deregistration, unreachability,
 * expiry, takeover, cursor iteration, the PE checksum (docs/wire.md 4.6
 * worked examples), order independence and a 100k-PE stress run.
 * Policies have their own tables in test_hs_policy.c.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "handlespace/hs.h"
#include "testlib.h"

struct tpe {
	struct rsp_pe pe;
	struct rsp_addr ua[RSP_ADDRS_MAX + 1], aa[2];
};

/* A PE with one IPv4 user address (10.0.x.y), SCTP, data only, an ASAP
 * transport, and the given policy. */
static struct rsp_pe *
mkpe(struct tpe *t, uint32_t id, uint32_t home, uint32_t type, uint32_t v0,
    uint32_t v1)
{
	memset(t, 0, sizeof(*t));
	t->pe.id = id;
	t->pe.home = home;
	t->pe.life = 10000;
	t->pe.policy.type = type;
	t->pe.policy.nvalues = (uint8_t)rsp_policy_nvalues(type);
	t->pe.policy.v[0] = v0;
	t->pe.policy.v[1] = v1;
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

static struct rsp_handle
H(const char *s) {
	struct rsp_handle h;

	memset(&h, 0, sizeof(h));
	h.len = (uint8_t)strlen(s);
	memcpy(h.bytes, s, h.len);
	return h;
}

static int
reg(struct hs *hs, const char *pool, const struct rsp_pe *pe, uint64_t now)
{
	struct rsp_handle h = H(pool);
	uint16_t cause = 0xeeee;
	int rc = hs_register(hs, &h, pe, now, &cause);

	return rc < 0 ? -(int)cause - 1 : rc;
}

/* The refusal cause of a registration, 0 when it was accepted. */
static int
refused(struct hs *hs, const char *pool, const struct rsp_pe *pe)
{
	int rc = reg(hs, pool, pe, 0);

	return rc < 0 ? -rc - 1 : 0;
}

static void
test_checksum(void)
{
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct tpe t;

	test_section("checksum 4.6");
	CHECK(hs_checksum(hs, 1) == 0xffff);
	CHECK(reg(hs, "EchoPool", mkpe(&t, 0x12345678, 1, RSP_POLICY_RR, 0, 0),
	          0) == HS_ADDED);
	CHECK(hs_checksum(hs, 1) == 0x29a5);
	CHECK(reg(hs, "PingPongPool",
	          mkpe(&t, 0x00000001, 1, RSP_POLICY_RR, 0, 0), 0) == HS_ADDED);
	CHECK(reg(hs, "ABC", mkpe(&t, 0xfffffffe, 1, RSP_POLICY_RR, 0, 0), 0) ==
	      HS_ADDED);
	CHECK(hs_checksum(hs, 1) == 0x67df);
	CHECK(hs_checksum_rfc(hs, 1) == 0x67df);
	/* A PE owned by another registrar is not in 1's checksum. */
	CHECK(reg(hs, "EchoPool", mkpe(&t, 0x22, 2, RSP_POLICY_RR, 0, 0), 0) ==
	      HS_ADDED);
	CHECK(hs_checksum(hs, 1) == 0x67df);
	CHECK(hs_owner_count(hs, 1) == 3 && hs_owner_count(hs, 2) == 1);
	CHECK(hs_checksum(hs, 3) == 0xffff && hs_owner_count(hs, 3) == 0);
	/* Each PE alone. */
	{
		struct rsp_handle e = H("EchoPool"), pp = H("PingPongPool");

		CHECK(hs_deregister(hs, &e, 0x12345678) == 0);
		CHECK(hs_deregister(hs, &pp, 1) == 0);
		CHECK(hs_checksum(hs, 1) == 0x7bbe);
	}
	CHECK(
	    hs_deregister(hs, &(struct rsp_handle){3, "ABC"}, 0xfffffffe) == 0);
	CHECK(hs_checksum(hs, 1) == 0xffff && hs_owner_count(hs, 1) == 0);
	CHECK(reg(hs, "PingPongPool",
	          mkpe(&t, 0x00000001, 1, RSP_POLICY_RR, 0, 0), 0) == HS_ADDED);
	CHECK(hs_checksum(hs, 1) == 0xc27b);
	/* Re-registration by a new home moves the PE between checksums. */
	CHECK(
	    reg(hs, "PingPongPool",
	        mkpe(&t, 0x00000001, 2, RSP_POLICY_RR, 0, 0), 0) == HS_UPDATED);
	CHECK(hs_checksum(hs, 1) == 0xffff && hs_owner_count(hs, 2) == 2);
	hs_free(hs);
}

/* RSPLIB's 32-bit accumulator wraps where the RFC sum does not. */
static void
test_checksum_wrap(void)
{
	struct hs *hs = hs_new(TEST_HS_SEED);
	uint64_t sum = 0, acc;
	struct tpe t;
	uint32_t i, id;
	uint16_t rfc, rsplib;
	char name[40];

	test_section("checksum wrap");
	memset(name, 0xff, 32);
	name[32] = 0;
	for (i = 1; i <= 5000; i++) {
		id = 0xffff0000u | i;
		CHECK(reg(hs, name, mkpe(&t, id, 9, RSP_POLICY_RR, 0, 0), 0) ==
		      HS_ADDED);
		sum += 16 * 0xffffu + 0xffff + i;
	}
	for (acc = sum; acc >> 16;)
		acc = (acc & 0xffff) + (acc >> 16);
	rfc = (uint16_t)~acc;
	for (acc = (uint32_t)sum; acc >> 16;)
		acc = (acc & 0xffff) + (acc >> 16);
	rsplib = (uint16_t)~acc;
	CHECK(sum > 0xffffffffu);
	CHECK(hs_checksum_rfc(hs, 9) == rfc);
	CHECK(hs_checksum(hs, 9) == rsplib);
	CHECK(rfc != rsplib);
	hs_free(hs);
}

static void
test_register(void)
{
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct rsp_handle h = H("pool");
	struct rsp_addr addrs[2 * RSP_ADDRS_MAX];
	const struct hs_pe *pe;
	struct rsp_policy pol;
	struct rsp_pe out;
	struct tpe t;
	int i;

	test_section("register");
	CHECK(reg(hs, "pool", mkpe(&t, 5, 1, RSP_POLICY_LUD, 100, 30), 1000) ==
	      HS_ADDED);
	CHECK(hs_pe_total(hs) == 1 && hs_pool_total(hs) == 1);
	CHECK((pe = hs_find_pe(hs, &h, 5)) != NULL);
	CHECK(hs_find_pe(hs, &h, 6) == NULL);
	CHECK(hs_pe_id(pe) == 5 && hs_pe_home(pe) == 1);
	CHECK(hs_pe_life(pe) == 10000 && hs_pe_expiry(pe) == 11000);
	CHECK(hs_pe_handle(pe)->len == 4);
	CHECK(hs_pe_policy_type(pe) == RSP_POLICY_LUD);
	hs_pe_policy(pe, &pol);
	CHECK(pol.type == RSP_POLICY_LUD && pol.nvalues == 2 &&
	      pol.v[0] == 100 && pol.v[1] == 30);
	CHECK(hs_pe_export(pe, &out, addrs, 1) == 2); /* too small */
	CHECK(hs_pe_export(pe, &out, addrs, 2) == 2);
	CHECK(out.id == 5 && out.home == 1 && out.life == 10000);
	CHECK(out.user.ptype == RSP_PARAM_SCTP && out.user.port == 7 &&
	      out.user.naddrs == 1 && out.user.addrs[0].family == AF_INET &&
	      memcmp(out.user.addrs[0].a, t.ua[0].a, 16) == 0);
	CHECK(out.has_asap && out.asap.port == 40000 && out.asap.naddrs == 1 &&
	      out.asap.addrs == addrs + 1);

	/* Update: many addresses (heap storage), IPv6, new values, life. */
	mkpe(&t, 5, 1, RSP_POLICY_LUD, 200, 40);
	t.pe.user.naddrs = RSP_ADDRS_MAX;
	for (i = 0; i < RSP_ADDRS_MAX; i++) {
		t.ua[i].family = i & 1 ? AF_INET6 : AF_INET;
		memset(t.ua[i].a, 0, 16);
		t.ua[i].a[0] = (uint8_t)i;
		t.ua[i].a[15] = i & 1 ? (uint8_t)~i : 0;
	}
	t.pe.life = 500;
	t.pe.user.use = 0;
	CHECK(reg(hs, "pool", &t.pe, 2000) == HS_UPDATED);
	CHECK(hs_pe_total(hs) == 1);
	pe = hs_find_pe(hs, &h, 5);
	CHECK(hs_pe_expiry(pe) == 2500);
	CHECK(hs_pe_export(pe, &out, addrs, 2 * RSP_ADDRS_MAX) ==
	      RSP_ADDRS_MAX + 1);
	CHECK(out.user.naddrs == RSP_ADDRS_MAX && out.policy.v[0] == 200);
	for (i = 0; i < RSP_ADDRS_MAX; i++)
		if (!CHECK(out.user.addrs[i].family == t.ua[i].family &&
		           memcmp(out.user.addrs[i].a, t.ua[i].a, 16) == 0))
			break;
	CHECK(out.asap.addrs[0].family == AF_INET);
	/* Back to the small form; no ASAP transport (ASAP learned PE). */
	mkpe(&t, 5, 1, RSP_POLICY_LUD, 200, 40);
	t.pe.has_asap = 0;
	CHECK(reg(hs, "pool", &t.pe, 2000) == HS_UPDATED);
	CHECK(hs_pe_export(hs_find_pe(hs, &h, 5), &out, addrs, 2) == 1);
	CHECK(!out.has_asap && out.asap.naddrs == 0);

	/* DCCP keeps its service code; transport use comes from the pool. */
	mkpe(&t, 9, 1, RSP_POLICY_RR, 0, 0);
	t.pe.user.ptype = RSP_PARAM_DCCP;
	t.pe.user.service_code = 0xdcc9;
	t.pe.user.use = RSP_TRANSPORT_DATA_CONTROL;
	CHECK(reg(hs, "dccp", &t.pe, 0) == HS_ADDED);
	CHECK(hs_pe_export(hs_find_pe(hs, &(struct rsp_handle){4, "dccp"}, 9),
	          &out, addrs, 2) == 2);
	CHECK(out.user.ptype == RSP_PARAM_DCCP &&
	      out.user.service_code == 0xdcc9 &&
	      out.user.use == RSP_TRANSPORT_DATA_CONTROL);
	CHECK(hs_deregister(hs, &(struct rsp_handle){4, "dccp"}, 9) == 0);

	CHECK(hs_deregister(hs, &h, 6) == -1);
	CHECK(hs_deregister(hs, &h, 5) == 0);
	CHECK(hs_deregister(hs, &h, 5) == -1);
	CHECK(hs_pe_total(hs) == 0 && hs_pool_total(hs) == 0);
	CHECK(hs_pool_size(hs, &h) == 0);
	hs_free(hs);
	hs_free(NULL);
}

static void
test_refusals(void)
{
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct rsp_handle h;
	struct tpe t;
	uint16_t cause;
	int i;

	test_section("refusals");
	memset(&h, 0, sizeof(h));
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	CHECK(hs_register(hs, &h, &t.pe, 0, &cause) == -1 &&
	      cause == RSP_CAUSE_INVALID_VALUES);
	h.len = 33;
	CHECK(hs_register(hs, &h, &t.pe, 0, &cause) == -1 &&
	      cause == RSP_CAUSE_INVALID_VALUES);
	h.len = 32;
	CHECK(hs_register(hs, &h, &t.pe, 0, &cause) == HS_ADDED);
	CHECK(refused(hs, "p", mkpe(&t, 0, 1, RSP_POLICY_RR, 0, 0)) == 3);
	CHECK(refused(hs, "p", mkpe(&t, 1, 0, RSP_POLICY_RR, 0, 0)) == 3);
	CHECK(refused(hs, "p", mkpe(&t, 1, 1, 0x40000000, 0, 0)) == 3);
	CHECK(refused(hs, "p", mkpe(&t, 1, 1, 0x40000010, 0, 0)) == 3);
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	t.pe.user.naddrs = 0;
	CHECK(refused(hs, "p", &t.pe) == 3);
	t.pe.user.naddrs = RSP_ADDRS_MAX + 1;
	for (i = 0; i <= RSP_ADDRS_MAX; i++)
		t.ua[i].family = AF_INET;
	CHECK(refused(hs, "p", &t.pe) == 3);
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	t.pe.user.port = 0;
	CHECK(refused(hs, "p", &t.pe) == 3);
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	t.ua[0].family = 99;
	CHECK(refused(hs, "p", &t.pe) == 3);
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	t.pe.user.ptype = RSP_PARAM_POLICY;
	CHECK(refused(hs, "p", &t.pe) == 3);
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	t.pe.asap.ptype = RSP_PARAM_TCP;
	CHECK(refused(hs, "p", &t.pe) == 3);
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	t.pe.asap.use = 1;
	CHECK(refused(hs, "p", &t.pe) == 3);
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	t.pe.asap.naddrs = 0;
	CHECK(refused(hs, "p", &t.pe) == 3);
	CHECK(hs_pe_total(hs) == 1 && hs_pool_total(hs) == 1);

	/* The PE limit. */
	hs_set_limit(hs, 2);
	CHECK(refused(hs, "p", mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0)) == 0);
	CHECK(refused(hs, "p", mkpe(&t, 2, 1, RSP_POLICY_RR, 0, 0)) == 6);
	CHECK(refused(hs, "p", mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0)) == 0);
	hs_set_limit(hs, 0);
	CHECK(refused(hs, "p", mkpe(&t, 2, 1, RSP_POLICY_RR, 0, 0)) == 0);
	hs_free(hs);
}

static void
test_unreachable(void)
{
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct rsp_handle h = H("u");
	struct tpe t;

	test_section("unreachable");
	reg(hs, "u", mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0), 0);
	reg(hs, "u", mkpe(&t, 2, 1, RSP_POLICY_RR, 0, 0), 0);
	CHECK(hs_report_unreachable(hs, &h, 3, 3) == -1);
	CHECK(hs_report_unreachable(hs, &h, 1, 3) == 0);
	CHECK(hs_report_unreachable(hs, &h, 1, 3) == 0);
	CHECK(hs_pe_unreachable(hs_find_pe(hs, &h, 1)) == 2);
	/* A re-registration clears the count. */
	CHECK(
	    reg(hs, "u", mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0), 0) == HS_UPDATED);
	CHECK(hs_pe_unreachable(hs_find_pe(hs, &h, 1)) == 0);
	CHECK(hs_report_unreachable(hs, &h, 1, 3) == 0);
	CHECK(hs_report_unreachable(hs, &h, 1, 3) == 0);
	CHECK(hs_report_unreachable(hs, &h, 1, 3) == 1);
	CHECK(hs_find_pe(hs, &h, 1) == NULL && hs_pool_size(hs, &h) == 1);
	CHECK(hs_report_unreachable(hs, &h, 2, 1) == 1);
	CHECK(hs_pool_total(hs) == 0);
	hs_free(hs);
}

struct expired {
	uint32_t ids[16];
	int n;
};

static void
expired_cb(void *arg, const struct hs_pe *pe)
{
	struct expired *e = arg;

	e->ids[e->n++] = hs_pe_id(pe);
}

static void
test_expiry(void)
{
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct rsp_handle h = H("x");
	struct expired e = {{0}, 0};
	struct tpe t;
	uint64_t when;
	uint32_t id;

	test_section("expiry");
	CHECK(hs_next_expiry(hs, &when) == -1);
	for (id = 1; id <= 5; id++) {
		mkpe(&t, id, 1, RSP_POLICY_RR, 0, 0);
		t.pe.life = 1000 * id;
		reg(hs, "x", &t.pe, 100);
	}
	CHECK(hs_next_expiry(hs, &when) == 0 && when == 1100);
	/* PE 1 re-registers at 900: it now expires at 1900. */
	mkpe(&t, 1, 1, RSP_POLICY_RR, 0, 0);
	t.pe.life = 1000;
	reg(hs, "x", &t.pe, 900);
	CHECK(hs_next_expiry(hs, &when) == 0 && when == 1900);
	CHECK(hs_expire(hs, 1899, expired_cb, &e) == 0);
	CHECK(hs_expire(hs, 2100, expired_cb, &e) == 2);
	CHECK(e.n == 2 && e.ids[0] == 1 && e.ids[1] == 2);
	CHECK(hs_find_pe(hs, &h, 2) == NULL && hs_pool_size(hs, &h) == 3);
	/* Deregistration takes a PE out of the expiry order too. */
	CHECK(hs_deregister(hs, &h, 4) == 0);
	CHECK(hs_expire(hs, 10000, NULL, NULL) == 2);
	CHECK(hs_next_expiry(hs, &when) == -1 && hs_pool_total(hs) == 0);
	hs_free(hs);
}

static void
test_owner(void)
{
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct tpe t;
	uint16_t c1, c2;

	test_section("owner change");
	reg(hs, "EchoPool", mkpe(&t, 0x12345678, 1, RSP_POLICY_RR, 0, 0), 0);
	reg(hs, "ABC", mkpe(&t, 0xfffffffe, 1, RSP_POLICY_RR, 0, 0), 0);
	reg(hs, "PingPongPool", mkpe(&t, 1, 2, RSP_POLICY_RR, 0, 0), 0);
	c1 = hs_checksum(hs, 1);
	CHECK(hs_set_owner(hs, 7, 2) == 0);
	CHECK(hs_set_owner(hs, 1, 3) == 2);
	CHECK(hs_checksum(hs, 3) == c1 && hs_owner_count(hs, 3) == 2);
	CHECK(hs_checksum(hs, 1) == 0xffff && hs_owner_count(hs, 1) == 0);
	CHECK(hs_pe_home(hs_find_pe(
	          hs, &(struct rsp_handle){3, "ABC"}, 0xfffffffe)) == 3);
	/* Into an owner that already has PEs: the sums add up. */
	CHECK(hs_set_owner(hs, 3, 2) == 2);
	CHECK(hs_owner_count(hs, 2) == 3 && hs_owner_count(hs, 3) == 0);
	c2 = hs_checksum(hs, 2);
	CHECK(c2 == 0x67df);
	hs_free(hs);
}

static void
test_cursor(void)
{
	static const char *pools[] = {"bb", "a", "ab", "c", "zzz"};
	struct hs *hs = hs_new(TEST_HS_SEED);
	const struct hs_pe *out[4];
	struct hs_cursor c;
	char seen[256];
	struct tpe t;
	size_t i, n;
	uint32_t id;
	int ok = 1, pos = 0;

	test_section("cursor");
	hs_cursor_init(&c);
	CHECK(hs_next(hs, &c, 0, out, 4) == 0);
	/* Pools a c | ab bb | zzz, IDs registered in a scrambled order,
	 * every third PE owned by registrar 2. */
	for (i = 0; i < 5; i++)
		for (id = 1; id <= 5; id++)
			reg(hs, pools[i],
			    mkpe(&t, (id * 3) % 7, id % 3 ? 1 : 2,
			        RSP_POLICY_RR, 0, 0),
			    0);
	/* Expected order: a: 1..6 without ((id*3)%7 for id 1..5 = 3,6,2,5,1)
	 * = 1 2 3 5 6; then c, ab, bb, zzz. */
	hs_cursor_init(&c);
	memset(seen, 0, sizeof(seen));
	while ((n = hs_next(hs, &c, 0, out, 3)) > 0) {
		for (i = 0; i < n; i++, pos++) {
			static const char order[][4] = {
			    "a", "c", "ab", "bb", "zzz"};
			static const uint32_t ids[] = {1, 2, 3, 5, 6};
			const struct rsp_handle *ph = hs_pe_handle(out[i]);

			ok &= ph->len == strlen(order[pos / 5]) &&
			      memcmp(ph->bytes, order[pos / 5], ph->len) == 0 &&
			      hs_pe_id(out[i]) == ids[pos % 5];
		}
		if (n < 3)
			break;
	}
	CHECK(ok && pos == 25);

	/* Owner filter: registrar 2 has (id 3 -> PE 2) in every pool. */
	hs_cursor_init(&c);
	n = hs_next(hs, &c, 2, out, 4);
	CHECK(n == 4 && hs_pe_id(out[0]) == 2 && hs_pe_home(out[3]) == 2);
	CHECK(hs_next(hs, &c, 2, out, 4) == 1);
	CHECK(hs_next(hs, &c, 2, out, 4) == 0);

	/* Resume after the cursor's PE and pool were removed. */
	hs_cursor_init(&c);
	CHECK(hs_next(hs, &c, 0, out, 2) == 2 && hs_pe_id(out[1]) == 2);
	hs_deregister(hs, &(struct rsp_handle){1, "a"}, 2);
	CHECK(hs_next(hs, &c, 0, out, 1) == 1 && hs_pe_id(out[0]) == 3);
	for (id = 1; id <= 6; id++)
		hs_deregister(hs, &(struct rsp_handle){1, "a"}, id);
	CHECK(hs_next(hs, &c, 0, out, 1) == 1 && hs_pe_id(out[0]) == 1 &&
	      hs_pe_handle(out[0])->bytes[0] == 'c');
	hs_free(hs);
}

/* Heap's algorithm: every permutation of a[0..n). */
static void
permute(uint32_t *a, int n, int k, void (*cb)(const uint32_t *, int, void *),
    void *arg)
{
	uint32_t x;
	int i;

	if (k == 1) {
		cb(a, n, arg);
		return;
	}
	for (i = 0; i < k; i++) {
		permute(a, n, k - 1, cb, arg);
		x = a[k - 1];
		if (k % 2 == 0) {
			a[k - 1] = a[i];
			a[i] = x;
		} else {
			a[k - 1] = a[0];
			a[0] = x;
		}
	}
}

struct order_run {
	uint32_t policy;
	uint16_t checksum;
	uint32_t seq[60];
	int nseq, runs, same;
};

/* Values derived from the ID, so every permutation registers the same
 * PEs: distinct loads/priorities/weights. */
static void
order_cb(const uint32_t *ids, int n, void *arg)
{
	struct order_run *r = arg;
	struct rsp_handle h = H("order");
	const struct hs_pe *out[3];
	uint32_t seq[60];
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct tpe t;
	int i, j, k, ns = 0;

	hs_seed(hs, 42);
	for (i = 0; i < n; i++)
		reg(hs, "order",
		    mkpe(&t, ids[i], 1 + ids[i] % 2, r->policy,
		        ids[i] * 7919 % 1000, 10),
		    0);
	for (j = 0; j < 20; j++) {
		k = hs_select(hs, &h, 3, 0, out);
		for (i = 0; i < k; i++)
			seq[ns++] = hs_pe_id(out[i]);
	}
	if (r->runs++ == 0) {
		r->checksum = hs_checksum(hs, 1);
		memcpy(r->seq, seq, sizeof(seq));
		r->nseq = ns;
	} else if (hs_checksum(hs, 1) != r->checksum || ns != r->nseq ||
	           memcmp(seq, r->seq, (size_t)ns * sizeof(seq[0])) != 0)
		r->same = 0;
	hs_free(hs);
}

static void
test_order_independence(void)
{
	static const uint32_t policies[] = {RSP_POLICY_LU, RSP_POLICY_PRIO,
	    RSP_POLICY_LUD, RSP_POLICY_PLU, RSP_POLICY_WRR, RSP_POLICY_RAND,
	    RSP_POLICY_WRAND, RSP_POLICY_RLU, RSP_POLICY_RPLUD,
	    RSP_POLICY_WRAND_DPF};
	uint32_t ids[6] = {17, 3, 99999, 0xfffffff0, 256, 65536};
	struct order_run r;
	size_t i;

	test_section("order independence");
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.policy = policies[i];
		r.same = 1;
		permute(ids, 6, 6, order_cb, &r);
		if (!CHECK(r.same && r.runs == 720 && r.nseq == 60))
			fprintf(stderr, "  policy %s\n",
			    rsp_policy_name(policies[i]));
	}
}

/* Checksum from scratch over a cursor walk, and the walk's order. */
static int
audit(struct hs *hs, uint32_t owner, size_t *count)
{
	const struct hs_pe *out[64];
	struct hs_cursor c;
	struct rsp_handle last = {0, {0}};
	uint32_t last_id = 0;
	uint64_t sum = 0;
	size_t i, n;
	int ok = 1, first = 1;

	*count = 0;
	hs_cursor_init(&c);
	while ((n = hs_next(hs, &c, owner, out, 64)) > 0) {
		for (i = 0; i < n; i++) {
			const struct rsp_handle *h = hs_pe_handle(out[i]);
			uint32_t id = hs_pe_id(out[i]);
			size_t b;
			int cmp = h->len != last.len
			              ? (h->len < last.len ? -1 : 1)
			              : memcmp(h->bytes, last.bytes, h->len);

			if (!first && (cmp < 0 || (cmp == 0 && id <= last_id)))
				ok = 0;
			first = 0;
			last = *h;
			last_id = id;
			for (b = 0; b < h->len; b++)
				sum += b & 1 ? h->bytes[b] : h->bytes[b] << 8;
			sum += (id >> 16) + (id & 0xffff);
			(*count)++;
		}
		if (n < 64)
			break;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	/* Owner 0 (all PEs) has no checksum of its own. */
	return ok &&
	       (owner == 0 || (uint16_t)~sum == hs_checksum_rfc(hs, owner));
}

static void
test_stress(void)
{
	static const uint32_t policies[] = {RSP_POLICY_RR, RSP_POLICY_LU,
	    RSP_POLICY_WRAND, RSP_POLICY_LUD, RSP_POLICY_WRR, RSP_POLICY_RLU,
	    RSP_POLICY_PRIO, RSP_POLICY_RAND};
	const int N = 100000, NPOOLS = 8;
	struct hs *hs = hs_new(TEST_HS_SEED);
	const struct hs_pe *out[HS_SELECT_MAX];
	uint32_t *ids = calloc((size_t)N, sizeof(*ids));
	char name[16];
	struct rsp_handle h;
	struct tpe t;
	size_t cnt, left;
	int i, k, ok = 1, added = 0;

	test_section("stress 100k");
	test_seed(1234);
	hs_seed(hs, 99);
	for (i = 0; i < N; i++) {
		/* distinct and scattered: an odd multiplier is a bijection */
		ids[i] = ((uint32_t)i + 1) * 2654435761u;
		snprintf(name, sizeof(name), "pool%d", i % NPOOLS);
		mkpe(&t, ids[i], 1 + i % 3, policies[i % NPOOLS],
		    test_u32() % 1000, 5);
		t.pe.life = 1000 + (uint32_t)i % 5000;
		k = reg(hs, name, &t.pe, 0);
		ok &= k >= 0;
		added += k == HS_ADDED;
	}
	CHECK(ok && hs_pe_total(hs) == (size_t)added && added > N - 10);
	CHECK(hs_verify(hs) == 0);
	CHECK(audit(hs, 1, &cnt) && cnt == hs_owner_count(hs, 1));
	CHECK(audit(hs, 0, &cnt) && cnt == hs_pe_total(hs));
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "pool%d", i % NPOOLS);
		h = H(name);
		k = hs_select(hs, &h, 1 + (unsigned)i % 5, 0, out);
		ok &= k == 1 + i % 5;
	}
	CHECK(ok);
	CHECK(hs_verify(hs) == 0);
	/* Remove every other PE, re-register a few, expire the rest. */
	for (i = 0; i < N; i += 2) {
		snprintf(name, sizeof(name), "pool%d", i % NPOOLS);
		h = H(name);
		hs_deregister(hs, &h, ids[i]);
	}
	for (i = 1; i < N; i += 100) {
		snprintf(name, sizeof(name), "pool%d", i % NPOOLS);
		mkpe(&t, ids[i], 2, policies[i % NPOOLS], 1, 5);
		t.pe.life = 100000;
		ok &= reg(hs, name, &t.pe, 0) == HS_UPDATED;
	}
	CHECK(ok);
	CHECK(hs_verify(hs) == 0);
	CHECK(audit(hs, 2, &cnt) && cnt == hs_owner_count(hs, 2));
	CHECK(audit(hs, 0, &cnt) && cnt == hs_pe_total(hs));
	left = hs_pe_total(hs);
	CHECK(hs_expire(hs, 7000, NULL, NULL) == left - (size_t)(N / 100));
	CHECK(hs_pe_total(hs) == (size_t)(N / 100));
	CHECK(hs_expire(hs, 200000, NULL, NULL) == (size_t)(N / 100));
	CHECK(hs_pool_total(hs) == 0 && hs_checksum(hs, 1) == 0xffff);
	free(ids);
	hs_free(hs);
}

/* Random operations on a small space of pools and IDs, every invariant
 * checked after each one. */
static void
test_random_ops(void)
{
	static const uint32_t policies[] = {RSP_POLICY_RR, RSP_POLICY_WRR,
	    RSP_POLICY_WRAND, RSP_POLICY_LUD, RSP_POLICY_PRIO, RSP_POLICY_RPLUD,
	    RSP_POLICY_LUD_DPF, RSP_POLICY_RAND};
	const struct hs_pe *out[HS_SELECT_MAX];
	struct hs *hs = hs_new(TEST_HS_SEED);
	struct rsp_handle h;
	char name[8];
	struct tpe t;
	uint64_t now = 0;
	uint32_t id, op;
	size_t most = 0;
	int i, ok = 1;

	test_section("random operations");
	test_seed(77);
	hs_seed(hs, 77);
	for (i = 0; i < 20000 && ok; i++) {
		snprintf(name, sizeof(name), "p%u", test_uniform(4));
		h = H(name);
		id = 1 + test_uniform(40);
		op = test_uniform(100);
		now += test_uniform(50);
		if (op < 45) {
			mkpe(&t, id, 1 + test_uniform(3),
			    policies[test_uniform(2) ? (uint32_t)(name[1] - '0')
			                             : test_uniform(8)],
			    test_uniform(1000), test_uniform(50));
			t.pe.life = test_uniform(3000);
			t.pe.user.naddrs = (uint16_t)(1 + test_uniform(4));
			memset(t.ua, 0, sizeof(t.ua));
			t.ua[1].family = t.ua[3].family = AF_INET6;
			t.ua[0].family = t.ua[2].family = AF_INET;
			reg(hs, name, &t.pe, now);
		} else if (op < 60)
			hs_deregister(hs, &h, id);
		else if (op < 85)
			hs_select(
			    hs, &h, 1 + test_uniform(5), test_uniform(3), out);
		else if (op < 93)
			hs_report_unreachable(hs, &h, id, 3);
		else if (op < 98)
			hs_expire(hs, now, NULL, NULL);
		else
			hs_set_owner(
			    hs, 1 + test_uniform(3), 1 + test_uniform(3));
		ok = hs_verify(hs) == 0;
		if (hs_pe_total(hs) > most)
			most = hs_pe_total(hs);
	}
	CHECK(ok);
	CHECK(most >= 40); /* the operations did fill the handlespace */
	hs_free(hs);
}

int
main(void)
{
	test_checksum();
	test_checksum_wrap();
	test_register();
	test_refusals();
	test_unreachable();
	test_expiry();
	test_owner();
	test_cursor();
	test_order_independence();
	test_random_ops();
	test_stress();
	return test_done();
}
