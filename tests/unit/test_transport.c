/*
 * The TCP-mapping transport end to end inside one process over
 * loopback: two endpoints (or one endpoint and a raw TCP socket playing
 * a peer that misbehaves) on one event loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/transport.h"
#include "proto/tcpmap.h"
#include "proto/wire.h"
#include "testlib.h"

#define EVMAX 32

struct rec {
	int n;
	struct tr_event ev[EVMAX];
	uint8_t data[EVMAX][64];
	struct tr_ep *other; /* to look at the sender from the receiver */
	uint32_t other_assoc;
	int other_unacked; /* tr_unacked(other) seen during delivery */
	int echo;          /* send every message back */
};

static struct ev_loop *loop;
static int kind = TR_TCP; /* backend under test */
static int warnings;      /* log lines at warning level or worse */

static void
log_count(int level, const char *msg, void *arg)
{
	(void)msg, (void)arg;
	if (level <= LOG_LVL_WARNING)
		warnings++;
}

static void
rec_cb(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct rec *r = arg;

	if (r->n >= EVMAX)
		return;
	r->ev[r->n] = *ev;
	if (ev->data && ev->len <= sizeof(r->data[0])) {
		memcpy(r->data[r->n], ev->data, ev->len);
		r->ev[r->n].data = r->data[r->n];
	}
	r->n++;
	if (ev->type == TR_EV_MSG && r->other)
		r->other_unacked = tr_unacked(r->other, r->other_assoc);
	if (ev->type == TR_EV_MSG && r->echo)
		tr_send(ep, ev->assoc, ev->ppid, ev->stream, ev->data, ev->len);
}

/* The last event of type t, or NULL. */
static const struct tr_event *
rec_find(const struct rec *r, enum tr_ev_type t)
{
	int i;

	for (i = r->n - 1; i >= 0; i--)
		if (r->ev[i].type == t)
			return &r->ev[i];
	return NULL;
}

/* Run the loop until r has an event of type t, at most ms. */
static const struct tr_event *
run_until(struct rec *r, enum tr_ev_type t, int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;
	const struct tr_event *e;

	while ((e = rec_find(r, t)) == NULL && clock_mono_ms() < end)
		ev_run_once(loop, 10);
	return e;
}

static void
run_for(int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;

	while (clock_mono_ms() < end)
		ev_run_once(loop, 10);
}

static void
loopback(struct addr_list *al, uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)&al->a[0];

	memset(al, 0, sizeof(*al));
	al->n = 1;
	al->port = port;
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int
has_loopback(const struct addr_list *al)
{
	int i;

	for (i = 0; i < al->n; i++)
		if (al->a[i].ss_family == AF_INET &&
		    ((const struct sockaddr_in *)&al->a[i])->sin_addr.s_addr ==
		        htonl(INADDR_LOOPBACK))
			return 1;
	return 0;
}

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static struct tr_ep *
server(struct rec *r, uint16_t *port)
{
	struct addr_list al;
	struct tr_ep *ep;

	loopback(&al, 0);
	ep = tr_ep_new(loop, kind, &al, TR_LISTEN, rec_cb, r);
	if (!CHECK(ep != NULL))
		exit(1);
	CHECK(tr_local_addrs(ep, 0, &al) == 0 && al.n == 1);
	*port = port_of(&al.a[0]);
	CHECK(*port != 0 && al.port == *port);
	return ep;
}

static void
test_options(void)
{
	const struct opt_set set = {tr_opts, &tr_config};
	char *argv[] = {"t", "-transport=tcp", "-tcpheartbeatinterval=500",
	    "-tcpheartbeatmaxloss=5", NULL};
	int nop;

	test_section("options and backend choice");
	CHECK(opt_parse("t", "", 4, argv, &set, 1, &nop) == OPT_OK);
	CHECK(tr_config.kind == TR_TCP && tr_config.hb_interval == 500 &&
	      tr_config.hb_maxloss == 5);
	CHECK(tr_resolve(TR_AUTO) == (tr_sctp_available() ? TR_SCTP : TR_TCP));
	CHECK(tr_resolve(TR_TCP) == TR_TCP && tr_resolve(TR_SCTP) == TR_SCTP);
	CHECK(tr_kind_for_param(RSP_PARAM_SCTP) == TR_SCTP);
	CHECK(tr_kind_for_param(RSP_PARAM_TCP) == TR_TCP);
	CHECK(tr_kind_for_param(RSP_PARAM_UDP) == -1);
	CHECK(tr_param_for_kind(TR_TCP) == RSP_PARAM_TCP);
	CHECK(strcmp(tr_kind_name(TR_SCTP), "sctp") == 0);
	CHECK(strcmp(tr_event_name(TR_EV_CANT_START), "cant-start") == 0);
	CHECK(tr_ep_new(loop, TR_AUTO, NULL, 0, rec_cb, NULL) == NULL &&
	      errno == EINVAL);
	tr_config.hb_interval = 30000;
	tr_config.hb_maxloss = 3;
}

static void
test_data(void)
{
	static const uint8_t msg[] = {0x05, 0x00, 0x00, 0x10, 0x00, 0x09, 0x00,
	    0x0c, 'E', 'c', 'h', 'o', 'P', 'o', 'o', 'l'};
	static uint8_t big[RSP_MSG_MAX + 1];
	struct rec *rs = calloc(1, sizeof(*rs)), *rc = calloc(1, sizeof(*rc));
	const struct tr_event *e;
	struct tr_ep *srv, *cli;
	struct addr_list al;
	uint32_t ca, sa;
	uint16_t port;

	test_section(kind == TR_TCP
	                 ? "tcp: connect, DATA both ways, ACK, shutdown"
	                 : "sctp: connect, DATA both ways, shutdown");
	srv = server(rs, &port);
	cli = tr_ep_new(loop, kind, NULL, 0, rec_cb, rc);
	CHECK(cli != NULL && tr_ep_kind(cli) == kind);
	loopback(&al, port);
	CHECK(tr_connect(cli, &al, &ca) == 0 && ca != 0);
	/* TCP: queued before UP, sent after our INIT. */
	if (kind == TR_TCP)
		CHECK(
		    tr_send(cli, ca, RSP_PPID_ASAP, 0, msg, sizeof(msg)) == 0);
	rs->other = cli;
	rs->other_assoc = ca;
	rs->other_unacked = -1;
	CHECK((e = run_until(rc, TR_EV_UP, 2000)) != NULL && e->assoc == ca);
	if (kind == TR_SCTP)
		CHECK(
		    tr_send(cli, ca, RSP_PPID_ASAP, 0, msg, sizeof(msg)) == 0);
	CHECK((e = run_until(rs, TR_EV_MSG, 2000)) != NULL);
	if (e == NULL)
		return;
	sa = e->assoc;
	CHECK(e->ppid == RSP_PPID_ASAP && e->stream == 0);
	CHECK_BYTES(e->data, e->len, msg, sizeof(msg));
	CHECK(rs->ev[0].type == TR_EV_UP && rs->ev[0].assoc == sa);
	/* The ACK is sent only after the callback returned (TCP mapping;
	 * an SCTP SACK says nothing about the application). */
	if (kind == TR_TCP)
		CHECK(rs->other_unacked == 1);
	run_for(50);
	CHECK(tr_unacked(cli, ca) == 0);

	/* TCP: exactly the connection's addresses; SCTP: the client is
	 * multi-homed over whatever local addresses the kernel chose. */
	CHECK(tr_peer_addrs(srv, sa, &al) == 0 &&
	      (al.n == 1 || (kind == TR_SCTP && al.n > 1)));
	CHECK(has_loopback(&al));
	CHECK(tr_peer_addrs(cli, ca, &al) == 0 && al.port == port &&
	      has_loopback(&al));
	CHECK(tr_local_addrs(cli, ca, &al) == 0 && al.n >= 1);

	rs->echo = 1;
	CHECK(tr_send(cli, ca, RSP_PPID_ASAP, 0, "hi", 2) == 0);
	CHECK((e = run_until(rc, TR_EV_MSG, 2000)) != NULL && e->len == 2 &&
	      e->ppid == RSP_PPID_ASAP && memcmp(e->data, "hi", 2) == 0);
	run_for(30);
	CHECK(tr_unacked(cli, ca) == 0 && tr_unacked(srv, sa) == 0);

	/* Errors of the API. */
	CHECK(tr_send(cli, 999, 11, 0, "x", 1) == -1 && errno == ENOENT);
	CHECK(
	    tr_send(cli, ca, 11, 0, big,
	        kind == TR_TCP ? TR_TCP_MSG_MAX + 1 : RSP_MSG_MAX + 1) == -1 &&
	    errno == EMSGSIZE);
	CHECK(tr_unacked(cli, 999) == -1);

	/* Graceful close from the client: both see SHUTDOWN. */
	CHECK(tr_shutdown(cli, ca) == 0);
	CHECK(tr_send(cli, ca, 11, 0, "x", 1) == -1);
	CHECK((e = run_until(rs, TR_EV_SHUTDOWN, 2000)) != NULL &&
	      e->assoc == sa);
	CHECK((e = run_until(rc, TR_EV_SHUTDOWN, 2000)) != NULL &&
	      e->assoc == ca);
	CHECK(tr_send(cli, ca, 11, 0, "x", 1) == -1 && errno == ENOENT);
	tr_ep_free(cli);
	tr_ep_free(srv);
	free(rs);
	free(rc);
}

static void
test_abort_and_refused(void)
{
	struct rec *rs = calloc(1, sizeof(*rs)), *rc = calloc(1, sizeof(*rc));
	const struct tr_event *e;
	struct tr_ep *srv, *cli;
	struct addr_list al;
	uint32_t ca;
	uint16_t port;

	test_section(kind == TR_TCP
	                 ? "tcp: abort -> lost; refused -> cant-start"
	                 : "sctp: abort -> lost; refused -> cant-start");
	srv = server(rs, &port);
	cli = tr_ep_new(loop, kind, NULL, 0, rec_cb, rc);
	loopback(&al, port);
	CHECK(tr_connect(cli, &al, &ca) == 0);
	CHECK(run_until(rs, TR_EV_UP, 2000) != NULL);
	CHECK(run_until(rc, TR_EV_UP, 2000) != NULL);
	CHECK(tr_abort(cli, ca) == 0);
	CHECK((e = run_until(rs, TR_EV_LOST, 2000)) != NULL &&
	      e->error == ECONNRESET);
	CHECK(rec_find(rc, TR_EV_LOST) == NULL);
	CHECK(tr_abort(cli, ca) == -1 && errno == ENOENT);

	/* Nobody listens any more: refused, reported as CANT_START; what
	 * was queued comes back. */
	tr_ep_free(srv);
	CHECK(tr_connect(cli, &al, &ca) == 0);
	if (kind == TR_TCP)
		CHECK(tr_send(cli, ca, 12, 3, "q", 1) == 0);
	CHECK((e = run_until(rc, TR_EV_CANT_START, 5000)) != NULL &&
	      e->assoc == ca && e->error == ECONNREFUSED);
	if (kind == TR_TCP)
		CHECK((e = run_until(rc, TR_EV_SEND_FAILED, 100)) != NULL &&
		      e->assoc == ca && e->ppid == 12 && e->stream == 3 &&
		      e->len == 1 && e->data[0] == 'q');
	tr_ep_free(cli);
	free(rs);
	free(rc);
}

/* A raw TCP socket playing the peer, so the wire can be checked. */
static int
raw_connect(uint16_t port)
{
	struct sockaddr_in s = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	s.sin_port = htons(port);
	s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&s, sizeof(s)) == -1)
		return -1;
	return fd;
}

/* Read chunks off the raw socket while the loop runs; wait for type. */
static int
raw_expect(int fd, struct tcpmap_rx *rx, uint8_t type, struct tcpmap_chunk *c)
{
	uint64_t end = clock_mono_ms() + 2000;
	struct tcpmap_error e;
	uint8_t *p;
	ssize_t n;

	while (clock_mono_ms() < end) {
		while (tcpmap_rx_next(rx, 0, c, &e) == 1)
			if (c->type == type)
				return 1;
		ev_run_once(loop, 10);
		if (tcpmap_rx_space(rx, &p) == 0)
			return 0;
		n = recv(fd, p, 512, MSG_DONTWAIT);
		if (n > 0)
			tcpmap_rx_commit(rx, (size_t)n);
		else if (n == 0)
			return 0;
	}
	return 0;
}

static void
test_wire_and_heartbeat(void)
{
	static const uint8_t init_hb[] = {0x01, 0x00, 0x00, 0x04};
	static const uint8_t data[] = {0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00,
	    0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x77, 0x00,
	    0x00, 0x00};
	struct rec *rs = calloc(1, sizeof(*rs));
	struct tcpmap_rx rx;
	struct tcpmap_chunk c;
	const struct tr_event *e;
	struct tr_ep *srv;
	uint16_t port;
	uint64_t t0;
	int fd;

	test_section("wire format, heartbeat loss, peer close");
	tr_config.hb_interval = 50;
	tr_config.hb_maxloss = 3;
	srv = server(rs, &port);
	tr_config.hb_interval = 30000;
	tr_config.hb_maxloss = 3;
	tcpmap_rx_init(&rx);
	CHECK((fd = raw_connect(port)) != -1);
	CHECK(
	    raw_expect(fd, &rx, TCPMAP_INIT, &c) && c.flags == 0 && c.len == 4);
	CHECK(rec_find(rs, TR_EV_UP) == NULL);
	CHECK(send(fd, init_hb, sizeof(init_hb), 0) == 4);
	CHECK(send(fd, data, sizeof(data), 0) == (ssize_t)sizeof(data));
	CHECK((e = run_until(rs, TR_EV_MSG, 2000)) != NULL && e->ppid == 11 &&
	      e->len == 1 && e->data[0] == 0x77);
	/* One ACK with the TSN of the DATA (we did not omit TSNs). */
	CHECK(raw_expect(fd, &rx, TCPMAP_ACK, &c) && c.has_tsn && c.tsn == 42);
	/* Heartbeats come and, unanswered, lose the association; our
	 * message the raw peer never acknowledged comes back after LOST. */
	CHECK(tr_send(srv, e->assoc, 11, 0, "abc", 3) == 0);
	CHECK(raw_expect(fd, &rx, TCPMAP_DATA, &c) && c.tsn == 0 &&
	      c.ppid == 11 && c.datalen == 3);
	t0 = clock_mono_ms();
	CHECK(raw_expect(fd, &rx, TCPMAP_HEARTBEAT, &c) && c.datalen == 8);
	CHECK((e = run_until(rs, TR_EV_LOST, 2000)) != NULL &&
	      e->error == ETIMEDOUT);
	CHECK(clock_mono_ms() - t0 < 1000);
	CHECK((e = run_until(rs, TR_EV_SEND_FAILED, 100)) != NULL &&
	      e->ppid == 11 && e->len == 3 && memcmp(e->data, "abc", 3) == 0 &&
	      rs->ev[rs->n - 2].type == TR_EV_LOST);
	close(fd);
	tcpmap_rx_free(&rx);

	/* Answered heartbeats keep it; a peer close is a SHUTDOWN. */
	rs->n = 0;
	tcpmap_rx_init(&rx);
	CHECK((fd = raw_connect(port)) != -1);
	CHECK(send(fd, init_hb, sizeof(init_hb), 0) == 4);
	CHECK(run_until(rs, TR_EV_UP, 2000) != NULL);
	for (t0 = 0; t0 < 5; t0++) {
		uint8_t mem[64];
		struct wbuf w;

		if (!CHECK(raw_expect(fd, &rx, TCPMAP_HEARTBEAT, &c)))
			break;
		wbuf_init(&w, mem, sizeof(mem));
		c.type = TCPMAP_HEARTBEAT_ACK;
		tcpmap_encode(&c, 0, &w);
		CHECK(send(fd, w.data, w.len, 0) == (ssize_t)w.len);
	}
	CHECK(rec_find(rs, TR_EV_LOST) == NULL);
	close(fd);
	CHECK((e = run_until(rs, TR_EV_SHUTDOWN, 2000)) != NULL);
	tcpmap_rx_free(&rx);

	/* A reserved chunk type is a protocol error: LOST, EPROTO. */
	rs->n = 0;
	CHECK((fd = raw_connect(port)) != -1);
	CHECK(send(fd, init_hb, sizeof(init_hb), 0) == 4);
	CHECK(run_until(rs, TR_EV_UP, 2000) != NULL);
	warnings = 0;
	CHECK(send(fd, "\x06\x00\x00\x04", 4, 0) == 4);
	CHECK((e = run_until(rs, TR_EV_LOST, 2000)) != NULL &&
	      e->error == EPROTO);
	CHECK(warnings == 1);
	close(fd);
	tr_ep_free(srv);
	free(rs);
}

int
main(void)
{
	log_register(log_count, NULL);
	loop = ev_loop_new();
	if (!CHECK(loop != NULL))
		return test_done();
	test_options();
	test_data();
	test_abort_and_refused();
	test_wire_and_heartbeat();
	/* The same API tests over kernel SCTP where the kernel has it (the
	 * SCTP test guest); elsewhere they are skipped. */
	if (tr_sctp_available()) {
		kind = TR_SCTP;
		test_section("sctp");
		test_data();
		test_abort_and_refused();
	} else
		printf("kernel SCTP not available: SCTP tests skipped\n");
	ev_loop_free(loop);
	return test_done();
}
