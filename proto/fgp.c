/*
 * Fractal Generator Protocol codec (docs/wire.md 9.5).
 */
#include <errno.h>
#include <string.h>

#include "proto/fgp.h"

static const struct {
	uint8_t type;
	const char *name;
} fgp_types[] = {
    {FGP_PARAMETER, "Parameter"},
    {FGP_DATA, "Data"},
};

const char *
fgp_type_name(unsigned type)
{
	size_t i;

	for (i = 0; i < sizeof(fgp_types) / sizeof(fgp_types[0]); i++)
		if (fgp_types[i].type == type)
			return fgp_types[i].name;
	return NULL;
}

uint64_t
fgp_double_to_wire(double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	return v;
}

double
fgp_double_from_wire(uint64_t v)
{
	double d;

	memcpy(&d, &v, sizeof(d));
	return d;
}

/* The 56 bytes of a Parameter message after its header. */
static void
get_param_body(struct buf *b, struct fgp_parameter *p)
{
	uint64_t v[5];
	size_t i;

	buf_get_n32(b, &p->width);
	buf_get_n32(b, &p->height);
	buf_get_n32(b, &p->max_iterations);
	buf_get_n32(b, &p->algorithm);
	for (i = 0; i < 5; i++)
		if (buf_get_n64(b, &v[i]) == -1)
			v[i] = 0;
	p->c1_real = fgp_double_from_wire(v[0]);
	p->c1_imag = fgp_double_from_wire(v[1]);
	p->c2_real = fgp_double_from_wire(v[2]);
	p->c2_imag = fgp_double_from_wire(v[3]);
	p->n = fgp_double_from_wire(v[4]);
}

static void
add_param_body(struct wbuf *w, const struct fgp_parameter *p)
{
	wbuf_add_n32(w, p->width);
	wbuf_add_n32(w, p->height);
	wbuf_add_n32(w, p->max_iterations);
	wbuf_add_n32(w, p->algorithm);
	wbuf_add_n64(w, fgp_double_to_wire(p->c1_real));
	wbuf_add_n64(w, fgp_double_to_wire(p->c1_imag));
	wbuf_add_n64(w, fgp_double_to_wire(p->c2_real));
	wbuf_add_n64(w, fgp_double_to_wire(p->c2_imag));
	wbuf_add_n64(w, fgp_double_to_wire(p->n));
}

static int
wbuf_result(struct wbuf *w)
{
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	return 0;
}

enum app_err
fgp_decode(const void *data, size_t len, struct fgp_msg *m)
{
	struct fgp_data *d = &m->u.data;
	struct buf b;
	enum app_err e;
	uint32_t i;

	memset(m, 0, sizeof(*m));
	buf_init(&b, data, len);
	if ((e = app_get_header(&b, len, &m->type, &m->flags)) != APP_OK)
		return e;
	switch (m->type) {
	case FGP_PARAMETER:
		if (len != FGP_PARAMETER_SIZE)
			return APP_ERR_SIZE;
		get_param_body(&b, &m->u.param);
		return APP_OK;
	case FGP_DATA:
		if (len < FGP_DATA_HEADER_SIZE)
			return APP_ERR_SIZE;
		buf_get_n32(&b, &d->start_x);
		buf_get_n32(&b, &d->start_y);
		buf_get_n32(&b, &d->points);
		if (d->points > FGP_POINTS_MAX)
			return APP_ERR_TOO_LONG;
		if (buf_left(&b) != (size_t)d->points * 4)
			return APP_ERR_COUNT;
		for (i = 0; i < d->points; i++)
			if (buf_get_n32(&b, &d->values[i]) == -1)
				return APP_ERR_TRUNCATED;
		return APP_OK;
	}
	return APP_ERR_TYPE;
}

int
fgp_encode(const struct fgp_msg *m, struct wbuf *w)
{
	const struct fgp_data *d = &m->u.data;
	uint32_t i;

	switch (m->type) {
	case FGP_PARAMETER:
		wbuf_add_n8(w, m->type);
		wbuf_add_n8(w, m->flags);
		wbuf_add_n16(w, FGP_PARAMETER_SIZE);
		add_param_body(w, &m->u.param);
		return wbuf_result(w);
	case FGP_DATA:
		if (d->points > FGP_POINTS_MAX)
			break;
		wbuf_add_n8(w, m->type);
		wbuf_add_n8(w, m->flags);
		wbuf_add_n16(w, FGP_DATA_HEADER_SIZE + 4 * d->points);
		wbuf_add_n32(w, d->start_x);
		wbuf_add_n32(w, d->start_y);
		wbuf_add_n32(w, d->points);
		for (i = 0; i < d->points; i++)
			wbuf_add_n32(w, d->values[i]);
		return wbuf_result(w);
	}
	errno = EINVAL;
	return -1;
}

void
fgp_end_of_image(struct fgp_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = FGP_DATA;
	m->u.data.start_x = FGP_END_OF_IMAGE;
	m->u.data.start_y = FGP_END_OF_IMAGE;
}

int
fgp_is_end_of_image(const struct fgp_msg *m)
{
	return m->type == FGP_DATA && m->u.data.points == 0 &&
	       m->u.data.start_x == FGP_END_OF_IMAGE &&
	       m->u.data.start_y == FGP_END_OF_IMAGE;
}

void
fgp_cookie_init(struct fgp_cookie *c, const struct fgp_parameter *p,
    uint32_t current_x, uint32_t current_y)
{
	memset(c, 0, sizeof(*c));
	c->param_type = FGP_PARAMETER;
	c->param_length = FGP_COOKIE_PARAM_LENGTH;
	c->param = *p;
	c->current_x = current_x;
	c->current_y = current_y;
}

enum app_err
fgp_cookie_decode(const void *data, size_t len, struct fgp_cookie *c)
{
	const uint8_t *id;
	struct buf b;

	memset(c, 0, sizeof(*c));
	buf_init(&b, data, len);
	if (len < FGP_COOKIE_SIZE)
		return APP_ERR_TRUNCATED;
	if (len != FGP_COOKIE_SIZE)
		return APP_ERR_SIZE;
	buf_get_ptr(&b, 8, &id);
	if (memcmp(id, FGP_COOKIE_ID, 8) != 0)
		return APP_ERR_ID;
	buf_get_n8(&b, &c->param_type);
	buf_get_n8(&b, &c->param_flags);
	buf_get_n16(&b, &c->param_length);
	get_param_body(&b, &c->param);
	buf_get_n32(&b, &c->current_x);
	buf_get_n32(&b, &c->current_y);
	return APP_OK;
}

int
fgp_cookie_encode(const struct fgp_cookie *c, struct wbuf *w)
{
	wbuf_add(w, FGP_COOKIE_ID, 8);
	wbuf_add_n8(w, c->param_type);
	wbuf_add_n8(w, c->param_flags);
	wbuf_add_n16(w, c->param_length);
	add_param_body(w, &c->param);
	wbuf_add_n32(w, c->current_x);
	wbuf_add_n32(w, c->current_y);
	return wbuf_result(w);
}
