/*
 * The registrar's own pool elements, the home-PR role (RFC 5352,
 * docs/wire.md 3.4.1-3.4.4): the per-PE lists (by association and by
 * keep-alive state) threaded through the handlespace's PE slots, adding
 * and forgetting home PEs, dropping an association's PEs, the endpoint
 * keep-alive on three deadline-ordered lists with one timer each, and
 * registration-life expiry.
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
#include "core/registrar/internal.h"
#include "core/transport/transport.h"

static const char *const reg_ka_names[] = {
    [REG_KA_IDLE] = "idle",
    [REG_KA_WAIT_ACK] = "wait-ack",
    [REG_KA_SEND] = "send",
};

/* Keep-Alives waiting in SEND for room are retried this often: the
 * registrar does not watch for writability, the queue drains as fast as
 * the PE reads. */
#define KA_RETRY_MS 10

/* ---- lists of PEs by ref ---- */

_Static_assert(
    sizeof(struct reg_pe) <= 28, "struct reg_pe grew: registrar memory per PE");

#define AL offsetof(struct reg_pe, al)
#define KL offsetof(struct reg_pe, kl)

const struct hs_pe *
reg_pe_hs(const struct reg_pe *pe)
{
	return hs_pe_from_ext(pe);
}

struct reg_pe *
reg_pe_at(struct registrar *reg, uint32_t ref)
{
	return hs_pe_ext(hs_pe_at(reg->hs, ref));
}

static uint32_t
pe_ref(const struct reg_pe *pe)
{
	return hs_pe_ref(reg_pe_hs(pe));
}

static struct reg_link *
link_at(struct registrar *reg, uint32_t ref, size_t off)
{
	return (struct reg_link *)((char *)reg_pe_at(reg, ref) + off);
}

static void
list_unlink(
    struct registrar *reg, struct reg_list *l, struct reg_pe *pe, size_t off)
{
	struct reg_link *k = (struct reg_link *)((char *)pe + off);

	if (k->prev != 0)
		link_at(reg, k->prev, off)->next = k->next;
	else
		l->head = k->next;
	if (k->next != 0)
		link_at(reg, k->next, off)->prev = k->prev;
	else
		l->tail = k->prev;
	k->prev = k->next = 0;
}

static void
list_append(
    struct registrar *reg, struct reg_list *l, struct reg_pe *pe, size_t off)
{
	struct reg_link *k = (struct reg_link *)((char *)pe + off);
	uint32_t ref = pe_ref(pe);

	k->prev = l->tail;
	k->next = 0;
	if (l->tail != 0)
		link_at(reg, l->tail, off)->next = ref;
	else
		l->head = ref;
	l->tail = ref;
}

static void
list_prepend(
    struct registrar *reg, struct reg_list *l, struct reg_pe *pe, size_t off)
{
	struct reg_link *k = (struct reg_link *)((char *)pe + off);
	uint32_t ref = pe_ref(pe);

	k->prev = 0;
	k->next = l->head;
	if (l->head != 0)
		link_at(reg, l->head, off)->prev = ref;
	else
		l->tail = ref;
	l->head = ref;
}

/* ---- home PEs ---- */

struct reg_pe *
reg_pe_find(struct registrar *reg, const struct rsp_handle *h, uint32_t id)
{
	const struct hs_pe *hpe = hs_find_pe(reg->hs, h, id);
	struct reg_pe *pe;

	if (hpe == NULL)
		return NULL;
	pe = hs_pe_ext(hpe);
	return pe->ours ? pe : NULL;
}

struct reg_pe *
reg_pe_add(struct registrar *reg, const struct rsp_handle *h, uint32_t id,
    uint32_t assoc)
{
	const struct hs_pe *hpe = hs_find_pe(reg->hs, h, id);
	struct reg_assoc *a, *old;
	struct reg_pe *pe;

	if (hpe == NULL || (a = reg_assoc_get(reg, assoc)) == NULL)
		return NULL;
	pe = hs_pe_ext(hpe);
	if (pe->ours && pe->assoc == assoc)
		return pe;
	if (pe->ours && (old = reg_assoc_find(reg, pe->assoc)) != NULL) {
		list_unlink(reg, &old->pes, pe, AL);
		old->npes--;
	}
	if (!pe->ours)
		reg->pe_n++;
	pe->ours = 1;
	pe->assoc = assoc;
	list_prepend(reg, &a->pes, pe, AL);
	a->npes++;
	return pe;
}

void
reg_pe_forget(struct registrar *reg, struct reg_pe *pe)
{
	struct reg_assoc *a;

	if (pe->queued)
		list_unlink(reg, &reg->ka[pe->ka].pes, pe, KL);
	if (pe->ours && (a = reg_assoc_find(reg, pe->assoc)) != NULL) {
		list_unlink(reg, &a->pes, pe, AL);
		a->npes--;
	}
	if (pe->ours)
		reg->pe_n--;
	memset(pe, 0, sizeof(*pe));
}

/* The handlespace frees a PE (any path): nothing may point at it. */
void
reg_pe_dropped(void *arg, struct hs_pe *hpe)
{
	reg_pe_forget(arg, hs_pe_ext(hpe));
}

/* The action log's line for a PE removed without a Deregistration, as
 * RSPLIB writes it. */
static void
log_removal(struct registrar *reg, const struct rsp_handle *h, uint32_t id,
    const char *reason, double time_s)
{
	struct reg_action a = {"Send", "ASAP", "Deregistration", reason, 0, 0,
	    time_s, h, id, reg->id, 0, 0, 0};

	reg_action(reg, &a);
}

void
reg_assoc_drop(struct registrar *reg, uint32_t id, const char *why)
{
	char hs[2 * RSP_HANDLE_MAX + 3];
	const struct hs_pe *hpe;
	struct reg_assoc *a;
	struct rsp_handle h;
	uint32_t pid;

	if ((a = reg_assoc_find(reg, id)) == NULL)
		return;
	while (a->pes.head != 0) {
		hpe = hs_pe_at(reg->hs, a->pes.head);
		h = *hs_pe_handle(hpe);
		pid = hs_pe_id(hpe);
		log_removal(reg, &h, pid,
		    strcmp(why, "keep-alive timeout") == 0
		        ? "KeepAliveTimeoutTimer"
		        : "Disconnect",
		    0);
		rsp_handle_str(&h, hs, sizeof(hs));
		log_info(
		    "registrar: removed PE $%08x of pool %s: %s", pid, hs, why);
		reg_enrp_update(reg, ENRP_DEL_PE, &h, pid);
		/* Takes it off a->pes (reg_pe_dropped). */
		if (hs_deregister(reg->hs, &h, pid) == -1)
			reg_pe_forget(reg, hs_pe_ext(hpe)); /* not reached */
	}
	reg_assoc_forget(reg, a);
	reg_expiry_arm(reg);
}

/* ---- keep-alive (docs/wire.md 3.4.4) ---- */

/* The PE's Keep-Alive, H=1 while it is being adopted (takeover.c); -1
 * with errno.  Like reg_send(), but a full send queue (EAGAIN) is not
 * logged: the Keep-Alive then waits in SEND. */
static int
ka_send(struct registrar *reg, struct reg_pe *pe)
{
	const struct hs_pe *hpe = reg_pe_hs(pe);
	struct rsp_msg m;
	int err;

	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_ENDPOINT_KEEP_ALIVE);
	m.flags = pe->adopt != REG_ADOPT_NONE ? ASAP_FLAG_H : 0;
	m.sender = reg->id;
	m.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
	m.handle = *hs_pe_handle(hpe);
	m.pe_id = hs_pe_id(hpe);
	wbuf_init(&reg->out, reg->outmem, sizeof(reg->outmem));
	if (rsp_msg_encode(&m, &reg->out) == -1 || reg->io.send == NULL)
		return -1;
	if (reg->io.send(reg->io.arg, pe->assoc, reg->out.data, reg->out.len) ==
	    -1) {
		err = errno;
		if (err != EAGAIN)
			log_warning(
			    "registrar: send ENDPOINT_KEEP_ALIVE on assoc "
			    "%u: %s",
			    pe->assoc, strerror(err));
		errno = err;
		return -1;
	}
	reg->count.keepalives++;
	reg_action_msg(reg, "Send", "ASAP", &m);
	return 0;
}

/*
 * A takeover sends a Keep-Alive to every adopted PE at once; 100,000
 * PEs behind one transport address share one association, and their
 * Keep-Alives overflow its send queue (TR_TX_MAX).  A Keep-Alive lost
 * there would time out and take the association, and every PE on it,
 * with it (bench/scale.sh); so it waits in SEND, behind the others of
 * its association, until there is room.
 */
void
reg_pe_ka_start(struct registrar *reg, struct reg_pe *pe)
{
	struct reg_assoc *a = reg_assoc_find(reg, pe->assoc);

	if (a != NULL && a->ka_full) {
		reg_pe_ka_transition(reg, pe, REG_KA_SEND);
		return;
	}
	if (ka_send(reg, pe) == -1 && errno == EAGAIN && a != NULL) {
		a->ka_full = 1;
		reg_pe_ka_transition(reg, pe, REG_KA_SEND);
		return;
	}
	reg_pe_ka_transition(reg, pe, REG_KA_WAIT_ACK);
}

static long long
ka_delay(const struct registrar *reg, enum reg_ka_state st)
{
	return st == REG_KA_IDLE ? reg->cfg.ka_interval : reg->cfg.ka_timeout;
}

static ev_timer_cb ka_idle_timer, ka_ack_timer, ka_send_timer;
static ev_timer_cb *const ka_timers[REG_KA_NSTATES] = {
    [REG_KA_IDLE] = ka_idle_timer,
    [REG_KA_WAIT_ACK] = ka_ack_timer,
    [REG_KA_SEND] = ka_send_timer,
};

/* Deadlines are 32-bit ms: delays stay far below 2^31, so the sign of
 * the difference orders them across the wrap. */
static int32_t
ka_left(const struct registrar *reg, const struct reg_pe *pe)
{
	return (int32_t)(pe->due - (uint32_t)ev_now_ms(reg->loop));
}

/* The list's timer at its head's deadline (SEND: KA_RETRY_MS at the
 * latest).  A head that left early makes the timer fire early: it then
 * finds nothing due and re-arms. */
static void
ka_arm(struct registrar *reg, enum reg_ka_state st)
{
	struct reg_ka_list *q = &reg->ka[st];
	int32_t ms;

	if (q->pes.head == 0) {
		if (q->timer != EV_TIMER_NONE)
			ev_timer_cancel(reg->loop, q->timer);
		q->timer = EV_TIMER_NONE;
		return;
	}
	ms = ka_left(reg, reg_pe_at(reg, q->pes.head));
	if (ms < 0)
		ms = 0;
	if (st == REG_KA_SEND && ms > KA_RETRY_MS)
		ms = KA_RETRY_MS;
	if (q->timer != EV_TIMER_NONE &&
	    ev_timer_reschedule(reg->loop, q->timer, ms) == 0)
		return;
	q->timer = ev_timer_add(reg->loop, ms, ka_timers[st], reg);
	if (q->timer == EV_TIMER_NONE)
		log_error("registrar: keep-alive timer: %s", strerror(errno));
}

/* The only place that changes pe->ka; it keeps the lists. */
void
reg_pe_ka_transition(
    struct registrar *reg, struct reg_pe *pe, enum reg_ka_state st)
{
	long long timo = ka_delay(reg, st);
	struct reg_ka_list *q = &reg->ka[st];

	log_debug(3, "registrar: PE $%08x keep-alive %s -> %s, %lld ms",
	    hs_pe_id(reg_pe_hs(pe)), reg_ka_names[pe->ka], reg_ka_names[st],
	    timo);
	if (pe->queued)
		list_unlink(reg, &reg->ka[pe->ka].pes, pe, KL);
	pe->ka = (uint8_t)st;
	pe->due = (uint32_t)(ev_now_ms(reg->loop) + (uint64_t)timo);
	pe->queued = 1;
	list_append(reg, &q->pes, pe, KL);
	if (q->pes.head == pe_ref(pe))
		ka_arm(reg, st);
}

/* No KA-Ack in time (or no room to send the KA): abort the
 * association, its PEs go. */
static void
ka_timeout(struct registrar *reg, struct reg_pe *pe)
{
	const struct hs_pe *hpe = reg_pe_hs(pe);
	char hs[2 * RSP_HANDLE_MAX + 3];
	uint32_t assoc = pe->assoc;

	rsp_handle_str(hs_pe_handle(hpe), hs, sizeof(hs));
	log_notice("registrar: PE $%08x of pool %s: %s in %lld ms, aborting "
	           "assoc %u",
	    hs_pe_id(hpe), hs,
	    pe->ka == REG_KA_SEND ? "keep-alive not sent (send queue full)"
	                          : "no keep-alive ack",
	    reg->cfg.ka_timeout, assoc);
	if (reg->io.abort != NULL)
		reg->io.abort(reg->io.arg, assoc);
	reg_assoc_drop(reg, assoc, "keep-alive timeout");
}

/* Every PE of one list whose deadline passed, oldest first. */
static void
ka_run(struct registrar *reg, enum reg_ka_state st)
{
	struct reg_ka_list *q = &reg->ka[st];
	struct reg_pe *pe;
	uint32_t ref;

	while ((ref = q->pes.head) != 0) {
		pe = reg_pe_at(reg, ref);
		if (ka_left(reg, pe) > 0)
			break;
		if (st == REG_KA_IDLE) {
			reg_pe_ka_start(reg, pe);
			continue;
		}
		ka_timeout(reg, pe);
		/* Its association's PEs went with it; make sure. */
		if (q->pes.head == ref)
			reg_pe_forget(reg, pe);
	}
}

/*
 * One retry pass over SEND (after ka_run took the timed-out head): in
 * order, each PE's Keep-Alive unless its association found its queue
 * full earlier in this pass.  Every association with a PE in SEND is
 * visited, so each ends the pass full exactly if the pass found it so
 * (one whose queued PEs all left otherwise stays marked until its next
 * Keep-Alive, queued here, is sent by the next pass).
 */
static void
ka_retry(struct registrar *reg)
{
	uint32_t ref, next, pass = ++reg->ka_passes;
	struct reg_assoc *a;
	struct reg_pe *pe;

	for (ref = reg->ka[REG_KA_SEND].pes.head; ref != 0; ref = next) {
		pe = reg_pe_at(reg, ref);
		next = pe->kl.next;
		if ((a = reg_assoc_find(reg, pe->assoc)) != NULL &&
		    a->ka_pass == pass)
			continue;
		if (ka_send(reg, pe) == -1 && errno == EAGAIN && a != NULL) {
			a->ka_full = 1;
			a->ka_pass = pass;
			continue;
		}
		if (a != NULL)
			a->ka_full = 0;
		reg_pe_ka_transition(reg, pe, REG_KA_WAIT_ACK);
	}
}

static void
ka_fired(struct registrar *reg, enum reg_ka_state st)
{
	reg->ka[st].timer = EV_TIMER_NONE;
	ka_run(reg, st);
	if (st == REG_KA_SEND)
		ka_retry(reg);
	ka_arm(reg, st);
}

static int64_t
ka_idle_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop, (void)id;
	ka_fired(arg, REG_KA_IDLE);
	return EV_NOMORE;
}

static int64_t
ka_ack_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop, (void)id;
	ka_fired(arg, REG_KA_WAIT_ACK);
	return EV_NOMORE;
}

static int64_t
ka_send_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop, (void)id;
	ka_fired(arg, REG_KA_SEND);
	return EV_NOMORE;
}

const char *
reg_pe_ka_state(
    const struct registrar *reg, const struct rsp_handle *h, uint32_t id)
{
	struct reg_pe *pe = reg_pe_find((struct registrar *)reg, h, id);

	return pe ? reg_ka_names[pe->ka] : NULL;
}

/* ---- registration life expiry ---- */

static void
expire_one(void *arg, const struct hs_pe *hpe)
{
	struct registrar *reg = arg;
	char hs[2 * RSP_HANDLE_MAX + 3];

	/* The handlespace drops the PE next (reg_pe_dropped). */
	rsp_handle_str(hs_pe_handle(hpe), hs, sizeof(hs));
	log_info("registrar: PE $%08x of pool %s: registration life expired",
	    hs_pe_id(hpe), hs);
	log_removal(reg, hs_pe_handle(hpe), hs_pe_id(hpe), "ExpiryTimer",
	    (double)reg->cfg.takeover_expiry / 1000.0);
	reg_enrp_update(reg, ENRP_DEL_PE, hs_pe_handle(hpe), hs_pe_id(hpe));
}

static int64_t
expiry_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct registrar *reg = arg;

	(void)id;
	reg->expiry_timer = EV_TIMER_NONE;
	hs_expire(reg->hs, ev_now_ms(loop), expire_one, reg);
	reg_expiry_arm(reg);
	return EV_NOMORE;
}

/* One timer for the earliest registration expiry in the handlespace. */
void
reg_expiry_arm(struct registrar *reg)
{
	uint64_t when, now = ev_now_ms(reg->loop);
	int64_t ms;

	if (hs_next_expiry(reg->hs, &when) == -1) {
		if (reg->expiry_timer != EV_TIMER_NONE)
			ev_timer_cancel(reg->loop, reg->expiry_timer);
		reg->expiry_timer = EV_TIMER_NONE;
		return;
	}
	ms = when > now ? (int64_t)(when - now) : 0;
	if (reg->expiry_timer != EV_TIMER_NONE &&
	    ev_timer_reschedule(reg->loop, reg->expiry_timer, ms) == 0)
		return;
	reg->expiry_timer = ev_timer_add(reg->loop, ms, expiry_timer, reg);
}
