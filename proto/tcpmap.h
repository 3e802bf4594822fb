/*
 * TCP mapping chunks (draft-ietf-rserpool-tcpmapping-03, docs/wire.md
 * section 7): bytes <-> struct tcpmap_chunk, and a stream reassembler
 * that cuts a TCP byte stream into whole chunks.
 *
 * Like all of proto/ this never does I/O, never logs and never exits:
 * decoding returns a precise error (code, chunk type, offset).
 */
#ifndef RSP_TCPMAP_H
#define RSP_TCPMAP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

enum tcpmap_type {
	TCPMAP_DATA = 0,
	TCPMAP_INIT = 1,
	TCPMAP_ACK = 3,
	TCPMAP_HEARTBEAT = 4,
	TCPMAP_HEARTBEAT_ACK = 5,
};

/* INIT flags: which DATA fields the sender of the INIT omits. */
#define TCPMAP_INIT_NO_TSN    0x01
#define TCPMAP_INIT_NO_STREAM 0x02
#define TCPMAP_INIT_NO_PPID   0x04
#define TCPMAP_INIT_MASK      0x07

#define TCPMAP_DATA_U 0x04 /* unordered: stream sequence meaningless */

#define TCPMAP_HB_INFO 1 /* the Heartbeat Info TLV type */

#define TCPMAP_HDR_LEN 4
#define TCPMAP_LEN_MAX 65535 /* the 16-bit length field, header included */
/* Longest chunk on the wire: TCPMAP_LEN_MAX rounded up to 4. */
#define TCPMAP_WIRE_MAX 65536

/* One chunk.  data points into the decoded input (not copied). */
struct tcpmap_chunk {
	uint8_t type;
	uint8_t flags;
	uint16_t len; /* the length field: header + value, no padding */

	/* DATA: fields absent per the sender's INIT flags read as 0. */
	uint32_t tsn; /* also ACK: cumulative TSN ack */
	uint16_t stream;
	uint16_t ssn;
	uint32_t ppid;
	int has_tsn; /* ACK: the cumulative TSN is present (length 8) */

	/* DATA: user data; HEARTBEAT (ACK): the Heartbeat Info data. */
	const uint8_t *data;
	size_t datalen;
};

enum tcpmap_err {
	TCPMAP_ERR_NONE = 0,
	TCPMAP_ERR_TRUNCATED,     /* input ends inside the (padded) chunk */
	TCPMAP_ERR_BAD_LENGTH,    /* a length impossible for the type */
	TCPMAP_ERR_RESERVED_TYPE, /* chunk type 2, 6-255 */
	TCPMAP_ERR_BAD_PADDING,   /* padding bytes not zero */
	TCPMAP_ERR_BAD_HB_INFO,   /* heartbeat TLV type != 1 or bad length */
};

struct tcpmap_error {
	enum tcpmap_err code;
	uint8_t type;    /* chunk type concerned */
	uint32_t offset; /* byte offset of the problem */
};

/*
 * Decode the chunk at the start of p.  peer_flags are the flags of the
 * INIT the sender of this chunk sent (they say which DATA fields it
 * omits).  Returns the bytes used (padded length), or -1 with *err set.
 */
long tcpmap_decode(const void *p, size_t len, unsigned peer_flags,
    struct tcpmap_chunk *c, struct tcpmap_error *err);
/*
 * Append chunk c as sent by an endpoint whose INIT had own_flags (the
 * length field is computed; c->len is ignored), padding included.
 * -1 with errno ERANGE (too long) or EINVAL (reserved type).
 */
int tcpmap_encode(
    const struct tcpmap_chunk *c, unsigned own_flags, struct wbuf *w);
/* Bytes of DATA fields before the user data for these INIT flags. */
size_t tcpmap_data_hdrlen(unsigned flags);

const char *tcpmap_type_name(uint8_t type);
const char *tcpmap_err_name(enum tcpmap_err code);
/* "reserved chunk type 6 at offset 12" */
int tcpmap_error_str(const struct tcpmap_error *e, char *s, size_t n);

/*
 * Stream reassembler: feed TCP bytes as they come, take whole chunks
 * out.  The buffer starts small and grows only to the padded length of
 * the chunk being received, at most TCPMAP_WIRE_MAX, so memory is
 * bounded whatever the peer sends and idle associations stay cheap; a
 * header with a bad type or length is an error at once, never a wait.
 * Offsets in errors count stream bytes.
 */
#define TCPMAP_RX_INITIAL 2048

struct tcpmap_rx {
	uint8_t *buf;
	size_t cap;
	size_t start;   /* first unconsumed byte */
	size_t end;     /* one past the last byte held */
	uint64_t total; /* stream offset of buf[0] */
};

void tcpmap_rx_init(struct tcpmap_rx *rx);
void tcpmap_rx_free(struct tcpmap_rx *rx);
/* Copy up to len bytes in; returns how many were taken (0 when full
 * with a chunk still incomplete, or with errno ENOMEM). */
size_t tcpmap_rx_feed(struct tcpmap_rx *rx, const void *p, size_t len);
/* Room to read(2) into directly (0: as feed); commit what was read. */
size_t tcpmap_rx_space(struct tcpmap_rx *rx, uint8_t **p);
void tcpmap_rx_commit(struct tcpmap_rx *rx, size_t n);
/*
 * 1: *c holds the next chunk (its data valid until the next feed, space
 * or next call); 0: more bytes needed; -1: *err set, the stream is
 * unusable.
 */
int tcpmap_rx_next(struct tcpmap_rx *rx, unsigned peer_flags,
    struct tcpmap_chunk *c, struct tcpmap_error *err);
size_t tcpmap_rx_pending(const struct tcpmap_rx *rx);

#endif
