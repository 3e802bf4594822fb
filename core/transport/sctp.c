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
 * This file holds what the application asks for: sockets, connect,
 * send (with its batching), shutdown, abort, peel-off and the queries.
 * What the kernel reports on the socket, messages and notifications, is
 * read in core/transport/sctp_recv.c: that side copes with the kernel's
 * variants (two subscription interfaces, two SEND_FAILED layouts) and
 * changes apart from this one.  Associations are tracked in an id table
 * so that tr_abort() is final: the kernel's later COMM_LOST for an
 * aborted id finds nothing and is dropped.
 *
 * One-to-one sockets cannot take SCTP_EOF or SCTP_ABORT (shutdown(2) and
 * an abortive close instead; the next tr_connect() opens a fresh socket).
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
#include "core/transport/sctp_int.h"
#include "proto/wire.h"

#define SC_BACKLOG 128

struct sc_assoc *
sc_find(struct tr_ep *ep, uint32_t id)
{
	struct sc_assoc *a = tr_map_get(&sc(ep)->ids, id);

	if (a == NULL)
		errno = ENOENT;
	return a;
}

struct sc_assoc *
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

void
sc_forget(struct tr_ep *ep, struct sc_assoc *a)
{
	tr_src_give(ep, a->src_key);
	tr_map_del(&sc(ep)->ids, (uint32_t)a->id);
	sc_tls_free(a);
	free(a);
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
		if (m->keys[i] != 0) {
			sc_tls_free(m->vals[i]);
			free(m->vals[i]);
		}
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
	if ((s->rbuf = malloc(SC_RBUF_ALLOC)) == NULL) {
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

static int
sc_connect(struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc)
{
	uint8_t packed[ADDR_MAX * sizeof(struct sockaddr_in6)];
	struct sctp_getaddrs_old p;
	struct sc_ep *s = sc(ep);
	socklen_t pl = sizeof(p);
	struct sc_assoc *a;
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
	if (p.assoc_id == 0 || (a = sc_track(ep, p.assoc_id)) == NULL) {
		errno = p.assoc_id == 0 ? EIO : ENOMEM;
		return -1;
	}
	if (sc_tls_connect(ep, a) == -1) {
		sc_abort_assoc(ep, a);
		errno = ENOMEM;
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
int
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

int
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
	struct sc_assoc *a = sc_find(ep, id);

	if (a == NULL)
		return -1;
	if (len == 0 || len > RSP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (a->tls != NULL)
		return sc_tls_send(ep, a, ppid, stream, data, len);
	if (sc(ep)->batching && !(ep->flags & TR_NO_BATCH))
		return sc_send_batched(ep, id, ppid, stream, data, len);
	return sc_sendmsg(ep, id, ppid, stream, 0, data, len);
}

/* One-to-one sockets refuse SCTP_EOF: shutdown(2) is their way. */
static int
sc_shutdown(struct tr_ep *ep, uint32_t id)
{
	struct sc_assoc *a = sc_find(ep, id);

	if (a == NULL)
		return -1;
	sc_tls_shutdown(a);
	if (sc(ep)->style == SC_ONE)
		return sc_flush(ep) == -1 ? -1 : shutdown(sc(ep)->fd, SHUT_WR);
	return sc_sendmsg(ep, id, 0, 0, SCTP_EOF, NULL, 0);
}

/* One-to-one sockets refuse SCTP_ABORT: close the socket abortively. */
int
sc_abort_assoc(struct tr_ep *ep, struct sc_assoc *a)
{
	sctp_assoc_t id = a->id;

	sc_forget(ep, a); /* no more events for it */
	if (sc(ep)->style == SC_ONE) {
		sc_close_fd(ep);
		return 0;
	}
	sc_remember_aborted(ep, id);
	return sc_sendmsg(ep, (uint32_t)id, 0, 0, SCTP_ABORT, NULL, 0);
}

static int
sc_abort(struct tr_ep *ep, uint32_t id)
{
	struct sc_assoc *a = sc_find(ep, id);

	if (a != NULL && sc_tls_handshaking(a))
		/* a hunt's loser, or a peer that never answers */
		log_info(
		    "sctp: assoc %u: given up during its TLS handshake", id);
	return a == NULL ? -1 : sc_abort_assoc(ep, a);
}

/* SCTP_GET_PEER_ADDRS / SCTP_GET_LOCAL_ADDRS into out. */
int
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
	tr_src_give(ep, a->src_key);
	a->src_key = 0;
	sc_tls_moved(a, nep);
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

#ifdef RSP_TLS
struct tr_ep *
tr_sctp_route(struct tr_ep *ep, uint32_t id)
{
	struct tr_ep *c = ep->tls_child;

	return c != NULL && tr_map_get(&sc(c)->ids, id) != NULL ? c : ep;
}

const char *
tr_sctp_identity(struct tr_ep *ep, uint32_t id)
{
	struct sc_assoc *a = tr_map_get(&sc(ep)->ids, id);

	return a != NULL ? sc_tls_identity(a) : NULL;
}
#endif

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
    .input_fds = sc_input_fds,
};
