/*
 * The example services of rsp server (docs/wire.md 9.2, 9.3): each
 * reacts to the pool element's session events.  They run in the
 * element's event loop, never block and never print.
 */
#ifndef RSP_SERVICE_H
#define RSP_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "core/opt.h"
#include "include/rsp.h"

struct ev_loop;

struct svc_ctx {
	struct ev_loop *loop;
	struct rsp_element *e;
	void *priv;      /* the service's own state */
	const void *cfg; /* the service's options, from rsp server */
	int adaptive;    /* the PE's policy uses the load: report it */
};

struct svc {
	const char *name;                /* "echo" */
	const char *pool_handle;         /* "EchoPool" */
	int (*init)(struct svc_ctx *c);  /* may be NULL */
	void (*fini)(struct svc_ctx *c); /* may be NULL */
	void (*up)(struct svc_ctx *c, uint32_t session);
	/* RSP_EV_MSG, and RSP_EV_COOKIE_ECHO (a PU's cookie, first thing
	 * on a session after a failover) when cookie_echo is NULL */
	void (*msg)(struct svc_ctx *c, const struct rsp_event *ev);
	void (*down)(struct svc_ctx *c, uint32_t session);
	/* a PU's Cookie Echo (data, len); may be NULL */
	void (*cookie_echo)(struct svc_ctx *c, const struct rsp_event *ev);
	/* rsp server's options of this service and the struct their values
	 * go to (also the svc_ctx's cfg); NULL when it has none */
	const struct opt *opts;
	void *conf;
	/* what its table cannot check (fractions): -1 after a message */
	int (*check)(const char *argv0);
	/* the policy without -policy; NULL: RoundRobin */
	const char *(*default_policy)(void);
};

extern const struct svc svc_echo, svc_discard, svc_daytime, svc_chargen;
extern const struct svc svc_pingpong, svc_calcapp;

/*
 * Service options (docs/wire.md 9.2): rsp server adds these tables to
 * its own; svc_*_check() validates what a table cannot (fractions) and
 * prints the error, -1 then.
 */
struct pingpong_conf {
	long long failure_after; /* -pppfailureafter, 0: never */
	long long max_threads;   /* -pppmaxthreads: sessions at a time */
};
extern struct pingpong_conf pingpong_conf;
extern const struct opt pingpong_opts[];

struct chargen_conf {
	long long max_threads; /* -chargenmaxthreads: sessions at a time */
};
extern struct chargen_conf chargen_conf;
extern const struct opt chargen_opts[];

struct calcapp_conf {
	long long max_jobs;             /* -capmaxjobs */
	const char *capacity_s;         /* -capcapacity, calculations/s */
	long long ka_tx_ms, ka_tout_ms; /* -capkeepalive*interval */
	const char *cookie_time_s;      /* -capcookiemaxtime, seconds */
	const char *cookie_calc_s;      /* -capcookiemaxcalculations */
	const char *clean_shutdown_s;   /* -capcleanshutdownprobability */
	const char *object, *vector, *scalar;
	/* parsed by svc_calcapp_check() */
	double capacity, cookie_time_us, cookie_calc, clean_shutdown;
};
extern struct calcapp_conf calcapp_conf;
extern const struct opt calcapp_opts[];
int svc_calcapp_check(const char *argv0);

extern const struct svc svc_fractal;

/* rsp server -fgp* options (docs/wire.md 9.5); times in ms. */
struct fractal_opts {
	long long cookie_max_time, cookie_max_packets, data_max_time;
	long long transmit_timeout, failure_after, max_threads;
	int test_mode;
};
extern struct fractal_opts fgp_conf;
extern const struct opt fgp_opts[];

struct fgp_parameter;
/* The value of point (x, y) as RSPLIB's PE computes it (escape
 * iteration, or the test pattern); *iterations: the work it took. */
uint32_t fractal_point(const struct fgp_parameter *p, uint32_t x, uint32_t y,
    int test_mode, uint32_t *iterations);

#define CHARGEN_MSG_LEN 1024
/* Fill buf with CharGen's pattern: byte i is 30 + (i mod 98). */
void chargen_fill(uint8_t *buf, size_t len);
/* Daytime's text, "Monday, 24-November-2025 10:59:00.123456\n", of the
 * time given (seconds, microseconds, local time); length or -1. */
int daytime_format(char *buf, size_t len, long long sec, long usec);

#endif
