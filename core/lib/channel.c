/*
 * The library's registrar channel (core/lib/internal.h): registrar hunt over
 * the registrar table, one association in use, request timeout,
 * failover to another registrar.  As RSPLIB, the hunt endpoint is a
 * one-to-many endpoint that only connects; the winner is peeled off.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/ev.h"
#include "core/lib/internal.h"
#include "core/rand.h"
#include "core/transport/transport.h"
#include "proto/wire.h"

static void hunt_round(struct lib_reg *r, int start);
static void hunt_block(struct lib_reg *r);

static void
reg_timer_cancel(struct lib_reg *r)
{
	if (r->timer != EV_TIMER_NONE)
		ev_timer_cancel(r->loop, r->timer);
	r->timer = EV_TIMER_NONE;
}

static void
reg_timer_set(struct lib_reg *r, int64_t ms, ev_timer_cb *cb)
{
	reg_timer_cancel(r);
	r->timer = ev_timer_add(r->loop, ms, cb, r);
}

static int64_t
reap_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct lib_reg *r = arg;

	(void)loop, (void)id;
	r->reap = EV_TIMER_NONE;
	if (r->old_ep != NULL)
		tr_ep_free(r->old_ep);
	r->old_ep = NULL;
	return EV_NOMORE;
}

/* A random usable table entry (RSPLIB starts its hunt there). */
static int
random_start(const struct lib_reg *r)
{
	int idx[LIB_CANDS_MAX], i, n = 0;

	for (i = 0; i < LIB_CANDS_MAX; i++)
		if (lib_cand_usable(r, i))
			idx[n++] = i;
	return n == 0 ? 0 : idx[rand_uniform((uint32_t)n)];
}

static int
attempts_outstanding(const struct lib_reg *r)
{
	int i, n = 0;

	for (i = 0; i < LIB_CANDS_MAX; i++)
		n += r->cand[i].attempt != 0;
	return n;
}

static void
abort_attempts(struct lib_reg *r)
{
	int i;

	for (i = 0; i < LIB_CANDS_MAX; i++) {
		if (r->cand[i].attempt != 0 && r->hunt != NULL)
			tr_abort(r->hunt, r->cand[i].attempt);
		r->cand[i].attempt = 0;
	}
}

static int64_t retry_cb(struct ev_loop *loop, uint64_t id, void *arg);

/* The channel's transition function, the only place r->state changes.
 * IDLE: no association, the pause before the next hunt round runs on
 * the timer.  HUNTING: each block of attempts arms the timer itself.
 * READY: the hunt is over (the timer times requests from now on). */
static void
reg_transition(struct lib_reg *r, enum lib_reg_state st)
{
	switch (st) {
	case LIB_REG_IDLE:
		abort_attempts(r);
		reg_timer_set(r, LIB_RETRY_MS, retry_cb);
		break;
	case LIB_REG_HUNTING:
		break;
	case LIB_REG_READY:
		abort_attempts(r);
		reg_timer_cancel(r);
		r->rounds = 0;
		r->up_ms = ev_now_ms(r->loop);
		break;
	}
	r->state = st;
}

static int64_t
retry_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct lib_reg *r = arg;

	(void)loop, (void)id;
	r->timer = EV_TIMER_NONE;
	if (r->state == LIB_REG_IDLE)
		hunt_round(r, random_start(r));
	return EV_NOMORE;
}

/* A round reached no registrar: pause, then the next one; the owner
 * hears of it after every connect_max_trials such rounds. */
static void
round_failed(struct lib_reg *r)
{
	reg_transition(r, LIB_REG_IDLE);
	if (++r->rounds >= r->t.connect_max_trials) {
		r->rounds = 0;
		r->cb(LIB_REG_FAILED, NULL, r->arg);
	}
}

static int64_t
block_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct lib_reg *r = arg;

	(void)loop, (void)id;
	r->timer = EV_TIMER_NONE;
	if (r->state != LIB_REG_HUNTING)
		return EV_NOMORE;
	if (r->left > 0)
		hunt_block(r);
	else
		round_failed(r);
	return EV_NOMORE;
}

/* Drop the registrar in use and hunt again, starting after it. */
static void
reg_down(struct lib_reg *r)
{
	reg_timer_cancel(r);
	if (r->ep != NULL) {
		tr_abort(r->ep, r->assoc);
		if (r->old_ep != NULL)
			tr_ep_free(r->old_ep);
		r->old_ep = r->ep; /* may be the endpoint of this callback */
		r->ep = NULL;
		if (r->reap == EV_TIMER_NONE)
			r->reap = ev_timer_add(r->loop, 0, reap_cb, r);
	}
	r->pending = 0;
	r->server_id = 0;
	hunt_round(r, (r->cur + 1) % LIB_CANDS_MAX);
	r->cb(LIB_REG_DOWN, NULL, r->arg);
}

static int64_t
timeout_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct lib_reg *r = arg;

	(void)loop, (void)id;
	r->timer = EV_TIMER_NONE;
	if (r->state == LIB_REG_READY)
		reg_down(r);
	return EV_NOMORE;
}

static void
reg_msg(struct lib_reg *r, const struct tr_event *ev)
{
	struct rsp_decode_error derr;
	struct rsp_msg m;

	if (ev->ppid != RSP_PPID_ASAP ||
	    rsp_msg_decode(RSP_PROTO_ASAP, ev->data, ev->len, &m, &derr) == -1)
		return;
	if (m.type == ASAP_REGISTRATION_RESPONSE ||
	    m.type == ASAP_DEREGISTRATION_RESPONSE ||
	    m.type == ASAP_HANDLE_RESOLUTION_RESPONSE || m.type == ASAP_ERROR) {
		if (r->pending > 0 && --r->pending == 0)
			reg_timer_cancel(r);
		else if (r->pending > 0) /* the next one's turn */
			reg_timer_set(r, r->t.response_timeout_ms, timeout_cb);
	}
	if (m.type == ASAP_ENDPOINT_KEEP_ALIVE && m.sender != 0)
		r->server_id = m.sender; /* for CSP reports */
	r->cb(LIB_REG_MSG, &m, r->arg);
	rsp_msg_free(&m);
}

/* Events of the association in use (the peeled-off endpoint). */
static void
reg_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct lib_reg *r = arg;

	if (ep != r->ep || r->state != LIB_REG_READY)
		return;
	switch (ev->type) {
	case TR_EV_MSG:
		reg_msg(r, ev);
		break;
	case TR_EV_LOST:
	case TR_EV_SHUTDOWN:
	case TR_EV_CANT_START:
		reg_down(r);
		break;
	default:
		break;
	}
}

static int
cand_of_attempt(const struct lib_reg *r, uint32_t assoc)
{
	int i;

	for (i = 0; i < LIB_CANDS_MAX; i++)
		if (r->cand[i].attempt == assoc)
			return i;
	return -1;
}

static void
hunt_won(struct lib_reg *r, int i, uint32_t assoc)
{
	struct tr_ep *ep;

	r->cand[i].attempt = 0;
	if ((ep = tr_peeloff(r->hunt, assoc, reg_event, r)) == NULL) {
		tr_abort(r->hunt, assoc);
		return;
	}
	r->ep = ep;
	r->assoc = assoc;
	r->cur = i;
	r->server_id = r->cand[i].id;
	reg_transition(r, LIB_REG_READY);
	r->cb(LIB_REG_UP, NULL, r->arg);
}

static int
incoming_slot(const struct lib_reg *r, uint32_t assoc)
{
	int i;

	for (i = 0; i < LIB_INCOMING_MAX; i++)
		if (r->incoming[i] == assoc)
			return i;
	return -1;
}

/* A takeover registrar's Keep-Alive with H: it is our registrar now. */
static void
adopt(struct lib_reg *r, uint32_t assoc, const struct rsp_msg *m)
{
	struct tr_ep *ep;
	int was_ready = r->state == LIB_REG_READY;

	if ((ep = tr_peeloff(r->hunt, assoc, reg_event, r)) == NULL) {
		tr_abort(r->hunt, assoc);
		return;
	}
	if (r->ep != NULL) {
		tr_abort(r->ep, r->assoc);
		if (r->old_ep != NULL)
			tr_ep_free(r->old_ep);
		r->old_ep = r->ep;
		if (r->reap == EV_TIMER_NONE)
			r->reap = ev_timer_add(r->loop, 0, reap_cb, r);
	}
	r->ep = ep;
	r->assoc = assoc;
	r->pending = 0;
	r->server_id = m->sender;
	reg_transition(r, LIB_REG_READY);
	if (was_ready)
		r->cb(LIB_REG_DOWN, NULL, r->arg);
	r->cb(LIB_REG_UP, NULL, r->arg);
	r->cb(LIB_REG_MSG, m, r->arg);
}

/* New associations registrars opened to us: adopt or abort. */
static void
incoming_event(struct lib_reg *r, const struct tr_event *ev)
{
	struct rsp_decode_error derr;
	struct rsp_msg m;
	int k = incoming_slot(r, ev->assoc);

	switch (ev->type) {
	case TR_EV_UP:
		if (k != -1)
			return;
		if ((k = incoming_slot(r, 0)) == -1) {
			/* full of silent ones: the oldest makes room */
			k = (int)(r->incoming_next++ % LIB_INCOMING_MAX);
			tr_abort(r->hunt, r->incoming[k]);
		}
		r->incoming[k] = ev->assoc;
		return;
	case TR_EV_MSG:
		if (k == -1)
			return;
		r->incoming[k] = 0;
		if (ev->ppid != RSP_PPID_ASAP ||
		    rsp_msg_decode(
		        RSP_PROTO_ASAP, ev->data, ev->len, &m, &derr) == -1) {
			tr_abort(r->hunt, ev->assoc);
			return;
		}
		/* Our ASAP endpoint is published to registrars (and
		 * handlespace readers), never in a resolution: any
		 * registrar that took us over may come here, as with
		 * RSPLIB (docs/wire.md 3.4.7).  Sessions: element.c. */
		if (m.type == ASAP_ENDPOINT_KEEP_ALIVE &&
		    (m.flags & ASAP_FLAG_H))
			adopt(r, ev->assoc, &m);
		else
			tr_abort(r->hunt, ev->assoc);
		rsp_msg_free(&m);
		return;
	case TR_EV_LOST:
	case TR_EV_SHUTDOWN:
		if (k != -1)
			r->incoming[k] = 0;
		return;
	default:
		return;
	}
}

/* Events of the hunt endpoint: attempts coming up or failing, and
 * associations registrars open to us. */
static void
hunt_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct lib_reg *r = arg;
	int i;

	(void)ep;
	if (ev->assoc == 0)
		return;
	if ((i = cand_of_attempt(r, ev->assoc)) == -1) {
		incoming_event(r, ev);
		return;
	}
	switch (ev->type) {
	case TR_EV_UP:
		if (r->state == LIB_REG_HUNTING)
			hunt_won(r, i, ev->assoc);
		else {
			tr_abort(r->hunt, ev->assoc);
			r->cand[i].attempt = 0;
		}
		break;
	case TR_EV_LOST:
	case TR_EV_SHUTDOWN:
	case TR_EV_CANT_START:
		r->cand[i].attempt = 0;
		break;
	default:
		return;
	}
	/* Everything of this block failed: go on at once, do not wait. */
	if (r->state == LIB_REG_HUNTING && attempts_outstanding(r) == 0) {
		if (r->left > 0)
			hunt_block(r);
		else if (r->announce_fd == -1)
			round_failed(r);
		/* else an announce may still bring one: wait for block_cb */
	}
}

static int
hunt_connect(struct lib_reg *r, int i)
{
	struct lib_cand *c = &r->cand[i];
	struct addr_list al;

	lib_cand_addrs(r, i, &al);
	/* SCTP: listening too, on the port our registrar associations
	 * share (peel-off keeps it), for takeover registrars. */
	if (r->hunt == NULL &&
	    (r->hunt = tr_ep_new(r->loop, r->kind, NULL,
	         (r->kind == TR_SCTP ? TR_LISTEN : 0) | TR_SECURE, hunt_event,
	         r)) == NULL)
		return -1;
	if (tr_connect(r->hunt, &al, &c->attempt) == -1) {
		c->attempt = 0;
		return -1;
	}
	return 0;
}

/* Open associations to the next LIB_HUNT_PARALLEL usable entries. */
static void
hunt_block(struct lib_reg *r)
{
	int started = 0, i;

	while (started < LIB_HUNT_PARALLEL && r->left > 0) {
		i = r->next;
		r->next = (i + 1) % LIB_CANDS_MAX;
		r->left--;
		if (!lib_cand_usable(r, i) || r->cand[i].attempt != 0)
			continue;
		if (hunt_connect(r, i) == 0)
			started++;
	}
	/* Nothing to wait for: fail the round from the loop, not from
	 * within the owner's call. */
	reg_timer_set(r,
	    attempts_outstanding(r) == 0 && r->announce_fd == -1
	        ? 0
	        : r->t.connect_timeout_ms,
	    block_cb);
}

static void
hunt_round(struct lib_reg *r, int start)
{
	reg_transition(r, LIB_REG_HUNTING);
	r->next = start;
	r->left = LIB_CANDS_MAX;
	lib_announce_rejoin(r);
	hunt_block(r);
}

void
lib_reg_announced(struct lib_reg *r, int i)
{
	if (r->state == LIB_REG_HUNTING && r->cand[i].attempt == 0)
		(void)hunt_connect(r, i);
	else if (r->state == LIB_REG_IDLE && r->timer != EV_TIMER_NONE)
		hunt_round(r, i); /* pausing after a failed round */
}

/* Limits keep every time within a timer's range and every count
 * meaningful; 0 means the default. */
#define TIMING_MS_MAX     86400000LL /* one day */
#define TIMING_TRIALS_MAX 1000

static int
timing_field(long long v, long long def, long long max, long long *out)
{
	if (v < 0 || v > max)
		return -1;
	*out = v == 0 ? def : v;
	return 0;
}

int
lib_timing_resolve(const struct rsp_timing *t, struct rsp_timing *out)
{
	static const struct rsp_timing zero;

	if (t == NULL)
		t = &zero;
	if (timing_field(t->announce_timeout_ms, RSP_ANNOUNCE_TIMEOUT_MS,
	        TIMING_MS_MAX, &out->announce_timeout_ms) == -1 ||
	    timing_field(t->connect_timeout_ms, RSP_CONNECT_TIMEOUT_MS,
	        TIMING_MS_MAX, &out->connect_timeout_ms) == -1 ||
	    timing_field(t->connect_max_trials, RSP_CONNECT_MAX_TRIALS,
	        TIMING_TRIALS_MAX, &out->connect_max_trials) == -1 ||
	    timing_field(t->request_timeout_ms, RSP_REQUEST_TIMEOUT_MS,
	        TIMING_MS_MAX, &out->request_timeout_ms) == -1 ||
	    timing_field(t->response_timeout_ms, RSP_RESPONSE_TIMEOUT_MS,
	        TIMING_MS_MAX, &out->response_timeout_ms) == -1 ||
	    timing_field(t->request_max_trials, RSP_REQUEST_MAX_TRIALS,
	        TIMING_TRIALS_MAX, &out->request_max_trials) == -1)
		return -1;
	return 0;
}

int
lib_reg_init(struct lib_reg *r, struct ev_loop *loop, int kind,
    const char *const *regs, int nregs, const char *announce,
    const struct rsp_timing *t, lib_reg_cb *cb, void *arg)
{
	int i, an;

	memset(r, 0, sizeof(*r));
	r->announce_fd = -1;
	r->loop = loop;
	r->kind = kind;
	r->cb = cb;
	r->arg = arg;
	errno = EINVAL;
	if (lib_timing_resolve(t, &r->t) == -1 || nregs < 0 ||
	    nregs > RSP_REGISTRARS_MAX ||
	    (an = lib_announce_parse(announce, &r->group)) == -1 ||
	    (nregs == 0 && an == 0))
		return -1;
	for (i = 0; i < nregs; i++)
		if (regs[i] == NULL || lib_cand_add_static(r, regs[i]) == -1)
			return -1;
	if (an == 1 && lib_announce_open(r) == -1)
		return -1;
	return 0;
}

void
lib_reg_start(struct lib_reg *r)
{
	if (r->state == LIB_REG_IDLE) {
		reg_timer_cancel(r);
		hunt_round(r, random_start(r));
	}
}

int
lib_reg_send(struct lib_reg *r, const struct rsp_msg *m, int expect_answer)
{
	struct wbuf w;
	int rc;

	if (r->state != LIB_REG_READY)
		return -1;
	if (wbuf_init_dynamic(&w, 512, RSP_MSG_MAX) == -1)
		return -1;
	rc = rsp_msg_encode(m, &w);
	if (rc == 0)
		rc = tr_send(r->ep, r->assoc, RSP_PPID_ASAP, 0, w.data, w.len);
	wbuf_free(&w);
	if (rc == 0 && expect_answer) {
		if (r->pending++ == 0)
			reg_timer_set(r, r->t.response_timeout_ms, timeout_cb);
	}
	return rc;
}

int
lib_reg_adopt(struct lib_reg *r, struct tr_ep *from, uint32_t assoc)
{
	struct tr_ep *nep;

	if ((nep = tr_peeloff(from, assoc, reg_event, r)) == NULL)
		return -1;
	if (r->old_ep != NULL)
		tr_ep_free(r->old_ep);
	if (r->ep != NULL)
		tr_ep_free(r->ep);
	r->old_ep = NULL;
	r->ep = nep;
	r->assoc = assoc;
	r->pending = 0;
	reg_transition(r, LIB_REG_READY);
	r->cb(LIB_REG_UP, NULL, r->arg);
	return 0;
}

int
lib_reg_local_addrs(struct lib_reg *r, struct addr_list *out)
{
	if (r->state != LIB_REG_READY)
		return -1;
	return tr_local_addrs(r->ep, r->assoc, out);
}

const char *
lib_reg_current(struct lib_reg *r, char *buf, size_t len)
{
	struct addr_list al;

	if (r->state != LIB_REG_READY ||
	    tr_peer_addrs(r->ep, r->assoc, &al) == -1 || al.n == 0)
		return NULL;
	return addr_fmt((struct sockaddr *)&al.a[0], buf, len);
}

void
lib_reg_fini(struct lib_reg *r)
{
	reg_timer_cancel(r);
	if (r->reap != EV_TIMER_NONE)
		ev_timer_cancel(r->loop, r->reap);
	r->reap = EV_TIMER_NONE;
	if (r->ep != NULL)
		tr_ep_free(r->ep);
	if (r->old_ep != NULL)
		tr_ep_free(r->old_ep);
	if (r->hunt != NULL)
		tr_ep_free(r->hunt);
	r->ep = r->old_ep = r->hunt = NULL;
	lib_announce_close(r);
}

int
lib_transport_addrs(const struct rsp_transport *t, struct addr_list *al)
{
	struct sockaddr_storage ss;
	int i;

	memset(al, 0, sizeof(*al));
	al->port = t->port;
	for (i = 0; i < t->naddrs; i++)
		if (addr_from_rsp(&t->addrs[i], t->port, &ss) == 0)
			addr_list_add(al, (struct sockaddr *)&ss);
	if (al->n == 0) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}
