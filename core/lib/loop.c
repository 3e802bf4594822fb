/*
 * The library in an application's own event loop (include/rsp.h):
 * thin wrappers around core/ev.h, and the blocking conveniences built
 * on them (rsp_loop_run, rsp_pu_resolve_wait).
 */
#include <string.h>
#include <time.h>

#include "core/ev.h"
#include "core/transport/transport.h"
#include "include/rsp.h"

_Static_assert(RSP_TRANSPORT_SCTP == TR_SCTP && RSP_TRANSPORT_TCP == TR_TCP,
    "public transport kinds follow core/transport/transport.h");

struct ev_loop *
rsp_loop_new(void)
{
	return ev_loop_new();
}

void
rsp_loop_free(struct ev_loop *loop)
{
	if (loop != NULL)
		ev_loop_free(loop);
}

int
rsp_loop_fd(const struct ev_loop *loop)
{
	return ev_backend_fd(loop);
}

int
rsp_loop_timeout(const struct ev_loop *loop)
{
	int64_t t = ev_next_timeout_ms(loop);

	if (t < 0)
		return -1;
	return t > 0x7fffffff ? 0x7fffffff : (int)t;
}

int
rsp_loop_process(struct ev_loop *loop)
{
	return ev_run_once(loop, 0) == -1 ? RSP_ESYSTEM : RSP_OK;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
rsp_loop_run(struct ev_loop *loop, const volatile int *done, int timeout_ms)
{
	long long end = mono_ms() + timeout_ms, left;
	int wait;

	while (!*done) {
		wait = -1;
		if (timeout_ms >= 0) {
			if ((left = end - mono_ms()) <= 0)
				return RSP_ETIMEDOUT;
			wait = left > 1000 ? 1000 : (int)left;
		}
		if (ev_run_once(loop, wait) == -1)
			return RSP_ESYSTEM;
	}
	return RSP_OK;
}

struct gai {
	volatile int done;
	int err, n, max;
	struct rsp_pe_info *out;
};

static void
gai_cb(int err, const struct rsp_pe_info *pes, int npes, void *arg)
{
	struct gai *g = arg;

	g->err = err;
	for (g->n = 0; g->n < npes && g->n < g->max; g->n++)
		g->out[g->n] = pes[g->n];
	g->done = 1;
}

int
rsp_pu_resolve_wait(const struct rsp_pu_config *cfg, const char *pool_handle,
    struct rsp_pe_info *out, int max, int *npes, int timeout_ms)
{
	struct ev_loop *loop;
	struct rsp_pu *pu;
	struct gai g;
	int err;

	*npes = 0;
	if (max < 1 || out == NULL)
		return RSP_ECONFIG;
	if ((loop = rsp_loop_new()) == NULL)
		return RSP_ESYSTEM;
	memset(&g, 0, sizeof(g));
	g.out = out;
	g.max = max;
	if ((pu = rsp_pu_new(loop, cfg, &err)) != NULL &&
	    (err = rsp_pu_resolve(pu, pool_handle, gai_cb, &g)) == RSP_OK &&
	    (err = rsp_loop_run(loop, &g.done, timeout_ms)) == RSP_OK) {
		err = g.err;
		*npes = g.n;
	}
	rsp_pu_free(pu);
	rsp_loop_free(loop);
	return err;
}
