/*
 * -daemonpidfile=FILE (core/daemon.h).  The file is opened before the
 * fork, so that an unwritable path is an error on the terminal that
 * started us, not a silent daemon nobody can find.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon.h"

#define DAEMON_OPT(...) OPT_ROW(struct daemon_config, __VA_ARGS__)

const struct opt daemon_opts[] = {
    DAEMON_OPT("daemonpidfile", OPT_STR, "FILE",
        "run in the background, its PID written to FILE", NULL, 0, 0, pidfile),
    OPT_END,
};

int
daemon_start(const struct daemon_config *dc, char *err, size_t errlen)
{
	FILE *f;
	pid_t pid;

	if (dc->pidfile == NULL)
		return 0;
	/* Under systemd's Type=notify the started process must be the
	 * service: a forked child's notifications would be refused
	 * (NotifyAccess=main) and its parent's exit taken as the end. */
	if (getenv("NOTIFY_SOCKET") != NULL) {
		snprintf(err, errlen,
		    "-daemonpidfile=%s: not under systemd ($NOTIFY_SOCKET is "
		    "set, Type=notify): the service stays in the foreground",
		    dc->pidfile);
		return -1;
	}
	if ((f = fopen(dc->pidfile, "w")) == NULL) {
		snprintf(err, errlen, "-daemonpidfile=%s: %s", dc->pidfile,
		    strerror(errno));
		return -1;
	}
	fflush(NULL); /* nothing buffered is written twice */
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		fclose(f);
		return -1;
	}
	if (pid > 0) {
		if (fprintf(f, "%ld\n", (long)pid) < 0 || fclose(f) == EOF) {
			kill(pid, SIGKILL); /* as RSPLIB: no daemon without a
			                       PID file */
			fprintf(stderr, "-daemonpidfile=%s: %s\n", dc->pidfile,
			    strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	fclose(f);
	signal(SIGHUP, SIG_IGN); /* outlive the terminal */
	return 0;
}
