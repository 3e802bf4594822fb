/*
 * A registrar's handlespace as received over ENRP by `rsp hsdump`: the
 * Handle Table Responses of one dump (M=1 continuations included) and
 * the List Response, merged into one sorted table, and its printers
 * (RSPLIB-like text, key=value lines, JSON).  No I/O except the FILE
 * the printers write to, so the unit tests feed it decoded messages.
 */
#ifndef RSP_HSDUMP_FMT_H
#define RSP_HSDUMP_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/msg.h"

/* -f values, in the order of the option's choice list. */
enum hsd_format {
	HSD_TEXT = 0,
	HSD_KV = 1,
	HSD_JSON = 2,
};

struct hsd_entry {
	const struct rsp_handle *handle;
	const struct rsp_pe *pe;
	size_t seq; /* arrival order: a later copy of a PE wins */
};

struct hsd_owner {
	uint32_t id;
	size_t npes;
	uint32_t sum; /* RSPLIB's 32-bit accumulator (docs/wire.md 4.6) */
};

struct hsd_table {
	uint32_t registrar; /* sender ID of the responses */
	uint32_t self;      /* our server ID */
	unsigned responses; /* Handle Table Responses merged */

	struct hsd_entry *e; /* sorted and unique after hsd_finish() */
	size_t n, cap;
	size_t npools;
	struct hsd_owner *owners; /* by ascending ID, after hsd_finish() */
	size_t nowners;

	int has_peers; /* a List Response came */
	const struct rsp_server_info *peers;
	size_t npeers;

	/* The decoded messages, kept for their arenas. */
	struct rsp_msg *msgs;
	size_t nmsgs, msgcap;
};

void hsd_init(struct hsd_table *t, uint32_t self);
void hsd_free(struct hsd_table *t);
/*
 * Take over a decoded ENRP Handle Table Response (m is zeroed; the table
 * frees it) and add its pool entries.  -1/ENOMEM (m freed then).
 */
int hsd_add_response(struct hsd_table *t, struct rsp_msg *m);
/* Same for a List Response: its server entries become the peer list. */
int hsd_add_peers(struct hsd_table *t, struct rsp_msg *m);
/* Sort pools (length, then bytes: RSPLIB's order) and PEs (by ID), drop
 * repeated PEs (the later copy stays), count pools and owners.
 * -1/ENOMEM. */
int hsd_finish(struct hsd_table *t);
/* PE checksum over the received PEs whose home PR is owner (the value
 * that registrar sends in its Presence); 0xffff if it owns none. */
uint16_t hsd_checksum(const struct hsd_table *t, uint32_t owner);
/* The same over every PE received (RSPLIB's "Handlespace" checksum). */
uint16_t hsd_checksum_all(const struct hsd_table *t);

void hsd_print(FILE *f, const struct hsd_table *t, enum hsd_format format);

#endif
