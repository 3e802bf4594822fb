/*
 * RSPLIB 3's application interface (<rserpool/rserpool.h>, RSPLIB
 * 3.4.4), provided by rsp's librsplib.so.3 (docs/library.md, "RSPLIB's
 * API"): the same names, constants and data layouts, so that programs
 * built against RSPLIB run on it unchanged.  Basic mode: the application
 * resolves pool handles itself (rsp_getaddrinfo) and registers its own
 * sockets (rsp_pe_registration).  Enhanced mode: RSerPool sockets
 * (rsp_socket) whose sessions fail over by themselves.
 * ISC licence (LICENSE).
 */
#ifndef RSERPOOL_H
#define RSERPOOL_H

#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include "rserpool-csp.h"
#include "rserpool-policytypes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The RSPLIB API version this header describes (RSPLIB 3 says 2.3). */
#define RSPLIB_VERSION  2
#define RSPLIB_REVISION 3

#define ASAP_PORT                       3863 /* RFC 5352 */
#define ENRP_PORT                       9901 /* RFC 5353 */
#define ASAP_ANNOUNCE_MULTICAST_ADDRESS "239.0.0.50:3863"
#define ENRP_ANNOUNCE_MULTICAST_ADDRESS "239.0.0.51:9901"

/* ---- Initialisation ------------------------------------------------ */

/* A static registrar: rri_addrs addresses packed back to back in
 * rri_addr (struct sockaddr_in or sockaddr_in6 each, port set). */
struct rsp_registrar_info {
	struct rsp_registrar_info *rri_next;
	struct sockaddr *rri_addr;
	size_t rri_addrs;
};

/* What rsp_initarg() collects and rsp_initialize() takes; the times
 * are milliseconds, 0 meaning the default. */
struct rsp_info {
	unsigned int ri_version;
	unsigned int ri_revision;
	const char *ri_build_date; /* unused */
	const char *ri_build_time; /* unused */
	struct rsp_registrar_info *ri_registrars;
	int ri_disable_autoconfig;              /* 1: no ASAP announces */
	struct sockaddr *ri_registrar_announce; /* NULL: the default group */

	unsigned int ri_registrar_announce_timeout;
	unsigned int ri_registrar_connect_timeout;
	unsigned int ri_registrar_connect_max_trials;
	unsigned int ri_registrar_request_timeout;
	unsigned int ri_registrar_response_timeout;
	unsigned int ri_registrar_request_max_trials;

	uint64_t ri_csp_identifier;
	struct sockaddr *ri_csp_server;
	unsigned int ri_csp_interval;
};

/* A PE's policy and its values (rserpool-policytypes.h). */
struct rsp_loadinfo {
	uint32_t rli_policy;
	uint32_t rli_weight;
	uint32_t rli_weight_dpf;
	uint32_t rli_load;
	uint32_t rli_load_degradation;
	uint32_t rli_load_dpf;
};

#define REGF_DONTWAIT       (1 << 0) /* return before the registrar answers */
#define REGF_CONTROLCHANNEL (1 << 1) /* the PE takes ASAP on its transport */
#define REGF_DAEMONMODE     (1 << 2) /* keep trying after errors */
#define DEREGF_DONTWAIT     (1 << 0) /* return before the registrar answers */

void rsp_initinfo(struct rsp_info *info);
/* Frees what rsp_initarg() allocated (the registrar list). */
void rsp_freeinfo(struct rsp_info *info);
/* One command line argument: 1 if it is a library option (now in
 * info), 0 if not (or if its value is bad: a message says why). */
int rsp_initarg(struct rsp_info *info, const char *arg);
/* 0, or -1 with errno.  info NULL: the defaults. */
int rsp_initialize(struct rsp_info *info);
void rsp_cleanup(void);

/* ---- Basic mode ---------------------------------------------------- */

/* One PE of a resolution; ai_addr holds ai_addrs addresses packed back
 * to back, as in struct rsp_registrar_info. */
struct rsp_addrinfo {
	int ai_family;
	int ai_socktype;
	int ai_protocol;
	size_t ai_addrlen;
	size_t ai_addrs;
	struct sockaddr *ai_addr;
	struct rsp_addrinfo *ai_next;
	uint32_t ai_pe_id;
};

/* Registration of the PE ai_pe_id (0: a new random ID, written back)
 * at its transport addresses; 0 or an RSPLIB error number. */
unsigned int rsp_pe_registration(const unsigned char *pool_handle,
    const size_t pool_handle_size, struct rsp_addrinfo *addrinfo,
    const struct rsp_loadinfo *loadinfo, unsigned int life_ms, const int flags);
unsigned int rsp_pe_deregistration(const unsigned char *pool_handle,
    const size_t pool_handle_size, const uint32_t identifier, const int flags);
/* ASAP Endpoint Unreachable for a PE of the pool. */
unsigned int rsp_pe_failure(const unsigned char *pool_handle,
    const size_t pool_handle_size, const uint32_t identifier);

#define RSPGETADDRS_MIN     ((size_t)1)
#define RSPGETADDRS_MAX     ((size_t)0xffffffff)
#define RSPGETADDRS_DEFAULT ((size_t)0)

/* Handle resolution: the number of PEs in *result (a list to give to
 * rsp_freeaddrinfo()), or a negative REAI_* error. */
int rsp_getaddrinfo(const unsigned char *pool_handle,
    const size_t pool_handle_size, struct rsp_addrinfo **result,
    const size_t items, const unsigned int stale_ms);
void rsp_freeaddrinfo(struct rsp_addrinfo *list);

#define REAI_NONAME -1 /* the pool is unknown or has no PE */
#define REAI_MEMORY -2 /* out of memory */
#define REAI_SYSTEM -3 /* see errno */
#define REAI_FAMILY -4 /* an address family that cannot be handled */

/* ---- Enhanced mode: RSerPool sockets --------------------------------- */

typedef int rserpool_session_t;

#define SESSION_SETSIZE 16384

/* rsp_recvmsg()'s *msg_flags: the buffer holds a notification, or a
 * Cookie Echo (PE side). */
#define MSG_RSERPOOL_NOTIFICATION (1 << 0)
#define MSG_RSERPOOL_COOKIE_ECHO  (1 << 1)

/* The PPID is in network byte order, in both directions. */
struct rsp_sndrcvinfo {
	rserpool_session_t rinfo_session;
	uint32_t rinfo_ppid;
	uint32_t rinfo_pe_id;
	uint32_t rinfo_timetolive;
	uint16_t rinfo_stream;
};

/* Notifications: each starts with the rn_header fields. */
#define RSERPOOL_SESSION_CHANGE 1
#define RSERPOOL_FAILOVER       2
#define RSERPOOL_SHUTDOWN_EVENT 3

#define RSERPOOL_FAILOVER_NECESSARY 1 /* call rsp_forcefailover() */
#define RSERPOOL_FAILOVER_COMPLETE  2

struct rserpool_failover {
	uint16_t rf_type;
	uint16_t rf_flags;
	uint32_t rf_length;
	unsigned int rf_state;
	rserpool_session_t rf_session;
	unsigned char rf_has_cookie;
};

#define RSERPOOL_SESSION_ADD    1
#define RSERPOOL_SESSION_REMOVE 2

struct rserpool_session_change {
	uint16_t rsc_type;
	uint16_t rsc_flags;
	uint32_t rsc_length;
	unsigned int rsc_state;
	rserpool_session_t rsc_session;
};

struct rserpool_shutdown_event {
	uint16_t rse_type;
	uint16_t rse_flags;
	uint32_t rse_length;
	rserpool_session_t rse_session;
};

union rserpool_notification {
	struct {
		uint16_t rn_type;
		uint16_t rn_flags;
		uint32_t rn_length;
	} rn_header;
	struct rserpool_failover rn_failover;
	struct rserpool_session_change rn_session_change;
	struct rserpool_shutdown_event rn_shutdown_event;
};

struct rserpool_session_parameters {
	unsigned int sp_rto_initial;
	unsigned int sp_rto_min;
	unsigned int sp_rto_max;
	unsigned int sp_assoc_max_rxt;
	unsigned int sp_path_max_rxt;
	unsigned int sp_hbinterval;
};

/* A new RSerPool socket (a descriptor of the kernel's), -1 with errno. */
int rsp_socket(int domain, int type, int protocol);
int rsp_close(int sd);
/* poll() and select() over RSerPool sockets and any other descriptors. */
int rsp_poll(struct pollfd *fds, unsigned int nfds, int timeout_ms);
int rsp_select(int n, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
    struct timeval *timeout);
/* Other descriptors under RSerPool calls (rsp_read on stdin). */
int rsp_mapsocket(int sd, int to_sd);
int rsp_unmapsocket(int sd);

/* Transport parameters of the sessions; unchanged here, 0 or -1. */
int rsp_update_session_parameters(
    int sd, struct rserpool_session_parameters *params);
/* rsp_getsockopt/rsp_setsockopt: the kernel's for other descriptors. */
int rsp_getsockopt(
    int sd, int level, int optname, void *optval, socklen_t *optlen);
int rsp_setsockopt(
    int sd, int level, int optname, const void *optval, socklen_t optlen);

/* Pool element: the addresses to register (packed as in struct
 * rsp_addrinfo; 0 of them: all), then sessions to take. */
int rsp_bind(int sd, const struct sockaddr *addrs, int addrcnt);
int rsp_listen(int sd, int backlog);
/* Register the socket as a PE of the pool (0, or -1 with errno); a
 * further call updates its load.  REGF_* flags. */
int rsp_register(int sd, const unsigned char *pool_handle,
    const size_t pool_handle_size, const struct rsp_loadinfo *loadinfo,
    unsigned int rereg_ms, int flags);
/* DEREGF_* flags. */
int rsp_deregister(int sd, int flags);
/* The socket of a new session (one-to-one sockets: SOCK_STREAM). */
int rsp_accept(int sd, int timeout_ms);
/* The PE's pool handle (may be NULL) and ID. */
int rsp_getsockname(int sd, unsigned char *pool_handle,
    size_t *pool_handle_size, uint32_t *identifier);

/* Pool user: a session to a PE of the pool. */
int rsp_connect(int sd, const unsigned char *pool_handle,
    const size_t pool_handle_size, const unsigned int stale_ms);
/* 1 when the PE sent a cookie (a failover starts with its echo). */
int rsp_has_cookie(int sd);
/* The PE of the session: its pool handle and ID. */
int rsp_getpeername(int sd, unsigned char *pool_handle,
    size_t *pool_handle_size, uint32_t *identifier);

#define FFF_NONE        0        /* fail over */
#define FFF_UNREACHABLE (1 << 0) /* and report the PE unreachable */

int rsp_forcefailover(
    int sd, const unsigned int flags, const unsigned int stale_ms);

/* Message I/O; timeout_ms -1 waits without limit. */
ssize_t rsp_sendmsg(int sd, const void *data, size_t len,
    unsigned int msg_flags, rserpool_session_t session, uint32_t ppid,
    uint16_t stream, uint32_t ttl, uint16_t sctp_flags, int timeout_ms);
/* Returns what fits in the buffer; MSG_EOR in *msg_flags when the
 * message is complete. */
ssize_t rsp_recvmsg(int sd, void *buffer, size_t len,
    struct rsp_sndrcvinfo *rinfo, int *msg_flags, int timeout_ms);
/* A PE's ASAP Cookie for the session, echoed by the PU on failover. */
ssize_t rsp_send_cookie(int sd, const unsigned char *cookie, const size_t len,
    rserpool_session_t session, int timeout_ms);
/* rsp_recvmsg() until MSG_EOR or the buffer is full. */
ssize_t rsp_recvfullmsg(int sd, void *buffer, size_t len,
    struct rsp_sndrcvinfo *rinfo, int *msg_flags, int timeout_ms);
ssize_t rsp_read(int fd, void *buffer, size_t len);
ssize_t rsp_recv(int sd, void *buffer, size_t len, int flags);
ssize_t rsp_write(int fd, const char *data, size_t len);
ssize_t rsp_send(int sd, const void *data, size_t len, int flags);

/* ---- Miscellaneous ------------------------------------------------- */

void rsp_print_notification(
    const union rserpool_notification *notification, FILE *fd);
/* RSPLIB's policy names ("LeastUsed"); NULL / PPT_UNDEFINED if unknown. */
const char *rsp_getpolicybytype(unsigned int policy_type);
unsigned int rsp_getpolicybyname(const char *policy_name);
/* The status text of CSP reports for the session. */
int rsp_csp_setstatus(
    int sd, rserpool_session_t session, const char *status_text);

#ifdef __cplusplus
}
#endif

#endif
