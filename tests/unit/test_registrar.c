/*
 * The registrar's ASAP handling without sockets: a fake transport
 * (struct reg_io) records what is sent and aborted and answers peer
 * addresses; a fake clock drives keep-alive and expiry timers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/registrar.h"
#include "core/registrar/internal.h"
#include "handlespace/hs.h"
#include "proto/msg.h"
#include "regfix.h"
#include "testlib.h"

#define SENTMAX 64

static struct fake {
	int nsent;
	uint32_t assoc[SENTMAX];
	struct rsp_msg msg[SENTMAX];
	int naborts;
	uint32_t aborted;
	const char *peer;  /* "127.0.0.1:5000" or a list */
	uint32_t full;     /* sends on this association: EAGAIN */
	int full_attempts; /* sends refused so */
} fk;

static uint64_t now_ms = 1000;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

static int
fk_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	struct rsp_decode_error err;

	(void)arg;
	if (fk.nsent >= SENTMAX)
		return -1;
	if (fk.full != 0 && assoc == fk.full) {
		fk.full_attempts++;
		errno = EAGAIN;
		return -1;
	}
	if (rsp_msg_decode(
	        RSP_PROTO_ASAP, data, len, &fk.msg[fk.nsent], &err) == -1) {
		CHECK(!"registrar sent something undecodable");
		return -1;
	}
	fk.assoc[fk.nsent++] = assoc;
	return 0;
}

static int
fk_abort(void *arg, uint32_t assoc)
{
	(void)arg;
	fk.naborts++;
	fk.aborted = assoc;
	return 0;
}

static int
fk_peer(void *arg, uint32_t assoc, struct addr_list *out)
{
	(void)arg, (void)assoc;
	return addr_list_parse(out, fk.peer, 0, ADDR_PORT_REQUIRED, NULL, 0);
}

static int fk_srtt_ms = -1; /* what the fake transport measures */
static int fk_srtt_calls;

static int
fk_srtt(void *arg, uint32_t assoc)
{
	(void)arg, (void)assoc;
	fk_srtt_calls++;
	return fk_srtt_ms;
}

static void
fk_reset(void)
{
	int i;

	for (i = 0; i < fk.nsent; i++)
		rsp_msg_free(&fk.msg[i]);
	fk.nsent = 0;
	fk.naborts = 0;
	fk.aborted = 0;
}

static const struct rsp_msg *
last(void)
{
	return fk.nsent ? &fk.msg[fk.nsent - 1] : NULL;
}

static void
feed(struct registrar *reg, uint32_t assoc, const char *hex)
{
	uint8_t b[512];
	long n = test_hex(hex, b, sizeof(b));

	CHECK(n > 0);
	reg_assoc_msg(reg, assoc, 11, b, (size_t)n);
}

static void
advance(struct ev_loop *loop, uint64_t ms)
{
	now_ms += ms;
	ev_run_once(loop, 0);
}

/* EchoPool, PE $12345678, SCTP 7 at 127.0.0.1 and 10.1.1.1, RR, 30 s. */
#define REG2                                                                 \
	"01 00 00 40 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 30 12 34 " \
	"56 78 00 00 ab cd 00 00 75 30 00 04 00 18 00 07 00 01 00 01 00 08 " \
	"7f 00 00 01 00 01 00 08 0a 01 01 01 00 08 00 08 00 00 00 01"
#define REG                                                                  \
	"01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 " \
	"56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 " \
	"7f 00 00 01 00 08 00 08 00 00 00 01"
#define DEREG                                                                \
	"02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 " \
	"56 78"
#define HR "05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c"
#define KA_ACK                                                               \
	"08 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 " \
	"56 78"
#define EU                                                                   \
	"09 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 " \
	"56 78"

/* A Handle Resolution for EchoPool carrying n skip-and-report (0xc0..)
 * parameters of 4 bytes each. */
static void
feed_skip_report(struct registrar *reg, uint32_t assoc, size_t n)
{
	static const uint8_t hr[] = {0x05, 0, 0, 0, 0x00, 0x09, 0x00, 0x0c, 'E',
	    'c', 'h', 'o', 'P', 'o', 'o', 'l'};
	size_t i, len = sizeof(hr) + 4 * n;
	uint8_t *b = malloc(len);

	CHECK(b != NULL && len <= 0xffff);
	if (b == NULL)
		return;
	memcpy(b, hr, sizeof(hr));
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	for (i = 0; i < n; i++)
		memcpy(b + sizeof(hr) + 4 * i, "\xc0\x77\x00\x04", 4);
	reg_assoc_msg(reg, assoc, 11, b, len);
	free(b);
}

/* REG with another PE ID. */
static void
feed_reg_id(struct registrar *reg, uint32_t assoc, uint32_t id)
{
	char hex[sizeof(REG) + 1];
	char idhex[12];

	snprintf(idhex, sizeof(idhex), "%02x %02x %02x %02x", id >> 24,
	    (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
	snprintf(hex, sizeof(hex), "%s", REG);
	memcpy(strstr(hex, "12 34 56 78"), idhex, 11);
	feed(reg, assoc, hex);
}

static struct reg_config
config(void)
{
	return regfix_config("0xabcd");
}

static struct registrar *
make(struct ev_loop *loop, const struct reg_config *c)
{
	struct reg_io io = {
	    fk_send, fk_abort, fk_peer, NULL, 0x0004, NULL, fk_srtt, NULL};
	struct registrar *reg = reg_new(loop, c);

	reg_set_io(reg, &io);
	fk_reset();
	fk.peer = "127.0.0.1:5000";
	return reg;
}

static const struct rsp_handle echopool = {8, "EchoPool"};

static void
test_register(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg = make(loop, &c);
	const struct hs_pe *pe;
	struct rsp_pe out;
	struct rsp_addr addrs[8];
	char err[128];

	test_section("registration");
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	CHECK(reg_id(reg) == 0xabcd);
	feed(reg, 1, REG2);
	CHECK(fk.nsent == 1 && last()->type == ASAP_REGISTRATION_RESPONSE);
	CHECK(last()->flags == 0 && last()->pe_id == 0x12345678);
	CHECK(!(last()->present & RSP_HAS_ERROR));
	CHECK(reg_pe_count(reg) == 1);
	pe = hs_find_pe(reg_hs(reg), &echopool, 0x12345678);
	CHECK(pe != NULL);
	CHECK(hs_pe_home(pe) == 0xabcd);
	/* 10.1.1.1 is not on the association: dropped. */
	CHECK(hs_pe_export(pe, &out, addrs, 8) == 2);
	CHECK(out.user.naddrs == 1 && out.user.addrs[0].a[0] == 127);
	CHECK(out.has_asap && out.asap.port == 5000 && out.asap.naddrs == 1);
	CHECK(strcmp(reg_pe_ka_state(reg, &echopool, 0x12345678), "idle") == 0);

	test_section("refusals");
	fk.peer = "10.9.9.9:5000";
	fk_reset();
	feed(reg, 2, REG2); /* same PE from elsewhere: no common address */
	CHECK(last()->flags == ASAP_FLAG_R);
	CHECK(last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_INVALID_VALUES);
	fk.peer = "127.0.0.1:5000";
	fk_reset();
	feed(reg, 1, "01 00 00 08 00 09 00 0c");
	CHECK(last()->type == ASAP_ERROR && last()->error.ncauses == 1);
	CHECK(reg_pe_count(reg) == 1);
	/* Discard-and-report parameter: the TLV comes back as cause data. */
	fk_reset();
	feed(reg, 1,
	    "05 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 40 22 00 08 de ad "
	    "be ef");
	CHECK(fk.nsent == 1 && last()->type == ASAP_ERROR);
	CHECK(last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_UNRECOGNIZED_PARAM);
	CHECK(last()->error.causes[0].data.len == 8 &&
	      memcmp(last()->error.causes[0].data.data,
	          "\x40\x22\x00\x08\xde\xad\xbe\xef", 8) == 0);

	/* 10,000 skip-and-report parameters: one answer, not 10,000. */
	fk_reset();
	feed_skip_report(reg, 1, 10000);
	CHECK(fk.nsent == 2); /* the Handle Resolution Response and one error */
	CHECK(fk.msg[0].type == ASAP_ERROR && fk.msg[0].error.ncauses > 1000);
	CHECK(fk.msg[0].error.causes[0].code == RSP_CAUSE_UNRECOGNIZED_PARAM &&
	      fk.msg[0].error.causes[0].data.len == 4);
	CHECK(fk.msg[1].type == ASAP_HANDLE_RESOLUTION_RESPONSE);
	fk_reset();
	feed_skip_report(reg, 1, 3);
	CHECK(fk.nsent == 2 && fk.msg[0].error.ncauses == 3);

	test_section("deregistration");
	fk_reset();
	feed(reg, 1, DEREG);
	CHECK(last()->type == ASAP_DEREGISTRATION_RESPONSE &&
	      !(last()->present & RSP_HAS_ERROR));
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);
	fk_reset();
	feed(reg, 1, DEREG); /* unknown: success too */
	CHECK(last()->type == ASAP_DEREGISTRATION_RESPONSE &&
	      !(last()->present & RSP_HAS_ERROR));
	fk_reset();
	reg_free(reg);
}

static void
test_keepalive(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg = make(loop, &c);

	test_section("keep-alive");
	feed(reg, 7, REG);
	fk_reset();
	advance(loop, 4999);
	CHECK(fk.nsent == 0);
	advance(loop, 1);
	CHECK(fk.nsent == 1 && last()->type == ASAP_ENDPOINT_KEEP_ALIVE);
	CHECK(last()->sender == 0xabcd && last()->flags == 0 &&
	      last()->pe_id == 0x12345678 && fk.assoc[0] == 7);
	CHECK(strcmp(reg_pe_ka_state(reg, &echopool, 0x12345678), "wait-ack") ==
	      0);
	feed(reg, 7, KA_ACK);
	CHECK(strcmp(reg_pe_ka_state(reg, &echopool, 0x12345678), "idle") == 0);
	advance(loop, 5000);
	CHECK(fk.nsent == 2);
	/* An ack from another association does not count. */
	feed(reg, 8, KA_ACK);
	advance(loop, 5000);
	CHECK(fk.naborts == 1 && fk.aborted == 7);
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);
	fk_reset();
	reg_free(reg);
}

/* KA_ACK for another PE ID. */
static void
feed_ack_id(struct registrar *reg, uint32_t assoc, uint32_t id)
{
	char hex[sizeof(KA_ACK) + 1];
	char idhex[12];

	snprintf(idhex, sizeof(idhex), "%02x %02x %02x %02x", id >> 24,
	    (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
	snprintf(hex, sizeof(hex), "%s", KA_ACK);
	memcpy(strstr(hex, "12 34 56 78"), idhex, 11);
	feed(reg, assoc, hex);
}

static const char *
ka_state(struct registrar *reg, uint32_t id)
{
	const char *s = reg_pe_ka_state(reg, &echopool, id);

	return s != NULL ? s : "none";
}

/* Step the clock to t0 + at. */
static void
at(struct ev_loop *loop, uint64_t t0, uint64_t at)
{
	advance(loop, t0 + at - now_ms);
}

/*
 * Keep-alive of several PEs through the two lists (idle, wait-ack) that
 * replace a timer per PE: each PE on its own deadline, re-registration
 * and acks restarting it, a timeout aborting only its association, PEs
 * leaving from the middle of a list, and the timer count independent of
 * the number of PEs.
 */
static void
test_keepalive_lists(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg;
	uint32_t timers, id;
	uint64_t t0 = now_ms;
	int ok;

	test_section("keep-alive lists");
	c.ka_interval = 5000;
	c.ka_timeout = 3000;
	reg = make(loop, &c);
	timers = ev_timer_count(loop);
	feed_reg_id(reg, 7, 1);
	at(loop, t0, 1000);
	feed_reg_id(reg, 8, 2);
	at(loop, t0, 2000);
	feed_reg_id(reg, 7, 3);
	fk_reset();
	at(loop, t0, 4999);
	CHECK(fk.nsent == 0);
	at(loop, t0, 5000);
	CHECK(fk.nsent == 1 && last()->type == ASAP_ENDPOINT_KEEP_ALIVE &&
	      last()->pe_id == 1 && fk.assoc[0] == 7);
	CHECK(strcmp(ka_state(reg, 1), "wait-ack") == 0 &&
	      strcmp(ka_state(reg, 2), "idle") == 0);
	/* PE 3 re-registers: its keep-alive starts over (due at 10500). */
	at(loop, t0, 5500);
	feed_reg_id(reg, 7, 3);
	fk_reset();
	at(loop, t0, 6000);
	CHECK(fk.nsent == 1 && last()->pe_id == 2 && fk.assoc[0] == 8);
	feed_ack_id(reg, 7, 1); /* PE 1: idle again, due at 11000 */
	CHECK(strcmp(ka_state(reg, 1), "idle") == 0);
	fk_reset();
	at(loop, t0, 7000);
	at(loop, t0, 8000); /* PE 1's old timeout: it answered */
	at(loop, t0, 8999);
	CHECK(fk.nsent == 0 && fk.naborts == 0);
	at(loop, t0, 9000); /* PE 2's timeout: only assoc 8 goes */
	CHECK(fk.naborts == 1 && fk.aborted == 8);
	CHECK(reg_pe_count(reg) == 2 && hs_pe_total(reg_hs(reg)) == 2);
	CHECK(strcmp(ka_state(reg, 2), "none") == 0);
	fk_reset();
	at(loop, t0, 10500);
	CHECK(fk.nsent == 1 && last()->pe_id == 3);
	at(loop, t0, 11000);
	CHECK(fk.nsent == 2 && last()->pe_id == 1);
	/* PE 3, the wait-ack list's head, deregisters; PE 1 behind it
	 * still times out at 14000. */
	feed(reg, 7,
	    "02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 00 00 "
	    "00 03");
	CHECK(reg_pe_count(reg) == 1);
	fk_reset();
	at(loop, t0, 13999);
	CHECK(fk.naborts == 0);
	at(loop, t0, 14000);
	CHECK(fk.naborts == 1 && fk.aborted == 7);
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);

	/* Forty PEs: no more timers, keep-alives in registration order. */
	fk_reset();
	for (id = 100; id < 140; id++)
		feed_reg_id(reg, 9, id);
	CHECK(reg_pe_count(reg) == 40);
	CHECK(ev_timer_count(loop) <= timers + 3);
	fk_reset();
	advance(loop, 5000);
	CHECK(fk.nsent == 40);
	for (id = 0, ok = 1; id < 40 && (int)id < fk.nsent; id++)
		ok &= fk.msg[id].type == ASAP_ENDPOINT_KEEP_ALIVE &&
		      fk.msg[id].pe_id == 100 + id && fk.assoc[id] == 9;
	CHECK(ok);
	reg_assoc_lost(reg, 9);
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);
	fk_reset();
	advance(loop, 3000); /* nothing left to time out */
	CHECK(fk.nsent == 0 && fk.naborts == 0);
	reg_free(reg);
	CHECK(ev_timer_count(loop) == timers);
}

/*
 * A Keep-Alive that finds its association's send queue full (EAGAIN)
 * waits in SEND and goes out, in order, once there is room; later ones
 * of that association queue behind it without a send attempt each; other
 * associations are not held up; with no room within the keep-alive
 * timeout the association is aborted.
 */
static void
test_keepalive_full(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg;
	uint32_t timers, id;
	uint64_t t0 = now_ms;

	test_section("keep-alive: send queue full");
	c.ka_interval = 5000;
	c.ka_timeout = 3000;
	reg = make(loop, &c);
	timers = ev_timer_count(loop);
	for (id = 1; id <= 3; id++)
		feed_reg_id(reg, 7, id);
	feed_reg_id(reg, 8, 4);
	fk_reset();
	fk.full = 7;
	fk.full_attempts = 0;
	at(loop, t0, 5000);
	CHECK(fk.full_attempts == 1); /* PEs 2, 3 queue behind PE 1 */
	CHECK(fk.nsent == 1 && last()->pe_id == 4 && fk.assoc[0] == 8);
	CHECK(strcmp(ka_state(reg, 1), "send") == 0 &&
	      strcmp(ka_state(reg, 3), "send") == 0 &&
	      strcmp(ka_state(reg, 4), "wait-ack") == 0);
	at(loop, t0, 5010);
	CHECK(fk.full_attempts == 2 && fk.nsent == 1);
	fk.full = 0;
	at(loop, t0, 5020);
	CHECK(fk.nsent == 4 && fk.msg[1].pe_id == 1 && fk.msg[2].pe_id == 2 &&
	      fk.msg[3].pe_id == 3 && fk.assoc[3] == 7 &&
	      fk.msg[3].type == ASAP_ENDPOINT_KEEP_ALIVE);
	for (id = 1; id <= 3; id++)
		feed_ack_id(reg, 7, id);
	feed_ack_id(reg, 8, 4);
	CHECK(strcmp(ka_state(reg, 1), "idle") == 0 &&
	      strcmp(ka_state(reg, 3), "idle") == 0);
	CHECK(fk.naborts == 0 && reg_pe_count(reg) == 4);
	/* Full from 10,020 on: at 13,020 nothing has left, assoc 7 goes. */
	fk_reset();
	fk.full = 7;
	at(loop, t0, 10020);
	CHECK(strcmp(ka_state(reg, 2), "send") == 0);
	feed_ack_id(reg, 8, 4);
	at(loop, t0, 13019);
	CHECK(fk.naborts == 0);
	at(loop, t0, 13020);
	CHECK(fk.naborts == 1 && fk.aborted == 7);
	CHECK(reg_pe_count(reg) == 1 && strcmp(ka_state(reg, 1), "none") == 0);
	fk.full = 0;
	fk_reset();
	reg_free(reg);
	CHECK(ev_timer_count(loop) == timers);
}

static void
test_assoc(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg = make(loop, &c);

	test_section("associations");
	feed(reg, 1, REG);
	reg_assoc_lost(reg, 1);
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);
	/* A live PE ID stays with its association (RFC 5355 2.3): another
	 * one is refused its registration (0x0004) and deregistration
	 * (0x000a); once the owner's association goes, the ID is free. */
	feed(reg, 1, REG);
	fk_reset();
	feed(reg, 2, REG);
	CHECK(fk.nsent == 1 && fk.assoc[0] == 2 &&
	      last()->flags == ASAP_FLAG_R && last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_NONUNIQUE_PE_ID);
	fk_reset();
	feed(reg, 2, DEREG);
	CHECK(last()->type == ASAP_DEREGISTRATION_RESPONSE &&
	      last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_SECURITY);
	CHECK(reg_pe_count(reg) == 1 && hs_pe_total(reg_hs(reg)) == 1);
	reg_assoc_lost(reg, 1);
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);
	fk_reset();
	feed(reg, 2, REG);
	CHECK(!(last()->present & RSP_HAS_ERROR) && reg_pe_count(reg) == 1);
	reg_assoc_lost(reg, 2);
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);
	/* Another PPID aborts. */
	feed(reg, 3, REG);
	fk_reset();
	reg_assoc_msg(reg, 3, 12, (const uint8_t *)"\x05\0\0\x04", 4);
	CHECK(fk.naborts == 1 && fk.aborted == 3 && reg_pe_count(reg) == 0);
	fk_reset();
	reg_free(reg);
}

static void
test_resolution(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg;

	test_section("handle resolution");
	c.max_hr_rate = 2;
	c.max_eu_rate = 1;
	reg = make(loop, &c);
	feed(reg, 1, HR);
	CHECK(last()->type == ASAP_HANDLE_RESOLUTION_RESPONSE &&
	      last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_UNKNOWN_POOL_HANDLE);
	feed(reg, 1, REG);
	fk_reset();
	feed(reg, 2, HR);
	CHECK(last()->npes == 1 && last()->pes[0].id == 0x12345678 &&
	      !last()->pes[0].has_asap);
	CHECK((last()->present & RSP_HAS_POLICY) &&
	      last()->policy.type == RSP_POLICY_RR);
	feed(reg, 2, HR);
	CHECK(last()->npes == 1);
	feed(reg, 2, HR); /* third in the same second: refused */
	CHECK(last()->npes == 0 && last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_UNKNOWN_POOL_HANDLE);
	advance(loop, 500);
	feed(reg, 2, HR);
	CHECK(last()->npes == 1);

	test_section("handle resolution items");
	feed_reg_id(reg, 1, 0x11111111);
	feed_reg_id(reg, 1, 0x22222222);
	feed_reg_id(reg, 1, 0x33333333);
	advance(loop, 1000);
	feed(reg, 2, HR); /* -maxhresitems=3 */
	CHECK(last()->npes == 3);
	feed(reg, 2,
	    "05 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 80 3f 00 08 00 "
	    "00 00 02");
	CHECK(last()->npes == 2);
	advance(loop, 1000);
	feed(reg, 2,
	    "05 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 80 3f 00 08 00 "
	    "00 00 00");
	CHECK(last()->npes == 3);
	feed(reg, 2,
	    "05 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 80 3f 00 08 ff "
	    "ff ff ff");
	CHECK(last()->npes == 4);
	feed(reg, 1, DEREG);
	feed(reg, 1,
	    "02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 11 11 "
	    "11 11");
	feed(reg, 1,
	    "02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 22 22 "
	    "22 22");
	feed(reg, 1,
	    "02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 33 33 "
	    "33 33");
	CHECK(reg_pe_count(reg) == 0);
	feed(reg, 1, REG);

	test_section("unreachable");
	feed(reg, 2, EU);
	feed(reg, 2, EU); /* over -maxeurate: ignored */
	feed(reg, 2, EU);
	CHECK(reg_pe_count(reg) == 1);
	advance(loop, 1000);
	feed(reg, 2, EU);
	advance(loop, 1000);
	fk_reset();
	feed(reg, 2, EU);
	/* the third report: the PE is asked, not removed */
	CHECK(fk.nsent == 1 && fk.assoc[0] == 1 &&
	      last()->type == ASAP_ENDPOINT_KEEP_ALIVE);
	CHECK(reg_pe_count(reg) == 1);
	CHECK(strcmp(reg_pe_ka_state(reg, &echopool, 0x12345678), "wait-ack") ==
	      0);
	feed(reg, 1, KA_ACK); /* it answers: it stays, reports cleared */
	CHECK(reg_pe_count(reg) == 1 &&
	      hs_pe_unreachable(
	          hs_find_pe(reg_hs(reg), &echopool, 0x12345678)) == 0);
	advance(loop, 1000);
	feed(reg, 2, EU);
	advance(loop, 1000);
	feed(reg, 2, EU);
	CHECK(reg_pe_count(reg) == 1);
	advance(loop, 1000);
	fk_reset();
	feed(reg, 2, EU);
	CHECK(last()->type == ASAP_ENDPOINT_KEEP_ALIVE);
	advance(loop, 5000); /* no answer: aborted with its association */
	CHECK(fk.naborts == 1 && fk.aborted == 1);
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);
	fk_reset();
	reg_free(reg);
}

/* -maxpesperassociation, -maxpes, -maxregistrationrate: 0x0006, and
 * the refusals counted by cause. */
static void
test_caps(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg;

	test_section("caps");
	c.max_pes_assoc = 2;
	c.max_pes = 3;
	reg = make(loop, &c);
	feed_reg_id(reg, 1, 1);
	feed_reg_id(reg, 1, 2);
	feed_reg_id(reg, 1, 3);
	CHECK(last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_LACK_OF_RESOURCES);
	feed_reg_id(reg, 1, 2); /* a re-registration is not a new PE */
	CHECK(!(last()->present & RSP_HAS_ERROR));
	feed_reg_id(reg, 2, 4);
	CHECK(!(last()->present & RSP_HAS_ERROR) && reg_pe_count(reg) == 3);
	feed_reg_id(reg, 3, 5); /* -maxpes */
	CHECK(last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_LACK_OF_RESOURCES);
	CHECK(reg_pe_count(reg) == 3);
	fk_reset();
	reg_free(reg);

	c = config();
	c.max_reg_rate = 2;
	reg = make(loop, &c);
	feed_reg_id(reg, 1, 1);
	feed_reg_id(reg, 1, 2);
	feed_reg_id(reg, 1, 3); /* the third in the same second */
	CHECK(last()->error.ncauses == 1 &&
	      last()->error.causes[0].code == RSP_CAUSE_LACK_OF_RESOURCES);
	advance(loop, 600);
	fk_reset();
	feed_reg_id(reg, 1, 3);
	CHECK(!(last()->present & RSP_HAS_ERROR) && reg_pe_count(reg) == 3);
	fk_reset();
	reg_free(reg);
}

static void
test_expiry(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg;

	test_section("expiry");
	c.ka_interval = 100000;
	reg = make(loop, &c);
	feed(reg, 1, REG);
	advance(loop, 29999);
	CHECK(reg_pe_count(reg) == 1);
	advance(loop, 1);
	CHECK(reg_pe_count(reg) == 0 && hs_pe_total(reg_hs(reg)) == 0);
	fk_reset();
	reg_free(reg);
}

/* REG with the policy LeastUsedDPF: load 0, DPF 0, distance 7. */
#define REG_DPF                                                              \
	"01 00 00 44 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 34 12 34 " \
	"56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 " \
	"7f 00 00 01 00 08 00 14 b0 00 20 02 00 00 00 00 00 00 00 00 00 00 " \
	"00 07"

static uint32_t
dpf_distance(struct registrar *reg, int srtt)
{
	const struct hs_pe *pe;
	struct rsp_pe out;
	struct rsp_addr addrs[8];

	fk_srtt_ms = srtt;
	feed(reg, 1, REG_DPF);
	pe = hs_find_pe(reg_hs(reg), &echopool, 0x12345678);
	if (pe == NULL || hs_pe_export(pe, &out, addrs, 8) > 8 ||
	    out.policy.type != 0xb0002002 || out.policy.nvalues != 3)
		return 0xffffffff;
	return out.policy.v[2];
}

static void
test_distance(struct ev_loop *loop)
{
	struct reg_config c = config();
	struct registrar *reg;
	struct rsp_policy p = {0xb0002002, 3, {0, 0, 100}};
	struct rsp_policy rr = {0x00000001, 0, {0}};

	test_section("DPF distance: half the SRTT, rounded to -distancestep");
	c.distance_step = 50;
	reg = make(loop, &c);
	/* the registrar measures; the PE's own value (7) is replaced */
	CHECK(dpf_distance(reg, 130) == 50);  /* 65 ms -> 50 */
	CHECK(dpf_distance(reg, 160) == 100); /* 80 ms -> 100 */
	CHECK(dpf_distance(reg, -1) == 0);    /* unknown */
	/* other policies: untouched, and no RTT asked for */
	fk_srtt_calls = 0;
	feed(reg, 1, REG);
	CHECK(fk_srtt_calls == 0);
	/* learned from a peer: its distance to us is added */
	reg_distance(reg, &p, 130, 1);
	CHECK(p.v[2] == 150);
	reg_distance(reg, &rr, 130, 1);
	CHECK(rr.nvalues == 0 && rr.v[0] == 0);
	p.v[2] = 0xfffffff0;
	reg_distance(reg, &p, 1000, 1);
	CHECK(p.v[2] == 0xffffffff); /* saturates */
	reg_free(reg);
	c.distance_step = 10;
	reg = make(loop, &c);
	CHECK(dpf_distance(reg, 130) == 70); /* 65 ms -> 70 */
	reg_free(reg);
	fk_srtt_ms = -1;
	fk_reset();
}

static void
test_config(void)
{
	struct reg_config c = config();
	char err[128];

	test_section("configuration");
	c.identifier = "0";
	CHECK(reg_config_check(&c, err, sizeof(err)) == -1);
	c = config();
	c.minscope = "galactic";
	CHECK(reg_config_check(&c, err, sizeof(err)) == -1);
	c = config();
	c.announce = "auto";
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	c.announce = "239.1.2.3:999";
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	c.announce = "x";
	CHECK(reg_config_check(&c, err, sizeof(err)) == -1);
}

static void
quiet(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

int
main(void)
{
	struct ev_loop *loop;

	log_register(quiet, NULL);
	rand_seed_for_tests(1);
	loop = ev_loop_new();
	ev_set_clock(loop, fake_clock, NULL);
	ev_now_update(loop);
	test_register(loop);
	test_keepalive(loop);
	test_keepalive_lists(loop);
	test_keepalive_full(loop);
	test_assoc(loop);
	test_caps(loop);
	test_resolution(loop);
	test_expiry(loop);
	test_distance(loop);
	test_config();
	ev_loop_free(loop);
	return test_done();
}
