/* The metrics snapshot and its formats (core/metrics.c), and the
 * exporter's options and common families (core/metrics_export.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/metrics.h"
#include "core/metrics_export.h"
#include "testlib.h"

/* What a formatter writes for m, as a malloc'd string. */
static char *
render(const struct mx *m, int json)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (json)
		mx_write_json(m, f);
	else
		mx_write_prom(m, f);
	fclose(f);
	return s;
}

static struct mx *
sample_set(void)
{
	struct mx *m = mx_new();

	mx_const_label(m, "applet", "server");
	mx_one(m, "rsp_x_pools", MX_GAUGE, "pools", 3);
	mx_family(m, "rsp_x_refusals_total", MX_COUNTER, "refusals\nby cause");
	mx_add1(m, "cause", "invalid_values", 2);
	mx_add2(m, "cause", "a\"b\\c\nd", "kind", "new", 12345678901234);
	mx_one(m, "rsp_x_ratio", MX_GAUGE, "a fraction", 0.25);
	return m;
}

static void
test_prom(void)
{
	struct mx *m = sample_set();
	char *s = render(m, 0);

	test_section("Prometheus text format");
	CHECK(strcmp(s,
	          "# HELP rsp_x_pools pools\n"
	          "# TYPE rsp_x_pools gauge\n"
	          "rsp_x_pools{applet=\"server\"} 3\n"
	          "# HELP rsp_x_refusals_total refusals\\nby cause\n"
	          "# TYPE rsp_x_refusals_total counter\n"
	          "rsp_x_refusals_total{applet=\"server\",cause=\"invalid_"
	          "values\"} 2\n"
	          "rsp_x_refusals_total{applet=\"server\",cause=\"a\\\"b\\\\c"
	          "\\nd\",kind=\"new\"} 12345678901234\n"
	          "# HELP rsp_x_ratio a fraction\n"
	          "# TYPE rsp_x_ratio gauge\n"
	          "rsp_x_ratio{applet=\"server\"} 0.25\n") == 0);
	free(s);
	mx_free(m);
}

static void
test_json(void)
{
	struct mx *m = sample_set();
	char *s = render(m, 1);

	test_section("JSON");
	CHECK(strcmp(s,
	          "{\"labels\":{\"applet\":\"server\"},\"metrics\":{\n"
	          "\"rsp_x_pools\":{\"type\":\"gauge\",\"help\":\"pools\","
	          "\"samples\":[{\"labels\":{},\"value\":3}]},\n"
	          "\"rsp_x_refusals_total\":{\"type\":\"counter\",\"help\":"
	          "\"refusals\\u000aby cause\",\"samples\":[{\"labels\":{"
	          "\"cause\":\"invalid_values\"},\"value\":2},{\"labels\":{"
	          "\"cause\":\"a\\\"b\\\\c\\u000ad\",\"kind\":\"new\"},"
	          "\"value\":12345678901234}]},\n"
	          "\"rsp_x_ratio\":{\"type\":\"gauge\",\"help\":\"a fraction\","
	          "\"samples\":[{\"labels\":{},\"value\":0.25}]}}}\n") == 0);
	free(s);
	mx_free(m);
}

static void
test_bounds(void)
{
	struct mx *m = mx_new();
	char big[200];
	char *s;
	int i;

	test_section("bounds");
	mx_add(m, 1); /* no family yet: dropped */
	CHECK(mx_dropped(m) == 1 && mx_samples(m) == 0);
	mx_family(m, "rsp_x_many", MX_GAUGE, "many");
	for (i = 0; i < MX_SAMPLES_MAX + 10; i++)
		mx_add(m, i);
	CHECK(mx_samples(m) == MX_SAMPLES_MAX);
	CHECK(mx_dropped(m) == 11);
	mx_reset(m);
	CHECK(mx_samples(m) == 0 && mx_families(m) == 0 && mx_dropped(m) == 0);
	/* a label value longer than MX_LABEL_LEN is cut, not overrun */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mx_family(m, "rsp_x_long", MX_GAUGE, "long");
	mx_add1(m, "pool", big, 1);
	s = render(m, 0);
	CHECK(strstr(s, "pool=\"xxx") != NULL);
	CHECK(strlen(s) < 60 + MX_LABEL_LEN + 40);
	free(s);
	mx_free(m);
}

static void
test_values(void)
{
	struct mx *m = mx_new();
	char *s;

	test_section("values");
	mx_family(m, "rsp_x_v", MX_GAUGE, "v");
	mx_add(m, 0);
	mx_add(m, 1.5e-3);
	mx_add(m, 9007199254740993.0); /* beyond 2^53: %g */
	mx_add(m, 1.0 / 0.0);          /* never a valid value here: 0 */
	s = render(m, 0);
	CHECK(strstr(s,
	          "rsp_x_v 0\nrsp_x_v 0.0015\nrsp_x_v 9.00719925474099e+15\n"
	          "rsp_x_v 0\n") != NULL);
	free(s);
	mx_free(m);
}

static void
test_common(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct mx *m = mx_new();
	char *s;

	test_section("common families");
	mx_fill_common(m, loop, ev_now_ms(loop), 1700000000.5);
	s = render(m, 0);
	CHECK(strstr(s,
	          "# TYPE rsp_build_info gauge\nrsp_build_info{version=\"") !=
	      NULL);
	CHECK(strstr(s, "rsp_start_time_seconds 1700000000.5\n") != NULL);
	CHECK(strstr(s, "rsp_uptime_seconds 0\n") != NULL);
	CHECK(strstr(s, "# TYPE rsp_process_cpu_seconds_total counter\n") !=
	      NULL);
	CHECK(strstr(s, "rsp_process_open_fds ") != NULL);
	CHECK(strstr(s, "rsp_process_resident_memory_bytes ") != NULL);
	free(s);
	mx_free(m);
	ev_loop_free(loop);
}

static int
check(const char *listen, const char *file, long long interval)
{
	struct mx_config c = {listen, file, NULL, interval, 0, {0}};
	char err[256];

	return mx_config_check(&c, err, sizeof(err));
}

static void
test_config(void)
{
	struct mx_config c = {"", NULL, NULL, 15, 0, {0}};
	char err[256];

	test_section("options");
	CHECK(check(NULL, NULL, 15) == 0);
	CHECK(mx_config_check(&c, err, sizeof(err)) == 0 && c.enabled);
	CHECK(c.addr.ss_family == AF_INET); /* bare: 127.0.0.1:9863 */
	CHECK(check("127.0.0.1:0", NULL, 15) == 0);
	CHECK(check("[::1]:9100", NULL, 15) == 0);
	CHECK(check("127.0.0.1", NULL, 15) == 0);
	c.listen = "nonsense:1";
	CHECK(mx_config_check(&c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "-metrics=nonsense:1") != NULL);
	CHECK(check(NULL, "", 15) == -1);
	CHECK(check(NULL, "/tmp/x.prom", 15) == 0);
}

int
main(void)
{
	test_prom();
	test_json();
	test_bounds();
	test_values();
	test_common();
	test_config();
	return test_done();
}
