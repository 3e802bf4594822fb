/*
 * The library's registrar discovery and basic-mode pool user API
 * against real registrars (core/registrar/registrar.c) in the same loop, over the
 * TCP mapping on 127.0.0.1: the registrar table fed with Server
 * Announces (parsed here without multicast), failover to another
 * registrar on a request timeout, resolution reflecting the PEs' loads
 * (LeastUsed), the PU cache selecting by policy, failure reports,
 * business cards both ways, and the fd + process + timeout interface.
 * With kernel SCTP (the SCTP test guest) the live tests run again over
 * SCTP: hunt endpoint, peel-off and sessions on real associations.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/lib/internal.h"
#include "core/log.h"
#include "core/registrar/registrar.h"
#include "core/registrar/internal.h"
#include "core/transport/transport.h"
#include "handlespace/hs.h"
#include "include/rsp.h"
#include "proto/msg.h"
#include "proto/wire.h"
#include "regfix.h"
#include "testlib.h"

/* The transport of the live tests: the TCP mapping, then kernel SCTP
 * where there is one (the SCTP test guest). */
static int kind = TR_TCP;

static void
quiet_sink(int level, const char *msg, void *arg)
{
	(void)arg;
	if (getenv("RSP_TEST_LOG") != NULL)
		fprintf(stderr, "log %d: %s\n", level, msg);
}

/* Run the loop until *flag >= want or secs have passed. */
static int
run_until(struct ev_loop *loop, const int *flag, int want, int secs)
{
	time_t end = time(NULL) + secs;

	while (*flag < want && time(NULL) < end)
		ev_run_once(loop, 50);
	return *flag >= want;
}

static void
run_for(struct ev_loop *loop, int ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		ev_run_once(loop, 20);
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while (
	    (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 <
	    ms);
}

/* A real registrar on 127.0.0.1:0 over the TCP mapping. */
static struct registrar *
registrar_start(struct ev_loop *loop, const char *id, char *addr, size_t len)
{
	struct reg_config c = regfix_config(id);
	struct registrar *reg;
	char err[128];

	if (reg_config_check(&c, err, sizeof(err)) == -1 ||
	    (reg = reg_new(loop, &c)) == NULL || reg_listen(reg, kind) == -1)
		return NULL;
	snprintf(addr, len, "127.0.0.1:%u", reg->asap.port);
	return reg;
}

/* ---- registrar table: announces ---- */

static void
test_announce_table(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct sockaddr_storage g, from;
	struct lib_reg r;
	/* RSPLIB style: server ID only. */
	const uint8_t plain[] = {0x0a, 0, 0, 8, 0x12, 0x34, 0x56, 0x78};
	/* ours: a TCP transport parameter, port 3863, 127.0.0.2 */
	const uint8_t tcp[] = {0x0a, 0, 0, 0x18, 0x12, 0x34, 0xab, 0xcd, 0x00,
	    0x05, 0x00, 0x10, 0x0f, 0x17, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08,
	    0x7f, 0x00, 0x00, 0x02};
	const uint8_t hr[] = {0x05, 0, 0, 0x10, 0, 9, 0, 0x0c, 'E', 'c', 'h',
	    'o', 'P', 'o', 'o', 'l'};
	char buf[ADDR_FMT_LEN];
	int i;

	test_section("registrar table: static entries and announces");
	CHECK(lib_announce_parse(NULL, &g) == 0);
	CHECK(lib_announce_parse("off", &g) == 0);
	CHECK(lib_announce_parse("auto", &g) == 1 && g.ss_family == AF_INET &&
	      addr_port((struct sockaddr *)&g) == 3863);
	CHECK(lib_announce_parse("239.1.2.3", &g) == 1 &&
	      addr_port((struct sockaddr *)&g) == 3863);
	CHECK(lib_announce_parse("[ff05::1]:4000", &g) == 1);
	CHECK(lib_announce_parse("127.0.0.1:3863", &g) == -1); /* unicast */
	CHECK(lib_announce_parse("nowhere", &g) == -1);

	/* No registrar at all is a configuration error. */
	CHECK(lib_reg_init(&r, loop, TR_TCP, NULL, 0, NULL, NULL, NULL, NULL) ==
	      -1);
	lib_reg_fini(&r);
	{
		const char *regs[] = {"127.0.0.1:1", "127.0.0.1"};

		CHECK(lib_reg_init(&r, loop, TR_TCP, regs, 2, "off", NULL, NULL,
		          NULL) == 0);
		CHECK(lib_cand_usable(&r, 0) && lib_cand_usable(&r, 1));
		CHECK(r.cand[1].port == 3863); /* default port */
		CHECK(!lib_cand_usable(&r, 2));
	}
	addr_parse(&from, "127.0.0.1:4000", 0, 0, NULL, 0);
	CHECK((i = lib_cand_announce(
	           &r, plain, sizeof(plain), (struct sockaddr *)&from)) == 2);
	CHECK(r.cand[2].id == 0x12345678 && r.cand[2].naddrs == 1 &&
	      r.cand[2].port == 4000 && lib_cand_usable(&r, 2));
	/* the same registrar again: the same entry */
	CHECK(lib_cand_announce(
	          &r, plain, sizeof(plain), (struct sockaddr *)&from) == 2);
	CHECK((i = lib_cand_announce(
	           &r, tcp, sizeof(tcp), (struct sockaddr *)&from)) == 3);
	CHECK(r.cand[3].port == 3863 &&
	      strcmp(addr_fmt((struct sockaddr *)&r.cand[3].addrs[0], buf,
	                 sizeof(buf)),
	          "127.0.0.2:3863") == 0);
	/* not an announce, truncated: ignored */
	CHECK(lib_cand_announce(&r, hr, sizeof(hr), (struct sockaddr *)&from) ==
	      -1);
	CHECK(lib_cand_announce(&r, tcp, 10, (struct sockaddr *)&from) == -1);
	/* announced entries expire 5 s after the last announce */
	r.cand[2].expiry = ev_now_ms(loop);
	CHECK(!lib_cand_usable(&r, 2) && lib_cand_usable(&r, 0));
	lib_reg_fini(&r);
	ev_loop_free(loop);
}

/* ---- failover to another registrar on a request timeout ---- */

struct chan {
	int up, down, failed, msgs;
};

static void
chan_cb(enum lib_reg_event ev, const struct rsp_msg *m, void *arg)
{
	struct chan *c = arg;

	(void)m;
	c->up += ev == LIB_REG_UP;
	c->down += ev == LIB_REG_DOWN;
	c->failed += ev == LIB_REG_FAILED;
	c->msgs += ev == LIB_REG_MSG;
}

static void
silent_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	int *got = arg;

	(void)ep;
	*got += ev->type == TR_EV_MSG;
}

static void
test_request_timeout(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct registrar *reg;
	struct tr_ep *silent;
	struct addr_list al;
	struct lib_reg r;
	struct chan c;
	struct rsp_msg m;
	struct rsp_handle h = {8, "EchoPool"};
	char real[64], quiet[64], buf[ADDR_FMT_LEN], ann[64];
	const char *regs[1];
	struct sockaddr_storage from;
	uint8_t plain[] = {0x0a, 0, 0, 8, 0, 0, 0x77, 0x77};
	int got = 0;
	long long t0;

	test_section("request timeout: the channel moves to another registrar");
	reg = registrar_start(loop, "0x7777", real, sizeof(real));
	CHECK(reg != NULL);
	addr_list_parse(&al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0);
	silent = tr_ep_new(loop, kind, &al, TR_LISTEN, silent_event, &got);
	CHECK(silent != NULL && tr_local_addrs(silent, 0, &al) == 0);
	snprintf(quiet, sizeof(quiet), "127.0.0.1:%u", al.port);
	memset(&c, 0, sizeof(c));
	regs[0] = quiet;
	CHECK(lib_reg_init(&r, loop, kind, regs, 1, NULL, NULL, chan_cb, &c) ==
	      0);
	lib_reg_start(&r);
	CHECK(run_until(loop, &c.up, 1, 5));
	CHECK(strcmp(lib_reg_current(&r, buf, sizeof(buf)), quiet) == 0);
	/* The real registrar shows up in an announce (RSPLIB form: its
	 * port is the UDP source port). */
	snprintf(ann, sizeof(ann), "%s", real);
	addr_parse(&from, ann, 0, 0, NULL, 0);
	CHECK(lib_cand_announce(
	          &r, plain, sizeof(plain), (struct sockaddr *)&from) >= 0);
	lib_pu_hr(&m, &h);
	t0 = (long long)ev_now_update(loop);
	CHECK(lib_reg_send(&r, &m, 1) == 0);
	CHECK(run_until(loop, &c.down, 1, 6));
	CHECK(got == 1); /* the silent one got the request */
	CHECK((long long)ev_now_update(loop) - t0 >=
	      RSP_RESPONSE_TIMEOUT_MS - 50);
	CHECK(run_until(loop, &c.up, 2, 5));
	CHECK(strcmp(lib_reg_current(&r, buf, sizeof(buf)), real) == 0);
	CHECK(r.server_id == 0x7777);
	CHECK(lib_reg_send(&r, &m, 1) == 0);
	CHECK(run_until(loop, &c.msgs, 1, 5)); /* answered */
	lib_reg_fini(&r);

	test_section("a hunt round without any registrar reports failure");
	memset(&c, 0, sizeof(c));
	regs[0] = "127.0.0.1:1";
	CHECK(lib_reg_init(&r, loop, kind, regs, 1, "off", NULL, chan_cb, &c) ==
	      0);
	lib_reg_start(&r);
	CHECK(run_until(loop, &c.failed, 2, 5)); /* and keeps hunting */
	CHECK(c.up == 0);
	lib_reg_fini(&r);
	tr_ep_free(silent);
	reg_free(reg);
	ev_loop_free(loop);
}

/* ---- the channel's timing (struct rsp_timing, RSPLIB's options) ---- */

static void
test_timing_values(void)
{
	struct rsp_timing in, out;

	test_section("timing: 0 takes RSPLIB's defaults, bad values refused");
	memset(&in, 0, sizeof(in));
	CHECK(lib_timing_resolve(NULL, &out) == 0);
	CHECK(out.announce_timeout_ms == 5000 &&
	      out.connect_timeout_ms == 7500 && out.connect_max_trials == 1 &&
	      out.request_timeout_ms == 3000 &&
	      out.response_timeout_ms == 3000 && out.request_max_trials == 2);
	in.response_timeout_ms = 250;
	in.connect_max_trials = 4;
	CHECK(lib_timing_resolve(&in, &out) == 0);
	CHECK(out.response_timeout_ms == 250 && out.connect_max_trials == 4 &&
	      out.request_timeout_ms == 3000);
	in.request_timeout_ms = -1;
	CHECK(lib_timing_resolve(&in, &out) == -1);
	in.request_timeout_ms = 0;
	in.request_max_trials = 1001;
	CHECK(lib_timing_resolve(&in, &out) == -1);
}

struct resolved {
	int done, err;
};

static void
resolved_cb(int err, const struct rsp_pe_info *pes, int npes, void *arg)
{
	struct resolved *r = arg;

	(void)pes, (void)npes;
	r->done++;
	r->err = err;
}

/* A pool user of a registrar that never answers: its resolution goes to
 * request_max_trials registrars (here the same one again), each dropped
 * after the response timeout. */
static int
pu_against_silent(struct ev_loop *loop, const char *silent_addr,
    long long trials, long long *elapsed)
{
	struct rsp_pu_config pc;
	struct rsp_pu *pu;
	struct resolved res = {0, 0};
	long long t0;
	int err;

	memset(&pc, 0, sizeof(pc));
	pc.registrars[0] = silent_addr;
	pc.nregistrars = 1;
	pc.announce = "off";
	pc.transport = kind;
	pc.timing.response_timeout_ms = 300;
	pc.timing.request_max_trials = trials;
	if ((pu = rsp_pu_new(loop, &pc, &err)) == NULL)
		return -1;
	t0 = (long long)ev_now_update(loop);
	CHECK(rsp_pu_resolve(pu, "EchoPool", resolved_cb, &res) == RSP_OK);
	CHECK(run_until(loop, &res.done, 1, 10));
	*elapsed = (long long)ev_now_update(loop) - t0;
	rsp_pu_free(pu);
	return res.err;
}

static void
test_timing_live(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct tr_ep *silent;
	struct addr_list al;
	struct lib_reg r;
	struct rsp_timing t;
	struct chan c;
	char quiet[64];
	const char *regs[1];
	long long t0, ms;
	int got = 0;

	test_section("timing: -registrarresponsetimeout and *requestmaxtrials");
	addr_list_parse(&al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0);
	silent = tr_ep_new(loop, kind, &al, TR_LISTEN, silent_event, &got);
	CHECK(silent != NULL && tr_local_addrs(silent, 0, &al) == 0);
	snprintf(quiet, sizeof(quiet), "127.0.0.1:%u", al.port);
	CHECK(pu_against_silent(loop, quiet, 1, &ms) == RSP_ENOREG);
	CHECK(got == 1 && ms >= 250 && ms < RSP_RESPONSE_TIMEOUT_MS);
	got = 0;
	CHECK(pu_against_silent(loop, quiet, 3, &ms) == RSP_ENOREG);
	CHECK(got == 3 && ms >= 3 * 300 - 50);

	test_section(
	    "timing: -registrarconnectmaxtrials rounds before failure");
	memset(&c, 0, sizeof(c));
	memset(&t, 0, sizeof(t));
	t.connect_max_trials = 3;
	regs[0] = "127.0.0.1:1"; /* refused at once: each round fails fast */
	CHECK(
	    lib_reg_init(&r, loop, kind, regs, 1, "off", &t, chan_cb, &c) == 0);
	t0 = (long long)ev_now_update(loop);
	lib_reg_start(&r);
	CHECK(run_until(loop, &c.failed, 1, 5));
	/* three rounds, LIB_RETRY_MS apart */
	CHECK((long long)ev_now_update(loop) - t0 >= 2 * LIB_RETRY_MS - 50);
	CHECK(run_until(loop, &c.failed, 2, 5) && c.up == 0);
	lib_reg_fini(&r);
	tr_ep_free(silent);
	ev_loop_free(loop);
}

/* -registrarrequesttimeout: a resolution waits that long for a registrar.
 * Over the TCP mapping a plain TCP listener accepts the connection but
 * never answers the mapping's INIT, so the hunt stays pending (over
 * SCTP the kernel would complete the association). */
static void
test_request_wait(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct rsp_pu_config pc;
	struct rsp_pu *pu;
	struct resolved res = {0, 0};
	char addr[64];
	long long t0, ms;
	int fd, err;

	test_section(
	    "timing: -registrarrequesttimeout while no registrar is up");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	      listen(fd, 4) == 0 &&
	      getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sin.sin_port));
	memset(&pc, 0, sizeof(pc));
	pc.registrars[0] = addr;
	pc.nregistrars = 1;
	pc.announce = "off";
	pc.transport = TR_TCP;
	pc.timing.request_timeout_ms = 400;
	CHECK((pu = rsp_pu_new(loop, &pc, &err)) != NULL);
	t0 = (long long)ev_now_update(loop);
	CHECK(rsp_pu_resolve(pu, "EchoPool", resolved_cb, &res) == RSP_OK);
	CHECK(run_until(loop, &res.done, 1, 10));
	ms = (long long)ev_now_update(loop) - t0;
	CHECK(
	    res.err == RSP_ENOREG && ms >= 350 && ms < RSP_CONNECT_TIMEOUT_MS);
	rsp_pu_free(pu);
	close(fd);
	ev_loop_free(loop);
}

/* ---- elements, resolution, cache, load, business cards ---- */

struct pe_app {
	struct rsp_element *e;
	int registered, cards, msgs;
	uint32_t card_pe;
	char card_pool[40];
	uint32_t session;
};

static void
pe_cb(const struct rsp_event *ev, void *arg)
{
	struct pe_app *a = arg;

	switch (ev->type) {
	case RSP_EV_REGISTERED:
		a->registered++;
		break;
	case RSP_EV_SESSION_UP:
		a->session = ev->session;
		break;
	case RSP_EV_BUSINESS_CARD:
		a->cards++;
		memcpy(a->card_pool, ev->data, ev->len);
		a->card_pool[ev->len] = '\0';
		a->card_pe = ev->npes > 0 ? ev->pes[0].pe_id : 0;
		break;
	case RSP_EV_MSG:
		a->msgs++;
		break;
	default:
		break;
	}
}

static struct rsp_element *
element(struct ev_loop *loop, const char *reg, const char *policy, uint32_t id,
    struct pe_app *a)
{
	struct rsp_element_config ec;
	int err;

	memset(&ec, 0, sizeof(ec));
	ec.pool_handle = "EchoPool";
	ec.policy = policy;
	ec.registrars[0] = reg;
	ec.nregistrars = 1;
	ec.identifier = id;
	ec.rereg_ms = 30000;
	ec.transport = kind;
	a->e = rsp_element_new(loop, &ec, pe_cb, a, &err);
	return a->e;
}

struct res {
	int done, err, npes;
	uint32_t ids[RSP_RESOLVE_MAX];
	uint32_t load0;
	uint16_t port0;
};

static void
res_cb(int err, const struct rsp_pe_info *pes, int npes, void *arg)
{
	struct res *r = arg;
	int i;

	r->done++;
	r->err = err;
	r->npes = npes;
	for (i = 0; i < npes; i++)
		r->ids[i] = pes[i].pe_id;
	if (npes > 0) {
		r->load0 = pes[0].load;
		r->port0 = pes[0].port;
	}
}

/* One resolution, driven through the fd + process + timeout API. */
static int
resolve_polled(
    struct ev_loop *loop, struct rsp_pu *pu, const char *pool, struct res *r)
{
	struct pollfd pfd;
	time_t end = time(NULL) + 10;
	int t;

	memset(r, 0, sizeof(*r));
	if (rsp_pu_resolve(pu, pool, res_cb, r) != RSP_OK)
		return -1;
	if (r->done)
		return -1; /* never from within the call */
	while (!r->done && time(NULL) < end) {
		pfd.fd = rsp_loop_fd(loop);
		pfd.events = POLLIN;
		t = rsp_loop_timeout(loop);
		poll(&pfd, 1, t < 0 || t > 100 ? 100 : t);
		if (rsp_loop_process(loop) != RSP_OK)
			return -1;
	}
	return r->done ? 0 : -1;
}

/* Wait at most 5 s until the registrar has PE id of EchoPool with load
 * (LeastUsed: the policy's only value). */
static int
wait_load(
    struct ev_loop *loop, struct registrar *reg, uint32_t id, uint32_t load)
{
	const struct rsp_handle h = {8, "EchoPool"};
	const struct hs_pe *pe;
	struct rsp_policy pol;
	time_t end = time(NULL) + 5;

	while (time(NULL) < end) {
		if ((pe = hs_find_pe(reg_hs(reg), &h, id)) != NULL) {
			hs_pe_policy(pe, &pol);
			if (pol.nvalues >= 1 && pol.v[0] == load)
				return 1;
		}
		ev_run_once(loop, 20);
	}
	return 0;
}

static void
test_load_and_cache(void)
{
	struct ev_loop *loop = rsp_loop_new();
	struct registrar *reg;
	struct pe_app a1, a2;
	struct rsp_pu_config pc;
	struct rsp_pu *pu, *cached;
	struct res r;
	char addr[64];
	int err, i;

	test_section("LeastUsed: resolution follows rsp_element_set_load");
	memset(&a1, 0, sizeof(a1));
	memset(&a2, 0, sizeof(a2));
	reg = registrar_start(loop, "0x1111", addr, sizeof(addr));
	CHECK(reg != NULL);
	CHECK(element(loop, addr, "LeastUsed", 0x101, &a1) != NULL);
	CHECK(element(loop, addr, "LeastUsed", 0x102, &a2) != NULL);
	CHECK(run_until(loop, &a1.registered, 1, 5));
	CHECK(run_until(loop, &a2.registered, 1, 5));
	memset(&pc, 0, sizeof(pc));
	pc.registrars[0] = addr;
	pc.nregistrars = 1;
	pc.transport = kind;
	pu = rsp_pu_new(loop, &pc, &err);
	CHECK(pu != NULL && err == RSP_OK);
	rsp_element_set_load(a1.e, 0xc0000000u);
	rsp_element_set_load(a2.e, 0x10000000u);
	CHECK(wait_load(loop, reg, 0x101, 0xc0000000u));
	CHECK(wait_load(loop, reg, 0x102, 0x10000000u));
	for (i = 0; i < 3; i++) {
		CHECK(resolve_polled(loop, pu, "EchoPool", &r) == 0);
		CHECK(r.err == RSP_OK && r.npes == 1 && r.ids[0] == 0x102 &&
		      r.load0 == 0x10000000u);
	}
	rsp_element_set_load(a1.e, 0x01000000u);
	CHECK(wait_load(loop, reg, 0x101, 0x01000000u));
	CHECK(resolve_polled(loop, pu, "EchoPool", &r) == 0);
	CHECK(r.err == RSP_OK && r.ids[0] == 0x101 && r.load0 == 0x01000000u);
	CHECK(resolve_polled(loop, pu, "NoSuchPool", &r) == 0);
	CHECK(r.err == RSP_ENOPOOL && r.npes == 0);

	test_section("PU cache: selection by policy at the PU");
	pc.stale_ms = 60000;
	cached = rsp_pu_new(loop, &pc, &err);
	CHECK(cached != NULL);
	CHECK(resolve_polled(loop, cached, "EchoPool", &r) == 0);
	CHECK(r.err == RSP_OK && r.npes == 2 && r.ids[0] == 0x101);
	/* The PU's cache follows LeastUsed by itself: the registrar is
	 * not asked again (it is gone). */
	reg_free(reg);
	reg = NULL;
	for (i = 0; i < 4; i++) {
		CHECK(resolve_polled(loop, cached, "EchoPool", &r) == 0);
		CHECK(r.err == RSP_OK && r.ids[0] == 0x101);
	}
	test_section("rsp_report_failure drops the PE from the cache");
	CHECK(rsp_report_failure(cached, "EchoPool", 0x101) == RSP_ENOREG);
	CHECK(resolve_polled(loop, cached, "EchoPool", &r) == 0);
	CHECK(r.err == RSP_OK && r.npes == 1 && r.ids[0] == 0x102);
	CHECK(rsp_report_failure(cached, "", 1) == RSP_ECONFIG);
	CHECK(rsp_pu_resolve(cached, NULL, res_cb, &r) == RSP_ECONFIG);
	rsp_pu_free(cached);
	rsp_pu_free(pu);
	rsp_element_free(a1.e);
	rsp_element_free(a2.e);
	rsp_loop_free(loop);
}

static void
test_cache_round_robin(void)
{
	struct ev_loop *loop = rsp_loop_new();
	struct registrar *reg;
	struct pe_app a1, a2;
	struct rsp_pu_config pc;
	struct rsp_pu *pu;
	struct res r;
	char addr[64];
	int err, i, n1 = 0, n2 = 0;

	test_section("PU cache: RoundRobin rotates at the PU; stale entries");
	memset(&a1, 0, sizeof(a1));
	memset(&a2, 0, sizeof(a2));
	reg = registrar_start(loop, "0x2222", addr, sizeof(addr));
	CHECK(reg != NULL);
	CHECK(element(loop, addr, "RoundRobin", 0x201, &a1) != NULL);
	CHECK(element(loop, addr, "RoundRobin", 0x202, &a2) != NULL);
	CHECK(run_until(loop, &a1.registered, 1, 5));
	CHECK(run_until(loop, &a2.registered, 1, 5));
	memset(&pc, 0, sizeof(pc));
	pc.registrars[0] = addr;
	pc.nregistrars = 1;
	pc.transport = kind;
	pc.stale_ms = 2000;
	pu = rsp_pu_new(loop, &pc, &err);
	CHECK(pu != NULL);
	for (i = 0; i < 6; i++) {
		CHECK(resolve_polled(loop, pu, "EchoPool", &r) == 0);
		CHECK(r.err == RSP_OK && r.npes == 2);
		n1 += r.ids[0] == 0x201;
		n2 += r.ids[0] == 0x202;
		CHECK(r.port0 == (r.ids[0] == 0x201 ? rsp_element_port(a1.e)
		                                    : rsp_element_port(a2.e)));
	}
	CHECK(n1 == 3 && n2 == 3);
	/* After stale_ms the cache is empty: the registrar answers, and
	 * without it the resolution fails. */
	reg_free(reg);
	run_for(loop, 2100);
	CHECK(resolve_polled(loop, pu, "EchoPool", &r) == 0);
	CHECK(r.err == RSP_ENOREG);
	CHECK(rsp_pu_new(loop, &(struct rsp_pu_config){.stale_ms = -1}, &err) ==
	          NULL &&
	      err == RSP_ECONFIG);
	rsp_pu_free(pu);
	rsp_element_free(a1.e);
	rsp_element_free(a2.e);
	rsp_loop_free(loop);
}

struct pu_app {
	int up, cards, failovers;
	uint32_t card_pe, failover_pe;
	uint16_t card_port;
	char card_pool[40];
};

static void
pu_cb(const struct rsp_event *ev, void *arg)
{
	struct pu_app *p = arg;

	if (ev->type == RSP_EV_SESSION_UP)
		p->up++;
	if (ev->type == RSP_EV_FAILOVER) {
		p->failovers++;
		p->failover_pe = ev->pe_id;
	}
	if (ev->type == RSP_EV_BUSINESS_CARD) {
		p->cards++;
		memcpy(p->card_pool, ev->data, ev->len);
		p->card_pool[ev->len] = '\0';
		p->card_pe = ev->npes > 0 ? ev->pes[0].pe_id : 0;
		p->card_port = ev->npes > 0 ? ev->pes[0].port : 0;
	}
}

static void
test_business_cards(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct registrar *reg;
	struct pe_app a;
	struct pu_app p;
	struct rsp_session_config sc;
	struct rsp_session *s;
	struct rsp_pe_info mine;
	char addr[64];
	int err;

	test_section("business cards: PU to PE and PE to PU");
	memset(&a, 0, sizeof(a));
	memset(&p, 0, sizeof(p));
	reg = registrar_start(loop, "0x3333", addr, sizeof(addr));
	CHECK(reg != NULL);
	CHECK(element(loop, addr, "RoundRobin", 0x301, &a) != NULL);
	CHECK(run_until(loop, &a.registered, 1, 5));
	memset(&sc, 0, sizeof(sc));
	sc.pool_handle = "EchoPool";
	sc.registrars[0] = addr;
	sc.nregistrars = 1;
	sc.transport = kind;
	s = rsp_session_new(loop, &sc, pu_cb, &p, &err);
	CHECK(s != NULL);
	CHECK(rsp_session_send_business_card(s, "ClientPool", NULL, 0) ==
	      RSP_ESTATE);
	CHECK(run_until(loop, &p.up, 1, 5));
	memset(&mine, 0, sizeof(mine));
	mine.pe_id = 0xc1;
	mine.transport = kind;
	mine.port = 9999;
	mine.use = 1;
	mine.naddrs = 1;
	addr_parse(&mine.addrs[0], "127.0.0.1:9999", 0, 0, NULL, 0);
	CHECK(rsp_session_send_business_card(s, "ClientPool", &mine, 1) ==
	      RSP_OK);
	CHECK(rsp_session_send(s, 0, 0, "x", 1) == RSP_OK);
	CHECK(run_until(loop, &a.cards, 1, 5));
	CHECK(strcmp(a.card_pool, "ClientPool") == 0 && a.card_pe == 0xc1);
	CHECK(run_until(loop, &a.msgs, 1, 5)); /* data still flows */
	CHECK(
	    rsp_element_send_business_card(a.e, a.session, NULL, 0) == RSP_OK);
	CHECK(run_until(loop, &p.cards, 1, 5));
	CHECK(strcmp(p.card_pool, "EchoPool") == 0 && p.card_pe == 0x301 &&
	      p.card_port == rsp_element_port(a.e));
	mine.naddrs = 0; /* a PE without addresses cannot go on a card */
	CHECK(rsp_session_send_business_card(s, "ClientPool", &mine, 1) ==
	      RSP_ECONFIG);
	rsp_session_free(s);
	rsp_element_free(a.e);
	reg_free(reg);
	ev_loop_free(loop);
}

/* A card from the PE names the PEs to fail over to: the session tries
 * them before resolving again.  C is on no registrar (its registrar
 * address is dead): only the card can lead the session there. */
static void
test_card_failover(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct registrar *reg;
	struct pe_app a, c;
	struct pu_app p;
	struct rsp_session_config sc;
	struct rsp_session *s;
	struct rsp_pe_info ci;
	char addr[64], caddr[64];
	int err;

	test_section("business card: the session fails over to its PEs first");
	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	memset(&p, 0, sizeof(p));
	reg = registrar_start(loop, "0x5555", addr, sizeof(addr));
	CHECK(reg != NULL);
	CHECK(element(loop, addr, "RoundRobin", 0x501, &a) != NULL);
	CHECK(element(loop, "127.0.0.1:1", "RoundRobin", 0x503, &c) != NULL);
	CHECK(run_until(loop, &a.registered, 1, 5));
	memset(&sc, 0, sizeof(sc));
	sc.pool_handle = "EchoPool";
	sc.registrars[0] = addr;
	sc.nregistrars = 1;
	sc.transport = kind;
	s = rsp_session_new(loop, &sc, pu_cb, &p, &err);
	CHECK(s != NULL && run_until(loop, &p.up, 1, 5));
	CHECK(rsp_session_pe_id(s) == 0x501);
	memset(&ci, 0, sizeof(ci));
	ci.pe_id = 0x503;
	ci.transport = kind;
	ci.port = rsp_element_port(c.e);
	ci.use = 1;
	ci.naddrs = 1;
	snprintf(caddr, sizeof(caddr), "127.0.0.1:%u", ci.port);
	CHECK(addr_parse(&ci.addrs[0], caddr, 0, 0, NULL, 0) == 0);
	CHECK(rsp_element_send_business_card(a.e, a.session, &ci, 1) == RSP_OK);
	CHECK(run_until(loop, &p.cards, 1, 5));
	CHECK(rsp_session_failover(s) == RSP_OK);
	CHECK(run_until(loop, &p.failovers, 1, 5));
	CHECK(p.failover_pe == 0x503 && rsp_session_pe_id(s) == 0x503);
	CHECK(c.session != 0);
	/* the card is used up: the registrar's answer leads back to A */
	CHECK(rsp_session_failover(s) == RSP_OK);
	CHECK(run_until(loop, &p.failovers, 2, 5));
	CHECK(p.failover_pe == 0x501);
	rsp_session_free(s);
	rsp_element_free(a.e);
	rsp_element_free(c.e);
	reg_free(reg);
	ev_loop_free(loop);
}

/* ---- takeover: a registrar's Keep-Alive with H is adopted (SCTP) ---- */

struct takeover {
	struct tr_ep *ep;
	uint32_t assoc, pe_id;
	int up, acks, regs, lost, h, cant;
};

static void
tk_send(struct takeover *t, const struct rsp_msg *m)
{
	struct wbuf w;

	wbuf_init_dynamic(&w, 256, RSP_MSG_MAX);
	if (rsp_msg_encode(m, &w) == 0)
		tr_send(t->ep, t->assoc, RSP_PPID_ASAP, 0, w.data, w.len);
	wbuf_free(&w);
}

static void
tk_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct takeover *t = arg;
	struct rsp_decode_error derr;
	struct rsp_msg m, r;

	(void)ep;
	if (ev->type == TR_EV_UP) {
		t->up++;
		rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_ENDPOINT_KEEP_ALIVE);
		m.flags = t->h ? ASAP_FLAG_H : 0;
		m.sender = 0x9999;
		m.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
		m.handle = (struct rsp_handle){8, "EchoPool"};
		m.pe_id = t->pe_id;
		tk_send(t, &m);
	} else if (ev->type == TR_EV_LOST || ev->type == TR_EV_SHUTDOWN)
		t->lost++;
	else if (ev->type == TR_EV_CANT_START)
		t->cant++;
	if (ev->type != TR_EV_MSG ||
	    rsp_msg_decode(RSP_PROTO_ASAP, ev->data, ev->len, &m, &derr))
		return;
	if (m.type == ASAP_ENDPOINT_KEEP_ALIVE_ACK && m.pe_id == t->pe_id)
		t->acks++;
	if (m.type == ASAP_REGISTRATION) {
		t->regs++;
		rsp_msg_init(&r, RSP_PROTO_ASAP, ASAP_REGISTRATION_RESPONSE);
		r.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
		r.handle = m.handle;
		r.pe_id = m.pes[0].id;
		tk_send(t, &r);
	}
	rsp_msg_free(&m);
}

static int
tk_start(struct ev_loop *loop, struct takeover *t, const struct rsp_pe *pe)
{
	struct rsp_transport tr = pe->asap;
	struct addr_list al;

	t->pe_id = pe->id;
	t->ep = tr_ep_new(loop, TR_SCTP, NULL, 0, tk_event, t);
	return t->ep == NULL || lib_transport_addrs(&tr, &al) == -1 ||
	               tr_connect(t->ep, &al, &t->assoc) == -1
	           ? -1
	           : 0;
}

static void
test_takeover(void)
{
	struct ev_loop *loop = ev_loop_new();
	const struct rsp_handle h = {8, "EchoPool"};
	struct registrar *reg;
	struct pe_app a;
	struct takeover nh, t2;
	struct rsp_addr addrs[2 * RSP_ADDRS_MAX];
	const struct hs_pe *hp;
	struct rsp_pe pe;
	char addr[64];
	int gone = 0;
	time_t end;

	test_section("takeover: Keep-Alive with H from a new registrar (SCTP)");
	memset(&a, 0, sizeof(a));
	memset(&nh, 0, sizeof(nh));
	memset(&t2, 0, sizeof(t2));
	reg = registrar_start(loop, "0x5555", addr, sizeof(addr));
	CHECK(reg != NULL);
	CHECK(element(loop, addr, "RoundRobin", 0x501, &a) != NULL);
	CHECK(run_until(loop, &a.registered, 1, 5));
	hp = hs_find_pe(reg_hs(reg), &h, 0x501);
	CHECK(hp != NULL &&
	      hs_pe_export(hp, &pe, addrs, 2 * RSP_ADDRS_MAX) <=
	          2 * RSP_ADDRS_MAX &&
	      pe.has_asap && pe.asap.port != 0);
	/* Anything but a Keep-Alive with H on a new association: aborted. */
	t2.h = 0;
	CHECK(tk_start(loop, &t2, &pe) == 0);
	CHECK(run_until(loop, &t2.lost, 1, 5));
	CHECK(t2.acks == 0);
	nh.h = 1;
	CHECK(tk_start(loop, &nh, &pe) == 0);
	CHECK(run_until(loop, &nh.acks, 1, 5));
	CHECK(run_until(loop, &nh.regs, 1, 5)); /* re-registers there */
	CHECK(nh.lost == 0);
	/* The old registrar lost the PE's association, and with it the PE. */
	end = time(NULL) + 5;
	while (!gone && time(NULL) < end) {
		ev_run_once(loop, 20);
		gone = hs_find_pe(reg_hs(reg), &h, 0x501) == NULL;
	}
	CHECK(gone);
	CHECK(a.registered == 1);
	rsp_element_free(a.e);
	tr_ep_free(nh.ep);
	tr_ep_free(t2.ep);
	reg_free(reg);
	ev_loop_free(loop);
}

/* ---- takeover while a re-registration is unanswered (TCP mapping) ---- */

/* A registrar that answers the first Registration and then falls
 * silent, as one cut off by a partition does: the PE's re-registration
 * stays unanswered on that association. */
struct mute_reg {
	uint32_t assoc;
	int regs;
	uint16_t user_port;
};

static void
mute_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct mute_reg *mr = arg;
	struct rsp_decode_error derr;
	struct rsp_msg m, r;
	struct wbuf w;

	if (ev->type != TR_EV_MSG ||
	    rsp_msg_decode(RSP_PROTO_ASAP, ev->data, ev->len, &m, &derr))
		return;
	if (m.type == ASAP_REGISTRATION && m.npes == 1 && mr->regs++ == 0) {
		mr->user_port = m.pes[0].user.port;
		rsp_msg_init(&r, RSP_PROTO_ASAP, ASAP_REGISTRATION_RESPONSE);
		r.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
		r.handle = m.handle;
		r.pe_id = m.pes[0].id;
		wbuf_init_dynamic(&w, 256, RSP_MSG_MAX);
		if (rsp_msg_encode(&r, &w) == 0)
			tr_send(ep, ev->assoc, RSP_PPID_ASAP, 0, w.data, w.len);
		wbuf_free(&w);
	}
	rsp_msg_free(&m);
}

/* Found by the chaos suite (tests/chaos, a partition): the registrar
 * taking a PE over reached it while the PE's re-registration to its
 * cut-off home was unanswered; the PE adopted the new association but
 * sent nothing there, the registration life ran out at the new home
 * and the PE was lost from every registrar while it kept running. */
static void
test_takeover_while_registering(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct rsp_element_config ec;
	struct tr_ep *mute;
	struct mute_reg mr;
	struct takeover nh;
	struct addr_list al;
	struct pe_app a;
	char addr[64];
	int err;

	test_section("takeover while a re-registration is unanswered: the PE "
	             "registers with its new home (TCP mapping)");
	memset(&mr, 0, sizeof(mr));
	memset(&nh, 0, sizeof(nh));
	memset(&a, 0, sizeof(a));
	addr_list_parse(&al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0);
	mute = tr_ep_new(loop, TR_TCP, &al, TR_LISTEN, mute_event, &mr);
	CHECK(mute != NULL && tr_local_addrs(mute, 0, &al) == 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", al.port);
	memset(&ec, 0, sizeof(ec));
	ec.pool_handle = "EchoPool";
	ec.registrars[0] = addr;
	ec.nregistrars = 1;
	ec.identifier = 0x502;
	ec.rereg_ms = 200;
	ec.transport = TR_TCP;
	a.e = rsp_element_new(loop, &ec, pe_cb, &a, &err);
	CHECK(a.e != NULL);
	CHECK(run_until(loop, &a.registered, 1, 5));
	CHECK(run_until(loop, &mr.regs, 2, 5)); /* the unanswered one */
	/* The new home reaches the PE's user transport (as rsp's
	 * registrar does over the TCP mapping) with a Keep-Alive H=1,
	 * within the response timeout of the unanswered request. */
	nh.h = 1;
	nh.pe_id = 0x502;
	addr_list_parse(&al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0);
	al.port = mr.user_port;
	addr_set_port((struct sockaddr *)&al.a[0], mr.user_port);
	nh.ep = tr_ep_new(loop, TR_TCP, NULL, 0, tk_event, &nh);
	CHECK(nh.ep != NULL && tr_connect(nh.ep, &al, &nh.assoc) == 0);
	CHECK(run_until(loop, &nh.acks, 1, 2));
	CHECK(run_until(loop, &nh.regs, 1, 2)); /* registers there at once */
	CHECK(nh.lost == 0);
	rsp_element_free(a.e);
	tr_ep_free(nh.ep);
	tr_ep_free(mute);
	ev_loop_free(loop);
}

int
main(void)
{
	log_register(quiet_sink, NULL);
	if (getenv("RSP_TEST_LOG") != NULL)
		log_config.level = 9;
	test_announce_table();
	test_timing_values();
	test_request_wait();
	test_takeover_while_registering();
	for (;;) {
		test_request_timeout();
		test_timing_live();
		test_load_and_cache();
		test_cache_round_robin();
		test_business_cards();
		test_card_failover();
		if (kind == TR_SCTP)
			test_takeover();
		if (kind == TR_SCTP || !tr_sctp_available())
			break;
		kind = TR_SCTP;
		test_section("---- again over kernel SCTP ----");
	}
	return test_done();
}
