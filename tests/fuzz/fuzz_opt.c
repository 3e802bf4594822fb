/*
 * Fuzz target for option parsing (docs/fuzzing.md): core/opt.c over
 * the option tables of core/ and services/, then the checks that give
 * the values meaning, as the applets run them:
 *
 *   registrar: reg_opts, tr_opts, log_opts, csp_opts, daemon_opts,
 *     uptime_opts; reg_config_check() (-asap, -identifier,
 *     -minaddressscope, -asapannounce, -enrp, -peer=, -enrpannounce)
 *     and reg_new() with the result;
 *   PE and PU: discovery_opts (-registrar=, -asapannounce, the timing),
 *     tr_opts, csp_opts, giveup_opts, uptime_opts and the services'
 *     tables; discovery_apply(), lib_timing_resolve(),
 *     lib_announce_parse(), the registrar table (lib_cand_add_static()
 *     through lib_reg_init()), csp_config_check(), uptime_check(),
 *     svc_calcapp_check();
 *
 * and every argument, whatever the group, through rsp_policy_parse()
 * (-policy=), addr_scope_parse(), opt_parse_ll() and the address
 * parser core/addr.c: addr_list_parse() and addr_parse() with each
 * combination of flags; a list that parses must format (addr_list_fmt)
 * into text that parses back to the same list.
 *
 * Input: the arguments, separated by NUL bytes (argv[1..], at most
 * 64); the first byte picks the group (bit 0: PE/PU, else registrar).
 * Parsing writes nothing: the parsers' messages go to /dev/null unless
 * FUZZ_LOG is set.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/csp_report.h"
#include "core/daemon.h"
#include "core/ev.h"
#include "core/lib/discovery_opts.h"
#include "core/lib/internal.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/registrar/internal.h"
#include "core/registrar/registrar.h"
#include "core/tools/giveup.h"
#include "core/transport/transport.h"
#include "core/uptime.h"
#include "services/scripting.h"
#include "services/service.h"
#include "tests/fuzz/fuzz_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARGS_MAX 65

static struct ev_loop *loop;
static FILE *devnull;

static void
same_list(const struct addr_list *a, const struct addr_list *b)
{
	int i;

	if (a->n != b->n || a->is_auto != b->is_auto || a->port != b->port)
		abort();
	for (i = 0; i < a->n; i++)
		if (!addr_equal((const struct sockaddr *)&a->a[i],
		        (const struct sockaddr *)&b->a[i]))
			abort();
}

/* Parse s with flags; what parses formats and parses back the same. */
static void
addr_roundtrip(const char *s, uint16_t defport, int flags)
{
	static struct addr_list al, al2;
	char err[ADDR_ERR_LEN], text[ADDR_MAX * (ADDR_FMT_LEN + 3) + 8];
	struct sockaddr_storage ss;

	err[0] = '\0';
	if (addr_parse(&ss, s, defport, flags, err, sizeof(err)) == 0 &&
	    addr_len((struct sockaddr *)&ss) == 0 && !(flags & ADDR_AUTO_OK))
		abort();
	if (strlen(err) >= sizeof(err))
		abort();
	if (addr_list_parse(&al, s, defport, flags, err, sizeof(err)) == -1)
		return;
	addr_list_fmt(&al, text, sizeof(text));
	if (strstr(text, "...") != NULL)
		return; /* truncated on purpose */
	if (al.n == 0 && !al.is_auto)
		abort(); /* an empty list is not an address */
	/* a port 0 is not written: parse it back with no default */
	if (addr_list_parse(&al2, text, 0,
	        (flags & ~ADDR_PORT_REQUIRED) | ADDR_PORT_ZERO_OK, err,
	        sizeof(err)) == -1)
		abort();
	same_list(&al, &al2);
}

static void
each_arg(const char *s)
{
	static const int flags[] = {0, ADDR_PORT_REQUIRED, ADDR_PORT_ZERO_OK,
	    ADDR_AUTO_OK, ADDR_PORT_ZERO_OK | ADDR_AUTO_OK,
	    ADDR_PORT_REQUIRED | ADDR_AUTO_OK};
	const char *eq = strchr(s, '=');
	struct sockaddr_storage group;
	struct rsp_policy pol;
	enum addr_scope scope;
	long long v;
	size_t i;

	if (eq != NULL)
		s = eq + 1; /* the value of -name=value */
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		addr_roundtrip(s, i & 1 ? 3863 : 0, flags[i]);
	(void)rsp_policy_parse(s, &pol);
	(void)addr_scope_parse(s, &scope, NULL, 0);
	(void)opt_parse_ll(s, &v);
	(void)lib_announce_parse(s, &group);
	(void)reg_announce_parse(s, &group, NULL, 0);
}

static void
registrar(int argc, char **argv)
{
	struct reg_config rc;
	struct tr_config tc;
	struct log_config lc;
	struct csp_config cc;
	struct daemon_config dc;
	struct uptime_config uc;
	const struct opt_set sets[] = {{reg_opts, &rc}, {reg_stats_opts, &rc},
	    {reg_metrics_opts, &rc}, {tr_opts, &tc}, {log_opts, &lc},
	    {csp_opts, &cc}, {daemon_opts, &dc}, {uptime_opts, &uc}};
	struct registrar *reg;
	char err[256];

	memset(&rc, 0, sizeof(rc));
	memset(&cc, 0, sizeof(cc));
	memset(&uc, 0, sizeof(uc));
	if (opt_parse("registrar", NULL, argc, argv, sets, 6, NULL) != OPT_OK)
		return;
	if (reg_config_check(&rc, err, sizeof(err)) == 0) {
		if ((reg = reg_new(loop, &rc)) == NULL)
			abort();
		reg_free(reg);
	} else if (strlen(err) >= sizeof(err))
		abort();
	(void)csp_config_check(&cc, err, sizeof(err));
	(void)uptime_check(&uc, "registrar");
}

static void
ann_cb(enum lib_reg_event ev, const struct rsp_msg *m, void *arg)
{
	(void)ev, (void)m, (void)arg;
}

static void
pe_pu(int argc, char **argv)
{
	struct discovery_config dc;
	struct tr_config tc;
	struct csp_config cc;
	struct giveup gc;
	struct uptime_config uc;
	struct pingpong_conf pc;
	struct chargen_conf cg;
	struct ssp_config sc;
	const struct opt_set sets[] = {{discovery_opts, &dc}, {tr_opts, &tc},
	    {csp_opts, &cc}, {giveup_opts, &gc}, {uptime_opts, &uc},
	    {pingpong_opts, &pc}, {chargen_opts, &cg}, {ssp_opts, &sc},
	    {calcapp_opts, &calcapp_conf}};
	const char *regs[RSP_REGISTRARS_MAX], *announce;
	struct rsp_timing t, t2;
	struct sockaddr_storage group;
	struct lib_reg r;
	char err[256];
	int n;

	memset(&dc, 0, sizeof(dc));
	memset(&cc, 0, sizeof(cc));
	memset(&uc, 0, sizeof(uc));
	if (opt_parse("client", NULL, argc, argv, sets, 9, NULL) == OPT_OK) {
		if (discovery_apply(&dc, "client", regs, &n, &announce, &t) ==
		    0) {
			(void)lib_timing_resolve(&t, &t2);
			/* announces on: a socket; only the static table */
			if (lib_announce_parse(announce, &group) == 0 &&
			    n > 0 &&
			    lib_reg_init(&r, loop, TR_TCP, regs, n, "off", &t,
			        ann_cb, NULL) == 0)
				lib_reg_fini(&r);
		}
		(void)csp_config_check(&cc, err, sizeof(err));
		(void)uptime_check(&uc, "client");
		(void)svc_calcapp_check("client");
	}
	memset(&calcapp_conf, 0, sizeof(calcapp_conf)); /* points into argv */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[ARGS_MAX + 1], *buf, *p;
	FILE *out = NULL, *err = NULL;
	int argc = 1, i;

	if (loop == NULL) {
		fuzz_log_init();
		if ((devnull = fopen("/dev/null", "w")) == NULL ||
		    (loop = ev_loop_new()) == NULL)
			abort();
	}
	if (size < 1)
		return 0;
	if ((buf = malloc(size)) == NULL)
		abort();
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[0] = "fuzz";
	for (p = buf; argc < ARGS_MAX && p < buf + size - 1; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (getenv("FUZZ_LOG") == NULL) {
		out = stdout, err = stderr;
		stdout = stderr = devnull;
	}
	for (i = 1; i < argc; i++)
		each_arg(argv[i]);
	if (data[0] & 1)
		pe_pu(argc, argv);
	else
		registrar(argc, argv);
	if (out != NULL)
		stdout = out, stderr = err;
	free(buf);
	return 0;
}
