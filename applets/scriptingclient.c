// RSP_APPLET(scriptingclient, "scriptingclient", "pool user running a work package on the scripting pool")
/*
 * usage: rsp scriptingclient -input=FILE -output=FILE [-environment=FILE]
 *            [-registrar=ADDR:PORT]... [-poolhandle=NAME] [-maxretry=N]
 *            [-retrydelay=MS] [-runid=ID] [-quiet] ...
 *
 * The Scripting Service's pool user (docs/wire.md 9.7): waits for the
 * PE's Ready, asks whether the PE has the environment cached, uploads
 * the work package (and the environment if asked), exchanges
 * keep-alives while the PE works, then receives the exit status and the
 * results archive into -output.  SSP has no cookie: after a failure
 * (the PE lost, a timeout, a non-zero status) the client waits about
 * -retrydelay and starts over on another PE; failures after a PE
 * accepted the work count against -maxretry, refusals (Not Ready) do
 * not.  Exit: 0 when the results arrived with status 0, 1 otherwise,
 * 2 usage, 4-6 when it gave up (-giveup) for want of a pool, registrar
 * or PE (core/tools/giveup.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "core/rand.h"
#include "core/sha1.h"
#include "core/transport/transport.h"
#include "include/rsp.h"
#include "proto/ssp.h"

int scriptingclient_main(int argc, char **argv);

#define SC_PPID      35
#define SC_TICK_MS   100
#define SC_PUMP_MS   5
#define SC_IN_FLIGHT 8 /* upload messages not yet acknowledged */

struct sc_opts {
	const char *input, *output, *environment;
	const char *poolhandle;
	long long maxretry, retrydelay;
	long long tx_timeout, ka_interval, ka_timeout;
	const char *runid;
	int quiet;
};

static const struct opt sc_opts[] = {
    {"input", OPT_STR, "FILE",
        OPT_HELP("the work package (tar, tar.gz or tar.bz2)"), NULL, 0, 0,
        offsetof(struct sc_opts, input)},
    {"output", OPT_STR, "FILE", OPT_HELP("where the results archive goes"),
        NULL, 0, 0, offsetof(struct sc_opts, output)},
    {"environment", OPT_STR, "FILE",
        OPT_HELP("environment file, cached by the PEs under its SHA-1"), NULL,
        0, 0, offsetof(struct sc_opts, environment)},
    {"poolhandle", OPT_STR, "NAME", OPT_HELP("pool handle"), "ScriptingPool", 0,
        0, offsetof(struct sc_opts, poolhandle)},
    {"maxretry", OPT_INT, "N", OPT_HELP("give up after N failed trials"), "3",
        1, 1000000, offsetof(struct sc_opts, maxretry)},
    {"retrydelay", OPT_INT, "MS",
        OPT_HELP("wait about MS (+-12.5%) before starting over on another PE"),
        "10000", 100, 86400000, offsetof(struct sc_opts, retrydelay)},
    {"transmittimeout", OPT_INT, "MS",
        OPT_HELP(
            "fail over when the PE says nothing for MS outside processing"),
        "59500", 1, 86400000, offsetof(struct sc_opts, tx_timeout)},
    {"keepaliveinterval", OPT_INT, "MS",
        OPT_HELP("keep-alive interval while the PE processes"), "10000", 1,
        86400000, offsetof(struct sc_opts, ka_interval)},
    {"keepalivetimeout", OPT_INT, "MS",
        OPT_HELP("fail over when a keep-alive is not answered within MS"),
        "10000", 1, 86400000, offsetof(struct sc_opts, ka_timeout)},
    {"runid", OPT_STR, "ID", OPT_HELP("prefix of every progress line"), NULL, 0,
        0, offsetof(struct sc_opts, runid)},
    {"quiet", OPT_FLAG, NULL, OPT_HELP("no progress lines, errors only"), NULL,
        0, 0, offsetof(struct sc_opts, quiet)},
    OPT_END,
};

enum sc_state {
	SC_WAIT_READY = 0, /* connected (or connecting), no Ready yet */
	SC_UPLOAD,         /* Ready received: uploading, waiting for Status 0 */
	SC_PROCESSING,     /* Status 0: the PE works */
	SC_DOWNLOAD,       /* the final Status came: results arriving */
	SC_DELAY,          /* waiting -retrydelay before the next PE */
	SC_DONE,
};

struct sc {
	struct sc_opts o;
	struct pu_common pc; /* registrar, -giveup, CSP */
	struct ev_loop *loop;
	struct rsp_session *s;
	enum sc_state state;
	uint32_t pe;
	char info[SSP_INFO_MAX + 1]; /* the PE's host name */
	uint8_t env_hash[SHA1_SIZE];
	long long env_size;
	/* Upload: files[0] the package, files[1] the environment if asked. */
	const char *files[2];
	int nfiles, cur, fd;
	int upload_done, env_answered;
	uint64_t last_rx, last_ka;
	int ka_wait;
	int trial;
	uint32_t exit_status;
	int final_trial_failed; /* download for debugging, then exit 1 */
	int out_fd;
	uint64_t timer, delay_timer;
	int rc;
};

static void sc_fail(struct sc *c, int counts, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(const struct sc *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct sc *c, const char *fmt, ...)
{
	va_list ap;

	if (c->o.quiet)
		return;
	if (c->o.runid != NULL)
		printf(c->info[0] ? "[%s@%s] " : "[%s] ", c->o.runid, c->info);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void
sc_finish(struct sc *c, int rc)
{
	c->state = SC_DONE;
	c->rc = rc;
	ev_stop(c->loop);
}

static int
sc_send(struct sc *c, const struct ssp_msg *m)
{
	uint8_t b[SSP_MSG_MAX];
	struct wbuf w;

	wbuf_init(&w, b, sizeof(b));
	if (ssp_encode(m, &w) == -1)
		return RSP_ESYSTEM;
	return rsp_session_send(c->s, SC_PPID, 0, w.data, w.len);
}

static void
sc_close_files(struct sc *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	if (c->out_fd != -1) {
		close(c->out_fd);
		unlink(c->o.output);
	}
	c->out_fd = -1;
}

/* A fresh attempt on the PE the session is connected to now. */
static void
sc_start(struct sc *c)
{
	sc_close_files(c);
	c->state = SC_WAIT_READY;
	c->pe = rsp_session_pe_id(c->s);
	c->info[0] = '\0';
	c->nfiles = 1;
	c->cur = 0;
	c->upload_done = 0;
	c->env_answered = 0;
	c->ka_wait = 0;
	c->last_rx = c->last_ka = ev_now_ms(c->loop);
}

static int64_t
sc_delay_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct sc *c = arg;

	(void)loop;
	(void)id;
	c->delay_timer = EV_TIMER_NONE;
	c->state = SC_WAIT_READY;
	rsp_session_reconnect(c->s); /* RSP_EV_FAILOVER starts over */
	return EV_NOMORE;
}

/*
 * This attempt failed.  counts: the PE had accepted the work, so the
 * trial is used up.  Starts over on another PE after the retry delay,
 * or gives up after -maxretry trials.
 */
static void
sc_fail(struct sc *c, int counts, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	int64_t delay;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sc_close_files(c);
	if (counts && c->trial >= c->o.maxretry) {
		fprintf(stderr,
		    "scriptingclient: %s (PE $%08x); giving up after %d "
		    "trial%s\n",
		    why, c->pe, c->trial, c->trial == 1 ? "" : "s");
		sc_finish(c, 1);
		return;
	}
	if (counts)
		c->trial++;
	say(c, "%s (PE $%08x) => FAILOVER, trial %d of %lld ...\n", why, c->pe,
	    c->trial, c->o.maxretry);
	log_notice("scriptingclient: PE $%08x: %s", c->pe, why);
	c->state = SC_DELAY;
	delay = c->o.retrydelay - c->o.retrydelay / 8 +
	        (int64_t)rand_uniform((uint32_t)(c->o.retrydelay / 4 + 1));
	c->delay_timer = ev_timer_add(c->loop, delay, sc_delay_cb, c);
}

/* Send upload messages while few are in flight; at the end of the last
 * file (and after the environment answer) the upload is complete. */
static void
sc_pump(struct sc *c)
{
	uint8_t chunk[SSP_CHUNK_MAX];
	struct ssp_msg m;
	ssize_t n;

	while (c->state == SC_UPLOAD && c->cur < c->nfiles &&
	       rsp_session_is_up(c->s) && rsp_session_pe_id(c->s) == c->pe &&
	       rsp_session_unacked(c->s) < SC_IN_FLIGHT) {
		if (c->fd == -1 && (c->fd = open(c->files[c->cur],
		                        O_RDONLY | O_CLOEXEC)) == -1) {
			fprintf(stderr, "scriptingclient: %s: %s\n",
			    c->files[c->cur], strerror(errno));
			sc_finish(c, 1);
			return;
		}
		if ((n = read(c->fd, chunk, sizeof(chunk))) == -1) {
			fprintf(stderr, "scriptingclient: %s: %s\n",
			    c->files[c->cur], strerror(errno));
			sc_finish(c, 1);
			return;
		}
		memset(&m, 0, sizeof(m));
		m.type = SSP_UPLOAD;
		m.data = n > 0 ? chunk : NULL;
		m.datalen = (size_t)n;
		if (sc_send(c, &m) != RSP_OK) {
			sc_fail(c, 1, "upload failed");
			return;
		}
		c->last_rx = ev_now_ms(c->loop); /* progress */
		if (n == 0) {
			close(c->fd);
			c->fd = -1;
			c->cur++;
			if (c->cur == c->nfiles &&
			    (c->o.environment == NULL || c->env_answered))
				say(c, "Upload complete.\n");
		}
	}
}

static void
sc_ready(struct sc *c, const struct ssp_msg *m)
{
	struct stat st;
	struct ssp_msg q;
	size_t i;

	for (i = 0; i < m->datalen && i < SSP_INFO_MAX; i++)
		c->info[i] = m->data[i] >= 0x20 && m->data[i] < 0x7f
		                 ? (char)m->data[i]
		                 : '.';
	c->info[i] = '\0';
	say(c, "Server %s (PE $%08x) is ready!\n", c->info, c->pe);
	c->state = SC_UPLOAD;
	if (c->o.environment != NULL) {
		memset(&q, 0, sizeof(q));
		q.type = SSP_ENVIRONMENT;
		memcpy(q.hash, c->env_hash, SSP_HASH_SIZE);
		if (sc_send(c, &q) != RSP_OK) {
			sc_fail(c, 1, "environment query failed");
			return;
		}
	}
	if (stat(c->o.input, &st) == 0)
		say(c, "Uploading %lld bytes ...\n", (long long)st.st_size);
	sc_pump(c);
}

static void
sc_env_answer(struct sc *c, const struct ssp_msg *m)
{
	if (c->o.environment == NULL || c->env_answered ||
	    memcmp(m->hash, c->env_hash, SHA1_SIZE) != 0) {
		sc_fail(c, 1, "unexpected Environment answer");
		return;
	}
	c->env_answered = 1;
	if (m->flags & SSP_FLAG_U) {
		say(c, "Server %s needs environment (%lld bytes)\n", c->info,
		    c->env_size);
		c->files[1] = c->o.environment;
		c->nfiles = 2;
	} else
		say(c, "Server %s has cached environment -> skipping upload\n",
		    c->info);
	sc_pump(c);
}

static void
sc_status(struct sc *c, const struct ssp_msg *m)
{
	if (c->state == SC_UPLOAD) {
		if (m->value != 0) {
			sc_fail(c, 1, "the PE refused the upload (status %u)",
			    m->value);
			return;
		}
		say(c, "Server %s is processing ...\n", c->info);
		c->state = SC_PROCESSING;
		c->last_ka = ev_now_ms(c->loop);
		c->ka_wait = 0;
		return;
	}
	c->exit_status = m->value;
	c->state = SC_DOWNLOAD;
	if (m->value == 0)
		return;
	if (c->trial < c->o.maxretry) {
		sc_fail(c, 1, "the work package failed (status %u)", m->value);
		return;
	}
	fprintf(stderr,
	    "scriptingclient: the work package failed (status %u) on PE "
	    "$%08x in trial %d of %lld; downloading its output for "
	    "debugging\n",
	    m->value, c->pe, c->trial, c->o.maxretry);
	c->final_trial_failed = 1;
}

static void
sc_download(struct sc *c, const struct ssp_msg *m)
{
	if (c->out_fd == -1) {
		say(c, "Downloading ...\n");
		c->out_fd = open(c->o.output,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd == -1) {
			fprintf(stderr, "scriptingclient: %s: %s\n",
			    c->o.output, strerror(errno));
			sc_finish(c, 1);
			return;
		}
	}
	if (m->datalen > 0) {
		if (write(c->out_fd, m->data, m->datalen) !=
		    (ssize_t)m->datalen) {
			fprintf(stderr, "scriptingclient: %s: %s\n",
			    c->o.output, strerror(errno ? errno : EIO));
			sc_finish(c, 1);
		}
		return;
	}
	if (close(c->out_fd) == -1) {
		c->out_fd = -1;
		fprintf(stderr, "scriptingclient: %s: %s\n", c->o.output,
		    strerror(errno));
		sc_finish(c, 1);
		return;
	}
	c->out_fd = -1;
	say(c, "Download completed! Status %u from PE $%08x.\n", c->exit_status,
	    c->pe);
	sc_finish(c, c->exit_status == 0 ? 0 : 1);
}

static void
sc_msg(struct sc *c, const struct rsp_event *ev)
{
	struct ssp_msg m, ack;

	if (c->state == SC_DELAY || c->state == SC_DONE || ev->pe_id != c->pe)
		return;
	if (ssp_decode(ev->data, ev->len, &m) != APP_OK) {
		sc_fail(c, c->state != SC_WAIT_READY,
		    "malformed message from the PE");
		return;
	}
	c->last_rx = ev_now_ms(c->loop);
	if (m.type == SSP_KEEPALIVE) {
		memset(&ack, 0, sizeof(ack));
		ack.type = SSP_KEEPALIVE_ACK; /* the PU's form: 4 bytes */
		sc_send(c, &ack);
		return;
	}
	if (m.type == SSP_KEEPALIVE_ACK) {
		c->ka_wait = 0;
		return;
	}
	switch (c->state) {
	case SC_WAIT_READY:
		if (m.type == SSP_READY) {
			sc_ready(c, &m);
			return;
		}
		if (m.type == SSP_NOT_READY) {
			sc_fail(c, 0,
			    "server %.*s is not ready: %s (reason %u)",
			    (int)(m.datalen < SSP_INFO_MAX ? m.datalen
			                                   : SSP_INFO_MAX),
			    m.data ? (const char *)m.data : "",
			    m.value == SSP_REASON_FULLY_LOADED ? "it is full"
			    : m.value == SSP_REASON_OUT_OF_RESOURCES
			        ? "out of resources"
			        : "no reason given",
			    m.value);
			return;
		}
		break;
	case SC_UPLOAD:
		if (m.type == SSP_ENVIRONMENT) {
			sc_env_answer(c, &m);
			return;
		}
		if (m.type == SSP_STATUS) {
			sc_status(c, &m);
			return;
		}
		break;
	case SC_PROCESSING:
		if (m.type == SSP_STATUS) {
			sc_status(c, &m);
			return;
		}
		break;
	case SC_DOWNLOAD:
		if (m.type == SSP_DOWNLOAD) {
			sc_download(c, &m);
			return;
		}
		break;
	default:
		break;
	}
	sc_fail(c, c->state != SC_WAIT_READY, "unexpected %s message",
	    ssp_type_name(m.type));
}

/* The PE ended the session without the complete results. */
static void
sc_closed(struct sc *c)
{
	if (c->state == SC_DELAY || c->state == SC_DONE)
		return;
	if (c->final_trial_failed) {
		fprintf(stderr,
		    "scriptingclient: PE $%08x returned no results after "
		    "status %u: check that %s is a tar, tar.gz or tar.bz2 "
		    "archive with an ssrun program at its top level\n",
		    c->pe, c->exit_status, c->o.input);
		sc_finish(c, 1);
		return;
	}
	sc_fail(c, c->state != SC_WAIT_READY, "the PE closed the session");
}

static void
on_event(const struct rsp_event *ev, void *arg)
{
	struct sc *c = arg;

	giveup_event(&c->pc.giveup, ev);
	switch (ev->type) {
	case RSP_EV_SESSION_UP:
		log_info("scriptingclient: connected to PE $%08x", ev->pe_id);
		sc_start(c);
		break;
	case RSP_EV_FAILOVER:
		/* The library moved to another PE: after our own request,
		 * or because the PE failed (which uses up the trial if the
		 * PE had accepted the work). */
		if (c->state != SC_DELAY && c->state != SC_WAIT_READY) {
			if (c->trial >= c->o.maxretry) {
				fprintf(stderr,
				    "scriptingclient: PE $%08x failed; giving "
				    "up after %d trial%s\n",
				    c->pe, c->trial, c->trial == 1 ? "" : "s");
				sc_finish(c, 1);
				return;
			}
			c->trial++;
			say(c,
			    "PE $%08x failed => FAILOVER, trial %d of "
			    "%lld ...\n",
			    c->pe, c->trial, c->o.maxretry);
		}
		if (c->delay_timer != EV_TIMER_NONE) {
			ev_timer_cancel(c->loop, c->delay_timer);
			c->delay_timer = EV_TIMER_NONE;
		}
		log_notice("scriptingclient: now on PE $%08x", ev->pe_id);
		sc_start(c);
		break;
	case RSP_EV_MSG:
		sc_msg(c, ev);
		break;
	case RSP_EV_CLOSED:
		sc_closed(c);
		break;
	default:
		break;
	}
}

static int64_t
tick_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct sc *c = arg;
	uint64_t now = ev_now_ms(loop);
	struct ssp_msg m;

	(void)id;
	switch (c->state) {
	case SC_UPLOAD:
		sc_pump(c);
		/* FALLTHROUGH */
	case SC_DOWNLOAD:
		if (c->state != SC_DONE && c->state != SC_DELAY &&
		    now - c->last_rx >= (uint64_t)c->o.tx_timeout)
			sc_fail(c, 1, "transmit timeout");
		break;
	case SC_WAIT_READY:
		/* Without a PE the library keeps resolving; only a PE that
		 * is connected and silent is given up. */
		if (rsp_session_is_up(c->s) &&
		    now - c->last_rx >= (uint64_t)c->o.tx_timeout)
			sc_fail(c, 0, "no Ready from the PE");
		break;
	case SC_PROCESSING:
		if (c->ka_wait &&
		    now - c->last_ka >= (uint64_t)c->o.ka_timeout) {
			sc_fail(c, 1, "keep-alive timeout");
			break;
		}
		if (!c->ka_wait &&
		    now - c->last_ka >= (uint64_t)c->o.ka_interval) {
			memset(&m, 0, sizeof(m));
			m.type = SSP_KEEPALIVE;
			c->ka_wait = sc_send(c, &m) == RSP_OK;
			c->last_ka = now;
		}
		break;
	default:
		break;
	}
	return c->state == SC_UPLOAD ? SC_PUMP_MS : SC_TICK_MS;
}

static void
signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	struct sc *c = arg;

	(void)loop;
	fprintf(stderr, "scriptingclient: %s\n", ev_signal_name(signo));
	sc_close_files(c);
	sc_finish(c, 1);
}

static int
sc_run(struct sc *c, const struct rsp_session_config *cfg)
{
	struct csp_reporter *rep;
	int err;

	if ((c->loop = pu_common_loop(&c->pc, "scriptingclient", 0)) == NULL)
		return 1;
	ev_add_signal(c->loop, SIGINT, signal_cb, c);
	ev_add_signal(c->loop, SIGTERM, signal_cb, c);
	if ((c->s = rsp_session_new(c->loop, cfg, on_event, c, &err)) == NULL) {
		log_error("scriptingclient: %s", rsp_strerror(err));
		ev_loop_free(c->loop);
		return 1;
	}
	say(c, "Connecting to pool %s ...\n", c->o.poolhandle);
	c->timer = ev_timer_add(c->loop, SC_TICK_MS, tick_cb, c);
	c->rc = 1;
	rep = pu_common_csp(&c->pc, c->loop, c->s, 0, NULL, NULL);
	if (ev_run(c->loop) == -1)
		c->rc = 1;
	c->rc = pu_common_end(&c->pc, rep, c->rc);
	sc_close_files(c);
	rsp_session_free(c->s);
	ev_loop_free(c->loop);
	return c->rc;
}

/* Usage checks; -1: exit 2 (message printed). */
static int
sc_config(struct sc *c, const char *argv0)
{

	if (c->o.input == NULL || c->o.output == NULL) {
		fprintf(
		    stderr, "%s: -input= and -output= are required\n", argv0);
		return -1;
	}
	if (c->o.environment != NULL && c->o.environment[0] == '\0')
		c->o.environment = NULL; /* RSPLIB: empty means none */
	c->files[0] = c->o.input;
	c->nfiles = 1;
	return 0;
}

/* The files: readable input, the environment's hash.  -1 on error. */
static int
sc_files(struct sc *c, const char *argv0)
{
	char hex[2 * SHA1_SIZE + 1];

	if (access(c->o.input, R_OK) == -1) {
		fprintf(stderr, "%s: -input=%s: %s\n", argv0, c->o.input,
		    strerror(errno));
		return -1;
	}
	if (c->o.environment != NULL) {
		c->env_size = sha1_file(c->o.environment, c->env_hash);
		if (c->env_size == -1) {
			fprintf(stderr, "%s: -environment=%s: %s\n", argv0,
			    c->o.environment, strerror(errno));
			return -1;
		}
		sha1_hex(c->env_hash, hex);
		say(c, "Environment %s: SHA-1 %s, %lld bytes\n",
		    c->o.environment, hex, c->env_size);
	}
	return 0;
}

int
scriptingclient_main(int argc, char **argv)
{
	struct sc *c;
	struct rsp_session_config cfg;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return 1;
	c->fd = c->out_fd = -1;
	c->trial = 1;
	const struct opt_set sets[] = {
	    {sc_opts, &c->o}, PU_COMMON_OPT_SETS(&c->pc)};

	opt_parse_or_exit(argv[0],
	    "-input=FILE -output=FILE [-registrar=ADDR:PORT]... [options]",
	    argc, argv, sets, sizeof(sets) / sizeof(sets[0]));
	if (pu_common_config(&c->pc, argv[0], c->o.poolhandle, &cfg) == -1 ||
	    sc_config(c, argv[0]) == -1)
		rc = 2;
	else if (sc_files(c, argv[0]) == -1 ||
	         log_setup("scriptingclient") == -1)
		rc = 1;
	else
		rc = sc_run(c, &cfg);
	free(c);
	return rc;
}
