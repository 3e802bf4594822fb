/*
 * Deep comparison of two messages, for round-trip tests, fuzz targets
 * and callers that want to know whether a re-registration changed
 * anything.  Wire details (tail_unpadded) and skipped unknown
 * parameters are not part of a message's meaning and are ignored.
 */
#include <string.h>
#include <sys/socket.h>

#include "proto/msg.h"

static int
bytes_eq(const struct rsp_bytes *a, const struct rsp_bytes *b)
{
	return a->len == b->len &&
	       (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int
addr_eq(const struct rsp_addr *a, const struct rsp_addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && memcmp(a->a, b->a, n) == 0;
}

static int
transport_eq(const struct rsp_transport *a, const struct rsp_transport *b)
{
	uint16_t i;

	if (a->ptype != b->ptype || a->port != b->port || a->use != b->use ||
	    a->service_code != b->service_code || a->naddrs != b->naddrs)
		return 0;
	for (i = 0; i < a->naddrs; i++)
		if (!addr_eq(&a->addrs[i], &b->addrs[i]))
			return 0;
	return 1;
}

static int
policy_eq(const struct rsp_policy *a, const struct rsp_policy *b)
{
	uint8_t i;

	if (a->type != b->type || a->nvalues != b->nvalues ||
	    a->nvalues > RSP_POLICY_FIELDS)
		return 0;
	for (i = 0; i < a->nvalues; i++)
		if (a->v[i] != b->v[i])
			return 0;
	return 1;
}

static int
handle_eq(const struct rsp_handle *a, const struct rsp_handle *b)
{
	return a->len == b->len && a->len <= RSP_HANDLE_MAX &&
	       memcmp(a->bytes, b->bytes, a->len) == 0;
}

static int
pe_eq(const struct rsp_pe *a, const struct rsp_pe *b)
{
	return a->id == b->id && a->home == b->home && a->life == b->life &&
	       transport_eq(&a->user, &b->user) &&
	       policy_eq(&a->policy, &b->policy) &&
	       !a->has_asap == !b->has_asap &&
	       (!a->has_asap || transport_eq(&a->asap, &b->asap));
}

static int
pes_eq(const struct rsp_pe *a, const struct rsp_pe *b, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		if (!pe_eq(&a[i], &b[i]))
			return 0;
	return 1;
}

static int
server_eq(const struct rsp_server_info *a, const struct rsp_server_info *b)
{
	return a->id == b->id && a->flags == b->flags &&
	       !a->has_transport == !b->has_transport &&
	       (!a->has_transport ||
	           transport_eq(&a->transport, &b->transport));
}

static int
operror_eq(const struct rsp_operror *a, const struct rsp_operror *b)
{
	uint16_t i;

	if (a->ncauses != b->ncauses)
		return 0;
	for (i = 0; i < a->ncauses; i++)
		if (a->causes[i].code != b->causes[i].code ||
		    !bytes_eq(&a->causes[i].data, &b->causes[i].data))
			return 0;
	return 1;
}

static int
singles_eq(const struct rsp_msg *a, const struct rsp_msg *b)
{
	unsigned p = a->present;

	if (a->present != b->present)
		return 0;
	return (!(p & RSP_HAS_HANDLE) || handle_eq(&a->handle, &b->handle)) &&
	       (!(p & RSP_HAS_PE_ID) || a->pe_id == b->pe_id) &&
	       (!(p & RSP_HAS_HR_OPTION) || a->hr_items == b->hr_items) &&
	       (!(p & RSP_HAS_CHECKSUM) || a->checksum == b->checksum) &&
	       (!(p & RSP_HAS_POLICY) || policy_eq(&a->policy, &b->policy)) &&
	       (!(p & RSP_HAS_ERROR) || operror_eq(&a->error, &b->error)) &&
	       (!(p & RSP_HAS_COOKIE) || bytes_eq(&a->cookie, &b->cookie));
}

static int
lists_eq(const struct rsp_msg *a, const struct rsp_msg *b)
{
	uint16_t i;

	if (a->npes != b->npes || a->nservers != b->nservers ||
	    a->ntransports != b->ntransports || a->npools != b->npools)
		return 0;
	if (!pes_eq(a->pes, b->pes, a->npes))
		return 0;
	for (i = 0; i < a->nservers; i++)
		if (!server_eq(&a->servers[i], &b->servers[i]))
			return 0;
	for (i = 0; i < a->ntransports; i++)
		if (!transport_eq(&a->transports[i], &b->transports[i]))
			return 0;
	for (i = 0; i < a->npools; i++)
		if (!handle_eq(&a->pools[i].handle, &b->pools[i].handle) ||
		    a->pools[i].npes != b->pools[i].npes ||
		    !pes_eq(a->pools[i].pes, b->pools[i].pes, a->pools[i].npes))
			return 0;
	return 1;
}

int
rsp_msg_equal(const struct rsp_msg *a, const struct rsp_msg *b)
{
	return a->proto == b->proto && a->type == b->type &&
	       a->flags == b->flags && a->dialect == b->dialect &&
	       a->sender == b->sender && a->receiver == b->receiver &&
	       a->target == b->target && a->action == b->action &&
	       singles_eq(a, b) && lists_eq(a, b);
}
