/*
 * The registrar (PR), ASAP side: pool element registration, keep-alive,
 * handle resolution, endpoint unreachable reports and Server Announces
 * (docs/wire.md 3.4, RFC 5352); ENRP with peers (core/registrar/enrp.c),
 * takeover of a dead peer's PEs (core/registrar/takeover.c) and
 * multicast Presence (core/registrar/enrp_mcast.c).
 *
 * The message handling (core/registrar/asap.c) talks to its
 * associations only through struct reg_io, so unit tests drive it with
 * a fake transport and a fake clock; reg_listen() plugs in the real
 * transport (core/transport/transport.h).  One thread, one event loop.
 *
 * The registrar keeps its own index next to the handlespace: every PE
 * it owns, by (pool handle, PE ID), with its keep-alive state and timer,
 * and every association with the PEs registered over it, so losing an
 * association removes exactly those PEs.
 */
#ifndef RSP_REGISTRAR_H
#define RSP_REGISTRAR_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/opt.h"

struct ev_loop;
struct registrar;

struct reg_config {
	const char *asap;       /* -asap: auto | addr[,addr]:port */
	const char *identifier; /* -identifier: hex or decimal, NULL random */
	const char *minscope;   /* -minaddressscope */
	long long ka_interval;  /* -endpointkeepalivetransmissioninterval */
	long long ka_timeout;   /* -endpointkeepalivetimeoutinterval */
	long long max_hr_items; /* -maxhresitems */
	long long max_increment;
	long long max_bad_reports; /* -maxbadpereports */
	long long max_hr_rate;     /* per association and second, 0 off */
	long long max_eu_rate;
	long long max_reg_rate;   /* registrations, the same */
	long long max_pes_assoc;  /* PEs per association, 0 off */
	long long max_pes;        /* PEs in the handlespace, 0 off */
	long long max_pes_peer;   /* PEs one ENRP peer may own here, 0 off */
	const char *announce;     /* -asapannounce: auto | off | addr:port */
	long long announce_cycle; /* -serverannouncecycle, ms */
	long long announce_ttl;   /* -announcettl */
	/* ENRP (core/registrar/enrp.c) */
	const char *enrp;          /* -enrp: off | auto | addr[,addr]:port */
	struct opt_list peers;     /* -peer=addr:port, repeatable */
	struct opt_list peerallow; /* -peerallow=prefix[,prefix], repeatable */
	const char *acl;           /* -acl=FILE (core/registrar/acl.h) */
	long long hb_cycle;        /* -peerheartbeatcycle, ms */
	long long last_heard;      /* -peermaxtimelastheard, ms */
	long long no_response;     /* -peermaxtimenoresponse, ms */
	long long mentor_timeout;  /* -mentordiscoverytimeout, ms */
	long long max_ht_pes;      /* -maxelementsperhtrequest */
	long long takeover_expiry; /* -takeoverexpiryinterval, ms */
	int takeover_suggestion;   /* -supporttakeoversuggestion */
	const char *enrp_announce; /* -enrpannounce: auto | off | addr:port */
	const char *enrp_mcast;    /* -enrpmulticast: deprecated alias */
	long long distance_step;   /* -distancestep, ms (DPF policies) */
	long long autoclose;       /* -autoclosetimeout, s; 0: never */
	int disable_ipv6;          /* -disable-ipv6: auto binds IPv4 only */
	const char *statsfile;     /* -statsfile: a line per -statsinterval */
	long long stats_interval;  /* -statsinterval, ms */
	const char *scalar;        /* -scalar: totals at the end */
	const char *object;        /* -object: the scalar file's object */
	const char *actionlog;     /* -actionlogfile: a line per action */
	long long metrics_pools;   /* -metricspools: pools with a label */
	int stats_append;          /* not an option: later -uptime runs */
	/* Not an option: bytes per Handle Table Response, 0 for
	 * REG_HT_MAX_BYTES (unit tests set it low). */
	size_t ht_max_bytes;
#ifdef RSP_TLS
	const char *asap_tls; /* -asaptls: auto | addr[,addr]:port */
	int tls_only;         /* -tlsonly: plain registrations refused */
	const char *enrp_tls; /* -enrptls: off | auto | addr[,addr]:port */
#endif
};

/* The registrar's own options (defaults in the table). */
extern const struct opt reg_opts[];
/* The registrar's options of the statslog and metrics features
 * (mk/features.mk), in the same struct reg_config: empty tables when
 * the build leaves the feature out. */
extern const struct opt reg_stats_opts[];
extern const struct opt reg_metrics_opts[];

#define REG_ASAP_AUTO_PORT 3863 /* -asap=auto: wildcard, port 3863 */

#ifdef RSP_TLS
/* core/registrar/reg_tls.c (the TLS build): -asaptls, -tlsonly. */
extern const struct opt reg_tls_opts[];
#define REG_ASAP_TLS_PORT 3864 /* IANA asap-tcp-tls */
#define REG_ENRP_TLS_PORT 9902 /* IANA enrp-sctp-tls; none for TCP */
/* With -tlskeyfile: ASAP over TLS on -asaptls as well (logged); -1
 * after a log line. */
int reg_tls_listen(struct registrar *reg);
/* -enrptls: ENRP over TLS as well, peers reached with TLS, our TLS port
 * in our Presence (from enrp_admit_init()); -1 after a log line. */
int reg_tls_enrp(struct registrar *reg);
#endif
#define REG_ANNOUNCE_AUTO  "239.0.0.50:3863" /* -asapannounce=auto */
#define REG_ENRP_AUTO_PORT 9901 /* -enrp=auto: wildcard, port 9901 */
/* Handle Table Response size: RSPLIB fills 1400 bytes (4.4.3) but reads
 * ENRP messages of up to 64 KiB; -maxelementsperhtrequest PEs (128) fit
 * well under this, so a table takes N/128 round trips, not N/25. */
#define REG_HT_MAX_BYTES       60000
#define REG_ENRP_ANNOUNCE_AUTO "239.0.0.51:9901" /* -enrpannounce=auto */

/*
 * ENRP associations (PPID 12), like struct reg_io.  connect opens an
 * association to a peer's ENRP endpoint and returns its id.
 */
struct reg_enrp_io {
	int (*send)(void *arg, uint32_t assoc, const void *data, size_t len);
	int (*abort)(void *arg, uint32_t assoc);
	int (*connect)(void *arg, const struct addr_list *to, uint32_t *assoc);
	void *arg;
	uint16_t ptype; /* transport parameter of our Server Information */
	struct addr_list local; /* our ENRP addresses and port */
	/* Smoothed RTT in ms, -1 unknown (DPF distance); may be NULL. */
	int (*srtt)(void *arg, uint32_t assoc);
	/* The association's peer addresses; may be NULL (no checks of
	 * who a peer is: tests). */
	int (*peer_addrs)(void *arg, uint32_t assoc, struct addr_list *out);
};

/*
 * What the message handling needs from the transport.  send and abort
 * return -1 with errno on failure; peer_addrs fills the association's
 * peer addresses (with the peer's port).
 */
struct reg_io {
	int (*send)(void *arg, uint32_t assoc, const void *data, size_t len);
	int (*abort)(void *arg, uint32_t assoc);
	int (*peer_addrs)(void *arg, uint32_t assoc, struct addr_list *out);
	void *arg;
	/* Transport parameter type of the associations (RSP_PARAM_SCTP or
	 * RSP_PARAM_TCP): SCTP ones become the PE's ASAP transport. */
	uint16_t ptype;
	/* Open an association to a PE (takeover, 3.4.7): its id at once,
	 * then reg_assoc_up() or reg_assoc_lost().  NULL: no takeover. */
	int (*connect)(void *arg, const struct addr_list *to, uint32_t *assoc);
	/* Smoothed RTT in ms, -1 unknown (DPF distance); may be NULL. */
	int (*srtt)(void *arg, uint32_t assoc);
	/* Graceful close (-autoclosetimeout); NULL: abort instead. */
	int (*shutdown)(void *arg, uint32_t assoc);
};

/*
 * A registrar with validated settings (reg_config_check() first).  The
 * identifier is cfg's, or random.  NULL with errno on failure.
 */
struct registrar *reg_new(struct ev_loop *loop, const struct reg_config *cfg);
void reg_free(struct registrar *reg);
/* SIGHUP: reread -acl; a file with an error leaves the rules in force
 * (logged).  0, or -1 if it could not be read. */
int reg_reload(struct registrar *reg);
/* Check and convert cfg; -1 with a message in err otherwise. */
int reg_config_check(const struct reg_config *cfg, char *err, size_t errlen);
uint32_t reg_id(const struct registrar *reg);
struct hs *reg_hs(struct registrar *reg);

/* Use io for every association (tests); reg_listen() sets its own. */
void reg_set_io(struct registrar *reg, const struct reg_io *io);
/*
 * Listen for ASAP on cfg->asap over transport kind (resolved), log the
 * bound addresses ("ASAP listening on ADDRS (KIND)"), and start the
 * announces unless -asapannounce=off.  -1 with a logged reason.
 */
int reg_listen(struct registrar *reg, int kind);

/*
 * ENRP: use io (tests), then start the peer table, the Presence cycle
 * and the mentor phase.  reg_listen() does both itself for -enrp.
 */
void reg_set_enrp_io(struct registrar *reg, const struct reg_enrp_io *io);
int reg_enrp_start(struct registrar *reg);
void reg_enrp_msg(struct registrar *reg, uint32_t assoc, uint32_t ppid,
    const uint8_t *data, size_t len);
void reg_enrp_lost(struct registrar *reg, uint32_t assoc);
void reg_enrp_up(struct registrar *reg, uint32_t assoc);
/* Peers in the table (any state); 1 while the mentor phase runs. */
size_t reg_peer_count(const struct registrar *reg);
/* One line: "T[O] PEs in P Pools, K Peers" (RSPLIB's CSP status text; O
 * of the T PEs ours), plus ", N refused" once registrations were. */
void reg_status_text(struct registrar *reg, char *text, size_t len);
int reg_in_startup(const struct registrar *reg);
/* IDs of the peers known by ID (up to max, for CSP reports). */
size_t reg_peer_ids(const struct registrar *reg, uint32_t *ids, size_t max);
/* A peer's state name ("unknown", "alive", "wait-response",
 * "takeover"), or NULL. */
const char *reg_peer_state(const struct registrar *reg, uint32_t id);

/* Association events, from the transport or from tests. */
void reg_assoc_msg(struct registrar *reg, uint32_t assoc, uint32_t ppid,
    const uint8_t *data, size_t len);
void reg_assoc_lost(struct registrar *reg, uint32_t assoc);
/* An association we opened (takeover) is up. */
void reg_assoc_up(struct registrar *reg, uint32_t assoc);
/* Who takes over peer id: our own ID while our takeover runs, the ID of
 * the registrar whose Init Takeover we acknowledged, else 0. */
uint32_t reg_peer_taker(const struct registrar *reg, uint32_t id);

/* core/registrar/metrics.c: the registrar's metrics (docs/metrics.md),
 * arg: struct registrar (an mx_fill_fn of core/metrics_export.h). */
struct mx;
void reg_metrics_fill(struct mx *m, void *arg);

/* PEs the registrar owns, and live associations it tracks. */
size_t reg_pe_count(const struct registrar *reg);
size_t reg_assoc_count(const struct registrar *reg);
/* Keep-alive state of a PE: "idle", "wait-ack", or NULL if unknown. */
const char *reg_pe_ka_state(
    const struct registrar *reg, const struct rsp_handle *h, uint32_t id);

#endif
