/*
 * The transport interface: options, backend choice and dispatch to the
 * backend of each endpoint (core/transport/internal.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/transport/internal.h"
#ifdef RSP_TLS
#include "core/transport/tcp_int.h"
#include "core/transport/tls/tr_tls.h"
#endif
#include "proto/wire.h"

struct tr_config tr_config = {.kind = TR_AUTO,
    .hb_interval = 30000,
    .hb_maxloss = 3,
    .max_assoc = TR_MAX_ASSOC_DEFAULT,
    .max_per_src = TR_MAX_PER_SRC_DEFAULT};

#define STR_(x) #x
#define STR(x)  STR_(x)

const struct tr_ops *tr_test_ops;

const struct opt tr_opts[] = {
    {"transport", OPT_CHOICE, "sctp|tcp|auto",
        OPT_HELP("transport: kernel SCTP, the TCP mapping, or auto: $" TR_ENV
                 " if set, else SCTP if available"),
        "auto", 0, 0, offsetof(struct tr_config, kind)},
    {"tcpheartbeatinterval", OPT_INT, "MS",
        OPT_HELP("TCP mapping: heartbeat interval in ms"), "30000", 10, 3600000,
        offsetof(struct tr_config, hb_interval)},
    {"tcpheartbeatmaxloss", OPT_INT, "N",
        OPT_HELP("TCP mapping: unanswered heartbeats before the association is "
                 "lost"),
        "3", 1, 1000, offsetof(struct tr_config, hb_maxloss)},
    {"maxassociations", OPT_INT, "N",
        OPT_HELP("associations a listening endpoint accepts; more are refused"),
        STR(TR_MAX_ASSOC_DEFAULT), 1, 100000000,
        offsetof(struct tr_config, max_assoc)},
    {"maxassociationspersource", OPT_INT, "N",
        OPT_HELP(
            "incoming associations from one IPv4 address or IPv6 /64; more "
            "are refused (0: no limit)"),
        STR(TR_MAX_PER_SRC_DEFAULT), 0, 100000000,
        offsetof(struct tr_config, max_per_src)},
#ifdef RSP_TLS
    {"tlskeyfile", OPT_STR, "FILE",
        OPT_HELP("TLS with the pre-shared keys of FILE (a registrar accepts "
                 "each, others offer the first line's)"),
        NULL, 0, 0, offsetof(struct tr_config, tls_keyfile)},
    {"tlscafile", OPT_STR, "FILE",
        OPT_HELP(
            "TLS, checking each registrar's certificate against the CAs of "
            "FILE (PEM) and its address"),
        NULL, 0, 0, offsetof(struct tr_config, tls_cafile)},
    {"tlsservername", OPT_STR, "NAME",
        OPT_HELP("with -tlscafile: the host name each registrar's certificate "
                 "must carry, instead of the address connected to"),
        NULL, 0, 0, offsetof(struct tr_config, tls_servername)},
#endif
    OPT_END,
};

#ifdef RSP_TLS
const struct opt tr_tls_server_opts[] = {
    {"tlscert", OPT_STR, "FILE",
        OPT_HELP(
            "TLS: this registrar's certificate chain (PEM), for pool users "
            "that check it (-tlscafile)"),
        NULL, 0, 0, offsetof(struct tr_config, tls_cert)},
    {"tlskey", OPT_STR, "FILE",
        OPT_HELP("TLS: the private key of -tlscert (PEM)"), NULL, 0, 0,
        offsetof(struct tr_config, tls_key)},
    OPT_END,
};
#endif

int
tr_sctp_available(void)
{
	int fd = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

/* Without the kernel's SCTP (no kmod-sctp, a module blocked by a
 * hardened host: socket() fails with EPROTONOSUPPORT) -transport=auto
 * is the TCP mapping: said once per process, at the default log level,
 * since the peers must then speak the TCP mapping too. */
static void
tr_log_no_sctp(int err)
{
	static int said;

	if (said)
		return;
	said = 1;
	log_notice("transport: kernel SCTP unavailable (%s), using the TCP "
	           "mapping (load the sctp module for SCTP)",
	    strerror(err));
}

int
tr_resolve(int kind)
{
	const char *env;

	if (kind != TR_AUTO)
		return kind;
	if ((env = getenv(TR_ENV)) != NULL && *env != '\0') {
		if (strcmp(env, "sctp") == 0 || strcmp(env, "tcp") == 0) {
			kind = env[0] == 's' ? TR_SCTP : TR_TCP;
			log_info("transport: %s from $%s", env, TR_ENV);
			return kind;
		}
		if (strcmp(env, "auto") != 0)
			log_warning("transport: $%s=%s ignored (not sctp, "
			            "tcp or auto)",
			    TR_ENV, env);
	}
	if (tr_sctp_available()) {
		log_info("transport: auto selected sctp");
		return TR_SCTP;
	}
	tr_log_no_sctp(errno);
	return TR_TCP;
}

const char *
tr_kind_name(int kind)
{
	switch (kind) {
	case TR_SCTP:
		return "sctp";
	case TR_TCP:
		return "tcp";
	case TR_AUTO:
		return "auto";
	}
	return "unknown";
}

int
tr_kind_for_param(uint16_t ptype)
{
	switch (ptype) {
	case RSP_PARAM_SCTP:
		return TR_SCTP;
	case RSP_PARAM_TCP:
		return TR_TCP;
	}
	return -1;
}

uint16_t
tr_param_for_kind(int kind)
{
	switch (kind) {
	case TR_SCTP:
		return RSP_PARAM_SCTP;
	case TR_TCP:
		return RSP_PARAM_TCP;
	}
	return 0;
}

static const char *const ev_names[] = {
    [TR_EV_UP] = "up",
    [TR_EV_MSG] = "msg",
    [TR_EV_LOST] = "lost",
    [TR_EV_SHUTDOWN] = "shutdown",
    [TR_EV_RESTART] = "restart",
    [TR_EV_CANT_START] = "cant-start",
    [TR_EV_SEND_FAILED] = "send-failed",
    [TR_EV_WRITABLE] = "writable",
};

const char *
tr_event_name(enum tr_ev_type type)
{
	if ((size_t)type >= sizeof(ev_names) / sizeof(ev_names[0]) ||
	    ev_names[type] == NULL)
		return "unknown";
	return ev_names[type];
}

void
tr_emit(struct tr_ep *ep, const struct tr_event *ev)
{
	log_debug(2, "%s: assoc %u: %s (ppid %u, %zu bytes, error %d)",
	    ep->ops->name, ev->assoc, tr_event_name(ev->type), ev->ppid,
	    ev->len, ev->error);
	ep->cb(ep, ev, ep->arg);
}

void
tr_addr_add(struct addr_list *out, const struct sockaddr *sa)
{
	socklen_t l = addr_len(sa);
	int i;

	if (l == 0 || out->n >= ADDR_MAX)
		return;
	for (i = 0; i < out->n; i++)
		if (memcmp(&out->a[i], sa, l) == 0)
			return;
	memset(&out->a[out->n], 0, sizeof(out->a[0]));
	memcpy(&out->a[out->n++], sa, l);
}

void
tr_log_refused(struct tr_ep *ep, const char *backend)
{
	uint64_t now = ev_now_ms(ep->loop);

	ep->refused++;
	if (ep->refused_log_ms != 0 && now - ep->refused_log_ms < 1000)
		return;
	log_warning("%s: %lu association(s) refused: -maxassociations=%lld "
	            "reached",
	    backend, ep->refused, ep->max_assoc);
	ep->refused = 0;
	ep->refused_log_ms = now ? now : 1;
}

uint32_t
tr_src_key(const struct sockaddr *sa)
{
	const uint8_t *b;
	uint32_t h = 2166136261u; /* FNV-1a over the /64 */
	int i;

	if (sa->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)sa)
		        ->sin_addr;
		h = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
	} else if (sa->sa_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		for (i = 0; i < 8; i++)
			h = (h ^ b[i]) * 16777619u;
	}
	return h ? h : 1;
}

int
tr_src_take(struct tr_ep *ep, const struct sockaddr *sa, uint32_t *key,
    const char *backend)
{
	char buf[ADDR_FMT_LEN];
	uintptr_t n;

	*key = 0;
	if (ep->max_per_src <= 0)
		return 0;
	if (ep->src == NULL && (ep->src = calloc(1, sizeof(*ep->src))) == NULL)
		return -1;
	n = (uintptr_t)tr_map_get(ep->src, tr_src_key(sa));
	if ((long long)n >= ep->max_per_src) {
		log_warning_limited("%s: association from %s refused: "
		                    "-maxassociationspersource=%lld reached",
		    backend, addr_fmt_host(sa, buf, sizeof(buf)),
		    ep->max_per_src);
		return -1;
	}
	if (tr_map_put(ep->src, tr_src_key(sa), (void *)(n + 1)) == -1)
		return -1;
	*key = tr_src_key(sa);
	return 0;
}

void
tr_src_give(struct tr_ep *ep, uint32_t key)
{
	uintptr_t n;

	if (key == 0 || ep->src == NULL)
		return;
	n = (uintptr_t)tr_map_get(ep->src, key);
	if (n > 1)
		tr_map_put(ep->src, key, (void *)(n - 1));
	else
		tr_map_del(ep->src, key);
}

static struct tr_ep *
ep_alloc(struct ev_loop *loop, int kind, int flags, tr_event_cb *cb, void *arg)
{
	struct tr_ep *ep;

	if ((kind != TR_SCTP && kind != TR_TCP) ||
	    (flags & ~(TR_LISTEN | TR_ONE_TO_ONE | TR_NO_BATCH | TR_SECURE |
	                 TR_TLS_LISTEN)) != 0 ||
	    (flags & (TR_LISTEN | TR_ONE_TO_ONE)) ==
	        (TR_LISTEN | TR_ONE_TO_ONE)) {
		errno = EINVAL;
		return NULL;
	}
	if ((ep = calloc(1, sizeof(*ep))) == NULL)
		return NULL;
	ep->ops = tr_test_ops != NULL ? tr_test_ops
	          : kind == TR_SCTP   ? &tr_sctp_ops
	                              : &tr_tcp_ops;
	ep->loop = loop;
	ep->kind = kind;
	ep->flags = flags;
	ep->cb = cb;
	ep->arg = arg;
	ep->hb_interval = tr_config.hb_interval;
	ep->hb_maxloss = tr_config.hb_maxloss;
	ep->max_assoc = tr_config.max_assoc;
	ep->max_per_src = tr_config.max_per_src;
	ep->ppid = RSP_PPID_ASAP;
	return ep;
}

/* The endpoint that carries assoc: ep, or (kernel SCTP, TLS build) the
 * TLS listener beside it. */
static struct tr_ep *
route(struct tr_ep *ep, uint32_t assoc)
{
#ifdef RSP_TLS
	if (ep->tls_child != NULL)
		return tr_sctp_route(ep, assoc);
#endif
	(void)assoc;
	return ep;
}

struct tr_ep *
tr_ep_new(struct ev_loop *loop, int kind, const struct addr_list *local,
    int flags, tr_event_cb *cb, void *arg)
{
	struct tr_ep *ep;

	if (flags & TR_TLS_LISTEN) { /* ours: tr_listen_tls() */
		errno = EINVAL;
		return NULL;
	}
	if ((ep = ep_alloc(loop, kind, flags, cb, arg)) == NULL)
		return NULL;
	if (ep->ops->open(ep, local) == -1) {
		int saved = errno;

		free(ep);
		errno = saved;
		return NULL;
	}
	return ep;
}

void
tr_ep_set_ppid(struct tr_ep *ep, uint32_t ppid)
{
	ep->ppid = ppid;
}

#ifdef RSP_TLS
/* The TLS listener's events, as the endpoint's own. */
static void
tls_child_cb(struct tr_ep *child, const struct tr_event *ev, void *arg)
{
	struct tr_ep *ep = arg;

	(void)child;
	ep->cb(ep, ev, ep->arg);
}

/* Kernel SCTP: a one-to-many socket of its own on local (one socket has
 * one port), whose incoming associations are TLS (sc_tls.c) and whose
 * events come to ep's callback; tr_* calls on ep reach it (route). */
static int
sctp_listen_tls(struct tr_ep *ep, struct addr_list *local)
{
	struct addr_list al;
	struct tr_ep *c;
	int saved;

	if (ep->tls_child != NULL) {
		errno = EALREADY;
		return -1;
	}
	c = ep_alloc(ep->loop, TR_SCTP,
	    TR_LISTEN | TR_TLS_LISTEN | (ep->flags & TR_NO_BATCH), tls_child_cb,
	    ep);
	if (c == NULL)
		return -1;
	c->max_assoc = ep->max_assoc;
	c->max_per_src = ep->max_per_src;
	c->ppid = ep->ppid;
	if (c->ops->open(c, local) == -1) {
		saved = errno;
		free(c);
		errno = saved;
		return -1;
	}
	memset(&al, 0, sizeof(al));
	if (c->ops->local_addrs(c, 0, &al) == 0)
		local->port = al.port;
	ep->tls_child = c;
	return 0;
}

int
tr_listen_tls(struct tr_ep *ep, struct addr_list *local)
{
	struct tr_tls_ref *r;

	if (ep->ops == &tr_tcp_ops)
		return tc_listen_tls(ep, local);
	if (ep->ops != &tr_sctp_ops) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if ((r = tr_tls_server_ref()) == NULL) { /* no keys, no certificate */
		errno = ENOKEY;
		return -1;
	}
	tr_tls_put(r);
	return sctp_listen_tls(ep, local);
}

void
tr_ep_tls_connect(struct tr_ep *ep)
{
	ep->flags |= TR_SECURE;
}

const char *
tr_peer_identity(struct tr_ep *ep, uint32_t assoc)
{
	if (ep->ops == &tr_tcp_ops)
		return tc_peer_identity(ep, assoc);
	if (ep->ops == &tr_sctp_ops)
		return tr_sctp_identity(route(ep, assoc), assoc);
	return NULL;
}
#endif

void
tr_ep_free(struct tr_ep *ep)
{
	if (ep == NULL)
		return;
	tr_ep_free(ep->tls_child);
	ep->ops->free(ep);
	if (ep->src != NULL)
		tr_map_free(ep->src);
	free(ep->src);
	free(ep);
}

int
tr_ep_kind(const struct tr_ep *ep)
{
	return ep->kind;
}

int
tr_connect(struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc)
{
	if (peer->n < 1) {
		errno = EDESTADDRREQ;
		return -1;
	}
	return ep->ops->connect(ep, peer, assoc);
}

int
tr_send(struct tr_ep *ep, uint32_t assoc, uint32_t ppid, uint16_t stream,
    const void *data, size_t len)
{
	ep = route(ep, assoc);
	return ep->ops->send(ep, assoc, ppid, stream, data, len);
}

int
tr_shutdown(struct tr_ep *ep, uint32_t assoc)
{
	ep = route(ep, assoc);
	return ep->ops->shutdown(ep, assoc);
}

int
tr_abort(struct tr_ep *ep, uint32_t assoc)
{
	ep = route(ep, assoc);
	return ep->ops->abort(ep, assoc);
}

int
tr_peer_addrs(struct tr_ep *ep, uint32_t assoc, struct addr_list *out)
{
	addr_list_clear(out);
	ep = route(ep, assoc);
	return ep->ops->peer_addrs(ep, assoc, out);
}

int
tr_local_addrs(struct tr_ep *ep, uint32_t assoc, struct addr_list *out)
{
	addr_list_clear(out);
	if (assoc != 0)
		ep = route(ep, assoc);
	return ep->ops->local_addrs(ep, assoc, out);
}

int
tr_unacked(struct tr_ep *ep, uint32_t assoc)
{
	ep = route(ep, assoc);
	return ep->ops->unacked(ep, assoc);
}

int
tr_srtt(struct tr_ep *ep, uint32_t assoc)
{
	ep = route(ep, assoc);
	return ep->ops->srtt(ep, assoc);
}

int
tr_assoc_count(struct tr_ep *ep)
{
	return ep->ops->count(ep) +
	       (ep->tls_child != NULL ? tr_assoc_count(ep->tls_child) : 0);
}

int
tr_input_fds(struct tr_ep *ep, uint32_t assoc, int *fds, int max)
{
	return ep->ops->input_fds != NULL
	           ? ep->ops->input_fds(ep, assoc, fds, max)
	           : 0;
}

struct tr_ep *
tr_peeloff(struct tr_ep *ep, uint32_t assoc, tr_event_cb *cb, void *arg)
{
	struct tr_ep *nep;

	if (ep->flags & TR_ONE_TO_ONE) {
		errno = EINVAL;
		return NULL;
	}
	if (cb == NULL) {
		cb = ep->cb;
		arg = ep->arg;
	}
	ep = route(ep, assoc);
	if ((nep = ep_alloc(ep->loop, ep->kind,
	         TR_ONE_TO_ONE | (ep->flags & (TR_NO_BATCH | TR_SECURE)), cb,
	         arg)) == NULL)
		return NULL;
	nep->hb_interval = ep->hb_interval;
	nep->hb_maxloss = ep->hb_maxloss;
	nep->max_assoc = ep->max_assoc;
	nep->ppid = ep->ppid;
	if (ep->ops->peeloff(ep, assoc, nep) == -1) {
		int saved = errno;

		free(nep);
		errno = saved;
		return NULL;
	}
	log_debug(2, "%s: assoc %u peeled off", ep->ops->name, assoc);
	return nep;
}

/* An integer mix (Wellons' lowbias32) so that sequential ids spread. */
static uint32_t
map_slot(const struct tr_map *m, uint32_t id)
{
	id ^= id >> 16;
	id *= 0x7feb352du;
	id ^= id >> 15;
	id *= 0x846ca68bu;
	id ^= id >> 16;
	return id & (m->cap - 1);
}

void *
tr_map_get(const struct tr_map *m, uint32_t id)
{
	uint32_t i;

	if (m->cap == 0 || id == 0)
		return NULL;
	for (i = map_slot(m, id); m->keys[i] != 0; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == id)
			return m->vals[i];
	return NULL;
}

static void
map_insert(struct tr_map *m, uint32_t id, void *val)
{
	uint32_t i;

	for (i = map_slot(m, id); m->keys[i] != 0 && m->keys[i] != id;
	     i = (i + 1) & (m->cap - 1))
		;
	if (m->keys[i] == 0)
		m->n++;
	m->keys[i] = id;
	m->vals[i] = val;
}

static int
map_grow(struct tr_map *m)
{
	struct tr_map old = *m;
	uint32_t cap = m->cap ? m->cap * 2 : 16, i;

	if (cap == 0 || cap > (1u << 30)) {
		errno = ENOMEM;
		return -1;
	}
	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = calloc(cap, sizeof(*m->vals));
	if (m->keys == NULL || m->vals == NULL) {
		free(m->keys);
		free(m->vals);
		*m = old;
		errno = ENOMEM;
		return -1;
	}
	m->cap = cap;
	m->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.keys[i] != 0)
			map_insert(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
	return 0;
}

int
tr_map_put(struct tr_map *m, uint32_t id, void *val)
{
	if (id == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((m->n + 1) * 2 > m->cap && tr_map_get(m, id) == NULL &&
	    map_grow(m) == -1)
		return -1;
	map_insert(m, id, val);
	return 0;
}

void *
tr_map_del(struct tr_map *m, uint32_t id)
{
	uint32_t i, j, home, mask = m->cap - 1;
	void *val;

	if (m->cap == 0 || id == 0)
		return NULL;
	for (i = map_slot(m, id); m->keys[i] != id; i = (i + 1) & mask)
		if (m->keys[i] == 0)
			return NULL;
	val = m->vals[i];
	/* Backward shift: pull later entries of the run into the hole
	 * unless that would move them before their home slot. */
	for (j = (i + 1) & mask; m->keys[j] != 0; j = (j + 1) & mask) {
		home = map_slot(m, m->keys[j]);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->vals[i] = NULL;
	m->n--;
	return val;
}

void
tr_map_free(struct tr_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

uint16_t
tr_ip_proto(int kind)
{
	return kind == TR_TCP ? 6 : 132;
}
