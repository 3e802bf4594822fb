// RSP_APPLET(registrar, "rspregistrar", "RSerPool registrar: ASAP for pool elements and users, ENRP for peers")
/*
 * usage: rsp registrar [-asap=auto|ADDR[,ADDR]:PORT] [-identifier=ID]
 *            [-minaddressscope=SCOPE] [-asapannounce=auto|off|ADDR:PORT]
 *            [-endpointkeepalivetransmissioninterval=MS]
 *            [-endpointkeepalivetimeoutinterval=MS] [-maxhresitems=N]
 *            [-maxincrement=N] [-maxbadpereports=N] [-maxhrrate=N]
 *            [-maxeurate=N] [-serverannouncecycle=MS] [-announcettl=N]
 *            [-cspserver=ADDR:PORT] [-cspinterval=MS]
 *            [-daemonpidfile=FILE]
 *
 * A registrar for pool elements and pool users: registration,
 * deregistration, endpoint keep-alive, handle resolution, endpoint
 * unreachable reports and ASAP Server Announces, over kernel SCTP or the
 * TCP mapping (-transport), and with -enrp the ENRP side: peers,
 * handlespace synchronization, takeover of dead peers, multicast
 * Presence.  The daemon logic is in core/registrar/.  Runs until
 * SIGINT or SIGTERM, then closes everything without Handle Updates, as
 * RSPLIB does (peers take the PEs over); exit 0 then, 1 on a runtime
 * error, 2 on a usage error (checked before any socket is opened).
 * See RFC 5352 s.3, docs/wire.md 3.4 and 10.1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csp_report.h"
#include "core/daemon.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/metrics_export.h"
#include "core/opt.h"
#include "core/registrar/registrar.h"
#include "core/sdnotify.h"
#include "core/transport/transport.h"
#include "core/uptime.h"

int registrar_main(int argc, char **argv);

/* The applet's own options, beside the registrar's (core/registrar/registrar.c). */
struct registrar_applet_opts {
	int quiet;
};

static const struct opt registrar_applet_opts[] = {
    {"quiet", OPT_FLAG, NULL,
        OPT_HELP("no -uptime messages on standard output"), NULL, 0, 0,
        offsetof(struct registrar_applet_opts, quiet)},
    OPT_END,
};

static void
signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	int *signalled = arg;

	log_notice("registrar: %s, shutting down", ev_signal_name(signo));
	sdn_stopping();
	*signalled = 1;
	ev_stop(loop);
}

/* SIGHUP: reread -acl and, in the TLS build, -tlskeyfile (the state
 * stays). */
static void
hup_cb(struct ev_loop *loop, int signo, void *arg)
{
	struct registrar **reg = arg;

	(void)loop;
	log_notice("registrar: %s, rereading the configuration files",
	    ev_signal_name(signo));
	if (*reg != NULL)
		reg_reload(*reg);
#ifdef RSP_TLS
	(void)tr_tls_reload();
#endif
}

static int64_t
uptime_over_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)id, (void)arg;
	log_notice("registrar: uptime over, going down (-uptime)");
	ev_stop(loop);
	return EV_NOMORE;
}

/* systemd's STATUS= (core/sdnotify.h): the CSP status text, each
 * second, sent when it changed. */
static int64_t
sd_status_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	char text[CSP_TEXT_SIZE];

	(void)loop, (void)id;
	reg_status_text(arg, text, sizeof(text));
	sdn_status(text);
	return 1000;
}

/* Listening: READY=1 for systemd, and the status from now on. */
static void
sd_ready(struct ev_loop *loop, struct registrar *reg)
{
	if (!sdn_enabled())
		return;
	sd_status_cb(loop, 0, reg);
	sdn_ready();
	ev_timer_add(loop, 1000, sd_status_cb, reg);
}

/* One registrar instance until a signal or, with runtime_ms > 0, until
 * then: everything closed without Handle Updates, as RSPLIB does. */
/* The add-ons of a running registrar: CSP reports, metrics.  0, or -1
 * after a log line (exit 1: -metrics cannot bind, a file cannot be
 * written). */
static int
run_addons(struct ev_loop *loop, struct registrar *reg,
    const struct csp_config *csp, const struct mx_config *mc,
    struct csp_reporter **rep, struct mx_exporter **mx)
{
	char err[256];

	if (csp->enabled && (*rep = csp_reporter_new(loop, csp,
	                         csp_id(CSP_GROUP_PR, reg_id(reg)),
	                         csp_fill_registrar, reg)) == NULL)
		log_warning("registrar: CSP reporting: %s", strerror(errno));
	*mx = mx_exporter_new(loop, mc, "registrar", NULL, reg_metrics_fill,
	    reg, err, sizeof(err));
	if (*mx == NULL && err[0] != '\0') {
		log_error("registrar: %s", err);
		return -1;
	}
	return 0;
}

static int
run(const struct reg_config *cfg, const struct csp_config *csp,
    const struct mx_config *mc, long long runtime_ms, int *signalled)
{
	struct ev_loop *loop;
	struct registrar *reg = NULL;
	struct csp_reporter *rep = NULL;
	struct mx_exporter *mx = NULL;
	int status = 1;

	if ((loop = ev_loop_new()) == NULL) {
		log_error("registrar: event loop: %s", strerror(errno));
		return 1;
	}
	ev_add_signal(loop, SIGINT, signal_cb, signalled);
	ev_add_signal(loop, SIGTERM, signal_cb, signalled);
	ev_add_signal(loop, SIGHUP, hup_cb, &reg);
	if (runtime_ms > 0)
		ev_timer_add(loop, runtime_ms, uptime_over_cb, NULL);
	if (sdn_watchdog_start(loop) == -1)
		log_warning("registrar: systemd watchdog: %s", strerror(errno));
	if ((reg = reg_new(loop, cfg)) == NULL)
		log_error("registrar: %s", strerror(errno));
	else if (reg_listen(reg, tr_resolve(tr_config.kind)) == 0 &&
	         run_addons(loop, reg, csp, mc, &rep, &mx) == 0) {
		sd_ready(loop, reg);
		if (ev_run(loop) == 0)
			status = 0;
		else
			log_error("registrar: event loop: %s", strerror(errno));
	}
	mx_exporter_free(mx);
	csp_reporter_free(rep);
	reg_free(reg);
	ev_loop_free(loop);
	return status;
}

/* -uptime: RSPLIB's failure test, instance after instance, each with a
 * new random ID unless -identifier is given. */
static int
run_up_down(const struct reg_config *cfg, const struct csp_config *csp,
    const struct mx_config *mc, const struct uptime_config *uc, int quiet)
{
	struct reg_config c = *cfg;
	long long ms;
	int rc, signalled = 0;

	for (;;) {
		ms = uptime_run_ms(uc);
		if (!quiet) {
			printf("Running registrar for %.3f s ...\n",
			    (double)ms / 1000.0);
			fflush(stdout);
		}
		if ((rc = run(&c, csp, mc, ms, &signalled)) != 0 || signalled)
			return rc;
		if (!uptime_down(uc, "registrar", quiet))
			return 0;
		c.stats_append = 1; /* -statsfile, -actionlogfile go on */
	}
}

int
registrar_main(int argc, char **argv)
{
	struct reg_config cfg;
	struct csp_config csp;
	struct mx_config mc;
	struct daemon_config dc = {NULL};
	struct uptime_config uc;
	struct registrar_applet_opts ao;
	const struct opt_set sets[] = {{reg_opts, &cfg}, {reg_stats_opts, &cfg},
	    {reg_metrics_opts, &cfg}, {registrar_applet_opts, &ao},
	    {uptime_opts, &uc}, {csp_opts, &csp}, {mx_opts, &mc},
	    {daemon_opts, &dc}, {tr_opts, &tr_config},
#ifdef RSP_TLS
	    {reg_tls_opts, &cfg}, {tr_tls_server_opts, &tr_config},
#endif
	    {log_opts, &log_config}};
	char err[ADDR_ERR_LEN];
	int signalled = 0;

	memset(&cfg, 0, sizeof(cfg));
	memset(&csp, 0, sizeof(csp));
	memset(&mc, 0, sizeof(mc));
	memset(&uc, 0, sizeof(uc));
	memset(&ao, 0, sizeof(ao));
	opt_parse_or_exit(argv[0], "[-asap=ADDR:PORT] [options]", argc, argv,
	    sets, sizeof(sets) / sizeof(sets[0]));
	/* A value the option table accepts but the configuration cannot
	 * use (an address, a scope, a group) is a configuration error:
	 * exit 1, before any socket is opened.  Syntax and range errors
	 * exited 2 in opt_parse_or_exit(). */
	if (uptime_check(&uc, argv[0]) == -1)
		return 2;
	if (reg_config_check(&cfg, err, sizeof(err)) == -1 ||
	    csp_config_check(&csp, err, sizeof(err)) == -1 ||
	    mx_config_check(&mc, err, sizeof(err)) == -1 ||
	    tr_tls_setup(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: configuration error: %s\n", argv[0], err);
		return 1;
	}
	if (daemon_start(&dc, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 1;
	}
	if (log_setup("registrar") == -1)
		return 1;
	sdn_init();
	if (uc.up > 0)
		return run_up_down(&cfg, &csp, &mc, &uc, ao.quiet);
	return run(&cfg, &csp, &mc, 0, &signalled);
}
