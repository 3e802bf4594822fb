/*
 * TLS configurations (core/transport/tls/tls.h): the role, the keys and
 * certificates, the key exchange modes they allow.  Apart from the
 * connections (tls_conn.c) because one configuration serves every
 * connection of an endpoint and is built once, from files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <psa/crypto.h>

#include "core/transport/tls/tls_int.h"

/* PSK_EPHEMERAL only: a PSK without (EC)DHE would let a stolen key
 * decrypt every recorded session (RFC 8446 section 2.2). */
static void
tls_cfg_modes(struct tls_cfg *cfg)
{
	int modes = 0;

	if (cfg->npsk > 0)
		modes |= MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL;
#ifdef MBEDTLS_X509_CRT_PARSE_C
	if (cfg->role == TLS_CLIENT ? cfg->ca.version != 0
	                            : cfg->cert.version != 0)
		modes |= MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL;
#endif
	mbedtls_ssl_conf_tls13_key_exchange_modes(&cfg->conf, modes);
}

struct tls_cfg *
tls_cfg_new(enum tls_role role, char *err)
{
	static const char pers[] = "rsp tls";
	struct tls_cfg *cfg;
	int ret;

	if ((ret = psa_crypto_init()) != PSA_SUCCESS) {
		snprintf(err, TLS_ERR_MAX,
		    "TLS: PSA crypto does not start (status %d)", ret);
		return NULL;
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		snprintf(err, TLS_ERR_MAX, "TLS: out of memory");
		return NULL;
	}
	cfg->role = role;
	mbedtls_ssl_config_init(&cfg->conf);
	mbedtls_entropy_init(&cfg->entropy);
	mbedtls_ctr_drbg_init(&cfg->drbg);
#ifdef MBEDTLS_X509_CRT_PARSE_C
	mbedtls_x509_crt_init(&cfg->ca);
	mbedtls_x509_crt_init(&cfg->cert);
	mbedtls_pk_init(&cfg->key);
#endif
	ret = mbedtls_ctr_drbg_seed(&cfg->drbg, mbedtls_entropy_func,
	    &cfg->entropy, (const unsigned char *)pers, sizeof(pers) - 1);
	if (ret == 0)
		ret = mbedtls_ssl_config_defaults(&cfg->conf,
		    role == TLS_CLIENT ? MBEDTLS_SSL_IS_CLIENT
		                       : MBEDTLS_SSL_IS_SERVER,
		    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		tls_say(err, "TLS: cannot set up", ret);
		tls_cfg_free(cfg);
		return NULL;
	}
	mbedtls_ssl_conf_rng(&cfg->conf, mbedtls_ctr_drbg_random, &cfg->drbg);
	/* A client checks the server's certificate; a server asks for none
	 * (its clients authenticate with a PSK). */
	mbedtls_ssl_conf_authmode(&cfg->conf, role == TLS_CLIENT
	                                          ? MBEDTLS_SSL_VERIFY_REQUIRED
	                                          : MBEDTLS_SSL_VERIFY_NONE);
	if (role == TLS_SERVER)
		mbedtls_ssl_conf_psk_cb(&cfg->conf, tls_psk_cb, cfg);
	tls_cfg_modes(cfg);
	return cfg;
}

void
tls_cfg_free(struct tls_cfg *cfg)
{
	if (cfg == NULL)
		return;
	mbedtls_ssl_config_free(&cfg->conf);
	mbedtls_ctr_drbg_free(&cfg->drbg);
	mbedtls_entropy_free(&cfg->entropy);
#ifdef MBEDTLS_X509_CRT_PARSE_C
	mbedtls_x509_crt_free(&cfg->ca);
	mbedtls_x509_crt_free(&cfg->cert);
	mbedtls_pk_free(&cfg->key);
#endif
	memset(cfg->psk, 0, sizeof(cfg->psk)); /* keys out of freed memory */
	free(cfg);
}

int
tls_cfg_add_psk(struct tls_cfg *cfg, const char *identity,
    const unsigned char *key, size_t keylen, char *err)
{
	size_t idlen = strlen(identity);
	struct tls_psk *p;
	int ret;

	if (idlen == 0 || idlen > TLS_IDENT_MAX) {
		snprintf(err, TLS_ERR_MAX,
		    "TLS: PSK identity \"%.40s\" has %zu bytes, expected 1 to "
		    "%d",
		    identity, idlen, TLS_IDENT_MAX);
		return -1;
	}
	if (keylen < 16 || keylen > TLS_PSK_MAX) {
		snprintf(err, TLS_ERR_MAX,
		    "TLS: PSK of \"%.40s\" has %zu bytes, expected 16 to %d",
		    identity, keylen, TLS_PSK_MAX);
		return -1;
	}
	if (cfg->npsk == TLS_PSKS_MAX) {
		snprintf(err, TLS_ERR_MAX, "TLS: more than %d PSK identities",
		    TLS_PSKS_MAX);
		return -1;
	}
	p = &cfg->psk[cfg->npsk];
	memcpy(p->identity, identity, idlen + 1);
	memcpy(p->key, key, keylen);
	p->keylen = keylen;
	if (cfg->role == TLS_CLIENT && cfg->npsk == 0) {
		ret = mbedtls_ssl_conf_psk(&cfg->conf, key, keylen,
		    (const unsigned char *)identity, idlen);
		if (ret != 0) {
			tls_say(err, "TLS: PSK refused", ret);
			return -1;
		}
	}
	cfg->npsk++;
	tls_cfg_modes(cfg);
	return 0;
}

#ifdef MBEDTLS_X509_CRT_PARSE_C
/* "TLS: kind path: why" into err; a file that cannot be read says so in
 * the system's words (errno of its fopen). */
static void
tls_say_file(char *err, const char *kind, const char *path, int ret)
{
	char what[TLS_ERR_MAX];
	int e = errno;

	if (ret == MBEDTLS_ERR_X509_FILE_IO_ERROR ||
	    ret == MBEDTLS_ERR_PK_FILE_IO_ERROR) {
		snprintf(err, TLS_ERR_MAX, "TLS: %s %.80s: %s", kind, path,
		    strerror(e));
		return;
	}
	snprintf(what, sizeof(what), "TLS: %s %.80s", kind, path);
	tls_say(err, what, ret);
}

int
tls_cfg_ca_file(struct tls_cfg *cfg, const char *path, char *err)
{
	int ret = mbedtls_x509_crt_parse_file(&cfg->ca, path);

	if (ret != 0) {
		tls_say_file(err, "CA file", path, ret);
		return -1;
	}
	mbedtls_ssl_conf_ca_chain(&cfg->conf, &cfg->ca, NULL);
	tls_cfg_modes(cfg);
	return 0;
}

int
tls_cfg_cert_key(
    struct tls_cfg *cfg, const char *cert_path, const char *key_path, char *err)
{
	int ret = mbedtls_x509_crt_parse_file(&cfg->cert, cert_path);

	if (ret != 0) {
		tls_say_file(err, "certificate file", cert_path, ret);
		return -1;
	}
	ret = mbedtls_pk_parse_keyfile(
	    &cfg->key, key_path, NULL, mbedtls_ctr_drbg_random, &cfg->drbg);
	if (ret == 0)
		ret = mbedtls_ssl_conf_own_cert(
		    &cfg->conf, &cfg->cert, &cfg->key);
	if (ret != 0) {
		tls_say_file(err, "key file", key_path, ret);
		return -1;
	}
	tls_cfg_modes(cfg);
	return 0;
}

#else
/* A PSK-only build (a configuration without X.509) */
int
tls_cfg_ca_file(struct tls_cfg *cfg, const char *path, char *err)
{
	(void)cfg;
	snprintf(err, TLS_ERR_MAX,
	    "TLS: CA file %.80s: this build has no certificates (PSK only)",
	    path);
	return -1;
}

int
tls_cfg_cert_key(
    struct tls_cfg *cfg, const char *cert_path, const char *key_path, char *err)
{
	(void)key_path;
	return tls_cfg_ca_file(cfg, cert_path, err);
}
#endif

void
tls_cfg_tls12_only(struct tls_cfg *cfg)
{
	mbedtls_ssl_conf_max_tls_version(
	    &cfg->conf, MBEDTLS_SSL_VERSION_TLS1_2);
}
