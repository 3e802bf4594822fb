/*
 * One table describing every ASAP/ENRP parameter (docs/wire.md 2.4,
 * 2.5): wire numbers in both dialects, length bounds and the codec of
 * its value.  The message layer (messages.c) never looks inside a value.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/codec.h"

static int dec_addr(struct dctx *, const struct tlv *, int, void *);
static int dec_transport(struct dctx *, const struct tlv *, int, void *);
static int dec_policy(struct dctx *, const struct tlv *, int, void *);
static int dec_handle(struct dctx *, const struct tlv *, int, void *);
static int dec_pe(struct dctx *, const struct tlv *, int, void *);
static int dec_server(struct dctx *, const struct tlv *, int, void *);
static int dec_operror(struct dctx *, const struct tlv *, int, void *);
static int dec_bytes(struct dctx *, const struct tlv *, int, void *);
static int dec_u32(struct dctx *, const struct tlv *, int, void *);
static int dec_u16(struct dctx *, const struct tlv *, int, void *);
static void enc_addr(struct ectx *, const struct param_desc *, const void *);
static void enc_transport(
    struct ectx *, const struct param_desc *, const void *);
static void enc_policy(struct ectx *, const struct param_desc *, const void *);
static void enc_handle(struct ectx *, const struct param_desc *, const void *);
static void enc_pe(struct ectx *, const struct param_desc *, const void *);
static void enc_server(struct ectx *, const struct param_desc *, const void *);
static void enc_operror(struct ectx *, const struct param_desc *, const void *);
static void enc_bytes(struct ectx *, const struct param_desc *, const void *);
static void enc_u32(struct ectx *, const struct param_desc *, const void *);
static void enc_u16(struct ectx *, const struct param_desc *, const void *);

#define ANY 0xffff

#define PARAM(k, t, leg, nm, mn, mx, codec) \
	[k] = {.kind = k,                   \
	    .type = t,                      \
	    .legacy = leg,                  \
	    .name = nm,                     \
	    .minlen = mn,                   \
	    .maxlen = mx,                   \
	    .decode = dec_##codec,          \
	    .encode = enc_##codec}
#define TRANSPORT(k, t, leg, nm, mn, mx, svc, amin, amax) \
	[k] = {.kind = k,                                 \
	    .type = t,                                    \
	    .legacy = leg,                                \
	    .name = nm,                                   \
	    .minlen = mn,                                 \
	    .maxlen = mx,                                 \
	    .has_service = svc,                           \
	    .min_addrs = amin,                            \
	    .max_addrs = amax,                            \
	    .decode = dec_transport,                      \
	    .encode = enc_transport}

/*
 * Indexed by enum pkind.  Lengths include the 4-byte header; legacy 0:
 * no RSPLIB 2.x number.  Transports may be shorter than one address so
 * that an empty one is reported as a missing address.  Empty and
 * over-long handles are BAD_VALUE, not length errors.
 */
static const struct param_desc params[K_COUNT] = {
    PARAM(K_IPV4, RSP_PARAM_IPV4, 0x0001, "IPv4 Address", 8, 8, addr),
    PARAM(K_IPV6, RSP_PARAM_IPV6, 0x0002, "IPv6 Address", 20, 20, addr),
    TRANSPORT(K_DCCP, RSP_PARAM_DCCP, 0, "DCCP Transport", 12, 32, 1, 1, 1),
    /* RSPLIB accepts up to MAX_PE_TRANSPORTADDRESSES (64). */
    TRANSPORT(K_SCTP, RSP_PARAM_SCTP, 0x0003, "SCTP Transport", 8, ANY, 0, 1,
        RSP_ADDRS_MAX),
    /* RSPLIB's parser tolerates a second TCP address (2.5.5). */
    TRANSPORT(K_TCP, RSP_PARAM_TCP, 0x0004, "TCP Transport", 8, 48, 0, 1, 2),
    TRANSPORT(K_UDP, RSP_PARAM_UDP, 0x0005, "UDP Transport", 8, 28, 0, 1, 1),
    TRANSPORT(
        K_UDPLITE, RSP_PARAM_UDPLITE, 0, "UDP-Lite Transport", 8, 28, 0, 1, 1),
    PARAM(K_POLICY, RSP_PARAM_POLICY, 0x0006, "Pool Member Selection Policy", 8,
        8 + 4 * RSP_POLICY_FIELDS, policy),
    PARAM(
        K_HANDLE, RSP_PARAM_POOL_HANDLE, 0x0007, "Pool Handle", 4, ANY, handle),
    PARAM(K_PE, RSP_PARAM_POOL_ELEMENT, 0x0008, "Pool Element", 16, ANY, pe),
    PARAM(K_SERVER, RSP_PARAM_SERVER_INFO, 0x0009, "Server Information", 8, ANY,
        server),
    PARAM(K_ERROR, RSP_PARAM_OPERATION_ERROR, 0x000a, "Operation Error", 8, ANY,
        operror),
    PARAM(K_COOKIE, RSP_PARAM_COOKIE, 0x000b, "Cookie", 4, ANY, bytes),
    PARAM(K_PE_ID, RSP_PARAM_PE_ID, 0x000c, "PE Identifier", 8, 8, u32),
    PARAM(K_CHECKSUM, RSP_PARAM_PE_CHECKSUM, 0x000d, "PE Checksum", 6, 6, u16),
    PARAM(K_HR_OPTION, RSP_PARAM_HR_OPTION, 0, "Handle Resolution Option", 8, 8,
        u32),
};

const struct param_desc *
param_by_kind(enum pkind k)
{
	return (k > K_NONE && k < K_COUNT) ? &params[k] : NULL;
}

const struct param_desc *
param_by_type(uint16_t type, int dialect)
{
	int k;

	for (k = K_NONE + 1; k < K_COUNT; k++) {
		uint16_t t = dialect == RSP_DIALECT_LEGACY ? params[k].legacy
		                                           : params[k].type;
		if (t != 0 && t == type)
			return &params[k];
	}
	return NULL;
}

uint16_t
param_wire_type(enum pkind k, int dialect)
{
	if (k <= K_NONE || k >= K_COUNT)
		return 0;
	return dialect == RSP_DIALECT_LEGACY ? params[k].legacy
	                                     : params[k].type;
}

enum pkind
transport_kind(uint16_t ptype)
{
	const struct param_desc *d = param_by_type(ptype, RSP_DIALECT_RFC);

	return d != NULL && (KM_TRANSPORT & KM(d->kind)) ? d->kind : K_NONE;
}

int
param_decode(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	return params[t->kind].decode(c, t, depth, obj);
}

size_t
param_encode(struct ectx *e, enum pkind k, const void *obj)
{
	const struct param_desc *d = param_by_kind(k);
	uint16_t type = param_wire_type(k, e->dialect);
	size_t start;

	if (d == NULL || type == 0) {
		enc_fail(e->w, EINVAL); /* no number in this dialect */
		return 0;
	}
	start = tlv_begin(e->w, type);
	d->encode(e, d, obj);
	return tlv_end(e->w, start);
}

/* Addresses: family from the parameter type, as on the wire. */

static int
dec_addr(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	struct rsp_addr *a = obj;
	struct buf v = t->val;

	(void)c;
	(void)depth;
	memset(a, 0, sizeof(*a));
	a->family = t->kind == K_IPV4 ? AF_INET : AF_INET6;
	buf_get_bytes(&v, a->a, t->kind == K_IPV4 ? 4 : 16);
	return 0;
}

static void
enc_addr(struct ectx *e, const struct param_desc *d, const void *obj)
{
	const struct rsp_addr *a = obj;

	wbuf_add(e->w, a->a, d->kind == K_IPV4 ? 4 : 16);
}

/* Transports: port, use/reserved, [service code], addresses. */

static int
dec_transport(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	const struct param_desc *d = &params[t->kind];
	struct rsp_transport *tr = obj;
	struct buf v = t->val;
	struct tlv a;
	size_t n;
	int r;

	memset(tr, 0, sizeof(*tr));
	tr->ptype = d->type;
	if (val_n16(c, &v, t, &tr->port) == -1 ||
	    val_n16(c, &v, t, &tr->use) == -1)
		return -1;
	if (d->has_service && val_n32(c, &v, t, &tr->service_code) == -1)
		return -1;
	n = tlv_count(c, &v, KM_ADDR);
	if (n > d->max_addrs)
		return derr_tlv(c, RSP_DERR_BAD_VALUE, t->offset, t);
	if (n > 0 && (tr->addrs = arena_alloc(
	                  c, n * sizeof(*tr->addrs), t->offset)) == NULL)
		return -1;
	while ((r = tlv_next(c, &v, depth + 1, &a)) == 1) {
		if (!(KM_ADDR & KM(a.kind)) || tr->naddrs >= n)
			return derr_tlv(c, RSP_DERR_UNEXPECTED, a.offset, &a);
		dec_addr(c, &a, depth + 1, &tr->addrs[tr->naddrs++]);
	}
	if (r == -1)
		return -1;
	if (tr->naddrs < d->min_addrs)
		return derr(c, RSP_DERR_MISSING, (uint32_t)buf_offset(&v),
		    RSP_PARAM_IPV4);
	return 0;
}

static void
enc_transport(struct ectx *e, const struct param_desc *d, const void *obj)
{
	const struct rsp_transport *tr = obj;
	uint16_t i;

	if (tr->naddrs < d->min_addrs || tr->naddrs > d->max_addrs ||
	    (tr->naddrs && tr->addrs == NULL)) {
		enc_fail(e->w, EINVAL);
		return;
	}
	wbuf_add_n16(e->w, tr->port);
	wbuf_add_n16(e->w, tr->use);
	if (d->has_service)
		wbuf_add_n32(e->w, tr->service_code);
	for (i = 0; i < tr->naddrs; i++) {
		int f = tr->addrs[i].family;

		if (f != AF_INET && f != AF_INET6) {
			enc_fail(e->w, EINVAL);
			return;
		}
		param_encode(e, f == AF_INET ? K_IPV4 : K_IPV6, &tr->addrs[i]);
	}
}

static enum pkind
transport_of(const struct rsp_transport *tr)
{
	return transport_kind(tr->ptype);
}

/*
 * Policies.  RFC: 32-bit type and as many 32-bit fields as the type
 * has (policy.c).  Legacy (RSPLIB 2.x): 8 bytes, 8-bit type + 24-bit
 * value, kept as type = legacy code, v[0] = value, nvalues = 1.
 */

static int
dec_policy(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	struct rsp_policy *p = obj;
	struct buf v = t->val;
	int n;

	(void)depth;
	memset(p, 0, sizeof(*p));
	if (c->dialect == RSP_DIALECT_LEGACY) {
		if (t->len != 8)
			return derr_tlv(
			    c, RSP_DERR_BAD_LENGTH, t->offset + 2, t);
		buf_get_n32(&v, &p->v[0]);
		p->type = p->v[0] >> 24;
		p->v[0] &= 0xffffff;
		p->nvalues = 1;
		return 0;
	}
	if (t->len & 3)
		return derr_tlv(c, RSP_DERR_BAD_LENGTH, t->offset + 2, t);
	buf_get_n32(&v, &p->type);
	n = rsp_policy_nvalues(p->type);
	if (n < 0 || (size_t)n * 4 != buf_left(&v))
		return derr_tlv(c, RSP_DERR_BAD_VALUE, t->offset + 4, t);
	for (p->nvalues = 0; p->nvalues < n; p->nvalues++)
		buf_get_n32(&v, &p->v[p->nvalues]);
	return 0;
}

static void
enc_policy(struct ectx *e, const struct param_desc *d, const void *obj)
{
	const struct rsp_policy *p = obj;
	uint8_t i;

	(void)d;
	if (e->dialect == RSP_DIALECT_LEGACY) {
		if (p->type > 0xff || p->nvalues != 1 || p->v[0] > 0xffffff) {
			enc_fail(e->w, EINVAL);
			return;
		}
		wbuf_add_n32(e->w, p->type << 24 | p->v[0]);
		return;
	}
	if (rsp_policy_nvalues(p->type) != p->nvalues) {
		enc_fail(e->w, EINVAL);
		return;
	}
	wbuf_add_n32(e->w, p->type);
	for (i = 0; i < p->nvalues; i++)
		wbuf_add_n32(e->w, p->v[i]);
}

/* Pool handle: 1..RSP_HANDLE_MAX bytes (RSPLIB MAX_POOLHANDLESIZE). */

static int
dec_handle(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	struct rsp_handle *h = obj;
	struct buf v = t->val;
	size_t n = buf_left(&v);

	(void)depth;
	if (n == 0 || n > RSP_HANDLE_MAX)
		return derr_tlv(c, RSP_DERR_BAD_VALUE, t->offset + 2, t);
	h->len = (uint8_t)n;
	buf_get_bytes(&v, h->bytes, n);
	return 0;
}

static void
enc_handle(struct ectx *e, const struct param_desc *d, const void *obj)
{
	const struct rsp_handle *h = obj;

	(void)d;
	if (h->len == 0 || h->len > RSP_HANDLE_MAX) {
		enc_fail(e->w, EINVAL);
		return;
	}
	wbuf_add(e->w, h->bytes, h->len);
}

/*
 * Pool element: id, home, life, then in this order a user transport, a
 * policy and an optional ASAP transport (docs/wire.md 2.5.10).  The codec
 * accepts the ASAP transport in every message (legacy HR responses
 * carry it); whether it is required is the registrar's business.
 */

static int
pe_inner(struct dctx *c, struct buf *v, int depth, struct rsp_pe *pe)
{
	struct tlv t;
	int r, slot = 0;

	while ((r = tlv_next(c, v, depth, &t)) == 1) {
		int is_tr = (KM_TRANSPORT & KM(t.kind)) != 0;

		if (slot == 0 && is_tr)
			r = dec_transport(c, &t, depth, &pe->user);
		else if (slot == 1 && t.kind == K_POLICY)
			r = dec_policy(c, &t, depth, &pe->policy);
		else if (slot == 2 && is_tr) {
			r = dec_transport(c, &t, depth, &pe->asap);
			pe->has_asap = 1;
		} else if (slot == 0 && t.kind == K_POLICY)
			return derr(
			    c, RSP_DERR_MISSING, t.offset, RSP_PARAM_SCTP);
		else if (slot == 1 && is_tr)
			return derr(
			    c, RSP_DERR_MISSING, t.offset, RSP_PARAM_POLICY);
		else if ((slot == 2 && t.kind == K_POLICY) ||
		         (slot == 3 && is_tr))
			return derr_tlv(c, RSP_DERR_DUPLICATE, t.offset, &t);
		else
			return derr_tlv(c, RSP_DERR_UNEXPECTED, t.offset, &t);
		if (r == -1)
			return -1;
		slot++;
	}
	if (r == -1)
		return -1;
	if (slot < 2)
		return derr(c, RSP_DERR_MISSING, (uint32_t)buf_offset(v),
		    slot == 0 ? RSP_PARAM_SCTP : RSP_PARAM_POLICY);
	return 0;
}

static int
dec_pe(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	struct rsp_pe *pe = obj;
	struct buf v = t->val;

	memset(pe, 0, sizeof(*pe));
	buf_get_n32(&v, &pe->id);
	buf_get_n32(&v, &pe->home);
	buf_get_n32(&v, &pe->life);
	/* docs/wire.md 2.5.10: RSPLIB's ENRP parser rejects home ID 0. */
	if (c->proto == RSP_PROTO_ENRP && pe->home == 0)
		return derr_tlv(c, RSP_DERR_BAD_VALUE, t->offset + 8, t);
	return pe_inner(c, &v, depth + 1, pe);
}

static void
enc_pe(struct ectx *e, const struct param_desc *d, const void *obj)
{
	const struct rsp_pe *pe = obj;
	enum pkind uk = transport_of(&pe->user);
	enum pkind ak = transport_of(&pe->asap);

	(void)d;
	if (uk == K_NONE || (pe->has_asap && ak == K_NONE)) {
		enc_fail(e->w, EINVAL);
		return;
	}
	wbuf_add_n32(e->w, pe->id);
	wbuf_add_n32(e->w, pe->home);
	wbuf_add_n32(e->w, pe->life);
	param_encode(e, uk, &pe->user);
	param_encode(e, K_POLICY, &pe->policy);
	if (pe->has_asap)
		param_encode(e, ak, &pe->asap);
}

/* Server information: id, [legacy flags], optional transport. */

static int
dec_server(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	struct rsp_server_info *s = obj;
	struct buf v = t->val;
	struct tlv tt;
	int r;

	memset(s, 0, sizeof(*s));
	buf_get_n32(&v, &s->id);
	if (c->dialect == RSP_DIALECT_LEGACY &&
	    val_n32(c, &v, t, &s->flags) == -1)
		return -1;
	if ((r = tlv_next(c, &v, depth + 1, &tt)) <= 0)
		return r;
	if (!(KM_TRANSPORT & KM(tt.kind)))
		return derr_tlv(c, RSP_DERR_UNEXPECTED, tt.offset, &tt);
	if (dec_transport(c, &tt, depth + 1, &s->transport) == -1)
		return -1;
	s->has_transport = 1;
	if ((r = tlv_next(c, &v, depth + 1, &tt)) == 1)
		return derr_tlv(c,
		    KM_TRANSPORT & KM(tt.kind) ? RSP_DERR_DUPLICATE
		                               : RSP_DERR_UNEXPECTED,
		    tt.offset, &tt);
	return r;
}

static void
enc_server(struct ectx *e, const struct param_desc *d, const void *obj)
{
	const struct rsp_server_info *s = obj;
	enum pkind k = transport_of(&s->transport);

	(void)d;
	wbuf_add_n32(e->w, s->id);
	if (e->dialect == RSP_DIALECT_LEGACY)
		wbuf_add_n32(e->w, s->flags);
	if (!s->has_transport)
		return;
	if (k == K_NONE) {
		enc_fail(e->w, EINVAL);
		return;
	}
	param_encode(e, k, &s->transport);
}

/*
 * Operation error: one or more causes.  A cause's length excludes its
 * padding; the padding must be there unless the cause ends the value.
 * Two passes: count (and validate), then fill the arena array.
 */

static int
walk_causes(struct dctx *c, const struct tlv *t, struct rsp_operror *oe)
{
	struct buf v = t->val, data;
	uint16_t code, len;
	uint32_t at;
	size_t pad, n = 0;

	while (buf_left(&v) > 0) {
		at = (uint32_t)buf_offset(&v);
		if (buf_left(&v) < 4)
			return derr_tlv(c, RSP_DERR_MISALIGNED, at, t);
		buf_get_n16(&v, &code);
		buf_get_n16(&v, &len);
		if (len < 4)
			return derr_tlv(c, RSP_DERR_BAD_LENGTH, at + 2, t);
		if (buf_get_sub(&v, len - 4, &data) == -1)
			return derr_tlv(c, RSP_DERR_OVERSIZED, at + 2, t);
		pad = (4 - (len & 3)) & 3;
		if (buf_left(&v) > 0 &&
		    (buf_left(&v) < pad || !buf_is_zero(&v, pad)))
			return derr_tlv(c, RSP_DERR_BAD_PADDING,
			    (uint32_t)buf_offset(&v), t);
		buf_skip(&v, pad < buf_left(&v) ? pad : buf_left(&v));
		if (oe != NULL) {
			oe->causes[n].code = code;
			if (arena_copy_at(
			        c, at + 4, len - 4, &oe->causes[n].data) == -1)
				return -1;
		}
		n++;
	}
	if (n == 0)
		return derr_tlv(c, RSP_DERR_BAD_LENGTH, t->offset + 2, t);
	if (n > UINT16_MAX)
		return derr_tlv(c, RSP_DERR_BAD_VALUE, t->offset, t);
	return (int)n;
}

static int
dec_operror(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	struct rsp_operror *oe = obj;
	int n;

	(void)depth;
	memset(oe, 0, sizeof(*oe));
	if ((n = walk_causes(c, t, NULL)) == -1)
		return -1;
	oe->causes = arena_alloc(c, (size_t)n * sizeof(*oe->causes), t->offset);
	if (oe->causes == NULL || walk_causes(c, t, oe) == -1)
		return -1;
	oe->ncauses = (uint16_t)n;
	return 0;
}

static void
enc_operror(struct ectx *e, const struct param_desc *d, const void *obj)
{
	const struct rsp_operror *oe = obj;
	uint16_t i;

	(void)d;
	if (oe->ncauses == 0 || oe->causes == NULL) {
		enc_fail(e->w, EINVAL);
		return;
	}
	for (i = 0; i < oe->ncauses; i++) {
		const struct rsp_cause *ca = &oe->causes[i];
		size_t start = e->w->len;

		if (ca->data.len > UINT16_MAX - 4 ||
		    (ca->data.len && ca->data.data == NULL)) {
			enc_fail(e->w, EINVAL);
			return;
		}
		wbuf_add_n16(e->w, ca->code);
		wbuf_add_n16(e->w, 4 + ca->data.len);
		wbuf_add(e->w, ca->data.data, ca->data.len);
		pad_from(e->w, start);
	}
}

/* Cookie: opaque bytes. */

static int
dec_bytes(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	(void)depth;
	return arena_copy_at(c, t->offset + 4, t->len - 4, obj);
}

static void
enc_bytes(struct ectx *e, const struct param_desc *d, const void *obj)
{
	const struct rsp_bytes *b = obj;

	(void)d;
	if (b->len && b->data == NULL) {
		enc_fail(e->w, EINVAL);
		return;
	}
	wbuf_add(e->w, b->data, b->len);
}

/* PE identifier, handle resolution option: one 32-bit value. */

static int
dec_u32(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	struct buf v = t->val;

	(void)c;
	(void)depth;
	buf_get_n32(&v, obj);
	return 0;
}

static void
enc_u32(struct ectx *e, const struct param_desc *d, const void *obj)
{
	(void)d;
	wbuf_add_n32(e->w, *(const uint32_t *)obj);
}

/* PE checksum: 16 bits (length 6, then the usual 2 bytes padding). */

static int
dec_u16(struct dctx *c, const struct tlv *t, int depth, void *obj)
{
	struct buf v = t->val;

	(void)c;
	(void)depth;
	buf_get_n16(&v, obj);
	return 0;
}

static void
enc_u16(struct ectx *e, const struct param_desc *d, const void *obj)
{
	(void)d;
	wbuf_add_n16(e->w, *(const uint16_t *)obj);
}
