/*
 * The library (include/rsp.h, core/lib_*.c) and the example services'
 * helpers: policy parsing, error strings, PU choice, Daytime and
 * CharGen formats, and a pool element plus a pool user session against
 * a fake registrar over the TCP mapping on 127.0.0.1, all in one loop.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ev.h"
#include "core/lib_int.h"
#include "core/log.h"
#include "core/transport.h"
#include "include/rsp.h"
#include "proto/msg.h"
#include "proto/wire.h"
#include "services/service.h"
#include "testlib.h"

static void
test_policy(void)
{
	struct rsp_policy p;

	test_section("rsp_policy_parse");
	CHECK(rsp_policy_parse(NULL, &p) == 0 && p.type == RSP_POLICY_RR &&
	      p.nvalues == 0);
	CHECK(
	    rsp_policy_parse("RoundRobin", &p) == 0 && p.type == RSP_POLICY_RR);
	CHECK(rsp_policy_parse("LeastUsedDegradation:0.5", &p) == 0 &&
	      p.type == RSP_POLICY_LUD && p.nvalues == 2 && p.v[0] == 0 &&
	      p.v[1] == 0x80000000u);
	CHECK(rsp_policy_parse("WeightedRandom:7", &p) == 0 &&
	      p.type == RSP_POLICY_WRAND && p.nvalues == 1 && p.v[0] == 7);
	CHECK(rsp_policy_parse("Priority:3", &p) == 0 &&
	      p.type == RSP_POLICY_PRIO && p.v[0] == 3);
	CHECK(rsp_policy_parse("LeastUsedDegradationDPF:1:0", &p) == 0 &&
	      p.type == RSP_POLICY_LUD_DPF && p.nvalues == 4 &&
	      p.v[1] == 0xffffffffu && p.v[2] == 0 && p.v[3] == 0);
	CHECK(rsp_policy_parse("WeightedRandomDPF:5:0.25", &p) == 0 &&
	      p.v[0] == 5 && p.v[1] == 0x40000000u);
	CHECK(rsp_policy_parse("LeastUsedDegradation", &p) == 0 && p.v[1] == 0);
	CHECK(rsp_policy_parse("LUD:0.5", &p) == 0); /* abbreviation */
	CHECK(rsp_policy_parse("NoSuchPolicy", &p) == -1);
	CHECK(rsp_policy_parse("LeastUsedDegradation:1.5", &p) == -1);
	CHECK(rsp_policy_parse("LeastUsedDegradation:x", &p) == -1);
	CHECK(rsp_policy_parse("WeightedRandom:-1", &p) == -1);
	CHECK(rsp_policy_parse("WeightedRandom:4294967296", &p) == -1);
	CHECK(rsp_policy_parse("RoundRobin:1", &p) == -1);
	CHECK(rsp_policy_parse("PriorityLeastUsedDPF", &p) == -1);
	CHECK(rsp_policy_parse("", &p) == -1);
}

static void
test_strerror(void)
{
	int e;

	test_section("rsp_strerror, version");
	CHECK(rsp_lib_version() == RSP_LIB_VERSION);
	for (e = RSP_OK; e <= RSP_ERROR_MAX; e++)
		CHECK(rsp_strerror(e) != NULL && *rsp_strerror(e) != '\0');
	CHECK(strcmp(rsp_strerror(999), "unknown error") == 0);
}

static void
test_choose(void)
{
	struct rsp_addr a = {AF_INET, {127, 0, 0, 1}};
	struct rsp_pe pes[3];
	struct rsp_msg m;
	struct rsp_handle h = {8, "EchoPool"};
	struct addr_list al;
	int i;

	test_section("lib_pu_choose, HR and EU messages");
	memset(pes, 0, sizeof(pes));
	for (i = 0; i < 3; i++) {
		pes[i].id = (uint32_t)(i + 1);
		pes[i].user.ptype = RSP_PARAM_TCP;
		pes[i].user.port = 7;
		pes[i].user.naddrs = 1;
		pes[i].user.addrs = &a;
	}
	pes[1].user.ptype = RSP_PARAM_UDP; /* unreachable for us */
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION_RESPONSE);
	m.npes = 3;
	m.pes = pes;
	CHECK(lib_pu_choose(&m, 0) == &pes[0]);
	CHECK(lib_pu_choose(&m, 1) == &pes[2]);
	m.npes = 2;
	/* The PE to avoid is still taken when it is the only usable one. */
	CHECK(lib_pu_choose(&m, 1) == &pes[0]);
	m.npes = 1;
	CHECK(lib_pu_choose(&m, 1) == &pes[0]);
	pes[0].user.naddrs = 0;
	CHECK(lib_pu_choose(&m, 1) == NULL);
	pes[0].user.naddrs = 1;
	m.npes = 0;
	CHECK(lib_pu_choose(&m, 0) == NULL);
	CHECK(lib_transport_addrs(&pes[0].user, &al) == 0 && al.n == 1 &&
	      addr_port((struct sockaddr *)&al.a[0]) == 7);
	lib_pu_hr(&m, &h);
	CHECK(m.type == ASAP_HANDLE_RESOLUTION && m.hr_items == 1 &&
	      (m.present & RSP_HAS_HR_OPTION));
	lib_pu_unreachable(&m, &h, 0x1234);
	CHECK(m.type == ASAP_ENDPOINT_UNREACHABLE && m.pe_id == 0x1234);
}

static void
test_services(void)
{
	uint8_t b[1024];
	char s[96];
	int n;

	test_section("Daytime and CharGen formats");
	chargen_fill(b, sizeof(b));
	CHECK(b[0] == 0x1e && b[97] == 0x7f && b[98] == 0x1e &&
	      b[1023] == 30 + 1023 % 98);
	setenv("TZ", "UTC", 1);
	tzset();
	n = daytime_format(s, sizeof(s), 1764154740LL, 123456);
	CHECK(n > 0 &&
	      strcmp(s, "Wednesday, 26-November-2025 10:59:00.123456\n") == 0);
	CHECK(daytime_format(s, 10, 0, 0) == -1);
	CHECK(strcmp(svc_echo.pool_handle, "EchoPool") == 0 &&
	      strcmp(svc_chargen.pool_handle, "CharGenPool") == 0 &&
	      strcmp(svc_daytime.pool_handle, "DaytimePool") == 0 &&
	      strcmp(svc_discard.pool_handle, "DiscardPool") == 0);
}

/* ---- a pool element and a session against a fake registrar ---- */

struct fake {
	struct tr_ep *ep;
	struct rsp_pe pe; /* the registered PE, user transport copied */
	struct rsp_addr addrs[4];
	uint32_t pe_assoc;
	int registrations, kas_acked, deregistered, hrs, eus;
	uint32_t life;
	struct rsp_policy policy;
};

static void
fake_send(struct fake *f, uint32_t assoc, const struct rsp_msg *m)
{
	struct wbuf w;

	wbuf_init_dynamic(&w, 256, RSP_MSG_MAX);
	if (rsp_msg_encode(m, &w) == 0)
		tr_send(f->ep, assoc, RSP_PPID_ASAP, 0, w.data, w.len);
	wbuf_free(&w);
}

static void
fake_msg(struct fake *f, uint32_t assoc, const struct rsp_msg *m)
{
	struct rsp_msg r;

	switch (m->type) {
	case ASAP_REGISTRATION:
		f->registrations++;
		f->pe_assoc = assoc;
		f->pe = m->pes[0];
		f->life = m->pes[0].life;
		f->policy = m->pes[0].policy;
		memcpy(f->addrs, m->pes[0].user.addrs,
		    sizeof(f->addrs[0]) * (m->pes[0].user.naddrs > 4
		                                  ? 4
		                                  : m->pes[0].user.naddrs));
		f->pe.user.addrs = f->addrs;
		rsp_msg_init(&r, RSP_PROTO_ASAP, ASAP_REGISTRATION_RESPONSE);
		r.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
		r.handle = m->handle;
		r.pe_id = m->pes[0].id;
		fake_send(f, assoc, &r);
		/* and at once a keep-alive without a PE ID */
		rsp_msg_init(&r, RSP_PROTO_ASAP, ASAP_ENDPOINT_KEEP_ALIVE);
		r.present = RSP_HAS_HANDLE;
		r.handle = m->handle;
		r.sender = 0xabcd;
		fake_send(f, assoc, &r);
		break;
	case ASAP_ENDPOINT_KEEP_ALIVE_ACK:
		f->kas_acked += m->pe_id == f->pe.id;
		break;
	case ASAP_DEREGISTRATION:
		f->deregistered++;
		rsp_msg_init(&r, RSP_PROTO_ASAP, ASAP_DEREGISTRATION_RESPONSE);
		r.present = RSP_HAS_HANDLE | RSP_HAS_PE_ID;
		r.handle = m->handle;
		r.pe_id = m->pe_id;
		fake_send(f, assoc, &r);
		break;
	case ASAP_HANDLE_RESOLUTION:
		f->hrs++;
		rsp_msg_init(
		    &r, RSP_PROTO_ASAP, ASAP_HANDLE_RESOLUTION_RESPONSE);
		r.present = RSP_HAS_HANDLE | RSP_HAS_POLICY;
		r.handle = m->handle;
		r.policy = f->policy;
		r.npes = f->registrations > 0;
		r.pes = &f->pe;
		fake_send(f, assoc, &r);
		break;
	case ASAP_ENDPOINT_UNREACHABLE:
		f->eus++;
		break;
	}
}

static void
fake_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct rsp_decode_error derr;
	struct rsp_msg m;

	(void)ep;
	if (ev->type != TR_EV_MSG ||
	    rsp_msg_decode(RSP_PROTO_ASAP, ev->data, ev->len, &m, &derr))
		return;
	fake_msg(arg, ev->assoc, &m);
	rsp_msg_free(&m);
}

struct app {
	int registered, deregistered, up, failover;
	int pe_msgs, pu_msgs;
	uint32_t pe_id;
	struct rsp_element *e;
	char got[64];
};

static void
pe_cb(const struct rsp_event *ev, void *arg)
{
	struct app *a = arg;

	switch (ev->type) {
	case RSP_EV_REGISTERED:
		a->registered++;
		a->pe_id = ev->pe_id;
		break;
	case RSP_EV_DEREGISTERED:
		a->deregistered++;
		break;
	case RSP_EV_MSG:
		a->pe_msgs++;
		rsp_element_send(
		    a->e, ev->session, ev->ppid, ev->stream, ev->data, ev->len);
		break;
	default:
		break;
	}
}

static void
pu_cb(const struct rsp_event *ev, void *arg)
{
	struct app *a = arg;

	if (ev->type == RSP_EV_SESSION_UP)
		a->up++;
	if (ev->type == RSP_EV_MSG && ev->len < sizeof(a->got)) {
		a->pu_msgs++;
		memcpy(a->got, ev->data, ev->len);
		a->got[ev->len] = '\0';
	}
}

/* Run the loop until *flag >= want or 5 s have passed. */
static int
run_until(struct ev_loop *loop, const int *flag, int want)
{
	time_t end = time(NULL) + 5;

	while (*flag < want && time(NULL) < end)
		ev_run_once(loop, 50);
	return *flag >= want;
}

static void
quiet_sink(int level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static void
test_element_session(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct fake f;
	struct app a;
	struct addr_list al;
	char regaddr[64];
	int err;
	struct rsp_element_config ec;
	struct rsp_session_config sc;
	struct rsp_session *s;

	test_section("element and session against a fake registrar");
	memset(&f, 0, sizeof(f));
	memset(&a, 0, sizeof(a));
	addr_list_parse(&al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0);
	f.ep = tr_ep_new(loop, TR_TCP, &al, TR_LISTEN, fake_event, &f);
	CHECK(f.ep != NULL && tr_local_addrs(f.ep, 0, &al) == 0);
	snprintf(regaddr, sizeof(regaddr), "127.0.0.1:%u", al.port);

	memset(&ec, 0, sizeof(ec));
	ec.pool_handle = "EchoPool";
	ec.policy = "WeightedRandom:7";
	ec.registrars[0] = "127.0.0.1:1"; /* refused: the next one is used */
	ec.registrars[1] = regaddr;
	ec.nregistrars = 2;
	ec.identifier = 0x1234;
	ec.rereg_ms = 100;
	ec.transport = TR_TCP;
	a.e = rsp_element_new(loop, &ec, pe_cb, &a, &err);
	CHECK(a.e != NULL && err == RSP_OK);
	CHECK(run_until(loop, &a.registered, 1));
	CHECK(a.pe_id == 0x1234 && rsp_element_id(a.e) == 0x1234);
	CHECK(f.life == 300);
	CHECK(f.policy.type == RSP_POLICY_WRAND && f.policy.v[0] == 7);
	CHECK(f.pe.user.ptype == RSP_PARAM_TCP &&
	      f.pe.user.port == rsp_element_port(a.e) &&
	      f.pe.user.use == RSP_TRANSPORT_DATA_CONTROL);
	CHECK(run_until(loop, &f.kas_acked, 1));
	CHECK(run_until(loop, &f.registrations, 3)); /* re-registrations */
	CHECK(a.registered == 1);

	memset(&sc, 0, sizeof(sc));
	sc.pool_handle = "EchoPool";
	sc.registrars[0] = regaddr;
	sc.nregistrars = 1;
	sc.transport = TR_TCP;
	s = rsp_session_new(loop, &sc, pu_cb, &a, &err);
	CHECK(s != NULL);
	CHECK(rsp_session_send(s, 0, 0, "hello\n", 6) == RSP_OK); /* queued */
	CHECK(run_until(loop, &a.pu_msgs, 1));
	CHECK(a.up == 1 && strcmp(a.got, "hello\n") == 0 && a.pe_msgs == 1);
	CHECK(rsp_session_pe_id(s) == 0x1234 && f.hrs == 1);

	CHECK(rsp_element_set_load(a.e, 5) == RSP_OK);
	CHECK(rsp_element_deregister(a.e) == RSP_OK);
	CHECK(run_until(loop, &a.deregistered, 1));
	CHECK(f.deregistered == 1);
	CHECK(rsp_element_deregister(a.e) == RSP_ESTATE);

	rsp_session_free(s);
	rsp_element_free(a.e);
	tr_ep_free(f.ep);
	ev_loop_free(loop);
}

static void
test_config_errors(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct rsp_element_config ec;
	struct rsp_session_config sc;
	int err;

	test_section("configuration errors");
	memset(&ec, 0, sizeof(ec));
	ec.pool_handle = "EchoPool";
	ec.registrars[0] = "127.0.0.1:3863";
	ec.nregistrars = 1;
	ec.transport = TR_TCP;
	ec.policy = "Bogus";
	CHECK(rsp_element_new(loop, &ec, pe_cb, NULL, &err) == NULL &&
	      err == RSP_ECONFIG);
	ec.policy = NULL;
	ec.nregistrars = 0;
	CHECK(rsp_element_new(loop, &ec, pe_cb, NULL, &err) == NULL &&
	      err == RSP_ECONFIG);
	ec.nregistrars = 1;
	ec.pool_handle = "123456789012345678901234567890123"; /* 33 */
	CHECK(rsp_element_new(loop, &ec, pe_cb, NULL, &err) == NULL &&
	      err == RSP_ECONFIG);
	memset(&sc, 0, sizeof(sc));
	sc.pool_handle = "EchoPool";
	sc.registrars[0] = "not an address";
	sc.nregistrars = 1;
	CHECK(rsp_session_new(loop, &sc, pu_cb, NULL, &err) == NULL &&
	      err == RSP_ECONFIG);
	ev_loop_free(loop);
}

int
main(void)
{
	log_register(quiet_sink, NULL);
	test_policy();
	test_strerror();
	test_choose();
	test_services();
	test_element_session();
	test_config_errors();
	return test_done();
}
