/*
 * Fuzz target for the registrar's ASAP side (core/registrar/) the
 * dropbear way: no sockets, a fake transport and a fake clock.  Input:
 * records of one op byte, then for messages a 16-bit length and the
 * message:
 *
 *	op & 0xc0 == 0x00  message on association (op & 3) + 1 (PPID 11,
 *	                   or 12 when op & 0x20)
 *	op & 0xc0 == 0x40  association (op & 3) + 1 lost
 *	op & 0xc0 == 0x80  the clock advances (op & 0x3f) x 250 ms
 *	op & 0xc0 == 0xc0  the same, then the timers run
 *
 * After every record the handlespace must be consistent and hold
 * exactly the PEs of the registrar's own index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/registrar.h"
#include "handlespace/hs.h"
#include "tests/fuzz/fuzz_record.h"
#include "tests/unit/regfix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t now_ms;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

static int
fk_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	(void)arg, (void)assoc, (void)data, (void)len;
	return 0;
}

static int
fk_abort(void *arg, uint32_t assoc)
{
	(void)arg, (void)assoc;
	return 0;
}

static int
fk_peer(void *arg, uint32_t assoc, struct addr_list *out)
{
	(void)arg;
	return addr_list_parse(out,
	    assoc & 1 ? "127.0.0.1:5000" : "127.0.0.1,10.1.1.1:5001", 0,
	    ADDR_PORT_REQUIRED, NULL, 0);
}

static void
quiet(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

static void
check(struct registrar *reg)
{
	if (hs_verify(reg_hs(reg)) != 0 ||
	    hs_pe_total(reg_hs(reg)) != reg_pe_count(reg))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ev_loop *loop;
	struct reg_config c = regfix_config("0xabcd");
	struct reg_io io = {
	    fk_send, fk_abort, fk_peer, NULL, 0x0004, NULL, NULL, NULL};
	struct registrar *reg;
	const uint8_t *body;
	size_t len;
	uint8_t op;

	/* short timers and low rate limits: the fuzzer reaches them */
	c.ka_interval = 1000;
	c.ka_timeout = 500;
	c.max_hr_rate = 5;
	c.max_eu_rate = 5;

	if (loop == NULL) {
		log_register(quiet, NULL);
		rand_seed_for_tests(1);
		if ((loop = ev_loop_new()) == NULL)
			abort();
		ev_set_clock(loop, fake_clock, NULL);
	}
	now_ms = 1000;
	ev_now_update(loop);
	if ((reg = reg_new(loop, &c)) == NULL)
		abort();
	reg_set_io(reg, &io);
	while (size > 0) {
		op = *data++;
		size--;
		switch (op & 0xc0) {
		case 0x00:
			if (!fuzz_record(&data, &size, &body, &len))
				goto out;
			reg_assoc_msg(
			    reg, (op & 3) + 1u, op & 0x20 ? 12 : 11, body, len);
			break;
		case 0x40:
			reg_assoc_lost(reg, (op & 3) + 1u);
			break;
		default:
			now_ms += (uint64_t)(op & 0x3f) * 250;
			if (op & 0x40)
				ev_run_once(loop, 0);
			else
				ev_now_update(loop);
			break;
		}
		check(reg);
	}
out:
	reg_free(reg);
	if (ev_timer_count(loop) != 0)
		abort(); /* reg_free must cancel every timer */
	return 0;
}
