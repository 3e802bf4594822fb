/*
 * CalcApp job table (services/calcapp_jobs.c): processor sharing,
 * completion times, cookie times, the -capmaxjobs limit, resumption
 * from a cookie's progress.  Times are given, in microseconds.
 */
#include <math.h>

#include "services/calcapp_jobs.h"
#include "testlib.h"

#define S 1000000ull /* one second in us */

static struct cap_job slots[4];

static void
setup(struct cap_jobs *t, int max)
{
	cap_jobs_init(t, slots, max);
	t->capacity = 1e6; /* calculations/s */
	t->cookie_calc = 5e6;
	t->cookie_time_us = 5e6;
	t->ka_tx_us = 2500000;
}

static int
near(double a, double b)
{
	return fabs(a - b) < 2.0;
}

static void
test_alone(void)
{
	struct cap_jobs t;
	struct cap_job *j;

	test_section("one job: capacity alone, completion time");
	setup(&t, 4);
	j = cap_job_add(&t, 7, 1, 3e6, 0, 10 * S);
	CHECK(j != NULL && t.n == 1);
	CHECK(j->complete_at == 13 * S);
	CHECK(j->ka_tx_at == 10 * S + 2500000);
	CHECK(j->cookie_at == 15 * S); /* 5 s and 5e6 calculations: time */
	CHECK(cap_next_event(&t) == 10 * S + 2500000);
	cap_update(&t, 11 * S);
	CHECK(near(j->completed, 1e6));
	cap_update(&t, 20 * S); /* capped at the size */
	CHECK(near(j->completed, 3e6));
	CHECK(near(t.used, 3e6));
	CHECK(cap_job_find(&t, 7, 1) == j);
	CHECK(cap_job_find(&t, 7, 2) == NULL);
	CHECK(cap_job_find(&t, 8, 1) == NULL);
}

static void
test_sharing(void)
{
	struct cap_jobs t;
	struct cap_job *a, *b;

	test_section("two jobs share the capacity");
	setup(&t, 4);
	a = cap_job_add(&t, 1, 1, 4e6, 0, 0);
	cap_update(&t, 1 * S); /* a: 1e6 */
	b = cap_job_add(&t, 2, 1, 1e6, 0, 1 * S);
	CHECK(near(a->completed, 1e6));
	/* both at 0.5e6/s: b done after 2 s, a then alone */
	CHECK(b->complete_at == 3 * S);
	CHECK(a->complete_at == 1 * S + 6 * S);
	cap_update(&t, 3 * S);
	CHECK(near(b->completed, 1e6));
	CHECK(near(a->completed, 2e6));
	cap_job_remove(&t, b, 3 * S);
	CHECK(t.n == 1);
	CHECK(a->complete_at == 5 * S); /* 2e6 left at full speed */
}

static void
test_limit_and_cookie(void)
{
	struct cap_jobs t;
	struct cap_job *j;
	int i;

	test_section("-capmaxjobs, resumption, cookie by calculations");
	setup(&t, 2);
	CHECK(cap_job_add(&t, 1, 1, 1e6, 0, 0) != NULL);
	CHECK(cap_job_add(&t, 2, 1, 1e6, 0, 0) != NULL);
	CHECK(cap_job_add(&t, 3, 1, 1e6, 0, 0) == NULL); /* full */
	CHECK(cap_job_add(&t, 0, 1, 1e6, 0, 0) == NULL); /* no session */
	for (i = 0; i < 2; i++)
		cap_job_remove(&t, &t.j[i], 0);
	CHECK(t.n == 0);
	/* from a cookie: 8e6 of 10e6 done; 1e6 calc/cookie */
	t.cookie_calc = 1e6;
	j = cap_job_add(&t, 5, 9, 10e6, 8e6, 100 * S);
	CHECK(j != NULL && near(j->completed, 8e6));
	CHECK(j->complete_at == 102 * S);
	/* RSPLIB counts from 0 after a resumption: cookie at once */
	CHECK(j->cookie_at == 100 * S);
	cap_cookie_sent(j, 100 * S);
	cap_schedule(&t, 100 * S);
	CHECK(j->cookie_at == 101 * S);
	/* a cookie's progress beyond the size is capped */
	j = cap_job_add(&t, 6, 1, 1e6, 5e6, 100 * S);
	CHECK(j != NULL && near(j->completed, 1e6));
}

int
main(void)
{
	test_alone();
	test_sharing();
	test_limit_and_cookie();
	return test_done();
}
