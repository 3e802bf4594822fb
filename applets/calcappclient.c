// RSP_APPLET(calcappclient, "calcappclient", "pool user of the CalcApp service")
/*
 * usage: rsp calcappclient [-registrar=ADDR:PORT]... [-poolhandle=NAME]
 *            [-jobinterval=S] [-jobsize=CALC] [-runtime=S] [-jobcount=N]
 *            [-fixedjobsize] [-keepalivetransmissioninterval=MS]
 *            [-keepalivetimeoutinterval=MS] [-object=NAME]
 *            [-vector=FILE] [-scalar=FILE]
 *
 * A CalcApp pool user (docs/wire.md 9.6), as RSPLIB's calcappclient:
 * jobs arrive with exponentially distributed gaps (mean -jobinterval
 * seconds) and sizes (mean -jobsize calculations) into a queue; one job
 * at a time gets its own session: Request, Accept (or Reject: another
 * PE), keep-alives both ways, Complete.  When the PE fails the library
 * fails over and echoes the PE's last cookie, so the new PE resumes the
 * job; without a cookie the Request is sent again (after a Reject, 1 s
 * later).  A keep-alive not acknowledged in time reports the PE
 * unreachable and fails over.  At the end (-runtime, -jobcount jobs
 * completed, SIGINT/SIGTERM) the statistics are printed and written to
 * -scalar; -vector gets a line per completed job (RSPLIB's formats).
 * Exit: 0 ok, 1 runtime error, 2 usage, 4-6 when it gave up (-giveup)
 * for want of a pool, registrar or PE (core/tools/giveup.h).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "proto/buf.h"
#include "core/clock.h"
#include "core/csp_report.h"
#include "core/tools/csp_app.h"
#include "core/daemon.h"
#include "core/lib/discovery_opts.h"
#include "core/ev.h"
#include "core/tools/giveup.h"
#include "core/tools/pu_common.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/rand.h"
#include "core/transport/transport.h"
#include "include/rsp.h"
#include "proto/calcapp.h"
#include "proto/wire.h"
#include "services/service.h"

int calcappclient_main(int argc, char **argv);

#define CAC_REJECT_DELAY_MS 1000 /* RSPLIB: sleep 1 s after a Reject */

struct cac_opts {
	const char *poolhandle;
	const char *jobinterval_s, *jobsize_s, *runtime_s;
	long long jobcount;
	int fixed;
	long long ka_tx_ms, ka_tout_ms;
	const char *object, *vector, *scalar;
};

static const struct opt cac_opts[] = {
    {"poolhandle", OPT_STR, "NAME", OPT_HELP("pool handle"), "CalcAppPool", 0,
        0, offsetof(struct cac_opts, poolhandle)},
    {"jobinterval", OPT_STR, "S",
        OPT_HELP("mean time between two jobs, in seconds"), "15", 0, 0,
        offsetof(struct cac_opts, jobinterval_s)},
    {"jobsize", OPT_STR, "CALC", OPT_HELP("mean job size, in calculations"),
        "5000000", 0, 0, offsetof(struct cac_opts, jobsize_s)},
    {"runtime", OPT_STR, "S", OPT_HELP("stop after S seconds"), "86400", 0, 0,
        offsetof(struct cac_opts, runtime_s)},
    {"jobcount", OPT_INT, "N",
        OPT_HELP("stop after N completed jobs, no more queued (0: no limit)"),
        "0", 0, 1000000000, offsetof(struct cac_opts, jobcount)},
    {"fixedjobsize", OPT_FLAG, NULL,
        OPT_HELP("every job has exactly -jobsize calculations"), NULL, 0, 0,
        offsetof(struct cac_opts, fixed)},
    {"keepalivetransmissioninterval", OPT_INT, "MS",
        OPT_HELP("keep-alive to the PE this long after the last answer"),
        "5000", 100, 86400000, offsetof(struct cac_opts, ka_tx_ms)},
    {"keepalivetimeoutinterval", OPT_INT, "MS",
        OPT_HELP("fail over when an answer is this late"), "5000", 100,
        86400000, offsetof(struct cac_opts, ka_tout_ms)},
    {"object", OPT_STR, "NAME", OPT_HELP("object name in the statistics"),
        "scenario.calcapppooluser[0]", 0, 0, offsetof(struct cac_opts, object)},
    {"vector", OPT_STR, "FILE",
        OPT_HELP("vector file, a line per completed job"), "CalcAppPU.vec", 0,
        0, offsetof(struct cac_opts, vector)},
    {"scalar", OPT_STR, "FILE", OPT_HELP("scalar file, the totals at the end"),
        "CalcAppPU.sca", 0, 0, offsetof(struct cac_opts, scalar)},
    OPT_END,
};

struct job {
	struct job *next;
	uint32_t id;
	double size;
	uint64_t queued, started, accepted, completed; /* us */
	size_t qlen; /* jobs queued before this one */
};

struct totals {
	double queuing, startup, processing, handling;
	unsigned long long queued, started, completed;
	double size_queued, size_started, size_completed;
	unsigned long long requests, accepts, rejects, completes, kas, ka_acks;
	unsigned long long failovers;
};

struct cac {
	struct cac_opts o;
	double interval_us, jobsize, runtime_s;
	struct ev_loop *loop;
	struct rsp_session *s, *old;
	const struct rsp_session_config *cfg;
	struct job *head, **tail, *cur;
	size_t nqueued;
	uint32_t last_id;
	int reject_delay; /* after a Reject: Request again 1 s later */
	uint64_t t_next, t_tx, t_tout, t_req, t_free;
	struct totals st;
	FILE *vec, *sca;
	unsigned vec_line;
	int status;
	struct pu_common pc; /* registrar, -giveup, CSP */
};

/* Cancel *id, then (ms >= 0) arm it. */
static void
arm(struct cac *c, uint64_t *id, int64_t ms, ev_timer_cb *cb)
{
	if (*id != EV_TIMER_NONE)
		ev_timer_cancel(c->loop, *id);
	*id = ms < 0 ? EV_TIMER_NONE : ev_timer_add(c->loop, ms, cb, c);
}

static void
cac_send(struct cac *c, uint8_t type, double size)
{
	struct calcapp_msg m;
	uint8_t b[CALCAPP_SIZE];
	struct wbuf w;
	int rc;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.job_id = c->cur->id;
	m.job_size = (uint64_t)(size + 0.5);
	wbuf_init(&w, b, sizeof(b));
	if (calcapp_encode(&m, &w) == 0 &&
	    (rc = rsp_session_send(c->s, RSP_PPID_CALCAPP, 0, w.data, w.len)) !=
	        RSP_OK)
		log_warning("calcappclient: %s not sent: %s",
		    calcapp_type_name(type), rsp_strerror(rc));
}

static int64_t tout_cb(struct ev_loop *loop, uint64_t id, void *arg);
static int64_t tx_cb(struct ev_loop *loop, uint64_t id, void *arg);

static void
send_request(struct cac *c)
{
	if (c->cur == NULL || c->s == NULL)
		return;
	printf(
	    "Request for job #%u (job size %.0f)\n", c->cur->id, c->cur->size);
	fflush(stdout);
	cac_send(c, CALCAPP_REQUEST, c->cur->size);
	c->st.requests++;
	arm(c, &c->t_tx, -1, tx_cb);
	arm(c, &c->t_tout, c->o.ka_tout_ms, tout_cb);
}

static int64_t
req_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct cac *c = arg;

	(void)loop;
	(void)id;
	c->t_req = EV_TIMER_NONE;
	send_request(c);
	return EV_NOMORE;
}

static void on_event(const struct rsp_event *ev, void *arg);

/* Take the next queued job and open its session. */
static void
start_job(struct cac *c)
{
	int err;

	if (c->cur != NULL || c->head == NULL || c->s != NULL)
		return;
	c->cur = c->head;
	if ((c->head = c->cur->next) == NULL)
		c->tail = &c->head;
	c->nqueued--;
	c->cur->started = clock_mono_us();
	c->st.started++;
	c->st.size_started += c->cur->size;
	c->reject_delay = 0;
	if ((c->s = rsp_session_new(c->loop, c->cfg, on_event, c, &err)) ==
	    NULL) {
		log_error("calcappclient: %s", rsp_strerror(err));
		c->status = 1;
		ev_stop(c->loop);
		return;
	}
	send_request(c);
}

static int64_t
free_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct cac *c = arg;

	(void)loop;
	(void)id;
	c->t_free = EV_TIMER_NONE;
	rsp_session_free(c->old);
	c->old = NULL;
	if (c->o.jobcount > 0 &&
	    c->st.completed >= (unsigned long long)c->o.jobcount) {
		ev_stop(c->loop);
		return EV_NOMORE;
	}
	start_job(c);
	return EV_NOMORE;
}

static int64_t
next_job_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct cac *c = arg;
	struct job *j;

	(void)loop;
	(void)id;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return (int64_t)(rand_exp(c->interval_us) / 1000.0);
	j->id = ++c->last_id;
	j->size = c->o.fixed ? c->jobsize : floor(rand_exp(c->jobsize) + 0.5);
	if (j->size < 1)
		j->size = 1;
	j->queued = clock_mono_us();
	j->qlen = c->nqueued;
	*c->tail = j;
	c->tail = &j->next;
	c->nqueued++;
	c->st.queued++;
	c->st.size_queued += j->size;
	start_job(c);
	if (c->o.jobcount > 0 &&
	    c->st.queued >= (unsigned long long)c->o.jobcount) {
		c->t_next = EV_TIMER_NONE;
		return EV_NOMORE;
	}
	return (int64_t)(rand_exp(c->interval_us) / 1000.0);
}

static int64_t
tx_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct cac *c = arg;

	(void)loop;
	(void)id;
	c->t_tx = EV_TIMER_NONE;
	cac_send(c, CALCAPP_KEEPALIVE, 0);
	c->st.kas++;
	arm(c, &c->t_tout, c->o.ka_tout_ms, tout_cb);
	return EV_NOMORE;
}

/* No answer in time: report the PE and fail over. */
static int64_t
tout_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct cac *c = arg;

	(void)loop;
	(void)id;
	c->t_tout = EV_TIMER_NONE;
	log_notice("calcappclient: job #%u: timeout, failover", c->cur->id);
	rsp_session_failover(c->s);
	return EV_NOMORE;
}

static void
job_done(struct cac *c, const struct calcapp_msg *m, uint32_t pe_id)
{
	struct job *j = c->cur;
	double queuing, startup, processing, handling;

	j->completed = clock_mono_us();
	queuing = (double)(j->started - j->queued) / 1e6;
	startup = (double)(j->accepted - j->started) / 1e6;
	processing = (double)(j->completed - j->accepted) / 1e6;
	handling = queuing + startup + processing;
	c->st.completes++;
	c->st.completed++;
	c->st.size_completed += j->size;
	c->st.queuing += queuing;
	c->st.startup += startup;
	c->st.processing += processing;
	c->st.handling += handling;
	printf("Job #%u completed by PE $%08x: JobSize=%llu Completed=%llu "
	       "QueueLength=%zu QueuingDelay=%.6f StartupDelay=%.6f "
	       "ProcessingTime=%.6f HandlingTime=%.6f HandlingSpeed=%.0f\n",
	    j->id, pe_id, (unsigned long long)m->job_size,
	    (unsigned long long)m->completed, j->qlen, queuing, startup,
	    processing, handling, handling > 0 ? j->size / handling : 0.0);
	fflush(stdout);
	if (c->vec != NULL) {
		if (c->vec_line == 0)
			fputs("ObjectName PID JobID JobSize JobInterval   "
			      "QueueLength QueuingDelay StartupDelay "
			      "ProcessingTime HandlingTime HandlingSpeed   "
			      "QueuingTimeStamp StartupTimeStamp "
			      "AcceptTimeStamp CompleteTimeStamp\n",
			    c->vec);
		fprintf(c->vec,
		    "%06u %s %u %u %1.0f %1.6f   %u %1.6f %1.6f %1.6f %1.6f "
		    "%1.6f   %1.6f %1.6f %1.6f %1.6f\n",
		    ++c->vec_line, c->o.object, (unsigned)getpid(), j->id,
		    j->size, c->interval_us / 1e6, (unsigned)j->qlen, queuing,
		    startup, processing, handling,
		    handling > 0 ? j->size / handling : 0.0,
		    clock_wall_s() - (double)(j->completed - j->queued) / 1e6,
		    clock_wall_s() - (double)(j->completed - j->started) / 1e6,
		    clock_wall_s() - (double)(j->completed - j->accepted) / 1e6,
		    clock_wall_s());
		fflush(c->vec);
	}
	arm(c, &c->t_tx, -1, tx_cb);
	arm(c, &c->t_tout, -1, tout_cb);
	arm(c, &c->t_req, -1, req_cb);
	free(j);
	c->cur = NULL;
	rsp_session_shutdown(c->s);
	c->old = c->s; /* freed outside its callback */
	c->s = NULL;
	arm(c, &c->t_free, 0, free_cb);
}

static void
on_calcapp(struct cac *c, const struct rsp_event *ev)
{
	struct calcapp_msg m;
	enum app_err err;

	if (ev->len < CALCAPP_SIZE ||
	    (err = calcapp_decode(ev->data, CALCAPP_SIZE, &m)) != APP_OK) {
		log_warning(
		    "calcappclient: bad message from PE $%08x", ev->pe_id);
		return;
	}
	if (m.job_id != c->cur->id) {
		log_warning("calcappclient: %s for job %u, not #%u",
		    calcapp_type_name(m.type), m.job_id, c->cur->id);
		return;
	}
	switch (m.type) {
	case CALCAPP_ACCEPT:
		printf("Job #%u accepted by PE $%08x\n", m.job_id, ev->pe_id);
		fflush(stdout);
		c->cur->accepted = clock_mono_us();
		c->st.accepts++;
		arm(c, &c->t_tout, -1, tout_cb);
		arm(c, &c->t_tx, c->o.ka_tx_ms, tx_cb);
		break;
	case CALCAPP_REJECT:
		printf("Job #%u rejected by PE $%08x\n", m.job_id, ev->pe_id);
		fflush(stdout);
		c->st.rejects++;
		arm(c, &c->t_tout, -1, tout_cb);
		arm(c, &c->t_tx, -1, tx_cb);
		c->reject_delay = 1;
		rsp_session_reconnect(c->s);
		break;
	case CALCAPP_KEEPALIVE:
		cac_send(c, CALCAPP_KEEPALIVE_ACK, 0);
		c->st.ka_acks++;
		break;
	case CALCAPP_KEEPALIVE_ACK:
		arm(c, &c->t_tout, -1, tout_cb);
		arm(c, &c->t_tx, c->o.ka_tx_ms, tx_cb);
		break;
	case CALCAPP_COMPLETE:
		job_done(c, &m, ev->pe_id);
		break;
	default:
		log_warning(
		    "calcappclient: unexpected %s", calcapp_type_name(m.type));
		break;
	}
}

static void
on_failover(struct cac *c, const struct rsp_event *ev)
{
	c->st.failovers++;
	printf("Failover of job #%u to PE $%08x%s\n", c->cur->id, ev->pe_id,
	    rsp_session_has_cookie(c->s) ? " (cookie echo)" : "");
	fflush(stdout);
	if (rsp_session_has_cookie(c->s)) {
		/*
		 * The PE answers the Cookie Echo with Accept or Reject.  A
		 * Keep-Alive goes right after it: RSPLIB's CalcApp PE takes
		 * a Cookie Echo in only when the next message arrives (its
		 * own PU's keep-alive timer goes on across a failover).
		 */
		arm(c, &c->t_tx, -1, tx_cb);
		cac_send(c, CALCAPP_KEEPALIVE, 0);
		c->st.kas++;
		arm(c, &c->t_tout, c->o.ka_tout_ms, tout_cb);
	} else if (c->reject_delay)
		arm(c, &c->t_req, CAC_REJECT_DELAY_MS, req_cb);
	else
		send_request(c);
	c->reject_delay = 0;
}

static void
on_event(const struct rsp_event *ev, void *arg)
{
	struct cac *c = arg;

	giveup_event(&c->pc.giveup, ev);
	if (c->cur == NULL)
		return; /* the session of a finished job */
	switch (ev->type) {
	case RSP_EV_SESSION_UP:
		log_notice("calcappclient: job #%u: connected to PE $%08x",
		    c->cur->id, ev->pe_id);
		break;
	case RSP_EV_FAILOVER:
		on_failover(c, ev);
		break;
	case RSP_EV_MSG:
		on_calcapp(c, ev);
		break;
	case RSP_EV_CLOSED:
		log_notice(
		    "calcappclient: PE $%08x closed the session", ev->pe_id);
		rsp_session_reconnect(c->s);
		break;
	default:
		break;
	}
}

static void
print_stats(struct cac *c)
{
	const struct totals *t = &c->st;
	const char *o = c->o.object;
	double proc = t->processing > 0 ? t->size_completed / t->processing : 0;
	double hand = t->handling > 0 ? t->size_completed / t->handling : 0;

	printf("CalcApp statistics: queued=%llu started=%llu completed=%llu "
	       "requests=%llu accepts=%llu rejects=%llu completes=%llu "
	       "keepalives=%llu keepaliveacks=%llu failovers=%llu "
	       "processing_speed=%.0f handling_speed=%.0f\n",
	    t->queued, t->started, t->completed, t->requests, t->accepts,
	    t->rejects, t->completes, t->kas, t->ka_acks, t->failovers, proc,
	    hand);
	fflush(stdout);
	if (c->sca == NULL)
		return;
#define SCA(name, fmt, v) \
	fprintf(c->sca, "scalar \"%s\" \"CalcAppPU " name "\" " fmt "\n", o, v)
	SCA("Total Queuing Time", "%1.6f", t->queuing);
	SCA("Total Startup Time", "%1.6f", t->startup);
	SCA("Total Processing Time", "%1.6f", t->processing);
	SCA("Total Handling Time", "%1.6f", t->handling);
	SCA("Average Processing Speed", "%1.0f", proc);
	SCA("Average Handling Speed", "%1.0f", hand);
	SCA("Total Jobs Queued", "%llu", t->queued);
	SCA("Total Jobs Started", "%llu", t->started);
	SCA("Total Jobs Completed", "%llu", t->completed);
	SCA("Total Job Size Queued", "%1.0f", t->size_queued);
	SCA("Total Job Size Started", "%1.0f", t->size_started);
	SCA("Total Job Size Completed", "%1.0f", t->size_completed);
	SCA("Total CalcAppRequests", "%llu", t->requests);
	SCA("Total CalcAppAccepts", "%llu", t->accepts);
	SCA("Total CalcAppRejects", "%llu", t->rejects);
	SCA("Total CalcAppCompletes", "%llu", t->completes);
	SCA("Total CalcAppKeepAlives", "%llu", t->kas);
	SCA("Total CalcAppKeepAliveAcks", "%llu", t->ka_acks);
#undef SCA
}

static int64_t
stop_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)id;
	(void)arg;
	ev_stop(loop);
	return EV_NOMORE;
}

static void
cac_cleanup(struct cac *c)
{
	struct job *j;

	rsp_session_free(c->s);
	rsp_session_free(c->old);
	free(c->cur);
	while ((j = c->head) != NULL) {
		c->head = j->next;
		free(j);
	}
	ev_loop_free(c->loop);
	if (c->sca != NULL)
		fclose(c->sca);
	if (c->vec != NULL)
		fclose(c->vec);
}

/* CSP: the session of the job in progress, looked up at each report
 * (sessions come and go with the jobs). */
static void
cac_csp_fill(struct csp_reporter *rep, struct csp_report *r, void *arg)
{
	struct cac *c = arg;

	c->pc.csp_app.session = c->s;
	c->pc.csp_app.sessions = c->s != NULL;
	csp_fill_app(rep, r, &c->pc.csp_app);
}

static int
cac_run(struct cac *c)
{
	struct csp_reporter *rep;

	if ((c->vec = fopen(c->o.vector, "w")) == NULL ||
	    (c->sca = fopen(c->o.scalar, "w")) == NULL) {
		log_error("calcappclient: %s: %s",
		    c->vec == NULL ? c->o.vector : c->o.scalar,
		    strerror(errno));
		if (c->vec != NULL)
			fclose(c->vec);
		return 1;
	}
	fprintf(c->sca, "run 1 \"scenario\"\n");
	if ((c->loop = pu_common_loop(&c->pc, "calcappclient", 1)) == NULL) {
		fclose(c->vec);
		fclose(c->sca);
		return 1;
	}
	c->tail = &c->head;
	c->t_next = c->t_tx = c->t_tout = c->t_req = c->t_free = EV_TIMER_NONE;
	c->t_next = ev_timer_add(c->loop,
	    (int64_t)(rand_exp(c->interval_us) / 1000.0), next_job_cb, c);
	ev_timer_add(c->loop, (int64_t)(c->runtime_s * 1000.0), stop_cb, c);
	rep = pu_common_csp(&c->pc, c->loop, NULL, 0, cac_csp_fill, c);
	if (ev_run(c->loop) == -1)
		c->status = 1;
	c->status = pu_common_end(&c->pc, rep, c->status);
	print_stats(c);
	cac_cleanup(c);
	return c->status;
}

static int
cac_config(struct cac *c, const char *argv0)
{
	double iv;
	size_t hl = strlen(c->o.poolhandle);

	if (hl == 0 || hl > RSP_HANDLE_MAX) {
		fprintf(stderr, "%s: -poolhandle: 1 to %d bytes\n", argv0,
		    RSP_HANDLE_MAX);
		return -1;
	}
	if (opt_parse_double(argv0, "jobinterval", c->o.jobinterval_s, 0.001,
	        1e9, &iv) == -1 ||
	    opt_parse_double(argv0, "jobsize", c->o.jobsize_s, 1.0, 1e18,
	        &c->jobsize) == -1 ||
	    opt_parse_double(argv0, "runtime", c->o.runtime_s, 0.001, 1e9,
	        &c->runtime_s) == -1)
		return -1;
	c->interval_us = iv * 1e6;
	return 0;
}

int
calcappclient_main(int argc, char **argv)
{
	struct cac c;
	struct rsp_session_config cfg;
	struct daemon_config dc = {NULL};
	const struct opt_set sets[] = {
	    {cac_opts, &c.o}, {daemon_opts, &dc}, PU_COMMON_OPT_SETS(&c.pc)};
	char err[ADDR_ERR_LEN];

	memset(&c, 0, sizeof(c));
	opt_parse_or_exit(argv[0], "[-registrar=ADDR:PORT]... [options]", argc,
	    argv, sets, sizeof(sets) / sizeof(sets[0]));
	if (pu_common_config(&c.pc, argv[0], c.o.poolhandle, &cfg) == -1 ||
	    cac_config(&c, argv[0]) == -1)
		return 2;
	c.cfg = &cfg;
	if (daemon_start(&dc, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 1;
	}
	if (log_setup("calcappclient") == -1)
		return 1;
	return cac_run(&c);
}
