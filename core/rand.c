/*
 * Random numbers (see rand.h).  getrandom() first; /dev/urandom where
 * the kernel lacks it (ENOSYS, seccomp); as a last resort a splitmix64
 * seeded from time, pid and an address, with a warning, because ids that
 * merely have to be unique are better than a dead daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/rand.h"

static _Atomic int test_mode;
static uint64_t test_state;

/* splitmix64 (Steele, Lea, Flood 2014): small, full-period, fine output. */
static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
fill_from_prng(void *buf, size_t len, uint64_t *state)
{
	uint8_t *p = buf;
	uint64_t v;
	size_t n;

	while (len > 0) {
		v = splitmix64(state);
		n = len < sizeof(v) ? len : sizeof(v);
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}

/* getrandom() in a loop: it may return short for large requests or be
 * interrupted.  -1 if the syscall is unusable. */
static int
fill_from_getrandom(uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fill_from_urandom(uint8_t *p, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (len > 0) {
		n = read(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return 0;
}

static void
fill_weak(void *buf, size_t len)
{
	static _Atomic int warned;
	uint64_t s;

	if (!atomic_exchange(&warned, 1))
		log_warning("no kernel randomness (getrandom, /dev/urandom); "
		            "identifiers come from a weak generator");
	s = clock_mono_us() ^ (uint64_t)getpid() << 40 ^ (uintptr_t)&s;
	s ^= (uint64_t)(uintptr_t)buf;
	fill_from_prng(buf, len, &s);
}

void
rand_bytes(void *buf, size_t len)
{
	if (atomic_load(&test_mode)) {
		fill_from_prng(buf, len, &test_state);
		return;
	}
	if (fill_from_getrandom(buf, len) == 0)
		return;
	if (fill_from_urandom(buf, len) == 0)
		return;
	fill_weak(buf, len);
}

uint32_t
rand_u32(void)
{
	uint32_t v;

	rand_bytes(&v, sizeof(v));
	return v;
}

uint64_t
rand_u64(void)
{
	uint64_t v;

	rand_bytes(&v, sizeof(v));
	return v;
}

uint32_t
rand_id32(void)
{
	uint32_t v;

	while ((v = rand_u32()) == 0)
		;
	return v;
}

/*
 * Rejection sampling: 2^32 mod n values at the bottom would make small
 * results more likely, so draw again when one of them comes up.
 */
uint32_t
rand_uniform(uint32_t n)
{
	uint32_t v, min;

	if (n < 2)
		return 0;
	min = -n % n; /* 2^32 mod n, in 32-bit arithmetic */
	do
		v = rand_u32();
	while (v < min);
	return v % n;
}

double
rand_exp(double mean)
{
	/* u in (0, 1]: 53 random bits, never 0, so log(u) is finite */
	double u = ((double)(rand_u64() >> 11) + 1.0) / 9007199254740992.0;

	return -mean * log(u);
}

void
rand_seed_for_tests(uint64_t seed)
{
	test_state = seed;
	atomic_store(&test_mode, 1);
}
