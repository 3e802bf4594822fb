/*
 * Where an applet's metrics go (docs/metrics.md): a Prometheus text
 * file rewritten atomically every -metricsinterval seconds for
 * node-exporter's textfile collector (or prometheus-node-exporter-lua
 * on OpenWrt), a JSON status file beside it, and a small HTTP endpoint
 * in the event loop serving GET /metrics and GET /status.json,
 * loopback unless told otherwise.  An add-on the applets wire in, as
 * the CSP reporter: the library (include/rsp.h) does not know about it.
 *
 *	struct mx_config mc;             add {mx_opts, &mc} to the opt sets
 *	mx_config_check(&mc, err, n)     after parsing (usage error on -1)
 *	x = mx_exporter_new(loop, &mc, "registrar", fill, arg, err, n);
 *	                                 NULL and err empty: off; NULL and
 *	                                 err set: exit 1 (cannot bind/write)
 *	mx_exporter_free(x);             writes the files a last time
 *
 * Every snapshot starts with what every applet has (rsp_build_info,
 * rsp_uptime_seconds, rsp_process_*), then the applet's fill adds its
 * own.
 */
#ifndef RSP_CORE_METRICS_EXPORT_H
#define RSP_CORE_METRICS_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/metrics.h"
#include "core/opt.h"

struct ev_loop;
struct mx_exporter;

#define MX_HTTP_PORT        9863             /* -metrics without a port */
#define MX_HTTP_DEFAULT     "127.0.0.1:9863" /* -metrics given bare */
#define MX_INTERVAL_DEFAULT 15               /* s: a common scrape interval */

struct mx_config {
	const char *listen;     /* -metrics[=ADDR[:PORT]], NULL: off */
	const char *file;       /* -metricsfile=PATH, NULL: off */
	const char *statusfile; /* -statusfile=PATH, NULL: off */
	long long interval;     /* -metricsinterval=S */
	/* Filled in by mx_config_check(). */
	int enabled;
	struct sockaddr_storage addr; /* of -metrics */
};

extern const struct opt mx_opts[];

/* Validate; -1 with a message in err naming the value. */
int mx_config_check(struct mx_config *c, char *err, size_t errlen);

/* Add the applet's families to m (after the common ones). */
typedef void mx_fill_fn(struct mx *m, void *arg);

/*
 * Start exporting: the files are written at once (and every interval),
 * the endpoint listens (its address logged at notice level: "metrics:
 * serving http://ADDR/metrics").  pool: the constant label of a PE or
 * PU (NULL: none).  NULL with err[0] == '\0' when c is off; NULL with a
 * message in err when a file cannot be written or the address bound.
 */
struct mx_exporter *mx_exporter_new(struct ev_loop *loop,
    const struct mx_config *c, const char *applet, const char *pool,
    mx_fill_fn *fill, void *arg, char *err, size_t errlen);
/* Write the files with the final state, close the endpoint, free.
 * NULL is fine. */
void mx_exporter_free(struct mx_exporter *x);
/* The endpoint's bound address, or NULL without -metrics. */
const struct sockaddr *mx_exporter_addr(const struct mx_exporter *x);

/* The common families (rsp_build_info with version, rsp_uptime_seconds
 * since start_ms on loop's clock, rsp_process_*), for the unit tests
 * and the exporter. */
void mx_fill_common(
    struct mx *m, struct ev_loop *loop, uint64_t start_ms, double start_wall_s);

#endif
