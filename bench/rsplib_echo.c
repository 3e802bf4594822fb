/*
 * An echo benchmark written against RSPLIB's API (<rserpool/rserpool.h>),
 * built against Debian's librsplib-dev and run unchanged on RSPLIB's
 * librsplib.so.3 or on rsp's (LD_LIBRARY_PATH): messages/s and round
 * trip latency of an echo through rsp_sendmsg/rsp_recvfullmsg, with N
 * messages in flight, against a pool's echo PE (bench/rsplib.sh,
 * bench/README.md).  The same client without RSerPool, on a plain
 * transport socket against its own echo server (-raw, -rawecho), is the
 * baseline.
 *
 *	rsplib_echo [RSPLIB OPTIONS] [-poolhandle=P] [-inflight=N[,N...]]
 *	    [-duration=MS] [-size=BYTES]
 *	rsplib_echo -raw=ADDR:PORT [-sctp] [-inflight=...] [-duration=MS]
 *	    [-size=BYTES]
 *	rsplib_echo -rawecho=PORT [-sctp] [-permessage] [-size=BYTES]
 *	rsplib_echo [RSPLIB OPTIONS] [-poolhandle=P] -pe
 *
 * -pe is an echo pool element written against the same API: one thread,
 * rsp_poll, rsp_recvfullmsg and rsp_sendmsg on a one-to-many socket,
 * nothing else per message, so that both ends of the session are the library's (and
 * not also rspserver's threads and log; bench/rsplib.sh runs both).
 *
 * One line per in-flight count:
 *	inflight=N msgs=M seconds=S rate=R p50_us=X p99_us=Y
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rserpool/rserpool.h>

#define MAX_SIZE     65536
#define MAX_INFLIGHT 256
#define MAX_SAMPLES  (1 << 22)
#define HDR          16 /* sequence number, send time (ns) */

static size_t msg_size = 64;
static long duration_ms = 3000;
static char pool[64] = "EchoPool";
static int use_sctp;
static int permessage;
static uint64_t *samples;
static size_t nsamples;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One transport: RSerPool socket or plain one. */
struct conn {
	int fd;
	int raw;
};

static int
conn_send(struct conn *c, const char *buf)
{
	if (c->raw)
		return send(c->fd, buf, msg_size, MSG_NOSIGNAL) ==
		               (ssize_t)msg_size
		           ? 0
		           : -1;
	return rsp_sendmsg(c->fd, buf, msg_size, 0, 0, htonl(0x29), 0, 0, 0,
	           -1) == (ssize_t)msg_size
	           ? 0
	           : -1;
}

/* The next echoed message into buf: 0, -1 on error or after 10 s. */
static int
conn_recv(struct conn *c, char *buf)
{
	struct rsp_sndrcvinfo ri;
	size_t got = 0;
	ssize_t n;
	int flags;

	if (c->raw) {
		while (got < msg_size) {
			if ((n = recv(c->fd, buf + got, msg_size - got, 0)) <=
			    0)
				return -1;
			got += (size_t)n;
		}
		return 0;
	}
	for (;;) {
		flags = 0;
		n = rsp_recvfullmsg(c->fd, buf, MAX_SIZE, &ri, &flags, 10000);
		if (n < 0)
			return -1;
		if (flags & MSG_RSERPOOL_NOTIFICATION)
			continue; /* a failover would spoil the run anyway */
		if ((size_t)n == msg_size)
			return 0;
	}
}

/* One phase: `inflight` messages outstanding for duration_ms. */
static int
phase(struct conn *c, int inflight)
{
	static char out[MAX_SIZE], in[MAX_SIZE];
	uint64_t seq = 0, t0, end, sent_at, t;
	size_t msgs = 0;
	int i;

	nsamples = 0;
	memset(out, 'x', msg_size);
	t0 = now_ns();
	end = t0 + (uint64_t)duration_ms * 1000000u;
	for (i = 0; i < inflight; i++) {
		t = now_ns();
		memcpy(out, &seq, 8);
		memcpy(out + 8, &t, 8);
		seq++;
		if (conn_send(c, out) == -1)
			return -1;
	}
	for (;;) {
		if (conn_recv(c, in) == -1) {
			fprintf(stderr, "rsplib_echo: no echo within 10 s\n");
			return -1;
		}
		t = now_ns();
		memcpy(&sent_at, in + 8, 8);
		if (nsamples < MAX_SAMPLES)
			samples[nsamples++] = t - sent_at;
		msgs++;
		if (t >= end)
			break;
		memcpy(out, &seq, 8);
		memcpy(out + 8, &t, 8);
		seq++;
		if (conn_send(c, out) == -1)
			return -1;
	}
	/* The rest in flight comes back before the next phase. */
	for (i = 1; i < inflight; i++)
		if (conn_recv(c, in) == -1)
			return -1;
	t = now_ns();
	qsort(samples, nsamples, sizeof(samples[0]), cmp_u64);
	printf("inflight=%d msgs=%zu seconds=%.3f rate=%.0f p50_us=%.0f "
	       "p99_us=%.0f\n",
	    inflight, msgs, (double)(end - t0) / 1e9,
	    (double)msgs * 1e9 / (double)(end - t0),
	    (double)samples[nsamples / 2] / 1000.0,
	    (double)samples[nsamples * 99 / 100] / 1000.0);
	fflush(stdout);
	return 0;
}

#ifndef SCTP_NODELAY
#define SCTP_NODELAY 3 /* Linux's, <netinet/sctp.h> (libsctp-dev) */
#endif

/* No Nagle on either: RSPLIB's and rsp's transports turn it off too. */
static void
nodelay(int fd)
{
	int one = 1;

	if (use_sctp)
		setsockopt(fd, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int
raw_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, use_sctp ? IPPROTO_SCTP : 0);

	if (fd >= 0)
		nodelay(fd);
	return fd;
}

static int
parse_addr(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

/* -rawecho=PORT: echo every byte of each connection, one at a time:
 * what one read brings goes back in one write, however many messages
 * that is (the stream echo).  With -permessage: one message of -size
 * bytes per read and per write, as an echo through rsp_recvmsg and
 * rsp_sendmsg does, and as a read of SCTP gives anyway. */
static int
raw_echo(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char buf[MAX_SIZE];
	int ls = raw_socket(), c, one = 1;
	ssize_t n;

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ls, 4) == -1) {
		perror("rsplib_echo: -rawecho");
		return 1;
	}
	printf("listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	while ((c = accept(ls, NULL, NULL)) >= 0) {
		nodelay(c);
		while ((n = recv(c, buf, permessage ? msg_size : sizeof(buf),
		            permessage ? MSG_WAITALL : 0)) > 0)
			if (send(c, buf, (size_t)n, MSG_NOSIGNAL) != n)
				break;
		close(c);
	}
	return 0;
}

/* -pe: echo each message of each session back on it, until killed.
 * The loop of RSPLIB's own one-to-many servers: rsp_poll, then
 * rsp_recvfullmsg without waiting. */
static int
pe_echo(void)
{
	static char buf[MAX_SIZE];
	struct rsp_sndrcvinfo ri;
	struct rsp_loadinfo li;
	struct pollfd p;
	ssize_t n;
	int sd, flags;

	/* RSPLIB reads *loadinfo without a NULL check, whatever its
	 * header says of NULL: the default spelled out. */
	memset(&li, 0, sizeof(li));
	li.rli_policy = PPT_ROUNDROBIN;
	/* RSPLIB's one-to-many socket takes no session before listen(). */
	if ((sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP)) < 0 ||
	    rsp_bind(sd, NULL, 0) < 0 || rsp_listen(sd, 10) < 0 ||
	    rsp_register(sd, (const unsigned char *)pool, strlen(pool), &li,
	        30000, 0) < 0) {
		perror("rsplib_echo: -pe: rsp_socket/bind/listen/register");
		return 1;
	}
	printf("registered in %s\n", pool);
	fflush(stdout);
	for (;;) {
		p = (struct pollfd){.fd = sd, .events = POLLIN};
		if (rsp_poll(&p, 1, -1) < 0 && errno != EINTR) {
			perror("rsplib_echo: -pe: rsp_poll");
			return 1;
		}
		flags = 0;
		n = rsp_recvfullmsg(sd, buf, sizeof(buf), &ri, &flags, 0);
		if (n <= 0 || (flags & MSG_RSERPOOL_NOTIFICATION))
			continue;
		if (rsp_sendmsg(sd, buf, (size_t)n, 0, ri.rinfo_session,
		        ri.rinfo_ppid, 0, 0, 0, -1) != n)
			perror("rsplib_echo: -pe: rsp_sendmsg");
	}
}

static int
usage(const char *arg)
{
	fprintf(stderr,
	    "rsplib_echo: bad argument %s\n"
	    "usage: rsplib_echo [RSPLIB OPTIONS] [-poolhandle=P] "
	    "[-inflight=N[,N...]] [-duration=MS] [-size=BYTES]\n"
	    "       rsplib_echo -raw=ADDR:PORT [-sctp] [-inflight=...] "
	    "[-duration=MS] [-size=BYTES]\n"
	    "       rsplib_echo -rawecho=PORT [-sctp] [-permessage] "
	    "[-size=BYTES]\n"
	    "       rsplib_echo [RSPLIB OPTIONS] [-poolhandle=P] -pe\n",
	    arg);
	return 2;
}

/* Each in-flight count of list in turn (c NULL: only check them). */
static int
run_phases(struct conn *c, const char *list)
{
	char copy[128], *tok, *save = NULL, *end;

	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		long n = strtol(tok, &end, 10);

		if (*end != '\0' || n < 1 || n > MAX_INFLIGHT)
			return usage(tok);
		if (c != NULL && phase(c, (int)n) == -1)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rsp_info info;
	struct sockaddr_in sin;
	struct conn c = {-1, 0};
	const char *inflight = "1,16", *raw = NULL;
	int i, rawecho = 0, pe = 0, rc;

	rsp_initinfo(&info);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "-poolhandle=", 12) == 0)
			snprintf(pool, sizeof(pool), "%s", a + 12);
		else if (strncmp(a, "-inflight=", 10) == 0)
			inflight = a + 10;
		else if (strncmp(a, "-duration=", 10) == 0)
			duration_ms = atol(a + 10);
		else if (strncmp(a, "-size=", 6) == 0)
			msg_size = (size_t)atol(a + 6);
		else if (strncmp(a, "-raw=", 5) == 0)
			raw = a + 5;
		else if (strncmp(a, "-rawecho=", 9) == 0)
			rawecho = atoi(a + 9);
		else if (strcmp(a, "-sctp") == 0)
			use_sctp = 1;
		else if (strcmp(a, "-permessage") == 0)
			permessage = 1;
		else if (strcmp(a, "-pe") == 0)
			pe = 1;
		else if (!rsp_initarg(&info, a))
			return usage(a);
	}
	if (msg_size < HDR || msg_size > MAX_SIZE || duration_ms < 100)
		return usage("-size or -duration");
	if (run_phases(NULL, inflight) != 0)
		return 2;
	if (rawecho > 0)
		return raw_echo(rawecho);
	if ((samples = malloc(MAX_SAMPLES * sizeof(*samples))) == NULL)
		return 1;
	if (raw != NULL) {
		c.raw = 1;
		if (parse_addr(raw, &sin) == -1)
			return usage(raw);
		if ((c.fd = raw_socket()) < 0 ||
		    connect(c.fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			perror("rsplib_echo: -raw");
			return 1;
		}
		return run_phases(&c, inflight);
	}
	if (rsp_initialize(&info) < 0) {
		fprintf(stderr, "rsplib_echo: rsp_initialize failed\n");
		return 1;
	}
	if (pe)
		return pe_echo();
	if ((c.fd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP)) < 0 ||
	    rsp_connect(c.fd, (const unsigned char *)pool, strlen(pool), 0) <
	        0) {
		perror("rsplib_echo: rsp_socket/rsp_connect");
		return 1;
	}
	/* A first echo: the session is up before the clock starts. */
	rc = 1;
	{
		char buf[MAX_SIZE];

		memset(buf, 0, sizeof(buf));
		if (conn_send(&c, buf) == 0 && conn_recv(&c, buf) == 0)
			rc = run_phases(&c, inflight);
		else
			fprintf(stderr, "rsplib_echo: no first echo\n");
	}
	rsp_close(c.fd);
	rsp_cleanup();
	rsp_freeinfo(&info);
	return rc;
}
