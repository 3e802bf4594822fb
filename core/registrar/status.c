/*
 * The registrar's component status report (docs/wire.md 8.4, as
 * RSPLIB's registrar writes it): "T[O] PEs in P Pools, K Peers" (T PEs
 * in the handlespace, O of them owned by us) and one association per
 * ENRP peer known by ID (duration unknown, PPID 12).  The same text is
 * systemd's STATUS= (applets/registrar.c).
 */
#include <stdio.h>

#include "core/csp_report.h"
#include "core/registrar/internal.h"
#include "core/transport/transport.h"
#include "handlespace/hs.h"
#include "proto/wire.h"

#define REG_CSP_PEERS_MAX 256

void
reg_status_text(struct registrar *reg, char *text, size_t len)
{
	struct hs *hs = reg_hs(reg);
	size_t i, n, pools = hs_pool_total(hs), peers = reg_peer_count(reg);
	unsigned long long refused = 0;

	for (i = 0; i <= RSP_CAUSE_SECURITY; i++)
		refused += reg->count.refused[i];
	/* RSPLIB's text, then ours: registrations refused (issue 16) */
	n = (size_t)snprintf(text, len,
	    "%zu[%zu] PEs in %zu Pool%s, %zu Peer%s", hs_pe_total(hs),
	    hs_owner_count(hs, reg_id(reg)), pools, pools == 1 ? "" : "s",
	    peers, peers == 1 ? "" : "s");
	if (refused > 0 && n < len)
		snprintf(text + n, len - n, ", %llu refused", refused);
}

void
csp_fill_registrar(struct csp_reporter *rep, struct csp_report *r, void *arg)
{
	struct registrar *reg = arg;
	uint32_t ids[REG_CSP_PEERS_MAX];
	size_t i, n;
	char text[CSP_TEXT_SIZE];

	reg_status_text(reg, text, sizeof(text));
	csp_set_text(r->status, text);
	csp_reporter_set_port(rep, reg->asap.port);
	n = reg_peer_ids(reg, ids, REG_CSP_PEERS_MAX);
	for (i = 0; i < n; i++)
		csp_reporter_add_assoc(rep, CSP_GROUP_PR, ids[i],
		    CSP_DURATION_UNKNOWN, tr_ip_proto(reg->kind),
		    RSP_PPID_ENRP);
}
