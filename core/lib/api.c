/*
 * Library odds and ends: version, error strings, RSPLIB -policy= forms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib/internal.h"
#include "include/rsp.h"
#include "proto/msg.h"

int
rsp_lib_version(void)
{
	return RSP_LIB_VERSION;
}

const char *
rsp_strerror(int err)
{
	switch (err) {
	case RSP_OK:
		return "no error";
	case RSP_ESYSTEM:
		return strerror(errno);
	case RSP_ECONFIG:
		return "invalid configuration";
	case RSP_EREFUSED:
		return "refused by the registrar";
	case RSP_ENOREG:
		return "no registrar reachable";
	case RSP_ENOPE:
		return "no pool element available";
	case RSP_ESTATE:
		return "not possible in the current state";
	case RSP_EMSGSIZE:
		return "message too long";
	case RSP_EAGAIN:
		return "resource temporarily unavailable";
	case RSP_ETIMEDOUT:
		return "timed out";
	case RSP_ENOPOOL:
		return "no such pool";
	}
	return "unknown error";
}

const char *
rsp_strcause(unsigned cause)
{
	return cause > 0xffff ? "unknown cause"
	                      : rsp_cause_name((uint16_t)cause);
}

uint16_t
lib_msg_cause(const struct rsp_msg *m)
{
	if (!(m->present & RSP_HAS_ERROR) || m->error.ncauses == 0)
		return 0;
	return m->error.causes[0].code;
}

/* A fraction 0..1 scaled to 0..0xffffffff (RSPLIB's load values). */
static int
parse_fraction(const char *s, uint32_t *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(d >= 0.0 && d <= 1.0))
		return -1;
	*v = (uint32_t)(d * 4294967295.0 + 0.5);
	return 0;
}

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long u;

	if (*s == '-' || *s == '\0')
		return -1;
	errno = 0;
	u = strtoull(s, &end, 0);
	if (errno || *end != '\0' || u > 0xffffffffULL)
		return -1;
	*v = (uint32_t)u;
	return 0;
}

/* One parameter into field i: load and distance are set at run time. */
static int
parse_field(const char *name, const char **params, int *np, uint32_t *v)
{
	const char *p;

	*v = 0;
	if (strcmp(name, "load") == 0 || strcmp(name, "distance") == 0)
		return 0;
	if (*np == 0)
		return 0; /* RSPLIB: missing parameters are 0 */
	p = params[0];
	memmove(params, params + 1, sizeof(*params) * (size_t)(*np - 1));
	(*np)--;
	if (strcmp(name, "weight") == 0 || strcmp(name, "priority") == 0)
		return parse_u32(p, v);
	return parse_fraction(p, v);
}

int
rsp_policy_parse(const char *s, struct rsp_policy *out)
{
	const struct rsp_policy_info *pi;
	char buf[128], *save = NULL, *tok;
	const char *params[RSP_POLICY_FIELDS + 1];
	int np = 0, i;

	if (s == NULL)
		s = "RoundRobin";
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((tok = strtok_r(buf, ":", &save)) == NULL ||
	    (pi = rsp_policy_lookup(tok)) == NULL || pi->nvalues < 0)
		return -1;
	while ((tok = strtok_r(NULL, ":", &save)) != NULL) {
		if (np == RSP_POLICY_FIELDS)
			return -1;
		params[np++] = tok;
	}
	memset(out, 0, sizeof(*out));
	out->type = pi->type;
	out->nvalues = (uint8_t)pi->nvalues;
	for (i = 0; i < pi->nvalues; i++)
		if (parse_field(pi->fields[i], params, &np, &out->v[i]) == -1)
			return -1;
	return np == 0 ? 0 : -1;
}
