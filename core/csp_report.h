/*
 * Component Status Protocol reporting (docs/wire.md 8): every
 * -cspinterval ms a status report goes by UDP to the -cspserver
 * monitor (rsp cspmonitor, RSPLIB's cspmonitor); a final report (F
 * flag, no associations) when the reporter is freed.  An add-on the
 * applets wire in: it never prints, the library (include/rsp.h) does
 * not know about it.
 *
 * Options as RSPLIB's: -cspserver=ADDR:PORT and -cspinterval=MS, or the
 * environment variables CSP_SERVER and CSP_INTERVAL.  As RSPLIB's
 * registrar: a server without an interval reports every 250 ms, an
 * interval without a server reports to 127.0.0.1:2960; neither: off.
 *
 * Recipe for an applet (PE/PU example with the library):
 *
 *	struct csp_config csp;            add {csp_opts, &csp} to its opt sets
 *	csp_config_check(&csp, err, n)    after parsing (usage error on -1)
 *	rep = csp_reporter_new(loop, &csp, csp_id(CSP_GROUP_PU, rand_u64()),
 *	    fill, arg);                   NULL when off (or on failure)
 *	                                  (a PE or PU: core/tools/csp_app.h)
 *	csp_reporter_free(rep);           before freeing the session
 */
#ifndef RSP_CSP_REPORT_H
#define RSP_CSP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/opt.h"
#include "proto/csp.h"

struct ev_loop;
struct csp_reporter;

#define CSP_PORT             2960 /* cspmonitor's default */
#define CSP_INTERVAL_DEFAULT 250  /* ms, RSPLIB's registrar default */
#define CSP_INTERVAL_MIN     250  /* ms, RSPLIB's minimum (CSP_INTERVAL) */

struct csp_config {
	const char *server; /* -cspserver=ADDR:PORT, NULL: CSP_SERVER */
	long long interval; /* -cspinterval=MS, 0: CSP_INTERVAL */
	/* Filled in by csp_config_check(). */
	int enabled;
	struct sockaddr_storage to;
};

extern const struct opt csp_opts[];

/*
 * Apply the environment, validate, and decide whether reporting is on.
 * -1 with a message in err on a bad address or interval.
 */
int csp_config_check(struct csp_config *c, char *err, size_t errlen);

/*
 * Called before every report: set the status text (csp_set_text on
 * r->status), the workload, and add associations with
 * csp_reporter_add_assoc().  r arrives with sender, interval, location
 * and workload N/A set.
 */
typedef void csp_fill_fn(
    struct csp_reporter *rep, struct csp_report *r, void *arg);

/*
 * Start reporting as `sender` (csp_id()): the first report goes out on
 * the next loop iteration.  NULL when c is not enabled, or with errno
 * on failure (no socket).
 */
struct csp_reporter *csp_reporter_new(struct ev_loop *loop,
    const struct csp_config *c, uint64_t sender, csp_fill_fn *fill, void *arg);
/* Send the final report, stop, free.  NULL is fine. */
void csp_reporter_free(struct csp_reporter *rep);
/* Change the sender ID (e.g. once a PE ID is known). */
void csp_reporter_set_sender(struct csp_reporter *rep, uint64_t sender);
/* Add one association entry to the report being built. */
void csp_reporter_add_assoc(struct csp_reporter *rep, unsigned group,
    uint64_t object, uint64_t duration_us, uint16_t protocol, uint32_t ppid);
/* Reports sent and send failures so far (tests, diagnostics). */
uint64_t csp_reporter_sent(const struct csp_reporter *rep);
uint64_t csp_reporter_failed(const struct csp_reporter *rep);

/*
 * Show port (0: none) with the first address of the location, as
 * RSPLIB does with its socket's port (a registrar's ASAP port, a PE's
 * user transport port).  Rebuilds the location when the port changes.
 */
void csp_reporter_set_port(struct csp_reporter *rep, uint16_t port);

/*
 * "hostname: addr, addr, ..." as RSPLIB's reporters write it: global
 * addresses, else site-local ones, else "(local only)" after the host
 * name; the first address with ":port" unless port is 0.  Truncated to
 * fit the 127-character field.
 */
void csp_location(char *s, size_t n, uint16_t port);

/* Microseconds from since_ms (ev_now_ms() scale) to now, for
 * association durations. */
uint64_t csp_reporter_since_us(
    const struct csp_reporter *rep, uint64_t since_ms);

/* The registrar's report (core/registrar/status.c); arg: struct registrar. */
void csp_fill_registrar(
    struct csp_reporter *rep, struct csp_report *r, void *arg);

#endif
