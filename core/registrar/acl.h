/*
 * The registrar's access list (-acl=FILE, issue 16): which sources may
 * register into which pools, resolve which pools, be ENRP peers, read
 * the handlespace (dump).  Off unless configured (RSPLIB's behaviour);
 * once configured, default-deny: the first rule that matches decides,
 * none matching denies.  One rule per line, '#' starts a comment:
 *
 *	allow|deny  register|resolve  PREFIX  POOL
 *	allow|deny  peer|dump         PREFIX
 *
 * PREFIX: an address, ADDR/BITS, or "any".  POOL: a pool handle, a
 * handle prefix ending in '*', or '*' for every pool.  A peer may also
 * dump.  Reread on SIGHUP; a file with an error is refused whole, with
 * "FILE:LINE: what" (the running list stays).
 */
#ifndef RSP_CORE_REGISTRAR_ACL_H
#define RSP_CORE_REGISTRAR_ACL_H

#include <stddef.h>
#include <sys/socket.h>

#include "core/prefix.h"
#include "proto/msg.h"

enum acl_op {
	ACL_REGISTER = 0,
	ACL_RESOLVE,
	ACL_PEER,
	ACL_DUMP,
};

struct acl_rule {
	int allow;
	enum acl_op op;
	int any; /* any source */
	struct addr_prefix from;
	int pool_any;                 /* '*' */
	int pool_prefix;              /* "name*" */
	uint8_t pool[RSP_HANDLE_MAX]; /* without the '*' */
	size_t pool_len;
};

struct acl {
	struct acl_rule *rules;
	size_t n;
};

#define ACL_RULES_MAX 10000

/* Parse text (len bytes, need not end in NUL) into a new list; NULL
 * with "LINE: what" in err (errlen bytes). */
struct acl *acl_parse(const char *text, size_t len, char *err, size_t errlen);
/* The file's rules; NULL with "FILE:LINE: what" or "FILE: errno". */
struct acl *acl_load(const char *path, char *err, size_t errlen);
void acl_free(struct acl *a);
/* 1 if the rules allow op from sa (for a pool: h, else NULL). */
int acl_allows(const struct acl *a, enum acl_op op, const struct sockaddr *sa,
    const struct rsp_handle *h);
const char *acl_op_name(enum acl_op op);

#endif
