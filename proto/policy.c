/*
 * Pool member selection policy types (docs/wire.md 5.1): wire number,
 * names, and the 32-bit fields that follow the type on the wire.
 */
#include <stddef.h>
#include <strings.h>

#include "proto/msg.h"

/*
 * `rsplib` is the name accepted by RSPLIB's -policy= option (docs/wire.md
 * 9.2).  The names of RLUD and RPLUD are not listed there and were
 * formed the same way (inferred).  PLU-DPF and PLUD-DPF exist only in
 * RSPLIB's handlespace and have no wire encoding (nvalues -1).
 */
static const struct rsp_policy_info policies[] = {
    {RSP_POLICY_RR, "RR", "Round Robin", "RoundRobin", 0, {NULL}},
    {RSP_POLICY_WRR, "WRR", "Weighted Round Robin", "WeightedRoundRobin", 1,
        {"weight"}},
    {RSP_POLICY_RAND, "RAND", "Random", "Random", 0, {NULL}},
    {RSP_POLICY_WRAND, "WRAND", "Weighted Random", "WeightedRandom", 1,
        {"weight"}},
    {RSP_POLICY_PRIO, "PRIO", "Priority", "Priority", 1, {"priority"}},
    {RSP_POLICY_LU, "LU", "Least Used", "LeastUsed", 1, {"load"}},
    {RSP_POLICY_LUD, "LUD", "Least Used with Degradation",
        "LeastUsedDegradation", 2, {"load", "load degradation"}},
    {RSP_POLICY_PLU, "PLU", "Priority Least Used", "PriorityLeastUsed", 2,
        {"load", "load degradation"}},
    {RSP_POLICY_RLU, "RLU", "Randomized Least Used", "RandomizedLeastUsed", 1,
        {"load"}},
    {RSP_POLICY_RPLU, "RPLU", "Randomized Priority Least Used",
        "RandomizedPriorityLeastUsed", 2, {"load", "load degradation"}},
    {RSP_POLICY_RLUD, "RLUD", "Randomized Least Used with Degradation",
        "RandomizedLeastUsedDegradation", 2, {"load", "load degradation"}},
    {RSP_POLICY_PLUD, "PLUD", "Priority Least Used with Degradation",
        "PriorityLeastUsedDegradation", 2, {"load", "load degradation"}},
    {RSP_POLICY_RPLUD, "RPLUD",
        "Randomized Priority Least Used with Degradation",
        "RandomizedPriorityLeastUsedDegradation", 2,
        {"load", "load degradation"}},
    {RSP_POLICY_WRAND_DPF, "WRAND-DPF",
        "Weighted Random with Delay Penalty Factor", "WeightedRandomDPF", 3,
        {"weight", "weight dpf", "distance"}},
    {RSP_POLICY_LU_DPF, "LU-DPF", "Least Used with Delay Penalty Factor",
        "LeastUsedDPF", 3, {"load", "load dpf", "distance"}},
    {RSP_POLICY_LUD_DPF, "LUD-DPF",
        "Least Used with Degradation and Delay Penalty Factor",
        "LeastUsedDegradationDPF", 4,
        {"load", "load degradation", "load dpf", "distance"}},
    {RSP_POLICY_PLU_DPF, "PLU-DPF",
        "Priority Least Used with Delay Penalty Factor", "PriorityLeastUsedDPF",
        -1, {NULL}},
    {RSP_POLICY_PLUD_DPF, "PLUD-DPF",
        "Priority Least Used with Degradation and Delay Penalty Factor",
        "PriorityLeastUsedDegradationDPF", -1, {NULL}},
};

#define NPOLICIES (sizeof(policies) / sizeof(policies[0]))

const struct rsp_policy_info *
rsp_policy_table(size_t *n)
{
	*n = NPOLICIES;
	return policies;
}

const struct rsp_policy_info *
rsp_policy_info(uint32_t type)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++)
		if (policies[i].type == type)
			return &policies[i];
	return NULL;
}

/* By RSPLIB -policy= name or abbreviation, case-insensitive. */
const struct rsp_policy_info *
rsp_policy_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++)
		if (strcasecmp(name, policies[i].rsplib) == 0 ||
		    strcasecmp(name, policies[i].abbrev) == 0)
			return &policies[i];
	return NULL;
}

int
rsp_policy_nvalues(uint32_t type)
{
	const struct rsp_policy_info *p = rsp_policy_info(type);

	return p != NULL ? p->nvalues : -1;
}

const char *
rsp_policy_name(uint32_t type)
{
	const struct rsp_policy_info *p = rsp_policy_info(type);

	return p != NULL ? p->name : "unknown policy";
}
