/*
 * Kernel SCTP backend, receive side: what the kernel reports on an
 * endpoint's socket, read in batches from the event loop and turned into
 * transport events.  It is apart from core/transport/sctp.c (sockets,
 * connect, send) because the kernel's variants meet here: two
 * subscription interfaces, two receive-info cmsgs, two SEND_FAILED
 * layouts, and the ways one-to-one sockets report an association's end.
 *
 * The kernel reports association changes as notifications on the same
 * socket; those become transport events.  Notifications are subscribed
 * with SCTP_EVENT, or SCTP_EVENTS on kernels without it (then undelivered
 * messages come as the old SCTP_SEND_FAILED).  tr_abort() is final: the
 * kernel's later COMM_LOST for an aborted id finds nothing in the
 * association table and is dropped, and its SEND_FAILED notifications
 * are known by the ring of recently aborted ids.
 *
 * One-to-one and peeled-off sockets differ: the kernel reports an
 * association's failure there also as a socket error (read first, before
 * the notifications queued with it), and a one-to-one socket reads EOF
 * once its association is closed.
 *
 * RSerPool rules (docs/wire.md 1.3): every message is one whole SCTP
 * user message, gathered here until MSG_EOR; the PPID comes in network
 * order.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <netinet/sctp.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "proto/buf.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/transport/sctp_int.h"

#define SC_READS_MAX 4 /* batches of SC_BATCH pieces */

int tr_sctp_old_events;

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
int
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

static void
sc_emit(struct tr_ep *ep, enum tr_ev_type type, sctp_assoc_t id, int error)
{
	struct tr_event ev = {
	    .type = type, .assoc = (uint32_t)id, .error = error};

	tr_emit(ep, &ev);
}

void
sc_remember_aborted(struct tr_ep *ep, sctp_assoc_t id)
{
	sc(ep)->aborted[sc(ep)->naborted++ % SC_ABORTED] = id;
}

/* An incoming association we do not take: ABORT it, no events. */
static void
sc_refuse(struct tr_ep *ep, sctp_assoc_t id)
{
	sc_remember_aborted(ep, id);
	if (sc_sendmsg(ep, (uint32_t)id, 0, 0, SCTP_ABORT, NULL, 0) == -1)
		log_warning("sctp: assoc %d: abort: %s", id, strerror(errno));
}

/* A new incoming association over -maxassociationspersource is
 * aborted (1); else its source is counted, the key in *key. */
static int
sc_src_refused(struct tr_ep *ep, sctp_assoc_t id, uint32_t *key)
{
	struct addr_list al;

	*key = 0;
	memset(&al, 0, sizeof(al));
	if (ep->max_per_src <= 0 ||
	    sc_getaddrs(ep, SCTP_GET_PEER_ADDRS, (uint32_t)id, &al) == -1 ||
	    al.n == 0)
		return 0;
	if (tr_src_take(ep, (struct sockaddr *)&al.a[0], key, "sctp") == 0)
		return 0;
	sc_refuse(ep, id);
	return 1;
}

/*
 * The end of association a, as type.  A TLS association whose handshake
 * did not finish was never UP for the application: an outgoing one
 * fails to start, an incoming one goes without a word.
 */
static void
sc_end(struct tr_ep *ep, struct sc_assoc *a, enum tr_ev_type type, int error)
{
	sctp_assoc_t id = a->id;
	int silent = a->tls != NULL && !a->up && !a->outgoing;

	if (a->tls != NULL && !a->up && type != TR_EV_CANT_START) {
		log_info("sctp: assoc %d: ended during its TLS handshake", id);
		type = TR_EV_CANT_START;
		error = ECONNREFUSED;
	}
	sc_forget(ep, a);
	if (!silent)
		sc_emit(ep, type, id, error);
}

/* COMM_UP: UP now, or after TLS's handshake. */
static void
sc_comm_up(struct tr_ep *ep, struct sc_assoc *a)
{
	if (sc_tls_up(ep, a) != 0)
		return;
	a->up = 1;
	sc_emit(ep, TR_EV_UP, a->id, 0);
}

/* SCTP_ASSOC_CHANGE -> UP, LOST, SHUTDOWN, RESTART, CANT_START. */
static void
sc_assoc_change(struct tr_ep *ep, const struct sctp_assoc_change *sac)
{
	struct sc_assoc *a =
	    tr_map_get(&sc(ep)->ids, (uint32_t)sac->sac_assoc_id);
	uint32_t key = 0;

	switch (sac->sac_state) {
	case SCTP_COMM_UP:
		if (a == NULL && sc(ep)->style == SC_MANY &&
		    (long long)sc(ep)->ids.n >= ep->max_assoc) {
			sc_refuse(ep, sac->sac_assoc_id);
			tr_log_refused(ep, "sctp");
			return;
		}
		if (a == NULL && sc(ep)->style == SC_MANY &&
		    sc_src_refused(ep, sac->sac_assoc_id, &key))
			return;
		if (a == NULL &&
		    (a = sc_track(ep, sac->sac_assoc_id)) == NULL) {
			log_warning("sctp: assoc %d: no memory; aborting",
			    sac->sac_assoc_id);
			tr_src_give(ep, key);
			sc_refuse(ep, sac->sac_assoc_id);
			return;
		}
		if (key != 0)
			a->src_key = key;
		sc_comm_up(ep, a);
		return;
	case SCTP_RESTART:
		if (a != NULL && a->tls != NULL) {
			/* TLS's state was the old peer's: no going on */
			log_warning_limited(
			    "sctp: assoc %d: the peer restarted; "
			    "its TLS connection is gone: aborted",
			    a->id);
			sc_end(ep, a, TR_EV_LOST, ECONNRESET);
			sc_refuse(ep, sac->sac_assoc_id);
		} else if (a != NULL)
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
		sc_end(ep, a, TR_EV_LOST, ECONNRESET);
		break;
	case SCTP_SHUTDOWN_COMP:
		sc_end(ep, a, TR_EV_SHUTDOWN, 0);
		break;
	case SCTP_CANT_STR_ASSOC:
		sc_end(ep, a, TR_EV_CANT_START, ECONNREFUSED);
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
	struct sc_assoc *a = sc_find(ep, ev.assoc);

	if (a == NULL) {
		log_debug(
		    2, "sctp: message for unknown assoc %u dropped", ev.assoc);
		return;
	}
	/* TLS's records are decrypted there, their messages handed up */
	if (sc_tls_message(ep, a, &s->rinfo, s->rbuf, s->rlen))
		return;
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
			ri->rcv_flags = sri.sinfo_flags;
			ri->rcv_ppid = sri.sinfo_ppid;
			ri->rcv_assoc_id = sri.sinfo_assoc_id;
		}
	}
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

/* What one received piece (n bytes at rbuf + rlen, mh's flags and
 * receive info) completes: a message or notification at MSG_EOR.
 * Returns -1 at the end of a one-to-one socket, else 0. */
static int
sc_piece(struct tr_ep *ep, struct msghdr *mh, size_t n)
{
	struct sc_ep *s = sc(ep);
	struct sctp_rcvinfo ri;

	if (n == 0 && !(mh->msg_flags & MSG_NOTIFICATION) && s->rlen == 0) {
		if (s->style == SC_ONE) {
			sc_single_eof(ep);
			return -1;
		}
		return 0;
	}
	if (s->rlen == 0 && !(mh->msg_flags & MSG_NOTIFICATION)) {
		memset(&ri, 0, sizeof(ri));
		sc_rcvinfo(mh, &ri);
		s->rinfo = ri;
	}
	s->rlen += n;
	if (!(mh->msg_flags & MSG_EOR))
		return 0;
	if (s->rdiscard)
		log_warning_limited(
		    "sctp: assoc %d: message over %d bytes dropped",
		    s->rinfo.rcv_assoc_id, SC_RBUF);
	else if (mh->msg_flags & MSG_NOTIFICATION)
		sc_notification(ep, s->rbuf, s->rlen);
	else
		sc_message(ep);
	s->rlen = 0;
	s->rdiscard = 0;
	return 0;
}

/* A piece received into slot i > 0 goes where the message is gathered;
 * one that does not fit drops its message whole. */
static void
sc_gather(struct sc_ep *s, int i, size_t n)
{
	if (s->rlen + n > SC_RBUF) {
		s->rdiscard = 1;
		s->rlen = 0;
	}
	memcpy(s->rbuf + s->rlen, SC_SLOT(s, i), n);
}

/*
 * One recvmmsg: up to SC_BATCH pieces in one system call, the first
 * straight into rbuf, the others into slots (a message may come in
 * pieces, without MSG_EOR: they are gathered in rbuf).  Fewer than
 * asked for means the socket is drained: no read only to meet EAGAIN.
 * Returns 0 to go on reading, -1 when the socket is drained, failed or
 * replaced by a callback (what it read is then the old socket's).
 */
static int
sc_recv_batch(struct tr_ep *ep)
{
	struct sc_ep *s = sc(ep);
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
		          CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
	} cbuf[SC_BATCH];
	struct mmsghdr mm[SC_BATCH];
	struct iovec iov[SC_BATCH];
	int fd = s->fd, i, n;

	if (s->rlen >= SC_RBUF) { /* full and no end in sight */
		s->rdiscard = 1;
		s->rlen = 0;
	}
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < SC_BATCH; i++) {
		iov[i].iov_base = i == 0 ? s->rbuf + s->rlen : SC_SLOT(s, i);
		iov[i].iov_len = i == 0 ? SC_RBUF - s->rlen : SC_SLOT_SIZE;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = cbuf[i].b;
		mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i].b);
	}
	if ((n = recvmmsg(fd, mm, SC_BATCH, 0, NULL)) == -1) {
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
		log_warning_limited("sctp: recvmmsg: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			sc_gather(s, i, mm[i].msg_len);
		if (sc_piece(ep, &mm[i].msg_hdr, mm[i].msg_len) == -1 ||
		    s->fd != fd)
			return -1;
	}
	return n < SC_BATCH ? -1 : 0;
}

void
sc_read_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct tr_ep *ep = arg;
	int i;

	(void)loop, (void)events;
	sc(ep)->batching = 1;
	/* Stop when a callback aborted the one-to-one association (its
	 * socket is closed) or connected it anew (another socket). */
	for (i = 0; i < SC_READS_MAX && sc(ep)->fd == fd; i++)
		if (sc_recv_batch(ep) == -1)
			break;
	sc(ep)->batching = 0;
	sc_flush(ep);
}

/*
 * The socket, for a thread that reads it itself (tr_input_fds): every
 * association of the endpoint comes through it, so a wait for one of
 * them reads the others' input as well, through the same callbacks.
 * None while TLS carries an association of it: TLS may hold decrypted
 * bytes that poll() does not see.
 */
int
sc_input_fds(struct tr_ep *ep, uint32_t id, int *fds, int max)
{
	const struct sc_ep *s = sc(ep);
	const struct sc_assoc *a;
	uint32_t i;

	if (max < 1 || s->fd < 0 || s->ids.n == 0)
		return 0;
	if (id != 0) {
		a = tr_map_get(&s->ids, id);
		if (a == NULL || !a->up || a->tls != NULL)
			return 0;
	} else {
		for (i = 0; i < s->ids.cap; i++)
			if (s->ids.keys[i] != 0 &&
			    ((const struct sc_assoc *)s->ids.vals[i])->tls !=
			        NULL)
				return 0;
	}
	fds[0] = s->fd;
	return 1;
}
