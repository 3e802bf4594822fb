/*
 * RSPLIB's library options (rsp_initinfo, rsp_initarg, rsp_freeinfo)
 * and their translation into the rsp library's configs.  The options
 * are RSPLIB 3's (docs/library.md "RSPLIB's API" lists them with what
 * differs); -transport= is rsp's: RSPLIB has kernel SCTP only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/rsplib/internal.h"
#include "core/transport/transport.h"
#include "proto/wire.h"

#define CSP_PORT 2960 /* RSPLIB's CSP monitor port */

/* Addresses rsp_initarg() points struct rsp_info at, as RSPLIB does. */
static struct sockaddr_storage announce_addr, csp_addr;

/* As RSPLIB's: $CSP_SERVER and $CSP_INTERVAL (ms, at least 250) are
 * the defaults of -cspserver= and -cspinterval=. */
static void
csp_environment(struct rsp_info *info)
{
	const char *server = getenv("CSP_SERVER");
	const char *interval = getenv("CSP_INTERVAL");
	char *end;
	unsigned long v;

	if (server != NULL && *server != '\0') {
		if (addr_parse(&csp_addr, server, CSP_PORT, 0, NULL, 0) == 0)
			info->ri_csp_server = (struct sockaddr *)&csp_addr;
		else
			fprintf(stderr,
			    "rsplib: bad CSP_SERVER=%s: expected "
			    "address[:port]; no CSP reports\n",
			    server);
	}
	if (interval != NULL && *interval != '\0') {
		errno = 0;
		v = strtoul(interval, &end, 10);
		if (*interval < '0' || *interval > '9' || *end != '\0' ||
		    errno || v > 86400000UL)
			fprintf(stderr,
			    "rsplib: bad CSP_INTERVAL=%s: expected a number "
			    "of milliseconds; no CSP reports\n",
			    interval);
		else
			info->ri_csp_interval = v < 250 ? 250 : (unsigned int)v;
	}
}

void
rsp_initinfo(struct rsp_info *info)
{
	memset(info, 0, sizeof(*info));
	info->ri_version = RSPLIB_VERSION;
	info->ri_revision = RSPLIB_REVISION;
	csp_environment(info);
}

void
rsp_freeinfo(struct rsp_info *info)
{
	struct rsp_registrar_info *r;

	while ((r = info->ri_registrars) != NULL) {
		info->ri_registrars = r->rri_next;
		free(r->rri_addr);
		free(r);
	}
}

static int
bad(const char *arg, const char *expected)
{
	fprintf(stderr, "rsplib: bad option %s: expected %s\n", arg, expected);
	return 0;
}

/* -registrar=addr[,addr...][:port]: one multi-homed registrar, its
 * addresses packed back to back (struct rsp_registrar_info). */
static int
add_registrar(struct rsp_info *info, const char *arg, const char *value)
{
	struct addr_list al;
	struct rsp_registrar_info *r;
	char *p;
	int i;

	if (addr_list_parse(&al, value, RSP_PORT_ASAP, 0, NULL, 0) == -1 ||
	    al.n == 0)
		return bad(arg, "address[,address...][:port]");
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->rri_addr = malloc(
	         (size_t)al.n * sizeof(struct sockaddr_in6))) == NULL) {
		free(r);
		return bad(arg, "memory to hold it");
	}
	p = (char *)r->rri_addr;
	for (i = 0; i < al.n; i++) {
		socklen_t len = addr_len((struct sockaddr *)&al.a[i]);

		memcpy(p, &al.a[i], len);
		p += len;
	}
	r->rri_addrs = (size_t)al.n;
	/* Appended: the registrars keep the order of the command line. */
	struct rsp_registrar_info **tail = &info->ri_registrars;
	while (*tail != NULL)
		tail = &(*tail)->rri_next;
	*tail = r;
	return 1;
}

static int
parse_ms(const char *arg, const char *value, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (*value < '0' || *value > '9' || *end != '\0' || errno ||
	    v > 0x7fffffffUL)
		return bad(arg, "a number of milliseconds (or trials)");
	*out = (unsigned int)v;
	return 1;
}

static int
set_announce(struct rsp_info *info, const char *arg, const char *value)
{
	if (strcasecmp(value, "auto") == 0) {
		info->ri_registrar_announce = NULL;
		info->ri_disable_autoconfig = 0;
	} else if (strcasecmp(value, "off") == 0) {
		info->ri_registrar_announce = NULL;
		info->ri_disable_autoconfig = 1;
	} else {
		if (addr_parse(
		        &announce_addr, value, RSP_PORT_ASAP, 0, NULL, 0) == -1)
			return bad(arg, "auto, off or a group address[:port]");
		info->ri_registrar_announce = (struct sockaddr *)&announce_addr;
		info->ri_disable_autoconfig = 0;
	}
	return 1;
}

static int
set_transport(const char *arg, const char *value)
{
	if (strcmp(value, "sctp") == 0)
		cp_set_transport(TR_SCTP);
	else if (strcmp(value, "tcp") == 0)
		cp_set_transport(TR_TCP);
	else if (strcmp(value, "auto") == 0)
		cp_set_transport(TR_AUTO);
	else
		return bad(arg, "sctp, tcp or auto");
	return 1;
}

static int
set_csp(struct rsp_info *info, const char *arg)
{
	unsigned int v;

	if (strncmp(arg, "-cspserver=", 11) == 0) {
		if (addr_parse(&csp_addr, arg + 11, CSP_PORT, 0, NULL, 0) == -1)
			return bad(arg, "address[:port]");
		info->ri_csp_server = (struct sockaddr *)&csp_addr;
		return 1;
	}
	if (strncmp(arg, "-cspinterval=", 13) == 0)
		return parse_ms(arg, arg + 13, &info->ri_csp_interval);
	if (strncmp(arg, "-cspidentifier=", 15) == 0) {
		if (!parse_ms(arg, arg + 15, &v))
			return 0;
		info->ri_csp_identifier =
		    CID_COMPOUND(CID_GROUP_POOLELEMENT, v);
		return 1;
	}
	return bad(arg, "-cspserver=, -cspinterval= or -cspidentifier=");
}

/* The -registrar*= tuning options: RSPLIB's names, our fields. */
static const struct {
	const char *prefix;
	size_t offset;
} timing_opts[] = {
    {"-registrarannouncetimeout=",
        offsetof(struct rsp_info, ri_registrar_announce_timeout)},
    {"-registrarconnecttimeout=",
        offsetof(struct rsp_info, ri_registrar_connect_timeout)},
    {"-registrarconnectmaxtrials=",
        offsetof(struct rsp_info, ri_registrar_connect_max_trials)},
    {"-registrarrequesttimeout=",
        offsetof(struct rsp_info, ri_registrar_request_timeout)},
    {"-registrarresponsetimeout=",
        offsetof(struct rsp_info, ri_registrar_response_timeout)},
    {"-registrarrequestmaxtrials=",
        offsetof(struct rsp_info, ri_registrar_request_max_trials)},
};

int
rsp_initarg(struct rsp_info *info, const char *arg)
{
	size_t i, n;

	for (i = 0; i < sizeof(timing_opts) / sizeof(timing_opts[0]); i++) {
		n = strlen(timing_opts[i].prefix);
		if (strncmp(arg, timing_opts[i].prefix, n) == 0)
			return parse_ms(arg, arg + n,
			    (unsigned int *)((char *)info +
			                     timing_opts[i].offset));
	}
	if (strncmp(arg, "-registrar=", 11) == 0)
		return add_registrar(info, arg, arg + 11);
	if (strncmp(arg, "-asapannounce=", 14) == 0)
		return set_announce(info, arg, arg + 14);
	if (strncmp(arg, "-transport=", 11) == 0)
		return set_transport(arg, arg + 11);
	if (strncmp(arg, "-csp", 4) == 0)
		return set_csp(info, arg);
	if (strncmp(arg, "-log", 4) == 0)
		return cp_log_option(arg);
	return 0;
}

/* One registrar entry (or a PE's addresses) as the rsp library's
 * "addr,addr:port" string. */
int
cp_addrs_string(const struct rsp_registrar_info *r, char *out, size_t len)
{
	struct addr_list al;
	const char *p = (const char *)r->rri_addr;
	size_t i;

	addr_list_clear(&al);
	for (i = 0; i < r->rri_addrs && i < ADDR_MAX; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)p;

		if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
			return -1;
		if (i == 0)
			al.port = addr_port(sa);
		memcpy(&al.a[al.n++], sa, addr_len(sa));
		p += addr_len(sa);
	}
	addr_list_fmt(&al, out, len);
	return al.n > 0 ? 0 : -1;
}

static void
set_timing(struct rsp_timing *t, const struct rsp_info *info)
{
	t->announce_timeout_ms = info->ri_registrar_announce_timeout;
	t->connect_timeout_ms = info->ri_registrar_connect_timeout;
	t->connect_max_trials = info->ri_registrar_connect_max_trials;
	t->request_timeout_ms = info->ri_registrar_request_timeout;
	t->response_timeout_ms = info->ri_registrar_response_timeout;
	t->request_max_trials = info->ri_registrar_request_max_trials;
}

/* 0, or -1 with errno EINVAL for a registrar or announce group the rsp
 * library cannot take. */
int
cp_info_to_configs(const struct rsp_info *info)
{
	const struct rsp_registrar_info *r;
	const char *announce = NULL;
	int n = 0, i;

	for (r = info->ri_registrars; r != NULL; r = r->rri_next) {
		if (n == RSP_REGISTRARS_MAX ||
		    cp_addrs_string(
		        r, cp.registrars[n], sizeof(cp.registrars[n])) == -1) {
			errno = EINVAL;
			return -1;
		}
		n++;
	}
	if (info->ri_disable_autoconfig)
		announce = "off";
	else if (info->ri_registrar_announce != NULL)
		announce = addr_fmt(info->ri_registrar_announce, cp.announce,
		    sizeof(cp.announce));
	if (rsp_discovery_options(n, &announce) != RSP_OK) {
		errno = EINVAL;
		return -1;
	}
	memset(&cp.pu_cfg, 0, sizeof(cp.pu_cfg));
	memset(&cp.ses_cfg, 0, sizeof(cp.ses_cfg));
	for (i = 0; i < n; i++)
		cp.pu_cfg.registrars[i] = cp.ses_cfg.registrars[i] =
		    cp.registrars[i];
	cp.pu_cfg.nregistrars = cp.ses_cfg.nregistrars = n;
	cp.pu_cfg.announce = cp.ses_cfg.announce = announce;
	cp.pu_cfg.transport = cp.ses_cfg.transport = cp_transport();
	set_timing(&cp.pu_cfg.timing, info);
	set_timing(&cp.ses_cfg.timing, info);
	return 0;
}
