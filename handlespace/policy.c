/*
 * Pool member selection policies, one table row each (docs/wire.md 5.4,
 * 5.5): sorted policies give a sort key (ties: SeqNumber, in pool.c),
 * random ones a selection value; `update` is RSPLIB's per-selection
 * state change, `init` the state of a newly inserted PE.
 *
 * Field layout in v[] is the wire order of 5.1.  PLU-DPF and PLUD-DPF
 * have no wire form; they take LUD-DPF's layout (load, load degradation,
 * load DPF, distance).
 */
#include <stddef.h>

#include "handlespace/hs_int.h"

#define DEG         st[0] /* Degradation of the *UD policies */
#define WRR_ROUND   st[0]
#define WRR_VIRTUAL st[1]

static uint64_t
sat32(uint64_t x)
{
	return x > HS_U32MAX ? HS_U32MAX : x;
}

/* max(1, 0xffffffff - sum): RSPLIB's RLU-family selection value. */
static uint32_t
headroom(uint64_t used)
{
	return used >= HS_U32MAX ? 1 : (uint32_t)(HS_U32MAX - used);
}

/*
 * distance x (dpf / 0xffffffff) x 0xffffffff, rounded, in double as
 * RSPLIB computes it; the result is only used capped at 0xffffffff.
 */
static double
penalty(uint32_t distance, uint32_t dpf)
{
	return (double)distance * ((double)dpf / (double)HS_U32MAX) *
	       (double)HS_U32MAX;
}

static uint64_t
round_cap(double x)
{
	if (x <= 0)
		return 0;
	if (x >= (double)HS_U32MAX)
		return HS_U32MAX;
	return (uint64_t)(x + 0.5);
}

static uint64_t
key_rr(const struct hs_pe *pe)
{
	(void)pe;
	return 0;
}

static uint64_t
key_wrr(const struct hs_pe *pe)
{
	return (uint64_t)pe->WRR_ROUND << 32 | pe->WRR_VIRTUAL;
}

/* Highest priority first. */
static uint64_t
key_prio(const struct hs_pe *pe)
{
	return HS_U32MAX - pe->v[0];
}

static uint64_t
key_lu(const struct hs_pe *pe)
{
	return pe->v[0];
}

static uint64_t
key_lud(const struct hs_pe *pe)
{
	return sat32((uint64_t)pe->v[0] + pe->DEG);
}

static uint64_t
key_plu(const struct hs_pe *pe)
{
	return sat32((uint64_t)pe->v[0] + pe->v[1]);
}

static uint64_t
key_plud(const struct hs_pe *pe)
{
	return sat32((uint64_t)pe->v[0] + pe->v[1] + pe->DEG);
}

/* LU-DPF: load v[0], load DPF v[1], distance v[2]. */
static uint64_t
key_lu_dpf(const struct hs_pe *pe)
{
	return round_cap((double)pe->v[0] + penalty(pe->v[2], pe->v[1]));
}

/* LUD-DPF: load v[0], load degradation v[1], load DPF v[2], distance
 * v[3]. */
static uint64_t
key_lud_dpf(const struct hs_pe *pe)
{
	return round_cap(
	    (double)pe->v[0] + (double)pe->DEG + penalty(pe->v[3], pe->v[2]));
}

static uint64_t
key_plu_dpf(const struct hs_pe *pe)
{
	return round_cap(
	    (double)pe->v[0] + (double)pe->v[1] + penalty(pe->v[3], pe->v[2]));
}

static uint64_t
key_plud_dpf(const struct hs_pe *pe)
{
	return round_cap((double)pe->v[0] + (double)pe->v[1] + (double)pe->DEG +
	                 penalty(pe->v[3], pe->v[2]));
}

static uint32_t
w_one(const struct hs_pe *pe)
{
	(void)pe;
	return 1;
}

/* Weight 0: never picked. */
static uint32_t
w_weight(const struct hs_pe *pe)
{
	return pe->v[0];
}

static uint32_t
w_rlu(const struct hs_pe *pe)
{
	return headroom(pe->v[0]);
}

static uint32_t
w_rplu(const struct hs_pe *pe)
{
	return headroom((uint64_t)pe->v[0] + pe->v[1]);
}

static uint32_t
w_rlud(const struct hs_pe *pe)
{
	return headroom((uint64_t)pe->v[0] + pe->DEG);
}

static uint32_t
w_rplud(const struct hs_pe *pe)
{
	return headroom((uint64_t)pe->v[0] + pe->v[1] + pe->DEG);
}

/*
 * WRAND-DPF: weight v[0], weight DPF v[1], distance v[2].  v = Weight -
 * round(Weight x Distance x DPF fraction); below 0 it becomes 1 (RSPLIB
 * keeps a far PE selectable), exactly 0 stays 0.
 */
static uint32_t
w_wrand_dpf(const struct hs_pe *pe)
{
	double cut =
	    (double)pe->v[0] * penalty(pe->v[2], pe->v[1]) / (double)HS_U32MAX;
	double v = (double)pe->v[0] - (double)(uint64_t)(cut + 0.5);

	if (v < 0)
		return 1;
	return (uint32_t)round_cap(v);
}

static void
init_none(struct hs_pe *pe, uint32_t round)
{
	(void)round;
	pe->st[0] = pe->st[1] = 0;
}

/* WRR: join the pool's current round with a full virtual counter. */
static void
init_wrr(struct hs_pe *pe, uint32_t round)
{
	pe->WRR_ROUND = round;
	pe->WRR_VIRTUAL = pe->v[0];
}

static void
update_wrr(struct hs_pe *pe)
{
	if (pe->WRR_VIRTUAL > 1)
		pe->WRR_VIRTUAL--;
	else {
		pe->WRR_ROUND++;
		pe->WRR_VIRTUAL = pe->v[0];
	}
}

/* Degradation grows by the PE's load degradation (v[1]), saturating. */
static void
update_deg(struct hs_pe *pe)
{
	pe->DEG = (uint32_t)sat32((uint64_t)pe->DEG + pe->v[1]);
}

#define SORTED(t, n, k, i, u, d)                     \
	{                                            \
		t, HS_SORTED, n, 1, d, k, NULL, i, u \
	}
#define RANDOM(t, n, m, w, d)                                   \
	{                                                       \
		t, HS_RANDOM, n, m, d, NULL, w, init_none, NULL \
	}

/*
 * RLUD and RPLUD take a Degradation term but RSPLIB never increments it
 * (docs/wire.md 5.5), so their update is NULL and they behave like RLU and
 * RPLU; their default increment is still 1.
 */
static const struct hs_policy policies[] = {
    SORTED(RSP_POLICY_RR, 0, key_rr, init_none, NULL, 0),
    SORTED(RSP_POLICY_WRR, 1, key_wrr, init_wrr, update_wrr, 0),
    RANDOM(RSP_POLICY_RAND, 0, 0, w_one, 0),
    RANDOM(RSP_POLICY_WRAND, 1, 0, w_weight, 0),
    SORTED(RSP_POLICY_PRIO, 1, key_prio, init_none, NULL, 0),
    SORTED(RSP_POLICY_LU, 1, key_lu, init_none, NULL, 0),
    SORTED(RSP_POLICY_LUD, 2, key_lud, init_none, update_deg, 1),
    SORTED(RSP_POLICY_PLU, 2, key_plu, init_none, NULL, 0),
    RANDOM(RSP_POLICY_RLU, 1, 1, w_rlu, 0),
    RANDOM(RSP_POLICY_RPLU, 2, 1, w_rplu, 0),
    RANDOM(RSP_POLICY_RLUD, 2, 1, w_rlud, 1),
    SORTED(RSP_POLICY_PLUD, 2, key_plud, init_none, update_deg, 1),
    RANDOM(RSP_POLICY_RPLUD, 2, 1, w_rplud, 1),
    RANDOM(RSP_POLICY_WRAND_DPF, 3, 0, w_wrand_dpf, 0),
    SORTED(RSP_POLICY_LU_DPF, 3, key_lu_dpf, init_none, NULL, 0),
    SORTED(RSP_POLICY_LUD_DPF, 4, key_lud_dpf, init_none, update_deg, 1),
    SORTED(RSP_POLICY_PLU_DPF, 4, key_plu_dpf, init_none, NULL, 0),
    SORTED(RSP_POLICY_PLUD_DPF, 4, key_plud_dpf, init_none, update_deg, 1),
};

const struct hs_policy *
hs_policy_find(uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (policies[i].type == type)
			return &policies[i];
	return NULL;
}
