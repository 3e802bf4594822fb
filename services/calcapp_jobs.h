/*
 * The CalcApp pool element's job table (docs/wire.md 9.6), without I/O:
 * processor sharing of -capcapacity among the running jobs, and when
 * each job's next event is due (completion, cookie, keep-alive,
 * keep-alive timeout).  Times are microseconds of a monotonic clock,
 * passed in so that tests control them.
 */
#ifndef RSP_CALCAPP_JOBS_H
#define RSP_CALCAPP_JOBS_H

#include <stdint.h>

#define CAP_NEVER UINT64_MAX

struct cap_job {
	uint32_t session; /* 0: free slot */
	uint32_t job_id;
	double size, completed;
	uint64_t ka_tx_at, ka_timeout_at, complete_at, cookie_at;
	uint64_t last_update, last_cookie_at;
	double last_cookie_completed;
};

struct cap_jobs {
	struct cap_job *j; /* max slots */
	int max, n;        /* -capmaxjobs, running */
	double capacity;   /* calculations per second, shared */
	double cookie_calc, cookie_time_us;
	uint64_t ka_tx_us;
	double used; /* calculations done since start */
};

/* All slots free; j has max entries. */
void cap_jobs_init(struct cap_jobs *t, struct cap_job *j, int max);
/* A new job (completed > 0: from a cookie), or NULL when full. */
struct cap_job *cap_job_add(struct cap_jobs *t, uint32_t session,
    uint32_t job_id, double size, double completed, uint64_t now);
struct cap_job *cap_job_find(
    struct cap_jobs *t, uint32_t session, uint32_t job_id);
void cap_job_remove(struct cap_jobs *t, struct cap_job *job, uint64_t now);
/* Account the calculations done until now. */
void cap_update(struct cap_jobs *t, uint64_t now);
/* Recompute completion and cookie times (after cap_update). */
void cap_schedule(struct cap_jobs *t, uint64_t now);
/* The earliest event of all jobs, CAP_NEVER if none. */
uint64_t cap_next_event(const struct cap_jobs *t);
/* A cookie was sent for job now. */
void cap_cookie_sent(struct cap_job *job, uint64_t now);

#endif
