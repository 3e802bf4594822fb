/*
 * TLS wrapper tests (core/transport/tls/tls.h): a client and a server
 * connection over a non-blocking socketpair, each driven by our event
 * loop from its socket's readiness, as the TCP mapping will drive them.
 * Keys and certificates are made by tests/unit/tls/mkcerts.sh into the
 * folder named by $TLS_CERTS (make check-tls does both).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform.h>

#include "core/ev.h"
#include "core/transport/tls/tls.h"
#include "tests/unit/testlib.h"

#define STEPS_MAX 400 /* loop iterations of one handshake: a bound */

static const unsigned char key_a[32] = "rsp pool element key, 32 bytes";
static const unsigned char key_b[32] = "another key entirely, 32 bytes";
static const char *certs;

/* Mbed TLS's heap, counted (MBEDTLS_PLATFORM_MEMORY): what a
 * connection holds once up (issue 19: RAM per association). */
#define COUNT_HDR 16 /* keeps the caller's block aligned */
static size_t held;

static void *
count_calloc(size_t n, size_t size)
{
	unsigned char *p;
	size_t len;

	if (size != 0 && n > (SIZE_MAX - COUNT_HDR) / size)
		return NULL;
	len = n * size;
	if ((p = calloc(1, COUNT_HDR + len)) == NULL)
		return NULL;
	memcpy(p, &len, sizeof(len));
	held += len;
	return p + COUNT_HDR;
}

static void
count_free(void *q)
{
	unsigned char *p;
	size_t len;

	if (q == NULL)
		return;
	p = (unsigned char *)q - COUNT_HDR;
	memcpy(&len, p, sizeof(len));
	held -= len;
	free(p);
}

struct side {
	struct tls_conn *c;
	int fd;
	int done; /* 1 up, -1 failed */
};

static void
side_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct side *s = arg;

	(void)events;
	if (s->done != 0)
		return;
	s->done = tls_handshake(s->c);
	if (s->done == 0)
		ev_mod_fd(loop, fd, tls_want(s->c));
	else
		ev_mod_fd(loop, fd, EV_NONE);
}

/* Both handshakes through the loop until each side is up or failed;
 * a side that fails closes its socket, as the transport would, so its
 * peer sees the end instead of waiting. */
static void
handshake(struct side *cl, struct side *sv)
{
	struct ev_loop *loop = ev_loop_new();

	if (loop == NULL)
		abort();
	ev_add_fd(loop, cl->fd, tls_want(cl->c), side_cb, cl);
	ev_add_fd(loop, sv->fd, tls_want(sv->c), side_cb, sv);
	for (int i = 0; i < STEPS_MAX && (cl->done == 0 || sv->done == 0);
	     i++) {
		ev_run_once(loop, 100);
		for (struct side *s = cl; s != NULL; s = s == cl ? sv : NULL) {
			if (s->done == -1 && s->fd >= 0) {
				ev_del_fd(loop, s->fd);
				close(s->fd);
				s->fd = -1;
			}
		}
	}
	ev_loop_free(loop);
}

static struct tls_cfg *
cfg_new(enum tls_role role)
{
	char err[TLS_ERR_MAX];
	struct tls_cfg *cfg = tls_cfg_new(role, err);

	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return cfg;
}

static char *
cert_path(const char *name)
{
	static char path[4][512];
	static int n;
	char *p = path[n++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", certs, name);
	return p;
}

/* A connected pair and its two connections; host as tls_conn_new. */
static void
pair(struct tls_cfg *ccfg, struct tls_cfg *scfg, const char *host,
    struct side *cl, struct side *sv)
{
	char err[TLS_ERR_MAX];
	int sv_fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv_fds) < 0)
		abort();
	*cl = (struct side){.fd = sv_fds[0]};
	*sv = (struct side){.fd = sv_fds[1]};
	cl->c = tls_conn_new(ccfg, cl->fd, host, err);
	sv->c = tls_conn_new(scfg, sv->fd, NULL, err);
	if (cl->c == NULL || sv->c == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
}

static void
unpair(struct side *cl, struct side *sv)
{
	tls_conn_free(cl->c);
	tls_conn_free(sv->c);
	if (cl->fd >= 0)
		close(cl->fd);
	if (sv->fd >= 0)
		close(sv->fd);
}

/* Writes all of buf on one side while reading it on the other, in
 * turns (the socketpair's buffer is smaller than buf); 0 if it came
 * over whole. */
static int
transfer(
    struct side *from, struct side *to, const unsigned char *buf, size_t len)
{
	static unsigned char got[70000];
	size_t sent = 0, rcvd = 0;

	for (int i = 0; i < 10000 && rcvd < len; i++) {
		ssize_t n;
		if (sent < len) {
			n = tls_write(from->c, buf + sent, len - sent);
			if (n > 0)
				sent += (size_t)n;
			else if (errno != EAGAIN)
				return -1;
		}
		n = tls_read(to->c, got + rcvd, sizeof(got) - rcvd);
		if (n > 0)
			rcvd += (size_t)n;
		else if (n == 0 || errno != EAGAIN)
			return -1;
	}
	return rcvd == len && memcmp(got, buf, len) == 0 ? 0 : -1;
}

static void
test_psk(int tls12)
{
	struct tls_cfg *ccfg = cfg_new(TLS_CLIENT), *scfg = cfg_new(TLS_SERVER);
	static unsigned char msg[60000]; /* a Handle Table Response's size */
	struct side cl, sv;
	char err[TLS_ERR_MAX];
	unsigned char small[8];

	test_section(tls12 ? "PSK, TLS 1.2 (ECDHE-PSK)" : "PSK, TLS 1.3");
	if (tls12)
		tls_cfg_tls12_only(ccfg);
	CHECK(tls_cfg_add_psk(ccfg, "pe-1", key_a, sizeof(key_a), err) == 0);
	CHECK(tls_cfg_add_psk(scfg, "pe-0", key_b, sizeof(key_b), err) == 0);
	CHECK(tls_cfg_add_psk(scfg, "pe-1", key_a, sizeof(key_a), err) == 0);
	pair(ccfg, scfg, NULL, &cl, &sv);
	handshake(&cl, &sv);
	CHECK(cl.done == 1);
	CHECK(sv.done == 1);
	if (cl.done != 1 || sv.done != 1)
		fprintf(stderr, "client: %s\nserver: %s\n", tls_error(cl.c),
		    tls_error(sv.c));
	CHECK(strcmp(tls_version(cl.c), tls12 ? "TLSv1.2" : "TLSv1.3") == 0);
	CHECK(strcmp(tls_version(sv.c), tls12 ? "TLSv1.2" : "TLSv1.3") == 0);
	CHECK(tls_peer_identity(sv.c) != NULL &&
	      strcmp(tls_peer_identity(sv.c), "pe-1") == 0);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 7 + 3);
	CHECK(transfer(&cl, &sv, msg, sizeof(msg)) == 0);
	CHECK(transfer(&sv, &cl, (const unsigned char *)"answer", 6) == 0);
	/* nothing more: the reader waits for the socket */
	CHECK(tls_read(sv.c, small, sizeof(small)) == -1 && errno == EAGAIN);
	CHECK(tls_want(sv.c) == EV_READ);
	/* close_notify reads as the end */
	CHECK(tls_close(cl.c) == 1);
	CHECK(tls_read(sv.c, small, sizeof(small)) == 0);
	unpair(&cl, &sv);
	tls_cfg_free(ccfg);
	tls_cfg_free(scfg);
}

/* The client holds key_b under the server's identity, or an identity
 * the server does not know: neither side comes up, each says why. */
static void
test_psk_refused(
    const char *identity, const char *shown, const unsigned char *key)
{
	struct tls_cfg *ccfg = cfg_new(TLS_CLIENT), *scfg = cfg_new(TLS_SERVER);
	struct side cl, sv;
	char err[TLS_ERR_MAX];

	test_section(key == key_b ? "wrong PSK" : "unknown PSK identity");
	CHECK(tls_cfg_add_psk(ccfg, identity, key, 32, err) == 0);
	CHECK(tls_cfg_add_psk(scfg, "pe-1", key_a, sizeof(key_a), err) == 0);
	pair(ccfg, scfg, NULL, &cl, &sv);
	handshake(&cl, &sv);
	CHECK(cl.done == -1);
	CHECK(sv.done == -1);
	printf(
	    "  client: %s\n  server: %s\n", tls_error(cl.c), tls_error(sv.c));
	CHECK(strstr(tls_error(sv.c),
	          key == key_b ? "is not ours" : "is unknown here") != NULL);
	CHECK(strstr(tls_error(sv.c), shown) != NULL);
	CHECK(
	    strstr(tls_error(cl.c), "the peer refused the handshake") != NULL);
	CHECK(tls_peer_identity(sv.c) == NULL);
	unpair(&cl, &sv);
	tls_cfg_free(ccfg);
	tls_cfg_free(scfg);
}

/* Certificate mode: the client trusts ca_file and expects host. */
static void
test_cert(const char *ca_file, const char *host, int ok, const char *why)
{
	struct tls_cfg *ccfg = cfg_new(TLS_CLIENT), *scfg = cfg_new(TLS_SERVER);
	struct side cl, sv;
	char err[TLS_ERR_MAX];
	char name[120];

	snprintf(
	    name, sizeof(name), "certificate, CA %s, host %s", ca_file, host);
	test_section(name);
	CHECK(tls_cfg_ca_file(ccfg, cert_path(ca_file), err) == 0);
	CHECK(tls_cfg_cert_key(scfg, cert_path("registrar.pem"),
	          cert_path("registrar.key"), err) == 0);
	pair(ccfg, scfg, host, &cl, &sv);
	handshake(&cl, &sv);
	CHECK(cl.done == (ok ? 1 : -1));
	CHECK(sv.done == (ok ? 1 : -1));
	if (!ok) {
		printf("  client: %s\n", tls_error(cl.c));
		CHECK(strstr(tls_error(cl.c), why) != NULL);
	} else {
		CHECK(strcmp(tls_version(cl.c), "TLSv1.3") == 0);
		CHECK(
		    transfer(&cl, &sv, (const unsigned char *)"hello", 5) == 0);
	}
	unpair(&cl, &sv);
	tls_cfg_free(ccfg);
	tls_cfg_free(scfg);
}

/* Bytes of Mbed TLS's heap each side holds after the handshake. */
static void
test_memory(int cert)
{
	struct tls_cfg *ccfg = cfg_new(TLS_CLIENT), *scfg = cfg_new(TLS_SERVER);
	struct side cl, sv;
	char err[TLS_ERR_MAX];
	size_t before, up, client, server;

	test_section(cert ? "memory, certificate" : "memory, PSK");
	if (cert) {
		CHECK(tls_cfg_ca_file(ccfg, cert_path("ca.pem"), err) == 0);
		CHECK(tls_cfg_cert_key(scfg, cert_path("registrar.pem"),
		          cert_path("registrar.key"), err) == 0);
	} else {
		CHECK(tls_cfg_add_psk(ccfg, "pe-1", key_a, 32, err) == 0);
		CHECK(tls_cfg_add_psk(scfg, "pe-1", key_a, 32, err) == 0);
	}
	before = held;
	pair(ccfg, scfg, cert ? "registrar.test" : NULL, &cl, &sv);
	handshake(&cl, &sv);
	CHECK(cl.done == 1 && sv.done == 1);
	up = held;
	tls_conn_free(cl.c);
	cl.c = NULL;
	client = up - held;
	server = held - before;
	printf("  Mbed TLS heap per connection once up: client %zu bytes, "
	       "server %zu bytes\n",
	    client, server);
	/* the buffers: 4 KiB records in and out (mk/mbedtls_config.h);
	 * issue 19's target is at most 16 KiB an association */
	CHECK(client > 8 * 1024 && client <= 16 * 1024);
	CHECK(server > 8 * 1024 && server <= 16 * 1024);
	unpair(&cl, &sv);
	tls_cfg_free(ccfg);
	tls_cfg_free(scfg);
}

static void
test_bad_config(void)
{
	struct tls_cfg *ccfg = cfg_new(TLS_CLIENT), *scfg = cfg_new(TLS_SERVER);
	char err[TLS_ERR_MAX], longid[200];

	test_section("bad configuration");
	CHECK(tls_cfg_add_psk(ccfg, "pe-1", key_a, 8, err) == -1);
	CHECK(strcmp(err, "TLS: PSK of \"pe-1\" has 8 bytes, expected 16 to "
	                  "64") == 0);
	CHECK(tls_cfg_add_psk(ccfg, "", key_a, 32, err) == -1);
	CHECK(strstr(err, "has 0 bytes, expected 1 to 128") != NULL);
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	CHECK(tls_cfg_add_psk(ccfg, longid, key_a, 32, err) == -1);
	CHECK(strstr(err, "has 199 bytes, expected 1 to 128") != NULL);
	CHECK(tls_cfg_ca_file(ccfg, "/nonexistent/ca.pem", err) == -1);
	printf("  %s\n", err);
	CHECK(strcmp(err, "TLS: CA file /nonexistent/ca.pem: No such file or "
	                  "directory") == 0);
	CHECK(tls_cfg_cert_key(scfg, cert_path("registrar.pem"),
	          cert_path("ca.pem"), err) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "TLS: key file ") != NULL);
	CHECK(strstr(err, "ca.pem: not a private key (-0x3d00)") != NULL);
	CHECK(tls_cfg_cert_key(scfg, cert_path("registrar.key"),
	          cert_path("registrar.key"), err) == -1);
	CHECK(strstr(err, "TLS: certificate file ") != NULL);
	tls_cfg_free(ccfg);
	tls_cfg_free(scfg);
}

int
main(void)
{
	if ((certs = getenv("TLS_CERTS")) == NULL) {
		fprintf(stderr, "test_tls: set TLS_CERTS to the folder "
		                "tests/unit/tls/mkcerts.sh made\n");
		return 1;
	}
	mbedtls_platform_set_calloc_free(count_calloc, count_free);
	test_psk(0);
#ifdef MBEDTLS_SSL_PROTO_TLS1_2 /* mk/mbedtls_config_tls12.h */
	test_psk(1);
#endif
	test_psk_refused("pe-1", "\"pe-1\"", key_b);
	test_psk_refused("pe-9", "\"pe-9\"", key_a);
	/* the peer's bytes reach our messages printable only */
	test_psk_refused("pe\n\x01x9", "\"pe??x9\"", key_a);
	test_cert("ca.pem", "registrar.test", 1, NULL);
	test_cert("ca.pem", "127.0.0.1", 1, NULL);
	test_cert("ca.pem", "other.test", 0, "Common Name");
	test_cert("other-ca.pem", "registrar.test", 0, "trusted CA");
	test_memory(0);
	test_memory(1);
	test_bad_config();
	return test_done();
}
