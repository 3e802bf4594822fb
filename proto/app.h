/*
 * Shared result codes of the non-TLV codecs: CSP (section 8) and the
 * RSPLIB example application protocols (section 9 of docs/wire.md).
 *
 * These decoders take one whole message (one SCTP user message or one
 * UDP datagram), never read past it, and return APP_OK or the reason the
 * message was refused.  Encoders append to a struct wbuf and return 0,
 * or -1 with errno (EINVAL for a value that cannot be encoded, ERANGE
 * when the wbuf is full).  Decoded byte strings point into the input.
 */
#ifndef RSP_APP_H
#define RSP_APP_H

#include <stddef.h>
#include <stdint.h>

enum app_err {
	APP_OK = 0,
	APP_ERR_TRUNCATED, /* shorter than the header or fixed fields */
	APP_ERR_LENGTH,    /* Length field differs from the message size */
	APP_ERR_SIZE,      /* message size impossible for its type */
	APP_ERR_TYPE,      /* unknown message type */
	APP_ERR_VERSION,   /* CSP version other than 0x0200 */
	APP_ERR_COUNT,     /* element count does not match the size */
	APP_ERR_TOO_LONG,  /* payload beyond the protocol maximum */
	APP_ERR_ID,        /* cookie identifier string wrong */
	APP_ERR_NOMEM,
};

const char *app_err_name(enum app_err e);

/*
 * The 4-byte header shared by FGP, Ping Pong, CalcApp and SSP (docs/wire.md
 * 9.1): Type, Flags, Length.  Reads it from a message of len bytes held
 * by b and checks that Length equals len (the message size).
 */
struct buf;
enum app_err app_get_header(
    struct buf *b, size_t len, uint8_t *type, uint8_t *flags);
#define APP_HEADER_SIZE 4
#define APP_MSG_MAX     65535

#endif
