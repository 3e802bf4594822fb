/*
 * Transport backend for the TCP mapping (docs/wire.md section 7): each
 * association is one TCP connection carrying chunks.
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
 * Associations are freed only from the top of a loop callback (reap),
 * so an application callback may abort any association, its own
 * included, while we are still walking that association's input.
 *
 * Live associations are found by id in a hash table (struct tr_map), so
 * a registrar with 100k of them pays O(1) per message.  A one-to-one
 * endpoint is one with at most one live association; tr_peeloff()
 * moves an association, connection, timer and queues as they are, to
 * a new endpoint.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/transport/internal.h"
#include "proto/tcpmap.h"

#define TC_BACKLOG    128
#define TC_READS_MAX  16 /* reads per readiness callback: fairness */
#define TC_INIT_FLAGS 0  /* we send TSN, stream and PPID */

enum tc_state {
	TC_CONNECTING, /* TCP connect in progress */
	TC_INIT_WAIT,  /* connected, waiting for the peer's INIT */
	TC_UP,
	TC_CLOSING, /* tr_shutdown: flush, FIN, wait for the peer's FIN */
	TC_DEAD,    /* waiting to be reaped */
};

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
	long long missed; /* heartbeats unanswered / intervals before UP */
};

struct tc_ep {
	int lfd[ADDR_MAX];
	int nlfd;
	struct tc_assoc *assocs; /* live */
	struct tc_assoc *dead;   /* closed, freed at the next reap */
	struct tr_map ids;       /* id -> live tc_assoc */
	uint32_t next_id;
};

/* (sys/queue.h would do, but musl has none.) */
static void
tc_list_insert(struct tc_assoc **head, struct tc_assoc *a)
{
	a->prev = NULL;
	a->next = *head;
	if (*head)
		(*head)->prev = a;
	*head = a;
}

static void
tc_list_remove(struct tc_assoc **head, struct tc_assoc *a)
{
	if (a->prev)
		a->prev->next = a->next;
	else
		*head = a->next;
	if (a->next)
		a->next->prev = a->prev;
	a->prev = a->next = NULL;
}

static void tc_io_cb(struct ev_loop *loop, int fd, int events, void *arg);
static int64_t tc_timer_cb(struct ev_loop *loop, uint64_t id, void *arg);

static struct tc_ep *
tc(struct tr_ep *ep)
{
	return ep->priv;
}

static struct tc_assoc *
tc_find(struct tr_ep *ep, uint32_t id)
{
	struct tc_assoc *a = tr_map_get(&tc(ep)->ids, id);

	if (a == NULL)
		errno = ENOENT;
	return a;
}

static struct tc_assoc *
tc_assoc_new(struct tr_ep *ep, int outgoing)
{
	struct tc_ep *t = tc(ep);
	struct tc_assoc *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if (wbuf_init_dynamic(&a->tx, 256, TR_TX_MAX + TCPMAP_WIRE_MAX) == -1 ||
	    wbuf_init_dynamic(&a->sent, 256, TR_TX_MAX + TCPMAP_WIRE_MAX) ==
	        -1) {
		wbuf_free(&a->tx);
		free(a);
		return NULL;
	}
	a->ep = ep;
	a->fd = -1;
	a->outgoing = outgoing;
	tcpmap_rx_init(&a->rx);
	/* Ids are never 0 and not reused while a 32-bit counter lasts
	 * (after that, never one still in use). */
	do
		a->id = ++t->next_id;
	while (a->id == 0 || tr_map_get(&t->ids, a->id) != NULL);
	if (tr_map_put(&t->ids, a->id, a) == -1) {
		tcpmap_rx_free(&a->rx);
		wbuf_free(&a->tx);
		wbuf_free(&a->sent);
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	tc_list_insert(&t->assocs, a);
	return a;
}

/* Close now; the memory goes at the next reap. */
static void
tc_kill(struct tc_assoc *a)
{
	if (a->state == TC_DEAD)
		return;
	if (a->fd != -1) {
		ev_del_fd(a->ep->loop, a->fd);
		close(a->fd);
		a->fd = -1;
	}
	if (a->timer != EV_TIMER_NONE)
		ev_timer_cancel(a->ep->loop, a->timer);
	a->timer = EV_TIMER_NONE;
	a->state = TC_DEAD;
	tr_map_del(&tc(a->ep)->ids, a->id);
	tc_list_remove(&tc(a->ep)->assocs, a);
	tc_list_insert(&tc(a->ep)->dead, a);
}

static void
tc_reap(struct tr_ep *ep)
{
	struct tc_assoc *a;

	while ((a = tc(ep)->dead) != NULL) {
		tc_list_remove(&tc(ep)->dead, a);
		tcpmap_rx_free(&a->rx);
		wbuf_free(&a->tx);
		wbuf_free(&a->sent);
		free(a->try);
		free(a);
	}
}

static void
tc_emit(struct tc_assoc *a, enum tr_ev_type type, int error)
{
	struct tr_event ev = {.type = type, .assoc = a->id, .error = error};

	tr_emit(a->ep, &ev);
}

#define SENT_HDR 10 /* ppid, stream, len of a `sent` record */

static int
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
	ev_mod_fd(a->ep->loop, a->fd, mask);
}

/*
 * Write what is queued; -1 with errno on a hard error.  Callers outside
 * the fd callback ignore that: the error stays, the socket polls
 * writable and the fd callback meets it again and fails the association,
 * so an application calling tr_send() never gets events from inside
 * that call.
 */
static int
tc_flush(struct tc_assoc *a)
{
	ssize_t n;

	if (a->state == TC_CONNECTING || a->state == TC_DEAD)
		return 0;
	while (a->tx.len > a->tx_off) {
		n = send(a->fd, a->tx.data + a->tx_off, a->tx.len - a->tx_off,
		    MSG_NOSIGNAL);
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
			shutdown(a->fd, SHUT_WR);
			a->fin_sent = 1;
		}
	}
	tc_want(a);
	return 0;
}

/* Drop written bytes from the front so the queue limit counts only
 * what is pending. */
static void
tc_tx_compact(struct tc_assoc *a)
{
	if (a->tx_off == 0)
		return;
	memmove(a->tx.data, a->tx.data + a->tx_off, a->tx.len - a->tx_off);
	a->tx.len -= a->tx_off;
	a->tx_off = 0;
}

static int
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
 * Queue a control chunk (ACK, HEARTBEAT, HEARTBEAT ACK) from loop
 * context.  A full queue means the peer has stopped reading while it
 * keeps sending: give the association up rather than buffer more.
 */
static void
tc_send_chunk(struct tc_assoc *a, const struct tcpmap_chunk *c)
{
	if (a->fin_sent)
		return;
	if (tc_queue(a, c) == -1) {
		log_warning("tcpmap: assoc %u: cannot queue %s: %s", a->id,
		    tcpmap_type_name(c->type), strerror(errno));
		tc_fail(a, ENOBUFS);
		return;
	}
	(void)tc_flush(a);
}

static void
tc_start_timer(struct tc_assoc *a)
{
	a->timer =
	    ev_timer_add(a->ep->loop, a->ep->hb_interval, tc_timer_cb, a);
	if (a->timer == EV_TIMER_NONE)
		log_warning(
		    "tcpmap: assoc %u: no timer: %s", a->id, strerror(errno));
}

/* TCP is connected: learn the peer, start talking. */
static void
tc_connected(struct tc_assoc *a)
{
	socklen_t sl = sizeof(a->peer);

	if (getpeername(a->fd, (struct sockaddr *)&a->peer, &sl) == -1)
		memset(&a->peer, 0, sizeof(a->peer));
	a->state = TC_INIT_WAIT;
	free(a->try);
	a->try = NULL;
	(void)tc_flush(a);
}

static int
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
static int
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
		if (connect(a->fd, (const struct sockaddr *)ss, sa_len(ss)) ==
		        0 ||
		    errno == EINPROGRESS) {
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
	log_warning("tcpmap: assoc %u: %s; aborting", a->id, what);
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
	tc_send_chunk(a, &ack);
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

	for (i = 0; i < TC_READS_MAX && a->state != TC_DEAD; i++) {
		if ((room = tcpmap_rx_space(&a->rx, &p)) == 0) {
			tc_fail(a, ENOMEM);
			return;
		}
		n = read(a->fd, p, room);
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
	}
}

static void
tc_io_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct tc_assoc *a = arg;
	struct tr_ep *ep = a->ep;

	(void)loop, (void)fd;
	if (a->state == TC_CONNECTING) {
		tc_connect_done(a);
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

static void
tc_accept_one(struct tr_ep *ep, int fd)
{
	struct tc_assoc *a;
	struct tcpmap_chunk init = {
	    .type = TCPMAP_INIT, .flags = TC_INIT_FLAGS};
	int one = 1;

	if ((a = tc_assoc_new(ep, 0)) == NULL) {
		log_warning("tcpmap: accept: %s", strerror(errno));
		close(fd);
		return;
	}
	a->fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ev_add_fd(ep->loop, fd, EV_READ, tc_io_cb, a) == -1) {
		log_warning("tcpmap: accept: %s", strerror(errno));
		a->fd = -1;
		close(fd);
		tc_kill(a);
		return;
	}
	tc_queue(a, &init);
	tc_connected(a);
	tc_start_timer(a);
}

/* Over -maxassociations: take the connection off the backlog and reset
 * it, so the peer learns at once (CANT_START) and the backlog drains. */
static void
tc_refuse(struct tr_ep *ep, int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	tr_log_refused(ep, "tcpmap");
}

static void
tc_accept_cb(struct ev_loop *loop, int lfd, int events, void *arg)
{
	struct tr_ep *ep = arg;
	int fd, i;

	(void)loop, (void)events;
	for (i = 0; i < TC_BACKLOG; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warning(
				    "tcpmap: accept: %s", strerror(errno));
			break;
		}
		if ((long long)tc(ep)->ids.n >= ep->max_assoc)
			tc_refuse(ep, fd);
		else
			tc_accept_one(ep, fd);
	}
	tc_reap(ep);
}

static int
tc_listen_one(struct tr_ep *ep, struct sockaddr_storage *ss)
{
	struct tc_ep *t = tc(ep);
	socklen_t sl = sizeof(*ss);
	int fd, one = 1;

	if ((fd = tc_socket(ss->ss_family)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, sa_len(ss)) == -1 ||
	    listen(fd, TC_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)ss, &sl) == -1 ||
	    ev_add_fd(ep->loop, fd, EV_READ, tc_accept_cb, ep) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	t->lfd[t->nlfd++] = fd;
	return 0;
}

/* The wildcard: IPv4 and IPv6 (the latter only where the host has it). */
static int
tc_listen_any(struct tr_ep *ep, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (tc_listen_one(ep, &ss) == -1)
		return -1;
	port = sa_port(&ss);
	memset(&ss, 0, sizeof(ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	if (tc_listen_one(ep, &ss) == -1)
		log_debug(1, "tcpmap: no IPv6 wildcard: %s", strerror(errno));
	return 0;
}

static int
tc_listen(struct tr_ep *ep, const struct addr_list *local)
{
	struct sockaddr_storage ss;
	uint16_t port = local ? local->port : 0;
	int i;

	if (local == NULL || local->n == 0)
		return tc_listen_any(ep, port);
	for (i = 0; i < local->n; i++) {
		ss = local->a[i];
		/* Port 0: the first bind picks it, the others follow. */
		if (port != 0 || sa_port(&ss) != 0)
			sa_set_port(&ss, port ? port : sa_port(&ss));
		if (tc_listen_one(ep, &ss) == -1) {
			log_error("tcpmap: cannot listen: %s", strerror(errno));
			return -1;
		}
		port = sa_port(&ss);
	}
	return 0;
}

static void
tc_close_listeners(struct tr_ep *ep)
{
	struct tc_ep *t = tc(ep);
	int i;

	for (i = 0; i < t->nlfd; i++) {
		ev_del_fd(ep->loop, t->lfd[i]);
		close(t->lfd[i]);
	}
	t->nlfd = 0;
}

static int
tc_open(struct tr_ep *ep, const struct addr_list *local)
{
	struct tc_ep *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	ep->priv = t;
	if ((ep->flags & TR_LISTEN) && tc_listen(ep, local) == -1) {
		int saved = errno;

		tc_close_listeners(ep);
		free(t);
		errno = saved;
		return -1;
	}
	return 0;
}

static void
tc_free(struct tr_ep *ep)
{
	struct tc_assoc *a;

	while ((a = tc(ep)->assocs) != NULL)
		tc_kill(a);
	tc_reap(ep);
	tc_close_listeners(ep);
	tr_map_free(&tc(ep)->ids);
	free(ep->priv);
}

static int
tc_connect(struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc)
{
	struct tcpmap_chunk init = {
	    .type = TCPMAP_INIT, .flags = TC_INIT_FLAGS};
	struct tc_assoc *a;
	int saved;

	if ((ep->flags & TR_ONE_TO_ONE) && tc(ep)->ids.n > 0) {
		errno = EISCONN;
		return -1;
	}
	if ((a = tc_assoc_new(ep, 1)) == NULL)
		return -1;
	if ((a->try = malloc(sizeof(*a->try))) == NULL)
		goto fail;
	*a->try = *peer;
	tc_queue(a, &init);
	a->state = TC_CONNECTING;
	if (tc_try_next(a) == -1)
		goto fail;
	tc_start_timer(a);
	*assoc = a->id;
	return 0;
fail:
	saved = errno;
	tc_kill(a);
	tc_reap(ep);
	errno = saved;
	return -1;
}

static int
tc_send(struct tr_ep *ep, uint32_t id, uint32_t ppid, uint16_t stream,
    const void *data, size_t len)
{
	struct tc_assoc *a = tc_find(ep, id);
	struct tcpmap_chunk c = {.type = TCPMAP_DATA,
	    .stream = stream,
	    .ppid = ppid,
	    .data = data,
	    .datalen = len};

	if (a == NULL)
		return -1;
	if (a->state == TC_CLOSING) {
		errno = ENOTCONN;
		return -1;
	}
	if (len > TR_TCP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	tc_tx_compact(a);
	if (a->tx.len + len + 16 > TR_TX_MAX ||
	    a->sent.len - a->sent_off + len + SENT_HDR > TR_TX_MAX) {
		errno = EAGAIN; /* unsent or unacknowledged: wait */
		a->blocked = 1;
		return -1;
	}
	if (tc_sent_push(a, ppid, stream, data, len) == -1)
		return -1;
	c.tsn = a->tx_tsn;
	c.ssn = a->tx_ssn;
	if (tc_queue(a, &c) == -1) {
		a->sent.len -= SENT_HDR + len;
		return -1;
	}
	a->tx_tsn++;
	a->tx_ssn++;
	a->unacked++;
	(void)tc_flush(a);
	return 0;
}

static int
tc_shutdown(struct tr_ep *ep, uint32_t id)
{
	struct tc_assoc *a = tc_find(ep, id);

	if (a == NULL)
		return -1;
	if (!a->was_up) /* nothing to close gracefully yet */
		return tr_abort(ep, id);
	if (a->state == TC_UP) {
		a->state = TC_CLOSING;
		(void)tc_flush(a);
	}
	return 0;
}

static int
tc_abort(struct tr_ep *ep, uint32_t id)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct tc_assoc *a = tc_find(ep, id);

	if (a == NULL)
		return -1;
	/* Linger 0: close sends RST, the TCP counterpart of ABORT. */
	if (a->fd != -1)
		setsockopt(a->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	tc_kill(a);
	return 0;
}

static int
tc_peer_addrs(struct tr_ep *ep, uint32_t id, struct addr_list *out)
{
	struct tc_assoc *a = tc_find(ep, id);

	if (a == NULL)
		return -1;
	if (a->peer.ss_family == AF_UNSPEC) {
		errno = ENOTCONN;
		return -1;
	}
	tr_addr_add(out, (struct sockaddr *)&a->peer);
	out->port = sa_port(&a->peer);
	return 0;
}

static void
tc_add_sockname(struct addr_list *out, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		tr_addr_add(out, (struct sockaddr *)&ss);
		out->port = sa_port(&ss);
	}
}

static int
tc_local_addrs(struct tr_ep *ep, uint32_t id, struct addr_list *out)
{
	struct tc_assoc *a;
	int i;

	if (id == 0) {
		for (i = 0; i < tc(ep)->nlfd; i++)
			tc_add_sockname(out, tc(ep)->lfd[i]);
		return 0;
	}
	if ((a = tc_find(ep, id)) == NULL)
		return -1;
	if (a->fd != -1)
		tc_add_sockname(out, a->fd);
	return 0;
}

static int
tc_unacked(struct tr_ep *ep, uint32_t id)
{
	struct tc_assoc *a = tc_find(ep, id);

	return a ? (int)a->unacked : -1;
}

/* The TCP connection's smoothed RTT (TCP_INFO, in microseconds). */
static int
tc_srtt(struct tr_ep *ep, uint32_t id)
{
	struct tc_assoc *a = tc_find(ep, id);
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	if (a == NULL || a->fd == -1)
		return -1;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(a->fd, IPPROTO_TCP, TCP_INFO, &ti, &sl) == -1)
		return -1;
	return (int)((ti.tcpi_rtt + 500) / 1000);
}

/* The connection, its timer and its queues move as they are: the fd and
 * timer callbacks name the association, which now names nep. */
static int
tc_peeloff(struct tr_ep *ep, uint32_t id, struct tr_ep *nep)
{
	struct tc_assoc *a = tc_find(ep, id);
	struct tc_ep *n;

	if (a == NULL)
		return -1;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -1;
	if (tr_map_put(&n->ids, id, a) == -1) {
		free(n);
		return -1;
	}
	n->next_id = id;
	nep->priv = n;
	tr_map_del(&tc(ep)->ids, id);
	tc_list_remove(&tc(ep)->assocs, a);
	tc_list_insert(&n->assocs, a);
	a->ep = nep;
	return 0;
}

static int
tc_count(struct tr_ep *ep)
{
	return (int)tc(ep)->ids.n;
}

const struct tr_ops tr_tcp_ops = {
    .name = "tcpmap",
    .open = tc_open,
    .free = tc_free,
    .connect = tc_connect,
    .send = tc_send,
    .shutdown = tc_shutdown,
    .abort = tc_abort,
    .peer_addrs = tc_peer_addrs,
    .local_addrs = tc_local_addrs,
    .unacked = tc_unacked,
    .srtt = tc_srtt,
    .peeloff = tc_peeloff,
    .count = tc_count,
};
