/*
 * CSP reporting and monitoring: the -cspserver/-cspinterval rules
 * (core/csp_report.c), a reporter sending real datagrams over UDP on
 * 127.0.0.1 (written to tests/out/csp-reporter.pcap for tshark.bats),
 * the final report, and the monitor's table (core/tools/cspmon.c): updates,
 * purging, final reports, garbage, the entry bound and the display.
 * Run from the repository root.
 */
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/csp_report.h"
#include "core/tools/cspmon.h"
#include "core/ev.h"
#include "core/registrar/registrar.h"
#include "pcap.h"
#include "proto/wire.h"
#include "regfix.h"
#include "testlib.h"

#define OUT "tests/out/"

static void
test_config(void)
{
	struct csp_config c;
	char err[128];

	test_section("config");
	unsetenv("CSP_SERVER");
	unsetenv("CSP_INTERVAL");
	memset(&c, 0, sizeof(c));
	CHECK(csp_config_check(&c, err, sizeof(err)) == 0 && !c.enabled);

	memset(&c, 0, sizeof(c));
	c.server = "127.0.0.1:4000";
	CHECK(csp_config_check(&c, err, sizeof(err)) == 0 && c.enabled);
	CHECK(c.interval == CSP_INTERVAL_DEFAULT);

	memset(&c, 0, sizeof(c));
	c.interval = 1000;
	CHECK(csp_config_check(&c, err, sizeof(err)) == 0 && c.enabled);
	CHECK(strcmp(c.server, "127.0.0.1:2960") == 0);

	memset(&c, 0, sizeof(c));
	c.server = "127.0.0.1"; /* port 2960 by default */
	CHECK(csp_config_check(&c, err, sizeof(err)) == 0 && c.enabled);
	CHECK(ntohs(((struct sockaddr_in *)&c.to)->sin_port) == 2960);

	memset(&c, 0, sizeof(c));
	c.server = "no.such.host:2960";
	CHECK(csp_config_check(&c, err, sizeof(err)) == -1);
	memset(&c, 0, sizeof(c));
	c.server = "127.0.0.1:2960";
	c.interval = 100;
	CHECK(csp_config_check(&c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "250") != NULL);

	setenv("CSP_SERVER", "[::1]:5000", 1);
	setenv("CSP_INTERVAL", "10", 1); /* raised to 250, as RSPLIB */
	memset(&c, 0, sizeof(c));
	CHECK(csp_config_check(&c, err, sizeof(err)) == 0 && c.enabled);
	CHECK(c.interval == 250 && c.to.ss_family == AF_INET6);
	/* Options win over the environment. */
	memset(&c, 0, sizeof(c));
	c.server = "127.0.0.1:6000";
	c.interval = 500;
	CHECK(csp_config_check(&c, err, sizeof(err)) == 0 && c.interval == 500);
	CHECK(c.to.ss_family == AF_INET);
	setenv("CSP_INTERVAL", "soon", 1);
	memset(&c, 0, sizeof(c));
	CHECK(csp_config_check(&c, err, sizeof(err)) == -1);
	unsetenv("CSP_SERVER");
	unsetenv("CSP_INTERVAL");
}

static void
test_location(void)
{
	char s[CSP_TEXT_SIZE], host[256];

	test_section("location");
	csp_location(s, sizeof(s), 0);
	CHECK(gethostname(host, sizeof(host)) == 0);
	host[sizeof(host) - 1] = '\0';
	CHECK(strncmp(s, host, strnlen(host, 100)) == 0);
	CHECK(strlen(s) < CSP_TEXT_SIZE);
	CHECK(strstr(s, "127.0.0.1") == NULL); /* loopback never counts */
	if (strchr(s, ',') == NULL && strstr(s, ": ") != NULL &&
	    strstr(s, "(local only)") == NULL) {
		/* One address: ":port" after it (IPv4) or "]:port" (IPv6). */
		csp_location(s, sizeof(s), 3863);
		CHECK(strstr(s, ":3863") != NULL);
	}
	csp_location(s, 8, 0);
	CHECK(strlen(s) == 7 || strlen(s) == strlen(host));
}

static void
fill_test(struct csp_reporter *rep, struct csp_report *r, void *arg)
{
	int *calls = arg;

	(*calls)++;
	csp_set_text(r->status, "3 Sessions");
	r->workload = csp_workload(0.5);
	csp_reporter_add_assoc(
	    rep, CSP_GROUP_PR, 0xabcd, 2000000, 132, RSP_PPID_ASAP);
	csp_reporter_add_assoc(
	    rep, CSP_GROUP_PE, 0x1234, CSP_DURATION_UNKNOWN, 6, 33);
}

/* Receive one datagram within 2 s; its length, or -1. */
static ssize_t
recv_one(int fd, uint8_t *buf, size_t len)
{
	struct pollfd p = {fd, POLLIN, 0};

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return recv(fd, buf, len, 0);
}

static void
test_reporter(struct pcap_out *po)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct csp_config c;
	struct csp_reporter *rep;
	struct csp_report r;
	struct ev_loop *loop = ev_loop_new();
	char err[128], port[32];
	static uint8_t buf[65536];
	ssize_t n;
	int fd, calls = 0;

	test_section("reporter");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
	snprintf(port, sizeof(port), "127.0.0.1:%u", ntohs(sin.sin_port));
	memset(&c, 0, sizeof(c));
	c.server = port;
	c.interval = 250;
	CHECK(csp_config_check(&c, err, sizeof(err)) == 0);
	rep = csp_reporter_new(
	    loop, &c, csp_id(CSP_GROUP_PE, 0x77), fill_test, &calls);
	if (!CHECK(rep != NULL))
		return;
	/* The first report goes out at once, the next one 250 ms later. */
	CHECK(ev_run_once(loop, 0) >= 1 && calls == 1);
	n = recv_one(fd, buf, sizeof(buf));
	CHECK(n == CSP_HEADER_SIZE + 2 * CSP_ASSOC_SIZE);
	if (n > 0)
		pcap_out_udp(po, 40000, RSP_PORT_CSP, buf, (size_t)n);
	if (CHECK(n > 0 && csp_decode(buf, (size_t)n, &r) == APP_OK)) {
		CHECK(r.sender == csp_id(CSP_GROUP_PE, 0x77) && r.flags == 0);
		CHECK(r.interval == 250000 && !r.legacy_length);
		CHECK(r.workload == 0x7fff && r.nassocs == 2);
		CHECK(r.assocs[0].receiver == csp_id(CSP_GROUP_PR, 0xabcd));
		CHECK(r.assocs[0].duration == 2000000);
		CHECK(r.assocs[0].protocol == 132 && r.assocs[0].ppid == 11);
		CHECK(r.assocs[1].protocol == 6 && r.assocs[1].ppid == 33);
		CHECK(r.status[0] == '3' && r.location[0] != 0);
		csp_report_free(&r);
	}
	while (calls < 2 && ev_run_once(loop, 1000) >= 0)
		;
	n = recv_one(fd, buf, sizeof(buf));
	CHECK(n == CSP_HEADER_SIZE + 2 * CSP_ASSOC_SIZE);
	/* Free: one final report, no associations, no status. */
	csp_reporter_free(rep);
	n = recv_one(fd, buf, sizeof(buf));
	if (n > 0)
		pcap_out_udp(po, 40000, RSP_PORT_CSP, buf, (size_t)n);
	if (CHECK(n == CSP_HEADER_SIZE &&
	          csp_decode(buf, (size_t)n, &r) == APP_OK)) {
		CHECK(r.flags == CSP_FLAG_FINAL && r.nassocs == 0);
		CHECK(r.status[0] == 0);
		csp_report_free(&r);
	}
	/* Disabled configuration: no reporter at all. */
	memset(&c, 0, sizeof(c));
	CHECK(csp_reporter_new(loop, &c, 1, fill_test, &calls) == NULL);
	close(fd);
	ev_loop_free(loop);
}

static void
test_registrar_report(struct pcap_out *po)
{
	struct reg_config rc = regfix_config("0xabcd");
	struct ev_loop *loop = ev_loop_new();
	struct registrar *reg = reg_new(loop, &rc);
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct csp_config c;
	struct csp_reporter *rep;
	struct csp_report r;
	char port[32], text[CSP_TEXT_SIZE];
	static uint8_t buf[65536];
	ssize_t n;
	int fd;

	test_section("registrar report");
	if (!CHECK(reg != NULL))
		return;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
	snprintf(port, sizeof(port), "127.0.0.1:%u", ntohs(sin.sin_port));
	memset(&c, 0, sizeof(c));
	c.server = port;
	CHECK(csp_config_check(&c, text, sizeof(text)) == 0);
	rep = csp_reporter_new(loop, &c, csp_id(CSP_GROUP_PR, reg_id(reg)),
	    csp_fill_registrar, reg);
	CHECK(rep != NULL && ev_run_once(loop, 0) >= 1);
	n = recv_one(fd, buf, sizeof(buf));
	if (n > 0)
		pcap_out_udp(po, 40000, RSP_PORT_CSP, buf, (size_t)n);
	if (CHECK(n > 0 && csp_decode(buf, (size_t)n, &r) == APP_OK)) {
		CHECK(r.sender == csp_id(CSP_GROUP_PR, 0xabcd));
		csp_text(r.status, text, sizeof(text));
		CHECK(strcmp(text, "0[0] PEs in 0 Pools, 0 Peers") == 0);
		/* Its ASAP port follows the first address (none here: not
		 * listening), or the host name alone. */
		csp_text(r.location, text, sizeof(text));
		CHECK(text[0] != '\0');
		CHECK(r.workload == CSP_WORKLOAD_NA && r.nassocs == 0);
		csp_report_free(&r);
	}
	csp_reporter_free(rep);
	close(fd);
	reg_free(reg);
	ev_loop_free(loop);
}

/* An encoded report from sender id with n associations. */
static size_t
report(
    uint8_t *out, size_t max, uint64_t id, int n, int final, const char *status)
{
	struct csp_assoc a[3];
	struct csp_report r;
	struct wbuf w;
	int i;

	csp_report_init(&r, id);
	r.flags = final ? CSP_FLAG_FINAL : 0;
	r.interval = 300000;
	r.timestamp = 3723000000ULL; /* 1:02:03 */
	csp_set_text(r.location, "host: 192.0.2.1");
	csp_set_text(r.status, status);
	for (i = 0; i < n && i < 3; i++) {
		a[i].receiver = csp_id(CSP_GROUP_PR, 0x10 + (unsigned)i);
		a[i].duration = i == 0 ? CSP_DURATION_UNKNOWN : 61000000;
		a[i].flags = 0;
		a[i].protocol = i == 2 ? 6 : 132;
		a[i].ppid = i == 0 ? 12 : i == 1 ? 0x99 : 0;
	}
	r.nassocs = (uint16_t)n;
	r.assocs = a;
	wbuf_init(&w, out, max);
	return csp_encode(&r, &w) == 0 ? w.len : 0;
}

static char *
print_table(struct cspmon *m, const struct cspmon_fmt *fmt, uint64_t now)
{
	static char out[8192];
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");

	memset(out, 0, sizeof(out));
	cspmon_print(m, f, fmt, now);
	fclose(f);
	return out;
}

static void
test_monitor(void)
{
	struct cspmon m;
	struct cspmon_fmt fmt = {1, 0, 6, 42, 24, 72};
	uint8_t buf[1024];
	const struct cspmon_entry *e;
	size_t len;
	char *s, id[32], p[48];
	uint64_t i;

	test_section("monitor");
	cspmon_init(&m);
	len = report(buf, sizeof(buf), csp_id(CSP_GROUP_PR, 0xabcd), 2, 0,
	    "1[1] PEs in 1 Pool, 1 Peer");
	CHECK(cspmon_input(&m, buf, len, 1000) == 0);
	len = report(
	    buf, sizeof(buf), csp_id(CSP_GROUP_PE, 0x1234), 3, 0, "1 Session");
	CHECK(cspmon_input(&m, buf, len, 1000) == 0);
	len = report(buf, sizeof(buf), csp_id(CSP_GROUP_PU, 0x42), 0, 0,
	    "bad\x1b[2Jtext");
	CHECK(cspmon_input(&m, buf, len, 1500) == 0);
	CHECK(m.n == 3 && cspmon_count(&m, CSP_GROUP_PE) == 1);
	e = cspmon_find(&m, csp_id(CSP_GROUP_PU, 0x42));
	CHECK(e != NULL && strcmp(e->status, "bad?[2Jtext") == 0);
	/* An update replaces the entry. */
	len = report(
	    buf, sizeof(buf), csp_id(CSP_GROUP_PE, 0x1234), 1, 0, "2 Sessions");
	CHECK(cspmon_input(&m, buf, len, 1200) == 0);
	e = cspmon_find(&m, csp_id(CSP_GROUP_PE, 0x1234));
	CHECK(e != NULL && e->nassocs == 1 && e->last_ms == 1200);
	CHECK(m.n == 3);

	s = print_table(&m, &fmt, 1700);
	CHECK(strstr(s, "Current Component Status -- 1 PRs, 1 PEs, 1 PUs\n") ==
	      s);
	/* Labels padded to the longest one (the PU's). */
	CHECK(strstr(s, "PR $0000abcd [host: 192.0.2.1]       U=01:02:03 "
	                "l=0.7s A=2 \"1[1] PEs in 1 Pool, 1 Peer\"\n") != NULL);
	CHECK(strstr(s, "   -> PR $00000010 ENRP/SCTP\n") != NULL);
	CHECK(strstr(s, "   -> PR $00000011 $00000099/SCTP  "
	                "duration=0:01:01\n") != NULL);
	CHECK(strstr(s, "PU $00000000000042 [host: 192.0.2.1]") != NULL);
	CHECK(strchr(s, '\x1b') == NULL);
	/* Order: PR, PE, PU. */
	CHECK(strstr(s, "PR $") < strstr(s, "PE $") &&
	      strstr(s, "PE $") < strstr(s, "PU $"));
	fmt.full = 0;
	s = print_table(&m, &fmt, 1700);
	CHECK(strstr(s, "->") == NULL);
	fmt.color = 1;
	s = print_table(&m, &fmt, 1700);
	CHECK(strstr(s, "\x1b[31;1mPR $0000abcd") != NULL);
	CHECK(strstr(s, "\x1b[2J") == NULL); /* the report's escape, no */
	fmt.color = 0;
	fmt.maxpe = 0;
	s = print_table(&m, &fmt, 1700);
	CHECK(strstr(s, "(1 further PEs have been hidden)") != NULL);
	CHECK(strstr(s, "PE $") == NULL);
	fmt.maxpe = 42;
	fmt.maxlocation = 5;
	s = print_table(&m, &fmt, 1700);
	CHECK(strstr(s, "[ho...]") != NULL);

	/* Purge after 10 x 300 ms of silence (less than -purgeinterval). */
	CHECK(cspmon_purge(&m, 3900, 30000) == 0);
	CHECK(cspmon_purge(&m, 4101, 30000) == 1 && m.n == 2);
	CHECK(cspmon_find(&m, csp_id(CSP_GROUP_PR, 0xabcd)) == NULL);
	CHECK(cspmon_purge(&m, 4101, 1000) == 2 && m.n == 0);

	/* A final report removes the component at once. */
	len = report(buf, sizeof(buf), csp_id(CSP_GROUP_PE, 0x1234), 0, 0, "x");
	CHECK(cspmon_input(&m, buf, len, 5000) == 0 && m.n == 1);
	len = report(buf, sizeof(buf), csp_id(CSP_GROUP_PE, 0x1234), 0, 1, "");
	CHECK(cspmon_input(&m, buf, len, 5001) == 0 && m.n == 0);
	CHECK(m.finals == 1);

	/* Garbage is dropped and counted. */
	CHECK(cspmon_input(&m, "hello", 5, 5002) == -1);
	len = report(buf, sizeof(buf), csp_id(CSP_GROUP_PE, 1), 1, 0, "x");
	CHECK(cspmon_input(&m, buf, len - 1, 5002) == -1);
	buf[7] = 0x03; /* version */
	CHECK(cspmon_input(&m, buf, len, 5002) == -1);
	CHECK(m.dropped == 3 && m.n == 0);

	/* The table is bounded. */
	for (i = 0; i < CSPMON_MAX_ENTRIES + 10; i++) {
		len = report(
		    buf, sizeof(buf), csp_id(CSP_GROUP_PU, i + 1), 0, 0, "x");
		cspmon_input(&m, buf, len, 6000);
	}
	CHECK(m.n == CSPMON_MAX_ENTRIES && m.dropped == 13);
	cspmon_fini(&m);

	cspmon_id_str(csp_id(7, 0x5), id, sizeof(id));
	CHECK(strcmp(id, "ID $00000000000005") == 0);
	cspmon_proto_str(999, 35, p, sizeof(p));
	CHECK(strcmp(p, "Scripting/$03e7") == 0);
	cspmon_proto_str(17, 0, p, sizeof(p));
	CHECK(strcmp(p, "Data/UDP") == 0);
}

int
main(void)
{
	struct pcap_out po;

	test_config();
	test_location();
	CHECK(pcap_out_open(&po, OUT "csp-reporter.pcap") == 0);
	test_reporter(&po);
	test_registrar_report(&po);
	CHECK(pcap_out_close(&po) == 0);
	test_monitor();
	return test_done();
}
