/*
 * How a pool element or pool user finds its registrar, RSPLIB's options
 * for it in one group that every PE and PU applet shares
 * (docs/wire.md 3.4.6, 10.3): -registrar= (repeatable), -asapannounce=
 * and the -registrar*timeout= / *maxtrials= timing.
 *
 *	struct discovery_config dc;       add {discovery_opts, &dc}
 *	discovery_apply(&dc, argv0, cfg.registrars, &cfg.nregistrars,
 *	    &cfg.announce, &cfg.timing)   after parsing; -1: exit 2
 */
#ifndef RSP_CORE_DISCOVERY_OPTS_H
#define RSP_CORE_DISCOVERY_OPTS_H

#include "core/opt.h"
#include "include/rsp.h"

struct discovery_config {
	struct opt_list registrar;
	const char *asapannounce; /* NULL: auto without -registrar, else off */
	struct rsp_timing timing;
};

extern const struct opt discovery_opts[];

/* Check d and copy it into a library config's fields; -1 after a
 * message on stderr. */
int discovery_apply(struct discovery_config *d, const char *applet,
    const char **registrars, int *nregistrars, const char **announce,
    struct rsp_timing *timing);

#endif
