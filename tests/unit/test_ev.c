/*
 * Event loop tests.  Timers run on a fake clock: the test moves time
 * and calls ev_run_once(loop, 0), so nothing sleeps and order is exact.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/rand.h"
#include "testlib.h"

static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static struct ev_loop *
fake_loop(void)
{
	struct ev_loop *loop = ev_loop_new();

	if (loop == NULL)
		abort();
	fake_now = 1000;
	ev_set_clock(loop, fake_clock, NULL);
	return loop;
}

/* Advance the fake clock one ms at a time, running the loop each step. */
static int
advance(struct ev_loop *loop, uint64_t ms)
{
	int ran = 0;

	while (ms-- > 0) {
		fake_now++;
		ran += ev_run_once(loop, 0);
	}
	return ran;
}

/* ---- ordering ---- */

static char order[64];
static size_t norder;

static int64_t
record(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	if (norder < sizeof(order) - 1)
		order[norder++] = *(const char *)arg;
	return EV_NOMORE;
}

static void
test_order(void)
{
	struct ev_loop *loop = fake_loop();

	test_section("timer order");
	norder = 0;
	memset(order, 0, sizeof(order));
	ev_timer_add(loop, 30, record, "c");
	ev_timer_add(loop, 10, record, "a");
	ev_timer_add(loop, 20, record, "b");
	ev_timer_add(loop, 20, record, "B"); /* same ms: armed order */
	ev_timer_add(loop, 0, record, "0");
	CHECK(ev_timer_count(loop) == 5);
	CHECK(ev_next_timeout_ms(loop) == 0);
	CHECK(ev_run_once(loop, 0) == 1 && strcmp(order, "0") == 0);
	CHECK(ev_next_timeout_ms(loop) == 10);
	CHECK(advance(loop, 9) == 0 && strcmp(order, "0") == 0);
	CHECK(advance(loop, 1) == 1 && strcmp(order, "0a") == 0);
	CHECK(advance(loop, 10) == 2 && strcmp(order, "0abB") == 0);
	/* A late wake-up runs everything due, still in order. */
	ev_timer_add(loop, 5, record, "e");
	ev_timer_add(loop, 3, record, "d");
	fake_now += 100;
	CHECK(ev_run_once(loop, 0) == 3 && strcmp(order, "0abBdec") == 0);
	CHECK(ev_timer_count(loop) == 0 && ev_next_timeout_ms(loop) == -1);
	ev_loop_free(loop);
}

/* ---- repeating, return values ---- */

static int64_t
repeat3(struct ev_loop *loop, uint64_t id, void *arg)
{
	int *n = arg;

	(void)loop;
	(void)id;
	return ++*n < 3 ? 7 : EV_NOMORE;
}

static int64_t
zero_again(struct ev_loop *loop, uint64_t id, void *arg)
{
	int *n = arg;

	(void)loop;
	(void)id;
	return ++*n < 1000 ? 0 : EV_NOMORE;
}

static void
test_repeat(void)
{
	struct ev_loop *loop = fake_loop();
	uint64_t id;
	int n = 0, z = 0;

	test_section("repeat");
	id = ev_timer_add(loop, 5, repeat3, &n);
	CHECK(id != EV_TIMER_NONE);
	CHECK(ev_timer_when(loop, id) == 1005);
	advance(loop, 5);
	CHECK(n == 1 && ev_timer_pending(loop, id));
	CHECK(ev_timer_when(loop, id) == 1012);
	advance(loop, 6);
	CHECK(n == 1);
	advance(loop, 1);
	CHECK(n == 2);
	advance(loop, 7);
	CHECK(n == 3 && !ev_timer_pending(loop, id));
	CHECK(ev_timer_cancel(loop, id) == -1 && errno == ENOENT);
	/* Returning 0 reruns on the next iteration, not in the same one. */
	ev_timer_add(loop, 0, zero_again, &z);
	CHECK(ev_run_once(loop, 0) == 1 && z == 1);
	CHECK(ev_run_once(loop, 0) == 1 && z == 2);
	ev_loop_free(loop);
}

/* ---- cancel from callbacks ---- */

struct victims {
	uint64_t self, other, added;
	int fired_other, fired_self;
};

static int64_t
count_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	++*(int *)arg;
	return 5;
}

static int64_t
cancel_self(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct victims *v = arg;

	v->fired_self++;
	CHECK(id == v->self);
	CHECK(ev_timer_cancel(loop, id) == 0);
	/* The freed slot is reused at once; the loop must not mistake the
	 * new timer for us after we return. */
	v->added = ev_timer_add(loop, 50, count_cb, &v->fired_other);
	CHECK(v->added != id);
	return 1; /* ignored: cancelled */
}

static int64_t
cancel_other(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct victims *v = arg;

	(void)id;
	CHECK(ev_timer_cancel(loop, v->other) == 0);
	return EV_NOMORE;
}

static int64_t
resched_self(struct ev_loop *loop, uint64_t id, void *arg)
{
	++*(int *)arg;
	CHECK(ev_timer_reschedule(loop, id, 40) == 0);
	return 1; /* ignored: rescheduled */
}

static void
test_cancel_in_callback(void)
{
	struct ev_loop *loop = fake_loop();
	struct victims v = {0};
	uint64_t rid, stale;
	int n = 0;

	test_section("cancel in callback");
	v.self = ev_timer_add(loop, 10, cancel_self, &v);
	advance(loop, 10);
	CHECK(v.fired_self == 1 && !ev_timer_pending(loop, v.self));
	CHECK(ev_timer_pending(loop, v.added));
	CHECK(ev_timer_when(loop, v.added) == 1060);
	advance(loop, 100);
	CHECK(v.fired_self == 1 && v.fired_other >= 1);
	ev_timer_cancel(loop, v.added);

	/* Same ms: the earlier timer cancels the later one. */
	v.fired_other = 0;
	ev_timer_add(loop, 10, cancel_other, &v);
	v.other = ev_timer_add(loop, 10, count_cb, &v.fired_other);
	advance(loop, 20);
	CHECK(v.fired_other == 0 && ev_timer_count(loop) == 0);

	rid = ev_timer_add(loop, 10, resched_self, &n);
	advance(loop, 10);
	CHECK(n == 1 && ev_timer_when(loop, rid) == fake_now + 40);
	advance(loop, 40);
	CHECK(n == 2);
	CHECK(ev_timer_cancel(loop, rid) == 0);

	/* Stale and bogus ids are refused, never reach a new timer. */
	stale = rid;
	rid = ev_timer_add(loop, 10, count_cb, &n);
	CHECK((uint32_t)rid == (uint32_t)stale); /* same slot reused */
	CHECK(ev_timer_cancel(loop, stale) == -1 && errno == ENOENT);
	CHECK(ev_timer_reschedule(loop, stale, 1) == -1);
	CHECK(ev_timer_cancel(loop, EV_TIMER_NONE) == -1);
	CHECK(ev_timer_cancel(loop, 0xffffffffULL) == -1);
	CHECK(ev_timer_pending(loop, rid));
	CHECK(ev_timer_add(loop, -1, count_cb, &n) == EV_TIMER_NONE &&
	      errno == EINVAL);
	ev_loop_free(loop); /* frees the pending timer (ASan checks) */
}

/* ---- many timers ---- */

#define MANY 100000

static uint64_t last_when;
static int many_fired, many_order_ok = 1;

static int64_t
many_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)id;
	(void)arg;
	if (ev_now_ms(loop) < last_when)
		many_order_ok = 0;
	last_when = ev_now_ms(loop);
	many_fired++;
	return EV_NOMORE;
}

static void
test_many(void)
{
	struct ev_loop *loop = fake_loop();
	uint64_t *ids = calloc(MANY, sizeof(*ids));
	int i, ok = 1, cancelled = 0;

	test_section("100k timers");
	rand_seed_for_tests(42);
	for (i = 0; i < MANY; i++)
		if ((ids[i] = ev_timer_add(loop, 1 + rand_uniform(5000),
		         many_cb, NULL)) == EV_TIMER_NONE)
			ok = 0;
	CHECK(ok && ev_timer_count(loop) == MANY);
	/* Cancel every odd one, reschedule every fourth. */
	for (i = 1; i < MANY; i += 2) {
		ok &= ev_timer_cancel(loop, ids[i]) == 0;
		cancelled++;
	}
	for (i = 0; i < MANY; i += 4)
		ok &= ev_timer_reschedule(
		          loop, ids[i], 1 + rand_uniform(9000)) == 0;
	CHECK(ok && ev_timer_count(loop) == (uint32_t)(MANY - cancelled));
	/* Stepwise, so expiries must come out in time order. */
	last_when = 0;
	advance(loop, 9001);
	CHECK(many_fired == MANY - cancelled && many_order_ok);
	CHECK(ev_timer_count(loop) == 0);
	/* Added while empty, fired in order again. */
	many_fired = 0;
	last_when = 0;
	for (i = 0; i < 20000; i++)
		ev_timer_add(loop, 1 + rand_uniform(2000), many_cb, NULL);
	advance(loop, 2001);
	CHECK(many_fired == 20000 && many_order_ok);
	free(ids);
	ev_loop_free(loop);
}

/* ---- fds ---- */

struct pipe_state {
	int reads, writes, hups;
	char got[16];
	int other_fd;
	struct ev_loop *loop;
};

static void
on_read(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct pipe_state *ps = arg;
	ssize_t n;

	(void)loop;
	ps->reads++;
	if (events & EV_HUP)
		ps->hups++;
	n = read(fd, ps->got, sizeof(ps->got) - 1);
	ps->got[n > 0 ? n : 0] = '\0';
}

static void
on_write(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct pipe_state *ps = arg;

	CHECK(events & EV_WRITE);
	ps->writes++;
	CHECK(write(fd, "hi", 2) == 2);
	CHECK(ev_mod_fd(loop, fd, EV_NONE) == 0);
}

/* Deletes and closes the other fd, which is also ready this round. */
static void
on_read_kill_other(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct pipe_state *ps = arg;
	char c;

	(void)events;
	ps->reads++;
	CHECK(read(fd, &c, 1) == 1);
	if (ps->other_fd != -1) {
		CHECK(ev_del_fd(loop, ps->other_fd) == 0);
		close(ps->other_fd);
		ps->other_fd = -1;
	}
}

static void
test_fds(void)
{
	struct ev_loop *loop = fake_loop();
	struct pipe_state ps = {0}, a = {0}, b = {0};
	int sv[2], p1[2], p2[2];

	test_section("fd events");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(ev_add_fd(loop, sv[0], EV_READ, on_read, &ps) == 0);
	CHECK(ev_add_fd(loop, sv[1], EV_WRITE, on_write, &ps) == 0);
	CHECK(ev_fd_mask(loop, sv[1]) == EV_WRITE);
	CHECK(ev_run_once(loop, 0) == 1 && ps.writes == 1);
	CHECK(ev_fd_mask(loop, sv[1]) == EV_NONE);
	CHECK(ev_run_once(loop, 100) == 1 && ps.reads == 1);
	CHECK(strcmp(ps.got, "hi") == 0);
	CHECK(ev_run_once(loop, 0) == 0); /* nothing left to read */
	CHECK(ev_del_fd(loop, sv[1]) == 0);
	CHECK(ev_del_fd(loop, sv[1]) == -1 && errno == ENOENT);
	close(sv[1]);
	CHECK(ev_run_once(loop, 100) == 1 && ps.reads == 2);
	CHECK(ps.got[0] == '\0'); /* EOF read */
	CHECK(ev_del_fd(loop, sv[0]) == 0);
	close(sv[0]);
	/* Closed without ev_del_fd, number reused: re-adding still works. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(ev_add_fd(loop, sv[0], EV_READ, on_read, &ps) == 0);
	close(sv[0]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, p1) == 0 && p1[0] == sv[0]);
	CHECK(ev_add_fd(loop, p1[0], EV_READ, on_read, &ps) == 0);
	CHECK(write(p1[1], "ok", 2) == 2);
	CHECK(ev_run_once(loop, 100) == 1 && strcmp(ps.got, "ok") == 0);
	CHECK(ev_del_fd(loop, p1[0]) == 0);
	close(p1[0]);
	close(p1[1]);
	close(sv[1]);
	CHECK(ev_add_fd(loop, -1, EV_READ, on_read, &ps) == -1);
	CHECK(ev_add_fd(loop, 0, 0x40, on_read, &ps) == -1);

	/* Two ready fds; the first callback removes the second. */
	CHECK(pipe(p1) == 0 && pipe(p2) == 0);
	CHECK(write(p1[1], "x", 1) == 1 && write(p2[1], "y", 1) == 1);
	a.other_fd = p2[0];
	b.other_fd = p1[0];
	CHECK(ev_add_fd(loop, p1[0], EV_READ, on_read_kill_other, &a) == 0);
	CHECK(ev_add_fd(loop, p2[0], EV_READ, on_read_kill_other, &b) == 0);
	CHECK(ev_run_once(loop, 100) == 1);
	CHECK(a.reads + b.reads == 1);
	/* Exactly one of the read ends is still open and watched. */
	CHECK(ev_del_fd(loop, a.reads ? p1[0] : p2[0]) == 0);
	close(a.reads ? p1[0] : p2[0]);
	close(p1[1]);
	close(p2[1]);
	ev_loop_free(loop);
}

/* ---- signals and ev_run/ev_stop ---- */

static int got_signo;

static void
on_signal(struct ev_loop *loop, int signo, void *arg)
{
	(void)arg;
	got_signo = signo;
	ev_stop(loop);
}

static int64_t
raise_usr1(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	(void)arg;
	kill(getpid(), SIGUSR1);
	return EV_NOMORE;
}

static int64_t
stop_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)id;
	++*(int *)arg;
	ev_stop(loop);
	return EV_NOMORE;
}

static void
test_signal_and_run(void)
{
	struct ev_loop *loop = ev_loop_new(); /* real clock */
	sigset_t cur;
	int stops = 0;

	test_section("signals, ev_run");
	CHECK(loop != NULL);
	CHECK(ev_add_signal(loop, SIGUSR1, on_signal, NULL) == 0);
	CHECK(ev_add_signal(loop, SIGKILL, on_signal, NULL) == -1);
	ev_timer_add(loop, 5, raise_usr1, NULL);
	CHECK(ev_run(loop) == 0 && got_signo == SIGUSR1);
	CHECK(ev_del_signal(loop, SIGUSR1) == 0);
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGUSR1));
	CHECK(ev_del_signal(loop, SIGUSR1) == -1);
	/* Pending at removal or at free: discarded, not fatal. */
	CHECK(ev_add_signal(loop, SIGUSR2, on_signal, NULL) == 0);
	kill(getpid(), SIGUSR2);
	CHECK(ev_del_signal(loop, SIGUSR2) == 0);
	/* Real clock: a 20 ms timer stops ev_run, which really waited. */
	uint64_t t0 = ev_now_update(loop);
	ev_timer_add(loop, 20, stop_cb, &stops);
	CHECK(ev_run(loop) == 0 && stops == 1);
	CHECK(ev_now_ms(loop) >= t0 + 20);
	CHECK(ev_backend_fd(loop) >= 0);
	CHECK(ev_add_signal(loop, SIGUSR2, on_signal, NULL) == 0);
	kill(getpid(), SIGUSR2);
	ev_loop_free(loop);
}

static int64_t
raise_term(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop, (void)id, (void)arg;
	kill(getpid(), SIGTERM);
	return EV_NOMORE;
}

/* The client applets' stop helpers: -runtime and SIGINT/SIGTERM. */
static void
test_stop_helpers(void)
{
	struct ev_loop *loop = ev_loop_new();
	uint64_t t0;

	test_section("ev_stop_after, ev_stop_on_signals");
	CHECK(loop != NULL);
	CHECK(ev_stop_after(loop, 0) == 0 && ev_timer_count(loop) == 0);
	t0 = ev_now_update(loop);
	CHECK(ev_stop_after(loop, 15) == 0);
	CHECK(ev_run(loop) == 0 && ev_now_ms(loop) >= t0 + 15);
	CHECK(ev_stop_on_signals(loop) == 0);
	ev_timer_add(loop, 5, raise_term, NULL);
	CHECK(ev_run(loop) == 0); /* SIGTERM stopped it, not killed us */
	CHECK(ev_del_signal(loop, SIGTERM) == 0);
	CHECK(ev_del_signal(loop, SIGINT) == 0);
	ev_loop_free(loop);
}

int
main(void)
{
	test_order();
	test_repeat();
	test_cancel_in_callback();
	test_many();
	test_fds();
	test_signal_and_run();
	test_stop_helpers();
	return test_done();
}
