/*
 * hs_verify(): every invariant of the handlespace, checked from scratch
 * (tests and fuzzers; O(n x owners)).  Priorities are recomputed the way
 * pool.c derives them: pools hash(hsum), ID treap hash(id), policy treap
 * hash(~id).
 */
#include <string.h>

#include "handlespace/hs_int.h"

struct vstate {
	const struct hs *hs;
	const struct hs_pool *pool;
	size_t n;
	int bad;
	const struct hs_pe *prev;
};

static void
vid(struct vstate *v, const struct hs_tnode *t, uint32_t maxprio)
{
	const struct hs_pe *pe;
	uint64_t l, r;

	while (t != NULL) {
		pe = HS_CONTAINER(t, struct hs_pe, idn);
		v->bad |= hs_tree_hash(pe->id) > maxprio;
		vid(v, t->l, hs_tree_hash(pe->id));
		v->bad |= v->prev != NULL && v->prev->id >= pe->id;
		v->bad |= pe->pool != v->pool;
		v->bad |= pe->hidx >= v->hs->heap_len ||
		          v->hs->heap[pe->hidx] != pe->ref;
		v->bad |= pe->ref == 0 || hs_pe_at(v->hs, pe->ref) != pe;
		if (v->pool->policy->kind == HS_RANDOM) {
			v->bad |= pe->weight != v->pool->policy->weight(pe);
			l = t->l != NULL
			        ? HS_CONTAINER(t->l, struct hs_pe, idn)->wsum
			        : 0;
			r = t->r != NULL
			        ? HS_CONTAINER(t->r, struct hs_pe, idn)->wsum
			        : 0;
			v->bad |=
			    pe->lsum != l || pe->wsum != l + pe->weight + r;
		} else
			v->bad |= pe->key != v->pool->policy->key(pe);
		v->prev = pe;
		v->n++;
		maxprio = hs_tree_hash(pe->id);
		t = t->r;
	}
}

static int
key_below(const struct hs_pe *a, const struct hs_pe *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void
vkey(struct vstate *v, const struct hs_tnode *t, uint32_t maxprio)
{
	const struct hs_pe *pe;

	while (t != NULL) {
		pe = HS_CONTAINER(t, struct hs_pe, sortn);
		v->bad |= hs_tree_hash(~pe->id) > maxprio;
		vkey(v, t->l, hs_tree_hash(~pe->id));
		v->bad |= v->prev != NULL && !key_below(v->prev, pe);
		v->bad |= pe->pool != v->pool || pe->seq >= v->pool->gseq;
		v->prev = pe;
		v->n++;
		maxprio = hs_tree_hash(~pe->id);
		t = t->r;
	}
}

static void
vpool(struct vstate *v, const struct hs_pool *p)
{
	v->pool = p;
	v->prev = NULL;
	v->n = 0;
	vid(v, p->byid, HS_U32MAX);
	v->bad |= v->n != p->npes || p->npes == 0;
	v->bad |= p->hsum != rsp_checksum_handle(&p->handle);
	if (p->policy->kind == HS_SORTED) {
		v->prev = NULL;
		v->n = 0;
		vkey(v, p->bykey, HS_U32MAX);
		v->bad |= v->n != p->npes;
	} else
		v->bad |= p->bykey != NULL;
}

static int
handle_below(const struct rsp_handle *a, const struct rsp_handle *b)
{
	if (a->len != b->len)
		return a->len < b->len;
	return memcmp(a->bytes, b->bytes, a->len) < 0;
}

static void
vpools(struct vstate *v, const struct hs_tnode *t, uint32_t maxprio,
    const struct hs_pool **prev, size_t *npools, size_t *npes)
{
	const struct hs_pool *p;

	while (t != NULL) {
		p = HS_CONTAINER(t, struct hs_pool, node);
		v->bad |= hs_tree_hash(p->hsum) > maxprio;
		vpools(v, t->l, hs_tree_hash(p->hsum), prev, npools, npes);
		v->bad |= *prev != NULL &&
		          !handle_below(&(*prev)->handle, &p->handle);
		vpool(v, p);
		*prev = p;
		(*npools)++;
		*npes += p->npes;
		maxprio = hs_tree_hash(p->hsum);
		t = t->r;
	}
}

struct osum {
	uint32_t owner;
	size_t n;
	uint64_t sum;
};

static void
sum_tree(const struct hs_tnode *t, struct osum *o)
{
	const struct hs_pe *pe;

	while (t != NULL) {
		sum_tree(t->l, o);
		pe = HS_CONTAINER(t, struct hs_pe, idn);
		if (pe->home == o->owner) {
			o->n++;
			o->sum += hs_pe_sum(pe);
		}
		t = t->r;
	}
}

static void
sum_pools(const struct hs_tnode *t, struct osum *o)
{
	while (t != NULL) {
		sum_pools(t->l, o);
		sum_tree(HS_CONTAINER(t, struct hs_pool, node)->byid, o);
		t = t->r;
	}
}

int
hs_verify(const struct hs *hs)
{
	struct vstate v = {hs, NULL, 0, 0, NULL};
	const struct hs_pool *prev = NULL;
	size_t i, c, npools = 0, npes = 0, owned = 0;
	struct osum o;

	vpools(&v, hs->pools, HS_U32MAX, &prev, &npools, &npes);
	v.bad |= npools != hs->npools || npes != hs->npes;
	v.bad |= hs->heap_len != hs->npes;
	for (i = 0; i < hs->heap_len; i++) {
		v.bad |= hs_pe_at(hs, hs->heap[i])->hidx != i;
		for (c = 2 * i + 1; c <= 2 * i + 2 && c < hs->heap_len; c++)
			v.bad |= hs_pe_at(hs, hs->heap[c])->expiry <
			         hs_pe_at(hs, hs->heap[i])->expiry;
	}
	for (i = 0; i < hs->nowners; i++) {
		memset(&o, 0, sizeof(o));
		o.owner = hs->owners[i].id;
		sum_pools(hs->pools, &o);
		v.bad |= o.n == 0 || o.n != hs->owners[i].npes ||
		         o.sum != hs->owners[i].sum;
		v.bad |= i > 0 && hs->owners[i - 1].id >= o.owner;
		owned += o.n;
	}
	v.bad |= owned != hs->npes;
	return v.bad ? -1 : 0;
}
