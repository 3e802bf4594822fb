/*
 * TLS over kernel SCTP (RFC 3436; docs/wire.md 7.6; TLS build only):
 * the hooks core/transport/sctp.c and sctp_recv.c call, declared in
 * core/transport/sctp_int.h.  ASAP and ENRP send every message on
 * stream 0 (docs/wire.md 1.3), so one TLS connection on stream 0 is the
 * whole of an association: RFC 3436 section 3 asks for a connection per
 * bi-directional stream in use, the same stream id both ways, ordered
 * delivery, and the handshake done before any application data; each
 * TLS record is one SCTP user message, sent with the PPID of the
 * protocol it carries (ASAP 11, ENRP 12).
 *
 * The association shares its socket (one-to-many) with others, so the
 * TLS context's I/O is ours: a received user message, checked to be one
 * whole record on stream 0, is lent to the context while it reads; the
 * records it writes go out one per sendmsg, or into a queue while the
 * socket is full.  The decrypted bytes are the messages back to back,
 * cut by their Message Length (core/transport/tls/tls_rec.h).  UP comes
 * after the handshake; a failed one, like a bad record, aborts the
 * association with the reason in the log (CANT_START with EACCES for
 * our own, nothing for an incoming one).  Above the backend nothing
 * knows whether an association has TLS, except tr_peer_identity().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/transport/sctp_int.h"
#include "core/transport/tls/tls_rec.h"
#include "core/transport/tls/tr_tls.h"
#include "proto/wire.h"

#define SC_TLS_HANDSHAKE_MS 10000 /* bound of a handshake */
#define SC_TLS_RETRY_MS     10    /* a full socket, tried again */
/* Decrypted bytes held: a message short of its end, and one record's
 * worth after it. */
#define SC_TLS_PLAIN_MAX (RSP_MSG_MAX + 16384)

struct sc_tls {
	struct tr_ep *ep;   /* carries the association (peel-off moves it) */
	struct sc_assoc *a; /* NULL once the association is gone */
	uint32_t id, ppid;
	struct tr_tls_ref *ref;
	struct tls_conn *conn;
	const uint8_t *in; /* the record being read (lent) */
	size_t in_len, in_pos;
	struct wbuf plain; /* decrypted, not yet a whole message */
	struct wbuf outq;  /* records the socket could not take yet */
	uint64_t hs_timer, out_timer, t0_us;
	int busy; /* handing messages up: freed after, not during */
	char peer[ADDR_FMT_LEN];
};

static void
sc_tls_destroy(struct sc_tls *t)
{
	struct ev_loop *loop = t->ep->loop;

	if (t->hs_timer != EV_TIMER_NONE)
		ev_timer_cancel(loop, t->hs_timer);
	if (t->out_timer != EV_TIMER_NONE)
		ev_timer_cancel(loop, t->out_timer);
	tls_conn_free(t->conn);
	tr_tls_put(t->ref);
	wbuf_free(&t->plain);
	wbuf_free(&t->outq);
	free(t);
}

void
sc_tls_free(struct sc_assoc *a)
{
	struct sc_tls *t = a->tls;

	if (t == NULL)
		return;
	a->tls = NULL;
	t->a = NULL;
	if (!t->busy)
		sc_tls_destroy(t);
}

static struct sc_tls *
sc_tls_new(struct tr_ep *ep, struct sc_assoc *a, struct tr_tls_ref *ref)
{
	struct sc_tls *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		tr_tls_put(ref);
		return NULL;
	}
	t->ep = ep;
	t->a = a;
	t->id = (uint32_t)a->id;
	t->ppid = ep->ppid;
	t->ref = ref;
	wbuf_init_dynamic(&t->plain, 0, SC_TLS_PLAIN_MAX);
	wbuf_init_dynamic(&t->outq, 0, TR_TX_MAX + RSP_MSG_MAX);
	a->tls = t;
	return t;
}

int
sc_tls_connect(struct tr_ep *ep, struct sc_assoc *a)
{
	struct tr_tls_ref *ref;

	a->outgoing = 1;
	/* The keys in force now: TLS when the endpoint talks to
	 * registrars and -tlskeyfile (or -tlscafile) gave some. */
	if (!(ep->flags & TR_SECURE) || (ref = tr_tls_client_ref()) == NULL)
		return 0;
	if (sc_tls_new(ep, a, ref) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Abort: a handshake that failed or a bad record.  The application
 * hears CANT_START (EACCES) for its own association not yet up, LOST
 * for one that was, nothing for an incoming one it never saw. */
static void
sc_tls_fail(struct sc_tls *t, const char *why)
{
	struct tr_ep *ep = t->ep;
	struct sc_assoc *a = t->a;
	struct tr_event ev = {.assoc = t->id};

	log_warning_limited("sctp: assoc %u with %s: %s", t->id, t->peer, why);
	if (a == NULL)
		return;
	ev.type = a->up ? TR_EV_LOST : TR_EV_CANT_START;
	ev.error = a->up ? ECONNRESET : EACCES;
	if (!a->up && !a->outgoing)
		ev.type = 0;
	sc_abort_assoc(ep, a); /* frees t unless busy */
	if (ev.type != 0)
		tr_emit(ep, &ev);
}

/* Send what the queue holds, one record per user message, while the
 * socket takes them.  -1 (errno) on a hard error, else 0. */
static int
sc_tls_drain(struct sc_tls *t)
{
	ssize_t n;

	while (t->outq.len > 0) {
		if ((n = tls_rec_len(t->outq.data, t->outq.len)) <= 0 ||
		    (size_t)n > t->outq.len) {
			errno = EPROTO;
			return -1;
		}
		if (sc_sendmsg(t->ep, t->id, t->ppid, 0, 0, t->outq.data,
		        (size_t)n) == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		tls_wbuf_drop(&t->outq, (size_t)n);
	}
	return 0;
}

static int64_t
sc_tls_retry_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct sc_tls *t = arg;

	(void)loop, (void)id;
	if (sc_tls_drain(t) == -1) {
		t->out_timer = EV_TIMER_NONE;
		sc_tls_fail(t, "TLS: cannot send a record");
		return EV_NOMORE;
	}
	if (t->outq.len > 0)
		return SC_TLS_RETRY_MS;
	t->out_timer = EV_TIMER_NONE;
	return EV_NOMORE;
}

/* Mbed TLS's output: whole records (RFC 3436 section 3: each in one
 * SCTP user message), sent now or queued behind those waiting. */
static ssize_t
sc_tls_io_send(void *arg, const void *buf, size_t len)
{
	struct sc_tls *t = arg;
	const uint8_t *p = buf;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if ((n = tls_rec_len(p + off, len - off)) <= 0 ||
		    (size_t)n > len - off) {
			errno = EPROTO; /* not whole records: ours, a bug */
			return -1;
		}
		if (t->outq.len == 0 && sc_sendmsg(t->ep, t->id, t->ppid, 0, 0,
		                            p + off, (size_t)n) == 0) {
			off += (size_t)n;
			continue;
		}
		if (t->outq.len == 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (wbuf_add(&t->outq, p + off, len - off) == -1) {
			errno = ENOBUFS;
			return -1;
		}
		if (t->out_timer == EV_TIMER_NONE)
			t->out_timer = ev_timer_add(
			    t->ep->loop, SC_TLS_RETRY_MS, sc_tls_retry_cb, t);
		break;
	}
	return (ssize_t)len;
}

/* Mbed TLS's input: the bytes of the record lent by sc_tls_message. */
static ssize_t
sc_tls_io_recv(void *arg, void *buf, size_t len)
{
	struct sc_tls *t = arg;
	size_t n = t->in_len - t->in_pos;

	if (n == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (n > len)
		n = len;
	memcpy(buf, t->in + t->in_pos, n);
	t->in_pos += n;
	return (ssize_t)n;
}

static int64_t
sc_tls_timeout_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct sc_tls *t = arg;

	(void)loop, (void)id;
	t->hs_timer = EV_TIMER_NONE;
	sc_tls_fail(t, "TLS: no handshake within 10000 ms (not a TLS peer?)");
	return EV_NOMORE;
}

int
sc_tls_up(struct tr_ep *ep, struct sc_assoc *a)
{
	struct tls_io io = {sc_tls_io_send, sc_tls_io_recv, NULL};
	char err[TLS_ERR_MAX], buf[ADDR_FMT_LEN];
	const char *host = "?";
	struct addr_list al;
	struct tr_tls_ref *ref = NULL;
	struct sc_tls *t = a->tls;

	if (t == NULL && (ep->flags & TR_TLS_LISTEN) &&
	    ((ref = tr_tls_server_ref()) == NULL ||
	        (t = sc_tls_new(ep, a, ref)) == NULL)) {
		log_warning_limited("sctp: assoc %d: TLS: %s; aborted", a->id,
		    ref == NULL ? "no keys now" : "out of memory");
		sc_abort_assoc(ep, a);
		return -1;
	}
	if (t == NULL)
		return 0;
	memset(&al, 0, sizeof(al));
	strcpy(t->peer, "?");
	if (sc_getaddrs(ep, SCTP_GET_PEER_ADDRS, t->id, &al) == 0 && al.n > 0) {
		addr_fmt((const struct sockaddr *)&al.a[0], t->peer,
		    sizeof(t->peer));
		host = tr_tls_expected_host(
		    (const struct sockaddr *)&al.a[0], buf, sizeof(buf));
	} else if (tr_config.tls_servername != NULL)
		host = tr_config.tls_servername;
	io.arg = t;
	/* A client checks a certificate against -tlsservername or the
	 * address it reached (an IP address in the certificate's names). */
	t->conn = tls_conn_new_io(
	    tr_tls_cfg(t->ref), &io, a->outgoing ? host : NULL, err);
	if (t->conn == NULL) {
		sc_tls_fail(t, err);
		return -1;
	}
	t->t0_us = clock_mono_us();
	t->hs_timer =
	    ev_timer_add(ep->loop, SC_TLS_HANDSHAKE_MS, sc_tls_timeout_cb, t);
	/* The client speaks first: its ClientHello goes now. */
	if (a->outgoing && tls_handshake(t->conn) == -1) {
		sc_tls_fail(t, tls_error(t->conn));
		return -1;
	}
	return 1;
}

/* The handshake is done: UP (the application waits for it to send:
 * tr_send() before it is EAGAIN, as kernel SCTP may say). */
static void
sc_tls_established(struct sc_tls *t)
{
	const char *id = tls_peer_identity(t->conn);
	struct tr_event ev = {.type = TR_EV_UP, .assoc = t->id};

	log_info("sctp: assoc %u with %s: %s up in %.3f ms%s%s%s", t->id,
	    t->peer, tls_version(t->conn),
	    (double)(clock_mono_us() - t->t0_us) / 1000.0,
	    id ? ", identity \"" : "", id ? id : "", id ? "\"" : "");
	if (t->hs_timer != EV_TIMER_NONE)
		ev_timer_cancel(t->ep->loop, t->hs_timer);
	t->hs_timer = EV_TIMER_NONE;
	t->a->up = 1;
	tr_emit(t->ep, &ev);
}

/* Decrypt what the lent record holds into plain; -1 after sc_tls_fail. */
static int
sc_tls_decrypt(struct sc_tls *t)
{
	uint8_t buf[4096];
	ssize_t n;
	int r;

	if (!t->a->up) {
		if ((r = tls_handshake(t->conn)) == -1) {
			sc_tls_fail(t, tls_error(t->conn));
			return -1;
		}
		if (r == 0)
			return 0;
		t->busy = 1;
		sc_tls_established(t);
		t->busy = 0;
		if (t->a == NULL) { /* aborted by the application */
			sc_tls_destroy(t);
			return -1;
		}
	}
	while ((n = tls_read(t->conn, buf, sizeof(buf))) > 0)
		if (wbuf_add(&t->plain, buf, (size_t)n) == -1) {
			sc_tls_fail(t, "TLS: a message beyond 65535 bytes");
			return -1;
		}
	if (n == -1 && errno == EPROTO) {
		sc_tls_fail(t, tls_error(t->conn));
		return -1;
	}
	return 0; /* EAGAIN, or 0: the peer's close_notify */
}

/* Hand up each whole message; the callback may abort the association
 * or peel it off (t->ep follows). */
static void
sc_tls_deliver(struct sc_tls *t)
{
	struct tr_event ev = {.type = TR_EV_MSG, .assoc = t->id};
	ssize_t n;

	t->busy = 1;
	while (t->a != NULL &&
	       (n = tls_msg_len(t->plain.data, t->plain.len)) != 0) {
		if (n < 0) {
			t->busy = 0;
			sc_tls_fail(t,
			    "TLS: a decrypted message with a Message "
			    "Length below 4");
			return;
		}
		ev.ppid = t->ppid;
		ev.data = t->plain.data;
		ev.len = (size_t)n;
		tr_emit(t->ep, &ev);
		tls_wbuf_drop(&t->plain, (size_t)n);
	}
	t->busy = 0;
	if (t->a == NULL)
		sc_tls_destroy(t);
}

int
sc_tls_message(struct tr_ep *ep, struct sc_assoc *a,
    const struct sctp_rcvinfo *ri, const uint8_t *data, size_t len)
{
	struct sc_tls *t = a->tls;

	if (t == NULL && (ep->flags & TR_TLS_LISTEN)) { /* never in clear */
		log_warning_limited("sctp: assoc %d: a message on the TLS port "
		                    "without TLS: aborted",
		    a->id);
		sc_abort_assoc(ep, a);
		return 1;
	}
	if (t == NULL)
		return 0;
	if (t->conn == NULL || ri->rcv_sid != 0 ||
	    (ri->rcv_flags & SCTP_UNORDERED)) {
		sc_tls_fail(t, "TLS: a message before COMM_UP, on a stream "
		               "other than 0, or unordered (RFC 3436: one "
		               "ordered bi-directional stream)");
		return 1;
	}
	if (tls_rec_len(data, len) != (ssize_t)len) {
		sc_tls_fail(t, "TLS: a user message that is not one whole TLS "
		               "record (RFC 3436)");
		return 1;
	}
	/* The PPID the peer's records come with is the one ours go with
	 * (a server learns it from the ClientHello). */
	t->ppid = ntohl(ri->rcv_ppid);
	t->in = data;
	t->in_len = len;
	t->in_pos = 0;
	if (sc_tls_decrypt(t) == -1)
		return 1;
	t->in = NULL;
	if (t->in_pos != t->in_len) {
		sc_tls_fail(t, "TLS: a record not consumed whole");
		return 1;
	}
	sc_tls_deliver(t);
	return 1;
}

int
sc_tls_send(struct tr_ep *ep, struct sc_assoc *a, uint32_t ppid,
    uint16_t stream, const void *data, size_t len)
{
	struct sc_tls *t = a->tls;
	size_t off = 0;
	ssize_t n;

	(void)ep, (void)ppid;
	/* One TLS connection, on stream 0: another stream would be data
	 * outside TLS, never sent in clear.  The receiver cuts messages by
	 * their Message Length, which must therefore be the length. */
	if (stream != 0 || tls_msg_len(data, len) != (ssize_t)len) {
		log_warning_limited("sctp: assoc %u: a message on stream %u "
		                    "or not as long as its Message Length: "
		                    "not sent over TLS",
		    t->id, stream);
		errno = EINVAL;
		return -1;
	}
	if (!a->up || t->outq.len > TR_TX_MAX) {
		errno = EAGAIN;
		return -1;
	}
	while (off < len) {
		if ((n = tls_write(t->conn, (const uint8_t *)data + off,
		         len - off)) <= 0) {
			sc_tls_fail(t, tls_error(t->conn));
			errno = EPIPE;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

void
sc_tls_shutdown(struct sc_assoc *a)
{
	/* close_notify before the SHUTDOWN; not waited for */
	if (a->tls != NULL && a->tls->conn != NULL && a->up)
		(void)tls_close(a->tls->conn);
}

void
sc_tls_moved(struct sc_assoc *a, struct tr_ep *nep)
{
	if (a->tls != NULL)
		a->tls->ep = nep;
}

const char *
sc_tls_identity(const struct sc_assoc *a)
{
	return a->tls != NULL && a->tls->conn != NULL && a->up
	           ? tls_peer_identity(a->tls->conn)
	           : NULL;
}

int
sc_tls_handshaking(const struct sc_assoc *a)
{
	return a->tls != NULL && a->tls->conn != NULL && !a->up;
}
