/*
 * The transports end to end inside one process over loopback: two
 * endpoints (or one endpoint and a raw TCP socket playing a peer that
 * misbehaves) on one event loop.  The API cases run over the TCP mapping
 * and again over kernel SCTP where the kernel has it (the SCTP test
 * guest: make check-sctp, or tests/vm/run-in-guest.sh), there also with
 * the old SCTP_EVENTS subscription and multi-homed when 192.0.2.1 is a
 * local address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/transport/transport.h"
#include "core/transport/internal.h"
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
	int other_unacked;    /* tr_unacked(other) seen during delivery */
	int echo;             /* send every message back */
	int peel;             /* peel off each association at UP ... */
	struct rec *peel_rec; /* ... with this recorder for the new ep */
	struct tr_ep *peeled; /* the last endpoint peeled off */
};

/*
 * ECONNREFUSED as SO_ERROR reports it.  qemu-user hands SO_ERROR through
 * with the host's number, untranslated, for a CPU whose errno numbers
 * differ (MIPS: 146, x86: 111); scripts/check-cross.sh then passes the
 * host's number in RSP_TEST_HOST_ECONNREFUSED.
 */
static int
refused_errno(void)
{
	const char *s = getenv("RSP_TEST_HOST_ECONNREFUSED");

	return s != NULL ? atoi(s) : ECONNREFUSED;
}

static struct ev_loop *loop;
static int kind = TR_TCP; /* backend under test */
static int warnings;      /* log lines at warning level or worse */

static void
log_count(int level, const char *msg, void *arg)
{
	(void)arg;
	if (level <= LOG_LVL_WARNING)
		warnings++;
	if (getenv("TEST_LOG") != NULL)
		printf("log: %s\n", msg);
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
	if (ev->type == TR_EV_UP && r->peel &&
	    (r->peeled = tr_peeloff(ep, ev->assoc, rec_cb, r->peel_rec)) ==
	        NULL)
		printf("tr_peeloff: %s\n", strerror(errno));
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

/* tr_config.ack_delay (RSPLIB's API): the server's ACK waits for its
 * answer, which takes it along, or for the delay. */
static void
ack_delay(struct rec *rs, struct tr_ep *cli, uint32_t ca, struct tr_ep *srv,
    uint32_t sa)
{
	rs->echo = 0;
	tr_config.ack_delay = 300;
	CHECK(tr_send(cli, ca, RSP_PPID_ASAP, 0, "d1", 2) == 0);
	run_for(100);
	CHECK(tr_unacked(cli, ca) == 1);
	CHECK(tr_send(srv, sa, RSP_PPID_ASAP, 0, "r1", 2) == 0);
	run_for(50);
	CHECK(tr_unacked(cli, ca) == 0);
	CHECK(tr_send(cli, ca, RSP_PPID_ASAP, 0, "d2", 2) == 0);
	run_for(700);
	CHECK(tr_unacked(cli, ca) == 0);
	tr_config.ack_delay = 0;
	rs->echo = 1;
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
	/* The smoothed RTT (DPF distance): known on loopback, well under a
	 * second (SCTP_STATUS, TCP_INFO); none for an unknown association. */
	CHECK(tr_srtt(cli, ca) >= 0 && tr_srtt(cli, ca) < 1000);
	CHECK(tr_srtt(srv, sa) >= 0 && tr_srtt(srv, sa) < 1000);
	CHECK(tr_srtt(cli, ca + 12345) == -1);

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
	if (kind == TR_TCP)
		ack_delay(rs, cli, ca, srv, sa);

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
	      e->assoc == ca && e->error == refused_errno());
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

static void
test_map(void)
{
	struct tr_map m = {0};
	static uint8_t present[100001];
	uint32_t i, id, bad = 0;
	int x = 7;

	test_section("id table: 100k ids, deletes in the middle of runs");
	CHECK(tr_map_get(&m, 1) == NULL && tr_map_del(&m, 1) == NULL);
	CHECK(tr_map_put(&m, 0, &x) == -1 && errno == EINVAL);
	for (i = 1; i <= 100000; i++)
		if (tr_map_put(&m, i, (void *)(uintptr_t)i) == -1)
			bad++;
	CHECK(bad == 0 && m.n == 100000 && m.cap >= 200000);
	/* Replace keeps the count. */
	CHECK(tr_map_put(&m, 5, &x) == 0 && m.n == 100000 &&
	      tr_map_get(&m, 5) == &x);
	CHECK(tr_map_put(&m, 5, (void *)(uintptr_t)5) == 0);
	memset(present, 1, sizeof(present));
	/* Delete a pseudo-random two thirds, then check every id. */
	for (i = 0, id = 1; i < 66666; i++) {
		id = (id * 1103515245u + 12345u) % 100000u + 1;
		if (present[id]) {
			if (tr_map_del(&m, id) != (void *)(uintptr_t)id)
				bad++;
			present[id] = 0;
		} else if (tr_map_del(&m, id) != NULL)
			bad++;
	}
	for (i = 1; i <= 100000; i++)
		if (tr_map_get(&m, i) !=
		    (present[i] ? (void *)(uintptr_t)i : NULL))
			bad++;
	CHECK(bad == 0);
	for (i = 1, id = 0; i <= 100000; i++)
		id += present[i];
	CHECK(m.n == id);
	CHECK(tr_map_get(&m, 100001) == NULL && tr_map_get(&m, 0) == NULL);
	tr_map_free(&m);
	CHECK(m.n == 0 && m.cap == 0 && tr_map_get(&m, 1) == NULL);
}

static void
test_env_and_flags(void)
{
	const struct opt_set set = {tr_opts, &tr_config};
	char *argv[] = {"t", "-maxassociations=5", NULL};
	char *bad[] = {"t", "-maxassociations=0", NULL};
	int nop, auto_kind = tr_sctp_available() ? TR_SCTP : TR_TCP;

	test_section("$RSP_TRANSPORT, -maxassociations, endpoint flags");
	CHECK(tr_config.max_assoc == TR_MAX_ASSOC_DEFAULT);
	CHECK(opt_parse("t", "", 2, argv, &set, 1, &nop) == OPT_OK &&
	      tr_config.max_assoc == 5);
	CHECK(opt_parse("t", "", 2, bad, &set, 1, &nop) == OPT_ERROR);
	tr_config.max_assoc = TR_MAX_ASSOC_DEFAULT;
	tr_config.kind = TR_AUTO;

	setenv(TR_ENV, "tcp", 1);
	CHECK(tr_resolve(TR_AUTO) == TR_TCP);
	CHECK(tr_resolve(TR_SCTP) == TR_SCTP); /* -transport wins */
	setenv(TR_ENV, "sctp", 1);
	CHECK(tr_resolve(TR_AUTO) == TR_SCTP);
	CHECK(tr_resolve(TR_TCP) == TR_TCP);
	setenv(TR_ENV, "auto", 1);
	warnings = 0;
	CHECK(tr_resolve(TR_AUTO) == auto_kind && warnings == 0);
	setenv(TR_ENV, "udp", 1);
	CHECK(tr_resolve(TR_AUTO) == auto_kind && warnings == 1);
	setenv(TR_ENV, "", 1);
	CHECK(tr_resolve(TR_AUTO) == auto_kind);
	unsetenv(TR_ENV);
	CHECK(tr_resolve(TR_AUTO) == auto_kind);

	errno = 0;
	CHECK(tr_ep_new(loop, TR_TCP, NULL, TR_LISTEN | TR_ONE_TO_ONE, rec_cb,
	          NULL) == NULL &&
	      errno == EINVAL);
	errno = 0;
	CHECK(tr_ep_new(loop, TR_TCP, NULL, 0x100, rec_cb, NULL) == NULL &&
	      errno == EINVAL);
}

/* One message from -> to, then back again through to's echo. */
static int
ping(struct tr_ep *from, uint32_t a, struct rec *rfrom, struct rec *rto,
    const char *text)
{
	const struct tr_event *e;
	size_t len = strlen(text);

	rfrom->n = 0;
	rto->echo = 1;
	if (tr_send(from, a, RSP_PPID_ENRP, 0, text, len) == -1)
		return 0;
	e = run_until(rfrom, TR_EV_MSG, 2000);
	rto->echo = 0;
	return e != NULL && e->assoc == a && e->ppid == RSP_PPID_ENRP &&
	       e->stream == 0 && e->len == len &&
	       memcmp(e->data, text, len) == 0;
}

static void
test_one_to_one(void)
{
	struct rec *rs = calloc(1, sizeof(*rs)), *rc = calloc(1, sizeof(*rc));
	const struct tr_event *e;
	struct tr_ep *srv, *cli;
	struct addr_list al;
	uint32_t ca, ca2;
	uint16_t port;

	test_section(kind == TR_TCP
	                 ? "tcp: one-to-one endpoint"
	                 : "sctp: one-to-one (SOCK_STREAM) endpoint");
	srv = server(rs, &port);
	cli = tr_ep_new(loop, kind, NULL, TR_ONE_TO_ONE, rec_cb, rc);
	CHECK(cli != NULL && tr_assoc_count(cli) == 0);
	loopback(&al, port);
	CHECK(tr_connect(cli, &al, &ca) == 0 && ca != 0);
	CHECK(tr_connect(cli, &al, &ca2) == -1 && errno == EISCONN);
	CHECK((e = run_until(rc, TR_EV_UP, 2000)) != NULL && e->assoc == ca);
	CHECK(run_until(rs, TR_EV_UP, 2000) != NULL);
	CHECK(tr_assoc_count(cli) == 1 && tr_assoc_count(srv) == 1);
	CHECK(ping(cli, ca, rc, rs, "one"));
	CHECK(tr_peer_addrs(cli, ca, &al) == 0 && al.port == port &&
	      has_loopback(&al));
	CHECK(tr_local_addrs(cli, ca, &al) == 0 && al.n >= 1);
	run_for(30);
	CHECK(tr_unacked(cli, ca) == 0);
	CHECK(tr_peeloff(cli, ca, NULL, NULL) == NULL && errno == EINVAL);

	/* Graceful close, then a second association on the same ep. */
	rs->n = rc->n = 0;
	CHECK(tr_shutdown(cli, ca) == 0);
	CHECK((e = run_until(rc, TR_EV_SHUTDOWN, 2000)) != NULL &&
	      e->assoc == ca);
	CHECK(run_until(rs, TR_EV_SHUTDOWN, 2000) != NULL);
	CHECK(tr_assoc_count(cli) == 0 && tr_assoc_count(srv) == 0);
	rc->n = rs->n = 0;
	loopback(&al, port);
	CHECK(tr_connect(cli, &al, &ca2) == 0 && ca2 != ca);
	CHECK((e = run_until(rc, TR_EV_UP, 2000)) != NULL && e->assoc == ca2);
	CHECK(ping(cli, ca2, rc, rs, "two"));

	/* Abort: the server loses it, the client hears nothing more; a
	 * third association still works. */
	rs->n = rc->n = 0;
	CHECK(tr_abort(cli, ca2) == 0);
	CHECK((e = run_until(rs, TR_EV_LOST, 2000)) != NULL);
	CHECK(rc->n == 0 && tr_assoc_count(cli) == 0);
	CHECK(tr_connect(cli, &al, &ca) == 0);
	CHECK(run_until(rc, TR_EV_UP, 2000) != NULL);
	CHECK(ping(cli, ca, rc, rs, "three"));

	/* The server gone: the association is lost; then refused. */
	rc->n = 0;
	tr_ep_free(srv);
	CHECK(run_until(rc, TR_EV_LOST, 2000) != NULL);
	rc->n = 0;
	CHECK(tr_connect(cli, &al, &ca) == 0);
	CHECK((e = run_until(rc, TR_EV_CANT_START, 5000)) != NULL &&
	      e->assoc == ca && e->error == refused_errno());
	CHECK(tr_assoc_count(cli) == 0);
	tr_ep_free(cli);
	free(rs);
	free(rc);
}

static void
test_peeloff(void)
{
	struct rec *rs = calloc(1, sizeof(*rs)), *rc = calloc(1, sizeof(*rc));
	struct rec *rp = calloc(1, sizeof(*rp)), *rq = calloc(1, sizeof(*rq));
	const struct tr_event *e;
	struct tr_ep *srv, *cli, *cli2, *pep, *qep;
	struct addr_list al;
	uint32_t ca, cb, sa;
	uint16_t port;

	test_section(kind == TR_TCP ? "tcp: peel-off" : "sctp: peel-off");
	srv = server(rs, &port);
	cli = tr_ep_new(loop, kind, NULL, 0, rec_cb, rc);
	loopback(&al, port);

	/* Server side, from its own UP callback. */
	rs->peel = 1;
	rs->peel_rec = rp;
	CHECK(tr_connect(cli, &al, &ca) == 0);
	CHECK((e = run_until(rs, TR_EV_UP, 2000)) != NULL);
	sa = e ? e->assoc : 0;
	CHECK((pep = rs->peeled) != NULL);
	rs->peel = 0;
	CHECK(run_until(rc, TR_EV_UP, 2000) != NULL);
	if (pep == NULL)
		goto out;
	CHECK(tr_ep_kind(pep) == kind);
	CHECK(tr_assoc_count(srv) == 0 && tr_assoc_count(pep) == 1);
	CHECK(tr_send(srv, sa, 11, 0, "x", 1) == -1 && errno == ENOENT);
	CHECK(tr_peeloff(srv, sa, NULL, NULL) == NULL && errno == ENOENT);
	CHECK(tr_peeloff(pep, sa, NULL, NULL) == NULL && errno == EINVAL);
	CHECK(ping(cli, ca, rc, rp, "peeled"));
	CHECK(rs->n == 1); /* only the UP came to the listener */
	CHECK((e = rec_find(rp, TR_EV_MSG)) != NULL && e->assoc == sa);
	CHECK(tr_peer_addrs(pep, sa, &al) == 0 && has_loopback(&al));
	CHECK(tr_connect(pep, &al, &cb) == -1 && errno == EISCONN);

	/* Client side, after UP (the registrar hunt), callback inherited.
	 * (A second client endpoint: SCTP has at most one association
	 * between two endpoints.) */
	rc->n = 0;
	loopback(&al, port);
	cli2 = tr_ep_new(loop, kind, NULL, 0, rec_cb, rc);
	CHECK(tr_connect(cli2, &al, &cb) == 0);
	CHECK(run_until(rc, TR_EV_UP, 2000) != NULL);
	CHECK(run_until(rs, TR_EV_UP, 2000) != NULL);
	CHECK(tr_assoc_count(cli2) == 1);
	CHECK((qep = tr_peeloff(cli2, cb, NULL, NULL)) != NULL);
	CHECK(tr_assoc_count(cli2) == 0 && tr_assoc_count(qep) == 1);
	rs->n = 0;
	rc->n = 0;
	rs->echo = 1;
	CHECK(qep && tr_send(qep, cb, 11, 0, "q", 1) == 0);
	CHECK((e = run_until(rc, TR_EV_MSG, 2000)) != NULL && e->assoc == cb &&
	      e->len == 1);
	rs->echo = 0;
	/* The first association is still the client's, untouched. */
	CHECK(ping(cli, ca, rc, rp, "still"));

	/* Shutdown from the peeled-off endpoints. */
	rc->n = rp->n = 0;
	CHECK(tr_shutdown(pep, sa) == 0);
	CHECK((e = run_until(rp, TR_EV_SHUTDOWN, 2000)) != NULL &&
	      e->assoc == sa);
	CHECK((e = run_until(rc, TR_EV_SHUTDOWN, 2000)) != NULL &&
	      e->assoc == ca);
	CHECK(tr_assoc_count(pep) == 0);
	rs->n = 0;
	CHECK(qep && tr_shutdown(qep, cb) == 0);
	CHECK(run_until(rs, TR_EV_SHUTDOWN, 2000) != NULL);
	tr_ep_free(qep);
	tr_ep_free(cli2);
	tr_ep_free(pep);
out:
	tr_ep_free(cli);
	tr_ep_free(srv);
	free(rs);
	free(rc);
	free(rp);
	free(rq);
}

static void
test_max_assoc(void)
{
	struct rec *rs = calloc(1, sizeof(*rs)), *rc = calloc(1, sizeof(*rc));
	const struct tr_event *e;
	struct tr_ep *srv, *cli[5];
	struct addr_list al;
	uint32_t a1, a2, a3;
	uint16_t port;
	int i, ups;

	test_section(kind == TR_TCP ? "tcp: -maxassociations"
	                            : "sctp: -maxassociations");
	tr_config.max_assoc = 2;
	srv = server(rs, &port);
	tr_config.max_assoc = TR_MAX_ASSOC_DEFAULT;
	/* One client endpoint each: SCTP has at most one association
	 * between two endpoints. */
	for (i = 0; i < 5; i++)
		cli[i] = tr_ep_new(loop, kind, NULL, 0, rec_cb, rc);
	loopback(&al, port);
	CHECK(tr_connect(cli[0], &al, &a1) == 0);
	CHECK(run_until(rs, TR_EV_UP, 2000) != NULL);
	rs->n = 0;
	CHECK(tr_connect(cli[1], &al, &a2) == 0);
	CHECK(run_until(rs, TR_EV_UP, 2000) != NULL);
	CHECK(tr_assoc_count(srv) == 2);
	/* The third: TCP resets it (CANT_START); SCTP aborts it right
	 * after COMM_UP (the client may see UP, then LOST). */
	rs->n = rc->n = 0;
	warnings = 0;
	CHECK(tr_connect(cli[2], &al, &a3) == 0);
	e = run_until(rc, kind == TR_TCP ? TR_EV_CANT_START : TR_EV_LOST, 3000);
	if (e == NULL)
		e = rec_find(rc, TR_EV_CANT_START);
	CHECK(e != NULL && e->assoc == a3);
	run_for(50);
	for (i = ups = 0; i < rs->n; i++)
		ups += rs->ev[i].type == TR_EV_UP;
	CHECK(ups == 0 && tr_assoc_count(srv) == 2);
	CHECK(warnings == 1);
	/* Another at once: refused too, but the log line waits a second. */
	rc->n = 0;
	CHECK(tr_connect(cli[4], &al, &a3) == 0);
	e = run_until(rc, kind == TR_TCP ? TR_EV_CANT_START : TR_EV_LOST, 3000);
	if (e == NULL)
		e = rec_find(rc, TR_EV_CANT_START);
	CHECK(e != NULL && e->assoc == a3);
	CHECK(warnings == 1 && tr_assoc_count(srv) == 2);
	/* Below the limit again: accepted. */
	rs->n = 0;
	CHECK(tr_abort(cli[0], a1) == 0);
	CHECK(run_until(rs, TR_EV_LOST, 2000) != NULL);
	CHECK(tr_connect(cli[3], &al, &a3) == 0);
	CHECK(run_until(rs, TR_EV_UP, 2000) != NULL);
	CHECK(tr_assoc_count(srv) == 2);
	for (i = 0; i < 5; i++)
		tr_ep_free(cli[i]);
	tr_ep_free(srv);
	free(rs);
	free(rc);
}

/* A plain socket of the backend's protocol from 127.0.0.x to port. */
static int
src_connect(int x, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
	    kind == TR_TCP ? IPPROTO_TCP : IPPROTO_SCTP);

	if (fd == -1)
		return -1;
	sin.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)x);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* -maxassociationspersource=2: the third from 127.0.0.1 is refused,
 * one from 127.0.0.2 is not; a closed one makes room again. */
static void
test_max_per_src(void)
{
	struct rec *rs = calloc(1, sizeof(*rs));
	struct tr_ep *srv;
	uint16_t port;
	int fd[5], i;

	test_section(kind == TR_TCP ? "tcp: -maxassociationspersource"
	                            : "sctp: -maxassociationspersource");
	CHECK(tr_config.max_per_src == TR_MAX_PER_SRC_DEFAULT);
	tr_config.max_per_src = 2;
	srv = server(rs, &port);
	tr_config.max_per_src = TR_MAX_PER_SRC_DEFAULT;
	warnings = 0;
	for (i = 0; i < 3; i++)
		CHECK((fd[i] = src_connect(1, port)) != -1);
	CHECK((fd[3] = src_connect(2, port)) != -1);
	run_for(1000);
	if (!CHECK(tr_assoc_count(srv) == 3 && warnings == 1))
		printf("%d associations, %d warnings\n", tr_assoc_count(srv),
		    warnings);
	for (i = 0; i < 4; i++)
		close(fd[i]);
	run_for(1000);
	CHECK(tr_assoc_count(srv) == 0);
	CHECK((fd[4] = src_connect(1, port)) != -1);
	run_for(1000);
	CHECK(tr_assoc_count(srv) == 1);
	close(fd[4]);
	run_for(100);
	tr_ep_free(srv);
	free(rs);
}

/* 1 if this host has addr (SCTP guest: 192.0.2.1 on lo). */
static int
have_addr(const char *addr)
{
	struct sockaddr_in s = {.sin_family = AF_INET};
	int fd, ok;

	inet_pton(AF_INET, addr, &s.sin_addr);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 0;
	ok = bind(fd, (struct sockaddr *)&s, sizeof(s)) == 0;
	close(fd);
	return ok;
}

static int
has_addr(const struct addr_list *al, const char *addr)
{
	struct in_addr in;
	int i;

	inet_pton(AF_INET, addr, &in);
	for (i = 0; i < al->n; i++)
		if (al->a[i].ss_family == AF_INET &&
		    ((const struct sockaddr_in *)&al->a[i])->sin_addr.s_addr ==
		        in.s_addr)
			return 1;
	return 0;
}

/*
 * Several addresses: TCP tries them in turn (127.0.0.2 refuses, being
 * loopback without a listener); SCTP binds and connects to all of them
 * (bindx, connectx) and both ends see both.
 */
static void
test_multi(void)
{
	struct rec *rs = calloc(1, sizeof(*rs)), *rc = calloc(1, sizeof(*rc));
	const struct tr_event *e;
	struct tr_ep *srv, *cli;
	struct addr_list al;
	char err[ADDR_ERR_LEN];
	uint32_t ca;
	uint16_t port;

	test_section(kind == TR_TCP
	                 ? "tcp: several peer addresses"
	                 : "sctp: multi-homed (127.0.0.1, 192.0.2.1)");
	if (kind == TR_TCP) {
		srv = server(rs, &port);
	} else {
		CHECK(addr_list_parse(&al, "127.0.0.1,192.0.2.1:0", 0,
		          ADDR_PORT_ZERO_OK, err, sizeof(err)) == 0);
		srv = tr_ep_new(loop, kind, &al, TR_LISTEN, rec_cb, rs);
		if (!CHECK(srv != NULL))
			goto out;
		CHECK(tr_local_addrs(srv, 0, &al) == 0 && al.n == 2 &&
		      has_addr(&al, "127.0.0.1") && has_addr(&al, "192.0.2.1"));
		port = al.port;
	}
	cli = tr_ep_new(loop, kind, NULL, 0, rec_cb, rc);
	CHECK(
	    addr_list_parse(&al,
	        kind == TR_TCP ? "127.0.0.2,127.0.0.1" : "127.0.0.1,192.0.2.1",
	        port, 0, err, sizeof(err)) == 0);
	CHECK(tr_connect(cli, &al, &ca) == 0);
	CHECK((e = run_until(rc, TR_EV_UP, 3000)) != NULL && e->assoc == ca);
	CHECK(tr_peer_addrs(cli, ca, &al) == 0 && has_addr(&al, "127.0.0.1"));
	if (kind == TR_SCTP) {
		CHECK(al.n == 2 && has_addr(&al, "192.0.2.1"));
		CHECK((e = run_until(rs, TR_EV_UP, 2000)) != NULL);
		CHECK(e && tr_peer_addrs(srv, e->assoc, &al) == 0 &&
		      has_addr(&al, "192.0.2.1") && has_addr(&al, "127.0.0.1"));
	} else
		CHECK(al.n == 1);
	CHECK(ping(cli, ca, rc, rs, "multi"));
	tr_ep_free(cli);
	tr_ep_free(srv);
out:
	free(rs);
	free(rc);
}

/*
 * SCTP on the wire: a plain kernel socket as the peer sees the PPID in
 * network byte order and stream 0, and its PPID comes back converted.
 */
static void
test_sctp_wire(void)
{
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct sctp_rcvinfo))];
	} cbuf;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct rec *rc = calloc(1, sizeof(*rc));
	struct sctp_rcvinfo ri;
	struct sctp_sndinfo si;
	const struct tr_event *e;
	struct cmsghdr *cm;
	struct addr_list al;
	struct tr_ep *cli;
	struct msghdr mh;
	struct iovec iov;
	socklen_t sl = sizeof(sin);
	uint8_t buf[64];
	uint64_t end;
	ssize_t n = -1;
	uint32_t ca;
	int fd, on = 1, got = 0;

	test_section("sctp: PPID in network order, stream 0, on the wire");
	fd = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!CHECK(fd != -1 &&
	           setsockopt(
	               fd, SOL_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) == 0 &&
	           bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	           listen(fd, 4) == 0 &&
	           getsockname(fd, (struct sockaddr *)&sin, &sl) == 0))
		goto out;
	cli = tr_ep_new(loop, TR_SCTP, NULL, 0, rec_cb, rc);
	loopback(&al, ntohs(sin.sin_port));
	CHECK(tr_connect(cli, &al, &ca) == 0);
	CHECK(run_until(rc, TR_EV_UP, 2000) != NULL);
	CHECK(tr_send(cli, ca, RSP_PPID_ASAP, 0, "wire", 4) == 0);
	memset(&ri, 0, sizeof(ri));
	for (end = clock_mono_ms() + 2000; n <= 0 && clock_mono_ms() < end;) {
		ev_run_once(loop, 10);
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.b;
		mh.msg_controllen = sizeof(cbuf.b);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
	}
	for (cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm;
	     cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == IPPROTO_SCTP &&
		    cm->cmsg_type == SCTP_RCVINFO) {
			memcpy(&ri, CMSG_DATA(cm), sizeof(ri));
			got = 1;
		}
	CHECK(n == 4 && memcmp(buf, "wire", 4) == 0 && got);
	CHECK(ri.rcv_ppid == htonl(RSP_PPID_ASAP) && ri.rcv_sid == 0);

	/* Back: the raw peer sends PPID 12 in network order. */
	memset(&si, 0, sizeof(si));
	si.snd_ppid = htonl(RSP_PPID_ENRP);
	si.snd_assoc_id = ri.rcv_assoc_id;
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = buf;
	iov.iov_len = 4;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.b;
	mh.msg_controllen = CMSG_SPACE(sizeof(si));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_SCTP;
	cm->cmsg_type = SCTP_SNDINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(si));
	memcpy(CMSG_DATA(cm), &si, sizeof(si));
	CHECK(sendmsg(fd, &mh, 0) == 4);
	CHECK((e = run_until(rc, TR_EV_MSG, 2000)) != NULL &&
	      e->ppid == RSP_PPID_ENRP && e->stream == 0 && e->len == 4);
	tr_ep_free(cli);
out:
	if (fd != -1)
		close(fd);
	free(rc);
}

/* TCP mapping: a sender that met EAGAIN hears TR_EV_WRITABLE once the
 * peer has acknowledged enough, and only once per EAGAIN. */
/* SctpOutSCTPPacks of /proc/net/sctp/snmp: packets sent on this host;
 * -1 when unreadable. */
static long
sctp_out_packets(void)
{
	char name[64];
	long v = -1, x;
	FILE *f = fopen("/proc/net/sctp/snmp", "r");

	if (f == NULL)
		return -1;
	while (fscanf(f, "%63s %ld", name, &x) == 2)
		if (strcmp(name, "SctpOutSCTPPacks") == 0)
			v = x;
	fclose(f);
	return v;
}

/*
 * 16 messages sent back-to-back are answered from the server's read
 * callback: every answer arrives, in order.  Over kernel SCTP the
 * answers of one read batch are bundled (MSG_MORE on all but the last),
 * so the batching server sends far fewer packets than one with
 * TR_NO_BATCH, which sends each answer at once.  Returns the packets
 * counted (SCTP), or 0.
 */
static long
echo_burst(int flags)
{
	struct rec *rs = calloc(1, sizeof(*rs)), *rc = calloc(1, sizeof(*rc));
	struct tr_ep *srv, *cli;
	struct addr_list al;
	uint8_t msg[40];
	uint32_t ca;
	long p0, p1;
	int i, ok = 1;

	loopback(&al, 0);
	srv = tr_ep_new(loop, kind, &al, TR_LISTEN | flags, rec_cb, rs);
	if (!CHECK(srv != NULL) || !CHECK(tr_local_addrs(srv, 0, &al) == 0))
		exit(1);
	rs->echo = 1;
	cli = tr_ep_new(loop, kind, NULL, 0, rec_cb, rc);
	CHECK(cli != NULL && tr_connect(cli, &al, &ca) == 0);
	CHECK(run_until(rc, TR_EV_UP, 2000) != NULL);
	run_for(50); /* the handshake's last packets */
	rc->n = 0;
	p0 = sctp_out_packets();
	for (i = 0; i < 16; i++) {
		memset(msg, i, sizeof(msg));
		CHECK(
		    tr_send(cli, ca, RSP_PPID_ASAP, 0, msg, sizeof(msg)) == 0);
	}
	for (i = 0; i < 200 && rc->n < 16; i++)
		ev_run_once(loop, 10);
	run_for(50); /* SACKs */
	p1 = sctp_out_packets();
	CHECK(rc->n == 16);
	for (i = 0; i < rc->n; i++)
		ok &= rc->ev[i].type == TR_EV_MSG && rc->ev[i].len == 40 &&
		      rc->ev[i].data[0] == i && rc->ev[i].data[39] == i;
	CHECK(ok); /* all answers, in order, whole */
	/* Nothing left held back or unacknowledged (the peer may delay
	 * its SACK for one packet: up to 200 ms). */
	for (i = 0; i < 100 && tr_unacked(srv, rs->ev[0].assoc) != 0; i++)
		ev_run_once(loop, 10);
	CHECK(tr_unacked(srv, rs->ev[0].assoc) == 0);
	tr_ep_free(cli);
	tr_ep_free(srv);
	free(rs);
	free(rc);
	return kind == TR_SCTP && p0 >= 0 && p1 >= 0 ? p1 - p0 : 0;
}

/* The server side of test_batching_full: on the first message, send
 * numbered 4000-byte messages until the transport refuses one. */
struct filler {
	int accepted; /* tr_send() returned 0 */
	int refused;  /* errno of the refusal */
	uint32_t assoc;
};

static void
fill_cb(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	static uint8_t m[4000];
	struct filler *f = arg;

	if (ev->type != TR_EV_MSG || f->accepted > 0)
		return;
	f->assoc = ev->assoc;
	for (;;) {
		memset(m, f->accepted & 0xff, sizeof(m));
		m[0] = (uint8_t)(f->accepted >> 8);
		if (tr_send(ep, ev->assoc, RSP_PPID_ASAP, 0, m, sizeof(m)) ==
		    -1) {
			f->refused = errno;
			return;
		}
		if (++f->accepted == 10000)
			return;
	}
}

/*
 * Kernel SCTP: answers sent from a read callback until the socket is
 * full (EAGAIN) to a peer that does not read.  Every message tr_send()
 * took arrives once, in order, when the peer reads at last: a held
 * message survives a full socket (a timer sends it).
 */
static void
test_batching_full(void)
{
	struct filler f = {0, 0, 0};
	struct sockaddr_in sin;
	struct addr_list al;
	struct tr_ep *srv;
	uint8_t buf[8192];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh;
	int fd, got = 0, ok = 1, i;
	ssize_t n;

	test_section("sctp: a full socket during a read batch");
	loopback(&al, 0);
	srv = tr_ep_new(loop, kind, &al, TR_LISTEN, fill_cb, &f);
	if (!CHECK(srv != NULL) || !CHECK(tr_local_addrs(srv, 0, &al) == 0))
		return;
	memcpy(&sin, &al.a[0], sizeof(sin));
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	CHECK(
	    fd != -1 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(send(fd, "go", 2, 0) == 2);
	run_for(300); /* the server fills the socket, we do not read */
	CHECK(f.accepted > 0 && f.accepted < 10000);
	CHECK(f.refused == EAGAIN);
	printf("%d messages taken before EAGAIN\n", f.accepted);
	for (i = 0; i < 1000 && got < f.accepted; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n == -1) {
			ev_run_once(loop, 10); /* the retry timer, SACKs */
			continue;
		}
		ok &= n == 4000 && (mh.msg_flags & MSG_EOR) &&
		      buf[0] == (uint8_t)(got >> 8) &&
		      buf[1] == (uint8_t)(got & 0xff);
		got++;
	}
	CHECK(got == f.accepted); /* none lost */
	CHECK(ok);                /* whole and in order */
	run_for(50);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	CHECK(recvmsg(fd, &mh, MSG_DONTWAIT) == -1); /* and no more */
	close(fd);
	run_for(50);
	tr_ep_free(srv);
}

static void
test_batching(void)
{
	long batched, single;

	test_section(kind == TR_TCP ? "tcp: answers from a read callback"
	                            : "sctp: answers bundled per read batch");
	batched = echo_burst(0);
	single = echo_burst(TR_NO_BATCH);
	if (kind == TR_SCTP) {
		printf("packets for 16 requests and answers: %ld batched, "
		       "%ld with TR_NO_BATCH\n",
		    batched, single);
		/* 16 requests + 16 answers vs 16 requests + ~1 packet */
		CHECK(single >= 32 && batched + 10 <= single);
	}
}

static void
test_writable(void)
{
	static uint8_t chunk[60000];
	struct rec *rs = calloc(1, sizeof(*rs)), *rc = calloc(1, sizeof(*rc));
	struct tr_ep *srv, *cli;
	struct addr_list al;
	uint32_t ca;
	uint16_t port;
	int i, n, w;

	test_section("tcp: EAGAIN, then TR_EV_WRITABLE");
	srv = server(rs, &port);
	cli = tr_ep_new(loop, kind, NULL, 0, rec_cb, rc);
	loopback(&al, port);
	CHECK(cli != NULL && tr_connect(cli, &al, &ca) == 0);
	CHECK(run_until(rc, TR_EV_UP, 2000) != NULL);
	for (n = 0; n < 1000; n++)
		if (tr_send(cli, ca, 0, 0, chunk, sizeof(chunk)) == -1)
			break;
	CHECK(errno == EAGAIN && n * sizeof(chunk) >= TR_TX_MAX / 2 &&
	      n * sizeof(chunk) <= TR_TX_MAX);
	CHECK(rec_find(rc, TR_EV_WRITABLE) == NULL);
	CHECK(run_until(rc, TR_EV_WRITABLE, 5000) != NULL);
	CHECK(tr_unacked(cli, ca) * sizeof(chunk) <= TR_TX_MAX / 2);
	CHECK(tr_send(cli, ca, 0, 0, chunk, sizeof(chunk)) == 0);
	run_for(300); /* everything acknowledged, no second event */
	for (i = w = 0; i < rc->n; i++)
		w += rc->ev[i].type == TR_EV_WRITABLE;
	CHECK(w == 1 && tr_unacked(cli, ca) == 0);
	CHECK(strcmp(tr_event_name(TR_EV_WRITABLE), "writable") == 0);
	tr_ep_free(cli);
	tr_ep_free(srv);
	free(rs);
	free(rc);
}

static void
test_api(void)
{
	test_data();
	test_abort_and_refused();
	test_one_to_one();
	test_peeloff();
	test_max_assoc();
	test_max_per_src();
	if (kind == TR_TCP)
		test_writable();
	if (kind == TR_TCP || have_addr("192.0.2.1"))
		test_multi();
	else
		printf("192.0.2.1 is not a local address: multi-homing "
		       "test skipped\n");
}

int
main(void)
{
	log_register(log_count, NULL);
	unsetenv(TR_ENV); /* make check-sctp sets it for the bats suite */
	loop = ev_loop_new();
	if (!CHECK(loop != NULL))
		return test_done();
	test_options();
	test_map();
	test_env_and_flags();
	test_api();
	test_batching();
	test_wire_and_heartbeat();
	/* The same API tests over kernel SCTP where the kernel has it (the
	 * SCTP test guest); elsewhere they are skipped. */
	if (tr_sctp_available()) {
		kind = TR_SCTP;
		test_section("sctp");
		test_api();
		test_batching();
		test_batching_full();
		test_sctp_wire();
		/* As on kernels without SCTP_EVENT, then also without
		 * SCTP_RECVRCVINFO (SCTP_SNDRCV cmsgs). */
		tr_sctp_old_events = 1;
		test_section("sctp: SCTP_EVENTS subscription");
		test_data();
		test_abort_and_refused();
		test_one_to_one();
		tr_sctp_old_events = 2;
		test_section("sctp: SCTP_EVENTS and SCTP_SNDRCV");
		test_data();
		test_peeloff();
		tr_sctp_old_events = 0;
	} else
		printf("kernel SCTP not available: SCTP tests skipped\n");
	ev_loop_free(loop);
	return test_done();
}
