/*
 * The registrar's ENRP peers (RFC 5353, docs/wire.md 4.5.1,
 * 4.5.2): the peer table and each peer's state machine
 * (peer_transition), the Presence cycle, and the mentor phase in which
 * the first peer that behaves as a registrar (peer_confirm) hands us
 * its handlespace.
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

static const char *const peer_state_names[] = {
    [REG_PEER_UNKNOWN] = "unknown",
    [REG_PEER_ALIVE] = "alive",
    [REG_PEER_WAIT_RESPONSE] = "wait-response",
    [REG_PEER_TAKEOVER] = "takeover",
    [REG_PEER_DEAD] = "dead",
};

struct reg_peer *
peer_by_id(struct reg_enrp *e, uint32_t id)
{
	struct reg_peer *p;

	for (p = e->peers; p; p = p->next)
		if (p->id == id && id != 0)
			return p;
	return NULL;
}

struct reg_peer *
peer_by_assoc(struct reg_enrp *e, uint32_t assoc)
{
	struct reg_peer *p;

	for (p = e->peers; p; p = p->next)
		if (p->has_assoc && p->assoc == assoc)
			return p;
	return NULL;
}

/* A static peer not heard yet whose endpoint is in the server info. */
struct reg_peer *
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

struct reg_peer *
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

int
peer_is_candidate(const struct reg_peer *p)
{
	return !p->is_static && p->st == REG_PEER_UNKNOWN;
}

int
peer_room(struct reg_enrp *e, int candidate)
{
	struct reg_peer *p;
	size_t n = 0, c = 0;

	for (p = e->peers; p; p = p->next) {
		n++;
		c += peer_is_candidate(p);
	}
	if (n < REG_PEERS_MAX && (!candidate || c < REG_CANDIDATES_MAX))
		return 1;
	e->reg->count.enrp_refused[REG_ENRP_REF_TABLE_FULL]++;
	log_notice_limited("registrar: %s full (%zu peers, %zu candidates): "
	                   "a new one is ignored",
	    n >= REG_PEERS_MAX ? "peer table" : "candidate list", n, c);
	return 0;
}

void
peer_expire_candidates(struct reg_enrp *e)
{
	struct reg_peer *p, *next;

	for (p = e->peers; p; p = next) {
		next = p->next;
		if (!peer_is_candidate(p) || ++p->tries <= REG_CANDIDATE_TRIES)
			continue;
		log_info("registrar: candidate peer $%08x did not answer %d "
		         "Presences, dropped",
		    p->id, REG_CANDIDATE_TRIES);
		if (p->has_assoc && e->io.abort != NULL)
			e->io.abort(e->io.arg, p->assoc);
		takeover_forget(e, p->id);
		peer_free(e, p);
	}
}

void
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

void
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
	} else if (p->st == REG_PEER_TAKEOVER &&
	           takeover_live_missing(p->reg->enrp, p) == 0) {
		/* Only peers that stopped answering are missing: waiting
		 * for them would lose the dead peer's PEs. */
		log_notice("registrar: takeover of $%08x: the %zu missing "
		           "acknowledgements are of silent peers, going on",
		    p->id, p->nawait);
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

/* The only place that changes p->st; it owns p->timer.  DEAD frees p
 * (or resets a static peer to UNKNOWN). */
void
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
struct reg_peer *
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
	else if (!create || !enrp_admit_assoc(e, assoc) || !peer_room(e, 0) ||
	         (p = peer_new(e, 0)) == NULL)
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

/* cycle x [0.875, 1.125] (RSPLIB's randomization). */
int64_t
hb_delay(long long c)
{
	return (int64_t)(c - c / 8) +
	       (int64_t)rand_uniform((uint32_t)(c / 4) + 1);
}

int64_t
hb_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct reg_enrp *e = arg;

	(void)loop, (void)id;
	send_presence_all(e);
	return hb_delay(e->reg->cfg.hb_cycle);
}

int64_t
mentor_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct reg_enrp *e = arg;

	(void)loop, (void)id;
	e->mentor_timer = EV_TIMER_NONE;
	normal_operation(
	    e, e->mentor ? "mentor did not finish" : "no mentor found");
	return EV_NOMORE;
}

void
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
void
peer_confirm(struct reg_enrp *e, struct reg_peer *p, const char *how)
{
	if (!p->is_registrar) {
		p->is_registrar = 1;
		log_debug(
		    1, "registrar: peer $%08x is a registrar (%s)", p->id, how);
	}
	mentor_pick(e, p);
}

/* ---- what the rest of the registrar asks ---- */

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

uint32_t
reg_peer_taker(const struct registrar *reg, uint32_t id)
{
	struct reg_peer *p;

	if (reg->enrp == NULL || (p = peer_by_id(reg->enrp, id)) == NULL)
		return 0;
	return p->st == REG_PEER_TAKEOVER ? reg->id : p->taker;
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
