/*
 * Component Status Protocol reports (core/csp_report.h) of a pool element
 * or pool user that uses the library: its associations as the library
 * reports them (rsp_element_status(), rsp_session_status()).
 *
 *	struct csp_app app = {.session = s, .sessions = 1};
 *	rep = csp_reporter_new(loop, &csp, csp_id(CSP_GROUP_PU, rand_u64()),
 *	    csp_fill_app, &app);
 */
#ifndef RSP_CORE_TOOLS_CSP_APP_H
#define RSP_CORE_TOOLS_CSP_APP_H

#include "core/csp_report.h"

struct rsp_element;
struct rsp_session;

/*
 * The status of a pool element or pool user as RSPLIB's library
 * reports it (rsplib getSessionStatus): "N Sessions" (or the
 * application's text when it has exactly one session), an association
 * to the registrar (PPID 11) and one to the PE of a PU's session (with
 * the session's PPID).  The applet keeps `sessions` current.
 */
struct csp_app {
	struct rsp_element *element; /* PE, or NULL */
	struct rsp_session *session; /* PU, or NULL */
	int sessions;                /* sessions the component has */
	const char *status;          /* application text, NULL: none */
	int has_workload; /* else: the PE's load if its policy uses one, N/A */
	double workload;  /* 0..1 */
};
void csp_fill_app(struct csp_reporter *rep, struct csp_report *r, void *arg);

#endif
