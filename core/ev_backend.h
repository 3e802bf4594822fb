/*
 * The poller behind core/ev.c: epoll today (core/ev_epoll.c), room for a
 * poll() fallback.  Internal to core/ev*.c.
 */
#ifndef RSP_EV_BACKEND_H
#define RSP_EV_BACKEND_H

#include <stdint.h>

struct ev_backend;

/* One ready fd.  gen echoes what evb_set() was given, so ev.c can tell a
 * stale event for a closed-and-reused fd from a live one. */
struct ev_fired {
	int fd;
	uint32_t gen;
	int events; /* EV_READ|EV_WRITE|EV_HUP|EV_ERROR */
};

struct ev_backend *evb_new(void);
void evb_free(struct ev_backend *b);
/* Move fd from oldmask to newmask (either may be EV_NONE). */
int evb_set(
    struct ev_backend *b, int fd, uint32_t gen, int oldmask, int newmask);
/* Up to max events; 0 on timeout or EINTR, -1 with errno on error. */
int evb_wait(
    struct ev_backend *b, struct ev_fired *out, int max, int timeout_ms);
int evb_fd(const struct ev_backend *b);

#endif
