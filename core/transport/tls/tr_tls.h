/*
 * The transport's TLS configurations (TLS build only), from the key file
 * of -tlskeyfile (core/transport/tls/tls_keys.h): a server
 * configuration that accepts every identity of the file, a client one
 * that offers the first.  Connections hold a reference to the
 * configuration they started with, so a reload (SIGHUP) replaces the
 * configurations while older connections go on with theirs.  Only the
 * transport (core/transport/) includes this.
 */
#ifndef RSP_TRANSPORT_TLS_TR_TLS_H
#define RSP_TRANSPORT_TLS_TR_TLS_H

#include <sys/socket.h>

#include "core/transport/tls/tls.h"

struct tr_tls_ref;

/* The current configurations, held (+1); NULL without -tlskeyfile. */
struct tr_tls_ref *tr_tls_server_ref(void);
struct tr_tls_ref *tr_tls_client_ref(void);
/* Give a reference back; the last one frees the configuration. */
void tr_tls_put(struct tr_tls_ref *r);
struct tls_cfg *tr_tls_cfg(const struct tr_tls_ref *r);
/* 1 once a key file is loaded. */
int tr_tls_on(void);
/* What a client expects in the certificate of the server at peer:
 * -tlsservername, or the address (in buf, len ADDR_FMT_LEN). */
const char *tr_tls_expected_host(
    const struct sockaddr *peer, char *buf, size_t len);

#endif
