/*
 * The pool-user applets' shared option checks (core/tools/pu_common.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/tools/pu_common.h"

int
pu_common_config(struct pu_common *pc, const char *argv0, const char *pool,
    struct rsp_session_config *cfg)
{
	char err[ADDR_ERR_LEN];

	if (csp_config_check(&pc->csp, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv0, err);
		return -1;
	}
	memset(cfg, 0, sizeof(*cfg));
	if (discovery_apply(&pc->disc, argv0, cfg->registrars,
	        &cfg->nregistrars, &cfg->announce, &cfg->timing) == -1)
		return -1;
	cfg->pool_handle = pool;
	cfg->transport = tr_resolve(tr_config.kind);
	return 0;
}
