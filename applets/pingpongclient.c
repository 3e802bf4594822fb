// RSP_APPLET(pingpongclient, "pingpongclient", "pool user of the Ping Pong service")
/*
 * usage: rsp pingpongclient [-registrar=ADDR:PORT]... [-poolhandle=NAME]
 *            [-interval=MS] [-runtime=MS] [-giveup=MS] [-quiet]
 *
 * A Ping Pong pool user (docs/wire.md 9.4): every -interval a Ping with
 * the next MessageNo and RSPLIB's text ("Nachricht: N, Zeitstempel:
 * microseconds") goes to a PE of the pool; each Pong is printed as
 * RSPLIB's client does ("Ack #N from PE $xxxxxxxx (reply #R)"), and a
 * ReplyNo that does not follow the previous one by exactly 1 as a gap.
 * The PE's cookies are kept by the library: after a failover (PE
 * aborted or died: reported unreachable; PE closed the session, e.g.
 * because it is full: not reported) the new PE gets the Cookie Echo and
 * numbers on.  Runs until SIGINT/SIGTERM or -runtime, then prints one
 * summary line.  Exit: 0 if a Pong came, 1 if none or on error, 2 usage,
 * 4-6 when it gave up (-giveup) for want of a pool, registrar or PE.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/addr.h"
#include "proto/buf.h"
#include "core/csp_report.h"
#include "core/tools/csp_app.h"
#include "core/lib/discovery_opts.h"
#include "core/ev.h"
#include "core/tools/giveup.h"
#include "core/tools/pu_common.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/transport/transport.h"
#include "include/rsp.h"
#include "proto/pingpong.h"
#include "proto/wire.h"

int pingpongclient_main(int argc, char **argv);

struct ppc_opts {
	const char *poolhandle;
	long long interval;
	long long runtime;
	int quiet;
};

static const struct opt ppc_opts[] = {
    {"poolhandle", OPT_STR, "NAME", OPT_HELP("pool handle"), "PingPongPool", 0,
        0, offsetof(struct ppc_opts, poolhandle)},
    {"interval", OPT_INT, "MS", OPT_HELP("time between two Pings"), "500", 1,
        3600000, offsetof(struct ppc_opts, interval)},
    {"runtime", OPT_INT, "MS", OPT_HELP("stop after MS (0: never)"), "0", 0,
        1000000000000LL, offsetof(struct ppc_opts, runtime)},
    {"quiet", OPT_FLAG, NULL,
        OPT_HELP("print only the summary on standard output"), NULL, 0, 0,
        offsetof(struct ppc_opts, quiet)},
    OPT_END,
};

struct ppc {
	struct ppc_opts o;
	struct ev_loop *loop;
	struct rsp_session *s;
	uint64_t message_no; /* of the next Ping */
	uint64_t last_reply;
	unsigned long long sent, received, failovers, gaps, refused;
	int status;
	struct pu_common pc; /* registrar, -giveup, CSP */
};

static unsigned long long
wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (unsigned long long)tv.tv_sec * 1000000ULL +
	       (unsigned long long)tv.tv_usec;
}

static int64_t
ping_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct ppc *p = arg;
	struct pingpong_msg m;
	char text[96];
	uint8_t b[PINGPONG_PING_SIZE + sizeof(text)];
	struct wbuf w;
	int n, rc;

	(void)loop;
	(void)id;
	n = snprintf(text, sizeof(text), "Nachricht: %llu, Zeitstempel: %llu",
	    (unsigned long long)p->message_no, wall_us());
	memset(&m, 0, sizeof(m));
	m.type = PINGPONG_PING;
	m.message_no = p->message_no;
	m.data = (const uint8_t *)text;
	m.datalen = (size_t)n;
	wbuf_init(&w, b, sizeof(b));
	if (pingpong_encode(&m, &w) == -1)
		return p->o.interval;
	rc = rsp_session_send(p->s, RSP_PPID_PINGPONG, 0, w.data, w.len);
	if (rc == RSP_OK) {
		log_info("pingpongclient: message #%llu sent",
		    (unsigned long long)p->message_no);
		p->message_no++;
		p->sent++;
	} else
		log_warning(
		    "pingpongclient: Ping not sent: %s", rsp_strerror(rc));
	return p->o.interval;
}

static void
on_pong(struct ppc *p, const struct rsp_event *ev)
{
	struct pingpong_msg m;
	enum app_err err;

	if ((err = pingpong_decode(ev->data, ev->len, &m)) != APP_OK ||
	    m.type != PINGPONG_PONG) {
		log_warning("pingpongclient: from PE $%08x: %s", ev->pe_id,
		    err != APP_OK ? app_err_name(err) : "not a Pong");
		return;
	}
	p->received++;
	log_info("pingpongclient: Pong #%llu from PE $%08x (reply #%llu)",
	    (unsigned long long)m.message_no, ev->pe_id,
	    (unsigned long long)m.reply_no);
	if (!p->o.quiet)
		printf("Ack #%llu from PE $%08x (reply #%llu)\n",
		    (unsigned long long)m.message_no, ev->pe_id,
		    (unsigned long long)m.reply_no);
	if (m.reply_no - p->last_reply != 1) {
		p->gaps++;
		if (!p->o.quiet)
			printf("*** Detected gap of %lld! ***\n",
			    (long long)(m.reply_no - p->last_reply));
	}
	p->last_reply = m.reply_no;
	fflush(stdout);
}

static void
on_event(const struct rsp_event *ev, void *arg)
{
	struct ppc *p = arg;

	giveup_event(&p->pc.giveup, ev);
	switch (ev->type) {
	case RSP_EV_SESSION_UP:
		log_notice("pingpongclient: connected to PE $%08x", ev->pe_id);
		break;
	case RSP_EV_FAILOVER:
		p->failovers++;
		log_notice("pingpongclient: failover to PE $%08x%s", ev->pe_id,
		    rsp_session_has_cookie(p->s) ? " (cookie echoed)" : "");
		break;
	case RSP_EV_MSG:
		on_pong(p, ev);
		break;
	case RSP_EV_CLOSED:
		/* A full PE closes new sessions at once: not unreachable. */
		p->refused++;
		log_notice(
		    "pingpongclient: PE $%08x closed the session", ev->pe_id);
		rsp_session_reconnect(p->s);
		break;
	default:
		break;
	}
}

static int
ppc_run(struct ppc *p, const struct rsp_session_config *cfg)
{
	struct csp_reporter *rep;
	int err;

	if ((p->loop = pu_common_loop(&p->pc, "pingpongclient", 1)) == NULL)
		return 1;
	if ((p->s = rsp_session_new(p->loop, cfg, on_event, p, &err)) == NULL) {
		log_error("pingpongclient: %s", rsp_strerror(err));
		ev_loop_free(p->loop);
		return 1;
	}
	p->message_no = 1;
	ev_timer_add(p->loop, 0, ping_cb, p);
	ev_stop_after(p->loop, p->o.runtime);
	rep = pu_common_csp(&p->pc, p->loop, p->s, 0, NULL, NULL);
	if (ev_run(p->loop) == -1)
		p->status = 1;
	p->status = pu_common_end(&p->pc, rep, p->status);
	rsp_session_free(p->s);
	ev_loop_free(p->loop);
	printf("pingpongclient: sent=%llu received=%llu failovers=%llu "
	       "closed=%llu gaps=%llu last_reply=%llu\n",
	    p->sent, p->received, p->failovers, p->refused, p->gaps,
	    (unsigned long long)p->last_reply);
	fflush(stdout);
	if (p->status != 0)
		return p->status;
	if (p->received == 0) {
		log_error("pingpongclient: no Pong received");
		return 1;
	}
	return p->status;
}

int
pingpongclient_main(int argc, char **argv)
{
	struct ppc p;
	struct rsp_session_config cfg;
	const struct opt_set sets[] = {
	    {ppc_opts, &p.o}, PU_COMMON_OPT_SETS(&p.pc)};

	memset(&p, 0, sizeof(p));
	opt_parse_or_exit(argv[0], "[-registrar=ADDR:PORT]... [options]", argc,
	    argv, sets, sizeof(sets) / sizeof(sets[0]));
	if (pu_common_config(&p.pc, argv[0], p.o.poolhandle, &cfg) == -1)
		return 2;
	if (log_setup("pingpongclient") == -1)
		return 1;
	return ppc_run(&p, &cfg);
}
