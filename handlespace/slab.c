/*
 * The PE slab: slots of one size in blocks of HS_SLAB_SLOTS, so that a
 * PE costs its own bytes and no allocator header, and has a slot number
 * (ref) that finds it in O(1): block ref-1 >> HS_SLAB_SHIFT, slot within.
 * Freed slots go on a free list threaded through their first 4 bytes
 * and are handed out again first; blocks are only released with the
 * handlespace.
 *
 * Under AddressSanitizer a free slot is poisoned, so a PE used after it
 * was freed is still reported as it would be with malloc.
 */
#include <stdlib.h>
#include <string.h>

#include "handlespace/hs_int.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define SLOT_POISON(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define SLOT_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SLOT_POISON(p, n)   ((void)(p), (void)(n))
#define SLOT_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void *
hs_slab_at(const struct hs_slab *s, uint32_t ref)
{
	uint32_t i = ref - 1;

	return s->blocks[i >> HS_SLAB_SHIFT] +
	       (size_t)(i & (HS_SLAB_SLOTS - 1)) * s->size;
}

/* A new block at the end; -1 on ENOMEM or when refs would overflow. */
static int
grow(struct hs_slab *s)
{
	uint8_t **nb, *b;
	size_t cap;

	if (s->nblocks >= (0xffffffffu >> HS_SLAB_SHIFT))
		return -1;
	if (s->nblocks == s->cap) {
		cap = s->cap ? 2 * s->cap : 16;
		if ((nb = realloc(s->blocks, cap * sizeof(*nb))) == NULL)
			return -1;
		s->blocks = nb;
		s->cap = cap;
	}
	if ((b = malloc(HS_SLAB_SLOTS * s->size)) == NULL)
		return -1;
	SLOT_POISON(b, HS_SLAB_SLOTS * s->size);
	s->blocks[s->nblocks++] = b;
	return 0;
}

void *
hs_slab_alloc(struct hs_slab *s, uint32_t *ref)
{
	uint8_t *p;

	if (s->free != 0) {
		*ref = s->free;
		p = hs_slab_at(s, *ref);
		SLOT_UNPOISON(p, s->size);
		memcpy(&s->free, p, sizeof(s->free));
	} else {
		if (s->used == s->nblocks * HS_SLAB_SLOTS && grow(s) == -1)
			return NULL;
		*ref = ++s->used;
		p = hs_slab_at(s, *ref);
		SLOT_UNPOISON(p, s->size);
	}
	memset(p, 0, s->size);
	return p;
}

void
hs_slab_free(struct hs_slab *s, void *slot, uint32_t ref)
{
	memcpy(slot, &s->free, sizeof(s->free));
	s->free = ref;
	SLOT_POISON(slot, s->size);
}

void
hs_slab_release(struct hs_slab *s)
{
	size_t i;

	for (i = 0; i < s->nblocks; i++) {
		SLOT_UNPOISON(s->blocks[i], HS_SLAB_SLOTS * s->size);
		free(s->blocks[i]);
	}
	free(s->blocks);
	s->blocks = NULL;
	s->nblocks = s->cap = 0;
	s->used = s->free = 0;
}
