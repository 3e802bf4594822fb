/*
 * Registrar state: options, associations and their home PEs, keep-alive
 * and expiry timers, and the glue to the transport (docs/wire.md 3.4).
 *
 * Memory per PE is what the handlespace holds (issue 7: at most 200
 * bytes): the registrar's own state of a PE (struct reg_pe, 28 bytes)
 * lives in the PE's extension area in the handlespace, its lists link
 * 4-byte refs, and keep-alive runs on two FIFO lists with one timer each
 * rather than a timer per PE.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/registrar.h"
#include "core/registrar/acl.h"
#include "core/registrar/internal.h"
#include "core/transport/transport.h"

#define REG_OPT(...) OPT_ROW(struct reg_config, __VA_ARGS__)

const struct opt reg_opts[] = {
    REG_OPT("asap", OPT_STR, "auto|ADDR[,ADDR]:PORT",
        "ASAP endpoint (auto: any address, port 3863; port 0: any, logged)",
        "auto", 0, 0, asap),
    REG_OPT("identifier", OPT_STR, "ID",
        "registrar ID, 0x hex or decimal (default: random)", NULL, 0, 0,
        identifier),
    REG_OPT("minaddressscope", OPT_STR, "loopback|link-local|site-local|global",
        "lowest address scope accepted from pool elements", "site-local", 0, 0,
        minscope),
    REG_OPT("endpointkeepalivetransmissioninterval", OPT_INT, "MS",
        "keep-alive after this long without one acknowledged", "5000", 1,
        86400000, ka_interval),
    REG_OPT("endpointkeepalivetimeoutinterval", OPT_INT, "MS",
        "keep-alive ack timeout; then abort and remove the PE", "5000", 1,
        86400000, ka_timeout),
    REG_OPT("maxhresitems", OPT_INT, "N",
        "PEs per handle resolution when the request names none", "3", 1,
        HS_SELECT_MAX, max_hr_items),
    REG_OPT("maxincrement", OPT_INT, "N",
        "selection increment (0: the policy's default)", "0", 0, 1000000,
        max_increment),
    REG_OPT("maxbadpereports", OPT_INT, "N",
        "unreachability reports that make the registrar check a PE (a "
        "keep-alive it must answer)",
        "3", 1, 1000000, max_bad_reports),
    REG_OPT("maxhrrate", OPT_INT, "N",
        "handle resolutions per second per association (0: no limit)", "1000",
        0, 1000000000, max_hr_rate),
    REG_OPT("maxeurate", OPT_INT, "N",
        "unreachability reports per second per association (0: no limit)",
        "100", 0, 1000000000, max_eu_rate),
    REG_OPT("maxregistrationrate", OPT_INT, "N",
        "registrations per second per association; more are refused with "
        "0x0006 (0: no limit)",
        "100", 0, 1000000000, max_reg_rate),
    REG_OPT("maxpesperassociation", OPT_INT, "N",
        "PEs one association may register; more are refused with 0x0006 (0: "
        "no limit)",
        "100", 0, 1000000000, max_pes_assoc),
    REG_OPT("maxpes", OPT_INT, "N",
        "PEs in the handlespace; new ones beyond are refused with 0x0006 (0: "
        "no limit)",
        "1000000", 0, 1000000000, max_pes),
    REG_OPT("maxpesperpeer", OPT_INT, "N",
        "PEs one ENRP peer may own here; more are not learned (0: no limit)",
        "500000", 0, 1000000000, max_pes_peer),
    REG_OPT("asapannounce", OPT_STR, "auto|off|ADDR:PORT",
        "ASAP Server Announce group (auto: 239.0.0.50:3863)", "auto", 0, 0,
        announce),
    REG_OPT("serverannouncecycle", OPT_INT, "MS",
        "Server Announce interval (randomized x0.875..1.125)", "1000", 10,
        3600000, announce_cycle),
    REG_OPT("announcettl", OPT_INT, "N", "multicast TTL of the announces", "30",
        1, 255, announce_ttl),
    REG_OPT("enrp", OPT_STR, "off|auto|ADDR[,ADDR]:PORT",
        "ENRP endpoint (auto: any address, port 9901)", "off", 0, 0, enrp),
    REG_OPT("peer", OPT_LIST, "ADDR:PORT",
        "static ENRP peer (repeatable; port default 9901)", NULL, 0, 0, peers),
    REG_OPT("peerallow", OPT_LIST, "PREFIX[,PREFIX]",
        "only these address prefixes may be ENRP peers (repeatable; "
        "default: anyone, or with -enrpannounce=off only the -peer hosts)",
        NULL, 0, 0, peerallow),
    REG_OPT("acl", OPT_STR, "FILE",
        "access list: who may register, resolve, peer, dump (default: "
        "everyone; reread on SIGHUP)",
        NULL, 0, 0, acl),
    REG_OPT("peerheartbeatcycle", OPT_INT, "MS",
        "Presence interval (randomized x0.875..1.125)", "2444", 10, 3600000,
        hb_cycle),
    REG_OPT("peermaxtimelastheard", OPT_INT, "MS",
        "silence before a peer is asked for a Presence", "5000", 10, 3600000,
        last_heard),
    REG_OPT("peermaxtimenoresponse", OPT_INT, "MS",
        "then silence before the peer is removed", "5000", 10, 3600000,
        no_response),
    REG_OPT("mentordiscoverytimeout", OPT_INT, "MS",
        "startup: wait this long for a mentor's handle table", "5000", 0,
        3600000, mentor_timeout),
    REG_OPT("maxelementsperhtrequest", OPT_INT, "N",
        "PEs per Handle Table Response", "128", 1, HS_SELECT_MAX, max_ht_pes),
    REG_OPT("takeoverexpiryinterval", OPT_INT, "MS",
        "give up a takeover without every peer's ack after this long", "5000",
        10, 3600000, takeover_expiry),
    REG_OPT("supporttakeoversuggestion", OPT_FLAG, NULL,
        "suggest better-placed peers as home PRs (Handle Update T flag) and "
        "follow such suggestions",
        NULL, 0, 0, takeover_suggestion),
    REG_OPT("enrpannounce", OPT_STR, "auto|off|ADDR:PORT",
        "multicast Presence group, with -enrp (auto: 239.0.0.51:9901)", "auto",
        0, 0, enrp_announce),
    REG_OPT("enrpmulticast", OPT_STR, "auto|off|ADDR:PORT",
        "deprecated name of -enrpannounce (RSPLIB)", NULL, 0, 0, enrp_mcast),
    REG_OPT("distancestep", OPT_INT, "MS",
        "DPF policies: a PE's distance is RTT/2 rounded to MS", "50", 1,
        1000000, distance_step),
    REG_OPT("autoclosetimeout", OPT_INT, "S",
        "close ASAP associations idle for S seconds (0: never)", "300", 0,
        86400, autoclose),
    REG_OPT("disable-ipv6", OPT_FLAG, NULL,
        "auto endpoints (-asap, -enrp) listen on IPv4 only", NULL, 0, 0,
        disable_ipv6),
    OPT_END,
};

static int64_t autoclose_cb(struct ev_loop *loop, uint64_t id, void *arg);

/* ---- configuration ---- */

static int
parse_id(const char *s, uint32_t *id)
{
	long long v;

	if (opt_parse_ll(s, &v) == -1 || v <= 0 || v > 0xffffffffLL)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

int
reg_config_check(const struct reg_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_storage group;
	struct addr_list al;
	enum addr_scope scope;
	uint32_t id;

	if (cfg->identifier && parse_id(cfg->identifier, &id) == -1) {
		snprintf(err, errlen,
		    "-identifier=%s: not a non-zero 32-bit "
		    "number",
		    cfg->identifier);
		return -1;
	}
	if (addr_scope_parse(cfg->minscope, &scope, err, errlen) == -1)
		return -1;
	if (cfg->acl != NULL) {
		struct acl *a = acl_load(cfg->acl, err, errlen);

		if (a == NULL)
			return -1;
		acl_free(a);
	}
	if (addr_list_parse(&al, cfg->asap, REG_ASAP_AUTO_PORT,
	        ADDR_PORT_ZERO_OK | ADDR_AUTO_OK, err, errlen) == -1)
		return -1;
	if (reg_announce_parse(cfg->announce, &group, err, errlen) == -1)
		return -1;
	if (reg_enrp_parse(cfg, &al, err, errlen) == -1)
		return -1;
	if (reg_mcast_parse(cfg, &group, err, errlen) == -1)
		return -1;
	return 0;
}

/* ---- small helpers ---- */

int
reg_distance_index(const struct rsp_policy *p)
{
	const struct rsp_policy_info *pi = rsp_policy_info(p->type);
	int i;

	for (i = 0; pi != NULL && i < pi->nvalues && i < p->nvalues; i++)
		if (strcmp(pi->fields[i], "distance") == 0)
			return i;
	return -1;
}

void
reg_distance(
    const struct registrar *reg, struct rsp_policy *p, int srtt_ms, int add)
{
	long long step =
	    reg->cfg.distance_step > 0 ? reg->cfg.distance_step : 50;
	long long d, sum;
	int i;

	if ((i = reg_distance_index(p)) == -1)
		return;
	/* round((srtt / 2) / step) * step, in integers */
	d = srtt_ms < 0 ? 0 : ((long long)srtt_ms + step) / (2 * step) * step;
	sum = add ? (long long)p->v[i] + d : d;
	p->v[i] = sum > 0xffffffffLL ? 0xffffffffU : (uint32_t)sum;
}

int
reg_bucket_take(struct registrar *reg, struct reg_bucket *b, long long rate)
{
	uint64_t now = ev_now_ms(reg->loop);

	if (rate <= 0)
		return 1;
	if (!b->started) {
		b->started = 1;
		b->tokens = (double)rate;
	} else
		b->tokens += (double)(now - b->last_ms) * (double)rate / 1000.0;
	if (b->tokens > (double)rate)
		b->tokens = (double)rate;
	b->last_ms = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

int
reg_send(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m)
{
	wbuf_init(&reg->out, reg->outmem, sizeof(reg->outmem));
	if (rsp_msg_encode(m, &reg->out) == -1) {
		log_error("registrar: cannot encode %s: %s",
		    rsp_msg_name(m->proto, m->type), strerror(errno));
		return -1;
	}
	if (reg->io.send == NULL || reg->io.send(reg->io.arg, assoc,
	                                reg->out.data, reg->out.len) == -1) {
		reg->count.send_failures[0]++;
		log_warning_limited("registrar: send %s on assoc %u: %s",
		    rsp_msg_name(m->proto, m->type), assoc, strerror(errno));
		return -1;
	}
	reg_action_msg(reg, "Send", "ASAP", m);
	return 0;
}

/* ---- associations ---- */

static uint32_t
as_hash(uint32_t id)
{
	return id * 2654435761u;
}

/* Double a chained table when it is full; on ENOMEM keep the old one. */
static void
as_tab_grow(struct registrar *reg)
{
	size_t i, ncap = reg->as_cap * 2;
	struct reg_assoc **nt, *a, *next;

	if (reg->as_n < reg->as_cap || (nt = calloc(ncap, sizeof(*nt))) == NULL)
		return;
	for (i = 0; i < reg->as_cap; i++)
		for (a = reg->as_tab[i]; a; a = next) {
			next = a->hnext;
			a->hnext = nt[as_hash(a->id) & (ncap - 1)];
			nt[as_hash(a->id) & (ncap - 1)] = a;
		}
	free(reg->as_tab);
	reg->as_tab = nt;
	reg->as_cap = ncap;
}

struct reg_assoc *
reg_assoc_find(struct registrar *reg, uint32_t id)
{
	struct reg_assoc *a;

	for (a = reg->as_tab[as_hash(id) & (reg->as_cap - 1)]; a; a = a->hnext)
		if (a->id == id)
			return a;
	return NULL;
}

struct reg_assoc *
reg_assoc_get(struct registrar *reg, uint32_t id)
{
	struct reg_assoc *a, **slot;

	if ((a = reg_assoc_find(reg, id)) != NULL)
		return a;
	as_tab_grow(reg);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->id = id;
	slot = &reg->as_tab[as_hash(id) & (reg->as_cap - 1)];
	a->hnext = *slot;
	*slot = a;
	reg->as_n++;
	return a;
}

/* Unhash and free an association (its PEs are gone already). */
void
reg_assoc_forget(struct registrar *reg, struct reg_assoc *a)
{
	struct reg_assoc **pp;

	for (pp = &reg->as_tab[as_hash(a->id) & (reg->as_cap - 1)]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == a) {
			*pp = a->hnext;
			break;
		}
	reg->as_n--;
	free(a);
}

/* ---- life cycle ---- */

struct registrar *
reg_new(struct ev_loop *loop, const struct reg_config *cfg)
{
	struct registrar *reg;
	char err[ADDR_ERR_LEN];

	if ((reg = calloc(1, sizeof(*reg))) == NULL)
		return NULL;
	reg->cfg = *cfg;
	reg->loop = loop;
	reg->as_cap = 64;
	reg->ka[REG_KA_IDLE].timer = reg->ka[REG_KA_WAIT_ACK].timer =
	    EV_TIMER_NONE;
	reg->as_tab = calloc(reg->as_cap, sizeof(*reg->as_tab));
	reg->hr_addrs =
	    calloc(HS_SELECT_MAX * 2 * RSP_ADDRS_MAX, sizeof(*reg->hr_addrs));
	reg->hr_pes = calloc(HS_SELECT_MAX, sizeof(*reg->hr_pes));
	reg->hs = hs_new(rand_u64());
	if (reg->as_tab == NULL || reg->hr_addrs == NULL ||
	    reg->hr_pes == NULL || reg->hs == NULL ||
	    hs_set_ext(reg->hs, sizeof(struct reg_pe), reg_pe_dropped, reg) ==
	        -1) {
		reg_free(reg);
		errno = ENOMEM;
		return NULL;
	}
	if (addr_scope_parse(cfg->minscope, &reg->minscope, err, sizeof(err)) ==
	    -1)
		reg->minscope = ADDR_SCOPE_SITELOCAL;
	if (cfg->identifier == NULL ||
	    parse_id(cfg->identifier, &reg->id) == -1)
		reg->id = rand_id32();
	if (cfg->acl != NULL && reg_reload(reg) == -1) {
		reg_free(reg);
		errno = EINVAL;
		return NULL;
	}
	return reg;
}

int
reg_reload(struct registrar *reg)
{
	char err[256];
	struct acl *a;

	if (reg->cfg.acl == NULL)
		return 0;
	if ((a = acl_load(reg->cfg.acl, err, sizeof(err))) == NULL) {
		log_error("registrar: -acl: %s%s", err,
		    reg->acl ? "; the rules in force stay" : "");
		return -1;
	}
	acl_free(reg->acl);
	reg->acl = a;
	log_notice("registrar: -acl=%s: %zu rules", reg->cfg.acl, a->n);
	return 0;
}

void
reg_free(struct registrar *reg)
{
	size_t i;

	if (reg == NULL)
		return;
	reg_stats_stop(reg); /* the last line and the scalars: counts needed */
	acl_free(reg->acl);
	reg_actionlog_close(reg);
	reg_announce_free(reg->ann);
	reg_takeover_free(reg);
	reg_enrp_free(reg);
	if (reg->enrp_ep != NULL)
		tr_ep_free(reg->enrp_ep);
	if (reg->ep != NULL)
		tr_ep_free(reg->ep);
	/* First: its drop callback empties the association lists. */
	hs_free(reg->hs);
	for (i = 0; reg->as_tab && i < reg->as_cap; i++)
		while (reg->as_tab[i] != NULL)
			reg_assoc_forget(reg, reg->as_tab[i]);
	if (reg->expiry_timer != EV_TIMER_NONE)
		ev_timer_cancel(reg->loop, reg->expiry_timer);
	if (reg->autoclose_timer != EV_TIMER_NONE)
		ev_timer_cancel(reg->loop, reg->autoclose_timer);
	for (i = 0; i < REG_KA_NSTATES; i++)
		if (reg->ka[i].timer != EV_TIMER_NONE)
			ev_timer_cancel(reg->loop, reg->ka[i].timer);
	free(reg->as_tab);
	free(reg->hr_addrs);
	free(reg->hr_pes);
	free(reg);
}

uint32_t
reg_id(const struct registrar *reg)
{
	return reg->id;
}

struct hs *
reg_hs(struct registrar *reg)
{
	return reg->hs;
}

void
reg_set_io(struct registrar *reg, const struct reg_io *io)
{
	reg->io = *io;
	if (reg->cfg.autoclose > 0 && reg->autoclose_timer == EV_TIMER_NONE)
		reg->autoclose_timer = ev_timer_add(reg->loop,
		    reg->cfg.autoclose * 1000 / 4 + 1, autoclose_cb, reg);
}

size_t
reg_pe_count(const struct registrar *reg)
{
	return reg->pe_n;
}

size_t
reg_assoc_count(const struct registrar *reg)
{
	return reg->as_n;
}

/* ---- association events ---- */

/* -autoclosetimeout: the association carried something now. */
static void
assoc_touch(struct registrar *reg, uint32_t assoc)
{
	struct reg_assoc *a;

	if (reg->cfg.autoclose > 0 && (a = reg_assoc_get(reg, assoc)) != NULL)
		a->last_s = (uint32_t)(ev_now_ms(reg->loop) / 1000);
}

/* Close the ASAP associations idle for -autoclosetimeout, as RSPLIB's
 * SCTP autoclose does: pool users that resolved once and stayed.  PEs
 * answer keep-alives, so theirs are never idle. */
static int64_t
autoclose_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct registrar *reg = arg;
	uint32_t now = (uint32_t)(ev_now_ms(loop) / 1000);
	struct reg_assoc *a;
	size_t i;

	(void)id;
	for (i = 0; i < reg->as_cap; i++)
		for (a = reg->as_tab[i]; a != NULL; a = a->hnext) {
			if (a->opening || a->pes.head != 0 ||
			    now - a->last_s < (uint32_t)reg->cfg.autoclose)
				continue;
			log_info("registrar: assoc %u idle for %lld s, closing",
			    a->id, reg->cfg.autoclose);
			a->last_s = now; /* once, until the close is done */
			if (reg->io.shutdown != NULL)
				reg->io.shutdown(reg->io.arg, a->id);
			else if (reg->io.abort != NULL)
				reg->io.abort(reg->io.arg, a->id);
		}
	return reg->cfg.autoclose * 1000 / 4 + 1;
}

void
reg_assoc_msg(struct registrar *reg, uint32_t assoc, uint32_t ppid,
    const uint8_t *data, size_t len)
{
	if (ppid != RSP_PPID_ASAP) {
		/* RSPLIB aborts associations that mix protocols (1.3). */
		log_notice_limited(
		    "registrar: PPID %u on the ASAP socket (assoc %u), "
		    "aborting",
		    ppid, assoc);
		if (reg->io.abort != NULL)
			reg->io.abort(reg->io.arg, assoc);
		reg_assoc_drop(reg, assoc, "association aborted");
		return;
	}
	assoc_touch(reg, assoc);
	reg_stats_tick(reg);
	/* Served from the first moment, mentor phase or not: only the
	 * Server Announces wait for its end (4.5.1, as RSPLIB). */
	reg_asap_input(reg, assoc, data, len);
}

void
reg_assoc_lost(struct registrar *reg, uint32_t assoc)
{
	reg_takeover_retry(reg, assoc);
	reg_assoc_drop(reg, assoc, "association gone");
}

void
reg_assoc_up(struct registrar *reg, uint32_t assoc)
{
	assoc_touch(reg, assoc);
	reg_takeover_up(reg, assoc);
}

/* ---- the transport ---- */

static int
io_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	struct registrar *reg = arg;

	return tr_send(reg->ep, assoc, RSP_PPID_ASAP, 0, data, len);
}

static int
io_abort(void *arg, uint32_t assoc)
{
	struct registrar *reg = arg;

	return tr_abort(reg->ep, assoc);
}

static int
io_peer_addrs(void *arg, uint32_t assoc, struct addr_list *out)
{
	struct registrar *reg = arg;

	return tr_peer_addrs(reg->ep, assoc, out);
}

static int
io_connect(void *arg, const struct addr_list *to, uint32_t *assoc)
{
	struct registrar *reg = arg;

	return tr_connect(reg->ep, to, assoc);
}

static void
on_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct registrar *reg = arg;

	(void)ep;
	switch (ev->type) {
	case TR_EV_UP:
		log_debug(1, "registrar: assoc %u up", ev->assoc);
		reg_assoc_up(reg, ev->assoc);
		break;
	case TR_EV_MSG:
		reg_assoc_msg(reg, ev->assoc, ev->ppid, ev->data, ev->len);
		break;
	case TR_EV_CANT_START:
	case TR_EV_LOST:
	case TR_EV_SHUTDOWN:
		log_debug(1, "registrar: assoc %u %s", ev->assoc,
		    tr_event_name(ev->type));
		reg_assoc_lost(reg, ev->assoc);
		break;
	default:
		break;
	}
}

static int
enrp_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	struct registrar *reg = arg;

	return tr_send(reg->enrp_ep, assoc, RSP_PPID_ENRP, 0, data, len);
}

static int
enrp_abort(void *arg, uint32_t assoc)
{
	struct registrar *reg = arg;

	return tr_abort(reg->enrp_ep, assoc);
}

static int
enrp_connect(void *arg, const struct addr_list *to, uint32_t *assoc)
{
	struct registrar *reg = arg;

	return tr_connect(reg->enrp_ep, to, assoc);
}

static void
on_enrp_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct registrar *reg = arg;

	(void)ep;
	switch (ev->type) {
	case TR_EV_UP:
		reg_enrp_up(reg, ev->assoc);
		break;
	case TR_EV_MSG:
		reg_enrp_msg(reg, ev->assoc, ev->ppid, ev->data, ev->len);
		break;
	case TR_EV_LOST:
	case TR_EV_SHUTDOWN:
	case TR_EV_CANT_START:
		log_debug(1, "registrar: ENRP assoc %u %s", ev->assoc,
		    tr_event_name(ev->type));
		reg_enrp_lost(reg, ev->assoc);
		break;
	default:
		break;
	}
}

/* -disable-ipv6: an auto endpoint becomes the IPv4 wildcard. */
static void
ipv4_only(const struct registrar *reg, struct addr_list *al)
{
	struct sockaddr_in sin;

	if (!reg->cfg.disable_ipv6 || al->n != 0)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(al->port);
	addr_list_add(al, (const struct sockaddr *)&sin);
}

static int
io_shutdown(void *arg, uint32_t assoc)
{
	struct registrar *reg = arg;

	return reg->ep != NULL ? tr_shutdown(reg->ep, assoc) : -1;
}

static int
io_srtt(void *arg, uint32_t assoc)
{
	struct registrar *reg = arg;

	return reg->ep != NULL ? tr_srtt(reg->ep, assoc) : -1;
}

static int
enrp_srtt(void *arg, uint32_t assoc)
{
	struct registrar *reg = arg;

	return reg->enrp_ep != NULL ? tr_srtt(reg->enrp_ep, assoc) : -1;
}

static int
enrp_peer_addrs(void *arg, uint32_t assoc, struct addr_list *out)
{
	struct registrar *reg = arg;

	return tr_peer_addrs(reg->enrp_ep, assoc, out);
}

/* -enrp: listen for peers (PPID 12) and start the mentor phase. */
static int
reg_enrp_listen(struct registrar *reg, int kind)
{
	struct reg_enrp_io io = {enrp_send, enrp_abort, enrp_connect, reg, 0,
	    {0}, enrp_srtt, enrp_peer_addrs};
	char err[ADDR_ERR_LEN], buf[ADDR_FMT_LEN * 4];
	struct addr_list al;
	int on;

	if ((on = reg_enrp_parse(&reg->cfg, &al, err, sizeof(err))) == -1) {
		log_error("registrar: -enrp: %s", err);
		return -1;
	}
	if (on == 0)
		return 0;
	ipv4_only(reg, &al);
	reg->enrp_ep =
	    tr_ep_new(reg->loop, kind, &al, TR_LISTEN, on_enrp_event, reg);
	if (reg->enrp_ep == NULL) {
		log_error("registrar: cannot listen for ENRP on %s: %s",
		    reg->cfg.enrp, strerror(errno));
		return -1;
	}
	tr_ep_set_ppid(reg->enrp_ep, RSP_PPID_ENRP);
	io.ptype = RSP_PARAM_SCTP;
	if (tr_local_addrs(reg->enrp_ep, 0, &io.local) == -1)
		io.local = al;
	reg_set_enrp_io(reg, &io);
	log_notice("registrar: $%08x: ENRP listening on %s (%s)", reg->id,
	    addr_list_fmt(&io.local, buf, sizeof(buf)), tr_kind_name(kind));
	if (reg_enrp_mcast_on(reg, err, sizeof(err)) == -1) {
		log_error("registrar: -enrpannounce: %s", err);
		return -1;
	}
	if (reg_enrp_start(reg) == -1) {
		log_error("registrar: ENRP start: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
reg_listen(struct registrar *reg, int kind)
{
	struct reg_io io = {io_send, io_abort, io_peer_addrs, reg, 0,
	    io_connect, io_srtt, io_shutdown};
	char err[ADDR_ERR_LEN], buf[ADDR_FMT_LEN * 4];
	struct addr_list al;

	if (addr_list_parse(&al, reg->cfg.asap, REG_ASAP_AUTO_PORT,
	        ADDR_PORT_ZERO_OK | ADDR_AUTO_OK, err, sizeof(err)) == -1) {
		log_error("registrar: -asap: %s", err);
		return -1;
	}
	ipv4_only(reg, &al);
	reg->kind = kind;
	reg->ep = tr_ep_new(reg->loop, kind, &al, TR_LISTEN, on_event, reg);
	if (reg->ep == NULL) {
		log_error("registrar: cannot listen for ASAP on %s: %s",
		    reg->cfg.asap, strerror(errno));
		return -1;
	}
	io.ptype = tr_param_for_kind(kind);
	reg_set_io(reg, &io);
#ifdef RSP_TLS
	if (reg_tls_listen(reg) == -1)
		return -1;
#endif
	if (tr_local_addrs(reg->ep, 0, &reg->asap) == -1)
		reg->asap = al;
	log_notice("registrar: $%08x: ASAP listening on %s (%s)", reg->id,
	    addr_list_fmt(&reg->asap, buf, sizeof(buf)), tr_kind_name(kind));
	if (reg_enrp_listen(reg, kind) == -1)
		return -1;
	if (!reg_in_startup(reg) &&
	    reg_announce_start(reg, err, sizeof(err)) == -1) {
		log_error("registrar: -asapannounce: %s", err);
		return -1;
	}
	if (reg_actionlog_open(reg) == -1) {
		log_error("registrar: -actionlogfile=%s: %s",
		    reg->cfg.actionlog, strerror(errno));
		return -1;
	}
	if (reg_stats_start(reg) == -1) {
		log_error("registrar: -statsfile=%s: %s",
		    reg->cfg.statsfile ? reg->cfg.statsfile : "",
		    strerror(errno));
		return -1;
	}
	return 0;
}
