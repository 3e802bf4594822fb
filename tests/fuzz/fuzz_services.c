/*
 * Fuzz target for the services' message handlers (services/): Echo,
 * Discard, Daytime, CharGen, Ping Pong, CalcApp and the Fractal
 * Generator behind a real pool element (core/lib/element.c) on the
 * fake transport of tests/fuzz/fake_tr.h, dispatched as rsp server
 * does (applets/server.c): sessions come up, carry the service's
 * messages, Cookie Echos and whatever else, fail, and time passes.
 * The Scripting Service is left out: it writes files and forks a
 * worker (docs/fuzzing.md); its codec is in fuzz_app.
 *
 * Input: one configuration byte (the service: (byte & 7) % 7; bit 3: the
 * policy is load-based, so the services report their load; bit 4: the
 * fractal test pattern, cheap points), then records of one op byte:
 *
 *	op < 0x40          a message: a 16-bit length, then its bytes, on
 *	                   live association op & 15 (fk_pick(); a session
 *	                   not up comes up first), PPID by op & 0x30:
 *	                   0x00 and 0x30 the service's, 0x10 ASAP (11),
 *	                   0x20 an unrelated one (0)
 *	0x40 <= op < 0x50  an event on association op & 15, its type from
 *	                   the next byte (as fuzz_lib.c)
 *	0x50 <= op < 0x60  a pool user opens a session
 *	0x60 <= op < 0x80  0x60/0x61 the transport takes messages again /
 *	                   is full (EAGAIN); 0x62 the service is stopped
 *	                   and started again; 0x63 SEND_FAILED for the
 *	                   association that died last; others nothing
 *	op >= 0x80         the clock advances (op & 0x3f) x 50 ms; with
 *	                   op & 0x40 the timers run
 *
 * Checks: the sanitizers; every ASAP message sent decodes; stopping
 * the service and freeing the element leave no timer, endpoint or
 * association.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/opt.h"
#include "core/rand.h"
#include "include/rsp.h"
#include "services/service.h"
#include "tests/fuzz/fake_tr.h"
#include "tests/fuzz/fuzz_record.h"
#include "tests/fuzz/fuzz_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const struct svc *svc;
	uint32_t ppid;
} services[] = {
    {&svc_echo, RSP_PPID_PINGPONG},
    {&svc_discard, RSP_PPID_PINGPONG},
    {&svc_daytime, RSP_PPID_PINGPONG},
    {&svc_chargen, RSP_PPID_PINGPONG},
    {&svc_pingpong, RSP_PPID_PINGPONG},
    {&svc_calcapp, RSP_PPID_CALCAPP},
    {&svc_fractal, RSP_PPID_FGP},
};

static const enum tr_ev_type events[] = {TR_EV_UP, TR_EV_LOST, TR_EV_SHUTDOWN,
    TR_EV_CANT_START, TR_EV_SEND_FAILED, TR_EV_WRITABLE, TR_EV_RESTART,
    TR_EV_SEND_FAILED};

static uint64_t now_ms;
static struct ev_loop *loop;
static struct svc_ctx ctx;
static const struct svc *svc;
static int running;
static struct fractal_opts fgp = {1000, 10, 1000, 2500, 0, 4, 0};

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

/* As applets/server.c's on_event, for the session events. */
static void
on_event(const struct rsp_event *ev, void *arg)
{
	(void)arg;
	if (!running)
		return;
	switch (ev->type) {
	case RSP_EV_SESSION_UP:
		svc->up(&ctx, ev->session);
		break;
	case RSP_EV_MSG:
		svc->msg(&ctx, ev);
		break;
	case RSP_EV_COOKIE_ECHO:
		if (svc->cookie_echo != NULL)
			svc->cookie_echo(&ctx, ev);
		else
			svc->msg(&ctx, ev);
		break;
	case RSP_EV_SESSION_DOWN:
		svc->down(&ctx, ev->session);
		break;
	default:
		break;
	}
}

/* The services' option defaults, as rsp server has them, without
 * files: CalcApp's statistics go to /dev/null. */
static void
defaults(void)
{
	const struct opt_set sets[] = {{pingpong_opts, &pingpong_conf},
	    {chargen_opts, &chargen_conf}, {calcapp_opts, &calcapp_conf}};
	char *argv[] = {"fuzz", NULL};

	if (opt_parse("fuzz", NULL, 1, argv, sets, 3, NULL) != OPT_OK)
		abort();
	calcapp_conf.vector = calcapp_conf.scalar = "/dev/null";
	calcapp_conf.max_jobs = 3;
	if (svc_calcapp_check("fuzz") == -1)
		abort();
	pingpong_conf.max_threads = 3;
	chargen_conf.max_threads = 3;
}

static void
start(void)
{
	if (svc->init != NULL && svc->init(&ctx) == -1)
		abort();
	running = 1;
}

static void
stop(void)
{
	running = 0;
	if (svc->fini != NULL)
		svc->fini(&ctx);
	ctx.priv = NULL;
}

static struct rsp_element *
element(int adaptive)
{
	struct rsp_element_config c;
	struct rsp_element *e;
	int err;

	memset(&c, 0, sizeof(c));
	c.pool_handle = svc->pool_handle;
	c.policy = adaptive ? "LeastUsed" : "RoundRobin";
	c.registrars[0] = "127.0.0.1:3863";
	c.nregistrars = 1;
	c.identifier = 0x12345678;
	c.transport = TR_TCP;
	if ((e = rsp_element_new(loop, &c, on_event, NULL, &err)) == NULL)
		abort();
	return e;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t other[] = {0, RSP_PPID_ASAP};
	struct fk_assoc *a;
	struct tr_ep *ep;
	uint32_t ppid;
	const uint8_t *body;
	size_t len;
	uint8_t op;
	int s;

	if (loop == NULL) {
		fuzz_log_init();
		defaults();
		if ((loop = ev_loop_new()) == NULL)
			abort();
		ev_set_clock(loop, fake_clock, NULL);
	}
	if (size < 1)
		return 0;
	rand_seed_for_tests(1);
	fk_reset();
	now_ms = 1000;
	ev_now_update(loop);
	s = (data[0] & 7) % (int)(sizeof(services) / sizeof(services[0]));
	svc = services[s].svc;
	fgp.test_mode = (data[0] >> 4) & 1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.loop = loop;
	ctx.adaptive = (data[0] >> 3) & 1;
	ctx.cfg = svc == &svc_fractal ? &fgp : NULL;
	ctx.e = element(ctx.adaptive);
	start();
	data++;
	size--;
	while (size > 0) {
		op = *data++;
		size--;
		if (op < 0x40) {
			if (!fuzz_record(&data, &size, &body, &len))
				break;
			ppid = (op & 0x30) == 0x00 || (op & 0x30) == 0x30
			           ? services[s].ppid
			           : other[(op >> 4) & 1];
			if ((a = fk_pick(op & 15)) != NULL)
				fk_event(a, TR_EV_MSG, ppid, body, len);
		} else if (op < 0x50) {
			if (size < 1)
				break;
			if ((a = fk_pick(op & 15)) != NULL)
				fk_event(a, events[data[0] & 7],
				    services[s].ppid, NULL, 0);
			data++;
			size--;
		} else if (op < 0x60) {
			if ((ep = fk_listener(0)) != NULL)
				fk_incoming(ep);
		} else if (op < 0x80) {
			if (op == 0x60 || op == 0x61)
				fk_full = op & 1;
			else if (op == 0x62) {
				stop();
				start();
			} else if (op == 0x63)
				fk_send_failed_dead(services[s].ppid, NULL, 0);
		} else {
			now_ms += (uint64_t)(op & 0x3f) * 50;
			if (op & 0x40)
				ev_run_once(loop, 0);
			else
				ev_now_update(loop);
		}
	}
	stop();
	rsp_element_free(ctx.e);
	if (ev_timer_count(loop) != 0 || fk_leaked())
		abort();
	return 0;
}
