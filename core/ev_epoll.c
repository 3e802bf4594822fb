/*
 * epoll backend of core/ev.c.  Level-triggered, so a callback that reads
 * only part of the input is called again on the next iteration.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/ev_backend.h"

struct ev_backend {
	int epfd;
};

struct ev_backend *
evb_new(void)
{
	struct ev_backend *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(b);
		return NULL;
	}
	return b;
}

void
evb_free(struct ev_backend *b)
{
	if (b == NULL)
		return;
	close(b->epfd);
	free(b);
}

static uint32_t
mask_to_epoll(int mask)
{
	uint32_t e = 0;

	if (mask & EV_READ)
		e |= EPOLLIN | EPOLLRDHUP;
	if (mask & EV_WRITE)
		e |= EPOLLOUT;
	return e;
}

static int
epoll_to_mask(uint32_t e)
{
	int mask = 0;

	if (e & (EPOLLIN | EPOLLRDHUP | EPOLLPRI))
		mask |= EV_READ;
	if (e & EPOLLOUT)
		mask |= EV_WRITE;
	if (e & EPOLLHUP)
		mask |= EV_HUP;
	if (e & EPOLLERR)
		mask |= EV_ERROR;
	return mask;
}

int
evb_set(struct ev_backend *b, int fd, uint32_t gen, int oldmask, int newmask)
{
	struct epoll_event ee = {0};
	int op;

	if (oldmask == EV_NONE && newmask == EV_NONE)
		return 0;
	if (newmask == EV_NONE) {
		/* The fd may already be closed, which removed it: fine. */
		if (epoll_ctl(b->epfd, EPOLL_CTL_DEL, fd, &ee) == -1 &&
		    errno != EBADF && errno != ENOENT)
			return -1;
		return 0;
	}
	op = oldmask == EV_NONE ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	ee.events = mask_to_epoll(newmask);
	ee.data.u64 = (uint64_t)gen << 32 | (uint32_t)fd;
	if (epoll_ctl(b->epfd, op, fd, &ee) == 0)
		return 0;
	/*
	 * The kernel's set and ours disagree when an fd was closed without
	 * ev_del_fd() (close removed it) or is a dup of a watched one:
	 * retry with the other operation.
	 */
	if (op == EPOLL_CTL_MOD && errno == ENOENT)
		return epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ee);
	if (op == EPOLL_CTL_ADD && errno == EEXIST)
		return epoll_ctl(b->epfd, EPOLL_CTL_MOD, fd, &ee);
	return -1;
}

int
evb_wait(struct ev_backend *b, struct ev_fired *out, int max, int timeout_ms)
{
	struct epoll_event ee[128];
	int i, n;

	if (max > (int)(sizeof(ee) / sizeof(ee[0])))
		max = sizeof(ee) / sizeof(ee[0]);
	n = epoll_wait(b->epfd, ee, max, timeout_ms);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		out[i].fd = (int)(uint32_t)ee[i].data.u64;
		out[i].gen = (uint32_t)(ee[i].data.u64 >> 32);
		out[i].events = epoll_to_mask(ee[i].events);
	}
	return n;
}

int
evb_fd(const struct ev_backend *b)
{
	return b->epfd;
}
