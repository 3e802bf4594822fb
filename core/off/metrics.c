/*
 * What a build without the metrics feature has (mk/features.mk, README
 * "Build-time features"): no -metrics, -metricsfile, -statusfile,
 * -metricsinterval or -metricspools (empty tables: the parser calls
 * them unknown and names the feature), and an exporter that is always
 * off, so that the applets call the same functions in every build.
 */
#include <stddef.h>

#include "core/metrics_export.h"
#include "core/registrar/registrar.h"
#include "core/tools/metrics_app.h"

const struct opt mx_opts[] = {OPT_END};
const struct opt reg_metrics_opts[] = {OPT_END};

int
mx_config_check(struct mx_config *c, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	c->enabled = 0;
	return 0;
}

struct mx_exporter *
mx_exporter_new(struct ev_loop *loop, const struct mx_config *c,
    const char *applet, const char *pool, mx_fill_fn *fill, void *arg,
    char *err, size_t errlen)
{
	(void)loop, (void)c, (void)applet, (void)pool, (void)fill, (void)arg;
	if (errlen > 0)
		err[0] = '\0'; /* off, not failed */
	return NULL;
}

void
mx_exporter_free(struct mx_exporter *x)
{
	(void)x;
}

void
mx_fill_app(struct mx *m, void *arg)
{
	(void)m, (void)arg;
}

void
reg_metrics_fill(struct mx *m, void *arg)
{
	(void)m, (void)arg;
}
