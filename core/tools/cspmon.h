/*
 * The CSP monitor's table (docs/wire.md 8.5): one entry per sender ID
 * from the reports received, purged when a component stops reporting,
 * and printed as RSPLIB's cspmonitor prints it.  No I/O besides the
 * FILE the caller prints to; applets/cspmonitor.c owns the socket.
 *
 * Input is untrusted: whatever csp_decode() refuses is counted and
 * dropped, text fields are cleaned of control characters before they
 * reach a terminal, and the table is bounded (CSPMON_MAX_ENTRIES) so a
 * flood of made-up sender IDs cannot exhaust memory.
 */
#ifndef RSP_CSPMON_H
#define RSP_CSPMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/csp.h"

#define CSPMON_MAX_ENTRIES 4096

struct cspmon_entry {
	uint64_t id;
	uint64_t last_ms;     /* when the latest report arrived */
	uint64_t interval_us; /* the sender's report interval */
	uint64_t timestamp;   /* sender time stamp, us */
	char location[CSP_TEXT_SIZE];
	char status[CSP_TEXT_SIZE];
	uint16_t workload;
	uint16_t nassocs;
	struct csp_assoc *assocs;
};

struct cspmon {
	struct cspmon_entry *e;
	size_t n, cap;
	uint64_t received, dropped, finals;
};

struct cspmon_fmt {
	int full;  /* list associations under each component */
	int color; /* ANSI colours (and line clearing) */
	long long maxpr, maxpe, maxpu, maxlocation;
};

void cspmon_init(struct cspmon *m);
void cspmon_fini(struct cspmon *m);
/*
 * One UDP payload.  0: entry created or updated (or removed by a final
 * report); -1: dropped (not a valid report, or the table is full).
 */
int cspmon_input(
    struct cspmon *m, const void *data, size_t len, uint64_t now_ms);
/* Remove entries silent for min(purge_ms, 10 x their interval). */
size_t cspmon_purge(struct cspmon *m, uint64_t now_ms, uint64_t purge_ms);
const struct cspmon_entry *cspmon_find(const struct cspmon *m, uint64_t id);
/* Components per group (CSP_GROUP_PR, ...). */
size_t cspmon_count(const struct cspmon *m, unsigned group);

/* "PR $0000abcd", "PE $0000abcd", "PU $00000000abcdef", "ID $..." */
void cspmon_id_str(uint64_t id, char *s, size_t n);
/* "ASAP/SCTP", "Data/TCP", "$00000099/$0007" */
void cspmon_proto_str(uint16_t protocol, uint32_t ppid, char *s, size_t n);

/*
 * The table: a header line "Current Component Status -- N PRs, N PEs,
 * N PUs", then one line per component sorted by group, location and
 * ID (in full mode followed by its associations), each line ending in
 * "\n".  With fmt->color the lines carry RSPLIB's colours and end with
 * an erase-to-end-of-line sequence.
 */
void cspmon_print(
    struct cspmon *m, FILE *f, const struct cspmon_fmt *fmt, uint64_t now_ms);

#endif
