/*
 * TLS on a connection of the TCP mapping (TLS build only; docs/wire.md
 * section 7: TLS carries the mapping's chunks unchanged, INIT first):
 * the hooks core/transport/tcp.c and tcp_conn.c call, declared in
 * core/transport/tcp_int.h.  The connection starts its handshake once
 * TCP is up, and only then sends its INIT; a failed handshake fails the
 * association (CANT_START with EACCES for our own, nothing for an
 * incoming one), with the reason in the log.  Above the backend nothing
 * knows whether a connection has TLS, except tr_peer_identity().
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ssl.h>

#include "core/clock.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/transport/tcp_int.h"
#include "core/transport/tls/tr_tls.h"

int
tc_tls_start(struct tc_assoc *a)
{
	char err[TLS_ERR_MAX], buf[ADDR_FMT_LEN];
	const char *host = NULL;

	/* A client checks a certificate against -tlsservername or the
	 * address it connected to (an IP address in the certificate's
	 * names). */
	if (a->outgoing)
		host = tr_tls_expected_host(
		    (const struct sockaddr *)&a->peer, buf, sizeof(buf));
	a->tls = tls_conn_new(tr_tls_cfg(a->tls_ref), a->fd, host, err);
	if (a->tls == NULL) {
		log_warning_limited("tcpmap: assoc %u: %s", a->id, err);
		return -1;
	}
	a->state = TC_HANDSHAKE;
	a->tls_t0_us = clock_mono_us();
	return 0;
}

int
tc_tls_step(struct tc_assoc *a)
{
	char peer[ADDR_FMT_LEN];
	const char *id;
	int r = tls_handshake(a->tls);

	if (r == 0)
		return 0;
	addr_fmt((const struct sockaddr *)&a->peer, peer, sizeof(peer));
	if (r == -1) {
		log_warning_limited("tcpmap: assoc %u with %s: %s", a->id, peer,
		    tls_error(a->tls));
		return -1;
	}
	id = tls_peer_identity(a->tls);
	log_info("tcpmap: assoc %u with %s: %s up in %.3f ms%s%s%s", a->id,
	    peer, tls_version(a->tls),
	    (double)(clock_mono_us() - a->tls_t0_us) / 1000.0,
	    id ? ", identity \"" : "", id ? id : "", id ? "\"" : "");
	a->state = TC_INIT_WAIT;
	return 1;
}

ssize_t
tc_sock_read(struct tc_assoc *a, void *buf, size_t len)
{
	ssize_t n;

	if (a->tls == NULL)
		return read(a->fd, buf, len);
	if ((n = tls_read(a->tls, buf, len)) == -1 && errno == EPROTO)
		log_warning_limited(
		    "tcpmap: assoc %u: %s", a->id, tls_error(a->tls));
	return n;
}

ssize_t
tc_sock_send(struct tc_assoc *a, const void *buf, size_t len)
{
	ssize_t n;

	if (a->tls == NULL)
		return send(a->fd, buf, len, MSG_NOSIGNAL);
	if ((n = tls_write(a->tls, buf, len)) == -1 && errno == EPROTO)
		log_warning_limited(
		    "tcpmap: assoc %u: %s", a->id, tls_error(a->tls));
	return n;
}

int
tc_sock_pending(const struct tc_assoc *a)
{
	return a->tls != NULL && tls_pending(a->tls) > 0;
}

void
tc_tls_close(struct tc_assoc *a)
{
	/* Once: a close_notify that cannot go now is not waited for (the
	 * FIN follows; the peer sees the end either way). */
	if (a->tls != NULL)
		(void)tls_close(a->tls);
}

int
tc_tls_want(const struct tc_assoc *a)
{
	return a->tls != NULL && a->state != TC_DEAD ? tls_want(a->tls) : 0;
}

void
tc_tls_timeout(const struct tc_assoc *a)
{
	char peer[ADDR_FMT_LEN];

	if (a->state != TC_HANDSHAKE)
		return;
	addr_fmt((const struct sockaddr *)&a->peer, peer, sizeof(peer));
	log_warning_limited("tcpmap: assoc %u with %s: TLS: no handshake "
	                    "within %lld ms (not a TLS peer?)",
	    a->id, peer, a->ep->hb_interval * (a->ep->hb_maxloss + 1));
}

void
tc_tls_free(struct tc_assoc *a)
{
	tls_conn_free(a->tls);
	a->tls = NULL;
	tr_tls_put(a->tls_ref);
	a->tls_ref = NULL;
}

void
tc_tls_accepted(struct tr_ep *ep, int lfd, struct tc_assoc *a)
{
	struct tc_ep *t = ep->priv;
	int i;

	for (i = t->nlfd - t->ntls_lfd; i < t->nlfd; i++)
		if (t->lfd[i] == lfd)
			a->tls_ref = tr_tls_server_ref();
}

const char *
tc_peer_identity(struct tr_ep *ep, uint32_t id)
{
	struct tc_ep *t = ep->priv;
	struct tc_assoc *a = tr_map_get(&t->ids, id);

	return a != NULL && a->tls != NULL ? tls_peer_identity(a->tls) : NULL;
}
