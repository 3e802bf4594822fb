/*
 * Shared body of the ASAP and ENRP fuzz targets: decode; if that works,
 * encode, decode the encoding again and require the same message, and
 * require that encoding is stable (a second encode gives the same
 * bytes).  Any mismatch aborts.  Every input is one whole message,
 * tried in both dialects, so corpus files are plain messages.
 */
#ifndef RSP_FUZZ_CODEC_H
#define RSP_FUZZ_CODEC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"

static void
fuzz_dialect(int proto, int dialect, const uint8_t *data, size_t size)
{
	struct rsp_decode_error e, e2;
	struct rsp_msg m, m2;
	struct wbuf w1, w2;
	char s[200];

	if (rsp_msg_decode_dialect(proto, dialect, data, size, &m, &e) == -1) {
		/* Errors must be printable and point into the input; the
		 * arena sized from the input length must always suffice. */
		rsp_decode_error_str(&e, s, sizeof(s));
		if (e.code == RSP_DERR_NONE || e.code == RSP_DERR_NOMEM ||
		    e.offset > size || e.tlv_offset + e.tlv_len > size ||
		    m.arena != NULL)
			abort();
		return;
	}
	if (wbuf_init_dynamic(&w1, 256, RSP_MSG_MAX) == -1 ||
	    wbuf_init_dynamic(&w2, 256, RSP_MSG_MAX) == -1)
		abort();
	if (rsp_msg_encode(&m, &w1) == -1)
		abort();
	if (rsp_msg_decode_dialect(proto, dialect, w1.data, w1.len, &m2, &e2) ==
	    -1)
		abort();
	if (!rsp_msg_equal(&m, &m2))
		abort();
	if (rsp_msg_encode(&m2, &w2) == -1 || w2.len != w1.len ||
	    memcmp(w1.data, w2.data, w1.len) != 0)
		abort();
	rsp_msg_free(&m);
	rsp_msg_free(&m2);
	wbuf_free(&w1);
	wbuf_free(&w2);
}

static int
fuzz_codec(int proto, const uint8_t *data, size_t size)
{
	fuzz_dialect(proto, RSP_DIALECT_RFC, data, size);
	fuzz_dialect(proto, RSP_DIALECT_LEGACY, data, size);
	return 0;
}

#endif
