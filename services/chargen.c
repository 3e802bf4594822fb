// RSP_SERVICE(chargen, "CharGen service, pool CharGenPool")
/*
 * CharGen (docs/wire.md 9.3): on a new session, 1024-byte messages with
 * PPID 0 back to back until a send fails, then the session ends.  The
 * element's loop must not block, so each session is refilled from a
 * timer whenever the transport's buffer has room (RSP_EAGAIN: later).
 * As RSPLIB's threaded server it serves at most -chargenmaxthreads
 * sessions at a time and closes any further one at once.
 */
#include <stdlib.h>

#include "core/ev.h"
#include "services/service.h"

#define CHARGEN_TICK_MS 5

struct chargen_conf chargen_conf;

const struct opt chargen_opts[] = {
    {"chargenmaxthreads", OPT_INT, "N",
        OPT_HELP("CharGen: sessions served at a time"), "4", 1, 16384,
        offsetof(struct chargen_conf, max_threads)},
    OPT_END,
};

struct chargen {
	uint64_t timer;
	uint8_t msg[CHARGEN_MSG_LEN];
	int n;
	uint32_t sessions[]; /* n of them, 0: free */
};

void
chargen_fill(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(30 + i % 98);
}

/* Send until the transport is full; 0 if the session goes on. */
static int
chargen_pump(struct svc_ctx *c, struct chargen *cg, uint32_t session)
{
	int rc;

	while ((rc = rsp_element_send(
	            c->e, session, 0, 0, cg->msg, sizeof(cg->msg))) == RSP_OK)
		;
	if (rc == RSP_EAGAIN)
		return 0;
	rsp_element_close_session(c->e, session);
	return -1;
}

static int64_t
chargen_tick(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct svc_ctx *c = arg;
	struct chargen *cg = c->priv;
	int i;

	(void)loop;
	(void)id;
	for (i = 0; i < cg->n; i++)
		if (cg->sessions[i] != 0 &&
		    chargen_pump(c, cg, cg->sessions[i]) == -1)
			cg->sessions[i] = 0;
	return CHARGEN_TICK_MS;
}

static int
chargen_init(struct svc_ctx *c)
{
	struct chargen *cg;
	int n =
	    chargen_conf.max_threads > 0 ? (int)chargen_conf.max_threads : 4;

	if ((cg = calloc(1, sizeof(*cg) + (size_t)n * sizeof(uint32_t))) ==
	    NULL)
		return -1;
	cg->n = n;
	chargen_fill(cg->msg, sizeof(cg->msg));
	c->priv = cg;
	cg->timer = ev_timer_add(c->loop, CHARGEN_TICK_MS, chargen_tick, c);
	return cg->timer == EV_TIMER_NONE ? -1 : 0;
}

static void
chargen_fini(struct svc_ctx *c)
{
	struct chargen *cg = c->priv;

	if (cg == NULL)
		return;
	ev_timer_cancel(c->loop, cg->timer);
	free(cg);
	c->priv = NULL;
}

static void
chargen_up(struct svc_ctx *c, uint32_t session)
{
	struct chargen *cg = c->priv;
	int i;

	for (i = 0; i < cg->n; i++)
		if (cg->sessions[i] == 0) {
			cg->sessions[i] = session;
			return;
		}
	rsp_element_close_session(c->e, session); /* all busy */
}

static void
chargen_msg(struct svc_ctx *c, const struct rsp_event *ev)
{
	(void)c;
	(void)ev;
}

static void
chargen_down(struct svc_ctx *c, uint32_t session)
{
	struct chargen *cg = c->priv;
	int i;

	for (i = 0; i < cg->n; i++)
		if (cg->sessions[i] == session)
			cg->sessions[i] = 0;
}

const struct svc svc_chargen = {"chargen", "CharGenPool", chargen_init,
    chargen_fini, chargen_up, chargen_msg, chargen_down, NULL, chargen_opts,
    &chargen_conf, NULL, NULL};
