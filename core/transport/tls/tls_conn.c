/*
 * TLS connections (core/transport/tls/tls.h): one Mbed TLS context
 * over one non-blocking socket.  Mbed TLS reads and writes through the
 * two callbacks below, which turn EAGAIN into its WANT_READ/WANT_WRITE;
 * each call here records what it waits for, so the caller's event loop
 * watches the socket for that and calls again.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev.h"
#include "core/transport/tls/tls_int.h"

struct tls_conn {
	mbedtls_ssl_context ssl;
	struct tls_cfg *cfg;
	int fd;
	struct tls_io io;          /* send and recv of fd, or the caller's */
	int want;                  /* EV_READ or EV_WRITE */
	int sys_errno;             /* of a failed send() or recv() */
	int up;                    /* the handshake is done */
	const char *peer_identity; /* in cfg's PSK table, if known */
	char offered[TLS_IDENT_MAX + 1]; /* the identity a client named */
	char err[TLS_ERR_MAX];
};

static ssize_t
tls_fd_send(void *arg, const void *buf, size_t len)
{
	return send(*(int *)arg, buf, len, MSG_NOSIGNAL);
}

static ssize_t
tls_fd_recv(void *arg, void *buf, size_t len)
{
	return recv(*(int *)arg, buf, len, 0);
}

static int
tls_bio_send(void *arg, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = arg;
	ssize_t n = c->io.send(c->io.arg, buf, len);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	c->sys_errno = errno;
	return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int
tls_bio_recv(void *arg, unsigned char *buf, size_t len)
{
	struct tls_conn *c = arg;
	ssize_t n = c->io.recv(c->io.arg, buf, len);

	if (n >= 0)
		return (int)n; /* 0: Mbed TLS reports the end itself */
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	c->sys_errno = errno;
	return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

/* The identity a client offered, for error messages: bytes from the
 * network, so anything unprintable becomes '?'. */
static void
tls_keep_identity(struct tls_conn *c, const unsigned char *id, size_t idlen)
{
	size_t n = idlen < TLS_IDENT_MAX ? idlen : TLS_IDENT_MAX;

	for (size_t i = 0; i < n; i++)
		c->offered[i] =
		    id[i] >= 0x20 && id[i] < 0x7f ? (char)id[i] : '?';
	c->offered[n] = '\0';
}

int
tls_psk_cb(
    void *arg, mbedtls_ssl_context *ssl, const unsigned char *id, size_t idlen)
{
	struct tls_cfg *cfg = arg;
	struct tls_conn *c = mbedtls_ssl_get_user_data_p(ssl);

	tls_keep_identity(c, id, idlen);
	for (int i = 0; i < cfg->npsk; i++) {
		const struct tls_psk *p = &cfg->psk[i];
		if (strlen(p->identity) != idlen ||
		    memcmp(p->identity, id, idlen) != 0)
			continue;
		c->peer_identity = p->identity;
		return mbedtls_ssl_set_hs_psk(ssl, p->key, p->keylen);
	}
	return -1;
}

struct tls_conn *
tls_conn_new_io(
    struct tls_cfg *cfg, const struct tls_io *io, const char *host, char *err)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	int ret;

	if (c == NULL) {
		snprintf(err, TLS_ERR_MAX, "TLS: out of memory");
		return NULL;
	}
	(void)host; /* unused in a PSK-only configuration */
	c->cfg = cfg;
	c->fd = -1;
	c->io = *io;
	c->want = cfg->role == TLS_CLIENT ? EV_WRITE : EV_READ;
	mbedtls_ssl_init(&c->ssl);
	ret = mbedtls_ssl_setup(&c->ssl, &cfg->conf);
#ifdef MBEDTLS_X509_CRT_PARSE_C
	/* Never set_hostname(NULL): that would turn the name check off. */
	if (ret == 0 && cfg->role == TLS_CLIENT && host != NULL)
		ret = mbedtls_ssl_set_hostname(&c->ssl, host);
#endif
	if (ret != 0) {
		tls_say(err, "TLS: cannot start a connection", ret);
		tls_conn_free(c);
		return NULL;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, tls_bio_send, tls_bio_recv, NULL);
	mbedtls_ssl_set_user_data_p(&c->ssl, c);
	return c;
}

struct tls_conn *
tls_conn_new(struct tls_cfg *cfg, int fd, const char *host, char *err)
{
	struct tls_io io = {tls_fd_send, tls_fd_recv, NULL};
	struct tls_conn *c = tls_conn_new_io(cfg, &io, host, err);

	if (c != NULL) {
		c->fd = fd;
		c->io.arg = &c->fd;
	}
	return c;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	mbedtls_ssl_free(&c->ssl);
	free(c);
}

#ifdef MBEDTLS_X509_CRT_PARSE_C
/* The certificate check's reasons, in Mbed TLS's words, one line. */
static void
tls_say_verify(struct tls_conn *c, uint32_t flags)
{
	char why[TLS_ERR_MAX], *nl;

	mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags);
	while ((nl = strchr(why, '\n')) != NULL)
		*nl = nl[1] != '\0' ? ';' : '\0';
	snprintf(c->err, sizeof(c->err),
	    "TLS: the peer's certificate is refused: %.150s", why);
}
#endif

/* A server's handshake that failed on the client's PSK: which
 * identity, and whether we know it.  -1 if that is not the cause. */
static int
tls_say_psk(struct tls_conn *c, int ret)
{
	if (c->offered[0] == '\0' || c->up)
		return -1;
	if (c->peer_identity == NULL)
		snprintf(c->err, sizeof(c->err),
		    "TLS: the client's PSK identity \"%.80s\" is unknown here",
		    c->offered);
	else if (ret == MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE)
		snprintf(c->err, sizeof(c->err),
		    "TLS: the client's key for PSK identity \"%.80s\" is not "
		    "ours",
		    c->offered);
	else
		return -1;
	return 0;
}

/* Why a call failed, in words, into c->err. */
static void
tls_say_why(struct tls_conn *c, const char *what, int ret)
{
	char prefixed[TLS_ERR_MAX];
#ifdef MBEDTLS_X509_CRT_PARSE_C
	uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);

	if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 &&
	    flags != (uint32_t)-1) {
		tls_say_verify(c, flags);
		return;
	}
#endif
	if (tls_say_psk(c, ret) == 0)
		return;
	if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
		snprintf(c->err, sizeof(c->err),
		    "TLS: the peer refused the handshake (our key or "
		    "certificate?)");
		return;
	}
	if (c->sys_errno != 0) {
		snprintf(c->err, sizeof(c->err), "TLS: %.60s: %.90s", what,
		    strerror(c->sys_errno));
		return;
	}
	snprintf(prefixed, sizeof(prefixed), "TLS: %.60s", what);
	tls_say(c->err, prefixed, ret);
}

/* ret of an Mbed TLS call: 0 and want set when it only has to wait,
 * else -1 with the error in words. */
static int
tls_fail(struct tls_conn *c, const char *what, int ret)
{
	if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
		c->want = EV_READ;
		return 0;
	}
	if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
		c->want = EV_WRITE;
		return 0;
	}
	tls_say_why(c, what, ret);
	return -1;
}

int
tls_handshake(struct tls_conn *c)
{
	int ret = mbedtls_ssl_handshake(&c->ssl);

	if (ret == 0) {
		c->up = 1;
		return 1;
	}
	return tls_fail(c, "handshake failed", ret);
}

/* 0 from tls_fail (only waiting) becomes -1/EAGAIN for the byte calls. */
static ssize_t
tls_io_result(struct tls_conn *c, const char *what, int ret)
{
	if (ret >= 0)
		return ret;
	errno = tls_fail(c, what, ret) == 0 ? EAGAIN : EPROTO;
	return -1;
}

ssize_t
tls_read(struct tls_conn *c, void *buf, size_t len)
{
	int ret = mbedtls_ssl_read(&c->ssl, buf, len);

	if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return 0;
	return tls_io_result(c, "cannot read a record", ret);
}

ssize_t
tls_write(struct tls_conn *c, const void *buf, size_t len)
{
	return tls_io_result(
	    c, "cannot write a record", mbedtls_ssl_write(&c->ssl, buf, len));
}

size_t
tls_pending(const struct tls_conn *c)
{
	return mbedtls_ssl_get_bytes_avail(&c->ssl);
}

int
tls_close(struct tls_conn *c)
{
	int ret = mbedtls_ssl_close_notify(&c->ssl);

	if (ret == 0)
		return 1;
	return tls_fail(c, "cannot send close_notify", ret);
}

int
tls_want(const struct tls_conn *c)
{
	return c->want;
}

const char *
tls_error(const struct tls_conn *c)
{
	return c->err;
}

const char *
tls_peer_identity(const struct tls_conn *c)
{
	return c->up ? c->peer_identity : NULL;
}

const char *
tls_version(const struct tls_conn *c)
{
	return mbedtls_ssl_get_version(&c->ssl);
}
