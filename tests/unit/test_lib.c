/*
 * The library (include/rsp.h, core/lib/) and the example services'
 * helpers: policy parsing, error strings, PU choice, Daytime and
 * CharGen formats, and a pool element plus a pool user session against
 * a fake registrar over the TCP mapping on 127.0.0.1, all in one loop.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ev.h"
#include "core/lib/internal.h"
#include "core/log.h"
#include "core/transport/transport.h"
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

/* ---- session fixes: queue flush, failover delay, unacked count ---- */

static void
test_backoff(void)
{
	test_section("session retry backoff");
	CHECK(lib_session_backoff_ms(0) == 0); /* after a loss: at once */
	CHECK(lib_session_backoff_ms(1) == 10);
	CHECK(lib_session_backoff_ms(2) == 20);
	CHECK(lib_session_backoff_ms(3) == 40);
	CHECK(lib_session_backoff_ms(5) == 160);
	CHECK(lib_session_backoff_ms(6) == LIB_RETRY_MS);
	CHECK(lib_session_backoff_ms(1000) == LIB_RETRY_MS);
}

#define SEQ_MSG   60000
#define SEQ_COUNT 150 /* 9 MB: over TR_TX_MAX plus the session queue */

struct seq {
	struct app a;
	int next;   /* PE: sequence number expected next */
	int bad;    /* PE: messages out of order or damaged */
	int failed; /* PU: RSP_EV_FAILOVER seen */
	int unacked;
};

static void
seq_pe_cb(const struct rsp_event *ev, void *arg)
{
	struct seq *q = arg;
	uint32_t n;

	if (ev->type == RSP_EV_REGISTERED) {
		q->a.registered++;
		return;
	}
	if (ev->type != RSP_EV_MSG)
		return;
	if (ev->len != SEQ_MSG)
		q->bad++;
	memcpy(&n, ev->data, sizeof(n));
	if (n != (uint32_t)q->next || ev->data[SEQ_MSG - 1] != (uint8_t)n)
		q->bad++;
	q->next++;
}

static void
seq_pu_cb(const struct rsp_event *ev, void *arg)
{
	struct seq *q = arg;

	if (ev->type == RSP_EV_SESSION_UP)
		q->a.up++;
	if (ev->type == RSP_EV_FAILOVER) {
		q->failed++;
		q->unacked = ev->unacked;
	}
}

/* A fake registrar and a PE with seq_pe_cb; *regaddr its address. */
static struct rsp_element *
seq_element(struct ev_loop *loop, struct fake *f, struct seq *q, char *regaddr,
    size_t rl)
{
	struct rsp_element_config ec;
	struct addr_list al;
	struct rsp_element *e;
	int err;

	addr_list_parse(&al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0);
	f->ep = tr_ep_new(loop, TR_TCP, &al, TR_LISTEN, fake_event, f);
	CHECK(f->ep != NULL && tr_local_addrs(f->ep, 0, &al) == 0);
	snprintf(regaddr, rl, "127.0.0.1:%u", al.port);
	memset(&ec, 0, sizeof(ec));
	ec.pool_handle = "EchoPool";
	ec.registrars[0] = regaddr;
	ec.nregistrars = 1;
	ec.rereg_ms = 1000000;
	ec.transport = TR_TCP;
	e = rsp_element_new(loop, &ec, seq_pe_cb, q, &err);
	CHECK(e != NULL && run_until(loop, &q->a.registered, 1));
	return e;
}

static struct rsp_session *
seq_session(struct ev_loop *loop, struct seq *q, const char *regaddr)
{
	struct rsp_session_config sc;
	int err;

	memset(&sc, 0, sizeof(sc));
	sc.pool_handle = "EchoPool";
	sc.registrars[0] = regaddr;
	sc.nregistrars = 1;
	sc.transport = TR_TCP;
	return rsp_session_new(loop, &sc, seq_pu_cb, q, &err);
}

/* More than the transport takes while the PE has not read anything:
 * the rest waits in the session queue (then RSP_EAGAIN) and goes out,
 * in order, as the PE acknowledges. */
static void
test_queue_flush(void)
{
	static uint8_t m[SEQ_MSG];
	struct ev_loop *loop = ev_loop_new();
	struct rsp_session *s;
	struct fake f;
	struct seq q;
	char regaddr[64];
	int sent = 0, again = 0, rc;
	time_t end;

	test_section("session: a full transport, then everything in order");
	memset(&f, 0, sizeof(f));
	memset(&q, 0, sizeof(q));
	q.a.e = seq_element(loop, &f, &q, regaddr, sizeof(regaddr));
	s = seq_session(loop, &q, regaddr);
	CHECK(s != NULL && run_until(loop, &q.a.up, 1));
	end = time(NULL) + 20;
	while (q.next < SEQ_COUNT && time(NULL) < end) {
		while (sent < SEQ_COUNT) {
			memcpy(m, &sent, sizeof(sent));
			m[SEQ_MSG - 1] = (uint8_t)sent;
			if ((rc = rsp_session_send(s, 0, 0, m, sizeof(m))) !=
			    RSP_OK)
				break;
			sent++;
		}
		again += rc == RSP_EAGAIN;
		ev_run_once(loop, 10);
	}
	CHECK(again > 0); /* the session queue was full too */
	CHECK(q.next == SEQ_COUNT && q.bad == 0);
	rsp_session_free(s);
	rsp_element_free(q.a.e);
	tr_ep_free(f.ep);
	ev_loop_free(loop);
}

static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

/* Run for about ms of real time with the fake clock standing still. */
static void
run_frozen(struct ev_loop *loop, int ms)
{
	int i;

	for (i = 0; i < ms / 10; i++)
		ev_run_once(loop, 10);
}

/* Run (fake clock frozen) until *v differs from was, at most 3 s. */
static int
run_change(struct ev_loop *loop, const int *v, int was)
{
	int i;

	for (i = 0; i < 300 && *v == was; i++)
		ev_run_once(loop, 10);
	return *v != was;
}

/*
 * With a fake clock that does not move: the resolution after leaving a
 * PE that was up goes out at once, the failover reports the messages
 * the PE had not acknowledged, and an empty pool is retried after 10,
 * 20, 40, ... ms up to LIB_RETRY_MS.
 */
static void
test_failover_delay(void)
{
	struct ev_loop *loop = ev_loop_new();
	static const long long steps[] = {10, 20, 40, 80, 160, 250, 250};
	struct rsp_session *s;
	struct fake f;
	struct seq q;
	char regaddr[64];
	size_t i;
	int hrs;

	test_section("session: failover without delay, backoff, unacked");
	fake_now = 1000000;
	ev_set_clock(loop, fake_clock, NULL);
	memset(&f, 0, sizeof(f));
	memset(&q, 0, sizeof(q));
	q.a.e = seq_element(loop, &f, &q, regaddr, sizeof(regaddr));
	s = seq_session(loop, &q, regaddr);
	CHECK(s != NULL && run_until(loop, &q.a.up, 1));
	fake_now += 1000; /* up for a while */
	ev_now_update(loop);

	/* Three messages the PE has not read: lost with the PE. */
	CHECK(rsp_session_send(s, 0, 0, "a", 1) == RSP_OK &&
	      rsp_session_send(s, 0, 0, "b", 1) == RSP_OK &&
	      rsp_session_send(s, 0, 0, "c", 1) == RSP_OK);
	CHECK(rsp_session_unacked(s) == 3);
	CHECK(rsp_session_failover(s) == RSP_OK);
	CHECK(run_change(loop, &q.failed, 0)); /* no clock needed */
	CHECK(q.unacked == 3 && f.eus == 1 && f.hrs == 2);

	/* Up, then gone for good: an empty pool backs off. */
	fake_now += 1000;
	ev_now_update(loop);
	f.registrations = 0; /* the fake answers no PE */
	CHECK(rsp_session_failover(s) == RSP_OK);
	CHECK(run_change(loop, &f.hrs, 2)); /* at once */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		hrs = f.hrs;
		run_frozen(loop, 50);
		fake_now += (uint64_t)steps[i] - 1;
		run_frozen(loop, 30);
		CHECK(f.hrs == hrs);
		fake_now += 1;
		CHECK(run_change(loop, &f.hrs, hrs) && f.hrs == hrs + 1);
	}
	CHECK(q.failed == 1);
	rsp_session_free(s);
	rsp_element_free(q.a.e);
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
	test_backoff();
	test_queue_flush();
	test_failover_delay();
	test_config_errors();
	return test_done();
}
