/*
 * The registrar's ENRP side without sockets: up to four registrars in
 * one process, linked by a fake ENRP transport (a queue of messages,
 * delivered by pump()), a fake ASAP transport for registrations and a
 * fake clock for the peer timers.
 */
#include <arpa/inet.h>
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

#define NODES 4
#define QMAX  4096

/* Node i's association to node j has id j + 1 on node i. */
struct node {
	struct registrar *reg;
	int idx;
	int down;     /* drops everything, sends nothing */
	int sent[16]; /* ENRP messages sent, by type */
	int aborts;
	size_t max_ht_len; /* longest Handle Table Response sent */
};

struct qmsg {
	int from, to;
	size_t len;
	uint8_t *data;
};

static struct node nodes[NODES];
static struct qmsg queue[QMAX];
static size_t qhead, qtail;
static uint64_t now_ms = 1000;
static struct rsp_msg lastmsg; /* last message a node sent to "outside" */
static int outside_n;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

/* ---- fake ENRP transport ---- */

static int
en_send(void *arg, uint32_t assoc, const void *data, size_t len)
{
	struct node *n = arg;
	struct rsp_decode_error err;
	struct rsp_msg m;
	int to = (int)assoc - 1;

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

static int
en_abort(void *arg, uint32_t assoc)
{
	struct node *n = arg;

	(void)assoc;
	n->aborts++;
	return 0;
}

static int
en_connect(void *arg, const struct addr_list *to, uint32_t *assoc)
{
	(void)arg;
	*assoc = (uint32_t)(to->port - 9000) + 1;
	return 0;
}

static void
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

static void
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
static int ka_home[NODES], connects[NODES];
static int suggest_opt;             /* -supporttakeoversuggestion for start() */
static long long expiry_opt = 3000; /* -takeoverexpiryinterval */
static uint32_t ka_home_assoc[NODES], ka_home_pe[NODES][8];

static int
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

static int
as_connect(void *arg, const struct addr_list *to, uint32_t *assoc)
{
	struct node *n = arg;

	CHECK(to->port == 5000 || to->port == 7); /* ASAP, user transport */
	*assoc = 1000 + (uint32_t)connects[n->idx]++;
	return 0;
}

static int
as_abort(void *arg, uint32_t assoc)
{
	(void)arg, (void)assoc;
	return 0;
}

static int
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

static void
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

static void
feed_enrp(struct registrar *reg, uint32_t assoc, uint32_t ppid, const char *hex)
{
	uint8_t b[512];
	long n = test_hex(hex, b, sizeof(b));

	CHECK(n > 0);
	reg_enrp_msg(reg, assoc, ppid, b, (size_t)n);
}

static const char *const peer_ports[NODES] = {
    "127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"};

/* Node i with ID 0x10 + i and the given static peers. */
static size_t ht_bytes; /* for start(): 0, or a lower response size */

static struct registrar *
start(
    struct ev_loop *loop, int i, const int *peers, int npeers, long long max_ht)
{
	struct reg_config c = regfix_config(NULL);
	static char ids[NODES][8];
	struct reg_io aio = {as_send, as_abort, as_peer, &nodes[i], 0x0004,
	    as_connect, NULL, NULL};
	struct reg_enrp_io eio = {
	    en_send, en_abort, en_connect, &nodes[i], 0x0004, {0}, NULL};
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

static void
stop(int i)
{
	reg_free(nodes[i].reg);
	nodes[i].reg = NULL;
}

static const struct rsp_handle echopool = {8, "EchoPool"};

static void
test_pair(struct ev_loop *loop)
{
	const int pa[] = {1}, pb[] = {0};
	struct registrar *a, *b;

	test_section("two static peers: mentor, updates, audit, death");
	a = start(loop, 0, pa, 1, 128);
	CHECK(reg_in_startup(a));
	b = start(loop, 1, pb, 1, 128);
	pump();
	CHECK(!reg_in_startup(a));
	CHECK(!reg_in_startup(b));
	CHECK(reg_peer_count(a) == 1 && reg_peer_count(b) == 1);
	CHECK(reg_peer_state(a, 0x11) != NULL &&
	      strcmp(reg_peer_state(a, 0x11), "alive") == 0);
	CHECK(nodes[1].sent[ENRP_LIST_REQUEST] == 1);
	CHECK(nodes[1].sent[ENRP_HANDLE_TABLE_REQUEST] == 1);

	/* registration at A reaches B (ADD_PE) */
	feed_asap(a, REG, 0x12345678);
	CHECK(hs_pe_total(reg_hs(a)) == 1);
	CHECK(nodes[0].sent[ENRP_HANDLE_UPDATE] == 1);
	pump();
	CHECK(hs_find_pe(reg_hs(b), &echopool, 0x12345678) != NULL);
	CHECK(hs_pe_home(hs_find_pe(reg_hs(b), &echopool, 0x12345678)) == 0x10);
	CHECK(hs_checksum(reg_hs(b), 0x10) == hs_checksum(reg_hs(a), 0x10));
	CHECK(hs_checksum(reg_hs(b), 0x10) != 0xffff);

	/* the Presence cycle keeps both alive, no audit needed */
	advance(loop, 10000);
	CHECK(strcmp(reg_peer_state(b, 0x10), "alive") == 0);
	CHECK(nodes[1].sent[ENRP_HANDLE_TABLE_REQUEST] == 1);
	CHECK(nodes[0].sent[ENRP_PRESENCE] >= 8);

	/* audit: B lost the PE and has a stale one; a Presence fixes it */
	hs_deregister(reg_hs(b), &echopool, 0x12345678);
	{
		struct rsp_addr ad = {AF_INET, {127, 0, 0, 1}};
		struct rsp_pe pe = {.id = 0x999, .home = 0x10, .life = 30000};
		uint16_t cause;

		pe.user.ptype = 0x0004;
		pe.user.port = 7;
		pe.user.naddrs = 1;
		pe.user.addrs = &ad;
		pe.user.use = 1;
		pe.policy.type = 1;
		pe.has_asap = 1;
		pe.asap = pe.user;
		pe.asap.use = 0;
		CHECK(hs_register(reg_hs(b), &echopool, &pe, now_ms, &cause) >=
		      0);
	}
	CHECK(hs_checksum(reg_hs(b), 0x10) != hs_checksum(reg_hs(a), 0x10));
	advance(loop, 1500);
	CHECK(nodes[1].sent[ENRP_HANDLE_TABLE_REQUEST] == 2);
	CHECK(hs_find_pe(reg_hs(b), &echopool, 0x12345678) != NULL);
	CHECK(hs_find_pe(reg_hs(b), &echopool, 0x999) == NULL);
	CHECK(hs_checksum(reg_hs(b), 0x10) == hs_checksum(reg_hs(a), 0x10));

	/* deregistration at A removes it at B (DEL_PE) */
	feed_asap(a, DEREG, 0x12345678);
	pump();
	CHECK(hs_find_pe(reg_hs(b), &echopool, 0x12345678) == NULL);
	CHECK(hs_checksum(reg_hs(b), 0x10) == 0xffff);

	/* A falls silent: B asks (R=1), then drops it */
	feed_asap(a, REG, 0x12345678);
	pump();
	nodes[0].down = 1;
	advance(loop, 3500);
	CHECK(strcmp(reg_peer_state(b, 0x10), "wait-response") == 0);
	advance(loop, 2500);
	CHECK(reg_peer_state(b, 0x10) == NULL);
	CHECK(nodes[1].aborts == 1);
	/* without takeover its PE stays until its life ends */
	CHECK(hs_find_pe(reg_hs(b), &echopool, 0x12345678) != NULL);
	advance(loop, 30000);
	CHECK(hs_find_pe(reg_hs(b), &echopool, 0x12345678) == NULL);
	stop(0);
	stop(1);
	pump();
}

static void
test_mentor(struct ev_loop *loop)
{
	const int pa[] = {1}, pb[] = {0}, pc[] = {0};
	struct registrar *a, *b, *c;
	uint32_t id;

	test_section("a late registrar learns the handlespace from its mentor");
	a = start(loop, 0, pa, 1, 50);
	b = start(loop, 1, pb, 1, 50);
	pump();
	for (id = 1; id <= 200; id++)
		feed_asap(a, REG, id);
	pump();
	CHECK(hs_pe_total(reg_hs(b)) == 200);
	c = start(loop, 2, pc, 1, 50);
	pump();
	CHECK(!reg_in_startup(c));
	CHECK(hs_pe_total(reg_hs(c)) == 200);
	CHECK(hs_checksum(reg_hs(c), 0x10) == hs_checksum(reg_hs(a), 0x10));
	/* 200 PEs, 50 per response: four requests (the last answer M=0) */
	CHECK(nodes[2].sent[ENRP_HANDLE_TABLE_REQUEST] == 4);
	CHECK(nodes[0].max_ht_len > 1400);
	/* C learned B from A's list and B learned C */
	CHECK(reg_peer_count(c) == 2);
	CHECK(reg_peer_state(b, 0x12) != NULL);
	/* an update from A now reaches both */
	feed_asap(a, DEREG, 7);
	pump();
	CHECK(hs_pe_total(reg_hs(b)) == 199 && hs_pe_total(reg_hs(c)) == 199);
	stop(0);
	stop(1);
	stop(2);
	pump();
}

/* Responses limited to 1400 bytes (RSPLIB's fill): 50 PEs do not fit,
 * the response keeps halves of them until it does, and the cursor goes
 * back so that nothing is skipped. */
static void
test_mentor_small_responses(struct ev_loop *loop)
{
	const int pa[] = {1}, pb[] = {0}, pc[] = {0};
	struct registrar *a, *b, *c;
	uint32_t id;

	test_section("handle table responses halved to fit their size limit");
	ht_bytes = 1400; /* A answers with at most 1400 bytes */
	a = start(loop, 0, pa, 1, 50);
	ht_bytes = 0;
	b = start(loop, 1, pb, 1, 50);
	pump();
	for (id = 1; id <= 200; id++)
		feed_asap(a, REG, id);
	pump();
	c = start(loop, 2, pc, 1, 50);
	pump();
	CHECK(!reg_in_startup(c));
	CHECK(hs_pe_total(reg_hs(c)) == 200);
	CHECK(hs_checksum(reg_hs(c), 0x10) == hs_checksum(reg_hs(a), 0x10));
	CHECK(nodes[0].max_ht_len <= 1400 && nodes[0].max_ht_len > 600);
	/* 50 -> 25 (or 12) PEs per response: more than 4 requests */
	CHECK(nodes[2].sent[ENRP_HANDLE_TABLE_REQUEST] > 8);
	(void)b;
	stop(0);
	stop(1);
	stop(2);
	pump();
}

static void
test_strangers(struct ev_loop *loop)
{
	struct registrar *a;

	test_section("strangers, own ID, PPID, missing ASAP transport");
	a = start(loop, 0, NULL, 0, 128);
	CHECK(reg_in_startup(a));
	advance(loop, 2100); /* mentor discovery timeout */
	CHECK(!reg_in_startup(a));
	feed_asap(a, REG, 0x12345678);

	/* HT request from an unknown server: R=1 */
	outside_n = 0;
	feed_enrp(a, 99, 12, "02 00 00 0c 00 00 00 77 00 00 00 10");
	CHECK(outside_n == 1 && lastmsg.type == ENRP_HANDLE_TABLE_RESPONSE &&
	      lastmsg.flags == ENRP_FLAG_HTRESP_R);

	/* our own ID: ignored */
	outside_n = 0;
	feed_enrp(a, 99, 12, "05 00 00 0c 00 00 00 10 00 00 00 00");
	CHECK(outside_n == 0);

	/* a Presence (hsdump does this) makes it a peer: answer R=1 */
	feed_enrp(a, 99, 12,
	    "01 01 00 2c 00 00 00 77 00 00 00 10 00 0f 00 06 ff ff 00 00 00 "
	    "0b 00 18 00 00 00 77 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	    "01 fe");
	CHECK(reg_peer_count(a) == 1);
	CHECK(lastmsg.type == ENRP_PRESENCE);
	outside_n = 0;
	feed_enrp(a, 99, 12, "02 00 00 0c 00 00 00 77 00 00 00 10");
	CHECK(outside_n == 1 && lastmsg.type == ENRP_HANDLE_TABLE_RESPONSE &&
	      lastmsg.flags == 0 && lastmsg.npools == 1 &&
	      lastmsg.pools[0].npes == 1 && lastmsg.pools[0].pes[0].has_asap);

	/* Responses nobody asked for are not believed: a Handle Table
	 * Response would inject PE $5, a List Response peer $88. */
	feed_enrp(a, 99, 12,
	    "03 00 00 50 00 00 00 77 00 00 00 10 00 09 00 0c 45 63 68 6f 50 "
	    "6f 6f 6c 00 0a 00 38 00 00 00 05 00 00 00 77 00 00 75 30 00 04 "
	    "00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 "
	    "01 00 04 00 10 00 08 00 00 00 01 00 08 7f 00 00 01");
	CHECK(hs_find_pe(reg_hs(a), &echopool, 5) == NULL);
	feed_enrp(a, 99, 12,
	    "06 00 00 24 00 00 00 77 00 00 00 10 00 0b 00 18 00 00 00 88 00 "
	    "04 00 10 26 ad 00 00 00 01 00 08 0a 01 01 fe");
	CHECK(reg_peer_count(a) == 1 && reg_peer_state(a, 0x88) == NULL);

	/* Handle Update without ASAP transport: ENRP_ERROR */
	outside_n = 0;
	feed_enrp(a, 99, 12,
	    "04 00 00 44 00 00 00 77 00 00 00 10 00 00 00 00 00 09 00 0c 45 "
	    "63 68 6f 50 6f 6f 6c 00 0a 00 28 00 00 00 05 00 00 00 77 00 00 75 "
	    "30 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 "
	    "00 00 00 01");
	CHECK(outside_n == 1 && lastmsg.type == ENRP_ERROR);
	CHECK(hs_find_pe(reg_hs(a), &echopool, 5) == NULL);

	/* ASAP on the ENRP endpoint: abort */
	feed_enrp(a, 99, 11, "05 00 00 0c 00 00 00 77 00 00 00 10");
	CHECK(nodes[0].aborts == 1);
	stop(0);
	rsp_msg_free(&lastmsg);
}

/* 4.5.1 as corrected: ASAP from the first moment; a client that only
 * asks (hsdump) is no mentor, is named in no List Response, and leaves
 * with its association. */
static void
test_startup(struct ev_loop *loop)
{
	struct registrar *a;

	test_section("startup: ASAP served at once, an hsdump is no mentor");
	a = start(loop, 0, NULL, 0, 128);
	CHECK(reg_in_startup(a));
	feed_asap(a, REG, 0x12345678);
	CHECK(hs_pe_total(reg_hs(a)) == 1);
	CHECK(reg_in_startup(a));
	/* hsdump: Presence R=0, List Request, HT Request, then nothing */
	outside_n = 0;
	feed_enrp(a, 99, 12,
	    "01 00 00 2c 00 00 00 77 00 00 00 00 00 0f 00 06 ff ff 00 00 00 "
	    "0b 00 18 00 00 00 77 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	    "01 fe");
	CHECK(reg_peer_count(a) == 1);
	feed_enrp(a, 99, 12, "05 00 00 0c 00 00 00 77 00 00 00 00");
	CHECK(lastmsg.type == ENRP_LIST_RESPONSE && lastmsg.nservers == 0);
	feed_enrp(a, 99, 12, "02 00 00 0c 00 00 00 77 00 00 00 00");
	CHECK(lastmsg.type == ENRP_HANDLE_TABLE_RESPONSE &&
	      lastmsg.npools == 1 && lastmsg.pools[0].npes == 1);
	/* answers only: no request of ours went to it */
	CHECK(nodes[0].sent[ENRP_LIST_REQUEST] == 0);
	CHECK(nodes[0].sent[ENRP_HANDLE_TABLE_REQUEST] == 0);
	reg_enrp_lost(a, 99);
	CHECK(reg_peer_count(a) == 0);
	advance(loop, 2100); /* the mentor discovery timeout, unchanged */
	CHECK(!reg_in_startup(a));
	stop(0);
	rsp_msg_free(&lastmsg);
	memset(&lastmsg, 0, sizeof(lastmsg));
}

static void
feed_ka_ack(struct registrar *reg, uint32_t assoc, uint32_t id)
{
	char hex[128];
	uint8_t b[64];
	long n;

	snprintf(hex, sizeof(hex),
	    "08 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 "
	    "%02x %02x %02x %02x",
	    id >> 24, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
	n = test_hex(hex, b, sizeof(b));
	CHECK(n == 24);
	reg_assoc_msg(reg, assoc, 11, b, (size_t)n);
}

/* A, B, C know each other; A owns two PEs (its node is nodes[0]). */
static void
three(struct ev_loop *loop, struct registrar **a, struct registrar **b,
    struct registrar **c)
{
	const int pa[] = {1, 2}, pb[] = {0}, pc[] = {0};

	*a = start(loop, 0, pa, 2, 128);
	*b = start(loop, 1, pb, 1, 128);
	*c = start(loop, 2, pc, 1, 128);
	pump();
	advance(loop, 2500);
	CHECK(reg_peer_count(*a) == 2 && reg_peer_count(*b) == 2 &&
	      reg_peer_count(*c) == 2);
	feed_asap(*a, REG, 0x101);
	feed_asap(*a, REG, 0x102);
	pump();
	CHECK(hs_owner_count(reg_hs(*b), 0x10) == 2);
	CHECK(hs_owner_count(reg_hs(*c), 0x10) == 2);
}

static void
test_takeover(struct ev_loop *loop)
{
	struct registrar *a, *b, *c;
	int i;

	test_section("takeover: both notice, the lower ID wins, PEs adopted");
	three(loop, &a, &b, &c);
	nodes[0].down = 1;
	advance(loop, 3500); /* last heard: Presence R=1 */
	CHECK(strcmp(reg_peer_state(b, 0x10), "wait-response") == 0);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 2);
	advance(loop, 2500); /* no response: both start, B (0x11) wins */
	CHECK(nodes[1].sent[ENRP_INIT_TAKEOVER] >= 1);
	CHECK(nodes[2].sent[ENRP_INIT_TAKEOVER] >= 1);
	CHECK(nodes[2].sent[ENRP_INIT_TAKEOVER_ACK] == 1);
	CHECK(nodes[1].sent[ENRP_INIT_TAKEOVER_ACK] == 0);
	CHECK(nodes[1].sent[ENRP_TAKEOVER_SERVER] >= 1);
	CHECK(nodes[2].sent[ENRP_TAKEOVER_SERVER] == 0);
	CHECK(reg_peer_state(b, 0x10) == NULL);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 0);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 2);
	CHECK(hs_owner_count(reg_hs(c), 0x11) == 2);
	CHECK(hs_checksum(reg_hs(c), 0x11) == hs_checksum(reg_hs(b), 0x11));
	CHECK(reg_pe_count(b) == 2);
	/* one association to the PEs' shared ASAP transport; the
	 * Keep-Alives H=1 go out once it is up */
	CHECK(connects[1] == 1 && connects[2] == 0);
	CHECK(ka_home[1] == 0);
	CHECK(strcmp(reg_pe_ka_state(b, &echopool, 0x101), "wait-ack") == 0);
	reg_assoc_up(b, 1000);
	CHECK(ka_home[1] == 2 && ka_home_assoc[1] == 1000);
	CHECK((ka_home_pe[1][0] == 0x101 && ka_home_pe[1][1] == 0x102) ||
	      (ka_home_pe[1][0] == 0x102 && ka_home_pe[1][1] == 0x101));
	feed_ka_ack(b, 1000, 0x101);
	feed_ka_ack(b, 1000, 0x102);
	CHECK(strcmp(reg_pe_ka_state(b, &echopool, 0x101), "idle") == 0);
	CHECK(strcmp(reg_pe_ka_state(b, &echopool, 0x102), "idle") == 0);
	/* B's Presences now carry the PEs: C's audit agrees, no request */
	i = nodes[2].sent[ENRP_HANDLE_TABLE_REQUEST];
	advance(loop, 3000);
	CHECK(nodes[2].sent[ENRP_HANDLE_TABLE_REQUEST] == i);
	stop(0);
	stop(1);
	stop(2);
	pump();
}

/* Advance in 50 ms steps until registrar r sees peer id in state st
 * (1), or the peer is gone or 10 s passed (0). */
static int
takeover_wait(
    struct ev_loop *loop, struct registrar *r, uint32_t id, const char *st)
{
	const char *now;
	int i;

	for (i = 0; i < 200; i++) {
		advance(loop, 50);
		if ((now = reg_peer_state(r, id)) == NULL)
			return 0;
		if (strcmp(now, st) == 0)
			return 1;
	}
	return 0;
}

/* A voter that falls silent during the vote (alive when the vote
 * begins, no answer to our Presence by its expiry) must not cost the
 * dead peer's PEs: only silent peers are missing, the vote goes on. */
static void
test_takeover_silent_voter(struct ev_loop *loop)
{
	struct registrar *a, *b, *c;
	int i;

	test_section("takeover: a voter falls silent, the vote goes on");
	expiry_opt = 3500;
	three(loop, &a, &b, &c);
	nodes[0].down = 1;
	takeover_wait(loop, b, 0x10, "wait-response");
	/* B's takeover begins -peermaxtimenoresponse (2 s) later: C falls
	 * silent just before, so it is still alive then but never acks */
	advance(loop, 1900);
	nodes[2].down = 1;
	CHECK(takeover_wait(loop, b, 0x10, "takeover"));
	CHECK(strcmp(reg_peer_state(b, 0x12), "alive") == 0);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 2); /* still voting */
	for (i = 0; i < 200 && reg_peer_state(b, 0x10) != NULL; i++)
		advance(loop, 50);
	/* the vote expired with C missing, but C was silent by then */
	CHECK(reg_peer_state(b, 0x12) != NULL &&
	      strcmp(reg_peer_state(b, 0x12), "wait-response") == 0);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 2);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 0);
	expiry_opt = 3000;
	stop(0);
	stop(1);
	stop(2);
	pump();
}

static void
test_takeover_silent_pe(struct ev_loop *loop)
{
	struct registrar *a, *b, *c;

	test_section("takeover: ASAP transport fails, user transport, timeout");
	three(loop, &a, &b, &c);
	nodes[0].down = 1;
	advance(loop, 6000);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 2);
	/* the association to the ASAP transport fails: both PEs get a
	 * second try at their (shared) user transport */
	CHECK(connects[1] == 1);
	reg_assoc_lost(b, 1000);
	CHECK(connects[1] == 2);
	CHECK(reg_pe_count(b) == 2);
	CHECK(ka_home[1] == 0);
	reg_assoc_up(b, 1001);
	CHECK(ka_home[1] == 2 && ka_home_assoc[1] == 1001);
	/* no ack there either: the keep-alive timeout removes both */
	advance(loop, 5500);
	CHECK(reg_pe_count(b) == 0);
	CHECK(hs_pe_total(reg_hs(b)) == 0);
	CHECK(hs_pe_total(reg_hs(c)) == 0); /* DEL_PE reached C */
	stop(0);
	stop(1);
	stop(2);
	pump();
}

static void
test_takeover_cancel(struct ev_loop *loop)
{
	struct registrar *a, *b, *c;

	test_section("takeover: the target's Presence cancels it; expiry");
	three(loop, &a, &b, &c);
	/* A and C fall silent together: B's takeover waits for C's ack
	 * until C is dropped too, then goes ahead */
	nodes[0].down = 1;
	nodes[2].down = 1;
	advance(loop, 6000);
	CHECK(reg_peer_state(b, 0x12) == NULL);
	CHECK(reg_peer_state(b, 0x10) == NULL);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 2);
	stop(0);
	stop(1);
	stop(2);
	pump();

	three(loop, &a, &b, &c);
	/* A and C (which owns a PE too) fall silent together: neither is
	 * a voter in the other's takeover (only peers that answer vote),
	 * so B takes both over without waiting */
	feed_asap(c, REG, 0x201);
	pump();
	nodes[0].down = 1;
	nodes[2].down = 1;
	advance(loop, 6500);
	CHECK(reg_peer_state(b, 0x10) == NULL);
	CHECK(reg_peer_state(b, 0x12) == NULL);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 3);
	stop(0);
	stop(1);
	stop(2);
	pump();

	/* A dies, C falls silent as B's takeover of A begins (C is a
	 * voter whose ack never comes); A comes back before the expiry:
	 * its Presence cancels the takeover, its PEs stay A's */
	expiry_opt = 3500;
	three(loop, &a, &b, &c);
	nodes[0].down = 1;
	takeover_wait(loop, b, 0x10, "wait-response");
	advance(loop, 1900); /* as in test_takeover_silent_voter */
	nodes[2].down = 1;
	CHECK(takeover_wait(loop, b, 0x10, "takeover"));
	CHECK(reg_peer_taker(b, 0x10) == 0x11);
	nodes[0].down = 0;
	advance(loop, 1200);
	CHECK(reg_peer_state(b, 0x10) != NULL &&
	      strcmp(reg_peer_state(b, 0x10), "alive") == 0);
	CHECK(reg_peer_taker(b, 0x10) == 0);
	CHECK(hs_find_pe(reg_hs(b), &echopool, 0x101) != NULL &&
	      hs_pe_home(hs_find_pe(reg_hs(b), &echopool, 0x101)) == 0x10);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 2);
	CHECK(ka_home[1] == 0 && connects[1] == 0);
	expiry_opt = 3000;
	stop(0);
	stop(1);
	stop(2);
	pump();
}

static void
test_suggestion(struct ev_loop *loop)
{
	const int pa[] = {1}, pb[] = {0};
	struct registrar *a, *b;

	test_section("takeover suggestion (Handle Update T=1)");
	suggest_opt = 1;
	a = start(loop, 0, pa, 1, 128);
	b = start(loop, 1, pb, 1, 128);
	pump();
	advance(loop, 2500);
	/* 0x11 ^ 0x100 > 0x10 ^ 0x100: B is the better home, A says so */
	feed_asap(a, REG, 0x100);
	CHECK(nodes[0].sent[ENRP_HANDLE_UPDATE] == 2);
	/* 0x10 ^ 0x101 is larger: no suggestion */
	feed_asap(a, REG, 0x101);
	CHECK(nodes[0].sent[ENRP_HANDLE_UPDATE] == 3);
	pump();
	CHECK(connects[1] == 1 && ka_home[1] == 0);
	CHECK(hs_pe_home(hs_find_pe(reg_hs(b), &echopool, 0x100)) == 0x10);
	reg_assoc_up(b, 1000);
	CHECK(ka_home[1] == 1 && ka_home_pe[1][0] == 0x100);
	/* the PE registers with B: A learns its new home and lets go */
	CHECK(reg_pe_count(a) == 2);
	feed_asap(b, REG, 0x100);
	pump();
	CHECK(hs_pe_home(hs_find_pe(reg_hs(a), &echopool, 0x100)) == 0x11);
	CHECK(reg_pe_count(a) == 1 && reg_pe_count(b) == 1);
	suggest_opt = 0;
	stop(0);
	stop(1);
	pump();
}

static void
test_config(void)
{
	struct reg_config c = {
	    .asap = "auto", .minscope = "site-local", .announce = "off"};
	char err[128];

	test_section("ENRP options");
	c.enrp = "auto";
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	c.enrp = "10.0.0.1,10.0.0.2:9901";
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	c.enrp = "nonsense:";
	CHECK(reg_config_check(&c, err, sizeof(err)) == -1);
	c.enrp = "off";
	c.peers.n = 1;
	c.peers.v[0] = "127.0.0.1:9901";
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	c.peers.v[0] = "bad address";
	CHECK(reg_config_check(&c, err, sizeof(err)) == -1);
	c.peers.n = 0;
	c.enrp_announce = "auto";
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	c.enrp_announce = "239.1.2.3:5000";
	CHECK(reg_config_check(&c, err, sizeof(err)) == 0);
	c.enrp_announce = "10.1.2.3:5000";
	CHECK(reg_config_check(&c, err, sizeof(err)) == -1);
	c.enrp_announce = "off";
	c.enrp_mcast = "nowhere";
	CHECK(reg_config_check(&c, err, sizeof(err)) == -1);
}

static void
quiet(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

int
main(void)
{
	struct ev_loop *loop;

	log_register(quiet, NULL);
	rand_seed_for_tests(1);
	loop = ev_loop_new();
	ev_set_clock(loop, fake_clock, NULL);
	ev_now_update(loop);
	test_pair(loop);
	test_mentor(loop);
	test_mentor_small_responses(loop);
	test_strangers(loop);
	test_startup(loop);
	test_takeover(loop);
	test_takeover_silent_voter(loop);
	test_takeover_silent_pe(loop);
	test_takeover_cancel(loop);
	test_suggestion(loop);
	test_config();
	ev_loop_free(loop);
	return test_done();
}
