/*
 * The process-wide state of RSPLIB's API (internal.h): rsp_initialize
 * starts the rsp event loop on a thread of its own, rsp_cleanup stops
 * it.  One mutex guards the loop and every socket; the loop thread
 * releases it only while it sleeps in poll().  RSPLIB's C++ server
 * calls the API from a thread per session: any thread may call any
 * function, and a blocking call (rsp_recvmsg with a timeout,
 * rsp_connect, rsp_getaddrinfo) waits on the condition without the
 * mutex, so the others go on.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/rsplib/internal.h"
#include "core/transport/transport.h"

struct cp_state cp = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .wake = -1,
};

static int transport_kind = TR_AUTO;
static pthread_once_t cond_once = PTHREAD_ONCE_INIT;

/* The loop thread sleeps in poll() (the mutex free) until the loop's
 * first timer, sleep_due (ev_now_ms scale, -1: none). */
static int sleeping;
static int64_t sleep_due;

void
cp_set_transport(int kind)
{
	transport_kind = kind;
}

int
cp_transport(void)
{
	return tr_resolve(transport_kind);
}

void
cp_lock(void)
{
	pthread_mutex_lock(&cp.mu);
}

/* The loop's first timer (ev_now_ms scale), -1 none. */
static int64_t
next_due(void)
{
	int t = rsp_loop_timeout(cp.loop);

	return t < 0 ? -1 : (int64_t)ev_now_ms(cp.loop) + t;
}

/* Wake the loop thread (its poll() watches cp.wake). */
static void
kick(void)
{
	uint64_t one = 1;
	ssize_t rc = 0;

	/* A full counter (EAGAIN) has woken it already. */
	if (cp.wake >= 0)
		rc = write(cp.wake, &one, sizeof(one));
	(void)rc;
}

/*
 * After an API call (the mutex held): the sleeping loop thread must
 * wake only when the call added a timer due before the one it sleeps
 * for.  Descriptors need no wake-up: its poll() watches the loop's
 * epoll descriptor, which a descriptor added ready wakes by itself; a
 * send goes out from the calling thread (rsp_session_send).  Skipping
 * the wake-up saves the loop thread a round per message
 * (BENCHMARKS.md, "RSPLIB's API").
 */
static void
kick_if_needed(void)
{
	int64_t due;

	if (!sleeping || cp.loop == NULL)
		return; /* it looks at the timers before it sleeps again */
	due = next_due();
	if (due >= 0 && (sleep_due < 0 || due < sleep_due))
		kick();
}

void
cp_unlock(void)
{
	kick_if_needed();
	pthread_mutex_unlock(&cp.mu);
}

static void
cond_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&cp.cond, &a);
	pthread_condattr_destroy(&a);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
cp_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

int
cp_limit_left(struct cp_limit *l)
{
	long long left;

	if (l->timeout_ms <= 0)
		return l->timeout_ms < 0 ? -1 : 0;
	if (l->deadline == -2) {
		l->deadline = cp_deadline(l->timeout_ms);
		return l->timeout_ms;
	}
	left = l->deadline - now_ms();
	return left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

long long
cp_limit_deadline(const struct cp_limit *l)
{
	if (l->timeout_ms < 0)
		return -1;
	return l->deadline == -2 ? 0 : l->deadline; /* 0: the time is up */
}

int
cp_wait(long long deadline)
{
	struct timespec ts;

	kick_if_needed();
	if (deadline < 0)
		return pthread_cond_wait(&cp.cond, &cp.mu) == 0 ? 0 : -1;
	if (now_ms() >= deadline)
		return -1;
	ts.tv_sec = deadline / 1000;
	ts.tv_nsec = (deadline % 1000) * 1000000;
	pthread_cond_timedwait(&cp.cond, &cp.mu, &ts);
	return 0;
}

static void *
loop_thread(void *arg)
{
	struct pollfd p[2];
	uint64_t v;

	(void)arg;
	cp_lock();
	while (!cp.stop) {
		p[0].fd = rsp_loop_fd(cp.loop);
		p[1].fd = cp.wake;
		p[0].events = p[1].events = POLLIN;
		int timeout = rsp_loop_timeout(cp.loop);
		sleep_due = next_due();
		sleeping = 1;
		pthread_mutex_unlock(&cp.mu);
		poll(p, 2, timeout);
		pthread_mutex_lock(&cp.mu);
		sleeping = 0;
		if ((p[1].revents & POLLIN) &&
		    read(cp.wake, &v, sizeof(v)) == -1 && errno != EAGAIN)
			break;
		cp_direct_drain();
		rsp_loop_process(cp.loop);
		pthread_cond_broadcast(&cp.cond);
	}
	pthread_mutex_unlock(&cp.mu);
	return NULL;
}

static void
teardown(void)
{
	cp_csp_stop();
	rsp_pu_free(cp.pu);
	cp.pu = NULL;
	rsp_loop_free(cp.loop);
	cp.loop = NULL;
	if (cp.wake >= 0)
		close(cp.wake);
	cp.wake = -1;
}

int
rsp_initialize(struct rsp_info *info)
{
	struct rsp_info defaults;
	int err = 0;

	pthread_once(&cond_once, cond_init);
	if (info == NULL) {
		rsp_initinfo(&defaults);
		info = &defaults;
	}
	cp_lock();
	if (cp.initialized) {
		pthread_mutex_unlock(&cp.mu);
		return 0;
	}
	cp.stop = 0;
	cp.lease_timer = 0; /* any was the last loop's */
	tr_config.ack_delay = CP_ACK_DELAY_MS;
	cp.nleases = 0;
	if (cp_info_to_configs(info) == -1 ||
	    (cp.loop = rsp_loop_new()) == NULL ||
	    (cp.wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		goto fail;
	if ((cp.pu = rsp_pu_new(cp.loop, &cp.pu_cfg, &err)) == NULL) {
		if (err != RSP_ESYSTEM)
			errno = EINVAL;
		goto fail;
	}
	if ((err = pthread_create(&cp.thread, NULL, loop_thread, NULL)) != 0) {
		errno = err;
		goto fail;
	}
	cp.initialized = 1;
	cp_log_begin();
	cp_csp_start(info);
	cp_unlock(); /* the loop thread learns of the CSP timer */
	return 0;
fail:
	err = errno;
	teardown();
	pthread_mutex_unlock(&cp.mu);
	errno = err;
	return -1;
}

void
rsp_cleanup(void)
{
	cp_lock();
	if (!cp.initialized) {
		pthread_mutex_unlock(&cp.mu);
		return;
	}
	while (cp.socks != NULL) {
		int fd = cp.socks->fd;

		pthread_mutex_unlock(&cp.mu);
		rsp_close(fd);
		pthread_mutex_lock(&cp.mu);
	}
	cp_pes_free();
	cp.stop = 1;
	cp.initialized = 0;
	kick();
	pthread_mutex_unlock(&cp.mu);
	pthread_join(cp.thread, NULL);
	cp_lock();
	teardown();
	pthread_mutex_unlock(&cp.mu);
	cp_log_end();
}
