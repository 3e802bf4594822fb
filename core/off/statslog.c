/*
 * What a build without the statslog feature has (mk/features.mk,
 * README "Build-time features"): none of RSPLIB's registrar statistics
 * and action log options (-statsfile, -statsinterval, -scalar,
 * -object, -actionlogfile: an empty table, so the parser calls them
 * unknown and names the feature), and the registrar's calls into them
 * doing nothing, as they do in a full build without the options.
 */
#include "core/registrar/registrar.h"
#include "core/registrar/internal.h"

const struct opt reg_stats_opts[] = {OPT_END};

int
reg_stats_start(struct registrar *reg)
{
	(void)reg;
	return 0;
}

void
reg_stats_tick(struct registrar *reg)
{
	(void)reg;
}

void
reg_stats_stop(struct registrar *reg)
{
	(void)reg;
}

int
reg_actionlog_open(struct registrar *reg)
{
	(void)reg;
	return 0;
}

void
reg_actionlog_close(struct registrar *reg)
{
	(void)reg;
}

void
reg_action(struct registrar *reg, const struct reg_action *a)
{
	(void)reg, (void)a;
}

void
reg_action_msg(struct registrar *reg, const char *dir, const char *proto,
    const struct rsp_msg *m)
{
	(void)reg, (void)dir, (void)proto, (void)m;
}
