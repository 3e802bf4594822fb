/*
 * Message I/O on RSerPool sockets: rsp_sendmsg hands a message to the
 * rsp session (queued while no PE is up), rsp_recvmsg takes the next
 * message or notification from the socket's queue, a message in parts
 * when the buffer is smaller (MSG_EOR on the last).  The read/write
 * style wrappers also take other descriptors, as RSPLIB's do for the
 * ones it maps (stdin).  PPIDs cross this API in network byte order,
 * as in RSPLIB.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rsplib/internal.h"

ssize_t
rsp_sendmsg(int sd, const void *data, size_t len, unsigned int msg_flags,
    rserpool_session_t session, uint32_t ppid, uint16_t stream, uint32_t ttl,
    uint16_t sctp_flags, int timeout_ms)
{
	struct cp_sock *s;
	int err;

	ssize_t rc;

	(void)msg_flags, (void)ttl;
	(void)timeout_ms; /* never blocks: the session queues */
	cp_lock();
	if ((s = cp_sock_find(sd)) != NULL &&
	    (s->element != NULL || s->parent != NULL || s->ended)) {
		rc = cp_element_send(
		    s, session, data, len, ntohl(ppid), stream, sctp_flags);
		cp_unlock();
		return rc;
	}
	if (s == NULL || s->session == NULL) {
		pthread_mutex_unlock(&cp.mu);
		errno = EBADF;
		return -1;
	}
	if (s->closed) {
		pthread_mutex_unlock(&cp.mu);
		errno = EIO; /* RSPLIB: the session needs a failover */
		return -1;
	}
	err = rsp_session_send(s->session, ntohl(ppid), stream, data, len);
	cp_unlock();
	if (err == RSP_OK)
		return (ssize_t)len;
	errno = err == RSP_EMSGSIZE ? EMSGSIZE
	        : err == RSP_EAGAIN ? EAGAIN
	                            : EIO;
	return -1;
}

static void
pop(struct cp_sock *s)
{
	struct cp_item *it = s->qhead;

	if ((s->qhead = it->next) == NULL)
		s->qtail = &s->qhead;
	free(it);
	cp_sock_signal(s);
}

/* The head of the queue into buffer (the mutex held). */
static ssize_t
take(struct cp_sock *s, void *buffer, size_t len, struct rsp_sndrcvinfo *ri,
    int *flags)
{
	struct cp_item *it = s->qhead;
	size_t n;

	if (ri != NULL)
		ri->rinfo_session =
		    it->session != 0 ? it->session : CP_SESSION_ID;
	if (it->notification) {
		if (len < sizeof(it->n)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(buffer, &it->n, sizeof(it->n));
		*flags |= MSG_RSERPOOL_NOTIFICATION | MSG_EOR;
		pop(s);
		return sizeof(union rserpool_notification);
	}
	n = it->len - it->off < len ? it->len - it->off : len;
	memcpy(buffer, it->data + it->off, n);
	it->off += n;
	if (ri != NULL) {
		ri->rinfo_ppid = htonl(it->ppid);
		ri->rinfo_pe_id = it->pe_id;
		ri->rinfo_stream = it->stream;
	}
	if (it->cookie_echo)
		*flags |= MSG_RSERPOOL_COOKIE_ECHO;
	if (it->off == it->len) {
		*flags |= MSG_EOR;
		pop(s);
	}
	return (ssize_t)n;
}

/* rsp_recvmsg within limit, which rsp_recvfullmsg's parts share. */
static ssize_t
recv_limited(int sd, void *buffer, size_t len, struct rsp_sndrcvinfo *rinfo,
    int *flags, struct cp_limit *limit)
{
	struct cp_sock *s;
	ssize_t rc = -1;

	if (rinfo != NULL)
		memset(rinfo, 0, sizeof(*rinfo));
	*flags &=
	    ~(MSG_EOR | MSG_RSERPOOL_NOTIFICATION | MSG_RSERPOOL_COOKIE_ECHO);
	cp_lock();
	if (limit->timeout_ms == 0 && (s = cp_sock_find(sd)) != NULL)
		cp_direct_read(s);
	while ((s = cp_sock_find(sd)) != NULL && !s->mapped &&
	       s->qhead == NULL && !s->ended && limit->timeout_ms != 0 &&
	       cp_wait_input(s, limit) == 0)
		;
	if (s == NULL || s->mapped)
		errno = EBADF;
	else if (s->qhead == NULL && s->ended)
		rc = 0; /* the PU ended the session */
	else if (s->qhead == NULL)
		errno = EAGAIN;
	else if (buffer == NULL && len > 0)
		errno = EFAULT;
	else
		rc = take(s, buffer, len, rinfo, flags);
	if (s != NULL)
		cp_sock_sync(s); /* what is left: the eventfd says so */
	pthread_mutex_unlock(&cp.mu);
	return rc;
}

ssize_t
rsp_recvmsg(int sd, void *buffer, size_t len, struct rsp_sndrcvinfo *rinfo,
    int *msg_flags, int timeout_ms)
{
	struct cp_limit limit = CP_LIMIT(timeout_ms);
	int dummy = 0;

	return recv_limited(sd, buffer, len, rinfo,
	    msg_flags != NULL ? msg_flags : &dummy, &limit);
}

ssize_t
rsp_recvfullmsg(int sd, void *buffer, size_t len, struct rsp_sndrcvinfo *rinfo,
    int *msg_flags, int timeout_ms)
{
	struct cp_limit limit = CP_LIMIT(timeout_ms);
	int dummy = 0, *flags = msg_flags != NULL ? msg_flags : &dummy;
	size_t off = 0;
	ssize_t n;

	for (;;) {
		n = recv_limited(
		    sd, (char *)buffer + off, len - off, rinfo, flags, &limit);
		if (n < 0)
			return off > 0 ? (ssize_t)off : -1;
		if (n == 0 && len > off)
			return (ssize_t)off; /* the session is over */
		off += (size_t)n;
		if ((*flags & MSG_EOR) || off == len)
			return (ssize_t)off;
	}
}

ssize_t
rsp_read(int fd, void *buffer, size_t len)
{
	int flags = 0;

	if (cp_is_rserpool(fd))
		return rsp_recvmsg(fd, buffer, len, NULL, &flags, -1);
	return read(fd, buffer, len);
}

ssize_t
rsp_recv(int sd, void *buffer, size_t len, int flags)
{
	if (cp_is_rserpool(sd))
		return rsp_recvmsg(sd, buffer, len, NULL, &flags, -1);
	return recv(sd, buffer, len, flags);
}

ssize_t
rsp_write(int fd, const char *data, size_t len)
{
	if (cp_is_rserpool(fd))
		return rsp_sendmsg(fd, data, len, 0, 0, 0, 0, 0, 0, -1);
	return write(fd, data, len);
}

ssize_t
rsp_send(int sd, const void *data, size_t len, int flags)
{
	if (cp_is_rserpool(sd))
		return rsp_sendmsg(
		    sd, data, len, (unsigned int)flags, 0, 0, 0, 0, 0, -1);
	return send(sd, data, len, flags | MSG_NOSIGNAL);
}

/* The status text of the socket's session, for the CSP reports
 * (csp.c). */
int
rsp_csp_setstatus(int sd, rserpool_session_t session, const char *status_text)
{
	struct cp_sock *s;
	int rc = 0;

	(void)session;
	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL) {
		errno = EBADF;
		rc = -1;
	} else {
		snprintf(s->status, sizeof(s->status), "%s",
		    status_text != NULL ? status_text : "");
	}
	pthread_mutex_unlock(&cp.mu);
	return rc;
}
