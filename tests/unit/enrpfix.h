/*
 * The fixture of the registrar's ENRP unit tests (test_registrar_enrp.c,
 * test_registrar_takeover.c): up to four registrars in one process,
 * linked by a fake ENRP transport (a queue of messages, delivered by
 * pump()), a fake ASAP transport for registrations and a fake clock for
 * the peer timers.  Included by each test file (its state is the test
 * program's); FIXTURE marks what one of them may leave unused.
 */
#ifndef RSP_TESTS_ENRPFIX_H
#define RSP_TESTS_ENRPFIX_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/registrar.h"
#include "handlespace/hs.h"
#include "proto/msg.h"
#include "regfix.h"
#include "testlib.h"

#define FIXTURE static __attribute__((unused))

#define NODES 4
#define QMAX  4096

/* Node i's association to node j has id j + 1 on node i. */
struct node {
	struct registrar *reg;
	int idx;
	int down;       /* drops everything, sends nothing */
	int send_fails; /* its sends fail (EAGAIN: a full queue) */
	int sent[16];   /* ENRP messages sent, by type */
	int aborts;
	int connects;      /* ENRP associations it opened */
	size_t max_ht_len; /* longest Handle Table Response sent */
};

struct qmsg {
	int from, to;
	size_t len;
	uint8_t *data;
};

FIXTURE struct node nodes[NODES];
FIXTURE struct qmsg queue[QMAX];
FIXTURE size_t qhead, qtail;
FIXTURE uint64_t now_ms = 1000;
FIXTURE struct rsp_msg lastmsg; /* last message a node sent to "outside" */
FIXTURE int outside_n;

FIXTURE uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

/* ---- fake ENRP transport ---- */

FIXTURE int
en_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	struct node *n = arg;
	struct rsp_decode_error err;
	struct rsp_msg m;
	int to = (int)assoc - 1;

	if (n->send_fails) {
		errno = EAGAIN;
		return -1;
	}
	CHECK(rsp_msg_decode(RSP_PROTO_ENRP, data, len, &m, &err) == 0);
	if (m.type < 16)
		n->sent[m.type]++;
	if (m.type == ENRP_HANDLE_TABLE_RESPONSE && len > n->max_ht_len)
		n->max_ht_len = len;
	if (to < 0 || to >= NODES || nodes[to].reg == NULL) {
		/* a scripted stranger (assoc 99): keep the message */
		rsp_msg_free(&lastmsg);
		lastmsg = m;
		outside_n++;
		return 0;
	}
	rsp_msg_free(&m);
	if (n->down || qtail - qhead >= QMAX)
		return 0;
	queue[qtail % QMAX].from = n->idx;
	queue[qtail % QMAX].to = to;
	queue[qtail % QMAX].len = len;
	queue[qtail % QMAX].data = malloc(len);
	memcpy(queue[qtail % QMAX].data, data, len);
	qtail++;
	return 0;
}

FIXTURE int
en_abort(void *arg, uint32_t assoc)
{
	struct node *n = arg;

	(void)assoc;
	n->aborts++;
	return 0;
}

FIXTURE int
en_connect(void *arg, const struct addr_list *to, uint32_t *assoc)
{
	struct node *n = arg;

	n->connects++;
	*assoc = (uint32_t)(to->port - 9000) + 1;
	return 0;
}

FIXTURE void
pump(void)
{
	while (qhead != qtail) {
		struct qmsg q = queue[qhead++ % QMAX];

		if (!nodes[q.to].down && nodes[q.to].reg != NULL)
			reg_enrp_msg(nodes[q.to].reg, (uint32_t)q.from + 1, 12,
			    q.data, q.len);
		free(q.data);
	}
}

FIXTURE void
advance(struct ev_loop *loop, uint64_t ms)
{
	uint64_t step;

	while (ms > 0) {
		step = ms > 50 ? 50 : ms;
		now_ms += step;
		ms -= step;
		ev_run_once(loop, 0);
		pump();
	}
}

/* ---- fake ASAP transport ---- */

/* Keep-Alives with H=1 a node sent, and associations it opened. */
FIXTURE int ka_home[NODES], connects[NODES];
FIXTURE int suggest_opt; /* -supporttakeoversuggestion for start() */
FIXTURE long long expiry_opt = 3000; /* -takeoverexpiryinterval */
FIXTURE uint32_t ka_home_assoc[NODES], ka_home_pe[NODES][8];

FIXTURE int
as_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	struct node *n = arg;
	struct rsp_decode_error err;
	struct rsp_msg m;

	if (n == NULL)
		return 0;
	CHECK(rsp_msg_decode(RSP_PROTO_ASAP, data, len, &m, &err) == 0);
	if (m.type == ASAP_ENDPOINT_KEEP_ALIVE && (m.flags & ASAP_FLAG_H)) {
		ka_home_assoc[n->idx] = assoc;
		if (ka_home[n->idx] < 8)
			ka_home_pe[n->idx][ka_home[n->idx]] = m.pe_id;
		ka_home[n->idx]++;
	}
	rsp_msg_free(&m);
	return 0;
}

FIXTURE int
as_connect(void *arg, const struct addr_list *to, uint32_t *assoc)
{
	struct node *n = arg;

	CHECK(to->port == 5000 || to->port == 7); /* ASAP, user transport */
	*assoc = 1000 + (uint32_t)connects[n->idx]++;
	return 0;
}

FIXTURE int
as_abort(void *arg, uint32_t assoc)
{
	(void)arg, (void)assoc;
	return 0;
}

FIXTURE int
as_peer(void *arg, uint32_t assoc, struct addr_list *out)
{
	(void)arg, (void)assoc;
	return addr_list_parse(
	    out, "127.0.0.1:5000", 0, ADDR_PORT_REQUIRED, NULL, 0);
}

/* EchoPool, PE ID as given, SCTP 7 at 127.0.0.1, RR, life 30 s. */
#define REG                                                                  \
	"01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 " \
	"56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 " \
	"7f 00 00 01 00 08 00 08 00 00 00 01"
#define DEREG                                                                \
	"02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 " \
	"56 78"

FIXTURE void
feed_asap(struct registrar *reg, const char *hex, uint32_t id)
{
	char buf[sizeof(REG) + 1], idhex[12];
	uint8_t b[512];
	long n;

	snprintf(idhex, sizeof(idhex), "%02x %02x %02x %02x", id >> 24,
	    (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
	snprintf(buf, sizeof(buf), "%s", hex);
	memcpy(strstr(buf, "12 34 56 78"), idhex, 11);
	n = test_hex(buf, b, sizeof(b));
	CHECK(n > 0);
	reg_assoc_msg(reg, 1, 11, b, (size_t)n);
}

FIXTURE void
feed_enrp(struct registrar *reg, uint32_t assoc, uint32_t ppid, const char *hex)
{
	uint8_t b[512];
	long n = test_hex(hex, b, sizeof(b));

	CHECK(n > 0);
	reg_enrp_msg(reg, assoc, ppid, b, (size_t)n);
}

FIXTURE const char *const peer_ports[NODES] = {
    "127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"};

/* Where associations come from: node j's (id j + 1) from its ENRP
 * address, anything else (a scripted stranger) from `stranger`. */
FIXTURE const char *stranger = "127.0.0.1:9999";

FIXTURE int
en_peer_addrs(void *arg, uint32_t assoc, struct addr_list *out)
{
	(void)arg;
	return addr_list_parse(out,
	    assoc >= 1 && assoc <= NODES ? peer_ports[assoc - 1] : stranger, 0,
	    ADDR_PORT_REQUIRED, NULL, 0);
}

/* Node i with ID 0x10 + i and the given static peers. */
FIXTURE size_t ht_bytes;        /* for start(): 0, or a lower response size */
FIXTURE const char *peerallow;  /* -peerallow for start() */
FIXTURE long long max_pes_peer; /* -maxpesperpeer for start() */
FIXTURE const char *acl_file;   /* -acl for start() */

FIXTURE struct registrar *
start(
    struct ev_loop *loop, int i, const int *peers, int npeers, long long max_ht)
{
	struct reg_config c = regfix_config(NULL);
	static char ids[NODES][8];
	struct reg_io aio = {as_send, as_abort, as_peer, &nodes[i], 0x0004,
	    as_connect, NULL, NULL};
	struct reg_enrp_io eio = {en_send, en_abort, en_connect, &nodes[i],
	    0x0004, {0}, NULL, en_peer_addrs};
	char err[128];
	int k;

	c.ka_interval = 60000;
	c.enrp = peer_ports[i];
	c.hb_cycle = 1000;
	c.last_heard = 3000;
	c.no_response = 2000;
	c.mentor_timeout = 2000;
	c.max_ht_pes = max_ht;
	c.takeover_expiry = expiry_opt;
	c.takeover_suggestion = suggest_opt;
	c.ht_max_bytes = ht_bytes;
	snprintf(ids[i], sizeof(ids[i]), "0x%x", 0x10 + i);
	c.identifier = ids[i];
	for (k = 0; k < npeers; k++)
		c.peers.v[c.peers.n++] = peer_ports[peers[k]];
	c.max_pes_peer = max_pes_peer;
	c.acl = acl_file;
	if (peerallow != NULL)
		c.peerallow.v[c.peerallow.n++] = peerallow;
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	memset(&nodes[i], 0, sizeof(nodes[i]));
	nodes[i].idx = i;
	nodes[i].reg = reg_new(loop, &c);
	reg_set_io(nodes[i].reg, &aio);
	addr_list_parse(
	    &eio.local, peer_ports[i], 0, ADDR_PORT_REQUIRED, NULL, 0);
	reg_set_enrp_io(nodes[i].reg, &eio);
	CHECK(reg_enrp_start(nodes[i].reg) == 0);
	ka_home[i] = connects[i] = 0;
	return nodes[i].reg;
}

FIXTURE void
stop(int i)
{
	reg_free(nodes[i].reg);
	nodes[i].reg = NULL;
}

FIXTURE const struct rsp_handle echopool = {8, "EchoPool"};

FIXTURE void
quiet(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

/* An event loop on the fake clock, logging muted, randomness seeded. */
FIXTURE struct ev_loop *
fixture_loop(void)
{
	struct ev_loop *loop;

	log_register(quiet, NULL);
	rand_seed_for_tests(1);
	loop = ev_loop_new();
	ev_set_clock(loop, fake_clock, NULL);
	ev_now_update(loop);
	return loop;
}

#endif
