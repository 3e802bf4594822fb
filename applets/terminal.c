// RSP_APPLET(terminal, "rspterminal", "pool user sending standard input lines to a pool")
/*
 * usage: rsp terminal [-poolhandle=NAME] [-registrar=ADDR:PORT]...
 *            [-asapannounce=auto|off|GROUP:PORT] [-runtime=MS] [-giveup=MS]
 *            [-cspserver=ADDR:PORT] [-cspinterval=MS]
 *
 * A pool user (docs/wire.md 9.3): each line read from standard input
 * goes to a PE of the pool as one message with PPID 0; whatever comes
 * back is printed as "from PE $xxxxxxxx> text".  When the PE fails or
 * ends the session while input remains, the PE is reported unreachable
 * and the session fails over to another PE; the failover is logged,
 * with the number of lines the failed PE had not acknowledged (they
 * are not sent again: they may be lost).  Unlike RSPLIB's rspterminal
 * it exits at the end
 * of input, once every line is acknowledged and nothing has arrived for
 * a second (or the PE closed the session), or after -runtime.  Every
 * failure to reach a PE is logged with its cause; after -giveup ms
 * without a PE it exits.  Exit: 0 ok, 1 runtime error, 2 usage, 4 no
 * such pool, 5 no registrar reachable, 6 no PE answered (core/tools/giveup.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int terminal_main(int argc, char **argv);

#define TERM_LINE_MAX 65000
#define TERM_QUIET_MS 1000 /* silence after the input that ends the run */
#define TERM_TICK_MS  100

struct terminal_opts {
	const char *poolhandle;
	long long runtime;
};

static const struct opt terminal_opts[] = {
    {"poolhandle", OPT_STR, "NAME", OPT_HELP("pool handle"), "EchoPool", 0, 0,
        offsetof(struct terminal_opts, poolhandle)},
    {"runtime", OPT_INT, "MS",
        OPT_HELP("exit after MS (0: at the end of input)"), "0", 0,
        1000000000000LL, offsetof(struct terminal_opts, runtime)},
    OPT_END,
};

struct terminal {
	struct terminal_opts o;
	struct ev_loop *loop;
	struct rsp_session *s;
	int eof;
	int closed; /* the PE ended the session */
	uint64_t last;
	int status;
	struct pu_common pc; /* registrar, -giveup, CSP */
	size_t len;
	char line[TERM_LINE_MAX + 1];
};

static void
term_send(struct terminal *t, const char *data, size_t len)
{
	int rc;

	if (t->closed) {
		t->closed = 0;
		rsp_session_failover(t->s);
	}
	if ((rc = rsp_session_send(t->s, 0, 0, data, len)) != RSP_OK)
		log_warning("terminal: line dropped: %s", rsp_strerror(rc));
	t->last = ev_now_ms(t->loop);
}

/* Send every complete line of the buffer; at EOF the rest too. */
static void
term_lines(struct terminal *t)
{
	char *nl;
	size_t n;

	while ((nl = memchr(t->line, '\n', t->len)) != NULL) {
		n = (size_t)(nl - t->line) + 1;
		term_send(t, t->line, n);
		memmove(t->line, t->line + n, t->len - n);
		t->len -= n;
	}
	if (t->len == TERM_LINE_MAX || (t->eof && t->len > 0)) {
		term_send(t, t->line, t->len);
		t->len = 0;
	}
}

static void
stdin_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct terminal *t = arg;
	ssize_t n;

	(void)events;
	n = read(fd, t->line + t->len, TERM_LINE_MAX - t->len);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		ev_del_fd(loop, fd);
		t->eof = 1;
		t->last = ev_now_ms(loop);
	} else
		t->len += (size_t)n;
	term_lines(t);
}

static void
on_event(const struct rsp_event *ev, void *arg)
{
	struct terminal *t = arg;

	giveup_event(&t->pc.giveup, ev);
	switch (ev->type) {
	case RSP_EV_SESSION_UP:
		log_notice("terminal: connected to PE $%08x", ev->pe_id);
		/* Lines queued while hunting go out now: the quiet time
		 * that ends the run after EOF counts from here, so that
		 * their answers can come. */
		t->last = ev_now_ms(t->loop);
		break;
	case RSP_EV_FAILOVER:
		log_notice("terminal: failover to PE $%08x", ev->pe_id);
		if (ev->unacked > 0)
			log_notice("terminal: %d line(s) may be lost (the "
			           "previous PE did not acknowledge them)",
			    ev->unacked);
		break;
	case RSP_EV_MSG:
		printf("from PE $%08x> ", ev->pe_id);
		fwrite(ev->data, 1, ev->len, stdout);
		fflush(stdout);
		t->last = ev_now_ms(t->loop);
		break;
	case RSP_EV_CLOSED:
		log_notice("terminal: PE $%08x closed the session", ev->pe_id);
		if (t->eof)
			t->closed = 1; /* done */
		else
			rsp_session_failover(t->s);
		break;
	default:
		break;
	}
}

static int64_t
tick_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct terminal *t = arg;

	(void)id;
	if (!t->eof)
		return TERM_TICK_MS;
	if (t->closed ||
	    (rsp_session_is_up(t->s) && rsp_session_unacked(t->s) == 0 &&
	        ev_now_ms(loop) - t->last >= TERM_QUIET_MS)) {
		ev_stop(loop);
		return EV_NOMORE;
	}
	return TERM_TICK_MS;
}

static int
term_run(struct terminal *t, const struct rsp_session_config *cfg)
{
	struct csp_reporter *rep;
	int err;

	if ((t->loop = pu_common_loop(&t->pc, "terminal", 1)) == NULL)
		return 1;
	if ((t->s = rsp_session_new(t->loop, cfg, on_event, t, &err)) == NULL) {
		log_error("terminal: %s", rsp_strerror(err));
		ev_loop_free(t->loop);
		return 1;
	}
	if (ev_add_fd(t->loop, STDIN_FILENO, EV_READ, stdin_cb, t) == -1) {
		t->eof = 1; /* a regular file or /dev/null: read it now */
		stdin_cb(t->loop, STDIN_FILENO, EV_READ, t);
		while (!t->eof)
			stdin_cb(t->loop, STDIN_FILENO, EV_READ, t);
	}
	ev_timer_add(t->loop, TERM_TICK_MS, tick_cb, t);
	ev_stop_after(t->loop, t->o.runtime);
	/* Like RSPLIB's rspterminal: one session, a random PU ID. */
	rep = pu_common_csp(&t->pc, t->loop, t->s, 0, NULL, NULL);
	if (ev_run(t->loop) == -1)
		t->status = 1;
	t->status = pu_common_end(&t->pc, rep, t->status);
	rsp_session_free(t->s);
	ev_loop_free(t->loop);
	return t->status;
}

int
terminal_main(int argc, char **argv)
{
	struct terminal *t;
	struct rsp_session_config cfg;
	int rc;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return 1;
	const struct opt_set sets[] = {
	    {terminal_opts, &t->o}, PU_COMMON_OPT_SETS(&t->pc)};

	opt_parse_or_exit(argv[0], "[-registrar=ADDR:PORT]... [options]", argc,
	    argv, sets, sizeof(sets) / sizeof(sets[0]));
	if (pu_common_config(&t->pc, argv[0], t->o.poolhandle, &cfg) == -1)
		rc = 2;
	else if (log_setup("terminal") == -1)
		rc = 1;
	else
		rc = term_run(t, &cfg);
	free(t);
	return rc;
}
