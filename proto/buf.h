/*
 * Bounds-checked byte cursors: the only code in rsp that touches packet
 * bytes by offset (practice 4 of docs/STYLE.md, after OpenBSD's ibuf).
 *
 * struct buf reads a window of const bytes; every getter checks the bytes
 * left first and fails with -1/EBADMSG without moving.  struct wbuf writes
 * into a fixed or growing buffer with a hard maximum; its error is sticky,
 * so an encoder may write a whole message and test wbuf_error() once.
 */
#ifndef RSP_BUF_H
#define RSP_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	const uint8_t *data; /* first byte of the window */
	size_t len;          /* bytes in the window */
	size_t pos;          /* read position within the window */
	size_t base;         /* offset of data[0] in the outermost buffer */
};

void buf_init(struct buf *b, const void *data, size_t len);
size_t buf_left(const struct buf *b);
size_t buf_offset(const struct buf *b); /* absolute offset of pos */
int buf_get_n8(struct buf *b, uint8_t *v);
int buf_get_n16(struct buf *b, uint16_t *v);
int buf_get_n32(struct buf *b, uint32_t *v);
int buf_get_n64(struct buf *b, uint64_t *v);
int buf_get_bytes(struct buf *b, void *dst, size_t n);
int buf_get_ptr(struct buf *b, size_t n, const uint8_t **p);
int buf_get_sub(struct buf *b, size_t n, struct buf *sub);
int buf_skip(struct buf *b, size_t n);
int buf_peek_n16(const struct buf *b, size_t at, uint16_t *v);
int buf_is_zero(const struct buf *b, size_t n); /* next n bytes all 0 */

struct wbuf {
	uint8_t *data;
	size_t len; /* bytes written */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit on len */
	int dynamic;
	int err; /* sticky errno value, 0 if fine */
};

void wbuf_init(struct wbuf *w, void *mem, size_t cap);
int wbuf_init_dynamic(struct wbuf *w, size_t initial, size_t max);
void wbuf_free(struct wbuf *w);
void wbuf_reset(struct wbuf *w);
int wbuf_error(const struct wbuf *w);
int wbuf_add(struct wbuf *w, const void *src, size_t n);
int wbuf_add_zero(struct wbuf *w, size_t n);
int wbuf_add_n8(struct wbuf *w, uint32_t v);
int wbuf_add_n16(struct wbuf *w, uint32_t v);
int wbuf_add_n32(struct wbuf *w, uint32_t v);
int wbuf_add_n64(struct wbuf *w, uint64_t v);
int wbuf_pad4(struct wbuf *w);
int wbuf_set_n8(struct wbuf *w, size_t pos, uint32_t v);
int wbuf_set_n16(struct wbuf *w, size_t pos, uint32_t v);
int wbuf_set_n32(struct wbuf *w, size_t pos, uint32_t v);

#endif
