// RSP_APPLET(cspmonitor, "cspmonitor", "show the component status reports of registrars, PEs and PUs")
/*
 * usage: rsp cspmonitor [-localaddress=ADDR:PORT] [-updateinterval=MS]
 *            [-purgeinterval=MS] [-compact | -full] [-maxpr=N] [-maxpe=N]
 *            [-maxpu=N] [-maxlocationsize=N] [-color=auto|on|off]
 *            [-runtime=MS] [-once]
 *
 * RSPLIB's cspmonitor (docs/wire.md 8.5): receives Component Status
 * Protocol reports on UDP (default [::]:2960, dual stack) and shows the
 * registrars, pool elements and pool users that send them, refreshed
 * every -updateinterval.  A component disappears when its final report
 * arrives or when it stays silent for min(-purgeinterval, 10 x its
 * report interval).  Datagrams that are not valid reports are counted
 * and ignored.  The table logic is core/tools/cspmon.c.
 *
 * On a terminal the table is redrawn in place, in colour; otherwise
 * (a pipe, a file) every refresh prints the table as plain lines
 * followed by an empty line, for scripts and tests.  -once prints the
 * first table and exits; -runtime exits after MS.  Exit: 0 ok (SIGINT,
 * SIGTERM, -runtime, -once), 1 runtime error (cannot bind), 2 usage.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/tools/cspmon.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sdnotify.h"

int cspmonitor_main(int argc, char **argv);

#define CM_DRAIN_MAX 64 /* datagrams per wake-up, then the timers run */

struct cm_opts {
	const char *local;
	long long update, purge;
	int compact, full;
	long long maxpr, maxpe, maxpu, maxloc;
	int color;
	long long runtime;
	int once;
};

#define CM_OPT(...) OPT_ROW(struct cm_opts, __VA_ARGS__)

static const struct opt cm_opts[] = {
    CM_OPT("localaddress", OPT_STR, "ADDR:PORT",
        "UDP address to receive reports on (port 0: any, logged)", "[::]:2960",
        0, 0, local),
    CM_OPT("updateinterval", OPT_INT, "MS", "refresh the table every MS",
        "1000", 100, 3600000, update),
    CM_OPT("purgeinterval", OPT_INT, "MS",
        "drop a component silent this long (or 10 x its interval)", "30000",
        1000, 86400000, purge),
    CM_OPT("compact", OPT_FLAG, NULL, "one line per component (the default)",
        NULL, 0, 0, compact),
    CM_OPT("full", OPT_FLAG, NULL, "also list each component's associations",
        NULL, 0, 0, full),
    CM_OPT("maxpr", OPT_INT, "N", "show at most N registrars", "6", 0, 1000000,
        maxpr),
    CM_OPT("maxpe", OPT_INT, "N", "show at most N pool elements", "42", 0,
        1000000, maxpe),
    CM_OPT("maxpu", OPT_INT, "N", "show at most N pool users", "24", 0, 1000000,
        maxpu),
    CM_OPT("maxlocationsize", OPT_INT, "N", "cut locations to N characters",
        "72", 3, 127, maxloc),
    CM_OPT("color", OPT_CHOICE, "auto|on|off",
        "colour the table (auto: on a terminal)", "auto", 0, 0, color),
    CM_OPT("runtime", OPT_INT, "MS", "exit after MS (0: never)", "0", 0,
        1000000000000LL, runtime),
    CM_OPT("once", OPT_FLAG, NULL, "print the first table and exit", NULL, 0, 0,
        once),
    OPT_END,
};

struct cm {
	struct cm_opts o;
	struct ev_loop *loop;
	struct cspmon mon;
	struct cspmon_fmt fmt;
	int fd;
	int tty; /* redraw in place */
};

static int
cm_bind(struct cm *c, const struct sockaddr_storage *ss)
{
	char a[ADDR_FMT_LEN];
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	int on = 1, off = 0;

	c->fd =
	    socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return -1;
	setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss->ss_family == AF_INET6)
		setsockopt(c->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(c->fd, (const struct sockaddr *)ss,
	        addr_len((const struct sockaddr *)ss)) == -1 ||
	    getsockname(c->fd, (struct sockaddr *)&bound, &len) == -1) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	log_notice("cspmonitor: listening on %s (UDP)",
	    addr_fmt((struct sockaddr *)&bound, a, sizeof(a)));
	return 0;
}

/* Bind -localaddress; the dual-stack default falls back to IPv4 on a
 * host without IPv6. */
static int
cm_open(struct cm *c, const char *argv0)
{
	struct sockaddr_storage ss;
	char err[ADDR_ERR_LEN];

	if (addr_parse(&ss, c->o.local, 2960, ADDR_PORT_ZERO_OK, err,
	        sizeof(err)) == -1) {
		fprintf(stderr, "%s: -localaddress: %s\n", argv0, err);
		return 2;
	}
	if (cm_bind(c, &ss) == 0)
		return 0;
	if (ss.ss_family == AF_INET6 &&
	    addr_is_unspecified((struct sockaddr *)&ss) &&
	    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
		uint16_t port = addr_port((struct sockaddr *)&ss);

		addr_parse(&ss, "0.0.0.0", port, ADDR_PORT_ZERO_OK, NULL, 0);
		addr_set_port((struct sockaddr *)&ss, port);
		if (cm_bind(c, &ss) == 0)
			return 0;
	}
	log_error(
	    "cspmonitor: cannot listen on %s: %s", c->o.local, strerror(errno));
	return 1;
}

static void
cm_show(struct cm *c)
{
	uint64_t now = ev_now_update(c->loop);

	cspmon_purge(&c->mon, now, (uint64_t)c->o.purge);
	if (c->tty) /* home; the coloured table erases as it overwrites */
		fputs(c->fmt.color ? "\x1b[H" : "\x1b[H\x1b[2J", stdout);
	cspmon_print(&c->mon, stdout, &c->fmt, now);
	fputs(c->tty ? "\x1b[0J" : "\n", stdout);
	fflush(stdout);
}

static void
cm_read(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct cm *c = arg;
	static uint8_t buf[65536];
	ssize_t n;
	int i;

	(void)events;
	for (i = 0; i < CM_DRAIN_MAX; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1)
			break; /* EAGAIN, or an ICMP error: nothing to do */
		if (cspmon_input(&c->mon, buf, (size_t)n, ev_now_ms(loop)) ==
		    -1)
			log_debug(1,
			    "cspmonitor: dropped a %zd-byte datagram "
			    "that is not a CSP report",
			    n);
	}
}

static int64_t
cm_update_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct cm *c = arg;

	(void)id;
	cm_show(c);
	if (c->o.once) {
		ev_stop(loop);
		return EV_NOMORE;
	}
	return c->o.update;
}

static int64_t
cm_runtime_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)id;
	(void)arg;
	ev_stop(loop);
	return EV_NOMORE;
}

static void
cm_signal(struct ev_loop *loop, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	sdn_stopping();
	ev_stop(loop);
}

static int
cm_run(struct cm *c)
{
	int status = 0;

	if ((c->loop = ev_loop_new()) == NULL) {
		log_error("cspmonitor: event loop: %s", strerror(errno));
		return 1;
	}
	ev_add_signal(c->loop, SIGINT, cm_signal, c);
	ev_add_signal(c->loop, SIGTERM, cm_signal, c);
	if (ev_add_fd(c->loop, c->fd, EV_READ, cm_read, c) == -1 ||
	    ev_timer_add(c->loop, c->o.update, cm_update_cb, c) ==
	        EV_TIMER_NONE ||
	    (c->o.runtime > 0 && ev_timer_add(c->loop, c->o.runtime,
	                             cm_runtime_cb, c) == EV_TIMER_NONE) ||
	    sdn_watchdog_start(c->loop) == -1) {
		log_error("cspmonitor: %s", strerror(errno));
		status = 1;
	} else {
		if (c->tty)
			fputs("\x1b[H\x1b[2J", stdout);
		sdn_ready(); /* listening (cm_open) */
		if (ev_run(c->loop) == -1)
			status = 1;
	}
	log_info("cspmonitor: %llu datagrams, %llu dropped, %llu final "
	         "reports",
	    (unsigned long long)c->mon.received,
	    (unsigned long long)c->mon.dropped,
	    (unsigned long long)c->mon.finals);
	ev_del_fd(c->loop, c->fd);
	ev_loop_free(c->loop);
	return status;
}

int
cspmonitor_main(int argc, char **argv)
{
	struct cm c;
	const struct opt_set sets[] = {
	    {cm_opts, &c.o}, {log_opts, &log_config}};
	int rc;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	opt_parse_or_exit(argv[0], "[-localaddress=ADDR:PORT] [options]", argc,
	    argv, sets, 2);
	if (c.o.compact && c.o.full) {
		fprintf(
		    stderr, "%s: give -compact or -full, not both\n", argv[0]);
		return 2;
	}
	if (log_setup("cspmonitor") == -1)
		return 1;
	sdn_init();
	c.tty = isatty(STDOUT_FILENO);
	c.fmt.full = c.o.full;
	c.fmt.color = c.o.color == 1 || (c.o.color == 0 && c.tty);
	c.fmt.maxpr = c.o.maxpr;
	c.fmt.maxpe = c.o.maxpe;
	c.fmt.maxpu = c.o.maxpu;
	c.fmt.maxlocation = c.o.maxloc;
	cspmon_init(&c.mon);
	if ((rc = cm_open(&c, argv[0])) == 0) {
		rc = cm_run(&c);
		close(c.fd);
	}
	cspmon_fini(&c.mon);
	return rc;
}
