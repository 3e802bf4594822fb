/*
 * How long a pool user keeps trying without a pool element (-giveup=MS)
 * and what it tells its user meanwhile.  The library retries by itself
 * and reports each failed attempt as RSP_EV_ERROR; this logs each new
 * failure at the default level (the same one again once a minute, else
 * at -loglevel=5 and up) and, when no session has come up
 * within -giveup ms of a failure, stops the loop with the exit status
 * that names the last cause.  -giveup=0 retries forever, as RSPLIB's
 * clients do (-loglevel=1 silences the warnings too).
 *
 *	struct giveup g;                 add {giveup_opts, &g}
 *	giveup_start(&g, loop, "terminal")
 *	giveup_event(&g, ev)             first thing in the event callback
 *	ev_run(loop); ... return g.status ? g.status : 0
 */
#ifndef RSP_CORE_GIVEUP_H
#define RSP_CORE_GIVEUP_H

#include <stdint.h>

#include "core/opt.h"
#include "include/rsp.h"

/* Exit statuses beyond 0 ok, 1 runtime error, 2 usage (README table). */
enum rsp_exit {
	RSP_EXIT_REFUSED = 3, /* the registrar refused the registration */
	RSP_EXIT_NOPOOL = 4,  /* the registrar knows no such pool */
	RSP_EXIT_NOREG = 5,   /* no registrar reachable */
	RSP_EXIT_NOPE = 6,    /* no pool element answered */
};

#define GIVEUP_DEFAULT_MS 10000
#define GIVEUP_DETAIL_MAX 512
#define GIVEUP_REPEAT_MS  60000 /* the same failure logged again */

struct giveup {
	long long ms; /* -giveup */
	struct ev_loop *loop;
	const char *who;
	uint64_t timer;
	int error; /* the last failure, RSP_OK if none since up */
	unsigned cause;
	char detail[GIVEUP_DETAIL_MAX];
	char logged[GIVEUP_DETAIL_MAX + 160]; /* the last one logged */
	uint64_t logged_ms;
	int status; /* the exit status once given up, else 0 */
};

extern const struct opt giveup_opts[];

void giveup_start(struct giveup *g, struct ev_loop *loop, const char *who);
void giveup_event(struct giveup *g, const struct rsp_event *ev);
void giveup_stop(struct giveup *g);
/* The exit status for a library error (RSP_EXIT_*, else 1). */
int giveup_exit_status(int err);
/* "no such pool: pool P (cause 0x0009: unknown pool handle)" */
void giveup_describe(
    char *buf, size_t len, int err, unsigned cause, const char *detail);

#endif
