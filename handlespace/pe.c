/*
 * Pool element records: validation of a registration (docs/wire.md 3.4.1,
 * 10.5), compact address storage, accessors and the conversion back to
 * struct rsp_pe for the codec.
 *
 * Addresses are stored as a blob of tagged entries (a family byte, then
 * 4 or 16 bytes), user transport first, then its service code when it
 * is DCCP (the only transport that has one on the wire), ASAP transport
 * last, inline in the PE up to HS_INLINE bytes (three IPv4 addresses)
 * and on the heap beyond: a typical PE costs 10 bytes of addresses
 * instead of 2 x 17 in struct rsp_addr form.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "handlespace/hs_int.h"

static int
addr_size(const struct rsp_addr *a)
{
	if (a->family == AF_INET)
		return 1 + 4;
	if (a->family == AF_INET6)
		return 1 + 16;
	return -1;
}

static int
transport_check(const struct rsp_transport *t)
{
	size_t i;

	if (t->naddrs == 0 || t->naddrs > RSP_ADDRS_MAX || t->port == 0 ||
	    t->addrs == NULL)
		return -1;
	for (i = 0; i < t->naddrs; i++)
		if (addr_size(&t->addrs[i]) < 0)
			return -1;
	return 0;
}

static int
ptype_ok(uint16_t p)
{
	return p == RSP_PARAM_SCTP || p == RSP_PARAM_TCP ||
	       p == RSP_PARAM_UDP || p == RSP_PARAM_UDPLITE ||
	       p == RSP_PARAM_DCCP;
}

/* The checks that do not depend on the pool; cause per hs.h. */
int
hs_pe_check(const struct rsp_pe *pe, uint16_t *cause)
{
	const struct hs_policy *pol = hs_policy_find(pe->policy.type);

	*cause = RSP_CAUSE_INVALID_VALUES;
	if (pe->id == 0 || pe->home == 0 || pol == NULL)
		return -1;
	if (!ptype_ok(pe->user.ptype) || transport_check(&pe->user) == -1 ||
	    pe->user.use > RSP_TRANSPORT_DATA_CONTROL)
		return -1;
	if (pe->has_asap && (pe->asap.ptype != RSP_PARAM_SCTP ||
	                        pe->asap.use != RSP_TRANSPORT_DATA_ONLY ||
	                        transport_check(&pe->asap) == -1))
		return -1;
	*cause = 0;
	return 0;
}

static size_t
blob_size(const struct rsp_transport *t)
{
	size_t i, n = t->ptype == RSP_PARAM_DCCP ? 4 : 0;

	for (i = 0; i < t->naddrs; i++)
		n += (size_t)addr_size(&t->addrs[i]);
	return n;
}

static uint8_t *
blob(struct hs_pe *pe)
{
	return pe->bloblen > HS_INLINE ? pe->addrs.heap : pe->addrs.in;
}

static const uint8_t *
cblob(const struct hs_pe *pe)
{
	return pe->bloblen > HS_INLINE ? pe->addrs.heap : pe->addrs.in;
}

static uint8_t *
put_transport(uint8_t *p, struct hs_txh *h, const struct rsp_transport *t)
{
	size_t i, n;

	h->port = t->port;
	h->ptype = (uint8_t)t->ptype;
	h->naddrs = (uint8_t)t->naddrs;
	for (i = 0; i < t->naddrs; i++) {
		n = t->addrs[i].family == AF_INET ? 4 : 16;
		*p++ = t->addrs[i].family;
		memcpy(p, t->addrs[i].a, n);
		p += n;
	}
	if (t->ptype == RSP_PARAM_DCCP) {
		memcpy(p, &t->service_code, 4);
		p += 4;
	}
	return p;
}

void
hs_pe_free_addrs(struct hs_pe *pe)
{
	if (pe->bloblen > HS_INLINE)
		free(pe->addrs.heap);
	pe->bloblen = 0;
}

int
hs_pe_set_addrs(struct hs_pe *pe, const struct rsp_pe *src)
{
	size_t len = blob_size(&src->user);
	uint8_t *p, *heap = NULL;

	if (src->has_asap)
		len += blob_size(&src->asap);
	if (len > HS_INLINE && (heap = malloc(len)) == NULL)
		return -1;
	hs_pe_free_addrs(pe);
	pe->bloblen = (uint16_t)len;
	if (heap != NULL)
		pe->addrs.heap = heap;
	p = put_transport(blob(pe), &pe->user, &src->user);
	pe->has_asap = src->has_asap != 0;
	memset(&pe->asap, 0, sizeof(pe->asap));
	if (src->has_asap)
		put_transport(p, &pe->asap, &src->asap);
	return 0;
}

static const uint8_t *
get_transport(const uint8_t *p, const struct hs_txh *h, struct rsp_transport *t,
    struct rsp_addr *addrs)
{
	size_t i, n;

	t->ptype = h->ptype;
	t->port = h->port;
	t->naddrs = h->naddrs;
	t->addrs = addrs;
	for (i = 0; i < h->naddrs; i++) {
		memset(&addrs[i], 0, sizeof(addrs[i]));
		addrs[i].family = *p++;
		n = addrs[i].family == AF_INET ? 4 : 16;
		memcpy(addrs[i].a, p, n);
		p += n;
	}
	if (h->ptype == RSP_PARAM_DCCP) {
		memcpy(&t->service_code, p, 4);
		p += 4;
	}
	return p;
}

size_t
hs_pe_export(const struct hs_pe *pe, struct rsp_pe *out, struct rsp_addr *addrs,
    size_t max)
{
	size_t need = (size_t)pe->user.naddrs + pe->asap.naddrs;
	const uint8_t *p;

	if (need > max)
		return need;
	memset(out, 0, sizeof(*out));
	out->id = pe->id;
	out->home = pe->home;
	out->life = pe->life;
	p = get_transport(cblob(pe), &pe->user, &out->user, addrs);
	out->user.use = pe->pool->use;
	hs_pe_policy(pe, &out->policy);
	out->has_asap = pe->has_asap;
	if (pe->has_asap)
		get_transport(
		    p, &pe->asap, &out->asap, addrs + pe->user.naddrs);
	return need;
}

void
hs_pe_policy(const struct hs_pe *pe, struct rsp_policy *pol)
{
	int n = rsp_policy_nvalues(pe->pool->policy->type);

	memset(pol, 0, sizeof(*pol));
	pol->type = pe->pool->policy->type;
	/* No wire form (PLU-DPF, PLUD-DPF): hand out every field. */
	pol->nvalues = (uint8_t)(n < 0 ? RSP_POLICY_FIELDS : n);
	memcpy(pol->v, pe->v, sizeof(pol->v));
}

uint32_t
hs_pe_id(const struct hs_pe *pe)
{
	return pe->id;
}

uint32_t
hs_pe_home(const struct hs_pe *pe)
{
	return pe->home;
}

uint32_t
hs_pe_life(const struct hs_pe *pe)
{
	return pe->life;
}

uint64_t
hs_pe_expiry(const struct hs_pe *pe)
{
	return pe->expiry;
}

const struct rsp_handle *
hs_pe_handle(const struct hs_pe *pe)
{
	return &pe->pool->handle;
}

uint32_t
hs_pe_policy_type(const struct hs_pe *pe)
{
	return pe->pool->policy->type;
}

uint32_t
hs_pe_selections(const struct hs_pe *pe)
{
	return pe->selections;
}

unsigned
hs_pe_unreachable(const struct hs_pe *pe)
{
	return pe->unreachable;
}

uint32_t
hs_pe_degradation(const struct hs_pe *pe)
{
	return pe->pool->policy->degrades ? pe->st[0] : 0;
}

/* The registrar's memory per PE (issue 7, bench/README.md) rests on it. */
_Static_assert(offsetof(struct hs_pe, ext) <= 140,
    "struct hs_pe grew: registrar memory per PE");

void *
hs_pe_ext(const struct hs_pe *pe)
{
	/* The area is the owner's to write, whatever the PE's constness. */
	return (uint8_t *)(uintptr_t)pe + offsetof(struct hs_pe, ext);
}

struct hs_pe *
hs_pe_from_ext(const void *ext)
{
	return (struct hs_pe *)(uintptr_t)((const uint8_t *)ext -
	                                   offsetof(struct hs_pe, ext));
}

uint32_t
hs_pe_ref(const struct hs_pe *pe)
{
	return pe->ref;
}

struct hs_pe *
hs_pe_at(const struct hs *hs, uint32_t ref)
{
	return hs_slab_at(&hs->slab, ref);
}
