/*
 * Pool user sessions (docs/wire.md section 6, 10.4): resolve, connect
 * to a PE's user transport, carry application messages and ASAP
 * control messages (PPID 11) on one association, fail over when it
 * fails.  s_state() is the transition function; it owns the timer.
 *
 * The first resolution after losing a PE that was up for a while goes
 * out at once (failover latency); repeated failures back off from
 * S_BACKOFF_MIN_MS, doubling up to LIB_RETRY_MS, so a dead pool is no
 * busy loop.  Messages the transport cannot take (EAGAIN) wait in the
 * session's queue, in order, until it reports TR_EV_WRITABLE (TCP
 * mapping) or, for SCTP, which has no such event, the next poll every
 * S_FLUSH_POLL_MS.
 *
 * A Business Card from the PE for the session's own pool (RFC 5352
 * 2.2.11, docs/wire.md 3.3.12) names the PEs to fail over to, in order:
 * the next failovers try them first, without asking the registrar, and
 * resolve again only when the card is used up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/lib/internal.h"
#include "core/transport/transport.h"
#include "proto/wire.h"

#define S_QUEUE_MAX      (1u << 20) /* bytes queued (not connected, full) */
#define S_BACKOFF_MIN_MS 10         /* second retry in a row */
#define S_FLUSH_POLL_MS  20         /* SCTP: queue retry while full */
#define S_AT_ONCE_MS \
	1000 /* a PE ending a session this soon, silent,
                                 did not take it (full, cookie refused) */

enum s_state {
	S_RESOLVING = 0, /* waiting for the registrar's answer */
	S_CONNECTING,    /* association to the PE starting */
	S_UP,
	S_RETRY,  /* waiting (lib_session_backoff_ms) to resolve again */
	S_CLOSED, /* the PE (or we) ended the association */
};

struct s_qmsg {
	struct s_qmsg *next;
	uint32_t ppid;
	uint16_t stream;
	size_t len;
	uint8_t data[];
};

struct rsp_session {
	struct ev_loop *loop;
	rsp_event_cb *cb;
	void *arg;
	struct lib_reg reg;
	struct rsp_handle handle;
	enum s_state state;
	uint64_t timer;
	uint64_t qtimer; /* SCTP: polls the queue while the transport is full */
	int failures;    /* resolutions in a row that led to no stable PE */
	int lost;        /* messages the last PE did not acknowledge */
	uint32_t lost_assoc; /* its association (SEND_FAILED counting) */
	struct tr_ep *ep, *old_ep;
	uint32_t assoc;
	uint32_t pe_id;  /* the PE of ep */
	uint32_t avoid;  /* the PE that failed last */
	int was_up;      /* a failover is a failover, not a first connect */
	uint8_t *cookie; /* the latest cookie from a PE */
	size_t cookie_len;
	struct s_qmsg *qhead, **qtail;
	size_t qbytes;
	int kind;                 /* transport kind of the PE association */
	struct rsp_pe_info *card; /* failover order from the PE's card */
	int ncard, card_next;
	uint64_t up_ms; /* when it came up (CSP reports) */
	uint32_t ppid;  /* of the last message sent (CSP reports) */
	int heard;      /* the PE sent something on this association */
	int echoed;     /* a Cookie Echo went out on it */
	char pe_addr[ADDR_FMT_LEN];    /* where the PE was reached */
	struct rsp_counters *counters; /* the application's, or NULL */
};

static void s_resolve(struct rsp_session *s);
static void s_fail(struct rsp_session *s);
static void s_flush(struct rsp_session *s);

long long
lib_session_backoff_ms(int failures)
{
	long long ms = S_BACKOFF_MIN_MS;

	if (failures <= 0)
		return 0;
	while (--failures > 0 && ms < LIB_RETRY_MS)
		ms *= 2;
	return ms < LIB_RETRY_MS ? ms : LIB_RETRY_MS;
}

static int64_t
s_timer_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct rsp_session *s = arg;

	(void)loop;
	(void)id;
	s->timer = EV_TIMER_NONE;
	if (s->state == S_RETRY)
		s_resolve(s);
	else if (s->state == S_CONNECTING)
		s_fail(s);
	return EV_NOMORE;
}

static void
s_state(struct rsp_session *s, enum s_state st)
{
	if (s->timer != EV_TIMER_NONE)
		ev_timer_cancel(s->loop, s->timer);
	s->timer = EV_TIMER_NONE;
	s->state = st;
	if (st == S_CONNECTING)
		s->timer = ev_timer_add(s->loop, LIB_CONNECT_MS, s_timer_cb, s);
	else if (st == S_RETRY)
		s->timer = ev_timer_add(s->loop,
		    lib_session_backoff_ms(s->failures++), s_timer_cb, s);
}

static void
s_emit(
    struct rsp_session *s, enum rsp_event_type type, const struct tr_event *tev)
{
	struct rsp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.session = s->assoc;
	ev.pe_id = s->pe_id;
	if (type == RSP_EV_FAILOVER) {
		ev.unacked = s->lost;
		s->lost = 0;
	}
	if (tev != NULL) {
		ev.ppid = tev->ppid;
		ev.stream = tev->stream;
		ev.data = tev->data;
		ev.len = tev->len;
	}
	lib_deliver(s->counters, s->cb, &ev, s->arg);
}

/* RSP_EV_ERROR: an attempt failed; the session tries again. */
static void __attribute__((format(printf, 4, 5)))
s_error(struct rsp_session *s, int error, unsigned cause, const char *fmt, ...)
{
	struct rsp_event ev;
	char detail[LIB_TRIED_LEN + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	memset(&ev, 0, sizeof(ev));
	ev.type = RSP_EV_ERROR;
	ev.pe_id = s->pe_id;
	ev.error = error;
	ev.cause = cause;
	ev.detail = detail;
	lib_deliver(s->counters, s->cb, &ev, s->arg);
}

/* Why the PE of the session failed, in words, before it is left. */
static void
s_pe_failed(struct rsp_session *s)
{
	if (s->state == S_CONNECTING)
		s_error(s, RSP_ENOPE, 0, "PE $%08x at %s did not answer",
		    s->pe_id, s->pe_addr);
	else if (!s->heard && ev_now_ms(s->loop) - s->up_ms < S_AT_ONCE_MS)
		s_error(s, RSP_ENOPE, 0,
		    "PE $%08x at %s ended the session at once%s", s->pe_id,
		    s->pe_addr,
		    s->echoed ? ": it refused our cookie, or it is full"
		              : ": it is full");
}

/* Drop the PE's association; the endpoint is freed later, never from
 * its own callback. */
static void
s_drop_ep(struct rsp_session *s)
{
	int n;

	if (s->qtimer != EV_TIMER_NONE)
		ev_timer_cancel(s->loop, s->qtimer);
	s->qtimer = EV_TIMER_NONE;
	if (s->ep == NULL)
		return;
	/* Still alive (we leave it): what it has not acknowledged is
	 * lost with the abort.  Dead (LOST, SHUTDOWN): the transport
	 * reports each such message as SEND_FAILED, counted in s_event. */
	if ((n = tr_unacked(s->ep, s->assoc)) > 0)
		s->lost += n;
	s->lost_assoc = s->assoc;
	tr_abort(s->ep, s->assoc);
	if (s->old_ep != NULL)
		tr_ep_free(s->old_ep);
	s->old_ep = s->ep;
	s->ep = NULL;
}

/* Leave the PE (reporting it unreachable if report), resolve again
 * after the backoff delay (none after a PE that was up a while). */
static void
s_leave(struct rsp_session *s, int report)
{
	struct rsp_msg m;

	/* Up for a while: resolve at once.  Else back off. */
	if (s->pe_id != 0 && (s->state == S_UP || s->state == S_CLOSED) &&
	    ev_now_ms(s->loop) - s->up_ms >= LIB_RETRY_MS)
		s->failures = 0;
	if (s->pe_id != 0) {
		if (report) {
			lib_pu_unreachable(&m, &s->handle, s->pe_id);
			lib_reg_send(&s->reg, &m, 0);
		}
		s->avoid = s->pe_id;
	}
	s_drop_ep(s);
	s->pe_id = 0;
	s_state(s, S_RETRY);
}

/* The PE failed: report it, resolve again. */
static void
s_fail(struct rsp_session *s)
{
	s_pe_failed(s);
	s_leave(s, 1);
}

static int
s_send_cookie_echo(struct rsp_session *s)
{
	struct rsp_msg m;
	struct wbuf w;
	int rc;

	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_COOKIE_ECHO);
	m.present = RSP_HAS_COOKIE;
	m.cookie.len = (uint16_t)s->cookie_len;
	m.cookie.data = s->cookie;
	if (wbuf_init_dynamic(&w, 64 + s->cookie_len, RSP_MSG_MAX) == -1)
		return -1;
	rc = rsp_msg_encode(&m, &w);
	if (rc == 0)
		rc = tr_send(s->ep, s->assoc, RSP_PPID_ASAP, 0, w.data, w.len);
	wbuf_free(&w);
	if (rc == 0 && s->counters != NULL)
		s->counters->cookie_echoes++;
	return rc;
}

static int64_t
s_qtimer_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct rsp_session *s = arg;

	(void)loop;
	(void)id;
	s->qtimer = EV_TIMER_NONE;
	s_flush(s);
	return EV_NOMORE; /* s_flush re-armed it if still needed */
}

/* Send what is queued, in order, as far as the transport takes it. */
static void
s_flush(struct rsp_session *s)
{
	struct s_qmsg *q;

	if (s->state != S_UP)
		return;
	while ((q = s->qhead) != NULL) {
		if (tr_send(s->ep, s->assoc, q->ppid, q->stream, q->data,
		        q->len) == -1 &&
		    errno == EAGAIN) {
			/* TCP mapping: TR_EV_WRITABLE follows; SCTP: poll. */
			if (s->kind != TR_TCP && s->qtimer == EV_TIMER_NONE)
				s->qtimer = ev_timer_add(
				    s->loop, S_FLUSH_POLL_MS, s_qtimer_cb, s);
			return;
		}
		s->qhead = q->next;
		s->qbytes -= q->len;
		free(q);
	}
	s->qtail = &s->qhead;
}

static void
s_up(struct rsp_session *s)
{
	s_state(s, S_UP);
	s->up_ms = ev_now_ms(s->loop);
	s->heard = 0;
	s->echoed = s->cookie != NULL && s_send_cookie_echo(s) == 0;
	s_flush(s);
	s_emit(s, s->was_up ? RSP_EV_FAILOVER : RSP_EV_SESSION_UP, NULL);
	s->was_up = 1;
}

static void
s_card_drop(struct rsp_session *s)
{
	free(s->card);
	s->card = NULL;
	s->ncard = s->card_next = 0;
}

/* Keep a card of our own pool as the failover order (PEs without an
 * address we can reach are left out). */
static void
s_card_store(
    struct rsp_session *s, const struct rsp_msg *m, const struct rsp_event *ev)
{
	struct rsp_pe_info *c;
	int i, n = 0;

	if (m->handle.len != s->handle.len ||
	    memcmp(m->handle.bytes, s->handle.bytes, s->handle.len) != 0 ||
	    ev->npes == 0 || (c = calloc((size_t)ev->npes, sizeof(*c))) == NULL)
		return;
	for (i = 0; i < ev->npes; i++)
		if (ev->pes[i].naddrs > 0 && ev->pes[i].transport >= 0)
			c[n++] = ev->pes[i];
	s_card_drop(s);
	if (n == 0) {
		free(c);
		return;
	}
	s->card = c;
	s->ncard = n;
}

static void
s_control(struct rsp_session *s, const struct tr_event *tev)
{
	struct rsp_pe_info pes[RSP_RESOLVE_MAX];
	struct rsp_event ev;
	struct rsp_decode_error derr;
	struct rsp_msg m;
	uint8_t *c;

	if (rsp_msg_decode(RSP_PROTO_ASAP, tev->data, tev->len, &m, &derr))
		return;
	memset(&ev, 0, sizeof(ev));
	if (lib_card_event(&m, &ev, pes, RSP_RESOLVE_MAX) == 0) {
		s_card_store(s, &m, &ev);
		ev.session = s->assoc;
		ev.pe_id = s->pe_id;
		lib_deliver(s->counters, s->cb, &ev, s->arg);
	} else if (m.type == ASAP_COOKIE && (m.present & RSP_HAS_COOKIE) &&
	           (c = malloc(m.cookie.len ? m.cookie.len : 1)) != NULL) {
		memcpy(c, m.cookie.data, m.cookie.len);
		free(s->cookie);
		s->cookie = c;
		s->cookie_len = m.cookie.len;
	}
	rsp_msg_free(&m);
}

static void
s_event(struct tr_ep *ep, const struct tr_event *tev, void *arg)
{
	struct rsp_session *s = arg;

	/* Application messages the PE we left never acknowledged. */
	if (tev->type == TR_EV_SEND_FAILED && tev->assoc == s->lost_assoc &&
	    tev->ppid != RSP_PPID_ASAP && (ep == s->ep || ep == s->old_ep)) {
		s->lost++;
		return;
	}
	if (ep != s->ep || tev->assoc != s->assoc)
		return;
	switch (tev->type) {
	case TR_EV_UP:
		if (s->state == S_CONNECTING)
			s_up(s);
		break;
	case TR_EV_WRITABLE:
		s_flush(s);
		break;
	case TR_EV_MSG:
		s->heard = 1;
		if (tev->ppid == RSP_PPID_ASAP)
			s_control(s, tev);
		else
			s_emit(s, RSP_EV_MSG, tev);
		break;
	case TR_EV_SHUTDOWN:
		if (s->state == S_UP) {
			s_pe_failed(s);
			s_drop_ep(s);
			s_state(s, S_CLOSED);
			s_emit(s, RSP_EV_CLOSED, NULL);
			break;
		}
		/* FALLTHROUGH */
	case TR_EV_LOST:
	case TR_EV_CANT_START:
		if (s->state == S_UP || s->state == S_CONNECTING)
			s_fail(s);
		break;
	default:
		break;
	}
}

/* Connect to PE pe_id at al (NULL: no usable address) over kind. */
static void
s_connect_to(
    struct rsp_session *s, uint32_t pe_id, int kind, const struct addr_list *al)
{
	if (s->old_ep != NULL) {
		tr_ep_free(s->old_ep);
		s->old_ep = NULL;
	}
	if (al == NULL || kind < 0 ||
	    (s->ep = tr_ep_new(
	         s->loop, kind, NULL, TR_ONE_TO_ONE, s_event, s)) == NULL) {
		s_state(s, S_RETRY);
		return;
	}
	if (tr_connect(s->ep, al, &s->assoc) == -1) {
		tr_ep_free(s->ep);
		s->ep = NULL;
		s_state(s, S_RETRY);
		return;
	}
	s->pe_id = pe_id;
	s->kind = kind;
	addr_list_fmt(al, s->pe_addr, sizeof(s->pe_addr));
	s_state(s, S_CONNECTING);
}

static void
s_connect(struct rsp_session *s, const struct rsp_pe *pe)
{
	struct addr_list al;
	int ok = lib_transport_addrs(&pe->user, &al) == 0;

	s_connect_to(
	    s, pe->id, tr_kind_for_param(pe->user.ptype), ok ? &al : NULL);
}

/* The next PE of the card that is not the one we just left: connect
 * to it (1), or 0 when the card is used up. */
static int
s_card_connect(struct rsp_session *s)
{
	const struct rsp_pe_info *pi;
	struct addr_list al;
	int i;

	while (s->card_next < s->ncard) {
		pi = &s->card[s->card_next++];
		if (pi->pe_id == s->avoid)
			continue;
		memset(&al, 0, sizeof(al));
		al.port = pi->port;
		for (i = 0; i < pi->naddrs; i++)
			addr_list_add(
			    &al, (const struct sockaddr *)&pi->addrs[i]);
		if (al.n == 0)
			continue;
		s_connect_to(s, pi->pe_id, pi->transport, &al);
		return 1;
	}
	s_card_drop(s);
	return 0;
}

static void
s_resolve(struct rsp_session *s)
{
	struct rsp_msg m;

	if (s->was_up && s_card_connect(s))
		return;
	s_state(s, S_RESOLVING);
	if (s->reg.state != LIB_REG_READY) {
		lib_reg_start(&s->reg); /* LIB_REG_UP resolves */
		return;
	}
	lib_pu_hr(&m, &s->handle);
	if (lib_reg_send(&s->reg, &m, 1) == -1)
		s_state(s, S_RETRY);
}

/* The registrar's answer: a PE to connect to, or why there is none. */
static void
s_resolved(struct rsp_session *s, const struct rsp_msg *m)
{
	char pool[2 * RSP_HANDLE_MAX + 3];
	const struct rsp_pe *pe;
	uint16_t cause = lib_msg_cause(m);

	if (m->type == ASAP_HANDLE_RESOLUTION_RESPONSE && cause == 0 &&
	    (pe = lib_pu_choose(m, s->avoid)) != NULL) {
		s_connect(s, pe);
		return;
	}
	rsp_handle_str(&s->handle, pool, sizeof(pool));
	if (cause == RSP_CAUSE_UNKNOWN_POOL_HANDLE ||
	    (cause == 0 && m->npes == 0))
		s_error(s, RSP_ENOPOOL, cause, "pool %s", pool);
	else if (cause != 0)
		s_error(s, RSP_EREFUSED, cause, "resolution of pool %s", pool);
	else
		s_error(s, RSP_ENOPE, 0,
		    "pool %s: none of its %d PEs has a transport we reach",
		    pool, m->npes);
	s_state(s, S_RETRY);
}

static void
s_reg_cb(enum lib_reg_event ev, const struct rsp_msg *m, void *arg)
{
	struct rsp_session *s = arg;
	char tried[LIB_TRIED_LEN];

	if (s->state != S_RESOLVING)
		return;
	switch (ev) {
	case LIB_REG_UP:
		s_resolve(s);
		break;
	case LIB_REG_MSG:
		if (m->type == ASAP_HANDLE_RESOLUTION_RESPONSE ||
		    m->type == ASAP_ERROR)
			s_resolved(s, m);
		break;
	case LIB_REG_FAILED:
		s_error(s, RSP_ENOREG, 0, "%s",
		    lib_reg_tried(&s->reg, tried, sizeof(tried)));
		break;     /* the channel hunts again; LIB_REG_UP resolves */
	case LIB_REG_DOWN: /* lost, or no answer in response_timeout */
		s_error(s, RSP_ENOREG, 0,
		    "the registrar was lost before it answered");
		break;
	}
}

struct rsp_session *
rsp_session_new(struct ev_loop *loop, const struct rsp_session_config *cfg,
    rsp_event_cb *cb, void *arg, int *err)
{
	struct rsp_session *s;
	size_t hl;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		*err = RSP_ESYSTEM;
		return NULL;
	}
	s->reg.announce_fd = -1; /* lib_reg_fini-safe */
	s->timer = s->qtimer = EV_TIMER_NONE;
	s->loop = loop;
	s->cb = cb;
	s->arg = arg;
	s->qtail = &s->qhead;
	if (cfg->pool_handle == NULL || (hl = strlen(cfg->pool_handle)) == 0 ||
	    hl > RSP_HANDLE_MAX ||
	    lib_reg_init(&s->reg, loop, cfg->transport, cfg->registrars,
	        cfg->nregistrars, cfg->announce, &cfg->timing, s_reg_cb,
	        s) == -1) {
		*err = errno == EINVAL ? RSP_ECONFIG : RSP_ESYSTEM;
		lib_reg_fini(&s->reg);
		free(s);
		return NULL;
	}
	s->handle.len = (uint8_t)hl;
	memcpy(s->handle.bytes, cfg->pool_handle, hl);
	s->counters = cfg->counters;
	s_resolve(s);
	*err = RSP_OK;
	return s;
}

int
rsp_session_send(struct rsp_session *s, uint32_t ppid, uint16_t stream,
    const void *data, size_t len)
{
	struct s_qmsg *q;

	if (len > TR_TCP_MSG_MAX)
		return RSP_EMSGSIZE;
	s->ppid = ppid;
	if (s->state == S_UP && s->qhead != NULL)
		s_flush(s); /* keep the order: the queue goes first */
	if (s->state == S_UP && s->qhead == NULL) {
		if (tr_send(s->ep, s->assoc, ppid, stream, data, len) == 0) {
			lib_count_sent(s->counters, len);
			return RSP_OK;
		}
		if (errno != EAGAIN)
			return errno == EMSGSIZE ? RSP_EMSGSIZE : RSP_ESYSTEM;
	}
	if (s->state == S_CLOSED)
		return RSP_ESTATE;
	if (s->qbytes + len > S_QUEUE_MAX)
		return RSP_EAGAIN;
	if ((q = malloc(sizeof(*q) + len)) == NULL)
		return RSP_ESYSTEM;
	q->next = NULL;
	q->ppid = ppid;
	q->stream = stream;
	q->len = len;
	memcpy(q->data, data, len);
	*s->qtail = q;
	s->qtail = &q->next;
	s->qbytes += len;
	if (s->state == S_UP && s->kind != TR_TCP && s->qtimer == EV_TIMER_NONE)
		s->qtimer =
		    ev_timer_add(s->loop, S_FLUSH_POLL_MS, s_qtimer_cb, s);
	lib_count_sent(s->counters, len);
	return RSP_OK;
}

int
rsp_session_failover(struct rsp_session *s)
{
	if (s->state == S_RESOLVING || s->state == S_RETRY)
		return RSP_OK;
	s->was_up = 1;
	s_fail(s);
	return RSP_OK;
}

int
rsp_session_reconnect(struct rsp_session *s)
{
	if (s->state == S_RESOLVING || s->state == S_RETRY)
		return RSP_OK;
	s->was_up = 1;
	s_leave(s, 0);
	return RSP_OK;
}

int
rsp_session_has_cookie(const struct rsp_session *s)
{
	return s->cookie != NULL;
}

int
rsp_session_is_up(const struct rsp_session *s)
{
	return s->state == S_UP;
}

int
rsp_session_unacked(const struct rsp_session *s)
{
	if (s->state != S_UP)
		return -1;
	return tr_unacked(s->ep, s->assoc) + (s->qhead != NULL);
}

uint32_t
rsp_session_pe_id(const struct rsp_session *s)
{
	return s->state == S_UP ? s->pe_id : 0;
}

int
rsp_session_fd(const struct rsp_session *s)
{
	int fd;

	return s->state == S_UP && s->ep != NULL &&
	               tr_input_fds(s->ep, s->assoc, &fd, 1) == 1
	           ? fd
	           : -1;
}

void
rsp_session_status(const struct rsp_session *s, struct rsp_status *st)
{
	memset(st, 0, sizeof(*st));
	st->registrar_up = s->reg.state == LIB_REG_READY;
	st->registrar_id = s->reg.server_id;
	st->registrar_since_ms = s->reg.up_ms;
	st->transport = s->reg.kind;
	if (s->state == S_UP) {
		st->pe_id = s->pe_id;
		st->pe_since_ms = s->up_ms;
		st->ppid = s->ppid;
		st->transport = s->kind;
	}
}

int
rsp_session_shutdown(struct rsp_session *s)
{
	if (s->state != S_UP)
		return RSP_ESTATE;
	return tr_shutdown(s->ep, s->assoc) == 0 ? RSP_OK : RSP_ESYSTEM;
}

void
rsp_session_free(struct rsp_session *s)
{
	struct s_qmsg *q;

	if (s == NULL)
		return;
	if (s->timer != EV_TIMER_NONE)
		ev_timer_cancel(s->loop, s->timer);
	if (s->qtimer != EV_TIMER_NONE)
		ev_timer_cancel(s->loop, s->qtimer);
	lib_reg_fini(&s->reg);
	if (s->ep != NULL)
		tr_ep_free(s->ep);
	if (s->old_ep != NULL)
		tr_ep_free(s->old_ep);
	while ((q = s->qhead) != NULL) {
		s->qhead = q->next;
		free(q);
	}
	free(s->cookie);
	free(s->card);
	free(s);
}

int
rsp_session_send_business_card(struct rsp_session *s, const char *pool_handle,
    const struct rsp_pe_info *pes, int n)
{
	struct rsp_handle h;
	struct wbuf w;
	size_t hl;
	int rc;

	if (pool_handle == NULL || (hl = strlen(pool_handle)) == 0 ||
	    hl > RSP_HANDLE_MAX)
		return RSP_ECONFIG;
	if (s->state != S_UP)
		return RSP_ESTATE;
	h.len = (uint8_t)hl;
	memcpy(h.bytes, pool_handle, hl);
	if (wbuf_init_dynamic(&w, 256, RSP_MSG_MAX) == -1)
		return RSP_ESYSTEM;
	rc = lib_card_encode(&w, &h, pes, n) == -1 ? RSP_ECONFIG
	     : tr_send(s->ep, s->assoc, RSP_PPID_ASAP, 0, w.data, w.len) == 0
	         ? RSP_OK
	         : RSP_ESYSTEM;
	wbuf_free(&w);
	return rc;
}
