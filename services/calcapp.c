// RSP_SERVICE(calcapp, "CalcApp service, pool CalcAppPool")
/*
 * CalcApp pool element (docs/wire.md 9.6), RSPLIB's "UDP-like" server:
 * every session is accepted; a Request (or a Cookie Echo carrying a
 * job's progress) starts a job unless -capmaxjobs run already (then
 * Reject, and the PU goes elsewhere).  Jobs share -capcapacity
 * (services/calcapp_jobs.c); a finished job gets Complete.  Per job the
 * PE sends keep-alives and drops the job when one is not acknowledged,
 * and sends a cookie every -capcookiemaxcalculations calculations or
 * -capcookiemaxtime seconds, so a PU can resume the job elsewhere.  At
 * the end, with -capcleanshutdownprobability, every job gets a last
 * cookie.  Statistics go to -capvector (a line per completed job) and
 * -capscalar (totals at the end), in RSPLIB's formats.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/buf.h"
#include "core/clock.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/rand.h"
#include "proto/calcapp.h"
#include "proto/wire.h"
#include "services/calcapp_jobs.h"
#include "services/service.h"

struct calcapp_conf calcapp_conf;

const struct opt calcapp_opts[] = {
    {"capmaxjobs", OPT_INT, "N", OPT_HELP("CalcApp: jobs served at a time"),
        "10", 1, 16384, offsetof(struct calcapp_conf, max_jobs)},
    {"capcapacity", OPT_STR, "CALC/S",
        OPT_HELP("CalcApp: calculations per second, shared by the jobs"),
        "1000000", 0, 0, offsetof(struct calcapp_conf, capacity_s)},
    {"capkeepalivetransmissioninterval", OPT_INT, "MS",
        OPT_HELP("CalcApp: keep-alive to the PU this long after the last ack"),
        "2500", 100, 86400000, offsetof(struct calcapp_conf, ka_tx_ms)},
    {"capkeepalivetimeoutinterval", OPT_INT, "MS",
        OPT_HELP("CalcApp: drop a job whose keep-alive is not acked in MS"),
        "2500", 100, 86400000, offsetof(struct calcapp_conf, ka_tout_ms)},
    {"capcookiemaxtime", OPT_STR, "S",
        OPT_HELP("CalcApp: a cookie at least every S seconds"), "5", 0, 0,
        offsetof(struct calcapp_conf, cookie_time_s)},
    {"capcookiemaxcalculations", OPT_STR, "CALC",
        OPT_HELP("CalcApp: a cookie at least every CALC calculations"),
        "5000000", 0, 0, offsetof(struct calcapp_conf, cookie_calc_s)},
    {"capcleanshutdownprobability", OPT_STR, "P",
        OPT_HELP("CalcApp: probability 0..1 of last cookies at the end"), "1.0",
        0, 0, offsetof(struct calcapp_conf, clean_shutdown_s)},
    {"capobject", OPT_STR, "NAME",
        OPT_HELP("CalcApp: object name in the statistics"),
        "scenario.calcapppoolelement[0]", 0, 0,
        offsetof(struct calcapp_conf, object)},
    {"capvector", OPT_STR, "FILE",
        OPT_HELP("CalcApp: vector file, a line per completed job"),
        "calcapppoolelement.vec", 0, 0, offsetof(struct calcapp_conf, vector)},
    {"capscalar", OPT_STR, "FILE",
        OPT_HELP("CalcApp: scalar file, totals at the end"),
        "calcapppoolelement.sca", 0, 0, offsetof(struct calcapp_conf, scalar)},
    OPT_END,
};

int
svc_calcapp_check(const char *argv0)
{
	struct calcapp_conf *c = &calcapp_conf;
	double t;

	if (opt_parse_double(argv0, "capcapacity", c->capacity_s, 1.0, 1e15,
	        &c->capacity) == -1 ||
	    opt_parse_double(argv0, "capcookiemaxtime", c->cookie_time_s, 0.1,
	        1e9, &t) == -1 ||
	    opt_parse_double(argv0, "capcookiemaxcalculations",
	        c->cookie_calc_s, 1.0, 1e18, &c->cookie_calc) == -1 ||
	    opt_parse_double(argv0, "capcleanshutdownprobability",
	        c->clean_shutdown_s, 0.0, 1.0, &c->clean_shutdown) == -1)
		return -1;
	c->cookie_time_us = t * 1e6;
	return 0;
}

struct calcapp {
	struct cap_jobs t;
	uint64_t timer;
	FILE *vec, *sca;
	uint64_t start_us;
	unsigned long long accepted, rejected, vec_line;
	uint32_t load;
	struct cap_job slots[];
};

static uint64_t
now_us(void)
{
	return clock_mono_us();
}

/* A job size or count for the wire.  The sizes come from the PU's
 * 64-bit fields: 0xffffffffffffffff is 2^64 as a double, which no
 * unsigned long long holds (converting it is undefined). */
static unsigned long long
cap_round(double v)
{
	if (!(v > 0.0))
		return 0;
	if (v >= 0x1p64)
		return 0xffffffffffffffffULL;
	return (unsigned long long)(v + 0.5);
}

static void
cap_send(struct svc_ctx *c, uint32_t session, uint8_t type, uint32_t job_id,
    double size, double completed)
{
	struct calcapp_msg m;
	uint8_t b[CALCAPP_SIZE];
	struct wbuf w;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.job_id = job_id;
	m.job_size = cap_round(size);
	m.completed = cap_round(completed);
	wbuf_init(&w, b, sizeof(b));
	if (calcapp_encode(&m, &w) == 0)
		rsp_element_send(
		    c->e, session, RSP_PPID_CALCAPP, 0, w.data, w.len);
}

static void
cap_send_cookie(struct svc_ctx *c, struct cap_job *job, uint64_t now)
{
	struct calcapp_cookie ck;
	uint8_t b[CALCAPP_COOKIE_SIZE];
	struct wbuf w;

	ck.job_id = job->job_id;
	ck.job_size = cap_round(job->size);
	ck.completed = cap_round(job->completed);
	wbuf_init(&w, b, sizeof(b));
	if (calcapp_cookie_encode(&ck, &w) == 0)
		rsp_element_send_cookie(c->e, job->session, w.data, w.len);
	log_debug(1, "calcapp: cookie for job %u/%u: %llu of %llu",
	    job->session, job->job_id, (unsigned long long)ck.completed,
	    (unsigned long long)ck.job_size);
	cap_cookie_sent(job, now);
}

/* PE load = jobs / maxjobs, re-registered on change when the policy
 * uses load (RSPLIB re-registers only then). */
static void
cap_report_load(struct svc_ctx *c, struct calcapp *ca)
{
	uint32_t load =
	    (uint32_t)((double)ca->t.n / (double)ca->t.max * 4294967295.0);

	if (!c->adaptive || load == ca->load)
		return;
	ca->load = load;
	rsp_element_set_load(c->e, load);
}

static int64_t cap_timer_cb(struct ev_loop *loop, uint64_t id, void *arg);

/* Arm the one timer for the earliest job event. */
static void
cap_rearm(struct svc_ctx *c, struct calcapp *ca)
{
	uint64_t next = cap_next_event(&ca->t), now = now_us();
	int64_t ms;

	if (ca->timer != EV_TIMER_NONE)
		ev_timer_cancel(c->loop, ca->timer);
	ca->timer = EV_TIMER_NONE;
	if (next == CAP_NEVER)
		return;
	ms = next <= now ? 0 : (int64_t)((next - now + 999) / 1000);
	ca->timer = ev_timer_add(c->loop, ms, cap_timer_cb, c);
}

static void
cap_vector_line(struct svc_ctx *c, struct calcapp *ca, uint64_t now)
{
	double uptime = (double)(now - ca->start_us) / 1e6;
	double avail = uptime * ca->t.capacity;

	if (ca->vec == NULL)
		return;
	if (ca->vec_line == 0)
		fprintf(ca->vec,
		    "ObjectName PID PoolElementIdentifier CurrentTimeStamp "
		    "Runtime   AvailableCalculations UsedCalculations "
		    "Utilization   CurrentJobs MaxJobs\n");
	fprintf(ca->vec,
	    "%06llu %s %u 0x%08x %1.6f   %1.6f   %1.0f %1.0f %1.6f   %u "
	    "%u\n",
	    ++ca->vec_line, calcapp_conf.object, (unsigned)getpid(),
	    rsp_element_id(c->e), clock_wall_s(), uptime, avail, ca->t.used,
	    avail > 0 ? ca->t.used / avail : 0.0, (unsigned)ca->t.n,
	    (unsigned)ca->t.max);
	fflush(ca->vec);
}

static void
cap_complete(
    struct svc_ctx *c, struct calcapp *ca, struct cap_job *job, uint64_t now)
{
	log_info("calcapp: job %u/%u complete (%.0f calculations)",
	    job->session, job->job_id, job->size);
	cap_send(c, job->session, CALCAPP_COMPLETE, job->job_id, job->size,
	    job->completed);
	cap_vector_line(c, ca, now);
	cap_job_remove(&ca->t, job, now);
}

/* Handle every event that is due, like RSPLIB one at a time. */
static int64_t
cap_timer_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct svc_ctx *c = arg;
	struct calcapp *ca = c->priv;
	uint64_t now = now_us();
	int i;

	(void)loop;
	(void)id;
	ca->timer = EV_TIMER_NONE;
	cap_update(&ca->t, now);
	for (i = 0; i < ca->t.max; i++) {
		struct cap_job *job = &ca->t.j[i];

		if (job->session == 0)
			continue;
		if (job->complete_at <= now || job->completed >= job->size) {
			cap_complete(c, ca, job, now);
			continue;
		}
		if (job->cookie_at <= now) {
			job->cookie_at = CAP_NEVER;
			cap_send_cookie(c, job, now);
		}
		if (job->ka_tx_at <= now) {
			job->ka_tx_at = CAP_NEVER;
			job->ka_timeout_at =
			    now + (uint64_t)calcapp_conf.ka_tout_ms * 1000;
			cap_send(c, job->session, CALCAPP_KEEPALIVE,
			    job->job_id, 0, 0);
		}
		if (job->ka_timeout_at <= now) {
			log_notice("calcapp: no keep-alive ack for job %u/%u, "
			           "removing it",
			    job->session, job->job_id);
			cap_job_remove(&ca->t, job, now);
		}
	}
	cap_schedule(&ca->t, now);
	cap_report_load(c, ca);
	cap_rearm(c, ca);
	return EV_NOMORE;
}

static int
calcapp_init(struct svc_ctx *c)
{
	struct calcapp_conf *cf = &calcapp_conf;
	struct calcapp *ca;
	int max = (int)cf->max_jobs;

	if ((ca = calloc(
	         1, sizeof(*ca) + (size_t)max * sizeof(ca->slots[0]))) == NULL)
		return -1;
	c->priv = ca;
	cap_jobs_init(&ca->t, ca->slots, max);
	ca->t.capacity = cf->capacity;
	ca->t.cookie_calc = cf->cookie_calc;
	ca->t.cookie_time_us = cf->cookie_time_us;
	ca->t.ka_tx_us = (uint64_t)cf->ka_tx_ms * 1000;
	ca->timer = EV_TIMER_NONE;
	ca->start_us = now_us();
	if ((ca->vec = fopen(cf->vector, "w")) == NULL) {
		log_error("calcapp: %s: %s", cf->vector, strerror(errno));
		return -1;
	}
	if ((ca->sca = fopen(cf->scalar, "w")) == NULL) {
		log_error("calcapp: %s: %s", cf->scalar, strerror(errno));
		return -1;
	}
	fprintf(ca->sca, "run 1 \"scenario\"\n");
	fflush(ca->sca);
	log_info("calcapp: capacity %.0f calculations/s, %d jobs at most",
	    cf->capacity, max);
	return 0;
}

static void
cap_scalars(struct calcapp *ca, uint64_t now)
{
	const char *o = calcapp_conf.object;
	double uptime = (double)(now - ca->start_us) / 1e6;
	double avail = uptime * ca->t.capacity;

	fprintf(ca->sca, "scalar \"%s\" \"CalcAppPE Service Uptime\" %1.6f\n",
	    o, uptime);
	fprintf(ca->sca, "scalar \"%s\" \"CalcAppPE Service Capacity\" %1.0f\n",
	    o, ca->t.capacity);
	fprintf(ca->sca, "scalar \"%s\" \"CalcAppPE Service Max Jobs\" %u\n", o,
	    (unsigned)ca->t.max);
	fprintf(ca->sca,
	    "scalar \"%s\" \"CalcAppPE Total Used Capacity\" %1.0f\n", o,
	    ca->t.used);
	fprintf(ca->sca,
	    "scalar \"%s\" \"CalcAppPE Total Wasted Capacity\" %1.0f\n", o,
	    avail - ca->t.used);
	fprintf(ca->sca,
	    "scalar \"%s\" \"CalcAppPE Total Jobs Accepted\" %llu\n", o,
	    ca->accepted);
	fprintf(ca->sca,
	    "scalar \"%s\" \"CalcAppPE Total Jobs Rejected\" %llu\n", o,
	    ca->rejected);
	fprintf(ca->sca, "scalar \"%s\" \"CalcAppPE Utilization\" %1.6f\n", o,
	    avail > 0 ? ca->t.used / avail : 0.0);
}

/* Last cookies (with the clean-shutdown probability), then the totals. */
static void
calcapp_fini(struct svc_ctx *c)
{
	struct calcapp *ca = c->priv;
	uint64_t now = now_us();
	double r = (double)(rand_u64() >> 11) / 9007199254740992.0;
	int i;

	if (ca == NULL)
		return;
	if (ca->timer != EV_TIMER_NONE)
		ev_timer_cancel(c->loop, ca->timer);
	cap_update(&ca->t, now);
	if (ca->t.n > 0 && r < calcapp_conf.clean_shutdown)
		for (i = 0; i < ca->t.max; i++)
			if (ca->t.j[i].session != 0)
				cap_send_cookie(c, &ca->t.j[i], now);
	if (ca->sca != NULL) {
		cap_scalars(ca, now);
		fclose(ca->sca);
	}
	if (ca->vec != NULL)
		fclose(ca->vec);
	free(ca);
	c->priv = NULL;
}

static void
calcapp_up(struct svc_ctx *c, uint32_t session)
{
	(void)c;
	(void)session;
}

/* Start a job from a Request or a cookie: Accept, or Reject when full. */
static void
cap_start(struct svc_ctx *c, struct calcapp *ca, uint32_t session,
    uint32_t job_id, double size, double completed, const char *how)
{
	uint64_t now = now_us();
	struct cap_job *job;

	if ((job = cap_job_add(
	         &ca->t, session, job_id, size, completed, now)) == NULL) {
		log_notice("calcapp: job %u/%u rejected%s: %d jobs running",
		    session, job_id, how, ca->t.n);
		ca->rejected++;
		cap_send(c, session, CALCAPP_REJECT, job_id, 0, 0);
		return;
	}
	log_notice("calcapp: job %u/%u of size %.0f, completed %.0f, "
	           "accepted%s (%d running)",
	    session, job_id, size, job->completed, how, ca->t.n);
	ca->accepted++;
	cap_send(c, session, CALCAPP_ACCEPT, job_id, 0, 0);
}

static void
cap_cookie_echo(
    struct svc_ctx *c, struct calcapp *ca, const struct rsp_event *ev)
{
	struct calcapp_cookie ck;

	/* RSPLIB reads the first 20 bytes of a longer cookie too. */
	if (ev->len < CALCAPP_COOKIE_SIZE ||
	    calcapp_cookie_decode(ev->data, CALCAPP_COOKIE_SIZE, &ck) !=
	        APP_OK) {
		log_notice("calcapp: session %u: malformed Cookie Echo, "
		           "aborting",
		    ev->session);
		rsp_element_abort_session(c->e, ev->session);
		return;
	}
	cap_start(c, ca, ev->session, ck.job_id, (double)ck.job_size,
	    (double)ck.completed, " from cookie echo");
}

static void
cap_message(struct svc_ctx *c, struct calcapp *ca, const struct rsp_event *ev)
{
	struct calcapp_msg m;
	struct cap_job *job;
	enum app_err err;

	if (ev->len < CALCAPP_SIZE)
		return; /* RSPLIB ignores short messages */
	if ((err = calcapp_decode(ev->data, CALCAPP_SIZE, &m)) != APP_OK) {
		log_info("calcapp: session %u: %s, ignored", ev->session,
		    app_err_name(err));
		return;
	}
	job = cap_job_find(&ca->t, ev->session, m.job_id);
	switch (m.type) {
	case CALCAPP_REQUEST:
		cap_start(
		    c, ca, ev->session, m.job_id, (double)m.job_size, 0, "");
		break;
	case CALCAPP_KEEPALIVE:
		if (job != NULL)
			cap_send(c, ev->session, CALCAPP_KEEPALIVE_ACK,
			    m.job_id, 0, 0);
		else
			log_info("calcapp: keep-alive for unknown job %u/%u",
			    ev->session, m.job_id);
		break;
	case CALCAPP_KEEPALIVE_ACK:
		if (job != NULL) {
			job->ka_timeout_at = CAP_NEVER;
			job->ka_tx_at =
			    now_us() + (uint64_t)calcapp_conf.ka_tx_ms * 1000;
		}
		break;
	default:
		log_info("calcapp: session %u: unexpected %s, ignored",
		    ev->session, calcapp_type_name(m.type));
		break;
	}
}

static void
calcapp_msg(struct svc_ctx *c, const struct rsp_event *ev)
{
	struct calcapp *ca = c->priv;

	if (ev->type == RSP_EV_COOKIE_ECHO)
		cap_cookie_echo(c, ca, ev);
	else
		cap_message(c, ca, ev);
	cap_report_load(c, ca);
	cap_rearm(c, ca);
}

/* A session ended: its jobs cannot be reported any more. */
static void
calcapp_down(struct svc_ctx *c, uint32_t session)
{
	struct calcapp *ca = c->priv;
	uint64_t now = now_us();
	int i;

	for (i = 0; i < ca->t.max; i++)
		if (ca->t.j[i].session == session && session != 0) {
			log_info("calcapp: session %u ended, job %u removed",
			    session, ca->t.j[i].job_id);
			cap_job_remove(&ca->t, &ca->t.j[i], now);
		}
	cap_report_load(c, ca);
	cap_rearm(c, ca);
}

const struct svc svc_calcapp = {"calcapp", "CalcAppPool", calcapp_init,
    calcapp_fini, calcapp_up, calcapp_msg, calcapp_down, NULL, calcapp_opts,
    &calcapp_conf, svc_calcapp_check, NULL};
