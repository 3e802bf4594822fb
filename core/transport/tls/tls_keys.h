/*
 * The TLS key file (issue 19; README.md "TLS: the key file"): one
 * identity a line,
 *
 *	IDENTITY ROLE KEY [POOL-PATTERN ...]
 *
 * ROLE is pe, pu, registrar or admin; KEY the pre-shared key in hex (16
 * to 64 bytes: 32 to 128 digits); POOL-PATTERNs (role pe only, at least
 * one) are shell patterns (fnmatch(3)) of the pool handles the identity
 * may register into.  Blank lines and lines starting with '#' are
 * comments.  A registrar accepts every identity of its file; a pool
 * element or pool user offers the first line's.
 */
#ifndef RSP_TRANSPORT_TLS_KEYS_H
#define RSP_TRANSPORT_TLS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/transport/tls/tls.h"

enum tls_key_role {
	TLS_ROLE_PE,
	TLS_ROLE_PU,
	TLS_ROLE_REGISTRAR,
	TLS_ROLE_ADMIN,
};

#define TLS_KEYS_MAX     256 /* identities in one file */
#define TLS_PATTERNS_MAX 16  /* pool patterns of one identity */
#define TLS_LINE_MAX     1024

struct tls_key {
	char identity[TLS_IDENT_MAX + 1];
	unsigned char key[TLS_PSK_MAX];
	size_t keylen;
	enum tls_key_role role;
	int npatterns;
	char *patterns[TLS_PATTERNS_MAX];
};

struct tls_keys {
	int n;
	struct tls_key *k; /* n of them */
};

/* Read path into keys (empty first).  -1 with "FILE:LINE: what was
 * found, what was expected" (or the system's reason) in err. */
int tls_keys_load(
    struct tls_keys *keys, const char *path, char *err, size_t errlen);
/* Parse one line (its number lineno) of path; 0 for a comment or a
 * blank line, 1 with *k filled, -1 with err.  For the fuzz target. */
int tls_keys_parse_line(char *line, const char *path, int lineno,
    struct tls_key *k, char *err, size_t errlen);
void tls_keys_free(struct tls_keys *keys);
void tls_key_clear(struct tls_key *k);
const struct tls_key *tls_keys_find(
    const struct tls_keys *keys, const char *identity);
/* 1 if the pool handle (bytes) matches one of k's patterns. */
int tls_key_pool_allowed(
    const struct tls_key *k, const uint8_t *handle, size_t len);
const char *tls_role_name(enum tls_key_role role);

#endif
