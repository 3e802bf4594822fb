// RSP_SERVICE_PART(calcapp)
/*
 * CalcApp job table (services/calcapp_jobs.h), following RSPLIB's
 * CalcApp server: capacity split equally among the running jobs, a job
 * done when Completed reaches its size, a cookie when either
 * cookie_calc calculations or cookie_time_us passed since the last one.
 */
#include <math.h>
#include <string.h>

#include "services/calcapp_jobs.h"

void
cap_jobs_init(struct cap_jobs *t, struct cap_job *j, int max)
{
	memset(j, 0, (size_t)max * sizeof(*j));
	t->j = j;
	t->max = max;
	t->n = 0;
	t->used = 0.0;
}

/* Calculations per microsecond for each running job. */
static double
cap_per_job_us(const struct cap_jobs *t)
{
	return t->capacity / ((double)t->n * 1e6);
}

void
cap_update(struct cap_jobs *t, uint64_t now)
{
	double per, done;
	int i;

	if (t->n == 0)
		return;
	per = cap_per_job_us(t);
	for (i = 0; i < t->max; i++) {
		struct cap_job *job = &t->j[i];

		if (job->session == 0)
			continue;
		done = now > job->last_update
		           ? (double)(now - job->last_update) * per
		           : 0.0;
		if (job->completed + done > job->size)
			done = job->size - job->completed;
		if (done > 0) {
			job->completed += done;
			t->used += done;
		}
		job->last_update = now;
	}
}

static uint64_t
cap_us(double v)
{
	if (!(v > 0.0))
		return 0;
	if (v > 1e18)
		return (uint64_t)1e18;
	return (uint64_t)ceil(v);
}

void
cap_schedule(struct cap_jobs *t, uint64_t now)
{
	double per, since, by_calc, by_time;
	int i;

	if (t->n == 0)
		return;
	per = cap_per_job_us(t);
	for (i = 0; i < t->max; i++) {
		struct cap_job *job = &t->j[i];

		if (job->session == 0)
			continue;
		job->complete_at = job->last_update +
		                   cap_us((job->size - job->completed) / per);
		since = job->completed - job->last_cookie_completed;
		by_calc =
		    (t->cookie_calc > since ? t->cookie_calc - since : 0.0) /
		    per;
		by_time =
		    t->cookie_time_us - (double)(now > job->last_cookie_at
		                                     ? now - job->last_cookie_at
		                                     : 0);
		job->cookie_at =
		    now + cap_us(by_calc < by_time ? by_calc : by_time);
	}
}

struct cap_job *
cap_job_add(struct cap_jobs *t, uint32_t session, uint32_t job_id, double size,
    double completed, uint64_t now)
{
	struct cap_job *job = NULL;
	int i;

	if (t->n >= t->max || session == 0)
		return NULL;
	for (i = 0; i < t->max && job == NULL; i++)
		if (t->j[i].session == 0)
			job = &t->j[i];
	if (job == NULL)
		return NULL;
	cap_update(t, now);
	memset(job, 0, sizeof(*job));
	job->session = session;
	job->job_id = job_id;
	job->size = size;
	job->completed = completed < size ? completed : size;
	job->ka_tx_at = now + t->ka_tx_us;
	job->ka_timeout_at = CAP_NEVER;
	job->complete_at = CAP_NEVER;
	job->cookie_at = CAP_NEVER;
	job->last_update = now;
	job->last_cookie_at = now;
	job->last_cookie_completed = 0.0;
	t->n++;
	cap_schedule(t, now);
	return job;
}

struct cap_job *
cap_job_find(struct cap_jobs *t, uint32_t session, uint32_t job_id)
{
	int i;

	for (i = 0; i < t->max; i++)
		if (t->j[i].session == session && session != 0 &&
		    t->j[i].job_id == job_id)
			return &t->j[i];
	return NULL;
}

void
cap_job_remove(struct cap_jobs *t, struct cap_job *job, uint64_t now)
{
	if (job == NULL || job->session == 0)
		return;
	cap_update(t, now);
	job->session = 0;
	t->n--;
	cap_schedule(t, now);
}

uint64_t
cap_next_event(const struct cap_jobs *t)
{
	uint64_t next = CAP_NEVER;
	int i;

	for (i = 0; i < t->max; i++) {
		const struct cap_job *job = &t->j[i];

		if (job->session == 0)
			continue;
		if (job->complete_at < next)
			next = job->complete_at;
		if (job->cookie_at < next)
			next = job->cookie_at;
		if (job->ka_tx_at < next)
			next = job->ka_tx_at;
		if (job->ka_timeout_at < next)
			next = job->ka_timeout_at;
	}
	return next;
}

void
cap_cookie_sent(struct cap_job *job, uint64_t now)
{
	job->last_cookie_at = now;
	job->last_cookie_completed = job->completed;
}
