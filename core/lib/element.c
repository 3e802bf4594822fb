/*
 * Pool element side of ASAP (docs/wire.md 3.4.1, 3.4.2, 3.4.4, 10.2):
 * registration through the registrar channel, re-registration every
 * rereg_ms with a life of 3 x rereg_ms, keep-alive answers,
 * deregistration.  The state machine's transition function pe_state()
 * owns the re-registration timer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/lib/internal.h"
#include "core/rand.h"
#include "core/transport/transport.h"
#include "proto/wire.h"

#define PE_REREG_DEFAULT 30000

enum pe_state {
	PE_HUNTING = 0,   /* no registrar association */
	PE_REGISTERING,   /* registration sent */
	PE_REGISTERED,    /* waiting for the next re-registration */
	PE_DEREGISTERING, /* deregistration sent */
	PE_LOOKUP,        /* refused for its policy: asking the pool's */
	PE_DONE,          /* deregistered or refused */
};

struct rsp_element {
	struct ev_loop *loop;
	rsp_event_cb *cb;
	void *arg;
	struct lib_reg reg;
	struct tr_ep *ep; /* user transport, listening; NULL: user_addrs */
	int kind;         /* of the registrar associations */
	int user_kind;    /* of the user transport */
	int data_only;    /* its use: no ASAP control channel */
	struct addr_list local;
	uint16_t port;
	struct rsp_handle handle;
	struct rsp_policy policy;
	uint32_t id;
	long long rereg_ms;
	enum pe_state state;
	uint64_t timer;
	int registered_once;
	int load_changed; /* set_load while a registration was on the way */
	uint16_t refusal; /* PE_LOOKUP: the registrar's cause */
	struct rsp_counters *counters; /* the application's, or NULL */
};

static void
pe_emit_detail(struct rsp_element *e, enum rsp_event_type type, int error,
    unsigned cause, const char *detail)
{
	struct rsp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.pe_id = e->id;
	ev.error = error;
	ev.cause = cause;
	ev.detail = detail;
	lib_deliver(e->counters, e->cb, &ev, e->arg);
}

static void
pe_emit(struct rsp_element *e, enum rsp_event_type type, int error)
{
	pe_emit_detail(e, type, error, 0, NULL);
}

static int64_t pe_timer_cb(struct ev_loop *loop, uint64_t id, void *arg);

/* The transition function: the only place the timer changes. */
static void
pe_state(struct rsp_element *e, enum pe_state st)
{
	if (e->timer != EV_TIMER_NONE)
		ev_timer_cancel(e->loop, e->timer);
	e->timer = EV_TIMER_NONE;
	e->state = st;
	if (st == PE_REGISTERED)
		e->timer = ev_timer_add(e->loop, e->rereg_ms, pe_timer_cb, e);
}

/* The user transport: -local's addresses, else the local addresses of
 * the registrar association (which the registrar checks against). */
static int
pe_user_addrs(struct rsp_element *e, struct addr_list *al)
{
	int i;

	if (e->local.n > 0 &&
	    !addr_is_unspecified((struct sockaddr *)&e->local.a[0])) {
		*al = e->local;
	} else if (lib_reg_local_addrs(&e->reg, al) == -1)
		return -1;
	al->port = e->port;
	for (i = 0; i < al->n; i++)
		addr_set_port((struct sockaddr *)&al->a[i], e->port);
	return 0;
}

static int
pe_send_registration(struct rsp_element *e)
{
	struct rsp_addr addrs[ADDR_MAX];
	struct addr_list al;
	struct rsp_msg m;
	struct rsp_pe pe;
	int i, n = 0;

	if (pe_user_addrs(e, &al) == -1)
		return -1;
	for (i = 0; i < al.n && n < RSP_ADDRS_MAX; i++)
		if (addr_to_rsp((struct sockaddr *)&al.a[i], &addrs[n]) == 0)
			n++;
	memset(&pe, 0, sizeof(pe));
	pe.id = e->id;
	pe.life = (uint32_t)(3 * e->rereg_ms);
	pe.user.ptype = tr_param_for_kind(e->user_kind);
	pe.user.port = e->port;
	pe.user.use =
	    e->data_only ? RSP_TRANSPORT_DATA_ONLY : RSP_TRANSPORT_DATA_CONTROL;
	pe.user.naddrs = (uint16_t)n;
	pe.user.addrs = addrs;
	pe.policy = e->policy;
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_REGISTRATION);
	m.present = RSP_HAS_HANDLE;
	m.handle = e->handle;
	m.npes = 1;
	m.pes = &pe;
	return lib_reg_send(&e->reg, &m, 1);
}

static void
pe_register(struct rsp_element *e)
{
	if (e->reg.state != LIB_REG_READY) {
		pe_state(e, PE_HUNTING);
		lib_reg_start(&e->reg);
		return;
	}
	if (pe_send_registration(e) == -1) {
		pe_state(e, PE_HUNTING);
		return;
	}
	pe_state(e, PE_REGISTERING);
}

static int64_t
pe_timer_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct rsp_element *e = arg;

	(void)loop;
	(void)id;
	e->timer = EV_TIMER_NONE;
	if (e->state == PE_REGISTERED)
		pe_register(e);
	return EV_NOMORE;
}

static void
pe_ka_ack(struct rsp_element *e, const struct rsp_msg *ka)
{
	struct rsp_msg m;

	if ((ka->present & RSP_HAS_HANDLE) &&
	    (ka->handle.len != e->handle.len ||
	        memcmp(ka->handle.bytes, e->handle.bytes, e->handle.len)))
		return;
	if ((ka->present & RSP_HAS_PE_ID) && ka->pe_id != e->id)
		return;
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_ENDPOINT_KEEP_ALIVE_ACK);
	m.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
	m.handle = e->handle;
	m.pe_id = e->id;
	lib_reg_send(&e->reg, &m, 0);
}

/* A policy as -policy= takes it ("LeastUsed"), else in hex. */
static const char *
pe_policy_str(uint32_t type)
{
	const struct rsp_policy_info *pi = rsp_policy_info(type);
	static char hex[24];

	if (pi != NULL)
		return pi->rsplib;
	snprintf(hex, sizeof(hex), "policy 0x%08x", type);
	return hex;
}

/* Refused for good: the cause in words with the values concerned;
 * pool_policy the pool's policy type when a lookup found it, else -1. */
static void
pe_refused(struct rsp_element *e, uint16_t cause, long long pool_policy)
{
	char d[400], pool[2 * RSP_HANDLE_MAX + 3], a[ADDR_FMT_LEN * 2];
	struct addr_list al;
	const char *mine = pe_policy_str(e->policy.type);

	rsp_handle_str(&e->handle, pool, sizeof(pool));
	if (cause == RSP_CAUSE_INCONSISTENT_POLICY && pool_policy >= 0)
		snprintf(d, sizeof(d), "pool %s uses %s, this PE asked for %s",
		    pool, pe_policy_str((uint32_t)pool_policy), mine);
	else if (cause == RSP_CAUSE_INCONSISTENT_POLICY)
		snprintf(d, sizeof(d),
		    "pool %s uses another policy than this PE's %s", pool,
		    mine);
	else if (cause == RSP_CAUSE_INCONSISTENT_TRANSPORT)
		snprintf(d, sizeof(d),
		    "pool %s uses another transport than this PE's %s", pool,
		    tr_kind_name(e->kind));
	else if (cause == RSP_CAUSE_NONUNIQUE_PE_ID)
		snprintf(d, sizeof(d), "PE ID $%08x is taken in pool %s", e->id,
		    pool);
	else if (cause == RSP_CAUSE_INVALID_VALUES || cause == 0xf008)
		snprintf(d, sizeof(d),
		    "PE $%08x of pool %s at %s: a value is invalid, or the "
		    "addresses are below the registrar's -minaddressscope",
		    e->id, pool,
		    pe_user_addrs(e, &al) == 0
		        ? addr_list_fmt(&al, a, sizeof(a))
		        : "no address");
	else
		snprintf(d, sizeof(d), "PE $%08x in pool %s", e->id, pool);
	pe_state(e, PE_DONE);
	pe_emit_detail(e, RSP_EV_REG_FAILED, RSP_EREFUSED, cause, d);
}

/* A policy refusal names the pool's policy: ask the registrar for it
 * (RSPLIB's registrar sends no cause-specific data). */
static void
pe_refusal(struct rsp_element *e, uint16_t cause)
{
	struct rsp_msg m;

	if (cause == RSP_CAUSE_INCONSISTENT_POLICY) {
		lib_pu_hr(&m, &e->handle);
		if (lib_reg_send(&e->reg, &m, 1) == 0) {
			pe_state(e, PE_LOOKUP);
			e->refusal = cause;
			return;
		}
	}
	pe_refused(e, cause, -1);
}

static void
pe_reg_msg(struct rsp_element *e, const struct rsp_msg *m)
{
	switch (m->type) {
	case ASAP_HANDLE_RESOLUTION_RESPONSE:
		if (e->state == PE_LOOKUP)
			pe_refused(e, e->refusal,
			    m->npes > 0 ? (long long)m->pes[0].policy.type
			                : -1);
		break;
	case ASAP_REGISTRATION_RESPONSE:
		if (e->state != PE_REGISTERING)
			break;
		if (m->flags & ASAP_FLAG_R) {
			pe_refusal(e, lib_msg_cause(m));
			break;
		}
		pe_state(e, PE_REGISTERED);
		if (!e->registered_once)
			pe_emit(e, RSP_EV_REGISTERED, 0);
		e->registered_once = 1;
		if (e->load_changed) { /* that one carried the old load */
			e->load_changed = 0;
			pe_register(e);
		}
		break;
	case ASAP_DEREGISTRATION_RESPONSE:
		if (e->state != PE_DEREGISTERING)
			break;
		pe_state(e, PE_DONE);
		pe_emit(e, RSP_EV_DEREGISTERED, 0);
		break;
	case ASAP_ENDPOINT_KEEP_ALIVE:
		pe_ka_ack(e, m);
		break;
	case ASAP_ERROR:
		if (e->state == PE_REGISTERING)
			pe_refused(e, lib_msg_cause(m), -1);
		else if (e->state == PE_LOOKUP)
			pe_refused(e, e->refusal, -1);
		break;
	default:
		break;
	}
}

static void
pe_reg_cb(enum lib_reg_event ev, const struct rsp_msg *m, void *arg)
{
	struct rsp_element *e = arg;

	switch (ev) {
	case LIB_REG_UP:
		/* Also after a takeover (lib_reg_adopt): register with the
		 * new home PR at once.  A registration still unanswered
		 * went to the old home, whose association the channel has
		 * just dropped with its response timer: without a new one
		 * the PE would wait forever while its life runs out at the
		 * new home (found by tests/chaos). */
		if (e->state == PE_HUNTING || e->state == PE_REGISTERED ||
		    e->state == PE_REGISTERING)
			pe_register(e);
		break;
	case LIB_REG_MSG:
		pe_reg_msg(e, m);
		break;
	case LIB_REG_DOWN:
		if (e->state == PE_DEREGISTERING) {
			pe_state(e, PE_DONE);
			pe_emit(e, RSP_EV_DEREGISTERED, RSP_ENOREG);
		} else if (e->state == PE_LOOKUP) {
			pe_refused(e, e->refusal, -1);
		} else if (e->state != PE_DONE) {
			pe_state(e, PE_HUNTING);
			lib_reg_start(&e->reg);
		}
		break;
	case LIB_REG_FAILED: {
		/* the channel hunts again; so do we */
		char tried[LIB_TRIED_LEN];

		pe_emit_detail(e, RSP_EV_ERROR, RSP_ENOREG, 0,
		    lib_reg_tried(&e->reg, tried, sizeof(tried)));
		break;
	}
	}
}

/*
 * A registrar that took us over (Keep-Alive H=1, 3.4.7) reached the user
 * endpoint: the association leaves the sessions (the application saw it
 * come up, so it sees it go) and becomes our registrar channel; the
 * Keep-Alive is answered there.  Other Keep-Alives here are ignored, as
 * RSPLIB ignores them from a registrar that is not its home.
 */
static int
pe_new_home(
    struct rsp_element *e, const struct tr_event *tev, const struct rsp_msg *m)
{
	struct rsp_event ev;

	if (!(m->flags & ASAP_FLAG_H) ||
	    ((m->present & RSP_HAS_PE_ID) && m->pe_id != e->id))
		return 0;
	if (!lib_reg_trusted(&e->reg, e->ep, tev->assoc))
		return 1; /* a pool user's: ignored (logged) */
	if (lib_reg_adopt(&e->reg, e->ep, tev->assoc) == -1)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.type = RSP_EV_SESSION_DOWN;
	ev.session = tev->assoc;
	ev.pe_id = e->id;
	lib_deliver(e->counters, e->cb, &ev, e->arg);
	pe_ka_ack(e, m);
	return 1;
}

/* Control messages on a session: Cookie Echo goes to the application,
 * a Keep-Alive H=1 is a new home PR, anything else is ignored (6.1). */
static void
pe_session_asap(struct rsp_element *e, const struct tr_event *tev)
{
	struct rsp_pe_info pes[RSP_RESOLVE_MAX];
	struct rsp_decode_error derr;
	struct rsp_event ev;
	struct rsp_msg m;

	if (rsp_msg_decode(RSP_PROTO_ASAP, tev->data, tev->len, &m, &derr))
		return;
	if (m.type == ASAP_ENDPOINT_KEEP_ALIVE && pe_new_home(e, tev, &m)) {
		rsp_msg_free(&m);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	if (lib_card_event(&m, &ev, pes, RSP_RESOLVE_MAX) == 0) {
		ev.session = tev->assoc;
		ev.pe_id = e->id;
		lib_deliver(e->counters, e->cb, &ev, e->arg);
	} else if (m.type == ASAP_COOKIE_ECHO && (m.present & RSP_HAS_COOKIE)) {
		ev.type = RSP_EV_COOKIE_ECHO;
		ev.session = tev->assoc;
		ev.pe_id = e->id;
		ev.data = m.cookie.data;
		ev.len = m.cookie.len;
		lib_deliver(e->counters, e->cb, &ev, e->arg);
	}
	rsp_msg_free(&m);
}

static void
pe_user_event(struct tr_ep *ep, const struct tr_event *tev, void *arg)
{
	struct rsp_element *e = arg;
	struct rsp_event ev;

	(void)ep;
	memset(&ev, 0, sizeof(ev));
	ev.session = tev->assoc;
	ev.pe_id = e->id;
	switch (tev->type) {
	case TR_EV_UP:
		ev.type = RSP_EV_SESSION_UP;
		break;
	case TR_EV_MSG:
		if (tev->ppid == RSP_PPID_ASAP) {
			pe_session_asap(e, tev);
			return;
		}
		ev.type = RSP_EV_MSG;
		ev.ppid = tev->ppid;
		ev.stream = tev->stream;
		ev.data = tev->data;
		ev.len = tev->len;
		break;
	case TR_EV_LOST:
	case TR_EV_SHUTDOWN:
		ev.type = RSP_EV_SESSION_DOWN;
		break;
	default:
		return;
	}
	lib_deliver(e->counters, e->cb, &ev, e->arg);
}

static int
pe_config(struct rsp_element *e, const struct rsp_element_config *cfg)
{
	size_t hl;

	if (cfg->pool_handle == NULL || (hl = strlen(cfg->pool_handle)) == 0 ||
	    hl > RSP_HANDLE_MAX)
		return -1;
	e->handle.len = (uint8_t)hl;
	memcpy(e->handle.bytes, cfg->pool_handle, hl);
	if (rsp_policy_parse(cfg->policy, &e->policy) == -1)
		return -1;
	e->rereg_ms = cfg->rereg_ms > 0 ? cfg->rereg_ms : PE_REREG_DEFAULT;
	e->counters = cfg->counters;
	if (e->rereg_ms > 0xffffffffLL / 3)
		return -1;
	e->id = cfg->identifier ? cfg->identifier : rand_id32();
	if (cfg->user_addrs != NULL) {
		if (addr_list_parse(&e->local, cfg->user_addrs, 0,
		        ADDR_PORT_REQUIRED, NULL, 0) == -1 ||
		    (cfg->user_transport != TR_SCTP &&
		        cfg->user_transport != TR_TCP))
			return -1;
		e->port = e->local.port;
		e->user_kind = cfg->user_transport;
		e->data_only = cfg->data_only != 0;
	} else if (cfg->local != NULL &&
	           addr_list_parse(&e->local, cfg->local, 0,
	               ADDR_PORT_ZERO_OK | ADDR_AUTO_OK, NULL, 0) == -1)
		return -1;
	return 0;
}

struct rsp_element *
rsp_element_new(struct ev_loop *loop, const struct rsp_element_config *cfg,
    rsp_event_cb *cb, void *arg, int *err)
{
	struct rsp_element *e;
	struct addr_list bound;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		*err = RSP_ESYSTEM;
		return NULL;
	}
	e->reg.announce_fd = -1; /* lib_reg_fini-safe */
	e->loop = loop;
	e->cb = cb;
	e->arg = arg;
	e->kind = cfg->transport;
	*err = RSP_ECONFIG;
	if (pe_config(e, cfg) == -1)
		goto fail;
	if (lib_reg_init(&e->reg, loop, e->kind, cfg->registrars,
	        cfg->nregistrars, cfg->announce, &cfg->timing, pe_reg_cb,
	        e) == -1) {
		if (errno != EINVAL)
			*err = RSP_ESYSTEM;
		goto fail;
	}
	*err = RSP_ESYSTEM;
	if (cfg->user_addrs == NULL) {
		e->user_kind = e->kind;
		e->ep = tr_ep_new(loop, e->kind, cfg->local ? &e->local : NULL,
		    TR_LISTEN, pe_user_event, e);
		if (e->ep == NULL || tr_local_addrs(e->ep, 0, &bound) == -1)
			goto fail;
		e->port = bound.port;
	}
	pe_state(e, PE_HUNTING);
	lib_reg_start(&e->reg);
	*err = RSP_OK;
	return e;
fail:
	rsp_element_free(e);
	return NULL;
}

uint32_t
rsp_element_id(const struct rsp_element *e)
{
	return e->id;
}

void
rsp_element_status(const struct rsp_element *e, struct rsp_status *st)
{
	const struct rsp_policy_info *pi = rsp_policy_info(e->policy.type);
	int i;

	memset(st, 0, sizeof(*st));
	st->registrar_up = e->reg.state == LIB_REG_READY;
	st->registrar_id = e->reg.server_id;
	st->registrar_since_ms = e->reg.up_ms;
	st->transport = e->kind;
	for (i = 0; pi != NULL && i < pi->nvalues; i++)
		if (strcmp(pi->fields[i], "load") == 0) {
			st->has_load = 1;
			st->load = e->policy.v[i];
		}
}

uint16_t
rsp_element_port(const struct rsp_element *e)
{
	return e->port;
}

int
rsp_element_send(struct rsp_element *e, uint32_t session, uint32_t ppid,
    uint16_t stream, const void *data, size_t len)
{
	if (e->ep == NULL)
		return RSP_ESTATE;
	if (tr_send(e->ep, session, ppid, stream, data, len) == 0) {
		lib_count_sent(e->counters, len);
		return RSP_OK;
	}
	if (errno == EMSGSIZE)
		return RSP_EMSGSIZE;
	return errno == EAGAIN ? RSP_EAGAIN : RSP_ESYSTEM;
}

int
rsp_element_session_fds(
    const struct rsp_element *e, uint32_t session, int *fds, int max)
{
	return e->ep != NULL ? tr_input_fds(e->ep, session, fds, max) : 0;
}

int
rsp_element_send_cookie(
    struct rsp_element *e, uint32_t session, const void *data, size_t len)
{
	struct rsp_msg m;
	struct wbuf w;
	int rc;

	if (len > 0xffff - 8)
		return RSP_EMSGSIZE;
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_COOKIE);
	m.present = RSP_HAS_COOKIE;
	m.cookie.len = (uint16_t)len;
	m.cookie.data = data;
	if (wbuf_init_dynamic(&w, 64 + len, RSP_MSG_MAX) == -1)
		return RSP_ESYSTEM;
	rc =
	    rsp_msg_encode(&m, &w) == -1
	        ? RSP_ESYSTEM
	        : rsp_element_send(e, session, RSP_PPID_ASAP, 0, w.data, w.len);
	wbuf_free(&w);
	return rc;
}

int
rsp_element_close_session(struct rsp_element *e, uint32_t session)
{
	if (e->ep == NULL)
		return RSP_ESTATE;
	return tr_shutdown(e->ep, session) == 0 ? RSP_OK : RSP_ESYSTEM;
}

int
rsp_element_abort_session(struct rsp_element *e, uint32_t session)
{
	if (e->ep == NULL)
		return RSP_ESTATE;
	return tr_abort(e->ep, session) == 0 ? RSP_OK : RSP_ESYSTEM;
}

int
rsp_element_set_load(struct rsp_element *e, uint32_t load)
{
	const struct rsp_policy_info *pi = rsp_policy_info(e->policy.type);
	int i;

	for (i = 0; pi != NULL && i < pi->nvalues; i++)
		if (strcmp(pi->fields[i], "load") == 0)
			e->policy.v[i] = load;
	if (e->state == PE_REGISTERED)
		pe_register(e);
	else if (e->state == PE_REGISTERING)
		e->load_changed = 1;
	return RSP_OK;
}

int
rsp_element_deregister(struct rsp_element *e)
{
	struct rsp_msg m;

	if (e->state == PE_DONE || e->state == PE_DEREGISTERING)
		return RSP_ESTATE;
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_DEREGISTRATION);
	m.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
	m.handle = e->handle;
	m.pe_id = e->id;
	if (!e->registered_once || lib_reg_send(&e->reg, &m, 1) == -1) {
		pe_state(e, PE_DONE);
		pe_emit(e, RSP_EV_DEREGISTERED, RSP_ENOREG);
		return RSP_OK;
	}
	pe_state(e, PE_DEREGISTERING);
	return RSP_OK;
}

void
rsp_element_free(struct rsp_element *e)
{
	if (e == NULL)
		return;
	if (e->timer != EV_TIMER_NONE)
		ev_timer_cancel(e->loop, e->timer);
	lib_reg_fini(&e->reg);
	if (e->ep != NULL)
		tr_ep_free(e->ep);
	free(e);
}

/* This PE as a business card shows it on `session`. */
static int
pe_own_info(struct rsp_element *e, uint32_t session, struct rsp_pe_info *pi)
{
	const struct rsp_policy_info *inf = rsp_policy_info(e->policy.type);
	struct addr_list al;
	int i;

	memset(pi, 0, sizeof(*pi));
	if (e->ep == NULL || tr_local_addrs(e->ep, session, &al) == -1)
		return -1;
	pi->pe_id = e->id;
	pi->transport = e->user_kind;
	pi->port = e->port;
	pi->use = RSP_TRANSPORT_DATA_CONTROL;
	for (i = 0; i < al.n && i < RSP_PE_ADDRS_MAX; i++) {
		pi->addrs[pi->naddrs] = al.a[i];
		addr_set_port(
		    (struct sockaddr *)&pi->addrs[pi->naddrs++], e->port);
	}
	pi->policy = e->policy.type;
	for (i = 0; inf != NULL && i < inf->nvalues; i++) {
		if (strcmp(inf->fields[i], "load") == 0)
			pi->load = e->policy.v[i];
		else if (strcmp(inf->fields[i], "weight") == 0 ||
		         strcmp(inf->fields[i], "priority") == 0)
			pi->weight = e->policy.v[i];
	}
	return 0;
}

int
rsp_element_send_business_card(struct rsp_element *e, uint32_t session,
    const struct rsp_pe_info *pes, int n)
{
	struct rsp_pe_info own;
	struct wbuf w;
	int rc;

	if (n == 0) {
		if (pe_own_info(e, session, &own) == -1)
			return RSP_ESTATE;
		pes = &own;
		n = 1;
	}
	if (wbuf_init_dynamic(&w, 256, RSP_MSG_MAX) == -1)
		return RSP_ESYSTEM;
	rc =
	    lib_card_encode(&w, &e->handle, pes, n) == -1
	        ? RSP_ECONFIG
	        : rsp_element_send(e, session, RSP_PPID_ASAP, 0, w.data, w.len);
	wbuf_free(&w);
	return rc;
}
