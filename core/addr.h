/*
 * Transport addresses as options spell them, and as the wire carries
 * them (struct rsp_addr of proto/msg.h).
 *
 * Accepted forms, numeric only (no hostname lookups: a daemon that
 * blocks on DNS at startup or re-registration is worse than one that
 * asks for an address):
 *
 *	192.0.2.1:3863   [2001:db8::1]:3863   2001:db8::1   [::1]   192.0.2.1
 *	fe80::1%eth0     [fe80::1%eth0]:3863  auto          auto:3863
 *
 * and comma lists sharing one port, with the port on any one element
 * (several elements may repeat the same port):
 *
 *	127.0.0.1,192.0.2.1:3863        (port last)
 *	127.0.0.1:3863,192.0.2.1        (port first, as RSPLIB writes it)
 *	[::1]:3863,127.0.0.1,2001:db8::1
 *
 * An unbracketed element with more than one ':' is an IPv6 address
 * without a port.  IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are turned
 * into plain IPv4 everywhere.  "auto" stands for "let the daemon choose"
 * (wildcard bind, or all local addresses): the list is then empty with
 * .is_auto set.
 *
 * Errors: -1 and a message in err (errlen bytes, may be NULL) naming the
 * offending text, e.g. "192.0.2.1:70000: port out of range 1-65535".
 */
#ifndef RSP_ADDR_H
#define RSP_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/msg.h"

#define ADDR_MAX 64 /* addresses in one list (RSPLIB's limit too) */
/* "[v6%ifname]:65535" with a NUL, rounded up. */
#define ADDR_FMT_LEN 80
#define ADDR_ERR_LEN 128

/* Flags for addr_parse()/addr_list_parse(). */
#define ADDR_PORT_REQUIRED 0x01 /* no default: some element needs :port */
#define ADDR_PORT_ZERO_OK  0x02 /* accept :0 (ephemeral port) */
#define ADDR_AUTO_OK       0x04 /* accept "auto" / "auto:port" */

struct addr_list {
	int n;         /* addresses in a[] */
	int is_auto;   /* "auto" was given; n == 0 */
	uint16_t port; /* shared port, also set in each a[i] */
	struct sockaddr_storage a[ADDR_MAX];
};

/* Empty al without touching a[] (8 KiB: too much to zero per message;
 * every add zeroes the slot it fills). */
static inline void
addr_list_clear(struct addr_list *al)
{
	al->n = 0;
	al->is_auto = 0;
	al->port = 0;
}

/*
 * RSPLIB's address scopes, in the order -minaddressscope compares them.
 * Unspecified addresses count as loopback; IPv4 site-local means the RFC
 * 1918 ranges; IPv6 site-local means ULA fc00::/7 and the old fec0::/10.
 */
enum addr_scope {
	ADDR_SCOPE_LOOPBACK = 0,  /* 127/8, ::1, 0.0.0.0, :: */
	ADDR_SCOPE_LINKLOCAL = 1, /* 169.254/16, fe80::/10 */
	ADDR_SCOPE_SITELOCAL = 2, /* 10/8, 172.16/12, 192.168/16, fc00::/7 */
	ADDR_SCOPE_GLOBAL = 3,    /* everything else */
};

/* One address.  default_port applies when none is given (0: none). */
int addr_parse(struct sockaddr_storage *ss, const char *s,
    uint16_t default_port, int flags, char *err, size_t errlen);
/* A comma list into al (cleared first). */
int addr_list_parse(struct addr_list *al, const char *s, uint16_t default_port,
    int flags, char *err, size_t errlen);
/* Append one address, taking al->port.  -1/ENOSPC when full, -1/EEXIST
 * when already present (not an error worth more than skipping). */
int addr_list_add(struct addr_list *al, const struct sockaddr *sa);
/* Drop addresses below min; returns how many were dropped. */
int addr_list_filter_scope(struct addr_list *al, enum addr_scope min);
/*
 * Fill al with this host's addresses of scope >= min (getifaddrs), port
 * applied.  -1 with a message if there is none.
 */
int addr_list_local(struct addr_list *al, uint16_t port, enum addr_scope min,
    char *err, size_t errlen);

/* "192.0.2.1:3863", "[::1]:3863", "[fe80::1%eth0]:3863"; returns buf. */
const char *addr_fmt(const struct sockaddr *sa, char *buf, size_t len);
/* Same without the port and brackets: "192.0.2.1", "::1". */
const char *addr_fmt_host(const struct sockaddr *sa, char *buf, size_t len);
/* "192.0.2.1,[::1]:3863" (reparsable by addr_list_parse), "auto:3863";
 * truncated lists end in "...".  Returns buf. */
const char *addr_list_fmt(const struct addr_list *al, char *buf, size_t len);

/* sizeof the family's sockaddr, 0 for an unknown family. */
socklen_t addr_len(const struct sockaddr *sa);
uint16_t addr_port(const struct sockaddr *sa);
void addr_set_port(struct sockaddr *sa, uint16_t port);
/* Same family, address, port (and IPv6 scope id). */
int addr_equal(const struct sockaddr *a, const struct sockaddr *b);
/* Same family and address; ports ignored. */
int addr_equal_host(const struct sockaddr *a, const struct sockaddr *b);
/* 0.0.0.0 or :: */
int addr_is_unspecified(const struct sockaddr *sa);
/* ::ffff:a.b.c.d -> a.b.c.d in place (port kept); 1 if changed. */
int addr_normalize(struct sockaddr_storage *ss);

enum addr_scope addr_scope(const struct sockaddr *sa);
/* "loopback", "link-local", "site-local", "global". */
const char *addr_scope_name(enum addr_scope scope);
/* Parse one of those names; -1 with a message otherwise. */
int addr_scope_parse(
    const char *s, enum addr_scope *scope, char *err, size_t errlen);
/* 1 if sa's scope is at least min (the -minaddressscope test). */
int addr_scope_ok(const struct sockaddr *sa, enum addr_scope min);

/* Wire form.  -1/EAFNOSUPPORT for families other than IPv4/IPv6.
 * IPv4-mapped addresses become AF_INET both ways. */
int addr_to_rsp(const struct sockaddr *sa, struct rsp_addr *ra);
int addr_from_rsp(
    const struct rsp_addr *ra, uint16_t port, struct sockaddr_storage *ss);

#endif
