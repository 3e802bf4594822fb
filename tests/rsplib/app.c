/*
 * A small application of RSPLIB's API, compiled by tests/bats/library.bats
 * against RSPLIB 3.4.4's own headers and library (Debian's librsplib-dev)
 * and against rsp's installed ones, run on rsp's librsplib.so.3 both
 * times: the outputs must be the same.
 *
 *	app layout                  the data layouts and constants
 *	app echo [RSPLIB OPTIONS]   resolve EchoPool, then a session to it:
 *	                            three messages echoed, a failover by
 *	                            request, one more message
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rserpool/rserpool.h>

#define OFF(t, f) printf("%s.%s %zu\n", #t, #f, offsetof(struct t, f))
#define SIZE(t)   printf("sizeof %s %zu\n", #t, sizeof(struct t))
#define VAL(c)    printf("%s %lld\n", #c, (long long)(c))

static int
layout(void)
{
	SIZE(rsp_registrar_info);
	OFF(rsp_registrar_info, rri_addrs);
	SIZE(rsp_info);
	OFF(rsp_info, ri_registrars);
	OFF(rsp_info, ri_disable_autoconfig);
	OFF(rsp_info, ri_registrar_announce);
	OFF(rsp_info, ri_registrar_request_max_trials);
	OFF(rsp_info, ri_csp_identifier);
	OFF(rsp_info, ri_csp_server);
	OFF(rsp_info, ri_csp_interval);
	SIZE(rsp_loadinfo);
	OFF(rsp_loadinfo, rli_load_dpf);
	SIZE(rsp_addrinfo);
	OFF(rsp_addrinfo, ai_addrlen);
	OFF(rsp_addrinfo, ai_addr);
	OFF(rsp_addrinfo, ai_next);
	OFF(rsp_addrinfo, ai_pe_id);
	SIZE(rsp_sndrcvinfo);
	OFF(rsp_sndrcvinfo, rinfo_pe_id);
	OFF(rsp_sndrcvinfo, rinfo_stream);
	SIZE(rserpool_failover);
	OFF(rserpool_failover, rf_state);
	OFF(rserpool_failover, rf_session);
	OFF(rserpool_failover, rf_has_cookie);
	SIZE(rserpool_session_change);
	OFF(rserpool_session_change, rsc_session);
	SIZE(rserpool_shutdown_event);
	OFF(rserpool_shutdown_event, rse_session);
	printf("sizeof union rserpool_notification %zu\n",
	    sizeof(union rserpool_notification));
	SIZE(rserpool_session_parameters);
	VAL(REGF_DONTWAIT);
	VAL(REGF_CONTROLCHANNEL);
	VAL(REGF_DAEMONMODE);
	VAL(DEREGF_DONTWAIT);
	VAL(REAI_NONAME);
	VAL(REAI_MEMORY);
	VAL(REAI_SYSTEM);
	VAL(REAI_FAMILY);
	VAL(MSG_RSERPOOL_NOTIFICATION);
	VAL(MSG_RSERPOOL_COOKIE_ECHO);
	VAL(RSERPOOL_SESSION_CHANGE);
	VAL(RSERPOOL_FAILOVER);
	VAL(RSERPOOL_SHUTDOWN_EVENT);
	VAL(RSERPOOL_FAILOVER_NECESSARY);
	VAL(RSERPOOL_FAILOVER_COMPLETE);
	VAL(RSERPOOL_SESSION_ADD);
	VAL(RSERPOOL_SESSION_REMOVE);
	VAL(FFF_NONE);
	VAL(FFF_UNREACHABLE);
	VAL(SESSION_SETSIZE);
	VAL(PPT_LEASTUSED_DEGRADATION);
	VAL(PPT_PRIORITY_LEASTUSED_DEGRADATION_DPF);
	VAL(PPT_IS_ADAPTIVE(PPT_RANDOMIZED_LEASTUSED));
	VAL(CID_COMPOUND(CID_GROUP_POOLUSER, 0x1234));
	return 0;
}

/* One message to the PE and its echo; prints what came back. */
static int
round_trip(int sd, const char *text)
{
	struct rsp_sndrcvinfo ri;
	char buf[128];
	int flags = 0;
	ssize_t n;

	if (rsp_sendmsg(sd, text, strlen(text), 0, 0, htonl(1), 0, 0, 0, -1) <
	    0)
		return -1;
	do {
		flags = 0;
		n = rsp_recvmsg(sd, buf, sizeof(buf) - 1, &ri, &flags, 5000);
		if (n > 0 && (flags & MSG_RSERPOOL_NOTIFICATION)) {
			rsp_print_notification(
			    (union rserpool_notification *)buf, stdout);
			puts("");
		}
	} while (n > 0 && (flags & MSG_RSERPOOL_NOTIFICATION));
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	printf("echo: %s (ppid %u, eor %d)\n", buf, ntohl(ri.rinfo_ppid),
	    (flags & MSG_EOR) != 0);
	return 0;
}

static int
echo(int argc, char **argv)
{
	const unsigned char *ph = (const unsigned char *)"EchoPool";
	struct rsp_addrinfo *ai;
	struct rsp_info info;
	int i, n, sd;

	rsp_initinfo(&info);
	for (i = 2; i < argc; i++)
		if (!rsp_initarg(&info, argv[i])) {
			fprintf(stderr, "bad argument %s\n", argv[i]);
			return 2;
		}
	if (rsp_initialize(&info) < 0)
		return 1;
	n = rsp_getaddrinfo(ph, 8, &ai, 1, 0);
	printf("rsp_getaddrinfo: %d PE(s), %zu address(es)\n", n,
	    n > 0 ? ai->ai_addrs : 0);
	if (n > 0)
		rsp_freeaddrinfo(ai);
	printf("NoPool: %d\n",
	    rsp_getaddrinfo((const unsigned char *)"NoPool", 6, &ai, 1, 0));
	printf("policy %s = 0x%08x\n", rsp_getpolicybytype(PPT_LEASTUSED),
	    rsp_getpolicybyname("LeastUsed"));
	if ((sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP)) < 0 ||
	    rsp_connect(sd, ph, 8, 0) < 0)
		return 1;
	for (i = 0; i < 3; i++)
		if (round_trip(sd, i == 0 ? "one" : i == 1 ? "two" : "three"))
			return 1;
	printf("cookie: %d\n", rsp_has_cookie(sd));
	printf("rsp_forcefailover: %d\n", rsp_forcefailover(sd, FFF_NONE, 0));
	if (round_trip(sd, "four"))
		return 1;
	rsp_close(sd);
	rsp_cleanup();
	rsp_freeinfo(&info);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "layout") == 0)
		return layout();
	if (argc > 1 && strcmp(argv[1], "echo") == 0)
		return echo(argc, argv);
	fprintf(stderr, "usage: %s layout | echo [RSPLIB options]\n", argv[0]);
	return 2;
}
