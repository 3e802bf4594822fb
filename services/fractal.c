// RSP_SERVICE(fractal, "Fractal Generator service, pool FractalGeneratorPool")
/*
 * Fractal Generator (docs/wire.md 9.5; RSPLIB fractalgeneratorservice):
 * a session's Parameter message (or a Cookie Echo carrying one and the
 * next pixel) starts a computation whose points go back in Data messages
 * of 324 points, then an end-of-image Data message.  The PE sends a
 * cookie when it starts, after -fgpcookiemaxpackets Data messages or
 * -fgpcookiemaxtime, and flushes a partial Data message after
 * -fgpdatamaxtime without a send.
 *
 * The element's loop must never block: a timer computes in slices of a
 * few milliseconds, round robin over the computing sessions, and a Data
 * message the transport cannot take yet (RSP_EAGAIN) waits in the
 * session; after -fgptransmittimeout of waiting the session is aborted.
 *
 * Unlike RSPLIB, whose cookie names the pixel being computed, the cookie
 * here names the first point not yet sent, so a PU resuming from it never
 * misses a point that was still waiting for its Data message.
 */
#include <complex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/buf.h"
#include "core/ev.h"
#include "core/log.h"
#include "proto/fgp.h"
#include "proto/wire.h"
#include "services/service.h"

struct fractal_opts fgp_conf;

/* rsp server -fgp* (RSPLIB's fractalgeneratorservice options). */
const struct opt fgp_opts[] = {
    {"fgpcookiemaxtime", OPT_INT, "MS",
        OPT_HELP("fractal: a cookie at least every MS"), "1000", 100, 86400000,
        offsetof(struct fractal_opts, cookie_max_time)},
    {"fgpcookiemaxpackets", OPT_INT, "N",
        OPT_HELP("fractal: a cookie after N Data messages"), "10", 1,
        1000000000, offsetof(struct fractal_opts, cookie_max_packets)},
    {"fgpdatamaxtime", OPT_INT, "MS",
        OPT_HELP("fractal: send a partial Data message after MS without one"),
        "1000", 100, 86400000, offsetof(struct fractal_opts, data_max_time)},
    {"fgptransmittimeout", OPT_INT, "MS",
        OPT_HELP("fractal: abort a session whose send waits MS"), "2500", 0,
        86400000, offsetof(struct fractal_opts, transmit_timeout)},
    {"fgptestmode", OPT_FLAG, NULL,
        OPT_HELP("fractal: send the test pattern (x * y) mod 256"), NULL, 0, 0,
        offsetof(struct fractal_opts, test_mode)},
    {"fgpfailureafter", OPT_INT, "N",
        OPT_HELP("fractal: end each session after N Data messages (0: never)"),
        "0", 0, 1000000000, offsetof(struct fractal_opts, failure_after)},
    {"fgpmaxthreads", OPT_INT, "N",
        OPT_HELP("fractal: sessions served at once; more are refused"), "4", 1,
        4096, offsetof(struct fractal_opts, max_threads)},
    OPT_END,
};

#define FR_SLICE_MS   5    /* computing per timer run, shared by sessions */
#define FR_BLOCKED_MS 1    /* timer interval while every session waits */
#define FR_CLOCK_ITER 4096 /* iterations between clock reads */

enum fs_state {
	FS_FREE = 0,
	FS_IDLE,      /* up, waiting for a Parameter or Cookie Echo */
	FS_COMPUTING, /* points to compute or send */
	FS_DONE,      /* end of image sent; the PU closes */
	FS_CLOSING,   /* we ended it (failure tester); waiting for down */
};

enum fs_pump { FP_MORE, FP_BLOCKED, FP_STOPPED };

struct fsess {
	uint32_t id;
	enum fs_state st;
	struct fgp_parameter p;
	uint32_t x, y;                  /* next point to compute */
	struct fgp_msg d;               /* points computed, not yet encoded */
	uint8_t out[FGP_DATA_MAX_SIZE]; /* encoded, waiting for the send */
	size_t outlen;
	int out_end; /* out is the end-of-image message */
	int cookie_due;
	uint64_t blocked_since;
	uint64_t last_send, last_cookie;
	uint32_t packets, packets_since_cookie;
};

struct fractal {
	const struct fractal_opts *o;
	struct fsess *s;
	int n;  /* slots: -fgpmaxthreads */
	int rr; /* where the next slice starts */
	uint64_t timer;
	uint32_t load;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint32_t
fractal_point(const struct fgp_parameter *p, uint32_t x, uint32_t y,
    int test_mode, uint32_t *iterations)
{
	double cr, ci, zr = 0.0, zi = 0.0, nr;
	double complex z = 0.0, c, n;
	uint32_t i;

	if (test_mode || (p->algorithm != FGP_ALG_MANDELBROT &&
	                     p->algorithm != FGP_ALG_MANDELBROT_N)) {
		*iterations = 1;
		return (x * y) % 256;
	}
	cr = p->c1_real + (double)x * ((p->c2_real - p->c1_real) / p->width);
	ci = p->c1_imag + (double)y * ((p->c2_imag - p->c1_imag) / p->height);
	if (p->algorithm == FGP_ALG_MANDELBROT) {
		/* z = z^2 - c, escape at |z|^2 >= 2 (RSPLIB's variant) */
		for (i = 0; i < p->max_iterations; i++) {
			nr = (zr * zr - zi * zi) - cr;
			zi = (zr * zi + zi * zr) - ci;
			zr = nr;
			if (zr * zr + zi * zi >= 2.0)
				break;
		}
	} else {
		/* Not CMPLX(): glibc defines it for gcc only, and the
		 * libFuzzer build uses clang.  Finite parts: no NaN issue. */
		c = cr + ci * I;
		n = (double)p->n;
		for (i = 0; i < p->max_iterations; i++) {
			z = cpow(z, n) - c;
			if (creal(z) * creal(z) + cimag(z) * cimag(z) >= 2.0)
				break;
		}
	}
	*iterations = i + 1;
	return i;
}

static struct fsess *
fs_find(struct fractal *fr, uint32_t id)
{
	int i;

	for (i = 0; i < fr->n; i++)
		if (fr->s[i].st != FS_FREE && fr->s[i].id == id)
			return &fr->s[i];
	return NULL;
}

/* Load: 1/maxthreads per computing session (RSPLIB TCP-like server),
 * announced by re-registering when it changes for load-based policies. */
static void
fr_update_load(struct svc_ctx *c, struct fractal *fr)
{
	uint32_t load = 0;
	int i;

	for (i = 0; i < fr->n; i++)
		if (fr->s[i].st == FS_COMPUTING)
			load += (uint32_t)(0xffffffffu / (uint32_t)fr->n);
	if (load == fr->load)
		return;
	fr->load = load;
	if (c->adaptive)
		rsp_element_set_load(c->e, load);
}

static void
fs_free(struct svc_ctx *c, struct fractal *fr, struct fsess *fs)
{
	memset(fs, 0, sizeof(*fs));
	fr_update_load(c, fr);
}

static void
fs_abort(
    struct svc_ctx *c, struct fractal *fr, struct fsess *fs, const char *why)
{
	log_info("fractal: session %u aborted: %s", fs->id, why);
	rsp_element_abort_session(c->e, fs->id); /* no event follows */
	fs_free(c, fr, fs);
}

/* The first point not yet handed to the transport. */
static void
fs_position(const struct fsess *fs, uint32_t *x, uint32_t *y)
{
	if (fs->d.u.data.points > 0) {
		*x = fs->d.u.data.start_x;
		*y = fs->d.u.data.start_y;
	} else {
		*x = fs->x;
		*y = fs->y;
	}
}

static int
fs_send_cookie(struct svc_ctx *c, struct fsess *fs)
{
	uint8_t mem[FGP_COOKIE_SIZE];
	struct fgp_cookie ck;
	struct wbuf w;
	uint32_t x, y;

	fs_position(fs, &x, &y);
	fgp_cookie_init(&ck, &fs->p, x, y);
	wbuf_init(&w, mem, sizeof(mem));
	if (fgp_cookie_encode(&ck, &w) == -1)
		return RSP_ESYSTEM;
	return rsp_element_send_cookie(c->e, fs->id, w.data, w.len);
}

/* Encode the pending points (or the end of image) into out. */
static void
fs_seal(struct fsess *fs, int end)
{
	struct wbuf w;

	if (end)
		fgp_end_of_image(&fs->d);
	wbuf_init(&w, fs->out, sizeof(fs->out));
	fs->d.type = FGP_DATA;
	fgp_encode(&fs->d, &w);
	fs->outlen = w.len;
	fs->out_end = end;
	memset(&fs->d, 0, sizeof(fs->d));
}

/* out has gone: count it, schedule a cookie, run the failure tester. */
static enum fs_pump
fs_sent(struct svc_ctx *c, struct fractal *fr, struct fsess *fs, uint64_t now)
{
	fs->outlen = 0;
	fs->blocked_since = 0;
	fs->last_send = now;
	if (fs->out_end) {
		log_info("fractal: session %u: image done", fs->id);
		fs->st = FS_DONE;
		fr_update_load(c, fr);
		return FP_STOPPED;
	}
	fs->packets++;
	if (++fs->packets_since_cookie >= (uint32_t)fr->o->cookie_max_packets)
		fs->cookie_due = 1;
	if (fr->o->failure_after > 0 &&
	    fs->packets >= (uint64_t)fr->o->failure_after) {
		fs_send_cookie(c, fs);
		log_info("fractal: session %u: failure tester ends it after "
		         "%u Data messages",
		    fs->id, fs->packets);
		fs->st = FS_CLOSING;
		rsp_element_close_session(c->e, fs->id);
		fr_update_load(c, fr);
		return FP_STOPPED;
	}
	return FP_MORE;
}

/* Hand out, then a due cookie, to the transport. */
static enum fs_pump
fs_flush(struct svc_ctx *c, struct fractal *fr, struct fsess *fs, uint64_t now)
{
	uint32_t id = fs->id;
	enum fs_pump r;
	int rc;

	if (fs->outlen > 0) {
		rc = rsp_element_send(
		    c->e, id, RSP_PPID_FGP, 0, fs->out, fs->outlen);
		if (fs->id != id || fs->st == FS_FREE)
			return FP_STOPPED; /* the session went down meanwhile */
		if (rc == RSP_EAGAIN) {
			if (fs->blocked_since == 0)
				fs->blocked_since = now;
			if (now - fs->blocked_since >=
			    (uint64_t)fr->o->transmit_timeout) {
				fs_abort(c, fr, fs, "transmit timeout");
				return FP_STOPPED;
			}
			return FP_BLOCKED;
		}
		if (rc != RSP_OK) {
			fs_abort(c, fr, fs, rsp_strerror(rc));
			return FP_STOPPED;
		}
		if ((r = fs_sent(c, fr, fs, now)) != FP_MORE)
			return r;
	}
	if (now - fs->last_cookie >= (uint64_t)fr->o->cookie_max_time)
		fs->cookie_due = 1;
	if (fs->cookie_due) {
		rc = fs_send_cookie(c, fs);
		if (fs->id != id || fs->st == FS_FREE)
			return FP_STOPPED;
		if (rc == RSP_EAGAIN)
			return FP_BLOCKED;
		if (rc != RSP_OK) {
			fs_abort(c, fr, fs, rsp_strerror(rc));
			return FP_STOPPED;
		}
		fs->cookie_due = 0;
		fs->last_cookie = now;
		fs->packets_since_cookie = 0;
	}
	return FP_MORE;
}

/* Compute and send until deadline; FP_MORE if work is left. */
static enum fs_pump
fs_pump(
    struct svc_ctx *c, struct fractal *fr, struct fsess *fs, uint64_t deadline)
{
	struct fgp_data *d = &fs->d.u.data;
	uint64_t now = now_ms();
	uint32_t it, acc = 0;
	enum fs_pump r;

	for (;;) {
		if ((r = fs_flush(c, fr, fs, now)) != FP_MORE)
			return r;
		if (fs->st != FS_COMPUTING)
			return FP_STOPPED;
		if (fs->y >= fs->p.height || fs->p.width == 0) {
			fs_seal(fs, d->points == 0);
			continue;
		}
		if (d->points == 0) {
			d->start_x = fs->x;
			d->start_y = fs->y;
		}
		d->values[d->points++] =
		    fractal_point(&fs->p, fs->x, fs->y, fr->o->test_mode, &it);
		if (++fs->x >= fs->p.width) {
			fs->x = 0;
			fs->y++;
		}
		acc += it;
		if (d->points == FGP_POINTS_MAX) {
			fs_seal(fs, 0);
			continue;
		}
		if (acc < FR_CLOCK_ITER)
			continue;
		acc = 0;
		now = now_ms();
		if (now - fs->last_send >= (uint64_t)fr->o->data_max_time)
			fs_seal(fs, 0);
		else if (now >= deadline)
			return FP_MORE;
	}
}

static int64_t
fr_tick(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct svc_ctx *c = arg;
	struct fractal *fr = c->priv;
	uint64_t start = now_ms(), share;
	int i, k, busy = 0, blocked = 0, n = 0;

	(void)loop;
	(void)id;
	for (i = 0; i < fr->n; i++)
		n += fr->s[i].st == FS_COMPUTING;
	if (n == 0) {
		fr->timer = EV_TIMER_NONE;
		return EV_NOMORE;
	}
	share = FR_SLICE_MS / (uint64_t)n;
	if (share == 0)
		share = 1;
	for (k = 0; k < fr->n; k++) {
		struct fsess *fs = &fr->s[(fr->rr + k) % fr->n];

		if (fs->st != FS_COMPUTING)
			continue;
		switch (fs_pump(c, fr, fs, now_ms() + share)) {
		case FP_MORE:
			busy = 1;
			break;
		case FP_BLOCKED:
			blocked = 1;
			break;
		case FP_STOPPED:
			break;
		}
		if (now_ms() - start >= 2 * FR_SLICE_MS)
			busy = 1; /* let the loop breathe; resume here */
	}
	fr->rr = (fr->rr + 1) % fr->n;
	if (busy)
		return 0;
	if (blocked)
		return FR_BLOCKED_MS;
	fr->timer = EV_TIMER_NONE;
	return EV_NOMORE;
}

static void
fr_kick(struct svc_ctx *c, struct fractal *fr)
{
	if (fr->timer == EV_TIMER_NONE)
		fr->timer = ev_timer_add(c->loop, 0, fr_tick, c);
}

/* RSPLIB's limits: at most 65536 x 65536 points, 1000000 iterations. */
static int
fr_param_ok(const struct fgp_parameter *p)
{
	return p->width <= 65536 && p->height <= 65536 &&
	       p->max_iterations <= 1000000;
}

static void
fs_start(struct svc_ctx *c, struct fractal *fr, struct fsess *fs,
    const struct fgp_parameter *p, uint32_t x, uint32_t y)
{
	uint64_t now = now_ms();

	fs->p = *p;
	fs->x = x;
	fs->y = y;
	if (p->width > 0 && x >= p->width) { /* RSPLIB's loops skip it */
		fs->x = 0;
		fs->y++;
	}
	memset(&fs->d, 0, sizeof(fs->d));
	fs->outlen = 0;
	fs->blocked_since = 0;
	fs->packets = fs->packets_since_cookie = 0;
	fs->cookie_due = 1; /* the first message: a cookie */
	fs->last_send = fs->last_cookie = now;
	fs->st = FS_COMPUTING;
	fr_update_load(c, fr);
	fr_kick(c, fr);
}

static int
fr_init(struct svc_ctx *c)
{
	struct fractal *fr;

	if ((fr = calloc(1, sizeof(*fr))) == NULL)
		return -1;
	fr->o = c->cfg;
	fr->n = (int)fr->o->max_threads;
	if ((fr->s = calloc((size_t)fr->n, sizeof(*fr->s))) == NULL) {
		free(fr);
		return -1;
	}
	c->priv = fr;
	return 0;
}

/* Server shutdown: send what was computed and a cookie, as RSPLIB. */
static void
fr_fini(struct svc_ctx *c)
{
	struct fractal *fr = c->priv;
	struct fsess *fs;
	int i;

	if (fr == NULL)
		return;
	for (i = 0; i < fr->n; i++) {
		fs = &fr->s[i];
		if (fs->st != FS_COMPUTING)
			continue;
		if (fs->outlen == 0 && fs->d.u.data.points > 0)
			fs_seal(fs, 0);
		if (fs->outlen > 0 &&
		    rsp_element_send(c->e, fs->id, RSP_PPID_FGP, 0, fs->out,
		        fs->outlen) == RSP_OK)
			fs->outlen = 0;
		if (fs->outlen == 0 && fs->st == FS_COMPUTING)
			fs_send_cookie(c, fs);
	}
	if (fr->timer != EV_TIMER_NONE)
		ev_timer_cancel(c->loop, fr->timer);
	free(fr->s);
	free(fr);
	c->priv = NULL;
}

static void
fr_up(struct svc_ctx *c, uint32_t session)
{
	struct fractal *fr = c->priv;
	int i;

	for (i = 0; i < fr->n; i++)
		if (fr->s[i].st == FS_FREE) {
			memset(&fr->s[i], 0, sizeof(fr->s[i]));
			fr->s[i].id = session;
			fr->s[i].st = FS_IDLE;
			return;
		}
	log_notice("fractal: rejected session %u: all %d sessions busy",
	    session, fr->n);
	rsp_element_close_session(c->e, session);
}

static void
fr_msg(struct svc_ctx *c, const struct rsp_event *ev)
{
	struct fractal *fr = c->priv;
	struct fsess *fs = fs_find(fr, ev->session);
	uint8_t copy[FGP_PARAMETER_SIZE];
	struct fgp_msg m;

	if (fs == NULL || fs->st == FS_CLOSING)
		return;
	/* RSPLIB checks only the type and a size of at least 60 bytes. */
	if (ev->len < FGP_PARAMETER_SIZE || ev->data[0] != FGP_PARAMETER) {
		fs_abort(c, fr, fs, "not a Parameter message");
		return;
	}
	memcpy(copy, ev->data, sizeof(copy));
	copy[2] = 0;
	copy[3] = FGP_PARAMETER_SIZE;
	if (fgp_decode(copy, sizeof(copy), &m) != APP_OK ||
	    !fr_param_ok(&m.u.param)) {
		fs_abort(c, fr, fs, "bad parameters");
		return;
	}
	log_info("fractal: session %u: %ux%u, %u iterations, algorithm %u",
	    fs->id, m.u.param.width, m.u.param.height, m.u.param.max_iterations,
	    m.u.param.algorithm);
	fs_start(c, fr, fs, &m.u.param, 0, 0);
}

static void
fr_cookie_echo(struct svc_ctx *c, const struct rsp_event *ev)
{
	struct fractal *fr = c->priv;
	struct fsess *fs = fs_find(fr, ev->session);
	struct fgp_cookie ck;

	if (fs == NULL || fs->st == FS_CLOSING)
		return;
	if (fgp_cookie_decode(ev->data, ev->len, &ck) != APP_OK ||
	    ck.param_type != FGP_PARAMETER || !fr_param_ok(&ck.param)) {
		log_notice("fractal: session %u: cookie refused: not a "
		           "Fractal Generator cookie of a valid job",
		    fs->id);
		fs_abort(c, fr, fs, "bad cookie");
		return;
	}
	log_info("fractal: session %u: Cookie Echo, resuming at (%u, %u)",
	    fs->id, ck.current_x, ck.current_y);
	fs_start(c, fr, fs, &ck.param, ck.current_x, ck.current_y);
}

static void
fr_down(struct svc_ctx *c, uint32_t session)
{
	struct fractal *fr = c->priv;
	struct fsess *fs = fs_find(fr, session);

	if (fs != NULL)
		fs_free(c, fr, fs);
}

const struct svc svc_fractal = {
    .name = "fractal",
    .pool_handle = "FractalGeneratorPool",
    .init = fr_init,
    .fini = fr_fini,
    .up = fr_up,
    .msg = fr_msg,
    .down = fr_down,
    .cookie_echo = fr_cookie_echo,
    .opts = fgp_opts,
    .conf = &fgp_conf,
};
