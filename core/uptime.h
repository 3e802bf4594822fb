/*
 * RSPLIB's failure test, -uptime=S and -downtime=S of rspserver and
 * rspregistrar: run for a random time (exponential, mean S seconds), go
 * down for a random time, come back as a new instance.
 *
 *	struct uptime_config uc;          add {uptime_opts, &uc}
 *	uptime_check(&uc, argv0)          after parsing; -1: exit 2
 *	while (uptime_on(&uc)) { run for uptime_draw_ms(uc.up) ...;
 *	    if (!uptime_down(&uc)) break; }
 */
#ifndef RSP_CORE_UPTIME_H
#define RSP_CORE_UPTIME_H

#include "core/opt.h"

struct uptime_config {
	const char *uptime_s, *downtime_s; /* as given */
	double up, down;                   /* seconds, 0: off */
};

extern const struct opt uptime_opts[];

/* Parse the values; -1 after a message on stderr. */
int uptime_check(struct uptime_config *uc, const char *argv0);
/* A run's length in ms, at least 1: exponential with mean up. */
long long uptime_run_ms(const struct uptime_config *uc);
/* Stay down for a random time (exponential, mean down), logging it and
 * saying it on standard output unless quiet; 0 if SIGINT or SIGTERM came
 * meanwhile (then stop), 1 to come back. */
int uptime_down(const struct uptime_config *uc, const char *who, int quiet);

#endif
