/*
 * Logging for the stateful fuzz targets: every level is formatted (so
 * the fuzzer runs each log line's arguments through vsnprintf under
 * the sanitizers) and dropped, unless FUZZ_LOG is set in the
 * environment: then lines go to standard error, to see what a corpus
 * file does (FUZZ_LOG=1 build/san/tests/fuzz_regenrp dir).
 */
#ifndef RSP_FUZZ_LOG_H
#define RSP_FUZZ_LOG_H

#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"

static void
fuzz_log_sink(int level, const char *msg, void *arg)
{
	(void)arg;
	if (arg != NULL)
		fprintf(stderr, "[%d] %s\n", level, msg);
}

static void
fuzz_log_init(void)
{
	log_config.level = LOG_LVL_MAX;
	log_register(fuzz_log_sink, getenv("FUZZ_LOG"));
}

#endif
