/*
 * An intrusive treap (Seidel and Aragon 1996): a binary search tree by
 * key that is a max-heap by priority.  With priorities from a salted
 * hash of the PE ID the expected depth is O(log n) whatever order PEs
 * come in, and no node needs a parent pointer or a balance field: two
 * pointers per tree keep the PE small.  Insert and remove are
 * split/merge, recursive to a depth of the tree's height (about 2.5 x
 * log2 n: some 50 frames at a million PEs).  ops->fix recomputes
 * augmented data (the weight sums) on every node whose children change.
 */
#include <stddef.h>

#include "handlespace/hs_int.h"

/* Set once by the first hs_new() from its seed (the caller's kernel
 * randomness), so that no peer can choose PE IDs that make a degenerate
 * (list-shaped) tree. */
uint32_t hs_tree_salt;

/* murmur3's 32-bit finalizer: a bijection with good avalanche. */
uint32_t
hs_tree_hash(uint32_t x)
{
	x ^= hs_tree_salt;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

static void
fix(struct hs_tnode *n, const struct hs_tops *ops)
{
	if (ops->fix != NULL)
		ops->fix(n);
}

/* Split t into the nodes before key (*l) and the rest (*r). */
static void
split(struct hs_tnode *t, const struct hs_tnode *key, struct hs_tnode **l,
    struct hs_tnode **r, const struct hs_tops *ops)
{
	if (t == NULL) {
		*l = *r = NULL;
		return;
	}
	if (ops->cmp(t, key) < 0) {
		split(t->r, key, &t->r, r, ops);
		*l = t;
	} else {
		split(t->l, key, l, &t->l, ops);
		*r = t;
	}
	fix(t, ops);
}

/* Join a and b, every key of a being below every key of b. */
static struct hs_tnode *
merge(struct hs_tnode *a, struct hs_tnode *b, const struct hs_tops *ops)
{
	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	if (ops->prio(a) > ops->prio(b)) {
		a->r = merge(a->r, b, ops);
		fix(a, ops);
		return a;
	}
	b->l = merge(a, b->l, ops);
	fix(b, ops);
	return b;
}

struct hs_tnode *
hs_tree_insert(
    struct hs_tnode *t, struct hs_tnode *n, const struct hs_tops *ops)
{
	if (t == NULL || ops->prio(n) > ops->prio(t)) {
		split(t, n, &n->l, &n->r, ops);
		fix(n, ops);
		return n;
	}
	if (ops->cmp(n, t) < 0)
		t->l = hs_tree_insert(t->l, n, ops);
	else
		t->r = hs_tree_insert(t->r, n, ops);
	fix(t, ops);
	return t;
}

/* n must be in the tree, with the key it was inserted under. */
struct hs_tnode *
hs_tree_remove(
    struct hs_tnode *t, struct hs_tnode *n, const struct hs_tops *ops)
{
	if (t == NULL)
		return NULL;
	if (t == n) {
		t = merge(n->l, n->r, ops);
		n->l = n->r = NULL;
		return t;
	}
	if (ops->cmp(n, t) < 0)
		t->l = hs_tree_remove(t->l, n, ops);
	else
		t->r = hs_tree_remove(t->r, n, ops);
	fix(t, ops);
	return t;
}

int
hs_tree_walk(
    struct hs_tnode *t, int (*cb)(struct hs_tnode *, void *), void *arg)
{
	int rc;

	while (t != NULL) {
		if ((rc = hs_tree_walk(t->l, cb, arg)) != 0)
			return rc;
		if ((rc = cb(t, arg)) != 0)
			return rc;
		t = t->r; /* tail position: loop instead of recursing */
	}
	return 0;
}

struct hs_tnode *
hs_tree_after(struct hs_tnode *t, const struct hs_tnode *key, int strict,
    const struct hs_tops *ops)
{
	struct hs_tnode *best = NULL;
	int c;

	while (t != NULL) {
		c = ops->cmp(t, key);
		if (c > 0 || (c == 0 && !strict)) {
			best = t;
			t = t->l;
		} else
			t = t->r;
	}
	return best;
}
