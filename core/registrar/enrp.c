/*
 * Registrar, ENRP side (docs/wire.md 4, RFC 5353): sending, one table
 * of message handlers and the input that dispatches through it, List
 * requests and responses, the multicast Presence input, the Handle
 * Updates we send, and the life cycle.  The peer table and the mentor
 * phase are core/registrar/enrp_peer.c, table synchronization and the
 * audit enrp_sync.c, the takeover of a dead peer takeover.c, the
 * multicast group enrp_mcast.c (enrp_int.h lists who has what).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/registrar.h"
#include "core/registrar/enrp_int.h"
#include "core/registrar/internal.h"
#include "core/transport/transport.h"

/* ---- sending ---- */

/* not_up: EAGAIN while our association is set up (a TLS handshake)
 * is no failure: our Presence follows it up (reg_enrp_up). */
static int
enrp_send(struct reg_enrp *e, uint32_t assoc, struct rsp_msg *m, int not_up)
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
		if (not_up && errno == EAGAIN) {
			log_debug(
			    1, "registrar: ENRP assoc %u not up yet", assoc);
			return -1;
		}
		e->reg->count.send_failures[1]++;
		log_warning_limited("registrar: send %s on ENRP assoc %u: %s",
		    rsp_msg_name(RSP_PROTO_ENRP, m->type), assoc,
		    strerror(errno));
		return -1;
	}
	reg_action_msg(e->reg, "Send", "ENRP", m);
	return 0;
}

int
enrp_send_assoc(struct reg_enrp *e, uint32_t assoc, struct rsp_msg *m)
{
	return enrp_send(e, assoc, m, 0);
}

/* Our association to p, opened on demand: an attempt not up after a
 * Presence cycle (2 s at least) is replaced (its kernel retransmissions
 * back off to tens of seconds: a healed partition would wait for them),
 * and a new one follows the last by REG_CONNECT_GAP_MS at least. */
static int
peer_connect(struct reg_enrp *e, struct reg_peer *p)
{
	uint64_t now = ev_now_ms(e->reg->loop);
	uint64_t stale = (uint64_t)e->reg->cfg.hb_cycle;

	if (stale < REG_CONNECT_STALE_MIN_MS)
		stale = REG_CONNECT_STALE_MIN_MS;
	if (p->has_assoc && !p->assoc_up && p->connect_ms != 0 &&
	    now - p->connect_ms >= stale) {
		log_debug(1,
		    "registrar: peer $%08x: connection attempt not up "
		    "after %llu ms, trying afresh",
		    p->id, (unsigned long long)(now - p->connect_ms));
		if (e->io.abort != NULL)
			e->io.abort(e->io.arg, p->assoc);
		p->has_assoc = 0;
	}
	if (p->has_assoc)
		return 0;
	if (p->connect_ms != 0 && now - p->connect_ms < REG_CONNECT_GAP_MS) {
		errno = EAGAIN;
		return -1;
	}
	if (p->addrs.n == 0 || e->io.connect == NULL)
		return -1;
	p->connect_ms = now ? now : 1;
	if (e->io.connect(e->io.arg, &p->addrs, &p->assoc) == -1)
		return -1;
	p->has_assoc = 1;
	p->assoc_up = 0;
	return 0;
}

int
enrp_send_peer(struct reg_enrp *e, struct reg_peer *p, struct rsp_msg *m)
{
	if (peer_connect(e, p) == -1)
		return -1;
	m->receiver = p->id;
	return enrp_send(e, p->assoc, m, !p->assoc_up);
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

void
send_presence(struct reg_enrp *e, struct reg_peer *p, int r)
{
	struct rsp_server_info si;
	struct rsp_msg m;

	presence_build(e, &m, &si, r);
	if (enrp_send_peer(e, p, &m) == 0 && r)
		p->asked = 1;
}

void
send_presence_assoc(struct reg_enrp *e, uint32_t assoc, uint32_t to, int r)
{
	struct rsp_server_info si;
	struct rsp_msg m;

	presence_build(e, &m, &si, r);
	m.receiver = to;
	enrp_send_assoc(e, assoc, &m);
}

/* Our Presence to every peer, and to the group when multicasting. */
void
send_presence_all(struct reg_enrp *e)
{
	struct rsp_server_info si;
	struct reg_peer *p, *next;
	struct rsp_msg m;
	struct wbuf w;

	peer_expire_candidates(e);
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
void
send_takeover_msg(
    struct reg_enrp *e, struct reg_peer *p, int type, uint32_t target)
{
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ENRP, type);
	m.target = target;
	enrp_send_peer(e, p, &m);
}

void
send_simple(struct reg_enrp *e, struct reg_peer *p, int type, int flags)
{
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ENRP, type);
	m.flags = (uint8_t)flags;
	if (enrp_send_peer(e, p, &m) == -1)
		return;
	if (type == ENRP_HANDLE_TABLE_REQUEST)
		p->ht_asked++;
	else if (type == ENRP_LIST_REQUEST)
		p->list_asked++;
}

/* ---- the peer table ---- */

/* ---- the Presence cycle ---- */

/* ---- mentor phase (4.5.1) ---- */

/* ---- audit (4.5.3) ---- */

/* ---- receiving PEs (updates, table responses) ---- */

void
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

/* ---- handlers ---- */

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
	if (p->assoc == assoc)
		p->assoc_up = 1; /* a message came on it */
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

/* ---- takeover (4.5.7) ---- */

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

/* A listed server at an address we may not peer with is not tried. */
static int
candidate_admitted(struct reg_enrp *e, const struct reg_peer *q)
{
	int i;

	for (i = 0; i < q->addrs.n; i++)
		if (enrp_admit_addr(e, (const struct sockaddr *)&q->addrs.a[i]))
			return 1;
	e->reg->count.enrp_refused[REG_ENRP_REF_CANDIDATE]++;
	log_info_limited("registrar: listed server $%08x is not an allowed "
	                 "peer (-peerallow, -peer): not tried",
	    q->id);
	return 0;
}

static void
on_list_response(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m)
{
	struct reg_peer *q;
	size_t i;

	(void)assoc;
	p->list_asked--; /* unsolicited() let only an asked one through */
	if (m->flags & ENRP_FLAG_LISTRESP_R)
		return;
	for (i = 0; i < m->nservers; i++) {
		const struct rsp_server_info *si = &m->servers[i];

		if (si->id == 0 || si->id == e->reg->id ||
		    peer_by_id(e, si->id) != NULL || !si->has_transport)
			continue;
		if (!peer_room(e, 1) || (q = peer_new(e, si->id)) == NULL)
			return;
		peer_addrs_from_info(q, si);
		if (!candidate_admitted(e, q)) {
			peer_free(e, q);
			continue;
		}
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
	log_notice_limited("registrar: ENRP error from $%08x: %s", p->id,
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

/* Answers only to questions we asked. */
static int
unsolicited(const struct reg_peer *p, const struct rsp_msg *m)
{
	if (m->type == ENRP_HANDLE_TABLE_RESPONSE)
		return !p->ht_asked;
	if (m->type == ENRP_LIST_RESPONSE)
		return !p->list_asked;
	return 0;
}

/* A request from a stranger: HT Request and List Request get R=1. */
static void
refuse(struct reg_enrp *e, uint32_t assoc, const struct rsp_msg *m)
{
	struct rsp_msg r;

	e->reg->count.enrp_refused[REG_ENRP_REF_UNKNOWN_SENDER]++;
	log_notice_limited("registrar: %s from unknown $%08x refused",
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
		e->reg->count.bad_msgs[1][REG_BAD_MALFORMED]++;
		rsp_decode_error_str(&err, s, sizeof(s));
		log_notice_limited(
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
		e->reg->count.bad_msgs[1][REG_BAD_UNEXPECTED]++;
		log_notice_limited(
		    "registrar: unexpected %s on ENRP assoc %u, ignored",
		    rsp_msg_name(RSP_PROTO_ENRP, m.type), assoc);
	} else if ((p = peer_lookup(e, assoc, &m, enrp_handlers[i].create,
	                &created)) == NULL)
		refuse(e, assoc, &m);
	else if (!created && !enrp_admit_bound(e, p, assoc))
		;
	else if (enrp_handlers[i].confirms && !enrp_admit_as_peer(e, assoc))
		;
	else if (unsolicited(p, &m)) {
		e->reg->count.enrp_refused[REG_ENRP_REF_UNSOLICITED]++;
		log_info_limited(
		    "registrar: %s from $%08x that we did not ask for, "
		    "ignored",
		    rsp_msg_name(RSP_PROTO_ENRP, m.type), p->id);
	} else {
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
		if (!enrp_admit_addr(e, src)) {
			e->reg->count.enrp_refused[REG_ENRP_REF_MCAST]++;
			log_notice_limited("registrar: multicast Presence from "
			                   "%s, not an allowed peer: ignored",
			    addr_fmt_host(src, buf, sizeof(buf)));
			rsp_msg_free(&m);
			return;
		}
		if (!peer_room(e, 1) || (p = peer_new(e, m.sender)) == NULL) {
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
	/* Heard peers only: a candidate learns our PEs by the audit once
	 * it answers, and is not worth a connection per update. */
	for (p = e->peers; p; p = p->next)
		if (p->id != 0 && p->st != REG_PEER_UNKNOWN)
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
	struct prefix_list allow = {0};
	struct addr_list pl;
	int i;

	for (i = 0; i < cfg->peers.n; i++)
		if (addr_list_parse(&pl, cfg->peers.v[i], REG_ENRP_AUTO_PORT, 0,
		        err, errlen) == -1)
			return -1;
	for (i = 0; i < cfg->peerallow.n; i++)
		if (prefix_list_parse(
		        cfg->peerallow.v[i], &allow, err, errlen) == -1)
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
#ifdef RSP_TLS
	/* -enrptls: before the first Presence goes out */
	if (reg_tls_enrp(reg) == -1)
		return -1;
#endif
	if (enrp_admit_init(e, err, sizeof(err)) == -1) {
		log_error("registrar: -peerallow: %s", err);
		return -1;
	}
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
		log_notice_limited(
		    "registrar: PPID %u on the ENRP socket (assoc %u), "
		    "aborting",
		    ppid, assoc);
		if (e->io.abort != NULL)
			e->io.abort(e->io.arg, assoc);
		reg_enrp_lost(reg, assoc);
		return;
	}
	enrp_input(e, assoc, data, len);
}

/* Our association to a peer is established. */
void
reg_enrp_up(struct registrar *reg, uint32_t assoc)
{
	struct reg_peer *p;

	if (reg->enrp == NULL || (p = peer_by_assoc(reg->enrp, assoc)) == NULL)
		return;
	p->assoc_up = 1;
	/* Our Presence now: over TLS none went before the handshake, and a
	 * mentor hunt should not wait a cycle for it (RFC 5353 3.2). */
	send_presence(
	    reg->enrp, p, p->st == REG_PEER_UNKNOWN || reg->enrp->startup);
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
		p->assoc_up = 0;
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

int
reg_in_startup(const struct registrar *reg)
{
	return reg->enrp != NULL && reg->enrp->startup;
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
