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
 * Presence.  The daemon logic is in core/registrar*.c.  Runs until
 * SIGINT or SIGTERM, then closes everything without Handle Updates, as
 * RSPLIB does (peers take the PEs over); exit 0 then, 1 on a runtime
 * error, 2 on a usage error (checked before any socket is opened).
 * See RFC 5352 s.3, PROTOCOLS.md 3.4 and 10.1.
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
#include "core/opt.h"
#include "core/registrar.h"
#include "core/transport.h"

int registrar_main(int argc, char **argv);

static void
signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)arg;
	log_notice("registrar: %s, shutting down", strsignal(signo));
	ev_stop(loop);
}

static int
run(const struct reg_config *cfg, const struct csp_config *csp)
{
	struct ev_loop *loop;
	struct registrar *reg = NULL;
	struct csp_reporter *rep = NULL;
	int status = 1;

	if ((loop = ev_loop_new()) == NULL) {
		log_error("registrar: event loop: %s", strerror(errno));
		return 1;
	}
	ev_add_signal(loop, SIGINT, signal_cb, NULL);
	ev_add_signal(loop, SIGTERM, signal_cb, NULL);
	if ((reg = reg_new(loop, cfg)) == NULL)
		log_error("registrar: %s", strerror(errno));
	else if (reg_listen(reg, tr_resolve(tr_config.kind)) == 0) {
		if (csp->enabled && (rep = csp_reporter_new(loop, csp,
		                         csp_id(CSP_GROUP_PR, reg_id(reg)),
		                         csp_fill_registrar, reg)) == NULL)
			log_warning(
			    "registrar: CSP reporting: %s", strerror(errno));
		if (ev_run(loop) == 0)
			status = 0;
		else
			log_error("registrar: event loop: %s", strerror(errno));
	}
	csp_reporter_free(rep);
	reg_free(reg);
	ev_loop_free(loop);
	return status;
}

int
registrar_main(int argc, char **argv)
{
	struct reg_config cfg;
	struct csp_config csp;
	struct daemon_config dc = {NULL};
	const struct opt_set sets[] = {{reg_opts, &cfg}, {csp_opts, &csp},
	    {daemon_opts, &dc}, {tr_opts, &tr_config}, {log_opts, &log_config}};
	char err[ADDR_ERR_LEN];

	memset(&cfg, 0, sizeof(cfg));
	memset(&csp, 0, sizeof(csp));
	opt_parse_or_exit(argv[0], "[-asap=ADDR:PORT] [options]", argc, argv,
	    sets, sizeof(sets) / sizeof(sets[0]));
	/* A value the option table accepts but the configuration cannot
	 * use (an address, a scope, a group) is a configuration error:
	 * exit 1, before any socket is opened.  Syntax and range errors
	 * exited 2 in opt_parse_or_exit(). */
	if (reg_config_check(&cfg, err, sizeof(err)) == -1 ||
	    csp_config_check(&csp, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: configuration error: %s\n", argv[0], err);
		return 1;
	}
	if (daemon_start(&dc, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 1;
	}
	if (log_setup("registrar") == -1)
		return 1;
	return run(&cfg, &csp);
}
