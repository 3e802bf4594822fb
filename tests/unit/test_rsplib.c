/*
 * RSPLIB's API over the rsp library (core/rsplib/, include/rserpool/):
 * library options, basic mode (resolution, registration, failure
 * reports), RSerPool sockets with an echo PE (messages, partial reads,
 * cookies, poll, timeouts, failover by request), 16 threads at once,
 * the direct path (messages in order with a notification among them, a
 * waiting thread when the session fails over or the socket closes),
 * the helpers, and the CSP reports (to a UDP socket of the test's).  A registrar and an echo PE run in a child process,
 * over the TCP mapping on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/registrar/internal.h"
#include "core/registrar/registrar.h"
#include "core/transport/transport.h"
#include "include/rserpool/rserpool-internals.h"
#include "include/rsp.h"
#include "proto/csp.h"
#include "childfix.h"
#include "regfix.h"
#include "testlib.h"

#define PH(s) (const unsigned char *)(s), strlen(s)

static void
quiet_sink(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

/* The child's echo PE: every message back as it came, a cookie first. */
static void
echo_cb(const struct rsp_event *ev, void *arg)
{
	struct rsp_element *e = *(struct rsp_element **)arg;

	if (ev->type == RSP_EV_MSG) {
		rsp_element_send_cookie(e, ev->session, "C1", 2);
		rsp_element_send(
		    e, ev->session, ev->ppid, ev->stream, ev->data, ev->len);
	}
}

/* The child: a registrar and echo PE $abc00001 of EchoPool; "PORT\n"
 * on fd once it is registered. */
static void
child(int fd)
{
	struct reg_config c = regfix_config("0x5555");
	struct ev_loop *loop = ev_loop_new();
	struct rsp_element_config ec;
	struct rsp_element *e = NULL;
	struct registrar *reg;
	char addr[64], line[64];
	int err;

	if (reg_config_check(&c, line, sizeof(line)) == -1 ||
	    (reg = reg_new(loop, &c)) == NULL ||
	    reg_listen(reg, test_tr()) == -1)
		_exit(1);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", reg->asap.port);
	memset(&ec, 0, sizeof(ec));
	ec.pool_handle = "EchoPool";
	ec.registrars[0] = addr;
	ec.nregistrars = 1;
	ec.identifier = 0xabc00001;
	ec.transport = test_tr();
	ec.local = "127.0.0.1:0";
	if ((e = rsp_element_new(loop, &ec, echo_cb, &e, &err)) == NULL)
		_exit(1);
	for (int i = 0; i < 20; i++)
		ev_run_once(loop, 50);
	snprintf(line, sizeof(line), "%u\n", reg->asap.port);
	if (write(fd, line, strlen(line)) < 0)
		_exit(1);
	for (;;)
		ev_run_once(loop, 1000);
}

/* The CSP monitor: a UDP socket on 127.0.0.1 (csp_monitor()). */
static int csp_fd = -1;
/* CSP reports name the local addresses (getifaddrs()), which qemu-user
 * for a big-endian CPU cannot give (musl's getifaddrs() never returns
 * there; scripts/check-cross.sh sets RSP_TEST_NO_GETIFADDRS): then the
 * library reports nothing and the CSP checks are skipped. */
static int csp_on;

static unsigned
csp_monitor(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((csp_fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(csp_fd, (struct sockaddr *)&sin, len) == -1 ||
	    getsockname(csp_fd, (struct sockaddr *)&sin, &len) == -1)
		return 0;
	return ntohs(sin.sin_port);
}

/* Wait at most 5 s for a report with this status text (NULL: a final
 * report) that has an association to the PE pe (0: any); 1 found. */
static int
csp_seen(const char *status, uint32_t pe)
{
	struct pollfd p = {.fd = csp_fd, .events = POLLIN};
	struct csp_report r;
	unsigned char buf[4096];
	char text[CSP_TEXT_SIZE + 1];
	int i, found = 0;
	ssize_t n;

	for (i = 0; i < 50 && !found && poll(&p, 1, 100) >= 0; i++) {
		if (!(p.revents & POLLIN) ||
		    (n = recv(csp_fd, buf, sizeof(buf), 0)) <= 0 ||
		    csp_decode(buf, (size_t)n, &r) != APP_OK)
			continue;
		csp_text(r.status, text, sizeof(text));
		found = r.sender == CID_COMPOUND(CID_GROUP_POOLUSER, 0x1234) &&
		        (status == NULL ? (r.flags & CSP_FLAG_FINAL) != 0
		                        : strcmp(text, status) == 0);
		for (unsigned k = 0; found && pe != 0 && k <= r.nassocs; k++)
			if (k == r.nassocs)
				found = 0;
			else if (r.assocs[k].receiver ==
			         CID_COMPOUND(CID_GROUP_POOLELEMENT, pe))
				break;
		csp_report_free(&r);
	}
	return found;
}

static void
test_initarg(unsigned port)
{
	struct rsp_info info;
	const struct sockaddr_in *sin;
	char arg[64], logfile[] = "/tmp/test_rsplib.XXXXXX";
	int fd;

	test_section("rsp_initarg: RSPLIB's options");
	rsp_initinfo(&info);
	CHECK(info.ri_version == RSPLIB_VERSION && info.ri_registrars == NULL);
	CHECK(rsp_initarg(&info, "-registrar=127.0.0.2,127.0.0.3:4000") == 1);
	snprintf(arg, sizeof(arg), "-registrar=127.0.0.1:%u", port);
	CHECK(rsp_initarg(&info, arg) == 1);
	/* Packed: two sockaddr_in back to back, the port in each. */
	sin = (const struct sockaddr_in *)info.ri_registrars->rri_addr;
	CHECK(info.ri_registrars->rri_addrs == 2 &&
	      sin[0].sin_family == AF_INET && ntohs(sin[0].sin_port) == 4000 &&
	      ntohl(sin[1].sin_addr.s_addr) == 0x7f000003);
	CHECK(info.ri_registrars->rri_next != NULL &&
	      info.ri_registrars->rri_next->rri_addrs == 1);
	CHECK(rsp_initarg(&info, "-registrar=127.0.0.1:99999") == 0);
	CHECK(rsp_initarg(&info, "-registrarconnecttimeout=1500") == 1 &&
	      info.ri_registrar_connect_timeout == 1500);
	CHECK(rsp_initarg(&info, "-registrarrequesttimeout=abc") == 0);
	CHECK(rsp_initarg(&info, "-asapannounce=off") == 1 &&
	      info.ri_disable_autoconfig == 1);
	CHECK(rsp_initarg(&info, "-asapannounce=239.0.0.50") == 1 &&
	      info.ri_registrar_announce != NULL &&
	      info.ri_disable_autoconfig == 0);
	CHECK(rsp_initarg(&info, "-asapannounce=off") == 1);
	CHECK(rsp_initarg(&info, "-cspserver=127.0.0.1") == 1 &&
	      info.ri_csp_server != NULL);
	CHECK(rsp_initarg(&info, "-cspinterval=x") == 0);
	/* RSPLIB 3.4.4's logging options, and nothing else. */
	CHECK(rsp_initarg(&info, "-loglevel=5") == 1 && log_config.level == 5);
	CHECK(rsp_initarg(&info, "-loglevel=10") == 0);
	CHECK(rsp_initarg(&info, "-loglevel=x") == 0);
	CHECK(rsp_initarg(&info, "-logquiet") == 1 && log_config.level == 0);
	CHECK(rsp_initarg(&info, "-logcolor=off") == 1);
	CHECK(rsp_initarg(&info, "-logcolor=maybe") == 0);
	CHECK(rsp_initarg(&info, "-logfile=/nonexistent/dir/log") == 0);
	CHECK(rsp_initarg(&info, "-logfile=") == 0);
	CHECK(rsp_initarg(&info, "-logsomething") == 0);
	CHECK((fd = mkstemp(logfile)) >= 0 && write(fd, "kept\n", 5) == 5);
	close(fd);
	snprintf(arg, sizeof(arg), "-logappend=%s", logfile);
	CHECK(rsp_initarg(&info, arg) == 1 && log_config.file != NULL &&
	      strcmp(log_config.file, logfile) == 0 &&
	      log_config.append != NULL);
	CHECK(rsp_initarg(&info, "-loglevel=3") == 1);
	CHECK(rsp_initarg(&info, "-transport=udp") == 0);
	CHECK(rsp_initarg(&info, "-transport=tcp") == 1);
	CHECK(
	    test_tr() == TR_TCP || rsp_initarg(&info, "-transport=sctp") == 1);
	CHECK(rsp_initarg(&info, "-poolhandle=EchoPool") == 0);
	rsp_freeinfo(&info);
	CHECK(info.ri_registrars == NULL);
	/* The CSP environment variables, as RSPLIB's rsp_initinfo(). */
	setenv("CSP_SERVER", "127.0.0.1:7", 1);
	setenv("CSP_INTERVAL", "10", 1);
	rsp_initinfo(&info);
	CHECK(info.ri_csp_server != NULL && info.ri_csp_interval == 250);
	setenv("CSP_SERVER", "nowhere:x", 1);
	rsp_initinfo(&info);
	CHECK(info.ri_csp_server == NULL);
	unsetenv("CSP_SERVER");
	unsetenv("CSP_INTERVAL");

	rsp_initinfo(&info);
	snprintf(arg, sizeof(arg), "-registrar=127.0.0.1:%u", port);
	rsp_initarg(&info, arg);
	rsp_initarg(&info, "-asapannounce=off");
	if (csp_on) {
		snprintf(
		    arg, sizeof(arg), "-cspserver=127.0.0.1:%u", csp_monitor());
		CHECK(rsp_initarg(&info, arg) == 1);
		CHECK(rsp_initarg(&info, "-cspinterval=100") == 1);
	}
	info.ri_csp_identifier = CID_COMPOUND(CID_GROUP_POOLUSER, 0x1234);
	CHECK(
	    rsp_socket(0, SOCK_STREAM, IPPROTO_SCTP) == -1 && errno == EINVAL);
	CHECK(rsp_initialize(&info) == 0);
	CHECK(rsp_initialize(&info) == 0); /* again: nothing happens */
	rsp_freeinfo(&info);
	/* No socket yet: "0 Sessions"; the log file kept what it had. */
	CHECK(!csp_on || csp_seen("0 Sessions", 0));
	CHECK((fd = open(logfile, O_RDONLY)) >= 0 && read(fd, arg, 5) == 5 &&
	      memcmp(arg, "kept\n", 5) == 0);
	close(fd);
	unlink(logfile);
}

static void
test_basic(void)
{
	struct rsp_addrinfo *ai = NULL, mine;
	struct rsp_loadinfo li;
	struct sockaddr_in sin;
	const struct sockaddr_in *got;
	unsigned rc;
	int n, found = 0;

	test_section("basic mode: rsp_getaddrinfo, rsp_pe_registration");
	n = rsp_getaddrinfo(PH("EchoPool"), &ai, 1, 0);
	CHECK(n == 1 && ai != NULL && ai->ai_pe_id == 0xabc00001 &&
	      ai->ai_protocol ==
	          (test_tr() == TR_SCTP ? IPPROTO_SCTP : IPPROTO_TCP) &&
	      ai->ai_family == AF_INET && ai->ai_addrs == 1 &&
	      ai->ai_next == NULL);
	got = ai != NULL ? (const struct sockaddr_in *)ai->ai_addr : NULL;
	CHECK(got != NULL && ntohl(got->sin_addr.s_addr) == 0x7f000001 &&
	      ntohs(got->sin_port) != 0);
	rsp_freeaddrinfo(ai);
	CHECK(rsp_getaddrinfo(PH("NoPool"), &ai, 1, 0) == REAI_NONAME &&
	      ai == NULL);
	CHECK(rsp_getaddrinfo((const unsigned char *)"", 0, &ai, 1, 0) ==
	      REAI_NONAME);

	/* A PE of this process at an address it owns (none listens). */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(4711);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	memset(&mine, 0, sizeof(mine));
	mine.ai_family = AF_INET;
	mine.ai_socktype = SOCK_STREAM;
	mine.ai_protocol = IPPROTO_TCP;
	mine.ai_addrs = 1;
	mine.ai_addr = (struct sockaddr *)&sin;
	memset(&li, 0, sizeof(li));
	li.rli_policy = PPT_LEASTUSED;
	li.rli_load = 0x20000000;
	rc = rsp_pe_registration(PH("BasicPool"), &mine, &li, 30000, 0);
	if (!CHECK(rc == 0))
		printf("rsp_pe_registration: 0x%04x\n", rc);
	CHECK(mine.ai_pe_id != 0);
	n = rsp_getaddrinfo(PH("BasicPool"), &ai, 1, 0);
	if (n == 1) {
		got = (const struct sockaddr_in *)ai->ai_addr;
		found = ai->ai_pe_id == mine.ai_pe_id &&
		        ntohs(got->sin_port) == 4711 &&
		        ai->ai_protocol == IPPROTO_TCP;
	}
	CHECK(found);
	rsp_freeaddrinfo(ai);
	li.rli_policy = 0x77777777; /* no such policy */
	mine.ai_pe_id = 0;
	CHECK(rsp_pe_registration(PH("BasicPool"), &mine, &li, 30000, 0) ==
	      0xf003);
	CHECK(rsp_pe_deregistration(PH("BasicPool"), 0x12345678, 0) == 0x0009);
	n = rsp_getaddrinfo(PH("BasicPool"), &ai, 1, 0);
	CHECK(n == 1);
	if (n == 1)
		CHECK(rsp_pe_deregistration(PH("BasicPool"), ai->ai_pe_id, 0) ==
		      0);
	rsp_freeaddrinfo(ai);
	CHECK(rsp_getaddrinfo(PH("BasicPool"), &ai, 1, 0) == REAI_NONAME);
	CHECK(rsp_pe_failure(PH("EchoPool"), 0x0badbad0) == 0);
}

/* One round trip on sd: 0 when the echo matches. */
static int
echo(int sd, const char *text, uint32_t ppid)
{
	struct rsp_sndrcvinfo ri;
	char buf[256];
	int flags = 0;
	ssize_t n;

	if (rsp_sendmsg(sd, text, strlen(text), 0, 0, htonl(ppid), 3, 0, 0,
	        -1) != (ssize_t)strlen(text))
		return -1;
	n = rsp_recvmsg(sd, buf, sizeof(buf), &ri, &flags, 5000);
	return n == (ssize_t)strlen(text) &&
	               memcmp(buf, text, (size_t)n) == 0 && (flags & MSG_EOR) &&
	               ri.rinfo_ppid == htonl(ppid) && ri.rinfo_stream == 3 &&
	               ri.rinfo_pe_id == 0xabc00001
	           ? 0
	           : -1;
}

/* The socket's eventfd, as a plain poll() and rsp_select() see it, says
 * what its queue holds after the direct path left it behind (direct.c):
 * the rest of a message read in part, then nothing; a message rsp_poll()
 * found, to rsp_select(). */
static int
eventfd_agrees(int sd)
{
	struct pollfd p = {.fd = sd, .events = POLLIN};
	struct timeval tv = {0, 0};
	char buf[16];
	fd_set r;
	int ok = 1, flags = 0;

	ok &= rsp_write(sd, "0123456789", 10) == 10;
	ok &= rsp_recvmsg(sd, buf, 4, NULL, &flags, 5000) == 4;
	ok &= poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
	/* what is queued: rsp_poll answers without the kernel */
	p.events = POLLIN | POLLOUT;
	ok &= rsp_poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT);
	p.events = POLLIN;
	ok &= rsp_recvmsg(sd, buf, sizeof(buf), NULL, &flags, 0) == 6;
	ok &= poll(&p, 1, 0) == 0;
	ok &= rsp_write(sd, "ping", 4) == 4;
	ok &= rsp_poll(&p, 1, 5000) == 1 && (p.revents & POLLIN);
	FD_ZERO(&r);
	FD_SET(sd, &r);
	ok &= rsp_select(sd + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(sd, &r);
	ok &= rsp_read(sd, buf, sizeof(buf)) == 4;
	ok &= poll(&p, 1, 0) == 0;
	return ok;
}

static void
test_sockets(void)
{
	union rserpool_notification nt;
	struct rsp_sndrcvinfo ri;
	struct pollfd pfd[2];
	unsigned char ph[64];
	size_t phlen = sizeof(ph);
	uint32_t id = 0;
	char buf[64];
	int sd, p[2], flags = 0;

	test_section("enhanced mode: an RSerPool socket to the echo PE");
	CHECK((sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP)) >= 0);
	CHECK(rsp_connect(sd, PH("EchoPool"), 0) == 0);
	CHECK(rsp_connect(sd, PH("EchoPool"), 0) == -1 && errno == EBADF);
	CHECK(echo(sd, "hello", 7) == 0);
	CHECK(rsp_has_cookie(sd) == 1);
	CHECK(rsp_getpeername(sd, ph, &phlen, &id) == 0 && phlen == 8 &&
	      memcmp(ph, "EchoPool", 8) == 0 && id == 0xabc00001);

	/* A message in parts: MSG_EOR with the last one only. */
	CHECK(rsp_write(sd, "0123456789", 10) == 10);
	CHECK(rsp_recvmsg(sd, buf, 4, &ri, &flags, 5000) == 4 &&
	      !(flags & MSG_EOR) && memcmp(buf, "0123", 4) == 0);
	CHECK(rsp_recvmsg(sd, buf, sizeof(buf), &ri, &flags, 5000) == 6 &&
	      (flags & MSG_EOR) && memcmp(buf, "456789", 6) == 0);
	CHECK(rsp_write(sd, "abcdefgh", 8) == 8);
	CHECK(rsp_recvfullmsg(sd, buf, sizeof(buf), &ri, &flags, 5000) == 8 &&
	      memcmp(buf, "abcdefgh", 8) == 0);

	/* Nothing there: at once with timeout 0, after it otherwise. */
	CHECK(rsp_recvmsg(sd, buf, sizeof(buf), &ri, &flags, 0) == -1 &&
	      errno == EAGAIN);
	CHECK(rsp_recvmsg(sd, buf, sizeof(buf), &ri, &flags, 100) == -1 &&
	      errno == EAGAIN);

	/* rsp_poll over the socket and a pipe. */
	CHECK(pipe(p) == 0);
	CHECK(rsp_write(p[1], "x", 1) == 1); /* not ours: write() */
	pfd[0].fd = sd;
	pfd[1].fd = p[0];
	pfd[0].events = pfd[1].events = POLLIN;
	CHECK(rsp_poll(pfd, 2, 0) == 1 && !(pfd[0].revents & POLLIN) &&
	      (pfd[1].revents & POLLIN));
	CHECK(rsp_read(p[0], buf, sizeof(buf)) == 1);
	CHECK(rsp_write(sd, "ping", 4) == 4);
	CHECK(rsp_poll(pfd, 2, 5000) == 1 && (pfd[0].revents & POLLIN));
	CHECK(rsp_read(sd, buf, sizeof(buf)) == 4);
	CHECK(rsp_poll(pfd, 1, 0) == 0);
	CHECK(eventfd_agrees(sd));
	CHECK(rsp_mapsocket(p[0], -1) == p[0] &&
	      rsp_mapsocket(p[0], -1) == -1 && errno == EBUSY);
	CHECK(rsp_mapsocket(p[1], 1000) == -1 && errno == EINVAL);
	CHECK(rsp_unmapsocket(p[0]) == 0 && rsp_unmapsocket(p[0]) == -1);
	close(p[0]);
	close(p[1]);

	/* A failover by request: to the same PE (the only one), COMPLETE. */
	CHECK(rsp_forcefailover(sd, FFF_NONE, 0) == 0);
	CHECK(rsp_recvmsg(sd, &nt, 4, &ri, &flags, 5000) == -1 &&
	      errno == EINVAL); /* too small for a notification */
	CHECK(rsp_recvmsg(sd, &nt, sizeof(nt), &ri, &flags, 5000) ==
	          (ssize_t)sizeof(nt) &&
	      (flags & MSG_RSERPOOL_NOTIFICATION) &&
	      nt.rn_header.rn_type == RSERPOOL_FAILOVER &&
	      nt.rn_failover.rf_state == RSERPOOL_FAILOVER_COMPLETE &&
	      nt.rn_failover.rf_has_cookie == 1);
	CHECK(echo(sd, "after", 9) == 0);
	CHECK(rsp_csp_setstatus(sd, 0, "running") == 0);
	/* The one session's text, its association to the PE. */
	CHECK(!csp_on || csp_seen("running", 0xabc00001));
	CHECK(rsp_close(sd) == 0);
	CHECK(rsp_close(sd) == -1 && errno == EBADF);
	CHECK(rsp_sendmsg(sd, "x", 1, 0, 0, 0, 0, 0, 0, -1) == -1 &&
	      errno == EBADF);
	CHECK(
	    rsp_recvmsg(12345, buf, 1, NULL, NULL, 0) == -1 && errno == EBADF);
}

struct thr {
	int idx, fails;
};

/* One echo on sd, awaited in rsp_poll() first: 0 when it matches. */
static int
poll_echo(int sd, const char *text)
{
	struct pollfd p = {.fd = sd, .events = POLLIN};
	char buf[64];
	ssize_t n;

	if (rsp_write(sd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    rsp_poll(&p, 1, 5000) != 1 || !(p.revents & POLLIN))
		return -1;
	n = rsp_recvmsg(sd, buf, sizeof(buf), NULL, NULL, 0);
	return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0
	           ? 0
	           : -1;
}

/* A thread's round trips; odd threads wait in rsp_poll(). */
static void *
echo_thread(void *arg)
{
	struct thr *t = arg;
	char text[32];
	int sd, i;

	if ((sd = rsp_socket(0, SOCK_STREAM, 0)) < 0 ||
	    rsp_connect(sd, PH("EchoPool"), 0) != 0) {
		t->fails++;
		return NULL;
	}
	for (i = 0; i < 50; i++) {
		snprintf(text, sizeof(text), "thread %d %d", t->idx, i);
		if ((t->idx % 2 ? poll_echo(sd, text) : echo(sd, text, 1)) != 0)
			t->fails++;
	}
	rsp_close(sd);
	return NULL;
}

static void
test_threads(void)
{
	struct thr thr[16];
	pthread_t t[16];
	int i, all = 0;

	test_section("16 threads, a socket each, 50 round trips each");
	for (i = 0; i < 16; i++) {
		thr[i] = (struct thr){.idx = i};
		CHECK(pthread_create(&t[i], NULL, echo_thread, &thr[i]) == 0);
	}
	for (i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		all += thr[i].fails;
	}
	CHECK(all == 0);
}

/* n messages "<c>NN" written, then read in order: 0 when they all
 * came.  The first is queued by the loop thread or read directly,
 * whichever came first. */
static int
burst(int sd, char c, int n, int send, int recv)
{
	struct rsp_sndrcvinfo ri;
	char text[16], buf[64];
	int i, bad = 0, flags = 0;

	for (i = 0; i < n && send; i++) {
		snprintf(text, sizeof(text), "%c%02d", c, i);
		bad += rsp_write(sd, text, 3) != 3;
	}
	for (i = 0; i < n && recv; i++) {
		snprintf(text, sizeof(text), "%c%02d", c, i);
		bad +=
		    rsp_recvmsg(sd, buf, sizeof(buf), &ri, &flags, 5000) != 3 ||
		    memcmp(buf, text, 3) != 0 ||
		    (flags & MSG_RSERPOOL_NOTIFICATION);
	}
	return bad;
}

/* 16 in flight, in order; then a notification queued ahead of 16
 * more. */
static void
test_in_order(int sd)
{
	union rserpool_notification nt;
	int flags = 0;

	CHECK(burst(sd, 'm', 16, 1, 1) == 0);
	CHECK(rsp_forcefailover(sd, FFF_NONE, 0) == 0);
	CHECK(burst(sd, 'n', 16, 1, 0) == 0);
	CHECK(rsp_recvmsg(sd, &nt, sizeof(nt), NULL, &flags, 5000) ==
	          (ssize_t)sizeof(nt) &&
	      (flags & MSG_RSERPOOL_NOTIFICATION));
	CHECK(burst(sd, 'n', 16, 0, 1) == 0);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct waiter {
	int sd;
	ssize_t n;
	int err, flags;
	union rserpool_notification nt;
};

static void *
wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->n = rsp_recvmsg(w->sd, &w->nt, sizeof(w->nt), NULL, &w->flags, 8000);
	w->err = errno;
	return NULL;
}

/* Another thread waits in rsp_recvmsg() (directly on the association)
 * while this one fails the session over to a new association, then
 * closes the socket under a second waiter: both return at once. */
static void
test_direct_waits(void)
{
	struct waiter w = {0};
	long long t0;
	pthread_t t;

	test_section("a thread waiting in rsp_recvmsg: failover, close");
	CHECK((w.sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP)) >= 0);
	CHECK(rsp_connect(w.sd, PH("EchoPool"), 0) == 0);
	CHECK(echo(w.sd, "up", 2) == 0);
	test_in_order(w.sd);
	t0 = now_ms();
	CHECK(pthread_create(&t, NULL, wait_thread, &w) == 0);
	usleep(100000); /* it waits in poll() by now */
	CHECK(rsp_forcefailover(w.sd, FFF_UNREACHABLE, 0) == 0);
	pthread_join(t, NULL);
	CHECK(w.n == (ssize_t)sizeof(w.nt) &&
	      (w.flags & MSG_RSERPOOL_NOTIFICATION) &&
	      w.nt.rn_failover.rf_state == RSERPOOL_FAILOVER_COMPLETE);
	CHECK(now_ms() - t0 < 3000);
	CHECK(echo(w.sd, "over", 4) == 0);
	t0 = now_ms();
	CHECK(pthread_create(&t, NULL, wait_thread, &w) == 0);
	usleep(100000);
	CHECK(rsp_close(w.sd) == 0);
	pthread_join(t, NULL);
	CHECK(w.n == -1 && w.err == EBADF && now_ms() - t0 < 3000);
}

static void
test_helpers(void)
{
	union rserpool_notification nt;
	char out[256];
	FILE *f;

	test_section("policy names, rsp_print_notification");
	CHECK(rsp_getpolicybyname("LeastUsed") == PPT_LEASTUSED);
	CHECK(rsp_getpolicybyname("RandomizedPriorityLeastUsedDegradation") ==
	      PPT_RANDOMIZED_PRIORITY_LEASTUSED_DEGRADATION);
	CHECK(rsp_getpolicybyname("leastused") == PPT_UNDEFINED);
	CHECK(rsp_getpolicybyname(NULL) == PPT_UNDEFINED);
	CHECK(strcmp(rsp_getpolicybytype(PPT_WEIGHTED_ROUNDROBIN),
	          "WeightedRoundRobin") == 0);
	CHECK(rsp_getpolicybytype(0x12345) == NULL);
	CHECK(
	    PPT_IS_ADAPTIVE(PPT_LEASTUSED_DPF) && !PPT_IS_ADAPTIVE(PPT_RANDOM));
	memset(&nt, 0, sizeof(nt));
	nt.rn_header.rn_type = RSERPOOL_FAILOVER;
	nt.rn_failover.rf_state = RSERPOOL_FAILOVER_NECESSARY;
	nt.rn_failover.rf_session = 1;
	memset(out, 0, sizeof(out));
	if ((f = fmemopen(out, sizeof(out) - 1, "w")) != NULL) {
		rsp_print_notification(&nt, f);
		fclose(f);
	}
	CHECK(strcmp(out, "RSERPOOL_FAILOVER for session 1, "
	                  "state=RSERPOOL_FAILOVER_NECESSARY, cookie=no") == 0);
	CHECK(CID_GROUP(CID_COMPOUND(CID_GROUP_POOLUSER, 7)) ==
	          CID_GROUP_POOLUSER &&
	      CID_OBJECT(CID_COMPOUND(CID_GROUP_POOLUSER, 7)) == 7);
}

int
main(void)
{
	unsigned port;
	pid_t pid;

	log_register(quiet_sink, NULL);
	setenv("RSP_TRANSPORT", test_tr() == TR_SCTP ? "sctp" : "tcp", 1);
	csp_on = getenv("RSP_TEST_NO_GETIFADDRS") == NULL;
	if (!csp_on)
		printf("skipped: CSP reports (RSP_TEST_NO_GETIFADDRS)\n");
	port = fork_child(child, &pid);
	if (pid == -1)
		return 1;
	CHECK(port != 0);

	test_initarg(port);
	test_basic();
	test_sockets();
	test_threads();
	test_direct_waits();
	test_helpers();
	rsp_cleanup();
	CHECK(!csp_on || csp_seen(NULL, 0)); /* the final report */
	rsp_cleanup();                       /* again: nothing happens */
	CHECK(rsp_socket(0, SOCK_STREAM, 0) == -1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return test_done();
}
