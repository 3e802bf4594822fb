/*
 * Registration-life expiry: one binary min-heap of every PE by expiry
 * time, each PE knowing its heap slot (hidx) so that a re-registration
 * moves it and a removal takes it out in O(log n).  The registrar arms a
 * single event-loop timer at hs_next_expiry() and calls hs_expire().
 * The heap holds slab refs, 4 bytes per PE instead of a pointer's 8.
 */
#include <stdlib.h>

#include "handlespace/hs_int.h"

static struct hs_pe *
at(const struct hs *hs, size_t i)
{
	return hs_slab_at(&hs->slab, hs->heap[i]);
}

static void
place(struct hs *hs, size_t i, struct hs_pe *pe)
{
	hs->heap[i] = pe->ref;
	pe->hidx = (uint32_t)i;
}

static void
sift_up(struct hs *hs, size_t i)
{
	struct hs_pe *pe = at(hs, i), *x;
	size_t up;

	while (i > 0) {
		up = (i - 1) / 2;
		if ((x = at(hs, up))->expiry <= pe->expiry)
			break;
		place(hs, i, x);
		i = up;
	}
	place(hs, i, pe);
}

static void
sift_down(struct hs *hs, size_t i)
{
	struct hs_pe *pe = at(hs, i), *x, *y;
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= hs->heap_len)
			break;
		x = at(hs, c);
		if (c + 1 < hs->heap_len &&
		    (y = at(hs, c + 1))->expiry < x->expiry) {
			x = y;
			c++;
		}
		if (pe->expiry <= x->expiry)
			break;
		place(hs, i, x);
		i = c;
	}
	place(hs, i, pe);
}

int
hs_heap_push(struct hs *hs, struct hs_pe *pe)
{
	uint32_t *h;
	size_t cap;

	if (hs->heap_len == hs->heap_cap) {
		cap = hs->heap_cap ? hs->heap_cap * 2 : 64;
		if ((h = realloc(hs->heap, cap * sizeof(*h))) == NULL)
			return -1;
		hs->heap = h;
		hs->heap_cap = cap;
	}
	hs->heap[hs->heap_len] = pe->ref;
	sift_up(hs, hs->heap_len++);
	return 0;
}

void
hs_heap_del(struct hs *hs, struct hs_pe *pe)
{
	size_t i = pe->hidx;
	struct hs_pe *last = at(hs, --hs->heap_len);

	pe->hidx = HS_NOHEAP;
	if (last == pe)
		return;
	place(hs, i, last);
	hs_heap_fix(hs, last);
}

/* pe->expiry changed. */
void
hs_heap_fix(struct hs *hs, struct hs_pe *pe)
{
	sift_up(hs, pe->hidx);
	sift_down(hs, pe->hidx);
}

int
hs_next_expiry(const struct hs *hs, uint64_t *when_ms)
{
	if (hs->heap_len == 0)
		return -1;
	*when_ms = at(hs, 0)->expiry;
	return 0;
}

size_t
hs_expire(struct hs *hs, uint64_t now_ms, hs_expire_cb *cb, void *arg)
{
	struct hs_pe *pe;
	size_t n = 0;

	while (hs->heap_len > 0 && (pe = at(hs, 0))->expiry <= now_ms) {
		if (cb != NULL)
			cb(arg, pe);
		hs_pe_remove(hs, pe);
		n++;
	}
	return n;
}
