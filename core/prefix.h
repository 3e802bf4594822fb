/*
 * Address prefixes for allowlists (-peerallow): "10.0.0.0/8",
 * "2001:db8::/32", or a bare address (a /32 or /128).  IPv4-mapped IPv6
 * addresses match their IPv4 prefixes.
 */
#ifndef RSP_PREFIX_H
#define RSP_PREFIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct addr_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
	int bits;
};

#define PREFIX_MAX 64 /* prefixes in one list */

struct prefix_list {
	int n;
	struct addr_prefix p[PREFIX_MAX];
};

/* One prefix; -1 with a message naming the text in err. */
int prefix_parse(
    const char *s, struct addr_prefix *p, char *err, size_t errlen);
/* Comma-separated prefixes appended to l; -1 with a message. */
int prefix_list_parse(
    const char *s, struct prefix_list *l, char *err, size_t errlen);
int prefix_match(const struct addr_prefix *p, const struct sockaddr *sa);
int prefix_list_match(const struct prefix_list *l, const struct sockaddr *sa);

#endif
