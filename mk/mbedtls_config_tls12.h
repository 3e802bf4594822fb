/*
 * mk/mbedtls_config.h with TLS 1.2 as well (ECDHE-PSK with AES-CBC and
 * HMAC-SHA-256, RFC 5489; ECDHE-ECDSA), for peers without TLS 1.3:
 * about 24 KiB more in a static binary (README.md, "TLS").  A build of
 * its own: make TLS=1 MBEDTLS_CONFIG=mk/mbedtls_config_tls12.h
 * BUILDROOT=build/tls12.
 */
#define RSP_MBEDTLS_TLS12
#include "mbedtls_config.h"
