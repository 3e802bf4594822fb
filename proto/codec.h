/*
 * Internals shared by the ASAP/ENRP codec files (proto/tlv.c, params.c,
 * messages.c).  Not for use outside proto/ except by the unit tests.
 *
 * Decoding walks struct buf windows; every parameter is read through
 * tlv_next(), which owns the length, padding, depth and unknown-type
 * rules of docs/wire.md 2.2/2.3.  Encoding writes through struct wbuf
 * and back-patches lengths with tlv_begin()/tlv_end().
 */
#ifndef RSP_CODEC_H
#define RSP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/msg.h"

/* Parameter kinds: one per row of the parameter table (params.c). */
enum pkind {
	K_NONE = 0,
	K_IPV4,
	K_IPV6,
	K_DCCP,
	K_SCTP,
	K_TCP,
	K_UDP,
	K_UDPLITE,
	K_POLICY,
	K_HANDLE,
	K_PE,
	K_SERVER,
	K_ERROR,
	K_COOKIE,
	K_PE_ID,
	K_CHECKSUM,
	K_HR_OPTION,
	K_COUNT
};

#define KM(k)   (1u << (k))
#define KM_ADDR (KM(K_IPV4) | KM(K_IPV6))
#define KM_TRANSPORT \
	(KM(K_DCCP) | KM(K_SCTP) | KM(K_TCP) | KM(K_UDP) | KM(K_UDPLITE))

struct dctx;
struct tlv;

/* Encoding context: one per rsp_msg_encode call. */
struct ectx {
	struct wbuf *w;
	int dialect;
	int proto;
};

struct param_desc {
	enum pkind kind;
	uint16_t type;   /* RFC 5354 number */
	uint16_t legacy; /* RSPLIB 2.x number, 0 if none */
	const char *name;
	uint16_t minlen; /* TLV length incl. header, RFC dialect */
	uint16_t maxlen;
	/* Transports only. */
	uint8_t has_service; /* DCCP service code after the reserved field */
	uint8_t min_addrs, max_addrs;
	/* The value codec; `obj` is the C type of the kind (params.c). */
	int (*decode)(
	    struct dctx *c, const struct tlv *t, int depth, void *obj);
	void (*encode)(
	    struct ectx *e, const struct param_desc *d, const void *obj);
};

const struct param_desc *param_by_kind(enum pkind k);
const struct param_desc *param_by_type(uint16_t type, int dialect);
uint16_t param_wire_type(enum pkind k, int dialect);

/* A parameter as found by tlv_next(). */
struct tlv {
	uint16_t type;
	uint16_t len;        /* as on the wire, header included */
	uint32_t offset;     /* absolute offset of the type field */
	enum pkind kind;     /* K_NONE if unknown to this dialect */
	struct buf val;      /* the value, len - 4 bytes */
	int last_unpadded;   /* ended the container without its padding */
	int last_padded_out; /* padding present beyond the container end */
};

/* Decoding context: one per rsp_msg_decode call. */
struct dctx {
	struct rsp_msg *m;
	struct rsp_decode_error *err;
	int dialect;
	int proto;
	int max_depth;
	const uint8_t *msg; /* whole message, for unknown-TLV copies */
	size_t msglen;
	uint8_t *arena;
	size_t arena_len, arena_used;
	/* Capacity of the message's arrays, counted before filling. */
	size_t cap_pes, cap_servers, cap_transports, cap_pools, cap_pool_pes;
};

int derr(struct dctx *c, enum rsp_derr code, uint32_t offset, uint16_t param);
int derr_tlv(
    struct dctx *c, enum rsp_derr code, uint32_t offset, const struct tlv *t);
void *arena_alloc(struct dctx *c, size_t n, uint32_t offset);
int arena_copy(struct dctx *c, const uint8_t *p, size_t n,
    struct rsp_bytes *out, uint32_t offset);
int arena_copy_at(
    struct dctx *c, uint32_t offset, size_t n, struct rsp_bytes *out);

/*
 * Read the next parameter of window w at nesting depth `depth`.
 * Returns 1 with *t filled, 0 at the end of the window, -1 on error
 * (err set).  Unknown types with a "skip" action are skipped here (and
 * recorded for the 0xc000 action), so callers see only known kinds.
 */
int tlv_next(struct dctx *c, struct buf *w, int depth, struct tlv *t);
/* Count consecutive next parameters whose kind is in `mask`. */
size_t tlv_count(struct dctx *c, const struct buf *w, unsigned mask);

/* Fixed-size reads inside a value; a short value is BAD_LENGTH. */
int val_n16(struct dctx *c, struct buf *v, const struct tlv *t, uint16_t *x);
int val_n32(struct dctx *c, struct buf *v, const struct tlv *t, uint32_t *x);

/* Encoding. */
size_t tlv_begin(struct wbuf *w, uint16_t type);
size_t tlv_end(struct wbuf *w, size_t start); /* length, pad; returns pad */
void enc_fail(struct wbuf *w, int err);
void pad_from(struct wbuf *w, size_t start);

/* Decode t (of a kind in `mask`) into obj, or encode obj as kind k;
 * param_encode returns the padding it wrote after the TLV. */
int param_decode(struct dctx *c, const struct tlv *t, int depth, void *obj);
size_t param_encode(struct ectx *e, enum pkind k, const void *obj);
/* Kind of a transport parameter type (RFC numbering), K_NONE if not. */
enum pkind transport_kind(uint16_t ptype);

int rsp_msg_decode_depth(int proto, int dialect, const void *data, size_t len,
    struct rsp_msg *m, struct rsp_decode_error *err, int max_depth);

#endif
