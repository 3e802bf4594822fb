/*
 * RSPLIB's API over the rsp library (include/rserpool/rserpool.h,
 * docs/library.md "RSPLIB's API").  One process-wide state: an rsp
 * event loop run by a thread of its own (started by rsp_initialize),
 * and one mutex over everything, the loop included.  Calls of the API
 * take the mutex, change what they must and wake the loop thread;
 * blocking calls wait on the condition, which every event of the loop
 * broadcasts.  Library callbacks run on the loop thread with the mutex
 * held.
 */
#ifndef CORE_RSPLIB_INTERNAL_H
#define CORE_RSPLIB_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "include/rserpool/rserpool-internals.h"
#include "include/rsp.h"

#define CP_HANDLE_MAX  32    /* bytes of a pool handle (docs/wire.md 3.3.1) */
#define CP_CONNECT_MS  5000  /* rsp_connect/rsp_forcefailover wait, RSPLIB's */
#define CP_RESOLVE_MS  30000 /* a basic-mode resolution, at most */
#define CP_SESSION_ID  1     /* a PU socket's one session */
#define CP_STATUS_MAX  128   /* rsp_csp_setstatus() text */
#define CP_LOCAL_MAX   512   /* rsp_bind()'s addresses as a string */
#define CP_REGISTER_MS 10000 /* a registration's answer, at most */
/* The TCP mapping's ACK waits this long for the application's answer
 * to go with it (tr_config.ack_delay; docs/library.md "Threads"). */
#define CP_ACK_DELAY_MS 20

/* The Linux values of <netinet/sctp.h> that RSPLIB's programs pass as
 * rsp_sendmsg()'s sctp_flags to end a session. */
#define CP_SCTP_ABORT 0x0004
#define CP_SCTP_EOF   0x0200

enum cp_pe_state { CP_PE_PENDING, CP_PE_UP, CP_PE_REFUSED, CP_PE_GONE };

/* RSPLIB's error numbers (not in its public headers) that the basic
 * mode's registration calls return. */
#define RSPERR_OKAY                0x0000
#define RSPERR_OUT_OF_RESOURCES    0x0006
#define RSPERR_INVALID_VALUE       0x0011
#define RSPERR_NOT_FOUND           0x0009
#define RSPERR_NOT_INITIALIZED     0x1000
#define RSPERR_NO_REGISTRAR        0x1007
#define RSPERR_TIMEOUT             0x1008
#define RSPERR_INVALID_POOL_POLICY 0xf003
#define RSPERR_INVALID_POOL_HANDLE 0xf004
#define RSPERR_INVALID_ADDRESSES   0xf005

/* A received message or a notification, queued on its socket. */
struct cp_item {
	struct cp_item *next;
	int notification;
	union rserpool_notification n;
	uint32_t ppid; /* host order */
	uint32_t pe_id;
	uint16_t stream;
	int cookie_echo;            /* PE side: a PU's Cookie Echo */
	rserpool_session_t session; /* PE side: the session it came on */
	size_t len, off; /* off: what rsp_recvmsg() gave back already */
	uint8_t data[];
};

/*
 * An RSerPool socket.  Its descriptor is an eventfd of the kernel's, so
 * that its number clashes with no other descriptor and poll() sees it:
 * readable while the queue holds something.
 */
struct cp_sock {
	struct cp_sock *next;
	int fd;
	int mapped; /* rsp_mapsocket(): a plain descriptor of the caller */
	struct rsp_session *session;
	char handle[CP_HANDLE_MAX + 1];
	uint32_t pe_id;    /* the PE of the last message, 0 none */
	int ups;           /* sessions up so far (connects and failovers) */
	int auto_failover; /* the library failed over: not yet completed
	                      for the application by rsp_forcefailover() */
	int closed;        /* the PE ended the session */
	int forcing;       /* rsp_forcefailover() waits for this failover */
	int error;         /* the last RSP_EV_ERROR's RSP_E* */
	struct cp_item *qhead, **qtail;
	char status[CP_STATUS_MAX];
	/* Pool element side (element.c, accept.c).  A registered socket
	 * owns the rsp element; rsp_socket(SOCK_STREAM) makes it
	 * one-to-one: each session becomes a socket of its own that
	 * rsp_accept() hands out (parent, sid); else one-to-many: every
	 * session's messages come on the registered socket itself. */
	int one_to_one;
	int listening;
	char local[CP_LOCAL_MAX]; /* rsp_bind(): "addr,addr:port", "" any */
	struct rsp_element *element;
	int pe_state;                /* enum cp_pe_state */
	struct cp_sock *accept_head; /* sessions not accepted yet */
	struct cp_sock *accept_next; /* in the parent's accept queue */
	struct cp_sock *parent;      /* an accepted session's socket */
	uint32_t sid;                /* its session at the element */
	int ended;                   /* its session is over: reads 0 */
	int nsessions;               /* a PE's sessions now (CSP) */
	int dereg_sent;              /* its PE was deregistered */
	int direct_waiters; /* descriptors threads poll for it (direct.c) */
	int efd_readable;   /* what its eventfd says now (cp_sock_signal) */
	int hold;           /* >0: a thread reads for itself (direct.c): the
	                       eventfd may lag the queue until cp_sock_sync */
};

/* A transport descriptor the loop does not watch for input while
 * application threads wait on it themselves (direct.c). */
#define CP_LEASES_MAX 64
struct cp_lease {
	int fd;
	uint32_t gen; /* its registration in the loop (ev_fd_gen) */
	int used;     /* waited on since the last lease check */
	int waiters;  /* waiting on it now */
};

struct cp_state {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int initialized;
	struct ev_loop *loop;
	pthread_t thread;
	int wake; /* eventfd: an API call changed the loop */
	int stop;
	struct rsp_pu *pu;
	struct rsp_pu_config pu_cfg;
	struct rsp_session_config ses_cfg;
	char registrars[RSP_REGISTRARS_MAX][160];
	char announce[64];
	struct cp_sock *socks;
	uint64_t lease_timer; /* direct.c's lease check, 0 none */
	struct cp_lease leases[CP_LEASES_MAX];
	int nleases;
};

extern struct cp_state cp;

/* runtime.c */
void cp_lock(void);
void cp_unlock(void);
/* Wait for an event of the loop until deadline (cp_deadline(); -1 no
 * limit): 0, or -1 when the time is up. */
int cp_wait(long long deadline);
long long cp_deadline(int timeout_ms);
/* A call's time limit whose clock starts at its first wait: a call
 * that finds its answer waiting reads no clock (where the vDSO has no
 * usable clock, as in the SCTP test guest, each read is a system
 * call).  CP_LIMIT(timeout_ms) starts one; cp_limit_left(): the ms
 * left, -1 no limit, 0 the time is up; cp_limit_deadline(): as
 * cp_deadline(), after cp_limit_left(). */
struct cp_limit {
	int timeout_ms;
	long long deadline; /* -2: not started */
};
#define CP_LIMIT(ms) ((struct cp_limit){.timeout_ms = (ms), .deadline = -2})
int cp_limit_left(struct cp_limit *l);
long long cp_limit_deadline(const struct cp_limit *l);
/* The transport rsp_initarg's -transport= or $RSP_TRANSPORT chose. */
int cp_transport(void);
void cp_set_transport(int kind);

/* logging.c: RSPLIB's -log* options (1 taken, 0 refused with a
 * message), and logging's start and end (rsp_initialize,
 * rsp_cleanup). */
int cp_log_option(const char *arg);
void cp_log_begin(void);
void cp_log_end(void);

/* init.c */
int cp_info_to_configs(const struct rsp_info *info);
int cp_addrs_string(const struct rsp_registrar_info *r, char *out, size_t len);

/* register.c */
void cp_pes_free(void);
int cp_policy_string(const struct rsp_loadinfo *li, char *s, size_t n);
void cp_element_config(struct rsp_element_config *c, const char *handle,
    const char *policy, unsigned int rereg_ms);

/* csp.c: CSP reports (rsp_initialize; before the loop goes) */
void cp_csp_start(const struct rsp_info *info);
void cp_csp_stop(void);

/* element.c */
void cp_element_deregister(struct cp_sock *s, int dontwait);
void cp_element_close(struct cp_sock *s);

/* accept.c */
ssize_t cp_element_send(struct cp_sock *s, rserpool_session_t session,
    const void *data, size_t len, uint32_t ppid, uint16_t stream,
    uint16_t sctp_flags);
void cp_session_close(struct cp_sock *c);

/* direct.c: rsp_recvmsg's wait for input on s (the mutex held, as
 * cp_wait); cp_direct_read: what came on s's session read now (a
 * non-blocking rsp_recvmsg); cp_direct_leave: rsp_close() wakes the
 * threads waiting on s, waits for them to leave, ends its lease. */
int cp_wait_input(struct cp_sock *s, struct cp_limit *limit);
void cp_direct_read(struct cp_sock *s);
/* On the loop thread, before the loop's events: the leased descriptors
 * read (what came there may be older). */
void cp_direct_drain(void);
void cp_direct_leave(struct cp_sock *s);

/* socket.c */
struct cp_sock *cp_sock_find(int fd);
/* 1 for an RSerPool socket (not a mapped descriptor); takes the mutex. */
int cp_is_rserpool(int fd);
void cp_sock_signal(struct cp_sock *s);
void cp_sock_sync(struct cp_sock *s);
/* s has something for the application: its eventfd is readable. */
int cp_sock_ready(const struct cp_sock *s);
void cp_queue_push(struct cp_sock *s, struct cp_item *it);
/* A message event (RSP_EV_MSG, RSP_EV_COOKIE_ECHO) queued on s; the
 * item, to complete under the same lock, or NULL when memory ran out. */
struct cp_item *cp_queue_msg(struct cp_sock *s, const struct rsp_event *ev);
struct cp_item *cp_notification(int type, int state, int has_cookie);
void cp_queue_clear(struct cp_sock *s);
int cp_handle(const unsigned char *h, size_t n, char *out);

#endif
