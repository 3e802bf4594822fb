/*
 * The pool-user applets' shared option checks (core/tools/pu_common.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/ev.h"
#include "core/rand.h"
#include "core/tools/pu_common.h"

int
pu_common_config(struct pu_common *pc, const char *argv0, const char *pool,
    struct rsp_session_config *cfg)
{
	char err[ADDR_ERR_LEN];

	if (csp_config_check(&pc->csp, err, sizeof(err)) == -1 ||
	    mx_config_check(&pc->mc, err, sizeof(err)) == -1 ||
	    tr_tls_setup(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv0, err);
		return -1;
	}
	memset(cfg, 0, sizeof(*cfg));
	if (discovery_apply(&pc->disc, argv0, cfg->registrars,
	        &cfg->nregistrars, &cfg->announce, &cfg->timing) == -1)
		return -1;
	cfg->pool_handle = pool;
	cfg->transport = tr_resolve(tr_config.kind);
	cfg->counters = &pc->counters;
	pc->pool = pool;
	return 0;
}

#ifdef RSP_TLS
/* SIGHUP: read -tlskeyfile and -tlscafile again, as the registrar and
 * rsp server do; the next association to a registrar uses them (one
 * that is up keeps its own). */
static void
pu_hup_cb(struct ev_loop *loop, int signo, void *arg)
{
	struct pu_common *pc = arg;

	(void)loop;
	log_notice("%s: %s, rereading the TLS keys", pc->giveup.who,
	    ev_signal_name(signo));
	(void)tr_tls_reload();
}

/* Only with TLS configured: otherwise SIGHUP keeps its default (a pool
 * user on a terminal that hangs up ends with it). */
static int
pu_tls_hup(struct pu_common *pc, struct ev_loop *loop)
{
	if (tr_config.tls_keyfile == NULL && tr_config.tls_cafile == NULL)
		return 0;
	return ev_add_signal(loop, SIGHUP, pu_hup_cb, pc);
}
#else
static int
pu_tls_hup(struct pu_common *pc, struct ev_loop *loop)
{
	(void)pc, (void)loop;
	return 0;
}
#endif

struct ev_loop *
pu_common_loop(struct pu_common *pc, const char *who, int stop_on_signals)
{
	struct ev_loop *loop;
	char err[256];

	if ((loop = ev_loop_new()) == NULL) {
		log_error("%s: event loop: %s", who, strerror(errno));
		return NULL;
	}
	pc->mx_app = (struct mx_app){&pc->counters, NULL, 1};
	pc->mx = mx_exporter_new(loop, &pc->mc, who, pc->pool, mx_fill_app,
	    &pc->mx_app, err, sizeof(err));
	if (pc->mx == NULL && err[0] != '\0') {
		log_error("%s: %s", who, err);
		ev_loop_free(loop);
		return NULL;
	}
	if (stop_on_signals)
		ev_stop_on_signals(loop);
	giveup_start(&pc->giveup, loop, who);
	if (pu_tls_hup(pc, loop) == -1)
		log_warning("%s: SIGHUP: %s", who, strerror(errno));
	return loop;
}

struct csp_reporter *
pu_common_csp(struct pu_common *pc, struct ev_loop *loop, struct rsp_session *s,
    uint64_t object, csp_fill_fn *fill, void *arg)
{
	struct csp_reporter *rep;

	if (!pc->csp.enabled)
		return NULL;
	if (fill == NULL) {
		/* RSPLIB's PU with one session */
		pc->csp_app.session = s;
		pc->csp_app.sessions = 1;
		fill = csp_fill_app;
		arg = &pc->csp_app;
	}
	rep = csp_reporter_new(loop, &pc->csp,
	    csp_id(CSP_GROUP_PU, object != 0 ? object : rand_u64()), fill, arg);
	if (rep == NULL)
		log_warning(
		    "%s: CSP reporting: %s", pc->giveup.who, strerror(errno));
	return rep;
}

int
pu_common_end(struct pu_common *pc, struct csp_reporter *rep, int status)
{
	if (pc->giveup.status != 0)
		status = pc->giveup.status;
	giveup_stop(&pc->giveup);
	csp_reporter_free(rep);
	mx_exporter_free(pc->mx);
	pc->mx = NULL;
	return status;
}
