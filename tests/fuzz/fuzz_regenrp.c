/*
 * Fuzz target for the registrar's ENRP side (core/registrar/enrp.c,
 * enrp_peer.c, enrp_sync.c, takeover.c, the multicast Presence input of
 * enrp.c) with its ASAP side behind it, the dropbear way: no sockets, a
 * fake ENRP and ASAP transport and a fake clock.  The registrar has ID
 * 0x5555 and two static peers, one at the address the test vectors'
 * server information names (10.1.1.254:9901), so Presence, Handle Table
 * Request and Response, Handle Update, List Request and Response, Init
 * Takeover, its Ack, Takeover Server and ENRP Error all reach their
 * handlers (and the action log and statistics, written to /dev/null,
 * record them; idle associations are closed after 3 s); whole message sequences drive the peer state machine
 * through the mentor phase, audits, peer death and takeover (with the
 * adoption of the dead peer's PEs over ASAP associations the registrar
 * opens).  Input: records of one op byte:
 *
 *	op < 0x40          a message: a 16-bit length, then its bytes;
 *	  op & 0x30 0x00   ENRP (PPID 12) on ENRP association slot op & 7
 *	            0x10   ASAP (PPID 11) on ASAP association slot op & 7
 *	            0x20   ENRP on the multicast group, from 127.0.0.(op & 7)
 *	            0x30   the wrong PPID: on the ENRP socket (op & 8 == 0)
 *	                   or on the ASAP socket
 *	0x40 <= op < 0x80  an event, (op >> 3) & 7 on slot op & 7:
 *	                   0 ENRP association lost, 1 ASAP association lost,
 *	                   2 an ASAP association the registrar opened is up,
 *	                   3 ENRP connects fail (op & 1), 4 ASAP connects
 *	                   fail (op & 1), 5 sends fail (op & 1), 6 and 7
 *	                   nothing
 *	op >= 0x80         the clock advances (op & 0x3f) x 250 ms; with
 *	                   op & 0x40 the timers run
 *
 * Slots 0-3 are the associations 1-4 peers opened to us, slots 4-7 the
 * four the registrar opened last (ENRP ids from 100, ASAP from 1000).
 *
 * After every record the handlespace must be consistent and the PEs it
 * says we own exactly those of the registrar's own index; every message
 * the registrar sends must decode; reg_free must leave no timer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/internal.h"
#include "core/registrar/registrar.h"
#include "handlespace/hs.h"
#include "proto/msg.h"
#include "tests/fuzz/fuzz_log.h"
#include "tests/fuzz/fuzz_record.h"
#include "tests/unit/regfix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REG_ID 0x5555u

static uint64_t now_ms;
static int enrp_connect_fails, asap_connect_fails, send_fails;
/* the associations the registrar opened, newest last */
static uint32_t enrp_opened[4], asap_opened[4];
static uint32_t enrp_next, asap_next;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

/* Whatever the registrar sends must be a message it could read. */
static int
fk_send(int proto, const void *data, size_t len)
{
	struct rsp_decode_error e;
	struct rsp_msg m;

	if (rsp_msg_decode(proto, data, len, &m, &e) == -1)
		abort();
	rsp_msg_free(&m);
	if (send_fails) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

static int
as_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	(void)arg, (void)assoc;
	return fk_send(RSP_PROTO_ASAP, data, len);
}

static int
en_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	(void)arg, (void)assoc;
	return fk_send(RSP_PROTO_ENRP, data, len);
}

static int
fk_abort(void *arg, uint32_t assoc)
{
	(void)arg, (void)assoc;
	return 0;
}

static int
fk_connect(
    int fails, uint32_t *opened, uint32_t *next, uint32_t base, uint32_t *assoc)
{
	if (fails) {
		errno = ECONNREFUSED;
		return -1;
	}
	*assoc = base + (*next)++;
	memmove(opened, opened + 1, 3 * sizeof(*opened));
	opened[3] = *assoc;
	return 0;
}

static int
as_connect(void *arg, const struct addr_list *to, uint32_t *assoc)
{
	(void)arg, (void)to;
	return fk_connect(
	    asap_connect_fails, asap_opened, &asap_next, 1000, assoc);
}

static int
en_connect(void *arg, const struct addr_list *to, uint32_t *assoc)
{
	(void)arg, (void)to;
	return fk_connect(
	    enrp_connect_fails, enrp_opened, &enrp_next, 100, assoc);
}

static int
fk_peer(void *arg, uint32_t assoc, struct addr_list *out)
{
	(void)arg;
	return addr_list_parse(out,
	    assoc & 1 ? "127.0.0.1:5000" : "127.0.0.1,10.1.1.1:5001", 0,
	    ADDR_PORT_REQUIRED, NULL, 0);
}

static int
fk_srtt(void *arg, uint32_t assoc)
{
	(void)arg;
	return assoc & 2 ? -1 : (int)(assoc % 300);
}

static void
check(struct registrar *reg)
{
	if (hs_verify(reg_hs(reg)) != 0 ||
	    hs_owner_count(reg_hs(reg), REG_ID) != reg_pe_count(reg))
		abort();
}

static uint32_t
slot(unsigned s, const uint32_t *opened)
{
	return s < 4 ? s + 1 : opened[s - 4];
}

static struct registrar *
start(struct ev_loop *loop)
{
	struct reg_config c = regfix_config("0x5555");
	struct reg_io aio = {as_send, fk_abort, fk_peer, NULL, RSP_PARAM_SCTP,
	    as_connect, fk_srtt, NULL};
	struct reg_enrp_io eio = {en_send, fk_abort, en_connect, NULL,
	    RSP_PARAM_SCTP, {0}, fk_srtt, fk_peer};
	struct registrar *reg;

	/* short timers, small tables: the fuzzer reaches them */
	c.ka_interval = 1000;
	c.ka_timeout = 500;
	c.max_hr_rate = 5;
	c.max_eu_rate = 5;
	c.enrp = "127.0.0.1:9901";
	c.peers.v[c.peers.n++] = "10.1.1.254:9901";
	c.peers.v[c.peers.n++] = "127.0.0.2:9902";
	c.hb_cycle = 1000;
	c.last_heard = 3000;
	c.no_response = 2000;
	c.mentor_timeout = 2000;
	c.max_ht_pes = 3;
	c.takeover_expiry = 2000;
	c.takeover_suggestion = 1;
	c.distance_step = 50;
	c.ht_max_bytes = 400;
	c.autoclose = 3;
	/* the files that record what arrives: formatted, then dropped */
	c.actionlog = c.statsfile = "/dev/null";
	c.stats_interval = 1000;
	if ((reg = reg_new(loop, &c)) == NULL ||
	    reg_actionlog_open(reg) == -1 || reg_stats_start(reg) == -1)
		abort();
	reg_set_io(reg, &aio);
	if (addr_list_parse(&eio.local, c.enrp, 0, 0, NULL, 0) == -1)
		abort();
	reg_set_enrp_io(reg, &eio);
	if (reg_enrp_start(reg) == -1)
		abort();
	return reg;
}

static void
message(struct registrar *reg, uint8_t op, const uint8_t *p, size_t len)
{
	struct sockaddr_in sin;

	switch (op & 0x30) {
	case 0x00:
		reg_enrp_msg(reg, slot(op & 7, enrp_opened), 12, p, len);
		break;
	case 0x10:
		reg_assoc_msg(reg, slot(op & 7, asap_opened), 11, p, len);
		break;
	case 0x20:
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(9901);
		sin.sin_addr.s_addr = htonl(0x7f000000u | (op & 7));
		reg_enrp_mcast_input(reg, (struct sockaddr *)&sin, p, len);
		break;
	default:
		if (op & 8)
			reg_assoc_msg(
			    reg, slot(op & 7, asap_opened), 12, p, len);
		else
			reg_enrp_msg(
			    reg, slot(op & 7, enrp_opened), 11, p, len);
		break;
	}
}

static void
event(struct registrar *reg, uint8_t op)
{
	unsigned s = op & 7;

	switch ((op >> 3) & 7) {
	case 0:
		if (slot(s, enrp_opened) != 0)
			reg_enrp_lost(reg, slot(s, enrp_opened));
		break;
	case 1:
		if (slot(s, asap_opened) != 0)
			reg_assoc_lost(reg, slot(s, asap_opened));
		break;
	case 2:
		if (s >= 4 && asap_opened[s - 4] != 0)
			reg_assoc_up(reg, asap_opened[s - 4]);
		break;
	case 3:
		enrp_connect_fails = op & 1;
		break;
	case 4:
		asap_connect_fails = op & 1;
		break;
	case 5:
		send_fails = op & 1;
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ev_loop *loop;
	struct registrar *reg;
	const uint8_t *body;
	size_t len;
	uint8_t op;

	if (loop == NULL) {
		fuzz_log_init();
		if ((loop = ev_loop_new()) == NULL)
			abort();
		ev_set_clock(loop, fake_clock, NULL);
	}
	rand_seed_for_tests(1);
	now_ms = 1000;
	ev_now_update(loop);
	enrp_connect_fails = asap_connect_fails = send_fails = 0;
	enrp_next = asap_next = 0;
	memset(enrp_opened, 0, sizeof(enrp_opened));
	memset(asap_opened, 0, sizeof(asap_opened));
	reg = start(loop);
	check(reg);
	while (size > 0) {
		op = *data++;
		size--;
		if (op < 0x40) {
			if (!fuzz_record(&data, &size, &body, &len))
				break;
			message(reg, op, body, len);
		} else if (op < 0x80) {
			event(reg, op);
		} else {
			now_ms += (uint64_t)(op & 0x3f) * 250;
			if (op & 0x40)
				ev_run_once(loop, 0);
			else
				ev_now_update(loop);
		}
		check(reg);
	}
	reg_free(reg);
	if (ev_timer_count(loop) != 0)
		abort(); /* reg_free must cancel every timer */
	return 0;
}
