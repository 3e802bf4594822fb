/*
 * The registrar's ASAP message handling (docs/wire.md 3.4, RFC 5352 s.3):
 * one handler per message type a PR receives, found in one table.
 *
 * Refusal causes are RFC 5354 codes only.  Where RSPLIB sends its own
 * numbers we send: 0xf007 (no usable ASAP address) and 0xf008 (no
 * usable user address) -> 0x0003 "invalid values"; 0x100a (user
 * transport protocol differs) -> 0x0007 (hs_register's causes).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/registrar/acl.h"
#include "core/registrar/internal.h"

typedef void reg_handler(
    struct registrar *reg, uint32_t assoc, const struct rsp_msg *m);

/* ---- answers ---- */

static void
send_asap_error(struct registrar *reg, uint32_t assoc, uint16_t code,
    const uint8_t *data, size_t len)
{
	struct rsp_cause c = {code, {0, NULL}};
	struct rsp_msg m;

	if (len > 0xffff - 64)
		len = 0xffff - 64;
	c.data.len = (uint16_t)len;
	c.data.data = data;
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_ERROR);
	m.present = RSP_HAS_ERROR;
	m.error.ncauses = 1;
	m.error.causes = &c;
	reg_send(reg, assoc, &m);
}

/*
 * The skip-and-report parameters of one message, in one ASAP_ERROR with
 * a cause each (RFC 5354 3.12: an Operation Error carries a list of
 * causes; docs/wire.md 2.3).  One answer per message whatever it
 * carries: a message with 10,000 such parameters must not bring back
 * 10,000 messages.  Causes that would not fit one message are dropped.
 */
static void
report_unknown(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m)
{
	struct rsp_cause *c;
	struct rsp_msg e;
	size_t room = RSP_MSG_MAX - 64, need;
	uint16_t i, n = 0;

	if (m->nunknown == 0)
		return;
	if ((c = calloc(m->nunknown, sizeof(*c))) == NULL)
		return;
	for (i = 0; i < m->nunknown; i++) {
		need = 4 + ((m->unknown[i].len + 3u) & ~3u);
		if (need > room)
			break;
		room -= need;
		c[n].code = RSP_CAUSE_UNRECOGNIZED_PARAM;
		c[n++].data = m->unknown[i];
	}
	if (n < m->nunknown)
		log_info_limited("registrar: assoc %u: %u unrecognized "
		                 "parameters, %u reported",
		    assoc, m->nunknown, n);
	rsp_msg_init(&e, RSP_PROTO_ASAP, ASAP_ERROR);
	e.present = RSP_HAS_ERROR;
	e.error.ncauses = n;
	e.error.causes = c;
	if (n > 0)
		reg_send(reg, assoc, &e);
	free(c);
}

static void
send_reg_response(struct registrar *reg, uint32_t assoc, int type,
    const struct rsp_msg *req, uint32_t pe_id, uint16_t cause)
{
	struct rsp_cause c = {cause, {0, NULL}};
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ASAP, type);
	m.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
	m.handle = req->handle;
	m.pe_id = pe_id;
	if (cause != 0) {
		if (type == ASAP_REGISTRATION_RESPONSE)
			m.flags = ASAP_FLAG_R;
		m.present |= RSP_HAS_ERROR;
		m.error.ncauses = 1;
		m.error.causes = &c;
	}
	reg_send(reg, assoc, &m);
}

/* ---- registration (3.4.1) ---- */

struct reg_addrs {
	struct addr_list peer; /* association's peer addresses, >= scope */
	struct rsp_addr asap[RSP_ADDRS_MAX];
	struct rsp_addr user[RSP_ADDRS_MAX];
	int nasap, nuser;
};

static int
peer_has(const struct addr_list *peer, const struct sockaddr *sa)
{
	int i;

	for (i = 0; i < peer->n; i++)
		if (addr_equal_host((const struct sockaddr *)&peer->a[i], sa))
			return 1;
	return 0;
}

/*
 * The ASAP transport from the association's peer addresses and the
 * user transport filtered to those addresses, both at least the minimum
 * scope (RSPLIB's rules 2 and 3).  0, or the cause to refuse with.
 */
static uint16_t
filter_addrs(struct registrar *reg, uint32_t assoc, const struct rsp_pe *pe,
    struct reg_addrs *ra)
{
	struct sockaddr_storage ss;
	int i;

	if (reg->io.peer_addrs == NULL ||
	    reg->io.peer_addrs(reg->io.arg, assoc, &ra->peer) == -1) {
		log_warning_limited("registrar: peer addresses of assoc %u: %s",
		    assoc, strerror(errno));
		return RSP_CAUSE_UNSPECIFIED;
	}
	addr_list_filter_scope(&ra->peer, reg->minscope);
	ra->nasap = ra->nuser = 0;
	for (i = 0; i < ra->peer.n && ra->nasap < RSP_ADDRS_MAX; i++)
		if (addr_to_rsp((struct sockaddr *)&ra->peer.a[i],
		        &ra->asap[ra->nasap]) == 0)
			ra->nasap++;
	if (ra->nasap == 0)
		return RSP_CAUSE_INVALID_VALUES; /* RSPLIB 0xf007 */
	for (i = 0; i < pe->user.naddrs; i++) {
		if (addr_from_rsp(&pe->user.addrs[i], 0, &ss) == -1 ||
		    !peer_has(&ra->peer, (struct sockaddr *)&ss))
			continue;
		ra->user[ra->nuser++] = pe->user.addrs[i];
	}
	if (ra->nuser == 0)
		return RSP_CAUSE_INVALID_VALUES; /* RSPLIB 0xf008 */
	if (ra->nuser < pe->user.naddrs)
		log_info("registrar: PE $%08x: %d of %u user addresses "
		         "dropped (not on the association or below %s scope)",
		    pe->id, pe->user.naddrs - ra->nuser, pe->user.naddrs,
		    addr_scope_name(reg->minscope));
	return 0;
}

/* One of the PE's user addresses is among ra's (a PE that moves keeps
 * its host's address; another host cannot offer it: filter_addrs). */
static int
shares_user_addr(const struct hs_pe *hpe, const struct reg_addrs *ra)
{
	struct rsp_addr addrs[2 * RSP_ADDRS_MAX];
	struct rsp_pe old;
	int i, j;

	hs_pe_export(hpe, &old, addrs, 2 * RSP_ADDRS_MAX);
	for (i = 0; i < old.user.naddrs; i++)
		for (j = 0; j < ra->nuser; j++)
			if (old.user.addrs[i].family == ra->user[j].family &&
			    memcmp(old.user.addrs[i].a, ra->user[j].a,
			        sizeof(ra->user[j].a)) == 0)
				return 1;
	return 0;
}

/*
 * RFC 5355 2.3: a PE registers only for itself.  A PE ID that is live
 * here stays with the association that registered it until that
 * association goes (then the PE goes with it, and the ID is free: how a
 * restarted PE comes back).  A PE homed at a peer, or one we took over
 * that has not yet acknowledged us, moves here only from an address it
 * already had: its home registrar died and it hunted us.  0, or
 * 0x0004 (non-unique PE identifier).
 */
static uint16_t
id_owner_check(
    uint32_t assoc, const struct hs_pe *hpe, const struct reg_addrs *ra)
{
	const struct reg_pe *pe;

	if (hpe == NULL)
		return 0;
	pe = hs_pe_ext(hpe);
	if (pe->ours && pe->assoc == assoc)
		return 0;
	if (pe->ours && pe->adopt == REG_ADOPT_NONE)
		return RSP_CAUSE_NONUNIQUE_PE_ID;
	return shares_user_addr(hpe, ra) ? 0 : RSP_CAUSE_NONUNIQUE_PE_ID;
}

/*
 * -maxregistrationrate, -maxpesperassociation, -maxpes (issue 16: one
 * association registered 1,000 PEs with random IDs in under a second).
 * A re-registration counts against the rate only.  hpe: the PE as
 * registered now, if it is.  0, or 0x0006.
 */
static uint16_t
limits_check(struct registrar *reg, uint32_t assoc, const struct hs_pe *hpe)
{
	const struct reg_pe *pe = hpe != NULL ? hs_pe_ext(hpe) : NULL;
	struct reg_assoc *a = reg_assoc_get(reg, assoc);
	const struct reg_config *cfg = &reg->cfg;

	if (a != NULL && !reg_bucket_take(reg, &a->rg, cfg->max_reg_rate)) {
		reg->count.rate_limited[REG_RATE_REGISTRATION]++;
		return RSP_CAUSE_LACK_OF_RESOURCES;
	}
	if (pe != NULL && pe->ours && pe->assoc == assoc)
		return 0;
	if (a != NULL && cfg->max_pes_assoc > 0 &&
	    a->npes >= (uint64_t)cfg->max_pes_assoc)
		return RSP_CAUSE_LACK_OF_RESOURCES;
	if (hpe == NULL && cfg->max_pes > 0 &&
	    hs_pe_total(reg->hs) >= (size_t)cfg->max_pes)
		return RSP_CAUSE_LACK_OF_RESOURCES;
	return 0;
}

/* -acl: one of the association's addresses may do op (for pool h).
 * No list: everyone may. */
static int
acl_ok(struct registrar *reg, enum acl_op op, uint32_t assoc,
    const struct addr_list *known, const struct rsp_handle *h)
{
	struct addr_list al;
	char hs[2 * RSP_HANDLE_MAX + 3], buf[ADDR_FMT_LEN] = "?";
	int i;

	if (reg->acl == NULL)
		return 1;
	if (known == NULL) {
		memset(&al, 0, sizeof(al));
		if (reg->io.peer_addrs == NULL ||
		    reg->io.peer_addrs(reg->io.arg, assoc, &al) == -1)
			return 0;
		known = &al;
	}
	for (i = 0; i < known->n; i++)
		if (acl_allows(
		        reg->acl, op, (const struct sockaddr *)&known->a[i], h))
			return 1;
	reg->count.acl_denied[op]++;
	rsp_handle_str(h, hs, sizeof(hs));
	if (known->n > 0)
		addr_fmt_host(
		    (const struct sockaddr *)&known->a[0], buf, sizeof(buf));
	log_notice_limited("registrar: -acl: %s of pool %s from %s (assoc %u) "
	                   "denied",
	    acl_op_name(op), hs, buf, assoc);
	return 0;
}

/* The PE as the handlespace will keep it. */
static void
build_pe(struct registrar *reg, const struct rsp_pe *in, struct reg_addrs *ra,
    struct rsp_pe *pe)
{
	*pe = *in;
	pe->home = reg->id;
	pe->user.addrs = ra->user;
	pe->user.naddrs = (uint16_t)ra->nuser;
	pe->has_asap = reg->io.ptype == RSP_PARAM_SCTP;
	memset(&pe->asap, 0, sizeof(pe->asap));
	if (pe->has_asap) {
		pe->asap.ptype = RSP_PARAM_SCTP;
		pe->asap.port = ra->peer.port;
		pe->asap.use = RSP_TRANSPORT_DATA_ONLY;
		pe->asap.naddrs = (uint16_t)ra->nasap;
		pe->asap.addrs = ra->asap;
	}
}

#ifndef RSP_TLS
#define reg_tls_check(reg, assoc, h)        0 /* no TLS: nothing to check */
#define reg_tls_same_owner(reg, assoc, hpe) 0 /* owner: the association */
#endif

/* A refused registration or deregistration: counted by cause (the
 * statistics), logged (rate-limited: the refused may be flooding),
 * answered with the cause. */
static void
refuse(struct registrar *reg, uint32_t assoc, int type, const struct rsp_msg *m,
    uint32_t id, uint16_t cause)
{
	char hs[2 * RSP_HANDLE_MAX + 3];

	reg->count.refused[cause <= RSP_CAUSE_SECURITY ? cause : 0]++;
	rsp_handle_str(&m->handle, hs, sizeof(hs));
	log_notice_limited(
	    "registrar: %s of PE $%08x in pool %s (assoc %u) refused: "
	    "%s (0x%04x)",
	    type == ASAP_REGISTRATION_RESPONSE ? "registration"
	                                       : "deregistration",
	    id, hs, assoc, rsp_cause_name(cause), cause);
	send_reg_response(reg, assoc, type, m, id, cause);
}

static void
on_registration(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m)
{
	const struct hs_pe *hpe;
	struct reg_addrs ra;
	struct rsp_pe pe;
	struct reg_pe *rpe;
	char hs[2 * RSP_HANDLE_MAX + 3] = "";
	uint16_t cause;
	int r;

	if (m->npes != 1) {
		refuse(reg, assoc, ASAP_REGISTRATION_RESPONSE, m, 0,
		    RSP_CAUSE_INVALID_VALUES);
		return;
	}
	hpe = hs_find_pe(reg->hs, &m->handle, m->pes[0].id);
	if ((cause = limits_check(reg, assoc, hpe)) == 0 &&
	    (cause = filter_addrs(reg, assoc, &m->pes[0], &ra)) == 0 &&
	    (cause = acl_ok(reg, ACL_REGISTER, assoc, &ra.peer, &m->handle)
	                 ? 0
	                 : RSP_CAUSE_SECURITY) == 0 &&
	    (cause = reg_tls_check(reg, assoc, &m->handle)) == 0 &&
	    (cause = reg_tls_same_owner(reg, assoc, hpe)
	                 ? 0
	                 : id_owner_check(assoc, hpe, &ra)) == 0) {
		build_pe(reg, &m->pes[0], &ra, &pe);
		if (reg_distance_index(&pe.policy) != -1)
			reg_distance(reg, &pe.policy,
			    reg->io.srtt ? reg->io.srtt(reg->io.arg, assoc)
			                 : -1,
			    0);
		r = hs_register(
		    reg->hs, &m->handle, &pe, ev_now_ms(reg->loop), &cause);
	} else
		r = -1;
	if (r == -1) {
		refuse(reg, assoc, ASAP_REGISTRATION_RESPONSE, m, m->pes[0].id,
		    cause);
		return;
	}
	if ((rpe = reg_pe_add(reg, &m->handle, pe.id, assoc)) == NULL) {
		hs_deregister(reg->hs, &m->handle, pe.id);
		refuse(reg, assoc, ASAP_REGISTRATION_RESPONSE, m, pe.id,
		    RSP_CAUSE_LACK_OF_RESOURCES);
		return;
	}
	reg->count.registrations++;
	if (r != HS_ADDED)
		reg->count.reregistrations++;
	if (log_enabled(LOG_LVL_INFO)) /* a hot path: only to log it */
		rsp_handle_str(&m->handle, hs, sizeof(hs));
	log_info("registrar: %s PE $%08x in pool %s (assoc %u, life %u ms)",
	    r == HS_ADDED ? "registered" : "re-registered", pe.id, hs, assoc,
	    pe.life);
	reg_pe_ka_transition(reg, rpe, REG_KA_IDLE);
	reg_expiry_arm(reg);
	send_reg_response(reg, assoc, ASAP_REGISTRATION_RESPONSE, m, pe.id, 0);
	reg_enrp_update(reg, ENRP_ADD_PE, &m->handle, pe.id);
}

/* ---- deregistration (3.4.2) ---- */

/* Only the association that registered a PE deregisters it (RFC 5355
 * 2.3: PE IDs are public in every resolution); in the TLS build also
 * another association of the same TLS identity (reg_tls_same_owner). */
static int
dereg_allowed(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m)
{
	const struct hs_pe *hpe = hs_find_pe(reg->hs, &m->handle, m->pe_id);
	const struct reg_pe *pe;

	if (hpe == NULL)
		return 1;
	pe = hs_pe_ext(hpe);
	return pe->ours &&
	       (pe->assoc == assoc || reg_tls_same_owner(reg, assoc, hpe));
}

static void
on_deregistration(
    struct registrar *reg, uint32_t assoc, const struct rsp_msg *m)
{
	char hs[2 * RSP_HANDLE_MAX + 3] = "";

	if (!dereg_allowed(reg, assoc, m)) {
		refuse(reg, assoc, ASAP_DEREGISTRATION_RESPONSE, m, m->pe_id,
		    RSP_CAUSE_SECURITY);
		return;
	}
	if (log_enabled(LOG_LVL_INFO))
		rsp_handle_str(&m->handle, hs, sizeof(hs));
	reg_enrp_update(reg, ENRP_DEL_PE, &m->handle, m->pe_id);
	/* Unknown PEs are answered with success, as RSPLIB does. */
	if (hs_deregister(reg->hs, &m->handle, m->pe_id) == 0) {
		reg->count.deregistrations++;
		log_info("registrar: deregistered PE $%08x of pool %s "
		         "(assoc %u)",
		    m->pe_id, hs, assoc);
	} else
		log_debug(1,
		    "registrar: deregistration of unknown PE $%08x "
		    "of pool %s",
		    m->pe_id, hs);
	reg_expiry_arm(reg);
	send_reg_response(
	    reg, assoc, ASAP_DEREGISTRATION_RESPONSE, m, m->pe_id, 0);
}

/* ---- handle resolution (3.4.3) ---- */

static void
send_hr_failure(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m,
    uint16_t cause)
{
	struct rsp_cause c = {cause, {0, NULL}};
	struct rsp_msg r;

	rsp_msg_init(&r, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION_RESPONSE);
	r.present = RSP_HAS_HANDLE | RSP_HAS_ERROR;
	r.handle = m->handle;
	r.error.ncauses = 1;
	r.error.causes = &c;
	reg_send(reg, assoc, &r);
}

static unsigned
hr_items(const struct registrar *reg, const struct rsp_msg *m)
{
	uint32_t n = 0;

	if (m->present & RSP_HAS_HR_OPTION)
		n = m->hr_items;
	if (n == 0)
		n = (uint32_t)reg->cfg.max_hr_items;
	return n > HS_SELECT_MAX ? HS_SELECT_MAX : n;
}

static void
on_handle_resolution(
    struct registrar *reg, uint32_t assoc, const struct rsp_msg *m)
{
	const struct hs_pe *sel[HS_SELECT_MAX];
	struct reg_assoc *a = reg_assoc_get(reg, assoc);
	struct rsp_addr *addrs = reg->hr_addrs;
	struct rsp_msg r;
	char hs[2 * RSP_HANDLE_MAX + 3] = "";
	int i, n;

	reg->count.resolutions++;
	if (log_enabled(LOG_LVL_VERBOSE1)) /* a hot path: only to log it */
		rsp_handle_str(&m->handle, hs, sizeof(hs));
	if (a != NULL && !reg_bucket_take(reg, &a->hr, reg->cfg.max_hr_rate)) {
		reg->count.rate_limited[REG_RATE_RESOLUTION]++;
		log_debug(1,
		    "registrar: handle resolution rate limit on "
		    "assoc %u",
		    assoc);
		send_hr_failure(reg, assoc, m, RSP_CAUSE_UNKNOWN_POOL_HANDLE);
		return;
	}
	if (!acl_ok(reg, ACL_RESOLVE, assoc, NULL, &m->handle)) {
		send_hr_failure(reg, assoc, m, RSP_CAUSE_SECURITY);
		return;
	}
	n = hs_select(reg->hs, &m->handle, hr_items(reg, m),
	    (unsigned)reg->cfg.max_increment, sel);
	if (n <= 0) {
		log_debug(
		    1, "registrar: handle resolution of unknown pool %s", hs);
		send_hr_failure(reg, assoc, m, RSP_CAUSE_UNKNOWN_POOL_HANDLE);
		return;
	}
	rsp_msg_init(&r, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION_RESPONSE);
	r.present = RSP_HAS_HANDLE | RSP_HAS_POLICY;
	r.handle = m->handle;
	hs_pe_policy(sel[0], &r.policy);
	for (i = 0; i < n; i++) {
		hs_pe_export(sel[i], &reg->hr_pes[i], addrs, 2 * RSP_ADDRS_MAX);
		reg->hr_pes[i].has_asap = 0;
		addrs += 2 * RSP_ADDRS_MAX;
	}
	r.npes = (uint16_t)n;
	r.pes = reg->hr_pes;
	log_debug(1, "registrar: handle resolution of pool %s: %d PEs", hs, n);
	reg_send(reg, assoc, &r);
}

/* ---- keep-alive ack (3.4.4) and unreachable (3.4.5) ---- */

static void
on_ka_ack(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m)
{
	struct reg_pe *pe = reg_pe_find(reg, &m->handle, m->pe_id);
	struct reg_action a = {"Recv", "ASAP", "EndpointKeepAliveAck", "InTime",
	    m->flags, 0, 0, &m->handle, m->pe_id, 0, reg->id, 0, 0};

	if (pe == NULL || pe->assoc != assoc) {
		a.reason = "TooLateAlreadyRemoved";
		reg_action(reg, &a);
		log_debug(1, "registrar: keep-alive ack for unknown PE $%08x",
		    m->pe_id);
		return;
	}
	if (pe->ka == REG_KA_WAIT_ACK) /* due: the send + the timeout */
		a.time_s = (double)(reg->cfg.ka_timeout -
		                    (int32_t)(pe->due -
		                              (uint32_t)ev_now_ms(reg->loop))) /
		           1000.0;
	reg_action(reg, &a);
	if (pe->adopt != REG_ADOPT_NONE)
		log_info("registrar: PE $%08x accepted us as its home PR "
		         "(assoc %u)",
		    m->pe_id, assoc);
	pe->adopt = REG_ADOPT_NONE;
	if (hs_pe_unreachable(reg_pe_hs(pe)) >=
	    (unsigned)reg->cfg.max_bad_reports)
		log_info_limited("registrar: PE $%08x answered: its "
		                 "unreachability reports are dismissed",
		    m->pe_id);
	hs_clear_unreachable(reg->hs, &m->handle, m->pe_id);
	reg_pe_ka_transition(reg, pe, REG_KA_IDLE);
}

/*
 * MAX-BAD-PE-REPORT reached (RFC 5352 3.5): RSPLIB removes the PE, so
 * one pool user could remove any live PE (its ID is public).  We ask
 * instead: a home PE gets an Endpoint Keep-Alive at once and goes only
 * if it does not answer within -endpointkeepalivetimeoutinterval (its
 * association is then aborted, as for any missed keep-alive); an answer
 * clears its reports.  A PE homed at a peer is left to its home
 * registrar's keep-alives.
 */
static void
unreachable_reached(
    struct registrar *reg, const struct rsp_handle *h, uint32_t id, unsigned n)
{
	struct reg_pe *pe = reg_pe_find(reg, h, id);
	char hs[2 * RSP_HANDLE_MAX + 3];

	rsp_handle_str(h, hs, sizeof(hs));
	if (pe == NULL) {
		log_info_limited("registrar: PE $%08x of pool %s: %u "
		                 "unreachability reports; its home registrar "
		                 "checks it",
		    id, hs, n);
		return;
	}
	if ((pe->ka == REG_KA_WAIT_ACK || pe->ka == REG_KA_SEND) && pe->queued)
		return; /* a keep-alive is out (or waits for room) already */
	log_info_limited("registrar: PE $%08x of pool %s: %u unreachability "
	                 "reports, asking it (keep-alive)",
	    id, hs, n);
	reg_pe_ka_start(reg, pe);
}

static void
on_unreachable(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m)
{
	struct reg_assoc *a = reg_assoc_get(reg, assoc);
	const struct hs_pe *hpe;
	unsigned n;

	if (a != NULL && !reg_bucket_take(reg, &a->eu, reg->cfg.max_eu_rate)) {
		reg->count.rate_limited[REG_RATE_UNREACHABLE]++;
		log_debug(
		    1, "registrar: unreachable rate limit on assoc %u", assoc);
		return;
	}
	reg->count.failure_reports++;
	hpe = hs_find_pe(reg->hs, &m->handle, m->pe_id);
	if (reg->actionlog != NULL) {
		struct reg_action ea = {"Recv", "ASAP", "EndpointUnreachable",
		    "", m->flags, hpe ? hs_pe_unreachable(hpe) : 0, 0,
		    &m->handle, m->pe_id, 0, reg->id, 0, 0};

		reg_action(reg, &ea);
	}
	if (hpe == NULL) {
		log_debug(1,
		    "registrar: unreachable report for unknown PE "
		    "$%08x",
		    m->pe_id);
		return;
	}
	/* counted only: the removal is ours to decide */
	hs_report_unreachable(reg->hs, &m->handle, m->pe_id, UINT_MAX);
	n = hs_pe_unreachable(hpe);
	log_debug(
	    1, "registrar: PE $%08x reported unreachable (%u)", m->pe_id, n);
	if (n >= (unsigned)reg->cfg.max_bad_reports)
		unreachable_reached(reg, &m->handle, m->pe_id, n);
}

/* ---- dispatch ---- */

static const struct {
	uint8_t type;
	reg_handler *fn;
} asap_handlers[] = {
    {ASAP_REGISTRATION, on_registration},
    {ASAP_DEREGISTRATION, on_deregistration},
    {ASAP_HANDLE_RESOLUTION, on_handle_resolution},
    {ASAP_ENDPOINT_KEEP_ALIVE_ACK, on_ka_ack},
    {ASAP_ENDPOINT_UNREACHABLE, on_unreachable},
};

static void
decode_failed(struct registrar *reg, uint32_t assoc, const uint8_t *data,
    size_t len, const struct rsp_decode_error *err)
{
	const uint8_t *cd = NULL;
	size_t cl = 0;
	char s[160];

	reg->count.bad_msgs[0][REG_BAD_MALFORMED]++;
	rsp_decode_error_str(err, s, sizeof(s));
	log_notice_limited(
	    "registrar: bad ASAP message on assoc %u: %s", assoc, s);
	if (!err->report)
		return;
	if (err->tlv_len > 0 && (size_t)err->tlv_offset + err->tlv_len <= len) {
		cd = data + err->tlv_offset;
		cl = err->tlv_len;
	} else if (err->cause == RSP_CAUSE_UNRECOGNIZED_MSG) {
		cd = data; /* RFC 5354 3.12: the unrecognized message */
		cl = len;
	}
	send_asap_error(reg, assoc, err->cause, cd, cl);
}

void
reg_asap_input(
    struct registrar *reg, uint32_t assoc, const uint8_t *data, size_t len)
{
	struct rsp_decode_error err;
	struct rsp_msg m;
	size_t i;

	if (rsp_msg_decode(RSP_PROTO_ASAP, data, len, &m, &err) == -1) {
		decode_failed(reg, assoc, data, len, &err);
		return;
	}
	report_unknown(reg, assoc, &m);
	/* Keep-Alive Acks and unreachable reports: logged by their
	 * handlers, with what only they know. */
	if (m.type != ASAP_ENDPOINT_KEEP_ALIVE_ACK &&
	    m.type != ASAP_ENDPOINT_UNREACHABLE)
		reg_action_msg(reg, "Recv", "ASAP", &m);
	for (i = 0; i < sizeof(asap_handlers) / sizeof(asap_handlers[0]); i++)
		if (asap_handlers[i].type == m.type) {
			asap_handlers[i].fn(reg, assoc, &m);
			break;
		}
	if (i == sizeof(asap_handlers) / sizeof(asap_handlers[0])) {
		reg->count.bad_msgs[0][REG_BAD_UNEXPECTED]++;
		log_notice_limited(
		    "registrar: unexpected %s on assoc %u, ignored",
		    rsp_msg_name(RSP_PROTO_ASAP, m.type), assoc);
	}
	rsp_msg_free(&m);
}
