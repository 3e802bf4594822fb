/*
 * A pool user's RSerPool socket: rsp_connect gives it an rsp session
 * (include/rsp.h), whose events become the socket's queue.  The rsp
 * session fails over by itself, cookie echo included; the application
 * learns of it as RSPLIB tells it: RSERPOOL_FAILOVER_NECESSARY, then,
 * after its rsp_forcefailover(), RSERPOOL_FAILOVER_COMPLETE.  A PE that
 * ends the session gracefully also yields FAILOVER_NECESSARY (RSPLIB:
 * a read of 0 bytes), and rsp_forcefailover connects to another one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/rsplib/internal.h"

static void
failover_necessary(struct cp_sock *s)
{
	struct cp_item *it = cp_notification(RSERPOOL_FAILOVER,
	    RSERPOOL_FAILOVER_NECESSARY, rsp_session_has_cookie(s->session));

	if (it != NULL)
		cp_queue_push(s, it);
}

/* On the loop thread, the mutex held. */
static void
session_event(const struct rsp_event *ev, void *arg)
{
	struct cp_sock *s = arg;

	switch (ev->type) {
	case RSP_EV_SESSION_UP:
		s->ups++;
		s->pe_id = ev->pe_id;
		break;
	case RSP_EV_FAILOVER:
		s->ups++;
		s->pe_id = ev->pe_id;
		if (!s->forcing) { /* else rsp_forcefailover() reports it */
			s->auto_failover = 1;
			failover_necessary(s);
		}
		break;
	case RSP_EV_CLOSED:
		s->closed = 1;
		failover_necessary(s);
		break;
	case RSP_EV_MSG:
		cp_queue_msg(s, ev);
		break;
	case RSP_EV_ERROR:
		s->error = ev->error;
		break;
	default:
		break;
	}
	pthread_cond_broadcast(&cp.cond);
}

/* Wait (the mutex held) until the session is up more often than
 * before, ups_before, or CP_CONNECT_MS pass: 0 or -1. */
static int
wait_up(struct cp_sock *s, int ups_before)
{
	long long deadline = cp_deadline(CP_CONNECT_MS);

	while (s->ups == ups_before && s->session != NULL)
		if (cp_wait(deadline) == -1)
			return -1;
	return s->session != NULL ? 0 : -1;
}

/*
 * As RSPLIB: 0 even when no PE could be reached within the connect
 * timeout; the session goes on trying, and what is written meanwhile
 * is queued for the PE it reaches.
 */
int
rsp_connect_tags(int sd, const unsigned char *pool_handle,
    size_t pool_handle_size, unsigned int stale_ms, struct TagItem *tags)
{
	struct cp_sock *s;
	int err;

	(void)stale_ms; /* the session asks the registrar every time */
	(void)tags;
	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL || s->mapped || s->session != NULL) {
		pthread_mutex_unlock(&cp.mu);
		errno = EBADF;
		return -1;
	}
	if (cp_handle(pool_handle, pool_handle_size, s->handle) == -1) {
		pthread_mutex_unlock(&cp.mu);
		errno = EINVAL;
		return -1;
	}
	cp.ses_cfg.pool_handle = s->handle;
	s->session =
	    rsp_session_new(cp.loop, &cp.ses_cfg, session_event, s, &err);
	if (s->session == NULL) {
		pthread_mutex_unlock(&cp.mu);
		errno = err == RSP_ESYSTEM ? errno : EINVAL;
		return -1;
	}
	wait_up(s, 0);
	pthread_mutex_unlock(&cp.mu);
	return 0;
}

int
rsp_connect(int sd, const unsigned char *pool_handle, size_t pool_handle_size,
    unsigned int stale_ms)
{
	return rsp_connect_tags(
	    sd, pool_handle, pool_handle_size, stale_ms, NULL);
}

int
rsp_has_cookie(int sd)
{
	struct cp_sock *s;
	int rc;

	cp_lock();
	s = cp_sock_find(sd);
	rc = s != NULL && s->session != NULL &&
	     rsp_session_has_cookie(s->session);
	pthread_mutex_unlock(&cp.mu);
	return rc;
}

/* Start a failover the application asked for and wait for it. */
static int
failover_now(struct cp_sock *s, unsigned int flags)
{
	int ups = s->ups, err;

	err = (flags & FFF_UNREACHABLE) && !s->closed
	          ? rsp_session_failover(s->session)
	          : rsp_session_reconnect(s->session);
	if (err != RSP_OK) {
		errno = EIO;
		return -1;
	}
	s->closed = 0;
	s->forcing = 1;
	err = wait_up(s, ups);
	s->forcing = 0;
	if (err == -1) {
		errno = s->error == RSP_ENOPE || s->error == RSP_ENOPOOL
		            ? ENOENT
		            : EIO;
		return -1;
	}
	return 0;
}

/*
 * Notifications queued before are stale and dropped, as RSPLIB does.
 * When the session already failed over by itself, the failover is
 * complete at once; else it starts now (FFF_UNREACHABLE: the PE is
 * reported unreachable first) and completes within the connect timeout
 * or fails: -1 with ENOENT (no PE) or EIO.  RSPLIB returns 0 after an
 * empty resolution; this returns -1 with ENOENT.
 */
int
rsp_forcefailover_tags(
    int sd, unsigned int flags, unsigned int stale_ms, struct TagItem *tags)
{
	struct cp_sock *s;
	struct cp_item *it;
	int rc = 0;

	(void)stale_ms, (void)tags;
	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL || s->session == NULL) {
		pthread_mutex_unlock(&cp.mu);
		errno = EBADF;
		return -1;
	}
	cp_queue_clear(s);
	if (!s->auto_failover || s->closed)
		rc = failover_now(s, flags);
	s->auto_failover = 0;
	if (rc == 0 &&
	    (it = cp_notification(RSERPOOL_FAILOVER, RSERPOOL_FAILOVER_COMPLETE,
	         rsp_session_has_cookie(s->session))) != NULL)
		cp_queue_push(s, it);
	cp_unlock();
	return rc;
}

int
rsp_forcefailover(int sd, unsigned int flags, unsigned int stale_ms)
{
	return rsp_forcefailover_tags(sd, flags, stale_ms, NULL);
}

int
rsp_getpeername(int sd, unsigned char *pool_handle, size_t *pool_handle_size,
    uint32_t *identifier)
{
	struct cp_sock *s;
	size_t n;
	int rc = -1;

	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL || s->session == NULL) {
		errno = EBADF;
	} else if ((n = strlen(s->handle)) > *pool_handle_size) {
		errno = ENAMETOOLONG;
	} else {
		memcpy(pool_handle, s->handle, n);
		*pool_handle_size = n;
		*identifier = rsp_session_pe_id(s->session);
		rc = 0;
	}
	pthread_mutex_unlock(&cp.mu);
	return rc;
}
