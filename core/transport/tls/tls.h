/*
 * TLS over a non-blocking stream socket, for the TCP mapping's byte
 * stream (issue 19; docs/wire.md section 7: TLS carries the mapping's
 * chunks unchanged).  Built only in the TLS variant (make TLS=1), on
 * Mbed TLS 3.6 with mk/mbedtls_config.h.
 *
 * Two modes, which one configuration may combine:
 *   PSK   a pre-shared key (identity + key) with an ephemeral (EC)DH
 *         exchange: PE <-> registrar and registrar <-> registrar
 *         (RFC 5352 section 9, RFC 5353 section 6);
 *   cert  X.509: a server presents its certificate and key, a client
 *         verifies it against a CA file and the expected host name
 *         (pool user -> registrar).
 *
 * Nothing here blocks: every call does what the socket allows and says
 * what it waits for (tls_want(): EV_READ or EV_WRITE of core/ev.h), so
 * the caller's event loop drives the handshake and the records.
 * Errors are kept as a sentence (tls_error()), for log lines.
 */
#ifndef RSP_TRANSPORT_TLS_H
#define RSP_TRANSPORT_TLS_H

#include <stddef.h>
#include <sys/types.h>

#define TLS_PSK_MAX   64  /* key bytes */
#define TLS_IDENT_MAX 128 /* identity bytes */
#define TLS_ERR_MAX   200 /* tls_error()'s sentence, with its NUL */

enum tls_role { TLS_CLIENT, TLS_SERVER };

struct tls_cfg;
struct tls_conn;

/* NULL with a sentence in err (TLS_ERR_MAX bytes) on failure. */
struct tls_cfg *tls_cfg_new(enum tls_role role, char *err);
void tls_cfg_free(struct tls_cfg *cfg);

/* PSK mode.  A client offers its first key; a server accepts each
 * identity added.  -1 with a sentence in err. */
int tls_cfg_add_psk(struct tls_cfg *cfg, const char *identity,
    const unsigned char *key, size_t keylen, char *err);
/* Certificate mode: a client's CA file (PEM); a server's certificate
 * chain and private key (PEM).  -1 with a sentence in err. */
int tls_cfg_ca_file(struct tls_cfg *cfg, const char *path, char *err);
int tls_cfg_cert_key(struct tls_cfg *cfg, const char *cert_path,
    const char *key_path, char *err);
/* Limit to TLS 1.2 (for peers without 1.3, and to test that path):
 * only a build with mk/mbedtls_config_tls12.h has TLS 1.2. */
void tls_cfg_tls12_only(struct tls_cfg *cfg);

/*
 * A connection on fd (non-blocking, connected or accepted; the caller
 * keeps owning it).  host: the name or address a client expects in the
 * server's certificate; NULL (PSK mode) fails every certificate.  The configuration must
 * outlive the connection.  NULL with a sentence in err.
 */
struct tls_conn *tls_conn_new(
    struct tls_cfg *cfg, int fd, const char *host, char *err);
/*
 * The same over I/O of the caller's (TLS over SCTP,
 * core/transport/tls/sc_tls.c: the records go in SCTP user messages of
 * an association that shares its socket with others).  send: takes the
 * bytes whole (len) or none (-1 with errno, EAGAIN to wait); recv: up to
 * len bytes, -1 with errno EAGAIN when none wait.
 */
struct tls_io {
	ssize_t (*send)(void *arg, const void *buf, size_t len);
	ssize_t (*recv)(void *arg, void *buf, size_t len);
	void *arg;
};
struct tls_conn *tls_conn_new_io(
    struct tls_cfg *cfg, const struct tls_io *io, const char *host, char *err);
void tls_conn_free(struct tls_conn *c);

/* Handshake step: 1 done, 0 in progress (see tls_want()), -1 failed
 * (see tls_error()). */
int tls_handshake(struct tls_conn *c);
/*
 * Records, after the handshake.  tls_read: bytes read, 0 at the peer's
 * close, -1 with errno EAGAIN (see tls_want()) or EPROTO (tls_error()).
 * Read until EAGAIN: decrypted bytes may wait inside without the socket
 * being readable.  tls_write: bytes taken (at most one record's worth),
 * or -1 as tls_read; after EAGAIN call it again with the same bytes.
 */
ssize_t tls_read(struct tls_conn *c, void *buf, size_t len);
ssize_t tls_write(struct tls_conn *c, const void *buf, size_t len);
/* Decrypted bytes waiting inside (tls_read them: the socket will not
 * wake the loop for them). */
size_t tls_pending(const struct tls_conn *c);
/* Send close_notify: 1 sent, 0 in progress, -1 failed. */
int tls_close(struct tls_conn *c);

/* "TLSv1.3" or "TLSv1.2" once up. */
const char *tls_version(const struct tls_conn *c);
/* What the last call waits for: EV_READ or EV_WRITE. */
int tls_want(const struct tls_conn *c);
const char *tls_error(const struct tls_conn *c);
/* The identity the peer authenticated with (PSK mode, server side,
 * after the handshake), or NULL. */
const char *tls_peer_identity(const struct tls_conn *c);

#endif
