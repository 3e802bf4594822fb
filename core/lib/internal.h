/*
 * Library internals shared by core/lib_*.c: the registrar channel.
 *
 * A channel keeps one association to a registrar chosen from its
 * registrar table: the static -registrar= entries plus the registrars
 * heard in ASAP Server Announces on the announce group, each valid for
 * the announce timeout after its last announce (RSPLIB's
 * registrartable.c, docs/wire.md 3.4.6, 10.3; the times and trials are
 * the channel's struct rsp_timing).  The registrar hunt starts at a
 * random entry and opens associations to LIB_HUNT_PARALLEL candidates
 * at a time from one hunt endpoint, a further block every connect
 * timeout; the first association up is peeled off and used, the others
 * are aborted.  After connect_max_trials rounds that reached no
 * registrar the channel reports LIB_REG_FAILED; rounds go on,
 * LIB_RETRY_MS apart.  Requests are answered in order; one unanswered
 * after the response timeout, a lost association or a shutdown drops
 * the registrar (LIB_REG_DOWN) and hunts again, starting after it.
 *
 * The hunt endpoint also listens, as RSPLIB's: a registrar that took
 * over our registrar's PEs (docs/wire.md 3.4.7) associates with our
 * side of the old association (the PE's ASAP transport, SCTP only) and
 * sends an Endpoint Keep-Alive with the H bit: that association is
 * adopted as the new one (LIB_REG_DOWN, LIB_REG_UP, then the message).
 * Anything else arriving there is aborted.
 */
#ifndef RSP_LIB_INT_H
#define RSP_LIB_INT_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "include/rsp.h"
#include "proto/msg.h"

#define LIB_RETRY_MS      250  /* session retry, hunt round pause */
#define LIB_CONNECT_MS    5000 /* session connect to a PE */
#define LIB_HUNT_PARALLEL 3    /* registrars tried at once */
#define LIB_ANNOUNCE_AUTO "239.0.0.50:3863"
#define LIB_CANDS_MAX     (RSP_REGISTRARS_MAX + 16)
#define LIB_CAND_ADDRS    8 /* addresses kept per registrar */
#define LIB_INCOMING_MAX  4 /* new associations from registrars */

enum lib_reg_state {
	LIB_REG_IDLE = 0, /* between hunt rounds */
	LIB_REG_HUNTING,
	LIB_REG_READY,
};

enum lib_reg_event {
	LIB_REG_UP = 1,
	LIB_REG_MSG,
	LIB_REG_DOWN,
	LIB_REG_FAILED, /* a hunt round reached no registrar */
};

struct tr_ep;

typedef void lib_reg_cb(
    enum lib_reg_event ev, const struct rsp_msg *m, void *arg);

/* One registrar table entry. */
struct lib_cand {
	int used;
	int is_static;
	uint32_t id;      /* server ID from announces, 0 if unknown */
	uint64_t expiry;  /* announced: valid until (ev_now_ms scale) */
	uint32_t attempt; /* hunt association in progress, 0 if none */
	uint16_t port;
	int naddrs; /* compact: a channel holds LIB_CANDS_MAX of these */
	struct sockaddr_storage addrs[LIB_CAND_ADDRS];
};

struct lib_reg {
	struct ev_loop *loop;
	int kind;
	struct rsp_timing t; /* defaults filled in */
	long long rounds;    /* hunt rounds in a row without a registrar */
	struct lib_cand cand[LIB_CANDS_MAX];
	int announce_fd; /* -1: announces off */
	struct sockaddr_storage group;
	enum lib_reg_state state;
	struct tr_ep *hunt;        /* one-to-many, connects only */
	struct tr_ep *ep, *old_ep; /* ep: peeled off; old_ep: to free */
	uint32_t assoc;
	int cur;            /* table index of the registrar in use */
	int next;           /* next index the hunt visits */
	int left;           /* table slots the round has still to visit */
	uint64_t timer;     /* block/request timeout, or round pause */
	uint64_t reap;      /* frees old_ep outside its callback */
	int pending;        /* requests awaiting an answer */
	uint32_t server_id; /* of the registrar in use, 0 if unknown */
	uint64_t up_ms;     /* when the channel came up (ev_now_ms) */
	uint32_t incoming[LIB_INCOMING_MAX]; /* registrar-initiated, new */
	unsigned incoming_next; /* the one to evict when all are taken */
	lib_reg_cb *cb;
	void *arg;
};

/*
 * regs: static "addr:port" entries (port default 3863); announce: NULL,
 * "" or "off" for none, "auto" for LIB_ANNOUNCE_AUTO, or "group[:port]".
 * At least one of them.  t: NULL or 0 fields for the defaults.  -1 with
 * errno EINVAL (bad value) or from the announce socket.
 */
int lib_reg_init(struct lib_reg *r, struct ev_loop *loop, int kind,
    const char *const *regs, int nregs, const char *announce,
    const struct rsp_timing *t, lib_reg_cb *cb, void *arg);
/* Copy t (may be NULL) with 0 fields set to their defaults; -1 if a
 * field is negative or too large. */
int lib_timing_resolve(const struct rsp_timing *t, struct rsp_timing *out);
/* Parse an announce option value as lib_reg_init does: 0 off, 1 group
 * set, -1 invalid. */
int lib_announce_parse(const char *s, struct sockaddr_storage *group);
/* Hunt (now) if idle. */
void lib_reg_start(struct lib_reg *r);
/* Send m; expect_answer arms the request timeout.  -1 if not ready. */
int lib_reg_send(struct lib_reg *r, const struct rsp_msg *m, int expect_answer);
/*
 * A new home PR reached us on another endpoint (ASAP Keep-Alive with
 * H=1 after a takeover, docs/wire.md 3.4.7): peel its association off
 * `from`, make it the channel's association (dropping the old one) and
 * report LIB_REG_UP.  -1 with errno if it cannot be peeled off.
 */
int lib_reg_adopt(struct lib_reg *r, struct tr_ep *from, uint32_t assoc);
/* Local addresses of the registrar association. */
int lib_reg_local_addrs(struct lib_reg *r, struct addr_list *out);
/* The registrars a failed hunt tried, in words for RSP_EV_ERROR
 * ("127.0.0.1:3863, [::1]:3863", or that none was announced). */
#define LIB_TRIED_LEN 512
const char *lib_reg_tried(const struct lib_reg *r, char *buf, size_t len);
/* The first error cause of m's Operation Error, 0 if none. */
uint16_t lib_msg_cause(const struct rsp_msg *m);
/* The registrar in use ("addr:port"), NULL if none. */
const char *lib_reg_current(struct lib_reg *r, char *buf, size_t len);
void lib_reg_fini(struct lib_reg *r);

/* Registrar table (core/lib/regtable.c). */
int lib_cand_add_static(struct lib_reg *r, const char *s);
/* An announce from `from` (UDP source): add or refresh its entry;
 * returns the index, -1 if it was not a usable announce. */
int lib_cand_announce(struct lib_reg *r, const void *data, size_t len,
    const struct sockaddr *from);
int lib_cand_usable(const struct lib_reg *r, int i);
/* The association's peer is a registrar of the table (a Keep-Alive
 * H=1 from it on a session may move us); else 0, logged. */
int lib_reg_trusted(const struct lib_reg *r, struct tr_ep *ep, uint32_t assoc);
/* Entry i's addresses as a list (to connect). */
void lib_cand_addrs(const struct lib_reg *r, int i, struct addr_list *al);
int lib_announce_open(struct lib_reg *r);
/* Join the group again (at each hunt round, as RSPLIB). */
void lib_announce_rejoin(struct lib_reg *r);
void lib_announce_close(struct lib_reg *r);
/* Called by the table when an announce brought entry i (channel). */
void lib_reg_announced(struct lib_reg *r, int i);

/* A pool element's transport as an address list (port set). */
int lib_transport_addrs(const struct rsp_transport *t, struct addr_list *al);

/*
 * Pool user side (core/lib/pu_msg.c).  Sessions resolve with the HR option
 * Items = 1 (no cache: RSPLIB's example clients' stale cache value 0)
 * and choose a PE from the answer; endpoint unreachable reports;
 * business cards.  The cached basic-mode PU is core/lib/pu.c.
 */
void lib_pu_hr(struct rsp_msg *m, const struct rsp_handle *h);
void lib_pu_unreachable(
    struct rsp_msg *m, const struct rsp_handle *h, uint32_t pe_id);
/* The first PE of an HR response that is not `avoid` and has a
 * transport this build reaches; NULL if none. */
const struct rsp_pe *lib_pu_choose(const struct rsp_msg *resp, uint32_t avoid);
/* A PE parameter as the application sees it. */
void lib_info_from_pe(struct rsp_pe_info *pi, const struct rsp_pe *pe);
/* Business card (RFC form): append it to w.  -1 on bad PEs. */
int lib_card_encode(struct wbuf *w, const struct rsp_handle *h,
    const struct rsp_pe_info *pes, int n);
/* A received card as an RSP_EV_BUSINESS_CARD event (ev's other fields
 * untouched); out holds the PEs.  -1 if m is no card. */
int lib_card_event(const struct rsp_msg *m, struct rsp_event *ev,
    struct rsp_pe_info *out, int max);

/* Session (core/lib/session.c): the delay before resolving again after
 * `failures` failed attempts in a row: 0 for the first, then from 10 ms
 * doubling up to LIB_RETRY_MS. */
long long lib_session_backoff_ms(int failures);

/* core/lib/counters.c: hand ev to the application's cb, counting it
 * in c (NULL: no counters); count a message the application sent. */
void lib_deliver(struct rsp_counters *c, rsp_event_cb *cb,
    const struct rsp_event *ev, void *arg);
void lib_count_sent(struct rsp_counters *c, size_t len);

#endif
