/*
 * An independent TLS implementation against ours: OpenSSL's s_client
 * connects over loopback TCP to a server side of core/transport/tls
 * driven by our event loop, in PSK mode (right and wrong key) and in
 * certificate mode.  Certificates as in test_tls.c ($TLS_CERTS).
 * Without an openssl program the checks are skipped (said, not passed).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/transport/tls/tls.h"
#include "tests/unit/testlib.h"

#define KEY_HEX    "000102030405060708090a0b0c0d0e0f"
#define WAIT_STEPS 100 /* of 100 ms: the bound of one run */

static const unsigned char key[16] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const char *certs;

struct srv {
	struct tls_conn *c;
	int fd;
	int state; /* 0 handshake, 1 up, 2 got the line, -1 failed */
	char got[64];
	size_t len;
};

/* Handshake, then read the client's line and answer it. */
static void
srv_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct srv *s = arg;
	ssize_t n;

	(void)events;
	if (s->state == 0)
		s->state = tls_handshake(s->c);
	while (s->state == 1 && (n = tls_read(s->c, s->got + s->len,
	                             sizeof(s->got) - 1 - s->len)) > 0) {
		s->len += (size_t)n;
		if (memchr(s->got, '\n', s->len) != NULL) {
			s->state = tls_write(s->c, "pong\n", 5) == 5 ? 2 : -1;
			tls_close(s->c);
		}
	}
	ev_mod_fd(loop, fd,
	    s->state == 0 || s->state == 1 ? tls_want(s->c) : EV_NONE);
}

static int
listen_lo(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

/* s_client with args, "ping" on its stdin; its output in out. */
static pid_t
spawn_client(char *const args[], int *out)
{
	int in[2], o[2];
	pid_t pid;

	if (pipe(in) < 0 || pipe(o) < 0 || (pid = fork()) < 0)
		abort();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(o[1], 2);
		close(in[1]);
		close(o[0]);
		execvp("openssl", args);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	if (write(in[1], "ping\n", 5) != 5)
		abort();
	/* stdin stays open: s_client would end at its EOF before the
	 * answer came */
	*out = o[0];
	return pid;
}

/* One s_client run ("PORT" in args: our server's) against a server
 * configured as scfg; the server's state at the end, the client's
 * output in cout. */
static int
run(struct tls_cfg *scfg, char *const args[], char *cout, size_t coutlen)
{
	struct ev_loop *loop = ev_loop_new();
	struct srv s = {0};
	char err[TLS_ERR_MAX], portstr[32], *argv[32];
	int lfd, port, out, i, st;
	size_t n = 0;
	pid_t pid;

	lfd = listen_lo(&port);
	snprintf(portstr, sizeof(portstr), "127.0.0.1:%d", port);
	for (i = 0; args[i] != NULL; i++)
		argv[i] = strcmp(args[i], "PORT") == 0 ? portstr : args[i];
	argv[i] = NULL;
	pid = spawn_client(argv, &out);
	s.fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	if (loop == NULL || s.fd < 0)
		abort();
	if ((s.c = tls_conn_new(scfg, s.fd, NULL, err)) == NULL)
		abort();
	ev_add_fd(loop, s.fd, EV_READ, srv_cb, &s);
	for (i = 0; i < WAIT_STEPS && (s.state == 0 || s.state == 1); i++)
		ev_run_once(loop, 100);
	if (s.state == -1)
		printf("  server: %s\n", tls_error(s.c));
	shutdown(s.fd, SHUT_RDWR);
	fcntl(out, F_SETFL, 0);
	for (ssize_t r;
	     n + 1 < coutlen && (r = read(out, cout + n, coutlen - 1 - n)) > 0;)
		n += (size_t)r;
	cout[n] = '\0';
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	ev_loop_free(loop);
	tls_conn_free(s.c);
	close(s.fd);
	close(lfd);
	close(out);
	return s.state == 2 && strncmp(s.got, "ping\n", 5) == 0 ? 2 : s.state;
}

static void
test_psk(const char *hex, int ok)
{
	char err[TLS_ERR_MAX], out[8192];
	struct tls_cfg *scfg = tls_cfg_new(TLS_SERVER, err);
	char *args[] = {"openssl", "s_client", "-connect", "PORT", "-quiet",
	    "-tls1_3", "-psk_identity", "pe-1", "-psk", (char *)hex, NULL};

	test_section(ok ? "s_client, right PSK" : "s_client, wrong PSK");
	CHECK(scfg != NULL &&
	      tls_cfg_add_psk(scfg, "pe-1", key, sizeof(key), err) == 0);
	CHECK(run(scfg, args, out, sizeof(out)) == (ok ? 2 : -1));
	CHECK((strstr(out, "pong") != NULL) == ok);
	tls_cfg_free(scfg);
}

static void
test_cert(void)
{
	char err[TLS_ERR_MAX], out[8192], ca[512], crt[512], k[512];
	struct tls_cfg *scfg = tls_cfg_new(TLS_SERVER, err);
	char *args[] = {"openssl", "s_client", "-connect", "PORT", "-quiet",
	    "-tls1_3", "-CAfile", ca, "-verify_return_error",
	    "-verify_hostname", "registrar.test", NULL};

	test_section("s_client, certificate");
	snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
	snprintf(crt, sizeof(crt), "%s/registrar.pem", certs);
	snprintf(k, sizeof(k), "%s/registrar.key", certs);
	CHECK(scfg != NULL && tls_cfg_cert_key(scfg, crt, k, err) == 0);
	CHECK(run(scfg, args, out, sizeof(out)) == 2);
	CHECK(strstr(out, "pong") != NULL);
	if (strstr(out, "pong") == NULL)
		printf("%s\n", out);
	tls_cfg_free(scfg);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if ((certs = getenv("TLS_CERTS")) == NULL) {
		fprintf(stderr, "test_tls_openssl: set TLS_CERTS to the folder "
		                "tests/unit/tls/mkcerts.sh made\n");
		return 1;
	}
	if (system("openssl version >/dev/null 2>&1") != 0) {
		printf("test_tls_openssl: no openssl program: skipped\n");
		return test_done();
	}
	test_psk(KEY_HEX, 1);
	test_psk("ffff02030405060708090a0b0c0d0e0f", 0);
	test_cert();
	return test_done();
}
