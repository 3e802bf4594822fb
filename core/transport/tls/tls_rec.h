/*
 * Framing of TLS over SCTP (RFC 3436; docs/wire.md 7.6), apart from the
 * sockets so that unit tests (tests/unit/tls/test_tls_rec.c) drive it
 * with bytes.  Two layers meet here:
 *
 *   records   each SCTP user message carries exactly one TLS record
 *             (RFC 3436 section 3); tls_rec_len() checks a record's
 *             header and says how long the record is;
 *   messages  the decrypted bytes are the ASAP or ENRP messages back to
 *             back (a message may span records: Mbed TLS writes at most
 *             MBEDTLS_SSL_OUT_CONTENT_LEN bytes per record, a Handle
 *             Table Response is up to 64 KiB), cut by the common
 *             header's Message Length (RFC 5352 section 2.1; docs/wire.md
 *             2), which counts the whole message: tls_msg_len().
 */
#ifndef RSP_TRANSPORT_TLS_REC_H
#define RSP_TRANSPORT_TLS_REC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/buf.h"

#define TLS_REC_HDR 5 /* content type 8, version 16, length 16 */
/* The longest record body: TLS 1.2's ciphertext bound, 2^14 + 2048
 * (RFC 5246 section 6.2.3); TLS 1.3's is 2^14 + 256 (RFC 8446 section
 * 5.2). */
#define TLS_REC_BODY_MAX (16384 + 2048)
#define TLS_MSG_HDR      4 /* type 8, flags 8, length 16 */

/*
 * The length (header and body) of the TLS record at p, once the len
 * bytes there hold its header: a content type of RFC 8446 section 5.1
 * (20-24), major version 3, a body of 1..TLS_REC_BODY_MAX bytes.  0 if
 * fewer than TLS_REC_HDR bytes are there; -1 if they are not a
 * record's.  The caller compares the length with the bytes it has.
 */
ssize_t tls_rec_len(const uint8_t *p, size_t len);

/*
 * The length of the ASAP or ENRP message at p if all of it is in the
 * len bytes there, 0 if not yet, -1 if its Message Length is below the
 * header's own 4 bytes (nothing after it can be framed).
 */
ssize_t tls_msg_len(const uint8_t *p, size_t len);

/* Drop the first n bytes of w, keeping the rest; an emptied growing
 * buffer gives its memory back (idle associations hold none). */
void tls_wbuf_drop(struct wbuf *w, size_t n);

#endif
