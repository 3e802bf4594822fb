// RSP_APPLET(fractalpooluser, "fractalpooluser", "pool user computing fractal images through a Fractal Generator pool")
/*
 * usage: rsp fractalpooluser [-registrar=ADDR:PORT]... [-poolhandle=NAME]
 *            [-width=N] [-height=N] [-threads=N] [-configdir=DIR]
 *            [-caption=TEXT] [-output=FILE] [-imagestorageprefix=PREFIX]
 *            [-images=N] [-runtime=MS] [-recvtimeout=MS]
 *            [-interimagetime=S] [-colormarks] [-sessions]
 *
 * RSPLIB's fractalpooluser without a window (docs/wire.md 9.5): each
 * image is split into -threads rectangles as RSPLIB splits it, each
 * computed by its own session with a PE of the pool.  A session whose PE
 * fails, ends the session or sends nothing for -recvtimeout fails over
 * and resumes from the PE's last cookie (or starts again without one).
 * Finished images go to -output (PNG or PPM by its extension) and/or to
 * PREFIX-NNNNNN.png; one line per image on standard output, a progress
 * bar on standard error when it is a terminal.  Exit: 0 ok, 1 runtime
 * error, 2 usage, 4-6 when it gave up (-giveup) for want of a pool,
 * registrar or PE (core/tools/giveup.h).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
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
#include "core/tools/fsf.h"
#include "core/tools/giveup.h"
#include "core/tools/pu_common.h"
#include "core/tools/image.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/rand.h"
#include "core/transport/transport.h"
#include "include/rsp.h"
#include "proto/fgp.h"
#include "proto/wire.h"

int fractalpooluser_main(int argc, char **argv);

#define FPU_TICK_MS  100
#define FPU_BAR_COLS 30

struct fpu_opts {
	const char *poolhandle;
	long long width, height, threads;
	const char *configdir;
	const char *caption;
	const char *output;
	const char *prefix;
	long long images;
	long long runtime;
	long long recvtimeout, sendtimeout;
	const char *identifier;
	long long interimage;
	int colormarks, nocolormarks, sessions, nosessions;
};

static const struct opt fpu_opts[] = {
    {"poolhandle", OPT_STR, "NAME", OPT_HELP("pool handle"),
        "FractalGeneratorPool", 0, 0, offsetof(struct fpu_opts, poolhandle)},
    {"width", OPT_INT, "N", OPT_HELP("image width in pixels"), "400", 1, 8192,
        offsetof(struct fpu_opts, width)},
    {"height", OPT_INT, "N", OPT_HELP("image height in pixels"), "250", 1, 4096,
        offsetof(struct fpu_opts, height)},
    {"threads", OPT_INT, "N",
        OPT_HELP("sessions per image, each one rectangle"), "1", 1, 512,
        offsetof(struct fpu_opts, threads)},
    {"configdir", OPT_STR, "DIR",
        OPT_HELP("directory of .fsf parameter files, one picked per image "
                 "(default: the built-in Mandelbrot view)"),
        NULL, 0, 0, offsetof(struct fpu_opts, configdir)},
    {"caption", OPT_STR, "TEXT",
        OPT_HELP("title: progress bar, PNG Title text, PPM comment"), NULL, 0,
        0, offsetof(struct fpu_opts, caption)},
    {"output", OPT_STR, "FILE",
        OPT_HELP("write each finished image to FILE (.png or .ppm)"), NULL, 0,
        0, offsetof(struct fpu_opts, output)},
    {"imagestorageprefix", OPT_STR, "PREFIX",
        OPT_HELP(
            "also store each image as PREFIX-NNNNNN.png (first free number)"),
        NULL, 0, 0, offsetof(struct fpu_opts, prefix)},
    {"images", OPT_INT, "N", OPT_HELP("images to compute (0: until -runtime)"),
        "1", 0, 1000000000, offsetof(struct fpu_opts, images)},
    {"runtime", OPT_INT, "MS", OPT_HELP("exit after MS (0: never)"), "0", 0,
        1000000000000LL, offsetof(struct fpu_opts, runtime)},
    {"recvtimeout", OPT_INT, "MS", OPT_HELP("fail over after MS without data"),
        "5000", 100, 86400000, offsetof(struct fpu_opts, recvtimeout)},
    {"sendtimeout", OPT_INT, "MS",
        OPT_HELP(
            "fail over when a Parameter message is not delivered within MS"),
        "5000", 100, 86400000, offsetof(struct fpu_opts, sendtimeout)},
    {"identifier", OPT_STR, "ID",
        OPT_HELP("CSP component ID, 0x hex or decimal (default: random)"), NULL,
        0, 0, offsetof(struct fpu_opts, identifier)},
    {"interimagetime", OPT_INT, "S", OPT_HELP("pause between two images"), "5",
        0, 86400, offsetof(struct fpu_opts, interimage)},
    {"colormarks", OPT_FLAG, NULL,
        OPT_HELP("shift colours per image and per PE used (RSPLIB's failover "
                 "marks)"),
        NULL, 0, 0, offsetof(struct fpu_opts, colormarks)},
    {"nocolormarks", OPT_FLAG, NULL,
        OPT_HELP("no failover marks (the default)"), NULL, 0, 0,
        offsetof(struct fpu_opts, nocolormarks)},
    {"sessions", OPT_FLAG, NULL, OPT_HELP("shift colours per session"), NULL, 0,
        0, offsetof(struct fpu_opts, sessions)},
    {"nosessions", OPT_FLAG, NULL, OPT_HELP("no session colours (the default)"),
        NULL, 0, 0, offsetof(struct fpu_opts, nosessions)},
    OPT_END,
};

struct fpu;

/* One rectangle of the image and the session computing it. */
struct fpu_part {
	struct fpu *f;
	unsigned idx;
	uint32_t vx, vy, vw, vh; /* the view, in image pixels */
	struct rsp_session *s;
	int done;
	unsigned usages; /* PEs used after the first */
	uint64_t last_rx;
	uint64_t param_at; /* a Parameter not yet delivered: sent then */
	uint64_t progress; /* points up to the furthest one received */
};

struct fpu {
	struct fpu_opts o;
	struct rsp_session_config cfg;
	struct ev_loop *loop;
	char **files; /* parameter files, sorted */
	int nfiles;
	struct fgp_parameter img; /* this image: Width, Height, view */
	const char *source;       /* its parameter file, or NULL */
	struct image im;
	struct fpu_part *parts;
	unsigned nparts;
	int computing;
	unsigned run; /* images started */
	unsigned completed;
	unsigned failovers;
	uint64_t started, next_start;
	int status;
	int tty;
	int bar_shown;
	uint64_t csp_object; /* -identifier, else random */
	struct pu_common pc; /* registrar, -giveup, CSP */
};

/* This image's parameters: the defaults, then a random parameter file
 * (RSPLIB: a bad file leaves the defaults). */
static void
fpu_choose(struct fpu *f)
{
	struct fgp_parameter *p = &f->img;
	const char *why, *path;

	memset(p, 0, sizeof(*p));
	p->width = (uint32_t)f->o.width;
	p->height = (uint32_t)f->o.height;
	p->c1_real = -1.5;
	p->c1_imag = 1.5;
	p->c2_real = 1.5;
	p->c2_imag = -1.5;
	p->n = 2.0;
	p->max_iterations = 1024;
	p->algorithm = FGP_ALG_MANDELBROT;
	f->source = NULL;
	if (f->nfiles == 0)
		return;
	path = f->files[rand_uniform((uint32_t)f->nfiles)];
	if (fsf_load(path, p, &why) == -1) {
		log_warning(
		    "fractalpooluser: %s: %s; using the defaults", path, why);
		return;
	}
	f->source = path;
}

/* ---- sessions ---- */

static void
part_send_parameter(struct fpu_part *pt)
{
	const struct fgp_parameter *g = &pt->f->img;
	uint8_t mem[FGP_PARAMETER_SIZE];
	struct fgp_msg m;
	struct wbuf w;
	int rc;

	/* RSPLIB's view corners, evaluated in the same order */
	memset(&m, 0, sizeof(m));
	m.type = FGP_PARAMETER;
	m.u.param = *g;
	m.u.param.width = pt->vw;
	m.u.param.height = pt->vh;
	m.u.param.c1_real = g->c1_real + (double)pt->vx *
	                                     (g->c2_real - g->c1_real) /
	                                     (double)g->width;
	m.u.param.c1_imag = g->c1_imag + (double)pt->vy *
	                                     (g->c2_imag - g->c1_imag) /
	                                     (double)g->height;
	m.u.param.c2_real = g->c1_real + (double)(pt->vx + pt->vw) *
	                                     (g->c2_real - g->c1_real) /
	                                     (double)g->width;
	m.u.param.c2_imag = g->c1_imag + (double)(pt->vy + pt->vh) *
	                                     (g->c2_imag - g->c1_imag) /
	                                     (double)g->height;
	wbuf_init(&w, mem, sizeof(mem));
	fgp_encode(&m, &w);
	if ((rc = rsp_session_send(pt->s, RSP_PPID_FGP, 0, w.data, w.len)) !=
	    RSP_OK)
		log_warning("fractalpooluser: session %u: Parameter: %s",
		    pt->idx + 1, rsp_strerror(rc));
	else
		pt->param_at = ev_now_ms(pt->f->loop);
}

/* -sendtimeout: the Parameter must reach the PE (nothing left unsent or
 * unacknowledged) within the time; else fail over.  -1 if it did. */
static int
part_send_timed_out(struct fpu_part *pt, uint64_t now)
{
	if (pt->param_at == 0 || !rsp_session_is_up(pt->s))
		return 0;
	if (rsp_session_unacked(pt->s) == 0) {
		pt->param_at = 0;
		return 0;
	}
	if (now - pt->param_at < (uint64_t)pt->f->o.sendtimeout)
		return 0;
	log_notice("fractalpooluser: session %u: Parameter not delivered in "
	           "%lld ms, failing over",
	    pt->idx + 1, pt->f->o.sendtimeout);
	pt->param_at = 0;
	return -1;
}

static void
part_colour(struct fpu_part *pt, uint32_t value, uint8_t rgb[3])
{
	struct fpu *f = pt->f;

	if (f->o.colormarks)
		value += 2 * f->run + 5 * pt->usages;
	if (f->o.sessions)
		value += 3 * pt->idx;
	image_hsv_to_rgb((int)(((value % 72) * 5) % 360), 255, 255, rgb);
}

static void
part_data(struct fpu_part *pt, const struct rsp_event *ev)
{
	const struct fgp_data *d;
	struct fgp_msg m;
	uint32_t x, y, i;
	uint8_t rgb[3];
	enum app_err e;

	if ((e = fgp_decode(ev->data, ev->len, &m)) != APP_OK ||
	    m.type != FGP_DATA) {
		log_warning("fractalpooluser: session %u: invalid message "
		            "(%s)",
		    pt->idx + 1, e ? app_err_name(e) : "not Data");
		return;
	}
	pt->last_rx = ev_now_ms(pt->f->loop);
	if (fgp_is_end_of_image(&m)) {
		pt->done = 1;
		pt->progress = (uint64_t)pt->vw * pt->vh;
		rsp_session_shutdown(pt->s);
		return;
	}
	d = &m.u.data;
	if (d->start_x >= pt->vw || d->start_y >= pt->vh) {
		log_warning("fractalpooluser: session %u: Data outside the "
		            "view",
		    pt->idx + 1);
		return;
	}
	log_debug(1, "fractalpooluser: session %u: Data, %u points at (%u, %u)",
	    pt->idx + 1, d->points, d->start_x, d->start_y);
	x = d->start_x;
	y = d->start_y;
	for (i = 0; i < d->points && y < pt->vh; i++) {
		part_colour(pt, d->values[i], rgb);
		image_set(&pt->f->im, pt->vx + x, pt->vy + y, rgb);
		if (++x >= pt->vw) {
			x = 0;
			y++;
		}
	}
	if ((uint64_t)y * pt->vw + x > pt->progress)
		pt->progress = (uint64_t)y * pt->vw + x;
}

static void
part_event(const struct rsp_event *ev, void *arg)
{
	struct fpu_part *pt = arg;
	struct fpu *f = pt->f;

	giveup_event(&f->pc.giveup, ev);
	switch (ev->type) {
	case RSP_EV_SESSION_UP:
		log_info("fractalpooluser: session %u: PE $%08x", pt->idx + 1,
		    ev->pe_id);
		pt->last_rx = ev_now_ms(f->loop);
		break;
	case RSP_EV_FAILOVER:
		pt->usages++;
		f->failovers++;
		log_notice("fractalpooluser: session %u: failover to PE $%08x "
		           "(cookie: %s)",
		    pt->idx + 1, ev->pe_id,
		    rsp_session_has_cookie(pt->s) ? "yes" : "no");
		pt->last_rx = ev_now_ms(f->loop);
		if (!rsp_session_has_cookie(pt->s))
			part_send_parameter(pt); /* start again */
		break;
	case RSP_EV_MSG:
		if (!pt->done)
			part_data(pt, ev);
		break;
	case RSP_EV_CLOSED:
		if (pt->done)
			break;
		log_info("fractalpooluser: session %u: PE $%08x ended the "
		         "session",
		    pt->idx + 1, ev->pe_id);
		rsp_session_reconnect(pt->s);
		break;
	default:
		break;
	}
}

/*
 * RSPLIB's split: floor(sqrt(threads)) rows of rint(height / rows)
 * pixels, each with min(remaining, rows) rectangles (the last row: all
 * remaining) of width / count pixels.  Here the last rectangle of a row
 * and the last row reach the image's edge, so no pixel stays grey.
 */
static int
fpu_split(struct fpu *f)
{
	uint32_t w = f->img.width, h = f->img.height, ycount, ystep, xcount,
	         xstep, row, col, rem = (uint32_t)f->o.threads;
	struct fpu_part *pt;
	unsigned k = 0;

	ycount = (uint32_t)floor(sqrt((double)f->o.threads));
	ystep = (uint32_t)rint((double)h / ycount);
	if ((f->parts = calloc((size_t)f->o.threads, sizeof(*f->parts))) ==
	    NULL)
		return -1;
	for (row = 0; row < ycount; row++) {
		xcount = row < ycount - 1 ? (rem < ycount ? rem : ycount) : rem;
		if (xcount == 0)
			continue;
		xstep = w / xcount;
		rem -= xcount;
		for (col = 0; col < xcount; col++) {
			pt = &f->parts[k];
			pt->f = f;
			pt->idx = k++;
			pt->vx = col * xstep;
			pt->vy = row * ystep;
			pt->vw = col == xcount - 1 ? w - pt->vx : xstep;
			pt->vh = row == ycount - 1 ? h - pt->vy : ystep;
			if (xstep == 0 || ystep == 0 || pt->vy >= h) {
				errno = EDOM;
				return -1;
			}
		}
	}
	f->nparts = k;
	return 0;
}

static void
fpu_free_parts(struct fpu *f)
{
	unsigned i;

	for (i = 0; f->parts != NULL && i < f->nparts; i++)
		rsp_session_free(f->parts[i].s);
	free(f->parts);
	f->parts = NULL;
	f->nparts = 0;
}

static int
fpu_start_image(struct fpu *f)
{
	unsigned i;
	int err;

	fpu_choose(f);
	f->run++;
	f->failovers = 0;
	if (image_init(&f->im, f->img.width, f->img.height, 200, 200, 200) ==
	    -1) {
		log_error("fractalpooluser: image: %s", strerror(errno));
		return -1;
	}
	if (fpu_split(f) == -1) {
		log_error("fractalpooluser: %ux%u is too small for %lld "
		          "sessions",
		    f->img.width, f->img.height, f->o.threads);
		return -1;
	}
	log_info("fractalpooluser: image %u from %s: %ux%u, %u sessions",
	    f->run, f->source ? f->source : "the defaults", f->img.width,
	    f->img.height, f->nparts);
	f->started = ev_now_ms(f->loop);
	for (i = 0; i < f->nparts; i++) {
		f->parts[i].last_rx = f->started;
		f->parts[i].s = rsp_session_new(
		    f->loop, &f->cfg, part_event, &f->parts[i], &err);
		if (f->parts[i].s == NULL) {
			log_error(
			    "fractalpooluser: session: %s", rsp_strerror(err));
			return -1;
		}
		part_send_parameter(&f->parts[i]);
	}
	f->computing = 1;
	return 0;
}

/* PREFIX-NNNNNN.png, the first number not taken (RSPLIB). */
static int
fpu_store_prefixed(struct fpu *f)
{
	static unsigned number;
	struct stat st;
	char path[4096];

	do {
		number++;
		snprintf(
		    path, sizeof(path), "%s-%06u.png", f->o.prefix, number);
	} while (stat(path, &st) == 0 && number < 999999);
	if (image_write(&f->im, path, IMAGE_PNG, f->o.caption) == -1) {
		log_error("fractalpooluser: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
fpu_bar_clear(struct fpu *f)
{
	if (f->bar_shown) {
		fputs("\r\033[K", stderr);
		f->bar_shown = 0;
	}
}

static void
fpu_bar(struct fpu *f)
{
	uint64_t total = (uint64_t)f->img.width * f->img.height, got = 0;
	char bar[FPU_BAR_COLS + 1];
	unsigned i, fill;

	if (!f->tty)
		return;
	for (i = 0; i < f->nparts; i++)
		got += f->parts[i].progress;
	fill = (unsigned)(got * FPU_BAR_COLS / (total ? total : 1));
	for (i = 0; i < FPU_BAR_COLS; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[FPU_BAR_COLS] = '\0';
	fprintf(stderr, "\r\033[K%s%simage %u [%s] %3u%% %u failover%s",
	    f->o.caption ? f->o.caption : "", f->o.caption ? ": " : "", f->run,
	    bar, (unsigned)(got * 100 / (total ? total : 1)), f->failovers,
	    f->failovers == 1 ? "" : "s");
	fflush(stderr);
	f->bar_shown = 1;
}

static void
fpu_finish_image(struct fpu *f)
{
	uint64_t ms = ev_now_ms(f->loop) - f->started;

	fpu_bar_clear(f);
	f->computing = 0;
	fpu_free_parts(f);
	if (f->o.output != NULL &&
	    image_write(&f->im, f->o.output, image_format_for(f->o.output),
	        f->o.caption) == -1) {
		log_error(
		    "fractalpooluser: %s: %s", f->o.output, strerror(errno));
		f->status = 1;
	}
	if (f->o.prefix != NULL && fpu_store_prefixed(f) == -1)
		f->status = 1;
	image_free(&f->im);
	f->completed++;
	printf("Image %u: %ux%u, %lld session%s, %u failover%s, %.3f s%s%s\n",
	    f->run, f->img.width, f->img.height, f->o.threads,
	    f->o.threads == 1 ? "" : "s", f->failovers,
	    f->failovers == 1 ? "" : "s", (double)ms / 1000.0,
	    f->source ? ", from " : "", f->source ? f->source : "");
	fflush(stdout);
	if (f->status != 0 ||
	    (f->o.images > 0 && f->completed >= (unsigned)f->o.images)) {
		ev_stop(f->loop);
		return;
	}
	f->next_start = ev_now_ms(f->loop) + 1000 * (uint64_t)f->o.interimage;
}

static int64_t
tick_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct fpu *f = arg;
	uint64_t now = ev_now_ms(loop);
	unsigned i, done = 0;

	(void)id;
	if (!f->computing) {
		if (now >= f->next_start && fpu_start_image(f) == -1) {
			f->status = 1;
			ev_stop(loop);
			return EV_NOMORE;
		}
		return FPU_TICK_MS;
	}
	for (i = 0; i < f->nparts; i++) {
		struct fpu_part *pt = &f->parts[i];

		if (pt->done) {
			done++;
			continue;
		}
		if (part_send_timed_out(pt, now) == -1) {
			pt->last_rx = now;
			rsp_session_failover(pt->s);
		} else if (now - pt->last_rx >= (uint64_t)f->o.recvtimeout &&
		           rsp_session_is_up(pt->s)) {
			log_notice("fractalpooluser: session %u: nothing for "
			           "%lld ms, failing over",
			    pt->idx + 1, f->o.recvtimeout);
			pt->last_rx = now;
			rsp_session_reconnect(pt->s);
		}
	}
	if (done == f->nparts)
		fpu_finish_image(f);
	else
		fpu_bar(f);
	return FPU_TICK_MS;
}

/* CSP: the sessions of the image in progress (looked up at each report:
 * they come and go with the images); associations of the first one. */
static void
fpu_csp_fill(struct csp_reporter *rep, struct csp_report *r, void *arg)
{
	struct fpu *f = arg;
	unsigned i;

	f->pc.csp_app.session = NULL;
	f->pc.csp_app.sessions = 0;
	for (i = 0; f->parts != NULL && i < f->nparts; i++) {
		if (f->parts[i].s == NULL)
			continue;
		if (f->pc.csp_app.session == NULL)
			f->pc.csp_app.session = f->parts[i].s;
		f->pc.csp_app.sessions++;
	}
	csp_fill_app(rep, r, &f->pc.csp_app);
}

static int
fpu_run(struct fpu *f)
{
	struct csp_reporter *rep = NULL;

	if ((f->loop = pu_common_loop(&f->pc, "fractalpooluser", 1)) == NULL)
		return 1;
	f->tty = isatty(STDERR_FILENO);
	if (fpu_start_image(f) == -1)
		f->status = 1;
	else {
		ev_timer_add(f->loop, FPU_TICK_MS, tick_cb, f);
		ev_stop_after(f->loop, f->o.runtime);
		rep = pu_common_csp(
		    &f->pc, f->loop, NULL, f->csp_object, fpu_csp_fill, f);
		if (ev_run(f->loop) == -1)
			f->status = 1;
	}
	f->status = pu_common_end(&f->pc, rep, f->status);
	fpu_bar_clear(f);
	fpu_free_parts(f);
	image_free(&f->im);
	ev_loop_free(f->loop);
	return f->status;
}

static int
fpu_config(struct fpu *f, const char *argv0)
{
	long long id;

	if (pu_common_config(&f->pc, argv0, f->o.poolhandle, &f->cfg) == -1)
		return 2;
	if (f->o.identifier != NULL &&
	    (opt_parse_ll(f->o.identifier, &id) == -1 || id < 1 ||
	        id > 0xffffffffffffffLL)) {
		fprintf(stderr,
		    "%s: -identifier=%s: not a component ID "
		    "1-0xffffffffffffff\n",
		    argv0, f->o.identifier);
		return 2;
	}
	f->csp_object = f->o.identifier != NULL ? (uint64_t)id : rand_u64();
	if (f->o.output != NULL && image_format_for(f->o.output) == 0) {
		fprintf(stderr, "%s: -output=%s: give a .png or .ppm file\n",
		    argv0, f->o.output);
		return 2;
	}
	if (f->o.colormarks && f->o.nocolormarks) {
		fprintf(stderr, "%s: -colormarks or -nocolormarks, not both\n",
		    argv0);
		return 2;
	}
	if (f->o.sessions && f->o.nosessions) {
		fprintf(
		    stderr, "%s: -sessions or -nosessions, not both\n", argv0);
		return 2;
	}
	if (f->o.configdir != NULL) {
		if (fsf_list(f->o.configdir, &f->files, &f->nfiles) == -1) {
			fprintf(stderr, "%s: -configdir=%s: %s\n", argv0,
			    f->o.configdir, strerror(errno));
			return 1;
		}
		if (f->nfiles == 0)
			log_warning("fractalpooluser: no .fsf file in %s; "
			            "using the defaults",
			    f->o.configdir);
	}
	return 0;
}

int
fractalpooluser_main(int argc, char **argv)
{
	struct fpu *f;
	int i, rc;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return 1;
	const struct opt_set sets[] = {
	    {fpu_opts, &f->o}, PU_COMMON_OPT_SETS(&f->pc)};

	opt_parse_or_exit(argv[0], "[-registrar=ADDR:PORT]... [options]", argc,
	    argv, sets, sizeof(sets) / sizeof(sets[0]));
	if ((rc = fpu_config(f, argv[0])) == 0) {
		if (log_setup("fractalpooluser") == -1)
			rc = 1;
		else
			rc = fpu_run(f);
	}
	for (i = 0; i < f->nfiles; i++)
		free(f->files[i]);
	free(f->files);
	free(f);
	return rc;
}
