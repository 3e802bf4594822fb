/*
 * Component Status Protocol report codec (docs/wire.md 8.3).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "proto/csp.h"

uint64_t
csp_id(unsigned group, uint64_t object)
{
	return (uint64_t)(group & 0xff) << 56 |
	       (object & UINT64_C(0x00ffffffffffffff));
}

unsigned
csp_id_group(uint64_t id)
{
	return (unsigned)(id >> 56);
}

uint64_t
csp_id_object(uint64_t id)
{
	return id & UINT64_C(0x00ffffffffffffff);
}

const char *
csp_group_name(unsigned group)
{
	switch (group) {
	case CSP_GROUP_PR:
		return "Registrar";
	case CSP_GROUP_PE:
		return "Pool Element";
	case CSP_GROUP_PU:
		return "Pool User";
	}
	return "Unknown";
}

void
csp_set_text(uint8_t field[CSP_TEXT_SIZE], const char *str)
{
	size_t n = strnlen(str, CSP_TEXT_SIZE - 1);

	memset(field, 0, CSP_TEXT_SIZE);
	memcpy(field, str, n);
}

void
csp_text(const uint8_t field[CSP_TEXT_SIZE], char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	for (i = 0; i < CSP_TEXT_SIZE && i + 1 < n && field[i]; i++)
		s[i] = (char)field[i];
	s[i] = '\0';
}

uint16_t
csp_workload(double w)
{
	if (!(w >= 0.0))
		return CSP_WORKLOAD_NA;
	if (w > 1.0)
		w = 1.0;
	return (uint16_t)(w * 0xfffe + 0.5);
}

void
csp_report_init(struct csp_report *r, uint64_t sender)
{
	memset(r, 0, sizeof(*r));
	r->type = CSP_TYPE_REPORT;
	r->version = CSP_VERSION;
	r->sender = sender;
	r->workload = CSP_WORKLOAD_NA;
}

void
csp_report_free(struct csp_report *r)
{
	free(r->assocs);
	r->assocs = NULL;
	r->nassocs = 0;
}

size_t
csp_size(const struct csp_report *r)
{
	if (r->nassocs > CSP_ASSOCS_MAX)
		return 0;
	return CSP_HEADER_SIZE + (size_t)r->nassocs * CSP_ASSOC_SIZE;
}

#define F(name, off, size, kind, st, m)                       \
	{                                                     \
		name, off, size, kind, offsetof(struct st, m) \
	}

static const struct csp_field report_fields[] = {
    F("Type", 0, 1, CSP_F_U8, csp_report, type),
    F("Flags", 1, 1, CSP_F_U8, csp_report, flags),
    F("Length", 2, 2, CSP_F_LENGTH, csp_report, legacy_length),
    F("Version", 4, 4, CSP_F_U32, csp_report, version),
    F("Sender ID", 8, 8, CSP_F_U64, csp_report, sender),
    F("Sender Time Stamp", 16, 8, CSP_F_U64, csp_report, timestamp),
    F("Report Interval", 24, 4, CSP_F_U32, csp_report, interval),
    F("Location", 28, CSP_TEXT_SIZE, CSP_F_TEXT, csp_report, location),
    F("Status", 156, CSP_TEXT_SIZE, CSP_F_TEXT, csp_report, status),
    F("Workload", 284, 2, CSP_F_U16, csp_report, workload),
    F("Associations", 286, 2, CSP_F_COUNT, csp_report, nassocs),
};

static const struct csp_field assoc_fields[] = {
    F("Receiver ID", 0, 8, CSP_F_U64, csp_assoc, receiver),
    F("Duration", 8, 8, CSP_F_U64, csp_assoc, duration),
    F("Flags", 16, 2, CSP_F_U16, csp_assoc, flags),
    F("Protocol ID", 18, 2, CSP_F_U16, csp_assoc, protocol),
    F("PPID", 20, 4, CSP_F_U32, csp_assoc, ppid),
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct csp_field *
csp_report_fields(size_t *n)
{
	*n = NELEM(report_fields);
	return report_fields;
}

const struct csp_field *
csp_assoc_fields(size_t *n)
{
	*n = NELEM(assoc_fields);
	return assoc_fields;
}

/* Read the fields of a table into obj; b holds enough bytes. */
static void
get_fields(struct buf *b, const struct csp_field *f, size_t n, void *obj,
    uint16_t *length)
{
	uint8_t *base = obj;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;
	size_t i;

	for (i = 0; i < n; i++) {
		void *m = base + f[i].member;

		switch (f[i].kind) {
		case CSP_F_U8:
			buf_get_n8(b, &v8);
			*(uint8_t *)m = v8;
			break;
		case CSP_F_U16:
		case CSP_F_COUNT:
			buf_get_n16(b, &v16);
			*(uint16_t *)m = v16;
			break;
		case CSP_F_LENGTH:
			buf_get_n16(b, length);
			*(uint8_t *)m = *length == 0;
			break;
		case CSP_F_U32:
			buf_get_n32(b, &v32);
			*(uint32_t *)m = v32;
			break;
		case CSP_F_U64:
			buf_get_n64(b, &v64);
			*(uint64_t *)m = v64;
			break;
		case CSP_F_TEXT:
			buf_get_bytes(b, m, CSP_TEXT_SIZE);
			break;
		}
	}
}

static void
add_fields(struct wbuf *w, const struct csp_field *f, size_t n, const void *obj,
    size_t size)
{
	const uint8_t *base = obj;
	size_t i;

	for (i = 0; i < n; i++) {
		const void *m = base + f[i].member;

		switch (f[i].kind) {
		case CSP_F_U8:
			wbuf_add_n8(w, *(const uint8_t *)m);
			break;
		case CSP_F_U16:
		case CSP_F_COUNT:
			wbuf_add_n16(w, *(const uint16_t *)m);
			break;
		case CSP_F_LENGTH:
			wbuf_add_n16(
			    w, *(const uint8_t *)m ? 0 : (uint32_t)size);
			break;
		case CSP_F_U32:
			wbuf_add_n32(w, *(const uint32_t *)m);
			break;
		case CSP_F_U64:
			wbuf_add_n64(w, *(const uint64_t *)m);
			break;
		case CSP_F_TEXT:
			wbuf_add(w, m, CSP_TEXT_SIZE);
			break;
		}
	}
}

enum app_err
csp_decode(const void *data, size_t len, struct csp_report *r)
{
	struct buf b;
	uint16_t length = 0, i;

	memset(r, 0, sizeof(*r));
	buf_init(&b, data, len);
	if (len < CSP_HEADER_SIZE)
		return APP_ERR_TRUNCATED;
	if (len > APP_MSG_MAX) /* more than a UDP datagram can hold */
		return APP_ERR_TOO_LONG;
	get_fields(&b, report_fields, NELEM(report_fields), r, &length);
	if (r->type != CSP_TYPE_REPORT)
		return APP_ERR_TYPE;
	if (r->version != CSP_VERSION)
		return APP_ERR_VERSION;
	if (length != 0 && length != len)
		return APP_ERR_LENGTH;
	if (buf_left(&b) != (size_t)r->nassocs * CSP_ASSOC_SIZE) {
		r->nassocs = 0;
		return APP_ERR_COUNT;
	}
	if (r->nassocs &&
	    (r->assocs = calloc(r->nassocs, sizeof(*r->assocs))) == NULL) {
		r->nassocs = 0;
		return APP_ERR_NOMEM;
	}
	for (i = 0; i < r->nassocs; i++)
		get_fields(&b, assoc_fields, NELEM(assoc_fields), &r->assocs[i],
		    &length);
	return APP_OK;
}

int
csp_encode(const struct csp_report *r, struct wbuf *w)
{
	size_t size = csp_size(r), i;

	if (size == 0 || (r->nassocs && r->assocs == NULL)) {
		errno = EINVAL;
		return -1;
	}
	add_fields(w, report_fields, NELEM(report_fields), r, size);
	for (i = 0; i < r->nassocs; i++)
		add_fields(
		    w, assoc_fields, NELEM(assoc_fields), &r->assocs[i], size);
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	return 0;
}
