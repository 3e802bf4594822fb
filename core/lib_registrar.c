/*
 * The library's registrar channel (core/lib_int.h): static registrar
 * list, one association at a time, 3 s request timeout, failover to the
 * next registrar.  Announce-based discovery is not implemented.
 */
#include <errno.h>
#include <string.h>

#include "core/ev.h"
#include "core/lib_int.h"
#include "core/transport.h"
#include "proto/wire.h"

static void reg_connect(struct lib_reg *r);

static void
reg_timer_cancel(struct lib_reg *r)
{
	if (r->timer != EV_TIMER_NONE)
		ev_timer_cancel(r->loop, r->timer);
	r->timer = EV_TIMER_NONE;
}

static int64_t
retry_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct lib_reg *r = arg;

	(void)loop;
	(void)id;
	r->timer = EV_TIMER_NONE;
	if (r->old_ep != NULL) {
		tr_ep_free(r->old_ep);
		r->old_ep = NULL;
	}
	if (r->state == LIB_REG_IDLE)
		reg_connect(r);
	return EV_NOMORE;
}

/* Drop the association, move to the next registrar, retry later. */
static void
reg_down(struct lib_reg *r)
{
	int was_ready = r->state == LIB_REG_READY;

	reg_timer_cancel(r);
	if (r->ep != NULL) {
		tr_abort(r->ep, r->assoc);
		r->old_ep = r->ep; /* may be the endpoint of this callback */
		r->ep = NULL;
	}
	r->state = LIB_REG_IDLE;
	r->pending = 0;
	r->server_id = 0;
	r->cur = (r->cur + 1) % r->nregs;
	r->timer = ev_timer_add(r->loop, LIB_RETRY_MS, retry_cb, r);
	if (was_ready)
		r->cb(LIB_REG_DOWN, NULL, r->arg);
}

static int64_t
timeout_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct lib_reg *r = arg;

	(void)loop;
	(void)id;
	r->timer = EV_TIMER_NONE;
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
	}
	if (m.type == ASAP_ENDPOINT_KEEP_ALIVE && m.sender != 0)
		r->server_id = m.sender; /* for CSP reports */
	r->cb(LIB_REG_MSG, &m, r->arg);
	rsp_msg_free(&m);
}

static void
reg_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct lib_reg *r = arg;

	if (ep != r->ep)
		return;
	switch (ev->type) {
	case TR_EV_UP:
		reg_timer_cancel(r);
		r->state = LIB_REG_READY;
		r->up_ms = ev_now_ms(r->loop);
		r->cb(LIB_REG_UP, NULL, r->arg);
		break;
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

static void
reg_connect(struct lib_reg *r)
{
	r->ep = tr_ep_new(r->loop, r->kind, NULL, TR_ONE_TO_ONE, reg_event, r);
	if (r->ep == NULL || tr_connect(r->ep, &r->regs[r->cur], &r->assoc)) {
		if (r->ep != NULL)
			tr_ep_free(r->ep);
		r->ep = NULL;
		r->cur = (r->cur + 1) % r->nregs;
		r->timer = ev_timer_add(r->loop, LIB_RETRY_MS, retry_cb, r);
		return;
	}
	r->state = LIB_REG_CONNECTING;
	r->timer = ev_timer_add(r->loop, LIB_CONNECT_MS, timeout_cb, r);
}

int
lib_reg_init(struct lib_reg *r, struct ev_loop *loop, int kind,
    const char *const *regs, int nregs, lib_reg_cb *cb, void *arg)
{
	int i;

	memset(r, 0, sizeof(*r));
	if (nregs < 1 || nregs > RSP_REGISTRARS_MAX)
		return -1;
	for (i = 0; i < nregs; i++)
		if (addr_list_parse(
		        &r->regs[i], regs[i], RSP_PORT_ASAP, 0, NULL, 0) == -1)
			return -1;
	r->loop = loop;
	r->kind = kind;
	r->nregs = nregs;
	r->cb = cb;
	r->arg = arg;
	return 0;
}

void
lib_reg_start(struct lib_reg *r)
{
	if (r->state == LIB_REG_IDLE && r->timer == EV_TIMER_NONE)
		reg_connect(r);
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
			r->timer = ev_timer_add(
			    r->loop, LIB_REQ_TIMEOUT_MS, timeout_cb, r);
	}
	return rc;
}

int
lib_reg_adopt(struct lib_reg *r, struct tr_ep *from, uint32_t assoc)
{
	struct tr_ep *nep;

	if ((nep = tr_peeloff(from, assoc, reg_event, r)) == NULL)
		return -1;
	reg_timer_cancel(r);
	if (r->old_ep != NULL)
		tr_ep_free(r->old_ep);
	if (r->ep != NULL)
		tr_ep_free(r->ep);
	r->old_ep = NULL;
	r->ep = nep;
	r->assoc = assoc;
	r->pending = 0;
	r->state = LIB_REG_READY;
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

void
lib_reg_fini(struct lib_reg *r)
{
	reg_timer_cancel(r);
	if (r->ep != NULL)
		tr_ep_free(r->ep);
	if (r->old_ep != NULL)
		tr_ep_free(r->old_ep);
	r->ep = r->old_ep = NULL;
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
