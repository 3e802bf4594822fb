/*
 * Fuzz target for the TCP mapping's connection code
 * (core/transport/tcp.c, tcp_conn.c), which fuzz_tcpmap's codec and
 * reassembler checks do not reach: a listening TR_TCP endpoint on
 * 127.0.0.1 and, per input, one real loopback TCP connection whose
 * peer side writes what the input says, in the pieces it says, between
 * runs of the event loop.  INIT, DATA, ACK, HEARTBEAT and HEARTBEAT-ACK
 * chunks in any order, split anywhere, and garbage go through accept,
 * reassembly, the chunk handlers, the ACKs and heartbeat answers the
 * endpoint writes back, its own heartbeats and INIT timeout (a fake
 * clock), the application's sends, shutdown and abort, and the end of
 * the connection.  An input starting with 0xc5 has the endpoint open
 * the connection instead (tr_connect() to [::1] and 127.1.x.y on the
 * harness's IPv4 port: the first refuses, the second accepts), so the
 * outgoing side runs too: non-blocking connect, the next address, our
 * INIT first.  Input: records of one op byte:
 *
 *	op < 0x80          the peer writes the next op + 1 bytes
 *	0x80 <= op < 0xc0  the clock advances (op & 0x3f) x 1 s, timers run
 *	0xc0               the application sends 100 bytes (PPID op & 15)
 *	0xc1               the application shuts the association down
 *	0xc2               the application aborts it
 *	0xc3               the peer reads what the endpoint wrote
 *	0xc4               the peer half-closes (FIN)
 *	others             the peer writes the next byte
 *
 * Then the peer half-closes (if it did not) and reads; the endpoint
 * must have ended the association by then (its EOF, a protocol error
 * or the application's abort), leaving nothing behind; the peer then
 * resets the connection, so no TIME_WAIT piles up.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/transport/transport.h"
#include "tests/fuzz/fuzz_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ev_loop *loop;
static struct tr_ep *ep;
static uint16_t port;  /* the endpoint's */
static int lfd = -1;   /* the harness's listener (outgoing inputs) */
static uint16_t lport; /* its port */
static uint64_t now_ms;
static uint32_t assoc; /* the input's association, 0 before accept */
/* Thousands of connections a second leave TIME_WAIT behind whichever
 * side closes first: each input's connection gets its own loopback
 * address, 127.1.x.y, so no 4-tuple comes back within a minute. */
static uint32_t conn_n;
static int ended; /* it is gone (LOST, SHUTDOWN or our abort) */

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

static void
on_event(struct tr_ep *e, const struct tr_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == TR_EV_MSG && (ev->len > 0 && ev->data == NULL))
		abort();
	switch (ev->type) {
	case TR_EV_UP:
		assoc = ev->assoc;
		break;
	case TR_EV_MSG:
		if (ev->ppid & 1) /* echo some back: the tx path, ACKs */
			tr_send(e, ev->assoc, ev->ppid, ev->stream, ev->data,
			    ev->len);
		break;
	case TR_EV_LOST:
	case TR_EV_SHUTDOWN:
		if (ev->assoc == assoc)
			ended = 1;
		break;
	default:
		break;
	}
}

/* Run the loop until nothing more is ready. */
static void
pump(void)
{
	int i;

	for (i = 0; i < 8 && ev_run_once(loop, 0) > 0; i++)
		;
}

static void
drain(int fd)
{
	uint8_t buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* The next 127.1.x.y. */
static const char *
loop_addr(void)
{
	static char s[20];
	uint32_t n = conn_n++ % 65534 + 1;

	snprintf(s, sizeof(s), "127.1.%u.%u", n >> 8, n & 255);
	return s;
}

static int
peer_listen(uint16_t *p)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET; /* any address: 127.1.x.y reaches it */
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		abort();
	*p = ntohs(sin.sin_port);
	return fd;
}

static void
peer_reset(int fd)
{
	struct linger l = {1, 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* The endpoint connects to us: the first address refuses (or cannot
 * be reached: no IPv6), the second is our listener. */
static int
peer_accept(void)
{
	struct addr_list al;
	char s[64];
	uint32_t id;
	int fd = -1, i;

	/* one an earlier input gave up on must not pose as this one */
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) != -1)
		peer_reset(fd);
	snprintf(s, sizeof(s), "[::1],%s:%u", loop_addr(), lport);
	if (addr_list_parse(&al, s, 0, 0, NULL, 0) == -1 ||
	    tr_connect(ep, &al, &id) == -1)
		abort();
	for (i = 0; i < 50 && fd == -1; i++) {
		ev_run_once(loop, 1);
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	}
	if (fd == -1) /* the host's trouble (no port), not the input's */
		tr_abort(ep, id);
	else
		assoc = id;
	return fd;
}

static void
setup(void)
{
	struct addr_list al, bound;

	fuzz_log_init();
	if ((loop = ev_loop_new()) == NULL)
		abort();
	ev_set_clock(loop, fake_clock, NULL);
	now_ms = 1000;
	ev_now_update(loop);
	tr_config.hb_interval = 2000;
	tr_config.hb_maxloss = 2;
	if (addr_list_parse(
	        &al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0) == -1 ||
	    (ep = tr_ep_new(loop, TR_TCP, &al, TR_LISTEN, on_event, NULL)) ==
	        NULL ||
	    tr_local_addrs(ep, 0, &bound) == -1)
		abort();
	port = bound.port;
	lfd = peer_listen(&lport);
}

/* A connection to the endpoint from the next free 127.1.x.y; -1 if the
 * host has none (TIME_WAIT can hold a 4-tuple longer than a cycle
 * through the addresses takes): the input is skipped, not failed. */
static int
peer_connect(void)
{
	struct sockaddr_in sin;
	int fd, i;

	for (i = 0; i < 16; i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		if (inet_pton(AF_INET, loop_addr(), &sin.sin_addr) != 1 ||
		    (fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			abort();
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			sin.sin_port = htons(port);
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ==
			        0 &&
			    fcntl(fd, F_SETFL, O_NONBLOCK) == 0)
				return fd;
		}
		close(fd);
	}
	return -1;
}

static void
peer_write(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		/* MSG_NOSIGNAL: once the endpoint reset the connection, a
		 * write would kill the fuzzer with SIGPIPE */
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w == -1 && errno == EAGAIN) {
			pump(); /* let the endpoint read */
			drain(fd);
		} else
			return; /* reset by the endpoint */
		pump();
	}
}

static void
op_app(uint8_t op)
{
	static const uint8_t msg[100];

	if (assoc == 0 || ended)
		return;
	if (op == 0xc0)
		tr_send(ep, assoc, op & 15, 0, msg, sizeof(msg));
	else if (op == 0xc1)
		tr_shutdown(ep, assoc);
	else if (tr_abort(ep, assoc) == 0)
		ended = 1; /* no events after an abort */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd, fin = 0, i;
	size_t n;
	uint8_t op;

	if (loop == NULL)
		setup();
	assoc = 0;
	ended = 0;
	if (size > 0 && data[0] == 0xc5) {
		fd = peer_accept();
		data++;
		size--;
	} else
		fd = peer_connect();
	if (fd == -1)
		return 0;
	pump(); /* accept, or our INIT */
	while (size > 0) {
		op = *data++;
		size--;
		if (op < 0x80 || op > 0xc4) {
			n = op < 0x80 ? (size_t)op + 1 : 1;
			if (n > size)
				n = size;
			if (!fin)
				peer_write(fd, data, n);
			data += n;
			size -= n;
		} else if (op < 0xc0) {
			now_ms += (uint64_t)(op & 0x3f) * 1000;
			pump();
		} else if (op <= 0xc2) {
			op_app(op);
			pump();
		} else if (op == 0xc3) {
			drain(fd);
		} else if (!fin) {
			shutdown(fd, SHUT_WR);
			fin = 1;
			pump();
		}
	}
	if (!fin)
		shutdown(fd, SHUT_WR);
	for (i = 0; i < 50 && tr_assoc_count(ep) > 0; i++) {
		drain(fd);
		ev_run_once(loop, 1);
	}
	if (tr_assoc_count(ep) != 0)
		abort(); /* the peer's FIN did not end the association */
	peer_reset(fd);
	pump();
	return 0;
}
