/*
 * Encoder output for an independent judge (docs/STYLE.md practice 7):
 * one instance of every message type we can produce, written as pcap
 * files that tests/bats/tshark.bats feeds to tshark.
 *
 *   tests/out/asap.pcap      ASAP types 0x01-0x0e (SCTP PPID 11, port 3863),
 *                            plus a rejecting Registration Response and
 *                            Cookies carrying the FGP and CalcApp cookies
 *   tests/out/enrp.pcap      ENRP types 0x01-0x0a (PPID 12, port 9901)
 *   tests/out/csp.pcap       CSP reports, RSPLIB 3.x and legacy (UDP 2960)
 *   tests/out/fgp.pcap       FGP Parameter, Data, end of image (PPID 32)
 *   tests/out/pingpong.pcap  Ping, Pong (PPID 33)
 *   tests/out/calcapp.pcap   CalcApp types 1-7 (PPID 34)
 *   tests/out/ssp.pcap       SSP types 0-7, both Keep-Alive Ack forms (35)
 *
 * Error causes carry the cause-specific data Wireshark expects
 * (docs/wire.md 11.2): 0x0002 the unrecognized message, 0x0005 the
 * pool's policy parameter.  Every message built here must also decode
 * again and re-encode to the same bytes.  Run from the repo root.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/buf.h"
#include "pcap.h"
#include "proto/calcapp.h"
#include "proto/csp.h"
#include "proto/fgp.h"
#include "proto/msg.h"
#include "proto/pingpong.h"
#include "proto/ssp.h"
#include "testlib.h"

#define OUT "tests/out/"

static struct rsp_addr addr_pe = {AF_INET, {10, 1, 1, 1}};
static struct rsp_addr addr_pr = {AF_INET, {10, 1, 1, 254}};

static void
set_handle(struct rsp_msg *m, const char *name)
{
	m->present |= RSP_HAS_HANDLE;
	m->handle.len = (uint8_t)strlen(name);
	memcpy(m->handle.bytes, name, m->handle.len);
}

static void
make_pe(struct rsp_pe *pe, int enrp)
{
	memset(pe, 0, sizeof(*pe));
	pe->id = 0x12345678;
	pe->home = 0xabcd;
	pe->life = 30000;
	pe->user.ptype = RSP_PARAM_SCTP;
	pe->user.port = 7;
	pe->user.use = RSP_TRANSPORT_DATA_CONTROL;
	pe->user.naddrs = 1;
	pe->user.addrs = &addr_pe;
	pe->policy.type = RSP_POLICY_LUD;
	pe->policy.nvalues = 2;
	pe->policy.v[0] = 0x10000000;
	pe->policy.v[1] = 0x01000000;
	if (enrp) {
		pe->has_asap = 1;
		pe->asap.ptype = RSP_PARAM_SCTP;
		pe->asap.port = 40000;
		pe->asap.naddrs = 1;
		pe->asap.addrs = &addr_pe;
	}
}

static void
make_server(struct rsp_server_info *s, uint32_t id)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->has_transport = 1;
	s->transport.ptype = RSP_PARAM_SCTP;
	s->transport.port = 9901;
	s->transport.naddrs = 1;
	s->transport.addrs = &addr_pr;
}

/* Encode m, check it decodes and re-encodes the same, write it. */
static void
emit_msg(struct pcap_out *o, const struct rsp_msg *m)
{
	struct rsp_decode_error err;
	struct rsp_msg d;
	struct wbuf w, w2;
	char s[160];
	int asap = m->proto == RSP_PROTO_ASAP;

	test_section(rsp_msg_name(m->proto, m->type));
	wbuf_init_dynamic(&w, 256, RSP_MSG_MAX);
	wbuf_init_dynamic(&w2, 256, RSP_MSG_MAX);
	if (CHECK(rsp_msg_encode(m, &w) == 0)) {
		if (CHECK(rsp_msg_decode(m->proto, w.data, w.len, &d, &err) ==
		          0)) {
			CHECK(d.type == m->type && d.flags == m->flags);
			CHECK(rsp_msg_encode(&d, &w2) == 0);
			CHECK_BYTES(w2.data, w2.len, w.data, w.len);
			rsp_msg_free(&d);
		} else {
			rsp_decode_error_str(&err, s, sizeof(s));
			test_check(0, s, __FILE__, __LINE__);
		}
		CHECK(pcap_out_sctp(o, asap ? 40000 : 9901,
		          asap ? RSP_PORT_ASAP : RSP_PORT_ENRP,
		          asap ? RSP_PPID_ASAP : RSP_PPID_ENRP, w.data,
		          w.len) == 0);
	}
	wbuf_free(&w);
	wbuf_free(&w2);
}

/* An application message or cookie already encoded in w. */
static void
emit_app(struct pcap_out *o, uint32_t ppid, struct wbuf *w, int rc)
{
	if (CHECK(rc == 0 && wbuf_error(w) == 0))
		CHECK(
		    pcap_out_sctp(o, 40000, 40001, ppid, w->data, w->len) == 0);
	wbuf_reset(w);
}

/* An ASAP/ENRP message of unknown type 0x20 without parameters: Wireshark
 * dissects the data of cause 0x0002 as a message of the same protocol. */
static const uint8_t unknown_msg[] = {0x20, 0x00, 0x00, 0x04};
static const uint8_t rr_policy[] = {
    0x00, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01};

static void
cookie_msg(struct pcap_out *o, int type, struct wbuf *c)
{
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ASAP, type);
	m.present |= RSP_HAS_COOKIE;
	m.cookie.len = (uint16_t)c->len;
	m.cookie.data = c->data;
	emit_msg(o, &m);
	wbuf_reset(c);
}

static void
write_asap(void)
{
	struct fgp_parameter fp = {
	    400, 250, 1024, FGP_ALG_MANDELBROT, -1.5, 1.5, 1.5, -1.5, 2.0};
	struct calcapp_cookie cc = {1, 5000000, 2500000};
	struct rsp_transport tr;
	struct rsp_cause cause;
	struct fgp_cookie fc;
	struct pcap_out o;
	struct rsp_msg m;
	struct rsp_pe pe;
	struct wbuf c;
	int t;

	if (!CHECK(pcap_out_open(&o, OUT "asap.pcap") == 0))
		return;
	make_pe(&pe, 0);
	wbuf_init_dynamic(&c, 128, 1024);
	for (t = ASAP_REGISTRATION; t <= ASAP_ERROR; t++) {
		rsp_msg_init(&m, RSP_PROTO_ASAP, t);
		switch (t) {
		case ASAP_REGISTRATION:
		case ASAP_BUSINESS_CARD:
			set_handle(&m, "EchoPool");
			m.npes = 1;
			m.pes = &pe;
			break;
		case ASAP_HANDLE_RESOLUTION:
			set_handle(&m, "EchoPool");
			m.present |= RSP_HAS_HR_OPTION;
			m.hr_items = 5;
			break;
		case ASAP_HANDLE_RESOLUTION_RESPONSE:
			set_handle(&m, "EchoPool");
			m.present |= RSP_HAS_POLICY;
			m.policy = pe.policy;
			m.npes = 1;
			m.pes = &pe;
			break;
		case ASAP_ENDPOINT_KEEP_ALIVE:
			m.flags = ASAP_FLAG_H;
			m.sender = 0xabcd;
			/* FALLTHROUGH */
		case ASAP_DEREGISTRATION:
		case ASAP_REGISTRATION_RESPONSE:
		case ASAP_DEREGISTRATION_RESPONSE:
		case ASAP_ENDPOINT_KEEP_ALIVE_ACK:
		case ASAP_ENDPOINT_UNREACHABLE:
			set_handle(&m, "EchoPool");
			m.present |= RSP_HAS_PE_ID;
			m.pe_id = 0x12345678;
			break;
		case ASAP_SERVER_ANNOUNCE:
			m.sender = 0xabcd;
			memset(&tr, 0, sizeof(tr));
			tr.ptype = RSP_PARAM_SCTP;
			tr.port = RSP_PORT_ASAP;
			tr.naddrs = 1;
			tr.addrs = &addr_pr;
			m.ntransports = 1;
			m.transports = &tr;
			break;
		case ASAP_COOKIE:
		case ASAP_COOKIE_ECHO:
			pingpong_cookie_encode(5, &c);
			cookie_msg(&o, t, &c);
			continue;
		case ASAP_ERROR:
			cause.code = RSP_CAUSE_UNRECOGNIZED_MSG;
			cause.data.len = sizeof(unknown_msg);
			cause.data.data = unknown_msg;
			m.present |= RSP_HAS_ERROR;
			m.error.ncauses = 1;
			m.error.causes = &cause;
			break;
		}
		emit_msg(&o, &m);
	}
	/* Rejected registration: cause 0x0005 with the pool's policy. */
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_REGISTRATION_RESPONSE);
	m.flags = ASAP_FLAG_R;
	set_handle(&m, "EchoPool");
	m.present |= RSP_HAS_PE_ID | RSP_HAS_ERROR;
	m.pe_id = 0x12345678;
	cause.code = RSP_CAUSE_INCONSISTENT_POLICY;
	cause.data.len = sizeof(rr_policy);
	cause.data.data = rr_policy;
	m.error.ncauses = 1;
	m.error.causes = &cause;
	emit_msg(&o, &m);
	/* Application cookies inside ASAP Cookies. */
	fgp_cookie_init(&fc, &fp, 10, 20);
	CHECK(fgp_cookie_encode(&fc, &c) == 0 && c.len == FGP_COOKIE_SIZE);
	cookie_msg(&o, ASAP_COOKIE, &c);
	CHECK(calcapp_cookie_encode(&cc, &c) == 0 &&
	      c.len == CALCAPP_COOKIE_SIZE);
	cookie_msg(&o, ASAP_COOKIE_ECHO, &c);
	wbuf_free(&c);
	CHECK(pcap_out_close(&o) == 0);
}

static void
write_enrp(void)
{
	struct rsp_server_info srv;
	struct rsp_pool_entry pool;
	struct rsp_cause cause;
	struct pcap_out o;
	struct rsp_msg m;
	struct rsp_pe pe;
	int t;

	if (!CHECK(pcap_out_open(&o, OUT "enrp.pcap") == 0))
		return;
	make_pe(&pe, 1);
	for (t = ENRP_PRESENCE; t <= ENRP_ERROR; t++) {
		rsp_msg_init(&m, RSP_PROTO_ENRP, t);
		m.sender = 0xabcd;
		m.receiver = 0x1111;
		switch (t) {
		case ENRP_PRESENCE:
			m.flags = ENRP_FLAG_PRESENCE_R;
			m.present |= RSP_HAS_CHECKSUM;
			m.checksum = 0x67df;
			make_server(&srv, 0xabcd);
			m.nservers = 1;
			m.servers = &srv;
			break;
		case ENRP_HANDLE_TABLE_REQUEST:
			m.flags = ENRP_FLAG_HTREQ_W;
			break;
		case ENRP_HANDLE_TABLE_RESPONSE:
			memset(&pool, 0, sizeof(pool));
			pool.handle.len = 8;
			memcpy(pool.handle.bytes, "EchoPool", 8);
			pool.npes = 1;
			pool.pes = &pe;
			m.npools = 1;
			m.pools = &pool;
			break;
		case ENRP_HANDLE_UPDATE:
			m.action = ENRP_ADD_PE;
			set_handle(&m, "EchoPool");
			m.npes = 1;
			m.pes = &pe;
			break;
		case ENRP_LIST_RESPONSE:
			make_server(&srv, 0x1111);
			m.nservers = 1;
			m.servers = &srv;
			break;
		case ENRP_INIT_TAKEOVER:
		case ENRP_INIT_TAKEOVER_ACK:
		case ENRP_TAKEOVER_SERVER:
			m.target = 0x2222;
			break;
		case ENRP_ERROR:
			cause.code = RSP_CAUSE_UNRECOGNIZED_MSG;
			cause.data.len = sizeof(unknown_msg);
			cause.data.data = unknown_msg;
			m.present |= RSP_HAS_ERROR;
			m.error.ncauses = 1;
			m.error.causes = &cause;
			break;
		}
		emit_msg(&o, &m);
	}
	CHECK(pcap_out_close(&o) == 0);
}

static void
write_csp(void)
{
	struct csp_assoc a[2];
	struct csp_report r;
	struct pcap_out o;
	struct wbuf w;
	int legacy;

	test_section("csp");
	if (!CHECK(pcap_out_open(&o, OUT "csp.pcap") == 0))
		return;
	wbuf_init_dynamic(&w, 512, 65535);
	for (legacy = 0; legacy < 2; legacy++) {
		csp_report_init(&r, csp_id(CSP_GROUP_PR, 0xabcd));
		r.legacy_length = (uint8_t)legacy;
		r.timestamp = 123456789;
		r.interval = 1000000;
		csp_set_text(r.location, "pr1: 10.1.1.254:3863");
		csp_set_text(r.status, "1 PEs in 1 Pool, 1 Peers");
		r.workload = csp_workload(0.25);
		memset(a, 0, sizeof(a));
		a[0].receiver = csp_id(CSP_GROUP_PR, 0x1111);
		a[0].duration = CSP_DURATION_UNKNOWN;
		a[0].protocol = 132;
		a[0].ppid = RSP_PPID_ENRP;
		a[1].receiver = csp_id(CSP_GROUP_PE, 0x12345678);
		a[1].duration = 60000000;
		a[1].protocol = 132;
		a[1].ppid = RSP_PPID_ASAP;
		r.assocs = a;
		r.nassocs = 2;
		wbuf_reset(&w);
		if (CHECK(csp_encode(&r, &w) == 0))
			CHECK(pcap_out_udp(
			          &o, 40000, RSP_PORT_CSP, w.data, w.len) == 0);
	}
	/* A final report without associations. */
	csp_report_init(&r, csp_id(CSP_GROUP_PU, 0x42));
	r.flags = CSP_FLAG_FINAL;
	csp_set_text(r.status, "0 Sessions");
	wbuf_reset(&w);
	if (CHECK(csp_encode(&r, &w) == 0))
		CHECK(
		    pcap_out_udp(&o, 40000, RSP_PORT_CSP, w.data, w.len) == 0);
	wbuf_free(&w);
	CHECK(pcap_out_close(&o) == 0);
}

static void
write_apps(void)
{
	static const uint8_t hash[SSP_HASH_SIZE] = {0xda, 0x39, 0xa3, 0xee,
	    0x5e, 0x6b, 0x4b, 0x0d, 0x32, 0x55, 0xbf, 0xef, 0x95, 0x60, 0x18,
	    0x90, 0xaf, 0xd8, 0x07, 0x09};
	static const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00};
	struct fgp_msg fm;
	struct pingpong_msg pm;
	struct calcapp_msg cm;
	struct ssp_msg sm;
	struct pcap_out o;
	struct wbuf w;
	uint32_t i;
	int t;

	test_section("applications");
	wbuf_init_dynamic(&w, 2048, 65535);
	if (CHECK(pcap_out_open(&o, OUT "fgp.pcap") == 0)) {
		memset(&fm, 0, sizeof(fm));
		fm.type = FGP_PARAMETER;
		fm.u.param = (struct fgp_parameter){400, 250, 1024,
		    FGP_ALG_MANDELBROT, -1.5, 1.5, 1.5, -1.5, 2.0};
		emit_app(&o, RSP_PPID_FGP, &w, fgp_encode(&fm, &w));
		memset(&fm, 0, sizeof(fm));
		fm.type = FGP_DATA;
		fm.u.data.start_x = 10;
		fm.u.data.points = FGP_POINTS_MAX;
		for (i = 0; i < FGP_POINTS_MAX; i++)
			fm.u.data.values[i] = i % 1025;
		emit_app(&o, RSP_PPID_FGP, &w, fgp_encode(&fm, &w));
		fgp_end_of_image(&fm);
		emit_app(&o, RSP_PPID_FGP, &w, fgp_encode(&fm, &w));
		CHECK(pcap_out_close(&o) == 0);
	}
	if (CHECK(pcap_out_open(&o, OUT "pingpong.pcap") == 0)) {
		memset(&pm, 0, sizeof(pm));
		pm.type = PINGPONG_PING;
		pm.message_no = 1;
		pm.data = (const uint8_t *)"Nachricht: 1";
		pm.datalen = 12;
		emit_app(&o, RSP_PPID_PINGPONG, &w, pingpong_encode(&pm, &w));
		pm.type = PINGPONG_PONG;
		pm.reply_no = 1;
		emit_app(&o, RSP_PPID_PINGPONG, &w, pingpong_encode(&pm, &w));
		CHECK(pcap_out_close(&o) == 0);
	}
	if (CHECK(pcap_out_open(&o, OUT "calcapp.pcap") == 0)) {
		for (t = CALCAPP_REQUEST; t <= CALCAPP_KEEPALIVE_ACK; t++) {
			memset(&cm, 0, sizeof(cm));
			cm.type = (uint8_t)t;
			cm.job_id = 1;
			if (t == CALCAPP_REQUEST || t == CALCAPP_COMPLETE)
				cm.job_size = 5000000;
			if (t == CALCAPP_COMPLETE)
				cm.completed = 5000000;
			emit_app(
			    &o, RSP_PPID_CALCAPP, &w, calcapp_encode(&cm, &w));
		}
		CHECK(pcap_out_close(&o) == 0);
	}
	if (CHECK(pcap_out_open(&o, OUT "ssp.pcap") == 0)) {
		for (t = SSP_NOT_READY; t <= SSP_ENVIRONMENT + 1; t++) {
			memset(&sm, 0, sizeof(sm));
			sm.type =
			    (uint8_t)(t > SSP_ENVIRONMENT ? SSP_KEEPALIVE_ACK
			                                  : t);
			switch (t) {
			case SSP_NOT_READY:
				sm.value = SSP_REASON_FULLY_LOADED;
				/* FALLTHROUGH */
			case SSP_READY:
				sm.data = (const uint8_t *)"pe1";
				sm.datalen = 3;
				break;
			case SSP_UPLOAD:
			case SSP_DOWNLOAD:
				sm.data = gz;
				sm.datalen = sizeof(gz);
				break;
			case SSP_KEEPALIVE_ACK:
				sm.has_value = 1; /* PE form */
				break;
			case SSP_STATUS:
				sm.value = 1;
				break;
			case SSP_ENVIRONMENT:
				sm.flags = SSP_FLAG_U;
				memcpy(sm.hash, hash, sizeof(hash));
				break;
			}
			emit_app(&o, RSP_PPID_SSP, &w, ssp_encode(&sm, &w));
		}
		CHECK(pcap_out_close(&o) == 0);
	}
	wbuf_free(&w);
}

/* The writer's framing, checked with our own reader. */
static int
count_cb(const struct pcap_msg *m, void *arg)
{
	unsigned *n = arg;

	if (m->chunk_flags == 0x03 || m->proto == PCAP_IPPROTO_UDP)
		(*n)++;
	return 0;
}

static void
check_readback(const char *path, unsigned want)
{
	struct pcap_stats st;
	uint8_t *file;
	size_t len;
	unsigned n = 0;

	test_section(path);
	if (!CHECK((file = test_read_file(path, &len)) != NULL))
		return;
	CHECK(pcap_walk(file, len, count_cb, &n, &st) == 0);
	CHECK(n == want && st.frames == want && st.truncated == 0);
	free(file);
}

int
main(void)
{
	static const uint8_t crcvec[] = "123456789";

	test_section("crc32c");
	CHECK(pcap_crc32c(crcvec, 9) == 0xe3069283); /* check value */
	write_asap();
	write_enrp();
	write_csp();
	write_apps();
	check_readback(OUT "asap.pcap", 17);
	check_readback(OUT "enrp.pcap", 10);
	check_readback(OUT "csp.pcap", 3);
	check_readback(OUT "fgp.pcap", 3);
	check_readback(OUT "pingpong.pcap", 2);
	check_readback(OUT "calcapp.pcap", 7);
	check_readback(OUT "ssp.pcap", 9);
	return test_done();
}
