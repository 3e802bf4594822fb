/*
 * Transport backend for kernel SCTP: one one-to-many (SOCK_SEQPACKET)
 * socket per endpoint, associations named by the kernel's assoc id.
 *
 * Only socket options of the kernel UAPI (<linux/sctp.h>) are used, no
 * libsctp: bindx and connectx are SCTP_SOCKOPT_BINDX_ADD and
 * SCTP_SOCKOPT_CONNECTX3 (the latter returns the new assoc id even when
 * the non-blocking connect is still in progress), so the static musl
 * build needs nothing beyond the kernel headers.
 *
 * The kernel reports association changes as notifications on the same
 * socket; those become transport events.  Associations are tracked in a
 * small list so that tr_abort() is final: the kernel's later COMM_LOST
 * for an aborted id finds nothing and is dropped.
 *
 * RSerPool rules (PROTOCOLS.md 1.3): every message is one whole SCTP
 * user message, ordered; the PPID goes on the wire in network order.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <linux/sctp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/transport_int.h"
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

struct sc_assoc {
	struct sc_assoc *next;
	sctp_assoc_t id;
	int up;
};

struct sc_ep {
	int fd;
	int family;
	struct sc_assoc *assocs; /* known associations, newest first */
	uint8_t *rbuf;
	size_t rlen;               /* bytes of a message received so far */
	int rdiscard;              /* the message being received is too long */
	int rnotif;                /* ... and is a notification */
	struct sctp_rcvinfo rinfo; /* of the first piece */
	/* Recently aborted ids: their SEND_FAILED notifications, which
	 * come after the association is gone, are not reported. */
	sctp_assoc_t aborted[SC_ABORTED];
	unsigned naborted;
};

static struct sc_ep *
sc(struct tr_ep *ep)
{
	return ep->priv;
}

/* Thin typed wrappers: sockaddr_storage in, core/addr.c underneath. */
static socklen_t
sa_len(const struct sockaddr_storage *ss)
{
	return addr_len((const struct sockaddr *)ss);
}

static uint16_t
sa_port(const struct sockaddr_storage *ss)
{
	return addr_port((const struct sockaddr *)ss);
}

static void
sa_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	addr_set_port((struct sockaddr *)ss, port);
}

static struct sc_assoc *
sc_find(struct tr_ep *ep, uint32_t id)
{
	struct sc_assoc *a;

	for (a = sc(ep)->assocs; a; a = a->next)
		if ((uint32_t)a->id == id)
			return a;
	errno = ENOENT;
	return NULL;
}

static struct sc_assoc *
sc_track(struct tr_ep *ep, sctp_assoc_t id)
{
	struct sc_assoc *a;

	if ((a = sc_find(ep, (uint32_t)id)) != NULL)
		return a;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->id = id;
	a->next = sc(ep)->assocs;
	sc(ep)->assocs = a;
	return a;
}

static void
sc_forget(struct tr_ep *ep, struct sc_assoc *a)
{
	struct sc_assoc **pp;

	for (pp = &sc(ep)->assocs; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
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

/* The kernel's notifications and per-message receive info. */
static int
sc_subscribe(int fd)
{
	static const uint16_t types[] = {
	    SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_SEND_FAILED_EVENT};
	struct sctp_event se;
	int on = 1;
	size_t i;

	if (setsockopt(fd, SOL_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) == -1)
		return -1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&se, 0, sizeof(se));
		se.se_assoc_id = SCTP_FUTURE_ASSOC;
		se.se_type = types[i];
		se.se_on = 1;
		if (setsockopt(fd, SOL_SCTP, SCTP_EVENT, &se, sizeof(se)) == -1)
			return -1;
	}
	setsockopt(fd, SOL_SCTP, SCTP_NODELAY, &on, sizeof(on));
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
	int family = sc_family(local), fd;

	fd = socket(family, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_SCTP);
	if (fd == -1 && family == AF_INET6 && errno == EAFNOSUPPORT &&
	    (local == NULL || local->n == 0)) {
		family = AF_INET;
		fd = socket(family,
		    SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_SCTP);
	}
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

static void
sc_close(struct tr_ep *ep)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct sc_ep *s = sc(ep);
	struct sc_assoc *a;

	while ((a = s->assocs) != NULL)
		sc_forget(ep, a);
	if (s->fd != -1) {
		ev_del_fd(ep->loop, s->fd);
		/* Linger 0: close aborts every association at once. */
		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s->fd);
	}
	free(s->rbuf);
	free(s);
	ep->priv = NULL;
}

static int
sc_open(struct tr_ep *ep, const struct addr_list *local)
{
	struct sc_ep *s;
	int saved;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	ep->priv = s;
	if ((s->rbuf = malloc(SC_RBUF)) == NULL ||
	    (s->fd = sc_socket(ep, local)) == -1) {
		saved = errno;
		s->fd = -1;
		sc_close(ep);
		errno = saved;
		return -1;
	}
	if (sc_setup(ep, local) == -1) {
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

/* SCTP_ASSOC_CHANGE -> UP, LOST, SHUTDOWN, RESTART, CANT_START. */
static void
sc_assoc_change(struct tr_ep *ep, const struct sctp_assoc_change *sac)
{
	struct sc_assoc *a = sc_find(ep, (uint32_t)sac->sac_assoc_id);

	switch (sac->sac_state) {
	case SCTP_COMM_UP:
		if (a == NULL &&
		    (a = sc_track(ep, sac->sac_assoc_id)) == NULL) {
			log_warning("sctp: assoc %d: no memory; aborting",
			    sac->sac_assoc_id);
			tr_abort(ep, (uint32_t)sac->sac_assoc_id);
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
	ev.error = EPIPE;
	/* The undelivered message follows the header. */
	if (sf.ssf_length > sizeof(sf) && sf.ssf_length <= len) {
		ev.len = sf.ssf_length - sizeof(sf);
		buf_get_ptr(&b, ev.len, &ev.data);
	}
	tr_emit(ep, &ev);
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

static void
sc_rcvinfo(struct msghdr *mh, struct sctp_rcvinfo *ri)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == IPPROTO_SCTP &&
		    cm->cmsg_type == SCTP_RCVINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*ri)))
			memcpy(ri, CMSG_DATA(cm), sizeof(*ri));
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
		uint8_t b[CMSG_SPACE(sizeof(struct sctp_rcvinfo))];
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
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warning("sctp: recvmsg: %s", strerror(errno));
		return errno == EINTR ? 0 : -1;
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

	(void)loop, (void)fd, (void)events;
	for (i = 0; i < SC_READS_MAX; i++)
		if (sc_recv_one(ep) == -1)
			break;
}

static int
sc_connect(struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc)
{
	uint8_t packed[ADDR_MAX * sizeof(struct sockaddr_in6)];
	struct sctp_getaddrs_old p;
	socklen_t pl = sizeof(p);
	size_t len;

	len = sc_pack(peer, 0, peer->port, packed, sizeof(packed));
	if (len == 0) {
		errno = EDESTADDRREQ;
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.addr_num = (int)len; /* bytes, despite the name */
	p.addrs = (struct sockaddr *)packed;
	if (getsockopt(sc(ep)->fd, SOL_SCTP, SCTP_SOCKOPT_CONNECTX3, &p, &pl) ==
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

/* sendmsg with an SCTP_SNDINFO: data, or flags only (EOF, ABORT). */
static int
sc_sendmsg(struct tr_ep *ep, uint32_t id, uint32_t ppid, uint16_t stream,
    uint16_t flags, const void *data, size_t len)
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
	if (sendmsg(sc(ep)->fd, &mh, MSG_NOSIGNAL) == -1)
		return -1;
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
	return sc_sendmsg(ep, id, ppid, stream, 0, data, len);
}

static int
sc_shutdown(struct tr_ep *ep, uint32_t id)
{
	if (sc_find(ep, id) == NULL)
		return -1;
	return sc_sendmsg(ep, id, 0, 0, SCTP_EOF, NULL, 0);
}

static int
sc_abort(struct tr_ep *ep, uint32_t id)
{
	struct sc_assoc *a = sc_find(ep, id);

	if (a == NULL)
		return -1;
	sc_forget(ep, a); /* no more events for it */
	sc(ep)->aborted[sc(ep)->naborted++ % SC_ABORTED] = (sctp_assoc_t)id;
	return sc_sendmsg(ep, id, 0, 0, SCTP_ABORT, NULL, 0);
}

/* SCTP_GET_PEER_ADDRS / SCTP_GET_LOCAL_ADDRS into out. */
static int
sc_getaddrs(struct tr_ep *ep, int opt, uint32_t id, struct addr_list *out)
{
	size_t cap = sizeof(struct sctp_getaddrs) +
	             ADDR_MAX * sizeof(struct sockaddr_in6);
	struct sctp_getaddrs *ga;
	struct sockaddr_storage ss;
	socklen_t gl = (socklen_t)cap;
	const uint8_t *p;
	struct buf b;
	sa_family_t fam;
	uint32_t i;

	if ((ga = calloc(1, cap)) == NULL)
		return -1;
	ga->assoc_id = (sctp_assoc_t)id;
	if (getsockopt(sc(ep)->fd, SOL_SCTP, opt, ga, &gl) == -1) {
		free(ga);
		return -1;
	}
	/* Walk addr_num entries within the buffer (zeroed beyond what the
	 * kernel wrote), not optlen, whose meaning differs by version. */
	buf_init(&b, ga->addrs, cap - sizeof(*ga));
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
	free(ga);
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
	return sc_getaddrs(ep, SCTP_GET_LOCAL_ADDRS, id, out);
}

static int
sc_unacked(struct tr_ep *ep, uint32_t id)
{
	struct sctp_status st;
	socklen_t sl = sizeof(st);

	if (sc_find(ep, id) == NULL)
		return -1;
	memset(&st, 0, sizeof(st));
	st.sstat_assoc_id = (sctp_assoc_t)id;
	if (getsockopt(sc(ep)->fd, SOL_SCTP, SCTP_STATUS, &st, &sl) == -1)
		return -1;
	/* DATA chunks in flight plus those not sent yet. */
	return st.sstat_unackdata + st.sstat_penddata;
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
};
