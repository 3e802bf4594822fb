/*
 * Pool users' patience (core/tools/giveup.h): the library's failure events in
 * words, once each, and the bounded wait for a pool element.
 */
#include <stdio.h>
#include <string.h>

#include "core/ev.h"
#include "core/tools/giveup.h"
#include "core/log.h"

const struct opt giveup_opts[] = {
    {"giveup", OPT_INT, "MS",
        OPT_HELP(
            "exit when no pool element was reached for MS (0: retry forever)"),
        "10000", 0, 86400000, offsetof(struct giveup, ms)},
    OPT_END,
};

int
giveup_exit_status(int err)
{
	switch (err) {
	case RSP_EREFUSED:
		return RSP_EXIT_REFUSED;
	case RSP_ENOPOOL:
		return RSP_EXIT_NOPOOL;
	case RSP_ENOREG:
		return RSP_EXIT_NOREG;
	case RSP_ENOPE:
		return RSP_EXIT_NOPE;
	}
	return 1;
}

void
giveup_describe(
    char *buf, size_t len, int err, unsigned cause, const char *detail)
{
	char c[96] = "";

	if (cause != 0)
		snprintf(c, sizeof(c), " (cause 0x%04x: %s)", cause,
		    rsp_strcause(cause));
	snprintf(buf, len, "%s%s%s%s", rsp_strerror(err),
	    detail != NULL && *detail ? ": " : "", detail ? detail : "", c);
}

static int64_t
giveup_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct giveup *g = arg;
	char d[GIVEUP_DETAIL_MAX + 160];
	int err = g->error != RSP_OK ? g->error : RSP_ENOPE;

	(void)id;
	g->timer = EV_TIMER_NONE;
	giveup_describe(d, sizeof(d), err, g->cause, g->detail);
	log_error("%s: giving up after %lld ms without a pool element "
	          "(-giveup): %s",
	    g->who, g->ms, d);
	g->status = giveup_exit_status(err);
	ev_stop(loop);
	return EV_NOMORE;
}

static void
giveup_arm(struct giveup *g)
{
	if (g->ms > 0 && g->timer == EV_TIMER_NONE)
		g->timer = ev_timer_add(g->loop, g->ms, giveup_timer, g);
}

void
giveup_start(struct giveup *g, struct ev_loop *loop, const char *who)
{
	g->loop = loop;
	g->who = who;
	g->timer = EV_TIMER_NONE;
	g->error = RSP_OK;
	g->logged[0] = '\0';
	g->status = 0;
}

void
giveup_stop(struct giveup *g)
{
	if (g->timer != EV_TIMER_NONE)
		ev_timer_cancel(g->loop, g->timer);
	g->timer = EV_TIMER_NONE;
}

/* A new failure is worth the user's attention; the same one again (a
 * retry every 250 ms, a full PE) only once a minute. */
static void
giveup_failure(struct giveup *g, const struct rsp_event *ev)
{
	const char *detail = ev->detail ? ev->detail : "";
	char d[GIVEUP_DETAIL_MAX + 160];
	uint64_t now = ev_now_ms(g->loop);

	giveup_describe(d, sizeof(d), ev->error, ev->cause, detail);
	if (now - g->logged_ms < GIVEUP_REPEAT_MS && strcmp(d, g->logged) == 0)
		log_debug(1, "%s: %s", g->who, d);
	else {
		log_warning("%s: %s", g->who, d);
		snprintf(g->logged, sizeof(g->logged), "%s", d);
		g->logged_ms = now;
	}
	g->error = ev->error;
	g->cause = ev->cause;
	snprintf(g->detail, sizeof(g->detail), "%s", detail);
	giveup_arm(g);
}

void
giveup_event(struct giveup *g, const struct rsp_event *ev)
{
	switch (ev->type) {
	case RSP_EV_REGISTERED: /* a pool element's success */
	case RSP_EV_SESSION_UP:
	case RSP_EV_FAILOVER:
		giveup_stop(g);
		g->error = RSP_OK;
		g->cause = 0;
		g->detail[0] = '\0';
		break;
	case RSP_EV_ERROR:
		giveup_failure(g, ev);
		break;
	default:
		break;
	}
}
