/*
 * Event loop (see ev.h).  File events go to the backend in ev_epoll.c;
 * timers live here.
 *
 * Timers: a slot array (stable indices, free list) plus a binary min-heap
 * of {when, seq, slot}.  Each slot remembers its heap index, so cancel
 * and reschedule are O(log n) without searching.  A timer id is
 * generation << 32 | (slot + 1); freeing a slot bumps its generation, so
 * an old id can never reach a new timer.  The heap is ordered by (when,
 * seq): timers due at the same ms run in the order they were armed.
 *
 * Lazy deletion: while a callback runs its timer is out of the heap.
 * Afterwards the loop re-reads the slot by index (the array may have
 * moved) and uses the generation to see whether the callback cancelled
 * it, and the heap index to see whether it rescheduled it.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ev.h"
#include "core/ev_backend.h"
#include "core/ev_int.h"
#include "core/log.h"

#define NO_HEAP      UINT32_MAX
#define NO_SLOT      UINT32_MAX
#define EV_FIRED_MAX 128
/* Longer delays are clamped: about 146 million years. */
#define EV_MS_MAX ((int64_t)1 << 52)

/* ---- clock ---- */

uint64_t
ev_now_update(struct ev_loop *loop)
{
	loop->now =
	    loop->clock_fn ? loop->clock_fn(loop->clock_arg) : clock_mono_ms();
	return loop->now;
}

uint64_t
ev_now_ms(const struct ev_loop *loop)
{
	return loop->now;
}

void
ev_set_clock(struct ev_loop *loop, ev_clock_fn *fn, void *arg)
{
	loop->clock_fn = fn;
	loop->clock_arg = arg;
	ev_now_update(loop);
}

/* ---- loop ---- */

/*
 * Consume signals that arrived but were not dispatched, so unblocking
 * them does not run their default action (often: terminate) late.
 */
static void
signal_drain(int sigfd)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
}

struct ev_loop *
ev_loop_new(void)
{
	struct ev_loop *loop;

	if ((loop = calloc(1, sizeof(*loop))) == NULL)
		return NULL;
	if ((loop->backend = evb_new()) == NULL) {
		free(loop);
		return NULL;
	}
	loop->free_head = NO_SLOT;
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	sigemptyset(&loop->sigblocked);
	ev_now_update(loop);
	return loop;
}

void
ev_loop_free(struct ev_loop *loop)
{
	if (loop == NULL)
		return;
	if (loop->sigfd != -1) {
		signal_drain(loop->sigfd);
		close(loop->sigfd);
		pthread_sigmask(SIG_UNBLOCK, &loop->sigblocked, NULL);
	}
	evb_free(loop->backend);
	free(loop->fds);
	free(loop->timers);
	free(loop->heap);
	free(loop);
}

int
ev_backend_fd(const struct ev_loop *loop)
{
	return evb_fd(loop->backend);
}

void
ev_stop(struct ev_loop *loop)
{
	loop->stop = 1;
}

static void
stop_signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)signo, (void)arg;
	ev_stop(loop);
}

static int64_t
stop_timer_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)id, (void)arg;
	ev_stop(loop);
	return EV_NOMORE;
}

int
ev_stop_on_signals(struct ev_loop *loop)
{
	if (ev_add_signal(loop, SIGINT, stop_signal_cb, NULL) == -1 ||
	    ev_add_signal(loop, SIGTERM, stop_signal_cb, NULL) == -1)
		return -1;
	return 0;
}

int
ev_stop_after(struct ev_loop *loop, int64_t ms)
{
	if (ms <= 0)
		return 0;
	return ev_timer_add(loop, ms, stop_timer_cb, NULL) == EV_TIMER_NONE ? -1
	                                                                    : 0;
}

/* ---- file events ---- */

static int
fd_table_grow(struct ev_loop *loop, int fd)
{
	struct ev_fd *n;
	int cap = loop->nfds ? loop->nfds : 64;

	while (cap <= fd)
		cap *= 2;
	if ((n = reallocarray(loop->fds, cap, sizeof(*n))) == NULL)
		return -1;
	memset(n + loop->nfds, 0, (size_t)(cap - loop->nfds) * sizeof(*n));
	loop->fds = n;
	loop->nfds = cap;
	return 0;
}

static struct ev_fd *
fd_lookup(const struct ev_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used)
		return NULL;
	return &loop->fds[fd];
}

/* What the backend watches: the mask without EV_READ while another
 * thread reads the fd itself (ev_fd_suspend). */
static int
fd_watched(const struct ev_fd *e, int mask)
{
	return e->suspended > 0 ? mask & ~EV_READ : mask;
}

int
ev_add_fd(struct ev_loop *loop, int fd, int mask, ev_fd_cb *cb, void *arg)
{
	struct ev_fd *e;

	if (fd < 0 || cb == NULL || (mask & ~(EV_READ | EV_WRITE))) {
		errno = fd < 0 ? EBADF : EINVAL;
		return -1;
	}
	if (fd >= loop->nfds && fd_table_grow(loop, fd) == -1)
		return -1;
	e = &loop->fds[fd];
	if (!e->used) {
		e->gen++;
		e->suspended = 0;
	}
	if (evb_set(loop->backend, fd, e->gen,
	        e->used ? fd_watched(e, e->mask) : EV_NONE,
	        fd_watched(e, mask)) == -1)
		return -1;
	e->used = 1;
	e->mask = mask;
	e->cb = cb;
	e->arg = arg;
	return 0;
}

int
ev_mod_fd(struct ev_loop *loop, int fd, int mask)
{
	struct ev_fd *e;

	if ((e = fd_lookup(loop, fd)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (mask & ~(EV_READ | EV_WRITE)) {
		errno = EINVAL;
		return -1;
	}
	/* Unchanged: no system call (the TCP mapping sets its mask after
	 * every write). */
	if (fd_watched(e, mask) != fd_watched(e, e->mask) &&
	    evb_set(loop->backend, fd, e->gen, fd_watched(e, e->mask),
	        fd_watched(e, mask)) == -1)
		return -1;
	e->mask = mask;
	return 0;
}

int
ev_del_fd(struct ev_loop *loop, int fd)
{
	struct ev_fd *e;
	int rc;

	if ((e = fd_lookup(loop, fd)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	rc =
	    evb_set(loop->backend, fd, e->gen, fd_watched(e, e->mask), EV_NONE);
	e->used = 0;
	e->suspended = 0;
	e->mask = EV_NONE;
	e->cb = NULL;
	e->arg = NULL;
	e->gen++; /* events already fetched for fd are now stale */
	return rc;
}

int
ev_fd_mask(const struct ev_loop *loop, int fd)
{
	const struct ev_fd *e = fd_lookup(loop, fd);

	return e ? e->mask : -1;
}

uint32_t
ev_fd_gen(const struct ev_loop *loop, int fd)
{
	const struct ev_fd *e = fd_lookup(loop, fd);

	return e != NULL ? e->gen : 0;
}

uint32_t
ev_fd_suspend(struct ev_loop *loop, int fd)
{
	struct ev_fd *e = fd_lookup(loop, fd);
	int before;

	if (e == NULL)
		return 0;
	before = fd_watched(e, e->mask);
	e->suspended++;
	if (fd_watched(e, e->mask) != before)
		(void)evb_set(
		    loop->backend, fd, e->gen, before, fd_watched(e, e->mask));
	return e->gen;
}

void
ev_fd_resume(struct ev_loop *loop, int fd, uint32_t gen)
{
	struct ev_fd *e = fd_lookup(loop, fd);
	int before;

	if (e == NULL || e->gen != gen || e->suspended == 0)
		return; /* deleted (and maybe reused) meanwhile */
	before = fd_watched(e, e->mask);
	e->suspended--;
	if (fd_watched(e, e->mask) != before)
		(void)evb_set(
		    loop->backend, fd, e->gen, before, fd_watched(e, e->mask));
}

int
ev_fd_run(struct ev_loop *loop, int fd, uint32_t gen, int events)
{
	struct ev_fd *e = fd_lookup(loop, fd);

	if (e == NULL || e->gen != gen || (events & e->mask) == 0)
		return 0;
	ev_now_update(loop); /* the loop thread may have slept long */
	e->cb(loop, fd, events & e->mask, e->arg);
	return 1;
}

/*
 * Run the callback of one fetched event unless the registration changed
 * since the fetch.  HUP and ERROR wake whatever the fd waits for, so its
 * read() or write() sees the condition.
 */
static int
fd_dispatch(struct ev_loop *loop, const struct ev_fired *f)
{
	struct ev_fd *e = fd_lookup(loop, f->fd);
	int ev;

	if (e == NULL || e->gen != f->gen)
		return 0;
	ev = f->events & e->mask;
	if (f->events & (EV_HUP | EV_ERROR))
		ev |= e->mask | (f->events & (EV_HUP | EV_ERROR));
	if ((ev & (EV_READ | EV_WRITE)) == 0)
		return 0;
	e->cb(loop, f->fd, ev, e->arg);
	return 1;
}

/* ---- timer heap ---- */

static int
heap_less(const struct ev_heapent *a, const struct ev_heapent *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void
heap_place(struct ev_loop *loop, uint32_t i, struct ev_heapent ent)
{
	loop->heap[i] = ent;
	loop->timers[ent.slot].heap_idx = i;
}

static void
heap_sift_up(struct ev_loop *loop, uint32_t i)
{
	struct ev_heapent ent = loop->heap[i];
	uint32_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!heap_less(&ent, &loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, ent);
}

static void
heap_sift_down(struct ev_loop *loop, uint32_t i)
{
	struct ev_heapent ent = loop->heap[i];
	uint32_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= loop->heaplen)
			break;
		if (child + 1 < loop->heaplen &&
		    heap_less(&loop->heap[child + 1], &loop->heap[child]))
			child++;
		if (!heap_less(&loop->heap[child], &ent))
			break;
		heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	heap_place(loop, i, ent);
}

/*
 * Room for every timer that exists plus one more, so putting a running
 * timer back (timer_fire, reschedule) never needs memory.
 */
static int
heap_reserve(struct ev_loop *loop)
{
	struct ev_heapent *n;
	uint32_t cap;

	if (loop->nused < loop->heapcap)
		return 0;
	cap = loop->heapcap ? loop->heapcap * 2 : 64;
	if ((n = reallocarray(loop->heap, cap, sizeof(*n))) == NULL)
		return -1;
	loop->heap = n;
	loop->heapcap = cap;
	return 0;
}

/* heap_reserve() guarantees the room. */
static void
heap_push(struct ev_loop *loop, uint32_t slot, uint64_t when)
{
	struct ev_heapent ent = {when, loop->seq++, slot};

	loop->heap[loop->heaplen++] = ent;
	heap_sift_up(loop, loop->heaplen - 1);
}

static void
heap_remove(struct ev_loop *loop, uint32_t i)
{
	uint32_t slot;
	struct ev_heapent last;

	if (i >= loop->heaplen ||
	    loop->timers[(slot = loop->heap[i].slot)].heap_idx != i)
		fatalx("%s: timer heap index %u is corrupt", __func__, i);
	loop->timers[slot].heap_idx = NO_HEAP;
	last = loop->heap[--loop->heaplen];
	if (i == loop->heaplen)
		return;
	heap_place(loop, i, last);
	if (i > 0 && heap_less(&last, &loop->heap[(i - 1) / 2]))
		heap_sift_up(loop, i);
	else
		heap_sift_down(loop, i);
}

/* ---- timer slots ---- */

static uint64_t
timer_id(const struct ev_loop *loop, uint32_t slot)
{
	return (uint64_t)loop->timers[slot].gen << 32 | (slot + 1);
}

static struct ev_timer *
timer_lookup(const struct ev_loop *loop, uint64_t id, uint32_t *slotp)
{
	uint32_t lo = (uint32_t)id, slot;
	struct ev_timer *t;

	if (lo == 0 || lo > loop->nslots)
		return NULL;
	slot = lo - 1;
	t = &loop->timers[slot];
	if (!t->used || t->gen != (uint32_t)(id >> 32))
		return NULL;
	if (slotp != NULL)
		*slotp = slot;
	return t;
}

static int
slot_alloc(struct ev_loop *loop, uint32_t *slotp)
{
	struct ev_timer *n;
	uint32_t cap;

	if (loop->free_head != NO_SLOT) {
		*slotp = loop->free_head;
		loop->free_head = loop->timers[*slotp].next_free;
		return 0;
	}
	if (loop->nslots == loop->slotcap) {
		if (loop->slotcap >= UINT32_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		cap = loop->slotcap ? loop->slotcap * 2 : 64;
		if ((n = reallocarray(loop->timers, cap, sizeof(*n))) == NULL)
			return -1;
		loop->timers = n;
		loop->slotcap = cap;
	}
	*slotp = loop->nslots++;
	loop->timers[*slotp].gen = 1;
	return 0;
}

static void
slot_free(struct ev_loop *loop, uint32_t slot)
{
	struct ev_timer *t = &loop->timers[slot];

	t->used = 0;
	t->cb = NULL;
	t->arg = NULL;
	if (++t->gen == 0) /* keep ids non-zero after wrap-around */
		t->gen = 1;
	t->next_free = loop->free_head;
	loop->free_head = slot;
	loop->nused--;
}

static uint64_t
when_after(const struct ev_loop *loop, int64_t ms)
{
	return loop->now + (uint64_t)(ms > EV_MS_MAX ? EV_MS_MAX : ms);
}

uint64_t
ev_timer_add(struct ev_loop *loop, int64_t ms, ev_timer_cb *cb, void *arg)
{
	struct ev_timer *t;
	uint32_t slot;

	if (ms < 0 || cb == NULL) {
		errno = EINVAL;
		return EV_TIMER_NONE;
	}
	if (heap_reserve(loop) == -1 || slot_alloc(loop, &slot) == -1)
		return EV_TIMER_NONE;
	loop->nused++;
	t = &loop->timers[slot];
	t->cb = cb;
	t->arg = arg;
	t->used = 1;
	t->heap_idx = NO_HEAP;
	heap_push(loop, slot, when_after(loop, ms));
	return timer_id(loop, slot);
}

int
ev_timer_cancel(struct ev_loop *loop, uint64_t id)
{
	struct ev_timer *t;
	uint32_t slot;

	if ((t = timer_lookup(loop, id, &slot)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (t->heap_idx != NO_HEAP)
		heap_remove(loop, t->heap_idx);
	slot_free(loop, slot);
	return 0;
}

int
ev_timer_reschedule(struct ev_loop *loop, uint64_t id, int64_t ms)
{
	struct ev_timer *t;
	uint32_t slot;

	if ((t = timer_lookup(loop, id, &slot)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (ms < 0) {
		errno = EINVAL;
		return -1;
	}
	if (t->heap_idx != NO_HEAP)
		heap_remove(loop, t->heap_idx);
	heap_push(loop, slot, when_after(loop, ms));
	return 0;
}

int
ev_timer_pending(const struct ev_loop *loop, uint64_t id)
{
	return timer_lookup(loop, id, NULL) != NULL;
}

uint64_t
ev_timer_when(const struct ev_loop *loop, uint64_t id)
{
	const struct ev_timer *t = timer_lookup(loop, id, NULL);

	if (t == NULL || t->heap_idx == NO_HEAP)
		return 0;
	return loop->heap[t->heap_idx].when;
}

uint32_t
ev_timer_count(const struct ev_loop *loop)
{
	return loop->heaplen;
}

int64_t
ev_next_timeout_ms(const struct ev_loop *loop)
{
	if (loop->heaplen == 0)
		return -1;
	if (loop->heap[0].when <= loop->now)
		return 0;
	return (int64_t)(loop->heap[0].when - loop->now);
}

/*
 * Run one due timer taken off the heap top, then put it back, free it,
 * or leave it alone if the callback cancelled or rescheduled it.
 */
static void
timer_fire(struct ev_loop *loop)
{
	uint32_t slot = loop->heap[0].slot;
	struct ev_timer *t = &loop->timers[slot];
	uint64_t id = timer_id(loop, slot);
	uint32_t gen = t->gen;
	int64_t next;

	heap_remove(loop, 0);
	next = t->cb(loop, id, t->arg);
	t = &loop->timers[slot]; /* the callback may have grown the array */
	if (t->gen != gen || t->heap_idx != NO_HEAP)
		return; /* cancelled or rescheduled by the callback */
	if (next < 0) {
		slot_free(loop, slot);
		return;
	}
	heap_push(loop, slot, when_after(loop, next));
}

/*
 * Fire every timer due now.  Timers armed during this pass (seq >=
 * start) wait for the next one, so a callback returning 0 cannot starve
 * the fds.
 */
static int
timers_process(struct ev_loop *loop)
{
	uint64_t start = loop->seq;
	int n = 0;

	while (loop->heaplen > 0 && loop->heap[0].when <= loop->now &&
	       loop->heap[0].seq < start) {
		timer_fire(loop);
		n++;
	}
	return n;
}

/* ---- running ---- */

static int
wait_timeout(const struct ev_loop *loop, int max_wait_ms)
{
	int64_t t = ev_next_timeout_ms(loop);

	if (max_wait_ms >= 0 && (t < 0 || t > max_wait_ms))
		t = max_wait_ms;
	return t > INT_MAX ? INT_MAX : (int)t;
}

int
ev_run_once(struct ev_loop *loop, int max_wait_ms)
{
	struct ev_fired fired[EV_FIRED_MAX];
	int i, n, ran = 0;

	ev_now_update(loop);
	n = evb_wait(loop->backend, fired, EV_FIRED_MAX,
	    wait_timeout(loop, max_wait_ms));
	if (n == -1) {
		log_error("%s: %s", __func__, strerror(errno));
		return -1;
	}
	ev_now_update(loop);
	for (i = 0; i < n; i++)
		ran += fd_dispatch(loop, &fired[i]);
	ran += timers_process(loop);
	return ran;
}

int
ev_run(struct ev_loop *loop)
{
	loop->stop = 0;
	while (!loop->stop)
		if (ev_run_once(loop, -1) == -1)
			return -1;
	return 0;
}
