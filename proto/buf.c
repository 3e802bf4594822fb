/*
 * Bounds-checked byte cursors.  All length checks of rsp live here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"

void
buf_init(struct buf *b, const void *data, size_t len)
{
	b->data = data;
	b->len = data ? len : 0;
	b->pos = 0;
	b->base = 0;
}

size_t
buf_left(const struct buf *b)
{
	return b->len - b->pos;
}

size_t
buf_offset(const struct buf *b)
{
	return b->base + b->pos;
}

static int
buf_short(void)
{
	errno = EBADMSG;
	return -1;
}

int
buf_get_bytes(struct buf *b, void *dst, size_t n)
{
	if (buf_left(b) < n)
		return buf_short();
	if (n)
		memcpy(dst, b->data + b->pos, n);
	b->pos += n;
	return 0;
}

int
buf_get_ptr(struct buf *b, size_t n, const uint8_t **p)
{
	if (buf_left(b) < n)
		return buf_short();
	*p = b->data + b->pos;
	b->pos += n;
	return 0;
}

int
buf_get_n8(struct buf *b, uint8_t *v)
{
	return buf_get_bytes(b, v, 1);
}

int
buf_get_n16(struct buf *b, uint16_t *v)
{
	uint8_t x[2];

	if (buf_get_bytes(b, x, sizeof(x)) == -1)
		return -1;
	*v = (uint16_t)(x[0] << 8 | x[1]);
	return 0;
}

int
buf_get_n32(struct buf *b, uint32_t *v)
{
	uint8_t x[4];

	if (buf_get_bytes(b, x, sizeof(x)) == -1)
		return -1;
	*v = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 | (uint32_t)x[2] << 8 |
	     x[3];
	return 0;
}

int
buf_get_n64(struct buf *b, uint64_t *v)
{
	uint32_t hi, lo;

	if (buf_left(b) < 8)
		return buf_short();
	buf_get_n32(b, &hi);
	buf_get_n32(b, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
buf_get_sub(struct buf *b, size_t n, struct buf *sub)
{
	if (buf_left(b) < n)
		return buf_short();
	sub->data = b->data + b->pos;
	sub->len = n;
	sub->pos = 0;
	sub->base = b->base + b->pos;
	b->pos += n;
	return 0;
}

int
buf_skip(struct buf *b, size_t n)
{
	if (buf_left(b) < n)
		return buf_short();
	b->pos += n;
	return 0;
}

int
buf_peek_n16(const struct buf *b, size_t at, uint16_t *v)
{
	struct buf tmp = *b;

	if (buf_skip(&tmp, at) == -1)
		return -1;
	return buf_get_n16(&tmp, v);
}

int
buf_is_zero(const struct buf *b, size_t n)
{
	size_t i;

	if (buf_left(b) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (b->data[b->pos + i] != 0)
			return 0;
	return 1;
}

void
wbuf_init(struct wbuf *w, void *mem, size_t cap)
{
	w->data = mem;
	w->len = 0;
	w->cap = cap;
	w->max = cap;
	w->dynamic = 0;
	w->err = 0;
}

int
wbuf_init_dynamic(struct wbuf *w, size_t initial, size_t max)
{
	wbuf_init(w, NULL, 0);
	w->max = max;
	w->dynamic = 1;
	if (initial > max)
		initial = max;
	if (initial && (w->data = malloc(initial)) == NULL) {
		w->err = ENOMEM;
		return -1;
	}
	w->cap = initial;
	return 0;
}

void
wbuf_free(struct wbuf *w)
{
	if (w->dynamic)
		free(w->data);
	w->data = NULL;
	w->len = w->cap = 0;
}

void
wbuf_reset(struct wbuf *w)
{
	w->len = 0;
	w->err = 0;
}

int
wbuf_error(const struct wbuf *w)
{
	return w->err;
}

static int
wbuf_fail(struct wbuf *w, int err)
{
	if (w->err == 0)
		w->err = err;
	errno = err;
	return -1;
}

/* Make room for n more bytes, growing a dynamic buffer up to its max:
 * the slow path of wbuf_reserve(). */
static int __attribute__((noinline)) wbuf_grow(struct wbuf *w, size_t n)
{
	size_t want, cap;
	uint8_t *p;

	if (w->err)
		return wbuf_fail(w, w->err);
	if (n > w->max - w->len)
		return wbuf_fail(w, ERANGE);
	want = w->len + n;
	if (want <= w->cap)
		return 0;
	if (!w->dynamic)
		return wbuf_fail(w, ERANGE);
	cap = w->cap ? w->cap : 64;
	while (cap < want)
		cap *= 2;
	if (cap > w->max)
		cap = w->max;
	if ((p = realloc(w->data, cap)) == NULL)
		return wbuf_fail(w, ENOMEM);
	w->data = p;
	w->cap = cap;
	return 0;
}

/* Room for n more bytes?  The encoders call this for every field: the
 * common case (room, no error) stays inline.  cap never exceeds max. */
static inline int
wbuf_reserve(struct wbuf *w, size_t n)
{
	if (__builtin_expect(w->err == 0 && n <= w->cap - w->len, 1))
		return 0;
	return wbuf_grow(w, n);
}

int
wbuf_add(struct wbuf *w, const void *src, size_t n)
{
	if (wbuf_reserve(w, n) == -1)
		return -1;
	if (n)
		memcpy(w->data + w->len, src, n);
	w->len += n;
	return 0;
}

int
wbuf_add_zero(struct wbuf *w, size_t n)
{
	if (wbuf_reserve(w, n) == -1)
		return -1;
	memset(w->data + w->len, 0, n);
	w->len += n;
	return 0;
}

/* Big-endian store of the low n bytes of v; the 2- and 4-byte cases
 * (nearly every field) without a loop. */
static inline void
put_be(uint8_t *p, uint64_t v, size_t n)
{
	if (n == 2) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
		return;
	}
	if (n == 4) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
		return;
	}
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static int
wbuf_add_be(struct wbuf *w, uint64_t v, size_t n)
{
	if (wbuf_reserve(w, n) == -1)
		return -1;
	put_be(w->data + w->len, v, n);
	w->len += n;
	return 0;
}

int
wbuf_add_n8(struct wbuf *w, uint32_t v)
{
	if (v > 0xff)
		return wbuf_fail(w, ERANGE);
	return wbuf_add_be(w, v, 1);
}

int
wbuf_add_n16(struct wbuf *w, uint32_t v)
{
	if (v > 0xffff)
		return wbuf_fail(w, ERANGE);
	return wbuf_add_be(w, v, 2);
}

int
wbuf_add_n32(struct wbuf *w, uint32_t v)
{
	return wbuf_add_be(w, v, 4);
}

int
wbuf_add_n64(struct wbuf *w, uint64_t v)
{
	return wbuf_add_be(w, v, 8);
}

int
wbuf_pad4(struct wbuf *w)
{
	return wbuf_add_zero(w, (4 - (w->len & 3)) & 3);
}

static int
wbuf_set_be(struct wbuf *w, size_t pos, uint64_t v, size_t n)
{
	if (w->err)
		return wbuf_fail(w, w->err);
	if (pos > w->len || n > w->len - pos)
		return wbuf_fail(w, ERANGE);
	put_be(w->data + pos, v, n);
	return 0;
}

int
wbuf_set_n8(struct wbuf *w, size_t pos, uint32_t v)
{
	if (v > 0xff)
		return wbuf_fail(w, ERANGE);
	return wbuf_set_be(w, pos, v, 1);
}

int
wbuf_set_n16(struct wbuf *w, size_t pos, uint32_t v)
{
	if (v > 0xffff)
		return wbuf_fail(w, ERANGE);
	return wbuf_set_be(w, pos, v, 2);
}

int
wbuf_set_n32(struct wbuf *w, size_t pos, uint32_t v)
{
	return wbuf_set_be(w, pos, v, 4);
}
