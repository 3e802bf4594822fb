/*
 * RSPLIB's programs and its C++ server library print their logs to
 * `stdlog`, which reads a FILE pointer through gStdLog (a FILE **)
 * of RSPLIB's helper library
 * libtdloglevel, which they link themselves; RSPLIB's rsp_initialize()
 * sets it (to stdout unless -logfile= says otherwise).  rsp's library
 * logs nothing of its own, but leaving the pointer NULL makes those
 * programs crash at their first log line (rspserver at its first
 * notification), so rsp_initialize() points it at stdout when the
 * process has it and nobody set it (docs/library.md "RSPLIB's API").
 */
#include <dlfcn.h>
#include <stdio.h>

#include "core/rsplib/internal.h"

static FILE *own_stdlog;

void
cp_rsplib_stdlog(void)
{
	FILE ***g = dlsym(RTLD_DEFAULT, "gStdLog");

	if (g == NULL)
		return;
	if (*g == NULL) {
		own_stdlog = stdout;
		*g = &own_stdlog;
	} else if (**g == NULL) {
		**g = stdout;
	}
}
