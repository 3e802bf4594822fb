/*
 * Pool user, basic mode (include/rsp.h): handle resolution through the
 * registrar channel with a PU-side cache, selection at the PU by the
 * pool's policy, Endpoint Unreachable reports (docs/wire.md 3.4.3,
 * 3.4.5, 10.3).
 *
 * The cache is a handlespace of its own (handlespace/hs.h): every PE of
 * a response is registered with a life of stale_ms, hs_expire() drops
 * stale ones, and hs_select() picks with RSPLIB's policy code, so a
 * cached RoundRobin pool rotates and LeastUsed takes the least loaded.
 * Requests wait in a FIFO: the registrar answers in order.  A request
 * is sent to at most request_max_trials registrars, waits at most
 * request_timeout_ms to be sent (struct rsp_timing), and fails with
 * RSP_ENOREG when the channel reports a failed hunt.  Callbacks always
 * run from a zero-delay timer, never from within the caller's call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/rand.h"
#include "core/lib/internal.h"
#include "core/transport/transport.h"
#include "handlespace/hs.h"
#include "proto/wire.h"

struct pu_req {
	struct pu_req *next;
	struct rsp_handle handle;
	rsp_resolve_cb *cb;
	void *arg;
	int sent;       /* on the current registrar association */
	int sends;      /* times sent */
	uint64_t since; /* unsent since (ev_now_ms) */
	int err;        /* done: result */
	int npes;
	struct rsp_pe_info pes[RSP_RESOLVE_MAX];
};

struct rsp_pu {
	struct ev_loop *loop;
	struct lib_reg reg;
	struct hs *cache;
	long long stale_ms;
	struct pu_req *wait, **wait_tail; /* FIFO, sent ones first */
	struct pu_req *done, **done_tail;
	uint64_t done_timer;
	uint64_t unsent_timer; /* the oldest unsent request's deadline */
};

static int
pu_handle(struct rsp_handle *h, const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > RSP_HANDLE_MAX)
		return -1;
	h->len = (uint8_t)n;
	memcpy(h->bytes, s, n);
	return 0;
}

static int64_t
done_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct rsp_pu *pu = arg;
	struct pu_req *q;

	(void)loop, (void)id;
	pu->done_timer = EV_TIMER_NONE;
	while ((q = pu->done) != NULL) {
		if ((pu->done = q->next) == NULL)
			pu->done_tail = &pu->done;
		q->cb(q->err, q->pes, q->npes, q->arg);
		free(q);
	}
	return EV_NOMORE;
}

static void
req_finish(struct rsp_pu *pu, struct pu_req *q, int err)
{
	q->err = err;
	q->next = NULL;
	*pu->done_tail = q;
	pu->done_tail = &q->next;
	if (pu->done_timer == EV_TIMER_NONE)
		pu->done_timer = ev_timer_add(pu->loop, 0, done_cb, pu);
}

/* Take the head of the wait FIFO. */
static struct pu_req *
wait_pop(struct rsp_pu *pu)
{
	struct pu_req *q = pu->wait;

	if (q != NULL && (pu->wait = q->next) == NULL)
		pu->wait_tail = &pu->wait;
	return q;
}

/* Select from the cache; 0 if the pool has fresh PEs there. */
static int
cache_select(struct rsp_pu *pu, struct pu_req *q)
{
	const struct hs_pe *sel[RSP_RESOLVE_MAX];
	struct rsp_addr addrs[2 * RSP_ADDRS_MAX];
	struct rsp_pe pe;
	int n, i;

	if (pu->cache == NULL)
		return -1;
	hs_expire(pu->cache, ev_now_ms(pu->loop), NULL, NULL);
	n = hs_select(pu->cache, &q->handle, RSP_RESOLVE_MAX, 0, sel);
	if (n <= 0)
		return -1;
	q->npes = 0;
	for (i = 0; i < n; i++)
		if (hs_pe_export(sel[i], &pe, addrs, 2 * RSP_ADDRS_MAX) <=
		    2 * RSP_ADDRS_MAX)
			lib_info_from_pe(&q->pes[q->npes++], &pe);
	return q->npes > 0 ? 0 : -1;
}

static void
cache_store(struct rsp_pu *pu, const struct rsp_msg *m)
{
	struct rsp_pe pe;
	uint16_t cause;
	int i;

	for (i = 0; i < m->npes; i++) {
		pe = m->pes[i];
		pe.home = 1; /* any non-zero owner: the cache has one */
		pe.life = (uint32_t)pu->stale_ms;
		pe.has_asap = 0;
		(void)hs_register(
		    pu->cache, &m->handle, &pe, ev_now_ms(pu->loop), &cause);
	}
}

static void
pu_send(struct rsp_pu *pu, struct pu_req *q)
{
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION);
	m.present = RSP_HAS_HANDLE;
	m.handle = q->handle;
	if (pu->stale_ms == 0) {
		m.present |= RSP_HAS_HR_OPTION;
		m.hr_items = 1;
	}
	if (lib_reg_send(&pu->reg, &m, 1) == 0) {
		q->sent = 1;
		q->sends++;
	}
}

/* Send every waiting request not yet sent on this association. */
static void
pu_send_waiting(struct rsp_pu *pu)
{
	struct pu_req *q;

	for (q = pu->wait; q != NULL; q = q->next)
		if (!q->sent && pu->reg.state == LIB_REG_READY)
			pu_send(pu, q);
}

static void
pu_response(struct rsp_pu *pu, const struct rsp_msg *m)
{
	struct pu_req *q;
	int i;

	if ((q = wait_pop(pu)) == NULL)
		return; /* not ours (cannot happen: FIFO) */
	if (m->present & RSP_HAS_ERROR) {
		req_finish(pu, q, RSP_ENOPOOL);
		return;
	}
	if (pu->cache != NULL) {
		cache_store(pu, m);
		req_finish(
		    pu, q, cache_select(pu, q) == 0 ? RSP_OK : RSP_ENOPE);
		return;
	}
	q->npes = 0;
	for (i = 0; i < m->npes && q->npes < RSP_RESOLVE_MAX; i++)
		lib_info_from_pe(&q->pes[q->npes++], &m->pes[i]);
	req_finish(pu, q, q->npes > 0 ? RSP_OK : RSP_ENOPE);
}

/* Fail with RSP_ENOREG every waiting request `drop` picks; the others
 * keep their order. */
static void
wait_drop(struct rsp_pu *pu,
    int (*drop)(const struct rsp_pu *, const struct pu_req *, uint64_t))
{
	struct pu_req *q, *keep = NULL, **kt = &keep;
	uint64_t now = ev_now_ms(pu->loop);

	while ((q = wait_pop(pu)) != NULL) {
		if (drop(pu, q, now)) {
			req_finish(pu, q, RSP_ENOREG);
			continue;
		}
		q->next = NULL;
		*kt = q;
		kt = &q->next;
	}
	pu->wait = keep;
	pu->wait_tail = keep != NULL ? kt : &pu->wait;
}

static int
used_up(const struct rsp_pu *pu, const struct pu_req *q, uint64_t now)
{
	(void)now;
	return q->sends >= pu->reg.t.request_max_trials;
}

static int
unsent_too_long(const struct rsp_pu *pu, const struct pu_req *q, uint64_t now)
{
	return !q->sent &&
	       now - q->since >= (uint64_t)pu->reg.t.request_timeout_ms;
}

static int64_t unsent_cb(struct ev_loop *loop, uint64_t id, void *arg);

/* Arm the request timeout for the oldest unsent request, if any. */
static void
unsent_arm(struct rsp_pu *pu)
{
	const struct pu_req *q;
	uint64_t oldest = UINT64_MAX, now = ev_now_ms(pu->loop);
	int64_t due;

	if (pu->unsent_timer != EV_TIMER_NONE)
		ev_timer_cancel(pu->loop, pu->unsent_timer);
	pu->unsent_timer = EV_TIMER_NONE;
	for (q = pu->wait; q != NULL; q = q->next)
		if (!q->sent && q->since < oldest)
			oldest = q->since;
	if (oldest == UINT64_MAX)
		return;
	due = (int64_t)(oldest + (uint64_t)pu->reg.t.request_timeout_ms) -
	      (int64_t)now;
	pu->unsent_timer =
	    ev_timer_add(pu->loop, due > 0 ? due : 0, unsent_cb, pu);
}

static int64_t
unsent_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct rsp_pu *pu = arg;

	(void)loop, (void)id;
	pu->unsent_timer = EV_TIMER_NONE;
	wait_drop(pu, unsent_too_long);
	unsent_arm(pu);
	return EV_NOMORE;
}

/* The registrar went away: what was sent there goes to the next one,
 * unless it was sent request_max_trials times already. */
static void
pu_reg_down(struct rsp_pu *pu)
{
	struct pu_req *q;

	wait_drop(pu, used_up);
	for (q = pu->wait; q != NULL; q = q->next)
		if (q->sent) {
			q->sent = 0;
			q->since = ev_now_ms(pu->loop);
		}
	unsent_arm(pu);
}

static void
pu_reg_cb(enum lib_reg_event ev, const struct rsp_msg *m, void *arg)
{
	struct rsp_pu *pu = arg;
	struct pu_req *q;

	switch (ev) {
	case LIB_REG_UP:
		pu_send_waiting(pu);
		unsent_arm(pu);
		break;
	case LIB_REG_MSG:
		if (m->type == ASAP_HANDLE_RESOLUTION_RESPONSE)
			pu_response(pu, m);
		else if (m->type == ASAP_ERROR && (q = wait_pop(pu)) != NULL)
			req_finish(pu, q, RSP_ENOPOOL); /* refused request */
		break;
	case LIB_REG_DOWN:
		pu_reg_down(pu);
		break;
	case LIB_REG_FAILED:
		while ((q = wait_pop(pu)) != NULL)
			req_finish(pu, q, RSP_ENOREG);
		break;
	}
}

struct rsp_pu *
rsp_pu_new(struct ev_loop *loop, const struct rsp_pu_config *cfg, int *err)
{
	struct rsp_pu *pu;

	if ((pu = calloc(1, sizeof(*pu))) == NULL) {
		*err = RSP_ESYSTEM;
		return NULL;
	}
	pu->reg.announce_fd = -1; /* lib_reg_fini-safe */
	pu->unsent_timer = EV_TIMER_NONE;
	pu->loop = loop;
	pu->wait_tail = &pu->wait;
	pu->done_tail = &pu->done;
	pu->stale_ms = cfg->stale_ms;
	*err = RSP_ECONFIG;
	if (cfg->stale_ms < 0 || cfg->stale_ms > 0xffffffffLL)
		goto fail;
	if (lib_reg_init(&pu->reg, loop, cfg->transport, cfg->registrars,
	        cfg->nregistrars, cfg->announce, &cfg->timing, pu_reg_cb,
	        pu) == -1) {
		if (errno != EINVAL)
			*err = RSP_ESYSTEM;
		goto fail;
	}
	if (cfg->stale_ms > 0 && (pu->cache = hs_new(rand_u64())) == NULL) {
		*err = RSP_ESYSTEM;
		goto fail;
	}
	lib_reg_start(&pu->reg);
	*err = RSP_OK;
	return pu;
fail:
	lib_reg_fini(&pu->reg);
	free(pu);
	return NULL;
}

int
rsp_pu_resolve(
    struct rsp_pu *pu, const char *pool_handle, rsp_resolve_cb *cb, void *arg)
{
	struct pu_req *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return RSP_ESYSTEM;
	if (pu_handle(&q->handle, pool_handle) == -1) {
		free(q);
		return RSP_ECONFIG;
	}
	q->cb = cb;
	q->arg = arg;
	q->since = ev_now_ms(pu->loop);
	if (cache_select(pu, q) == 0) {
		req_finish(pu, q, RSP_OK);
		return RSP_OK;
	}
	*pu->wait_tail = q;
	pu->wait_tail = &q->next;
	if (pu->reg.state == LIB_REG_READY)
		pu_send(pu, q);
	else
		lib_reg_start(&pu->reg);
	if (!q->sent && pu->unsent_timer == EV_TIMER_NONE)
		unsent_arm(pu);
	return RSP_OK;
}

int
rsp_report_failure(struct rsp_pu *pu, const char *pool_handle, uint32_t pe_id)
{
	struct rsp_handle h;
	struct rsp_msg m;

	if (pu_handle(&h, pool_handle) == -1)
		return RSP_ECONFIG;
	if (pu->cache != NULL)
		(void)hs_deregister(pu->cache, &h, pe_id);
	lib_pu_unreachable(&m, &h, pe_id);
	if (lib_reg_send(&pu->reg, &m, 0) == -1)
		return RSP_ENOREG;
	return RSP_OK;
}

static void
req_list_free(struct pu_req *q)
{
	struct pu_req *n;

	for (; q != NULL; q = n) {
		n = q->next;
		free(q);
	}
}

void
rsp_pu_free(struct rsp_pu *pu)
{
	if (pu == NULL)
		return;
	if (pu->done_timer != EV_TIMER_NONE)
		ev_timer_cancel(pu->loop, pu->done_timer);
	if (pu->unsent_timer != EV_TIMER_NONE)
		ev_timer_cancel(pu->loop, pu->unsent_timer);
	lib_reg_fini(&pu->reg);
	req_list_free(pu->wait);
	req_list_free(pu->done);
	hs_free(pu->cache);
	free(pu);
}
