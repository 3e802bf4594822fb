/*
 * TCP mapping chunk codec and stream reassembler (docs/wire.md 7).
 * One table row per chunk type holds its name, length bounds and value
 * codec; everything else (header, padding, errors) is shared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/tcpmap.h"

struct chunk_desc {
	uint8_t type;
	const char *name;
	uint16_t minlen, maxlen; /* length field bounds, header included */
	int (*decode)(struct buf *v, unsigned peer_flags,
	    struct tcpmap_chunk *c, struct tcpmap_error *err);
	void (*encode)(
	    const struct tcpmap_chunk *c, unsigned own_flags, struct wbuf *w);
};

static int
cerr(
    struct tcpmap_error *err, enum tcpmap_err code, uint8_t type, size_t offset)
{
	err->code = code;
	err->type = type;
	err->offset = (uint32_t)offset;
	return -1;
}

size_t
tcpmap_data_hdrlen(unsigned flags)
{
	return (flags & TCPMAP_INIT_NO_TSN ? 0 : 4) +
	       (flags & TCPMAP_INIT_NO_STREAM ? 0 : 4) +
	       (flags & TCPMAP_INIT_NO_PPID ? 0 : 4);
}

static int
data_decode(struct buf *v, unsigned pf, struct tcpmap_chunk *c,
    struct tcpmap_error *err)
{
	if (buf_left(v) < tcpmap_data_hdrlen(pf))
		return cerr(err, TCPMAP_ERR_BAD_LENGTH, c->type, 2);
	/* The length check above makes these reads infallible. */
	if (!(pf & TCPMAP_INIT_NO_TSN))
		buf_get_n32(v, &c->tsn);
	if (!(pf & TCPMAP_INIT_NO_STREAM)) {
		buf_get_n16(v, &c->stream);
		buf_get_n16(v, &c->ssn);
	}
	if (!(pf & TCPMAP_INIT_NO_PPID))
		buf_get_n32(v, &c->ppid);
	c->datalen = buf_left(v);
	return buf_get_ptr(v, c->datalen, &c->data);
}

static void
data_encode(const struct tcpmap_chunk *c, unsigned of, struct wbuf *w)
{
	if (!(of & TCPMAP_INIT_NO_TSN))
		wbuf_add_n32(w, c->tsn);
	if (!(of & TCPMAP_INIT_NO_STREAM)) {
		wbuf_add_n16(w, c->stream);
		wbuf_add_n16(w, c->ssn);
	}
	if (!(of & TCPMAP_INIT_NO_PPID))
		wbuf_add_n32(w, c->ppid);
	wbuf_add(w, c->data, c->datalen);
}

static int
empty_decode(struct buf *v, unsigned pf, struct tcpmap_chunk *c,
    struct tcpmap_error *err)
{
	(void)v, (void)pf, (void)c, (void)err;
	return 0;
}

static void
empty_encode(const struct tcpmap_chunk *c, unsigned of, struct wbuf *w)
{
	(void)c, (void)of, (void)w;
}

static int
ack_decode(struct buf *v, unsigned pf, struct tcpmap_chunk *c,
    struct tcpmap_error *err)
{
	(void)pf;
	if (buf_left(v) == 0)
		return 0;
	if (buf_left(v) != 4)
		return cerr(err, TCPMAP_ERR_BAD_LENGTH, c->type, 2);
	c->has_tsn = 1;
	return buf_get_n32(v, &c->tsn);
}

static void
ack_encode(const struct tcpmap_chunk *c, unsigned of, struct wbuf *w)
{
	(void)of;
	if (c->has_tsn)
		wbuf_add_n32(w, c->tsn);
}

/* The value is exactly one Heartbeat Info TLV filling the chunk. */
static int
hb_decode(struct buf *v, unsigned pf, struct tcpmap_chunk *c,
    struct tcpmap_error *err)
{
	uint16_t type, len;

	(void)pf;
	buf_get_n16(v, &type); /* minlen 8 guarantees both */
	buf_get_n16(v, &len);
	if (type != TCPMAP_HB_INFO)
		return cerr(err, TCPMAP_ERR_BAD_HB_INFO, c->type, 4);
	if (len != buf_left(v) + 4)
		return cerr(err, TCPMAP_ERR_BAD_HB_INFO, c->type, 6);
	c->datalen = buf_left(v);
	return buf_get_ptr(v, c->datalen, &c->data);
}

static void
hb_encode(const struct tcpmap_chunk *c, unsigned of, struct wbuf *w)
{
	(void)of;
	wbuf_add_n16(w, TCPMAP_HB_INFO);
	if (c->datalen > TCPMAP_LEN_MAX - 8) {
		w->err = ERANGE;
		return;
	}
	wbuf_add_n16(w, (uint32_t)c->datalen + 4);
	wbuf_add(w, c->data, c->datalen);
}

static const struct chunk_desc chunk_table[] = {
    {TCPMAP_DATA, "DATA", 4, TCPMAP_LEN_MAX, data_decode, data_encode},
    {TCPMAP_INIT, "INIT", 4, 4, empty_decode, empty_encode},
    {TCPMAP_ACK, "ACK", 4, 8, ack_decode, ack_encode},
    {TCPMAP_HEARTBEAT, "HEARTBEAT", 8, TCPMAP_LEN_MAX, hb_decode, hb_encode},
    {TCPMAP_HEARTBEAT_ACK, "HEARTBEAT-ACK", 8, TCPMAP_LEN_MAX, hb_decode,
        hb_encode},
};

static const struct chunk_desc *
chunk_desc(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(chunk_table) / sizeof(chunk_table[0]); i++)
		if (chunk_table[i].type == type)
			return &chunk_table[i];
	return NULL;
}

const char *
tcpmap_type_name(uint8_t type)
{
	const struct chunk_desc *d = chunk_desc(type);

	return d ? d->name : "reserved";
}

static const char *const err_names[] = {
    [TCPMAP_ERR_NONE] = "no error",
    [TCPMAP_ERR_TRUNCATED] = "truncated",
    [TCPMAP_ERR_BAD_LENGTH] = "bad length",
    [TCPMAP_ERR_RESERVED_TYPE] = "reserved chunk type",
    [TCPMAP_ERR_BAD_PADDING] = "non-zero padding",
    [TCPMAP_ERR_BAD_HB_INFO] = "bad heartbeat info",
};

const char *
tcpmap_err_name(enum tcpmap_err code)
{
	if ((size_t)code >= sizeof(err_names) / sizeof(err_names[0]))
		return "unknown error";
	return err_names[code];
}

int
tcpmap_error_str(const struct tcpmap_error *e, char *s, size_t n)
{
	if (e->code == TCPMAP_ERR_RESERVED_TYPE)
		return snprintf(s, n, "reserved chunk type %u at offset %u",
		    e->type, e->offset);
	return snprintf(s, n, "%s in %s chunk at offset %u",
	    tcpmap_err_name(e->code), tcpmap_type_name(e->type), e->offset);
}

/*
 * Check the header at the start of b: known type, length within the
 * type's bounds.  Needs only the 4 header bytes, so the reassembler can
 * refuse a bad stream before waiting for a body that may never come.
 */
static int
chunk_head(struct buf *b, struct tcpmap_chunk *c, const struct chunk_desc **dp,
    struct tcpmap_error *err)
{
	const struct chunk_desc *d;

	memset(c, 0, sizeof(*c));
	if (buf_get_n8(b, &c->type) == -1 || buf_get_n8(b, &c->flags) == -1 ||
	    buf_get_n16(b, &c->len) == -1)
		return cerr(err, TCPMAP_ERR_TRUNCATED, c->type, b->len);
	if ((d = chunk_desc(c->type)) == NULL)
		return cerr(err, TCPMAP_ERR_RESERVED_TYPE, c->type, 0);
	if (c->len < d->minlen || c->len > d->maxlen)
		return cerr(err, TCPMAP_ERR_BAD_LENGTH, c->type, 2);
	*dp = d;
	return 0;
}

static size_t
padded(size_t len)
{
	return (len + 3) & ~(size_t)3;
}

long
tcpmap_decode(const void *p, size_t len, unsigned peer_flags,
    struct tcpmap_chunk *c, struct tcpmap_error *err)
{
	const struct chunk_desc *d;
	struct buf b, v;
	size_t pad;

	memset(err, 0, sizeof(*err));
	buf_init(&b, p, len);
	if (chunk_head(&b, c, &d, err) == -1)
		return -1;
	if (buf_get_sub(&b, c->len - TCPMAP_HDR_LEN, &v) == -1)
		return cerr(err, TCPMAP_ERR_TRUNCATED, c->type, len);
	pad = padded(c->len) - c->len;
	if (buf_left(&b) < pad)
		return cerr(err, TCPMAP_ERR_TRUNCATED, c->type, len);
	if (!buf_is_zero(&b, pad))
		return cerr(err, TCPMAP_ERR_BAD_PADDING, c->type, c->len);
	if (d->decode(&v, peer_flags, c, err) == -1)
		return -1;
	return (long)padded(c->len);
}

int
tcpmap_encode(const struct tcpmap_chunk *c, unsigned own_flags, struct wbuf *w)
{
	const struct chunk_desc *d = chunk_desc(c->type);
	size_t start = w->len;

	if (d == NULL) {
		errno = EINVAL;
		return -1;
	}
	wbuf_add_n8(w, c->type);
	wbuf_add_n8(w, c->flags);
	wbuf_add_n16(w, 0);
	d->encode(c, own_flags, w);
	if (wbuf_error(w) == 0 && w->len - start > TCPMAP_LEN_MAX)
		w->err = ERANGE;
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	wbuf_set_n16(w, start + 2, (uint32_t)(w->len - start));
	wbuf_add_zero(w, padded(w->len - start) - (w->len - start));
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	return 0;
}

void
tcpmap_rx_init(struct tcpmap_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

void
tcpmap_rx_free(struct tcpmap_rx *rx)
{
	free(rx->buf);
	memset(rx, 0, sizeof(*rx));
}

size_t
tcpmap_rx_pending(const struct tcpmap_rx *rx)
{
	return rx->end - rx->start;
}

/* Move the unconsumed bytes to the front so a whole chunk fits. */
static void
rx_compact(struct tcpmap_rx *rx)
{
	if (rx->start == 0)
		return;
	memmove(rx->buf, rx->buf + rx->start, rx->end - rx->start);
	rx->total += rx->start;
	rx->end -= rx->start;
	rx->start = 0;
}

/*
 * Bytes the buffer must hold: the padded length of the chunk at the
 * front once its header is in, capped at the longest chunk (a length
 * field cannot say more; a bad header is refused by tcpmap_rx_next).
 */
static size_t
rx_need(const struct tcpmap_rx *rx)
{
	struct buf b;
	uint16_t len;

	if (rx->buf ==
	    NULL) /* nothing received yet (and no pointer math on NULL) */
		return TCPMAP_RX_INITIAL;
	buf_init(&b, rx->buf + rx->start, tcpmap_rx_pending(rx));
	if (buf_peek_n16(&b, 2, &len) == -1)
		return TCPMAP_RX_INITIAL;
	return padded(len) > TCPMAP_RX_INITIAL ? padded(len)
	                                       : TCPMAP_RX_INITIAL;
}

size_t
tcpmap_rx_space(struct tcpmap_rx *rx, uint8_t **p)
{
	size_t need;
	uint8_t *nb;

	rx_compact(rx);
	need = rx_need(rx);
	if (need > rx->cap) {
		if ((nb = realloc(rx->buf, need)) == NULL) {
			*p = NULL;
			return 0;
		}
		rx->buf = nb;
		rx->cap = need;
	}
	*p = rx->buf + rx->end;
	return rx->cap - rx->end;
}

void
tcpmap_rx_commit(struct tcpmap_rx *rx, size_t n)
{
	if (n > rx->cap - rx->end)
		n = rx->cap - rx->end;
	rx->end += n;
}

size_t
tcpmap_rx_feed(struct tcpmap_rx *rx, const void *p, size_t len)
{
	const uint8_t *src = p;
	size_t took = 0, room;
	uint8_t *dst;

	/* Loops because the room grows once a header is in. */
	while (took < len && (room = tcpmap_rx_space(rx, &dst)) > 0) {
		if (room > len - took)
			room = len - took;
		memcpy(dst, src + took, room);
		rx->end += room;
		took += room;
	}
	return took;
}

static int
rx_fail(struct tcpmap_rx *rx, struct tcpmap_error *err)
{
	err->offset += (uint32_t)(rx->total + rx->start);
	return -1;
}

int
tcpmap_rx_next(struct tcpmap_rx *rx, unsigned peer_flags,
    struct tcpmap_chunk *c, struct tcpmap_error *err)
{
	const struct chunk_desc *d;
	size_t have = tcpmap_rx_pending(rx);
	struct buf b;
	long n;

	memset(err, 0, sizeof(*err));
	if (have < TCPMAP_HDR_LEN)
		return 0;
	buf_init(&b, rx->buf + rx->start, have);
	if (chunk_head(&b, c, &d, err) == -1)
		return rx_fail(rx, err);
	if (have < padded(c->len))
		return 0;
	n = tcpmap_decode(rx->buf + rx->start, have, peer_flags, c, err);
	if (n < 0)
		return rx_fail(rx, err);
	rx->start += (size_t)n;
	return 1;
}
