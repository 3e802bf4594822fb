/*
 * What every pool-user applet shares (terminal, pingpongclient,
 * calcappclient, scriptingclient, fractalpooluser): RSPLIB's registrar
 * options, -giveup, the CSP reporting options and report, and the
 * checks that turn them into a session configuration.
 *
 *	struct pu_common pc;
 *	sets[] = {{X_opts, &x}, PU_COMMON_OPT_SETS(&pc)};
 *	if (pu_common_config(&pc, argv0, pool, &cfg) == -1) return 2;
 */
#ifndef RSP_CORE_TOOLS_PU_COMMON_H
#define RSP_CORE_TOOLS_PU_COMMON_H

#include "core/csp_report.h"
#include "core/lib/discovery_opts.h"
#include "core/log.h"
#include "core/tools/csp_app.h"
#include "core/tools/giveup.h"
#include "core/transport/transport.h"
#include "include/rsp.h"

struct pu_common {
	struct discovery_config disc;
	struct giveup giveup;
	struct csp_config csp;
	struct csp_app csp_app;
};

/* The option sets after the applet's own. */
#define PU_COMMON_OPT_SETS(pc)                                       \
	{discovery_opts, &(pc)->disc}, {giveup_opts, &(pc)->giveup}, \
	    {csp_opts, &(pc)->csp}, {tr_opts, &tr_config},           \
	{                                                            \
		log_opts, &log_config                                \
	}

/* After parsing: the CSP options checked, and cfg (zeroed first) filled
 * from the registrar options, pool and -transport.  -1 after a message
 * on standard error: a usage error (exit 2). */
int pu_common_config(struct pu_common *pc, const char *argv0, const char *pool,
    struct rsp_session_config *cfg);

#endif
