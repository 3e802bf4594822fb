/*
 * ASAP/ENRP codec: build every message type and parameter kind, encode,
 * decode, compare, re-encode byte for byte; one table of malformed
 * inputs per decode error with the expected offset; legacy dialect,
 * RFC-style lengths, unknown parameters and types, encoder refusals.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/codec.h"
#include "proto/msg.h"
#include "tests/unit/testlib.h"

/* Building blocks.  Static storage: messages point into it. */

static struct rsp_addr v4a[2] = {
    {AF_INET, {10, 1, 1, 1}}, {AF_INET, {192, 168, 7, 9}}};
static struct rsp_addr v6a[2] = {
    {AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
    {AF_INET6, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}},
};
static struct rsp_addr many[RSP_ADDRS_MAX + 1];

static struct rsp_transport
transport(uint16_t ptype, int v6, uint16_t port, uint16_t use, uint16_t n)
{
	struct rsp_transport t;

	memset(&t, 0, sizeof(t));
	t.ptype = ptype;
	t.port = port;
	t.use = use;
	t.naddrs = n;
	t.addrs = v6 ? v6a : v4a;
	if (ptype == RSP_PARAM_DCCP)
		t.service_code = 0x52535031;
	return t;
}

static struct rsp_pe
pe(uint32_t id, struct rsp_transport user, uint32_t ptype, int asap)
{
	struct rsp_pe p;
	int i;

	memset(&p, 0, sizeof(p));
	p.id = id;
	p.home = 0xabcd;
	p.life = 30000;
	p.user = user;
	p.policy.type = ptype;
	p.policy.nvalues = (uint8_t)rsp_policy_nvalues(ptype);
	for (i = 0; i < p.policy.nvalues; i++)
		p.policy.v[i] = 0x1000u * (uint32_t)(i + 1) + id;
	if (asap) {
		p.has_asap = 1;
		p.asap = transport(RSP_PARAM_SCTP, 0, 40000, 0, 1);
	}
	return p;
}

static void
set_handle(struct rsp_handle *h, const char *s)
{
	h->len = (uint8_t)strlen(s);
	memcpy(h->bytes, s, h->len);
}

static void
base(struct rsp_msg *m, int proto, int type, const char *handle)
{
	rsp_msg_init(m, proto, type);
	if (handle != NULL) {
		set_handle(&m->handle, handle);
		m->present |= RSP_HAS_HANDLE;
	}
	if (proto == RSP_PROTO_ENRP) {
		m->sender = 0xabcd;
		m->receiver = 0x1111;
	}
}

static struct rsp_cause causes[3] = {
    {RSP_CAUSE_UNRECOGNIZED_PARAM,
        {8, (const uint8_t *)"\x40\x22\x00\x08\xde\xad\xbe\xef"}},
    {RSP_CAUSE_INVALID_VALUES, {5, (const uint8_t *)"abcde"}},
    {RSP_CAUSE_SECURITY, {0, NULL}},
};

static void
set_error(struct rsp_msg *m, uint16_t n)
{
	m->present |= RSP_HAS_ERROR;
	m->error.ncauses = n;
	m->error.causes = causes;
}

/*
 * Keep an encoded message in tests/out/codec/ (when that directory
 * exists) as a fuzz seed; ignored if it cannot be written.
 */
static void
save(const char *prefix, const char *what, const uint8_t *p, size_t n)
{
	char path[256];
	size_t i, at;
	FILE *f;

	at =
	    (size_t)snprintf(path, sizeof(path), "tests/out/codec/%s-", prefix);
	for (i = 0; what[i] != '\0' && at < sizeof(path) - 1; i++)
		path[at++] = isalnum((unsigned char)what[i]) ? what[i] : '_';
	path[at] = '\0';
	if ((f = fopen(path, "wb")) == NULL)
		return;
	fwrite(p, 1, n, f);
	fclose(f);
}

/* Encode m, decode it, compare, re-encode and compare the bytes. */
static void
round_trip(const char *what, const struct rsp_msg *m)
{
	struct rsp_decode_error e;
	struct rsp_msg d;
	struct wbuf w1, w2;
	char es[160];

	test_section(what);
	wbuf_init_dynamic(&w1, 64, RSP_MSG_MAX);
	wbuf_init_dynamic(&w2, 64, RSP_MSG_MAX);
	if (!CHECK(rsp_msg_encode(m, &w1) == 0))
		goto out;
	CHECK(w1.len >= 4 && (w1.len & 3) == 0);
	save(m->proto == RSP_PROTO_ASAP ? "asap" : "enrp", what, w1.data,
	    w1.len);
	if (rsp_msg_decode_dialect(
	        m->proto, m->dialect, w1.data, w1.len, &d, &e) == -1) {
		rsp_decode_error_str(&e, es, sizeof(es));
		fprintf(stderr, "%s: %s\n", what, es);
		CHECK(!"decodes");
		goto out;
	}
	CHECK(rsp_msg_equal(m, &d));
	CHECK(rsp_msg_encode(&d, &w2) == 0);
	CHECK_BYTES(w2.data, w2.len, w1.data, w1.len);
	rsp_msg_free(&d);
out:
	wbuf_free(&w1);
	wbuf_free(&w2);
}

/* Every message type */

static void
asap_messages(void)
{
	struct rsp_pe pes[3];
	struct rsp_transport trs[10];
	struct rsp_msg m;
	static const uint16_t kinds[5] = {RSP_PARAM_SCTP, RSP_PARAM_TCP,
	    RSP_PARAM_UDP, RSP_PARAM_UDPLITE, RSP_PARAM_DCCP};
	int i;

	base(&m, RSP_PROTO_ASAP, ASAP_REGISTRATION, "EchoPool");
	pes[0] = pe(0x12345678, transport(RSP_PARAM_SCTP, 0, 7, 1, 2),
	    RSP_POLICY_RR, 0);
	m.npes = 1;
	m.pes = pes;
	round_trip("registration", &m);

	base(&m, RSP_PROTO_ASAP, ASAP_DEREGISTRATION, "EchoPool");
	m.present |= RSP_HAS_PE_ID;
	m.pe_id = 0x12345678;
	round_trip("deregistration", &m);
	m.type = ASAP_REGISTRATION_RESPONSE;
	round_trip("registration response", &m);
	m.flags = ASAP_FLAG_R;
	set_error(&m, 3);
	round_trip("registration response, rejected, 3 causes", &m);
	m.type = ASAP_DEREGISTRATION_RESPONSE;
	m.flags = 0;
	set_error(&m, 1);
	round_trip("deregistration response with error", &m);
	m.type = ASAP_ENDPOINT_KEEP_ALIVE_ACK;
	m.present &= ~RSP_HAS_ERROR;
	round_trip("keep-alive ack", &m);
	m.type = ASAP_ENDPOINT_UNREACHABLE;
	round_trip("endpoint unreachable", &m);
	m.type = ASAP_ENDPOINT_KEEP_ALIVE;
	m.flags = ASAP_FLAG_H;
	m.sender = 0xabcd;
	round_trip("keep-alive with PE id, H", &m);
	m.present &= ~RSP_HAS_PE_ID;
	round_trip("keep-alive without PE id (RFC)", &m);

	base(&m, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION, "x");
	round_trip("handle resolution, 1-byte handle", &m);
	set_handle(&m.handle, "0123456789abcdef0123456789abcdef");
	m.present |= RSP_HAS_HR_OPTION;
	m.hr_items = 0xffffffff;
	round_trip("handle resolution, 32-byte handle, option", &m);

	base(&m, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION_RESPONSE, "Pool");
	pes[0] =
	    pe(1, transport(RSP_PARAM_SCTP, 1, 7, 1, 2), RSP_POLICY_LUD, 0);
	pes[1] = pe(2, transport(RSP_PARAM_TCP, 0, 8, 0, 1), RSP_POLICY_LUD, 0);
	pes[2] = pe(3, transport(RSP_PARAM_UDP, 1, 9, 0, 1), RSP_POLICY_LUD, 0);
	m.present |= RSP_HAS_POLICY;
	m.policy = pes[0].policy;
	m.npes = 3;
	m.pes = pes;
	round_trip("HR response, policy, 3 PEs", &m);
	m.present &= ~RSP_HAS_POLICY;
	round_trip("HR response, PEs only (RFC)", &m);
	m.npes = 0;
	set_error(&m, 1);
	round_trip("HR response, negative", &m);

	base(&m, RSP_PROTO_ASAP, ASAP_SERVER_ANNOUNCE, NULL);
	m.sender = 0x1234;
	round_trip("server announce, id only (RSPLIB)", &m);
	for (i = 0; i < 10; i++)
		trs[i] = transport(kinds[i / 2], i & 1, (uint16_t)(3863 + i),
		    (uint16_t)(i / 2 == 0 || i / 2 == 1 ? i & 1 : 0), 1);
	trs[0].naddrs = 2;
	m.ntransports = 10;
	m.transports = trs;
	round_trip("server announce, 5 transports x v4/v6", &m);

	base(&m, RSP_PROTO_ASAP, ASAP_COOKIE, NULL);
	m.present |= RSP_HAS_COOKIE;
	m.cookie.len = 5;
	m.cookie.data = (const uint8_t *)"\x01\x02\x03\x04\x05";
	round_trip("cookie, 5 bytes", &m);
	m.type = ASAP_COOKIE_ECHO;
	m.cookie.len = 0;
	round_trip("cookie echo, empty", &m);

	base(&m, RSP_PROTO_ASAP, ASAP_BUSINESS_CARD, "Pool");
	m.present |= RSP_HAS_POLICY;
	m.policy = pes[0].policy;
	m.npes = 2;
	m.pes = pes;
	round_trip("business card, RSPLIB form", &m);
	m.present &= ~RSP_HAS_POLICY;
	round_trip("business card, RFC form", &m);

	base(&m, RSP_PROTO_ASAP, ASAP_ERROR, NULL);
	set_error(&m, 3);
	round_trip("ASAP error, 3 causes with data", &m);
}

static void
enrp_messages(void)
{
	struct rsp_pe pes[6];
	struct rsp_server_info srv[3];
	struct rsp_pool_entry pools[3];
	struct rsp_msg m;
	int i;

	memset(srv, 0, sizeof(srv));
	for (i = 0; i < 3; i++) {
		srv[i].id = 0x1111 * (uint32_t)(i + 1);
		srv[i].has_transport = i != 2;
		srv[i].transport = transport(RSP_PARAM_SCTP, i, 9901, 0, 2);
	}
	for (i = 0; i < 6; i++)
		pes[i] = pe((uint32_t)(100 + i),
		    transport(RSP_PARAM_SCTP, i & 1, 7, 1, 1), RSP_POLICY_WRR,
		    1);

	base(&m, RSP_PROTO_ENRP, ENRP_PRESENCE, NULL);
	m.flags = ENRP_FLAG_PRESENCE_R;
	m.present |= RSP_HAS_CHECKSUM;
	m.checksum = 0x67df;
	m.nservers = 1;
	m.servers = srv;
	round_trip("presence", &m);

	base(&m, RSP_PROTO_ENRP, ENRP_HANDLE_TABLE_REQUEST, NULL);
	m.flags = ENRP_FLAG_HTREQ_W;
	round_trip("HT request", &m);

	base(&m, RSP_PROTO_ENRP, ENRP_HANDLE_TABLE_RESPONSE, NULL);
	m.flags = ENRP_FLAG_HTRESP_R;
	round_trip("HT response, rejected", &m);
	m.flags = ENRP_FLAG_HTRESP_M;
	for (i = 0; i < 3; i++) {
		static const char *names[3] = {
		    "ABC", "EchoPool", "PingPongPool"};

		set_handle(&pools[i].handle, names[i]);
		pools[i].npes = (uint16_t)(i + 1);
		pools[i].pes = &pes[i * (i + 1) / 2];
	}
	m.npools = 3;
	m.pools = pools;
	round_trip("HT response, 3 pools, M", &m);

	base(&m, RSP_PROTO_ENRP, ENRP_HANDLE_UPDATE, "EchoPool");
	m.npes = 1;
	m.pes = pes;
	round_trip("handle update ADD_PE", &m);
	m.flags = ENRP_FLAG_UPDATE_T;
	m.action = ENRP_DEL_PE;
	round_trip("handle update DEL_PE, T", &m);

	base(&m, RSP_PROTO_ENRP, ENRP_LIST_REQUEST, NULL);
	round_trip("list request", &m);
	m.type = ENRP_LIST_RESPONSE;
	m.nservers = 3;
	m.servers = srv;
	round_trip("list response, 3 servers", &m);

	for (i = ENRP_INIT_TAKEOVER; i <= ENRP_TAKEOVER_SERVER; i++) {
		base(&m, RSP_PROTO_ENRP, i, NULL);
		m.target = 0x2222;
		round_trip(rsp_msg_name(RSP_PROTO_ENRP, i), &m);
	}

	base(&m, RSP_PROTO_ENRP, ENRP_ERROR, NULL);
	set_error(&m, 2);
	round_trip("ENRP error", &m);
}

/* Every user transport kind with v4 and v6, every policy type. */
static void
all_params(void)
{
	static const uint16_t kinds[5] = {RSP_PARAM_SCTP, RSP_PARAM_TCP,
	    RSP_PARAM_UDP, RSP_PARAM_UDPLITE, RSP_PARAM_DCCP};
	const struct rsp_policy_info *pt;
	struct rsp_pe p;
	struct rsp_msg m;
	size_t n, i, encodable = 0;
	char what[96];

	base(&m, RSP_PROTO_ASAP, ASAP_REGISTRATION, "EchoPool");
	m.npes = 1;
	m.pes = &p;
	for (i = 0; i < 10; i++) {
		p = pe(7, transport(kinds[i / 2], (int)(i & 1), 80, 0, 1),
		    RSP_POLICY_RR, 0);
		snprintf(what, sizeof(what), "registration, %s, IPv%d",
		    rsp_param_name(kinds[i / 2]), i & 1 ? 6 : 4);
		round_trip(what, &m);
	}
	for (i = 0; i < RSP_ADDRS_MAX; i++) {
		many[i].family = AF_INET;
		many[i].a[0] = 10;
		many[i].a[3] = (uint8_t)i;
	}
	p = pe(7, transport(RSP_PARAM_SCTP, 0, 80, 1, RSP_ADDRS_MAX),
	    RSP_POLICY_RR, 0);
	p.user.addrs = many;
	round_trip("registration, 64 addresses", &m);

	pt = rsp_policy_table(&n);
	for (i = 0; i < n; i++) {
		if (pt[i].nvalues < 0)
			continue;
		encodable++;
		p = pe(
		    9, transport(RSP_PARAM_SCTP, 0, 80, 1, 1), pt[i].type, 0);
		snprintf(what, sizeof(what), "policy %s", pt[i].abbrev);
		round_trip(what, &m);
		CHECK(rsp_policy_lookup(pt[i].rsplib) == &pt[i]);
		CHECK(rsp_policy_lookup(pt[i].abbrev) == &pt[i]);
	}
	test_section("policy table");
	CHECK(encodable == 16);
	CHECK(rsp_policy_nvalues(RSP_POLICY_LUD_DPF) == 4);
	CHECK(rsp_policy_nvalues(RSP_POLICY_PLU_DPF) == -1);
	CHECK(rsp_policy_nvalues(0x40000010) == -1);
	CHECK(rsp_policy_lookup("leastuseddpf")->type == RSP_POLICY_LU_DPF);
	CHECK(rsp_policy_lookup("NoSuchPolicy") == NULL);
	CHECK(strcmp(rsp_policy_name(RSP_POLICY_WRR), "Weighted Round Robin") ==
	      0);
}

/* Legacy dialect: build, encode, decode, compare. */
static void
legacy(void)
{
	struct rsp_server_info s;
	struct rsp_pe p;
	struct rsp_msg m;

	base(&m, RSP_PROTO_ASAP, ASAP_REGISTRATION, "CalcAppPool");
	m.dialect = RSP_DIALECT_LEGACY;
	p = pe(0x5562e917, transport(RSP_PARAM_SCTP, 1, 58881, 1, 2), 1, 0);
	p.policy.nvalues = 1;
	p.policy.v[0] = 0xabcdef;
	m.npes = 1;
	m.pes = &p;
	round_trip("legacy registration, 8-byte policy", &m);

	base(&m, RSP_PROTO_ENRP, ENRP_LIST_RESPONSE, NULL);
	m.dialect = RSP_DIALECT_LEGACY;
	memset(&s, 0, sizeof(s));
	s.id = 3;
	s.flags = 0x80000000;
	s.has_transport = 1;
	s.transport = transport(RSP_PARAM_SCTP, 0, 10003, 0, 1);
	m.nservers = 1;
	m.servers = &s;
	round_trip("legacy list response, flags word", &m);
}

/* RFC-style messages: length excludes the final padding. */
static void
rfc_lengths(void)
{
	static const struct {
		const char *what, *hex;
		size_t len;
		int tail;
	} cases[] = {
	    {"cookie, length 13, no padding bytes",
	        "0b 00 00 0d 00 0d 00 09 01 02 03 04 05", 13, 1},
	    {"cookie, length 13, padding bytes sent",
	        "0b 00 00 0d 00 0d 00 09 01 02 03 04 05 00 00 00", 16, 2},
	    {"presence, checksum last (RFC order irrelevant here)",
	        "05 00 00 0e 00 09 00 0a 45 63 68 6f 50 6f", 14, 1},
	};
	struct rsp_decode_error e;
	struct rsp_msg m;
	struct wbuf w;
	uint8_t in[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n = test_hex(cases[i].hex, in, sizeof(in));

		test_section(cases[i].what);
		CHECK(n == (long)cases[i].len);
		if (!CHECK(rsp_msg_decode(
		               RSP_PROTO_ASAP, in, (size_t)n, &m, &e) == 0))
			continue;
		CHECK(m.tail_unpadded == cases[i].tail);
		wbuf_init_dynamic(&w, 64, RSP_MSG_MAX);
		CHECK(rsp_msg_encode(&m, &w) == 0);
		CHECK_BYTES(w.data, w.len, in, (size_t)n);
		wbuf_free(&w);
		rsp_msg_free(&m);
	}
}

/* Malformed input: one case (at least) per decode error. */

#define PH   "00 09 00 0c 45 63 68 6f 50 6f 6f 6c " /* "EchoPool" */
#define PEID "00 0e 00 08 12 34 56 78 "
#define REG                                                                  \
	"01 00 00 38 " PH "00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 " \
	"00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 "                   \
	"00 08 00 08 00 00 00 01 "

struct bad {
	const char *what;
	int proto;
	const char *hex;
	int max_depth;
	enum rsp_derr code;
	uint32_t offset;
	uint16_t param;
	int report;
};

static const struct bad bads[] = {
    {"header cut", 1, "02 00 00", 0, RSP_DERR_TRUNCATED, 0, 0, 1},
    {"length beyond input", 1, "02 00 00 18 " PH, 0, RSP_DERR_TRUNCATED, 16, 0,
        1},
    {"ENRP ids cut", 2, "02 00 00 08 00 00 11 11", 0, RSP_DERR_TRUNCATED, 8, 0,
        1},
    {"param beyond message", 1, "02 00 00 18 " PH "00 0e 00 0c 12 34 56 78", 0,
        RSP_DERR_OVERSIZED, 18, 0x000e, 1},
    {"policy with too many fields", 1,
        "01 00 00 4c " PH "00 0a 00 3c 12 34 56 78 00 00 ab cd 00 00 75 30 "
        "00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 "
        "00 08 00 1c 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 "
        "00 00 00 00 00 00 00 00",
        0, RSP_DERR_OVERSIZED, 50, 0x0008, 1},
    {"message length < 4", 1, "02 00 00 02", 0, RSP_DERR_BAD_LENGTH, 2, 0, 1},
    {"param length < 4", 1, "02 00 00 14 " PH "00 0e 00 03", 0,
        RSP_DERR_BAD_LENGTH, 18, 0x000e, 1},
    {"PE id length 4", 1, "02 00 00 14 " PH "00 0e 00 04", 0,
        RSP_DERR_BAD_LENGTH, 18, 0x000e, 1},
    {"IPv4 length 12", 1,
        "01 00 00 3c " PH "00 0a 00 2c 12 34 56 78 00 00 ab cd 00 00 75 30 "
        "00 04 00 14 00 07 00 01 00 01 00 0c 0a 01 01 01 00 00 00 00 "
        "00 08 00 08 00 00 00 01",
        0, RSP_DERR_BAD_LENGTH, 42, 0x0001, 1},
    {"stray bytes in message", 1, "02 00 00 1a " PH PEID "00 00", 0,
        RSP_DERR_MISALIGNED, 24, 0, 1},
    {"bytes after message", 1, "02 00 00 18 " PH PEID "00 00 00 00", 0,
        RSP_DERR_MISALIGNED, 24, 0, 1},
    {"stray bytes after a cause", 1,
        "0e 00 00 10 00 0c 00 0a 00 02 00 04 00 00 00 00", 0,
        RSP_DERR_MISALIGNED, 12, 0x000c, 1},
    {"non-zero padding", 1,
        "05 00 00 1c 00 09 00 0d 45 63 68 6f 50 6f 6f 6c 21 ff 00 00 "
        "80 3f 00 08 00 00 00 05",
        0, RSP_DERR_BAD_PADDING, 17, 0x0009, 1},
    {"padding missing between params", 1,
        "05 00 00 19 00 09 00 0d 45 63 68 6f 50 6f 6f 6c 21 80 3f 00 08 "
        "00 00 00 05",
        0, RSP_DERR_BAD_PADDING, 17, 0x0009, 1},
    {"non-zero final padding after RFC length", 1,
        "0b 00 00 0d 00 0d 00 09 01 02 03 04 05 00 07 00", 0,
        RSP_DERR_BAD_PADDING, 13, 0, 1},
    {"address at depth 3 > limit 2", 1, REG, 2, RSP_DERR_TOO_DEEP, 40, 0x0001,
        1},
    {"transport at depth 2 > limit 1", 1, REG, 1, RSP_DERR_TOO_DEEP, 32, 0x0004,
        1},
    {"two PE ids", 1, "02 00 00 20 " PH PEID PEID, 0, RSP_DERR_DUPLICATE, 24,
        0x000e, 1},
    {"two handles", 1, "02 00 00 24 " PH PH PEID, 0, RSP_DERR_DUPLICATE, 16,
        0x0009, 1},
    {"two policies in a PE", 1,
        "01 00 00 40 " PH "00 0a 00 30 12 34 56 78 00 00 ab cd 00 00 75 30 "
        "00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 "
        "00 08 00 08 00 00 00 01 00 08 00 08 00 00 00 01",
        0, RSP_DERR_DUPLICATE, 56, 0x0008, 1},
    {"no PE id", 1, "02 00 00 10 " PH, 0, RSP_DERR_MISSING, 16, 0x000e, 1},
    {"PE id before handle", 1, "02 00 00 18 " PEID PH, 0, RSP_DERR_MISSING, 4,
        0x0009, 1},
    {"presence without server information", 2,
        "01 00 00 14 00 00 ab cd 00 00 11 11 00 0f 00 06 67 df 00 00", 0,
        RSP_DERR_MISSING, 20, 0x000b, 1},
    {"transport without address", 1,
        "0a 00 00 10 00 00 12 34 00 04 00 08 0e 17 00 00", 0, RSP_DERR_MISSING,
        16, 0x0001, 1},
    {"HT response pool without PE", 2,
        "03 00 00 18 00 00 ab cd 00 00 11 11 " PH, 0, RSP_DERR_MISSING, 24,
        0x000a, 1},
    {"PE id after HR option", 1,
        "05 00 00 20 " PH "80 3f 00 08 00 00 00 05 " PEID, 0,
        RSP_DERR_UNEXPECTED, 24, 0x000e, 1},
    {"policy after PE in HR response", 1,
        "06 00 00 40 " PH "00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 "
        "00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 "
        "00 08 00 08 00 00 00 01 00 08 00 08 00 00 00 01",
        0, RSP_DERR_UNEXPECTED, 56, 0x0008, 1},
    {"handle inside a transport", 1,
        "0a 00 00 1c 00 00 12 34 00 04 00 14 0e 17 00 00 " PH, 0,
        RSP_DERR_UNEXPECTED, 16, 0x0009, 1},
    {"unknown param, stop", 1,
        "02 00 00 20 " PH PEID "00 22 00 08 de ad "
        "be ef",
        0, RSP_DERR_UNKNOWN_PARAM, 24, 0x0022, 0},
    {"unknown param, stop and report", 1,
        "02 00 00 20 " PH PEID "40 22 00 08 de ad be ef", 0,
        RSP_DERR_UNKNOWN_PARAM, 24, 0x4022, 1},
    {"legacy numbering read as RFC", 1,
        "02 00 00 1c 00 07 00 0f 43 61 6c "
        "63 41 70 70 50 6f 6f 6c 00 00 0c 00 08 55 62 e9 17",
        0, RSP_DERR_MISSING, 4, 0x0009, 1},
    {"unknown type, silent", 1, "0f 00 00 04", 0, RSP_DERR_UNKNOWN_TYPE, 0, 0,
        0},
    {"unknown type, report", 2, "4b 00 00 04", 0, RSP_DERR_UNKNOWN_TYPE, 0, 0,
        1},
    {"empty handle", 1, "05 00 00 08 00 09 00 04", 0, RSP_DERR_BAD_VALUE, 6,
        0x0009, 1},
    {"33-byte handle", 1,
        "05 00 00 2c 00 09 00 25 30 31 32 33 34 35 36 37 38 39 30 31 32 33 "
        "34 35 36 37 38 39 30 31 32 33 34 35 36 37 38 39 30 31 32 00 00 00",
        0, RSP_DERR_BAD_VALUE, 6, 0x0009, 1},
    {"unknown policy type", 1,
        "01 00 00 38 " PH "00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 "
        "00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 "
        "00 08 00 08 40 00 00 10",
        0, RSP_DERR_BAD_VALUE, 52, 0x0008, 1},
    {"WRR without weight", 1,
        "01 00 00 38 " PH "00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 "
        "00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 "
        "00 08 00 08 00 00 00 02",
        0, RSP_DERR_BAD_VALUE, 52, 0x0008, 1},
    {"UDP with two addresses", 1,
        "0a 00 00 20 00 00 12 34 00 06 00 18 0e 17 00 00 "
        "00 01 00 08 0a 01 01 01 00 01 00 08 0a 01 01 02",
        0, RSP_DERR_BAD_VALUE, 8, 0x0006, 1},
    {"ENRP PE with home 0", 2,
        "04 00 00 44 00 00 ab cd 00 00 11 11 00 00 00 00 " PH
        "00 0a 00 28 12 34 56 78 00 00 00 00 00 00 75 30 "
        "00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 "
        "00 08 00 08 00 00 00 01",
        0, RSP_DERR_BAD_VALUE, 36, 0x000a, 1},
};

/* Nested structure errors: PE, server information, causes, pools. */
#define PEFIX "12 34 56 78 00 00 ab cd 00 00 75 30 "
#define UTR   "00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 "
#define POL   "00 08 00 08 00 00 00 01 "
#define IDS   "00 00 ab cd 00 00 11 11 "
#define STR   "00 04 00 10 26 ad 00 00 00 01 00 08 0a 01 01 fe "

static const struct bad nested[] = {
    {"PE without user transport", 1, "01 00 00 28 " PH "00 0a 00 18 " PEFIX POL,
        0, RSP_DERR_MISSING, 32, 0x0004, 1},
    {"PE without policy", 1, "01 00 00 30 " PH "00 0a 00 20 " PEFIX UTR, 0,
        RSP_DERR_MISSING, 48, 0x0008, 1},
    {"PE with two ASAP transports", 1,
        "01 00 00 58 " PH "00 0a 00 48 " PEFIX UTR POL UTR UTR, 0,
        RSP_DERR_DUPLICATE, 72, 0x0004, 1},
    {"cookie inside a PE", 1,
        "01 00 00 38 " PH "00 0a 00 28 " PEFIX UTR "00 0d 00 08 00 00 00 00", 0,
        RSP_DERR_UNEXPECTED, 48, 0x000d, 1},
    {"server information, two transports", 2,
        "06 00 00 34 " IDS "00 0b 00 28 00 00 11 11 " STR STR, 0,
        RSP_DERR_DUPLICATE, 36, 0x0004, 1},
    {"server information, PE id inside", 2,
        "06 00 00 1c " IDS "00 0b 00 10 00 00 11 11 " PEID, 0,
        RSP_DERR_UNEXPECTED, 20, 0x000e, 1},
    {"cause length 2", 1, "0e 00 00 0c 00 0c 00 08 00 02 00 02", 0,
        RSP_DERR_BAD_LENGTH, 10, 0x000c, 1},
    {"cause beyond its operation error", 1,
        "0e 00 00 0c 00 0c 00 08 00 02 00 08", 0, RSP_DERR_OVERSIZED, 10,
        0x000c, 1},
    {"cause with non-zero padding", 1,
        "0e 00 00 14 00 0c 00 10 00 01 00 05 aa bb cc dd 00 02 00 04", 0,
        RSP_DERR_BAD_PADDING, 13, 0x000c, 1},
    {"operation error without cause", 1, "0e 00 00 08 00 0c 00 04", 0,
        RSP_DERR_BAD_LENGTH, 6, 0x000c, 1},
    {"HT response, PE before any handle", 2,
        "03 00 00 1c " IDS "00 0a 00 10 " PEFIX, 0, RSP_DERR_MISSING, 12,
        0x0009, 1},
    {"HT response, pool without PE, next pool", 2, "03 00 00 24 " IDS PH PH, 0,
        RSP_DERR_MISSING, 24, 0x000a, 1},
};

static void
check_bad(const struct bad *b)
{
	struct rsp_decode_error e;
	struct rsp_msg m;
	uint8_t in[256];
	long n;
	int r;

	test_section(b->what);
	n = test_hex(b->hex, in, sizeof(in));
	if (!CHECK(n >= 0))
		return;
	save(b->proto == RSP_PROTO_ASAP ? "asap-bad" : "enrp-bad", b->what, in,
	    (size_t)n);
	r = rsp_msg_decode_depth(b->proto, RSP_DIALECT_RFC, in, (size_t)n, &m,
	    &e, b->max_depth ? b->max_depth : RSP_MAX_DEPTH);
	CHECK(r == -1 && errno == EBADMSG);
	CHECK(m.arena == NULL && m.npes == 0);
	if (!CHECK(e.code == b->code) || !CHECK(e.offset == b->offset) ||
	    !CHECK(e.param == b->param) || !CHECK(e.report == b->report))
		fprintf(stderr, "  got %s offset %u param 0x%04x report %d\n",
		    rsp_derr_name(e.code), e.offset, e.param, e.report);
	if (r == 0)
		rsp_msg_free(&m);
}

static void
decode_errors(void)
{
	unsigned seen = 0;
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		check_bad(&bads[i]);
		seen |= 1u << bads[i].code;
	}
	for (i = 0; i < sizeof(nested) / sizeof(nested[0]); i++)
		check_bad(&nested[i]);
	test_section("every decode error has a case");
	/* All but NONE and NOMEM (not reachable from input). */
	CHECK(seen == ((1u << RSP_DERR_NOMEM) - 2));
}

/* Details of errors: causes, offending TLV, the one-line text. */
static void
error_details(void)
{
	struct rsp_decode_error e;
	struct rsp_msg m;
	uint8_t in[64];
	char s[160];
	long n;

	test_section("error details");
	n = test_hex(
	    "02 00 00 20 " PH PEID "40 22 00 08 de ad be ef", in, sizeof(in));
	CHECK(rsp_msg_decode(RSP_PROTO_ASAP, in, (size_t)n, &m, &e) == -1);
	CHECK(e.cause == RSP_CAUSE_UNRECOGNIZED_PARAM);
	CHECK(e.tlv_offset == 24 && e.tlv_len == 8);
	rsp_decode_error_str(&e, s, sizeof(s));
	CHECK(strcmp(s, "unknown parameter 0x4022 (unknown parameter) at "
	                "offset 24 (cause 0x0001)") == 0);

	n = test_hex("02 00 00 14 " PH "00 0e 00 04", in, sizeof(in));
	CHECK(rsp_msg_decode(RSP_PROTO_ASAP, in, (size_t)n, &m, &e) == -1);
	CHECK(e.cause == RSP_CAUSE_INVALID_VALUES);
	rsp_decode_error_str(&e, s, sizeof(s));
	CHECK(strcmp(s, "bad length parameter 0x000e (PE Identifier) at "
	                "offset 18 (cause 0x0003)") == 0);

	n = test_hex("4b 00 00 04", in, sizeof(in));
	CHECK(rsp_msg_decode(RSP_PROTO_ENRP, in, (size_t)n, &m, &e) == -1);
	CHECK(e.cause == RSP_CAUSE_UNRECOGNIZED_MSG && e.tlv_len == 4);
	rsp_decode_error_str(&e, s, sizeof(s));
	CHECK(strcmp(s, "unknown message type message at offset 0 (cause "
	                "0x0002)") == 0);

	CHECK(strcmp(rsp_cause_name(0x100b), "unsupported pool policy "
	                                     "(RSPLIB)") == 0);
	CHECK(strcmp(rsp_param_name(RSP_PARAM_HR_OPTION),
	          "Handle Resolution Option") == 0);
	CHECK(strcmp(rsp_msg_name(RSP_PROTO_ENRP, ENRP_PRESENCE), "PRESENCE") ==
	      0);
}

/* Unknown parameters with a skip action, anywhere in the tree. */
static void
unknown_skip(void)
{
	struct rsp_decode_error e;
	struct rsp_msg m;
	uint8_t in[128];
	long n;

	test_section("unknown parameters, skip");
	n = test_hex("02 00 00 28 " PH "80 22 00 05 01 00 00 00 " PEID
	             "c0 33 00 08 de ad be ef",
	    in, sizeof(in));
	if (!CHECK(rsp_msg_decode(RSP_PROTO_ASAP, in, (size_t)n, &m, &e) == 0))
		return;
	CHECK(m.pe_id == 0x12345678);
	CHECK(m.nunknown == 1 && m.unknown[0].len == 8);
	CHECK_BYTES(m.unknown[0].data, m.unknown[0].len,
	    "\xc0\x33\x00\x08\xde\xad\xbe\xef", 8);
	rsp_msg_free(&m);

	/* Inside a transport, between the addresses. */
	n = test_hex("0a 00 00 24 00 00 12 34 00 04 00 1c 0e 17 00 00 "
	             "00 01 00 08 0a 01 01 01 c0 01 00 04 "
	             "00 01 00 08 0a 01 01 02",
	    in, sizeof(in));
	if (!CHECK(rsp_msg_decode(RSP_PROTO_ASAP, in, (size_t)n, &m, &e) == 0))
		return;
	CHECK(m.ntransports == 1 && m.transports[0].naddrs == 2);
	CHECK(m.nunknown == 1);
	rsp_msg_free(&m);
}

/* What the encoder refuses. */
static void
encode_errors(void)
{
	struct rsp_msg m;
	struct rsp_pe p;
	struct wbuf w;
	uint8_t small[16];

	test_section("encoder refusals");
	wbuf_init_dynamic(&w, 64, RSP_MSG_MAX);
	base(&m, RSP_PROTO_ASAP, ASAP_REGISTRATION, "EchoPool");
	CHECK(rsp_msg_encode(&m, &w) == -1 && errno == EINVAL); /* no PE */
	wbuf_reset(&w);
	p = pe(1, transport(RSP_PARAM_SCTP, 0, 7, 1, 1), RSP_POLICY_WRR, 0);
	p.policy.nvalues = 0;
	m.npes = 1;
	m.pes = &p;
	CHECK(rsp_msg_encode(&m, &w) == -1 && errno == EINVAL);
	wbuf_reset(&w);
	p.policy.nvalues = 1;
	m.handle.len = 0;
	CHECK(rsp_msg_encode(&m, &w) == -1 && errno == EINVAL);
	wbuf_reset(&w);
	m.handle.len = 8;
	p.user.naddrs = 0;
	CHECK(rsp_msg_encode(&m, &w) == -1 && errno == EINVAL);
	wbuf_reset(&w);
	p.user.naddrs = 1;
	m.dialect = RSP_DIALECT_LEGACY; /* 32-bit type: no legacy form */
	p.policy.type = RSP_POLICY_LU;
	CHECK(rsp_msg_encode(&m, &w) == -1 && errno == EINVAL);
	wbuf_reset(&w);
	p.policy.type = 1;
	p.user.ptype = RSP_PARAM_UDPLITE; /* no legacy number */
	CHECK(rsp_msg_encode(&m, &w) == -1 && errno == EINVAL);
	wbuf_reset(&w);
	p.user.ptype = RSP_PARAM_SCTP;
	CHECK(rsp_msg_encode(&m, &w) == 0);
	wbuf_reset(&w);
	p.policy.type = RSP_POLICY_WRR;
	m.dialect = RSP_DIALECT_RFC;
	wbuf_free(&w);

	wbuf_init(&w, small, sizeof(small));
	CHECK(rsp_msg_encode(&m, &w) == -1 && errno == ERANGE);
	m.type = 0x77;
	wbuf_reset(&w);
	CHECK(rsp_msg_encode(&m, &w) == -1 && errno == EINVAL);
}

int
main(void)
{
	asap_messages();
	enrp_messages();
	all_params();
	legacy();
	rfc_lengths();
	decode_errors();
	error_details();
	unknown_skip();
	encode_errors();
	return test_done();
}
