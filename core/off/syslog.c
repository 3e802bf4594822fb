/*
 * What a build without the syslog feature has (mk/features.mk, README
 * "Build-time features"): no -logsyslog (core/log.c leaves its row
 * out, so the parser calls it unknown and names the feature), so these
 * are never called.
 */
#include "core/log.h"

void
log_syslog_open(const char *ident)
{
	(void)ident;
}

void
log_syslog(int level, const char *msg)
{
	(void)level, (void)msg;
}
