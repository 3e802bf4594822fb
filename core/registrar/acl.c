/*
 * The registrar's access list (core/registrar/acl.h): a line parser
 * that trusts nothing about its input (it has a fuzz target), and a
 * first-match walk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/registrar/acl.h"

static const char *const op_names[] = {
    [ACL_REGISTER] = "register",
    [ACL_RESOLVE] = "resolve",
    [ACL_PEER] = "peer",
    [ACL_DUMP] = "dump",
};

#define ACL_LINE_MAX 512
#define ACL_WORDS    5

const char *
acl_op_name(enum acl_op op)
{
	return op_names[op];
}

void
acl_free(struct acl *a)
{
	if (a == NULL)
		return;
	free(a->rules);
	free(a);
}

/* Split line (modified) into at most max words; -1 if more. */
static int
split(char *line, char **w, int max)
{
	char *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\r", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (n == max)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static int
parse_op(const char *s, enum acl_op *op)
{
	size_t i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strcmp(s, op_names[i]) == 0) {
			*op = (enum acl_op)i;
			return 0;
		}
	return -1;
}

static int
parse_pool(const char *s, struct acl_rule *r, char *err, size_t errlen)
{
	size_t len = strlen(s);

	if (strcmp(s, "*") == 0) {
		r->pool_any = 1;
		return 0;
	}
	if (s[len - 1] == '*') {
		r->pool_prefix = 1;
		len--;
	}
	if (len > RSP_HANDLE_MAX) {
		snprintf(err, errlen, "pool handle longer than %d bytes",
		    RSP_HANDLE_MAX);
		return -1;
	}
	memcpy(r->pool, s, len);
	r->pool_len = len;
	return 0;
}

/* One line's words into r; -1 with the reason. */
static int
parse_rule(char **w, int n, struct acl_rule *r, char *err, size_t errlen)
{
	char perr[128];

	memset(r, 0, sizeof(*r));
	if (strcmp(w[0], "allow") == 0)
		r->allow = 1;
	else if (strcmp(w[0], "deny") != 0) {
		snprintf(err, errlen, "'%.40s': expected allow or deny", w[0]);
		return -1;
	}
	if (n < 2 || parse_op(w[1], &r->op) == -1) {
		snprintf(err, errlen,
		    "expected register, resolve, peer or dump after %s", w[0]);
		return -1;
	}
	if (n != (r->op <= ACL_RESOLVE ? 4 : 3)) {
		snprintf(err, errlen, "%s takes %s", w[1],
		    r->op <= ACL_RESOLVE ? "PREFIX POOL" : "PREFIX only");
		return -1;
	}
	if (strcmp(w[2], "any") == 0)
		r->any = 1;
	else if (prefix_parse(w[2], &r->from, perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "%s", perr);
		return -1;
	}
	return r->op <= ACL_RESOLVE ? parse_pool(w[3], r, err, errlen) : 0;
}

static int
add_rule(struct acl *a, const struct acl_rule *r, size_t *cap)
{
	struct acl_rule *nr;

	if (a->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if ((nr = realloc(a->rules, *cap * sizeof(*nr))) == NULL)
			return -1;
		a->rules = nr;
	}
	a->rules[a->n++] = *r;
	return 0;
}

struct acl *
acl_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct acl *a = calloc(1, sizeof(*a));
	char line[ACL_LINE_MAX + 1], why[192], *w[ACL_WORDS], *hash;
	size_t pos = 0, end, cap = 0, lineno = 0;
	struct acl_rule r;
	int n;

	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (pos < len) {
		lineno++;
		for (end = pos; end < len && text[end] != '\n'; end++)
			;
		if (end - pos > ACL_LINE_MAX ||
		    memchr(text + pos, '\0', end - pos)) {
			snprintf(err, errlen, "%zu: line too long or not text",
			    lineno);
			goto fail;
		}
		memcpy(line, text + pos, end - pos);
		line[end - pos] = '\0';
		pos = end + 1;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if ((n = split(line, w, ACL_WORDS)) == 0)
			continue;
		if (n < 0 || parse_rule(w, n, &r, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%zu: %s", lineno,
			    n < 0 ? "too many words" : why);
			goto fail;
		}
		if (a->n >= ACL_RULES_MAX || add_rule(a, &r, &cap) == -1) {
			snprintf(err, errlen, "%zu: more than %d rules", lineno,
			    ACL_RULES_MAX);
			goto fail;
		}
	}
	return a;
fail:
	acl_free(a);
	return NULL;
}

struct acl *
acl_load(const char *path, char *err, size_t errlen)
{
	char *text = NULL, why[192];
	size_t len = 0, cap = 0, got;
	struct acl *a;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (len == cap) {
			char *nt;

			cap = cap ? cap * 2 : 4096;
			if (cap > (size_t)ACL_RULES_MAX * ACL_LINE_MAX ||
			    (nt = realloc(text, cap)) == NULL) {
				snprintf(err, errlen, "%s: too large", path);
				free(text);
				fclose(f);
				return NULL;
			}
			text = nt;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	if ((a = acl_parse(text, len, why, sizeof(why))) == NULL)
		snprintf(err, errlen, "%s:%s", path, why);
	free(text);
	return a;
}

static int
pool_matches(const struct acl_rule *r, const struct rsp_handle *h)
{
	if (r->pool_any)
		return 1;
	if (h == NULL)
		return 0;
	if (r->pool_prefix)
		return h->len >= r->pool_len &&
		       memcmp(h->bytes, r->pool, r->pool_len) == 0;
	return h->len == r->pool_len &&
	       memcmp(h->bytes, r->pool, r->pool_len) == 0;
}

int
acl_allows(const struct acl *a, enum acl_op op, const struct sockaddr *sa,
    const struct rsp_handle *h)
{
	const struct acl_rule *r;
	size_t i;

	for (i = 0; i < a->n; i++) {
		r = &a->rules[i];
		/* a peer may also read */
		if (r->op != op && !(op == ACL_DUMP && r->op == ACL_PEER))
			continue;
		if (!r->any && !prefix_match(&r->from, sa))
			continue;
		if (r->op <= ACL_RESOLVE && !pool_matches(r, h))
			continue;
		return r->allow;
	}
	return 0;
}
