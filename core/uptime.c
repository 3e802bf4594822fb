/*
 * -uptime / -downtime (core/uptime.h).  The down time is a plain sleep
 * with SIGINT and SIGTERM blocked and waited for, so a signal between
 * two runs ends the program cleanly instead of killing it.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/uptime.h"

#define UP_OPT(name, help, field) \
	OPT_ROW(                  \
	    struct uptime_config, name, OPT_STR, "S", help, NULL, 0, 0, field)

const struct opt uptime_opts[] = {
    UP_OPT("uptime",
        "failure test: stop after a random time (exponential, mean S "
        "seconds), restart after -downtime",
        uptime_s),
    UP_OPT("downtime", "failure test: mean down time in seconds (default 0)",
        downtime_s),
    OPT_END,
};

int
uptime_check(struct uptime_config *uc, const char *argv0)
{
	if ((uc->uptime_s != NULL &&
	        opt_parse_double(
	            argv0, "uptime", uc->uptime_s, 0, 1e9, &uc->up) == -1) ||
	    (uc->downtime_s != NULL &&
	        opt_parse_double(argv0, "downtime", uc->downtime_s, 0, 1e9,
	            &uc->down) == -1))
		return -1;
	return 0;
}

long long
uptime_run_ms(const struct uptime_config *uc)
{
	return (long long)(rand_exp(uc->up) * 1000.0) + 1;
}

int
uptime_down(const struct uptime_config *uc, const char *who, int quiet)
{
	long long ms =
	    uc->down > 0 ? (long long)(rand_exp(uc->down) * 1000.0) : 0;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
	sigset_t set, old;
	int sig;

	log_notice("%s: down for %lld ms (-downtime)", who, ms);
	if (!quiet) {
		printf("Waiting for %.3f s ...\n", (double)ms / 1000.0);
		fflush(stdout);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	do
		sig = sigtimedwait(&set, NULL, &ts);
	while (sig == -1 && errno == EINTR);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return sig == -1;
}
