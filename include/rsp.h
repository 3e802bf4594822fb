/*
 * rsp library: the pool element and pool user sides of ASAP plus the
 * session layer (docs/wire.md sections 3.4, 6, 10.2-10.4), in basic
 * mode: everything runs in the caller's event loop (core/ev.h, or
 * rsp_loop_*() below for applications with their own loop), the
 * library never prints, never exits and never blocks (except the
 * explicitly blocking rsp_loop_run() and rsp_pu_resolve_wait()).  Errors
 * are returned as RSP_E* codes; rsp_strerror() names them.
 * docs/library.md describes the whole API with examples.
 *
 * Registrars come from a static list and, optionally, from ASAP Server
 * Announces; each object hunts for one as RSPLIB does and moves to
 * another when it fails or does not answer within 3 s (struct
 * rsp_timing).
 *
 * A pool element (struct rsp_element) registers with a registrar,
 * re-registers every rereg_ms (life 3 x rereg_ms),
 * answers endpoint keep-alives and deregisters on request.  Its sessions
 * are the associations PUs open to its user transport.
 *
 * A pool user session (struct rsp_session) resolves a pool handle,
 * connects to one PE and carries application messages; when that PE's
 * association fails it reports the PE unreachable, resolves again,
 * connects to another PE, sends a Cookie Echo first if a cookie was
 * received, and tells the application (RSP_EV_FAILOVER).
 *
 * A basic-mode pool user (struct rsp_pu) only resolves pool handles,
 * with a PU-side cache and the pool's policy applied at the PU, and
 * reports unreachable PEs; the application connects itself.
 */
#ifndef RSP_H
#define RSP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RSP_LIB_VERSION 1 /* bumped on incompatible API changes */

struct ev_loop;
struct rsp_element;
struct rsp_session;

enum rsp_error {
	RSP_OK = 0,
	RSP_ESYSTEM = 1,   /* see errno */
	RSP_ECONFIG = 2,   /* a configuration value is invalid */
	RSP_EREFUSED = 3,  /* the registrar refused (a registration) */
	RSP_ENOREG = 4,    /* no registrar reachable */
	RSP_ENOPE = 5,     /* no pool element available */
	RSP_ESTATE = 6,    /* not possible in the current state */
	RSP_EMSGSIZE = 7,  /* message too long */
	RSP_EAGAIN = 8,    /* try again later */
	RSP_ETIMEDOUT = 9, /* a blocking call ran out of time */
	RSP_ENOPOOL = 10,  /* the registrar knows no such pool */
};
#define RSP_ERROR_MAX RSP_ENOPOOL

const char *rsp_strerror(int err);
/* An RFC 5354 error cause (or one of RSPLIB's, docs/wire.md 2.6) in
 * words: "unknown pool handle"; "unknown cause" if none. */
const char *rsp_strcause(unsigned cause);
int rsp_lib_version(void);

#define RSP_REGISTRARS_MAX 16

/* Transport kinds for the configs' `transport` (core/transport/transport.h's
 * TR_SCTP, TR_TCP: TCP is the TCP mapping of docs/wire.md 7). */
#define RSP_TRANSPORT_SCTP 0
#define RSP_TRANSPORT_TCP  1

/*
 * The registrar channel's timing, RSPLIB's -registrar*= options
 * (docs/wire.md 10.3); a field left 0 takes the default in brackets.
 * announce_timeout_ms: an announced registrar is forgotten this long
 *	after its last ASAP Server Announce [5000].
 * connect_timeout_ms: the hunt tries the next block of registrars
 *	after this long [7500].
 * connect_max_trials: full hunt rounds that reach no registrar before
 *	the channel reports the failure (and starts again) [1].
 * request_timeout_ms: a pool user's resolution waits this long for a
 *	registrar to send it to, then fails with RSP_ENOREG [3000].
 * response_timeout_ms: an answer not there this long after its request
 *	drops the registrar; the channel hunts for another [3000].
 * request_max_trials: registrars a pool user's resolution is sent to
 *	before it fails with RSP_ENOREG [2; RSPLIB's is 1].
 * Elements and sessions retry without limit, as RSPLIB's do.
 */
struct rsp_timing {
	long long announce_timeout_ms;
	long long connect_timeout_ms;
	long long connect_max_trials;
	long long request_timeout_ms;
	long long response_timeout_ms;
	long long request_max_trials;
};

#define RSP_ANNOUNCE_TIMEOUT_MS 5000
#define RSP_CONNECT_TIMEOUT_MS  7500
#define RSP_CONNECT_MAX_TRIALS  1
#define RSP_REQUEST_TIMEOUT_MS  3000
#define RSP_RESPONSE_TIMEOUT_MS 3000
#define RSP_REQUEST_MAX_TRIALS  2

/*
 * What an element or a session has done, for an application's metrics
 * (docs/metrics.md): point the config's `counters` at a zeroed struct
 * and the library adds to it.  Several objects may share one, and it
 * outlives them: a pool user that starts a session per job still has
 * one set of totals.  Messages are application messages (not ASAP);
 * "sent" counts what rsp_*_send() accepted.
 */
struct rsp_counters {
	uint64_t msgs_sent, msgs_received;
	uint64_t bytes_sent, bytes_received; /* their payload */
	/* element: sessions PUs opened; session: PEs it connected to,
	 * the first one and each one after a failover */
	uint64_t sessions;
	uint64_t failovers;     /* session: RSP_EV_FAILOVER */
	uint64_t cookie_echoes; /* element: received; session: sent */
	uint64_t registrations; /* element: accepted (re-registrations too) */
	/* RSP_EV_ERROR and RSP_EV_REG_FAILED by their RSP_E* code */
	uint64_t errors[RSP_ERROR_MAX + 1];
};

struct rsp_element_config {
	const char *pool_handle;
	const char *policy; /* RSPLIB -policy= form, NULL: RoundRobin */
	const char *registrars[RSP_REGISTRARS_MAX]; /* "addr:port" lists */
	int nregistrars;
	const char *local;   /* user transport addresses, NULL: any */
	uint32_t identifier; /* PE ID, 0: random */
	long long rereg_ms;  /* re-registration interval, 0: 30000 */
	int transport; /* resolved transport kind (core/transport/transport.h) */
	/* ASAP Server Announce group: NULL or "off" none, "auto"
	 * (RSP_ANNOUNCE_AUTO) or "group[:port]".  Announced registrars
	 * join the static ones; nregistrars may then be 0. */
	const char *announce;
	struct rsp_timing timing;
	struct rsp_counters *counters; /* NULL: none kept */
	/*
	 * Basic mode (RSPLIB's rsp_pe_registration): the application owns
	 * the user transport.  When user_addrs is set ("addr[,addr...]:port",
	 * port required; 0.0.0.0 or :: for the local addresses of the
	 * registrar association), the element listens on nothing and
	 * registers these, user_transport (RSP_TRANSPORT_*) their kind and
	 * data_only their use (1: the PE takes no ASAP on it).  It has no
	 * sessions then: rsp_element_send() and the like fail (RSP_ESTATE).
	 */
	const char *user_addrs;
	int user_transport;
	int data_only;
};

struct rsp_session_config {
	const char *pool_handle;
	const char *registrars[RSP_REGISTRARS_MAX];
	int nregistrars;
	int transport;
	const char *announce; /* as in rsp_element_config */
	struct rsp_timing timing;
	struct rsp_counters *counters; /* NULL: none kept */
};

/* RSPLIB's default ASAP announce group (-asapannounce=auto). */
#define RSP_ANNOUNCE_AUTO "239.0.0.50:3863"

/*
 * The applets' rule for -registrar= and -asapannounce=: *announce NULL
 * becomes "auto" when there is no static registrar (RSPLIB's default)
 * and "off" otherwise (nothing joins a multicast group unasked).
 * RSP_ECONFIG if *announce is invalid or nregistrars is out of range.
 */
int rsp_discovery_options(int nregistrars, const char **announce);

enum rsp_event_type {
	RSP_EV_REGISTERED = 1, /* element: registration accepted (pe_id) */
	RSP_EV_REG_FAILED,     /* element: refused for good (error, cause) */
	RSP_EV_DEREGISTERED,   /* element: deregistered (or gave up) */
	RSP_EV_SESSION_UP,     /* element: a PU connected; session: connected */
	RSP_EV_MSG,            /* a message: session, ppid, stream, data */
	RSP_EV_COOKIE_ECHO,    /* element: a PU's Cookie Echo (data) */
	RSP_EV_SESSION_DOWN,   /* element: a session ended */
	RSP_EV_FAILOVER,       /* session: now connected to another PE */
	RSP_EV_CLOSED,         /* session: the PE ended it gracefully */
	RSP_EV_BUSINESS_CARD,  /* either: a peer's business card */
	/* either: an attempt failed, the object tries again by itself:
	 * error RSP_ENOREG (no registrar reached; detail names the ones
	 * tried), RSP_ENOPOOL (the registrar knows no such pool), RSP_ENOPE
	 * (no PE given, or the PE given did not answer or ended the
	 * session at once: full, or it refused our cookie).  The
	 * application decides how long to let it try. */
	RSP_EV_ERROR,
};

/* A pool element as a PU sees it (resolution, business cards). */
#define RSP_PE_ADDRS_MAX 16
#define RSP_RESOLVE_MAX  16 /* PEs one resolution hands out */

struct rsp_pe_info {
	uint32_t pe_id;
	int transport; /* kind (core/transport/transport.h), -1 if unsupported */
	uint16_t port;
	uint16_t use; /* transport use: 0 data only, 1 data + control */
	int naddrs;
	struct sockaddr_storage addrs[RSP_PE_ADDRS_MAX]; /* port set */
	uint32_t policy; /* policy type (RSP_POLICY_*) */
	uint32_t load;   /* load for load-based policies, else 0 */
	uint32_t weight; /* weight or priority where the policy has one */
};

struct rsp_event {
	enum rsp_event_type type;
	uint32_t session; /* element: the session (association) id */
	uint32_t pe_id;   /* the PE concerned */
	uint32_t ppid;
	uint16_t stream;
	const uint8_t *data; /* valid during the callback only */
	size_t len;
	int error; /* RSP_E* */
	/* RSP_EV_REG_FAILED, RSP_EV_ERROR: the registrar's RFC 5354 error
	 * cause (0: none on the wire; rsp_strcause() names it) and a line
	 * in words with the values concerned ("pool EchoPool uses
	 * RoundRobin, this PE asked for LeastUsed"); NULL if none.  Valid
	 * during the callback only. */
	unsigned cause;
	const char *detail;
	/* RSP_EV_BUSINESS_CARD: data/len the sender's pool handle, pes
	 * its PEs in preferred failover order. */
	const struct rsp_pe_info *pes;
	int npes;
	/* RSP_EV_FAILOVER: application messages sent to the previous PE
	 * that it never acknowledged (its application may not have seen
	 * them: possibly lost).  The library does not send them again, as
	 * RSPLIB: with a cookie the new PE may already hold their effect. */
	int unacked;
};

typedef void rsp_event_cb(const struct rsp_event *ev, void *arg);

/* Parse an RSPLIB -policy= value ("LeastUsedDegradation:0.5") into a
 * type and its wire fields; load fields start at 0. */
struct rsp_policy;
int rsp_policy_parse(const char *s, struct rsp_policy *out);

/*
 * Start a pool element in loop: listen on its user transport, then
 * find a registrar and register.  NULL with *err set on failure.
 */
struct rsp_element *rsp_element_new(struct ev_loop *loop,
    const struct rsp_element_config *cfg, rsp_event_cb *cb, void *arg,
    int *err);
uint32_t rsp_element_id(const struct rsp_element *e);
/* The user transport port. */
uint16_t rsp_element_port(const struct rsp_element *e);
int rsp_element_send(struct rsp_element *e, uint32_t session, uint32_t ppid,
    uint16_t stream, const void *data, size_t len);
/* Send an ASAP Cookie (PPID 11) on a session. */
int rsp_element_send_cookie(
    struct rsp_element *e, uint32_t session, const void *data, size_t len);
/* Graceful end of a session. */
int rsp_element_close_session(struct rsp_element *e, uint32_t session);
/* Immediate end of a session (SCTP ABORT), as RSPLIB's services end a
 * session on a protocol error: the PU fails over.  No further events
 * come for the session, RSP_EV_SESSION_DOWN included. */
int rsp_element_abort_session(struct rsp_element *e, uint32_t session);
/* New load (0..0xffffffff) for load-based policies: re-registers. */
int rsp_element_set_load(struct rsp_element *e, uint32_t load);
/* Deregister; RSP_EV_DEREGISTERED follows (at most 3 s later). */
int rsp_element_deregister(struct rsp_element *e);
/* Abort everything, free.  Not from within the element's callback. */
void rsp_element_free(struct rsp_element *e);

/* Start a session: resolve, connect.  Messages sent before it is up
 * are queued. */
struct rsp_session *rsp_session_new(struct ev_loop *loop,
    const struct rsp_session_config *cfg, rsp_event_cb *cb, void *arg,
    int *err);
int rsp_session_send(struct rsp_session *s, uint32_t ppid, uint16_t stream,
    const void *data, size_t len);
/* Report the current PE unreachable and fail over to another one. */
int rsp_session_failover(struct rsp_session *s);
/* Fail over to another PE without reporting the current one (RSPLIB's
 * rsp_forcefailover with FFF_NONE): for a PE that refused the session
 * or closed it, which is not unreachable. */
int rsp_session_reconnect(struct rsp_session *s);
/* 1 when a PE sent a cookie on this session (the next failover starts
 * with a Cookie Echo). */
int rsp_session_has_cookie(const struct rsp_session *s);
/* 1 when connected to a PE. */
int rsp_session_is_up(const struct rsp_session *s);
/* Messages sent to the current PE not yet acknowledged (-1: none up). */
int rsp_session_unacked(const struct rsp_session *s);
/* The current PE's ID, 0 if none. */
uint32_t rsp_session_pe_id(const struct rsp_session *s);
/* Graceful close of the current association. */
int rsp_session_shutdown(struct rsp_session *s);
/* Not from within the session's callback. */
void rsp_session_free(struct rsp_session *s);

/*
 * Monitoring (CSP reports, core/csp_report.h): what an element or a
 * session is associated with right now.  Times are ev_now_ms() values.
 */
struct rsp_status {
	int registrar_up;      /* associated with a registrar */
	uint32_t registrar_id; /* its server ID (from keep-alives), 0 unknown */
	uint64_t registrar_since_ms;
	uint32_t pe_id; /* session: the PE it is connected to, 0 none */
	uint64_t pe_since_ms;
	uint32_t ppid; /* session: PPID of the last message sent */
	int transport; /* transport kind (core/transport/transport.h) */
	int has_load;  /* element: its policy is load-based */
	uint32_t load; /* element: its current load, 0..0xffffffff */
};
void rsp_element_status(const struct rsp_element *e, struct rsp_status *st);
void rsp_session_status(const struct rsp_session *s, struct rsp_status *st);

/*
 * The descriptor on which the input of a session that is up arrives,
 * for an application that runs the loop on one thread and waits for a
 * session's messages on another (docs/library.md, "Threads": RSPLIB's
 * API does): -1 when no descriptor says so (SCTP, TLS, not up).  An
 * element's: those of a session or, session 0, of all its sessions, at
 * most max into fds; their number.  The input is still read by the
 * loop's callbacks (rsp_loop_process() and the like), never by the
 * application.
 */
int rsp_session_fd(const struct rsp_session *s);
int rsp_element_session_fds(
    const struct rsp_element *e, uint32_t session, int *fds, int max);

/*
 * Running the library in an application's own event loop.  Every rsp
 * object lives in a loop from rsp_loop_new() (or core/ev.h's
 * ev_loop_new(): the same thing).  Wait until rsp_loop_fd() is
 * readable or rsp_loop_timeout() ms have passed (-1: no timeout), then
 * call rsp_loop_process(), which runs what is due and never blocks.
 * rsp_loop_run() is the blocking convenience: it processes until *done
 * becomes non-zero (RSP_OK) or timeout_ms pass (RSP_ETIMEDOUT; -1:
 * no limit).  Not from within a callback of the same loop.
 */
struct ev_loop *rsp_loop_new(void);
void rsp_loop_free(struct ev_loop *loop);
int rsp_loop_fd(const struct ev_loop *loop);
int rsp_loop_timeout(const struct ev_loop *loop);
int rsp_loop_process(struct ev_loop *loop);
int rsp_loop_run(
    struct ev_loop *loop, const volatile int *done, int timeout_ms);

/*
 * Pool user, basic mode (as RSPLIB's rsp_getaddrinfo, rsp_pe_failure):
 * resolve a pool handle into pool elements and their transport
 * addresses; the application connects itself.  With stale_ms > 0 the
 * PEs the registrar returns are cached for stale_ms and further
 * resolutions select among them at the PU with the pool's policy (the
 * registrar's selection code, docs/wire.md 5.4) without asking the
 * registrar; with stale_ms 0 every resolution asks it for one PE (HR
 * option Items = 1, as RSPLIB's example clients).  A resolution is
 * sent to a second registrar once if the first fails or does not
 * answer within 3 s.
 */
struct rsp_pu;

/* A cache lifetime to start from, ms: RSPLIB 3 takes the stale cache
 * value per call (its example clients pass 0, no cache); 5 s was the
 * default cache element timeout of its earlier versions. */
#define RSP_STALE_DEFAULT 5000

struct rsp_pu_config {
	const char *registrars[RSP_REGISTRARS_MAX];
	int nregistrars;
	const char *announce; /* as in rsp_element_config */
	int transport;
	long long stale_ms; /* cache lifetime; 0: no cache */
	struct rsp_timing timing;
};

/* err RSP_OK: npes >= 1 PEs, pes[0] is the one the policy chose, the
 * others follow in policy order.  Else RSP_ENOPOOL, RSP_ENOPE,
 * RSP_ENOREG.  pes is valid during the callback only. */
typedef void rsp_resolve_cb(
    int err, const struct rsp_pe_info *pes, int npes, void *arg);

struct rsp_pu *rsp_pu_new(
    struct ev_loop *loop, const struct rsp_pu_config *cfg, int *err);
/* Start a resolution; cb runs later from the loop, never from within
 * this call. */
int rsp_pu_resolve(
    struct rsp_pu *pu, const char *pool_handle, rsp_resolve_cb *cb, void *arg);
/* Report pe_id of the pool unreachable (ASAP Endpoint Unreachable to
 * the registrar) and drop it from the cache. */
int rsp_report_failure(
    struct rsp_pu *pu, const char *pool_handle, uint32_t pe_id);
/* Not from within the PU's callback: pending callbacks are dropped. */
void rsp_pu_free(struct rsp_pu *pu);

/*
 * Blocking one-shot resolution in a loop of its own: up to max PEs into
 * out (out[0] the chosen one), *npes their number.  RSP_OK or an error
 * of rsp_resolve_cb, RSP_ETIMEDOUT after timeout_ms, RSP_ECONFIG.
 */
int rsp_pu_resolve_wait(const struct rsp_pu_config *cfg,
    const char *pool_handle, struct rsp_pe_info *out, int max, int *npes,
    int timeout_ms);

/*
 * ASAP Business Card (RFC 5351 s.3, RFC 5352 s.2.2.11; docs/wire.md
 * 3.3.12, 6.3), RFC form (pool handle, PE parameters): tell the peer of
 * a session which pool we belong to and which PEs of it to fail over
 * to, in order.  The element sends its own pool handle and, when n is
 * 0, itself (its user transport as the session sees it).  RSPLIB
 * neither sends nor reads business cards: never expect an effect on an
 * RSPLIB peer.  Received cards arrive as RSP_EV_BUSINESS_CARD; a session
 * also fails over to the PEs of its PE's card for the session's pool,
 * in order, before resolving again.
 */
int rsp_session_send_business_card(struct rsp_session *s,
    const char *pool_handle, const struct rsp_pe_info *pes, int n);
int rsp_element_send_business_card(struct rsp_element *e, uint32_t session,
    const struct rsp_pe_info *pes, int n);

#endif
