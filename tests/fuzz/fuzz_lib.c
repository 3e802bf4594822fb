/*
 * Fuzz target for the library's receive paths (core/lib/): a pool
 * element (rsp_element), a pool user session (rsp_session), a
 * basic-mode pool user (rsp_pu) and a bare registrar channel fed ASAP
 * Server Announces (regtable.c), all in one loop on the fake transport
 * of tests/fuzz/fake_tr.h with a fake clock.  What registrars send
 * (Registration and Deregistration Responses, Keep-Alives with and
 * without H, Handle Resolution Responses, Errors, the takeover
 * registrar's new association) and what PEs and PUs send each other on
 * sessions (Cookie, Cookie Echo, Business Card, application data)
 * reaches the state machines of channel.c, element.c, session.c and
 * pu.c in any order, with association failures and time passing.
 *
 * Input: one configuration byte (bit 0: SCTP, else the TCP mapping;
 * bit 1: the PU caches; bits 2-4: the element's policy), then records
 * of one op byte:
 *
 *	op < 0x40          a message: a 16-bit length, then its bytes;
 *	  op & 0x30 0x00   PPID 11 on live association op & 15 (fk_pick()
 *	                   in fake_tr.h; it comes up first if it is not up)
 *	            0x10   PPID 12 (the wrong protocol) on it
 *	            0x20   PPID 33 (application data) on it
 *	            0x30   a UDP datagram on the announce channel, from
 *	                   127.0.0.(op & 15):3863
 *	0x40 <= op < 0x50  an event on live association op & 15, its type
 *	                   from the next byte (see events[])
 *	0x50 <= op < 0x60  a peer opens an association to listening
 *	                   endpoint op & 15 (the element's user transport;
 *	                   over SCTP also the hunt endpoints)
 *	0x60 <= op < 0x80  an API call op & 31 with the next byte as its
 *	                   argument (see api())
 *	op >= 0x80         the clock advances (op & 0x3f) x 50 ms; with
 *	                   op & 0x40 the timers run
 *
 * The application side judges events as the applets do
 * (core/tools/giveup.c).  Checks: the sanitizers; every ASAP message
 * sent decodes (fake_tr.h); events and resolutions handed to the
 * application are well formed;
 * freeing everything leaves no timer, endpoint or association.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/lib/internal.h"
#include "core/rand.h"
#include "core/tools/giveup.h"
#include "include/rsp.h"
#include "tests/fuzz/fake_tr.h"
#include "tests/fuzz/fuzz_record.h"
#include "tests/fuzz/fuzz_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t now_ms;
static struct ev_loop *loop;
static struct rsp_element *pe;
static struct rsp_session *ses;
static struct rsp_pu *pu;
static struct lib_reg ann; /* registrars heard in announces */
static int kind, cache, policy;
static struct giveup giveup; /* as the applets judge events */

static const char *const policies[] = {"RoundRobin", "LeastUsed",
    "WeightedRandom:3", "LeastUsedDegradation:0.5", "PriorityLeastUsed:0.1",
    "RandomizedLeastUsed", "Priority:7", "LeastUsedDPF:0.2"};
static const char *const regs[] = {"127.0.0.1:3863", "127.0.0.2,10.1.1.1:3863"};
static const enum tr_ev_type events[] = {TR_EV_UP, TR_EV_LOST, TR_EV_SHUTDOWN,
    TR_EV_CANT_START, TR_EV_SEND_FAILED, TR_EV_WRITABLE, TR_EV_RESTART,
    TR_EV_SEND_FAILED};

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

static void
check_event(const struct rsp_event *ev)
{
	int i;

	if ((ev->len > 0 && ev->data == NULL) || ev->npes < 0 ||
	    ev->npes > RSP_RESOLVE_MAX || (ev->npes > 0 && ev->pes == NULL) ||
	    ev->error < 0 || ev->error > RSP_ERROR_MAX)
		abort();
	if (ev->detail != NULL && strlen(ev->detail) > 4096)
		abort();
	giveup_event(&giveup, ev);
	for (i = 0; i < ev->npes; i++)
		if (ev->pes[i].naddrs < 0 ||
		    ev->pes[i].naddrs > RSP_PE_ADDRS_MAX)
			abort();
}

/* The element's application: an echo service that also answers
 * cookies and shows its card, as the services do. */
static void
pe_cb(const struct rsp_event *ev, void *arg)
{
	(void)arg;
	check_event(ev);
	if (fk_trace)
		fprintf(stderr, "element: event %d session %u error %d\n",
		    ev->type, ev->session, ev->error);
	switch (ev->type) {
	case RSP_EV_SESSION_UP:
		if (ev->session & 1)
			rsp_element_send_business_card(
			    pe, ev->session, NULL, 0);
		break;
	case RSP_EV_MSG:
		rsp_element_send(
		    pe, ev->session, ev->ppid, ev->stream, ev->data, ev->len);
		break;
	case RSP_EV_COOKIE_ECHO:
		rsp_element_send_cookie(pe, ev->session, ev->data, ev->len);
		break;
	default:
		break;
	}
}

static void
ses_cb(const struct rsp_event *ev, void *arg)
{
	(void)arg;
	check_event(ev);
	if (fk_trace)
		fprintf(stderr, "session: event %d pe $%08x error %d\n",
		    ev->type, ev->pe_id, ev->error);
	if (ev->type == RSP_EV_SESSION_UP || ev->type == RSP_EV_FAILOVER)
		rsp_session_send(ses, RSP_PPID_PINGPONG, 0, "ping", 4);
}

static void
resolved(int err, const struct rsp_pe_info *pes, int npes, void *arg)
{
	(void)arg;
	if (fk_trace)
		fprintf(stderr, "pu: resolved %d, %d PEs\n", err, npes);
	if (err < 0 || err > RSP_ERROR_MAX || npes < 0 ||
	    npes > RSP_RESOLVE_MAX || (npes > 0 && pes == NULL) ||
	    (err == RSP_OK && npes == 0))
		abort();
}

static void
ann_cb(enum lib_reg_event ev, const struct rsp_msg *m, void *arg)
{
	(void)ev, (void)m, (void)arg;
}

static void
timing(struct rsp_timing *t)
{
	memset(t, 0, sizeof(*t));
	t->announce_timeout_ms = 2000;
	t->connect_timeout_ms = 1000;
	t->response_timeout_ms = 1000;
	t->request_timeout_ms = 1000;
}

static void
new_element(void)
{
	struct rsp_element_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.pool_handle = "EchoPool";
	c.policy = policies[policy];
	c.registrars[0] = regs[0];
	c.registrars[1] = regs[1];
	c.nregistrars = 2;
	c.identifier = 0x12345678;
	c.rereg_ms = 1000;
	c.transport = kind;
	timing(&c.timing);
	if ((pe = rsp_element_new(loop, &c, pe_cb, NULL, &err)) == NULL)
		abort();
}

static void
new_session(void)
{
	struct rsp_session_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.pool_handle = "EchoPool";
	c.registrars[0] = regs[1];
	c.registrars[1] = regs[0];
	c.nregistrars = 2;
	c.transport = kind;
	timing(&c.timing);
	if ((ses = rsp_session_new(loop, &c, ses_cb, NULL, &err)) == NULL)
		abort();
}

static void
new_pu(void)
{
	struct rsp_pu_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.registrars[0] = regs[0];
	c.nregistrars = 1;
	c.transport = kind;
	c.stale_ms = cache ? 2000 : 0;
	timing(&c.timing);
	if ((pu = rsp_pu_new(loop, &c, &err)) == NULL)
		abort();
}

static uint32_t
session_id(uint8_t arg)
{
	struct fk_assoc *a = fk_pick(arg);

	return a != NULL ? a->id : arg;
}

static void
card(void)
{
	struct rsp_pe_info pi;
	struct sockaddr_in *sin = (struct sockaddr_in *)&pi.addrs[0];

	memset(&pi, 0, sizeof(pi));
	pi.pe_id = 0x77;
	pi.transport = kind;
	pi.port = 7;
	pi.naddrs = 1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(7);
	sin->sin_addr.s_addr = htonl(0x7f000001);
	rsp_session_send_business_card(ses, "EchoPool", &pi, 1);
}

static void
status(void)
{
	struct rsp_status st;
	char buf[LIB_TRIED_LEN];

	rsp_element_status(pe, &st);
	rsp_session_status(ses, &st);
	(void)rsp_session_unacked(ses);
	(void)rsp_session_has_cookie(ses);
	(void)rsp_session_is_up(ses);
	(void)rsp_session_pe_id(ses);
	if (strlen(lib_reg_tried(&ann, buf, sizeof(buf))) >= sizeof(buf))
		abort();
	if (lib_reg_current(&ann, buf, sizeof(buf)) != NULL &&
	    strlen(buf) >= sizeof(buf))
		abort();
}

static void
api(uint8_t op, uint8_t arg)
{
	switch (op & 31) {
	case 0:
		rsp_element_set_load(pe, (uint32_t)arg << 24);
		break;
	case 1:
		rsp_element_deregister(pe);
		break;
	case 2:
		rsp_element_send_business_card(pe, session_id(arg), NULL, 0);
		break;
	case 3:
		rsp_element_send_cookie(pe, session_id(arg), "cookie", arg & 7);
		break;
	case 4:
		rsp_element_close_session(pe, session_id(arg));
		break;
	case 5:
		rsp_element_abort_session(pe, session_id(arg));
		break;
	case 6:
		rsp_element_send(
		    pe, session_id(arg), RSP_PPID_PINGPONG, 0, "pong", arg & 3);
		break;
	case 7:
		rsp_session_send(ses, RSP_PPID_PINGPONG, arg & 1, "ping", 4);
		break;
	case 8:
		rsp_session_failover(ses);
		break;
	case 9:
		rsp_session_reconnect(ses);
		break;
	case 10:
		rsp_session_shutdown(ses);
		break;
	case 11:
		card();
		break;
	case 12:
		rsp_pu_resolve(pu, "EchoPool", resolved, NULL);
		break;
	case 13:
		rsp_pu_resolve(
		    pu, arg & 1 ? "Other" : "EchoPool", resolved, NULL);
		break;
	case 14:
		rsp_report_failure(pu, "EchoPool", arg & 1 ? 0x12345678 : arg);
		break;
	case 15:
		fk_full = arg & 1;
		break;
	case 16:
		fk_connect_fails = arg & 1;
		break;
	case 17:
		status();
		break;
	case 18:
		rsp_session_free(ses);
		new_session();
		break;
	case 19:
		rsp_element_free(pe);
		new_element();
		break;
	case 20:
		rsp_pu_free(pu);
		new_pu();
		break;
	case 21:
		fk_send_failed_dead(
		    arg & 1 ? RSP_PPID_ASAP : RSP_PPID_PINGPONG, NULL, 0);
		break;
	case 22:
		lib_reg_start(&ann);
		break;
	default:
		break;
	}
}

static void
message(uint8_t op, const uint8_t *p, size_t len)
{
	static const uint32_t ppids[] = {
	    RSP_PPID_ASAP, RSP_PPID_ENRP, RSP_PPID_PINGPONG};
	struct sockaddr_in sin;
	struct fk_assoc *a;
	int i;

	if ((op & 0x30) == 0x30) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(RSP_PORT_ASAP);
		sin.sin_addr.s_addr = htonl(0x7f000000u | (op & 15));
		if ((i = lib_cand_announce(
		         &ann, p, len, (struct sockaddr *)&sin)) >= 0)
			lib_reg_announced(&ann, i);
		return;
	}
	if ((a = fk_pick(op & 15)) != NULL)
		fk_event(a, TR_EV_MSG, ppids[(op >> 4) & 3], p, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fk_assoc *a;
	struct tr_ep *ep;
	const uint8_t *body;
	size_t len;
	uint8_t op;

	if (loop == NULL) {
		fuzz_log_init();
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
	giveup.ms = 5000;
	giveup_start(&giveup, loop, "fuzz");
	kind = data[0] & 1 ? TR_SCTP : TR_TCP;
	cache = (data[0] >> 1) & 1;
	policy = (data[0] >> 2) & 7;
	data++;
	size--;
	new_element();
	new_session();
	new_pu();
	if (lib_reg_init(
	        &ann, loop, kind, NULL, 0, "off", NULL, ann_cb, NULL) != -1)
		abort(); /* neither registrars nor announces: refused */
	if (lib_reg_init(
	        &ann, loop, kind, regs, 1, "off", NULL, ann_cb, NULL) == -1)
		abort();
	while (size > 0) {
		op = *data++;
		size--;
		if (op < 0x40) {
			if (!fuzz_record(&data, &size, &body, &len))
				break;
			message(op, body, len);
		} else if (op < 0x50 || (op >= 0x60 && op < 0x80)) {
			if (size < 1)
				break;
			if (op >= 0x60)
				api(op, data[0]);
			else if ((a = fk_pick(op & 15)) != NULL)
				fk_event(a, events[data[0] & 7],
				    data[0] & 8 ? RSP_PPID_ASAP
				                : RSP_PPID_PINGPONG,
				    NULL, 0);
			data++;
			size--;
		} else if (op < 0x60) {
			if ((ep = fk_listener(op & 15)) != NULL)
				fk_incoming(ep);
		} else {
			now_ms += (uint64_t)(op & 0x3f) * 50;
			if (op & 0x40)
				ev_run_once(loop, 0);
			else
				ev_now_update(loop);
		}
	}
	rsp_element_free(pe);
	rsp_session_free(ses);
	rsp_pu_free(pu);
	lib_reg_fini(&ann);
	giveup_stop(&giveup);
	if (ev_timer_count(loop) != 0 || fk_leaked())
		abort();
	return 0;
}
