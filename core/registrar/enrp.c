/*
 * Registrar, ENRP side (PROTOCOLS.md 4, RFC 5353): the peer table with
 * one state machine per peer, Presence and peer monitoring, the mentor
 * phase (List Request + Handle Table Request W=0), Handle Table and
 * List responses, Handle Updates, the checksum audit, and the takeover
 * agreement for a dead peer (Init Takeover / Ack / Takeover Server,
 * 4.5.7); adopting the PEs themselves is core/registrar/takeover.c,
 * the multicast group core/registrar/enrp_mcast.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/registrar.h"
#include "core/registrar/internal.h"
#include "core/transport/transport.h"

/*
 * Peer monitoring (4.5.2) and takeover (4.5.7).  UNKNOWN: a static
 * -peer never heard (ID 0), no timer.  ALIVE: heard; timer
 * -peermaxtimelastheard.  WAIT_RESPONSE: a Presence R=1 went out; timer
 * -peermaxtimenoresponse.  TAKEOVER: the peer is dead and owns PEs, and
 * nobody else announced a takeover: Init Takeover went to every peer;
 * timer -takeoverexpiryinterval.  DEAD: removed (a static peer goes
 * back to UNKNOWN with ID 0).  Any Presence brings a peer back to
 * ALIVE and cancels the takeover.
 */
enum reg_peer_state {
	REG_PEER_UNKNOWN = 0,
	REG_PEER_ALIVE,
	REG_PEER_WAIT_RESPONSE,
	REG_PEER_TAKEOVER,
	REG_PEER_DEAD,
};

static const char *const peer_state_names[] = {
    [REG_PEER_UNKNOWN] = "unknown",
    [REG_PEER_ALIVE] = "alive",
    [REG_PEER_WAIT_RESPONSE] = "wait-response",
    [REG_PEER_TAKEOVER] = "takeover",
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
	/* It behaved as a registrar (peer_confirm): only such a peer
	 * becomes our mentor, is named in List Responses and acknowledges
	 * takeovers.  An hsdump-like client (a Presence, requests, nothing
	 * answered) never qualifies and leaves with its association. */
	int is_registrar;
	int asked; /* a Presence R=1 went to it since its last Presence */
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
	/* Takeover (4.5.7): the registrar whose Init Takeover for this
	 * peer we acknowledged; in TAKEOVER, the peers still to ack. */
	uint32_t taker;
	uint32_t *await;
	size_t nawait;
	const char *why; /* for the DEAD log line */
};

struct reg_enrp {
	struct registrar *reg;
	struct reg_enrp_io io;
	struct reg_peer *peers;
	struct reg_peer *mentor;
	int startup;
	uint64_t hb_timer, mentor_timer;
	struct reg_mcast *mc; /* NULL: -enrpannounce=off */
	struct rsp_pool_entry pools[HS_SELECT_MAX];
	/* a Handle Table Response being filled: each PE's pool handle and
	 * the peer's cursor before it (to take PEs back) */
	const struct rsp_handle *ht_handle[HS_SELECT_MAX];
	struct hs_cursor ht_save[HS_SELECT_MAX];
	struct rsp_addr srv_addrs[ADDR_MAX];
	uint8_t buf[RSP_MSG_MAX];
};

static void peer_transition(struct reg_peer *p, enum reg_peer_state st);
static void takeover_finish(struct reg_enrp *e, struct reg_peer *t);
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
	reg_action_msg(e->reg, "Send", "ENRP", m);
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
	if (enrp_send_peer(e, p, &m) == 0 && r)
		p->asked = 1;
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

/* Our Presence to every peer, and to the group when multicasting. */
static void
send_presence_all(struct reg_enrp *e)
{
	struct rsp_server_info si;
	struct reg_peer *p, *next;
	struct rsp_msg m;
	struct wbuf w;

	for (p = e->peers; p; p = next) {
		next = p->next;
		send_presence(e, p, p->st == REG_PEER_UNKNOWN);
	}
	if (e->mc == NULL)
		return;
	presence_build(e, &m, &si, 0);
	m.sender = e->reg->id;
	m.receiver = 0;
	wbuf_init(&w, e->buf, sizeof(e->buf));
	if (rsp_msg_encode(&m, &w) == 0) {
		reg_mcast_send(e->mc, w.data, w.len);
		reg_action_msg(e->reg, "Send", "MulticastENRP", &m);
	}
}

/* Init Takeover, its Ack and Takeover Server: header and target. */
static void
send_takeover_msg(
    struct reg_enrp *e, struct reg_peer *p, int type, uint32_t target)
{
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ENRP, type);
	m.target = target;
	enrp_send_peer(e, p, &m);
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
	free(p->await);
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
	else if (p->st == REG_PEER_WAIT_RESPONSE) {
		p->why = "no response";
		/* RSPLIB: a takeover only if nobody else announced one
		 * and the peer owns PEs (4.5.7 step 1). */
		if (p->taker == 0 && p->id != 0 &&
		    hs_owner_count(p->reg->hs, p->id) > 0)
			peer_transition(p, REG_PEER_TAKEOVER);
		else
			peer_transition(p, REG_PEER_DEAD);
	} else if (p->st == REG_PEER_TAKEOVER && p->nawait == 0) {
		takeover_finish(p->reg->enrp, p);
	} else if (p->st == REG_PEER_TAKEOVER) {
		log_warning("registrar: takeover of $%08x expired, %zu "
		            "acknowledgements missing",
		    p->id, p->nawait);
		p->why = "takeover expired";
		peer_transition(p, REG_PEER_DEAD);
	}
	return EV_NOMORE;
}

/* A peer that leaves the table can no longer acknowledge: do not wait
 * for it (RSPLIB would, until the takeover expires).  Finishing happens
 * from the timer, outside the caller's walk of the table. */
static void
takeover_forget(struct reg_enrp *e, uint32_t id)
{
	struct reg_peer *t;
	size_t i;

	for (t = e->peers; t; t = t->next) {
		if (t->st != REG_PEER_TAKEOVER || id == 0)
			continue;
		for (i = 0; i < t->nawait; i++)
			if (t->await[i] == id) {
				t->await[i] = t->await[--t->nawait];
				break;
			}
		if (t->nawait == 0 && t->timer != EV_TIMER_NONE)
			ev_timer_reschedule(e->reg->loop, t->timer, 0);
	}
}

static void
takeover_cancel(struct reg_peer *p)
{
	free(p->await);
	p->await = NULL;
	p->nawait = 0;
}

/* Every other known peer must acknowledge; Init Takeover goes to all of
 * them and to the target itself, so that a live target can object. */
static int
takeover_begin(struct reg_enrp *e, struct reg_peer *t)
{
	struct reg_peer *q;
	size_t n = 0;

	takeover_cancel(t);
	for (q = e->peers; q; q = q->next)
		n++;
	if ((t->await = calloc(n + 1, sizeof(*t->await))) == NULL)
		return -1;
	for (q = e->peers; q; q = q->next)
		if (q != t && q->id != 0 && q->id != t->id && q->is_registrar)
			t->await[t->nawait++] = q->id;
	log_notice("registrar: initiating takeover of dead peer $%08x "
	           "(%zu PEs, %zu acknowledgements to wait for)",
	    t->id, hs_owner_count(e->reg->hs, t->id), t->nawait);
	for (q = e->peers; q; q = q->next)
		if (q->id != 0 && (q->is_registrar || q == t))
			send_takeover_msg(e, q, ENRP_INIT_TAKEOVER, t->id);
	return 0;
}

/* All acks are in: tell the peers, adopt the PEs, forget the target. */
static void
takeover_finish(struct reg_enrp *e, struct reg_peer *t)
{
	struct reg_peer *q;
	uint32_t target = t->id;
	size_t n;

	log_notice(
	    "registrar: takeover of $%08x confirmed, taking it over", target);
	for (q = e->peers; q; q = q->next)
		if (q->id != 0 && q != t)
			send_takeover_msg(e, q, ENRP_TAKEOVER_SERVER, target);
	n = reg_takeover_adopt(e->reg, target);
	log_notice("registrar: takeover of $%08x completed: %zu PEs are ours",
	    target, n);
	t->why = "taken over";
	peer_transition(t, REG_PEER_DEAD);
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
		if (p->nawait > 0 || p->taker != 0)
			log_notice("registrar: peer $%08x is alive: takeover "
			           "cancelled",
			    p->id);
		takeover_cancel(p);
		p->taker = 0;
		timo = reg->cfg.last_heard;
		break;
	case REG_PEER_WAIT_RESPONSE:
		takeover_cancel(p);
		send_presence(e, p, 1);
		timo = reg->cfg.no_response;
		break;
	case REG_PEER_TAKEOVER:
		if (takeover_begin(e, p) == -1) {
			log_error("registrar: takeover: %s", strerror(errno));
			p->why = "takeover failed";
			peer_transition(p, REG_PEER_DEAD);
			return;
		}
		if (p->nawait == 0) {
			takeover_finish(e, p);
			return;
		}
		timo = reg->cfg.takeover_expiry > 0 ? reg->cfg.takeover_expiry
		                                    : 5000;
		break;
	case REG_PEER_DEAD:
		log_notice("registrar: peer $%08x dead: %s, removed", p->id,
		    p->why ? p->why : "gone");
		takeover_forget(e, p->id);
		if (p->has_assoc && e->io.abort != NULL)
			e->io.abort(e->io.arg, p->assoc);
		if (!p->is_static) {
			peer_free(e, p);
			return;
		}
		takeover_cancel(p);
		p->id = 0;
		p->taker = 0;
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

	(void)loop, (void)id;
	send_presence_all(e);
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

/* p did what only a registrar does (4.5.1): the first such peer of the
 * startup phase is the mentor. */
static void
peer_confirm(struct reg_enrp *e, struct reg_peer *p, const char *how)
{
	if (!p->is_registrar) {
		p->is_registrar = 1;
		log_debug(
		    1, "registrar: peer $%08x is a registrar (%s)", p->id, how);
	}
	mentor_pick(e, p);
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

/* Insert or update a PE another registrar owns, learned over assoc;
 * 0, or a cause. */
static uint16_t
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
	/* A Presence after ours with R=1 answers it: a registrar does, an
	 * hsdump sends one Presence and answers nothing.  A peer not known
	 * as a registrar yet is asked (R=1) in our answer. */
	if (p->asked)
		peer_confirm(e, p, "answered");
	p->asked = 0;
	if (!p->is_registrar) {
		send_presence_assoc(e, assoc, p->id, 1);
		p->asked = 1;
	} else if (m->flags & ENRP_FLAG_PRESENCE_R)
		send_presence_assoc(e, assoc, p->id, 0);
	if (e->startup)
		return;
	if ((m->present & RSP_HAS_CHECKSUM) && !p->syncing &&
	    m->checksum != hs_checksum(e->reg->hs, p->id)) {
		log_info("registrar: peer $%08x checksum 0x%04x, ours "
		         "0x%04x: audit",
		    p->id, m->checksum, hs_checksum(e->reg->hs, p->id));
		audit_start(e, p);
	}
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
static void
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

static void
on_update(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	uint16_t cause;

	if (m->npes != 1)
		return;
	e->reg->count.handle_updates++;
	if (m->action == ENRP_DEL_PE) {
		if (m->pes[0].home != e->reg->id)
			hs_deregister(e->reg->hs, &m->handle, m->pes[0].id);
	} else if ((cause = learn_pe(e, assoc, &m->handle, &m->pes[0], 0)) != 0)
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

/* ---- takeover (4.5.7) ---- */

static void
on_init_takeover(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	struct reg_peer *t;
	uint32_t self = e->reg->id;

	if (m->target == self) {
		log_warning("registrar: $%08x started to take us over: "
		            "Presence to everybody",
		    p->id);
		send_presence_all(e);
		return;
	}
	if ((t = peer_by_id(e, m->target)) != NULL &&
	    t->st == REG_PEER_TAKEOVER) {
		/* Two takers: RSPLIB lets the lower ID win (4.5.7). */
		if (m->sender > self) {
			log_notice("registrar: $%08x also takes over $%08x; "
			           "our ID is lower, we continue",
			    p->id, t->id);
			return;
		}
		log_notice("registrar: $%08x also takes over $%08x; its "
		           "ID is lower, we give up",
		    p->id, t->id);
		t->taker = m->sender;
		peer_transition(t, REG_PEER_WAIT_RESPONSE);
	} else if (t != NULL) {
		log_info("registrar: acknowledging $%08x's takeover of $%08x",
		    p->id, t->id);
		t->taker = m->sender;
	} else
		log_info("registrar: acknowledging $%08x's takeover of "
		         "unknown $%08x",
		    p->id, m->target);
	{
		struct rsp_msg r;

		rsp_msg_init(&r, RSP_PROTO_ENRP, ENRP_INIT_TAKEOVER_ACK);
		r.target = m->target;
		r.receiver = p->id;
		enrp_send_assoc(e, assoc, &r);
	}
}

static void
on_init_takeover_ack(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	struct reg_peer *t = peer_by_id(e, m->target);
	size_t i;

	(void)assoc;
	if (t == NULL || t->st != REG_PEER_TAKEOVER) {
		log_debug(1,
		    "registrar: takeover ack from $%08x for $%08x "
		    "ignored",
		    p->id, m->target);
		return;
	}
	for (i = 0; i < t->nawait; i++)
		if (t->await[i] == p->id) {
			t->await[i] = t->await[--t->nawait];
			break;
		}
	log_info("registrar: $%08x acknowledges our takeover of $%08x, %zu "
	         "to go",
	    p->id, t->id, t->nawait);
	if (t->nawait == 0)
		takeover_finish(e, t);
}

static void
on_takeover_server(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	struct reg_peer *t;
	size_t n;

	(void)assoc;
	if (m->target == e->reg->id || m->target == 0) {
		log_warning("registrar: $%08x claims to have taken us over; "
		            "ignored",
		    p->id);
		return;
	}
	n = hs_set_owner(e->reg->hs, m->target, m->sender);
	log_notice("registrar: $%08x took over $%08x: %zu PEs change home",
	    p->id, m->target, n);
	if ((t = peer_by_id(e, m->target)) != NULL) {
		t->taker = m->sender;
		if (t->st == REG_PEER_TAKEOVER)
			peer_transition(t, REG_PEER_WAIT_RESPONSE);
	}
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
		if (q->id == 0 || !q->is_registrar)
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

/* create: an unknown sender becomes a peer.  confirms: only a
 * registrar sends it (responses with R=1 excepted), so the sender is
 * one (peer_confirm); requests and Presence do not tell. */
static const struct {
	uint8_t type;
	int create;
	int confirms;
	enrp_handler *fn;
} enrp_handlers[] = {
    {ENRP_PRESENCE, 1, 0, on_presence},
    {ENRP_HANDLE_TABLE_REQUEST, 0, 0, on_ht_request},
    {ENRP_HANDLE_TABLE_RESPONSE, 0, 1, on_ht_response},
    {ENRP_HANDLE_UPDATE, 0, 1, on_update},
    {ENRP_LIST_REQUEST, 0, 0, on_list_request},
    {ENRP_LIST_RESPONSE, 0, 1, on_list_response},
    {ENRP_INIT_TAKEOVER, 0, 1, on_init_takeover},
    {ENRP_INIT_TAKEOVER_ACK, 0, 1, on_init_takeover_ack},
    {ENRP_TAKEOVER_SERVER, 0, 1, on_takeover_server},
    {ENRP_ERROR, 0, 0, on_error},
};

static int
is_refusal(const struct rsp_msg *m)
{
	return (m->type == ENRP_HANDLE_TABLE_RESPONSE &&
	           (m->flags & ENRP_FLAG_HTRESP_R)) ||
	       (m->type == ENRP_LIST_RESPONSE &&
	           (m->flags & ENRP_FLAG_LISTRESP_R));
}

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
	reg_action_msg(e->reg, "Recv", "ENRP", &m);
	for (i = 0; i < n && enrp_handlers[i].type != m.type; i++)
		;
	if (i == n) {
		log_notice("registrar: unexpected %s on ENRP assoc %u, ignored",
		    rsp_msg_name(RSP_PROTO_ENRP, m.type), assoc);
	} else if ((p = peer_lookup(e, assoc, &m, enrp_handlers[i].create,
	                &created)) == NULL)
		refuse(e, assoc, &m);
	else {
		/* Before the handler, which may free p. */
		if (enrp_handlers[i].confirms && !is_refusal(&m))
			peer_confirm(
			    e, p, rsp_msg_name(RSP_PROTO_ENRP, m.type));
		enrp_handlers[i].fn(e, assoc, p, &m);
	}
	rsp_msg_free(&m);
}

/* ---- multicast Presence (4.1) ---- */

/*
 * A Presence on the group: the peer's address is the UDP source, its
 * port the Server Information's (RSPLIB).  A new peer gets a unicast
 * Presence R=1, whose answer makes it alive (and maybe our mentor); a
 * known one is refreshed.  No audit: RSPLIB audits only over SCTP.
 */
void
reg_enrp_mcast_input(struct registrar *reg, const struct sockaddr *src,
    const uint8_t *data, size_t len)
{
	struct reg_enrp *e = reg->enrp;
	struct rsp_decode_error err;
	struct sockaddr_storage ss;
	struct reg_peer *p;
	struct rsp_msg m;
	char buf[ADDR_FMT_LEN * 2];
	uint16_t port;
	int i;

	if (e == NULL ||
	    rsp_msg_decode(RSP_PROTO_ENRP, data, len, &m, &err) == -1)
		return;
	if (m.type != ENRP_PRESENCE || m.sender == 0 || m.sender == reg->id ||
	    m.nservers != 1) {
		rsp_msg_free(&m);
		return;
	}
	reg_action_msg(reg, "Recv", "MulticastENRP", &m);
	port = m.servers[0].has_transport ? m.servers[0].transport.port
	                                  : addr_port(src);
	if ((p = peer_by_id(e, m.sender)) == NULL &&
	    (p = peer_by_info(e, &m.servers[0])) == NULL) {
		if ((p = peer_new(e, m.sender)) == NULL) {
			rsp_msg_free(&m);
			return;
		}
		memcpy(&ss, src, addr_len(src));
		addr_set_port((struct sockaddr *)&ss, port);
		p->addrs.port = port; /* addr_list_add() applies it */
		addr_list_add(&p->addrs, (struct sockaddr *)&ss);
		/* RSPLIB uses the source; the announced ones may help */
		for (i = 0; m.servers[0].has_transport &&
		            i < m.servers[0].transport.naddrs;
		     i++)
			if (addr_from_rsp(&m.servers[0].transport.addrs[i],
			        port, &ss) == 0)
				addr_list_add(
				    &p->addrs, (struct sockaddr *)&ss);
		log_info("registrar: peer $%08x heard on the multicast group "
		         "(ENRP at %s)",
		    p->id, addr_list_fmt(&p->addrs, buf, sizeof(buf)));
		send_presence(e, p, 1);
	} else if (p->id == 0)
		p->id = m.sender;
	else if (p->st == REG_PEER_ALIVE || p->st == REG_PEER_WAIT_RESPONSE ||
	         p->st == REG_PEER_TAKEOVER)
		peer_transition(p, REG_PEER_ALIVE);
	rsp_msg_free(&m);
}

/* ---- handle updates we send (4.5.4) ---- */

void
reg_enrp_export_pe(
    const struct hs_pe *hpe, struct rsp_pe *pe, struct rsp_addr *addrs)
{
	hs_pe_export(hpe, pe, addrs, 2 * RSP_ADDRS_MAX);
	if (pe->has_asap)
		return;
	/* Over the TCP mapping there is no SCTP ASAP endpoint: the user
	 * transport, where our PEs also take a new home PR's Keep-Alive,
	 * stands in (RSPLIB peers insist on an ASAP transport). */
	pe->has_asap = 1;
	pe->asap = pe->user;
	pe->asap.ptype = RSP_PARAM_SCTP;
	pe->asap.use = RSP_TRANSPORT_DATA_ONLY;
}

/* [TAKEOVER]: the peer whose ID XOR the PE ID is largest, if larger
 * than ours (RSPLIB's peerListManagementGetUsefulPeerForPE). */
static struct reg_peer *
suggest_peer(struct reg_enrp *e, uint32_t pe_id)
{
	struct reg_peer *p, *best = NULL;
	uint32_t bestv = e->reg->id ^ pe_id;

	for (p = e->peers; p; p = p->next)
		if (p->id != 0 && p->st == REG_PEER_ALIVE &&
		    (p->id ^ pe_id) > bestv) {
			best = p;
			bestv = p->id ^ pe_id;
		}
	return best;
}

void
reg_enrp_update(struct registrar *reg, uint16_t action,
    const struct rsp_handle *h, uint32_t id)
{
	struct reg_enrp *e = reg->enrp;
	const struct hs_pe *hpe;
	struct reg_peer *p, *better = NULL;
	struct rsp_msg m;
	struct rsp_pe pe;

	if (e == NULL || e->peers == NULL ||
	    (hpe = hs_find_pe(reg->hs, h, id)) == NULL ||
	    hs_pe_home(hpe) != reg->id)
		return;
	reg_enrp_export_pe(hpe, &pe, reg->hr_addrs);
	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_HANDLE_UPDATE);
	m.action = action;
	m.present = RSP_HAS_HANDLE;
	m.handle = *h;
	m.npes = 1;
	m.pes = &pe;
	for (p = e->peers; p; p = p->next)
		if (p->id != 0)
			enrp_send_peer(e, p, &m);
	if (action == ENRP_ADD_PE && reg->cfg.takeover_suggestion &&
	    (better = suggest_peer(e, id)) != NULL) {
		log_info("registrar: suggesting $%08x as home of PE $%08x",
		    better->id, id);
		m.flags = ENRP_FLAG_UPDATE_T;
		enrp_send_peer(e, better, &m);
	}
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
	reg_mcast_free(e->mc);
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
	reg_stats_tick(reg);
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

/* A peer that never behaved as a registrar (an hsdump run) leaves with
 * its association: there is nobody to wait for. */
void
reg_enrp_lost(struct registrar *reg, uint32_t assoc)
{
	struct reg_peer *p, *next;

	if (reg->enrp == NULL)
		return;
	for (p = reg->enrp->peers; p; p = next) {
		next = p->next;
		if (!p->has_assoc || p->assoc != assoc)
			continue;
		p->has_assoc = 0;
		p->ht_more = 0;
		if (!p->is_registrar && !p->is_static) {
			log_info("registrar: peer $%08x left (it never acted "
			         "as a registrar)",
			    p->id);
			takeover_forget(reg->enrp, p->id);
			peer_free(reg->enrp, p);
		}
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

uint32_t
reg_peer_taker(const struct registrar *reg, uint32_t id)
{
	struct reg_peer *p;

	if (reg->enrp == NULL || (p = peer_by_id(reg->enrp, id)) == NULL)
		return 0;
	return p->st == REG_PEER_TAKEOVER ? reg->id : p->taker;
}

int
reg_enrp_mcast_on(struct registrar *reg, char *err, size_t errlen)
{
	struct reg_enrp *e = reg->enrp;
	struct sockaddr_storage group;
	int on;

	if (e != NULL && reg->cfg.enrp_mcast != NULL)
		log_warning("registrar: -enrpmulticast is deprecated, use "
		            "-enrpannounce");
	if (e == NULL ||
	    (on = reg_mcast_parse(&reg->cfg, &group, err, errlen)) <= 0)
		return e == NULL ? 0 : on;
	if ((e->mc = reg_mcast_start(reg, err, errlen)) == NULL)
		return -1;
	return 1;
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
