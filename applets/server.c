// RSP_APPLET(server, "rspserver", "pool element running an example service")
/*
 * usage: rsp server [-echo | -discard | -daytime | -chargen | -pingpong |
 *            -calcapp | -fractal |
 *            -scripting] [service options]
 *            [-poolhandle=NAME] [-policy=POLICY] [-registrar=ADDR:PORT]...
 *            [-asapannounce=auto|off|GROUP:PORT]
 *            [-rereginterval=MS] [-local=ADDR,...:PORT] [-identifier=ID]
 *            [-runtime=MS] [-quiet] [-cspserver=ADDR:PORT] [-cspinterval=MS]
 *            [-daemonpidfile=FILE]
 *
 * A pool element (docs/wire.md 9.2-9.7): registers with a registrar
 * through the library (include/rsp.h), found from the -registrar=
 * list and, with -asapannounce=, from ASAP Server Announces (default:
 * announces at 239.0.0.50:3863 only when no -registrar= is given, so
 * that nothing joins a multicast group unasked), re-registers every
 * -rereginterval, answers keep-alives and serves Echo (default),
 * Discard, Daytime, CharGen, Ping Pong, CalcApp, the Fractal Generator
 * or the Scripting Service on its sessions (the services' own options
 * come from their tables in services/).  SIGINT, SIGTERM or the
 * end of -runtime deregister it and end the program.  While no
 * registrar is reachable it says which ones it tried and keeps trying;
 * a refused registration ends it with the registrar's cause.  Exit: 0
 * ok, 1 runtime error, 2 usage, 3 registration refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csp_report.h"
#include "core/tools/csp_app.h"
#include "core/daemon.h"
#include "core/lib/discovery_opts.h"
#include "core/ev.h"
#include "core/tools/giveup.h"
#include "core/log.h"
#include "core/metrics_export.h"
#include "core/tools/metrics_app.h"
#include "core/opt.h"
#include "core/sdnotify.h"
#include "core/transport/transport.h"
#include "core/uptime.h"
#include "include/rsp.h"
#include "proto/msg.h"
#include "services/service.h"

int server_main(int argc, char **argv);

/*
 * The services of this build: services.h (build/VARIANT/gen) holds the
 * RSP_SERVICE(name, help) line of each services/ file that make's
 * SERVICES selects, sorted.  One flag option (-echo ...) and one table
 * entry each; their own options come from svc->opts.
 */
#define RSP_SERVICE(n, help) extern const struct svc svc_##n;
#include "services.h"
#undef RSP_SERVICE

struct svc_flags {
#define RSP_SERVICE(n, help) int n;
#include "services.h"
#undef RSP_SERVICE
};

static const struct opt svc_flag_opts[] = {
#define RSP_SERVICE(n, help)                             \
	{#n, OPT_FLAG, NULL, OPT_HELP(help), NULL, 0, 0, \
	    offsetof(struct svc_flags, n)},
#include "services.h"
#undef RSP_SERVICE
    OPT_END,
};

static const struct svc *const services[] = {
#define RSP_SERVICE(n, help) &svc_##n,
#include "services.h"
#undef RSP_SERVICE
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))
/* server_pick() reads the flags as an array, in the table's order. */
_Static_assert(sizeof(struct svc_flags) == NSERVICES * sizeof(int),
    "struct svc_flags is one int per service");

struct server_opts {
	const char *poolhandle;
	const char *policy;
	long long rereg;
	const char *local;
	const char *identifier;
	long long runtime;
	int quiet;
};

static const struct opt server_opts[] = {
    {"poolhandle", OPT_STR, "NAME",
        OPT_HELP("pool handle (default: the service's)"), NULL, 0, 0,
        offsetof(struct server_opts, poolhandle)},
    {"policy", OPT_STR, "POLICY",
        OPT_HELP(
            "pool policy, RSPLIB form, e.g. LeastUsedDegradation:0.5 (default: "
            "RoundRobin; scripting: LeastUsedDegradation:1/ssmaxthreads)"),
        NULL, 0, 0, offsetof(struct server_opts, policy)},
    {"rereginterval", OPT_INT, "MS",
        OPT_HELP("re-registration interval (life: 3 x MS)"), "30000", 10,
        1000000000, offsetof(struct server_opts, rereg)},
    {"local", OPT_STR, "ADDR,...:PORT",
        OPT_HELP("user transport addresses and port (default: any, ephemeral)"),
        NULL, 0, 0, offsetof(struct server_opts, local)},
    {"identifier", OPT_STR, "ID",
        OPT_HELP("PE ID, hex with 0x or decimal (default: random)"), NULL, 0, 0,
        offsetof(struct server_opts, identifier)},
    {"runtime", OPT_INT, "MS",
        OPT_HELP("deregister and exit after MS (0: never)"), "0", 0,
        1000000000000LL, offsetof(struct server_opts, runtime)},
    {"quiet", OPT_FLAG, NULL, OPT_HELP("print nothing on standard output"),
        NULL, 0, 0, offsetof(struct server_opts, quiet)},
    OPT_END,
};

struct server {
	struct server_opts o;
	struct svc_flags flags;
	const struct svc *svc;
	struct svc_ctx ctx;
	struct ev_loop *loop;
	const char *pool;
	int status;
	int stopping;
	int signalled; /* SIGINT/SIGTERM: no coming back */
	struct uptime_config up;
	struct csp_config csp;
	struct csp_app csp_app;       /* what the CSP reports say */
	struct mx_config mc;          /* -metrics, -metricsfile, ... */
	struct rsp_counters counters; /* the library's, over -uptime runs */
	struct mx_app mx_app;
	struct discovery_config disc;
	struct giveup failures; /* only its logging: a PE never gives up */
};

static void say(const struct server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct server *s, const char *fmt, ...)
{
	va_list ap;

	if (s->o.quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void
server_stop(struct server *s)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	if (rsp_element_deregister(s->ctx.e) != RSP_OK)
		ev_stop(s->loop);
}

/* Registered: systemd's READY=1 (a PE is of use only then) and STATUS=. */
static void
sd_registered(const struct server *s, uint32_t pe_id)
{
	char text[160];

	if (!sdn_enabled())
		return;
	snprintf(text, sizeof(text), "PE $%08x registered in pool %s", pe_id,
	    s->pool);
	sdn_status(text);
	sdn_ready();
}

static void
on_event(const struct rsp_event *ev, void *arg)
{
	struct server *s = arg;

	switch (ev->type) {
	case RSP_EV_REGISTERED:
		giveup_event(&s->failures, ev);
		log_notice(
		    "server: PE $%08x registered in pool %s (%s port %u)",
		    ev->pe_id, s->pool,
		    tr_kind_name(tr_resolve(tr_config.kind)),
		    rsp_element_port(s->ctx.e));
		say(s, "Registered PE $%08x in pool %s\n", ev->pe_id, s->pool);
		sd_registered(s, ev->pe_id);
		break;
	case RSP_EV_REG_FAILED: {
		char d[GIVEUP_DETAIL_MAX + 160];

		giveup_describe(d, sizeof(d), ev->error, ev->cause, ev->detail);
		log_error("server: registration of PE $%08x in pool %s: %s",
		    ev->pe_id, s->pool, d);
		s->status = giveup_exit_status(ev->error);
		ev_stop(s->loop);
		break;
	}
	case RSP_EV_ERROR: /* no registrar yet: the library hunts on */
		giveup_event(&s->failures, ev);
		break;
	case RSP_EV_DEREGISTERED:
		log_notice("server: PE $%08x deregistered%s%s", ev->pe_id,
		    ev->error ? ": " : "",
		    ev->error ? rsp_strerror(ev->error) : "");
		ev_stop(s->loop);
		break;
	case RSP_EV_SESSION_UP:
		log_info("server: session %u up", ev->session);
		s->csp_app.sessions++;
		s->svc->up(&s->ctx, ev->session);
		break;
	case RSP_EV_MSG:
		s->svc->msg(&s->ctx, ev);
		break;
	case RSP_EV_COOKIE_ECHO:
		/* Services without a cookie_echo take it as a message. */
		if (s->svc->cookie_echo != NULL)
			s->svc->cookie_echo(&s->ctx, ev);
		else
			s->svc->msg(&s->ctx, ev);
		break;
	case RSP_EV_SESSION_DOWN:
		log_info("server: session %u ended", ev->session);
		if (s->csp_app.sessions > 0)
			s->csp_app.sessions--;
		s->svc->down(&s->ctx, ev->session);
		break;
	default:
		break;
	}
}

static void
signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	struct server *s = arg;

	(void)loop;
	log_notice("server: %s, deregistering", ev_signal_name(signo));
	sdn_stopping();
	s->signalled = 1;
	server_stop(s);
}

#ifdef RSP_TLS
/* SIGHUP: read -tlskeyfile and the certificates again (a new key for
 * the next registrar association; the present one keeps its own). */
static void
hup_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)loop, (void)arg;
	log_notice("server: %s, rereading the TLS keys", ev_signal_name(signo));
	(void)tr_tls_reload();
}
#endif

static int64_t
runtime_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	log_notice("server: runtime over, deregistering");
	server_stop(arg);
	return EV_NOMORE;
}

/* The service flagged, else Echo (else the build's first): -1 after a
 * message when more than one is flagged or its options do not check. */
static int
server_pick(struct server *s, const char *argv0)
{
	const int *flagged = (const int *)&s->flags;
	const struct svc *dflt = NSERVICES > 0 ? services[0] : NULL;
	size_t i, n = 0;

	s->svc = NULL;
	for (i = 0; i < NSERVICES; i++) {
		if (!strcmp(services[i]->name, "echo"))
			dflt = services[i];
		if (flagged[i]) {
			s->svc = services[i];
			n++;
		}
	}
	if (n > 1) {
		fprintf(stderr, "%s: give at most one service\n", argv0);
		return -1;
	}
	if ((s->svc = s->svc ? s->svc : dflt) == NULL) {
		fprintf(stderr, "%s: this build has no service\n", argv0);
		return -1;
	}
	return s->svc->check != NULL ? s->svc->check(argv0) : 0;
}

static int
server_config(
    struct server *s, struct rsp_element_config *cfg, const char *argv0)
{
	struct rsp_policy pol;
	long long id = 0;
	const struct rsp_policy_info *pi;
	int i;

	if (server_pick(s, argv0) == -1)
		return -1;
	s->ctx.cfg = s->svc->conf;
	s->pool = s->o.poolhandle ? s->o.poolhandle : s->svc->pool_handle;
	if (s->o.policy == NULL)
		s->o.policy = s->svc->default_policy ? s->svc->default_policy()
		                                     : "RoundRobin";
	if (rsp_policy_parse(s->o.policy, &pol) == -1) {
		fprintf(stderr,
		    "%s: -policy=%s: unknown policy or bad parameter\n", argv0,
		    s->o.policy);
		return -1;
	}
	/* Services report their load only when the policy uses it. */
	pi = rsp_policy_info(pol.type);
	for (i = 0; pi != NULL && i < pi->nvalues; i++)
		if (strcmp(pi->fields[i], "load") == 0)
			s->ctx.adaptive = 1;
	if (uptime_check(&s->up, argv0) == -1)
		return -1;
	if (s->o.identifier != NULL &&
	    (opt_parse_ll(s->o.identifier, &id) == -1 || id < 1 ||
	        id > 0xffffffffLL)) {
		fprintf(stderr,
		    "%s: -identifier=%s: not a PE ID 1-0xffffffff\n", argv0,
		    s->o.identifier);
		return -1;
	}
	memset(cfg, 0, sizeof(*cfg));
	if (discovery_apply(&s->disc, argv0, cfg->registrars, &cfg->nregistrars,
	        &cfg->announce, &cfg->timing) == -1)
		return -1;
	cfg->pool_handle = s->pool;
	cfg->policy = s->o.policy;
	cfg->local = s->o.local;
	cfg->identifier = (uint32_t)id;
	cfg->rereg_ms = s->o.rereg;
	cfg->transport = tr_resolve(tr_config.kind);
	cfg->counters = &s->counters;
	return 0;
}

/* CSP reports and metrics of the running PE: -1 after a log line when
 * the metrics cannot start (exit 1). */
static int
server_addons(
    struct server *s, struct csp_reporter **rep, struct mx_exporter **mx)
{
	char err[256];

	s->csp_app.element = s->ctx.e;
	if (s->csp.enabled &&
	    (*rep = csp_reporter_new(s->loop, &s->csp,
	         csp_id(CSP_GROUP_PE, rsp_element_id(s->ctx.e)), csp_fill_app,
	         &s->csp_app)) == NULL)
		log_warning("server: CSP reporting: %s", strerror(errno));
	s->mx_app = (struct mx_app){&s->counters, s->ctx.e, 0};
	*mx = mx_exporter_new(s->loop, &s->mc, "server", s->pool, mx_fill_app,
	    &s->mx_app, err, sizeof(err));
	if (*mx == NULL && err[0] != '\0') {
		log_error("server: %s", err);
		return -1;
	}
	return 0;
}

static int
server_run(struct server *s, const struct rsp_element_config *cfg)
{
	struct csp_reporter *rep = NULL;
	struct mx_exporter *mx = NULL;
	int err;

	s->stopping = 0;
	s->csp_app.sessions = 0;
	if ((s->loop = ev_loop_new()) == NULL) {
		log_error("server: event loop: %s", strerror(errno));
		return 1;
	}
	s->ctx.loop = s->loop;
	s->failures.ms = 0;
	giveup_start(&s->failures, s->loop, "server");
	ev_add_signal(s->loop, SIGINT, signal_cb, s);
	ev_add_signal(s->loop, SIGTERM, signal_cb, s);
#ifdef RSP_TLS
	ev_add_signal(s->loop, SIGHUP, hup_cb, s);
#endif
	if (sdn_watchdog_start(s->loop) == -1)
		log_warning("server: systemd watchdog: %s", strerror(errno));
	s->ctx.e = rsp_element_new(s->loop, cfg, on_event, s, &err);
	if (s->ctx.e == NULL) {
		log_error("server: %s", rsp_strerror(err));
		ev_loop_free(s->loop);
		return 1;
	}
	if (s->svc->init != NULL && s->svc->init(&s->ctx) == -1) {
		log_error("server: %s: %s", s->svc->name, strerror(errno));
		s->status = 1;
	} else {
		log_notice("server: %s service, PE $%08x, pool %s",
		    s->svc->name, rsp_element_id(s->ctx.e), s->pool);
		if (s->o.runtime > 0)
			ev_timer_add(s->loop, s->o.runtime, runtime_cb, s);
		if (server_addons(s, &rep, &mx) == -1 || ev_run(s->loop) == -1)
			s->status = 1;
		mx_exporter_free(mx);
		csp_reporter_free(rep);
	}
	if (s->svc->fini != NULL)
		s->svc->fini(&s->ctx);
	rsp_element_free(s->ctx.e);
	ev_loop_free(s->loop);
	return s->status;
}

/*
 * -uptime: RSPLIB's failure test.  Each round runs the PE for a random
 * time (the runtime), deregisters it and waits a random down time;
 * without -identifier the next round registers under a new PE ID, as
 * RSPLIB's rspserver starts over.  A signal ends it all.
 */
static int
server_up_down(struct server *s, struct rsp_element_config *cfg)
{
	int rc;

	for (;;) {
		s->o.runtime = uptime_run_ms(&s->up);
		say(s, "Uptime %.3f s\n", (double)s->o.runtime / 1000.0);
		if ((rc = server_run(s, cfg)) != 0 || s->signalled)
			return rc;
		if (!uptime_down(&s->up, "server", s->o.quiet))
			return 0;
		if (s->o.identifier == NULL)
			cfg->identifier = 0; /* a new random PE ID */
	}
}

int
server_main(int argc, char **argv)
{
	struct server s;
	struct rsp_element_config cfg;
	struct daemon_config dc = {NULL};
	struct opt_set sets[9 + NSERVICES] = {{svc_flag_opts, &s.flags},
	    {server_opts, &s.o}, {discovery_opts, &s.disc},
	    {uptime_opts, &s.up}, {csp_opts, &s.csp}, {mx_opts, &s.mc},
	    {daemon_opts, &dc}, {tr_opts, &tr_config}, {log_opts, &log_config}};
	int nsets = 9;
	size_t i;
	char err[ADDR_ERR_LEN];

	memset(&s, 0, sizeof(s));
	for (i = 0; i < NSERVICES; i++)
		if (services[i]->opts != NULL)
			sets[nsets++] = (struct opt_set){
			    services[i]->opts, services[i]->conf};
	opt_parse_or_exit(argv[0],
	    "[-SERVICE] [-registrar=ADDR:PORT]... [options]", argc, argv, sets,
	    nsets);
	if (server_config(&s, &cfg, argv[0]) == -1)
		return 2;
	if (csp_config_check(&s.csp, err, sizeof(err)) == -1 ||
	    mx_config_check(&s.mc, err, sizeof(err)) == -1 ||
	    tr_tls_setup(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 2;
	}
	if (daemon_start(&dc, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 1;
	}
	if (log_setup("server") == -1)
		return 1;
	sdn_init();
	return s.up.up > 0 ? server_up_down(&s, &cfg) : server_run(&s, &cfg);
}
