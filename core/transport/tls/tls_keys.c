/*
 * The TLS key file (core/transport/tls/tls_keys.h): read, checked line
 * by line, with every error naming the file, the line and what was
 * expected there.  Apart from the TLS configurations (tls_cfg.c)
 * because the file says more than TLS needs: the role and the pools of
 * each identity, which the registrar enforces (RFC 5351 section 4.2:
 * "having a PSK constitutes authorization").
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/transport/tls/tls_keys.h"

static const char *const role_names[] = {"pe", "pu", "registrar", "admin"};

const char *
tls_role_name(enum tls_key_role role)
{
	return (unsigned)role < 4 ? role_names[role] : "?";
}

void
tls_key_clear(struct tls_key *k)
{
	int i;

	for (i = 0; i < k->npatterns; i++)
		free(k->patterns[i]);
	memset(k, 0, sizeof(*k)); /* the key out of freed memory */
}

void
tls_keys_free(struct tls_keys *keys)
{
	int i;

	for (i = 0; i < keys->n; i++)
		tls_key_clear(&keys->k[i]);
	free(keys->k);
	keys->k = NULL;
	keys->n = 0;
}

static int
say(char *err, size_t errlen, const char *path, int lineno, const char *what,
    const char *found)
{
	snprintf(err, errlen, "%s:%d: %s%s%.60s%s", path, lineno, what,
	    found ? " (found \"" : "", found ? found : "", found ? "\")" : "");
	return -1;
}

static int
parse_role(const char *s, enum tls_key_role *role)
{
	unsigned i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(s, role_names[i]) == 0) {
			*role = (enum tls_key_role)i;
			return 0;
		}
	return -1;
}

/* An even number of hex digits, 16 to TLS_PSK_MAX bytes. */
static int
parse_key(const char *s, struct tls_key *k)
{
	size_t len = strlen(s), i;
	int hi, lo;

	if (len % 2 != 0 || len < 32 || len > 2 * TLS_PSK_MAX)
		return -1;
	for (i = 0; i < len / 2; i++) {
		if ((hi = hex_digit(s[2 * i])) == -1 ||
		    (lo = hex_digit(s[2 * i + 1])) == -1)
			return -1;
		k->key[i] = (unsigned char)(hi << 4 | lo);
	}
	k->keylen = len / 2;
	return 0;
}

static int
add_pattern(struct tls_key *k, const char *s)
{
	if (k->npatterns == TLS_PATTERNS_MAX)
		return -1;
	if ((k->patterns[k->npatterns] = strdup(s)) == NULL)
		return -1;
	k->npatterns++;
	return 0;
}

int
tls_keys_parse_line(char *line, const char *path, int lineno, struct tls_key *k,
    char *err, size_t errlen)
{
	static const char ws[] = " \t\r\n";
	char *save = NULL, *tok[3], *p;
	int i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < 3; i++) {
		tok[i] = strtok_r(i == 0 ? line : NULL, ws, &save);
		if (i == 0 && (tok[0] == NULL || tok[0][0] == '#'))
			return 0;
		if (tok[i] == NULL)
			return say(err, errlen, path, lineno,
			    "expected IDENTITY ROLE KEY [POOL-PATTERN ...]",
			    NULL);
	}
	if (strlen(tok[0]) > TLS_IDENT_MAX)
		return say(err, errlen, path, lineno,
		    "identity longer than 128 bytes", tok[0]);
	memcpy(k->identity, tok[0], strlen(tok[0]) + 1);
	if (parse_role(tok[1], &k->role) == -1)
		return say(err, errlen, path, lineno,
		    "role: expected pe, pu, registrar or admin", tok[1]);
	if (parse_key(tok[2], k) == -1)
		return say(err, errlen, path, lineno,
		    "key: expected 32 to 128 hex digits (16 to 64 bytes), an "
		    "even number",
		    NULL); /* never the key itself into a log */
	while ((p = strtok_r(NULL, ws, &save)) != NULL) {
		if (k->role != TLS_ROLE_PE) {
			tls_key_clear(k);
			return say(err, errlen, path, lineno,
			    "pool patterns are for role pe only", p);
		}
		if (add_pattern(k, p) == -1) {
			tls_key_clear(k);
			return say(err, errlen, path, lineno,
			    "more than 16 pool patterns (or out of memory)", p);
		}
	}
	if (k->role == TLS_ROLE_PE && k->npatterns == 0)
		return say(err, errlen, path, lineno,
		    "role pe: expected at least one POOL-PATTERN (* for any "
		    "pool)",
		    NULL);
	return 1;
}

static int
keys_add(struct tls_keys *keys, struct tls_key *k, const char *path, int lineno,
    char *err, size_t errlen)
{
	struct tls_key *n;

	if (tls_keys_find(keys, k->identity) != NULL)
		return say(err, errlen, path, lineno,
		    "identity already given on an earlier line", k->identity);
	if (keys->n == TLS_KEYS_MAX)
		return say(err, errlen, path, lineno,
		    "more than 256 identities", NULL);
	if ((n = realloc(keys->k, (size_t)(keys->n + 1) * sizeof(*n))) == NULL)
		return say(err, errlen, path, lineno, "out of memory", NULL);
	keys->k = n;
	keys->k[keys->n++] = *k;
	return 0;
}

/* Read the lines of f; -1 with err. */
static int
keys_read(
    struct tls_keys *keys, FILE *f, const char *path, char *err, size_t errlen)
{
	char line[TLS_LINE_MAX + 2];
	struct tls_key k;
	int lineno = 0, r;

	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			return say(err, errlen, path, lineno,
			    "line longer than 1024 bytes", NULL);
		if ((r = tls_keys_parse_line(
		         line, path, lineno, &k, err, errlen)) == -1)
			return -1;
		if (r == 1 &&
		    keys_add(keys, &k, path, lineno, err, errlen) == -1) {
			tls_key_clear(&k);
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (keys->n == 0) {
		snprintf(err, errlen,
		    "%s: no identity (expected lines IDENTITY ROLE KEY "
		    "[POOL-PATTERN ...])",
		    path);
		return -1;
	}
	return 0;
}

int
tls_keys_load(struct tls_keys *keys, const char *path, char *err, size_t errlen)
{
	FILE *f;
	int r;

	memset(keys, 0, sizeof(*keys));
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = keys_read(keys, f, path, err, errlen);
	fclose(f);
	if (r == -1)
		tls_keys_free(keys);
	return r;
}

const struct tls_key *
tls_keys_find(const struct tls_keys *keys, const char *identity)
{
	int i;

	for (i = 0; i < keys->n; i++)
		if (strcmp(keys->k[i].identity, identity) == 0)
			return &keys->k[i];
	return NULL;
}

int
tls_key_pool_allowed(const struct tls_key *k, const uint8_t *handle, size_t len)
{
	char h[TLS_LINE_MAX + 1];
	int i;

	/* A handle with a NUL cannot match a pattern written in a text
	 * file: it is refused. */
	if (len > TLS_LINE_MAX || memchr(handle, 0, len) != NULL)
		return 0;
	memcpy(h, handle, len);
	h[len] = '\0';
	for (i = 0; i < k->npatterns; i++)
		if (fnmatch(k->patterns[i], h, 0) == 0)
			return 1;
	return 0;
}
