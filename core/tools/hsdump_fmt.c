/*
 * rsp hsdump's table and printers (see hsdump_fmt.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/tools/hsdump_fmt.h"
#include "proto/wire.h"

/*
 * One output line built by hand: the PE lines are most of a large dump,
 * and printf's format interpretation per field cost more than the whole
 * handle table transfer (callgrind: 60 % of hsdump's instructions).
 */
struct ln {
	FILE *f; /* where a full buffer goes: no line is ever cut */
	char b[1024];
	size_t n;
};

static void
ln_out(struct ln *l)
{
	fwrite(l->b, 1, l->n, l->f);
	l->n = 0;
}

static void
ln_s(struct ln *l, const char *s)
{
	size_t k = strlen(s), room;

	while (k > (room = sizeof(l->b) - l->n)) { /* 64 IPv6 addresses */
		memcpy(l->b + l->n, s, room);
		l->n += room;
		ln_out(l);
		s += room;
		k -= room;
	}
	memcpy(l->b + l->n, s, k);
	l->n += k;
}

/* v in decimal, or in 8 hex digits after prefix when prefix != NULL. */
static void
ln_u(struct ln *l, const char *prefix, uint32_t v)
{
	char d[16], *p = d + sizeof(d);
	int i;

	*--p = 0;
	if (prefix != NULL) {
		for (i = 0; i < 8; i++, v >>= 4)
			*--p = "0123456789abcdef"[v & 15];
		ln_s(l, prefix);
	} else
		do
			*--p = (char)('0' + v % 10);
		while (v /= 10);
	ln_s(l, p);
}

void
hsd_init(struct hsd_table *t, uint32_t self)
{
	memset(t, 0, sizeof(*t));
	t->self = self;
}

void
hsd_free(struct hsd_table *t)
{
	size_t i;

	for (i = 0; i < t->nmsgs; i++)
		rsp_msg_free(&t->msgs[i]);
	free(t->msgs);
	free(t->e);
	free(t->owners);
	memset(t, 0, sizeof(*t));
}

/* Move *m into the table; the returned copy stays valid until hsd_free
 * (its lists live in its arena, not in the array). */
static struct rsp_msg *
keep_msg(struct hsd_table *t, struct rsp_msg *m)
{
	struct rsp_msg *p;
	size_t cap;

	if (t->nmsgs == t->msgcap) {
		cap = t->msgcap ? 2 * t->msgcap : 8;
		if ((p = realloc(t->msgs, cap * sizeof(*p))) == NULL) {
			rsp_msg_free(m);
			return NULL;
		}
		t->msgs = p;
		t->msgcap = cap;
	}
	p = &t->msgs[t->nmsgs++];
	*p = *m;
	memset(m, 0, sizeof(*m));
	return p;
}

static int
add_entry(
    struct hsd_table *t, const struct rsp_handle *h, const struct rsp_pe *pe)
{
	struct hsd_entry *e;
	size_t cap;

	if (t->n == t->cap) {
		cap = t->cap ? 2 * t->cap : 64;
		if ((e = realloc(t->e, cap * sizeof(*e))) == NULL)
			return -1;
		t->e = e;
		t->cap = cap;
	}
	t->e[t->n].handle = h;
	t->e[t->n].pe = pe;
	t->e[t->n].seq = t->n;
	t->n++;
	return 0;
}

int
hsd_add_response(struct hsd_table *t, struct rsp_msg *m)
{
	const struct rsp_msg *k;
	size_t i, j;

	if ((k = keep_msg(t, m)) == NULL)
		return -1;
	t->registrar = k->sender;
	t->responses++;
	for (i = 0; i < k->npools; i++)
		for (j = 0; j < k->pools[i].npes; j++)
			if (add_entry(t, &k->pools[i].handle,
			        &k->pools[i].pes[j]) == -1)
				return -1;
	return 0;
}

int
hsd_add_peers(struct hsd_table *t, struct rsp_msg *m)
{
	const struct rsp_msg *k;

	if ((k = keep_msg(t, m)) == NULL)
		return -1;
	t->has_peers = 1;
	t->peers = k->servers;
	t->npeers = k->nservers;
	return 0;
}

static int
entry_cmp(const void *pa, const void *pb)
{
	const struct hsd_entry *a = pa, *b = pb;
	int c = rsp_handle_cmp(a->handle, b->handle);

	if (c != 0)
		return c;
	if (a->pe->id != b->pe->id)
		return a->pe->id < b->pe->id ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Word sum of one PE's checksum block: handle padded to even length,
 * then the PE ID, as big-endian 16-bit words (docs/wire.md 4.6). */
static uint32_t
pe_sum(const struct rsp_handle *h, uint32_t id)
{
	return rsp_checksum_handle(h) + (id >> 16) + (id & 0xffff);
}

static int
owner_cmp(const void *pa, const void *pb)
{
	const struct hsd_owner *a = pa, *b = pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

static struct hsd_owner *
owner_find(const struct hsd_table *t, uint32_t id)
{
	size_t i;

	for (i = 0; i < t->nowners; i++)
		if (t->owners[i].id == id)
			return &t->owners[i];
	return NULL;
}

/* Owners are few (one per registrar of the operation scope). */
static int
count_owners(struct hsd_table *t)
{
	struct hsd_owner *o;
	size_t i;

	free(t->owners);
	t->owners = NULL;
	t->nowners = 0;
	if (t->n > 0 && (t->owners = calloc(t->n, sizeof(*o))) == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		if ((o = owner_find(t, t->e[i].pe->home)) == NULL) {
			o = &t->owners[t->nowners++];
			o->id = t->e[i].pe->home;
		}
		o->npes++;
		o->sum += pe_sum(t->e[i].handle, t->e[i].pe->id);
	}
	if (t->nowners > 1)
		qsort(t->owners, t->nowners, sizeof(*t->owners), owner_cmp);
	return 0;
}

int
hsd_finish(struct hsd_table *t)
{
	size_t i, n = 0;

	if (t->n > 1)
		qsort(t->e, t->n, sizeof(*t->e), entry_cmp);
	/* Equal (handle, ID) runs end with the latest copy: keep that. */
	for (i = 0; i < t->n; i++) {
		if (i + 1 < t->n &&
		    rsp_handle_cmp(t->e[i].handle, t->e[i + 1].handle) == 0 &&
		    t->e[i].pe->id == t->e[i + 1].pe->id)
			continue;
		t->e[n++] = t->e[i];
	}
	t->n = n;
	t->npools = 0;
	for (i = 0; i < t->n; i++)
		if (i == 0 ||
		    rsp_handle_cmp(t->e[i - 1].handle, t->e[i].handle))
			t->npools++;
	return count_owners(t);
}

uint16_t
hsd_checksum(const struct hsd_table *t, uint32_t owner)
{
	const struct hsd_owner *o = owner_find(t, owner);

	return rsp_checksum_fold(o ? o->sum : 0);
}

uint16_t
hsd_checksum_all(const struct hsd_table *t)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < t->nowners; i++)
		sum += t->owners[i].sum;
	return rsp_checksum_fold(sum);
}

/* ---- shared helpers ---- */

/* Plain handles as they are, others as 0x hex (as asapcat prints). */
static void
print_handle(FILE *f, const struct rsp_handle *h)
{
	char s[2 * RSP_HANDLE_MAX + 3];

	rsp_handle_str(h, s, sizeof(s));
	fputs(s, f);
}

static const char *
host_str(const struct rsp_addr *a, char *buf, size_t len)
{
	struct sockaddr_storage ss;

	if (addr_from_rsp(a, 0, &ss) == -1)
		return "?";
	return addr_fmt_host((struct sockaddr *)&ss, buf, len);
}

static void
print_hosts(struct ln *l, const struct rsp_transport *t, const char *sep)
{
	char host[ADDR_FMT_LEN];
	int i, k;

	for (i = 0; i < t->naddrs; i++) {
		if (i)
			ln_s(l, sep);
		if (t->addrs[i].family == AF_INET) /* the common case, fast */
			for (k = 0; k < 4; k++) {
				if (k)
					ln_s(l, ".");
				ln_u(l, NULL, t->addrs[i].a[k]);
			}
		else
			ln_s(l, host_str(&t->addrs[i], host, sizeof(host)));
	}
}

static const char *
policy_field(const struct rsp_policy_info *pi, int i)
{
	return pi && i < RSP_POLICY_FIELDS && pi->fields[i] ? pi->fields[i]
	                                                    : "value";
}

static const char *
policy_rsplib_name(const struct rsp_policy *p)
{
	const struct rsp_policy_info *pi = rsp_policy_info(p->type);

	return pi ? pi->rsplib : "Unknown";
}

/* ---- text: laid out like RSPLIB's hsdump ---- */

/*
 * RSPLIB's transport address block: "{192.0.2.1, ::1} 7/SCTP", with
 * "+CtrlCh" for a data+control user transport.
 */
static void
text_transport(struct ln *l, const char *label, const struct rsp_transport *t)
{
	ln_s(l, "     ");
	ln_s(l, label);
	ln_s(l, "{");
	print_hosts(l, t, ", ");
	ln_s(l, "} ");
	ln_u(l, NULL, t->port);
	ln_s(l, "/");
	ln_s(l, rsp_transport_name(t->ptype, 1));
	if (t->ptype != RSP_PARAM_UDP && t->use == RSP_TRANSPORT_DATA_CONTROL)
		ln_s(l, "+CtrlCh");
	ln_s(l, "\n");
}

static void
text_policy(struct ln *l, const struct rsp_policy *p)
{
	const struct rsp_policy_info *pi = rsp_policy_info(p->type);
	int i;

	ln_s(l, "     policy=");
	ln_s(l, policy_rsplib_name(p));
	if (pi == NULL) {
		ln_u(l, "($", p->type);
		ln_s(l, ")");
	}
	for (i = 0; i < p->nvalues && i < RSP_POLICY_FIELDS; i++) {
		ln_s(l, " ");
		ln_s(l, policy_field(pi, i));
		ln_s(l, "=");
		ln_u(l, NULL, p->v[i]);
	}
	ln_s(l, "\n");
}

/* Checksums in wire order (RSPLIB prints them in host order, so its
 * $0000f2cb is our $0000cbf2 on a little-endian machine). */
static void
text_pe(FILE *f, size_t idx, const struct hsd_entry *e)
{
	const struct rsp_pe *pe = e->pe;
	struct ln l = {.f = f, .n = 0};

	fprintf(f, "   - idx:#%04zu: $%08x\n", idx, pe->id);
	ln_u(&l, "     chsum=$", rsp_checksum_fold(pe_sum(e->handle, pe->id)));
	ln_u(&l, " home=$", pe->home);
	ln_s(&l, " life=");
	ln_u(&l, NULL, pe->life);
	ln_s(&l, "ms\n");
	text_policy(&l, &pe->policy);
	if (pe->user.naddrs > 0)
		text_transport(&l, "userT: ", &pe->user);
	if (pe->has_asap && pe->asap.naddrs > 0)
		text_transport(&l, "regT:  ", &pe->asap);
	ln_out(&l);
}

static size_t
pool_size(const struct hsd_table *t, size_t i)
{
	size_t j = i;

	while (j < t->n && rsp_handle_cmp(t->e[i].handle, t->e[j].handle) == 0)
		j++;
	return j - i;
}

static void
text_peers(FILE *f, const struct hsd_table *t)
{
	size_t i;

	if (!t->has_peers)
		return;
	fprintf(f, "PeerList of $%08x (%zu peers)\n", t->registrar, t->npeers);
	fprintf(f, " +-- Peers by Index:\n");
	for (i = 0; i < t->npeers; i++) {
		struct ln l = {.f = f, .n = 0};

		fprintf(f, "   - idx:#%04zu: $%08x\n", i + 1, t->peers[i].id);
		if (t->peers[i].has_transport)
			text_transport(
			    &l, "   addrs: ", &t->peers[i].transport);
		ln_out(&l);
	}
}

/* The pool's protocol and control channel, from its first PE as
 * RSPLIB takes them from the first registration. */
static void
text_pool(FILE *f, const struct hsd_table *t, size_t i, size_t n)
{
	const struct rsp_pe *pe = t->e[i].pe;
	size_t j;

	fprintf(f, " +-- Pool \"");
	print_handle(f, t->e[i].handle);
	fprintf(f, "\", Policy \"%s\", Protocol %s, CtrlCh=%s: (%zu nodes)\n",
	    policy_rsplib_name(&pe->policy),
	    rsp_transport_name(pe->user.ptype, 1),
	    pe->user.use == RSP_TRANSPORT_DATA_CONTROL ? "yes" : "no", n);
	fprintf(f, " +-- Index:\n");
	for (j = i; j < i + n; j++)
		text_pe(f, j - i + 1, &t->e[j]);
}

static void
print_text(FILE *f, const struct hsd_table *t)
{
	size_t i, n;

	text_peers(f, t);
	fprintf(f,
	    "Handlespace[registrar=$%08x]: (%zu Pools, %zu PoolElements)\n",
	    t->registrar, t->npools, t->n);
	fprintf(f, "-- Checksums: Handlespace=$%08x", hsd_checksum_all(t));
	for (i = 0; i < t->nowners; i++)
		fprintf(f, ", home $%08x=$%08x (%zu PEs)", t->owners[i].id,
		    hsd_checksum(t, t->owners[i].id), t->owners[i].npes);
	fprintf(f, "\n*-- Index:\n");
	for (i = 0; i < t->n; i += n) {
		n = pool_size(t, i);
		text_pool(f, t, i, n);
	}
}

/* ---- kv: one PE per line, then owners, then the summary ---- */

/* "sctp:7/10.1.1.1,10.1.1.2/data+control" (asapcat's form) */
static void
kv_transport(struct ln *l, const char *key, const struct rsp_transport *t)
{
	ln_s(l, " ");
	ln_s(l, key);
	ln_s(l, "=");
	ln_s(l, rsp_transport_name(t->ptype, 0));
	ln_s(l, ":");
	ln_u(l, NULL, t->port);
	ln_s(l, "/");
	print_hosts(l, t, ",");
	if (t->ptype != RSP_PARAM_UDP)
		ln_s(l, t->use == RSP_TRANSPORT_DATA_CONTROL ? "/data+control"
		                                             : "/data");
}

static void
kv_pe(FILE *f, const struct hsd_entry *e)
{
	const struct rsp_policy_info *pi = rsp_policy_info(e->pe->policy.type);
	const struct rsp_pe *pe = e->pe;
	struct ln l = {.f = f, .n = 0};
	int i;

	ln_s(&l, "pool=");
	if (rsp_handle_is_plain(e->handle)) { /* RSP_HANDLE_MAX: it fits */
		memcpy(l.b + l.n, e->handle->bytes, e->handle->len);
		l.n += e->handle->len;
	} else {
		ln_out(&l);
		print_handle(f, e->handle);
	}
	ln_u(&l, " pe=0x", pe->id);
	ln_u(&l, " home=0x", pe->home);
	ln_s(&l, " life=");
	ln_u(&l, NULL, pe->life);
	ln_s(&l, " policy=");
	ln_s(&l, policy_rsplib_name(&pe->policy));
	for (i = 0; i < pe->policy.nvalues && i < RSP_POLICY_FIELDS; i++) {
		ln_s(&l, " policy.");
		ln_s(&l, policy_field(pi, i));
		ln_s(&l, "=");
		ln_u(&l, NULL, pe->policy.v[i]);
	}
	kv_transport(&l, "transport", &pe->user);
	if (pe->has_asap)
		kv_transport(&l, "asap", &pe->asap);
	ln_s(&l, "\n");
	ln_out(&l);
}

static void
print_kv(FILE *f, const struct hsd_table *t)
{
	size_t i;

	for (i = 0; t->has_peers && i < t->npeers; i++) {
		struct ln l = {.f = f, .n = 0};

		ln_u(&l, "peer=0x", t->peers[i].id);
		if (t->peers[i].has_transport)
			kv_transport(&l, "enrp", &t->peers[i].transport);
		ln_s(&l, "\n");
		ln_out(&l);
	}
	for (i = 0; i < t->n; i++)
		kv_pe(f, &t->e[i]);
	for (i = 0; i < t->nowners; i++)
		fprintf(f, "owner=0x%08x pes=%zu checksum=0x%04x\n",
		    t->owners[i].id, t->owners[i].npes,
		    hsd_checksum(t, t->owners[i].id));
	fprintf(f,
	    "registrar=0x%08x pools=%zu pes=%zu owners=%zu responses=%u "
	    "checksum=0x%04x",
	    t->registrar, t->npools, t->n, t->nowners, t->responses,
	    hsd_checksum_all(t));
	if (t->has_peers)
		fprintf(f, " peers=%zu", t->npeers);
	fprintf(f, "\n");
}

/* ---- json ---- */

static void
json_handle(FILE *f, const struct rsp_handle *h)
{
	fputc('"', f);
	print_handle(f, h);
	fputc('"', f);
}

static void
json_transport(FILE *f, const struct rsp_transport *t)
{
	char host[ADDR_FMT_LEN];
	int i;

	fprintf(f, "{\"protocol\":\"%s\",\"port\":%u,\"addresses\":[",
	    rsp_transport_name(t->ptype, 0), t->port);
	for (i = 0; i < t->naddrs; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "",
		    host_str(&t->addrs[i], host, sizeof(host)));
	fprintf(f, "]");
	if (t->ptype != RSP_PARAM_UDP)
		fprintf(f, ",\"use\":\"%s\"",
		    t->use == RSP_TRANSPORT_DATA_CONTROL ? "data+control"
		                                         : "data");
	fprintf(f, "}");
}

static void
json_pe(FILE *f, const struct rsp_pe *pe)
{
	const struct rsp_policy_info *pi = rsp_policy_info(pe->policy.type);
	int i;

	fprintf(f,
	    "{\"id\":%u,\"home\":%u,\"life\":%u,\"policy\":{\"name\":\"%s\","
	    "\"type\":%u",
	    pe->id, pe->home, pe->life, policy_rsplib_name(&pe->policy),
	    pe->policy.type);
	for (i = 0; i < pe->policy.nvalues && i < RSP_POLICY_FIELDS; i++)
		fprintf(f, ",\"%s\":%u", policy_field(pi, i), pe->policy.v[i]);
	fprintf(f, "},\"transport\":");
	json_transport(f, &pe->user);
	if (pe->has_asap) {
		fprintf(f, ",\"asap\":");
		json_transport(f, &pe->asap);
	}
	fprintf(f, "}");
}

static void
json_pools(FILE *f, const struct hsd_table *t)
{
	size_t i, j, n;

	fprintf(f, "\"pools\":[");
	for (i = 0; i < t->n; i += n) {
		n = pool_size(t, i);
		fprintf(f, "%s{\"handle\":", i ? "," : "");
		json_handle(f, t->e[i].handle);
		fprintf(f, ",\"pes\":[");
		for (j = i; j < i + n; j++) {
			fprintf(f, "%s", j > i ? "," : "");
			json_pe(f, t->e[j].pe);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]");
}

static void
print_json(FILE *f, const struct hsd_table *t)
{
	size_t i;

	fprintf(f,
	    "{\"registrar\":%u,\"responses\":%u,\"pool_count\":%zu,"
	    "\"pe_count\":%zu,\"checksum\":%u,",
	    t->registrar, t->responses, t->npools, t->n, hsd_checksum_all(t));
	if (t->has_peers) {
		fprintf(f, "\"peers\":[");
		for (i = 0; i < t->npeers; i++) {
			fprintf(
			    f, "%s{\"id\":%u", i ? "," : "", t->peers[i].id);
			if (t->peers[i].has_transport) {
				fprintf(f, ",\"enrp\":");
				json_transport(f, &t->peers[i].transport);
			}
			fprintf(f, "}");
		}
		fprintf(f, "],");
	}
	fprintf(f, "\"owners\":[");
	for (i = 0; i < t->nowners; i++)
		fprintf(f, "%s{\"id\":%u,\"pes\":%zu,\"checksum\":%u}",
		    i ? "," : "", t->owners[i].id, t->owners[i].npes,
		    hsd_checksum(t, t->owners[i].id));
	fprintf(f, "],");
	json_pools(f, t);
	fprintf(f, "}\n");
}

void
hsd_print(FILE *f, const struct hsd_table *t, enum hsd_format format)
{
	switch (format) {
	case HSD_KV:
		print_kv(f, t);
		break;
	case HSD_JSON:
		print_json(f, t);
		break;
	default:
		print_text(f, t);
		break;
	}
}
