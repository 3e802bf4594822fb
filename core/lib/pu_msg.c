/*
 * Pool user side of ASAP (docs/wire.md 3.4.3, 3.4.5): the messages a PU
 * sends to its registrar and the choice of a PE from an answer.  The
 * registrar applied the pool's policy; with Items = 1 the PU takes what
 * it got, skipping the PE it just failed with.
 */
#include <string.h>

#include "core/lib/internal.h"
#include "core/transport/transport.h"
#include "proto/wire.h"

void
lib_pu_hr(struct rsp_msg *m, const struct rsp_handle *h)
{
	rsp_msg_init(m, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION);
	m->present = RSP_HAS_HANDLE | RSP_HAS_HR_OPTION;
	m->handle = *h;
	m->hr_items = 1;
}

void
lib_pu_unreachable(
    struct rsp_msg *m, const struct rsp_handle *h, uint32_t pe_id)
{
	rsp_msg_init(m, RSP_PROTO_ASAP, ASAP_ENDPOINT_UNREACHABLE);
	m->present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
	m->handle = *h;
	m->pe_id = pe_id;
}

const struct rsp_pe *
lib_pu_choose(const struct rsp_msg *resp, uint32_t avoid)
{
	const struct rsp_pe *fallback = NULL;
	int i;

	if (resp->type != ASAP_HANDLE_RESOLUTION_RESPONSE ||
	    (resp->present & RSP_HAS_ERROR))
		return NULL;

	for (i = 0; i < resp->npes; i++) {
		const struct rsp_pe *pe = &resp->pes[i];

		if (pe->user.naddrs == 0 ||
		    tr_kind_for_param(pe->user.ptype) < 0)
			continue;
		if (pe->id != avoid)
			return pe;
		fallback = pe;
	}
	/* The PE to avoid only if it is the only one: a pool of one PE
	 * (busy or restarted) must stay usable. */
	return fallback;
}

/* ---- business cards (docs/wire.md 3.3.12, 6.3) ---- */

void
lib_info_from_pe(struct rsp_pe_info *pi, const struct rsp_pe *pe)
{
	const struct rsp_policy_info *inf = rsp_policy_info(pe->policy.type);
	struct addr_list al;
	int i;

	memset(pi, 0, sizeof(*pi));
	pi->pe_id = pe->id;
	pi->transport = tr_kind_for_param(pe->user.ptype);
	pi->port = pe->user.port;
	pi->use = pe->user.use;
	if (lib_transport_addrs(&pe->user, &al) == 0)
		for (i = 0; i < al.n && i < RSP_PE_ADDRS_MAX; i++)
			pi->addrs[pi->naddrs++] = al.a[i];
	pi->policy = pe->policy.type;
	for (i = 0; inf != NULL && i < inf->nvalues && i < pe->policy.nvalues;
	     i++) {
		if (strcmp(inf->fields[i], "load") == 0)
			pi->load = pe->policy.v[i];
		else if (strcmp(inf->fields[i], "weight") == 0 ||
		         strcmp(inf->fields[i], "priority") == 0)
			pi->weight = pe->policy.v[i];
	}
}

/* The reverse, for sending: addrs must hold RSP_PE_ADDRS_MAX. */
static int
pe_from_info(
    struct rsp_pe *pe, struct rsp_addr *addrs, const struct rsp_pe_info *pi)
{
	const struct rsp_policy_info *inf;
	int i, n = 0;

	memset(pe, 0, sizeof(*pe));
	pe->id = pi->pe_id;
	pe->user.ptype = tr_param_for_kind(pi->transport);
	pe->user.port = pi->port;
	pe->user.use = pi->use;
	for (i = 0; i < pi->naddrs && i < RSP_PE_ADDRS_MAX; i++)
		if (addr_to_rsp(
		        (const struct sockaddr *)&pi->addrs[i], &addrs[n]) == 0)
			n++;
	pe->user.naddrs = (uint16_t)n;
	pe->user.addrs = addrs;
	pe->policy.type = pi->policy ? pi->policy : RSP_POLICY_RR;
	if ((inf = rsp_policy_info(pe->policy.type)) == NULL ||
	    inf->nvalues < 0)
		return -1;
	pe->policy.nvalues = (uint8_t)inf->nvalues;
	for (i = 0; i < inf->nvalues; i++) {
		if (strcmp(inf->fields[i], "load") == 0)
			pe->policy.v[i] = pi->load;
		else if (strcmp(inf->fields[i], "weight") == 0 ||
		         strcmp(inf->fields[i], "priority") == 0)
			pe->policy.v[i] = pi->weight;
	}
	return n > 0 ? 0 : -1;
}

int
lib_card_encode(struct wbuf *w, const struct rsp_handle *h,
    const struct rsp_pe_info *pes, int n)
{
	struct rsp_addr addrs[RSP_RESOLVE_MAX][RSP_PE_ADDRS_MAX];
	struct rsp_pe pe[RSP_RESOLVE_MAX];
	struct rsp_msg m;
	int i;

	if (n < 1 || n > RSP_RESOLVE_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (pe_from_info(&pe[i], addrs[i], &pes[i]) == -1)
			return -1;
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_BUSINESS_CARD);
	m.present = RSP_HAS_HANDLE;
	m.handle = *h;
	m.npes = (uint16_t)n;
	m.pes = pe;
	return rsp_msg_encode(&m, w);
}

int
lib_card_event(const struct rsp_msg *m, struct rsp_event *ev,
    struct rsp_pe_info *out, int max)
{
	int i, n = 0;

	if (m->type != ASAP_BUSINESS_CARD || !(m->present & RSP_HAS_HANDLE))
		return -1;
	for (i = 0; i < m->npes && n < max; i++)
		lib_info_from_pe(&out[n++], &m->pes[i]);
	ev->type = RSP_EV_BUSINESS_CARD;
	ev->data = m->handle.bytes;
	ev->len = m->handle.len;
	ev->pes = out;
	ev->npes = n;
	return 0;
}
