/*
 * The metrics exporter (core/metrics_export.h): one snapshot (struct
 * mx) refilled for every file write and every HTTP request, written as
 * Prometheus text or JSON.  Failures after the start are logged (at
 * most 5 lines a second) and never fatal: monitoring must not take a
 * component down.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/clock.h"
#include "core/ev.h"
#include "core/http_min.h"
#include "core/log.h"
#include "core/metrics_export.h"

/* main.c's version; the Makefile may define it for the whole build. */
#ifndef RSP_VERSION
#define RSP_VERSION "0.1"
#endif

#define MX_OPT(...) OPT_ROW(struct mx_config, __VA_ARGS__)

const struct opt mx_opts[] = {
    MX_OPT("metrics", OPT_OPTSTR, "ADDR:PORT",
        "serve GET /metrics (Prometheus) and GET /status.json over HTTP "
        "here (bare: " MX_HTTP_DEFAULT "; default: off)",
        NULL, 0, 0, listen),
    MX_OPT("metricsfile", OPT_STR, "FILE",
        "write Prometheus metrics to FILE (atomically, through FILE.tmp) "
        "every -metricsinterval",
        NULL, 0, 0, file),
    MX_OPT("statusfile", OPT_STR, "FILE",
        "write the same data as JSON to FILE every -metricsinterval", NULL, 0,
        0, statusfile),
    MX_OPT("metricsinterval", OPT_INT, "S",
        "seconds between writes of -metricsfile and -statusfile", "15", 1,
        86400, interval),
    OPT_END,
};

struct mx_exporter {
	struct ev_loop *loop;
	const struct mx_config *cfg;
	mx_fill_fn *fill;
	void *arg;
	struct mx *m;
	struct http_srv *http;
	uint64_t timer;
	uint64_t start_ms;
	double start_wall_s;
};

static int
check_file(const char *opt, const char *path, char *err, size_t errlen)
{
	if (path != NULL && path[0] == '\0') {
		snprintf(err, errlen, "-%s=: expected a file name", opt);
		return -1;
	}
	return 0;
}

int
mx_config_check(struct mx_config *c, char *err, size_t errlen)
{
	const char *l = c->listen;
	char e[ADDR_ERR_LEN];

	c->enabled = l != NULL || c->file != NULL || c->statusfile != NULL;
	if (check_file("metricsfile", c->file, err, errlen) == -1 ||
	    check_file("statusfile", c->statusfile, err, errlen) == -1)
		return -1;
	if (l == NULL)
		return 0;
	if (addr_parse(&c->addr, l[0] != '\0' ? l : MX_HTTP_DEFAULT,
	        MX_HTTP_PORT, ADDR_PORT_ZERO_OK, e, sizeof(e)) == -1) {
		snprintf(
		    err, errlen, "-metrics=%s: %s (expected ADDR:PORT)", l, e);
		return -1;
	}
	return 0;
}

/* ---- the common families ---- */

static void
fill_process(struct mx *m)
{
	struct rusage ru;
	unsigned long long size, rss;
	FILE *f;
	DIR *d;
	long n = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		mx_one(m, "rsp_process_cpu_seconds_total", MX_COUNTER,
		    "user and system CPU time of this process",
		    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		        (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) /
		            1e6);
	if ((f = fopen("/proc/self/statm", "r")) != NULL) {
		if (fscanf(f, "%llu %llu", &size, &rss) == 2)
			mx_one(m, "rsp_process_resident_memory_bytes", MX_GAUGE,
			    "resident memory of this process",
			    (double)rss * (double)sysconf(_SC_PAGESIZE));
		fclose(f);
	}
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while (readdir(d) != NULL)
			n++;
		closedir(d);
		/* minus ".", ".." and the directory's own descriptor */
		mx_one(m, "rsp_process_open_fds", MX_GAUGE,
		    "open file descriptors of this process", (double)(n - 3));
	}
}

void
mx_fill_common(
    struct mx *m, struct ev_loop *loop, uint64_t start_ms, double start_wall_s)
{
	mx_family(m, "rsp_build_info", MX_GAUGE,
	    "always 1; the version of this rsp build in its label");
	mx_add1(m, "version", RSP_VERSION, 1);
	mx_one(m, "rsp_start_time_seconds", MX_GAUGE,
	    "when this process started exporting, seconds since the epoch",
	    start_wall_s);
	mx_one(m, "rsp_uptime_seconds", MX_GAUGE,
	    "seconds since this process started exporting",
	    (double)(ev_now_ms(loop) - start_ms) / 1000.0);
	fill_process(m);
}

static void
snapshot(struct mx_exporter *x)
{
	mx_reset(x->m);
	mx_fill_common(x->m, x->loop, x->start_ms, x->start_wall_s);
	x->fill(x->m, x->arg);
	if (mx_dropped(x->m) > 0)
		log_warning_limited("metrics: %zu samples dropped (at most %d)",
		    mx_dropped(x->m), MX_SAMPLES_MAX);
}

/* ---- files ---- */

/* PATH.tmp, then rename: a reader sees the old file or the new one,
 * never half of one (rename(2) in one directory is atomic). */
static int
write_file(
    struct mx_exporter *x, const char *path, int json, char *err, size_t errlen)
{
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	const char *which;
	FILE *f;
	int e;

	if (tmp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(tmp, n, "%s.tmp", path);
	which = tmp;
	if ((f = fopen(tmp, "w")) != NULL) {
		which = path;
		if (json)
			mx_write_json(x->m, f);
		else
			mx_write_prom(x->m, f);
		if (fclose(f) == 0 && rename(tmp, path) == 0) {
			free(tmp);
			return 0;
		}
		e = errno;
		unlink(tmp);
		errno = e;
	}
	snprintf(err, errlen, "%s: %s", which, strerror(errno));
	free(tmp);
	return -1;
}

static int
write_files(struct mx_exporter *x, char *err, size_t errlen)
{
	if (x->cfg->file == NULL && x->cfg->statusfile == NULL)
		return 0;
	snapshot(x);
	if (x->cfg->file != NULL &&
	    write_file(x, x->cfg->file, 0, err, errlen) == -1)
		return -1;
	if (x->cfg->statusfile != NULL &&
	    write_file(x, x->cfg->statusfile, 1, err, errlen) == -1)
		return -1;
	return 0;
}

static void
write_files_logged(struct mx_exporter *x)
{
	char err[256];

	if (write_files(x, err, sizeof(err)) == -1)
		log_warning_limited("metrics: %s", err);
}

static int64_t
interval_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct mx_exporter *x = arg;

	(void)loop, (void)id;
	write_files_logged(x);
	return x->cfg->interval * 1000;
}

/* ---- HTTP ---- */

static void
http_cb(void *arg, const char *path, struct http_reply *r)
{
	struct mx_exporter *x = arg;
	int json = strcmp(path, "/status.json") == 0;
	FILE *f;

	if (!json && strcmp(path, "/metrics") != 0) {
		r->status = 404;
		return;
	}
	snapshot(x);
	if ((f = open_memstream(&r->body, &r->len)) == NULL) {
		r->status = 500;
		return;
	}
	if (json)
		mx_write_json(x->m, f);
	else
		mx_write_prom(x->m, f);
	if (fclose(f) != 0) {
		r->status = 500;
		return;
	}
	/* the text format's version (Prometheus exposition formats) */
	r->ctype = json ? "application/json"
	                : "text/plain; version=0.0.4; charset=utf-8";
}

static int
http_start(struct mx_exporter *x, char *err, size_t errlen)
{
	char a[ADDR_FMT_LEN], e[256];

	x->http = http_srv_new(x->loop, (const struct sockaddr *)&x->cfg->addr,
	    http_cb, x, e, sizeof(e));
	if (x->http == NULL) {
		snprintf(err, errlen, "-metrics=%s: %s", x->cfg->listen, e);
		return -1;
	}
	log_notice("metrics: serving http://%s/metrics",
	    addr_fmt(http_srv_addr(x->http), a, sizeof(a)));
	return 0;
}

struct mx_exporter *
mx_exporter_new(struct ev_loop *loop, const struct mx_config *c,
    const char *applet, const char *pool, mx_fill_fn *fill, void *arg,
    char *err, size_t errlen)
{
	struct mx_exporter *x;

	err[0] = '\0';
	if (!c->enabled)
		return NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL || (x->m = mx_new()) == NULL) {
		snprintf(err, errlen, "metrics: %s", strerror(errno));
		free(x);
		return NULL;
	}
	*x = (struct mx_exporter){loop, c, fill, arg, x->m, NULL, EV_TIMER_NONE,
	    ev_now_ms(loop), clock_wall_s()};
	mx_const_label(x->m, "applet", applet);
	if (pool != NULL)
		mx_const_label(x->m, "pool", pool);
	if (write_files(x, err, errlen) == -1 ||
	    (c->listen != NULL && http_start(x, err, errlen) == -1)) {
		mx_exporter_free(x);
		return NULL;
	}
	if (c->file != NULL || c->statusfile != NULL)
		x->timer =
		    ev_timer_add(loop, c->interval * 1000, interval_cb, x);
	return x;
}

void
mx_exporter_free(struct mx_exporter *x)
{
	if (x == NULL)
		return;
	if (x->timer != EV_TIMER_NONE) {
		ev_timer_cancel(x->loop, x->timer);
		write_files_logged(x); /* the final state */
	}
	http_srv_free(x->http);
	mx_free(x->m);
	free(x);
}

const struct sockaddr *
mx_exporter_addr(const struct mx_exporter *x)
{
	return x != NULL && x->http != NULL ? http_srv_addr(x->http) : NULL;
}
