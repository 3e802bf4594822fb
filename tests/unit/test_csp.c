/*
 * Component Status Protocol reports (docs/wire.md 8.3): the legacy
 * report of tests/vectors/demo-messages.txt (frame 1, Length 0), its
 * RSPLIB 3.x form, the size checks cspmonitor applies, and building a
 * report from scratch.  Run from the repository root.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/csp.h"
#include "testlib.h"
#include "vecfile.h"

#define DEMO_FILE "tests/vectors/demo-messages.txt"

static void
roundtrip(const uint8_t *p, size_t len)
{
	struct csp_report r;
	struct wbuf w;
	uint8_t *copy = malloc(len);

	memcpy(copy, p, len);
	wbuf_init_dynamic(&w, 64, 65535);
	if (CHECK(csp_decode(copy, len, &r) == APP_OK)) {
		CHECK(csp_encode(&r, &w) == 0);
		CHECK_BYTES(w.data, w.len, p, len);
		csp_report_free(&r);
	}
	wbuf_free(&w);
	free(copy);
}

static void
test_demo_report(void)
{
	struct vec_file vf;
	struct csp_report r;
	const struct vec_entry *e = NULL;
	uint8_t *p;
	char s[200];
	size_t i, n;
	int prefix_ok = 1;

	test_section("demo report");
	if (!CHECK(vec_load(DEMO_FILE, &vf) == 0))
		return;
	for (i = 0; i < vf.n && e == NULL; i++)
		if (strcmp(vf.v[i].proto, "COMPONENTSTATUSPROTOCOL") == 0)
			e = &vf.v[i];
	if (!CHECK(e != NULL && e->len == 336)) {
		vec_free(&vf);
		return;
	}
	roundtrip(e->data, e->len);
	if (CHECK(csp_decode(e->data, e->len, &r) == APP_OK)) {
		CHECK(r.legacy_length == 1 && r.flags == 0);
		CHECK(r.sender == UINT64_C(0x0100000000000001));
		CHECK(csp_id_group(r.sender) == CSP_GROUP_PR);
		CHECK(csp_id_object(r.sender) == 1);
		CHECK(r.interval == 333000);
		CHECK(r.workload == CSP_WORKLOAD_NA);
		csp_text(r.status, s, sizeof(s));
		CHECK(strcmp(s, "0 PEs in 0 Pools, 2 Peers") == 0);
		csp_text(r.location, s, 10);
		CHECK(strcmp(s, "::ffff:13") == 0);
		CHECK(r.nassocs == 2);
		CHECK(r.assocs[1].receiver == csp_id(CSP_GROUP_PR, 3));
		CHECK(r.assocs[1].duration == CSP_DURATION_UNKNOWN);
		CHECK(r.assocs[1].protocol == 132 && r.assocs[1].ppid == 12);
		csp_report_free(&r);
	}

	/* The same report in RSPLIB 3.x form: Length = size. */
	p = malloc(e->len + 24);
	memcpy(p, e->data, e->len);
	p[2] = 0x01;
	p[3] = 0x50;
	roundtrip(p, e->len);
	CHECK(csp_decode(p, e->len, &r) == APP_OK && r.legacy_length == 0);
	csp_report_free(&r);
	/* Length differing from the size: cspmonitor drops it. */
	p[3] = 0x51;
	CHECK(csp_decode(p, e->len, &r) == APP_ERR_LENGTH);
	p[2] = p[3] = 0;
	/* Association count and size disagree (legacy length 0). */
	CHECK(csp_decode(p, e->len - 1, &r) == APP_ERR_COUNT);
	memset(p + e->len, 0, 24);
	CHECK(csp_decode(p, e->len + 24, &r) == APP_ERR_COUNT);
	p[287] = 3;
	roundtrip(p, e->len + 24);
	p[287] = 2;
	/* Other version, other type. */
	p[6] = 0x03;
	CHECK(csp_decode(p, e->len, &r) == APP_ERR_VERSION);
	p[6] = 0x02;
	p[0] = 0x02;
	CHECK(csp_decode(p, e->len, &r) == APP_ERR_TYPE);
	p[0] = 0x01;
	free(p);
	for (n = 0; n < e->len; n++) {
		p = malloc(n ? n : 1);
		memcpy(p, e->data, n);
		if (csp_decode(p, n, &r) == APP_OK) {
			prefix_ok = 0;
			csp_report_free(&r);
		}
		free(p);
	}
	CHECK(prefix_ok);
	CHECK(csp_decode(e->data, 100, &r) == APP_ERR_TRUNCATED);
	/* Legacy Length 0 with more associations than 65535 bytes hold. */
	n = CSP_HEADER_SIZE + (CSP_ASSOCS_MAX + 1) * CSP_ASSOC_SIZE;
	p = calloc(1, n);
	memcpy(p, e->data, CSP_HEADER_SIZE);
	p[286] = (CSP_ASSOCS_MAX + 1) >> 8;
	p[287] = (CSP_ASSOCS_MAX + 1) & 0xff;
	CHECK(csp_decode(p, n, &r) == APP_ERR_TOO_LONG);
	p[286] = CSP_ASSOCS_MAX >> 8;
	p[287] = CSP_ASSOCS_MAX & 0xff;
	roundtrip(p, n - CSP_ASSOC_SIZE);
	free(p);
	vec_free(&vf);
}

static void
test_build(void)
{
	struct csp_assoc a[1];
	struct csp_report r, d;
	struct wbuf w;
	char s[CSP_TEXT_SIZE + 10];
	char longtext[300];

	test_section("build");
	CHECK(csp_id(CSP_GROUP_PE, UINT64_C(0xff12345678)) ==
	      UINT64_C(0x020000ff12345678));
	CHECK(csp_id(CSP_GROUP_PU, UINT64_C(0xffffffffffffffff)) ==
	      UINT64_C(0x03ffffffffffffff));
	CHECK(strcmp(csp_group_name(CSP_GROUP_PE), "Pool Element") == 0);
	CHECK(csp_workload(-1) == CSP_WORKLOAD_NA);
	CHECK(csp_workload(0.5) == 0x7fff && csp_workload(1.0) == 0xfffe &&
	      csp_workload(2.0) == 0xfffe && csp_workload(0) == 0);

	csp_report_init(&r, csp_id(CSP_GROUP_PE, 0x12345678));
	csp_set_text(r.location, "pe1: 10.1.1.1:7");
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	csp_set_text(r.status, longtext);
	csp_text(r.status, s, sizeof(s));
	CHECK(strlen(s) == CSP_TEXT_SIZE - 1 && r.status[127] == 0);
	csp_set_text(r.status, "1 Sessions");
	r.flags = CSP_FLAG_FINAL;
	r.interval = 1000000;
	memset(a, 0, sizeof(a));
	a[0].receiver = csp_id(CSP_GROUP_PR, 0xabcd);
	a[0].duration = 5000000;
	a[0].protocol = 132;
	a[0].ppid = 11;
	r.assocs = a;
	r.nassocs = 1;
	wbuf_init_dynamic(&w, 64, 65535);
	CHECK(csp_size(&r) == 312);
	CHECK(csp_encode(&r, &w) == 0 && w.len == 312);
	CHECK(w.data[2] == 0x01 && w.data[3] == 0x38);
	if (CHECK(csp_decode(w.data, w.len, &d) == APP_OK)) {
		CHECK(d.flags == CSP_FLAG_FINAL && d.nassocs == 1 &&
		      d.assocs[0].ppid == 11 &&
		      d.assocs[0].duration == 5000000);
		csp_text(d.location, s, sizeof(s));
		CHECK(strcmp(s, "pe1: 10.1.1.1:7") == 0);
		csp_report_free(&d);
	}
	r.nassocs = CSP_ASSOCS_MAX + 1;
	CHECK(csp_size(&r) == 0 && csp_encode(&r, &w) == -1);
	r.assocs = NULL;
	r.nassocs = 1;
	CHECK(csp_encode(&r, &w) == -1);
	wbuf_free(&w);
}

/* The field tables are contiguous and add up to the fixed sizes. */
static void
test_tables(void)
{
	const struct csp_field *f;
	size_t n, i, off;
	int ok;

	test_section("tables");
	f = csp_report_fields(&n);
	for (i = 0, off = 0, ok = 1; i < n; off += f[i].size, i++)
		ok &= f[i].offset == off;
	CHECK(ok && off == CSP_HEADER_SIZE && n == 11);
	CHECK(strcmp(f[8].name, "Status") == 0 && f[8].offset == 156);
	f = csp_assoc_fields(&n);
	for (i = 0, off = 0, ok = 1; i < n; off += f[i].size, i++)
		ok &= f[i].offset == off;
	CHECK(ok && off == CSP_ASSOC_SIZE && n == 5);
}

int
main(void)
{
	test_tables();
	test_demo_report();
	test_build();
	return test_done();
}
