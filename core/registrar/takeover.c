/*
 * The takeover of a dead registrar (RFC 5353 3.9, docs/wire.md 3.4.7,
 * 4.5.4, 4.5.7), the whole procedure: the agreement with the other
 * peers (Init Takeover to all, their acknowledgements, Takeover Server;
 * two takers: the lower ID wins), then adopting the pool elements.
 * Once the peers agreed that we take over a dead registrar, every PE it
 * owned becomes ours.  Like RSPLIB we open
 * an association from our ASAP endpoint to the PE's ASAP transport,
 * send ASAP_ENDPOINT_KEEP_ALIVE with H=1 as soon as it is up, and wait
 * -endpointkeepalivetimeoutinterval for the KA-Ack; without one the PE
 * goes (keep-alive timeout, Handle Update DEL_PE).  PEs sharing an
 * ASAP transport share the association; their Keep-Alives wait for room
 * in its send queue rather than being lost (reg_pe_ka_start, home.c).
 *
 * When the association to the ASAP transport fails (a PE that does not
 * listen there: rsp's own PEs keep no endpoint on the port they
 * registered from over SCTP, and over the TCP mapping the user
 * transport stands in anyway), the Keep-Alive goes to the PE's user
 * transport, where rsp PEs also accept a new home PR.
 *
 * A takeover suggestion (Handle Update T=1, -supporttakeoversuggestion)
 * only sends the Keep-Alive H=1: the PE stays the other registrar's
 * until it registers with us.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/registrar/enrp_int.h"
#include "core/registrar/internal.h"

/* One association opened during an adoption round, by destination. */
struct conn {
	struct addr_list to;
	uint32_t assoc;
};

struct conns {
	struct conn *v;
	size_t n, cap;
};

/* Keep-Alives for suggested PEs, sent when their association is up. */
struct reg_suggest {
	struct reg_suggest *next;
	uint32_t assoc;
	struct rsp_handle handle;
	uint32_t id;
};

/* Our ASAP endpoint reaches IPv6 addresses only if it has one (or is a
 * wildcard); RSPLIB PEs list ::1 next to their IPv4 addresses. */
static int
reaches_ipv6(const struct registrar *reg)
{
	int i;

	if (reg->asap.is_auto || reg->asap.n == 0)
		return 1;
	for (i = 0; i < reg->asap.n; i++)
		if (reg->asap.a[i].ss_family == AF_INET6)
			return 1;
	return 0;
}

static int
transport_addrs(const struct registrar *reg, const struct rsp_transport *t,
    struct addr_list *al)
{
	struct sockaddr_storage ss;
	int i, v6 = reaches_ipv6(reg);

	memset(al, 0, sizeof(*al));
	al->port = t->port;
	for (i = 0; i < t->naddrs; i++)
		if (addr_from_rsp(&t->addrs[i], t->port, &ss) == 0 &&
		    (v6 || ss.ss_family != AF_INET6))
			addr_list_add(al, (struct sockaddr *)&ss);
	return al->n > 0 && al->port != 0 ? 0 : -1;
}

static int
same_dest(const struct addr_list *a, const struct addr_list *b)
{
	return a->port == b->port && a->n == b->n &&
	       addr_equal((const struct sockaddr *)&a->a[0],
	           (const struct sockaddr *)&b->a[0]);
}

/* An association to `to`: one of this round's, or a new one. */
static int
conn_get(struct registrar *reg, struct conns *cs, const struct addr_list *to,
    uint32_t *assoc)
{
	struct reg_assoc *a;
	struct conn *nv;
	size_t i;

	for (i = 0; cs != NULL && i < cs->n; i++)
		if (same_dest(&cs->v[i].to, to)) {
			*assoc = cs->v[i].assoc;
			return 0;
		}
	if (reg->io.connect == NULL ||
	    reg->io.connect(reg->io.arg, to, assoc) == -1)
		return -1;
	if ((a = reg_assoc_get(reg, *assoc)) != NULL)
		a->opening = 1;
	if (cs == NULL)
		return 0;
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 16;
		if ((nv = realloc(cs->v, cs->cap * sizeof(*nv))) == NULL)
			return 0; /* works, just not shared */
		cs->v = nv;
	}
	cs->v[cs->n].to = *to;
	cs->v[cs->n++].assoc = *assoc;
	return 0;
}

/* The PE is ours now: an association, a Keep-Alive H=1 (now or when up),
 * and the keep-alive timeout. */
static void
adopt_one(struct registrar *reg, struct conns *cs, const struct rsp_handle *h,
    uint32_t id)
{
	const struct hs_pe *hpe = hs_find_pe(reg->hs, h, id);
	struct rsp_addr addrs[2 * RSP_ADDRS_MAX];
	enum reg_adopt how = REG_ADOPT_ASAP;
	char hs[2 * RSP_HANDLE_MAX + 3];
	struct addr_list to;
	struct reg_assoc *a;
	struct reg_pe *pe;
	struct rsp_pe x;
	uint32_t assoc;

	if (hpe == NULL)
		return;
	rsp_handle_str(h, hs, sizeof(hs));
	hs_pe_export(hpe, &x, addrs, 2 * RSP_ADDRS_MAX);
	if (!x.has_asap || transport_addrs(reg, &x.asap, &to) == -1 ||
	    conn_get(reg, cs, &to, &assoc) == -1) {
		how = REG_ADOPT_USER;
		if (transport_addrs(reg, &x.user, &to) == -1 ||
		    conn_get(reg, cs, &to, &assoc) == -1)
			goto unreachable;
	}
	if ((pe = reg_pe_add(reg, h, id, assoc)) == NULL)
		goto unreachable;
	pe->adopt = how;
	log_info("registrar: taking over PE $%08x of pool %s (assoc %u)", id,
	    hs, assoc);
	if ((a = reg_assoc_find(reg, assoc)) != NULL && !a->opening)
		reg_pe_ka_start(reg, pe);
	else
		reg_pe_ka_transition(reg, pe, REG_KA_WAIT_ACK);
	return;
unreachable:
	log_notice("registrar: cannot reach PE $%08x of pool %s (%s): removed",
	    id, hs, strerror(errno));
	reg_enrp_update(reg, ENRP_DEL_PE, h, id);
	hs_deregister(reg->hs, h, id);
}

size_t
reg_takeover_adopt(struct registrar *reg, uint32_t target)
{
	struct reg_sync_pe {
		struct rsp_handle h;
		uint32_t id;
	} * v;
	struct conns cs = {NULL, 0, 0};
	const struct hs_pe *pe;
	struct hs_cursor c;
	size_t i, n = hs_owner_count(reg->hs, target);

	if (n == 0 || (v = calloc(n, sizeof(*v))) == NULL)
		return 0;
	hs_cursor_init(&c);
	for (i = 0; i < n && hs_next(reg->hs, &c, target, &pe, 1) == 1; i++) {
		v[i].h = *hs_pe_handle(pe);
		v[i].id = hs_pe_id(pe);
	}
	n = i;
	hs_set_owner(reg->hs, target, reg->id);
	for (i = 0; i < n; i++)
		adopt_one(reg, &cs, &v[i].h, v[i].id);
	free(cs.v);
	free(v);
	reg_expiry_arm(reg);
	return n;
}

void
reg_takeover_up(struct registrar *reg, uint32_t assoc)
{
	struct reg_assoc *a = reg_assoc_find(reg, assoc);
	struct reg_suggest **sp, *s;
	struct reg_pe *pe;
	struct rsp_msg m;
	uint32_t ref;

	if (a != NULL && a->opening) {
		a->opening = 0;
		for (ref = a->pes.head; ref != 0; ref = pe->al.next)
			if ((pe = reg_pe_at(reg, ref))->adopt != REG_ADOPT_NONE)
				reg_pe_ka_start(reg, pe);
	}
	for (sp = &reg->suggest; (s = *sp) != NULL;) {
		if (s->assoc != assoc) {
			sp = &s->next;
			continue;
		}
		rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_ENDPOINT_KEEP_ALIVE);
		m.flags = ASAP_FLAG_H;
		m.sender = reg->id;
		m.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
		m.handle = s->handle;
		m.pe_id = s->id;
		reg->count.keepalives++;
		reg_send(reg, assoc, &m);
		*sp = s->next;
		free(s);
	}
}

/* The association's first adopted-but-unanswered PE still on its ASAP
 * try. */
static struct reg_pe *
first_asap_try(struct registrar *reg, struct reg_assoc *a)
{
	struct reg_pe *pe;
	uint32_t ref;

	for (ref = a->pes.head; ref != 0; ref = pe->al.next)
		if ((pe = reg_pe_at(reg, ref))->adopt == REG_ADOPT_ASAP)
			return pe;
	return NULL;
}

void
reg_takeover_retry(struct registrar *reg, uint32_t assoc)
{
	struct reg_assoc *a = reg_assoc_find(reg, assoc);
	struct reg_suggest **sp, *s;
	struct conns cs = {NULL, 0, 0};
	struct rsp_addr addrs[2 * RSP_ADDRS_MAX];
	const struct hs_pe *hpe;
	struct rsp_handle h;
	struct addr_list to;
	struct reg_pe *pe;
	struct rsp_pe x;
	uint32_t na, id;

	for (sp = &reg->suggest; (s = *sp) != NULL;)
		if (s->assoc == assoc) {
			*sp = s->next;
			free(s);
		} else
			sp = &s->next;
	if (a == NULL)
		return;
	while ((pe = first_asap_try(reg, a)) != NULL) {
		pe->adopt = REG_ADOPT_USER; /* tried */
		hpe = reg_pe_hs(pe);
		h = *hs_pe_handle(hpe);
		id = hs_pe_id(hpe);
		hs_pe_export(hpe, &x, addrs, 2 * RSP_ADDRS_MAX);
		if (transport_addrs(reg, &x.user, &to) == -1 ||
		    conn_get(reg, &cs, &to, &na) == -1)
			continue;
		log_info("registrar: PE $%08x not at its ASAP transport, "
		         "trying its user transport (assoc %u)",
		    id, na);
		pe = reg_pe_add(reg, &h, id, na);
		if (pe != NULL)
			reg_pe_ka_transition(reg, pe, REG_KA_WAIT_ACK);
	}
	free(cs.v);
}

void
reg_takeover_suggested(
    struct registrar *reg, const struct rsp_handle *h, uint32_t id)
{
	const struct hs_pe *hpe = hs_find_pe(reg->hs, h, id);
	struct rsp_addr addrs[2 * RSP_ADDRS_MAX];
	struct reg_suggest *s;
	struct addr_list to;
	struct rsp_pe x;

	if (hpe == NULL)
		return;
	hs_pe_export(hpe, &x, addrs, 2 * RSP_ADDRS_MAX);
	if ((!x.has_asap || transport_addrs(reg, &x.asap, &to) == -1) &&
	    transport_addrs(reg, &x.user, &to) == -1)
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	if (conn_get(reg, NULL, &to, &s->assoc) == -1) {
		free(s);
		return;
	}
	s->handle = *h;
	s->id = id;
	s->next = reg->suggest;
	reg->suggest = s;
}

void
reg_takeover_free(struct registrar *reg)
{
	struct reg_suggest *s;

	while ((s = reg->suggest) != NULL) {
		reg->suggest = s->next;
		free(s);
	}
}

/* ---- the agreement among the peers (4.5.7) ---- */

/* A peer that leaves the table can no longer acknowledge: do not wait
 * for it (RSPLIB would, until the takeover expires).  Finishing happens
 * from the timer, outside the caller's walk of the table. */
void
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

void
takeover_cancel(struct reg_peer *p)
{
	free(p->await);
	p->await = NULL;
	p->nawait = 0;
}

/* Every other known peer must acknowledge; Init Takeover goes to all of
 * them and to the target itself, so that a live target can object. */
int
takeover_begin(struct reg_enrp *e, struct reg_peer *t)
{
	struct reg_peer *q;
	size_t n = 0;

	takeover_cancel(t);
	for (q = e->peers; q; q = q->next)
		n++;
	if ((t->await = calloc(n + 1, sizeof(*t->await))) == NULL)
		return -1;
	/* Voters: registrars that are alive and have answered us; an
	 * hsdump or a server only learned from a list never votes. */
	for (q = e->peers; q; q = q->next)
		if (q != t && q->id != 0 && q->id != t->id && q->is_registrar &&
		    q->st == REG_PEER_ALIVE)
			t->await[t->nawait++] = q->id;
	log_notice("registrar: initiating takeover of dead peer $%08x "
	           "(%zu PEs, %zu acknowledgements to wait for)",
	    t->id, hs_owner_count(e->reg->hs, t->id), t->nawait);
	for (q = e->peers; q; q = q->next)
		if (q->id != 0 && (q->is_registrar || q == t))
			send_takeover_msg(e, q, ENRP_INIT_TAKEOVER, t->id);
	return 0;
}

/* Missing acknowledgements of t's takeover from peers that still
 * answer our Presence: one of them may be taking t over itself. */
size_t
takeover_live_missing(struct reg_enrp *e, const struct reg_peer *t)
{
	const struct reg_peer *q;
	size_t i, n = 0;

	for (i = 0; i < t->nawait; i++)
		if ((q = peer_by_id(e, t->await[i])) != NULL &&
		    q->st == REG_PEER_ALIVE)
			n++;
	return n;
}

/* All acks are in: tell the peers, adopt the PEs, forget the target. */
void
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

void
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

void
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

void
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

/* [TAKEOVER]: the peer whose ID XOR the PE ID is largest, if larger
 * than ours (RSPLIB's peerListManagementGetUsefulPeerForPE). */
struct reg_peer *
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
