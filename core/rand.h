/*
 * Random numbers for identifiers (PE ids, registrar ids, transaction
 * ids) from the kernel's CSPRNG (getrandom, else /dev/urandom).  Thread
 * safe and fork safe: nothing is buffered.
 *
 * rand_seed_for_tests() switches the whole process to a deterministic
 * generator (splitmix64) so unit tests and fuzz replays reproduce.
 */
#ifndef RSP_RAND_H
#define RSP_RAND_H

#include <stddef.h>
#include <stdint.h>

void rand_bytes(void *buf, size_t len);
uint32_t rand_u32(void);
uint64_t rand_u64(void);
/* Never 0: RSerPool uses 0 as "no identifier". */
uint32_t rand_id32(void);
/* Uniform in [0, n) without modulo bias; 0 when n is 0. */
uint32_t rand_uniform(uint32_t n);
/* Exponentially distributed with this mean (> 0), never negative:
 * job gaps, -uptime/-downtime. */
double rand_exp(double mean);
/* Deterministic from here on (tests only). */
void rand_seed_for_tests(uint64_t seed);

#endif
