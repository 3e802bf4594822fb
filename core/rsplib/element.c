/*
 * The pool element side of RSPLIB's enhanced mode: rsp_bind and
 * rsp_listen prepare an RSerPool socket, rsp_register gives it an rsp
 * element (include/rsp.h) that registers, re-registers and takes the
 * PUs' sessions, rsp_deregister ends the registration, rsp_getsockname
 * names the PE.  The element's events become the socket's: on a
 * one-to-many socket (RSPLIB's UDP-like servers) every session's
 * messages and Cookie Echoes queue on it with their session ID; on a
 * one-to-one socket (SOCK_STREAM, RSPLIB's TCP-like servers) each
 * session gets a socket of its own, queued for rsp_accept (accept.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/rsplib/internal.h"

/* An accepted (or to be accepted) session's socket, 0 none. */
static struct cp_sock *
child_of(struct cp_sock *parent, uint32_t sid)
{
	struct cp_sock *c;

	for (c = cp.socks; c != NULL; c = c->next)
		if (c->parent == parent && c->sid == sid)
			return c;
	return NULL;
}

/* A new session on a one-to-one socket: its socket, in the accept
 * queue.  A session the process has no descriptor for is aborted. */
static void
child_new(struct cp_sock *parent, uint32_t sid)
{
	struct cp_sock *c = calloc(1, sizeof(*c)), **pp;

	if (c == NULL ||
	    (c->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		free(c);
		rsp_element_abort_session(parent->element, sid);
		return;
	}
	c->qtail = &c->qhead;
	c->parent = parent;
	c->sid = sid;
	c->one_to_one = 1;
	snprintf(c->handle, sizeof(c->handle), "%s", parent->handle);
	c->next = cp.socks;
	cp.socks = c;
	for (pp = &parent->accept_head; *pp != NULL; pp = &(*pp)->accept_next)
		;
	*pp = c;
	cp_sock_signal(parent);
}

/* RSPLIB tells a one-to-many socket of its sessions. */
static void
session_change(struct cp_sock *s, uint32_t sid, int state)
{
	struct cp_item *it = cp_notification(RSERPOOL_SESSION_CHANGE, 0, 0);

	if (it == NULL)
		return;
	it->n.rn_session_change.rsc_state = (unsigned int)state;
	it->n.rn_session_change.rsc_session = (rserpool_session_t)sid;
	it->session = (rserpool_session_t)sid;
	cp_queue_push(s, it);
}

static void
session_event(struct cp_sock *s, const struct rsp_event *ev)
{
	struct cp_sock *c = s->one_to_one ? child_of(s, ev->session) : s;

	if (ev->type == RSP_EV_SESSION_UP)
		s->nsessions++;
	else if (ev->type == RSP_EV_SESSION_DOWN && s->nsessions > 0)
		s->nsessions--;
	if (ev->type == RSP_EV_SESSION_UP) {
		if (s->one_to_one)
			child_new(s, ev->session);
		else
			session_change(s, ev->session, RSERPOOL_SESSION_ADD);
	} else if (c == NULL) {
		return; /* the application closed its socket already */
	} else if (ev->type == RSP_EV_MSG || ev->type == RSP_EV_COOKIE_ECHO) {
		struct cp_item *it = cp_queue_msg(c, ev);

		if (it != NULL) {
			it->session = (rserpool_session_t)ev->session;
			it->cookie_echo = ev->type == RSP_EV_COOKIE_ECHO;
		}
	} else if (ev->type == RSP_EV_SESSION_DOWN) {
		if (!s->one_to_one) {
			session_change(s, ev->session, RSERPOOL_SESSION_REMOVE);
		} else {
			c->ended = 1;
			cp_sock_signal(c);
		}
	}
}

/* On the loop thread, the mutex held. */
static void
element_event(const struct rsp_event *ev, void *arg)
{
	struct cp_sock *s = arg;

	switch (ev->type) {
	case RSP_EV_REGISTERED:
		s->pe_state = CP_PE_UP;
		break;
	case RSP_EV_REG_FAILED:
		s->pe_state = CP_PE_REFUSED;
		break;
	case RSP_EV_DEREGISTERED:
		s->pe_state = CP_PE_GONE;
		break;
	default:
		session_event(s, ev);
		break;
	}
	pthread_cond_broadcast(&cp.cond);
}

/* Packed addresses as RSPLIB takes them; the port of the first is the
 * PE's (0: any).  Kept until rsp_register starts the element. */
int
rsp_bind(int sd, const struct sockaddr *addrs, int addrcnt)
{
	struct rsp_registrar_info r = {
	    .rri_addr = (struct sockaddr *)addrs, .rri_addrs = (size_t)addrcnt};
	struct cp_sock *s;
	int rc = 0;

	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL || s->mapped || s->parent != NULL ||
	    s->session != NULL) {
		errno = EBADF;
		rc = -1;
	} else if (addrcnt < 0 || (addrcnt > 0 && addrs == NULL)) {
		errno = EINVAL;
		rc = -1;
	} else if (addrcnt == 0) {
		s->local[0] = '\0';
	} else if (cp_addrs_string(&r, s->local, sizeof(s->local)) == -1) {
		errno = EAFNOSUPPORT;
		rc = -1;
	}
	pthread_mutex_unlock(&cp.mu);
	return rc;
}

/* The backlog is not enforced: every session a PU opens is queued. */
int
rsp_listen(int sd, int backlog)
{
	struct cp_sock *s;
	int rc = 0;

	(void)backlog;
	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL || s->mapped || s->parent != NULL ||
	    s->session != NULL) {
		errno = EBADF;
		rc = -1;
	} else {
		s->listening = 1;
	}
	pthread_mutex_unlock(&cp.mu);
	return rc;
}

static int
element_start(
    struct cp_sock *s, const struct rsp_loadinfo *li, unsigned int rereg_ms)
{
	struct rsp_element_config c;
	char policy[160];
	int err;

	if (cp_policy_string(li, policy, sizeof(policy)) == -1) {
		errno = EINVAL;
		return -1;
	}
	cp_element_config(&c, s->handle, policy, rereg_ms);
	c.local = s->local[0] != '\0' ? s->local : NULL;
	s->pe_state = CP_PE_PENDING;
	s->dereg_sent = 0;
	s->element = rsp_element_new(cp.loop, &c, element_event, s, &err);
	if (s->element == NULL) {
		errno = err == RSP_ESYSTEM ? errno : EINVAL;
		return -1;
	}
	return 0;
}

/* Wait (the mutex held) while the PE is in state st, at most ms. */
static void
state_wait(struct cp_sock *s, int st, int ms)
{
	long long deadline = cp_deadline(ms);

	while (
	    s->element != NULL && s->pe_state == st && cp_wait(deadline) == 0)
		;
}

/*
 * The first call starts the element (the policy of loadinfo, the
 * addresses of rsp_bind) and waits for the registrar's answer unless
 * REGF_DONTWAIT: -1 with EPERM when refused, ETIMEDOUT when no
 * registrar answered within 10 s (with REGF_DAEMONMODE: 0, the element
 * goes on trying).  A further call on the socket updates the load.
 */
int
rsp_register_tags(int sd, const unsigned char *pool_handle,
    size_t pool_handle_size, const struct rsp_loadinfo *loadinfo,
    unsigned int rereg_ms, int flags, struct TagItem *tags)
{
	static const struct rsp_loadinfo round_robin = {
	    PPT_ROUNDROBIN, 0, 0, 0, 0, 0};
	struct cp_sock *s;
	int rc = 0;

	(void)tags;
	if (loadinfo == NULL)
		loadinfo = &round_robin;
	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL || s->mapped || s->parent != NULL ||
	    s->session != NULL) {
		errno = EBADF;
		rc = -1;
	} else if (s->element != NULL) {
		rsp_element_set_load(s->element, loadinfo->rli_load);
		rc = 0;
	} else if (cp_handle(pool_handle, pool_handle_size, s->handle) == -1) {
		errno = EINVAL;
		rc = -1;
	} else if ((rc = element_start(s, loadinfo, rereg_ms)) == 0) {
		rsp_element_set_load(s->element, loadinfo->rli_load);
		if (!(flags & REGF_DONTWAIT))
			state_wait(s, CP_PE_PENDING, CP_REGISTER_MS);
		if (s->pe_state == CP_PE_REFUSED) {
			cp_element_close(s);
			errno = EPERM;
			rc = -1;
		} else if (s->pe_state == CP_PE_PENDING &&
		           !(flags & (REGF_DONTWAIT | REGF_DAEMONMODE))) {
			cp_element_close(s);
			errno = ETIMEDOUT;
			rc = -1;
		}
	}
	cp_unlock();
	return rc;
}

int
rsp_register(int sd, const unsigned char *pool_handle,
    const size_t pool_handle_size, const struct rsp_loadinfo *loadinfo,
    unsigned int rereg_ms, int flags)
{
	return rsp_register_tags(
	    sd, pool_handle, pool_handle_size, loadinfo, rereg_ms, flags, NULL);
}

/* The registered socket s deregisters its PE (the mutex held), and
 * unless dontwait waits for the registrar's answer (at most 10 s). */
void
cp_element_deregister(struct cp_sock *s, int dontwait)
{
	/* Once: rsp_close after an rsp_deregister that got no answer
	 * (no registrar) does not wait a second time. */
	if (s->element == NULL || s->pe_state == CP_PE_GONE || s->dereg_sent)
		return;
	s->dereg_sent = 1;
	if (rsp_element_deregister(s->element) == RSP_OK && !dontwait)
		state_wait(s, s->pe_state, CP_REGISTER_MS);
}

/* Deregisters (see cp_element_deregister); the sessions go on until
 * the socket is closed. */
int
rsp_deregister_tags(int sd, int flags, struct TagItem *tags)
{
	struct cp_sock *s;
	int rc = 0;

	(void)tags;
	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL || s->element == NULL) {
		errno = EBADF;
		rc = -1;
	} else {
		cp_element_deregister(s, flags & DEREGF_DONTWAIT);
	}
	cp_unlock();
	return rc;
}

int
rsp_deregister(int sd, int flags)
{
	return rsp_deregister_tags(sd, flags, NULL);
}

/* The PE of a registered socket or of an accepted session's socket:
 * its pool handle (pool_handle may be NULL) and ID. */
int
rsp_getsockname(int sd, unsigned char *pool_handle, size_t *pool_handle_size,
    uint32_t *identifier)
{
	struct cp_sock *s, *pe;
	size_t n = 0;
	int rc = -1;

	cp_lock();
	s = cp_sock_find(sd);
	pe = s != NULL && s->parent != NULL ? s->parent : s;
	if (pe == NULL || pe->element == NULL) {
		errno = EBADF;
	} else if (pool_handle != NULL && pool_handle_size != NULL &&
	           (n = strlen(pe->handle)) > *pool_handle_size) {
		errno = ENAMETOOLONG;
	} else {
		if (pool_handle != NULL && pool_handle_size != NULL) {
			memcpy(pool_handle, pe->handle, n);
			*pool_handle_size = n;
		}
		if (identifier != NULL)
			*identifier = rsp_element_id(pe->element);
		rc = 0;
	}
	pthread_mutex_unlock(&cp.mu);
	return rc;
}

/* rsp_close() of a registered socket (the mutex held): the element
 * goes, and with it every session; their sockets read 0 from now on. */
void
cp_element_close(struct cp_sock *s)
{
	struct cp_sock *c;

	if (s->element == NULL)
		return;
	rsp_element_free(s->element);
	s->element = NULL;
	s->accept_head = NULL;
	for (c = cp.socks; c != NULL; c = c->next)
		if (c->parent == s) {
			c->parent = NULL;
			c->ended = 1;
			cp_sock_signal(c);
		}
}
