/*
 * Backend interface behind core/transport/transport.h.  Only
 * core/transport/transport.c and the backends include this: kernel SCTP
 * (core/transport/sctp.c, sctp_recv.c, through sctp_int.h) and the TCP
 * mapping (core/transport/tcp.c, tcp_conn.c, through tcp_int.h).
 */
#ifndef RSP_TRANSPORT_INT_H
#define RSP_TRANSPORT_INT_H

#include "core/transport/transport.h"

struct tr_ops {
	const char *name;
	int (*open)(struct tr_ep *ep, const struct addr_list *local);
	void (*free)(struct tr_ep *ep);
	int (*connect)(
	    struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc);
	int (*send)(struct tr_ep *ep, uint32_t assoc, uint32_t ppid,
	    uint16_t stream, const void *data, size_t len);
	int (*shutdown)(struct tr_ep *ep, uint32_t assoc);
	int (*abort)(struct tr_ep *ep, uint32_t assoc);
	int (*peer_addrs)(
	    struct tr_ep *ep, uint32_t assoc, struct addr_list *out);
	int (*local_addrs)(
	    struct tr_ep *ep, uint32_t assoc, struct addr_list *out);
	int (*unacked)(struct tr_ep *ep, uint32_t assoc);
	/* Smoothed round-trip time in ms, -1 unknown. */
	int (*srtt)(struct tr_ep *ep, uint32_t assoc);
	/* Move assoc to nep, which the caller allocated (TR_ONE_TO_ONE,
	 * nothing open): the backend sets up nep->priv. */
	int (*peeloff)(struct tr_ep *ep, uint32_t assoc, struct tr_ep *nep);
	/* Live associations. */
	int (*count)(struct tr_ep *ep);
	/* tr_input_fds(); NULL: none */
	int (*input_fds)(struct tr_ep *ep, uint32_t assoc, int *fds, int max);
};

struct tr_ep {
	const struct tr_ops *ops;
	struct ev_loop *loop;
	int kind;
	int flags;
	tr_event_cb *cb;
	void *arg;
	long long hb_interval; /* tr_config values when the ep was made */
	long long hb_maxloss;
	long long max_assoc;
	long long max_per_src;
	unsigned long refused; /* since the last log line */
	uint64_t refused_log_ms;
	struct tr_map *src; /* source key -> incoming associations */
	void *priv;         /* the backend's state */
	uint32_t ppid;      /* tr_ep_set_ppid(): TLS over SCTP's records */
	/* Kernel SCTP: the one-to-many socket of tr_listen_tls(), an
	 * endpoint of its own whose events come to this one's callback. */
	struct tr_ep *tls_child;
};

/* Internal tr_ep flag: every incoming association is TLS (the server
 * side of tr_listen_tls() on kernel SCTP). */
#define TR_TLS_LISTEN 0x100

/*
 * Association id -> backend record: open addressing, linear probing,
 * backward-shift deletion (no tombstones), ids mixed so that sequential
 * ones spread.  O(1) expected for get, put and del; the table
 * doubles at 1/2 load and never shrinks.  Id 0 is never stored.
 */
struct tr_map {
	uint32_t *keys; /* 0: empty slot */
	void **vals;
	uint32_t cap; /* 0 or a power of two */
	uint32_t n;
};

void *tr_map_get(const struct tr_map *m, uint32_t id);
/* Insert or replace; -1 with errno (ENOMEM, EINVAL for id 0). */
int tr_map_put(struct tr_map *m, uint32_t id, void *val);
/* Remove and return the value, NULL if absent. */
void *tr_map_del(struct tr_map *m, uint32_t id);
void tr_map_free(struct tr_map *m);

/* SCTP test hook for the fallbacks of kernels without SCTP_EVENT: 1
 * subscribes with SCTP_EVENTS, 2 also goes without SCTP_RECVRCVINFO
 * (SCTP_SNDRCV cmsgs).  Read when an endpoint is opened. */
extern int tr_sctp_old_events;

#ifdef RSP_TLS
/* Kernel SCTP, core/transport/sctp.c: ep's TLS listener if it carries
 * assoc, else ep; the identity of assoc's TLS peer, or NULL. */
struct tr_ep *tr_sctp_route(struct tr_ep *ep, uint32_t assoc);
const char *tr_sctp_identity(struct tr_ep *ep, uint32_t assoc);
#endif

extern const struct tr_ops tr_tcp_ops;
extern const struct tr_ops tr_sctp_ops;
/* Test hook: when set, every endpoint made from then on uses these ops
 * whatever its kind (the fuzz targets' fake transport,
 * tests/fuzz/fake_tr.h).  NULL in the product. */
extern const struct tr_ops *tr_test_ops;

/* Log a refused association, at most once a second per endpoint
 * (with the number refused since the last line). */
void tr_log_refused(struct tr_ep *ep, const char *backend);
/*
 * -maxassociationspersource: take one association of the source sa (0,
 * or -1 at the limit, logged) and give it back by its key when the
 * association goes.  A backend keeps the key (*key: the IPv4 address,
 * or a hash of the IPv6 /64; never 0) of each incoming association it
 * took.
 */
uint32_t tr_src_key(const struct sockaddr *sa);
int tr_src_take(struct tr_ep *ep, const struct sockaddr *sa, uint32_t *key,
    const char *backend);
void tr_src_give(struct tr_ep *ep, uint32_t key);
/* Hand an event to the application (logs it at debug level). */
void tr_emit(struct tr_ep *ep, const struct tr_event *ev);
/* Append sa to out unless already there (ports kept as given). */
void tr_addr_add(struct addr_list *out, const struct sockaddr *sa);

/* Typed wrappers shared by the backends: sockaddr_storage in, core/addr.c
 * underneath. */
static inline socklen_t
sa_len(const struct sockaddr_storage *ss)
{
	return addr_len((const struct sockaddr *)ss);
}

static inline uint16_t
sa_port(const struct sockaddr_storage *ss)
{
	return addr_port((const struct sockaddr *)ss);
}

static inline void
sa_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	addr_set_port((struct sockaddr *)ss, port);
}

#endif
