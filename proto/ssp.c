/*
 * Scripting Service Protocol codec (docs/wire.md 9.7.1).
 */
#include <errno.h>
#include <string.h>

#include "proto/ssp.h"

enum body {
	B_NONE,  /* header only */
	B_VALUE, /* 32-bit value */
	B_HASH,  /* SHA-1 hash */
	B_ACK,   /* nothing (PU) or a 32-bit status (PE) */
};

static const struct ssp_desc {
	const char *name;
	enum body body;
	size_t maxdata; /* variable bytes after the fixed part */
} ssp_types[] = {
    [SSP_NOT_READY] = {"Not Ready", B_VALUE, SSP_INFO_MAX},
    [SSP_READY] = {"Ready", B_NONE, SSP_INFO_MAX},
    [SSP_UPLOAD] = {"Upload", B_NONE, SSP_CHUNK_MAX},
    [SSP_DOWNLOAD] = {"Download", B_NONE, SSP_CHUNK_MAX},
    [SSP_KEEPALIVE] = {"Keep-Alive", B_NONE, 0},
    [SSP_KEEPALIVE_ACK] = {"Keep-Alive Ack", B_ACK, 0},
    [SSP_STATUS] = {"Status", B_VALUE, 0},
    [SSP_ENVIRONMENT] = {"Environment", B_HASH, 0},
};

static const struct ssp_desc *
ssp_desc(unsigned type)
{
	if (type >= sizeof(ssp_types) / sizeof(ssp_types[0]))
		return NULL;
	return &ssp_types[type];
}

const char *
ssp_type_name(unsigned type)
{
	const struct ssp_desc *d = ssp_desc(type);

	return d ? d->name : NULL;
}

/* Size of the fixed part, header included. */
static size_t
fixed_size(const struct ssp_desc *d, int has_value)
{
	switch (d->body) {
	case B_VALUE:
		return APP_HEADER_SIZE + 4;
	case B_HASH:
		return APP_HEADER_SIZE + SSP_HASH_SIZE;
	case B_ACK:
		return APP_HEADER_SIZE + (has_value ? 4 : 0);
	case B_NONE:
		break;
	}
	return APP_HEADER_SIZE;
}

enum app_err
ssp_decode(const void *data, size_t len, struct ssp_msg *m)
{
	const struct ssp_desc *d;
	struct buf b;
	enum app_err e;
	size_t fixed;

	memset(m, 0, sizeof(*m));
	buf_init(&b, data, len);
	if ((e = app_get_header(&b, len, &m->type, &m->flags)) != APP_OK)
		return e;
	if ((d = ssp_desc(m->type)) == NULL)
		return APP_ERR_TYPE;
	if (d->body == B_ACK) {
		if (len != APP_HEADER_SIZE && len != APP_HEADER_SIZE + 4)
			return APP_ERR_SIZE;
		m->has_value = len > APP_HEADER_SIZE;
	}
	fixed = fixed_size(d, m->has_value);
	if (len < fixed)
		return APP_ERR_SIZE;
	if (len - fixed > d->maxdata)
		return d->maxdata ? APP_ERR_TOO_LONG : APP_ERR_SIZE;
	if (d->body == B_VALUE || (d->body == B_ACK && m->has_value)) {
		buf_get_n32(&b, &m->value);
		m->has_value = 1;
	}
	if (d->body == B_HASH)
		buf_get_bytes(&b, m->hash, SSP_HASH_SIZE);
	m->datalen = buf_left(&b);
	if (buf_get_ptr(&b, m->datalen, &m->data) == -1)
		return APP_ERR_TRUNCATED;
	if (m->datalen == 0)
		m->data = NULL;
	return APP_OK;
}

int
ssp_encode(const struct ssp_msg *m, struct wbuf *w)
{
	const struct ssp_desc *d = ssp_desc(m->type);
	size_t fixed;

	if (d == NULL || m->datalen > d->maxdata ||
	    (m->datalen && m->data == NULL)) {
		errno = EINVAL;
		return -1;
	}
	fixed = fixed_size(d, m->has_value);
	wbuf_add_n8(w, m->type);
	wbuf_add_n8(w, m->flags);
	wbuf_add_n16(w, (uint32_t)(fixed + m->datalen));
	if (d->body == B_VALUE || (d->body == B_ACK && m->has_value))
		wbuf_add_n32(w, m->value);
	if (d->body == B_HASH)
		wbuf_add(w, m->hash, SSP_HASH_SIZE);
	wbuf_add(w, m->data, m->datalen);
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	return 0;
}
