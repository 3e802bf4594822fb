/*
 * The direct data path (docs/library.md, "Threads").  An application
 * thread that waits for input of an RSerPool socket whose session is up
 * (rsp_recvmsg, rsp_poll) polls the session's transport descriptor
 * itself, beside the socket's eventfd, and runs the library's reading
 * of it under the mutex; it does not sleep until the loop thread has
 * read, queued and woken it.  One thread wakes per message instead of
 * two (BENCHMARKS.md, "RSPLIB's API").  Meanwhile the loop thread's
 * poll does not watch that descriptor for input (ev_fd_suspend), so it
 * does not wake for it as well.  The suspension is a lease that
 * outlives the wait: a thread that waits again soon, as a thread per
 * session does, finds the loop off that descriptor already, which
 * saves two epoll_ctl() calls and a wake-up of the loop thread per
 * message (input arriving between two waits).  The loop thread ends a
 * lease nobody used for CP_LEASE_MS and reads the descriptor again: a
 * socket nobody waits on gets its input queued at most 2 * CP_LEASE_MS
 * late (its eventfd for select(); rsp_poll and rsp_recvmsg read it
 * themselves).  Before the loop thread handles anything else, it reads
 * the leased descriptors, so that what came there earlier comes first
 * (a session's end before the next session's start on a one-to-many
 * socket).  Everything else stays with the loop
 * thread: registrars, resolutions, failovers, heartbeats, timers.  It
 * reaches a waiter through the socket's eventfd (a notification, the
 * session's end) or, when it dropped the association the thread polls,
 * at the next turn (CP_DIRECT_TURN_MS); rsp_close() wakes the waiters
 * through the eventfd and waits for them to leave.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/rsplib/internal.h"

/* A direct wait returns at least this often to look at its socket
 * again: the loop thread may have replaced the association. */
#define CP_DIRECT_TURN_MS 500
/* The descriptors one wait reads itself at most (more: the kernel's
 * poll, the loop thread reads), and rsp_poll()'s own at most. */
#define CP_DIRECT_MAX      16
#define CP_DIRECT_POLL_MAX 256
/* A lease of a descriptor lasts this long unused. */
#define CP_LEASE_MS 50

/* A descriptor a thread waits on directly. */
struct cp_direct {
	struct cp_sock *s;
	struct cp_lease *l;
	int fd;
	uint32_t gen;
};

/* The transport descriptors of s's sessions (a one-to-many socket's:
 * all; over kernel SCTP, the endpoint's one socket, which carries them
 * all), at most max; none when the loop thread must read (nothing up,
 * no such descriptor, something queued already). */
static int
direct_fds(const struct cp_sock *s, int *fds, int max)
{
	if (s->mapped || cp_sock_ready(s))
		return 0;
	if (s->session != NULL)
		return !s->closed && (fds[0] = rsp_session_fd(s->session)) >= 0;
	if (s->parent != NULL && s->parent->element != NULL)
		return rsp_element_session_fds(
		    s->parent->element, s->sid, fds, max > 1 ? 1 : max);
	if (s->element != NULL && !s->one_to_one)
		return rsp_element_session_fds(s->element, 0, fds, max);
	return 0;
}

/* The loop watches l's descriptor again (unless that registration is
 * gone: then nothing happens), and the lease is over. */
static void
lease_end(struct cp_lease *l)
{
	ev_fd_resume(cp.loop, l->fd, l->gen);
	*l = cp.leases[--cp.nleases];
}

/* On the loop thread: leases unused since the last look end. */
static int64_t
lease_check(struct ev_loop *loop, uint64_t id, void *arg)
{
	int i;

	(void)loop, (void)id, (void)arg;
	for (i = cp.nleases - 1; i >= 0; i--) {
		if (!cp.leases[i].used && cp.leases[i].waiters == 0)
			lease_end(&cp.leases[i]);
		else
			cp.leases[i].used = 0;
	}
	if (cp.nleases > 0)
		return CP_LEASE_MS;
	cp.lease_timer = EV_TIMER_NONE;
	return EV_NOMORE;
}

/* The lease of fd (the mutex held), taken now unless it is held; NULL
 * when fd is not the loop's or the table is full. */
static struct cp_lease *
lease_take(int fd)
{
	uint32_t gen = ev_fd_gen(cp.loop, fd);
	struct cp_lease *l = NULL;
	int i;

	for (i = 0; i < cp.nleases && l == NULL; i++)
		if (cp.leases[i].fd == fd)
			l = &cp.leases[i];
	if (l != NULL && l->gen != gen && l->waiters == 0) {
		lease_end(l); /* another connection by now */
		l = NULL;
	}
	if (l == NULL) {
		if (gen == 0 || cp.nleases == CP_LEASES_MAX)
			return NULL;
		l = &cp.leases[cp.nleases++];
		*l = (struct cp_lease){
		    .fd = fd, .gen = ev_fd_suspend(cp.loop, fd)};
	}
	l->used = 1;
	if (cp.lease_timer == EV_TIMER_NONE)
		cp.lease_timer =
		    ev_timer_add(cp.loop, CP_LEASE_MS, lease_check, NULL);
	return l->gen == gen ? l : NULL;
}

/* The descriptors of s waited on directly, begun into d (the mutex
 * held): their number, at most max. */
static int
direct_begin(struct cp_sock *s, struct cp_direct *d, int max)
{
	int fds[CP_DIRECT_MAX], i, n, k = 0;

	n = direct_fds(s, fds, max < CP_DIRECT_MAX ? max : CP_DIRECT_MAX);
	for (i = 0; i < n; i++) {
		if ((d[k].l = lease_take(fds[i])) == NULL)
			continue;
		d[k].l->waiters++;
		d[k].fd = fds[i];
		d[k].gen = d[k].l->gen;
		d[k].s = s;
		s->direct_waiters++;
		k++;
	}
	return k;
}

/* The mutex held: when poll() said the descriptor is readable (or
 * failed: the read meets the error), the library reads it now, which
 * queues what came on the sockets.  Leases stay where they are while
 * a thread waits on them (lease_take).  What it queues on its own
 * socket, this thread takes: the socket's eventfd is left behind
 * (held) until rsp_recvmsg takes it or rsp_poll returns, a write and a
 * read saved per message, unless another thread waits on it too. */
static void
direct_end(struct cp_direct *d, short revents)
{
	int saved = errno, i;

	if (revents != 0) {
		d->s->hold++;
		ev_fd_run(cp.loop, d->fd, d->gen, EV_READ);
		d->s->hold--;
	}
	for (i = 0; i < cp.nleases; i++)
		if (cp.leases[i].fd == d->fd && cp.leases[i].gen == d->gen)
			cp.leases[i].waiters--;
	if (--d->s->direct_waiters == 0)
		pthread_cond_broadcast(&cp.cond); /* rsp_close() may wait */
	else
		cp_sock_sync(d->s);
	errno = saved;
}

void
cp_direct_drain(void)
{
	int i;

	for (i = 0; i < cp.nleases; i++)
		ev_fd_run(cp.loop, cp.leases[i].fd, cp.leases[i].gen, EV_READ);
}

void
cp_direct_read(struct cp_sock *s)
{
	int fds[CP_DIRECT_MAX], i, j, n;

	n = direct_fds(s, fds, CP_DIRECT_MAX);
	s->hold++; /* rsp_recvmsg takes it, then syncs the eventfd */
	for (i = 0; i < n; i++)
		for (j = 0; j < cp.nleases; j++)
			if (cp.leases[j].fd == fds[i] &&
			    cp.leases[j].gen == ev_fd_gen(cp.loop, fds[i]))
				ev_fd_run(
				    cp.loop, fds[i], cp.leases[j].gen, EV_READ);
	s->hold--;
}

/* poll()'s timeout for a direct wait of left ms (-1 no limit): at
 * most a turn. */
static int
turn_ms(int left)
{
	return left < 0 || left > CP_DIRECT_TURN_MS ? CP_DIRECT_TURN_MS : left;
}

/* (A wait that ends with input reads no clock: the time left is looked
 * at again only when the caller waits again.) */
int
cp_wait_input(struct cp_sock *s, struct cp_limit *limit)
{
	struct cp_direct d[CP_DIRECT_MAX];
	struct pollfd p[CP_DIRECT_MAX + 1];
	int i, k, n, left;

	if ((left = cp_limit_left(limit)) == 0)
		return -1;
	cp_sock_sync(s); /* the kernel's poll below reads its eventfd */
	if ((k = direct_begin(s, d, CP_DIRECT_MAX)) == 0)
		return cp_wait(cp_limit_deadline(limit));
	for (i = 0; i < k; i++)
		p[i] = (struct pollfd){.fd = d[i].fd, .events = POLLIN};
	p[k] = (struct pollfd){.fd = s->fd, .events = POLLIN};
	cp_unlock();
	n = poll(p, (nfds_t)k + 1, turn_ms(left));
	cp_lock();
	for (i = 0; i < k; i++)
		direct_end(&d[i], n > 0 ? p[i].revents : 0);
	return 0;
}

void
cp_direct_leave(struct cp_sock *s)
{
	uint64_t one = 1;
	ssize_t rc;

	if (s->direct_waiters == 0)
		return;
	rc = write(s->fd, &one, sizeof(one)); /* wakes their poll() */
	(void)rc;
	s->efd_readable = 1;
	while (s->direct_waiters > 0)
		pthread_cond_wait(&cp.cond, &cp.mu);
}

/* The descriptors of the RSerPool sockets of fds waiting for input
 * that rsp_poll() reads itself, begun (the mutex held); their number. */
static unsigned int
poll_begin(const struct pollfd *fds, unsigned int nfds, struct cp_direct *d)
{
	struct cp_sock *s;
	unsigned int i;
	int k = 0;

	for (i = 0; i < nfds && k < CP_DIRECT_MAX; i++)
		if ((fds[i].events & POLLIN) &&
		    (s = cp_sock_find(fds[i].fd)) != NULL) {
			cp_sock_sync(s); /* the kernel's poll reads it */
			k += direct_begin(s, d + k, CP_DIRECT_MAX - k);
		}
	return (unsigned int)k;
}

/* After poll() (the mutex held): the reads done, fds' revents, where
 * an RSerPool socket whose queue filled is readable; their count. */
static int
poll_end(struct pollfd *fds, unsigned int nfds, const struct pollfd *all,
    struct cp_direct *d, unsigned int k)
{
	struct cp_sock *s;
	unsigned int i;
	int n = 0;

	for (i = 0; i < k; i++)
		direct_end(&d[i], all[nfds + i].revents);
	for (i = 0; i < nfds; i++) {
		fds[i].revents = all[i].revents;
		if ((fds[i].events & POLLIN) &&
		    (s = cp_sock_find(fds[i].fd)) != NULL && !s->mapped &&
		    cp_sock_ready(s))
			fds[i].revents |= POLLIN;
		n += fds[i].revents != 0;
	}
	return n;
}

/* When every descriptor of fds is an RSerPool socket and one has
 * something queued (the mutex held): their revents without asking the
 * kernel, as a server polling its socket once per message does; 0
 * otherwise. */
static int
poll_queued(struct pollfd *fds, unsigned int nfds)
{
	const struct cp_sock *s;
	unsigned int i;
	int n = 0;

	for (i = 0; i < nfds; i++) {
		if ((s = cp_sock_find(fds[i].fd)) == NULL || s->mapped)
			return 0; /* (revents: set again by the caller's poll) */
		fds[i].revents = (short)(fds[i].events & POLLOUT);
		if ((fds[i].events & POLLIN) && cp_sock_ready(s))
			fds[i].revents |= POLLIN;
		n += fds[i].revents != 0;
	}
	return n;
}

/*
 * Every descriptor is the kernel's: RSerPool sockets are readable while
 * they hold something, always writable (sends are queued).  Those
 * waiting for input of a session that is up are read directly; input
 * that gives the application nothing (a transport's acknowledgement)
 * is no event, the wait goes on.
 */
int
rsp_poll(struct pollfd *fds, unsigned int nfds, int timeout_ms)
{
	struct cp_limit limit = CP_LIMIT(timeout_ms);
	struct pollfd all[CP_DIRECT_POLL_MAX + CP_DIRECT_MAX];
	struct cp_direct d[CP_DIRECT_MAX];
	unsigned int i, k;
	int n, err, left;

	if (nfds > CP_DIRECT_POLL_MAX)
		return poll(fds, nfds, timeout_ms);
	for (;;) {
		cp_lock();
		if ((n = poll_queued(fds, nfds)) > 0) {
			cp_unlock();
			return n;
		}
		left = cp_limit_left(&limit);
		if ((k = poll_begin(fds, nfds, d)) == 0) {
			cp_unlock();
			return poll(fds, nfds, left);
		}
		memcpy(all, fds, nfds * sizeof(*fds));
		for (i = 0; i < k; i++)
			all[nfds + i] =
			    (struct pollfd){.fd = d[i].fd, .events = POLLIN};
		cp_unlock();
		n = poll(all, nfds + k, turn_ms(left));
		err = errno;
		cp_lock();
		if (n >= 0)
			n = poll_end(fds, nfds, all, d, k);
		else
			for (i = 0; i < k; i++)
				direct_end(&d[i], 0);
		cp_unlock();
		errno = err;
		if (n != 0 || left == 0)
			return n;
	}
}
