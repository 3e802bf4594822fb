/*
 * The handlespace: pools keyed by pool handle, pool elements keyed by PE
 * ID within a pool, selection by the pool's policy with RSPLIB's exact
 * semantics (docs/wire.md 5.3-5.5), the per-registrar PE checksum (4.6)
 * and registration-life expiry.  A pure module: no I/O, no logging, no
 * exit; it links into unit tests without the daemon (docs/STYLE.md 7.12).
 *
 * Costs: register, deregister, find, expire one PE and select n PEs are
 * O(log n) (n PEs in the pool, plus log of the number of pools).  Each
 * pool keeps a treap by PE ID with subtree weight sums (weighted random
 * selection, cursor iteration) and a treap in policy order (sorted
 * selection); one binary min-heap orders every PE by expiry time, so the
 * registrar drives expiry with a single timer (hs_next_expiry).
 *
 * Memory: a PE is one slab slot (140 bytes, the owner's extension
 * after them, rounded up to 8: 168 in the registrar) and 4 bytes of
 * expiry heap; addresses take no more unless they exceed 16 bytes (one
 * IPv4 address per transport takes 10), then one allocation of their
 * own.
 *
 * PE pointers returned by the API stay valid until the next call that
 * modifies the handlespace (register, deregister, select, unreachable,
 * expire, set_owner).  The handlespace belongs to one thread.
 */
#ifndef RSP_HS_H
#define RSP_HS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/msg.h"

struct hs;
struct hs_pe;

/* hs_register() results; -1 is a refusal with *cause set. */
#define HS_ADDED   1
#define HS_UPDATED 0

/* Most PEs one hs_select() returns (RSPLIB MAX_MAX_HANDLE_RESOLUTION_ITEMS). */
#define HS_SELECT_MAX 128

/* seed: randomness from the caller (the handlespace reads no clock and
 * no randomness of its own): it seeds the policies' random choices and,
 * at the first call, salts the trees' priorities. */
struct hs *hs_new(uint64_t seed);
void hs_free(struct hs *hs);
/* Seed the selection generator (tests; default: from core/rand). */
void hs_seed(struct hs *hs, uint64_t seed);
/* Most PEs in the whole handlespace, 0 = unlimited: beyond it a new PE
 * is refused with 0x0006 (lack of resources). */
void hs_set_limit(struct hs *hs, size_t max_pes);

/*
 * An extension area of `size` bytes after every PE, for the owner of the
 * handlespace (the registrar keeps its per-PE state there instead of in
 * an allocation and an index of its own).  Zeroed when a PE is created;
 * 4-byte aligned, as it fills the PE's tail padding: fields of 4 bytes
 * or less (link PEs by hs_pe_ref()).  drop (may be NULL) is called exactly once for every
 * PE just before the handlespace frees it, whatever the path
 * (deregistration, expiry, unreachability reports, hs_free), so nothing
 * can keep pointing at a freed PE; it must not modify the handlespace.
 * Only before the first PE: -1 afterwards.
 */
typedef void hs_drop_cb(void *arg, struct hs_pe *pe);
int hs_set_ext(struct hs *hs, size_t size, hs_drop_cb *drop, void *arg);
/* The PE's extension area (the owner's to write), and back. */
void *hs_pe_ext(const struct hs_pe *pe);
struct hs_pe *hs_pe_from_ext(const void *ext);
/*
 * A 4-byte name of a live PE: nonzero, unique among the PEs of the
 * handlespace, given to a new PE once the PE is freed.  For compact
 * links in the extension area; hs_pe_at() is O(1) and only valid for
 * the ref of a live PE.
 */
uint32_t hs_pe_ref(const struct hs_pe *pe);
struct hs_pe *hs_pe_at(const struct hs *hs, uint32_t ref);

/*
 * Insert or update the PE `pe` of pool `handle`, registered (or learned)
 * at now_ms; it expires at now_ms + pe->life.  pe->home is its owner
 * (the registrar that answers for it).  An update replaces addresses,
 * policy values, owner and life, resets the unreachability counter and
 * the degradation (docs/wire.md 3.4.1 rule 6).  Refusals (RFC 5354 causes;
 * RSPLIB's own numbers in parentheses, never sent by rsp):
 *   0x0003 invalid values: handle empty or > 32 bytes, PE ID 0, home 0,
 *          policy type unknown, user transport without addresses or
 *          with more than 64, port 0, unknown protocol or family; ASAP
 *          transport not SCTP, with use 1, port 0 or 0/>64 addresses
 *          (0xf000, 0xf003-0xf006)
 *   0x0005 policy type differs from the pool's
 *   0x0007 user transport protocol differs from the pool's (0x100a)
 *   0x0008 transport use differs from the pool's
 *   0x0006 out of memory or over the PE limit
 * Returns HS_ADDED, HS_UPDATED, or -1 with *cause.
 */
int hs_register(struct hs *hs, const struct rsp_handle *handle,
    const struct rsp_pe *pe, uint64_t now_ms, uint16_t *cause);
/* 0 removed; -1 no such PE (cause 0x0009 for the caller to send). */
int hs_deregister(struct hs *hs, const struct rsp_handle *handle, uint32_t id);
const struct hs_pe *hs_find_pe(
    const struct hs *hs, const struct rsp_handle *handle, uint32_t id);

/*
 * Handle resolution: up to n PEs (n <= HS_SELECT_MAX) by the pool's
 * policy into out[], RSPLIB's algorithm (docs/wire.md 5.4), advancing the
 * pool's selection state.  max_increment 0 = the policy's default (1 for
 * sorted policies and the RLU family, 0 for RAND, WRAND, WRAND-DPF).
 * Returns the number of PEs, or -1 when the pool does not exist.
 */
int hs_select(struct hs *hs, const struct rsp_handle *handle, unsigned n,
    unsigned max_increment, const struct hs_pe **out);

/* ASAP Endpoint Unreachable: count one report; at max_reports the PE is
 * removed.  1 removed, 0 counted, -1 no such PE. */
int hs_report_unreachable(struct hs *hs, const struct rsp_handle *handle,
    uint32_t id, unsigned max_reports);
/* The PE proved reachable: its count of reports starts over. */
void hs_clear_unreachable(
    struct hs *hs, const struct rsp_handle *handle, uint32_t id);

/* Remove every PE whose registration expired at or before now_ms; cb
 * (may be NULL) sees each one just before it goes (to send ENRP DEL_PE)
 * and must not modify the handlespace.  Returns the count.  A life of 0
 * expires at the next call. */
typedef void hs_expire_cb(void *arg, const struct hs_pe *pe);
size_t hs_expire(struct hs *hs, uint64_t now_ms, hs_expire_cb *cb, void *arg);
/* 0 and *when_ms = the earliest expiry; -1 when the handlespace is empty. */
int hs_next_expiry(const struct hs *hs, uint64_t *when_ms);

/*
 * PE checksum of the PEs owned by `owner` (docs/wire.md 4.6), kept
 * incrementally.  hs_checksum() is what RSPLIB computes (32-bit
 * accumulator): peers compare it, so it is the one to send.
 * hs_checksum_rfc() folds a carry-exact 64-bit sum (RFC 1071); the two
 * differ only when the 32-bit sum wrapped (tens of thousands of PEs).
 */
uint16_t hs_checksum(const struct hs *hs, uint32_t owner);
uint16_t hs_checksum_rfc(const struct hs *hs, uint32_t owner);
size_t hs_owner_count(const struct hs *hs, uint32_t owner);
/* Takeover: every PE owned by old_owner now belongs to new_owner.
 * Returns the number of PEs moved.  O(PEs in the handlespace). */
size_t hs_set_owner(struct hs *hs, uint32_t old_owner, uint32_t new_owner);
size_t hs_pe_total(const struct hs *hs);
size_t hs_pool_total(const struct hs *hs);
/* PEs in one pool, 0 if it does not exist. */
size_t hs_pool_size(const struct hs *hs, const struct rsp_handle *handle);

/*
 * Resumable iteration in handlespace order: pools by handle length, then
 * bytes; PEs by ascending ID.  Fills out[] with up to max PEs after the
 * cursor, only those owned by `owner` unless owner is 0, and moves the
 * cursor past the last one.  Returns the count; fewer than max means the
 * end was reached.  A cursor stays meaningful across modifications (ENRP
 * Handle Table Responses with the M flag).  O(log n) per PE returned;
 * with an owner filter the PEs of other owners are stepped over too.
 */
struct hs_cursor {
	struct rsp_handle handle;
	uint32_t id;
	int started; /* 0: before the first PE */
};
void hs_cursor_init(struct hs_cursor *c);
size_t hs_next(const struct hs *hs, struct hs_cursor *c, uint32_t owner,
    const struct hs_pe **out, size_t max);

/* Check every internal invariant from scratch (trees, sums, heap,
 * owners); 0 if consistent.  For tests: O(PEs x owners). */
int hs_verify(const struct hs *hs);

/* PE accessors. */
uint32_t hs_pe_id(const struct hs_pe *pe);
uint32_t hs_pe_home(const struct hs_pe *pe);
uint32_t hs_pe_life(const struct hs_pe *pe);
uint64_t hs_pe_expiry(const struct hs_pe *pe);
const struct rsp_handle *hs_pe_handle(const struct hs_pe *pe);
uint32_t hs_pe_policy_type(const struct hs_pe *pe);
uint32_t hs_pe_selections(const struct hs_pe *pe);
unsigned hs_pe_unreachable(const struct hs_pe *pe);
/* LUD-family degradation (0 for other policies). */
uint32_t hs_pe_degradation(const struct hs_pe *pe);
/* The policy parameter as registered (nvalues per docs/wire.md 5.1). */
void hs_pe_policy(const struct hs_pe *pe, struct rsp_policy *pol);
/*
 * The PE as the codec wants it.  Addresses go to addrs[0..max): the user
 * transport's first, then the ASAP transport's; out's transports point
 * there.  Returns the number of addresses the PE has (<= 2 x
 * RSP_ADDRS_MAX); when that exceeds max nothing is filled in.
 */
size_t hs_pe_export(const struct hs_pe *pe, struct rsp_pe *out,
    struct rsp_addr *addrs, size_t max);

#endif
