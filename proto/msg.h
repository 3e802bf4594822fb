/*
 * ASAP and ENRP messages as C structs, and the codec between them and
 * bytes (docs/wire.md sections 2-4).  proto/ never does I/O, never logs
 * and never exits: decoding returns a precise error, encoding -1/errno.
 *
 * A decoded message owns one arena (m->arena) holding every list it
 * points to; rsp_msg_free() releases it.  Byte strings (cookie, cause
 * data, unknown parameters) point into the arena too, never into the
 * caller's input, so the input may be reused at once.
 */
#ifndef RSP_MSG_H
#define RSP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/wire.h"

enum rsp_dialect {
	RSP_DIALECT_RFC = 0,    /* RFC 5354 numbering, as RSPLIB 3.x */
	RSP_DIALECT_LEGACY = 1, /* RSPLIB <= 2.x numbering (docs/wire.md 2.4) */
};

/* As on the wire: an IPv4-mapped IPv6 address stays AF_INET6 (legacy
 * RSPLIB sent those); converting is the caller's business. */
struct rsp_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t a[16];  /* IPv4: first 4 bytes */
};

struct rsp_transport {
	uint16_t ptype; /* RSP_PARAM_SCTP, _TCP, _UDP, _UDPLITE, _DCCP */
	uint16_t port;
	uint16_t use;          /* transport use; reserved field for UDP */
	uint32_t service_code; /* DCCP only */
	uint16_t naddrs;
	struct rsp_addr *addrs;
};

/* Legacy dialect: type = the 8-bit legacy code, v[0] = its 24-bit
 * value, nvalues = 1. */
struct rsp_policy {
	uint32_t type;
	uint8_t nvalues; /* 32-bit fields after the type on the wire */
	uint32_t v[RSP_POLICY_FIELDS];
};

struct rsp_handle {
	uint8_t len;
	uint8_t bytes[RSP_HANDLE_MAX];
};

struct rsp_pe {
	uint32_t id;
	uint32_t home; /* home PR ID */
	uint32_t life; /* registration life, ms */
	struct rsp_transport user;
	struct rsp_policy policy;
	int has_asap; /* ENRP: ASAP transport present */
	struct rsp_transport asap;
};

struct rsp_bytes {
	uint16_t len;
	const uint8_t *data;
};

struct rsp_cause {
	uint16_t code;
	struct rsp_bytes data; /* cause-specific information */
};

struct rsp_operror {
	uint16_t ncauses;
	struct rsp_cause *causes;
};

struct rsp_server_info {
	uint32_t id;
	uint32_t flags; /* legacy dialect only: flags word (M 0x80000000) */
	int has_transport;
	struct rsp_transport transport; /* the PR's ENRP SCTP endpoint */
};

struct rsp_pool_entry { /* one pool of an ENRP handle table response */
	struct rsp_handle handle;
	uint16_t npes;
	struct rsp_pe *pes;
};

/* Which optional members of struct rsp_msg are present. */
enum {
	RSP_HAS_HANDLE = 1 << 0,
	RSP_HAS_PE_ID = 1 << 1,
	RSP_HAS_HR_OPTION = 1 << 2,
	RSP_HAS_CHECKSUM = 1 << 3,
	RSP_HAS_POLICY = 1 << 4,
	RSP_HAS_ERROR = 1 << 5,
	RSP_HAS_COOKIE = 1 << 6,
	RSP_HAS_PE_ID_PARAM = RSP_HAS_PE_ID,
};

struct rsp_msg {
	uint8_t proto; /* RSP_PROTO_ASAP or RSP_PROTO_ENRP */
	uint8_t type;
	uint8_t flags;
	uint8_t dialect;

	/* Fixed fields, by message type. */
	uint32_t sender;   /* ENRP sender ID; ASAP KA / announce server ID */
	uint32_t receiver; /* ENRP receiver ID */
	uint32_t target;   /* ENRP takeover target server ID */
	uint16_t action;   /* ENRP handle update action */

	/* Parameters (see `present`). */
	unsigned present;
	struct rsp_handle handle;
	uint32_t pe_id;
	uint32_t hr_items;        /* handle resolution option */
	uint16_t checksum;        /* PE checksum */
	struct rsp_policy policy; /* HR response / business card */
	struct rsp_operror error;
	struct rsp_bytes cookie;
	uint16_t npes; /* registration, HR response, update, card */
	struct rsp_pe *pes;
	uint16_t nservers; /* presence (1), list response (n) */
	struct rsp_server_info *servers;
	uint16_t ntransports; /* server announce */
	struct rsp_transport *transports;
	uint16_t npools; /* handle table response */
	struct rsp_pool_entry *pools;

	/* Unknown parameters with the "skip and report" action (0xc000),
	 * complete TLVs without padding, at any depth, for the receiver's
	 * Error message.  Never encoded; 0x8000 ones are dropped. */
	uint16_t nunknown;
	struct rsp_bytes *unknown;

	/* Wire details kept so that re-encoding is byte-identical:
	 * 0: length includes the final padding (RSPLIB, the default);
	 * 1: length excludes it and the padding bytes are absent (RFC);
	 * 2: length excludes it but the padding bytes follow. */
	uint8_t tail_unpadded;

	void *arena;
};

enum rsp_derr {
	RSP_DERR_NONE = 0,
	RSP_DERR_TRUNCATED,     /* input ends inside a header or field */
	RSP_DERR_OVERSIZED,     /* a length runs past its container/max */
	RSP_DERR_BAD_LENGTH,    /* a length impossible for its type */
	RSP_DERR_MISALIGNED,    /* stray bytes after the last parameter */
	RSP_DERR_BAD_PADDING,   /* padding missing or not zero */
	RSP_DERR_TOO_DEEP,      /* nesting beyond RSP_MAX_DEPTH */
	RSP_DERR_DUPLICATE,     /* a single-instance parameter repeated */
	RSP_DERR_MISSING,       /* a required parameter absent */
	RSP_DERR_UNEXPECTED,    /* a known parameter where it cannot be */
	RSP_DERR_UNKNOWN_PARAM, /* unknown parameter, action "stop" */
	RSP_DERR_UNKNOWN_TYPE,  /* unknown message type */
	RSP_DERR_BAD_VALUE,     /* field value out of range */
	RSP_DERR_NOMEM,
};

#define RSP_MAX_DEPTH 4 /* message > PE > transport > address */

struct rsp_decode_error {
	enum rsp_derr code;
	uint16_t cause;  /* RFC 5354 cause to report; see `report` */
	int report;      /* 1: answer with an Error; 0: drop silently */
	uint32_t offset; /* byte offset of the problem in the message */
	uint16_t param;  /* parameter type concerned, 0 if none */
	/* The offending TLV (cause-specific data), when there is one. */
	uint32_t tlv_offset, tlv_len;
};

/*
 * Decode one whole message (RFC dialect).  0 on success: m owns an
 * arena, release it with rsp_msg_free().  -1 (errno EBADMSG or ENOMEM)
 * with *err describing the first problem; m is then zeroed and needs no
 * free.  The decoder is strictly ordered like RSPLIB's and accepts both
 * RFC-style and RSPLIB-style lengths.
 */
int rsp_msg_decode(int proto, const void *data, size_t len, struct rsp_msg *m,
    struct rsp_decode_error *err);
int rsp_msg_decode_dialect(int proto, int dialect, const void *data, size_t len,
    struct rsp_msg *m, struct rsp_decode_error *err);
void rsp_msg_free(struct rsp_msg *m);
/* Zero a message for building; set proto/type before encoding. */
void rsp_msg_init(struct rsp_msg *m, int proto, int type);
/* Append the encoding of m to w (RSPLIB conventions unless the message
 * says otherwise).  -1 with errno EINVAL/ERANGE/ENOMEM on failure. */
int rsp_msg_encode(const struct rsp_msg *m, struct wbuf *w);

/* Same meaning: every field, list and byte string; tail_unpadded and
 * the skipped unknown parameters are ignored.  1 if equal. */
int rsp_msg_equal(const struct rsp_msg *a, const struct rsp_msg *b);

/* Short names from the codec tables: "REGISTRATION", "PRESENCE";
 * "UNKNOWN" / "unknown ..." for numbers the tables do not know. */
const char *rsp_msg_name(int proto, int type);
const char *rsp_param_name(uint16_t type);
const char *rsp_cause_name(uint16_t code);
/* A pool handle as text: as it is when rsp_handle_is_plain(), else 0x
 * and hex (n >= 2 * RSP_HANDLE_MAX + 3 never cuts). */
void rsp_handle_str(const struct rsp_handle *h, char *s, size_t n);
int rsp_handle_is_plain(const struct rsp_handle *h);
/* The handlespace's order of pool handles: length first, then bytes. */
int rsp_handle_cmp(const struct rsp_handle *a, const struct rsp_handle *b);
/* PE checksum parts (docs/wire.md 4.6): a handle's word sum, and the
 * folded, complemented 16-bit value of a sum of such words. */
uint32_t rsp_checksum_handle(const struct rsp_handle *h);
uint16_t rsp_checksum_fold(uint64_t sum);
/* A transport parameter's protocol: "sctp", or RSPLIB's "SCTP". */
const char *rsp_transport_name(uint16_t ptype, int rsplib);
const char *rsp_policy_name(uint32_t type);
const char *rsp_derr_name(enum rsp_derr code);
/* "truncated parameter 0x000a at offset 20 (cause 0x0003)" */
int rsp_decode_error_str(const struct rsp_decode_error *e, char *s, size_t n);
/* Number of 32-bit policy fields for a type, -1 if not encodable. */
int rsp_policy_nvalues(uint32_t type);

/* Policy types (docs/wire.md 5.1), for option parsing and display. */
struct rsp_policy_info {
	uint32_t type;
	const char *abbrev; /* "LUD" */
	const char *name;   /* "Least Used with Degradation" */
	const char *rsplib; /* RSPLIB -policy= name: "LeastUsedDegradation" */
	int nvalues;        /* 32-bit fields on the wire, -1: no wire form */
	const char *fields[RSP_POLICY_FIELDS];
};
const struct rsp_policy_info *rsp_policy_info(uint32_t type);
/* By RSPLIB name or abbreviation, case-insensitive; NULL if unknown. */
const struct rsp_policy_info *rsp_policy_lookup(const char *name);
const struct rsp_policy_info *rsp_policy_table(size_t *n);

#endif
