/*
 * CalcApp protocol, SCTP PPID 34 (legacy 0x29097603) (docs/wire.md
 * 9.6): fixed 24-byte messages, and the 20-byte ASAP cookie.
 */
#ifndef RSP_CALCAPP_H
#define RSP_CALCAPP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/app.h"

#define RSP_PPID_CALCAPP_LEGACY 0x29097603u

enum calcapp_type {
	CALCAPP_REQUEST = 1,
	CALCAPP_ACCEPT = 2,
	CALCAPP_REJECT = 3,
	CALCAPP_ABORT = 4, /* defined, never sent by RSPLIB */
	CALCAPP_COMPLETE = 5,
	CALCAPP_KEEPALIVE = 6,
	CALCAPP_KEEPALIVE_ACK = 7,
};

#define CALCAPP_SIZE        24
#define CALCAPP_COOKIE_SIZE 20

struct calcapp_msg {
	uint8_t type;
	uint8_t flags;
	uint32_t job_id;
	uint64_t job_size;  /* Request, Complete */
	uint64_t completed; /* Complete */
};

enum app_err calcapp_decode(
    const void *data, size_t len, struct calcapp_msg *m);
int calcapp_encode(const struct calcapp_msg *m, struct wbuf *w);
const char *calcapp_type_name(unsigned type);

struct calcapp_cookie {
	uint32_t job_id;
	uint64_t job_size;
	uint64_t completed; /* progress when the cookie was made */
};

enum app_err calcapp_cookie_decode(
    const void *data, size_t len, struct calcapp_cookie *c);
int calcapp_cookie_encode(const struct calcapp_cookie *c, struct wbuf *w);

#endif
