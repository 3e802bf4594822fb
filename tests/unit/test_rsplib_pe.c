/*
 * The pool element side of RSPLIB's API (core/rsplib/element.c,
 * accept.c): bad calls, a one-to-many PE (session changes, messages
 * with their session, cookies and their echo), a one-to-one PE with a
 * thread per accepted session serving four PU threads at once, a
 * refused registration, deregistration, by rsp_close too.  A registrar runs in a child
 * process; PEs and PUs share this one, over the TCP mapping on
 * 127.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/registrar/internal.h"
#include "core/registrar/registrar.h"
#include "core/transport/transport.h"
#include "include/rserpool/rserpool-internals.h"
#include "childfix.h"
#include "regfix.h"
#include "testlib.h"

#define PH(s)    (const unsigned char *)(s), strlen(s)
#define THREADS  4
#define ROUNDS   20
#define SCTP_EOF 0x0200 /* Linux's, as RSPLIB's programs pass it */

static void
quiet_sink(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

/* The registrar's deregistration lines (its info log), one a line,
 * in this file: what test_close_deregisters checks. */
static char dereg_file[] = "/tmp/test_rsplib_pe.XXXXXX";

static void
dereg_sink(int level, const char *msg, void *arg)
{
	FILE *f;

	(void)level, (void)arg;
	if (strstr(msg, "deregistered PE") != NULL &&
	    (f = fopen(dereg_file, "a")) != NULL) {
		fprintf(f, "%s\n", msg);
		fclose(f);
	}
}

/* The child: a registrar; "PORT\n" on fd once it listens. */
static void
child(int fd)
{
	struct reg_config c = regfix_config("0x6666");
	struct ev_loop *loop = ev_loop_new();
	struct registrar *reg;
	char line[64];

	log_config.level = LOG_LVL_INFO;
	log_register(dereg_sink, NULL);

	if (reg_config_check(&c, line, sizeof(line)) == -1 ||
	    (reg = reg_new(loop, &c)) == NULL ||
	    reg_listen(reg, test_tr()) == -1)
		_exit(1);
	snprintf(line, sizeof(line), "%u\n", reg->asap.port);
	if (write(fd, line, strlen(line)) < 0)
		_exit(1);
	for (;;)
		ev_run_once(loop, 1000);
}

/* A PE socket of pool, bound to 127.0.0.1, registered: its descriptor. */
static int
pe_socket(int type, const char *pool)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int sd = rsp_socket(0, type, IPPROTO_SCTP);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sd < 0 || rsp_bind(sd, (struct sockaddr *)&sin, 1) != 0 ||
	    rsp_listen(sd, 10) != 0 ||
	    rsp_register(sd, PH(pool), NULL, 0, 0) != 0)
		return -1;
	return sd;
}

static void
test_bad_calls(void)
{
	struct sockaddr_in6 six = {.sin6_family = AF_INET6};
	struct sockaddr un = {.sa_family = AF_UNIX};
	struct rserpool_session_parameters sp = {0};
	int sd, tcp, v = 1;
	socklen_t vl = sizeof(v);
	uint32_t id;

	test_section("pool element calls on sockets that are none");
	CHECK(rsp_bind(9999, NULL, 0) == -1 && errno == EBADF);
	CHECK(rsp_listen(9999, 1) == -1 && errno == EBADF);
	CHECK(rsp_register(9999, PH("P"), NULL, 0, 0) == -1 && errno == EBADF);
	CHECK(rsp_accept(9999, 0) == -1 && errno == EBADF);
	CHECK((sd = rsp_socket(0, SOCK_STREAM, IPPROTO_SCTP)) >= 0);
	CHECK(rsp_bind(sd, &un, 1) == -1 && errno == EAFNOSUPPORT);
	CHECK(rsp_bind(sd, NULL, 1) == -1 && errno == EINVAL);
	CHECK(rsp_bind(sd, (struct sockaddr *)&six, 1) == 0); /* [::]:0 */
	CHECK(rsp_bind(sd, NULL, 0) == 0);
	CHECK(rsp_getsockname(sd, NULL, NULL, &id) == -1 && errno == EBADF);
	CHECK(rsp_accept(sd, 0) == -1 && errno == EOPNOTSUPP);
	CHECK(rsp_deregister(sd, 0) == -1 && errno == EBADF);
	CHECK(
	    rsp_register(sd, (const unsigned char *)"", 0, NULL, 0, 0) == -1 &&
	    errno == EINVAL);
	CHECK(rsp_send_cookie(sd, (const unsigned char *)"C", 1, 1, 0) == -1 &&
	      errno == EINVAL);
	/* Options: none on RSerPool sockets, the kernel's elsewhere. */
	CHECK(rsp_getsockopt(sd, SOL_SOCKET, SO_TYPE, &v, &vl) == -1 &&
	      errno == ENOPROTOOPT);
	CHECK(rsp_setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &v, vl) == -1 &&
	      errno == ENOPROTOOPT);
	CHECK((tcp = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	CHECK(rsp_setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &v, vl) == 0);
	v = 0;
	CHECK(rsp_getsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &v, &vl) == 0 &&
	      v != 0);
	close(tcp);
	CHECK(rsp_update_session_parameters(sd, &sp) == 0);
	CHECK(rsp_update_session_parameters(sd, NULL) == -1 && errno == EINVAL);
	CHECK(rsp_update_session_parameters(9999, &sp) == -1 && errno == EBADF);
	CHECK(rsp_close(sd) == 0);
}

/* The next item on sd within 5 s: its length, *flags, *ri. */
static ssize_t
next(int sd, void *buf, size_t len, struct rsp_sndrcvinfo *ri, int *flags)
{
	*flags = 0;
	return rsp_recvfullmsg(sd, buf, len, ri, flags, 5000);
}

static int
is_change(const union rserpool_notification *n, int flags, int state)
{
	return (flags & MSG_RSERPOOL_NOTIFICATION) &&
	       n->rn_header.rn_type == RSERPOOL_SESSION_CHANGE &&
	       n->rn_session_change.rsc_state == (unsigned)state;
}

static void
test_one_to_many(void)
{
	union rserpool_notification n;
	struct rsp_sndrcvinfo ri;
	unsigned char ph[64];
	size_t phlen = sizeof(ph);
	char buf[64];
	uint32_t id = 0;
	int pe, pu, flags;
	rserpool_session_t sid;

	test_section("one-to-many PE: sessions, messages, cookie and echo");
	CHECK((pe = pe_socket(SOCK_SEQPACKET, "UdpPool")) >= 0);
	CHECK(rsp_getsockname(pe, ph, &phlen, &id) == 0 && phlen == 7 &&
	      memcmp(ph, "UdpPool", 7) == 0 && id != 0);
	phlen = 3;
	CHECK(rsp_getsockname(pe, ph, &phlen, NULL) == -1 &&
	      errno == ENAMETOOLONG);
	CHECK(rsp_register(pe, PH("UdpPool"), NULL, 0, REGF_DONTWAIT) == 0);
	CHECK((pu = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP)) >= 0);
	CHECK(rsp_connect(pu, PH("UdpPool"), 0) == 0);
	CHECK(rsp_sendmsg(pu, "hello", 5, 0, 0, htonl(9), 2, 0, 0, -1) == 5);
	CHECK(next(pe, &n, sizeof(n), &ri, &flags) == (ssize_t)sizeof(n) &&
	      is_change(&n, flags, RSERPOOL_SESSION_ADD));
	sid = n.rn_session_change.rsc_session;
	CHECK(sid > 0);
	CHECK(
	    next(pe, buf, sizeof(buf), &ri, &flags) == 5 &&
	    memcmp(buf, "hello", 5) == 0 && ri.rinfo_session == sid &&
	    ri.rinfo_ppid == htonl(9) && ri.rinfo_stream == 2 &&
	    !(flags & (MSG_RSERPOOL_NOTIFICATION | MSG_RSERPOOL_COOKIE_ECHO)));
	CHECK(
	    rsp_send_cookie(pe, (const unsigned char *)"CK1", 3, sid, 0) == 3);
	CHECK(rsp_sendmsg(pe, "world", 5, 0, sid, htonl(9), 2, 0, 0, -1) == 5);
	CHECK(rsp_sendmsg(pe, "x", 1, 0, 0, 0, 0, 0, 0, -1) == -1 &&
	      errno == EINVAL); /* one-to-many: the session must be named */
	CHECK(next(pu, buf, sizeof(buf), &ri, &flags) == 5 &&
	      memcmp(buf, "world", 5) == 0 && ri.rinfo_pe_id == id);
	CHECK(rsp_has_cookie(pu) == 1);

	/* A failover (to the same PE, the only one) starts with the
	 * cookie's echo: a new session whose first item is the echo. */
	CHECK(rsp_forcefailover(pu, FFF_NONE, 0) == 0);
	CHECK(next(pe, &n, sizeof(n), &ri, &flags) > 0 &&
	      is_change(&n, flags, RSERPOOL_SESSION_REMOVE) &&
	      n.rn_session_change.rsc_session == sid);
	CHECK(next(pe, &n, sizeof(n), &ri, &flags) > 0 &&
	      is_change(&n, flags, RSERPOOL_SESSION_ADD));
	sid = n.rn_session_change.rsc_session;
	CHECK(next(pe, buf, sizeof(buf), &ri, &flags) == 3 &&
	      (flags & MSG_RSERPOOL_COOKIE_ECHO) &&
	      memcmp(buf, "CK1", 3) == 0 && ri.rinfo_session == sid);

	/* The PE ends the session (RSPLIB's servers: an empty message
	 * with SCTP_EOF); the PU hears of it as a failover to make. */
	CHECK(rsp_sendmsg(pe, NULL, 0, 0, sid, 0, 0, 0, SCTP_EOF, -1) == 0);
	CHECK(next(pe, &n, sizeof(n), &ri, &flags) > 0 &&
	      is_change(&n, flags, RSERPOOL_SESSION_REMOVE));
	CHECK(rsp_close(pu) == 0);
	CHECK(rsp_deregister(pe, 0) == 0);
	CHECK(rsp_close(pe) == 0);
}

/* A session's thread, as RSPLIB's TCP-like servers have: echo until
 * the PU goes (rsp_recvfullmsg returns 0). */
static void *
session_thread(void *arg)
{
	int sd = (int)(intptr_t)arg, flags;
	struct rsp_sndrcvinfo ri;
	char buf[256];
	ssize_t n;
	intptr_t served = 0;

	while ((n = next(sd, buf, sizeof(buf), &ri, &flags)) > 0) {
		if (flags & MSG_RSERPOOL_NOTIFICATION)
			continue;
		if (rsp_sendmsg(sd, buf, (size_t)n, 0, 0, ri.rinfo_ppid,
		        ri.rinfo_stream, 0, 0, -1) != n)
			break;
		served++;
	}
	rsp_close(sd);
	return n == 0 ? (void *)served : (void *)-1;
}

static void *
pu_thread(void *arg)
{
	int sd, i, *fails = arg, flags;
	struct rsp_sndrcvinfo ri;
	char text[32], buf[32];

	if ((sd = rsp_socket(0, SOCK_STREAM, 0)) < 0 ||
	    rsp_connect(sd, PH("TcpPool"), 0) != 0) {
		(*fails)++;
		return NULL;
	}
	for (i = 0; i < ROUNDS; i++) {
		snprintf(text, sizeof(text), "round %d", i);
		if (rsp_sendmsg(sd, text, strlen(text), 0, 0, 0, 0, 0, 0, -1) <
		        0 ||
		    next(sd, buf, sizeof(buf), &ri, &flags) !=
		        (ssize_t)strlen(text) ||
		    memcmp(buf, text, strlen(text)) != 0)
			(*fails)++;
	}
	rsp_close(sd);
	return NULL;
}

static void
test_one_to_one(void)
{
	pthread_t pus[THREADS], sessions[THREADS];
	int fails[THREADS] = {0}, i, pe, other, all = 0, accepted = 0, sd;
	static const struct rsp_loadinfo lu = {PPT_LEASTUSED, 0, 0, 0, 0, 0};
	struct rsp_addrinfo *ai = NULL;
	void *served;

	test_section("one-to-one PE: rsp_accept, a thread per session");
	CHECK((pe = pe_socket(SOCK_STREAM, "TcpPool")) >= 0);
	CHECK(rsp_accept(pe, 0) == -1 && errno == EAGAIN);
	CHECK(rsp_accept(pe, 100) == -1 && errno == EAGAIN);
	for (i = 0; i < THREADS; i++)
		CHECK(pthread_create(&pus[i], NULL, pu_thread, &fails[i]) == 0);
	while (accepted < THREADS && (sd = rsp_accept(pe, 5000)) >= 0) {
		uint32_t a = 0, b = 0;

		CHECK(rsp_getsockname(sd, NULL, NULL, &a) == 0 &&
		      rsp_getsockname(pe, NULL, NULL, &b) == 0 && a == b);
		CHECK(pthread_create(&sessions[accepted++], NULL,
		          session_thread, (void *)(intptr_t)sd) == 0);
	}
	CHECK(accepted == THREADS);
	for (i = 0; i < THREADS; i++) {
		pthread_join(pus[i], NULL);
		all += fails[i];
	}
	CHECK(all == 0);
	for (i = 0; i < accepted; i++) {
		pthread_join(sessions[i], &served);
		CHECK((intptr_t)served == ROUNDS);
	}

	test_section("a refused registration, deregistration");
	CHECK((other = rsp_socket(0, SOCK_STREAM, 0)) >= 0);
	CHECK(rsp_register(other, PH("TcpPool"), &lu, 0, 0) == -1 &&
	      errno == EPERM); /* the pool uses RoundRobin */
	CHECK(rsp_close(other) == 0);
	CHECK(rsp_getaddrinfo(PH("TcpPool"), &ai, 0, 0) == 1);
	rsp_freeaddrinfo(ai);
	CHECK(rsp_deregister(pe, 0) == 0);
	CHECK(rsp_getaddrinfo(PH("TcpPool"), &ai, 0, 0) == REAI_NONAME);
	CHECK(rsp_close(pe) == 0);
}

/* rsp_close() of a registered socket deregisters its PE, as RSPLIB's:
 * the pool is gone at once, not after the registrar's keep-alives. */
static void
test_close_deregisters(void)
{
	struct rsp_addrinfo *ai = NULL;
	char want[96], line[160];
	uint32_t id = 0;
	int pe, found = 0;
	FILE *f;

	test_section("rsp_close deregisters the PE");
	CHECK((pe = pe_socket(SOCK_SEQPACKET, "ClosePool")) >= 0);
	CHECK(rsp_getsockname(pe, NULL, NULL, &id) == 0);
	CHECK(rsp_getaddrinfo(PH("ClosePool"), &ai, 0, 0) == 1);
	rsp_freeaddrinfo(ai);
	CHECK(rsp_close(pe) == 0);
	/* The registrar logged the Deregistration before rsp_close
	 * returned (it waits for the answer): not a lost association. */
	snprintf(
	    want, sizeof(want), "deregistered PE $%08x of pool ClosePool", id);
	if ((f = fopen(dereg_file, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			found |= strstr(line, want) != NULL;
		fclose(f);
	}
	CHECK(found);
	CHECK(rsp_getaddrinfo(PH("ClosePool"), &ai, 0, 0) == REAI_NONAME);
	CHECK(rsp_close(pe) == -1 && errno == EBADF);
}

int
main(void)
{
	struct rsp_info info;
	char arg[64];
	unsigned port;
	pid_t pid;

	log_register(quiet_sink, NULL);
	setenv("RSP_TRANSPORT", test_tr() == TR_SCTP ? "sctp" : "tcp", 1);
	if ((port = (unsigned)mkstemp(dereg_file)) == (unsigned)-1)
		return 1;
	close((int)port);
	port = fork_child(child, &pid);
	if (pid == -1)
		return 1;
	CHECK(port != 0);
	rsp_initinfo(&info);
	snprintf(arg, sizeof(arg), "-registrar=127.0.0.1:%u", port);
	CHECK(rsp_initarg(&info, arg) == 1);
	CHECK(rsp_initialize(&info) == 0);

	test_bad_calls();
	test_one_to_many();
	test_one_to_one();
	test_close_deregisters();
	rsp_cleanup();
	rsp_freeinfo(&info);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(dereg_file);
	return test_done();
}
