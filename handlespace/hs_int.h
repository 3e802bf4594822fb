/*
 * Handlespace internals, shared by the files of handlespace/ only.
 */
#ifndef RSP_HS_INT_H
#define RSP_HS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "handlespace/hs.h"

#define HS_CONTAINER(p, type, member) \
	((type *)(void *)((char *)(p)-offsetof(type, member)))

#define HS_U32MAX 0xffffffffu
#define HS_NOHEAP 0xffffffffu

/* tree.c: an intrusive treap.  Keys must be unique under cmp (PE ID,
 * or sort key plus SeqNumber); priorities come from the node. */
struct hs_tnode {
	struct hs_tnode *l, *r;
};

struct hs_tops {
	int (*cmp)(const struct hs_tnode *, const struct hs_tnode *);
	uint32_t (*prio)(const struct hs_tnode *);
	void (*fix)(struct hs_tnode *); /* recompute subtree data; or NULL */
};

struct hs_tnode *hs_tree_insert(
    struct hs_tnode *root, struct hs_tnode *n, const struct hs_tops *ops);
struct hs_tnode *hs_tree_remove(
    struct hs_tnode *root, struct hs_tnode *n, const struct hs_tops *ops);
/* In order, until cb returns nonzero (then that value is returned). */
int hs_tree_walk(
    struct hs_tnode *root, int (*cb)(struct hs_tnode *, void *), void *arg);
/* Smallest node with cmp(node, key) > 0 (strict) or >= 0; NULL if none. */
struct hs_tnode *hs_tree_after(struct hs_tnode *root,
    const struct hs_tnode *key, int strict, const struct hs_tops *ops);
uint32_t hs_tree_hash(uint32_t x);
extern uint32_t hs_tree_salt;

/* Compact address storage (pe.c): a header per transport and a blob of
 * tagged addresses, inline up to HS_INLINE bytes (one IPv4 address per
 * transport, or two for one of them), on the heap beyond. */
#define HS_INLINE 16

struct hs_txh {
	uint16_t port;
	uint8_t ptype; /* RSP_PARAM_SCTP ... (all below 0x100); 0 absent */
	uint8_t naddrs;
};

struct hs_pool;

/*
 * One PE, in a slab slot (slab.c) with the owner's extension area
 * (hs_set_ext) right after its last field.  Size matters: a registrar
 * holds one per PE, so fields only one policy kind uses share storage (a
 * pool has one policy), and the 4-byte fields come last so that the
 * extension, 4-byte aligned, takes up their tail padding.
 */
struct hs_pe {
	struct hs_tnode idn; /* pool's ID treap */
	union {
		struct {                 /* HS_RANDOM pools */
			uint64_t wsum;   /* ID treap: sum of `weight` over the
			                * subtree */
			uint64_t lsum;   /* the same over the left subtree: a
			                * draw then reads one node per level,
			                * one cache miss instead of two */
			uint32_t weight; /* selection value (policy weight
			                  * function) */
		};
		struct {                       /* HS_SORTED pools */
			struct hs_tnode sortn; /* policy-order treap */
			uint64_t
			    key; /* policy sort key, then seq breaks ties */
			uint64_t seq; /* RSPLIB SeqNumber */
		};
	};
	struct hs_pool *pool;
	uint64_t expiry; /* ms */
	union {
		uint8_t in[HS_INLINE];
		uint8_t *heap;
	} addrs;
	uint32_t id, home, life;
	uint32_t hidx;                 /* position in the expiry heap */
	uint32_t v[RSP_POLICY_FIELDS]; /* policy values as registered */
	uint32_t st[2]; /* policy state: degradation, or WRR round/virtual */
	uint32_t selections;
	uint32_t ref; /* slab slot number, hs_pe_ref() */
	struct hs_txh user, asap;
	uint8_t unreachable;
	uint8_t has_asap;
	uint16_t
	    bloblen;    /* user addresses, DCCP service code, ASAP addresses */
	uint32_t ext[]; /* the owner's area (hs_set_ext) */
};

int hs_pe_check(const struct rsp_pe *pe, uint16_t *cause);
/* Store the transports of src in pe (replacing any); -1 ENOMEM. */
int hs_pe_set_addrs(struct hs_pe *pe, const struct rsp_pe *src);
void hs_pe_free_addrs(struct hs_pe *pe);

/* policy.c: one row per policy type. */
enum { HS_SORTED, HS_RANDOM };

struct hs_policy {
	uint32_t type;
	uint8_t kind;          /* HS_SORTED or HS_RANDOM */
	uint8_t nvalues;       /* values used (v[0..nvalues)) */
	uint8_t max_increment; /* default when the caller passes 0 */
	uint8_t degrades;      /* re-registration resets Degradation */
	uint64_t (*key)(const struct hs_pe *);        /* HS_SORTED */
	uint32_t (*weight)(const struct hs_pe *);     /* HS_RANDOM */
	void (*init)(struct hs_pe *, uint32_t round); /* state on insert */
	void (*update)(struct hs_pe *); /* on selection; NULL: none */
};

const struct hs_policy *hs_policy_find(uint32_t type);

struct hs_pool {
	struct hs_tnode node; /* handlespace's pool treap */
	struct rsp_handle handle;
	const struct hs_policy *policy;
	uint8_t ptype; /* user transport protocol */
	uint8_t use;   /* transport use */
	uint32_t hsum; /* checksum words of the padded handle */
	struct hs_tnode *byid, *bykey;
	uint64_t gseq; /* RSPLIB GlobalSeqNumber */
	size_t npes;
};

/* checksum.c: per-owner PE count and unfolded checksum sum. */
struct hs_owner {
	uint32_t id;
	uint32_t npes;
	uint64_t sum;
};

uint32_t hs_pe_sum(const struct hs_pe *pe);
int hs_owner_add(struct hs *hs, const struct hs_pe *pe);
void hs_owner_del(struct hs *hs, const struct hs_pe *pe);
struct hs_owner *hs_owner_get(const struct hs *hs, uint32_t id);

/* expiry.c: binary min-heap of PEs by expiry time. */
int hs_heap_push(struct hs *hs, struct hs_pe *pe);
void hs_heap_del(struct hs *hs, struct hs_pe *pe);
void hs_heap_fix(struct hs *hs, struct hs_pe *pe);

/*
 * slab.c: fixed-size PE slots carved from blocks of HS_SLAB_SLOTS, a
 * free list threading the freed ones.  Saves malloc's per-object header
 * and gives each PE a 4-byte slot number (ref = index + 1) that owners
 * link by; hs_pe_at() finds a slot in O(1).
 */
#define HS_SLAB_SHIFT 8
#define HS_SLAB_SLOTS (1u << HS_SLAB_SHIFT)

struct hs_slab {
	uint8_t **blocks;
	size_t nblocks, cap;
	size_t size;   /* bytes per slot, a multiple of 8 */
	uint32_t used; /* slots ever handed out (the rest are untouched) */
	uint32_t free; /* ref of the first free slot, 0: none */
};

/* Zeroed slot, *ref set; NULL on ENOMEM. */
void *hs_slab_alloc(struct hs_slab *s, uint32_t *ref);
void hs_slab_free(struct hs_slab *s, void *slot, uint32_t ref);
void *hs_slab_at(const struct hs_slab *s, uint32_t ref);
/* Free every block (every slot goes). */
void hs_slab_release(struct hs_slab *s);

struct hs {
	struct hs_tnode *pools;
	size_t npools, npes, max_pes;
	uint64_t rng;
	struct hs_owner *owners; /* sorted by id */
	size_t nowners, owners_cap;
	uint32_t *heap; /* expiry heap of PE refs */
	size_t heap_len, heap_cap;
	struct hs_slab slab;
	size_t ext_size;  /* owner's bytes after each PE */
	hs_drop_cb *drop; /* called before any PE is freed */
	void *drop_arg;
};

uint64_t hs_random(struct hs *hs);
/* pool.c: unlink and free one PE (owner, heap, trees; an emptied pool
 * goes too), telling the owner first (hs->drop). */
void hs_pe_remove(struct hs *hs, struct hs_pe *pe);
/* Set the random selection value, fixing the ID treap's sums. */
void hs_pe_set_weight(struct hs_pe *pe, uint32_t w);
/* Take pe out of / put it into its pool's policy order (sorted
 * policies; no-ops otherwise).  sort_in recomputes the key. */
void hs_pe_sort_out(struct hs_pe *pe);
void hs_pe_sort_in(struct hs_pe *pe);
struct hs_pool *hs_pool_find(const struct hs *hs, const struct rsp_handle *h);
struct hs_pool *hs_pool_after(
    const struct hs *hs, const struct rsp_handle *h, int strict);
struct hs_pe *hs_pe_after(const struct hs_pool *p, uint32_t id, int strict);
/* checksum.c: every PE of old now counts for new (takeover). */
void hs_owner_move(struct hs *hs, uint32_t old_id, uint32_t new_id);

#endif
