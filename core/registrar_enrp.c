/*
 * Registrar, ENRP side (PROTOCOLS.md 4, RFC 5353): the peer table with
 * one state machine per peer, Presence and peer monitoring, the mentor
 * phase (List Request + Handle Table Request W=0), Handle Table and
 * List responses, Handle Updates and the checksum audit.  Takeover of
 * dead peers and multicast Presence are not implemented: the PEs of a
 * dead peer expire with their registration life.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar.h"
#include "core/registrar_int.h"
#include "core/transport.h"

/*
 * Peer monitoring (4.5.2).  UNKNOWN: a static -peer never heard (ID 0),
 * no timer.  ALIVE: heard; timer -peermaxtimelastheard.  WAIT_RESPONSE:
 * a Presence R=1 went out; timer -peermaxtimenoresponse.  DEAD: removed
 * (a static peer goes back to UNKNOWN with ID 0).
 */
enum reg_peer_state {
	REG_PEER_UNKNOWN = 0,
	REG_PEER_ALIVE,
	REG_PEER_WAIT_RESPONSE,
	REG_PEER_DEAD,
};

static const char *const peer_state_names[] = {
    [REG_PEER_UNKNOWN] = "unknown",
    [REG_PEER_ALIVE] = "alive",
    [REG_PEER_WAIT_RESPONSE] = "wait-response",
    [REG_PEER_DEAD] = "dead",
};

#define REG_LIST_MAX 64 /* servers in one List Response */

struct reg_sync_id {
	struct rsp_handle handle;
	uint32_t id;
};

struct reg_peer {
	struct reg_peer *next;
	struct registrar *reg;
	uint32_t id; /* 0 until first contact */
	int is_static;
	struct addr_list addrs; /* its ENRP endpoint */
	uint32_t assoc;         /* ours to it, when has_assoc */
	int has_assoc;
	enum reg_peer_state st;
	uint64_t timer;
	/* Handle Table Response continuation (we answer it). */
	struct hs_cursor ht_cursor;
	int ht_more, ht_w;
	/* Audit (4.5.3): PEs received during a W=1 sync. */
	int syncing;
	struct reg_sync_id *seen;
	size_t nseen, capseen;
};

struct reg_enrp {
	struct registrar *reg;
	struct reg_enrp_io io;
	struct reg_peer *peers;
	struct reg_peer *mentor;
	int startup;
	uint64_t hb_timer, mentor_timer;
	struct rsp_pool_entry pools[HS_SELECT_MAX];
	struct rsp_addr srv_addrs[ADDR_MAX];
	uint8_t buf[RSP_MSG_MAX];
};

static void peer_transition(struct reg_peer *p, enum reg_peer_state st);
static void normal_operation(struct reg_enrp *e, const char *why);

/* ---- sending ---- */

static int
enrp_send_assoc(struct reg_enrp *e, uint32_t assoc, struct rsp_msg *m)
{
	struct wbuf w;

	m->sender = e->reg->id;
	wbuf_init(&w, e->buf, sizeof(e->buf));
	if (rsp_msg_encode(m, &w) == -1) {
		log_error("registrar: cannot encode %s: %s",
		    rsp_msg_name(RSP_PROTO_ENRP, m->type), strerror(errno));
		return -1;
	}
	if (e->io.send == NULL ||
	    e->io.send(e->io.arg, assoc, w.data, w.len) == -1) {
		log_warning("registrar: send %s on ENRP assoc %u: %s",
		    rsp_msg_name(RSP_PROTO_ENRP, m->type), assoc,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* To a peer over our association, opened on demand. */
static int
enrp_send_peer(struct reg_enrp *e, struct reg_peer *p, struct rsp_msg *m)
{
	if (!p->has_assoc) {
		if (p->addrs.n == 0 || e->io.connect == NULL ||
		    e->io.connect(e->io.arg, &p->addrs, &p->assoc) == -1)
			return -1;
		p->has_assoc = 1;
	}
	m->receiver = p->id;
	return enrp_send_assoc(e, p->assoc, m);
}

static void
presence_build(
    struct reg_enrp *e, struct rsp_msg *m, struct rsp_server_info *si, int r)
{
	int i, n = 0;

	rsp_msg_init(m, RSP_PROTO_ENRP, ENRP_PRESENCE);
	m->flags = r ? ENRP_FLAG_PRESENCE_R : 0;
	m->present = RSP_HAS_CHECKSUM;
	m->checksum = hs_checksum(e->reg->hs, e->reg->id);
	memset(si, 0, sizeof(*si));
	si->id = e->reg->id;
	si->has_transport = 1;
	si->transport.ptype = e->io.ptype ? e->io.ptype : RSP_PARAM_SCTP;
	si->transport.port = e->io.local.port;
	for (i = 0; i < e->io.local.n && n < ADDR_MAX; i++)
		if (!addr_is_unspecified(
		        (struct sockaddr *)&e->io.local.a[i]) &&
		    addr_to_rsp((struct sockaddr *)&e->io.local.a[i],
		        &e->srv_addrs[n]) == 0)
			n++;
	si->transport.naddrs = (uint16_t)n;
	si->transport.addrs = e->srv_addrs;
	m->nservers = 1;
	m->servers = si;
}

static void
send_presence(struct reg_enrp *e, struct reg_peer *p, int r)
{
	struct rsp_server_info si;
	struct rsp_msg m;

	presence_build(e, &m, &si, r);
	enrp_send_peer(e, p, &m);
}

static void
send_presence_assoc(struct reg_enrp *e, uint32_t assoc, uint32_t to, int r)
{
	struct rsp_server_info si;
	struct rsp_msg m;

	presence_build(e, &m, &si, r);
	m.receiver = to;
	enrp_send_assoc(e, assoc, &m);
}

static void
send_simple(struct reg_enrp *e, struct reg_peer *p, int type, int flags)
{
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ENRP, type);
	m.flags = (uint8_t)flags;
	enrp_send_peer(e, p, &m);
}

/* ---- the peer table ---- */

static struct reg_peer *
peer_by_id(struct reg_enrp *e, uint32_t id)
{
	struct reg_peer *p;

	for (p = e->peers; p; p = p->next)
		if (p->id == id && id != 0)
			return p;
	return NULL;
}

static struct reg_peer *
peer_by_assoc(struct reg_enrp *e, uint32_t assoc)
{
	struct reg_peer *p;

	for (p = e->peers; p; p = p->next)
		if (p->has_assoc && p->assoc == assoc)
			return p;
	return NULL;
}

/* A static peer not heard yet whose endpoint is in the server info. */
static struct reg_peer *
peer_by_info(struct reg_enrp *e, const struct rsp_server_info *si)
{
	struct sockaddr_storage ss;
	struct reg_peer *p;
	int i, j;

	if (!si->has_transport)
		return NULL;
	for (p = e->peers; p; p = p->next) {
		if (p->id != 0 || p->addrs.port != si->transport.port)
			continue;
		for (i = 0; i < si->transport.naddrs; i++) {
			if (addr_from_rsp(&si->transport.addrs[i],
			        si->transport.port, &ss) == -1)
				continue;
			for (j = 0; j < p->addrs.n; j++)
				if (addr_equal((struct sockaddr *)&ss,
				        (struct sockaddr *)&p->addrs.a[j]))
					return p;
		}
	}
	return NULL;
}

static struct reg_peer *
peer_new(struct reg_enrp *e, uint32_t id)
{
	struct reg_peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->reg = e->reg;
	p->id = id;
	p->timer = EV_TIMER_NONE;
	hs_cursor_init(&p->ht_cursor);
	p->next = e->peers;
	e->peers = p;
	return p;
}

static void
peer_addrs_from_info(struct reg_peer *p, const struct rsp_server_info *si)
{
	struct sockaddr_storage ss;
	int i;

	if (!si->has_transport || si->transport.naddrs == 0)
		return;
	memset(&p->addrs, 0, sizeof(p->addrs));
	p->addrs.port = si->transport.port;
	for (i = 0; i < si->transport.naddrs; i++)
		if (addr_from_rsp(
		        &si->transport.addrs[i], si->transport.port, &ss) == 0)
			addr_list_add(&p->addrs, (struct sockaddr *)&ss);
}

static void
peer_free(struct reg_enrp *e, struct reg_peer *p)
{
	struct reg_peer **pp;

	for (pp = &e->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->timer != EV_TIMER_NONE)
		ev_timer_cancel(e->reg->loop, p->timer);
	if (e->mentor == p)
		e->mentor = NULL;
	free(p->seen);
	free(p);
}

static int64_t
peer_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct reg_peer *p = arg;

	(void)loop, (void)id;
	p->timer = EV_TIMER_NONE;
	if (p->st == REG_PEER_ALIVE)
		peer_transition(p, REG_PEER_WAIT_RESPONSE);
	else if (p->st == REG_PEER_WAIT_RESPONSE)
		peer_transition(p, REG_PEER_DEAD);
	return EV_NOMORE;
}

/* The only place that changes p->st; it owns p->timer.  DEAD frees p
 * (or resets a static peer to UNKNOWN). */
static void
peer_transition(struct reg_peer *p, enum reg_peer_state st)
{
	struct registrar *reg = p->reg;
	struct reg_enrp *e = reg->enrp;
	long long timo = -1;

	log_debug(2, "registrar: peer $%08x %s -> %s", p->id,
	    peer_state_names[p->st], peer_state_names[st]);
	if (p->timer != EV_TIMER_NONE)
		ev_timer_cancel(reg->loop, p->timer);
	p->timer = EV_TIMER_NONE;
	p->st = st;
	switch (st) {
	case REG_PEER_ALIVE:
		timo = reg->cfg.last_heard;
		break;
	case REG_PEER_WAIT_RESPONSE:
		send_presence(e, p, 1);
		timo = reg->cfg.no_response;
		break;
	case REG_PEER_DEAD:
		log_notice("registrar: peer $%08x dead: no response in "
		           "%lld ms, removed",
		    p->id, reg->cfg.no_response);
		if (p->has_assoc && e->io.abort != NULL)
			e->io.abort(e->io.arg, p->assoc);
		if (!p->is_static) {
			peer_free(e, p);
			return;
		}
		p->id = 0;
		p->has_assoc = 0;
		p->syncing = 0;
		p->st = REG_PEER_UNKNOWN;
		return;
	case REG_PEER_UNKNOWN:
		return;
	}
	p->timer = ev_timer_add(reg->loop, timo, peer_timer, p);
	if (p->timer == EV_TIMER_NONE)
		log_error("registrar: peer timer: %s", strerror(errno));
}

/*
 * The peer that sent m on assoc: by ID, else a static one matching the
 * server info or the association, else a new one (1 in *created).
 */
static struct reg_peer *
peer_lookup(struct reg_enrp *e, uint32_t assoc, const struct rsp_msg *m,
    int create, int *created)
{
	const struct rsp_server_info *si = m->nservers ? &m->servers[0] : NULL;
	struct reg_peer *p;

	*created = 0;
	if ((p = peer_by_id(e, m->sender)) != NULL)
		return p;
	if (si != NULL && (p = peer_by_info(e, si)) != NULL)
		;
	else if ((p = peer_by_assoc(e, assoc)) != NULL && p->id == 0)
		;
	else if (!create || (p = peer_new(e, 0)) == NULL)
		return NULL;
	else
		*created = 1;
	p->id = m->sender;
	if (si != NULL && p->addrs.n == 0)
		peer_addrs_from_info(p, si);
	log_info("registrar: peer $%08x %s", p->id,
	    *created ? "added" : "identified");
	return p;
}

/* ---- the Presence cycle ---- */

/* cycle x [0.875, 1.125] (RSPLIB's randomization). */
static int64_t
hb_delay(long long c)
{
	return (int64_t)(c - c / 8) +
	       (int64_t)rand_uniform((uint32_t)(c / 4) + 1);
}

static int64_t
hb_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct reg_enrp *e = arg;
	struct reg_peer *p, *next;

	(void)loop, (void)id;
	for (p = e->peers; p; p = next) {
		next = p->next;
		send_presence(e, p, p->st == REG_PEER_UNKNOWN);
	}
	return hb_delay(e->reg->cfg.hb_cycle);
}

/* ---- mentor phase (4.5.1) ---- */

static int64_t
mentor_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct reg_enrp *e = arg;

	(void)loop, (void)id;
	e->mentor_timer = EV_TIMER_NONE;
	normal_operation(
	    e, e->mentor ? "mentor did not finish" : "no mentor found");
	return EV_NOMORE;
}

static void
normal_operation(struct reg_enrp *e, const char *why)
{
	char err[ADDR_ERR_LEN];

	if (!e->startup)
		return;
	e->startup = 0;
	e->mentor = NULL;
	if (e->mentor_timer != EV_TIMER_NONE)
		ev_timer_cancel(e->reg->loop, e->mentor_timer);
	e->mentor_timer = EV_TIMER_NONE;
	log_notice("registrar: $%08x: normal operation (%s), %zu PEs "
	           "known",
	    e->reg->id, why, hs_pe_total(e->reg->hs));
	if (e->reg->ann == NULL && e->reg->ep != NULL &&
	    reg_announce_start(e->reg, err, sizeof(err)) == -1)
		log_error("registrar: -asapannounce: %s", err);
}

static void
mentor_pick(struct reg_enrp *e, struct reg_peer *p)
{
	if (!e->startup || e->mentor != NULL)
		return;
	e->mentor = p;
	log_info("registrar: mentor is $%08x", p->id);
	send_simple(e, p, ENRP_LIST_REQUEST, 0);
	send_simple(e, p, ENRP_HANDLE_TABLE_REQUEST, 0);
}

/* ---- audit (4.5.3) ---- */

static void
audit_start(struct reg_enrp *e, struct reg_peer *p)
{
	p->syncing = 1;
	p->nseen = 0;
	send_simple(e, p, ENRP_HANDLE_TABLE_REQUEST, ENRP_FLAG_HTREQ_W);
}

static void
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
audit_was_seen(
    const struct reg_peer *p, const struct rsp_handle *h, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->nseen; i++)
		if (p->seen[i].id == id && p->seen[i].handle.len == h->len &&
		    memcmp(p->seen[i].handle.bytes, h->bytes, h->len) == 0)
			return 1;
	return 0;
}

/* After the final response: delete the peer's PEs not received. */
static void
audit_finish(struct reg_enrp *e, struct reg_peer *p)
{
	const struct hs_pe *pe;
	struct hs_cursor c;
	struct rsp_handle h;
	uint32_t id;
	size_t gone = 0;

	p->syncing = 0;
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

/* ---- receiving PEs (updates, table responses) ---- */

static void
send_error(struct reg_enrp *e, uint32_t assoc, uint32_t to, uint16_t cause)
{
	struct rsp_cause c = {cause, {0, NULL}};
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_ERROR);
	m.present = RSP_HAS_ERROR;
	m.error.ncauses = 1;
	m.error.causes = &c;
	m.receiver = to;
	enrp_send_assoc(e, assoc, &m);
}

/* Insert or update a PE another registrar owns; 0, or a cause. */
static uint16_t
learn_pe(
    struct reg_enrp *e, const struct rsp_handle *h, const struct rsp_pe *pe)
{
	uint16_t cause = 0;

	if (!pe->has_asap)
		return RSP_CAUSE_INVALID_VALUES; /* RSPLIB 0xf006 */
	if (pe->home == 0)
		return RSP_CAUSE_INVALID_VALUES;
	if (pe->home == e->reg->id)
		return 0; /* ours: we know better */
	if (hs_register(e->reg->hs, h, pe, ev_now_ms(e->reg->loop), &cause) ==
	    -1)
		return cause;
	return 0;
}

/* ---- handlers ---- */

typedef void enrp_handler(struct reg_enrp *e, uint32_t assoc,
    struct reg_peer *p, const struct rsp_msg *m);

static void
on_presence(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	if (p->st != REG_PEER_ALIVE)
		log_info("registrar: peer $%08x alive", p->id);
	if (!p->has_assoc) {
		p->assoc = assoc;
		p->has_assoc = 1;
	}
	peer_transition(p, REG_PEER_ALIVE);
	if (m->flags & ENRP_FLAG_PRESENCE_R)
		send_presence_assoc(e, assoc, p->id, 0);
	if (e->startup) {
		mentor_pick(e, p);
		return;
	}
	if ((m->present & RSP_HAS_CHECKSUM) && !p->syncing &&
	    m->checksum != hs_checksum(e->reg->hs, p->id)) {
		log_info("registrar: peer $%08x checksum 0x%04x, ours "
		         "0x%04x: audit",
		    p->id, m->checksum, hs_checksum(e->reg->hs, p->id));
		audit_start(e, p);
	}
}

/* Up to -maxelementsperhtrequest PEs and REG_HT_MAX_BYTES. */
static void
on_ht_request(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	struct registrar *reg = e->reg;
	uint32_t owner = (m->flags & ENRP_FLAG_HTREQ_W) ? reg->id : 0;
	struct hs_cursor save, peek;
	const struct hs_pe *pe;
	struct rsp_msg r;
	struct wbuf w;
	size_t n = 0, np = 0;
	int full = 0;

	rsp_msg_init(&r, RSP_PROTO_ENRP, ENRP_HANDLE_TABLE_RESPONSE);
	r.receiver = p->id;
	if (!p->ht_more || p->ht_w != (owner != 0))
		hs_cursor_init(&p->ht_cursor);
	p->ht_w = owner != 0;
	r.pools = e->pools;
	while (n < (size_t)reg->cfg.max_ht_pes && !full) {
		save = p->ht_cursor;
		if (hs_next(reg->hs, &p->ht_cursor, owner, &pe, 1) != 1)
			break;
		hs_pe_export(pe, &reg->hr_pes[n],
		    reg->hr_addrs + n * 2 * RSP_ADDRS_MAX, 2 * RSP_ADDRS_MAX);
		if (np == 0 ||
		    e->pools[np - 1].handle.len != hs_pe_handle(pe)->len ||
		    memcmp(e->pools[np - 1].handle.bytes,
		        hs_pe_handle(pe)->bytes, hs_pe_handle(pe)->len) != 0) {
			e->pools[np].handle = *hs_pe_handle(pe);
			e->pools[np].npes = 0;
			e->pools[np].pes = &reg->hr_pes[n];
			np++;
		}
		e->pools[np - 1].npes++;
		n++;
		r.npools = (uint16_t)np;
		wbuf_init(&w, e->buf, REG_HT_MAX_BYTES);
		if (rsp_msg_encode(&r, &w) == -1 && n > 1) {
			/* Did not fit: take it back (a lone PE goes out
			 * alone, whatever its size). */
			p->ht_cursor = save;
			n--;
			if (--e->pools[np - 1].npes == 0)
				np--;
			r.npools = (uint16_t)np;
			full = 1;
		}
	}
	peek = p->ht_cursor;
	p->ht_more = hs_next(reg->hs, &peek, owner, &pe, 1) == 1;
	if (p->ht_more)
		r.flags |= ENRP_FLAG_HTRESP_M;
	log_debug(1, "registrar: handle table to $%08x: %zu PEs%s", p->id, n,
	    p->ht_more ? ", more" : "");
	enrp_send_assoc(e, assoc, &r);
}

static void
on_ht_response(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	uint16_t cause;
	size_t i, j;

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

			if ((cause = learn_pe(e, &m->pools[i].handle, pe)) !=
			    0) {
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

static void
on_update(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	uint16_t cause;

	if (m->npes != 1)
		return;
	if (m->action == ENRP_DEL_PE) {
		if (m->pes[0].home != e->reg->id)
			hs_deregister(e->reg->hs, &m->handle, m->pes[0].id);
	} else if ((cause = learn_pe(e, &m->handle, &m->pes[0])) != 0)
		send_error(e, assoc, p->id, cause);
	reg_expiry_arm(e->reg);
}

static void
on_list_request(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	struct rsp_server_info si[REG_LIST_MAX];
	struct rsp_addr *ad;
	struct reg_peer *q;
	struct rsp_msg r;
	uint16_t n = 0;
	int i;

	(void)m;
	if ((ad = calloc(REG_LIST_MAX * ADDR_MAX, sizeof(*ad))) == NULL)
		return;
	rsp_msg_init(&r, RSP_PROTO_ENRP, ENRP_LIST_RESPONSE);
	r.receiver = p->id;
	memset(si, 0, sizeof(si));
	for (q = e->peers; q && n < REG_LIST_MAX; q = q->next) {
		if (q->id == 0)
			continue;
		memset(&si[n], 0, sizeof(si[n]));
		si[n].id = q->id;
		si[n].has_transport = 1;
		si[n].transport.ptype = RSP_PARAM_SCTP;
		si[n].transport.port = q->addrs.port;
		si[n].transport.addrs = ad + n * ADDR_MAX;
		for (i = 0; i < q->addrs.n; i++)
			if (addr_to_rsp((struct sockaddr *)&q->addrs.a[i],
			        &si[n]
			             .transport
			             .addrs[si[n].transport.naddrs]) == 0)
				si[n].transport.naddrs++;
		if (si[n].transport.naddrs > 0)
			n++; /* no address: nobody could reach it */
	}
	r.nservers = n;
	r.servers = si;
	enrp_send_assoc(e, assoc, &r);
	free(ad);
}

static void
on_list_response(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	struct reg_peer *q;
	size_t i;

	(void)assoc, (void)p;
	if (m->flags & ENRP_FLAG_LISTRESP_R)
		return;
	for (i = 0; i < m->nservers; i++) {
		const struct rsp_server_info *si = &m->servers[i];

		if (si->id == 0 || si->id == e->reg->id ||
		    peer_by_id(e, si->id) != NULL || !si->has_transport)
			continue;
		if ((q = peer_new(e, si->id)) == NULL)
			return;
		peer_addrs_from_info(q, si);
		log_info(
		    "registrar: peer $%08x learned from $%08x", q->id, p->id);
		send_presence(e, q, 1);
	}
}

static void
on_error(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	(void)e, (void)assoc;
	log_notice("registrar: ENRP error from $%08x: %s", p->id,
	    m->error.ncauses ? rsp_cause_name(m->error.causes[0].code)
	                     : "no cause");
}

static const struct {
	uint8_t type;
	int create; /* an unknown sender becomes a peer */
	enrp_handler *fn;
} enrp_handlers[] = {
    {ENRP_PRESENCE, 1, on_presence},
    {ENRP_HANDLE_TABLE_REQUEST, 0, on_ht_request},
    {ENRP_HANDLE_TABLE_RESPONSE, 0, on_ht_response},
    {ENRP_HANDLE_UPDATE, 0, on_update},
    {ENRP_LIST_REQUEST, 0, on_list_request},
    {ENRP_LIST_RESPONSE, 0, on_list_response},
    {ENRP_ERROR, 0, on_error},
};

/* A request from a stranger: HT Request and List Request get R=1. */
static void
refuse(struct reg_enrp *e, uint32_t assoc, const struct rsp_msg *m)
{
	struct rsp_msg r;

	log_notice("registrar: %s from unknown $%08x refused",
	    rsp_msg_name(RSP_PROTO_ENRP, m->type), m->sender);
	if (m->type == ENRP_HANDLE_TABLE_REQUEST)
		rsp_msg_init(&r, RSP_PROTO_ENRP, ENRP_HANDLE_TABLE_RESPONSE);
	else if (m->type == ENRP_LIST_REQUEST)
		rsp_msg_init(&r, RSP_PROTO_ENRP, ENRP_LIST_RESPONSE);
	else
		return;
	r.flags = 0x01; /* R in both */
	r.receiver = m->sender;
	enrp_send_assoc(e, assoc, &r);
}

static void
enrp_input(struct reg_enrp *e, uint32_t assoc, const uint8_t *data, size_t len)
{
	struct rsp_decode_error err;
	struct reg_peer *p;
	struct rsp_msg m;
	char s[160];
	size_t i, n = sizeof(enrp_handlers) / sizeof(enrp_handlers[0]);
	int created;

	if (rsp_msg_decode(RSP_PROTO_ENRP, data, len, &m, &err) == -1) {
		rsp_decode_error_str(&err, s, sizeof(s));
		log_notice(
		    "registrar: bad ENRP message on assoc %u: %s", assoc, s);
		if (err.report)
			send_error(e, assoc, 0, err.cause);
		return;
	}
	if (m.sender == e->reg->id || m.sender == 0) {
		rsp_msg_free(&m);
		return;
	}
	for (i = 0; i < n && enrp_handlers[i].type != m.type; i++)
		;
	if (i == n) {
		log_notice("registrar: unexpected %s on ENRP assoc %u, ignored",
		    rsp_msg_name(RSP_PROTO_ENRP, m.type), assoc);
	} else if ((p = peer_lookup(e, assoc, &m, enrp_handlers[i].create,
	                &created)) == NULL)
		refuse(e, assoc, &m);
	else {
		if (created)
			send_presence_assoc(e, assoc, p->id, 1);
		enrp_handlers[i].fn(e, assoc, p, &m);
	}
	rsp_msg_free(&m);
}

/* ---- handle updates we send (4.5.4) ---- */

void
reg_enrp_update(struct registrar *reg, uint16_t action,
    const struct rsp_handle *h, uint32_t id)
{
	struct reg_enrp *e = reg->enrp;
	const struct hs_pe *hpe;
	struct rsp_addr fake[RSP_ADDRS_MAX];
	struct reg_peer *p;
	struct rsp_msg m;
	struct rsp_pe pe;

	if (e == NULL || e->peers == NULL ||
	    (hpe = hs_find_pe(reg->hs, h, id)) == NULL ||
	    hs_pe_home(hpe) != reg->id)
		return;
	hs_pe_export(hpe, &reg->hr_pes[0], reg->hr_addrs, 2 * RSP_ADDRS_MAX);
	pe = reg->hr_pes[0];
	if (!pe.has_asap) {
		/* Over the TCP mapping there is no SCTP ASAP endpoint; the
		 * user addresses stand in (takeover would need the real
		 * one, and is not implemented). */
		memcpy(fake, pe.user.addrs, pe.user.naddrs * sizeof(*fake));
		pe.has_asap = 1;
		pe.asap.ptype = RSP_PARAM_SCTP;
		pe.asap.port = pe.user.port;
		pe.asap.use = RSP_TRANSPORT_DATA_ONLY;
		pe.asap.naddrs = pe.user.naddrs;
		pe.asap.addrs = fake;
	}
	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_HANDLE_UPDATE);
	m.action = action;
	m.present = RSP_HAS_HANDLE;
	m.handle = *h;
	m.npes = 1;
	m.pes = &pe;
	for (p = e->peers; p; p = p->next)
		if (p->id != 0)
			enrp_send_peer(e, p, &m);
}

/* ---- life cycle and glue ---- */

int
reg_enrp_parse(const struct reg_config *cfg, struct addr_list *al, char *err,
    size_t errlen)
{
	struct addr_list pl;
	int i;

	for (i = 0; i < cfg->peers.n; i++)
		if (addr_list_parse(&pl, cfg->peers.v[i], REG_ENRP_AUTO_PORT, 0,
		        err, errlen) == -1)
			return -1;
	if (cfg->enrp == NULL || strcmp(cfg->enrp, "off") == 0)
		return 0;
	if (addr_list_parse(al, cfg->enrp, REG_ENRP_AUTO_PORT,
	        ADDR_PORT_ZERO_OK | ADDR_AUTO_OK, err, errlen) == -1)
		return -1;
	return 1;
}

struct reg_enrp *
reg_enrp_new(struct registrar *reg)
{
	struct reg_enrp *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->reg = reg;
	e->hb_timer = e->mentor_timer = EV_TIMER_NONE;
	e->startup = 1;
	return e;
}

void
reg_enrp_free(struct registrar *reg)
{
	struct reg_enrp *e = reg->enrp;

	if (e == NULL)
		return;
	while (e->peers != NULL)
		peer_free(e, e->peers);
	if (e->hb_timer != EV_TIMER_NONE)
		ev_timer_cancel(reg->loop, e->hb_timer);
	if (e->mentor_timer != EV_TIMER_NONE)
		ev_timer_cancel(reg->loop, e->mentor_timer);
	free(e);
	reg->enrp = NULL;
}

void
reg_set_enrp_io(struct registrar *reg, const struct reg_enrp_io *io)
{
	if (reg->enrp == NULL)
		reg->enrp = reg_enrp_new(reg);
	if (reg->enrp != NULL)
		reg->enrp->io = *io;
}

int
reg_enrp_start(struct registrar *reg)
{
	struct reg_enrp *e = reg->enrp;
	struct reg_peer *p;
	char err[ADDR_ERR_LEN];
	int i;

	if (e == NULL)
		return -1;
	for (i = 0; i < reg->cfg.peers.n; i++) {
		if ((p = peer_new(e, 0)) == NULL)
			return -1;
		p->is_static = 1;
		if (addr_list_parse(&p->addrs, reg->cfg.peers.v[i],
		        REG_ENRP_AUTO_PORT, 0, err, sizeof(err)) == -1) {
			log_error("registrar: -peer: %s", err);
			return -1;
		}
		send_presence(e, p, 1);
	}
	e->hb_timer =
	    ev_timer_add(reg->loop, hb_delay(reg->cfg.hb_cycle), hb_timer, e);
	e->mentor_timer =
	    ev_timer_add(reg->loop, reg->cfg.mentor_timeout, mentor_timer, e);
	if (e->hb_timer == EV_TIMER_NONE || e->mentor_timer == EV_TIMER_NONE)
		return -1;
	return 0;
}

void
reg_enrp_msg(struct registrar *reg, uint32_t assoc, uint32_t ppid,
    const uint8_t *data, size_t len)
{
	struct reg_enrp *e = reg->enrp;

	if (e == NULL)
		return;
	if (ppid != RSP_PPID_ENRP) {
		log_notice("registrar: PPID %u on the ENRP socket (assoc %u), "
		           "aborting",
		    ppid, assoc);
		if (e->io.abort != NULL)
			e->io.abort(e->io.arg, assoc);
		reg_enrp_lost(reg, assoc);
		return;
	}
	enrp_input(e, assoc, data, len);
}

void
reg_enrp_lost(struct registrar *reg, uint32_t assoc)
{
	struct reg_peer *p;

	if (reg->enrp == NULL)
		return;
	for (p = reg->enrp->peers; p; p = p->next)
		if (p->has_assoc && p->assoc == assoc) {
			p->has_assoc = 0;
			p->ht_more = 0;
		}
}

size_t
reg_peer_count(const struct registrar *reg)
{
	struct reg_peer *p;
	size_t n = 0;

	if (reg->enrp == NULL)
		return 0;
	for (p = reg->enrp->peers; p; p = p->next)
		n++;
	return n;
}

int
reg_in_startup(const struct registrar *reg)
{
	return reg->enrp != NULL && reg->enrp->startup;
}

const char *
reg_peer_state(const struct registrar *reg, uint32_t id)
{
	struct reg_peer *p;

	if (reg->enrp == NULL || (p = peer_by_id(reg->enrp, id)) == NULL)
		return NULL;
	return peer_state_names[p->st];
}

size_t
reg_peer_ids(const struct registrar *reg, uint32_t *ids, size_t max)
{
	struct reg_peer *p;
	size_t n = 0;

	if (reg->enrp == NULL)
		return 0;
	for (p = reg->enrp->peers; p != NULL && n < max; p = p->next)
		if (p->id != 0)
			ids[n++] = p->id;
	return n;
}
