/*
 * The counters an application may ask for (struct rsp_counters,
 * include/rsp.h): every event an element or a session hands the
 * application passes here first, so one place counts them all.
 */
#include "core/lib/internal.h"

static void
count(struct rsp_counters *c, const struct rsp_event *ev)
{
	switch (ev->type) {
	case RSP_EV_MSG:
		c->msgs_received++;
		c->bytes_received += ev->len;
		break;
	case RSP_EV_SESSION_UP:
		c->sessions++;
		break;
	case RSP_EV_FAILOVER:
		c->sessions++;
		c->failovers++;
		break;
	case RSP_EV_COOKIE_ECHO:
		c->cookie_echoes++;
		break;
	case RSP_EV_REGISTERED:
		c->registrations++;
		break;
	case RSP_EV_ERROR:
	case RSP_EV_REG_FAILED:
		c->errors[ev->error >= 0 && ev->error <= RSP_ERROR_MAX
		              ? ev->error
		              : RSP_ESYSTEM]++;
		break;
	default:
		break;
	}
}

void
lib_deliver(struct rsp_counters *c, rsp_event_cb *cb,
    const struct rsp_event *ev, void *arg)
{
	if (c != NULL)
		count(c, ev);
	cb(ev, arg);
}

void
lib_count_sent(struct rsp_counters *c, size_t len)
{
	if (c != NULL) {
		c->msgs_sent++;
		c->bytes_sent += len;
	}
}
