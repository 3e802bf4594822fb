/*
 * Address prefixes (core/prefix.h): parsed with inet_pton, compared bit
 * by bit.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prefix.h"

int
prefix_parse(const char *s, struct addr_prefix *p, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long bits;
	int max;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(
		    err, errlen, "%.40s...: too long for an address prefix", s);
		return -1;
	}
	strcpy(buf, s);
	memset(p, 0, sizeof(*p));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, p->a) == 1)
		p->family = AF_INET, max = 32;
	else if (inet_pton(AF_INET6, buf, p->a) == 1)
		p->family = AF_INET6, max = 128;
	else {
		snprintf(err, errlen,
		    "%s: not an address prefix (expected ADDR or ADDR/BITS, "
		    "numeric)",
		    s);
		return -1;
	}
	p->bits = max;
	if (slash == NULL)
		return 0;
	bits = strtol(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || bits < 0 || bits > max) {
		snprintf(
		    err, errlen, "%s: prefix length must be 0..%d", s, max);
		return -1;
	}
	p->bits = (int)bits;
	return 0;
}

int
prefix_list_parse(
    const char *s, struct prefix_list *l, char *err, size_t errlen)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	if ((copy = strdup(s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		if (l->n >= PREFIX_MAX) {
			snprintf(
			    err, errlen, "more than %d prefixes", PREFIX_MAX);
			rc = -1;
		} else if (prefix_parse(tok, &l->p[l->n], err, errlen) == 0)
			l->n++;
		else
			rc = -1;
	}
	free(copy);
	return rc;
}

/* The first `bits` bits of a and b are equal. */
static int
bits_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & mask) == 0;
}

int
prefix_match(const struct addr_prefix *p, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *a;

	if (sa->sa_family == AF_INET && p->family == AF_INET)
		return bits_equal(p->a,
		    (const uint8_t *)&((const struct sockaddr_in *)sa)
		        ->sin_addr,
		    p->bits);
	if (sa->sa_family != AF_INET6)
		return 0;
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (p->family == AF_INET6)
		return bits_equal(p->a, a, p->bits);
	return memcmp(a, mapped, sizeof(mapped)) == 0 &&
	       bits_equal(p->a, a + 12, p->bits);
}

int
prefix_list_match(const struct prefix_list *l, const struct sockaddr *sa)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (prefix_match(&l->p[i], sa))
			return 1;
	return 0;
}
