/*
 * Per-owner PE counts and PE checksums (docs/wire.md 4.6), kept
 * incrementally: each owner has the unfolded sum of the 16-bit
 * big-endian words of (handle, zero pad to even length, PE ID) over its
 * PEs.  The sum is 64-bit, so it never wraps; its low 32 bits are
 * exactly RSPLIB's modulo-2^32 accumulator, so both the RFC 1071 value
 * and RSPLIB's come from one number.
 *
 * Owners (registrars) are few, so they sit in an array sorted by ID.
 */
#include <stdlib.h>
#include <string.h>

#include "handlespace/hs_int.h"

uint32_t
hs_pe_sum(const struct hs_pe *pe)
{
	return pe->pool->hsum + (pe->id >> 16) + (pe->id & 0xffff);
}

static size_t
owner_pos(const struct hs *hs, uint32_t id)
{
	size_t lo = 0, hi = hs->nowners, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (hs->owners[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct hs_owner *
hs_owner_get(const struct hs *hs, uint32_t id)
{
	size_t i = owner_pos(hs, id);

	return i < hs->nowners && hs->owners[i].id == id ? &hs->owners[i]
	                                                 : NULL;
}

int
hs_owner_add(struct hs *hs, const struct hs_pe *pe)
{
	size_t i = owner_pos(hs, pe->home), cap;
	struct hs_owner *o;

	if (i == hs->nowners || hs->owners[i].id != pe->home) {
		if (hs->nowners == hs->owners_cap) {
			cap = hs->owners_cap ? hs->owners_cap * 2 : 8;
			o = realloc(hs->owners, cap * sizeof(*o));
			if (o == NULL)
				return -1;
			hs->owners = o;
			hs->owners_cap = cap;
		}
		memmove(&hs->owners[i + 1], &hs->owners[i],
		    (hs->nowners - i) * sizeof(*o));
		hs->nowners++;
		memset(&hs->owners[i], 0, sizeof(*o));
		hs->owners[i].id = pe->home;
	}
	o = &hs->owners[i];
	o->npes++;
	o->sum += hs_pe_sum(pe);
	return 0;
}

void
hs_owner_del(struct hs *hs, const struct hs_pe *pe)
{
	size_t i = owner_pos(hs, pe->home);
	struct hs_owner *o = &hs->owners[i];

	o->sum -= hs_pe_sum(pe);
	if (--o->npes > 0)
		return;
	memmove(o, o + 1, (hs->nowners - i - 1) * sizeof(*o));
	hs->nowners--;
}

uint16_t
hs_checksum(const struct hs *hs, uint32_t owner)
{
	const struct hs_owner *o = hs_owner_get(hs, owner);

	return rsp_checksum_fold(o != NULL ? (uint32_t)o->sum : 0);
}

uint16_t
hs_checksum_rfc(const struct hs *hs, uint32_t owner)
{
	const struct hs_owner *o = hs_owner_get(hs, owner);

	return rsp_checksum_fold(o != NULL ? o->sum : 0);
}

size_t
hs_owner_count(const struct hs *hs, uint32_t owner)
{
	const struct hs_owner *o = hs_owner_get(hs, owner);

	return o != NULL ? o->npes : 0;
}

/*
 * Takeover: the PE sums do not depend on the owner, so old's count and
 * sum move to new as they are.  Removing old's entry first leaves room
 * for new's, so this cannot fail.
 */
void
hs_owner_move(struct hs *hs, uint32_t old_id, uint32_t new_id)
{
	struct hs_owner *o = hs_owner_get(hs, old_id), moved;
	size_t i;

	if (o == NULL || old_id == new_id)
		return;
	moved = *o;
	i = (size_t)(o - hs->owners);
	memmove(o, o + 1, (hs->nowners - i - 1) * sizeof(*o));
	hs->nowners--;
	if ((o = hs_owner_get(hs, new_id)) != NULL) {
		o->npes += moved.npes;
		o->sum += moved.sum;
		return;
	}
	i = owner_pos(hs, new_id);
	memmove(
	    &hs->owners[i + 1], &hs->owners[i], (hs->nowners - i) * sizeof(*o));
	moved.id = new_id;
	hs->owners[i] = moved;
	hs->nowners++;
}
