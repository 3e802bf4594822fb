/*
 * What the two files of the kernel SCTP backend share:
 * core/transport/sctp.c (sockets, connect, send with its batching, the
 * other tr_ops) and core/transport/sctp_recv.c (subscriptions, the
 * receive loop, notifications).  Both work on the same endpoint record
 * and association table, so these are defined once, here; nothing
 * outside the backend includes this.
 */
#ifndef RSP_TRANSPORT_SCTP_INT_H
#define RSP_TRANSPORT_SCTP_INT_H

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <netinet/sctp.h>

#include "core/transport/internal.h"

#ifndef SOL_SCTP
#define SOL_SCTP 132
#endif
#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

/* Receive buffer: one whole RSerPool message (RSP_MSG_MAX) and room for
 * notifications; a longer message is dropped, never truncated. */
#define SC_RBUF (65536 + 1024)
/* One read takes up to SC_BATCH pieces (recvmmsg): the first into the
 * receive buffer, the others into slots of SC_SLOT_SIZE bytes after it
 * (a longer message comes on in the next slots or reads). */
#define SC_BATCH      8
#define SC_SLOT_SIZE  1024
#define SC_RBUF_ALLOC (SC_RBUF + (SC_BATCH - 1) * SC_SLOT_SIZE)
#define SC_SLOT(s, i) ((s)->rbuf + SC_RBUF + ((i)-1) * SC_SLOT_SIZE)
#define SC_ABORTED    16

enum sc_style {
	SC_MANY,   /* one-to-many */
	SC_ONE,    /* one-to-one (SOCK_STREAM) */
	SC_PEELED, /* peeled off a one-to-many socket */
};

struct sc_tls;

struct sc_assoc {
	sctp_assoc_t id;
	int up;             /* UP reported (TLS: after the handshake) */
	int outgoing;       /* made by tr_connect */
	uint32_t src_key;   /* incoming: counted for its source (tr_src_take) */
	struct sc_tls *tls; /* TLS over SCTP (TLS build), else NULL */
};

struct sc_ep {
	int fd;
	int family;
	enum sc_style style;
	int used;               /* SC_ONE: the socket has had an association */
	struct addr_list local; /* SC_ONE: to bind a fresh socket */
	int has_local;
	struct tr_map ids; /* known associations */
	uint8_t *rbuf;
	size_t rlen;               /* bytes of a message received so far */
	int rdiscard;              /* the message being received is too long */
	int rnotif;                /* ... and is a notification */
	struct sctp_rcvinfo rinfo; /* of the first piece */
	/* Recently aborted ids: their SEND_FAILED notifications, which
	 * come after the association is gone, are not reported. */
	sctp_assoc_t aborted[SC_ABORTED];
	unsigned naborted;
	/* Send batching: while a read batch runs, the last message sent is
	 * held back, so the one before it can go with MSG_MORE and the
	 * kernel bundles an association's answers into one packet when
	 * the batch ends (sc_flush).  Fewer packets, SACKs and wake-ups of
	 * the peer: on one CPU this stops the registrar and its clients
	 * from preempting each other after every message. */
	int batching;
	struct sc_held {
		uint32_t id, ppid;
		uint16_t stream;
		size_t len;
		uint8_t *data;  /* RSP_MSG_MAX bytes, from the first hold */
		uint64_t retry; /* timer while a full socket refuses it */
	} held;
};

static inline struct sc_ep *
sc(struct tr_ep *ep)
{
	return ep->priv;
}

/* core/transport/sctp.c, for the receive side: */
/* The association with that id, or NULL with ENOENT. */
struct sc_assoc *sc_find(struct tr_ep *ep, uint32_t id);
/* The record of an association, made when first seen. */
struct sc_assoc *sc_track(struct tr_ep *ep, sctp_assoc_t id);
/* Drop the record: no more events for the association. */
void sc_forget(struct tr_ep *ep, struct sc_assoc *a);
/* SCTP_GET_PEER_ADDRS / SCTP_GET_LOCAL_ADDRS of assoc id into out. */
int sc_getaddrs(struct tr_ep *ep, int opt, uint32_t id, struct addr_list *out);
/* Send what batching holds back; -1 (EAGAIN) while the socket is full. */
int sc_flush(struct tr_ep *ep);
/* tr_abort() of a: no more events for it. */
int sc_abort_assoc(struct tr_ep *ep, struct sc_assoc *a);
/* sendmsg behind a held message: data, or flags only (EOF, ABORT). */
int sc_sendmsg(struct tr_ep *ep, uint32_t id, uint32_t ppid, uint16_t stream,
    uint16_t flags, const void *data, size_t len);

/* core/transport/sctp_recv.c, for socket setup and tr_abort(): */
/* Ask the kernel for the notifications and receive info read here. */
int sc_subscribe(int fd);
/* The socket's fd callback: a batch of reads, then the held send. */
void sc_read_cb(struct ev_loop *loop, int fd, int events, void *arg);
/* The socket for a thread reading it itself (tr_input_fds). */
int sc_input_fds(struct tr_ep *ep, uint32_t id, int *fds, int max);
/* An id we abort: its later SEND_FAILED notifications are dropped. */
void sc_remember_aborted(struct tr_ep *ep, sctp_assoc_t id);

#ifdef RSP_TLS
/* core/transport/tls/sc_tls.c: TLS over SCTP (RFC 3436) on one
 * association: docs/wire.md 7.6. */
/* tr_connect: an endpoint made with TR_SECURE makes TLS associations
 * while keys are loaded.  -1 (ENOMEM) fails the connect. */
int sc_tls_connect(struct tr_ep *ep, struct sc_assoc *a);
/* COMM_UP: 0 plain (UP now), 1 TLS (handshake started, UP after it),
 * -1 the association is gone (logged; its events are sent). */
int sc_tls_up(struct tr_ep *ep, struct sc_assoc *a);
/* A message of a: 0 plain (the caller hands it up), 1 TLS's (taken:
 * decrypted and handed up, or the association aborted). */
int sc_tls_message(struct tr_ep *ep, struct sc_assoc *a,
    const struct sctp_rcvinfo *ri, const uint8_t *data, size_t len);
/* tr_send on a TLS association. */
int sc_tls_send(struct tr_ep *ep, struct sc_assoc *a, uint32_t ppid,
    uint16_t stream, const void *data, size_t len);
void sc_tls_shutdown(struct sc_assoc *a);                 /* close_notify */
void sc_tls_moved(struct sc_assoc *a, struct tr_ep *nep); /* peel-off */
void sc_tls_free(struct sc_assoc *a);
const char *sc_tls_identity(const struct sc_assoc *a);
/* 1 while a's TLS handshake runs. */
int sc_tls_handshaking(const struct sc_assoc *a);
#else
#define sc_tls_connect(ep, a)             ((a)->outgoing = 1, 0)
#define sc_tls_up(ep, a)                  0
#define sc_tls_message(ep, a, ri, d, len) 0
#define sc_tls_send(ep, a, p, s, d, len)  (-1)
#define sc_tls_shutdown(a)                ((void)0)
#define sc_tls_moved(a, nep)              ((void)0)
#define sc_tls_free(a)                    ((void)0)
#define sc_tls_handshaking(a)             0
#endif

#endif
