/*
 * Result names of the CSP and application protocol codecs (proto/app.h).
 */
#include <stddef.h>

#include "proto/buf.h"
#include "proto/app.h"

static const char *const app_err_names[] = {
    [APP_OK] = "ok",
    [APP_ERR_TRUNCATED] = "truncated",
    [APP_ERR_LENGTH] = "length field does not match message size",
    [APP_ERR_SIZE] = "message size invalid for its type",
    [APP_ERR_TYPE] = "unknown message type",
    [APP_ERR_VERSION] = "unsupported version",
    [APP_ERR_COUNT] = "element count does not match message size",
    [APP_ERR_TOO_LONG] = "payload too long",
    [APP_ERR_ID] = "wrong cookie identifier",
    [APP_ERR_NOMEM] = "out of memory",
};

const char *
app_err_name(enum app_err e)
{
	if ((unsigned)e >= sizeof(app_err_names) / sizeof(app_err_names[0]) ||
	    app_err_names[e] == NULL)
		return "unknown error";
	return app_err_names[e];
}

enum app_err
app_get_header(struct buf *b, size_t len, uint8_t *type, uint8_t *flags)
{
	uint16_t length;

	if (buf_get_n8(b, type) == -1 || buf_get_n8(b, flags) == -1 ||
	    buf_get_n16(b, &length) == -1)
		return APP_ERR_TRUNCATED;
	if (length != len)
		return APP_ERR_LENGTH;
	return APP_OK;
}
