/*
 * Address parsing, formatting and classification (see addr.h).
 * inet_pton() only: getaddrinfo(AI_NUMERICHOST) would also take
 * "127.1" and "0x7f.0.0.1" through inet_aton(), which nobody means.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"

#define ELEM_MAX 96 /* longest element we bother to look at */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- small helpers on sockaddrs ---- */

socklen_t
addr_len(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

uint16_t
addr_port(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	case AF_INET6:
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	default:
		return 0;
	}
}

void
addr_set_port(struct sockaddr *sa, uint16_t port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

int
addr_equal_host(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in6 *a6, *b6;

	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family != AF_INET6)
		return 0;
	a6 = (const struct sockaddr_in6 *)a;
	b6 = (const struct sockaddr_in6 *)b;
	return memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0 &&
	       a6->sin6_scope_id == b6->sin6_scope_id;
}

int
addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	return addr_equal_host(a, b) && addr_port(a) == addr_port(b);
}

int
addr_is_unspecified(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

int
addr_normalize(struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in s4 = {0};

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return 0;
	s4.sin_family = AF_INET;
	s4.sin_port = s6->sin6_port;
	memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &s4, sizeof(s4));
	return 1;
}

/* ---- parsing ---- */

static int
parse_port(const char *s, int flags, uint16_t *port, const char *whole,
    char *err, size_t errlen)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0') {
		seterr(err, errlen, "%s: missing port after ':'", whole);
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || p - s > 5) {
			seterr(err, errlen, "%s: bad port '%s'", whole, s);
			return -1;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535 || (v == 0 && !(flags & ADDR_PORT_ZERO_OK))) {
		seterr(err, errlen, "%s: port out of range %d-65535", whole,
		    flags & ADDR_PORT_ZERO_OK ? 0 : 1);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

static int
looks_like_hostname(const char *s)
{
	for (; *s != '\0'; s++)
		if (isalpha((unsigned char)*s))
			return 1;
	return 0;
}

static int
parse_zone(const char *zone, uint32_t *scope_id)
{
	char *end;
	unsigned long v;

	if (*zone == '\0')
		return -1;
	if (isdigit((unsigned char)*zone)) {
		errno = 0;
		v = strtoul(zone, &end, 10);
		if (*end != '\0' || errno != 0 || v > UINT32_MAX)
			return -1;
		*scope_id = (uint32_t)v;
		return 0;
	}
	return (*scope_id = if_nametoindex(zone)) == 0 ? -1 : 0;
}

/* host is writable: a '%zone' suffix is cut off. */
static int
parse_host6(char *host, struct sockaddr_storage *ss, const char *whole,
    char *err, size_t errlen)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char *zone = strchr(host, '%');

	if (zone != NULL)
		*zone++ = '\0';
	memset(ss, 0, sizeof(*ss));
	s6->sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
		seterr(err, errlen, "%s: not an IPv6 address", whole);
		return -1;
	}
	if (zone != NULL && parse_zone(zone, &s6->sin6_scope_id) == -1) {
		seterr(err, errlen, "%s: unknown interface '%s'", whole, zone);
		return -1;
	}
	return 0;
}

static int
parse_host4(const char *host, struct sockaddr_storage *ss, const char *whole,
    char *err, size_t errlen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	s4->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1)
		return 0;
	if (*host == '\0')
		seterr(err, errlen, "%s: missing address", whole);
	else if (looks_like_hostname(host))
		seterr(err, errlen,
		    "%s: hostnames are not supported, give a numeric address",
		    whole);
	else
		seterr(err, errlen, "%s: not an IPv4 address", whole);
	return -1;
}

/* "[v6]" or "[v6]:port"; elem is writable. */
static int
parse_bracketed(char *elem, struct sockaddr_storage *ss, int flags,
    int *has_port, uint16_t *port, const char *whole, char *err, size_t errlen)
{
	char *rb = strchr(elem, ']');

	if (rb == NULL) {
		seterr(err, errlen, "%s: missing ']'", whole);
		return -1;
	}
	*rb = '\0';
	if (strchr(elem + 1, '[') != NULL) {
		seterr(err, errlen, "%s: bad brackets", whole);
		return -1;
	}
	if (rb[1] != '\0' && rb[1] != ':') {
		seterr(err, errlen, "%s: junk after ']'", whole);
		return -1;
	}
	if (parse_host6(elem + 1, ss, whole, err, errlen) == -1)
		return -1;
	if (rb[1] == ':') {
		if (parse_port(rb + 2, flags, port, whole, err, errlen) == -1)
			return -1;
		*has_port = 1;
	}
	return 0;
}

static int
is_auto(const char *s)
{
	return strncmp(s, "auto", 4) == 0 && (s[4] == '\0' || s[4] == ':');
}

/*
 * One list element, without default port handling.  *has_port tells
 * whether it named a port; the port is not yet stored in ss.
 */
static int
parse_elem(const char *s, size_t len, struct sockaddr_storage *ss, int flags,
    int *has_port, uint16_t *port, char *err, size_t errlen)
{
	char elem[ELEM_MAX], whole[ELEM_MAX];
	char *colon;
	int rc;

	*has_port = 0;
	if (len >= sizeof(elem)) {
		seterr(err, errlen, "%.20s...: address too long", s);
		return -1;
	}
	memcpy(elem, s, len);
	elem[len] = '\0';
	memcpy(whole, elem, len + 1);
	if (len == 0) {
		seterr(err, errlen, "empty address in list");
		return -1;
	}
	if (is_auto(elem)) {
		seterr(err, errlen, "%s: 'auto' must stand alone", whole);
		return -1;
	}
	if (elem[0] == '[')
		rc = parse_bracketed(
		    elem, ss, flags, has_port, port, whole, err, errlen);
	else if (strchr(elem, ']') != NULL) {
		seterr(err, errlen, "%s: ']' without '['", whole);
		rc = -1;
	} else if ((colon = strchr(elem, ':')) != NULL &&
	           strchr(colon + 1, ':') != NULL)
		rc = parse_host6(elem, ss, whole, err, errlen);
	else {
		if (colon != NULL)
			*colon = '\0';
		rc = parse_host4(elem, ss, whole, err, errlen);
		if (rc == 0 && colon != NULL) {
			rc = parse_port(
			    colon + 1, flags, port, whole, err, errlen);
			*has_port = rc == 0;
		}
	}
	if (rc == 0)
		addr_normalize(ss);
	return rc;
}

/* "auto" or "auto:port" as the whole list. */
static int
parse_auto(struct addr_list *al, const char *s, uint16_t default_port,
    int flags, char *err, size_t errlen)
{
	uint16_t port = default_port;

	if (!(flags & ADDR_AUTO_OK)) {
		seterr(err, errlen, "%s: 'auto' is not allowed here", s);
		return -1;
	}
	if (s[4] == ':' &&
	    parse_port(s + 5, flags, &port, s, err, errlen) == -1)
		return -1;
	if (s[4] != ':' && (flags & ADDR_PORT_REQUIRED)) {
		seterr(err, errlen, "%s: no port given", s);
		return -1;
	}
	al->is_auto = 1;
	al->port = port;
	return 0;
}

/* Record one element's port, insisting that all named ports agree. */
static int
merge_port(int *have, uint16_t *port, uint16_t p, const char *s, char *err,
    size_t errlen)
{
	if (*have && *port != p) {
		seterr(err, errlen,
		    "%s: ports %u and %u differ; all addresses in a list "
		    "share one port",
		    s, *port, p);
		return -1;
	}
	*have = 1;
	*port = p;
	return 0;
}

static int
list_finish(struct addr_list *al, int have_port, uint16_t port,
    uint16_t default_port, int flags, const char *s, char *err, size_t errlen)
{
	int i;

	if (!have_port) {
		if (flags & ADDR_PORT_REQUIRED) {
			seterr(err, errlen, "%s: no port given", s);
			return -1;
		}
		port = default_port;
	}
	al->port = port;
	for (i = 0; i < al->n; i++)
		addr_set_port((struct sockaddr *)&al->a[i], port);
	return 0;
}

int
addr_list_parse(struct addr_list *al, const char *s, uint16_t default_port,
    int flags, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	const char *p, *comma;
	int have_port = 0, elem_has_port, i;
	uint16_t port = 0, p16;

	memset(al, 0, offsetof(struct addr_list, a));
	if (is_auto(s))
		return parse_auto(al, s, default_port, flags, err, errlen);
	for (p = s;; p = comma + 1) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		if (al->n == ADDR_MAX) {
			seterr(err, errlen, "more than %d addresses in '%.40s'",
			    ADDR_MAX, s);
			return -1;
		}
		if (parse_elem(p, (size_t)(comma - p), &ss, flags,
		        &elem_has_port, &p16, err, errlen) == -1)
			return -1;
		if (elem_has_port &&
		    merge_port(&have_port, &port, p16, s, err, errlen) == -1)
			return -1;
		for (i = 0; i < al->n; i++)
			if (addr_equal_host((struct sockaddr *)&al->a[i],
			        (struct sockaddr *)&ss)) {
				seterr(err, errlen, "%.*s: listed twice",
				    (int)(comma - p), p);
				return -1;
			}
		al->a[al->n++] = ss;
		if (*comma == '\0')
			break;
	}
	return list_finish(
	    al, have_port, port, default_port, flags, s, err, errlen);
}

int
addr_parse(struct sockaddr_storage *ss, const char *s, uint16_t default_port,
    int flags, char *err, size_t errlen)
{
	int has_port;
	uint16_t port;

	if (strchr(s, ',') != NULL) {
		seterr(err, errlen, "%s: one address expected, not a list", s);
		return -1;
	}
	if (is_auto(s)) {
		seterr(err, errlen, "%s: 'auto' is not allowed here", s);
		return -1;
	}
	if (parse_elem(
	        s, strlen(s), ss, flags, &has_port, &port, err, errlen) == -1)
		return -1;
	if (!has_port) {
		if (flags & ADDR_PORT_REQUIRED) {
			seterr(err, errlen, "%s: no port given", s);
			return -1;
		}
		port = default_port;
	}
	addr_set_port((struct sockaddr *)ss, port);
	return 0;
}

int
addr_list_add(struct addr_list *al, const struct sockaddr *sa)
{
	socklen_t len = addr_len(sa);
	int i;

	if (len == 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	for (i = 0; i < al->n; i++)
		if (addr_equal_host((struct sockaddr *)&al->a[i], sa)) {
			errno = EEXIST;
			return -1;
		}
	if (al->n == ADDR_MAX) {
		errno = ENOSPC;
		return -1;
	}
	memset(&al->a[al->n], 0, sizeof(al->a[0]));
	memcpy(&al->a[al->n], sa, len);
	addr_normalize(&al->a[al->n]);
	addr_set_port((struct sockaddr *)&al->a[al->n], al->port);
	al->n++;
	return 0;
}

int
addr_list_filter_scope(struct addr_list *al, enum addr_scope min)
{
	int i, j = 0;

	for (i = 0; i < al->n; i++)
		if (addr_scope_ok((struct sockaddr *)&al->a[i], min))
			al->a[j++] = al->a[i];
	i = al->n - j;
	al->n = j;
	return i;
}

int
addr_list_local(struct addr_list *al, uint16_t port, enum addr_scope min,
    char *err, size_t errlen)
{
	struct ifaddrs *ifa, *it;

	memset(al, 0, offsetof(struct addr_list, a));
	al->port = port;
	if (getifaddrs(&ifa) == -1) {
		seterr(err, errlen, "getifaddrs: %s", strerror(errno));
		return -1;
	}
	for (it = ifa; it != NULL; it = it->ifa_next) {
		if (it->ifa_addr == NULL || !(it->ifa_flags & IFF_UP) ||
		    addr_len(it->ifa_addr) == 0 ||
		    !addr_scope_ok(it->ifa_addr, min))
			continue;
		(void)addr_list_add(al, it->ifa_addr); /* dups, overflow */
	}
	freeifaddrs(ifa);
	if (al->n == 0) {
		seterr(err, errlen, "no local address of scope %s or wider",
		    addr_scope_name(min));
		return -1;
	}
	return 0;
}

/* ---- formatting ---- */

const char *
addr_fmt_host(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	char host[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	const void *a;

	if (len == 0)
		return buf;
	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &s6->sin6_addr;
	else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
		return buf;
	}
	if (inet_ntop(sa->sa_family, a, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	if (sa->sa_family == AF_INET6 && s6->sin6_scope_id != 0) {
		if (if_indextoname(s6->sin6_scope_id, ifname) == NULL)
			snprintf(
			    ifname, sizeof(ifname), "%u", s6->sin6_scope_id);
		snprintf(buf, len, "%s%%%s", host, ifname);
	} else
		snprintf(buf, len, "%s", host);
	return buf;
}

const char *
addr_fmt(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[ADDR_FMT_LEN];

	addr_fmt_host(sa, host, sizeof(host));
	if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, addr_port(sa));
	else if (sa->sa_family == AF_INET)
		snprintf(buf, len, "%s:%u", host, addr_port(sa));
	else
		snprintf(buf, len, "%s", host);
	return buf;
}

const char *
addr_list_fmt(const struct addr_list *al, char *buf, size_t len)
{
	char host[ADDR_FMT_LEN], one[ADDR_FMT_LEN + 3];
	size_t used = 0, n, at;
	int i;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (al->is_auto)
		used = (size_t)snprintf(buf, len, "auto");
	for (i = 0; i < al->n && used < len; i++) {
		addr_fmt_host(
		    (const struct sockaddr *)&al->a[i], host, sizeof(host));
		n = (size_t)snprintf(one, sizeof(one),
		    al->a[i].ss_family == AF_INET6 ? "%s[%s]" : "%s%s",
		    i ? "," : "", host);
		if (used + n >= len)
			break;
		memcpy(buf + used, one, n + 1);
		used += n;
	}
	if (i < al->n) { /* truncated: end in "..." */
		at = len > 4 ? len - 4 : 0;
		if (used < at)
			at = used;
		snprintf(buf + at, len - at, "...");
		return buf;
	}
	if (al->port != 0 && used < len)
		snprintf(buf + used, len - used, ":%u", al->port);
	return buf;
}

/* ---- scopes ---- */

static enum addr_scope
scope4(uint32_t a)
{
	if ((a >> 24) == 127 || a == 0)
		return ADDR_SCOPE_LOOPBACK;
	if ((a >> 16) == 0xa9fe) /* 169.254/16 */
		return ADDR_SCOPE_LINKLOCAL;
	if ((a >> 24) == 10 || (a >> 20) == 0xac1 || /* 172.16/12 */
	    (a >> 16) == 0xc0a8)                     /* 192.168/16 */
		return ADDR_SCOPE_SITELOCAL;
	return ADDR_SCOPE_GLOBAL;
}

static enum addr_scope
scope6(const struct in6_addr *a)
{
	uint32_t v4;

	if (IN6_IS_ADDR_V4MAPPED(a)) {
		memcpy(&v4, &a->s6_addr[12], 4);
		return scope4(ntohl(v4));
	}
	if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a))
		return ADDR_SCOPE_LOOPBACK;
	if (IN6_IS_ADDR_LINKLOCAL(a))
		return ADDR_SCOPE_LINKLOCAL;
	if (IN6_IS_ADDR_SITELOCAL(a) || (a->s6_addr[0] & 0xfe) == 0xfc)
		return ADDR_SCOPE_SITELOCAL;
	return ADDR_SCOPE_GLOBAL;
}

enum addr_scope
addr_scope(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return scope4(
		    ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6)
		return scope6(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return ADDR_SCOPE_LOOPBACK; /* unknown: the least trusted */
}

static const char *const scope_names[] = {
    [ADDR_SCOPE_LOOPBACK] = "loopback",
    [ADDR_SCOPE_LINKLOCAL] = "link-local",
    [ADDR_SCOPE_SITELOCAL] = "site-local",
    [ADDR_SCOPE_GLOBAL] = "global",
};

const char *
addr_scope_name(enum addr_scope scope)
{
	if ((unsigned)scope >= sizeof(scope_names) / sizeof(scope_names[0]))
		return "?";
	return scope_names[scope];
}

int
addr_scope_parse(
    const char *s, enum addr_scope *scope, char *err, size_t errlen)
{
	unsigned i;

	for (i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
		if (strcmp(s, scope_names[i]) == 0) {
			*scope = (enum addr_scope)i;
			return 0;
		}
	seterr(err, errlen,
	    "%s: unknown address scope (loopback, link-local, site-local, "
	    "global)",
	    s);
	return -1;
}

int
addr_scope_ok(const struct sockaddr *sa, enum addr_scope min)
{
	return addr_scope(sa) >= min;
}

/* ---- wire form ---- */

int
addr_to_rsp(const struct sockaddr *sa, struct rsp_addr *ra)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_len(sa);

	if (len == 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len);
	addr_normalize(&ss);
	memset(ra, 0, sizeof(*ra));
	ra->family = (uint8_t)ss.ss_family;
	if (ss.ss_family == AF_INET)
		memcpy(ra->a, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(ra->a, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	return 0;
}

int
addr_from_rsp(
    const struct rsp_addr *ra, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (ra->family == AF_INET) {
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, ra->a, 4);
	} else if (ra->family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, ra->a, 16);
		addr_normalize(ss);
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	addr_set_port((struct sockaddr *)ss, port);
	return 0;
}
