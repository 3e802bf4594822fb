/*
 * The registrar's copy of its peers' PEs (RFC 5353, docs/wire.md
 * 4.5.3-4.5.5): Handle Table requests we answer in responses of
 * -maxelementsperhtrequest PEs, responses we learn from, Handle Updates
 * received, and the checksum audit that asks a peer for its own PEs
 * again when the checksums differ.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/enrp_int.h"
#include "core/registrar/registrar.h"
#include "core/transport/transport.h"

void
audit_start(struct reg_enrp *e, struct reg_peer *p)
{
	p->syncing = 1;
	p->nseen = 0;
	send_simple(e, p, ENRP_HANDLE_TABLE_REQUEST, ENRP_FLAG_HTREQ_W);
}

void
audit_seen(struct reg_peer *p, const struct rsp_handle *h, uint32_t id)
{
	struct reg_sync_id *n;
	size_t cap;

	if (p->nseen == p->capseen) {
		cap = p->capseen ? 2 * p->capseen : 64;
		if ((n = realloc(p->seen, cap * sizeof(*n))) == NULL)
			return;
		p->seen = n;
		p->capseen = cap;
	}
	p->seen[p->nseen].handle = *h;
	p->seen[p->nseen++].id = id;
}

static int
sync_id_cmp(const void *x, const void *y)
{
	const struct reg_sync_id *a = x, *b = y;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->handle.len != b->handle.len)
		return a->handle.len < b->handle.len ? -1 : 1;
	return memcmp(a->handle.bytes, b->handle.bytes, a->handle.len);
}

/* p->seen is sorted (audit_finish): a binary search.  A linear one made
 * the audit quadratic: 100,000 PEs froze the registrar for 8 s of CPU,
 * a million would for some 13 minutes (bench/scale.sh, BENCHMARKS.md). */
static int
audit_was_seen(
    const struct reg_peer *p, const struct rsp_handle *h, uint32_t id)
{
	struct reg_sync_id key;

	if (p->nseen == 0) /* p->seen may be NULL: bsearch() wants an array */
		return 0;
	key.handle = *h;
	key.id = id;
	return bsearch(&key, p->seen, p->nseen, sizeof(*p->seen),
	           sync_id_cmp) != NULL;
}

/* After the final response: delete the peer's PEs not received. */
void
audit_finish(struct reg_enrp *e, struct reg_peer *p)
{
	const struct hs_pe *pe;
	struct hs_cursor c;
	struct rsp_handle h;
	uint32_t id;
	size_t gone = 0;

	p->syncing = 0;
	if (p->nseen > 1)
		qsort(p->seen, p->nseen, sizeof(*p->seen), sync_id_cmp);
	hs_cursor_init(&c);
	while (hs_next(e->reg->hs, &c, p->id, &pe, 1) == 1) {
		if (audit_was_seen(p, hs_pe_handle(pe), hs_pe_id(pe)))
			continue;
		h = *hs_pe_handle(pe);
		id = hs_pe_id(pe);
		hs_deregister(e->reg->hs, &h, id);
		gone++;
	}
	p->nseen = 0;
	if (gone > 0) {
		log_info("registrar: audit of $%08x removed %zu stale PEs",
		    p->id, gone);
		reg_expiry_arm(e->reg);
	}
}

/* Insert or update a PE another registrar owns, learned over assoc;
 * 0, or a cause. */
/* -maxpes and -maxpesperpeer: a PE new to us beyond them is not
 * learned (a peer cannot fill our memory; issue 16). */
static int
learn_over_cap(
    struct reg_enrp *e, const struct rsp_handle *h, const struct rsp_pe *pe)
{
	const struct reg_config *cfg = &e->reg->cfg;
	struct hs *hs = e->reg->hs;

	if (hs_find_pe(hs, h, pe->id) != NULL)
		return 0;
	if (cfg->max_pes > 0 && hs_pe_total(hs) >= (size_t)cfg->max_pes) {
		e->reg->count.enrp_refused[REG_ENRP_REF_MAX_PES]++;
		log_warning_limited("registrar: -maxpes=%lld reached: PE $%08x "
		                    "of $%08x not learned",
		    cfg->max_pes, pe->id, pe->home);
		return 1;
	}
	if (cfg->max_pes_peer > 0 &&
	    hs_owner_count(hs, pe->home) >= (size_t)cfg->max_pes_peer) {
		e->reg->count.enrp_refused[REG_ENRP_REF_MAX_PES_PEER]++;
		log_warning_limited(
		    "registrar: -maxpesperpeer=%lld reached for "
		    "$%08x: PE $%08x not learned",
		    cfg->max_pes_peer, pe->home, pe->id);
		return 1;
	}
	return 0;
}

uint16_t
learn_pe(struct reg_enrp *e, uint32_t assoc, const struct rsp_handle *h,
    const struct rsp_pe *from, int keep_ours)
{
	struct rsp_pe pe = *from;
	struct reg_pe *rpe;
	uint16_t cause = 0;

	if (!pe.has_asap)
		return RSP_CAUSE_INVALID_VALUES; /* RSPLIB 0xf006 */
	if (pe.home == 0)
		return RSP_CAUSE_INVALID_VALUES;
	if (pe.home == e->reg->id)
		return 0; /* ours: we know better */
	/* A table is a snapshot: a PE registered here (during our mentor
	 * phase, say) stays ours; only an update says it moved. */
	if (keep_ours && reg_pe_find(e->reg, h, pe.id) != NULL)
		return 0;
	if (learn_over_cap(e, h, &pe))
		return RSP_CAUSE_LACK_OF_RESOURCES;
	if (reg_distance_index(&pe.policy) != -1 && e->io.srtt != NULL)
		reg_distance(
		    e->reg, &pe.policy, e->io.srtt(e->io.arg, assoc), 1);
	if (hs_register(e->reg->hs, h, &pe, ev_now_ms(e->reg->loop), &cause) ==
	    -1)
		return cause;
	if ((rpe = reg_pe_find(e->reg, h, pe.id)) != NULL) {
		/* It has a new home PR (a takeover suggestion it followed,
		 * or a registration elsewhere): no longer ours to watch. */
		log_info(
		    "registrar: PE $%08x now has home $%08x", pe.id, pe.home);
		reg_pe_forget(e->reg, rpe);
	}
	return 0;
}

/* Up to max PEs from the peer's cursor into reg->hr_pes; their pool
 * handles and the cursor before each kept in e. */
static size_t
ht_collect(struct reg_enrp *e, struct reg_peer *p, uint32_t owner, size_t max)
{
	struct registrar *reg = e->reg;
	const struct hs_pe *pe;
	size_t n = 0;

	while (n < max) {
		e->ht_save[n] = p->ht_cursor;
		if (hs_next(reg->hs, &p->ht_cursor, owner, &pe, 1) != 1)
			break;
		reg_enrp_export_pe(
		    pe, &reg->hr_pes[n], reg->hr_addrs + n * 2 * RSP_ADDRS_MAX);
		e->ht_handle[n] = hs_pe_handle(pe);
		n++;
	}
	return n;
}

/* e->pools for the first n collected PEs (handlespace order keeps a
 * pool's PEs together); the number of pool entries. */
static uint16_t
ht_pools(struct reg_enrp *e, size_t n)
{
	const struct rsp_handle *h;
	size_t i, np = 0;

	for (i = 0; i < n; i++) {
		h = e->ht_handle[i];
		if (np == 0 || e->pools[np - 1].handle.len != h->len ||
		    memcmp(e->pools[np - 1].handle.bytes, h->bytes, h->len) !=
		        0) {
			e->pools[np].handle = *h;
			e->pools[np].npes = 0;
			e->pools[np].pes = &e->reg->hr_pes[i];
			np++;
		}
		e->pools[np - 1].npes++;
	}
	return (uint16_t)np;
}

/*
 * Up to -maxelementsperhtrequest PEs in REG_HT_MAX_BYTES: collected,
 * then encoded once; a response too big keeps its first half (the
 * cursor goes back) until it fits, and a lone PE goes out alone,
 * whatever its size.
 */
void
on_ht_request(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	struct registrar *reg = e->reg;
	uint32_t owner = (m->flags & ENRP_FLAG_HTREQ_W) ? reg->id : 0;
	const struct hs_pe *pe;
	struct hs_cursor peek;
	struct rsp_msg r;
	struct wbuf w;
	size_t n;

	reg->count.synchronizations++;
	rsp_msg_init(&r, RSP_PROTO_ENRP, ENRP_HANDLE_TABLE_RESPONSE);
	r.receiver = p->id;
	if (!p->ht_more || p->ht_w != (owner != 0))
		hs_cursor_init(&p->ht_cursor);
	p->ht_w = owner != 0;
	r.pools = e->pools;
	n = ht_collect(e, p, owner, (size_t)reg->cfg.max_ht_pes);
	for (;;) {
		r.npools = ht_pools(e, n);
		wbuf_init(&w, e->buf,
		    reg->cfg.ht_max_bytes > 0 &&
		            reg->cfg.ht_max_bytes < REG_HT_MAX_BYTES
		        ? reg->cfg.ht_max_bytes
		        : REG_HT_MAX_BYTES);
		if (rsp_msg_encode(&r, &w) == 0 || n <= 1)
			break;
		n /= 2;
		p->ht_cursor = e->ht_save[n];
	}
	peek = p->ht_cursor;
	p->ht_more = hs_next(reg->hs, &peek, owner, &pe, 1) == 1;
	if (p->ht_more)
		r.flags |= ENRP_FLAG_HTRESP_M;
	log_debug(1, "registrar: handle table to $%08x: %zu PEs%s", p->id, n,
	    p->ht_more ? ", more" : "");
	enrp_send_assoc(e, assoc, &r);
}

void
on_ht_response(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	uint16_t cause;
	size_t i, j;

	p->ht_asked--; /* unsolicited() let only an asked one through */
	if (m->flags & ENRP_FLAG_HTRESP_R) {
		log_notice("registrar: peer $%08x refused our handle table "
		           "request",
		    p->id);
		p->syncing = 0;
		if (e->mentor == p)
			normal_operation(e, "mentor refused");
		return;
	}
	for (i = 0; i < m->npools; i++)
		for (j = 0; j < m->pools[i].npes; j++) {
			const struct rsp_pe *pe = &m->pools[i].pes[j];

			if ((cause = learn_pe(
			         e, assoc, &m->pools[i].handle, pe, 1)) != 0) {
				send_error(e, assoc, p->id, cause);
				continue;
			}
			if (p->syncing && pe->home == p->id)
				audit_seen(p, &m->pools[i].handle, pe->id);
		}
	reg_expiry_arm(e->reg);
	if (m->flags & ENRP_FLAG_HTRESP_M) {
		send_simple(e, p, ENRP_HANDLE_TABLE_REQUEST,
		    p->syncing && e->mentor != p ? ENRP_FLAG_HTREQ_W : 0);
		return;
	}
	if (p->syncing)
		audit_finish(e, p);
	if (e->mentor == p)
		normal_operation(e, "handle table from the mentor");
}

/*
 * A PE's home registrar removes it (RFC 5353 3.2: the home PR announces
 * a deregistration).  Another peer's word is not taken: a PE that moved
 * to a new home while its old one still saw it would otherwise be
 * removed by the old home's late update, and one peer could remove any
 * PE (RFC 5355 2.17).  Ours stay ours.
 */
static void
peer_deletes(struct reg_enrp *e, const struct reg_peer *p,
    const struct rsp_handle *h, uint32_t id)
{
	const struct hs_pe *pe = hs_find_pe(e->reg->hs, h, id);

	if (pe == NULL)
		return;
	if (hs_pe_home(pe) != p->id) {
		e->reg->count.enrp_refused[REG_ENRP_REF_NOT_HOME]++;
		log_info_limited("registrar: $%08x deletes PE $%08x, whose "
		                 "home is $%08x: ignored",
		    p->id, id, hs_pe_home(pe));
		return;
	}
	hs_deregister(e->reg->hs, h, id);
}

void
on_update(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	uint16_t cause;

	if (m->npes != 1)
		return;
	e->reg->count.handle_updates++;
	if (m->action == ENRP_DEL_PE)
		peer_deletes(e, p, &m->handle, m->pes[0].id);
	else if ((cause = learn_pe(e, assoc, &m->handle, &m->pes[0], 0)) != 0)
		send_error(e, assoc, p->id, cause);
	else if ((m->flags & ENRP_FLAG_UPDATE_T) &&
	         e->reg->cfg.takeover_suggestion &&
	         m->pes[0].home != e->reg->id) {
		log_info("registrar: $%08x suggests we take over PE $%08x",
		    p->id, m->pes[0].id);
		reg_takeover_suggested(e->reg, &m->handle, m->pes[0].id);
	}
	reg_expiry_arm(e->reg);
}
