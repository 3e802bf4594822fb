/*
 * Ping Pong Protocol codec (docs/wire.md 9.4).
 */
#include <errno.h>
#include <string.h>

#include "proto/pingpong.h"

static const struct {
	uint8_t type;
	const char *name;
	size_t size; /* fixed part, header included */
} pingpong_types[] = {
    {PINGPONG_PING, "Ping", PINGPONG_PING_SIZE},
    {PINGPONG_PONG, "Pong", PINGPONG_PONG_SIZE},
};

#define NTYPES (sizeof(pingpong_types) / sizeof(pingpong_types[0]))

static int
type_index(unsigned type)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (pingpong_types[i].type == type)
			return (int)i;
	return -1;
}

const char *
pingpong_type_name(unsigned type)
{
	int i = type_index(type);

	return i < 0 ? NULL : pingpong_types[i].name;
}

enum app_err
pingpong_decode(const void *data, size_t len, struct pingpong_msg *m)
{
	struct buf b;
	enum app_err e;
	int i;

	memset(m, 0, sizeof(*m));
	buf_init(&b, data, len);
	if ((e = app_get_header(&b, len, &m->type, &m->flags)) != APP_OK)
		return e;
	if ((i = type_index(m->type)) < 0)
		return APP_ERR_TYPE;
	if (len < pingpong_types[i].size)
		return APP_ERR_SIZE;
	buf_get_n64(&b, &m->message_no);
	if (m->type == PINGPONG_PONG)
		buf_get_n64(&b, &m->reply_no);
	m->datalen = buf_left(&b);
	if (buf_get_ptr(&b, m->datalen, &m->data) == -1)
		return APP_ERR_TRUNCATED;
	return APP_OK;
}

int
pingpong_encode(const struct pingpong_msg *m, struct wbuf *w)
{
	int i = type_index(m->type);
	size_t size;

	if (i < 0 || m->datalen > APP_MSG_MAX - pingpong_types[i].size ||
	    (m->datalen && m->data == NULL)) {
		errno = EINVAL;
		return -1;
	}
	size = pingpong_types[i].size + m->datalen;
	wbuf_add_n8(w, m->type);
	wbuf_add_n8(w, m->flags);
	wbuf_add_n16(w, (uint32_t)size);
	wbuf_add_n64(w, m->message_no);
	if (m->type == PINGPONG_PONG)
		wbuf_add_n64(w, m->reply_no);
	wbuf_add(w, m->data, m->datalen);
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	return 0;
}

enum app_err
pingpong_cookie_decode(const void *data, size_t len, uint64_t *reply_no)
{
	const uint8_t *id;
	struct buf b;

	buf_init(&b, data, len);
	if (len < PINGPONG_COOKIE_SIZE)
		return APP_ERR_TRUNCATED;
	if (len != PINGPONG_COOKIE_SIZE)
		return APP_ERR_SIZE;
	buf_get_ptr(&b, 8, &id);
	if (memcmp(id, PINGPONG_COOKIE_ID, 8) != 0)
		return APP_ERR_ID;
	buf_get_n64(&b, reply_no);
	return APP_OK;
}

int
pingpong_cookie_encode(uint64_t reply_no, struct wbuf *w)
{
	wbuf_add(w, PINGPONG_COOKIE_ID, 8);
	wbuf_add_n64(w, reply_no);
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	return 0;
}
