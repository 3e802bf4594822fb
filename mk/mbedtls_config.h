/*
 * rsp's Mbed TLS 3.6 configuration (issue 19): no more than the TLS
 * variant needs.  Used instead of Mbed TLS's default
 * include/mbedtls/mbedtls_config.h through MBEDTLS_CONFIG_FILE.
 *
 *   - TLS 1.3 (TLS 1.2 for peers that need it: mk/mbedtls_config_tls12.h,
 *     +24 KiB, a build of its own);
 *   - pre-shared keys only with an ephemeral (EC)DH exchange (RFC 5352
 *     section 9, RFC 5353 section 6: PE <-> registrar and registrar <->
 *     registrar), so a stolen key does not decrypt past sessions;
 *   - X.509 certificate verification with ECDSA P-256 keys for the pool
 *     user -> registrar side (a CA file, the registrar's certificate and
 *     key, hostname checks);
 *   - AES-128-GCM with SHA-256 (TLS 1.3's mandatory suite, RFC 8446
 *     section 9.1; with TLS 1.2 also AES-CBC with HMAC-SHA-256 for its
 *     ECDHE-PSK, RFC 5489), x25519 and secp256r1 for the key exchange.
 *
 * Left out for size (make size-tls; README.md, "TLS"): Mbed TLS's table
 * of error texts (MBEDTLS_ERROR_C, 16 KiB: core/transport/tls/
 * tls_words.c names the codes we meet), AES tables in ROM (built in RAM
 * at first use instead), the faster NIST curve code, SHA-224, the
 * server name extension (a client still checks the certificate's name).
 *
 * Records: received records keep TLS's 16 KiB maximum (a peer such as
 * OpenSSL sends full records), records we send are at most 4 KiB (our
 * writes are split into several records): a connection holds 21 KiB
 * once up (test_tls.c counts it; issue 19's target is 16 KiB, which
 * needs peers that send smaller records, RFC 8449, not done yet).
 */
#ifndef RSP_MBEDTLS_CONFIG_H
#define RSP_MBEDTLS_CONFIG_H

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_FS_IO
#define MBEDTLS_PLATFORM_C
/* Lets tests/unit/tls/test_tls.c count what a connection holds */
#define MBEDTLS_PLATFORM_MEMORY

/* Randomness: getrandom() through entropy_poll.c, CTR-DRBG on top */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* Symmetric crypto and hashes */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_FEWER_TABLES
/* TLS_AES_128_GCM_SHA256 is the one suite (no SHA-384, no ChaCha20) */
#define MBEDTLS_AES_ONLY_128_BIT_KEY_LENGTH
#define MBEDTLS_GCM_C
#ifdef RSP_MBEDTLS_TLS12
/* TLS 1.2 has no ECDHE-PSK suite with AES-GCM (RFC 5489: CBC only) */
#define MBEDTLS_CIPHER_MODE_CBC
#endif
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
/* The rolled-up SHA-256: smaller (issue 19's size budget); it hashes the
 * handshake only, records use AES-GCM */
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_HKDF_C

/* Public-key crypto: ECDH and ECDSA on x25519 / P-256 */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
/* No precomputed P-256 tables in the binary (issue 19's size budget):
 * P-256 signs and checks certificates only, the key exchange is x25519 */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* PSA crypto: TLS 1.3's key schedule runs through it */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
/* Each connection holds PSA keys (its record keys, its PSK and ECDH
 * keys while it shakes hands): a fixed store of 32 slots failed the
 * 17th concurrent handshake with "out of memory" (bench/tls.sh). */
#define MBEDTLS_PSA_KEY_STORE_DYNAMIC

/* X.509 certificates in PEM files */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#ifdef RSP_MBEDTLS_TLS12 /* mk/mbedtls_config_tls12.h */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#endif

/* Records of at most 4 KiB both ways (issue 19: at most 16 KiB of RAM an
 * association; 9.5 KB of Mbed TLS heap a PSK connection once up, 21.8 KB
 * with 16 KiB records in, tests/unit/tls/test_tls.c).  rsp's peers never
 * send more (OUT_CONTENT_LEN); a peer that is not rsp and sends a longer
 * record fails its association, with Mbed TLS's reason in the log.
 * RFC 8449's record_size_limit would tell such a peer, but costs 2.3 KB
 * of the router profile, over issue 19's size budget: left out. */
#define MBEDTLS_SSL_IN_CONTENT_LEN  4096
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#endif
