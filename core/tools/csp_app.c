/*
 * The CSP report of a pool element or pool user (core/tools/csp_app.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/csp_report.h"
#include "core/tools/csp_app.h"
#include "core/transport/transport.h"
#include "include/rsp.h"
#include "proto/wire.h"

void
csp_fill_app(struct csp_reporter *rep, struct csp_report *r, void *arg)
{
	struct csp_app *app = arg;
	struct rsp_status st;
	char text[CSP_TEXT_SIZE];

	memset(&st, 0, sizeof(st));
	if (app->element != NULL) {
		rsp_element_status(app->element, &st);
		csp_reporter_set_port(rep, rsp_element_port(app->element));
	} else if (app->session != NULL)
		rsp_session_status(app->session, &st);
	if (st.registrar_up)
		csp_reporter_add_assoc(rep, CSP_GROUP_PR, st.registrar_id,
		    csp_reporter_since_us(rep, st.registrar_since_ms),
		    tr_ip_proto(st.transport), RSP_PPID_ASAP);
	if (st.pe_id != 0)
		csp_reporter_add_assoc(rep, CSP_GROUP_PE, st.pe_id,
		    csp_reporter_since_us(rep, st.pe_since_ms),
		    tr_ip_proto(st.transport), st.ppid);
	if (app->status != NULL && app->status[0] != '\0' && app->sessions == 1)
		csp_set_text(r->status, app->status);
	else {
		snprintf(text, sizeof(text), "%d Session%s", app->sessions,
		    app->sessions == 1 ? "" : "s");
		csp_set_text(r->status, text);
	}
	/* RSPLIB: a PE with a load-based policy reports its load. */
	r->workload = CSP_WORKLOAD_NA;
	if (app->has_workload)
		r->workload = csp_workload(app->workload);
	else if (st.has_load)
		r->workload = csp_workload(st.load / 4294967295.0);
}
