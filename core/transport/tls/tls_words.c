/*
 * Mbed TLS's error codes in words, for the ones a TLS connection, its
 * key files and certificates can meet.  Our own table instead of Mbed
 * TLS's MBEDTLS_ERROR_C, whose table of every code cost 16 KiB of the
 * static binary (README.md, "TLS").  A code is a high-level part (SSL,
 * X.509, PK, PEM) plus maybe a low-level one (ASN.1, bignum, ...); each
 * part is named if it is here, else given as a number.
 */
#include <stdio.h>

#include <mbedtls/asn1.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509.h>

#include "core/transport/tls/tls_int.h"

static const struct {
	int code;
	const char *words;
} tls_words[] = {
    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, "the peer sent a fatal alert"},
    {MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE,
        "no key, key exchange or cipher in common"},
    {MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION, "no TLS version in common"},
    {MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER,
        "a handshake message has a field out of range"},
    {MBEDTLS_ERR_SSL_DECODE_ERROR, "a message could not be decoded"},
    {MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, "a message came out of order"},
    {MBEDTLS_ERR_SSL_UNEXPECTED_RECORD, "a record came out of order"},
    {MBEDTLS_ERR_SSL_INVALID_MAC, "a record failed its integrity check"},
    {MBEDTLS_ERR_SSL_INVALID_RECORD, "a malformed record (not TLS?)"},
    {MBEDTLS_ERR_SSL_CONN_EOF, "the peer closed the connection"},
    {MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, "the peer closed the session"},
    {MBEDTLS_ERR_SSL_BAD_CERTIFICATE, "a malformed or unusable certificate"},
    {MBEDTLS_ERR_SSL_PK_TYPE_MISMATCH, "the key does not fit the certificate"},
    {MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY, "unknown PSK identity"},
    {MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME,
        "no host name to check the certificate against"},
    {MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED, "no CA file configured"},
    {MBEDTLS_ERR_SSL_PRIVATE_KEY_REQUIRED, "no key configured"},
    {MBEDTLS_ERR_SSL_BAD_CONFIG, "an incomplete TLS configuration"},
    {MBEDTLS_ERR_SSL_BAD_INPUT_DATA, "bad input"},
    {MBEDTLS_ERR_SSL_ALLOC_FAILED, "out of memory"},
    {MBEDTLS_ERR_SSL_INTERNAL_ERROR, "internal error"},
    {MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, "certificate verification failed"},
    {MBEDTLS_ERR_X509_FILE_IO_ERROR, "cannot read the file"},
    {MBEDTLS_ERR_X509_INVALID_FORMAT, "not a certificate"},
    {MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT, "not a certificate"},
    {MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG,
        "a signature this build lacks (ECDSA P-256 only)"},
    {MBEDTLS_ERR_X509_INVALID_DATE, "a malformed validity date"},
    {MBEDTLS_ERR_X509_ALLOC_FAILED, "out of memory"},
    {MBEDTLS_ERR_PK_FILE_IO_ERROR, "cannot read the file"},
    {MBEDTLS_ERR_PK_KEY_INVALID_FORMAT, "not a private key"},
    {MBEDTLS_ERR_PK_KEY_INVALID_VERSION, "not a private key"},
    {MBEDTLS_ERR_PK_UNKNOWN_PK_ALG, "a key type this build lacks (EC only)"},
    {MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE, "a curve this build lacks (P-256)"},
    {MBEDTLS_ERR_PK_PASSWORD_REQUIRED,
        "the key is encrypted (give it unencrypted)"},
    {MBEDTLS_ERR_PK_TYPE_MISMATCH, "the key does not fit"},
    {MBEDTLS_ERR_PK_ALLOC_FAILED, "out of memory"},
    {MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT, "no PEM BEGIN/END lines"},
    {MBEDTLS_ERR_PEM_INVALID_DATA, "bad PEM data"},
    {MBEDTLS_ERR_PEM_PASSWORD_REQUIRED,
        "the PEM is encrypted (give it unencrypted)"},
    {MBEDTLS_ERR_ASN1_OUT_OF_DATA, "truncated"},
    {MBEDTLS_ERR_ASN1_UNEXPECTED_TAG, "unexpected ASN.1 tag"},
    {MBEDTLS_ERR_ASN1_INVALID_LENGTH, "bad ASN.1 length"},
};

static const char *
tls_word(int code)
{
	for (size_t i = 0; i < sizeof(tls_words) / sizeof(tls_words[0]); i++)
		if (tls_words[i].code == code)
			return tls_words[i].words;
	return NULL;
}

void
tls_say(char *err, const char *what, int ret)
{
	int high = -(-ret & 0xff80), low = -(-ret & 0x7f);
	const char *h = tls_word(high), *l = tls_word(low);

	if (h != NULL && l != NULL)
		snprintf(err, TLS_ERR_MAX, "%.90s: %s: %s (-0x%04x)", what, h,
		    l, (unsigned)-ret);
	else if (h != NULL || l != NULL)
		snprintf(err, TLS_ERR_MAX, "%.90s: %s (-0x%04x)", what,
		    h != NULL ? h : l, (unsigned)-ret);
	else
		snprintf(err, TLS_ERR_MAX, "%.90s: Mbed TLS error -0x%04x",
		    what, (unsigned)-ret);
}
