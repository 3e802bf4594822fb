/*
 * The registrar's ENRP side without sockets (the fixture: enrpfix.h):
 * two static peers, the mentor phase, strangers, start-up, bounded peer
 * state, admission and its counts in the metrics, the options.  The
 * takeover: test_registrar_takeover.c.
 */
#include <arpa/inet.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/metrics.h"
#include "core/registrar/registrar.h"
#include "handlespace/hs.h"
#include "proto/msg.h"
#include "enrpfix.h"

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

/* A List Response from `from` naming n servers $1000.., ENRP at
 * 127.0.0.1:9500.. (none of them a node). */
static void
feed_list_response(struct registrar *reg, uint32_t assoc, uint32_t from, int n)
{
	struct rsp_server_info si[100];
	struct rsp_addr ad = {AF_INET, {127, 0, 0, 1}};
	struct rsp_msg m;
	struct wbuf w;
	uint8_t buf[4096];
	int i;

	CHECK(n <= 100);
	memset(si, 0, sizeof(si));
	for (i = 0; i < n; i++) {
		si[i].id = 0x1000 + (uint32_t)i;
		si[i].has_transport = 1;
		si[i].transport.ptype = RSP_PARAM_SCTP;
		si[i].transport.port = (uint16_t)(9500 + i);
		si[i].transport.naddrs = 1;
		si[i].transport.addrs = &ad;
	}
	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_LIST_RESPONSE);
	m.sender = from;
	m.receiver = reg_id(reg);
	m.nservers = (uint16_t)n;
	m.servers = si;
	wbuf_init(&w, buf, sizeof(buf));
	CHECK(rsp_msg_encode(&m, &w) == 0);
	reg_enrp_msg(reg, assoc, 12, w.data, w.len);
}

static size_t
candidates(const struct registrar *reg)
{
	uint32_t ids[512];
	size_t i, n = reg_peer_ids(reg, ids, 512), c = 0;

	for (i = 0; i < n; i++)
		c += ids[i] >= 0x1000 && ids[i] < 0x1100;
	return c;
}

/* Issue 15: a List Response makes candidates, capped, that expire
 * unanswered and get no Handle Updates; a connection attempt that
 * never comes up is replaced every Presence cycle. */
static void
test_bounds(struct ev_loop *loop)
{
	const int pb[] = {2}; /* node 2 never runs */
	struct registrar *a, *b;
	int nconn;

	test_section("bounded peers: candidates capped and expired");
	a = start(loop, 0, NULL, 0, 128);
	/* a registrar on assoc 99 answers our Presence: our mentor, asked
	 * for its list */
	feed_enrp(a, 99, 12,
	    "01 01 00 2c 00 00 00 77 00 00 00 10 00 0f 00 06 ff ff 00 00 00 "
	    "0b 00 18 00 00 00 77 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	    "01 fe");
	feed_enrp(a, 99, 12,
	    "01 00 00 2c 00 00 00 77 00 00 00 10 00 0f 00 06 ff ff 00 00 00 "
	    "0b 00 18 00 00 00 77 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	    "01 fe");
	CHECK(nodes[0].sent[ENRP_LIST_REQUEST] == 1);
	feed_list_response(a, 99, 0x77, 100);
	CHECK(candidates(a) == 32 && reg_peer_count(a) == 33);
	CHECK(strcmp(reg_peer_state(a, 0x1000), "unknown") == 0);
	feed_list_response(a, 99, 0x77, 100); /* not asked: ignored */
	CHECK(reg_peer_count(a) == 33);
	/* a registration: one Handle Update, to the peer heard, none to
	 * the candidates */
	nodes[0].sent[ENRP_HANDLE_UPDATE] = 0;
	feed_asap(a, REG, 0x12345678);
	CHECK(nodes[0].sent[ENRP_HANDLE_UPDATE] == 1);
	advance(loop, 3000);
	CHECK(candidates(a) == 32); /* asked every cycle, three times */
	advance(loop, 2000);
	CHECK(candidates(a) == 0);
	stop(0);

	test_section("bounded peers: a connection not up is tried afresh");
	b = start(loop, 1, pb, 1, 128);
	CHECK(nodes[1].connects == 1);
	advance(loop, 10000); /* stale after 2 s (two 1 s cycles) */
	nconn = nodes[1].connects;
	if (!CHECK(nconn >= 4 && nconn <= 7 && reg_peer_count(b) == 1))
		printf("%d connection attempts\n", nconn);
	CHECK(nodes[1].aborts == nconn - 1);
	stop(1);
	rsp_msg_free(&lastmsg);
	memset(&lastmsg, 0, sizeof(lastmsg));
}

/* Issue 16: with -peer and no multicast only the -peer hosts (and
 * -peerallow prefixes) become peers; a message in a peer's name from
 * elsewhere is refused. */
/* A Handle Update (ADD_PE or DEL_PE) from `sender` on assoc: PE `id`
 * of EchoPool homed at the sender, SCTP 7 at 127.0.0.1 (user and ASAP). */
static void
feed_update_action(struct registrar *reg, uint32_t assoc, uint32_t sender,
    uint32_t id, uint16_t action)
{
	struct rsp_addr ad = {AF_INET, {127, 0, 0, 1}};
	struct rsp_msg m;
	struct rsp_pe pe;
	struct wbuf w;
	uint8_t buf[512];

	memset(&pe, 0, sizeof(pe));
	pe.id = id;
	pe.home = sender;
	pe.life = 30000;
	pe.user.ptype = RSP_PARAM_SCTP;
	pe.user.port = 7;
	pe.user.naddrs = 1;
	pe.user.addrs = &ad;
	pe.has_asap = 1;
	pe.asap = pe.user;
	pe.policy.type = 1; /* round robin */
	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_HANDLE_UPDATE);
	m.sender = sender;
	m.receiver = reg_id(reg);
	m.action = action;
	m.present = RSP_HAS_HANDLE;
	m.handle = echopool;
	m.npes = 1;
	m.pes = &pe;
	wbuf_init(&w, buf, sizeof(buf));
	CHECK(rsp_msg_encode(&m, &w) == 0);
	reg_enrp_msg(reg, assoc, 12, w.data, w.len);
}

/* The value of one sample of the registrar's metrics (docs/metrics.md),
 * as the Prometheus text has it; -1 if it is not there. */
static double
metric(struct registrar *reg, const char *sample)
{
	struct mx *m = mx_new();
	char *text = NULL, *p, key[256];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	double v;

	reg_metrics_fill(m, reg);
	mx_write_prom(m, f);
	fclose(f);
	snprintf(key, sizeof(key), "\n%s ", sample); /* never the first line */
	p = strstr(text, key);
	v = p != NULL ? strtod(p + strlen(key), NULL) : -1;
	free(text);
	mx_free(m);
	return v;
}

#define ENRP_REFUSED(cause) \
	"rsp_registrar_enrp_refusals_total{cause=\"" cause "\"}"

static void
feed_update(struct registrar *reg, uint32_t assoc, uint32_t sender, uint32_t id)
{
	feed_update_action(reg, assoc, sender, id, ENRP_ADD_PE);
}

static void
test_admission(struct ev_loop *loop)
{
	const int pa[] = {1}, pb[] = {0};
	struct registrar *a;
	FILE *f;

	test_section("peer admission: -peer, -peerallow, bound peers");
	a = start(loop, 0, pa, 1, 128);
	CHECK(reg_peer_count(a) == 1);
	stranger = "10.9.9.9:9999";
	feed_enrp(a, 99, 12,
	    "01 01 00 2c 00 00 00 77 00 00 00 10 00 0f 00 06 ff ff 00 00 00 "
	    "0b 00 18 00 00 00 77 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	    "01 fe");
	CHECK(reg_peer_count(a) == 1 && reg_peer_state(a, 0x77) == NULL);
	CHECK(metric(a, ENRP_REFUSED("not_allowed")) == 1);
	CHECK(metric(a, ENRP_REFUSED("wrong_host")) == 0);
	stop(0);

	peerallow = "10.9.0.0/16";
	max_pes_peer = 1;
	a = start(loop, 0, pa, 1, 128);
	start(loop, 1, pb, 1, 128);
	advance(loop, 2500);
	CHECK(reg_peer_state(a, 0x11) != NULL);
	feed_enrp(a, 99, 12,
	    "01 01 00 2c 00 00 00 77 00 00 00 10 00 0f 00 06 ff ff 00 00 00 "
	    "0b 00 18 00 00 00 77 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	    "01 fe");
	CHECK(reg_peer_count(a) == 2 && reg_peer_state(a, 0x77) != NULL);
	/* the stranger sends a Handle Update as peer $11 (node 1): not
	 * from node 1's host, refused; from node 1's association it is
	 * believed */
	feed_update(a, 99, 0x11, 5);
	CHECK(hs_find_pe(reg_hs(a), &echopool, 5) == NULL);
	CHECK(metric(a, ENRP_REFUSED("wrong_host")) == 1);
	feed_update(a, 2, 0x11, 6);
	CHECK(hs_find_pe(reg_hs(a), &echopool, 6) != NULL);
	feed_update(a, 2, 0x11, 7); /* -maxpesperpeer=1 */
	CHECK(hs_find_pe(reg_hs(a), &echopool, 7) == NULL);
	CHECK(metric(a, ENRP_REFUSED("max_pes_per_peer")) == 1);
	CHECK(metric(a, "rsp_registrar_pool_elements{owner=\"peer\"}") == 1);
	CHECK(metric(a, "rsp_registrar_peers{state=\"alive\"}") >= 1);
	/* only its home deletes a PE (RFC 5355 2.17): peer $77 cannot */
	feed_update_action(a, 99, 0x77, 6, ENRP_DEL_PE);
	CHECK(hs_find_pe(reg_hs(a), &echopool, 6) != NULL);
	CHECK(metric(a, ENRP_REFUSED("not_home")) == 1);
	/* a send the transport refuses is dropped, and counted */
	nodes[0].send_fails = 1;
	advance(loop, 3000); /* a Presence to each peer */
	nodes[0].send_fails = 0;
	CHECK(metric(a,
	          "rsp_registrar_send_failures_total{protocol=\"enrp\"}") >= 1);
	CHECK(metric(a,
	          "rsp_registrar_send_failures_total{protocol=\"asap\"}") == 0);
	feed_update_action(a, 2, 0x11, 6, ENRP_DEL_PE);
	CHECK(hs_find_pe(reg_hs(a), &echopool, 6) == NULL);
	stop(0);
	stop(1);
	peerallow = NULL;
	max_pes_peer = 0;

	/* -acl: a "dump" source may open an association and read, but
	 * what only a registrar sends is not believed from it */
	test_section("peer admission: -acl peer and dump rules");
	acl_file = "/tmp/rsp-test-acl";
	f = fopen(acl_file, "w");
	CHECK(f != NULL && fputs("allow dump 10.9.9.9\n", f) >= 0);
	fclose(f);
	stranger = "10.9.9.9:9999";
	a = start(loop, 0, NULL, 0, 128);
	feed_enrp(a, 99, 12,
	    "01 01 00 2c 00 00 00 77 00 00 00 10 00 0f 00 06 ff ff 00 00 00 "
	    "0b 00 18 00 00 00 77 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	    "01 fe");
	CHECK(reg_peer_count(a) == 1);
	feed_update(a, 99, 0x77, 8);
	CHECK(hs_find_pe(reg_hs(a), &echopool, 8) == NULL);
	CHECK(metric(a, ENRP_REFUSED("read_only")) == 1);
	stop(0);
	f = fopen(acl_file, "w");
	CHECK(f != NULL && fputs("allow peer 10.9.0.0/16\n", f) >= 0);
	fclose(f);
	a = start(loop, 0, NULL, 0, 128);
	feed_enrp(a, 99, 12,
	    "01 01 00 2c 00 00 00 77 00 00 00 10 00 0f 00 06 ff ff 00 00 00 "
	    "0b 00 18 00 00 00 77 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	    "01 fe");
	feed_update(a, 99, 0x77, 8);
	CHECK(hs_find_pe(reg_hs(a), &echopool, 8) != NULL);
	stop(0);
	unlink(acl_file);
	acl_file = NULL;
	stranger = "127.0.0.1:9999";
	rsp_msg_free(&lastmsg);
	memset(&lastmsg, 0, sizeof(lastmsg));
}

int
main(void)
{
	struct ev_loop *loop = fixture_loop();

	test_pair(loop);
	test_mentor(loop);
	test_mentor_small_responses(loop);
	test_strangers(loop);
	test_startup(loop);
	test_bounds(loop);
	test_admission(loop);
	test_config();
	ev_loop_free(loop);
	return test_done();
}
