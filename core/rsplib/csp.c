/*
 * Component Status Protocol reports of a program on RSPLIB's API
 * (docs/library.md "CSP status"; docs/wire.md 8), so that a CSP
 * monitor (rsp cspmonitor, RSPLIB's cspmonitor) shows it as it shows
 * the same program on RSPLIB's library.  As RSPLIB 3.4.4: on when
 * rsp_info holds both a monitor and an interval (-cspserver= and
 * -cspinterval=, or $CSP_SERVER and $CSP_INTERVAL through
 * rsp_initinfo()); the sender is ri_csp_identifier, a pool element
 * group without an object taking the PE's ID once registered; one
 * association to the registrar and one per pool user session to its
 * PE; the status text is the application's (rsp_csp_setstatus()) while
 * it has exactly one session, else "N Sessions"; a PE with a
 * load-based policy reports its load.  The fill runs on the loop
 * thread with the mutex held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/csp_report.h"
#include "core/rsplib/internal.h"
#include "core/transport/transport.h"
#include "proto/csp.h"
#include "proto/wire.h"

static struct csp_reporter *reporter;
static uint64_t sender;

/* The registrar association (the first object that has one), once. */
static void
add_registrar(struct csp_reporter *rep, const struct rsp_status *st, int *done)
{
	if (*done || !st->registrar_up)
		return;
	csp_reporter_add_assoc(rep, CSP_GROUP_PR, st->registrar_id,
	    csp_reporter_since_us(rep, st->registrar_since_ms),
	    tr_ip_proto(st->transport), RSP_PPID_ASAP);
	*done = 1;
}

/* A PE's socket: its sessions, its ID for a sender without one, its
 * load, its port for the location. */
static void
fill_element(struct csp_reporter *rep, struct csp_report *r, struct cp_sock *s,
    int *registrar)
{
	struct rsp_status st;

	memset(&st, 0, sizeof(st));
	rsp_element_status(s->element, &st);
	add_registrar(rep, &st, registrar);
	if (csp_id_group(sender) == CSP_GROUP_PE &&
	    csp_id_object(sender) == 0 && rsp_element_id(s->element) != 0) {
		r->sender = csp_id(CSP_GROUP_PE, rsp_element_id(s->element));
		csp_reporter_set_sender(rep, r->sender);
	}
	if (st.has_load)
		r->workload = csp_workload(st.load / 4294967295.0);
	csp_reporter_set_port(rep, rsp_element_port(s->element));
}

static void
fill(struct csp_reporter *rep, struct csp_report *r, void *arg)
{
	const char *text = NULL;
	char buf[CSP_TEXT_SIZE];
	struct cp_sock *s;
	int sessions = 0, registrar = 0;

	(void)arg;
	r->workload = CSP_WORKLOAD_NA;
	for (s = cp.socks; s != NULL; s = s->next) {
		if (s->mapped)
			continue;
		if (s->element != NULL) {
			fill_element(rep, r, s, &registrar);
			sessions += s->nsessions;
		} else if (s->session != NULL) {
			struct rsp_status st;

			memset(&st, 0, sizeof(st));
			rsp_session_status(s->session, &st);
			add_registrar(rep, &st, &registrar);
			if (st.pe_id != 0)
				csp_reporter_add_assoc(rep, CSP_GROUP_PE,
				    st.pe_id,
				    csp_reporter_since_us(rep, st.pe_since_ms),
				    tr_ip_proto(st.transport), st.ppid);
			sessions++;
		}
		if (s->status[0] != '\0')
			text = s->status;
	}
	if (text == NULL || sessions != 1) {
		snprintf(buf, sizeof(buf), "%d Session%s", sessions,
		    sessions == 1 ? "" : "s");
		text = buf;
	}
	csp_set_text(r->status, text);
}

void
cp_csp_start(const struct rsp_info *info)
{
	struct csp_config c;

	if (info->ri_csp_server == NULL || info->ri_csp_interval == 0)
		return;
	memset(&c, 0, sizeof(c));
	c.enabled = 1;
	c.interval = info->ri_csp_interval;
	memcpy(&c.to, info->ri_csp_server,
	    info->ri_csp_server->sa_family == AF_INET6
	        ? sizeof(struct sockaddr_in6)
	        : sizeof(struct sockaddr_in));
	sender = info->ri_csp_identifier;
	reporter = csp_reporter_new(cp.loop, &c, sender, fill, NULL);
	if (reporter == NULL)
		fprintf(
		    stderr, "rsplib: no CSP reports: %s\n", strerror(errno));
}

/* The final report; before the loop goes. */
void
cp_csp_stop(void)
{
	csp_reporter_free(reporter);
	reporter = NULL;
}
