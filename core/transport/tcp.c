/*
 * Transport backend for the TCP mapping (docs/wire.md section 7): each
 * association is one TCP connection carrying chunks.
 *
 * This file holds the endpoint: its listening sockets, accepting (and
 * refusing over -maxassociations), the association records and their
 * ids, and the tr_ops the application calls.  What happens on one
 * association's connection, connect attempts, chunks in and out, the
 * queues and the heartbeat timer, is in core/transport/tcp_conn.c: it
 * runs from that connection's fd and timer callbacks, this file from
 * the application's calls and the listener's.
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
#include "core/transport/tcp_int.h"
#ifdef RSP_TLS
#include "core/transport/tls/tr_tls.h"
#endif

#define TC_BACKLOG 128

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
void
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
	if (a->ack_timer != EV_TIMER_NONE)
		ev_timer_cancel(a->ep->loop, a->ack_timer);
	a->timer = a->ack_timer = EV_TIMER_NONE;
	a->state = TC_DEAD;
#ifdef RSP_TLS
	tc_tls_free(a);
#endif
	tr_src_give(a->ep, a->src_key);
	a->src_key = 0;
	tr_map_del(&tc(a->ep)->ids, a->id);
	tc_list_remove(&tc(a->ep)->assocs, a);
	tc_list_insert(&tc(a->ep)->dead, a);
}

void
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
tc_accept_one(struct tr_ep *ep, int lfd, int fd, uint32_t src_key)
{
	struct tc_assoc *a;
	struct tcpmap_chunk init = {
	    .type = TCPMAP_INIT, .flags = TC_INIT_FLAGS};
	int one = 1;

	if ((a = tc_assoc_new(ep, 0)) == NULL) {
		log_warning_limited("tcpmap: accept: %s", strerror(errno));
		tr_src_give(ep, src_key);
		close(fd);
		return;
	}
	a->fd = fd;
	a->src_key = src_key;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ev_add_fd(ep->loop, fd, EV_READ, tc_io_cb, a) == -1) {
		log_warning_limited("tcpmap: accept: %s", strerror(errno));
		a->fd = -1;
		close(fd);
		tc_kill(a);
		return;
	}
#ifdef RSP_TLS
	tc_tls_accepted(ep, lfd, a);
#else
	(void)lfd;
#endif
	tc_queue(a, &init);
	tc_connected(a);
	tc_start_timer(a);
}

/* Over a limit: take the connection off the backlog and reset it, so
 * the peer learns at once (CANT_START) and the backlog drains. */
static void
tc_reset(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void tc_accept_cb(struct ev_loop *loop, int lfd, int events, void *arg);

static void
tc_accept_watch(struct tr_ep *ep, int on)
{
	int i;

	for (i = 0; i < tc(ep)->nlfd; i++)
		ev_mod_fd(ep->loop, tc(ep)->lfd[i], on ? EV_READ : EV_NONE);
}

static int64_t
tc_accept_resume(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct tr_ep *ep = arg;

	(void)loop, (void)id;
	tc(ep)->accept_timer = EV_TIMER_NONE;
	tc_accept_watch(ep, 1);
	return EV_NOMORE;
}

/* accept() failed for want of resources: stop listening for a moment,
 * with one line per pause (the count says how many failed). */
static void
tc_accept_pause(struct tr_ep *ep, int err)
{
	struct tc_ep *t = tc(ep);

	t->accept_fails++;
	if (t->accept_timer != EV_TIMER_NONE)
		return;
	log_warning("tcpmap: accept: %s (%lu times); not accepting for "
	            "%d ms, %d associations served",
	    strerror(err), t->accept_fails, TC_ACCEPT_PAUSE_MS, (int)t->ids.n);
	t->accept_fails = 0;
	t->accept_timer =
	    ev_timer_add(ep->loop, TC_ACCEPT_PAUSE_MS, tc_accept_resume, ep);
	if (t->accept_timer != EV_TIMER_NONE)
		tc_accept_watch(ep, 0);
}

static int
tc_out_of_resources(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	       err == ENOMEM;
}

static void
tc_accept_cb(struct ev_loop *loop, int lfd, int events, void *arg)
{
	struct tr_ep *ep = arg;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint32_t key;
	int fd, i;

	(void)loop, (void)events;
	for (i = 0; i < TC_BACKLOG; i++) {
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (tc_out_of_resources(errno))
				tc_accept_pause(ep, errno);
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			         errno != EINTR && errno != ECONNABORTED)
				log_warning_limited(
				    "tcpmap: accept: %s", strerror(errno));
			break;
		}
		if ((long long)tc(ep)->ids.n >= ep->max_assoc) {
			tc_reset(fd);
			tr_log_refused(ep, "tcpmap");
		} else if (tr_src_take(ep, (struct sockaddr *)&ss, &key,
		               "tcpmap") == -1)
			tc_reset(fd);
		else
			tc_accept_one(ep, lfd, fd, key);
	}
	tc_reap(ep);
}

static int
tc_listen_one(struct tr_ep *ep, struct sockaddr_storage *ss)
{
	struct tc_ep *t = tc(ep);
	socklen_t sl = sizeof(*ss);
	int fd, one = 1;

#ifdef RSP_TLS
	if (t->nlfd == TC_LFD_MAX) {
		errno = ENOBUFS;
		return -1;
	}
#endif
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
	if (!(ep->flags & TR_LISTEN) && local != NULL)
		t->local = *local;

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
	if (tc(ep)->accept_timer != EV_TIMER_NONE)
		ev_timer_cancel(ep->loop, tc(ep)->accept_timer);
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
#ifdef RSP_TLS
	/* The keys in force now (SIGHUP may replace them): TLS when the
	 * endpoint talks to registrars and -tlskeyfile gave keys. */
	if (ep->flags & TR_SECURE)
		a->tls_ref = tr_tls_client_ref();
#endif
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
		/* The plain listeners: what a registrar announces. */
#ifdef RSP_TLS
		for (i = 0; i < tc(ep)->nlfd - tc(ep)->ntls_lfd; i++)
#else
		for (i = 0; i < tc(ep)->nlfd; i++)
#endif
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
	/* counted for the listening endpoint only while it carries it */
	tr_src_give(ep, a->src_key);
	a->src_key = 0;
	tr_map_del(&tc(ep)->ids, id);
	tc_list_remove(&tc(ep)->assocs, a);
	tc_list_insert(&n->assocs, a);
	a->ep = nep;
	return 0;
}

#ifdef RSP_TLS
/* More listeners, after the plain ones, whose connections are TLS with
 * the server configuration of -tlskeyfile in force when each comes. */
int
tc_listen_tls(struct tr_ep *ep, struct addr_list *local)
{
	struct tc_ep *t = tc(ep);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct tr_tls_ref *r;
	int from = t->nlfd, i;

	if (t->ntls_lfd > 0) {
		errno = EALREADY;
		return -1;
	}
	if ((r = tr_tls_server_ref()) == NULL) { /* no keys, no certificate */
		errno = ENOKEY;
		return -1;
	}
	tr_tls_put(r);
	if (tc_listen(ep, local) == -1) {
		int saved = errno;

		for (i = from; i < t->nlfd; i++) {
			ev_del_fd(ep->loop, t->lfd[i]);
			close(t->lfd[i]);
		}
		t->nlfd = from;
		errno = saved;
		return -1;
	}
	t->ntls_lfd = t->nlfd - from;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(t->lfd[from], (struct sockaddr *)&ss, &sl) == 0)
		local->port = sa_port(&ss);
	return 0;
}
#endif

static int
tc_count(struct tr_ep *ep)
{
	return (int)tc(ep)->ids.n;
}

/* Input of a connection without TLS shows on its socket: the mapping
 * keeps no decoded chunk back after a read callback (tc_read). */
static int
tc_input_fd(const struct tc_assoc *a)
{
	if (a == NULL || a->state != TC_UP)
		return -1;
#ifdef RSP_TLS
	if (a->tls != NULL)
		return -1;
#endif
	return a->fd;
}

static int
tc_input_fds(struct tr_ep *ep, uint32_t id, int *fds, int max)
{
	const struct tc_assoc *a;
	int n = 0;

	if (id != 0) {
		if (max > 0 && (fds[0] = tc_input_fd(tc_find(ep, id))) >= 0)
			n = 1;
		return n;
	}
	for (a = tc(ep)->assocs; a != NULL && n < max; a = a->next)
		if ((fds[n] = tc_input_fd(a)) >= 0)
			n++;
	return n;
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
    .input_fds = tc_input_fds,
};
