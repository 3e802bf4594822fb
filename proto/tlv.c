/*
 * Generic TLV walk of ASAP/ENRP parameters (docs/wire.md 2.2, 2.3): the
 * single place that applies length, padding, depth and unknown-type
 * rules, plus the decode arena and the error recorder.
 */
#include <errno.h>
#include <string.h>

#include "proto/codec.h"

/*
 * The cause a receiver reports.  docs/wire.md 2.6: send RFC codes only, so
 * an unknown "stop and report" parameter gets 0x0001 (RSPLIB would send
 * 0x0003) and every malformation 0x0003 "invalid values".
 */
static uint16_t
derr_cause(enum rsp_derr code)
{
	switch (code) {
	case RSP_DERR_UNKNOWN_PARAM:
		return RSP_CAUSE_UNRECOGNIZED_PARAM;
	case RSP_DERR_UNKNOWN_TYPE:
		return RSP_CAUSE_UNRECOGNIZED_MSG;
	case RSP_DERR_NOMEM:
		return RSP_CAUSE_LACK_OF_RESOURCES;
	default:
		return RSP_CAUSE_INVALID_VALUES;
	}
}

/* Record the first error only; always returns -1 for tail calls. */
int
derr(struct dctx *c, enum rsp_derr code, uint32_t offset, uint16_t param)
{
	struct rsp_decode_error *e = c->err;

	if (e->code != RSP_DERR_NONE)
		return -1;
	e->code = code;
	e->cause = derr_cause(code);
	e->report = 1;
	e->offset = offset;
	e->param = param;
	e->tlv_offset = e->tlv_len = 0;
	return -1;
}

/* As derr(), and name the offending TLV as cause-specific data. */
int
derr_tlv(
    struct dctx *c, enum rsp_derr code, uint32_t offset, const struct tlv *t)
{
	derr(c, code, offset, t->type);
	if (c->err->tlv_len == 0 && c->err->code == code) {
		size_t room = c->msglen - t->offset;

		c->err->tlv_offset = t->offset;
		c->err->tlv_len = t->len < room ? t->len : (uint32_t)room;
	}
	return -1;
}

void *
arena_alloc(struct dctx *c, size_t n, uint32_t offset)
{
	size_t at = (c->arena_used + 7) & ~(size_t)7;
	void *p;

	if (at > c->arena_len || n > c->arena_len - at) {
		derr(c, RSP_DERR_NOMEM, offset, 0);
		return NULL;
	}
	p = c->arena + at;
	memset(p, 0, n);
	c->arena_used = at + n;
	return p;
}

int
arena_copy(struct dctx *c, const uint8_t *p, size_t n, struct rsp_bytes *out,
    uint32_t offset)
{
	uint8_t *d;

	out->len = (uint16_t)n;
	out->data = NULL;
	if (n == 0)
		return 0;
	if ((d = arena_alloc(c, n, offset)) == NULL)
		return -1;
	memcpy(d, p, n);
	out->data = d;
	return 0;
}

/* Copy bytes [offset, offset + n) of the whole message. */
int
arena_copy_at(struct dctx *c, uint32_t offset, size_t n, struct rsp_bytes *out)
{
	struct buf whole;
	const uint8_t *p;

	buf_init(&whole, c->msg, c->msglen);
	if (buf_skip(&whole, offset) == -1 || buf_get_ptr(&whole, n, &p) == -1)
		return derr(c, RSP_DERR_TRUNCATED, offset, 0);
	return arena_copy(c, p, n, out, offset);
}

/* Keep a complete "skip and report" TLV for the receiver's Error. */
static int
record_unknown(struct dctx *c, const struct tlv *t)
{
	struct rsp_msg *m = c->m;
	size_t cap = c->msglen / 4 + 1;

	if (m->unknown == NULL) {
		m->unknown =
		    arena_alloc(c, cap * sizeof(*m->unknown), t->offset);
		if (m->unknown == NULL)
			return -1;
	}
	if (m->nunknown >= cap)
		return derr(c, RSP_DERR_NOMEM, t->offset, t->type);
	return arena_copy_at(c, t->offset, t->len, &m->unknown[m->nunknown++]);
}

/* Apply the action bits of an unknown type: 1 skip, -1 stop (err set). */
static int
unknown_action(struct dctx *c, const struct tlv *t)
{
	switch (t->type & RSP_PARAM_ACTION_MASK) {
	case RSP_PARAM_ACTION_STOP:
		derr_tlv(c, RSP_DERR_UNKNOWN_PARAM, t->offset, t);
		c->err->report = 0;
		return -1;
	case RSP_PARAM_ACTION_REPORT:
		return derr_tlv(c, RSP_DERR_UNKNOWN_PARAM, t->offset, t);
	case RSP_PARAM_ACTION_SKIPR:
		if (record_unknown(c, t) == -1)
			return -1;
		return 1;
	default:
		return 1;
	}
}

/* Read one TLV header and value plus padding, no type semantics. */
static int
tlv_read(struct dctx *c, struct buf *w, struct tlv *t)
{
	size_t left = buf_left(w), pad;

	memset(t, 0, sizeof(*t));
	if (left == 0)
		return 0;
	t->offset = (uint32_t)buf_offset(w);
	if (left < 4)
		return derr(c, RSP_DERR_MISALIGNED, t->offset, 0);
	buf_get_n16(w, &t->type);
	buf_get_n16(w, &t->len);
	if (t->len < 4)
		return derr(c, RSP_DERR_BAD_LENGTH, t->offset + 2, t->type);
	if (t->len > left)
		return derr(c, RSP_DERR_OVERSIZED, t->offset + 2, t->type);
	buf_get_sub(w, t->len - 4, &t->val);
	pad = (4 - (t->len & 3)) & 3;
	if (pad == 0)
		return 1;
	if (buf_left(w) == 0) {
		t->last_unpadded = 1;
		return 1;
	}
	if (buf_left(w) < pad || !buf_is_zero(w, pad))
		return derr_tlv(
		    c, RSP_DERR_BAD_PADDING, (uint32_t)buf_offset(w), t);
	buf_skip(w, pad);
	return 1;
}

static int
tlv_check_len(struct dctx *c, struct tlv *t)
{
	const struct param_desc *d = param_by_kind(t->kind);

	if (d->minlen == d->maxlen && t->len != d->minlen)
		return derr_tlv(c, RSP_DERR_BAD_LENGTH, t->offset + 2, t);
	if (t->len < d->minlen)
		return derr_tlv(c, RSP_DERR_BAD_LENGTH, t->offset + 2, t);
	if (t->len > d->maxlen)
		return derr_tlv(c, RSP_DERR_OVERSIZED, t->offset + 2, t);
	return 0;
}

int
tlv_next(struct dctx *c, struct buf *w, int depth, struct tlv *t)
{
	const struct param_desc *d;
	int r;

	for (;;) {
		if ((r = tlv_read(c, w, t)) <= 0)
			return r;
		if (depth > c->max_depth)
			return derr_tlv(c, RSP_DERR_TOO_DEEP, t->offset, t);
		d = param_by_type(t->type, c->dialect);
		if (d != NULL) {
			t->kind = d->kind;
			return tlv_check_len(c, t) == -1 ? -1 : 1;
		}
		if (unknown_action(c, t) == -1)
			return -1;
	}
}

/* Walk headers only, without recording anything. */
static enum pkind
peek_one(struct dctx *c, struct buf *w)
{
	const struct param_desc *d;
	uint16_t type, len;
	size_t pad;

	for (;;) {
		if (buf_left(w) < 4)
			return K_NONE;
		buf_peek_n16(w, 0, &type);
		buf_peek_n16(w, 2, &len);
		if (len < 4 || len > buf_left(w))
			return K_NONE;
		pad = (4 - (len & 3)) & 3;
		buf_skip(w, len);
		buf_skip(w, pad < buf_left(w) ? pad : buf_left(w));
		if ((d = param_by_type(type, c->dialect)) != NULL)
			return d->kind;
		if ((type & RSP_PARAM_ACTION_SKIP) == 0)
			return K_NONE;
	}
}

size_t
tlv_count(struct dctx *c, const struct buf *w, unsigned mask)
{
	struct buf tmp = *w;
	enum pkind k;
	size_t n = 0;

	while ((k = peek_one(c, &tmp)) != K_NONE && (mask & KM(k)))
		n++;
	return n;
}

int
val_n16(struct dctx *c, struct buf *v, const struct tlv *t, uint16_t *x)
{
	if (buf_get_n16(v, x) == -1)
		return derr_tlv(c, RSP_DERR_BAD_LENGTH, t->offset + 2, t);
	return 0;
}

int
val_n32(struct dctx *c, struct buf *v, const struct tlv *t, uint32_t *x)
{
	if (buf_get_n32(v, x) == -1)
		return derr_tlv(c, RSP_DERR_BAD_LENGTH, t->offset + 2, t);
	return 0;
}

size_t
tlv_begin(struct wbuf *w, uint16_t type)
{
	size_t start = w->len;

	wbuf_add_n16(w, type);
	wbuf_add_n16(w, 0);
	return start;
}

/* Pad to a multiple of 4 counted from `start` (a message or TLV). */
void
pad_from(struct wbuf *w, size_t start)
{
	wbuf_add_zero(w, (4 - ((w->len - start) & 3)) & 3);
}

/* Make the sticky error of w say why the message cannot be encoded. */
void
enc_fail(struct wbuf *w, int err)
{
	if (w->err == 0)
		w->err = err;
}

/* Patch the length (own padding excluded, RSPLIB), then pad. */
size_t
tlv_end(struct wbuf *w, size_t start)
{
	size_t len = w->len - start, pad = (4 - (len & 3)) & 3;

	if (w->err)
		return 0;
	if (len > UINT16_MAX) {
		enc_fail(w, ERANGE);
		return 0;
	}
	wbuf_set_n16(w, start + 2, (uint32_t)len);
	wbuf_add_zero(w, pad);
	return pad;
}
