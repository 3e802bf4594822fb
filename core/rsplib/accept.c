/*
 * Sessions of a pool element of RSPLIB's API (element.c): rsp_accept
 * hands out the socket of the next session of a one-to-one socket,
 * rsp_sendmsg (io.c) and rsp_send_cookie send on a session, an empty
 * message with SCTP_EOF or SCTP_ABORT ends it, as RSPLIB's servers do.
 * Socket options and session parameters are the kernel's for other
 * descriptors; RSerPool sockets have none here.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/rsplib/internal.h"

/* -1 with EAGAIN when no session came within timeout_ms (RSPLIB's unit
 * for it; -1 without limit). */
int
rsp_accept_tags(int sd, int timeout_ms, struct TagItem *tags)
{
	long long deadline = cp_deadline(timeout_ms);
	struct cp_sock *s, *c;
	int fd = -1;

	(void)tags;
	cp_lock();
	while ((s = cp_sock_find(sd)) != NULL && s->element != NULL &&
	       s->one_to_one && s->accept_head == NULL && timeout_ms != 0 &&
	       cp_wait(deadline) == 0)
		;
	if (s == NULL || s->element == NULL || !s->one_to_one) {
		errno = s == NULL ? EBADF : EOPNOTSUPP;
	} else if ((c = s->accept_head) == NULL) {
		errno = EAGAIN;
	} else {
		s->accept_head = c->accept_next;
		c->accept_next = NULL;
		cp_sock_signal(s);
		fd = c->fd;
	}
	pthread_mutex_unlock(&cp.mu);
	return fd;
}

int
rsp_accept(int sd, int timeout_ms)
{
	return rsp_accept_tags(sd, timeout_ms, NULL);
}

/* rsp_close() of a session's socket (the mutex held): out of the
 * accept queue, and its session ends gracefully unless it is over. */
void
cp_session_close(struct cp_sock *c)
{
	struct cp_sock **pp;

	for (pp = &c->parent->accept_head; *pp != NULL;
	     pp = &(*pp)->accept_next)
		if (*pp == c) {
			*pp = c->accept_next;
			cp_sock_signal(c->parent);
			break;
		}
	if (!c->ended)
		rsp_element_close_session(c->parent->element, c->sid);
	c->parent = NULL;
}

/* The element and session ID a send on s goes to (the mutex held):
 * an accepted session's own, or the one named on a one-to-many
 * socket.  NULL with errno. */
static struct rsp_element *
target(struct cp_sock *s, rserpool_session_t session, uint32_t *sid)
{
	if (s->parent != NULL && !s->ended) {
		*sid = s->sid;
		return s->parent->element;
	}
	if (s->element != NULL && !s->one_to_one && session > 0) {
		*sid = (uint32_t)session;
		return s->element;
	}
	errno = s->ended ? EPIPE : EINVAL;
	return NULL;
}

static int
errno_of(int err)
{
	return err == RSP_EMSGSIZE ? EMSGSIZE
	       : err == RSP_EAGAIN ? EAGAIN
	       : err == RSP_ESTATE ? EPIPE
	                           : EIO;
}

/* rsp_sendmsg() on a PE's socket (the mutex held). */
ssize_t
cp_element_send(struct cp_sock *s, rserpool_session_t session, const void *data,
    size_t len, uint32_t ppid, uint16_t stream, uint16_t sctp_flags)
{
	struct rsp_element *e;
	uint32_t sid;
	int err;

	if ((e = target(s, session, &sid)) == NULL)
		return -1;
	if (len == 0 && (sctp_flags & CP_SCTP_ABORT))
		err = rsp_element_abort_session(e, sid);
	else if (len == 0 && (sctp_flags & CP_SCTP_EOF))
		err = rsp_element_close_session(e, sid);
	else
		err = rsp_element_send(e, sid, ppid, stream, data, len);
	if (err == RSP_OK)
		return (ssize_t)len;
	errno = errno_of(err);
	return -1;
}

ssize_t
rsp_send_cookie(int sd, const unsigned char *cookie, const size_t len,
    rserpool_session_t session, int timeout_ms)
{
	struct rsp_element *e;
	struct cp_sock *s;
	uint32_t sid;
	ssize_t rc = -1;
	int err;

	(void)timeout_ms; /* never blocks */
	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL) {
		errno = EBADF;
	} else if ((e = target(s, session, &sid)) != NULL) {
		if ((err = rsp_element_send_cookie(e, sid, cookie, len)) ==
		    RSP_OK)
			rc = (ssize_t)len;
		else
			errno = errno_of(err);
	}
	cp_unlock();
	return rc;
}

/* RSPLIB passes these on to its SCTP sockets; the rsp library keeps its
 * transports' options to itself: ENOPROTOOPT on RSerPool sockets. */
int
rsp_getsockopt(int sd, int level, int optname, void *optval, socklen_t *optlen)
{
	if (cp_is_rserpool(sd)) {
		errno = ENOPROTOOPT;
		return -1;
	}
	return getsockopt(sd, level, optname, optval, optlen);
}

int
rsp_setsockopt(
    int sd, int level, int optname, const void *optval, socklen_t optlen)
{
	if (cp_is_rserpool(sd)) {
		errno = ENOPROTOOPT;
		return -1;
	}
	return setsockopt(sd, level, optname, optval, optlen);
}

/* The transport's timers are the rsp library's own: nothing changes,
 * and the structure comes back as given (0: "unchanged", RSPLIB's
 * reading of it).  EBADF for what is no RSerPool socket. */
int
rsp_update_session_parameters(
    int sd, struct rserpool_session_parameters *params)
{
	if (!cp_is_rserpool(sd)) {
		errno = EBADF;
		return -1;
	}
	if (params == NULL) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
