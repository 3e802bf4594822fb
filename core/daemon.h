/*
 * -daemonpidfile=FILE, as RSPLIB's rspregistrar and rspserver have it: go
 * to the background and leave the PID where an init script finds it.
 *
 *	struct daemon_config dc;          add {daemon_opts, &dc} to the opt sets
 *	daemon_start(&dc, err, n)         after the checks, before any socket
 */
#ifndef RSP_CORE_DAEMON_H
#define RSP_CORE_DAEMON_H

#include <stddef.h>

#include "core/opt.h"

struct daemon_config {
	const char *pidfile; /* NULL: stay in the foreground */
};

extern const struct opt daemon_opts[];

/* Without a PID file: nothing.  With one: fork; the parent writes the
 * child's PID to the file and exits 0; the child (the caller, on return)
 * ignores SIGHUP and goes on.  -1 with a message in err (the file cannot
 * be written, no fork): nothing was started. */
int daemon_start(const struct daemon_config *dc, char *err, size_t errlen);

#endif
