/*
 * The metrics of a pool element (rsp server) or a pool user (terminal,
 * pingpongclient, ...): the library's counters (struct rsp_counters,
 * include/rsp.h) and a PE's registrar and load, as families of
 * core/metrics.h (docs/metrics.md).
 *
 *	struct mx_app app = {&counters, element_or_NULL, 0 or 1 (PU)};
 *	mx_exporter_new(loop, &mc, "server", pool, mx_fill_app, &app, ...);
 */
#ifndef RSP_CORE_TOOLS_METRICS_APP_H
#define RSP_CORE_TOOLS_METRICS_APP_H

struct mx;
struct rsp_counters;
struct rsp_element;

struct mx_app {
	const struct rsp_counters *c;
	const struct rsp_element *element; /* a PE's, or NULL */
	int pu;                            /* rsp_pu_ names, else rsp_pe_ */
};

void mx_fill_app(struct mx *m, void *arg);

#endif
