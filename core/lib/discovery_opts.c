/*
 * The registrar discovery options of PEs and PUs
 * (core/lib/discovery_opts.h).  The timing options' defaults are the
 * library's own (include/rsp.h), so --help shows what applies.
 */
#include <stddef.h>
#include <stdio.h>

#include "core/lib/discovery_opts.h"

#define D_OPT(...) OPT_ROW(struct discovery_config, __VA_ARGS__)

#define STR(x)  #x
#define XSTR(x) STR(x)

/* The timing's defaults are the library's own, as text. */
#define T_OPT(name, arg, help, def, min, max, field) \
	D_OPT(name, OPT_INT, arg, help, XSTR(def), min, max, timing.field)

const struct opt discovery_opts[] = {
    D_OPT("registrar", OPT_LIST, "ADDR:PORT",
        "a registrar (repeatable, up to " XSTR(RSP_REGISTRARS_MAX) ")", NULL, 0,
        0, registrar),
    D_OPT("asapannounce", OPT_STR, "auto|off|GROUP:PORT",
        "hear registrars' ASAP announces on this multicast group "
        "(default: auto without -registrar, else off)",
        NULL, 0, 0, asapannounce),
    T_OPT("registrarannouncetimeout", "MS",
        "forget an announced registrar after MS", RSP_ANNOUNCE_TIMEOUT_MS, 1,
        86400000, announce_timeout_ms),
    T_OPT("registrarconnecttimeout", "MS",
        "registrar hunt: try the next registrars after MS",
        RSP_CONNECT_TIMEOUT_MS, 1, 86400000, connect_timeout_ms),
    T_OPT("registrarconnectmaxtrials", "N",
        "hunt rounds before a failure is reported", RSP_CONNECT_MAX_TRIALS, 1,
        1000, connect_max_trials),
    T_OPT("registrarrequesttimeout", "MS",
        "a handle resolution waits at most MS for a registrar",
        RSP_REQUEST_TIMEOUT_MS, 1, 86400000, request_timeout_ms),
    T_OPT("registrarresponsetimeout", "MS",
        "drop a registrar not answering within MS", RSP_RESPONSE_TIMEOUT_MS, 1,
        86400000, response_timeout_ms),
    T_OPT("registrarrequestmaxtrials", "N",
        "registrars tried per handle resolution (RSPLIB: 1)",
        RSP_REQUEST_MAX_TRIALS, 1, 1000, request_max_trials),
    OPT_END,
};

int
discovery_apply(struct discovery_config *d, const char *applet,
    const char **registrars, int *nregistrars, const char **announce,
    struct rsp_timing *timing)
{
	int i;

	if (rsp_discovery_options(d->registrar.n, &d->asapannounce) != RSP_OK) {
		fprintf(stderr,
		    "%s: give up to %d -registrar= options and "
		    "-asapannounce=auto|off|GROUP:PORT (not off without "
		    "-registrar=)\n",
		    applet, RSP_REGISTRARS_MAX);
		return -1;
	}
	for (i = 0; i < d->registrar.n; i++)
		registrars[i] = d->registrar.v[i];
	*nregistrars = d->registrar.n;
	*announce = d->asapannounce;
	*timing = d->timing;
	return 0;
}
