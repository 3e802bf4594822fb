/*
 * The event loop's records (core/ev.h), shared by the files of its
 * implementation: core/ev.c (loop, file events, timers) and
 * core/ev_signal.c (signals).
 */
#ifndef RSP_EV_INT_H
#define RSP_EV_INT_H

#include <signal.h>
#include <stdint.h>

#include "core/ev.h"

struct ev_fd {
	ev_fd_cb *cb;
	void *arg;
	int mask;
	uint32_t gen; /* bumped on every add of a new registration and del */
	int used;
	int suspended; /* ev_fd_suspend() calls not yet resumed */
};

struct ev_timer {
	ev_timer_cb *cb;
	void *arg;
	uint32_t gen;
	uint32_t heap_idx;  /* NO_HEAP when not pending */
	uint32_t next_free; /* free list link while unused */
	uint8_t used;
};

struct ev_heapent {
	uint64_t when;
	uint64_t seq;
	uint32_t slot;
};

struct ev_sig {
	ev_signal_cb *cb;
	void *arg;
};

struct ev_loop {
	struct ev_backend *backend;
	struct ev_fd *fds;
	int nfds; /* entries allocated in fds */

	struct ev_timer *timers;
	uint32_t nslots, slotcap, free_head;
	uint32_t nused; /* slots holding a timer; heapcap >= nused */
	struct ev_heapent *heap;
	uint32_t heaplen, heapcap;
	uint64_t seq;

	uint64_t now;
	ev_clock_fn *clock_fn;
	void *clock_arg;
	int stop;

	int sigfd;
	sigset_t sigmask;    /* signals delivered through sigfd */
	sigset_t sigblocked; /* those of them we blocked ourselves */
	struct ev_sig sigs[_NSIG];
};

#endif
