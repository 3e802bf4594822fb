/*
 * The Scripting Service of rsp server -scripting (docs/wire.md 9.7): a
 * PU uploads a work package (a tar archive with an executable ssrun at
 * its top level) and optionally an environment file; the PE unpacks the
 * package in a private temporary directory, runs ./ssrun there in a
 * child process and sends back the results archive and the exit status.
 *
 * Everything runs in the element's event loop: the worker is a child
 * process (its own process group) watched through SIGCHLD on the loop's
 * signalfd, uploads and downloads move one message per event.
 */
#ifndef RSP_SCRIPTING_H
#define RSP_SCRIPTING_H

#include <stdint.h>

#include "core/opt.h"
#include "core/sha1.h"
#include "services/service.h"

extern const struct svc svc_scripting;

struct ssp_config {
	long long maxthreads;  /* -ssmaxthreads, 0: number of CPUs */
	long long tx_timeout;  /* -sstransmittimeout, ms */
	long long ka_interval; /* -sskeepaliveinterval, ms */
	long long ka_timeout;  /* -sskeepalivetimeout, ms */
	const char *cachedir;  /* -sscachedirectory, NULL: temporary */
	long long cache_entries;
	long long cache_kib;
	const char *keyring; /* -sskeyring: gpgv keyring, NULL: no check */
	const char *trustdb; /* -sstrustdb: accepted, not needed by gpgv */
	int keeptempdirs;
	int verbose; /* -ssverbose: log each transfer's messages and bytes */
};

extern struct ssp_config ssp_config;
extern const struct opt ssp_opts[];

/* -ssmaxthreads resolved (the CPU count for 0). */
int ssp_maxthreads(void);
/* The scripting service's default policy: LeastUsedDegradation with a
 * degradation of 1/maxthreads, as RSPLIB registers it. */
const char *ssp_default_policy(void);

/*
 * Environment cache (docs/wire.md 9.7.5): verified environment files
 * named <sha1 hex>.data in one directory, evicted least recently used
 * first beyond max_entries files or max_bytes bytes.
 */
struct ss_entry {
	uint8_t hash[SHA1_SIZE];
	long long size;
	uint64_t used; /* LRU clock */
};

struct ss_cache {
	char dir[4096];
	int temporary; /* made by us: removed at the end */
	long long max_bytes, total;
	int max_entries, n;
	uint64_t clock;
	struct ss_entry *e;
};

/* Open dir (NULL: make $TMPDIR/rspSS-EnvironmentCache-XXXXXX), adopting
 * the <sha1>.data files already there.  -1 with errno. */
int ss_cache_init(
    struct ss_cache *c, const char *dir, long long max_bytes, int max_entries);
/* Copy the entry for hash to dest and check its hash again (a damaged
 * entry is dropped).  0 on a hit, -1 on a miss. */
int ss_cache_get(struct ss_cache *c, const uint8_t *hash, const char *dest);
/* Store a copy of src under hash, evicting as needed.  -1 with errno. */
int ss_cache_put(struct ss_cache *c, const uint8_t *hash, const char *src);
void ss_cache_fini(struct ss_cache *c);

/* Worker (services/ss_worker.c). */
struct ss_job {
	const char *dir;     /* the session's work directory */
	int environment;     /* environment.data is there */
	const char *keyring; /* absolute path or NULL */
	int logfd;           /* the worker's standard output and error */
};

/* Fork the worker for job in its own process group; pid or -1. */
int ss_worker_start(const struct ss_job *job);
/* SIGKILL the worker's process group and reap it. */
void ss_worker_kill(int pid);
/* rm -rf dir (no symlinks followed); -1 with errno. */
int ss_remove_tree(const char *dir);

#endif
