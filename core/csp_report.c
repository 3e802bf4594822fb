/*
 * Component Status Protocol reporter (core/csp_report.h): a timer, one
 * non-blocking UDP socket, and the report built afresh for every send
 * by the applet's fill function.  Send errors (no monitor listening:
 * ICMP port unreachable, a full buffer) are counted, never fatal:
 * monitoring must not take a component down.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/csp_report.h"
#include "core/ev.h"
#include "core/udp.h"
#include "proto/wire.h"

#define CSP_OPT(...) OPT_ROW(struct csp_config, __VA_ARGS__)

const struct opt csp_opts[] = {
    CSP_OPT("cspserver", OPT_STR, "ADDR:PORT",
        "send component status reports to this CSP monitor (default: "
        "$CSP_SERVER; with -cspinterval only: 127.0.0.1:2960)",
        NULL, 0, 0, server),
    CSP_OPT("cspinterval", OPT_INT, "MS",
        "component status report interval, >= 250 (default: "
        "$CSP_INTERVAL; with -cspserver only: 250)",
        NULL, 0, 86400000, interval),
    OPT_END,
};

struct csp_reporter {
	struct ev_loop *loop;
	int fd;
	struct sockaddr_storage to;
	uint64_t sender;
	long long interval_ms;
	uint64_t start_ms;
	uint64_t timer;
	csp_fill_fn *fill;
	void *arg;
	char location[CSP_TEXT_SIZE];
	uint16_t port;            /* shown in the location */
	struct csp_assoc *assocs; /* of the report being built */
	size_t nassocs, cap;
	uint64_t sent, failed;
};

int
csp_config_check(struct csp_config *c, char *err, size_t errlen)
{
	const char *env;
	long long v;

	c->enabled = 0;
	if (c->server == NULL && (env = getenv("CSP_SERVER")) != NULL &&
	    *env != '\0')
		c->server = env;
	if (c->interval == 0 && (env = getenv("CSP_INTERVAL")) != NULL &&
	    *env != '\0') {
		if (opt_parse_ll(env, &v) == -1 || v < 0 || v > 86400000) {
			snprintf(err, errlen,
			    "CSP_INTERVAL=%s: not a number "
			    "of milliseconds",
			    env);
			return -1;
		}
		/* RSPLIB raises a small CSP_INTERVAL to its minimum. */
		c->interval = v < CSP_INTERVAL_MIN ? CSP_INTERVAL_MIN : v;
	}
	if (c->interval > 0 && c->interval < CSP_INTERVAL_MIN) {
		snprintf(err, errlen,
		    "-cspinterval=%lld: below the minimum of "
		    "%d ms",
		    c->interval, CSP_INTERVAL_MIN);
		return -1;
	}
	if (c->server == NULL && c->interval == 0)
		return 0;
	if (c->server == NULL)
		c->server = "127.0.0.1:2960";
	if (c->interval == 0)
		c->interval = CSP_INTERVAL_DEFAULT;
	if (addr_parse(&c->to, c->server, CSP_PORT, 0, err, errlen) == -1)
		return -1;
	c->enabled = 1;
	return 0;
}

/* Append to s (size n, NUL-terminated) as far as it fits. */
static void
append(char *s, size_t n, const char *what)
{
	size_t len = strlen(s);

	size_t k = strlen(what);

	if (len + 1 >= n)
		return;
	if (k > n - len - 1)
		k = n - len - 1;
	memcpy(s + len, what, k);
	s[len + k] = '\0';
}

void
csp_location(char *s, size_t n, uint16_t port)
{
	static const enum addr_scope scopes[] = {
	    ADDR_SCOPE_GLOBAL, ADDR_SCOPE_SITELOCAL};
	char host[256], a[ADDR_FMT_LEN];
	struct addr_list al;
	size_t k;
	int i, found = 0;

	if (n == 0)
		return;
	if (n > CSP_TEXT_SIZE)
		n = CSP_TEXT_SIZE;
	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	s[0] = '\0';
	append(s, n, host);
	for (k = 0; k < sizeof(scopes) / sizeof(scopes[0]) && !found; k++) {
		if (addr_list_local(&al, 0, scopes[k], NULL, 0) == -1)
			continue;
		for (i = 0; i < al.n; i++) {
			if (addr_scope((struct sockaddr *)&al.a[i]) !=
			    scopes[k])
				continue;
			append(s, n, found ? ", " : (s[0] ? ": " : ""));
			addr_set_port((struct sockaddr *)&al.a[i], port);
			append(s, n,
			    found || port == 0
			        ? addr_fmt_host(
			              (struct sockaddr *)&al.a[i], a, sizeof(a))
			        : addr_fmt((struct sockaddr *)&al.a[i], a,
			              sizeof(a)));
			found++;
		}
	}
	if (!found)
		append(s, n, s[0] ? ": (local only)" : "(local only)");
}

void
csp_reporter_add_assoc(struct csp_reporter *rep, unsigned group,
    uint64_t object, uint64_t duration_us, uint16_t protocol, uint32_t ppid)
{
	struct csp_assoc *a;
	size_t cap;

	if (rep->nassocs >= CSP_ASSOCS_MAX)
		return;
	if (rep->nassocs == rep->cap) {
		cap = rep->cap ? 2 * rep->cap : 8;
		if ((a = realloc(rep->assocs, cap * sizeof(*a))) == NULL)
			return; /* a shorter list beats no report */
		rep->assocs = a;
		rep->cap = cap;
	}
	a = &rep->assocs[rep->nassocs++];
	a->receiver = csp_id(group, object);
	a->duration = duration_us;
	a->flags = 0;
	a->protocol = protocol;
	a->ppid = ppid;
}

static void
csp_send(struct csp_reporter *rep, int final)
{
	struct csp_report r;
	struct wbuf w;
	uint64_t now = ev_now_update(rep->loop);

	csp_report_init(&r, rep->sender);
	r.interval = (uint32_t)(rep->interval_ms * 1000);
	r.timestamp = (now - rep->start_ms) * 1000;
	rep->nassocs = 0;
	if (final) {
		r.flags = CSP_FLAG_FINAL;
	} else {
		rep->fill(rep, &r, rep->arg);
		csp_set_text(r.location, rep->location);
		r.nassocs = (uint16_t)rep->nassocs;
		r.assocs = rep->assocs;
	}
	if (csp_id_object(rep->sender) == 0)
		return; /* RSPLIB sends nothing without an ID */
	if (wbuf_init_dynamic(
	        &w, CSP_HEADER_SIZE + CSP_ASSOC_SIZE * 8, 65535) == -1 ||
	    csp_encode(&r, &w) == -1) {
		rep->failed++;
		return;
	}
	if (sendto(rep->fd, w.data, w.len, 0, (struct sockaddr *)&rep->to,
	        addr_len((struct sockaddr *)&rep->to)) == (ssize_t)w.len)
		rep->sent++;
	else
		rep->failed++;
	wbuf_free(&w);
}

static int64_t
csp_timer_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct csp_reporter *rep = arg;

	(void)loop;
	(void)id;
	csp_send(rep, 0);
	return rep->interval_ms;
}

struct csp_reporter *
csp_reporter_new(struct ev_loop *loop, const struct csp_config *c,
    uint64_t sender, csp_fill_fn *fill, void *arg)
{
	struct csp_reporter *rep;

	if (!c->enabled)
		return NULL;
	if ((rep = calloc(1, sizeof(*rep))) == NULL)
		return NULL;
	rep->loop = loop;
	rep->to = c->to;
	rep->sender = sender;
	rep->interval_ms = c->interval;
	rep->fill = fill;
	rep->arg = arg;
	rep->start_ms = ev_now_update(loop);
	csp_location(rep->location, sizeof(rep->location), 0);
	rep->fd = udp_socket(rep->to.ss_family);
	if (rep->fd == -1 || (rep->timer = ev_timer_add(loop, 0, csp_timer_cb,
	                          rep)) == EV_TIMER_NONE) {
		if (rep->fd != -1)
			close(rep->fd);
		free(rep);
		return NULL;
	}
	return rep;
}

void
csp_reporter_free(struct csp_reporter *rep)
{
	int e = errno;

	if (rep == NULL)
		return;
	ev_timer_cancel(rep->loop, rep->timer);
	csp_send(rep, 1);
	close(rep->fd);
	free(rep->assocs);
	free(rep);
	errno = e;
}

void
csp_reporter_set_port(struct csp_reporter *rep, uint16_t port)
{
	if (port == rep->port)
		return;
	rep->port = port;
	csp_location(rep->location, sizeof(rep->location), port);
}

void
csp_reporter_set_sender(struct csp_reporter *rep, uint64_t sender)
{
	rep->sender = sender;
}

uint64_t
csp_reporter_sent(const struct csp_reporter *rep)
{
	return rep->sent;
}

uint64_t
csp_reporter_failed(const struct csp_reporter *rep)
{
	return rep->failed;
}

uint64_t
csp_reporter_since_us(const struct csp_reporter *rep, uint64_t since_ms)
{
	uint64_t now = ev_now_ms(rep->loop);

	return now >= since_ms ? (now - since_ms) * 1000 : 0;
}
