/*
 * What a build without the uptime feature has (mk/features.mk, README
 * "Build-time features"): no -uptime or -downtime, RSPLIB's failure
 * test (an empty table: the parser calls them unknown and names the
 * feature), so an applet always runs once, until it is stopped.
 */
#include "core/uptime.h"

const struct opt uptime_opts[] = {OPT_END};

int
uptime_check(struct uptime_config *uc, const char *argv0)
{
	(void)argv0;
	uc->up = uc->down = 0;
	return 0;
}

long long
uptime_run_ms(const struct uptime_config *uc)
{
	(void)uc;
	return 0;
}

int
uptime_down(const struct uptime_config *uc, const char *who, int quiet)
{
	(void)uc, (void)who, (void)quiet;
	return 0;
}
