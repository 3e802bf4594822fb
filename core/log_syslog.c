/*
 * -logsyslog: the log's lines to syslog, daemon facility, with the PID
 * (the syslog feature, mk/features.mk).  A router leaves it out: procd
 * hands an applet's standard error to logd already, as systemd does to
 * the journal.
 */
#include <syslog.h>

#include "core/log.h"

void
log_syslog_open(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_syslog(int level, const char *msg)
{
	static const int prio[] = {
	    LOG_CRIT, LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO};

	syslog(level < 5 ? prio[level] : LOG_DEBUG, "%s", msg);
}
