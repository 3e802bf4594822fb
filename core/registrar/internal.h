/*
 * Registrar internals shared by core/registrar*.c.
 */
#ifndef RSP_REGISTRAR_INT_H
#define RSP_REGISTRAR_INT_H

#include <stdint.h>

#include "core/addr.h"
#include "proto/buf.h"
#include "core/registrar/registrar.h"
#include "handlespace/hs.h"
#include "proto/msg.h"

struct tr_ep;
struct reg_announce;
struct reg_enrp;
struct reg_suggest;

/*
 * Endpoint keep-alive of one PE (docs/wire.md 3.4.4): IDLE waits
 * -endpointkeepalivetransmissioninterval, then sends a KA and goes to
 * WAIT_ACK for -endpointkeepalivetimeoutinterval; a KA-Ack goes back to
 * IDLE, the timeout aborts the association.  A KA that finds its
 * association's send queue full waits in SEND (retried in order, at
 * most -endpointkeepalivetimeoutinterval) instead of being lost.  Each
 * state has one delay, so a FIFO list per state, appended at the tail,
 * is in deadline order: one timer per list serves every PE
 * (core/registrar/home.c).
 */
enum reg_ka_state {
	REG_KA_IDLE = 0,
	REG_KA_WAIT_ACK,
	REG_KA_SEND,
	REG_KA_NSTATES
};

struct reg_assoc;

/*
 * A PE we took over (4.5.7) waits for its first KA-Ack: the Keep-Alive
 * with H=1 went (or goes, once the association is up) to its ASAP
 * transport, or to its user transport when that association failed.
 */
enum reg_adopt {
	REG_ADOPT_NONE = 0,
	REG_ADOPT_ASAP,
	REG_ADOPT_USER,
};

/* Lists of PEs linked by hs_pe_ref() (0: none) through a reg_link of
 * their reg_pe: 8 bytes per list and PE instead of 16. */
struct reg_link {
	uint32_t prev, next;
};

struct reg_list {
	uint32_t head, tail;
};

/*
 * The registrar's state of a PE, in the PE's extension area in the
 * handlespace (hs_set_ext): no allocation and no index of its own, and
 * the handlespace's drop callback takes it off every list whenever the
 * PE goes, by whatever path.  Zero (not ours) for PEs other registrars
 * own.  A home PE is on its association's list and, once its keep-alive
 * started, on the keep-alive list of its state.
 */
struct reg_pe {
	struct reg_link al; /* PEs of the same association */
	struct reg_link kl; /* keep-alive list of state `ka` */
	uint32_t assoc;     /* its association (while ours) */
	uint32_t due;       /* keep-alive deadline, ms, wrapping */
	uint8_t ours;       /* a home PE of this registrar */
	uint8_t queued;     /* on reg->ka[ka] */
	uint8_t ka;         /* enum reg_ka_state */
	uint8_t adopt;      /* enum reg_adopt */
};

/* A token bucket: rate per second, burst of one second's worth. */
struct reg_bucket {
	double tokens;
	uint64_t last_ms;
	int started;
};

struct reg_assoc {
	struct reg_assoc *hnext;
	uint32_t id;
	struct reg_list pes;
	uint32_t npes;                /* on pes */
	struct reg_bucket hr, eu, rg; /* resolutions, reports, registrations */
	int opening;     /* we connect it (takeover): wait for reg_assoc_up() */
	uint32_t last_s; /* last message or coming up, s (-autoclosetimeout) */
	/* A Keep-Alive found the send queue full: later ones queue behind
	 * it (REG_KA_SEND); ka_pass: the retry pass that last found it so. */
	uint8_t ka_full;
	uint32_t ka_pass;
};

/* Per-association rate limits (-maxregistrationrate, -maxhrrate,
 * -maxeurate): which one a request hit. */
enum reg_rate {
	REG_RATE_REGISTRATION = 0,
	REG_RATE_RESOLUTION,
	REG_RATE_UNREACHABLE,
	REG_RATE_N
};

#define REG_ACL_OPS 4 /* enum acl_op (core/registrar/acl.h) */

/* Why an ENRP association or message was refused or ignored (RFC 5355
 * 2.5, core/registrar/enrp_admit.c; bounds of README.md's "Hostile or
 * excessive input"). */
enum reg_enrp_refusal {
	REG_ENRP_REF_NOT_ALLOWED = 0, /* association from a host not allowed */
	REG_ENRP_REF_READ_ONLY,       /* -acl: a reader acting as a peer */
	REG_ENRP_REF_WRONG_HOST,      /* in a known peer's name, elsewhere */
	REG_ENRP_REF_UNKNOWN_SENDER,  /* a request from no known peer */
	REG_ENRP_REF_MCAST,           /* multicast Presence, not allowed */
	REG_ENRP_REF_CANDIDATE,       /* a listed server, not allowed */
	REG_ENRP_REF_TABLE_FULL,      /* peer table or candidate list */
	REG_ENRP_REF_MAX_PES,         /* -maxpes: a peer's PE not learned */
	REG_ENRP_REF_MAX_PES_PEER,    /* -maxpesperpeer: the same */
	REG_ENRP_REF_UNSOLICITED,     /* a response we did not ask for */
	REG_ENRP_REF_NOT_HOME,        /* a DEL_PE from a peer not its home */
	REG_ENRP_REF_N
};

/* Messages dropped before any handler. */
enum reg_bad_msg {
	REG_BAD_MALFORMED = 0, /* the decoder refused it */
	REG_BAD_UNEXPECTED,    /* a type this side does not take */
	REG_BAD_N
};

/* RSPLIB's registrar statistics (-statsfile, -scalar): totals since
 * the start, counted as RSPLIB counts them. */
struct reg_counters {
	unsigned long long registrations;   /* accepted, re-registrations too */
	unsigned long long reregistrations; /* of a PE already registered */
	unsigned long long deregistrations; /* by Deregistration only */
	unsigned long long resolutions;     /* Handle Resolutions received */
	unsigned long long failure_reports; /* Endpoint Unreachables taken */
	unsigned long long synchronizations; /* Handle Table Requests */
	unsigned long long handle_updates;   /* Handle Updates received */
	unsigned long long keepalives;       /* Endpoint Keep-Alives sent */
	/* Registrations and deregistrations refused, by RFC 5354 cause
	 * (0x0000-0x000a; others counted at 0) */
	unsigned long long refused[RSP_CAUSE_SECURITY + 1];
	/* ours, for the metrics (docs/metrics.md) */
	unsigned long long rate_limited[REG_RATE_N]; /* by enum reg_rate */
	unsigned long long acl_denied[REG_ACL_OPS];  /* by enum acl_op */
	unsigned long long enrp_refused[REG_ENRP_REF_N];
	unsigned long long bad_msgs[2][REG_BAD_N]; /* ASAP, ENRP */
	/* sends the transport refused (a full send queue, a lost
	 * association): the message is dropped, logged rate-limited */
	unsigned long long send_failures[2]; /* ASAP, ENRP */
};

struct acl;           /* core/registrar/acl.c */
struct reg_stats;     /* core/registrar/stats.c */
struct reg_actionlog; /* core/registrar/actionlog.c */

/* One line of the action log (-actionlogfile), RSPLIB's columns. */
struct reg_action {
	const char *dir;    /* "Send", "Recv" */
	const char *proto;  /* "ASAP", "ENRP", "MulticastASAP", ... */
	const char *action; /* "Registration", "Deregistration", ... */
	const char *reason; /* "Requested", "KeepAliveTimeoutTimer", "" */
	unsigned flags, counter;
	double time_s;
	const struct rsp_handle *handle; /* NULL: none */
	uint32_t pe_id, sender, receiver, target;
	unsigned error; /* first error cause, 0 if none */
};

struct registrar {
	struct reg_config cfg;
	enum addr_scope minscope;
	struct ev_loop *loop;
	struct hs *hs;
	struct reg_io io;
	uint32_t id;

	size_t pe_n; /* home PEs */
	struct reg_ka_list {
		struct reg_list pes; /* by deadline: one delay per state */
		uint64_t timer;      /* for the head's deadline */
	} ka[REG_KA_NSTATES];        /* by enum reg_ka_state */
	uint32_t ka_passes;          /* retry passes over ka[REG_KA_SEND] */
	struct reg_assoc **as_tab;   /* by association id */
	size_t as_cap, as_n;

	uint64_t expiry_timer;
	uint64_t autoclose_timer; /* -autoclosetimeout sweep */
	struct tr_ep *ep;
	int kind;
	struct addr_list asap; /* where we listen (port filled in) */
	struct reg_announce *ann;
	struct reg_enrp *enrp; /* NULL: -enrp=off */
	struct tr_ep *enrp_ep;
	struct reg_suggest *suggest; /* KAs with H for suggested PEs */
	struct reg_counters count;
	struct acl *acl;         /* -acl, NULL: everyone may do everything */
	struct reg_stats *stats; /* NULL: no -statsfile, no -scalar */
	struct reg_actionlog *actionlog; /* NULL: no -actionlogfile */

	struct wbuf out; /* one message being encoded */
	uint8_t outmem[RSP_MSG_MAX];
	struct rsp_addr *hr_addrs; /* HS_SELECT_MAX x 2 x RSP_ADDRS_MAX */
	struct rsp_pe *hr_pes;     /* HS_SELECT_MAX */
};

/* core/registrar/stats.c: -statsfile, -statsinterval, -scalar,
 * -object.  start: -1 with errno if a file cannot be written;
 * reg_stats_tick() keeps the time-weighted averages (called for every
 * message); reg_stats_stop() writes the scalar file. */
int reg_stats_start(struct registrar *reg);
void reg_stats_tick(struct registrar *reg);
void reg_stats_stop(struct registrar *reg);

/* core/registrar/actionlog.c: -actionlogfile.  open: -1 with errno if
 * the file cannot be written.  reg_action_msg() logs a message sent or
 * received (dir "Send"/"Recv", proto "ASAP", "MulticastASAP", ...);
 * both do nothing without the option. */
int reg_actionlog_open(struct registrar *reg);
void reg_actionlog_close(struct registrar *reg);
void reg_action(struct registrar *reg, const struct reg_action *a);
void reg_action_msg(struct registrar *reg, const char *dir, const char *proto,
    const struct rsp_msg *m);

/* core/registrar/registrar.c: home PEs */
/* A home PE of ours, or NULL. */
struct reg_pe *reg_pe_find(
    struct registrar *reg, const struct rsp_handle *h, uint32_t id);
/* Make the handlespace's PE a home PE on assoc (moving it there if it
 * was on another); NULL if it is not in the handlespace, or ENOMEM. */
struct reg_pe *reg_pe_add(struct registrar *reg, const struct rsp_handle *h,
    uint32_t id, uint32_t assoc);
/* No longer a home PE (the handlespace keeps it): off every list. */
void reg_pe_forget(struct registrar *reg, struct reg_pe *pe);
/* The PE a reg_pe belongs to, and the reg_pe of a ref (nonzero). */
const struct hs_pe *reg_pe_hs(const struct reg_pe *pe);
struct reg_pe *reg_pe_at(struct registrar *reg, uint32_t ref);
struct reg_assoc *reg_assoc_find(struct registrar *reg, uint32_t id);
struct reg_assoc *reg_assoc_get(struct registrar *reg, uint32_t id);
/* Remove every PE of the association from both, and forget it. */
void reg_assoc_drop(struct registrar *reg, uint32_t id, const char *why);
/* Unhash and free an association whose PEs are gone (registrar.c). */
void reg_assoc_forget(struct registrar *reg, struct reg_assoc *a);
/* The handlespace's drop callback (hs_set_ext): a PE it frees leaves
 * every list (home.c). */
void reg_pe_dropped(void *arg, struct hs_pe *hpe);
void reg_pe_ka_transition(
    struct registrar *reg, struct reg_pe *pe, enum reg_ka_state st);
/* ASAP_ENDPOINT_KEEP_ALIVE to the PE (H=1 while it is being adopted),
 * then WAIT_ACK; or SEND, in order, while its association's send queue
 * is full. */
void reg_pe_ka_start(struct registrar *reg, struct reg_pe *pe);
void reg_expiry_arm(struct registrar *reg);
int reg_send(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m);
/* 1 if a request may go through the bucket now (rate 0: always). */
int reg_bucket_take(
    struct registrar *reg, struct reg_bucket *b, long long rate);

/*
 * The DPF policies' Distance (docs/wire.md 5.7): half the association's
 * smoothed RTT (srtt_ms, -1 unknown: 0) rounded to -distancestep, set
 * into p (a registration: the home PR measures) or added to it (a PE
 * learned from a peer over that association).  Other policies: nothing.
 */
void reg_distance(
    const struct registrar *reg, struct rsp_policy *p, int srtt_ms, int add);
/* The index of p's Distance value, -1 if its policy has none. */
int reg_distance_index(const struct rsp_policy *p);

/* core/registrar/asap.c */
void reg_asap_input(
    struct registrar *reg, uint32_t assoc, const uint8_t *data, size_t len);

/* core/registrar/announce.c */
int reg_announce_start(struct registrar *reg, char *err, size_t errlen);
void reg_announce_free(struct reg_announce *ann);
/* Parse -asapannounce: 0 off, 1 with *group set, -1 on error. */
int reg_announce_parse(
    const char *s, struct sockaddr_storage *group, char *err, size_t errlen);

/* core/registrar/enrp.c */
struct reg_enrp *reg_enrp_new(struct registrar *reg);
void reg_enrp_free(struct registrar *reg);
/* Tell every peer about an own PE (ENRP_UPDATE_ADD_PE / _DEL_PE); call
 * DEL before the PE leaves the handlespace. */
void reg_enrp_update(struct registrar *reg, uint16_t action,
    const struct rsp_handle *h, uint32_t id);
/* The PE as peers get it (addrs: 2 x RSP_ADDRS_MAX): over the TCP
 * mapping there is no SCTP ASAP endpoint, the user transport stands in
 * (a taker connects there). */
void reg_enrp_export_pe(
    const struct hs_pe *hpe, struct rsp_pe *pe, struct rsp_addr *addrs);
/* Parse -enrp: 0 off, 1 on with *al, -1 on error. */
int reg_enrp_parse(const struct reg_config *cfg, struct addr_list *al,
    char *err, size_t errlen);

/* core/registrar/enrp_mcast.c: multicast Presence (4.1) */
struct reg_mcast;
/* Parse -enrpannounce / -enrpmulticast: 0 off, 1 on, -1 error. */
int reg_mcast_parse(const struct reg_config *cfg,
    struct sockaddr_storage *group, char *err, size_t errlen);
struct reg_mcast *reg_mcast_start(
    struct registrar *reg, char *err, size_t errlen);
void reg_mcast_free(struct reg_mcast *mc);
/* Send one encoded Presence (receiver ID 0) to the group. */
void reg_mcast_send(struct reg_mcast *mc, const void *data, size_t len);
/* core/registrar/enrp.c: a Presence heard on the group from src. */
/* Join and announce on the group unless -enrpannounce=off: 1 on, 0 off,
 * -1 with a message in err. */
int reg_enrp_mcast_on(struct registrar *reg, char *err, size_t errlen);
void reg_enrp_mcast_input(struct registrar *reg, const struct sockaddr *src,
    const uint8_t *data, size_t len);

/* core/registrar/takeover.c (4.5.7, 3.4.7, 4.5.4) */
/* Become the home PR of every PE owned by target and tell each one
 * (Keep-Alive H=1); returns how many. */
size_t reg_takeover_adopt(struct registrar *reg, uint32_t target);
/* Handle Update T=1: offer ourselves to one PE (Keep-Alive H=1). */
void reg_takeover_suggested(
    struct registrar *reg, const struct rsp_handle *h, uint32_t id);
/* Association events for the associations we opened. */
void reg_takeover_up(struct registrar *reg, uint32_t assoc);
/* Before reg_assoc_drop(): PEs whose ASAP transport failed get a second
 * chance at their user transport. */
void reg_takeover_retry(struct registrar *reg, uint32_t assoc);
void reg_takeover_free(struct registrar *reg);

#ifdef RSP_TLS
/* core/registrar/reg_tls.c: 0 if assoc may register into h as far as
 * TLS goes (its identity's pool patterns, -tlsonly), else the cause
 * (logged). */
uint16_t reg_tls_check(
    struct registrar *reg, uint32_t assoc, const struct rsp_handle *h);
/* What an ENRP association's TLS identity makes it (RFC 5353 section 6:
 * the key is the authorization): a peer (role registrar), a reader
 * (admin: hsdump), refused (another role, or no TLS under -tlsonly;
 * logged), or plain (no TLS: the address rules decide). */
enum reg_tls_enrp {
	REG_TLS_PLAIN,
	REG_TLS_PEER,
	REG_TLS_READER,
	REG_TLS_REFUSED,
};
enum reg_tls_enrp reg_tls_enrp_admit(struct registrar *reg, uint32_t assoc);
/* 1 if hpe is a PE of ours registered on another association than
 * assoc by the same TLS identity (RFC 5355 2.3 with keys: the identity
 * owns the PE ID, so a PE that reconnected takes it back at once). */
int reg_tls_same_owner(
    struct registrar *reg, uint32_t assoc, const struct hs_pe *hpe);
#endif

#endif
