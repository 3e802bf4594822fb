/*
 * Walking the handlespace in its order (pools by handle length, then
 * bytes; PEs by ascending ID) from a resumable cursor, for ENRP Handle
 * Table Responses; and the owner change of a takeover, which visits
 * every PE.
 */
#include <string.h>

#include "handlespace/hs_int.h"

void
hs_cursor_init(struct hs_cursor *c)
{
	c->handle.len = 0;
	c->id = 0;
	c->started = 0;
}

/* The first PE after the cursor, and its pool. */
static struct hs_pe *
cursor_first(
    const struct hs *hs, const struct hs_cursor *c, struct hs_pool **pp)
{
	struct rsp_handle none = {0};
	struct hs_pool *p;
	struct hs_pe *pe;

	p = hs_pool_after(hs, c->started ? &c->handle : &none, 0);
	if (p == NULL)
		return NULL;
	/* The cursor's own pool (if still there) resumes after its PE. */
	if (c->started && p->handle.len == c->handle.len &&
	    memcmp(p->handle.bytes, c->handle.bytes, p->handle.len) == 0) {
		if ((pe = hs_pe_after(p, c->id, 1)) != NULL) {
			*pp = p;
			return pe;
		}
		if ((p = hs_pool_after(hs, &p->handle, 1)) == NULL)
			return NULL;
	}
	*pp = p;
	return hs_pe_after(p, 0, 0);
}

size_t
hs_next(const struct hs *hs, struct hs_cursor *c, uint32_t owner,
    const struct hs_pe **out, size_t max)
{
	struct hs_pool *p = NULL;
	struct hs_pe *pe;
	size_t n = 0;

	if (max == 0)
		return 0;
	pe = cursor_first(hs, c, &p);
	while (pe != NULL) {
		if (owner == 0 || pe->home == owner) {
			out[n++] = pe;
			c->handle = p->handle;
			c->id = pe->id;
			c->started = 1;
			if (n == max)
				break;
		}
		if ((pe = hs_pe_after(p, pe->id, 1)) != NULL)
			continue;
		if ((p = hs_pool_after(hs, &p->handle, 1)) != NULL)
			pe = hs_pe_after(p, 0, 0);
	}
	return n;
}

static void
set_owner_tree(
    struct hs_tnode *t, uint32_t old_owner, uint32_t new_owner, size_t *n)
{
	struct hs_pe *pe;

	while (t != NULL) {
		set_owner_tree(t->l, old_owner, new_owner, n);
		pe = HS_CONTAINER(t, struct hs_pe, idn);
		if (pe->home == old_owner) {
			pe->home = new_owner;
			(*n)++;
		}
		t = t->r;
	}
}

static void
set_owner_pools(
    struct hs_tnode *t, uint32_t old_owner, uint32_t new_owner, size_t *n)
{
	while (t != NULL) {
		set_owner_pools(t->l, old_owner, new_owner, n);
		set_owner_tree(HS_CONTAINER(t, struct hs_pool, node)->byid,
		    old_owner, new_owner, n);
		t = t->r;
	}
}

size_t
hs_set_owner(struct hs *hs, uint32_t old_owner, uint32_t new_owner)
{
	size_t n = 0;

	if (old_owner == new_owner || new_owner == 0 ||
	    hs_owner_get(hs, old_owner) == NULL)
		return 0;
	set_owner_pools(hs->pools, old_owner, new_owner, &n);
	hs_owner_move(hs, old_owner, new_owner);
	return n;
}
