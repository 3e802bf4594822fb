/*
 * Handlespace benchmark: registrations, handle resolutions (1 and 3
 * items) and removals per second, and memory per PE, for one pool of
 * 1k, 100k and 1M PEs under RoundRobin, LeastUsed and WeightedRandom.
 * Each PE has one IPv4 user address and one IPv4 ASAP address, as a
 * registrar stores it.
 *
 *   make bench-hs                     the full table (-O2 build)
 *   build/rel/bench/hs_bench 1000 5000   chosen pool sizes
 *   build/rel/bench/hs_bench -smoke   10k PEs, about a second, exit 1 on
 *                                     a wrong result (run by make check
 *                                     through tests/unit/test_hs_bench.c)
 *
 * Memory is malloc's own count (mallinfo2: bytes in use, chunk overhead
 * included) and the RSS growth; both over the inserted PEs only.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core/rand.h"
#include "handlespace/hs.h"

struct bench_row {
	size_t npes;
	uint32_t policy;
	double heap_per_pe, rss_per_pe;
	double reg_s, sel1_s, sel3_s, del_s;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
heap_bytes(void)
{
#ifdef __GLIBC__
	struct mallinfo2 mi = mallinfo2();

	/* Large blocks (the expiry heap's array) are mmap()ed: hblkhd. */
	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

static size_t
rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (size_t)sysconf(_SC_PAGESIZE);
}

static void
mkpe(struct rsp_pe *pe, struct rsp_addr *a, uint32_t id, uint32_t policy,
    uint32_t value)
{
	memset(pe, 0, sizeof(*pe));
	memset(a, 0, 2 * sizeof(*a));
	pe->id = id;
	pe->home = 0x11111111;
	pe->life = 90000;
	pe->policy.type = policy;
	pe->policy.nvalues = (uint8_t)rsp_policy_nvalues(policy);
	pe->policy.v[0] = value;
	pe->user.ptype = RSP_PARAM_SCTP;
	pe->user.port = 7;
	pe->user.use = RSP_TRANSPORT_DATA_CONTROL;
	pe->user.naddrs = 1;
	pe->user.addrs = &a[0];
	a[0].family = AF_INET;
	memcpy(a[0].a, &id, 4);
	pe->has_asap = 1;
	pe->asap.ptype = RSP_PARAM_SCTP;
	pe->asap.port = 40000;
	pe->asap.naddrs = 1;
	pe->asap.addrs = &a[1];
	a[1] = a[0];
}

/* Resolutions per second: as many as fit in `secs`, checked as they go. */
static double
resolve_rate(struct hs *hs, const struct rsp_handle *h, unsigned items,
    size_t npes, double secs, int *bad)
{
	const struct hs_pe *out[HS_SELECT_MAX];
	unsigned want = npes < items ? (unsigned)npes : items;
	double t0 = now_s(), t;
	long n = 0;
	int i;

	do {
		for (i = 0; i < 1000; i++)
			*bad |= hs_select(hs, h, items, 0, out) != (int)want;
		n += 1000;
	} while ((t = now_s() - t0) < secs);
	return (double)n / t;
}

static int
bench_one(size_t npes, uint32_t policy, double secs, struct bench_row *r)
{
	static const struct rsp_handle h = {9, "BenchPool"};
	struct rsp_addr a[2];
	struct rsp_pe pe;
	uint32_t *ids;
	size_t i, heap0, rss0, added = 0;
	uint16_t cause;
	struct hs *hs;
	double t0;
	int bad = 0, rc;

	if ((ids = malloc(npes * sizeof(*ids))) == NULL)
		return -1;
	rand_seed_for_tests(npes ^ policy);
	for (i = 0; i < npes; i++)
		ids[i] = rand_id32();
	heap0 = heap_bytes();
	rss0 = rss_bytes();
	if ((hs = hs_new(rand_u64())) == NULL) {
		free(ids);
		return -1;
	}
	hs_seed(hs, 1);
	t0 = now_s();
	for (i = 0; i < npes; i++) {
		/* LU loads from a small range: many ties, as in practice. */
		mkpe(&pe, a, ids[i], policy,
		    policy == RSP_POLICY_LU ? ids[i] % 100 : 1 + ids[i] % 10);
		rc = hs_register(hs, &h, &pe, 0, &cause);
		bad |= rc < 0;
		added += rc == HS_ADDED;
	}
	memset(r, 0, sizeof(*r));
	r->npes = added;
	r->policy = policy;
	r->reg_s = (double)npes / (now_s() - t0);
	r->heap_per_pe = (double)(heap_bytes() - heap0) / (double)added;
	r->rss_per_pe = (double)(rss_bytes() - rss0) / (double)added;
	bad |= hs_pe_total(hs) != added;
	r->sel1_s = resolve_rate(hs, &h, 1, added, secs, &bad);
	r->sel3_s = resolve_rate(hs, &h, 3, added, secs, &bad);
	t0 = now_s();
	for (i = 0; i < npes; i++)
		hs_deregister(hs, &h, ids[i]);
	r->del_s = (double)npes / (now_s() - t0);
	bad |= hs_pe_total(hs) != 0 || hs_pool_total(hs) != 0;
	hs_free(hs);
	free(ids);
	return bad ? -1 : 0;
}

static void
print_header(int argc, char **argv)
{
	struct utsname u;
	char line[256], cpu[256] = "unknown";
	FILE *f;
	int i;

	if ((f = fopen("/proc/cpuinfo", "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "model name", 10) == 0) {
				snprintf(cpu, sizeof(cpu), "%s",
				    strchr(line, ':') + 2);
				cpu[strcspn(cpu, "\n")] = 0;
				break;
			}
		fclose(f);
	}
	if (uname(&u) == -1)
		snprintf(u.machine, sizeof(u.machine), "unknown");
	printf("# machine: %s, CPU: %s, %ld CPUs online\n# command:", u.machine,
	    cpu, sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n%9s %-15s %8s %8s %11s %11s %11s %11s\n", "PEs", "policy",
	    "heap/PE", "RSS/PE", "reg/s", "resolve1/s", "resolve3/s",
	    "dereg/s");
}

static void
print_row(const struct bench_row *r)
{
	const struct rsp_policy_info *pi = rsp_policy_info(r->policy);

	printf("%9zu %-15s %8.1f %8.1f %11.0f %11.0f %11.0f %11.0f\n", r->npes,
	    pi->rsplib, r->heap_per_pe, r->rss_per_pe, r->reg_s, r->sel1_s,
	    r->sel3_s, r->del_s);
	fflush(stdout);
}

/* Smoke (-smoke): 10k PEs, short runs; 0 when every result was right. */
int hs_bench_main(int argc, char **argv);

int
hs_bench_main(int argc, char **argv)
{
	static const uint32_t policies[] = {
	    RSP_POLICY_RR, RSP_POLICY_LU, RSP_POLICY_WRAND};
	size_t sizes[16] = {1000, 100000, 1000000};
	size_t nsizes = 3, i, j;
	struct bench_row r;
	double secs = 0.5;
	int rc = 0, a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-smoke") == 0) {
			sizes[0] = 10000;
			nsizes = 1;
			secs = 0.1;
		} else if (nsizes < 16 && atol(argv[a]) > 0) {
			if (a == 1 || strcmp(argv[a - 1], "-smoke") == 0)
				nsizes = 0;
			sizes[nsizes++] = (size_t)atol(argv[a]);
		} else {
			fprintf(
			    stderr, "usage: hs_bench [-smoke] [npes ...]\n");
			return 2;
		}
	}
	print_header(argc, argv);
	for (i = 0; i < nsizes; i++)
		for (j = 0; j < sizeof(policies) / sizeof(policies[0]); j++) {
			if (bench_one(sizes[i], policies[j], secs, &r) == -1) {
				printf("%9zu %s: WRONG RESULTS\n", sizes[i],
				    rsp_policy_name(policies[j]));
				rc = 1;
				continue;
			}
			print_row(&r);
		}
	return rc;
}

#ifndef HS_BENCH_NO_MAIN
int
main(int argc, char **argv)
{
	return hs_bench_main(argc, argv);
}
#endif
