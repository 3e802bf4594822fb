/*
 * rsp hsdump's table and printers (core/tools/hsdump_fmt.c), fed with an
 * RSPLIB 3.4.4 registrar's real Handle Table Response and built ones.
 *
 * With arguments this binary is also the fake registrar of
 * tests/bats/hsdump.bats:
 *
 *	test_hsdump -serve SCENARIO [tcp|sctp]
 *
 * listens on 127.0.0.1:0, prints "port=N", prints one "got ..." line per
 * ENRP message received and answers Handle Table Requests by SCENARIO:
 * ok (RSPLIB's EchoPool response, after a Presence with R=1 and its own
 * HT Request, as RSPLIB's registrar sends them), more (300 PEs in three
 * responses, M=1 on the first two), refuse (R=1), garbage (an
 * undecodable response), silent (no answer).  It exits when the
 * association ends, or after 20 s.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/ev.h"
#include "core/tools/hsdump_fmt.h"
#include "core/transport/transport.h"
#include "proto/msg.h"
#include "proto/wire.h"
#include "testlib.h"

/* RSPLIB 3.4.4 rspregistrar $53373994 answering RSPLIB's hsdump
 * $6032706c: EchoPool with rspserver -echo's PE (interop capture). */
static const char RSPLIB_HTRESP[] =
    "03 00 00 6c 53 37 39 94 60 32 70 6c 00 09 00 0c 45 63 68 6f 50 6f 6f 6c"
    "00 0a 00 54 ff 34 cf bd 53 37 39 94 00 01 5f 90 00 04 00 10 aa b2 00 01"
    "00 01 00 08 c0 00 02 01 00 08 00 08 00 00 00 01 00 04 00 2c 93 e2 00 00"
    "00 01 00 08 7f 00 00 01 00 02 00 14 00 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 01 00 01 00 08 c0 00 02 01";

static int
decode_hex(const char *hex, struct rsp_msg *m)
{
	struct rsp_decode_error err;
	uint8_t buf[2048];
	long n = test_hex(hex, buf, sizeof(buf));

	return n < 0 ? -1
	             : rsp_msg_decode(RSP_PROTO_ENRP, buf, (size_t)n, m, &err);
}

/* Print t in a format into a malloc'd string. */
static char *
print_str(const struct hsd_table *t, enum hsd_format format)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		return NULL;
	hsd_print(f, t, format);
	fclose(f);
	return s;
}

static void
set_handle(struct rsp_handle *h, const char *name)
{
	h->len = (uint8_t)strlen(name);
	memcpy(h->bytes, name, h->len);
}

/* One PE: user SCTP 10.1.1.1:port, RR, ASAP transport when asap. */
static void
set_pe(struct rsp_pe *pe, struct rsp_addr *a, uint32_t id, uint32_t home,
    uint32_t life)
{
	memset(pe, 0, sizeof(*pe));
	a->family = AF_INET;
	memcpy(a->a, "\x0a\x01\x01\x01", 4);
	pe->id = id;
	pe->home = home;
	pe->life = life;
	pe->user.ptype = RSP_PARAM_SCTP;
	pe->user.port = 7;
	pe->user.use = RSP_TRANSPORT_DATA_CONTROL;
	pe->user.naddrs = 1;
	pe->user.addrs = a;
	pe->policy.type = RSP_POLICY_RR;
	pe->has_asap = 1;
	pe->asap.ptype = RSP_PARAM_SCTP;
	pe->asap.port = 40000;
	pe->asap.naddrs = 1;
	pe->asap.addrs = a;
}

/* Encode an HT Response and decode it again, as if received. */
static int
roundtrip(const struct rsp_msg *out, struct rsp_msg *in)
{
	struct rsp_decode_error err;
	struct wbuf w;
	int rc;

	if (wbuf_init_dynamic(&w, 1024, RSP_MSG_MAX) == -1)
		return -1;
	rc = rsp_msg_encode(out, &w) == 0
	         ? rsp_msg_decode(RSP_PROTO_ENRP, w.data, w.len, in, &err)
	         : -1;
	wbuf_free(&w);
	return rc;
}

/* An HT Response from sender with one PE per (handle, id, home, life). */
struct pe_spec {
	const char *handle;
	uint32_t id, home, life;
};

static int
make_resp(uint32_t sender, int flags, const struct pe_spec *s, int n,
    struct rsp_msg *in)
{
	struct rsp_pool_entry pools[8];
	struct rsp_addr addrs[8];
	struct rsp_pe pes[8];
	struct rsp_msg m;
	int i;

	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_HANDLE_TABLE_RESPONSE);
	m.sender = sender;
	m.flags = (uint8_t)flags;
	m.pools = pools;
	for (i = 0; i < n && i < 8; i++) {
		set_pe(&pes[i], &addrs[i], s[i].id, s[i].home, s[i].life);
		memset(&pools[i], 0, sizeof(pools[i]));
		set_handle(&pools[i].handle, s[i].handle);
		pools[i].npes = 1;
		pools[i].pes = &pes[i];
		m.npools++;
	}
	return roundtrip(&m, in);
}

static void
test_rsplib_response(void)
{
	struct hsd_table t;
	struct rsp_msg m;
	char *s;

	test_section("RSPLIB's EchoPool response");
	hsd_init(&t, 0x6032706c);
	CHECK(decode_hex(RSPLIB_HTRESP, &m) == 0);
	CHECK(hsd_add_response(&t, &m) == 0);
	CHECK(m.arena == NULL); /* the table owns it now */
	CHECK(hsd_finish(&t) == 0);
	CHECK(t.registrar == 0x53373994);
	CHECK(t.npools == 1 && t.n == 1 && t.nowners == 1);

	s = print_str(&t, HSD_KV);
	CHECK(s && !strcmp(s, "pool=EchoPool pe=0xff34cfbd home=0x53373994 "
	                      "life=90000 policy=RoundRobin "
	                      "transport=sctp:43698/192.0.2.1/data+control "
	                      "asap=sctp:37858/127.0.0.1,::1,192.0.2.1/data\n"
	                      "owner=0x53373994 pes=1 checksum=0xc35e\n"
	                      "registrar=0x53373994 pools=1 pes=1 owners=1 "
	                      "responses=1 checksum=0xc35e\n"));
	free(s);

	s = print_str(&t, HSD_TEXT);
	CHECK(s && strstr(s, "Handlespace[registrar=$53373994]: (1 Pools, 1 "
	                     "PoolElements)\n"));
	/* RSPLIB's layout; its hsdump prints checksums in host order. */
	CHECK(
	    s && strstr(s, "-- Checksums: Handlespace=$0000c35e, "
	                   "home $53373994=$0000c35e (1 PEs)\n"
	                   "*-- Index:\n"
	                   " +-- Pool \"EchoPool\", Policy \"RoundRobin\", "
	                   "Protocol SCTP, CtrlCh=yes: (1 nodes)\n"
	                   " +-- Index:\n"
	                   "   - idx:#0001: $ff34cfbd\n"
	                   "     chsum=$0000c35e home=$53373994 life=90000ms\n"
	                   "     policy=RoundRobin\n"
	                   "     userT: {192.0.2.1} 43698/SCTP+CtrlCh\n"
	                   "     regT:  {127.0.0.1, ::1, 192.0.2.1} "
	                   "37858/SCTP\n"));
	free(s);

	s = print_str(&t, HSD_JSON);
	CHECK(s && !strncmp(s,
	               "{\"registrar\":1396128148,\"responses\":1,"
	               "\"pool_count\":1,\"pe_count\":1,\"checksum\":50014,"
	               "\"owners\":[{\"id\":"
	               "1396128148,\"pes\":1,\"checksum\":50014}],\"pools\":"
	               "[{\"handle\":\"EchoPool\",\"pes\":[{\"id\":4281651133,",
	               strlen("{\"registrar\":1396128148,\"responses\":1,"
	                      "\"pool_count\":1,\"pe_count\":1,\"checksum\":"
	                      "50014,\"owners\":"
	                      "[{\"id\":1396128148,\"pes\":1,\"checksum\":"
	                      "50014}],\"pools\":[{\"handle\":\"EchoPool\","
	                      "\"pes\":[{\"id\":4281651133,")));
	CHECK(s && strstr(s, "\"transport\":{\"protocol\":\"sctp\",\"port\":"
	                     "43698,\"addresses\":[\"192.0.2.1\"],\"use\":"
	                     "\"data+control\"}"));
	free(s);
	hsd_free(&t);
}

/* docs/wire.md 4.6's worked examples, through received PEs. */
static void
test_checksums(void)
{
	static const struct pe_spec pes[] = {
	    {"EchoPool", 0x12345678, 0xabcd, 30000},
	    {"PingPongPool", 0x00000001, 0xabcd, 30000},
	    {"ABC", 0xfffffffe, 0xabcd, 30000},
	    {"EchoPool", 0x22222222, 0x1111, 30000},
	};
	struct hsd_table t;
	struct rsp_msg m;

	test_section("per-owner checksums (docs/wire.md 4.6)");
	hsd_init(&t, 1);
	CHECK(make_resp(0xabcd, 0, pes, 1, &m) == 0);
	CHECK(hsd_add_response(&t, &m) == 0);
	CHECK(hsd_finish(&t) == 0);
	CHECK(hsd_checksum(&t, 0xabcd) == 0x29a5);
	CHECK(hsd_checksum(&t, 0x9999) == 0xffff);

	CHECK(make_resp(0xabcd, 0, pes + 1, 3, &m) == 0);
	CHECK(hsd_add_response(&t, &m) == 0);
	CHECK(hsd_finish(&t) == 0);
	CHECK(hsd_checksum(&t, 0xabcd) == 0x67df);
	CHECK(t.nowners == 2 && t.owners[0].id == 0x1111);
	CHECK(t.owners[1].npes == 3);
	hsd_free(&t);
}

/* Continuations: order by handle length then bytes, PEs by ID, a PE
 * sent twice counts once with its later values. */
static void
test_merge(void)
{
	static const struct pe_spec a[] = {
	    {"PingPongPool", 5, 0xabcd, 1000},
	    {"EchoPool", 9, 0xabcd, 1000},
	    {"EchoPool", 3, 0xabcd, 1000},
	};
	static const struct pe_spec b[] = {
	    {"ABC", 7, 0xabcd, 1000},
	    {"EchoPool", 9, 0xabcd, 2000},
	};
	struct hsd_table t;
	struct rsp_msg m;
	char *s;

	test_section("merged continuations");
	hsd_init(&t, 1);
	CHECK(make_resp(0xabcd, ENRP_FLAG_HTRESP_M, a, 3, &m) == 0);
	CHECK(hsd_add_response(&t, &m) == 0);
	CHECK(make_resp(0xabcd, 0, b, 2, &m) == 0);
	CHECK(hsd_add_response(&t, &m) == 0);
	CHECK(hsd_finish(&t) == 0);
	CHECK(t.n == 4 && t.npools == 3 && t.responses == 2);
	s = print_str(&t, HSD_KV);
	CHECK(s && !strcmp(s,
	               "pool=ABC pe=0x00000007 home=0x0000abcd life=1000 "
	               "policy=RoundRobin "
	               "transport=sctp:7/10.1.1.1/data+control "
	               "asap=sctp:40000/10.1.1.1/data\n"
	               "pool=EchoPool pe=0x00000003 home=0x0000abcd life=1000 "
	               "policy=RoundRobin "
	               "transport=sctp:7/10.1.1.1/data+control "
	               "asap=sctp:40000/10.1.1.1/data\n"
	               "pool=EchoPool pe=0x00000009 home=0x0000abcd life=2000 "
	               "policy=RoundRobin "
	               "transport=sctp:7/10.1.1.1/data+control "
	               "asap=sctp:40000/10.1.1.1/data\n"
	               "pool=PingPongPool pe=0x00000005 home=0x0000abcd "
	               "life=1000 policy=RoundRobin "
	               "transport=sctp:7/10.1.1.1/data+control "
	               "asap=sctp:40000/10.1.1.1/data\n"
	               "owner=0x0000abcd pes=4 checksum=0x62c5\n"
	               "registrar=0x0000abcd pools=3 pes=4 owners=1 "
	               "responses=2 checksum=0x62c5\n"));
	free(s);
	hsd_free(&t);
}

/* A PE with 64 IPv6 addresses in each transport: its kv line (over
 * 2,000 bytes, twice hsdump's line buffer) and text block come out
 * whole, every address in both transports. */
static void
test_long_line(void)
{
	static struct rsp_addr a6[RSP_ADDRS_MAX];
	struct rsp_pool_entry pool;
	struct hsd_table t;
	struct rsp_msg m, in;
	struct rsp_addr a4;
	struct rsp_pe pe;
	char *s, want[64];
	int i, ok = 1;

	test_section("a PE with 64 IPv6 addresses");
	for (i = 0; i < RSP_ADDRS_MAX; i++) {
		a6[i].family = AF_INET6;
		memcpy(a6[i].a, "\x20\x01\x0d\xb8", 4);
		a6[i].a[14] = 0xab;
		a6[i].a[15] = (uint8_t)i;
	}
	set_pe(&pe, &a4, 1, 0xabcd, 1000);
	pe.user.naddrs = pe.asap.naddrs = RSP_ADDRS_MAX;
	pe.user.addrs = pe.asap.addrs = a6;
	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_HANDLE_TABLE_RESPONSE);
	m.sender = 0xabcd;
	memset(&pool, 0, sizeof(pool));
	set_handle(&pool.handle, "WidePool");
	pool.npes = 1;
	pool.pes = &pe;
	m.pools = &pool;
	m.npools = 1;
	hsd_init(&t, 1);
	CHECK(roundtrip(&m, &in) == 0 && hsd_add_response(&t, &in) == 0);
	CHECK(hsd_finish(&t) == 0 && t.n == 1);
	s = print_str(&t, HSD_KV);
	CHECK(
	    s && strlen(s) > 2000 && strncmp(s, "pool=WidePool pe=", 17) == 0);
	for (i = 0; s && i < RSP_ADDRS_MAX; i++) {
		snprintf(want, sizeof(want), ",2001:db8::ab%02x,", i);
		/* twice: user and ASAP transport (first and last differ) */
		if (i > 0 && i < RSP_ADDRS_MAX - 1)
			ok &= strstr(s, want) &&
			      strstr(strstr(s, want) + 1, want);
	}
	CHECK(ok);
	CHECK(s && strstr(s, "/2001:db8::ab00,") &&
	      strstr(s, ",2001:db8::ab3f/data\nowner="));
	free(s);
	s = print_str(&t, HSD_TEXT);
	CHECK(s && strstr(s, "{2001:db8::ab00, ") &&
	      strstr(s, ", 2001:db8::ab3f} 40000/SCTP\n"));
	free(s);
	hsd_free(&t);
}

static void
test_empty(void)
{
	struct hsd_table t;
	struct rsp_msg m;
	char *s;

	test_section("empty handlespace, peers, odd handles");
	hsd_init(&t, 1);
	CHECK(decode_hex("03 00 00 0c 00 00 00 02 00 00 00 01", &m) == 0);
	CHECK(hsd_add_response(&t, &m) == 0);
	CHECK(decode_hex("06 00 00 24 00 00 00 02 00 00 00 01 00 0b 00 18 00 "
	                 "00 00 02 00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 "
	                 "01 fe",
	          &m) == 0);
	CHECK(hsd_add_peers(&t, &m) == 0);
	CHECK(hsd_finish(&t) == 0);
	s = print_str(&t, HSD_KV);
	CHECK(s && !strcmp(s, "peer=0x00000002 enrp=sctp:9901/10.1.1.254/data\n"
	                      "registrar=0x00000002 pools=0 pes=0 owners=0 "
	                      "responses=1 checksum=0xffff peers=1\n"));
	free(s);
	s = print_str(&t, HSD_TEXT);
	CHECK(s && strstr(s, "PeerList of $00000002 (1 peers)\n"
	                     " +-- Peers by Index:\n"
	                     "   - idx:#0001: $00000002\n"
	                     "        addrs: {10.1.1.254} 9901/SCTP\n"));
	CHECK(s && strstr(s, "(0 Pools, 0 PoolElements)\n"
	                     "-- Checksums: Handlespace=$0000ffff\n"
	                     "*-- Index:\n"));
	free(s);
	s = print_str(&t, HSD_JSON);
	CHECK(s && strstr(s, "\"owners\":[],\"pools\":[]}\n"));
	free(s);
	hsd_free(&t);

	/* A handle with '"' or a blank is printed as hex, in JSON too. */
	{
		static const struct pe_spec q[] = {{"a \"b", 1, 2, 3}};

		hsd_init(&t, 1);
		CHECK(make_resp(2, 0, q, 1, &m) == 0);
		CHECK(hsd_add_response(&t, &m) == 0);
		CHECK(hsd_finish(&t) == 0);
		s = print_str(&t, HSD_JSON);
		CHECK(s && strstr(s, "\"handle\":\"0x61202262\""));
		free(s);
		hsd_free(&t);
	}
}

/* ---- the fake registrar of tests/bats/hsdump.bats ---- */

struct fake {
	const char *scenario;
	struct ev_loop *loop;
	struct tr_ep *ep;
	uint32_t assoc;
	int requests;
};

#define FAKE_ID 0x53373994u

static void
fake_send_hex(struct fake *fk, const char *hex)
{
	uint8_t buf[512];
	long n = test_hex(hex, buf, sizeof(buf));

	if (n > 0)
		tr_send(fk->ep, fk->assoc, RSP_PPID_ENRP, 0, buf, (size_t)n);
}

/* Part `part` (0..2) of 300 PEs in "BigPool", as RSPLIB splits them:
 * at most 128 a response, M=1 while more are left. */
static void
fake_send_part(struct fake *fk, uint32_t to, int part)
{
	static struct rsp_pe pes[128];
	struct rsp_pool_entry pool;
	struct rsp_addr a;
	struct rsp_msg m;
	struct wbuf w;
	int i, first = part * 128, n = part < 2 ? 128 : 300 - 256;

	memset(&pool, 0, sizeof(pool));
	set_handle(&pool.handle, "BigPool");
	for (i = 0; i < n; i++)
		set_pe(&pes[i], &a, (uint32_t)(first + i + 1), FAKE_ID, 30000);
	pool.npes = (uint16_t)n;
	pool.pes = pes;
	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_HANDLE_TABLE_RESPONSE);
	m.sender = FAKE_ID;
	m.receiver = to;
	m.flags = part < 2 ? ENRP_FLAG_HTRESP_M : 0;
	m.npools = 1;
	m.pools = &pool;
	if (wbuf_init_dynamic(&w, 4096, RSP_MSG_MAX) == 0 &&
	    rsp_msg_encode(&m, &w) == 0)
		tr_send(fk->ep, fk->assoc, RSP_PPID_ENRP, 0, w.data, w.len);
	wbuf_free(&w);
}

static void
fake_answer(struct fake *fk, const struct rsp_msg *m)
{
	const char *s = fk->scenario;

	if (m->type == ENRP_LIST_REQUEST && !strcmp(s, "ok"))
		fake_send_hex(fk,
		    "06 00 00 24 53 37 39 94 00 00 00 00 00 0b 00 "
		    "18 53 37 39 94 00 04 00 10 26 ad 00 00 00 01 "
		    "00 08 7f 00 00 01");
	if (m->type != ENRP_HANDLE_TABLE_REQUEST)
		return;
	fk->requests++;
	if (!strcmp(s, "ok")) {
		/* RSPLIB: a Presence with R=1 and its own request first. */
		fake_send_hex(fk,
		    "01 01 00 34 53 37 39 94 60 32 70 6c 00 0f 00 "
		    "06 c3 5e 00 00 00 0b 00 20 53 37 39 94 00 04 "
		    "00 18 26 ad 00 00 00 01 00 08 7f 00 00 01 00 "
		    "01 00 08 c0 00 02 01");
		fake_send_hex(fk, "02 00 00 0c 53 37 39 94 60 32 70 6c");
		fake_send_hex(fk, RSPLIB_HTRESP);
	} else if (!strcmp(s, "more") && fk->requests <= 3)
		fake_send_part(fk, m->sender, fk->requests - 1);
	else if (!strcmp(s, "refuse"))
		fake_send_hex(fk, "03 01 00 0c 53 37 39 94 00 00 00 00");
	else if (!strcmp(s, "garbage"))
		fake_send_hex(fk,
		    "03 00 00 14 53 37 39 94 00 00 00 00 00 09 00 "
		    "40 45 63 68 6f");
}

static void
fake_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct rsp_decode_error err;
	struct fake *fk = arg;
	struct rsp_msg m;

	(void)ep;
	if (ev->type == TR_EV_UP)
		fk->assoc = ev->assoc;
	if (ev->type == TR_EV_LOST || ev->type == TR_EV_SHUTDOWN) {
		printf("event=%s\n", tr_event_name(ev->type));
		ev_stop(fk->loop);
	}
	if (ev->type != TR_EV_MSG)
		return;
	if (rsp_msg_decode(RSP_PROTO_ENRP, ev->data, ev->len, &m, &err) == -1) {
		printf("got undecodable len=%zu\n", ev->len);
		return;
	}
	printf("got ppid=%u type=%s flags=0x%02x sender=0x%08x "
	       "receiver=0x%08x",
	    ev->ppid, rsp_msg_name(m.proto, m.type), m.flags, m.sender,
	    m.receiver);
	if (m.present & RSP_HAS_CHECKSUM)
		printf(" checksum=0x%04x", m.checksum);
	if (m.nservers)
		printf(" server=0x%08x addrs=%u", m.servers[0].id,
		    m.servers[0].transport.naddrs);
	printf("\n");
	fake_answer(fk, &m);
	rsp_msg_free(&m);
}

static int64_t
fake_timeout(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)id, (void)arg;
	ev_stop(loop);
	return EV_NOMORE;
}

static int
fake_serve(const char *scenario, const char *transport)
{
	struct fake fk = {.scenario = scenario};
	struct addr_list al, local;
	char buf[ADDR_FMT_LEN * 4];
	int kind = transport && !strcmp(transport, "sctp") ? TR_SCTP : TR_TCP;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (addr_list_parse(
	        &al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0) == -1 ||
	    (fk.loop = ev_loop_new()) == NULL ||
	    (fk.ep = tr_ep_new(
	         fk.loop, kind, &al, TR_LISTEN, fake_event, &fk)) == NULL) {
		perror("fake registrar");
		return 1;
	}
	tr_local_addrs(fk.ep, 0, &local);
	printf("port=%u addr=%s\n", local.port,
	    addr_list_fmt(&local, buf, sizeof(buf)));
	ev_timer_add(fk.loop, 20000, fake_timeout, &fk);
	ev_run(fk.loop);
	tr_ep_free(fk.ep);
	ev_loop_free(fk.loop);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "-serve"))
		return fake_serve(argv[2], argc > 3 ? argv[3] : NULL);
	test_rsplib_response();
	test_checksums();
	test_merge();
	test_long_line();
	test_empty();
	return test_done();
}
