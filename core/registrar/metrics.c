/*
 * The registrar's metrics (docs/metrics.md): its state and every count
 * of struct reg_counters, into the snapshot that the Prometheus text
 * and the JSON status are both written from (core/metrics.h).  Label
 * values come from the tables below, never from the wire, except the
 * pool handles of -metricspools (opt-in, at most 1000 pools).
 */
#include <stdint.h>
#include <string.h>

#include "core/metrics.h"
#include "core/registrar/acl.h"
#include "core/registrar/internal.h"
#include "core/registrar/registrar.h"
#include "handlespace/hs.h"
#include "proto/msg.h"

#define REG_MX_PEERS_MAX 256 /* the peer table's bound */

#define REG_OPT(...) OPT_ROW(struct reg_config, __VA_ARGS__)

/* The metrics feature's registrar option (mk/features.mk). */
const struct opt reg_metrics_opts[] = {
    REG_OPT("metricspools", OPT_INT, "N",
        "metrics: PEs of the first N pools, labelled with their pool "
        "handles (wire data; default 0: none)",
        "0", 0, 1000, metrics_pools),
    OPT_END,
};

/* RFC 5354 section 2.2.16's causes, 0x0000-0x000a, as label values. */
static const char *const cause_label[RSP_CAUSE_SECURITY + 1] = {"unspecified",
    "unrecognized_parameter", "unrecognized_message", "invalid_values",
    "non_unique_pe_identifier", "inconsistent_pooling_policy",
    "lack_of_resources", "inconsistent_transport_type",
    "inconsistent_data_control", "unknown_pool_handle", "security"};

static const char *const rate_label[REG_RATE_N] = {
    "registration", "handle_resolution", "endpoint_unreachable"};

static const char *const acl_label[REG_ACL_OPS] = {
    "register", "resolve", "peer", "dump"};

static const char *const enrp_label[REG_ENRP_REF_N] = {"not_allowed",
    "read_only", "wrong_host", "unknown_sender", "multicast_not_allowed",
    "candidate_not_allowed", "table_full", "max_pes", "max_pes_per_peer",
    "unsolicited", "not_home"};

static const char *const bad_label[REG_BAD_N] = {"malformed", "unexpected"};

/* reg_peer_state()'s names, and their label values. */
static const struct {
	const char *state, *label;
} peer_states[] = {{"unknown", "unknown"}, {"alive", "alive"},
    {"wait-response", "wait_response"}, {"takeover", "takeover"}};

/* The plain totals of struct reg_counters: RSPLIB's statistics. */
static const struct {
	const char *name, *help;
	size_t off;
} totals[] = {
    {"rsp_registrar_registrations_total",
        "registrations accepted, re-registrations included",
        offsetof(struct reg_counters, registrations)},
    {"rsp_registrar_reregistrations_total",
        "registrations of a PE already registered",
        offsetof(struct reg_counters, reregistrations)},
    {"rsp_registrar_deregistrations_total", "deregistrations accepted",
        offsetof(struct reg_counters, deregistrations)},
    {"rsp_registrar_handle_resolutions_total", "handle resolutions received",
        offsetof(struct reg_counters, resolutions)},
    {"rsp_registrar_endpoint_unreachable_reports_total",
        "endpoint unreachable reports taken (not rate-limited)",
        offsetof(struct reg_counters, failure_reports)},
    {"rsp_registrar_handle_table_requests_total",
        "ENRP handle table requests answered",
        offsetof(struct reg_counters, synchronizations)},
    {"rsp_registrar_handle_updates_total", "ENRP handle updates received",
        offsetof(struct reg_counters, handle_updates)},
    {"rsp_registrar_endpoint_keepalives_total",
        "endpoint keep-alives sent to PEs",
        offsetof(struct reg_counters, keepalives)},
};

/* A counter family with one sample per label of a table. */
static void
by_label(struct mx *m, const char *name, const char *help, const char *key,
    const char *const *labels, const unsigned long long *v, size_t n)
{
	size_t i;

	mx_family(m, name, MX_COUNTER, help);
	for (i = 0; i < n; i++)
		mx_add1(m, key, labels[i], (double)v[i]);
}

static void
fill_counters(struct mx *m, const struct reg_counters *c)
{
	size_t i;

	for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
		mx_one(m, totals[i].name, MX_COUNTER, totals[i].help,
		    (double)*(const unsigned long long *)((const char *)c +
		                                          totals[i].off));
	by_label(m, "rsp_registrar_refusals_total",
	    "registrations and deregistrations refused, by RFC 5354 cause",
	    "cause", cause_label, c->refused, RSP_CAUSE_SECURITY + 1);
	by_label(m, "rsp_registrar_rate_limited_total",
	    "requests over a per-association rate limit (-maxregistrationrate, "
	    "-maxhrrate, -maxeurate)",
	    "request", rate_label, c->rate_limited, REG_RATE_N);
	by_label(m, "rsp_registrar_acl_denials_total",
	    "ASAP requests the -acl rules denied, by operation", "operation",
	    acl_label, c->acl_denied, REG_ACL_OPS);
	by_label(m, "rsp_registrar_enrp_refusals_total",
	    "ENRP associations, messages and PEs refused or ignored, by cause",
	    "cause", enrp_label, c->enrp_refused, REG_ENRP_REF_N);
	mx_family(m, "rsp_registrar_bad_messages_total", MX_COUNTER,
	    "messages dropped before any handler (malformed or unexpected)");
	for (i = 0; i < REG_BAD_N; i++) {
		mx_add2(m, "protocol", "asap", "reason", bad_label[i],
		    (double)c->bad_msgs[0][i]);
		mx_add2(m, "protocol", "enrp", "reason", bad_label[i],
		    (double)c->bad_msgs[1][i]);
	}
	mx_family(m, "rsp_registrar_send_failures_total", MX_COUNTER,
	    "messages dropped because the transport refused them (a full send "
	    "queue, a lost association)");
	mx_add1(m, "protocol", "asap", (double)c->send_failures[0]);
	mx_add1(m, "protocol", "enrp", (double)c->send_failures[1]);
}

static void
fill_peers(struct mx *m, const struct registrar *reg)
{
	uint32_t ids[REG_MX_PEERS_MAX];
	double n[sizeof(peer_states) / sizeof(peer_states[0])] = {0};
	size_t i, j, nids = reg_peer_ids(reg, ids, REG_MX_PEERS_MAX);
	const char *st;

	for (i = 0; i < nids; i++)
		if ((st = reg_peer_state(reg, ids[i])) != NULL)
			for (j = 0; j < sizeof(n) / sizeof(n[0]); j++)
				if (strcmp(st, peer_states[j].state) == 0)
					n[j]++;
	mx_family(m, "rsp_registrar_peers", MX_GAUGE,
	    "ENRP peers known by ID, by state");
	for (j = 0; j < sizeof(n) / sizeof(n[0]); j++)
		mx_add1(m, "state", peer_states[j].label, n[j]);
}

/* -metricspools: PEs of the first N pools in handlespace order, each
 * found by skipping past the last PE ID of the one before. */
static void
fill_pools(struct mx *m, struct registrar *reg)
{
	struct hs_cursor c;
	const struct hs_pe *pe;
	char h[2 * RSP_HANDLE_MAX + 3];
	long long i;

	if (reg->cfg.metrics_pools <= 0)
		return;
	mx_family(m, "rsp_registrar_pool_size", MX_GAUGE,
	    "PEs in the pool (-metricspools: the first N pools)");
	hs_cursor_init(&c);
	for (i = 0;
	     i < reg->cfg.metrics_pools && hs_next(reg->hs, &c, 0, &pe, 1) == 1;
	     i++) {
		rsp_handle_str(hs_pe_handle(pe), h, sizeof(h));
		mx_add1(m, "pool", h,
		    (double)hs_pool_size(reg->hs, hs_pe_handle(pe)));
		c.id = UINT32_MAX; /* on to the next pool */
	}
}

void
reg_metrics_fill(struct mx *m, void *arg)
{
	struct registrar *reg = arg;
	size_t total = hs_pe_total(reg->hs);

	mx_one(m, "rsp_registrar_pools", MX_GAUGE, "pools in the handlespace",
	    (double)hs_pool_total(reg->hs));
	mx_family(m, "rsp_registrar_pool_elements", MX_GAUGE,
	    "PEs in the handlespace: homed here (self) or at a peer");
	mx_add1(m, "owner", "self", (double)reg->pe_n);
	mx_add1(m, "owner", "peer", (double)(total - reg->pe_n));
	fill_peers(m, reg);
	mx_one(m, "rsp_registrar_asap_associations", MX_GAUGE,
	    "ASAP associations (PEs and PUs)", (double)reg_assoc_count(reg));
	mx_one(m, "rsp_registrar_mentor_phase", MX_GAUGE,
	    "1 while the start-up mentor phase runs, else 0",
	    reg_in_startup(reg) ? 1 : 0);
	fill_counters(m, &reg->count);
	fill_pools(m, reg);
}
