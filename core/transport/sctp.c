/*
 * Transport backend for kernel SCTP: one socket per endpoint, one-to-many
 * (SOCK_SEQPACKET) by default, one-to-one (SOCK_STREAM) for TR_ONE_TO_ONE
 * endpoints, or a socket peeled off a one-to-many one (tr_peeloff);
 * associations are named by the kernel's assoc id, which peel-off keeps.
 *
 * lksctp-tools' <netinet/sctp.h> gives the constants and structures,
 * but no libsctp function is called: bindx, connectx and peeloff are the
 * socket options SCTP_SOCKOPT_BINDX_ADD, SCTP_SOCKOPT_CONNECTX3 (which
 * returns the new assoc id even while the non-blocking connect is in
 * progress) and SCTP_SOCKOPT_PEELOFF(_FLAGS), so the static musl build
 * links nothing beyond libc.
 *
 * The kernel reports association changes as notifications on the same
 * socket; those become transport events.  Notifications are subscribed
 * with SCTP_EVENT, or SCTP_EVENTS on kernels without it (then undelivered
 * messages come as the old SCTP_SEND_FAILED).  Associations are tracked
 * in an id table so that tr_abort() is final: the kernel's later
 * COMM_LOST for an aborted id finds nothing and is dropped.
 *
 * One-to-one and peeled-off sockets differ: the kernel reports an
 * association's failure there also as a socket error (read first, before
 * the notifications queued with it), a one-to-one socket reads EOF once
 * its association is closed, and it cannot take SCTP_EOF or SCTP_ABORT
 * (shutdown(2) and an abortive close instead; the next tr_connect()
 * opens a fresh socket).
 *
 * RSerPool rules (docs/wire.md 1.3): every message is one whole SCTP
 * user message, ordered, sent with an SCTP_SNDINFO giving stream and
 * PPID; the PPID goes on the wire in network order both ways.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <netinet/sctp.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/buf.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/transport/internal.h"
#include "proto/wire.h"

#ifndef SOL_SCTP
#define SOL_SCTP 132
#endif
#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

#define SC_BACKLOG   128
#define SC_READS_MAX 16
/* Receive buffer: one whole RSerPool message (RSP_MSG_MAX) and room for
 * notifications; a longer message is dropped, never truncated. */
#define SC_RBUF    (65536 + 1024)
#define SC_ABORTED 16

int tr_sctp_old_events;

enum sc_style {
	SC_MANY,   /* one-to-many */
	SC_ONE,    /* one-to-one (SOCK_STREAM) */
	SC_PEELED, /* peeled off a one-to-many socket */
};

struct sc_assoc {
	sctp_assoc_t id;
	int up;
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

static struct sc_ep *
sc(struct tr_ep *ep)
{
	return ep->priv;
}

static struct sc_assoc *
sc_find(struct tr_ep *ep, uint32_t id)
{
	struct sc_assoc *a = tr_map_get(&sc(ep)->ids, id);

	if (a == NULL)
		errno = ENOENT;
	return a;
}

static struct sc_assoc *
sc_track(struct tr_ep *ep, sctp_assoc_t id)
{
	struct sc_assoc *a;

	if ((a = tr_map_get(&sc(ep)->ids, (uint32_t)id)) != NULL)
		return a;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->id = id;
	if (tr_map_put(&sc(ep)->ids, (uint32_t)id, a) == -1) {
		free(a);
		return NULL;
	}
	if (sc(ep)->style == SC_ONE)
		sc(ep)->used = 1;
	return a;
}

static void
sc_forget(struct tr_ep *ep, struct sc_assoc *a)
{
	tr_map_del(&sc(ep)->ids, (uint32_t)a->id);
	free(a);
}

/* SC_ONE, SC_PEELED: the one association, or NULL. */
static struct sc_assoc *
sc_single(struct tr_ep *ep)
{
	struct tr_map *m = &sc(ep)->ids;
	uint32_t i;

	for (i = 0; m->n > 0 && i < m->cap; i++)
		if (m->keys[i] != 0)
			return m->vals[i];
	return NULL;
}

/*
 * Pack addresses back to back (struct sockaddr_in / _in6 of their real
 * sizes), the layout bindx and connectx take, each with port.
 */
static size_t
sc_pack(const struct addr_list *al, int from, uint16_t port, uint8_t *out,
    size_t cap)
{
	struct sockaddr_storage ss;
	size_t len = 0;
	socklen_t l;
	int i;

	for (i = from; i < al->n; i++) {
		ss = al->a[i];
		sa_set_port(&ss, port);
		if ((l = sa_len(&ss)) == 0 || len + l > cap)
			continue;
		memcpy(out + len, &ss, l);
		len += l;
	}
	return len;
}

/*
 * The old interface: one struct of on/off bytes.  Only as many bytes as
 * we set are passed (older kernels refuse a longer struct).  Without
 * SCTP_RECVRCVINFO, data_io_event brings the old SCTP_SNDRCV cmsg.
 */
static int
sc_subscribe_old(int fd, int data_io)
{
	struct sctp_event_subscribe ses;

	memset(&ses, 0, sizeof(ses));
	ses.sctp_data_io_event = (uint8_t)data_io;
	ses.sctp_association_event = 1;
	ses.sctp_send_failure_event = 1;
	ses.sctp_shutdown_event = 1;
	return setsockopt(fd, SOL_SCTP, SCTP_EVENTS, &ses,
	    (socklen_t)offsetof(
	        struct sctp_event_subscribe, sctp_partial_delivery_event));
}

/* The kernel's notifications and per-message receive info. */
static int
sc_subscribe(int fd)
{
	static const uint16_t types[] = {
	    SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_SEND_FAILED_EVENT};
	struct sctp_event se;
	int on = 1, rcvinfo = 1;
	size_t i;

	if (tr_sctp_old_events >= 2 ||
	    setsockopt(fd, SOL_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) == -1) {
		if (tr_sctp_old_events < 2 && errno != ENOPROTOOPT)
			return -1;
		rcvinfo = 0;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&se, 0, sizeof(se));
		se.se_assoc_id = SCTP_FUTURE_ASSOC;
		se.se_type = types[i];
		se.se_on = 1;
		if (!rcvinfo || tr_sctp_old_events ||
		    setsockopt(fd, SOL_SCTP, SCTP_EVENT, &se, sizeof(se)) ==
		        -1) {
			if (rcvinfo && !tr_sctp_old_events &&
			    errno != ENOPROTOOPT)
				return -1;
			log_debug(1, "sctp: no SCTP_EVENT; using SCTP_EVENTS");
			if (sc_subscribe_old(fd, !rcvinfo) == -1)
				return -1;
			break;
		}
	}
	/* Messages are whole RSerPool messages: no Nagle delay. */
	if (setsockopt(fd, SOL_SCTP, SCTP_NODELAY, &on, sizeof(on)) == -1)
		log_debug(1, "sctp: SCTP_NODELAY: %s", strerror(errno));
	return 0;
}

/* IPv6 socket (dual stack) unless every local address is IPv4. */
static int
sc_family(const struct addr_list *local)
{
	int i;

	if (local == NULL || local->n == 0)
		return AF_INET6;
	for (i = 0; i < local->n; i++)
		if (local->a[i].ss_family == AF_INET6)
			return AF_INET6;
	return AF_INET;
}

static int
sc_socket(struct tr_ep *ep, const struct addr_list *local)
{
	int family = sc_family(local), fd, one = 1;
	int type = sc(ep)->style == SC_ONE ? SOCK_STREAM : SOCK_SEQPACKET;

	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (fd == -1 && family == AF_INET6 && errno == EAFNOSUPPORT &&
	    (local == NULL || local->n == 0)) {
		family = AF_INET;
		fd = socket(
		    family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
	}
	/* A restarted registrar must get its port back at once. */
	if (fd != -1)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sc(ep)->family = family;
	return fd;
}

static int
sc_bind_any(struct tr_ep *ep, uint16_t port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)sc(ep)->family;
	sa_set_port(&ss, port); /* zeroed address: the wildcard */
	return bind(sc(ep)->fd, (struct sockaddr *)&ss, sa_len(&ss));
}

/* bind() the first address (fixing the port), bindx the others. */
static int
sc_bind(struct tr_ep *ep, const struct addr_list *local)
{
	struct sockaddr_storage ss = local->a[0];
	uint8_t packed[ADDR_MAX * sizeof(struct sockaddr_in6)];
	socklen_t sl = sizeof(ss);
	uint16_t port = local->port;
	size_t len;

	if (port == 0)
		port = sa_port(&ss);
	sa_set_port(&ss, port);
	if (bind(sc(ep)->fd, (struct sockaddr *)&ss, sa_len(&ss)) == -1)
		return -1;
	if (getsockname(sc(ep)->fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	len = sc_pack(local, 1, sa_port(&ss), packed, sizeof(packed));
	if (len > 0 && setsockopt(sc(ep)->fd, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD,
	                   packed, (socklen_t)len) == -1)
		return -1;
	return 0;
}

static void sc_read_cb(struct ev_loop *loop, int fd, int events, void *arg);

static int
sc_setup(struct tr_ep *ep, const struct addr_list *local)
{
	struct sc_ep *s = sc(ep);
	int r = 0;

	if (sc_subscribe(s->fd) == -1) {
		log_error(
		    "sctp: cannot subscribe to events: %s", strerror(errno));
		return -1;
	}
	if (local && local->n > 0)
		r = sc_bind(ep, local);
	else if ((ep->flags & TR_LISTEN) || (local && local->port))
		r = sc_bind_any(ep, local ? local->port : 0);
	if (r == -1) {
		log_error("sctp: cannot bind: %s", strerror(errno));
		return -1;
	}
	if ((ep->flags & TR_LISTEN) && listen(s->fd, SC_BACKLOG) == -1) {
		log_error("sctp: cannot listen: %s", strerror(errno));
		return -1;
	}
	return ev_add_fd(ep->loop, s->fd, EV_READ, sc_read_cb, ep);
}

/* Linger 0: close aborts every association of the socket at once. */
static void
sc_abort_close(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static int sc_flush(struct tr_ep *ep);

static void
sc_close_fd(struct tr_ep *ep)
{
	struct sc_ep *s = sc(ep);

	if (s->fd == -1)
		return;
	if (sc_flush(ep) == -1)
		s->held.len = 0; /* what the socket cannot take goes with it */
	ev_del_fd(ep->loop, s->fd);
	sc_abort_close(s->fd);
	s->fd = -1;
}

static void
sc_forget_all(struct tr_ep *ep)
{
	struct tr_map *m = &sc(ep)->ids;
	uint32_t i;

	for (i = 0; i < m->cap; i++)
		free(m->vals[i]);
	tr_map_free(m);
}

static void
sc_close(struct tr_ep *ep)
{
	struct sc_ep *s = sc(ep);

	sc_forget_all(ep);
	sc_close_fd(ep);
	if (s->held.retry != EV_TIMER_NONE)
		ev_timer_cancel(ep->loop, s->held.retry);
	free(s->held.data);
	free(s->rbuf);
	free(s);
	ep->priv = NULL;
}

static struct sc_ep *
sc_ep_alloc(struct tr_ep *ep, enum sc_style style)
{
	struct sc_ep *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->rbuf = malloc(SC_RBUF)) == NULL) {
		free(s);
		return NULL;
	}
	s->fd = -1;
	s->style = style;
	ep->priv = s;
	return s;
}

/* A socket, bound (to local, kept for SC_ONE) and watched. */
static int
sc_open_fd(struct tr_ep *ep, const struct addr_list *local)
{
	struct sc_ep *s = sc(ep);
	int saved;

	if ((s->fd = sc_socket(ep, local)) == -1)
		return -1;
	if (sc_setup(ep, local) == -1) {
		saved = errno;
		sc_close_fd(ep);
		errno = saved;
		return -1;
	}
	s->used = 0;
	return 0;
}

static int
sc_open(struct tr_ep *ep, const struct addr_list *local)
{
	struct sc_ep *s;
	int saved;

	s = sc_ep_alloc(ep, (ep->flags & TR_ONE_TO_ONE) ? SC_ONE : SC_MANY);
	if (s == NULL)
		return -1;
	if (local != NULL) {
		s->local = *local;
		s->has_local = 1;
	}
	if (sc_open_fd(ep, local) == -1) {
		saved = errno;
		sc_close(ep);
		errno = saved;
		return -1;
	}
	return 0;
}

static void
sc_free(struct tr_ep *ep)
{
	sc_close(ep);
}

static void
sc_emit(struct tr_ep *ep, enum tr_ev_type type, sctp_assoc_t id, int error)
{
	struct tr_event ev = {
	    .type = type, .assoc = (uint32_t)id, .error = error};

	tr_emit(ep, &ev);
}

static void
sc_remember_aborted(struct tr_ep *ep, sctp_assoc_t id)
{
	sc(ep)->aborted[sc(ep)->naborted++ % SC_ABORTED] = id;
}

static int sc_sendmsg(struct tr_ep *ep, uint32_t id, uint32_t ppid,
    uint16_t stream, uint16_t flags, const void *data, size_t len);

/* An incoming association we do not take: ABORT it, no events. */
static void
sc_refuse(struct tr_ep *ep, sctp_assoc_t id)
{
	sc_remember_aborted(ep, id);
	if (sc_sendmsg(ep, (uint32_t)id, 0, 0, SCTP_ABORT, NULL, 0) == -1)
		log_warning("sctp: assoc %d: abort: %s", id, strerror(errno));
}

/* SCTP_ASSOC_CHANGE -> UP, LOST, SHUTDOWN, RESTART, CANT_START. */
static void
sc_assoc_change(struct tr_ep *ep, const struct sctp_assoc_change *sac)
{
	struct sc_assoc *a =
	    tr_map_get(&sc(ep)->ids, (uint32_t)sac->sac_assoc_id);

	switch (sac->sac_state) {
	case SCTP_COMM_UP:
		if (a == NULL && sc(ep)->style == SC_MANY &&
		    (long long)sc(ep)->ids.n >= ep->max_assoc) {
			sc_refuse(ep, sac->sac_assoc_id);
			tr_log_refused(ep, "sctp");
			return;
		}
		if (a == NULL &&
		    (a = sc_track(ep, sac->sac_assoc_id)) == NULL) {
			log_warning("sctp: assoc %d: no memory; aborting",
			    sac->sac_assoc_id);
			sc_refuse(ep, sac->sac_assoc_id);
			return;
		}
		a->up = 1;
		sc_emit(ep, TR_EV_UP, sac->sac_assoc_id, 0);
		return;
	case SCTP_RESTART:
		if (a != NULL)
			sc_emit(ep, TR_EV_RESTART, a->id, 0);
		return;
	}
	if (a == NULL) /* aborted by us, or never ours */
		return;
	switch (sac->sac_state) {
	case SCTP_COMM_LOST:
		/* as the TCP mapping's "failed": bench/failover.sh times
		 * a PU's failover from this line */
		log_debug(1, "sctp: assoc %d lost", sac->sac_assoc_id);
		sc_forget(ep, a);
		sc_emit(ep, TR_EV_LOST, sac->sac_assoc_id, ECONNRESET);
		break;
	case SCTP_SHUTDOWN_COMP:
		sc_forget(ep, a);
		sc_emit(ep, TR_EV_SHUTDOWN, sac->sac_assoc_id, 0);
		break;
	case SCTP_CANT_STR_ASSOC:
		sc_forget(ep, a);
		sc_emit(ep, TR_EV_CANT_START, sac->sac_assoc_id, ECONNREFUSED);
		break;
	}
}

static int
sc_was_aborted(struct tr_ep *ep, sctp_assoc_t id)
{
	unsigned i;

	for (i = 0; i < SC_ABORTED; i++)
		if (sc(ep)->aborted[i] == id)
			return 1;
	return 0;
}

/*
 * Both notification layouts end the same way: the undelivered message
 * follows the header (total says how long header + message are).
 */
static void
sc_emit_send_failed(struct tr_ep *ep, struct tr_event *ev, struct buf *b,
    uint32_t total, size_t hdr, size_t len)
{
	ev->error = EPIPE;
	if (total > hdr && total <= len) {
		ev->len = total - hdr;
		buf_get_ptr(b, ev->len, &ev->data);
	}
	tr_emit(ep, ev);
}

/* The same from the old interface (SCTP_EVENTS subscriptions). */
static void
sc_send_failed_old(struct tr_ep *ep, const uint8_t *p, size_t len)
{
	struct sctp_send_failed sf;
	struct tr_event ev = {.type = TR_EV_SEND_FAILED};
	struct buf b;

	buf_init(&b, p, len);
	if (buf_get_bytes(&b, &sf, sizeof(sf)) == -1 ||
	    sc_was_aborted(ep, sf.ssf_assoc_id))
		return;
	ev.assoc = (uint32_t)sf.ssf_assoc_id;
	ev.ppid = ntohl(sf.ssf_info.sinfo_ppid);
	ev.stream = sf.ssf_info.sinfo_stream;
	sc_emit_send_failed(ep, &ev, &b, sf.ssf_length, sizeof(sf), len);
}

/* The kernel returns undelivered messages, also after COMM_LOST. */
static void
sc_send_failed(struct tr_ep *ep, const uint8_t *p, size_t len)
{
	struct sctp_send_failed_event sf;
	struct tr_event ev = {.type = TR_EV_SEND_FAILED};
	struct buf b;

	buf_init(&b, p, len);
	if (buf_get_bytes(&b, &sf, sizeof(sf)) == -1 ||
	    sc_was_aborted(ep, sf.ssf_assoc_id))
		return;
	ev.assoc = (uint32_t)sf.ssf_assoc_id;
	ev.ppid = ntohl(sf.ssfe_info.snd_ppid);
	ev.stream = sf.ssfe_info.snd_sid;
	sc_emit_send_failed(ep, &ev, &b, sf.ssf_length, sizeof(sf), len);
}

static void
sc_notification(struct tr_ep *ep, const uint8_t *p, size_t len)
{
	struct sctp_assoc_change sac;
	struct sctp_shutdown_event sse;
	struct buf b;
	uint16_t type;

	buf_init(&b, p, len);
	/* sn_type is host order: copy it out, do not parse it as wire. */
	if (buf_get_bytes(&b, &type, sizeof(type)) == -1)
		return;
	buf_init(&b, p, len);
	switch (type) {
	case SCTP_ASSOC_CHANGE:
		if (buf_get_bytes(&b, &sac, sizeof(sac)) == 0)
			sc_assoc_change(ep, &sac);
		break;
	case SCTP_SEND_FAILED_EVENT:
		sc_send_failed(ep, p, len);
		break;
	case SCTP_SEND_FAILED:
		sc_send_failed_old(ep, p, len);
		break;
	case SCTP_SHUTDOWN_EVENT:
		/* The peer started a shutdown; SHUTDOWN_COMP follows. */
		if (buf_get_bytes(&b, &sse, sizeof(sse)) == 0)
			log_debug(2, "sctp: assoc %d: peer shuts down",
			    sse.sse_assoc_id);
		break;
	default:
		log_debug(3, "sctp: notification type %u ignored", type);
	}
}

static void
sc_message(struct tr_ep *ep)
{
	struct sc_ep *s = sc(ep);
	struct tr_event ev = {.type = TR_EV_MSG,
	    .assoc = (uint32_t)s->rinfo.rcv_assoc_id,
	    .ppid = ntohl(s->rinfo.rcv_ppid),
	    .stream = s->rinfo.rcv_sid,
	    .data = s->rbuf,
	    .len = s->rlen};

	if (sc_find(ep, ev.assoc) == NULL) {
		log_debug(
		    2, "sctp: message for unknown assoc %u dropped", ev.assoc);
		return;
	}
	tr_emit(ep, &ev);
}

/* SCTP_RCVINFO, or the old SCTP_SNDRCV (SCTP_EVENTS data_io_event). */
static void
sc_rcvinfo(struct msghdr *mh, struct sctp_rcvinfo *ri)
{
	struct sctp_sndrcvinfo sri;
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != IPPROTO_SCTP)
			continue;
		if (cm->cmsg_type == SCTP_RCVINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*ri)))
			memcpy(ri, CMSG_DATA(cm), sizeof(*ri));
		if (cm->cmsg_type == SCTP_SNDRCV &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(sri))) {
			memcpy(&sri, CMSG_DATA(cm), sizeof(sri));
			ri->rcv_sid = sri.sinfo_stream;
			ri->rcv_ppid = sri.sinfo_ppid;
			ri->rcv_assoc_id = sri.sinfo_assoc_id;
		}
	}
}

/*
 * One-to-one and peeled-off sockets: the association's failure as a
 * socket error.  The matching notification, if it follows, finds the
 * association gone.
 */
static void
sc_single_error(struct tr_ep *ep, int error)
{
	struct sc_assoc *a = sc_single(ep);
	sctp_assoc_t id;
	int up;

	if (a == NULL) {
		log_debug(2, "sctp: socket error %s", strerror(error));
		return;
	}
	id = a->id;
	up = a->up;
	sc_forget(ep, a);
	sc_emit(ep, up ? TR_EV_LOST : TR_EV_CANT_START, id, error);
}

/* One-to-one: end of file once the association is closed. */
static void
sc_single_eof(struct tr_ep *ep)
{
	struct sc_assoc *a = sc_single(ep);
	sctp_assoc_t id;
	int up;

	/* Level-triggered readable from now on: stop asking. */
	ev_mod_fd(ep->loop, sc(ep)->fd, EV_NONE);
	if (a == NULL)
		return;
	id = a->id;
	up = a->up;
	sc_forget(ep, a);
	sc_emit(ep, up ? TR_EV_SHUTDOWN : TR_EV_CANT_START, id,
	    up ? 0 : ECONNREFUSED);
}

/*
 * One recvmsg.  A message may come in pieces (no MSG_EOR yet): they are
 * gathered in rbuf; one that does not fit is dropped whole.  Returns 0
 * to go on reading, -1 when the socket is drained or failed.
 */
static int
sc_recv_one(struct tr_ep *ep)
{
	struct sc_ep *s = sc(ep);
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
		          CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
	} cbuf;
	struct sctp_rcvinfo ri;
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;

	if (s->rlen >= SC_RBUF) { /* full and no end in sight */
		s->rdiscard = 1;
		s->rlen = 0;
	}
	iov.iov_base = s->rbuf + s->rlen;
	iov.iov_len = SC_RBUF - s->rlen;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.b;
	mh.msg_controllen = sizeof(cbuf.b);
	if ((n = recvmsg(s->fd, &mh, 0)) == -1) {
		if (errno == EINTR)
			return 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -1;
		if (s->style != SC_MANY) {
			/* Read on: the error is cleared, its notifications
			 * (SEND_FAILED) come next. */
			sc_single_error(ep, errno);
			return 0;
		}
		log_warning("sctp: recvmsg: %s", strerror(errno));
		return -1;
	}
	if (n == 0 && !(mh.msg_flags & MSG_NOTIFICATION) && s->rlen == 0) {
		if (s->style == SC_ONE) {
			sc_single_eof(ep);
			return -1;
		}
		return 0;
	}
	if (s->rlen == 0 && !(mh.msg_flags & MSG_NOTIFICATION)) {
		memset(&ri, 0, sizeof(ri));
		sc_rcvinfo(&mh, &ri);
		s->rinfo = ri;
	}
	s->rlen += (size_t)n;
	if (!(mh.msg_flags & MSG_EOR))
		return 0;
	if (s->rdiscard)
		log_warning("sctp: assoc %d: message over %d bytes dropped",
		    s->rinfo.rcv_assoc_id, SC_RBUF);
	else if (mh.msg_flags & MSG_NOTIFICATION)
		sc_notification(ep, s->rbuf, s->rlen);
	else
		sc_message(ep);
	s->rlen = 0;
	s->rdiscard = 0;
	return 0;
}

static void
sc_read_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct tr_ep *ep = arg;
	int i;

	(void)loop, (void)events;
	sc(ep)->batching = 1;
	/* Stop when a callback aborted the one-to-one association (its
	 * socket is closed) or connected it anew (another socket). */
	for (i = 0; i < SC_READS_MAX && sc(ep)->fd == fd; i++)
		if (sc_recv_one(ep) == -1)
			break;
	sc(ep)->batching = 0;
	sc_flush(ep);
}

static int
sc_connect(struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc)
{
	uint8_t packed[ADDR_MAX * sizeof(struct sockaddr_in6)];
	struct sctp_getaddrs_old p;
	struct sc_ep *s = sc(ep);
	socklen_t pl = sizeof(p);
	size_t len;

	len = sc_pack(peer, 0, peer->port, packed, sizeof(packed));
	if (len == 0) {
		errno = EDESTADDRREQ;
		return -1;
	}
	if (s->style != SC_MANY && s->ids.n > 0) {
		errno = EISCONN;
		return -1;
	}
	if (s->style == SC_PEELED) { /* its association is over */
		errno = EINVAL;
		return -1;
	}
	/* A one-to-one socket connects once: the next association gets
	 * a fresh socket. */
	if (s->style == SC_ONE && (s->used || s->fd == -1)) {
		sc_close_fd(ep);
		if (sc_open_fd(ep, s->has_local ? &s->local : NULL) == -1)
			return -1;
	}
	memset(&p, 0, sizeof(p));
	p.addr_num = (int)len; /* bytes, despite the name */
	p.addrs = (struct sockaddr *)packed;
	if (getsockopt(s->fd, SOL_SCTP, SCTP_SOCKOPT_CONNECTX3, &p, &pl) ==
	        -1 &&
	    errno != EINPROGRESS)
		return -1;
	if (p.assoc_id == 0 || sc_track(ep, p.assoc_id) == NULL) {
		errno = p.assoc_id == 0 ? EIO : ENOMEM;
		return -1;
	}
	*assoc = (uint32_t)p.assoc_id;
	return 0;
}

/* sendmsg with an SCTP_SNDINFO: data, or flags only (EOF, ABORT);
 * more: MSG_MORE, the kernel may hold the chunk for the next one. */
static int
sc_sendmsg_raw(struct tr_ep *ep, uint32_t id, uint32_t ppid, uint16_t stream,
    uint16_t flags, const void *data, size_t len, int more)
{
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct sctp_sndinfo))];
	} cbuf;
	struct sctp_sndinfo si;
	struct cmsghdr *cm;
	struct iovec iov;
	struct msghdr mh;

	memset(&si, 0, sizeof(si));
	si.snd_sid = stream;
	si.snd_flags = flags;
	si.snd_ppid = htonl(ppid);
	si.snd_assoc_id = (sctp_assoc_t)id;
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.b;
	mh.msg_controllen = sizeof(cbuf.b);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_SCTP;
	cm->cmsg_type = SCTP_SNDINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(si));
	memcpy(CMSG_DATA(cm), &si, sizeof(si));
	if (sendmsg(sc(ep)->fd, &mh, MSG_NOSIGNAL | (more ? MSG_MORE : 0)) ==
	    -1)
		return -1;
	return 0;
}

static int
full(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

static int64_t
sc_retry_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct tr_ep *ep = arg;

	(void)loop, (void)id;
	sc(ep)->held.retry = EV_TIMER_NONE;
	sc_flush(ep);
	return EV_NOMORE;
}

/*
 * Send the held message, if any, and with it what the kernel holds for
 * its association.  -1/EAGAIN when the socket is full: the message stays
 * held, goes before anything else, and a timer tries again.  Any other
 * failure is the association's end, which its notifications report: the
 * message is gone with it.
 */
static int
sc_flush(struct tr_ep *ep)
{
	struct sc_held *h = &sc(ep)->held;

	if (h->len == 0)
		return 0;
	if (sc_sendmsg_raw(
	        ep, h->id, h->ppid, h->stream, 0, h->data, h->len, 0) == -1 &&
	    full()) {
		if (h->retry == EV_TIMER_NONE)
			h->retry = ev_timer_add(ep->loop, 10, sc_retry_cb, ep);
		return -1;
	}
	h->len = 0;
	return 0;
}

static int
sc_sendmsg(struct tr_ep *ep, uint32_t id, uint32_t ppid, uint16_t stream,
    uint16_t flags, const void *data, size_t len)
{
	/* Keep the order: nothing overtakes a held message (an ABORT
	 * discards it anyway). */
	if (sc_flush(ep) == -1 && !(flags & SCTP_ABORT))
		return -1;
	return sc_sendmsg_raw(ep, id, ppid, stream, flags, data, len, 0);
}

/* During a read batch: send what is held (with MSG_MORE when this
 * message goes to the same association) and hold this one. */
static int
sc_send_batched(struct tr_ep *ep, uint32_t id, uint32_t ppid, uint16_t stream,
    const void *data, size_t len)
{
	struct sc_held *h = &sc(ep)->held;

	if (h->len > 0 && h->id == id) {
		/* Full: the held one stays first and the caller keeps this
		 * one (EAGAIN). */
		if (sc_sendmsg_raw(ep, h->id, h->ppid, h->stream, 0, h->data,
		        h->len, 1) == -1) {
			if (!full())
				h->len = 0;
			return -1;
		}
		h->len = 0;
	} else if (sc_flush(ep) == -1) /* another association's, stuck */
		return sc_sendmsg_raw(ep, id, ppid, stream, 0, data, len, 0);
	if (h->data == NULL && (h->data = malloc(RSP_MSG_MAX)) == NULL)
		return sc_sendmsg_raw(ep, id, ppid, stream, 0, data, len, 0);
	memcpy(h->data, data, len);
	h->id = id;
	h->ppid = ppid;
	h->stream = stream;
	h->len = len;
	return 0;
}

static int
sc_send(struct tr_ep *ep, uint32_t id, uint32_t ppid, uint16_t stream,
    const void *data, size_t len)
{
	if (sc_find(ep, id) == NULL)
		return -1;
	if (len == 0 || len > RSP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (sc(ep)->batching && !(ep->flags & TR_NO_BATCH))
		return sc_send_batched(ep, id, ppid, stream, data, len);
	return sc_sendmsg(ep, id, ppid, stream, 0, data, len);
}

/* One-to-one sockets refuse SCTP_EOF: shutdown(2) is their way. */
static int
sc_shutdown(struct tr_ep *ep, uint32_t id)
{
	if (sc_find(ep, id) == NULL)
		return -1;
	if (sc(ep)->style == SC_ONE)
		return sc_flush(ep) == -1 ? -1 : shutdown(sc(ep)->fd, SHUT_WR);
	return sc_sendmsg(ep, id, 0, 0, SCTP_EOF, NULL, 0);
}

/* One-to-one sockets refuse SCTP_ABORT: close the socket abortively. */
static int
sc_abort(struct tr_ep *ep, uint32_t id)
{
	struct sc_assoc *a = sc_find(ep, id);

	if (a == NULL)
		return -1;
	sc_forget(ep, a); /* no more events for it */
	if (sc(ep)->style == SC_ONE) {
		sc_close_fd(ep);
		return 0;
	}
	sc_remember_aborted(ep, (sctp_assoc_t)id);
	return sc_sendmsg(ep, id, 0, 0, SCTP_ABORT, NULL, 0);
}

/* SCTP_GET_PEER_ADDRS / SCTP_GET_LOCAL_ADDRS into out. */
static int
sc_getaddrs(struct tr_ep *ep, int opt, uint32_t id, struct addr_list *out)
{
	enum {
		CAP = sizeof(struct sctp_getaddrs) +
		      ADDR_MAX * sizeof(struct sockaddr_in6)
	};
	union {
		struct sctp_getaddrs ga;
		uint8_t bytes[CAP];
	} u;
	struct sctp_getaddrs *ga = &u.ga;
	struct sockaddr_storage ss;
	socklen_t gl = (socklen_t)CAP;
	const uint8_t *p;
	struct buf b;
	sa_family_t fam;
	uint32_t i;

	memset(&u, 0, sizeof(u));
	ga->assoc_id = (sctp_assoc_t)id;
	if (getsockopt(sc(ep)->fd, SOL_SCTP, opt, ga, &gl) == -1)
		return -1;
	/* Walk addr_num entries within the buffer (zeroed beyond what the
	 * kernel wrote), not optlen, whose meaning differs by version. */
	buf_init(&b, ga->addrs, CAP - sizeof(*ga));
	for (i = 0; i < ga->addr_num; i++) {
		memset(&ss, 0, sizeof(ss));
		if (buf_left(&b) < sizeof(fam))
			break;
		memcpy(&fam, b.data + b.pos, sizeof(fam));
		ss.ss_family = fam;
		if (sa_len(&ss) == 0 || buf_get_ptr(&b, sa_len(&ss), &p) == -1)
			break;
		memcpy(&ss, p, sa_len(&ss));
		addr_normalize(&ss);
		tr_addr_add(out, (struct sockaddr *)&ss);
		out->port = sa_port(&ss);
	}
	return 0;
}

static int
sc_peer_addrs(struct tr_ep *ep, uint32_t id, struct addr_list *out)
{
	if (sc_find(ep, id) == NULL)
		return -1;
	return sc_getaddrs(ep, SCTP_GET_PEER_ADDRS, id, out);
}

static int
sc_local_addrs(struct tr_ep *ep, uint32_t id, struct addr_list *out)
{
	if (id != 0 && sc_find(ep, id) == NULL)
		return -1;
	if (sc(ep)->fd == -1) /* one-to-one after tr_abort */
		return 0;
	return sc_getaddrs(ep, SCTP_GET_LOCAL_ADDRS, id, out);
}

/* The association's SCTP_STATUS; -1 if it is not ours or the call
 * fails. */
static int
sc_status(struct tr_ep *ep, uint32_t id, struct sctp_status *st)
{
	socklen_t sl = sizeof(*st);

	if (sc_find(ep, id) == NULL)
		return -1;
	memset(st, 0, sizeof(*st));
	st->sstat_assoc_id = (sctp_assoc_t)id;
	return getsockopt(sc(ep)->fd, SOL_SCTP, SCTP_STATUS, st, &sl);
}

static int
sc_unacked(struct tr_ep *ep, uint32_t id)
{
	struct sctp_status st;

	if (sc_status(ep, id, &st) == -1)
		return -1;
	/* DATA chunks in flight plus those not sent yet, in the kernel
	 * and held here. */
	return st.sstat_unackdata + st.sstat_penddata +
	       (sc(ep)->held.len > 0 && sc(ep)->held.id == id);
}

static int
sc_srtt(struct tr_ep *ep, uint32_t id)
{
	struct sctp_status st;

	if (sc_status(ep, id, &st) == -1)
		return -1;
	return (int)st.sstat_primary.spinfo_srtt; /* ms */
}

/* SCTP_SOCKOPT_PEELOFF_FLAGS (Linux 4.13) sets the flags at once. */
static int
sc_peeloff_fd(struct tr_ep *ep, sctp_assoc_t id)
{
	sctp_peeloff_flags_arg_t pf;
	sctp_peeloff_arg_t pa;
	socklen_t l;
	int fl;

	memset(&pf, 0, sizeof(pf));
	pf.p_arg.associd = id;
	pf.flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
	l = sizeof(pf);
	/* Linux returns the new fd, not 0: success is anything but -1. */
	if (getsockopt(sc(ep)->fd, SOL_SCTP, SCTP_SOCKOPT_PEELOFF_FLAGS, &pf,
	        &l) != -1)
		return pf.p_arg.sd;
	if (errno != ENOPROTOOPT)
		return -1;
	memset(&pa, 0, sizeof(pa));
	pa.associd = id;
	l = sizeof(pa);
	if (getsockopt(sc(ep)->fd, SOL_SCTP, SCTP_SOCKOPT_PEELOFF, &pa, &l) ==
	    -1)
		return -1;
	if ((fl = fcntl(pa.sd, F_GETFL)) == -1 ||
	    fcntl(pa.sd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(pa.sd, F_SETFD, FD_CLOEXEC) == -1) {
		int saved = errno;

		close(pa.sd);
		errno = saved;
		return -1;
	}
	return pa.sd;
}

/*
 * The kernel moves the association, with what is queued for it, to a
 * new socket, which inherits the subscriptions and options.
 */
static int
sc_peeloff(struct tr_ep *ep, uint32_t id, struct tr_ep *nep)
{
	struct sc_assoc *a = sc_find(ep, id);
	struct sc_ep *n;
	int fd, saved;

	if (a == NULL)
		return -1;
	/* A held message may be the association's: out first. */
	if (sc_flush(ep) == -1 && sc(ep)->held.id == id)
		return -1;
	if ((fd = sc_peeloff_fd(ep, a->id)) == -1)
		return -1;
	if ((n = sc_ep_alloc(nep, SC_PEELED)) == NULL)
		goto fail;
	n->fd = fd;
	n->family = sc(ep)->family;
	if (tr_map_put(&n->ids, id, a) == -1 ||
	    ev_add_fd(nep->loop, fd, EV_READ, sc_read_cb, nep) == -1)
		goto fail;
	tr_map_del(&sc(ep)->ids, id);
	return 0;
fail:
	saved = errno;
	if (nep->priv != NULL) {
		tr_map_free(&n->ids);
		free(n->rbuf);
		free(n);
		nep->priv = NULL;
	}
	/* The association is on fd now: without it, it has to go. */
	sc_abort_close(fd);
	sc_forget(ep, a);
	errno = saved;
	return -1;
}

static int
sc_count(struct tr_ep *ep)
{
	return (int)sc(ep)->ids.n;
}

const struct tr_ops tr_sctp_ops = {
    .name = "sctp",
    .open = sc_open,
    .free = sc_free,
    .connect = sc_connect,
    .send = sc_send,
    .shutdown = sc_shutdown,
    .abort = sc_abort,
    .peer_addrs = sc_peer_addrs,
    .local_addrs = sc_local_addrs,
    .unacked = sc_unacked,
    .srtt = sc_srtt,
    .peeloff = sc_peeloff,
    .count = sc_count,
};
