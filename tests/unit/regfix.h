/*
 * The registrar configuration the unit tests and the registrar fuzzer
 * start from (one copy instead of one per test file): loopback, an
 * ephemeral ASAP port, no announces, no ENRP, keep-alives every 5 s,
 * 3 PEs per resolution, 3 bad-PE reports; every other field zero (the
 * rate limits off).  A test changes what it tests after the call.
 */
#ifndef RSP_TESTS_REGFIX_H
#define RSP_TESTS_REGFIX_H

#include "core/registrar/registrar.h"

static inline struct reg_config
regfix_config(const char *identifier)
{
	struct reg_config c = {
	    .asap = "127.0.0.1:0",
	    .identifier = identifier,
	    .minscope = "loopback",
	    .ka_interval = 5000,
	    .ka_timeout = 5000,
	    .max_hr_items = 3,
	    .max_bad_reports = 3,
	    .announce = "off",
	    .announce_cycle = 1000,
	    .announce_ttl = 30,
	    .enrp = "off",
	};

	return c;
}

#endif
