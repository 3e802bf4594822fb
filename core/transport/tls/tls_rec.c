/*
 * Framing of TLS over SCTP: records and messages
 * (core/transport/tls/tls_rec.h).
 */
#include <string.h>

#include "core/transport/tls/tls_rec.h"

ssize_t
tls_rec_len(const uint8_t *p, size_t len)
{
	size_t body;

	if (len < TLS_REC_HDR)
		return 0;
	/* change_cipher_spec 20, alert 21, handshake 22, application_data
	 * 23, heartbeat 24; legacy_record_version 3.x */
	if (p[0] < 20 || p[0] > 24 || p[1] != 3)
		return -1;
	body = (size_t)p[3] << 8 | p[4];
	if (body == 0 || body > TLS_REC_BODY_MAX)
		return -1;
	return (ssize_t)(TLS_REC_HDR + body);
}

ssize_t
tls_msg_len(const uint8_t *p, size_t len)
{
	size_t n;

	if (len < TLS_MSG_HDR)
		return 0;
	n = (size_t)p[2] << 8 | p[3];
	if (n < TLS_MSG_HDR)
		return -1;
	return n <= len ? (ssize_t)n : 0;
}

void
tls_wbuf_drop(struct wbuf *w, size_t n)
{
	if (n >= w->len) {
		w->len = 0;
		w->err = 0;
		if (w->dynamic)
			wbuf_free(w);
		return;
	}
	memmove(w->data, w->data + n, w->len - n);
	w->len -= n;
}
