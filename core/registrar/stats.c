/*
 * RSPLIB's registrar statistics (its -statsfile, -statsinterval,
 * -scalar and -object), in RSPLIB's formats so that its evaluation
 * scripts read ours:
 *
 * -statsfile: a header line, then every -statsinterval a line of a
 * six-digit line number, AbsTime (s since the epoch), RelTime (s since
 * the first line), Runtime, UserTime and SystemTime (s, of this
 * process), the current Peers, Pools, PoolElements and
 * OwnedPoolElements, and the eight totals of struct reg_counters.
 *
 * -scalar: at the end, OMNeT++ scalar lines: the eight totals and the
 * time-weighted averages of the pools, PEs, owned PEs and peers, which
 * reg_stats_tick() integrates at every message (as RSPLIB does).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "core/clock.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/registrar/registrar.h"
#include "core/registrar/internal.h"

#define REG_OPT(...) OPT_ROW(struct reg_config, __VA_ARGS__)

/* The statslog feature's registrar options (mk/features.mk): RSPLIB's
 * statistics and action log files. */
const struct opt reg_stats_opts[] = {
    REG_OPT("statsfile", OPT_STR, "FILE",
        "a statistics line every -statsinterval to FILE", NULL, 0, 0,
        statsfile),
    REG_OPT("statsinterval", OPT_INT, "MS", "-statsfile line interval", "1000",
        10, 3600000, stats_interval),
    REG_OPT("scalar", OPT_STR, "FILE",
        "totals and averages to FILE at the end (OMNeT++ scalars)", NULL, 0, 0,
        scalar),
    REG_OPT("object", OPT_STR, "NAME", "object name in the -scalar file",
        "registrar", 0, 0, object),
    REG_OPT("actionlogfile", OPT_STR, "FILE",
        "log every protocol action to FILE (RSPLIB's columns)", NULL, 0, 0,
        actionlog),
    OPT_END,
};

/* What is averaged over time, in this order. */
enum { AVG_POOLS, AVG_PES, AVG_OWNED, AVG_PEERS, AVG_N };

struct reg_stats {
	FILE *file; /* -statsfile, or NULL */
	uint64_t timer;
	unsigned long long line;
	double first_line;          /* AbsTime of the first line */
	uint64_t start_ms, last_ms; /* ev_now_ms: start, last tick */
	double area[AVG_N];         /* count x ms */
};

static double
tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void
current(const struct registrar *reg, size_t v[AVG_N])
{
	v[AVG_POOLS] = hs_pool_total(reg->hs);
	v[AVG_PES] = hs_pe_total(reg->hs);
	v[AVG_OWNED] = reg->pe_n;
	v[AVG_PEERS] = reg_peer_count(reg);
}

static const char stats_header[] =
    "AbsTime RelTime Runtime UserTime SystemTime   Peers Pools "
    "PoolElements OwnedPoolElements   Registrations Reregistrations "
    "Deregistrations HandleResolutions FailureReports Synchronizations "
    "HandleUpdates EndpointKeepAlives\n";

static void
stats_line(struct registrar *reg)
{
	struct reg_stats *st = reg->stats;
	const struct reg_counters *c = &reg->count;
	struct rusage ru;
	size_t v[AVG_N];
	double now = clock_wall_s();

	if (st->line == 0) {
		st->first_line = now;
		if (!reg->cfg.stats_append)
			fputs(stats_header, st->file);
	}
	current(reg, v);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(st->file,
	    "%06llu %1.6f %1.6f %1.6f %1.6f %1.6f %zu %zu %zu %zu %llu %llu "
	    "%llu %llu %llu %llu %llu %llu\n",
	    ++st->line, now, now - st->first_line,
	    (double)(ev_now_ms(reg->loop) - st->start_ms) / 1000.0,
	    tv_s(&ru.ru_utime), tv_s(&ru.ru_stime), v[AVG_PEERS], v[AVG_POOLS],
	    v[AVG_PES], v[AVG_OWNED], c->registrations, c->reregistrations,
	    c->deregistrations, c->resolutions, c->failure_reports,
	    c->synchronizations, c->handle_updates, c->keepalives);
	fflush(st->file);
}

static int64_t
stats_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct registrar *reg = arg;

	(void)loop, (void)id;
	stats_line(reg);
	return reg->cfg.stats_interval;
}

int
reg_stats_start(struct registrar *reg)
{
	struct reg_stats *st;

	if (reg->cfg.statsfile == NULL && reg->cfg.scalar == NULL)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	reg->stats = st;
	st->start_ms = st->last_ms = ev_now_ms(reg->loop);
	if (reg->cfg.statsfile != NULL) {
		st->file = fopen(
		    reg->cfg.statsfile, reg->cfg.stats_append ? "a" : "w");
		if (st->file == NULL)
			return -1;
		stats_line(reg); /* at once, as RSPLIB */
		st->timer = ev_timer_add(
		    reg->loop, reg->cfg.stats_interval, stats_cb, reg);
	}
	return 0;
}

void
reg_stats_tick(struct registrar *reg)
{
	struct reg_stats *st = reg->stats;
	uint64_t now;
	size_t v[AVG_N];
	int i;

	if (st == NULL || reg->cfg.scalar == NULL)
		return;
	now = ev_now_ms(reg->loop);
	current(reg, v);
	for (i = 0; i < AVG_N; i++)
		st->area[i] += (double)v[i] * (double)(now - st->last_ms);
	st->last_ms = now;
}

static int
write_scalars(const struct registrar *reg, const struct reg_stats *st)
{
	static const char *const totals[] = {"Registrations", "Reregistrations",
	    "Deregistrations", "Handle Resolutions", "Failure Reports",
	    "Synchronizations", "Handle Updates", "Endpoint Keep Alives"};
	static const char *const avgs[AVG_N] = {
	    "Pools", "Pool Elements", "Owned Pool Elements", "Peers"};
	const struct reg_counters *c = &reg->count;
	unsigned long long t[] = {c->registrations, c->reregistrations,
	    c->deregistrations, c->resolutions, c->failure_reports,
	    c->synchronizations, c->handle_updates, c->keepalives};
	double span = (double)(st->last_ms - st->start_ms);
	const char *obj = reg->cfg.object ? reg->cfg.object : "registrar";
	FILE *f;
	size_t i;

	if ((f = fopen(reg->cfg.scalar, "w")) == NULL)
		return -1;
	fprintf(f, "run 1 \"scenario\"\n");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		fprintf(f, "scalar \"%s\" \"Registrar Total %s\" %llu\n", obj,
		    totals[i], t[i]);
	for (i = 0; i < AVG_N; i++)
		fprintf(f,
		    "scalar \"%s\" \"Registrar Average Number Of %s\" "
		    "%1.6f\n",
		    obj, avgs[i], span > 0 ? st->area[i] / span : 0.0);
	/* ours, after RSPLIB's lines: refusals by cause (issue 16) */
	for (i = 0; i <= RSP_CAUSE_SECURITY; i++)
		if (c->refused[i] > 0)
			fprintf(f,
			    "scalar \"%s\" \"Registrar Total Refused %s\" "
			    "%llu\n",
			    obj, rsp_cause_name((uint16_t)i), c->refused[i]);
	return fclose(f);
}

void
reg_stats_stop(struct registrar *reg)
{
	struct reg_stats *st = reg->stats;

	if (st == NULL)
		return;
	if (st->timer != EV_TIMER_NONE)
		ev_timer_cancel(reg->loop, st->timer);
	if (st->file != NULL) {
		stats_line(reg); /* the final state */
		fclose(st->file);
	}
	if (reg->cfg.scalar != NULL) {
		reg_stats_tick(reg);
		if (write_scalars(reg, st) == -1)
			log_error("registrar: -scalar=%s: %s", reg->cfg.scalar,
			    strerror(errno));
	}
	free(st);
	reg->stats = NULL;
}
