/*
 * Time helpers.  CLOCK_MONOTONIC never jumps with settimeofday or NTP
 * steps, so timeouts computed from it stay right; the wall clock is for
 * the timestamps of statistics and log files only.
 */
#ifndef RSP_CLOCK_H
#define RSP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
clock_mono_us(void)
{
	struct timespec ts;

	/* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline uint64_t
clock_mono_ms(void)
{
	return clock_mono_us() / 1000u;
}

/* Seconds since the epoch, with microseconds (RSPLIB's file stamps). */
static inline double
clock_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

#endif
