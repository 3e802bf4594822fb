/*
 * TCP mapping backend, one association's connection (docs/wire.md
 * section 7): connect attempts, chunks read and written, the send and
 * acknowledgement queues, the heartbeat timer.  It is apart from
 * core/transport/tcp.c (the endpoint, listening, accepting, the tr_ops)
 * because all of it works on one association, mostly from its
 * connection's fd and timer callbacks, while tcp.c deals with the
 * endpoint as a whole.
 *
 * Both sides send INIT (flags 0: our DATA carries TSN, stream and PPID)
 * first; the association is up when the peer's INIT has arrived.  Every
 * DATA chunk is answered by one ACK after the application's callback has
 * returned, so tr_unacked() counts the messages the peer application
 * has not yet seen.  A timer per association sends a HEARTBEAT every
 * interval; maxloss unanswered heartbeats lose the association.  Before
 * UP the same timer bounds connect + INIT to interval * maxloss.
 *
 * Sent messages are kept until their ACK (one record per DATA in the
 * `sent` queue, read back through struct buf); when the association
 * ends with some unacknowledged, each comes back as TR_EV_SEND_FAILED
 * after the LOST or SHUTDOWN event, as SCTP reports undelivered data.
 *
 * A failed association is only killed here (tc_kill): its memory goes
 * at the reap that ends each callback, so the walk through its input
 * may go on after an application callback aborted it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/transport/tcp_int.h"

#define TC_READS_MAX 16 /* reads per readiness callback: fairness */
#ifdef RSP_TLS
#define TC_SOCK_PENDING(a) tc_sock_pending(a)
#else
#define TC_SOCK_PENDING(a) 0
#endif

static void
tc_emit(struct tc_assoc *a, enum tr_ev_type type, int error)
{
	struct tr_event ev = {.type = type, .assoc = a->id, .error = error};

	tr_emit(a->ep, &ev);
}

int
tc_sent_push(struct tc_assoc *a, uint32_t ppid, uint16_t stream,
    const void *data, size_t len)
{
	size_t start;

	if (a->sent_off > 0 && a->sent_off == a->sent.len) {
		wbuf_reset(&a->sent);
		a->sent_off = 0;
	} else if (a->sent_off > a->sent.len / 2) {
		memmove(a->sent.data, a->sent.data + a->sent_off,
		    a->sent.len - a->sent_off);
		a->sent.len -= a->sent_off;
		a->sent_off = 0;
	}
	start = a->sent.len;
	wbuf_add_n32(&a->sent, ppid);
	wbuf_add_n16(&a->sent, stream);
	wbuf_add_n32(&a->sent, (uint32_t)len);
	wbuf_add(&a->sent, data, len);
	if (wbuf_error(&a->sent)) {
		a->sent.len = start;
		a->sent.err = 0;
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

/* Take the oldest unacknowledged message; 0 if there is none. */
static int
tc_sent_pop(struct tc_assoc *a, struct tr_event *ev)
{
	struct buf b;
	uint32_t len;

	buf_init(&b, a->sent.data + a->sent_off, a->sent.len - a->sent_off);
	if (buf_get_n32(&b, &ev->ppid) == -1 ||
	    buf_get_n16(&b, &ev->stream) == -1 || buf_get_n32(&b, &len) == -1 ||
	    buf_get_ptr(&b, len, &ev->data) == -1)
		return 0;
	ev->len = len;
	a->sent_off += SENT_HDR + len;
	return 1;
}

/* After EAGAIN: WRITABLE once both queues are down to half the limit
 * (not one event per ACK while the sender keeps them full). */
static void
tc_room(struct tc_assoc *a)
{
	if (!a->blocked || a->state != TC_UP ||
	    a->tx.len - a->tx_off > TR_TX_MAX / 2 ||
	    a->sent.len - a->sent_off > TR_TX_MAX / 2)
		return;
	a->blocked = 0;
	tc_emit(a, TR_EV_WRITABLE, 0);
}

/* After the end of an association: what the peer never acknowledged. */
static void
tc_report_unacked(struct tc_assoc *a, int error)
{
	struct tr_event ev = {
	    .type = TR_EV_SEND_FAILED, .assoc = a->id, .error = error};

	while (tc_sent_pop(a, &ev))
		tr_emit(a->ep, &ev);
	a->unacked = 0;
}

/*
 * The association failed: LOST once it was up, CANT_START for our own
 * connect attempts, nothing for an incoming connection never reported.
 */
static void
tc_fail(struct tc_assoc *a, int error)
{
	if (a->state == TC_DEAD)
		return;
	log_debug(1, "tcpmap: assoc %u failed: %s", a->id, strerror(error));
	tc_kill(a);
	if (a->was_up)
		tc_emit(a, TR_EV_LOST, error);
	else if (a->outgoing)
		tc_emit(a, TR_EV_CANT_START, error);
	tc_report_unacked(a, error);
}

static void
tc_want(struct tc_assoc *a)
{
	int mask = EV_READ;

	if (a->state == TC_CONNECTING || a->tx.len > a->tx_off)
		mask |= EV_WRITE;
#ifdef RSP_TLS
	mask |= tc_tls_want(a);
#endif
	ev_mod_fd(a->ep->loop, a->fd, mask);
}

/*
 * Write what is queued; -1 with errno on a hard error.  Callers outside
 * the fd callback ignore that: the error stays, the socket polls
 * writable and the fd callback meets it again and fails the association,
 * so an application calling tr_send() never gets events from inside
 * that call.
 */
int
tc_flush(struct tc_assoc *a)
{
	ssize_t n;

	if (a->state == TC_CONNECTING || a->state == TC_DEAD)
		return 0;
#ifdef RSP_TLS
	if (a->state == TC_HANDSHAKE)
		return 0;
#endif
	while (a->tx.len > a->tx_off) {
#ifdef RSP_TLS
		n = tc_sock_send(
		    a, a->tx.data + a->tx_off, a->tx.len - a->tx_off);
#else
		n = send(a->fd, a->tx.data + a->tx_off, a->tx.len - a->tx_off,
		    MSG_NOSIGNAL);
#endif
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			tc_want(a);
			return -1;
		}
		if (n <= 0)
			break;
		a->tx_off += (size_t)n;
	}
	if (a->tx_off == a->tx.len) {
		wbuf_reset(&a->tx);
		a->tx_off = 0;
		if (a->state == TC_CLOSING && !a->fin_sent) {
#ifdef RSP_TLS
			tc_tls_close(a);
#endif
			shutdown(a->fd, SHUT_WR);
			a->fin_sent = 1;
		}
	}
	tc_want(a);
	return 0;
}

/* Drop written bytes from the front so the queue limit counts only
 * what is pending. */
void
tc_tx_compact(struct tc_assoc *a)
{
	if (a->tx_off == 0)
		return;
	memmove(a->tx.data, a->tx.data + a->tx_off, a->tx.len - a->tx_off);
	a->tx.len -= a->tx_off;
	a->tx_off = 0;
}

int
tc_queue(struct tc_assoc *a, const struct tcpmap_chunk *c)
{
	size_t len;

	tc_tx_compact(a);
	len = a->tx.len;
	if (tcpmap_encode(c, TC_INIT_FLAGS, &a->tx) == -1) {
		int saved = errno;

		a->tx.len = len; /* drop the partial chunk */
		a->tx.err = 0;
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Queue (tc_queue_chunk: -1 when that failed the association) and send
 * a control chunk (ACK, HEARTBEAT, HEARTBEAT ACK) from loop context.
 * A full queue means the peer has stopped reading while it
 * keeps sending: give the association up rather than buffer more.
 */
static int
tc_queue_chunk(struct tc_assoc *a, const struct tcpmap_chunk *c)
{
	if (tc_queue(a, c) == 0)
		return 0;
	log_warning_limited("tcpmap: assoc %u: cannot queue %s: %s", a->id,
	    tcpmap_type_name(c->type), strerror(errno));
	tc_fail(a, ENOBUFS);
	return -1;
}

static void
tc_send_chunk(struct tc_assoc *a, const struct tcpmap_chunk *c)
{
	if (!a->fin_sent && tc_queue_chunk(a, c) == 0)
		(void)tc_flush(a);
}

static int64_t tc_timer_cb(struct ev_loop *loop, uint64_t id, void *arg);

void
tc_start_timer(struct tc_assoc *a)
{
	a->timer =
	    ev_timer_add(a->ep->loop, a->ep->hb_interval, tc_timer_cb, a);
	if (a->timer == EV_TIMER_NONE)
		log_warning_limited(
		    "tcpmap: assoc %u: no timer: %s", a->id, strerror(errno));
}

/* TCP is connected: learn the peer, start talking. */
void
tc_connected(struct tc_assoc *a)
{
	socklen_t sl = sizeof(a->peer);

	if (getpeername(a->fd, (struct sockaddr *)&a->peer, &sl) == -1)
		memset(&a->peer, 0, sizeof(a->peer));
	a->state = TC_INIT_WAIT;
	free(a->try);
	a->try = NULL;
#ifdef RSP_TLS
	if (a->tls_ref != NULL) {
		if (tc_tls_start(a) == -1)
			tc_fail(a, EPROTO);
		else
			tc_want(a);
		return;
	}
#endif
	(void)tc_flush(a);
}

int
tc_socket(int family)
{
	int fd, one = 1;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* Chunks are messages: do not hold them back for coalescing. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/*
 * Try the peer's addresses from try_idx on.  0 when one is connecting
 * or connected, -1 with errno when none is left.
 */
/* A client endpoint's local address of ss's family, if it has one. */
static int
tc_bind_local(struct tc_assoc *a, int fd, int family)
{
	const struct addr_list *l = &((struct tc_ep *)a->ep->priv)->local;
	struct sockaddr_storage ss;
	int i;

	for (i = 0; i < l->n; i++) {
		if (l->a[i].ss_family != family)
			continue;
		ss = l->a[i];
		sa_set_port(&ss, l->port);
		return bind(fd, (struct sockaddr *)&ss, sa_len(&ss));
	}
	return 0;
}

int
tc_try_next(struct tc_assoc *a)
{
	const struct sockaddr_storage *ss;
	int err = ECONNREFUSED;

	while (a->try_idx < a->try->n) {
		ss = &a->try->a[a->try_idx++];
		if ((a->fd = tc_socket(ss->ss_family)) == -1) {
			err = errno;
			continue;
		}
		if (tc_bind_local(a, a->fd, ss->ss_family) == 0 &&
		    (connect(a->fd, (const struct sockaddr *)ss, sa_len(ss)) ==
		            0 ||
		        errno == EINPROGRESS)) {
			if (ev_add_fd(
			        a->ep->loop, a->fd, EV_WRITE, tc_io_cb, a) == 0)
				return 0;
		}
		err = errno;
		close(a->fd);
		a->fd = -1;
	}
	errno = err;
	return -1;
}

static void
tc_connect_done(struct tc_assoc *a)
{
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		err = errno;
	if (err == 0) {
		tc_connected(a);
		return;
	}
	log_debug(1, "tcpmap: assoc %u: connect: %s", a->id, strerror(err));
	ev_del_fd(a->ep->loop, a->fd);
	close(a->fd);
	a->fd = -1;
	if (tc_try_next(a) == -1)
		tc_fail(a, err);
}

static void
tc_protocol_error(struct tc_assoc *a, const char *what)
{
	log_warning_limited("tcpmap: assoc %u: %s; aborting", a->id, what);
	tc_fail(a, EPROTO);
}

static void
tc_on_init(struct tc_assoc *a, const struct tcpmap_chunk *c)
{
	if (a->peer_init) {
		tc_protocol_error(a, "second INIT");
		return;
	}
	a->peer_init = 1;
	a->peer_flags = c->flags & TCPMAP_INIT_MASK;
	if (a->state == TC_INIT_WAIT) {
		a->state = TC_UP;
		a->was_up = 1;
		a->missed = 0;
		tc_emit(a, TR_EV_UP, 0);
	}
}

/* The ACKs that waited for DATA (tr_config.ack_delay) go now. */
static int64_t
tc_ack_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct tc_assoc *a = arg;
	struct tr_ep *ep = a->ep;

	(void)loop, (void)id;
	a->ack_timer = EV_TIMER_NONE;
	if (tc_flush(a) == -1)
		tc_fail(a, errno);
	tc_reap(ep);
	return EV_NOMORE;
}

/*
 * Queue an ACK for DATA just delivered.  Sent at once, unless
 * tr_config.ack_delay says it may wait that long for the application's
 * answer, which takes it along in the same write: the peer then wakes
 * once for both (an RSPLIB application thread that reads and answers
 * each message itself: BENCHMARKS.md "RSPLIB's API").
 */
static void
tc_ack(struct tc_assoc *a, const struct tcpmap_chunk *ack)
{
	if (tr_config.ack_delay <= 0 || a->fin_sent) {
		tc_send_chunk(a, ack);
		return;
	}
	if (tc_queue_chunk(a, ack) == -1)
		return;
	if (a->ack_timer == EV_TIMER_NONE)
		a->ack_timer = ev_timer_add(
		    a->ep->loop, tr_config.ack_delay, tc_ack_cb, a);
}

/* Deliver, then acknowledge: the ACK says the application has it. */
static void
tc_on_data(struct tc_assoc *a, const struct tcpmap_chunk *c)
{
	struct tr_event ev = {.type = TR_EV_MSG,
	    .assoc = a->id,
	    .ppid = c->ppid,
	    .stream = c->stream,
	    .data = c->data,
	    .len = c->datalen};
	struct tcpmap_chunk ack = {.type = TCPMAP_ACK};

	if (!a->was_up) {
		tc_protocol_error(a, "DATA before INIT");
		return;
	}
	tr_emit(a->ep, &ev);
	if (a->state == TC_DEAD)
		return;
	ack.has_tsn = !(a->peer_flags & TCPMAP_INIT_NO_TSN);
	ack.tsn = c->tsn;
	tc_ack(a, &ack);
}

static void
tc_on_chunk(struct tc_assoc *a, const struct tcpmap_chunk *c)
{
	struct tcpmap_chunk hb = *c;
	struct tr_event ev;

	switch (c->type) {
	case TCPMAP_INIT:
		tc_on_init(a, c);
		break;
	case TCPMAP_DATA:
		tc_on_data(a, c);
		break;
	case TCPMAP_ACK:
		if (a->unacked > 0 && tc_sent_pop(a, &ev))
			a->unacked--;
		tc_room(a);
		break;
	case TCPMAP_HEARTBEAT:
		hb.type = TCPMAP_HEARTBEAT_ACK;
		tc_send_chunk(a, &hb);
		break;
	case TCPMAP_HEARTBEAT_ACK:
		a->missed = 0;
		break;
	}
}

static void
tc_on_eof(struct tc_assoc *a)
{
	if (tcpmap_rx_pending(&a->rx) > 0)
		log_debug(1,
		    "tcpmap: assoc %u: %zu bytes of a partial chunk "
		    "at end of stream",
		    a->id, tcpmap_rx_pending(&a->rx));
	if (!a->was_up) {
		tc_fail(a, ECONNRESET);
		return;
	}
	tc_kill(a);
	tc_emit(a, TR_EV_SHUTDOWN, 0);
	tc_report_unacked(a, ECONNRESET);
}

/* Walk the chunks that are complete; 0 while the association lives. */
static int
tc_drain(struct tc_assoc *a)
{
	struct tcpmap_chunk c;
	struct tcpmap_error e;
	char s[96];
	int r = 0;

	while (a->state != TC_DEAD &&
	       (r = tcpmap_rx_next(&a->rx, a->peer_flags, &c, &e)) == 1)
		tc_on_chunk(a, &c);
	if (a->state == TC_DEAD)
		return -1;
	if (r == -1) {
		tcpmap_error_str(&e, s, sizeof(s));
		tc_protocol_error(a, s);
		return -1;
	}
	return 0;
}

static void
tc_read(struct tc_assoc *a)
{
	uint8_t *p;
	size_t room;
	ssize_t n;
	int i;

#ifdef RSP_TLS
	/* Past the bound only for bytes TLS has already decrypted: the
	 * socket would not wake us for them. */
	for (i = 0;
	     (i < TC_READS_MAX || tc_sock_pending(a)) && a->state != TC_DEAD;
	     i++) {
#else
	for (i = 0; i < TC_READS_MAX && a->state != TC_DEAD; i++) {
#endif
		if ((room = tcpmap_rx_space(&a->rx, &p)) == 0) {
			tc_fail(a, ENOMEM);
			return;
		}
#ifdef RSP_TLS
		n = tc_sock_read(a, p, room);
#else
		n = read(a->fd, p, room);
#endif
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			tc_fail(a, errno);
			return;
		}
		if (n == 0) {
			tc_on_eof(a);
			return;
		}
		tcpmap_rx_commit(&a->rx, (size_t)n);
		if (tc_drain(a) == -1)
			return;
		/* A short read emptied the socket: no read only to meet
		 * EAGAIN (the fd is level-triggered: more input calls us
		 * again).  TLS may hold decrypted bytes back: not then. */
		if ((size_t)n < room && !TC_SOCK_PENDING(a))
			return;
	}
}

#ifdef RSP_TLS
/* A handshake step; once done, the queued INIT goes out and whatever
 * the peer sent after its Finished is read. */
static void
tc_tls_handshake(struct tc_assoc *a)
{
	int r = tc_tls_step(a);

	if (r == -1) {
		tc_fail(a, EACCES);
		return;
	}
	if (r == 1) {
		if (tc_flush(a) == -1)
			tc_fail(a, errno);
		else
			tc_read(a);
		return;
	}
	tc_want(a);
}
#endif

void
tc_io_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct tc_assoc *a = arg;
	struct tr_ep *ep = a->ep;

	(void)loop, (void)fd;
	if (a->state == TC_CONNECTING) {
		tc_connect_done(a);
#ifdef RSP_TLS
	} else if (a->state == TC_HANDSHAKE) {
		tc_tls_handshake(a);
#endif
	} else {
		if ((events & EV_WRITE) && tc_flush(a) == -1)
			tc_fail(a, errno);
		else if (events & EV_WRITE)
			tc_room(a);
		if (a->state != TC_DEAD && (events & ~EV_WRITE))
			tc_read(a);
	}
	/* Peeled off by a callback: it is the new endpoint's now. */
	if (a->ep != ep)
		tc_reap(a->ep);
	tc_reap(ep);
}

static void
tc_heartbeat(struct tc_assoc *a, uint64_t now)
{
	uint8_t info[8];
	struct tcpmap_chunk hb = {
	    .type = TCPMAP_HEARTBEAT, .data = info, .datalen = sizeof(info)};
	int i;

	/* Opaque to the peer; the send time helps reading traces. */
	for (i = 0; i < 8; i++)
		info[i] = (uint8_t)(now >> (56 - 8 * i));
	tc_send_chunk(a, &hb);
}

/* Every interval: a heartbeat when up; maxloss misses end it (before
 * UP: connect + INIT took too long). */
static int64_t
tc_timer_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct tc_assoc *a = arg;
	struct tr_ep *ep = a->ep;

	/* While running, the timer is not tc_kill()'s to cancel: the
	 * return value decides. */
	a->timer = EV_TIMER_NONE;
	if (a->missed >= ep->hb_maxloss) {
#ifdef RSP_TLS
		tc_tls_timeout(a);
#endif
		tc_fail(a, ETIMEDOUT);
	} else {
		a->missed++;
		if (a->state == TC_UP || a->state == TC_CLOSING)
			tc_heartbeat(a, ev_now_ms(loop));
	}
	if (a->state == TC_DEAD) {
		tc_reap(ep);
		return EV_NOMORE;
	}
	a->timer = id;
	return ep->hb_interval;
}
