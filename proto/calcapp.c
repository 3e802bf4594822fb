/*
 * CalcApp protocol codec (docs/wire.md 9.6).
 */
#include <errno.h>
#include <string.h>

#include "proto/calcapp.h"

static const char *const calcapp_names[] = {
    [CALCAPP_REQUEST] = "Request",
    [CALCAPP_ACCEPT] = "Accept",
    [CALCAPP_REJECT] = "Reject",
    [CALCAPP_ABORT] = "Abort",
    [CALCAPP_COMPLETE] = "Complete",
    [CALCAPP_KEEPALIVE] = "Keep-Alive",
    [CALCAPP_KEEPALIVE_ACK] = "Keep-Alive Ack",
};

const char *
calcapp_type_name(unsigned type)
{
	if (type >= sizeof(calcapp_names) / sizeof(calcapp_names[0]))
		return NULL;
	return calcapp_names[type];
}

enum app_err
calcapp_decode(const void *data, size_t len, struct calcapp_msg *m)
{
	struct buf b;
	enum app_err e;

	memset(m, 0, sizeof(*m));
	buf_init(&b, data, len);
	if ((e = app_get_header(&b, len, &m->type, &m->flags)) != APP_OK)
		return e;
	if (calcapp_type_name(m->type) == NULL)
		return APP_ERR_TYPE;
	if (len != CALCAPP_SIZE)
		return APP_ERR_SIZE;
	buf_get_n32(&b, &m->job_id);
	buf_get_n64(&b, &m->job_size);
	buf_get_n64(&b, &m->completed);
	return APP_OK;
}

int
calcapp_encode(const struct calcapp_msg *m, struct wbuf *w)
{
	if (calcapp_type_name(m->type) == NULL) {
		errno = EINVAL;
		return -1;
	}
	wbuf_add_n8(w, m->type);
	wbuf_add_n8(w, m->flags);
	wbuf_add_n16(w, CALCAPP_SIZE);
	wbuf_add_n32(w, m->job_id);
	wbuf_add_n64(w, m->job_size);
	wbuf_add_n64(w, m->completed);
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	return 0;
}

enum app_err
calcapp_cookie_decode(const void *data, size_t len, struct calcapp_cookie *c)
{
	struct buf b;

	memset(c, 0, sizeof(*c));
	buf_init(&b, data, len);
	if (len < CALCAPP_COOKIE_SIZE)
		return APP_ERR_TRUNCATED;
	if (len != CALCAPP_COOKIE_SIZE)
		return APP_ERR_SIZE;
	buf_get_n32(&b, &c->job_id);
	buf_get_n64(&b, &c->job_size);
	buf_get_n64(&b, &c->completed);
	return APP_OK;
}

int
calcapp_cookie_encode(const struct calcapp_cookie *c, struct wbuf *w)
{
	wbuf_add_n32(w, c->job_id);
	wbuf_add_n64(w, c->job_size);
	wbuf_add_n64(w, c->completed);
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	return 0;
}
