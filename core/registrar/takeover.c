/*
 * Adopting pool elements (PROTOCOLS 3.4.7, 4.5.4, 4.5.7; RSPLIB
 * rspregistrar-takeover.c): once the peers agreed that we take over a
 * dead registrar, every PE it owned becomes ours.  Like RSPLIB we open
 * an association from our ASAP endpoint to the PE's ASAP transport,
 * send ASAP_ENDPOINT_KEEP_ALIVE with H=1 as soon as it is up, and wait
 * -endpointkeepalivetimeoutinterval for the KA-Ack; without one the PE
 * goes (keep-alive timeout, Handle Update DEL_PE).  PEs sharing an
 * ASAP transport share the association.
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
		reg_pe_ka_send(reg, pe, 1);
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
				reg_pe_ka_send(reg, pe, 1);
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
