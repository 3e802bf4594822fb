/*
 * What every pool-user applet shares (terminal, pingpongclient,
 * calcappclient, scriptingclient, fractalpooluser): RSPLIB's registrar
 * options, -giveup, the CSP reporting options and report, and the
 * checks that turn them into a session configuration.
 *
 *	struct pu_common pc;
 *	sets[] = {{X_opts, &x}, PU_COMMON_OPT_SETS(&pc)};
 *	if (pu_common_config(&pc, argv0, pool, &cfg) == -1) return 2;
 *	loop = pu_common_loop(&pc, "terminal", 1);  NULL: exit 1
 *	... sessions ...
 *	rep = pu_common_csp(&pc, loop, s, 0, NULL, NULL);
 *	ev_run(loop);
 *	status = pu_common_end(&pc, rep, status);
 *	... free the sessions, then the loop ...
 */
#ifndef RSP_CORE_TOOLS_PU_COMMON_H
#define RSP_CORE_TOOLS_PU_COMMON_H

#include "core/csp_report.h"
#include "core/lib/discovery_opts.h"
#include "core/log.h"
#include "core/metrics_export.h"
#include "core/tools/csp_app.h"
#include "core/tools/giveup.h"
#include "core/tools/metrics_app.h"
#include "core/transport/transport.h"
#include "include/rsp.h"

struct pu_common {
	struct discovery_config disc;
	struct giveup giveup;
	struct csp_config csp;
	struct csp_app csp_app;
	struct mx_config mc;          /* -metrics, -metricsfile, ... */
	struct rsp_counters counters; /* every session's (cfg->counters) */
	struct mx_app mx_app;
	struct mx_exporter *mx;
	const char *pool;
};

/* The option sets after the applet's own. */
#define PU_COMMON_OPT_SETS(pc)                                       \
	{discovery_opts, &(pc)->disc}, {giveup_opts, &(pc)->giveup}, \
	    {csp_opts, &(pc)->csp}, {mx_opts, &(pc)->mc},            \
	    {tr_opts, &tr_config},                                   \
	{                                                            \
		log_opts, &log_config                                \
	}

/* After parsing: the CSP and metrics options checked, and cfg (zeroed
 * first) filled from the registrar options, pool, -transport and the
 * counters.  -1 after a message on standard error: a usage error (exit
 * 2). */
int pu_common_config(struct pu_common *pc, const char *argv0, const char *pool,
    struct rsp_session_config *cfg);

/* The pool user's event loop: SIGINT/SIGTERM stop it when
 * stop_on_signals, -giveup watches from now on, the metrics start.
 * NULL after a log line (exit 1). */
struct ev_loop *pu_common_loop(
    struct pu_common *pc, const char *who, int stop_on_signals);
/* CSP reports (when -cspserver or -cspinterval asks for them) as PU
 * object (0: a random one), by fill(arg), or (fill NULL) as RSPLIB's
 * library reports the one session s.  NULL when off, or after a
 * warning. */
struct csp_reporter *pu_common_csp(struct pu_common *pc, struct ev_loop *loop,
    struct rsp_session *s, uint64_t object, csp_fill_fn *fill, void *arg);
/* After ev_run(): the exit status (-giveup's if it gave up, else
 * status); the reporter and the metrics are gone (the files written a
 * last time) and -giveup stopped. */
int pu_common_end(struct pu_common *pc, struct csp_reporter *rep, int status);

#endif
