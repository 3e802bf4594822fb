/*
 * The registrar's ENRP side, shared by its files (RFC 5353):
 * core/registrar/enrp.c (sending, the message handlers' table, input,
 * Handle Updates we send, life cycle), enrp_peer.c (the peer table and
 * its state machine, the Presence cycle, the mentor phase),
 * enrp_sync.c (Handle Table requests and responses, Handle Updates
 * received, the checksum audit) and takeover.c (the takeover of a dead
 * peer, agreement and adoption).
 */
#ifndef RSP_CORE_REGISTRAR_ENRP_INT_H
#define RSP_CORE_REGISTRAR_ENRP_INT_H

#include <stdint.h>

#include "core/prefix.h"
#include "core/registrar/internal.h"

/*
 * Peer monitoring (4.5.2) and takeover (4.5.7).  UNKNOWN: a static
 * -peer never heard (ID 0), no timer.  ALIVE: heard; timer
 * -peermaxtimelastheard.  WAIT_RESPONSE: a Presence R=1 went out; timer
 * -peermaxtimenoresponse.  TAKEOVER: the peer is dead and owns PEs, and
 * nobody else announced a takeover: Init Takeover went to every peer;
 * timer -takeoverexpiryinterval.  DEAD: removed (a static peer goes
 * back to UNKNOWN with ID 0).  Any Presence brings a peer back to
 * ALIVE and cancels the takeover.
 */
enum reg_peer_state {
	REG_PEER_UNKNOWN = 0,
	REG_PEER_ALIVE,
	REG_PEER_WAIT_RESPONSE,
	REG_PEER_TAKEOVER,
	REG_PEER_DEAD,
};

#define REG_LIST_MAX 64 /* servers in one List Response */

/*
 * Bounded state (issue 15): a server learned from a List Response or
 * heard on the multicast group is a candidate (state UNKNOWN, not
 * static) until it answers our Presence; at most REG_CANDIDATES_MAX of
 * them, each dropped after REG_CANDIDATE_TRIES Presence cycles without
 * an answer.  At most REG_PEERS_MAX peers in all: a Presence from
 * beyond that creates nothing.  Connection attempts to a peer: at most
 * one per REG_CONNECT_GAP_MS, and one that has not come up within a
 * Presence cycle is given up for a fresh one, so a peer behind a
 * healed partition is reached within a cycle, not when the kernel's
 * backed-off SYN or INIT retransmission happens to come (docs/wire.md
 * 4.5.2).
 */
#define REG_CANDIDATES_MAX  32
#define REG_CANDIDATE_TRIES 3
#define REG_PEERS_MAX       256
#define REG_CONNECT_GAP_MS  1000
/* An attempt is given up after max(Presence cycle, this): a slow
 * handshake (an emulated guest) must not be cut off again and again. */
#define REG_CONNECT_STALE_MIN_MS 2000

struct reg_sync_id {
	struct rsp_handle handle;
	uint32_t id;
};

struct reg_peer {
	struct reg_peer *next;
	struct registrar *reg;
	uint32_t id; /* 0 until first contact */
	int is_static;
	/* It behaved as a registrar (peer_confirm): only such a peer
	 * becomes our mentor, is named in List Responses and acknowledges
	 * takeovers.  An hsdump-like client (a Presence, requests, nothing
	 * answered) never qualifies and leaves with its association. */
	int is_registrar;
	int asked; /* a Presence R=1 went to it since its last Presence */
	/* Handle Table and List Requests of ours awaiting their answers:
	 * only then is a response believed (an unasked one could inject
	 * PEs or peers). */
	unsigned ht_asked, list_asked;
	struct addr_list addrs; /* its ENRP endpoint */
	uint32_t assoc;         /* ours to it, when has_assoc */
	int has_assoc;
	int assoc_up;        /* has_assoc and established (or incoming) */
	uint64_t connect_ms; /* our last connection attempt, 0: none */
	unsigned tries;      /* Presence cycles unanswered as a candidate */
	enum reg_peer_state st;
	uint64_t timer;
	/* Handle Table Response continuation (we answer it). */
	struct hs_cursor ht_cursor;
	int ht_more, ht_w;
	/* Audit (4.5.3): PEs received during a W=1 sync. */
	int syncing;
	struct reg_sync_id *seen;
	size_t nseen, capseen;
	/* Takeover (4.5.7): the registrar whose Init Takeover for this
	 * peer we acknowledged; in TAKEOVER, the peers still to ack. */
	uint32_t taker;
	uint32_t *await;
	size_t nawait;
	const char *why; /* for the DEAD log line */
};

struct reg_enrp {
	struct registrar *reg;
	struct reg_enrp_io io;
	struct reg_peer *peers;
	struct reg_peer *mentor;
	int startup;
	uint64_t hb_timer, mentor_timer;
	struct reg_mcast *mc;     /* NULL: -enrpannounce=off */
	struct prefix_list allow; /* -peerallow and the -peer hosts */
	int restricted;           /* only those may be peers */
	struct rsp_pool_entry pools[HS_SELECT_MAX];
	/* a Handle Table Response being filled: each PE's pool handle and
	 * the peer's cursor before it (to take PEs back) */
	const struct rsp_handle *ht_handle[HS_SELECT_MAX];
	struct hs_cursor ht_save[HS_SELECT_MAX];
	struct rsp_addr srv_addrs[ADDR_MAX];
	uint8_t buf[RSP_MSG_MAX];
};

typedef void enrp_handler(struct reg_enrp *e, uint32_t assoc,
    struct reg_peer *p, const struct rsp_msg *m);

/* enrp.c: sending (a peer's association is opened on demand) */
int enrp_send_assoc(struct reg_enrp *e, uint32_t assoc, struct rsp_msg *m);
int enrp_send_peer(struct reg_enrp *e, struct reg_peer *p, struct rsp_msg *m);
void send_presence(struct reg_enrp *e, struct reg_peer *p, int r);
void send_presence_assoc(
    struct reg_enrp *e, uint32_t assoc, uint32_t to, int r);
void send_presence_all(struct reg_enrp *e);
void send_takeover_msg(
    struct reg_enrp *e, struct reg_peer *p, int type, uint32_t target);
void send_simple(struct reg_enrp *e, struct reg_peer *p, int type, int flags);
void send_error(
    struct reg_enrp *e, uint32_t assoc, uint32_t to, uint16_t cause);

/* enrp_peer.c */
struct reg_peer *peer_by_id(struct reg_enrp *e, uint32_t id);
struct reg_peer *peer_by_assoc(struct reg_enrp *e, uint32_t assoc);
struct reg_peer *peer_by_info(
    struct reg_enrp *e, const struct rsp_server_info *si);
struct reg_peer *peer_new(struct reg_enrp *e, uint32_t id);
/* Room for one more peer, and for one more candidate when candidate. */
int peer_room(struct reg_enrp *e, int candidate);
int peer_is_candidate(const struct reg_peer *p);
/* Candidates unanswered for REG_CANDIDATE_TRIES cycles leave. */
void peer_expire_candidates(struct reg_enrp *e);
void peer_addrs_from_info(struct reg_peer *p, const struct rsp_server_info *si);
void peer_free(struct reg_enrp *e, struct reg_peer *p);
void peer_transition(struct reg_peer *p, enum reg_peer_state st);
struct reg_peer *peer_lookup(struct reg_enrp *e, uint32_t assoc,
    const struct rsp_msg *m, int create, int *created);
int64_t hb_delay(long long c);
int64_t hb_timer(struct ev_loop *loop, uint64_t id, void *arg);
int64_t mentor_timer(struct ev_loop *loop, uint64_t id, void *arg);
void normal_operation(struct reg_enrp *e, const char *why);
void peer_confirm(struct reg_enrp *e, struct reg_peer *p, const char *how);

/* enrp_admit.c: who may be a peer, and where a peer talks from */
int enrp_admit_init(struct reg_enrp *e, char *err, size_t errlen);
int enrp_admit_addr(const struct reg_enrp *e, const struct sockaddr *sa);
/* The association's peer may become a peer (else logged). */
int enrp_admit_assoc(const struct reg_enrp *e, uint32_t assoc);
/* -acl: the association's peer may act as a peer, not only read
 * (else logged). */
int enrp_admit_as_peer(const struct reg_enrp *e, uint32_t assoc);
/* A message naming p came on its association or from its host. */
int enrp_admit_bound(
    const struct reg_enrp *e, const struct reg_peer *p, uint32_t assoc);

/* enrp_sync.c */
void audit_start(struct reg_enrp *e, struct reg_peer *p);
void audit_seen(struct reg_peer *p, const struct rsp_handle *h, uint32_t id);
void audit_finish(struct reg_enrp *e, struct reg_peer *p);
uint16_t learn_pe(struct reg_enrp *e, uint32_t assoc,
    const struct rsp_handle *h, const struct rsp_pe *from, int keep_ours);
void on_ht_request(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m);
void on_ht_response(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m);
void on_update(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m);

/* takeover.c: the agreement (4.5.7) and the takeover suggestion */
void takeover_forget(struct reg_enrp *e, uint32_t id);
void takeover_cancel(struct reg_peer *p);
int takeover_begin(struct reg_enrp *e, struct reg_peer *t);
size_t takeover_live_missing(struct reg_enrp *e, const struct reg_peer *t);
void takeover_finish(struct reg_enrp *e, struct reg_peer *t);
void on_init_takeover(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m);
void on_init_takeover_ack(struct reg_enrp *e, uint32_t assoc,
    struct reg_peer *p, const struct rsp_msg *m);
void on_takeover_server(struct reg_enrp *e, uint32_t assoc, struct reg_peer *p,
    const struct rsp_msg *m);
struct reg_peer *suggest_peer(struct reg_enrp *e, uint32_t pe_id);

#endif
