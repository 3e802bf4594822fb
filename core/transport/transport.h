/*
 * Message-oriented associations over two backends behind one interface:
 * kernel SCTP (core/transport/sctp.c, sctp_recv.c) and the TCP mapping of
 * docs/wire.md section 7 (core/transport/tcp.c, tcp_conn.c).
 *
 * The model is SCTP's one-to-many socket: an endpoint (struct tr_ep) is
 * bound to a set of local addresses sharing one port and carries any
 * number of associations, named by a non-zero 32-bit id.  A registrar
 * opens one listening endpoint for ASAP and one for ENRP; a pool element
 * one listening endpoint for its sessions and one client endpoint for its
 * registrar; a pool user one client endpoint for everything.
 *
 * Everything is non-blocking and runs from the event loop (core/ev.h).
 * Events come to the endpoint's callback:
 *
 *	TR_EV_UP          association established (outgoing or incoming)
 *	TR_EV_MSG         one whole message: ppid, stream, data, len
 *	TR_EV_LOST        association failed (ev->error: errno-style cause)
 *	TR_EV_SHUTDOWN    association ended gracefully (either side)
 *	TR_EV_RESTART     peer restarted (SCTP only)
 *	TR_EV_CANT_START  tr_connect() failed; the id is dead
 *	TR_EV_SEND_FAILED a message was not delivered: ppid, stream, data
 *	TR_EV_WRITABLE    room again after a tr_send() on the association
 *	                  failed with EAGAIN (TCP mapping only: kernel SCTP
 *	                  does not report it, a sender polls)
 *
 * After LOST, SHUTDOWN or CANT_START the id is dead: only SEND_FAILED
 * events may follow, one per message the peer did not acknowledge
 * (SCTP: the kernel's undelivered data; TCP mapping: messages without
 * an ACK chunk).  After tr_abort() no event at all comes for the id.  After tr_shutdown() messages may
 * still arrive, then SHUTDOWN (or LOST) ends it.  The callback may call
 * anything here except tr_ep_free() on its own endpoint.  Message data
 * is valid only during the callback.
 *
 * One-to-one endpoints (TR_ONE_TO_ONE) carry at most one association at
 * a time: kernel SCTP's SOCK_STREAM socket, or one TCP connection.  A
 * client that talks to one peer (a PU's session with a PE) uses one;
 * tr_peeloff() makes one out of an association of a one-to-many
 * endpoint (as RSPLIB PEs and PUs peel the winning registrar association
 * off their hunt socket).  The association keeps its id.
 *
 * Listening endpoints accept at most -maxassociations associations
 * (counted with their outgoing ones), and at most
 * -maxassociationspersource incoming ones from one source (an IPv4
 * address, an IPv6 /64: one host's share); beyond that a new one is
 * refused (TCP: accepted and reset at once; SCTP: aborted at COMM_UP)
 * and a warning is logged, at most once a second.
 *
 * Weaker over the TCP mapping than over SCTP: one address per
 * association (TCP cannot be multi-homed: tr_connect tries the peer's
 * addresses one after the other, and a later path failure is a LOST),
 * no RESTART, no unordered delivery (U is never set), heartbeats in user
 * space (-tcpheartbeatinterval, -tcpheartbeatmaxloss), messages limited
 * to TR_TCP_MSG_MAX bytes by the 16-bit chunk length.
 */
#ifndef RSP_TRANSPORT_H
#define RSP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/opt.h"

struct ev_loop;
struct tr_ep;

/* -transport values, in the order of the option's choice list. */
enum tr_kind {
	TR_SCTP = 0,
	TR_TCP = 1,
	TR_AUTO = 2,
};

struct tr_config {
	int kind;              /* -transport=sctp|tcp|auto */
	long long hb_interval; /* -tcpheartbeatinterval, ms */
	long long hb_maxloss;  /* -tcpheartbeatmaxloss */
	long long max_assoc;   /* -maxassociations, per listening endpoint */
	long long max_per_src; /* -maxassociationspersource, 0: no limit */
	/* TCP mapping: ms an ACK may wait for DATA to go out with, 0 none
	 * (no option: RSPLIB's API sets it, docs/library.md "Threads") */
	long long ack_delay;
#ifdef RSP_TLS
	const char *tls_keyfile;    /* -tlskeyfile */
	const char *tls_cafile;     /* -tlscafile: check registrars' certs */
	const char *tls_servername; /* -tlsservername: the name they carry */
	const char *tls_cert;       /* -tlscert, -tlskey: a registrar's own */
	const char *tls_key;
#endif
};

extern struct tr_config tr_config;
/* -transport, -tcpheartbeatinterval, -tcpheartbeatmaxloss,
 * -maxassociations, -maxassociationspersource */
extern const struct opt tr_opts[];
#ifdef RSP_TLS
/* -tlscert, -tlskey: a registrar's (the server side's) only */
extern const struct opt tr_tls_server_opts[];
#endif

#define TR_MAX_ASSOC_DEFAULT   200000
#define TR_MAX_PER_SRC_DEFAULT 1000
/* Environment variable naming the transport when -transport is auto. */
#define TR_ENV "RSP_TRANSPORT"

#define TR_TCP_MSG_MAX (65535 - 16) /* DATA chunk with TSN, stream, PPID */
#define TR_TX_MAX      (4u << 20)   /* bytes queued per association */

/* 1 if this kernel opens SCTP sockets. */
int tr_sctp_available(void);
/*
 * TR_AUTO -> $RSP_TRANSPORT when it says sctp or tcp (another value is
 * ignored with a warning), else TR_SCTP when available, else TR_TCP.
 * Others as is.
 */
int tr_resolve(int kind);
const char *tr_kind_name(int kind);
/* The backend that reaches a peer advertising this transport parameter
 * (RSP_PARAM_SCTP -> TR_SCTP, RSP_PARAM_TCP -> TR_TCP); -1 otherwise. */
int tr_kind_for_param(uint16_t ptype);
/* The transport parameter type for a backend (0 for TR_AUTO). */
uint16_t tr_param_for_kind(int kind);

enum tr_ev_type {
	TR_EV_UP = 1,
	TR_EV_MSG,
	TR_EV_LOST,
	TR_EV_SHUTDOWN,
	TR_EV_RESTART,
	TR_EV_CANT_START,
	TR_EV_SEND_FAILED,
	TR_EV_WRITABLE,
};

struct tr_event {
	enum tr_ev_type type;
	uint32_t assoc;
	uint32_t ppid;       /* MSG, SEND_FAILED */
	uint16_t stream;     /* MSG, SEND_FAILED */
	const uint8_t *data; /* MSG, SEND_FAILED (may be NULL) */
	size_t len;
	int error; /* LOST, CANT_START, SEND_FAILED: errno value */
};

typedef void tr_event_cb(
    struct tr_ep *ep, const struct tr_event *ev, void *arg);

/* tr_ep_new() flags */
#define TR_LISTEN     0x01 /* accept incoming associations */
#define TR_ONE_TO_ONE 0x02 /* at most one association (not with TR_LISTEN) */
/* Send every message at once: no holding back of answers sent while a
 * batch of received messages is handled (kernel SCTP bundles those into
 * one packet).  For the benchmarks' trivial echo server. */
#define TR_NO_BATCH 0x04
/* The endpoint talks to registrars (a PE's or pool user's registrar
 * channel, hsdump, a registrar's ENRP connections): in the TLS build,
 * with -tlskeyfile, its outgoing associations are TLS (PSK of the key
 * file's first identity), on the TCP mapping or over kernel SCTP.  0 in
 * the default build. */
#ifdef RSP_TLS
#define TR_SECURE 0x08
#else
#define TR_SECURE 0
#endif

/*
 * An endpoint of kind TR_SCTP or TR_TCP (resolve TR_AUTO first) bound to
 * local (NULL or empty: any address, ephemeral port; is_auto: wildcard
 * with local->port).  NULL with errno and a logged reason on failure.
 */
struct tr_ep *tr_ep_new(struct ev_loop *loop, int kind,
    const struct addr_list *local, int flags, tr_event_cb *cb, void *arg);
/* Abort every association silently and free. */
void tr_ep_free(struct tr_ep *ep);
int tr_ep_kind(const struct tr_ep *ep);

/*
 * Start an association to peer (all addresses share peer->port).  The id
 * is returned at once; TR_EV_UP or TR_EV_CANT_START follows.  Messages
 * sent before UP are queued (TCP) or refused with EAGAIN (SCTP may).
 * One-to-one endpoints: -1/EISCONN while their association lives.
 */
int tr_connect(struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc);
/*
 * Queue one message.  -1 with errno: ENOENT unknown id, EMSGSIZE too
 * long, EAGAIN no buffer space now (try again later), ENOTCONN closing.
 */
int tr_send(struct tr_ep *ep, uint32_t assoc, uint32_t ppid, uint16_t stream,
    const void *data, size_t len);
/* Graceful close after queued messages are sent. */
int tr_shutdown(struct tr_ep *ep, uint32_t assoc);
/* Immediate close; no further events for this id. */
int tr_abort(struct tr_ep *ep, uint32_t assoc);
/* The peer's addresses (TCP: the one address of the connection). */
int tr_peer_addrs(struct tr_ep *ep, uint32_t assoc, struct addr_list *out);
/* Local addresses of an association, or of the endpoint if assoc is 0
 * (its plain listeners, not those of tr_listen_tls()). */
int tr_local_addrs(struct tr_ep *ep, uint32_t assoc, struct addr_list *out);
/* Messages sent but not yet acknowledged by the peer, or -1 with errno. */
int tr_unacked(struct tr_ep *ep, uint32_t assoc);
/* The association's smoothed round-trip time in ms (SCTP's SRTT, the
 * TCP connection's for the mapping); -1 if unknown. */
int tr_srtt(struct tr_ep *ep, uint32_t assoc);
/* Live associations of the endpoint. */
int tr_assoc_count(struct tr_ep *ep);
/*
 * The descriptors that turn readable when input for an association that
 * is up arrives (assoc 0: for any of the endpoint's), for a thread that
 * reads them itself through the loop's callbacks (ev_fd_suspend,
 * ev_fd_run): at most max into fds, their number.  None where no
 * descriptor says so: an SCTP endpoint, TLS (which buffers what it
 * decrypted), an association not up.
 */
int tr_input_fds(struct tr_ep *ep, uint32_t assoc, int *fds, int max);
/* The PPID of the protocol ep carries, RSP_PPID_ASAP unless set: TLS
 * over SCTP sends its records with it (docs/wire.md 7.6). */
void tr_ep_set_ppid(struct tr_ep *ep, uint32_t ppid);

/*
 * Move assoc (up or still starting) of a one-to-many endpoint to a new
 * one-to-one endpoint, which keeps the id and from now on gets every
 * event for it, to cb with arg (cb NULL: ep's callback and argument).
 * NULL with errno: ENOENT unknown id, EINVAL ep is one-to-one (others
 * from the kernel; if SCTP moved the association but we then run out of
 * memory, it is aborted without further events).  May be
 * called from ep's callback, even for the association of the event
 * (which then continues on the new endpoint), but the new endpoint must
 * not be freed from within that same callback.
 */
struct tr_ep *tr_peeloff(
    struct tr_ep *ep, uint32_t assoc, tr_event_cb *cb, void *arg);

const char *tr_event_name(enum tr_ev_type type);

/*
 * TLS (the TLS build, make TLS=1; README.md "TLS"): TLS on the TCP
 * mapping and over kernel SCTP (RFC 3436), keys from the file of
 * -tlskeyfile (tls_keys.h's format).
 */
#ifdef RSP_TLS
/* Load -tlskeyfile (nothing without it) before any endpoint is made:
 * -1 with "FILE:LINE: what was expected" in err (an exit). */
int tr_tls_setup(char *err, size_t errlen);
/* SIGHUP: read the key file again; new connections use it, live ones
 * keep theirs; a bad file keeps the keys loaded before (logged, -1). */
int tr_tls_reload(void);
/* A listening endpoint also accepts TLS associations on local
 * (local->port 0: any, set to the one bound): TCP mapping connections,
 * or over kernel SCTP a one-to-many socket of its own; -1 with errno:
 * ENOKEY without -tlskeyfile or -tlscert. */
int tr_listen_tls(struct tr_ep *ep, struct addr_list *local);
/* From now on ep's outgoing associations are TLS, as if it had been
 * made with TR_SECURE (a registrar's ENRP endpoint with -enrptls). */
void tr_ep_tls_connect(struct tr_ep *ep);
/* The PSK identity assoc's peer authenticated with; NULL when the
 * association has no TLS (or is unknown). */
const char *tr_peer_identity(struct tr_ep *ep, uint32_t assoc);
/* 1 if identity is a pe of the key file whose patterns allow the pool
 * handle; 1 if its role is role ("pe", "pu", "registrar", "admin"). */
int tr_tls_pool_allowed(
    const char *identity, const uint8_t *handle, size_t len);
int tr_tls_role_is(const char *identity, const char *role);
#else
static inline int
tr_tls_setup(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	return 0;
}
#endif

/* IP protocol number of a transport kind (132 SCTP, 6 TCP mapping), as
 * CSP reports name the protocol of an association. */
uint16_t tr_ip_proto(int kind);

#endif
