/*
 * Handle resolution: RSPLIB's two selection procedures (docs/wire.md
 * 5.4), each O(n log N) for n PEs out of a pool of N.
 *
 * A. Sorted: the first n PEs in policy order; the first k of them
 *    (k = min(n, MaxIncrement)) get a new SeqNumber, which moves them
 *    behind their equals, and the policy update, twice (the RSPLIB
 *    re-insertion quirk).
 * B. Weighted random without replacement: r uniform below the sum of
 *    the selection values not yet drawn, the PE whose cumulative
 *    interval (in PE ID order, drawn PEs left out) holds r.  The ID
 *    treap's subtree sums make each draw O(log N).
 */
#include "handlespace/hs_int.h"

struct collect {
	struct hs_pe **out;
	unsigned n, want;
};

static int
collect_cb(struct hs_tnode *t, void *arg)
{
	struct collect *c = arg;

	c->out[c->n++] = HS_CONTAINER(t, struct hs_pe, sortn);
	return c->n == c->want;
}

static void
consume(struct hs_pool *p, struct hs_pe *pe, int update_times)
{
	int i;

	if (p->policy->kind == HS_SORTED)
		pe->seq = p->gseq; /* random pools keep no SeqNumber */
	p->gseq++;
	pe->selections++;
	for (i = 0; i < update_times && p->policy->update != NULL; i++)
		p->policy->update(pe);
}

static unsigned
select_sorted(struct hs_pool *p, unsigned n, unsigned k, struct hs_pe **out)
{
	struct collect c = {out, 0, n};
	unsigned i;

	hs_tree_walk(p->bykey, collect_cb, &c);
	for (i = 0; i < c.n && i < k; i++) {
		hs_pe_sort_out(out[i]);
		consume(p, out[i], 2);
		hs_pe_sort_in(out[i]);
	}
	return c.n;
}

/* The PE whose cumulative weight interval holds r (< total), and where
 * that interval starts. */
static struct hs_pe *
draw(struct hs_tnode *t, uint64_t r, uint64_t *start)
{
	struct hs_pe *pe;
	uint64_t l, base = 0;

	while (t != NULL) {
		pe = HS_CONTAINER(t, struct hs_pe, idn);
		l = pe->lsum;
		if (r < l) {
			t = t->l;
			continue;
		}
		r -= l;
		base += l;
		if (r < pe->weight) {
			*start = base;
			return pe;
		}
		r -= pe->weight;
		base += pe->weight;
		t = t->r;
	}
	return NULL; /* not reached while the sums are right */
}

/*
 * Without replacement, without touching the tree: r is drawn below the
 * weight not yet picked, then moved past every picked interval that
 * starts at or before it (kept sorted by start).  That is the same
 * mapping as zeroing the picked weights, in one walk per pick.
 */
static unsigned
select_random(struct hs *hs, struct hs_pool *p, unsigned n, unsigned k,
    struct hs_pe **out)
{
	uint64_t start[HS_SELECT_MAX], width[HS_SELECT_MAX], left, r, s;
	struct hs_pe *pe;
	unsigned i, j, got = 0;

	left = p->byid != NULL ? HS_CONTAINER(p->byid, struct hs_pe, idn)->wsum
	                       : 0;
	while (got < n && left > 0) {
		r = hs_random(hs) % left;
		for (i = 0; i < got && start[i] <= r; i++)
			r += width[i];
		if ((pe = draw(p->byid, r, &s)) == NULL)
			break;
		for (j = got; j > i; j--) {
			start[j] = start[j - 1];
			width[j] = width[j - 1];
		}
		start[i] = s;
		width[i] = pe->weight;
		left -= pe->weight;
		out[got++] = pe;
	}
	for (i = 0; i < got; i++)
		consume(p, out[i], i < k);
	return got;
}

int
hs_select(struct hs *hs, const struct rsp_handle *h, unsigned n,
    unsigned max_increment, const struct hs_pe **out)
{
	struct hs_pool *p = hs_pool_find(hs, h);
	struct hs_pe *sel[HS_SELECT_MAX];
	unsigned i, got, k;

	if (p == NULL)
		return -1;
	if (n > HS_SELECT_MAX)
		n = HS_SELECT_MAX;
	if (n == 0)
		return 0;
	k = max_increment != 0 ? max_increment : p->policy->max_increment;
	if (p->policy->kind == HS_SORTED)
		got = select_sorted(p, n, k, sel);
	else
		got = select_random(hs, p, n, k, sel);
	for (i = 0; i < got; i++)
		out[i] = sel[i];
	return (int)got;
}
