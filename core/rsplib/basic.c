/*
 * RSPLIB's basic mode for pool users (rsp_getaddrinfo, rsp_pe_failure)
 * over the rsp library's PU (include/rsp.h, struct rsp_pu), and the
 * policy name helpers over proto/'s policy table.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/rsplib/internal.h"
#include "proto/msg.h"

struct resolution {
	int done, err, n;
	struct rsp_addrinfo *head, **tail;
};

/* One PE as RSPLIB's rsp_addrinfo: its addresses packed back to back. */
static struct rsp_addrinfo *
addrinfo_new(const struct rsp_pe_info *pe)
{
	struct rsp_addrinfo *ai = calloc(1, sizeof(*ai));
	char *p;
	int i;

	if (ai == NULL ||
	    (ai->ai_addr = malloc(
	         (size_t)pe->naddrs * sizeof(struct sockaddr_in6) + 1)) ==
	        NULL) {
		free(ai);
		return NULL;
	}
	ai->ai_pe_id = pe->pe_id;
	ai->ai_family = AF_INET;
	ai->ai_socktype = SOCK_STREAM;
	ai->ai_protocol =
	    pe->transport == RSP_TRANSPORT_TCP ? IPPROTO_TCP : IPPROTO_SCTP;
	ai->ai_addrlen = sizeof(struct sockaddr_in6); /* RSPLIB's union */
	p = (char *)ai->ai_addr;
	for (i = 0; i < pe->naddrs; i++) {
		const struct sockaddr *sa =
		    (const struct sockaddr *)&pe->addrs[i];

		if (sa->sa_family == AF_INET6)
			ai->ai_family = AF_INET6;
		memcpy(p, sa, addr_len(sa));
		p += addr_len(sa);
	}
	ai->ai_addrs = (size_t)pe->naddrs;
	return ai;
}

/* On the loop thread, the mutex held. */
static void
resolved(int err, const struct rsp_pe_info *pes, int npes, void *arg)
{
	struct resolution *r = arg;
	struct rsp_addrinfo *ai;
	int i;

	r->err = err;
	for (i = 0; err == RSP_OK && i < npes; i++) {
		if ((ai = addrinfo_new(&pes[i])) == NULL) {
			r->err = RSP_ESYSTEM;
			break;
		}
		*r->tail = ai;
		r->tail = &ai->ai_next;
		r->n++;
	}
	r->done = 1;
	pthread_cond_broadcast(&cp.cond);
}

static int
reai(int err)
{
	switch (err) {
	case RSP_ENOPOOL:
	case RSP_ENOPE:
		return REAI_NONAME;
	case RSP_ESYSTEM:
		return errno == ENOMEM ? REAI_MEMORY : REAI_SYSTEM;
	case RSP_ENOREG:
		errno = EHOSTUNREACH;
		return REAI_SYSTEM;
	default:
		errno = err == RSP_ETIMEDOUT ? ETIMEDOUT : EIO;
		return REAI_SYSTEM;
	}
}

/*
 * The registrar selects the PEs (HR option Items = 1, as RSPLIB's
 * clients ask): one PE per call, whatever items says; stale_ms (the PU
 * cache) is not used.  docs/library.md "RSPLIB's API".
 */
int
rsp_getaddrinfo_tags(const unsigned char *pool_handle, size_t pool_handle_size,
    struct rsp_addrinfo **result, size_t items, unsigned int stale_ms,
    struct TagItem *tags)
{
	long long deadline = cp_deadline(CP_RESOLVE_MS);
	char handle[CP_HANDLE_MAX + 1];
	struct resolution r;
	int err;

	(void)items, (void)stale_ms, (void)tags;
	*result = NULL;
	if (cp_handle(pool_handle, pool_handle_size, handle) == -1)
		return REAI_NONAME;
	memset(&r, 0, sizeof(r));
	r.tail = &r.head;
	cp_lock();
	if (!cp.initialized) {
		pthread_mutex_unlock(&cp.mu);
		errno = EINVAL;
		return REAI_SYSTEM;
	}
	err = rsp_pu_resolve(cp.pu, handle, resolved, &r);
	while (err == RSP_OK && !r.done)
		if (cp_wait(deadline) == -1)
			err = RSP_ETIMEDOUT;
	/* A late answer must not touch r: only a done one is read. */
	if (err == RSP_ETIMEDOUT && !r.done) {
		rsp_pu_free(cp.pu);
		cp.pu = rsp_pu_new(cp.loop, &cp.pu_cfg, &err);
		err = RSP_ETIMEDOUT;
	}
	pthread_mutex_unlock(&cp.mu);
	if (err == RSP_OK)
		err = r.err;
	if (err != RSP_OK) {
		rsp_freeaddrinfo(r.head);
		return reai(err);
	}
	*result = r.head;
	return r.n;
}

int
rsp_getaddrinfo(const unsigned char *pool_handle, size_t pool_handle_size,
    struct rsp_addrinfo **result, size_t items, unsigned int stale_ms)
{
	return rsp_getaddrinfo_tags(
	    pool_handle, pool_handle_size, result, items, stale_ms, NULL);
}

void
rsp_freeaddrinfo(struct rsp_addrinfo *list)
{
	struct rsp_addrinfo *next;

	for (; list != NULL; list = next) {
		next = list->ai_next;
		free(list->ai_addr);
		free(list);
	}
}

unsigned int
rsp_pe_failure_tags(const unsigned char *pool_handle, size_t pool_handle_size,
    uint32_t identifier, struct TagItem *tags)
{
	char handle[CP_HANDLE_MAX + 1];
	unsigned int rc = RSPERR_OKAY;

	(void)tags;
	if (cp_handle(pool_handle, pool_handle_size, handle) == -1)
		return RSPERR_INVALID_POOL_HANDLE;
	cp_lock();
	if (!cp.initialized)
		rc = RSPERR_NOT_INITIALIZED;
	else if (rsp_report_failure(cp.pu, handle, identifier) != RSP_OK)
		rc = RSPERR_INVALID_VALUE;
	cp_unlock();
	return rc;
}

unsigned int
rsp_pe_failure(const unsigned char *pool_handle, size_t pool_handle_size,
    uint32_t identifier)
{
	return rsp_pe_failure_tags(
	    pool_handle, pool_handle_size, identifier, NULL);
}

const char *
rsp_getpolicybytype(unsigned int policy_type)
{
	const struct rsp_policy_info *pi = rsp_policy_info(policy_type);

	return pi != NULL ? pi->rsplib : NULL;
}

/* Exact names, as RSPLIB compares them. */
unsigned int
rsp_getpolicybyname(const char *policy_name)
{
	const struct rsp_policy_info *t;
	size_t n, i;

	t = rsp_policy_table(&n);
	for (i = 0; policy_name != NULL && i < n; i++)
		if (strcmp(t[i].rsplib, policy_name) == 0)
			return t[i].type;
	return PPT_UNDEFINED;
}

void
rsp_print_notification(
    const union rserpool_notification *notification, FILE *fd)
{
	const struct rserpool_failover *f = &notification->rn_failover;

	switch (notification->rn_header.rn_type) {
	case RSERPOOL_FAILOVER:
		fprintf(fd,
		    "RSERPOOL_FAILOVER for session %d, state=%s, cookie=%s",
		    f->rf_session,
		    f->rf_state == RSERPOOL_FAILOVER_NECESSARY
		        ? "RSERPOOL_FAILOVER_NECESSARY"
		    : f->rf_state == RSERPOOL_FAILOVER_COMPLETE
		        ? "RSERPOOL_FAILOVER_COMPLETE"
		        : "unknown",
		    f->rf_has_cookie ? "yes" : "no");
		break;
	case RSERPOOL_SESSION_CHANGE:
		fprintf(fd, "RSERPOOL_SESSION_CHANGE for session %d, state=%s",
		    notification->rn_session_change.rsc_session,
		    notification->rn_session_change.rsc_state ==
		            RSERPOOL_SESSION_ADD
		        ? "RSERPOOL_SESSION_ADD"
		        : "RSERPOOL_SESSION_REMOVE");
		break;
	case RSERPOOL_SHUTDOWN_EVENT:
		fprintf(fd, "RSERPOOL_SHUTDOWN_EVENT for session %d",
		    notification->rn_shutdown_event.rse_session);
		break;
	default:
		fprintf(fd, "unknown notification type %u",
		    notification->rn_header.rn_type);
		break;
	}
}
