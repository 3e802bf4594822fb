/*
 * Pool user side of ASAP (PROTOCOLS.md 3.4.3, 3.4.5): the messages a PU
 * sends to its registrar and the choice of a PE from an answer.  The
 * registrar applied the pool's policy; with Items = 1 the PU takes what
 * it got, skipping the PE it just failed with.
 */
#include <string.h>

#include "core/lib_int.h"
#include "core/transport.h"
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
