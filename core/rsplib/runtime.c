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

#include "core/rsplib/internal.h"
#include "core/transport/transport.h"

struct cp_state cp = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .wake = -1,
};

static int transport_kind = TR_AUTO;
static pthread_once_t cond_once = PTHREAD_ONCE_INIT;

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

/* Wake the loop thread: an API call may have added a timer or a
 * descriptor its poll() does not know yet. */
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

void
cp_unlock(void)
{
	kick();
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
cp_wait(long long deadline)
{
	struct timespec ts;

	kick();
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
		pthread_mutex_unlock(&cp.mu);
		poll(p, 2, timeout);
		pthread_mutex_lock(&cp.mu);
		if ((p[1].revents & POLLIN) &&
		    read(cp.wake, &v, sizeof(v)) == -1 && errno != EAGAIN)
			break;
		rsp_loop_process(cp.loop);
		pthread_cond_broadcast(&cp.cond);
	}
	pthread_mutex_unlock(&cp.mu);
	return NULL;
}

static void
teardown(void)
{
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
	cp_rsplib_stdlog();
	pthread_mutex_unlock(&cp.mu);
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
	cp_unlock();
	pthread_join(cp.thread, NULL);
	cp_lock();
	teardown();
	pthread_mutex_unlock(&cp.mu);
}
