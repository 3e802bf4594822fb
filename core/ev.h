/*
 * Event loop: file events on epoll and timers in a binary min-heap, in
 * the shape of redis's ae (docs/STYLE.md practice 9).  One loop
 * per thread; nothing here is thread-safe.
 *
 * Timers are named by a 64-bit id (slot + generation), never by pointer,
 * so a stale id is harmless: cancelling or rescheduling a timer that has
 * already fired or been cancelled is a no-op returning -1/ENOENT.  Cancel
 * and reschedule are O(log n).  Every callback may add, cancel or
 * reschedule any timer and add, change or delete any fd, its own
 * included.
 *
 * A timer costs about 56 bytes (slot + heap entry), so the registrar's
 * one timer per pool element stays near 56 MB at a million elements.
 *
 * Time is CLOCK_MONOTONIC in milliseconds, cached once per iteration
 * (ev_now_ms), or whatever clock ev_set_clock() installs (unit tests).
 */
#ifndef RSP_EV_H
#define RSP_EV_H

#include <stdint.h>

struct ev_loop;

/* File event mask bits. */
#define EV_NONE  0x00
#define EV_READ  0x01
#define EV_WRITE 0x02
/* Only passed to callbacks, together with EV_READ/EV_WRITE as registered,
 * so the callback's read()/write() picks up the error. */
#define EV_HUP   0x04
#define EV_ERROR 0x08

/* Timer callback return value: do not run again. */
#define EV_NOMORE (-1)
/* Never a valid timer id. */
#define EV_TIMER_NONE ((uint64_t)0)

typedef void ev_fd_cb(struct ev_loop *loop, int fd, int events, void *arg);
/* Returns the next interval in ms (>= 0), or EV_NOMORE. */
typedef int64_t ev_timer_cb(struct ev_loop *loop, uint64_t id, void *arg);
typedef void ev_signal_cb(struct ev_loop *loop, int signo, void *arg);
/* Returns the current time in ms on some monotonic scale. */
typedef uint64_t ev_clock_fn(void *arg);

/* NULL with errno on failure. */
struct ev_loop *ev_loop_new(void);
/* Closes the epoll and signal fds (not the caller's fds), unblocks the
 * signals ev_add_signal() blocked, frees every timer. */
void ev_loop_free(struct ev_loop *loop);

/*
 * Watch fd for mask (EV_READ|EV_WRITE).  Adding an fd that is already
 * watched replaces its mask, callback and argument.  Mask EV_NONE keeps
 * the registration but asks for nothing.  -1 with errno on failure.
 */
int ev_add_fd(struct ev_loop *loop, int fd, int mask, ev_fd_cb *cb, void *arg);
int ev_mod_fd(struct ev_loop *loop, int fd, int mask);
/* Stop watching fd; call before close(fd).  -1/ENOENT if not watched. */
int ev_del_fd(struct ev_loop *loop, int fd);
/* Current mask of fd, or -1 if not watched. */
int ev_fd_mask(const struct ev_loop *loop, int fd);
/*
 * Another thread reads fd itself (docs/library.md, "Threads"): the loop
 * stops watching it for EV_READ until as many ev_fd_resume() calls as
 * ev_fd_suspend() calls came, so that its poll() does not wake for the
 * input that thread takes.  Suspend returns the registration's
 * generation, 0 when fd is not watched; resume and ev_fd_run() with a
 * stale generation (fd deleted meanwhile, maybe reused) do nothing.
 * ev_fd_run() runs fd's callback for events (those of its mask) as the
 * loop would: 1 when it ran.  ev_fd_gen(): fd's registration now, 0
 * none.  The caller serializes these with the loop, as for any other
 * call here.
 */
uint32_t ev_fd_gen(const struct ev_loop *loop, int fd);
uint32_t ev_fd_suspend(struct ev_loop *loop, int fd);
void ev_fd_resume(struct ev_loop *loop, int fd, uint32_t gen);
int ev_fd_run(struct ev_loop *loop, int fd, uint32_t gen, int events);

/*
 * Run cb after ms milliseconds (0: on the next iteration).  Returns the
 * timer id, or EV_TIMER_NONE with errno (ENOMEM, EINVAL for ms < 0).
 * After a callback returns N >= 0 the timer runs again N ms after the
 * time it was called; it keeps its id.
 */
uint64_t ev_timer_add(
    struct ev_loop *loop, int64_t ms, ev_timer_cb *cb, void *arg);
/* -1/ENOENT if id is not pending (fired, cancelled, EV_TIMER_NONE). */
int ev_timer_cancel(struct ev_loop *loop, uint64_t id);
/*
 * Move a timer to now + ms.  Allowed on the timer whose callback is
 * running: that schedule then stands and the callback's return value is
 * ignored.
 */
int ev_timer_reschedule(struct ev_loop *loop, uint64_t id, int64_t ms);
/* 1 if id is pending or running, else 0. */
int ev_timer_pending(const struct ev_loop *loop, uint64_t id);
/* Absolute expiry (ev_now_ms scale) of a pending timer, 0 if none. */
uint64_t ev_timer_when(const struct ev_loop *loop, uint64_t id);
/* Number of pending timers. */
uint32_t ev_timer_count(const struct ev_loop *loop);

/*
 * Deliver signo through a signalfd: the signal is blocked for the calling
 * thread and cb runs from the loop.  Call it before starting threads (they
 * inherit the mask), or other threads get the default action.  Adding a
 * signal again replaces its callback.  ev_del_signal() and ev_loop_free()
 * discard undelivered instances, then unblock what they blocked.  -1 with
 * errno on failure.
 */
int ev_add_signal(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *arg);
int ev_del_signal(struct ev_loop *loop, int signo);
/* libc's description of signo ("Terminated"), for log lines. */
const char *ev_signal_name(int signo);

/*
 * Run until ev_stop().  0 after ev_stop(), -1 with errno on error.  Not
 * reentrant: callbacks must not call ev_run() or ev_run_once().
 */
int ev_run(struct ev_loop *loop);
/*
 * One iteration: wait for at most max_wait_ms (-1: until the next timer
 * or fd event; 0: do not block), dispatch fd events, then due timers.
 * Returns the number of callbacks run, or -1 with errno.
 */
int ev_run_once(struct ev_loop *loop, int max_wait_ms);
/* Make ev_run() return after the current iteration. */
void ev_stop(struct ev_loop *loop);
/* What every client applet wants: SIGINT and SIGTERM stop the loop;
 * ev_stop_after() stops it after ms (ms <= 0: never).  -1 with errno. */
int ev_stop_on_signals(struct ev_loop *loop);
int ev_stop_after(struct ev_loop *loop, int64_t ms);

/* Cached time of the current iteration, in ms. */
uint64_t ev_now_ms(const struct ev_loop *loop);
/* Re-read the clock into the cache and return it. */
uint64_t ev_now_update(struct ev_loop *loop);
/* ms until the next timer is due (0 if overdue), -1 if there is none. */
int64_t ev_next_timeout_ms(const struct ev_loop *loop);
/* The epoll fd, readable when the loop has work (for embedding). */
int ev_backend_fd(const struct ev_loop *loop);

/*
 * Replace the clock (NULL: back to CLOCK_MONOTONIC).  For unit tests: a
 * fake clock plus ev_run_once(loop, 0) runs timers without sleeping.
 */
void ev_set_clock(struct ev_loop *loop, ev_clock_fn *fn, void *arg);

#endif
