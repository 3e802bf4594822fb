/*
 * One table describing every ASAP and ENRP message (docs/wire.md 3.2,
 * 4.3): fixed fields, then ordered parameter slots (what may appear,
 * how often, where it is stored in struct rsp_msg).  The decoder and
 * the encoder both walk these tables; no message has code of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"

enum fixed { F_END = 0, F_SENDER, F_RECEIVER, F_TARGET, F_ACTION };

/* Where a slot's parameters go in struct rsp_msg. */
enum store {
	S_HANDLE,
	S_PE_ID,
	S_HR_OPTION,
	S_CHECKSUM,
	S_POLICY,
	S_ERROR,
	S_COOKIE,
	S_PES,
	S_SERVERS,
	S_TRANSPORTS,
	S_POOLS, /* repeated (Pool Handle, PE 1..n) groups */
};

struct store_desc {
	unsigned mask;    /* parameter kinds accepted */
	unsigned present; /* RSP_HAS_ bit of a single parameter, 0: list */
};

static const struct store_desc stores[] = {
    [S_HANDLE] = {KM(K_HANDLE), RSP_HAS_HANDLE},
    [S_PE_ID] = {KM(K_PE_ID), RSP_HAS_PE_ID},
    [S_HR_OPTION] = {KM(K_HR_OPTION), RSP_HAS_HR_OPTION},
    [S_CHECKSUM] = {KM(K_CHECKSUM), RSP_HAS_CHECKSUM},
    [S_POLICY] = {KM(K_POLICY), RSP_HAS_POLICY},
    [S_ERROR] = {KM(K_ERROR), RSP_HAS_ERROR},
    [S_COOKIE] = {KM(K_COOKIE), RSP_HAS_COOKIE},
    [S_PES] = {KM(K_PE), 0},
    [S_SERVERS] = {KM(K_SERVER), 0},
    [S_TRANSPORTS] = {KM_TRANSPORT, 0},
    [S_POOLS] = {KM(K_HANDLE) | KM(K_PE), 0},
};

struct slot {
	uint8_t store;
	uint8_t min;
	uint16_t max;
};

#define MAXFIXED 3
#define MAXSLOTS 4

struct msg_desc {
	uint8_t proto, type;
	const char *name;
	uint8_t fixed[MAXFIXED];
	struct slot slots[MAXSLOTS];
	uint8_t nslots;
};

#define ONE(s)          \
	{               \
		s, 1, 1 \
	}
#define OPT(s)          \
	{               \
		s, 0, 1 \
	}
#define MANY(s, n)               \
	{                        \
		s, n, UINT16_MAX \
	}
#define SLOTS(...)     \
	{__VA_ARGS__}, \
	    (sizeof((struct slot[]){__VA_ARGS__}) / sizeof(struct slot))
#define NOSLOTS {{0, 0, 0}}, 0
#define ASAP(t) RSP_PROTO_ASAP, ASAP_##t, #t
#define ENRP(t) RSP_PROTO_ENRP, ENRP_##t, #t
#define PEERS                        \
	{                            \
		F_SENDER, F_RECEIVER \
	}
#define TAKEOVER                               \
	{                                      \
		F_SENDER, F_RECEIVER, F_TARGET \
	}

static const struct msg_desc msgs[] = {
    {ASAP(REGISTRATION), {F_END}, SLOTS(ONE(S_HANDLE), ONE(S_PES))},
    {ASAP(DEREGISTRATION), {F_END}, SLOTS(ONE(S_HANDLE), ONE(S_PE_ID))},
    {ASAP(REGISTRATION_RESPONSE), {F_END},
        SLOTS(ONE(S_HANDLE), ONE(S_PE_ID), OPT(S_ERROR))},
    {ASAP(DEREGISTRATION_RESPONSE), {F_END},
        SLOTS(ONE(S_HANDLE), ONE(S_PE_ID), OPT(S_ERROR))},
    {ASAP(HANDLE_RESOLUTION), {F_END}, SLOTS(ONE(S_HANDLE), OPT(S_HR_OPTION))},
    /* Positive: policy (RFC optional, RSPLIB required) + PEs;
	 * negative: an operation error. */
    {ASAP(HANDLE_RESOLUTION_RESPONSE), {F_END},
        SLOTS(ONE(S_HANDLE), OPT(S_POLICY), MANY(S_PES, 0), OPT(S_ERROR))},
    /* RSPLIB adds the PE identifier (docs/wire.md 3.3.7). */
    {ASAP(ENDPOINT_KEEP_ALIVE), {F_SENDER}, SLOTS(ONE(S_HANDLE), OPT(S_PE_ID))},
    {ASAP(ENDPOINT_KEEP_ALIVE_ACK), {F_END},
        SLOTS(ONE(S_HANDLE), ONE(S_PE_ID))},
    {ASAP(ENDPOINT_UNREACHABLE), {F_END}, SLOTS(ONE(S_HANDLE), ONE(S_PE_ID))},
    {ASAP(SERVER_ANNOUNCE), {F_SENDER}, SLOTS(MANY(S_TRANSPORTS, 0))},
    {ASAP(COOKIE), {F_END}, SLOTS(ONE(S_COOKIE))},
    {ASAP(COOKIE_ECHO), {F_END}, SLOTS(ONE(S_COOKIE))},
    /* RFC: PH, PEs; the RSPLIB creator puts a policy in between. */
    {ASAP(BUSINESS_CARD), {F_END},
        SLOTS(ONE(S_HANDLE), OPT(S_POLICY), MANY(S_PES, 1))},
    {ASAP(ERROR), {F_END}, SLOTS(ONE(S_ERROR))},
    /* RSPLIB requires the server information (docs/wire.md 4.4.1). */
    {ENRP(PRESENCE), PEERS, SLOTS(ONE(S_CHECKSUM), ONE(S_SERVERS))},
    {ENRP(HANDLE_TABLE_REQUEST), PEERS, NOSLOTS},
    {ENRP(HANDLE_TABLE_RESPONSE), PEERS, SLOTS(MANY(S_POOLS, 0))},
    {ENRP(HANDLE_UPDATE), {F_SENDER, F_RECEIVER, F_ACTION},
        SLOTS(ONE(S_HANDLE), ONE(S_PES))},
    {ENRP(LIST_REQUEST), PEERS, NOSLOTS},
    {ENRP(LIST_RESPONSE), PEERS, SLOTS(MANY(S_SERVERS, 0))},
    {ENRP(INIT_TAKEOVER), TAKEOVER, NOSLOTS},
    {ENRP(INIT_TAKEOVER_ACK), TAKEOVER, NOSLOTS},
    {ENRP(TAKEOVER_SERVER), TAKEOVER, NOSLOTS},
    {RSP_PROTO_ENRP, ENRP_ERROR, "ERROR", PEERS, SLOTS(ONE(S_ERROR))},
};

#define NMSGS (sizeof(msgs) / sizeof(msgs[0]))

static const struct msg_desc *
msg_desc(int proto, int type)
{
	size_t i;

	for (i = 0; i < NMSGS; i++)
		if (msgs[i].proto == proto && msgs[i].type == type)
			return &msgs[i];
	return NULL;
}

const char *
rsp_msg_name(int proto, int type)
{
	const struct msg_desc *md = msg_desc(proto, type);

	return md != NULL ? md->name : "UNKNOWN";
}

/* The first kind a slot accepts, to name a missing parameter. */
static uint16_t
slot_param(const struct slot *s)
{
	enum pkind k;

	for (k = K_NONE + 1; k < K_COUNT; k++)
		if (stores[s->store].mask & KM(k))
			return param_by_kind(k)->type;
	return 0;
}

/* Decoding */

static int
decode_fixed(struct dctx *c, const struct msg_desc *md, struct buf *w)
{
	struct rsp_msg *m = c->m;
	uint16_t reserved;
	int i, r = 0;

	for (i = 0; i < MAXFIXED && md->fixed[i] != F_END; i++) {
		uint32_t at = (uint32_t)buf_offset(w);

		switch (md->fixed[i]) {
		case F_SENDER:
			r = buf_get_n32(w, &m->sender);
			break;
		case F_RECEIVER:
			r = buf_get_n32(w, &m->receiver);
			break;
		case F_TARGET:
			r = buf_get_n32(w, &m->target);
			break;
		case F_ACTION: /* action + 16 reserved bits, ignored */
			r = buf_get_n16(w, &m->action);
			if (r == 0)
				r = buf_get_n16(w, &reserved);
			break;
		}
		if (r == -1)
			return derr(c, RSP_DERR_TRUNCATED, at, 0);
	}
	return 0;
}

/* Reserve the array of a list slot, sized by counting ahead. */
static void *
list_alloc(struct dctx *c, const struct buf *at, unsigned mask, size_t elem,
    size_t *cap, uint32_t offset)
{
	*cap = tlv_count(c, at, mask);
	if (*cap == 0)
		*cap = 1;
	return arena_alloc(c, *cap * elem, offset);
}

static int
store_pool(struct dctx *c, const struct tlv *t, const struct buf *at)
{
	struct rsp_msg *m = c->m;
	struct rsp_pool_entry *p;

	if (t->kind == K_HANDLE) {
		if (m->npools > 0 && m->pools[m->npools - 1].npes == 0)
			return derr(c, RSP_DERR_MISSING, t->offset,
			    RSP_PARAM_POOL_ELEMENT);
		if (m->pools == NULL &&
		    (m->pools = list_alloc(c, at, stores[S_POOLS].mask,
		         sizeof(*m->pools), &c->cap_pools, t->offset)) == NULL)
			return -1;
		if (m->npools >= c->cap_pools)
			return derr_tlv(c, RSP_DERR_UNEXPECTED, t->offset, t);
		p = &m->pools[m->npools++];
		return param_decode(c, t, 1, &p->handle);
	}
	if (m->npools == 0)
		return derr(
		    c, RSP_DERR_MISSING, t->offset, RSP_PARAM_POOL_HANDLE);
	p = &m->pools[m->npools - 1];
	if (p->pes == NULL &&
	    (p->pes = list_alloc(c, at, KM(K_PE), sizeof(*p->pes),
	         &c->cap_pool_pes, t->offset)) == NULL)
		return -1;
	if (p->npes >= c->cap_pool_pes)
		return derr_tlv(c, RSP_DERR_UNEXPECTED, t->offset, t);
	return param_decode(c, t, 1, &p->pes[p->npes++]);
}

/* Append t to list `arr` of `n` elements (capacity counted at `at`);
 * returns from store_param() with its result. */
#define STORE_LIST(arr, n, cap)                                                \
	do {                                                                   \
		if ((arr) == NULL &&                                           \
		    ((arr) = list_alloc(c, at, stores[st].mask,                \
		         sizeof(*(arr)), &(cap), t->offset)) == NULL)          \
			return -1;                                             \
		if ((n) >= (cap))                                              \
			return derr_tlv(c, RSP_DERR_UNEXPECTED, t->offset, t); \
		return param_decode(c, t, 1, &(arr)[(n)++]);                   \
	} while (0)

static int
store_param(
    struct dctx *c, enum store st, const struct tlv *t, const struct buf *at)
{
	struct rsp_msg *m = c->m;
	void *obj = NULL;

	switch (st) {
	case S_HANDLE:
		obj = &m->handle;
		break;
	case S_PE_ID:
		obj = &m->pe_id;
		break;
	case S_HR_OPTION:
		obj = &m->hr_items;
		break;
	case S_CHECKSUM:
		obj = &m->checksum;
		break;
	case S_POLICY:
		obj = &m->policy;
		break;
	case S_ERROR:
		obj = &m->error;
		break;
	case S_COOKIE:
		obj = &m->cookie;
		break;
	case S_PES:
		STORE_LIST(m->pes, m->npes, c->cap_pes);
	case S_SERVERS:
		STORE_LIST(m->servers, m->nservers, c->cap_servers);
	case S_TRANSPORTS:
		STORE_LIST(m->transports, m->ntransports, c->cap_transports);
	case S_POOLS:
		return store_pool(c, t, at);
	}
	m->present |= stores[st].present;
	return param_decode(c, t, 1, obj);
}

/*
 * Find the slot for kind k at or after slot `cur` (parameters are
 * strictly ordered, as RSPLIB parses them).  Returns the slot index,
 * or -1 with the error set.
 */
static int
find_slot(struct dctx *c, const struct msg_desc *md, int cur,
    const uint16_t *count, const struct tlv *t)
{
	int j, dup = -1, blocked = -1;

	for (j = 0; j < md->nslots; j++) {
		const struct slot *s = &md->slots[j];
		int match = (stores[s->store].mask & KM(t->kind)) != 0;

		if (match && s->max == 1 && count[j] == 1)
			dup = j;
		if (j < cur || blocked >= 0)
			continue;
		if (match && count[j] < s->max)
			return j;
		if (count[j] < s->min)
			blocked = j;
	}
	if (dup >= 0)
		return derr_tlv(c, RSP_DERR_DUPLICATE, t->offset, t);
	if (blocked >= 0)
		return derr(c, RSP_DERR_MISSING, t->offset,
		    slot_param(&md->slots[blocked]));
	return derr_tlv(c, RSP_DERR_UNEXPECTED, t->offset, t);
}

static int
decode_slots(struct dctx *c, const struct msg_desc *md, struct buf *w)
{
	uint16_t count[MAXSLOTS] = {0};
	struct buf at;
	struct tlv t;
	int cur = 0, j, r;

	for (;;) {
		at = *w;
		if ((r = tlv_next(c, w, 1, &t)) <= 0)
			break;
		if ((j = find_slot(c, md, cur, count, &t)) == -1)
			return -1;
		cur = j;
		count[j]++;
		if (store_param(c, md->slots[j].store, &t, &at) == -1)
			return -1;
	}
	if (r == -1)
		return -1;
	for (j = cur; j < md->nslots; j++)
		if (count[j] < md->slots[j].min)
			return derr(c, RSP_DERR_MISSING,
			    (uint32_t)buf_offset(w), slot_param(&md->slots[j]));
	if (c->m->npools > 0 && c->m->pools[c->m->npools - 1].npes == 0)
		return derr(c, RSP_DERR_MISSING, (uint32_t)buf_offset(w),
		    RSP_PARAM_POOL_ELEMENT);
	return 0;
}

/*
 * Message length and the bytes after it: RSPLIB includes the final
 * padding; an RFC sender may exclude it, and may or may not send it.
 */
static int
decode_length(struct dctx *c, uint16_t mlen, size_t len)
{
	struct buf b;
	size_t pad = (4 - (mlen & 3)) & 3;

	if (mlen < 4)
		return derr(c, RSP_DERR_BAD_LENGTH, 2, 0);
	if (mlen > len)
		return derr(c, RSP_DERR_TRUNCATED, (uint32_t)len, 0);
	c->m->tail_unpadded = pad ? 1 : 0;
	if (len == mlen)
		return 0;
	buf_init(&b, c->msg, len);
	buf_skip(&b, mlen);
	if (pad && len - mlen == pad) {
		if (!buf_is_zero(&b, pad))
			return derr(c, RSP_DERR_BAD_PADDING, mlen, 0);
		c->m->tail_unpadded = 2;
		return 0;
	}
	return derr(c, RSP_DERR_MISALIGNED, mlen, 0);
}

static int
decode_msg(struct dctx *c, struct buf *b)
{
	const struct msg_desc *md;
	struct rsp_msg *m = c->m;
	uint16_t mlen;
	struct buf w;

	if (buf_get_n8(b, &m->type) == -1 || buf_get_n8(b, &m->flags) == -1 ||
	    buf_get_n16(b, &mlen) == -1)
		return derr(c, RSP_DERR_TRUNCATED, 0, 0);
	if ((md = msg_desc(c->proto, m->type)) == NULL) {
		/* Upper bits 01: report (RFC 5354); RSPLIB never does. */
		derr(c, RSP_DERR_UNKNOWN_TYPE, 0, 0);
		c->err->report = (m->type & 0xc0) == 0x40;
		c->err->tlv_len = (uint32_t)c->msglen;
		return -1;
	}
	if (decode_length(c, mlen, c->msglen) == -1)
		return -1;
	c->arena_len = 16 * c->msglen + 1024;
	if ((c->arena = malloc(c->arena_len)) == NULL)
		return derr(c, RSP_DERR_NOMEM, 0, 0);
	m->arena = c->arena;
	buf_get_sub(b, mlen - 4, &w);
	if (decode_fixed(c, md, &w) == -1)
		return -1;
	return decode_slots(c, md, &w);
}

int
rsp_msg_decode_depth(int proto, int dialect, const void *data, size_t len,
    struct rsp_msg *m, struct rsp_decode_error *err, int max_depth)
{
	struct dctx c;
	struct buf b;

	memset(m, 0, sizeof(*m));
	memset(err, 0, sizeof(*err));
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.err = err;
	c.proto = proto;
	c.dialect = dialect;
	c.max_depth = max_depth;
	c.msg = data;
	c.msglen = len > RSP_MSG_MAX + 3 ? RSP_MSG_MAX + 3 : len;
	m->proto = (uint8_t)proto;
	m->dialect = (uint8_t)dialect;
	buf_init(&b, data, c.msglen);
	if (len > c.msglen) { /* no 16-bit length can cover it */
		derr(&c, RSP_DERR_OVERSIZED, 2, 0);
	} else if (decode_msg(&c, &b) == 0)
		return 0;
	rsp_msg_free(m);
	errno = err->code == RSP_DERR_NOMEM ? ENOMEM : EBADMSG;
	return -1;
}

int
rsp_msg_decode_dialect(int proto, int dialect, const void *data, size_t len,
    struct rsp_msg *m, struct rsp_decode_error *err)
{
	return rsp_msg_decode_depth(
	    proto, dialect, data, len, m, err, RSP_MAX_DEPTH);
}

int
rsp_msg_decode(int proto, const void *data, size_t len, struct rsp_msg *m,
    struct rsp_decode_error *err)
{
	return rsp_msg_decode_dialect(
	    proto, RSP_DIALECT_RFC, data, len, m, err);
}

void
rsp_msg_free(struct rsp_msg *m)
{
	free(m->arena);
	memset(m, 0, sizeof(*m));
}

void
rsp_msg_init(struct rsp_msg *m, int proto, int type)
{
	memset(m, 0, sizeof(*m));
	m->proto = (uint8_t)proto;
	m->type = (uint8_t)type;
}

/* Encoding */

static void
encode_fixed(struct ectx *e, const struct msg_desc *md, const struct rsp_msg *m)
{
	int i;

	for (i = 0; i < MAXFIXED && md->fixed[i] != F_END; i++) {
		switch (md->fixed[i]) {
		case F_SENDER:
			wbuf_add_n32(e->w, m->sender);
			break;
		case F_RECEIVER:
			wbuf_add_n32(e->w, m->receiver);
			break;
		case F_TARGET:
			wbuf_add_n32(e->w, m->target);
			break;
		case F_ACTION:
			wbuf_add_n16(e->w, m->action);
			wbuf_add_n16(e->w, 0);
			break;
		}
	}
}

static size_t
encode_pools(struct ectx *e, const struct rsp_msg *m)
{
	size_t pad = 0;
	uint16_t i, j;

	if (m->npools && m->pools == NULL) {
		enc_fail(e->w, EINVAL);
		return 0;
	}
	for (i = 0; i < m->npools; i++) {
		const struct rsp_pool_entry *p = &m->pools[i];

		if (p->npes == 0 || p->pes == NULL) {
			enc_fail(e->w, EINVAL);
			return 0;
		}
		param_encode(e, K_HANDLE, &p->handle);
		for (j = 0; j < p->npes; j++)
			pad = param_encode(e, K_PE, &p->pes[j]);
	}
	return pad;
}

/* The kind of list element i of a transport slot. */
static enum pkind
list_kind(enum store st, const struct rsp_msg *m, uint16_t i)
{
	switch (st) {
	case S_PES:
		return K_PE;
	case S_SERVERS:
		return K_SERVER;
	default:
		return transport_kind(m->transports[i].ptype);
	}
}

static const void *
list_elem(enum store st, const struct rsp_msg *m, uint16_t i)
{
	switch (st) {
	case S_PES:
		return &m->pes[i];
	case S_SERVERS:
		return &m->servers[i];
	default:
		return &m->transports[i];
	}
}

static uint16_t
list_count(enum store st, const struct rsp_msg *m, const void **arr)
{
	switch (st) {
	case S_PES:
		*arr = m->pes;
		return m->npes;
	case S_SERVERS:
		*arr = m->servers;
		return m->nservers;
	case S_TRANSPORTS:
		*arr = m->transports;
		return m->ntransports;
	default:
		*arr = m->pools;
		return m->npools;
	}
}

static const void *
single_obj(enum store st, const struct rsp_msg *m)
{
	switch (st) {
	case S_HANDLE:
		return &m->handle;
	case S_PE_ID:
		return &m->pe_id;
	case S_HR_OPTION:
		return &m->hr_items;
	case S_CHECKSUM:
		return &m->checksum;
	case S_POLICY:
		return &m->policy;
	case S_ERROR:
		return &m->error;
	default:
		return &m->cookie;
	}
}

/* Emit one slot; *pad is the padding after the last TLV written. */
static void
encode_slot(
    struct ectx *e, const struct slot *s, const struct rsp_msg *m, size_t *pad)
{
	const struct store_desc *sd = &stores[s->store];
	const void *arr;
	uint16_t i, n;

	if (sd->present) {
		n = (m->present & sd->present) ? 1 : 0;
		if (n < s->min) {
			enc_fail(e->w, EINVAL);
			return;
		}
		if (n)
			*pad =
			    param_encode(e, (enum pkind)__builtin_ctz(sd->mask),
			        single_obj(s->store, m));
		return;
	}
	n = list_count(s->store, m, &arr);
	if (n < s->min || n > s->max || (n && arr == NULL)) {
		enc_fail(e->w, EINVAL);
		return;
	}
	if (s->store == S_POOLS) {
		if (n)
			*pad = encode_pools(e, m);
		return;
	}
	for (i = 0; i < n; i++)
		*pad = param_encode(
		    e, list_kind(s->store, m, i), list_elem(s->store, m, i));
}

int
rsp_msg_encode(const struct rsp_msg *m, struct wbuf *w)
{
	const struct msg_desc *md = msg_desc(m->proto, m->type);
	struct ectx e = {w, m->dialect, m->proto};
	size_t start = w->len, total, pad = 0;
	int i;

	if (md == NULL) {
		errno = EINVAL;
		return -1;
	}
	wbuf_add_n8(w, m->type);
	wbuf_add_n8(w, m->flags);
	wbuf_add_n16(w, 0);
	encode_fixed(&e, md, m);
	for (i = 0; i < md->nslots; i++)
		encode_slot(&e, &md->slots[i], m, &pad);
	total = w->len - start;
	if (wbuf_error(w) == 0 && total > RSP_MSG_MAX)
		enc_fail(w, ERANGE);
	if (wbuf_error(w)) {
		errno = wbuf_error(w);
		return -1;
	}
	if (m->tail_unpadded && pad) { /* RFC style: length w/o padding */
		total -= pad;
		if (m->tail_unpadded == 1)
			w->len -= pad;
	}
	wbuf_set_n16(w, start + 2, (uint32_t)total);
	return 0;
}
