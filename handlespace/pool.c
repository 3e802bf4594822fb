/*
 * Pools and their PEs: the handlespace object, the three treaps (pools
 * by handle, PEs by ID with weight sums, PEs in policy order),
 * registration with the pool consistency rules (docs/wire.md 5.3),
 * update, deregistration and removal.
 */
#include <stdlib.h>
#include <string.h>

#include "handlespace/hs_int.h"

static int
pool_cmp(const struct hs_tnode *a, const struct hs_tnode *b)
{
	return rsp_handle_cmp(&HS_CONTAINER(a, struct hs_pool, node)->handle,
	    &HS_CONTAINER(b, struct hs_pool, node)->handle);
}

static uint32_t
pool_prio(const struct hs_tnode *n)
{
	return hs_tree_hash(HS_CONTAINER(n, struct hs_pool, node)->hsum);
}

static const struct hs_tops pool_ops = {pool_cmp, pool_prio, NULL};

static int
id_cmp(const struct hs_tnode *a, const struct hs_tnode *b)
{
	uint32_t x = HS_CONTAINER(a, struct hs_pe, idn)->id;
	uint32_t y = HS_CONTAINER(b, struct hs_pe, idn)->id;

	return x < y ? -1 : x > y;
}

static uint32_t
id_prio(const struct hs_tnode *n)
{
	return hs_tree_hash(HS_CONTAINER(n, struct hs_pe, idn)->id);
}

static uint64_t
wsum(const struct hs_tnode *n)
{
	return n != NULL ? HS_CONTAINER(n, struct hs_pe, idn)->wsum : 0;
}

static void
id_fix(struct hs_tnode *n)
{
	struct hs_pe *pe = HS_CONTAINER(n, struct hs_pe, idn);

	pe->lsum = wsum(n->l);
	pe->wsum = pe->lsum + pe->weight + wsum(n->r);
}

static const struct hs_tops id_ops = {id_cmp, id_prio, id_fix};
/* Sorted pools keep no weight sums (that storage is their sort node). */
static const struct hs_tops id_plain_ops = {id_cmp, id_prio, NULL};

static const struct hs_tops *
pool_id_ops(const struct hs_pool *p)
{
	return p->policy->kind == HS_RANDOM ? &id_ops : &id_plain_ops;
}

/* Policy order: the policy's key, then SeqNumber (unique). */
static int
key_cmp(const struct hs_tnode *a, const struct hs_tnode *b)
{
	const struct hs_pe *x = HS_CONTAINER(a, struct hs_pe, sortn);
	const struct hs_pe *y = HS_CONTAINER(b, struct hs_pe, sortn);

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint32_t
key_prio(const struct hs_tnode *n)
{
	return hs_tree_hash(~HS_CONTAINER(n, struct hs_pe, sortn)->id);
}

static const struct hs_tops key_ops = {key_cmp, key_prio, NULL};

/* splitmix64, seeded per handlespace: selection needs speed, not
 * secrecy, and a syscall per resolution would dominate its cost. */
uint64_t
hs_random(struct hs *hs)
{
	uint64_t z = (hs->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct hs *
hs_new(uint64_t seed)
{
	struct hs *hs;

	if ((hs = calloc(1, sizeof(*hs))) == NULL)
		return NULL;
	if (hs_tree_salt == 0)
		hs_tree_salt = (uint32_t)(seed >> 32) | 1;
	hs->rng = seed;
	hs->slab.size = sizeof(struct hs_pe);
	return hs;
}

int
hs_set_ext(struct hs *hs, size_t size, hs_drop_cb *drop, void *arg)
{
	if (hs->slab.nblocks != 0 || size > 4096)
		return -1;
	hs->ext_size = size;
	/* Slots stay multiples of 8, the PE's alignment. */
	hs->slab.size = (offsetof(struct hs_pe, ext) + size + 7) & ~(size_t)7;
	if (hs->slab.size < sizeof(struct hs_pe))
		hs->slab.size = sizeof(struct hs_pe);
	hs->drop = drop;
	hs->drop_arg = arg;
	return 0;
}

void
hs_seed(struct hs *hs, uint64_t seed)
{
	hs->rng = seed;
}

void
hs_set_limit(struct hs *hs, size_t max_pes)
{
	hs->max_pes = max_pes;
}

/* The slots themselves go with the slab. */
static void
free_ids(struct hs *hs, struct hs_tnode *t)
{
	struct hs_pe *pe;

	while (t != NULL) {
		free_ids(hs, t->l);
		pe = HS_CONTAINER(t, struct hs_pe, idn);
		t = t->r;
		if (hs->drop != NULL)
			hs->drop(hs->drop_arg, pe);
		hs_pe_free_addrs(pe);
	}
}

static void
free_pools(struct hs *hs, struct hs_tnode *t)
{
	struct hs_pool *p;

	while (t != NULL) {
		free_pools(hs, t->l);
		p = HS_CONTAINER(t, struct hs_pool, node);
		t = t->r;
		free_ids(hs, p->byid);
		free(p);
	}
}

void
hs_free(struct hs *hs)
{
	if (hs == NULL)
		return;
	free_pools(hs, hs->pools);
	hs_slab_release(&hs->slab);
	free(hs->owners);
	free(hs->heap);
	free(hs);
}

static struct hs_pool *
pool_find(const struct hs *hs, const struct rsp_handle *h)
{
	struct hs_tnode *t = hs->pools;
	struct hs_pool *p;
	int c;

	while (t != NULL) {
		p = HS_CONTAINER(t, struct hs_pool, node);
		if ((c = rsp_handle_cmp(h, &p->handle)) == 0)
			return p;
		t = c < 0 ? t->l : t->r;
	}
	return NULL;
}

static struct hs_pe *
pe_find(const struct hs_pool *p, uint32_t id)
{
	struct hs_tnode *t = p->byid;
	struct hs_pe *pe;

	while (t != NULL) {
		pe = HS_CONTAINER(t, struct hs_pe, idn);
		if (pe->id == id)
			return pe;
		t = id < pe->id ? t->l : t->r;
	}
	return NULL;
}

/* Add delta to the weight sums from the root down to pe (the weight of
 * pe itself changes by delta, its key does not). */
static void
weight_add(struct hs_pool *p, struct hs_pe *pe, uint64_t delta)
{
	struct hs_tnode *t = p->byid;
	struct hs_pe *x;

	while (t != NULL) {
		x = HS_CONTAINER(t, struct hs_pe, idn);
		x->wsum += delta;
		if (x == pe)
			break;
		if (pe->id < x->id) {
			x->lsum += delta;
			t = t->l;
		} else
			t = t->r;
	}
}

void
hs_pe_set_weight(struct hs_pe *pe, uint32_t w)
{
	uint64_t delta = (uint64_t)w - pe->weight;

	pe->weight = w;
	weight_add(pe->pool, pe, delta);
}

/* WRR: a new PE joins the round of the pool's next PE. */
static uint32_t
pool_round(const struct hs_pool *p)
{
	const struct hs_tnode *t = p->bykey;

	if (t == NULL)
		return 0;
	while (t->l != NULL)
		t = t->l;
	return HS_CONTAINER(t, struct hs_pe, sortn)->st[0];
}

void
hs_pe_sort_out(struct hs_pe *pe)
{
	struct hs_pool *p = pe->pool;

	if (p->policy->kind == HS_SORTED)
		p->bykey = hs_tree_remove(p->bykey, &pe->sortn, &key_ops);
}

void
hs_pe_sort_in(struct hs_pe *pe)
{
	struct hs_pool *p = pe->pool;

	if (p->policy->kind == HS_SORTED) {
		pe->key = p->policy->key(pe);
		p->bykey = hs_tree_insert(p->bykey, &pe->sortn, &key_ops);
	}
}

/*
 * Fresh policy state, as on insertion: init, then one run of the update
 * function (RSPLIB's re-insertion quirk, docs/wire.md 5.4 step 3: LUD's
 * Degradation starts at LoadDegradation).  pe is out of the sort order.
 */
static void
pe_reset_state(struct hs_pe *pe)
{
	const struct hs_policy *pol = pe->pool->policy;

	pol->init(pe, pool_round(pe->pool));
	if (pol->kind == HS_SORTED && pol->update != NULL)
		pol->update(pe);
}

static struct hs_pool *
pool_create(struct hs *hs, const struct rsp_handle *h,
    const struct hs_policy *pol, const struct rsp_pe *src)
{
	struct hs_pool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->handle = *h;
	memset(p->handle.bytes + h->len, 0, sizeof(p->handle.bytes) - h->len);
	p->policy = pol;
	p->ptype = (uint8_t)src->user.ptype;
	p->use = (uint8_t)src->user.use;
	p->hsum = rsp_checksum_handle(h);
	hs->pools = hs_tree_insert(hs->pools, &p->node, &pool_ops);
	hs->npools++;
	return p;
}

static void
pool_destroy(struct hs *hs, struct hs_pool *p)
{
	hs->pools = hs_tree_remove(hs->pools, &p->node, &pool_ops);
	hs->npools--;
	free(p);
}

/* RSPLIB's order of checks: policy, protocol, transport use. */
static int
pool_compatible(
    const struct hs_pool *p, const struct rsp_pe *src, uint16_t *cause)
{
	if (src->policy.type != p->policy->type)
		*cause = RSP_CAUSE_INCONSISTENT_POLICY;
	else if (src->user.ptype != p->ptype)
		*cause = RSP_CAUSE_INCONSISTENT_TRANSPORT;
	else if (src->user.use != p->use)
		*cause = RSP_CAUSE_INCONSISTENT_CONTROL;
	else
		return 0;
	return -1;
}

static void
pe_set_life(struct hs_pe *pe, const struct rsp_pe *src, uint64_t now)
{
	pe->life = src->life;
	pe->expiry = now + src->life;
}

static int
pe_update(struct hs *hs, struct hs_pe *pe, const struct rsp_pe *src,
    uint64_t now, uint16_t *cause)
{
	const struct hs_policy *pol = pe->pool->policy;
	uint32_t home = pe->home;
	int changed;

	/* The two steps that can fail come first, so that a refused update
	 * leaves the PE as it was. */
	*cause = RSP_CAUSE_LACK_OF_RESOURCES;
	pe->home = src->home;
	if (src->home != home && hs_owner_add(hs, pe) == -1) {
		pe->home = home;
		return -1;
	}
	if (hs_pe_set_addrs(pe, src) == -1) {
		if (src->home != home)
			hs_owner_del(hs, pe);
		pe->home = home;
		return -1;
	}
	if (src->home != home) {
		pe->home = home;
		hs_owner_del(hs, pe);
		pe->home = src->home;
	}
	changed = memcmp(pe->v, src->policy.v, sizeof(pe->v)) != 0;
	if (changed || pol->degrades) {
		hs_pe_sort_out(pe);
		memcpy(pe->v, src->policy.v, sizeof(pe->v));
		pe_reset_state(pe);
		hs_pe_sort_in(pe);
		if (pol->kind == HS_RANDOM)
			hs_pe_set_weight(pe, pol->weight(pe));
	}
	pe->unreachable = 0;
	pe_set_life(pe, src, now);
	hs_heap_fix(hs, pe);
	*cause = 0;
	return HS_UPDATED;
}

/* Link a filled-in PE into its pool's trees. */
static void
pe_link(struct hs_pe *pe)
{
	struct hs_pool *p = pe->pool;

	if (p->policy->kind == HS_SORTED)
		pe->seq = p->gseq;
	p->gseq++;
	pe_reset_state(pe);
	if (p->policy->kind == HS_RANDOM)
		pe->weight = p->policy->weight(pe);
	hs_pe_sort_in(pe);
	p->byid = hs_tree_insert(p->byid, &pe->idn, pool_id_ops(p));
	p->npes++;
}

static int
pe_add(struct hs *hs, struct hs_pool *p, const struct rsp_pe *src, uint64_t now)
{
	struct hs_pe *pe;
	uint32_t ref;

	if ((pe = hs_slab_alloc(&hs->slab, &ref)) == NULL)
		return -1;
	pe->ref = ref;
	pe->pool = p;
	pe->id = src->id;
	pe->home = src->home;
	pe->hidx = HS_NOHEAP;
	memcpy(pe->v, src->policy.v, sizeof(pe->v));
	pe_set_life(pe, src, now);
	if (hs_pe_set_addrs(pe, src) == -1)
		goto fail;
	if (hs_owner_add(hs, pe) == -1)
		goto fail;
	if (hs_heap_push(hs, pe) == -1) {
		hs_owner_del(hs, pe);
		goto fail;
	}
	pe_link(pe);
	hs->npes++;
	return 0;
fail:
	/* Never visible: no drop callback for it. */
	hs_pe_free_addrs(pe);
	hs_slab_free(&hs->slab, pe, ref);
	return -1;
}

int
hs_register(struct hs *hs, const struct rsp_handle *h, const struct rsp_pe *src,
    uint64_t now_ms, uint16_t *cause)
{
	const struct hs_policy *pol;
	struct hs_pool *p;
	struct hs_pe *pe;
	int created = 0;

	*cause = RSP_CAUSE_INVALID_VALUES;
	if (h->len == 0 || h->len > RSP_HANDLE_MAX)
		return -1;
	if (hs_pe_check(src, cause) == -1)
		return -1;
	pol = hs_policy_find(src->policy.type);
	if ((p = pool_find(hs, h)) != NULL) {
		if (pool_compatible(p, src, cause) == -1)
			return -1;
		if ((pe = pe_find(p, src->id)) != NULL)
			return pe_update(hs, pe, src, now_ms, cause);
	}
	*cause = RSP_CAUSE_LACK_OF_RESOURCES;
	if (hs->max_pes != 0 && hs->npes >= hs->max_pes)
		return -1;
	if (p == NULL) {
		if ((p = pool_create(hs, h, pol, src)) == NULL)
			return -1;
		created = 1;
	}
	if (pe_add(hs, p, src, now_ms) == -1) {
		if (created)
			pool_destroy(hs, p);
		return -1;
	}
	*cause = 0;
	return HS_ADDED;
}

void
hs_pe_remove(struct hs *hs, struct hs_pe *pe)
{
	struct hs_pool *p = pe->pool;

	if (hs->drop != NULL)
		hs->drop(hs->drop_arg, pe);
	hs_owner_del(hs, pe);
	if (pe->hidx != HS_NOHEAP)
		hs_heap_del(hs, pe);
	hs_pe_sort_out(pe);
	p->byid = hs_tree_remove(p->byid, &pe->idn, pool_id_ops(p));
	hs_pe_free_addrs(pe);
	hs_slab_free(&hs->slab, pe, pe->ref);
	hs->npes--;
	/* An emptied pool disappears: the next PE may bring new settings. */
	if (--p->npes == 0)
		pool_destroy(hs, p);
}

int
hs_deregister(struct hs *hs, const struct rsp_handle *h, uint32_t id)
{
	struct hs_pool *p = pool_find(hs, h);
	struct hs_pe *pe;

	if (p == NULL || (pe = pe_find(p, id)) == NULL)
		return -1;
	hs_pe_remove(hs, pe);
	return 0;
}

const struct hs_pe *
hs_find_pe(const struct hs *hs, const struct rsp_handle *h, uint32_t id)
{
	struct hs_pool *p = pool_find(hs, h);

	return p != NULL ? pe_find(p, id) : NULL;
}

int
hs_report_unreachable(struct hs *hs, const struct rsp_handle *h, uint32_t id,
    unsigned max_reports)
{
	struct hs_pool *p = pool_find(hs, h);
	struct hs_pe *pe;

	if (p == NULL || (pe = pe_find(p, id)) == NULL)
		return -1;
	if (pe->unreachable < 255)
		pe->unreachable++;
	if (pe->unreachable < max_reports)
		return 0;
	hs_pe_remove(hs, pe);
	return 1;
}

void
hs_clear_unreachable(struct hs *hs, const struct rsp_handle *h, uint32_t id)
{
	struct hs_pool *p = pool_find(hs, h);
	struct hs_pe *pe;

	if (p != NULL && (pe = pe_find(p, id)) != NULL)
		pe->unreachable = 0;
}

struct hs_pool *
hs_pool_find(const struct hs *hs, const struct rsp_handle *h)
{
	return pool_find(hs, h);
}

size_t
hs_pe_total(const struct hs *hs)
{
	return hs->npes;
}

size_t
hs_pool_total(const struct hs *hs)
{
	return hs->npools;
}

size_t
hs_pool_size(const struct hs *hs, const struct rsp_handle *h)
{
	struct hs_pool *p = pool_find(hs, h);

	return p != NULL ? p->npes : 0;
}

/* First pool at or after (strict: after) handle h; NULL: none. */
struct hs_pool *
hs_pool_after(const struct hs *hs, const struct rsp_handle *h, int strict)
{
	struct hs_pool key;
	struct hs_tnode *t;

	key.handle = *h;
	t = hs_tree_after(hs->pools, &key.node, strict, &pool_ops);
	return t != NULL ? HS_CONTAINER(t, struct hs_pool, node) : NULL;
}

/* First PE of p with ID above id (or at/above when !strict). */
struct hs_pe *
hs_pe_after(const struct hs_pool *p, uint32_t id, int strict)
{
	struct hs_pe key;
	struct hs_tnode *t;

	key.id = id;
	t = hs_tree_after(p->byid, &key.idn, strict, &id_ops);
	return t != NULL ? HS_CONTAINER(t, struct hs_pe, idn) : NULL;
}
