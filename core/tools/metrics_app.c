/*
 * A pool element's or pool user's metrics (core/tools/metrics_app.h).
 * The same table serves both roles; only the prefix and what a PE
 * alone has (its registrar association, its load) differ.
 */
#include <stddef.h>
#include <stdio.h>

#include "core/metrics.h"
#include "core/tools/metrics_app.h"
#include "include/rsp.h"

/* "rsp_pe_" or "rsp_pu_" and the rest of the name: static strings, as
 * core/metrics.h wants them. */
#define ROLE_NAME(pu, rest) ((pu) ? "rsp_pu_" rest : "rsp_pe_" rest)

/* The failures an application hears of (RSP_EV_ERROR,
 * RSP_EV_REG_FAILED), by code; the rest count as "other". */
static const struct {
	int code;
	const char *label;
} failures[] = {{RSP_ENOREG, "no_registrar"}, {RSP_ENOPOOL, "no_pool"},
    {RSP_ENOPE, "no_pool_element"}, {RSP_EREFUSED, "refused"}};

static void
fill_failures(struct mx *m, const struct rsp_counters *c, int pu)
{
	uint64_t other = 0;
	size_t i;
	int e;

	for (e = 0; e <= RSP_ERROR_MAX; e++)
		other += c->errors[e];
	mx_family(m, ROLE_NAME(pu, "failures_total"), MX_COUNTER,
	    "failed attempts the library retried or gave up (no registrar, "
	    "no such pool, no PE answering, refused), by reason");
	for (i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
		mx_add1(m, "reason", failures[i].label,
		    (double)c->errors[failures[i].code]);
		other -= c->errors[failures[i].code];
	}
	mx_add1(m, "reason", "other", (double)other);
}

static void
fill_traffic(struct mx *m, const struct rsp_counters *c, int pu)
{
	mx_family(m, ROLE_NAME(pu, "messages_total"), MX_COUNTER,
	    pu ? "application messages: requests sent, responses received"
	       : "application messages: received from PUs, sent to them");
	mx_add1(m, "direction", "sent", (double)c->msgs_sent);
	mx_add1(m, "direction", "received", (double)c->msgs_received);
	mx_family(m, ROLE_NAME(pu, "message_bytes_total"), MX_COUNTER,
	    "payload bytes of those messages");
	mx_add1(m, "direction", "sent", (double)c->bytes_sent);
	mx_add1(m, "direction", "received", (double)c->bytes_received);
}

static void
fill_pe(struct mx *m, const struct mx_app *a)
{
	struct rsp_status st = {0};

	mx_one(m, "rsp_pe_registrations_total", MX_COUNTER,
	    "registrations the registrar accepted, re-registrations included",
	    (double)a->c->registrations);
	mx_one(m, "rsp_pe_sessions_total", MX_COUNTER,
	    "sessions pool users opened", (double)a->c->sessions);
	mx_one(m, "rsp_pe_cookie_echoes_total", MX_COUNTER,
	    "Cookie Echoes received: sessions resumed after a failover",
	    (double)a->c->cookie_echoes);
	if (a->element == NULL)
		return;
	rsp_element_status(a->element, &st);
	mx_one(m, "rsp_pe_registrar_up", MX_GAUGE,
	    "1 while associated with a registrar, else 0",
	    st.registrar_up ? 1 : 0);
	if (st.has_load)
		mx_one(m, "rsp_pe_load_ratio", MX_GAUGE,
		    "the load this PE reports (load-based policies), 0-1",
		    (double)st.load / 4294967295.0);
}

static void
fill_pu(struct mx *m, const struct rsp_counters *c)
{
	mx_one(m, "rsp_pu_sessions_total", MX_COUNTER,
	    "connections to a PE: the first one and each after a failover",
	    (double)c->sessions);
	mx_one(m, "rsp_pu_failovers_total", MX_COUNTER,
	    "failovers to another PE", (double)c->failovers);
	mx_one(m, "rsp_pu_cookie_echoes_total", MX_COUNTER,
	    "Cookie Echoes sent to resume on a new PE",
	    (double)c->cookie_echoes);
}

void
mx_fill_app(struct mx *m, void *arg)
{
	const struct mx_app *a = arg;

	fill_traffic(m, a->c, a->pu);
	if (a->pu)
		fill_pu(m, a->c);
	else
		fill_pe(m, a);
	fill_failures(m, a->c, a->pu);
}
