/*
 * What a build without the csp feature has (mk/features.mk, README
 * "Build-time features"): no -cspserver or -cspinterval (an empty
 * table: the parser calls them unknown and names the feature), and a
 * reporter that is never there, so that the applets call the same
 * functions in every build.  The CSP codec (proto/csp.c) stays: it is
 * bytes and structs only, and what the linker does not need it drops.
 */
#include <stddef.h>

#include "core/csp_report.h"
#include "core/tools/csp_app.h"

const struct opt csp_opts[] = {OPT_END};

int
csp_config_check(struct csp_config *c, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	c->enabled = 0;
	return 0;
}

struct csp_reporter *
csp_reporter_new(struct ev_loop *loop, const struct csp_config *c,
    uint64_t sender, csp_fill_fn *fill, void *arg)
{
	(void)loop, (void)c, (void)sender, (void)fill, (void)arg;
	return NULL;
}

void
csp_reporter_free(struct csp_reporter *rep)
{
	(void)rep;
}

void
csp_reporter_set_sender(struct csp_reporter *rep, uint64_t sender)
{
	(void)rep, (void)sender;
}

void
csp_reporter_set_port(struct csp_reporter *rep, uint16_t port)
{
	(void)rep, (void)port;
}

void
csp_reporter_add_assoc(struct csp_reporter *rep, unsigned group,
    uint64_t object, uint64_t duration_us, uint16_t protocol, uint32_t ppid)
{
	(void)rep, (void)group, (void)object, (void)duration_us;
	(void)protocol, (void)ppid;
}

void
csp_fill_app(struct csp_reporter *rep, struct csp_report *r, void *arg)
{
	(void)rep, (void)r, (void)arg;
}

uint64_t
csp_reporter_sent(const struct csp_reporter *rep)
{
	(void)rep;
	return 0;
}

uint64_t
csp_reporter_failed(const struct csp_reporter *rep)
{
	(void)rep;
	return 0;
}

uint64_t
csp_reporter_since_us(const struct csp_reporter *rep, uint64_t since_ms)
{
	(void)rep, (void)since_ms;
	return 0;
}

void
csp_location(char *s, size_t n, uint16_t port)
{
	(void)port;
	if (n > 0)
		s[0] = '\0';
}
