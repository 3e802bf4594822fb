/*
 * What core/transport/tls/tls_cfg.c (configurations) and tls_conn.c
 * (connections) share; nothing else includes this.
 */
#ifndef RSP_TRANSPORT_TLS_INT_H
#define RSP_TRANSPORT_TLS_INT_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#ifdef MBEDTLS_X509_CRT_PARSE_C
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#endif

#include "core/transport/tls/tls.h"

#define TLS_PSKS_MAX 16

struct tls_psk {
	char identity[TLS_IDENT_MAX + 1];
	unsigned char key[TLS_PSK_MAX];
	size_t keylen;
};

struct tls_cfg {
	enum tls_role role;
	mbedtls_ssl_config conf;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
#ifdef MBEDTLS_X509_CRT_PARSE_C /* not in a PSK-only configuration */
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;
#endif
	struct tls_psk psk[TLS_PSKS_MAX];
	int npsk;
};

/* Server (tls_conn.c): the key of the identity the client names, if
 * the configuration holds it. */
int tls_psk_cb(
    void *arg, mbedtls_ssl_context *ssl, const unsigned char *id, size_t idlen);

/* "what: words for ret (its number)" into err (TLS_ERR_MAX bytes);
 * tls_words.c. */
void tls_say(char *err, const char *what, int ret);

#endif
