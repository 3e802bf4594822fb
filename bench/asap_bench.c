/*
 * ASAP load generator (issue 7): registers PEs at a registrar, then
 * sends handle resolutions with a fixed number in flight for a fixed
 * time, and measures registrations/s, resolutions/s and latency
 * percentiles.  Every answer is checked (type, no error cause, right
 * pool, PE IDs we registered); a wrong answer or a timeout exits 1.
 * Works over kernel SCTP and the TCP mapping (-transport=sctp|tcp),
 * against any registrar: rsp's or RSPLIB's.
 *
 *   asap_bench -registrar=127.0.0.1:3863 -pes=1000 -inflight=1,16,64
 *   asap_bench -echoserver=127.0.0.1:0           trivial echo server
 *   asap_bench -registrar=... -echo=127.0.0.1:PORT   also the echo limit
 *   asap_bench -registrar=... -pes=1000000 -hold     keep them registered
 *   asap_bench -registrar=... -hold -pelisten=127.0.0.1:0   PEs reachable
 *
 * -hold (the scale benchmark, bench/scale.sh) registers the PEs and keeps
 * them until SIGTERM, answering keep-alives, with no resolution phase;
 * another run with the same -idbase, -pes and -pool and -resolveonly
 * then measures resolutions of that pool.  -pelisten gives the PEs a
 * listening address as their user transport, so that a registrar taking
 * them over (core/registrar/takeover.c) reaches them; the Keep-Alives
 * with the H flag that arrive there are answered and counted.
 *
 * The echo phase runs the same request loop against the echo server
 * (-echoserver mode of this program), which answers each message with
 * the same bytes: the physical limit of transport and kernel on this
 * machine.  Its message is the longest handle resolution response the
 * registrar sent before (or -echosize zero bytes after the request), in
 * both directions, and the generator decodes and checks every echoed
 * copy as it checks the registrar's answers: the same work per answer
 * in both loops, so that only the server differs.
 *
 * Output: one key=value line per phase on stdout (see bench/README.md).
 * Not an applet, to keep rsp small: built by `make bench-asap`.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "proto/buf.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/rand.h"
#include "core/transport/transport.h"
#include "proto/msg.h"
#include "proto/wire.h"

#define MAX_ASSOCS   64
#define MAX_INFLIGHT 4096
#define MAX_PHASES   8

struct bench_opts {
	const char *registrar;
	const char *echo;
	const char *echoserver;
	const char *pool;
	const char *policy;
	const char *inflight;
	long long pes;
	long long assocs;
	long long reginflight;
	long long duration;
	long long timeout;
	long long hritems;
	long long echosize;
	int echobatch;
	long long rsspid;
	long long life;
	int hold;
	int resolveonly;
	long long idbase;
	const char *pelisten;
};

static const struct opt bench_opts[] = {
    {"registrar", OPT_STR, "ADDR:PORT", OPT_HELP("registrar to load"), NULL, 0,
        0, offsetof(struct bench_opts, registrar)},
    {"echo", OPT_STR, "ADDR:PORT",
        OPT_HELP(
            "also measure an echo server (-echoserver) with the same loop"),
        NULL, 0, 0, offsetof(struct bench_opts, echo)},
    {"echoserver", OPT_STR, "ADDR:PORT",
        OPT_HELP(
            "be the echo server (port 0: any, printed); runs until SIGTERM"),
        NULL, 0, 0, offsetof(struct bench_opts, echoserver)},
    {"pool", OPT_STR, "HANDLE", OPT_HELP("pool handle"), "BenchPool", 0, 0,
        offsetof(struct bench_opts, pool)},
    {"policy", OPT_STR, "NAME", OPT_HELP("pool policy (RSPLIB name)"),
        "RoundRobin", 0, 0, offsetof(struct bench_opts, policy)},
    {"inflight", OPT_STR, "N[,N...]",
        OPT_HELP("resolutions in flight; one phase per value"), "1,16,64", 0, 0,
        offsetof(struct bench_opts, inflight)},
    {"pes", OPT_INT, "N", OPT_HELP("PEs to register (unique IDs)"), "100", 0,
        10000000, offsetof(struct bench_opts, pes)},
    {"assocs", OPT_INT, "N", OPT_HELP("associations the PEs register over"),
        "1", 1, MAX_ASSOCS, offsetof(struct bench_opts, assocs)},
    {"reginflight", OPT_INT, "N",
        OPT_HELP("registrations in flight per association"), "16", 1,
        MAX_INFLIGHT, offsetof(struct bench_opts, reginflight)},
    {"duration", OPT_INT, "MS", OPT_HELP("length of each resolution phase"),
        "5000", 1, 3600000, offsetof(struct bench_opts, duration)},
    {"timeout", OPT_INT, "MS", OPT_HELP("fail when an answer takes longer"),
        "10000", 1, 3600000, offsetof(struct bench_opts, timeout)},
    {"hritems", OPT_INT, "N",
        OPT_HELP("handle resolution option: PEs wanted (0: not sent)"), "0", 0,
        255, offsetof(struct bench_opts, hritems)},
    {"echosize", OPT_INT, "BYTES",
        OPT_HELP("echo message size (0: the registrar's answer size)"), "0", 0,
        TR_TCP_MSG_MAX, offsetof(struct bench_opts, echosize)},
    {"echobatch", OPT_FLAG, NULL,
        OPT_HELP(
            "echo server: bundle the echoes of one batch of requests (rsp's "
            "send batching; default: one send per echo, a trivial server)"),
        NULL, 0, 0, offsetof(struct bench_opts, echobatch)},
    {"rsspid", OPT_INT, "PID",
        OPT_HELP("registrar process: report its VmRSS growth per PE"), "0", 0,
        0x7fffffff, offsetof(struct bench_opts, rsspid)},
    {"life", OPT_INT, "MS", OPT_HELP("registration life of the PEs"), "3600000",
        1, 0xffffffffLL, offsetof(struct bench_opts, life)},
    {"hold", OPT_FLAG, NULL,
        OPT_HELP(
            "register, then no resolution phase: keep the PEs (answering "
            "keep-alives) until SIGTERM; a lost association is reported, not "
            "fatal"),
        NULL, 0, 0, offsetof(struct bench_opts, hold)},
    {"resolveonly", OPT_FLAG, NULL,
        OPT_HELP(
            "register nothing: the pool's PEs are -idbase..+pes-1, held by "
            "another run (-hold)"),
        NULL, 0, 0, offsetof(struct bench_opts, resolveonly)},
    {"idbase", OPT_INT, "ID", OPT_HELP("first PE ID (0: random)"), "0", 0,
        0xfffffff0LL, offsetof(struct bench_opts, idbase)},
    {"pelisten", OPT_STR, "ADDR:PORT",
        OPT_HELP("listen here (port 0: any, printed); the PEs offer it as "
                 "their user "
                 "transport and keep-alives arriving on it are answered"),
        NULL, 0, 0, offsetof(struct bench_opts, pelisten)},
    OPT_END,
};

/* One association and the send times of its outstanding requests,
 * oldest first (answers come in order on one stream). */
struct conn {
	struct tr_ep *ep;
	uint32_t assoc;
	int up;
	uint32_t next_pe; /* registration: index of the next PE to send */
	uint64_t sent_ns[MAX_INFLIGHT];
	unsigned head, count;
	/* Our addresses, for the PE's user transport (RSPLIB drops the
	 * loopback ones: it needs another, see bench/guest.sh). */
	struct rsp_addr local[8];
	uint16_t nlocal, local_port;
};

enum phase { PH_CONNECT, PH_REGISTER, PH_RESOLVE, PH_ECHO, PH_HOLD, PH_DONE };

struct bench {
	struct bench_opts o;
	struct ev_loop *loop;
	int kind;
	int status;
	enum phase phase;
	struct rsp_handle handle;
	uint32_t policy;
	uint32_t id_base;
	struct tr_ep *pu_ep, *echo_ep; /* NULL: no such phase */
	struct conn regc[MAX_ASSOCS];
	int nregc;
	struct conn pu, echo;
	int inflight[MAX_PHASES];
	int ninflight, cur; /* current inflight index */
	uint8_t *acked;     /* one byte per PE */
	uint32_t nacked;
	uint64_t t0_ns, deadline_ns, last_answer_ns;
	uint64_t *lat;
	size_t nlat, caplat, counted;
	uint8_t hr[256];
	size_t hrlen, resp_size;
	uint8_t *echomsg;
	size_t echolen;
	int echo_check;  /* echomsg is a registrar answer: check each copy */
	uint8_t *sample; /* the longest answer of the registrar */
	long long rss_before;
	uint64_t kas;
	/* -pelisten: the listening endpoint, its address, and the PEs that
	 * were sent a Keep-Alive with the H flag there (acked[i] bit 2). */
	struct tr_ep *pe_ep;
	struct rsp_addr pe_addr;
	uint16_t pe_port;
	uint32_t nrehomed;
	uint64_t kas_h, rehome_first_ms, rehome_last_ms;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wall clock in ms, to compare with other processes' log stamps. */
static uint64_t
realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void bench_fail(struct bench *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bench_fail(struct bench *b, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "asap_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	b->status = 1;
	b->phase = PH_DONE;
	ev_stop(b->loop);
}

static long long
vmrss_kb(long long pid)
{
	char path[64], line[256];
	long long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%lld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- sending ---- */

static int
send_msg_on(
    struct bench *b, struct tr_ep *ep, uint32_t assoc, const struct rsp_msg *m)
{
	uint8_t mem[1024];
	struct wbuf w;

	wbuf_init(&w, mem, sizeof(mem));
	if (rsp_msg_encode(m, &w) == -1 || wbuf_error(&w)) {
		bench_fail(b, "encode %s: %s",
		    rsp_msg_name(RSP_PROTO_ASAP, m->type), strerror(errno));
		return -1;
	}
	if (tr_send(ep, assoc, RSP_PPID_ASAP, 0, w.data, w.len) == -1) {
		bench_fail(b, "send on assoc %u: %s", assoc, strerror(errno));
		return -1;
	}
	return 0;
}

static int
send_msg(struct bench *b, struct conn *c, const struct rsp_msg *m)
{
	return send_msg_on(b, c->ep, c->assoc, m);
}

static int
send_raw(struct bench *b, struct conn *c, const void *p, size_t n)
{
	if (c->count >= MAX_INFLIGHT) {
		bench_fail(b, "too many requests in flight");
		return -1;
	}
	if (tr_send(c->ep, c->assoc, RSP_PPID_ASAP, 0, p, n) == -1) {
		bench_fail(
		    b, "send on assoc %u: %s", c->assoc, strerror(errno));
		return -1;
	}
	c->sent_ns[(c->head + c->count++) % MAX_INFLIGHT] = now_ns();
	return 0;
}

/* Latency of the oldest outstanding request of c, in ns. */
static uint64_t
pop_latency(struct conn *c, uint64_t now)
{
	uint64_t t = c->sent_ns[c->head];

	c->head = (c->head + 1) % MAX_INFLIGHT;
	c->count--;
	return now - t;
}

static void
record(struct bench *b, uint64_t lat)
{
	uint64_t *n;

	if (b->nlat == b->caplat) {
		b->caplat = b->caplat ? 2 * b->caplat : 65536;
		if ((n = realloc(b->lat, b->caplat * sizeof(*n))) == NULL) {
			bench_fail(b, "out of memory");
			return;
		}
		b->lat = n;
	}
	b->lat[b->nlat++] = lat;
}

/* ---- registration ---- */

static uint32_t
pe_load(uint32_t i)
{
	return (i * 2654435761u) % 0x1000000u;
}

static int
send_registration(struct bench *b, struct conn *c)
{
	struct rsp_msg m;
	struct rsp_pe pe;
	uint32_t i = c->next_pe;

	memset(&pe, 0, sizeof(pe));
	pe.id = b->id_base + i;
	pe.life = (uint32_t)b->o.life;
	pe.user.ptype = tr_param_for_kind(b->kind);
	pe.user.port = c->local_port;
	pe.user.use = RSP_TRANSPORT_DATA_ONLY;
	pe.user.naddrs = c->nlocal;
	pe.user.addrs = c->local;
	if (b->pe_ep != NULL) {
		pe.user.port = b->pe_port;
		pe.user.naddrs = 1;
		pe.user.addrs = &b->pe_addr;
	}
	pe.policy.type = b->policy;
	pe.policy.nvalues = (uint8_t)rsp_policy_nvalues(b->policy);
	if (pe.policy.nvalues > 0 && b->policy != RSP_POLICY_RR)
		pe.policy.v[0] = pe_load(i);
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_REGISTRATION);
	m.present = RSP_HAS_HANDLE;
	m.handle = b->handle;
	m.npes = 1;
	m.pes = &pe;
	if (send_msg(b, c, &m) == -1)
		return -1;
	c->sent_ns[(c->head + c->count++) % MAX_INFLIGHT] = now_ns();
	c->next_pe += (uint32_t)b->nregc;
	return 0;
}

static void
fill_registrations(struct bench *b, struct conn *c)
{
	while (b->phase == PH_REGISTER && c->count < b->o.reginflight &&
	       c->next_pe < (uint32_t)b->o.pes)
		if (send_registration(b, c) == -1)
			return;
}

static void start_resolve(struct bench *b);

static void
register_done(struct bench *b)
{
	double s = (double)(now_ns() - b->t0_ns) / 1e9;
	long long rss;

	printf("phase=register pes=%lld assocs=%d inflight=%lld seconds=%.3f "
	       "rate=%.1f",
	    b->o.pes, b->nregc, b->o.reginflight, s,
	    s > 0 ? (double)b->o.pes / s : 0.0);
	if (b->o.rsspid > 0) {
		rss = vmrss_kb(b->o.rsspid);
		printf(
		    " rss_before_kb=%lld rss_after_kb=%lld bytes_per_pe=%.1f",
		    b->rss_before, rss,
		    b->o.pes > 0 ? (double)(rss - b->rss_before) * 1024.0 /
		                       (double)b->o.pes
		                 : 0.0);
	}
	printf("\n");
	start_resolve(b);
}

static void
on_reg_response(struct bench *b, struct conn *c, const struct rsp_msg *m)
{
	uint32_t i = m->pe_id - b->id_base;

	if (c->count == 0) {
		bench_fail(b, "registration response nobody asked for");
		return;
	}
	pop_latency(c, now_ns());
	if ((m->flags & ASAP_FLAG_R) || (m->present & RSP_HAS_ERROR)) {
		bench_fail(b, "registration of PE $%08x refused: %s", m->pe_id,
		    (m->present & RSP_HAS_ERROR) && m->error.ncauses
		        ? rsp_cause_name(m->error.causes[0].code)
		        : "R flag");
		return;
	}
	if (!(m->present & RSP_HAS_HANDLE) || m->handle.len != b->handle.len ||
	    memcmp(m->handle.bytes, b->handle.bytes, b->handle.len) != 0) {
		bench_fail(b, "registration response for another pool");
		return;
	}
	if (!(m->present & RSP_HAS_PE_ID) || i >= (uint32_t)b->o.pes ||
	    b->acked[i]) {
		bench_fail(b, "registration response for PE $%08x: unexpected",
		    m->pe_id);
		return;
	}
	b->acked[i] = 1;
	if (++b->nacked == (uint32_t)b->o.pes) {
		register_done(b);
		return;
	}
	fill_registrations(b, c);
}

static void
ack_keepalive(
    struct bench *b, struct tr_ep *ep, uint32_t assoc, const struct rsp_msg *m)
{
	struct rsp_msg a;

	rsp_msg_init(&a, RSP_PROTO_ASAP, ASAP_ENDPOINT_KEEP_ALIVE_ACK);
	a.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
	a.handle = (m->present & RSP_HAS_HANDLE) ? m->handle : b->handle;
	a.pe_id = m->pe_id;
	if (!(m->present & RSP_HAS_PE_ID))
		return; /* nothing to acknowledge */
	b->kas++;
	send_msg_on(b, ep, assoc, &a);
}

static void
on_keepalive(struct bench *b, struct conn *c, const struct rsp_msg *m)
{
	ack_keepalive(b, c->ep, c->assoc, m);
}

static void
on_reg_msg(struct bench *b, struct conn *c, const struct tr_event *ev)
{
	struct rsp_decode_error err;
	struct rsp_msg m;
	char s[160];

	if (rsp_msg_decode(RSP_PROTO_ASAP, ev->data, ev->len, &m, &err) == -1) {
		rsp_decode_error_str(&err, s, sizeof(s));
		bench_fail(b, "undecodable message from the registrar: %s", s);
		return;
	}
	switch (m.type) {
	case ASAP_REGISTRATION_RESPONSE:
		on_reg_response(b, c, &m);
		break;
	case ASAP_ENDPOINT_KEEP_ALIVE:
		on_keepalive(b, c, &m);
		break;
	default:
		bench_fail(b, "unexpected %s on a PE association%s%s",
		    rsp_msg_name(RSP_PROTO_ASAP, m.type),
		    (m.present & RSP_HAS_ERROR) && m.error.ncauses ? ": " : "",
		    (m.present & RSP_HAS_ERROR) && m.error.ncauses
		        ? rsp_cause_name(m.error.causes[0].code)
		        : "");
		break;
	}
	rsp_msg_free(&m);
}

/* ---- resolution and echo loops ---- */

static void start_echo(struct bench *b);

static int
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, c = *(const uint64_t *)y;

	return a < c ? -1 : a > c;
}

/* Nearest-rank percentile of the sorted latencies, in microseconds. */
static double
pct_us(const struct bench *b, double p)
{
	size_t i;

	if (b->nlat == 0)
		return 0.0;
	i = (size_t)(p / 100.0 * (double)b->nlat + 0.999999);
	if (i < 1)
		i = 1;
	if (i > b->nlat)
		i = b->nlat;
	return (double)b->lat[i - 1] / 1000.0;
}

static void
print_phase(struct bench *b, const char *name, size_t size)
{
	double s = (double)b->o.duration / 1000.0;

	qsort(b->lat, b->nlat, sizeof(*b->lat), cmp_u64);
	printf("phase=%s inflight=%d size=%zu seconds=%.3f count=%zu "
	       "rate=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f\n",
	    name, b->inflight[b->cur], size, s, b->counted,
	    (double)b->counted / s, pct_us(b, 50), pct_us(b, 90), pct_us(b, 99),
	    pct_us(b, 100));
}

static void
finish(struct bench *b)
{
	if (b->o.hold) {
		printf("phase=hold pes=%lld\n", b->o.pes);
		b->phase = PH_HOLD;
		return;
	}
	printf("keepalives answered=%llu\n", (unsigned long long)b->kas);
	b->phase = PH_DONE;
	ev_stop(b->loop);
}

/* Send the next request of the running loop on c. */
static int
loop_send(struct bench *b, struct conn *c)
{
	if (b->phase == PH_ECHO)
		return send_raw(b, c, b->echomsg, b->echolen);
	return send_raw(b, c, b->hr, b->hrlen);
}

static void
loop_begin(struct bench *b, struct conn *c)
{
	int i;

	b->nlat = b->counted = 0;
	b->t0_ns = b->last_answer_ns = now_ns();
	b->deadline_ns = b->t0_ns + (uint64_t)b->o.duration * 1000000u;
	for (i = 0; i < b->inflight[b->cur] && b->phase != PH_DONE; i++)
		loop_send(b, c);
}

/* One answer of the running loop arrived (already checked). */
static void
loop_answer(struct bench *b, struct conn *c)
{
	uint64_t now = now_ns(), lat = pop_latency(c, now);

	b->last_answer_ns = now;
	if (now <= b->deadline_ns) {
		record(b, lat);
		b->counted++;
		loop_send(b, c);
		return;
	}
	if (c->count > 0)
		return; /* draining */
	if (b->phase == PH_RESOLVE) {
		print_phase(b, "resolve", b->resp_size);
		if (++b->cur < b->ninflight)
			loop_begin(b, c);
		else
			start_echo(b);
	} else {
		print_phase(b, "echo", b->echolen);
		if (++b->cur < b->ninflight)
			loop_begin(b, c);
		else
			finish(b);
	}
}

static int
same_handle(const struct bench *b, const struct rsp_msg *m)
{
	return (m->present & RSP_HAS_HANDLE) &&
	       m->handle.len == b->handle.len &&
	       memcmp(m->handle.bytes, b->handle.bytes, b->handle.len) == 0;
}

/* NULL if m is a right answer to our handle resolution, else why not. */
static const char *
check_hr(const struct bench *b, const struct rsp_msg *m)
{
	uint32_t i;
	int k;

	if (m->type != ASAP_HANDLE_RESOLUTION_RESPONSE)
		return rsp_msg_name(RSP_PROTO_ASAP, m->type);
	if (m->present & RSP_HAS_ERROR)
		return m->error.ncauses
		           ? rsp_cause_name(m->error.causes[0].code)
		           : "empty error parameter";
	if (!same_handle(b, m))
		return "answer for another pool";
	if (m->npes == 0)
		return "no PE";
	if (b->o.hritems > 0 && m->npes > b->o.hritems)
		return "more PEs than asked for";
	if ((m->present & RSP_HAS_POLICY) && m->policy.type != b->policy)
		return "policy differs";
	for (k = 0; k < m->npes; k++) {
		i = m->pes[k].id - b->id_base;
		if (i >= (uint32_t)b->o.pes || !b->acked[i])
			return "a PE we did not register";
	}
	return NULL;
}

/* Decode and check a handle resolution answer; 0, or -1 after
 * bench_fail.  The echo loop runs it too, on its copies of an answer,
 * so that the generator does the same work per answer in both loops. */
static int
take_hr_answer(struct bench *b, const uint8_t *data, size_t len)
{
	struct rsp_decode_error err;
	struct rsp_msg m;
	const char *why;
	char s[160];

	if (rsp_msg_decode(RSP_PROTO_ASAP, data, len, &m, &err) == -1) {
		rsp_decode_error_str(&err, s, sizeof(s));
		bench_fail(b, "undecodable handle resolution response: %s", s);
		return -1;
	}
	why = check_hr(b, &m);
	rsp_msg_free(&m);
	if (why != NULL) {
		bench_fail(b,
		    "wrong handle resolution answer: %s (rsp registrar: "
		    "-maxhrrate=0 lifts its rate limit)",
		    why);
		return -1;
	}
	return 0;
}

/* Keep the longest answer: the echo loop's message. */
static void
keep_sample(struct bench *b, const uint8_t *data, size_t len)
{
	uint8_t *n;

	if (len <= b->resp_size)
		return;
	if ((n = realloc(b->sample, len)) == NULL) {
		bench_fail(b, "out of memory");
		return;
	}
	memcpy(n, data, len);
	b->sample = n;
	b->resp_size = len;
}

static void
on_hr_msg(struct bench *b, const struct tr_event *ev)
{
	if (b->phase != PH_RESOLVE || b->pu.count == 0) {
		bench_fail(b, "message nobody asked for on the PU association");
		return;
	}
	if (take_hr_answer(b, ev->data, ev->len) == -1)
		return;
	keep_sample(b, ev->data, ev->len);
	loop_answer(b, &b->pu);
}

static void
on_echo_msg(struct bench *b, const struct tr_event *ev)
{
	if (b->phase != PH_ECHO || b->echo.count == 0) {
		bench_fail(
		    b, "message nobody asked for on the echo association");
		return;
	}
	if (ev->len != b->echolen || memcmp(ev->data, b->echomsg, ev->len)) {
		bench_fail(b, "echo answer differs from the request");
		return;
	}
	if (b->echo_check && take_hr_answer(b, ev->data, ev->len) == -1)
		return;
	loop_answer(b, &b->echo);
}

static void
start_resolve(struct bench *b)
{
	if (b->pu_ep == NULL) {
		start_echo(b);
		return;
	}
	b->phase = PH_RESOLVE;
	b->cur = 0;
	loop_begin(b, &b->pu);
}

static void
start_echo(struct bench *b)
{
	size_t n;

	if (b->echo_ep == NULL) {
		finish(b);
		return;
	}
	/* The registrar's answer itself when there is one: the echo
	 * server sends it back and the generator checks it as an answer. */
	b->echo_check = b->o.echosize == 0 && b->sample != NULL;
	n = b->o.echosize   ? (size_t)b->o.echosize
	    : b->echo_check ? b->resp_size
	                    : b->hrlen;
	if (n < b->hrlen && !b->echo_check)
		n = b->hrlen;
	if ((b->echomsg = calloc(1, n)) == NULL) {
		bench_fail(b, "out of memory");
		return;
	}
	if (b->echo_check)
		memcpy(b->echomsg, b->sample, n);
	else
		memcpy(b->echomsg, b->hr, b->hrlen);
	b->echolen = n;
	b->phase = PH_ECHO;
	b->cur = 0;
	loop_begin(b, &b->echo);
}

/* ---- associations ---- */

static struct conn *
find_conn(struct bench *b, struct tr_ep *ep, uint32_t assoc)
{
	int i;

	if (ep == b->pu_ep && b->pu.assoc == assoc)
		return &b->pu;
	if (ep == b->echo_ep && b->echo.assoc == assoc)
		return &b->echo;
	for (i = 0; i < b->nregc; i++)
		if (ep == b->regc[i].ep && b->regc[i].assoc == assoc)
			return &b->regc[i];
	return NULL;
}

static int
all_up(const struct bench *b)
{
	int i;

	for (i = 0; i < b->nregc; i++)
		if (!b->regc[i].up)
			return 0;
	return (b->pu_ep == NULL || b->pu.up) &&
	       (b->echo_ep == NULL || b->echo.up);
}

static void
start_register(struct bench *b)
{
	int i;

	b->phase = PH_REGISTER;
	if (b->o.rsspid > 0 && (b->rss_before = vmrss_kb(b->o.rsspid)) < 0) {
		bench_fail(b, "no VmRSS for pid %lld", b->o.rsspid);
		return;
	}
	b->t0_ns = now_ns();
	if (b->o.resolveonly) {
		start_resolve(b);
		return;
	}
	if (b->o.pes == 0 || b->nregc == 0) {
		register_done(b);
		return;
	}
	for (i = 0; i < b->nregc; i++)
		fill_registrations(b, &b->regc[i]);
}

static int
conn_up(struct bench *b, struct conn *c)
{
	struct addr_list al;
	int i;

	c->up = 1;
	if (tr_local_addrs(c->ep, c->assoc, &al) == -1) {
		bench_fail(b, "local address of assoc %u: %s", c->assoc,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < al.n && c->nlocal < 8; i++)
		if (addr_to_rsp(
		        (struct sockaddr *)&al.a[i], &c->local[c->nlocal]) == 0)
			c->nlocal++;
	if (c->nlocal == 0) {
		bench_fail(b, "no local address on assoc %u", c->assoc);
		return -1;
	}
	c->local_port =
	    al.port ? al.port : addr_port((struct sockaddr *)&al.a[0]);
	return 0;
}

static void
on_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct bench *b = arg;
	struct conn *c = find_conn(b, ep, ev->assoc);

	if (b->phase == PH_DONE || c == NULL)
		return;
	switch (ev->type) {
	case TR_EV_UP:
		if (conn_up(b, c) == 0 && b->phase == PH_CONNECT && all_up(b))
			start_register(b);
		return;
	case TR_EV_MSG:
		if (ep != b->pu_ep && ep != b->echo_ep)
			on_reg_msg(b, c, ev);
		else if (ep == b->pu_ep)
			on_hr_msg(b, ev);
		else
			on_echo_msg(b, ev);
		return;
	case TR_EV_RESTART:
		return;
	default:
		if (b->phase == PH_HOLD) {
			fprintf(stderr, "asap_bench: assoc %u: %s (holding)\n",
			    ev->assoc, tr_event_name(ev->type));
			c->up = 0;
			return;
		}
		bench_fail(b, "assoc %u: %s%s%s", ev->assoc,
		    tr_event_name(ev->type), ev->error ? ": " : "",
		    ev->error ? strerror(ev->error) : "");
		return;
	}
}

static int64_t
watchdog(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct bench *b = arg;
	uint64_t now = now_ns(), limit = (uint64_t)b->o.timeout * 1000000u;
	int i;

	(void)loop, (void)id;
	if (b->phase == PH_CONNECT && now - b->t0_ns > limit) {
		bench_fail(
		    b, "associations not up within %lld ms", b->o.timeout);
		return EV_NOMORE;
	}
	for (i = 0; i < b->nregc; i++)
		if (b->regc[i].count > 0 &&
		    now - b->regc[i].sent_ns[b->regc[i].head] > limit)
			bench_fail(b, "no registration response within %lld ms",
			    b->o.timeout);
	if ((b->pu.count > 0 && now - b->pu.sent_ns[b->pu.head] > limit) ||
	    (b->echo.count > 0 && now - b->echo.sent_ns[b->echo.head] > limit))
		bench_fail(b, "no answer within %lld ms", b->o.timeout);
	return b->phase == PH_DONE ? EV_NOMORE : 200;
}

static struct tr_ep *
open_conn(struct bench *b, const char *peer, struct conn *c)
{
	struct addr_list al;
	char err[ADDR_ERR_LEN];

	if (addr_list_parse(
	        &al, peer, 0, ADDR_PORT_REQUIRED, err, sizeof(err)) == -1) {
		fprintf(stderr, "asap_bench: %s\n", err);
		exit(2);
	}
	/* TR_SECURE: TLS in the TLS build with -tlskeyfile (bench/tls.sh) */
	if (c->ep == NULL && (c->ep = tr_ep_new(b->loop, b->kind, NULL,
	                          TR_SECURE, on_event, b)) == NULL) {
		fprintf(stderr, "asap_bench: endpoint: %s\n", strerror(errno));
		exit(1);
	}
	if (tr_connect(c->ep, &al, &c->assoc) == -1) {
		fprintf(stderr, "asap_bench: connect to %s: %s\n", peer,
		    strerror(errno));
		exit(1);
	}
	return c->ep;
}

/* ---- -pelisten: the PEs' user transport ---- */

/* A Keep-Alive on an association a registrar opened to our PEs: acked;
 * with the H flag (a new home, e.g. after a takeover) the PE counts as
 * re-homed, and the last one prints the phase=rehome line. */
static void
on_pe_keepalive(
    struct bench *b, struct tr_ep *ep, uint32_t assoc, const struct rsp_msg *m)
{
	uint32_t i = m->pe_id - b->id_base;
	uint64_t now;

	ack_keepalive(b, ep, assoc, m);
	if (!(m->flags & ASAP_FLAG_H))
		return;
	b->kas_h++;
	if (!(m->present & RSP_HAS_PE_ID) || !same_handle(b, m) ||
	    i >= (uint32_t)b->o.pes || (b->acked[i] & 2))
		return;
	b->acked[i] |= 2;
	now = realtime_ms();
	if (b->nrehomed++ == 0)
		b->rehome_first_ms = now;
	b->rehome_last_ms = now;
	if (b->nrehomed == (uint32_t)b->o.pes)
		printf("phase=rehome pes=%u first_ms=%llu last_ms=%llu\n",
		    b->nrehomed, (unsigned long long)b->rehome_first_ms,
		    (unsigned long long)b->rehome_last_ms);
}

static void
on_pe_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct rsp_decode_error err;
	struct bench *b = arg;
	struct rsp_msg m;
	char s[160];

	if (ev->type != TR_EV_MSG || b->phase == PH_DONE)
		return;
	if (rsp_msg_decode(RSP_PROTO_ASAP, ev->data, ev->len, &m, &err) == -1) {
		rsp_decode_error_str(&err, s, sizeof(s));
		fprintf(stderr, "asap_bench: -pelisten: undecodable: %s\n", s);
		return;
	}
	if (m.type == ASAP_ENDPOINT_KEEP_ALIVE)
		on_pe_keepalive(b, ep, ev->assoc, &m);
	else
		fprintf(stderr, "asap_bench: -pelisten: %s ignored\n",
		    rsp_msg_name(RSP_PROTO_ASAP, m.type));
	rsp_msg_free(&m);
}

static void
pe_listen(struct bench *b)
{
	char err[ADDR_ERR_LEN], buf[ADDR_FMT_LEN * 4];
	struct addr_list al, local;

	if (addr_list_parse(&al, b->o.pelisten, 0,
	        ADDR_PORT_REQUIRED | ADDR_PORT_ZERO_OK, err,
	        sizeof(err)) == -1) {
		fprintf(stderr, "asap_bench: -pelisten: %s\n", err);
		exit(2);
	}
	if ((b->pe_ep = tr_ep_new(
	         b->loop, b->kind, &al, TR_LISTEN, on_pe_event, b)) == NULL ||
	    tr_local_addrs(b->pe_ep, 0, &local) == -1 || local.n == 0 ||
	    addr_to_rsp((struct sockaddr *)&local.a[0], &b->pe_addr) == -1) {
		fprintf(stderr, "asap_bench: cannot listen on %s: %s\n",
		    b->o.pelisten, strerror(errno));
		exit(1);
	}
	b->pe_port =
	    local.port ? local.port : addr_port((struct sockaddr *)&local.a[0]);
	printf("pelisten listening on %s (%s)\n",
	    addr_list_fmt(&local, buf, sizeof(buf)), tr_kind_name(b->kind));
}

/* -hold, at SIGTERM: what the PEs saw while held. */
static void
hold_summary(const struct bench *b)
{
	printf("keepalives answered=%llu\n", (unsigned long long)b->kas);
	if (b->pe_ep != NULL)
		printf("pelisten rehomed=%u pes=%lld keepalives_h=%llu "
		       "first_ms=%llu last_ms=%llu\n",
		    b->nrehomed, b->o.pes, (unsigned long long)b->kas_h,
		    (unsigned long long)b->rehome_first_ms,
		    (unsigned long long)b->rehome_last_ms);
}

/* ---- echo server ---- */

static void
on_echo_server(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == TR_EV_MSG && tr_send(ep, ev->assoc, ev->ppid,
	                                 ev->stream, ev->data, ev->len) == -1)
		log_warning("asap_bench: echo on assoc %u: %s", ev->assoc,
		    strerror(errno));
}

static void
on_signal(struct ev_loop *loop, int signo, void *arg)
{
	(void)signo, (void)arg;
	ev_stop(loop);
}

static int
echo_server(struct bench *b)
{
	char err[ADDR_ERR_LEN], buf[ADDR_FMT_LEN * 4];
	struct addr_list al, local;
	struct tr_ep *ep;

	if (addr_list_parse(&al, b->o.echoserver, 0,
	        ADDR_PORT_REQUIRED | ADDR_PORT_ZERO_OK | ADDR_AUTO_OK, err,
	        sizeof(err)) == -1) {
		fprintf(stderr, "asap_bench: %s\n", err);
		return 2;
	}
	if ((ep = tr_ep_new(b->loop, b->kind, &al,
	         TR_LISTEN | (b->o.echobatch ? 0 : TR_NO_BATCH), on_echo_server,
	         b)) == NULL) {
		fprintf(stderr, "asap_bench: cannot listen on %s: %s\n",
		    b->o.echoserver, strerror(errno));
		return 1;
	}
	tr_local_addrs(ep, 0, &local);
	printf("echo listening on %s (%s)\n",
	    addr_list_fmt(&local, buf, sizeof(buf)), tr_kind_name(b->kind));
	ev_add_signal(b->loop, SIGINT, on_signal, b);
	ev_add_signal(b->loop, SIGTERM, on_signal, b);
	ev_run(b->loop);
	tr_ep_free(ep);
	return 0;
}

/* ---- setup ---- */

static void
usage_error(const char *msg)
{
	fprintf(stderr, "asap_bench: %s\n", msg);
	exit(2);
}

static void
parse_inflight(struct bench *b)
{
	const char *p = b->o.inflight;
	char *end;
	long v;

	while (*p) {
		v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > MAX_INFLIGHT ||
		    b->ninflight == MAX_PHASES || (*end && *end != ','))
			usage_error("-inflight: a comma list of 1..4096, at "
			            "most 8 values");
		b->inflight[b->ninflight++] = (int)v;
		p = *end ? end + 1 : end;
	}
	if (b->ninflight == 0)
		usage_error("-inflight: empty");
}

static void
setup(struct bench *b, int argc, char **argv)
{
	const struct opt_set sets[] = {{bench_opts, &b->o},
	    {tr_opts, &tr_config}, {log_opts, &log_config}};
	const struct rsp_policy_info *pi;
	char err[ADDR_ERR_LEN];
	size_t n;

	opt_parse_or_exit("asap_bench",
	    "-registrar=ADDR:PORT [-echo=ADDR:PORT] | -echoserver=ADDR:PORT",
	    argc, argv, sets, 3);
	if (!b->o.registrar && !b->o.echo && !b->o.echoserver)
		usage_error("give -registrar, -echo or -echoserver");
	if (b->o.echoserver && (b->o.registrar || b->o.echo))
		usage_error("-echoserver goes alone");
	if ((n = strlen(b->o.pool)) == 0 || n > RSP_HANDLE_MAX)
		usage_error("-pool: 1 to 32 bytes");
	b->handle.len = (uint8_t)n;
	memcpy(b->handle.bytes, b->o.pool, n);
	if ((pi = rsp_policy_lookup(b->o.policy)) == NULL || pi->nvalues < 0)
		usage_error("-policy: unknown policy");
	b->policy = pi->type;
	parse_inflight(b);
	if ((b->o.hold || b->o.resolveonly || b->o.pelisten) && !b->o.registrar)
		usage_error(
		    "-hold, -resolveonly and -pelisten need -registrar");
	if (b->o.resolveonly && (b->o.hold || b->o.pelisten || !b->o.idbase))
		usage_error("-resolveonly: with -idbase, without -hold and "
		            "-pelisten");
	if (b->o.hold && b->o.pes == 0)
		usage_error("-hold: -pes=0");
	if (b->o.idbase && b->o.idbase + b->o.pes > 0xffffffffLL)
		usage_error("-idbase: the IDs run past 0xffffffff");
	if (log_setup("asap_bench") == -1)
		exit(1);
	b->kind = tr_resolve(tr_config.kind);
	if (tr_tls_setup(err, sizeof(err)) == -1)
		usage_error(err);
}

/* The handle resolution request, encoded once. */
static void
build_hr(struct bench *b)
{
	struct rsp_msg m;
	struct wbuf w;

	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION);
	m.present = RSP_HAS_HANDLE;
	m.handle = b->handle;
	if (b->o.hritems > 0) {
		m.present |= RSP_HAS_HR_OPTION;
		m.hr_items = (uint32_t)b->o.hritems;
	}
	wbuf_init(&w, b->hr, sizeof(b->hr));
	if (rsp_msg_encode(&m, &w) == -1 || wbuf_error(&w)) {
		fprintf(stderr, "asap_bench: encode: %s\n", strerror(errno));
		exit(1);
	}
	b->hrlen = w.len;
}

int
main(int argc, char **argv)
{
	struct bench *b;
	int i, status;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	setup(b, argc, argv);
	if ((b->loop = ev_loop_new()) == NULL) {
		fprintf(
		    stderr, "asap_bench: event loop: %s\n", strerror(errno));
		return 1;
	}
	if (b->o.echoserver)
		return echo_server(b);
	build_hr(b);
	if (b->o.registrar) {
		if ((b->acked = calloc((size_t)b->o.pes + 1, 1)) == NULL)
			return 1;
		b->id_base =
		    b->o.idbase
		        ? (uint32_t)b->o.idbase
		        : 1 + rand_uniform(0xfffffff0u - (uint32_t)b->o.pes);
		b->nregc = b->o.pes > 0 ? (int)b->o.assocs : 0;
		if (b->o.resolveonly) {
			memset(b->acked, 1, (size_t)b->o.pes);
			b->nregc = 0;
		}
		if (b->o.pelisten)
			pe_listen(b);
		for (i = 0; i < b->nregc; i++) {
			/* An endpoint each: SCTP carries one association
			 * per pair of endpoints. */
			open_conn(b, b->o.registrar, &b->regc[i]);
			b->regc[i].next_pe = (uint32_t)i;
		}
		if (!b->o.hold)
			b->pu_ep = open_conn(b, b->o.registrar, &b->pu);
	}
	if (b->o.echo)
		b->echo_ep = open_conn(b, b->o.echo, &b->echo);
	printf("bench transport=%s registrar=%s echo=%s pool=%s policy=%s "
	       "pes=%lld assocs=%d\n",
	    tr_kind_name(b->kind), b->o.registrar ? b->o.registrar : "-",
	    b->o.echo ? b->o.echo : "-", b->o.pool,
	    rsp_policy_lookup(b->o.policy)->rsplib, b->o.pes, b->nregc);
	b->t0_ns = now_ns();
	if (ev_timer_add(b->loop, 200, watchdog, b) == EV_TIMER_NONE)
		return 1;
	if (b->o.hold) {
		ev_add_signal(b->loop, SIGINT, on_signal, b);
		ev_add_signal(b->loop, SIGTERM, on_signal, b);
	}
	if (ev_run(b->loop) == -1)
		bench_fail(b, "event loop: %s", strerror(errno));
	status = b->status;
	if (b->o.hold && status == 0)
		hold_summary(b);
	for (i = 0; i < b->nregc; i++)
		if (b->regc[i].ep)
			tr_ep_free(b->regc[i].ep);
	if (b->pu_ep)
		tr_ep_free(b->pu_ep);
	if (b->echo_ep)
		tr_ep_free(b->echo_ep);
	if (b->pe_ep)
		tr_ep_free(b->pe_ep);
	ev_loop_free(b->loop);
	free(b->lat);
	free(b->acked);
	free(b->echomsg);
	free(b->sample);
	free(b);
	return status;
}
