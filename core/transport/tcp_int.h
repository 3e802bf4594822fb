/*
 * What the two files of the TCP mapping backend share:
 * core/transport/tcp.c (the endpoint, listening, accepting, the tr_ops)
 * and core/transport/tcp_conn.c (one association's connection, its
 * chunks, queues and heartbeat).  Both work on the same association
 * record, so it is defined once, here; nothing outside the backend
 * includes this.
 */
#ifndef RSP_TRANSPORT_TCP_INT_H
#define RSP_TRANSPORT_TCP_INT_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "core/transport/internal.h"
#include "proto/tcpmap.h"

#define TC_INIT_FLAGS 0  /* we send TSN, stream and PPID */
#define SENT_HDR      10 /* ppid, stream, len of a `sent` record */

enum tc_state {
	TC_CONNECTING, /* TCP connect in progress */
	TC_INIT_WAIT,  /* connected, waiting for the peer's INIT */
	TC_UP,
	TC_CLOSING, /* tr_shutdown: flush, FIN, wait for the peer's FIN */
	TC_DEAD,    /* waiting to be reaped */
#ifdef RSP_TLS
	TC_HANDSHAKE, /* connected, TLS handshake in progress */
#endif
};

#ifdef RSP_TLS
struct tr_tls_ref;
struct tls_conn;
/* Listening sockets: the plain ones and the TLS ones (tr_listen_tls). */
#define TC_LFD_MAX (2 * ADDR_MAX)
#else
#define TC_LFD_MAX ADDR_MAX
#endif

struct tc_assoc {
	struct tc_assoc *prev, *next; /* in tc_ep's assocs or dead list */
	struct tr_ep *ep;
	uint32_t id;
	int fd;
	enum tc_state state;
	int outgoing;
	int was_up;
	struct addr_list *try; /* outgoing: the peer's addresses */
	int try_idx;
	struct sockaddr_storage peer;
	unsigned peer_flags;
	int peer_init;
	uint32_t tx_tsn;
	uint16_t tx_ssn;
	uint32_t unacked;
	struct wbuf sent; /* unacknowledged: ppid n32, stream n16, len n32,
			     data; oldest first */
	size_t sent_off;  /* start of the oldest record */
	struct tcpmap_rx rx;
	struct wbuf tx;
	size_t tx_off; /* bytes of tx already written */
	int fin_sent;
	int blocked; /* a tr_send() met EAGAIN: TR_EV_WRITABLE is due */
	uint64_t timer;
	uint64_t ack_timer; /* flushes ACKs waiting for data (ack_delay) */
	long long missed;   /* heartbeats unanswered / intervals before UP */
	uint32_t src_key;   /* incoming: counted for its source (tr_src_take) */
#ifdef RSP_TLS
	struct tr_tls_ref *tls_ref; /* TLS on this connection (held) */
	struct tls_conn *tls;       /* from TCP up to the end */
	uint64_t tls_t0_us;         /* handshake start (logged duration) */
#endif
};

struct tc_ep {
	int lfd[TC_LFD_MAX];
	int nlfd;
#ifdef RSP_TLS
	int ntls_lfd; /* the last ntls_lfd of lfd[] accept TLS */
#endif
	struct tc_assoc *assocs; /* live */
	struct tc_assoc *dead;   /* closed, freed at the next reap */
	struct tr_map ids;       /* id -> live tc_assoc */
	uint32_t next_id;
	/* Out of descriptors (EMFILE, ENFILE) or kernel memory: accepting
	 * pauses for TC_ACCEPT_PAUSE_MS (the pending connection would wake
	 * us again at once: a spin); the associations we have go on. */
	uint64_t accept_timer;
	unsigned long accept_fails; /* since the last log line */
	/* A client endpoint made with local addresses binds its
	 * connections to them (the first of the peer's family). */
	struct addr_list local;
};

#define TC_ACCEPT_PAUSE_MS 1000

/* core/transport/tcp.c, for the connection side: */
/* Close the association now; its memory goes at the next tc_reap. */
void tc_kill(struct tc_assoc *a);
/* Free the killed associations: only from the top of a loop callback. */
void tc_reap(struct tr_ep *ep);

/* core/transport/tcp_conn.c, for the endpoint and the tr_ops: */
/* A non-blocking TCP socket without Nagle delay. */
int tc_socket(int family);
/* Connect to the next of the peer's addresses; -1 when none is left. */
int tc_try_next(struct tc_assoc *a);
/* TCP is up (connected or accepted): learn the peer, send the queue. */
void tc_connected(struct tc_assoc *a);
/* The heartbeat timer, which before UP also bounds connect + INIT. */
void tc_start_timer(struct tc_assoc *a);
/* The connection's fd callback. */
void tc_io_cb(struct ev_loop *loop, int fd, int events, void *arg);
/* Keep a sent message until its ACK. */
int tc_sent_push(struct tc_assoc *a, uint32_t ppid, uint16_t stream,
    const void *data, size_t len);
/* Drop written bytes from the front of tx. */
void tc_tx_compact(struct tc_assoc *a);
/* Append one chunk to tx; -1 with errno (no partial chunk left) when it
 * does not fit. */
int tc_queue(struct tc_assoc *a, const struct tcpmap_chunk *c);
/* Write what tx holds; -1 with errno on a hard error. */
int tc_flush(struct tc_assoc *a);

#ifdef RSP_TLS
/* core/transport/tls/tc_tls.c: TLS on a connection of the mapping. */
/* TCP is up: start the handshake (state TC_HANDSHAKE); -1 with a log
 * line when it cannot. */
int tc_tls_start(struct tc_assoc *a);
/* A handshake step: 1 done (state TC_INIT_WAIT), 0 waiting, -1 failed
 * (logged, with the reason). */
int tc_tls_step(struct tc_assoc *a);
/* read() and send() of the connection, through TLS when it has it. */
ssize_t tc_sock_read(struct tc_assoc *a, void *buf, size_t len);
ssize_t tc_sock_send(struct tc_assoc *a, const void *buf, size_t len);
/* Decrypted bytes waiting inside TLS (read them before polling). */
int tc_sock_pending(const struct tc_assoc *a);
/* Before the FIN: close_notify, when TLS. */
void tc_tls_close(struct tc_assoc *a);
/* What the socket waits for besides EV_READ (TLS: its want). */
int tc_tls_want(const struct tc_assoc *a);
void tc_tls_free(struct tc_assoc *a);
/* Before the association fails on its timer: says so if the handshake
 * was not done (a plain peer on a TLS port, or a silent one). */
void tc_tls_timeout(const struct tc_assoc *a);
/* An accepted connection on listener lfd: TLS if it is a TLS one. */
void tc_tls_accepted(struct tr_ep *ep, int lfd, struct tc_assoc *a);
/* The identity a TLS peer authenticated with, or NULL. */
const char *tc_peer_identity(struct tr_ep *ep, uint32_t id);
/* tcp.c: listen with TLS on local, with the server configuration. */
int tc_listen_tls(struct tr_ep *ep, struct addr_list *local);
#endif

#endif
