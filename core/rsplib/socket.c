/*
 * RSerPool sockets (internal.h): the table, rsp_socket and rsp_close,
 * rsp_mapsocket, and rsp_select, which is the kernel's (rsp_poll, which
 * reads sessions directly: direct.c): an RSerPool socket is an eventfd
 * that is readable while its queue holds a message or a notification.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/rsplib/internal.h"

struct cp_sock *
cp_sock_find(int fd)
{
	struct cp_sock *s;

	for (s = cp.socks; s != NULL; s = s->next)
		if (s->fd == fd)
			return s;
	return NULL;
}

int
cp_is_rserpool(int fd)
{
	struct cp_sock *s;
	int rc;

	cp_lock();
	rc = (s = cp_sock_find(fd)) != NULL && !s->mapped;
	pthread_mutex_unlock(&cp.mu);
	return rc;
}

int
cp_sock_ready(const struct cp_sock *s)
{
	return s->qhead != NULL || s->accept_head != NULL || s->ended;
}

/* The eventfd follows the queue: readable exactly while it is not
 * empty, a session waits for rsp_accept() or an ended session's socket
 * reads 0; a system call only when that changes. */
void
cp_sock_sync(struct cp_sock *s)
{
	int ready = cp_sock_ready(s);
	uint64_t v = 1;
	ssize_t rc;

	if (ready == s->efd_readable)
		return;
	if (ready)
		rc = write(s->fd, &v, sizeof(v));
	else
		rc = read(s->fd, &v, sizeof(v));
	(void)rc; /* EAGAIN: already in that state */
	s->efd_readable = ready;
}

/* The queue changed: the eventfd follows, unless a thread reading for
 * itself holds it (direct.c: it takes what it queued, and the eventfd
 * was never to say so), and waiters in rsp_recvmsg() are woken. */
void
cp_sock_signal(struct cp_sock *s)
{
	if (s->hold == 0)
		cp_sock_sync(s);
	pthread_cond_broadcast(&cp.cond);
}

void
cp_queue_push(struct cp_sock *s, struct cp_item *it)
{
	it->next = NULL;
	*s->qtail = it;
	s->qtail = &it->next;
	cp_sock_signal(s);
}

struct cp_item *
cp_queue_msg(struct cp_sock *s, const struct rsp_event *ev)
{
	struct cp_item *it = malloc(sizeof(*it) + ev->len);

	if (it == NULL)
		return NULL; /* lost, as a message the transport dropped */
	memset(it, 0, sizeof(*it));
	it->ppid = ev->ppid;
	it->stream = ev->stream;
	it->pe_id = ev->pe_id;
	it->len = ev->len;
	memcpy(it->data, ev->data, ev->len);
	cp_queue_push(s, it);
	return it;
}

void
cp_queue_clear(struct cp_sock *s)
{
	struct cp_item *it;

	while ((it = s->qhead) != NULL) {
		s->qhead = it->next;
		free(it);
	}
	s->qtail = &s->qhead;
	cp_sock_signal(s);
}

struct cp_item *
cp_notification(int type, int state, int has_cookie)
{
	struct cp_item *it = calloc(1, sizeof(*it));

	if (it == NULL)
		return NULL;
	it->notification = 1;
	it->n.rn_header.rn_type = (uint16_t)type;
	it->n.rn_header.rn_length = sizeof(it->n);
	if (type == RSERPOOL_FAILOVER) {
		it->n.rn_failover.rf_state = (unsigned int)state;
		it->n.rn_failover.rf_session = CP_SESSION_ID;
		it->n.rn_failover.rf_has_cookie = has_cookie != 0;
	} else if (type == RSERPOOL_SHUTDOWN_EVENT) {
		it->n.rn_shutdown_event.rse_session = CP_SESSION_ID;
	}
	return it;
}

/* A pool handle of RSPLIB's (bytes and length) as a string; -1 when
 * it is empty, too long or holds a NUL. */
int
cp_handle(const unsigned char *h, size_t n, char *out)
{
	if (h == NULL || n == 0 || n > CP_HANDLE_MAX || memchr(h, 0, n) != NULL)
		return -1;
	memcpy(out, h, n);
	out[n] = '\0';
	return 0;
}

static struct cp_sock *
sock_new(int fd, int mapped)
{
	struct cp_sock *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->fd = fd;
	s->mapped = mapped;
	s->qtail = &s->qhead;
	s->next = cp.socks;
	cp.socks = s;
	return s;
}

static void
sock_unlink(struct cp_sock *s)
{
	struct cp_sock **pp;

	for (pp = &cp.socks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
}

/* Any domain, type and protocol RSPLIB takes: the transport is the
 * library's (-transport=, $RSP_TRANSPORT), not the caller's. */
int
rsp_socket(int domain, int type, int protocol)
{
	int fd;

	struct cp_sock *s = NULL;

	(void)domain;
	(void)protocol;
	cp_lock();
	if (!cp.initialized) {
		pthread_mutex_unlock(&cp.mu);
		errno = EINVAL;
		return -1;
	}
	if ((fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) != -1 &&
	    (s = sock_new(fd, 0)) == NULL) {
		close(fd);
		fd = -1;
		errno = ENOMEM;
	}
	if (s != NULL)
		s->one_to_one = type == SOCK_STREAM; /* RSPLIB's TCP-like PEs */
	pthread_mutex_unlock(&cp.mu);
	return fd;
}

/* As RSPLIB's: a registered socket deregisters its PE first and waits
 * for the answer (the socket stays in the table meanwhile: other
 * threads may still use it), then every session ends. */
int
rsp_close(int sd)
{
	struct cp_sock *s;

	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL) {
		pthread_mutex_unlock(&cp.mu);
		errno = EBADF;
		return -1;
	}
	cp_element_deregister(s, 0);
	/* Another thread may have closed it while the mutex was free. */
	if (cp_sock_find(sd) != s) {
		cp_unlock();
		return 0;
	}
	sock_unlink(s);
	cp_direct_leave(s);
	cp_element_close(s);
	if (s->parent != NULL)
		cp_session_close(s);
	if (s->session != NULL) {
		rsp_session_shutdown(s->session);
		rsp_session_free(s->session);
	}
	cp_queue_clear(s);
	if (!s->mapped)
		close(s->fd);
	free(s);
	cp_unlock();
	return 0;
}

/*
 * RSPLIB numbers its sockets itself and maps system descriptors into
 * that space; here RSerPool sockets are system descriptors already, so
 * a mapped descriptor keeps its number: to_sd must be -1 or sd.
 */
int
rsp_mapsocket(int sd, int to_sd)
{
	int rc = sd;

	if (sd < 0 || (to_sd != -1 && to_sd != sd)) {
		errno = EINVAL;
		return -1;
	}
	cp_lock();
	if (cp_sock_find(sd) != NULL) {
		errno = EBUSY;
		rc = -1;
	} else if (sock_new(sd, 1) == NULL) {
		errno = ENOMEM;
		rc = -1;
	}
	pthread_mutex_unlock(&cp.mu);
	return rc;
}

int
rsp_unmapsocket(int sd)
{
	struct cp_sock *s;
	int rc = 0;

	cp_lock();
	if ((s = cp_sock_find(sd)) == NULL || !s->mapped) {
		errno = EBADF;
		rc = -1;
	} else {
		sock_unlink(s);
		free(s);
	}
	pthread_mutex_unlock(&cp.mu);
	return rc;
}

int
rsp_select(int n, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
    struct timeval *timeout)
{
	struct cp_sock *s;

	/* a socket rsp_poll() said readable: its eventfd says so too */
	cp_lock();
	for (s = cp.socks; s != NULL; s = s->next)
		cp_sock_sync(s);
	pthread_mutex_unlock(&cp.mu);
	return select(n, readfds, writefds, exceptfds, timeout);
}
