/*
 * Fuzz target for the framing of TLS over SCTP that is ours
 * (core/transport/tls/tls_rec.c, docs/wire.md 7.6): the record header
 * check, and the cutting of decrypted bytes into ASAP/ENRP messages as
 * core/transport/tls/sc_tls.c does it (a growing buffer, whole messages
 * taken from its front, the rest kept).  The first input byte seeds the
 * sizes of the pieces the bytes arrive in (as records decrypt); the
 * messages cut must be the ones a scan of all the bytes at once finds,
 * each as long as its header says.  No Mbed TLS needed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/transport/tls/tls_rec.h"
#include "proto/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PLAIN_MAX (RSP_MSG_MAX + 16384) /* sc_tls.c's bound */

/* The record header check against its definition. */
static void
check_record(const uint8_t *p, size_t len)
{
	ssize_t n = tls_rec_len(p, len);
	size_t body;

	if (len < TLS_REC_HDR) {
		if (n != 0)
			abort();
		return;
	}
	body = (size_t)p[3] << 8 | p[4];
	if ((n > 0) != (p[0] >= 20 && p[0] <= 24 && p[1] == 3 && body > 0 &&
	                   body <= TLS_REC_BODY_MAX))
		abort();
	if (n > 0 && (size_t)n != TLS_REC_HDR + body)
		abort();
}

/* Where the scan of all the bytes at once puts the k-th message: its
 * offset, or -1 past the last whole one (or at a bad length). */
static ssize_t
nth_message(const uint8_t *p, size_t len, size_t k, size_t *mlen)
{
	size_t off = 0;
	ssize_t n;

	for (;;) {
		n = tls_msg_len(p + off, len - off);
		if (n <= 0)
			return -1;
		if (k-- == 0) {
			*mlen = (size_t)n;
			return (ssize_t)off;
		}
		off += (size_t)n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wbuf plain;
	size_t fed = 0, taken = 0, k = 0, piece, mlen;
	unsigned seed;
	ssize_t n, at;

	if (size < 1)
		return 0;
	seed = data[0];
	data++, size--;
	check_record(data, size);
	wbuf_init_dynamic(&plain, 0, PLAIN_MAX);
	while (fed < size) {
		seed = seed * 1103515245u + 12345u;
		piece = 1 + (seed >> 16) % 4096;
		if (piece > size - fed)
			piece = size - fed;
		if (wbuf_add(&plain, data + fed, piece) == -1)
			break; /* sc_tls.c: the association fails */
		fed += piece;
		while ((n = tls_msg_len(plain.data, plain.len)) > 0) {
			if ((size_t)n < TLS_MSG_HDR || (size_t)n > plain.len ||
			    (size_t)(plain.data[2] << 8 | plain.data[3]) !=
			        (size_t)n)
				abort();
			at = nth_message(data, size, k++, &mlen);
			if (at != (ssize_t)taken || mlen != (size_t)n ||
			    memcmp(plain.data, data + at, mlen) != 0)
				abort();
			taken += (size_t)n;
			tls_wbuf_drop(&plain, (size_t)n);
		}
		if (n < 0)
			break; /* a Message Length below 4: the association fails */
		if (taken + plain.len != fed)
			abort(); /* nothing lost, nothing doubled */
	}
	wbuf_free(&plain);
	return 0;
}
