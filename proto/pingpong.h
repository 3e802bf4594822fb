/*
 * Ping Pong Protocol, SCTP PPID 33 (docs/wire.md 9.4), and the 16-byte
 * ASAP cookie of its pool elements.
 */
#ifndef RSP_PINGPONG_H
#define RSP_PINGPONG_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/app.h"

enum pingpong_type {
	PINGPONG_PING = 0x01,
	PINGPONG_PONG = 0x02,
};

#define PINGPONG_PING_SIZE   12 /* without data */
#define PINGPONG_PONG_SIZE   20
#define PINGPONG_COOKIE_SIZE 16
#define PINGPONG_COOKIE_ID   "<PP-TD1>" /* 8 bytes, no NUL */

struct pingpong_msg {
	uint8_t type;
	uint8_t flags;
	uint64_t message_no;
	uint64_t reply_no;   /* Pong only */
	const uint8_t *data; /* into the decoded input */
	size_t datalen;
};

enum app_err pingpong_decode(
    const void *data, size_t len, struct pingpong_msg *m);
int pingpong_encode(const struct pingpong_msg *m, struct wbuf *w);
const char *pingpong_type_name(unsigned type);

/* Cookie: ID "<PP-TD1>" and the ReplyNo of the next Pong. */
enum app_err pingpong_cookie_decode(
    const void *data, size_t len, uint64_t *reply_no);
int pingpong_cookie_encode(uint64_t reply_no, struct wbuf *w);

#endif
