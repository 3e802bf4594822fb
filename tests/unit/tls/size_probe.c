/*
 * What TLS adds to a static binary (make size-tls; README.md, "TLS").
 * One program, built three ways with the static variant's compiler and
 * flags: plain (a socketpair, one message each way), PSK (the same
 * through a PSK handshake, client and server) and PSK + certificate
 * (a certificate handshake too).  The differences of their sizes are
 * what the TLS code costs.  Every probe links the libc functions rsp
 * already has that Mbed TLS needs as well (stdio, malloc, time, files,
 * getrandom: see rsp_libc()), so the difference is not libc's.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Called only with many arguments: linked, never run. */
static int
rsp_libc(char **argv)
{
	FILE *f = fopen(argv[1], "r");
	char buf[64], *p = calloc(1, 64);
	struct tm tm;
	time_t t = time(NULL);

	if (f == NULL || p == NULL)
		return fprintf(stderr, "%s: %s\n", argv[1], strerror(1));
	fread(buf, 1, sizeof(buf), f);
	fclose(f);
	getrandom(buf, sizeof(buf), 0);
	localtime_r(&t, &tm);
	snprintf(p, 64, "%d %s %zu %lld", tm.tm_year, buf, strlen(argv[2]),
	    (long long)strtoll(argv[3], NULL, 10));
	p = realloc(p, 128);
	printf("%s\n", p);
	free(p);
	return 0;
}

#ifdef PROBE_PSK
#include "core/transport/tls/tls.h"

static const unsigned char key[32] = "size probe key, not a secret...";

/* Both sides of a handshake in turns, then one message each way. */
static int
talk(struct tls_cfg *ccfg, struct tls_cfg *scfg, int fd[2], const char *host)
{
	char err[TLS_ERR_MAX], buf[8];
	struct tls_conn *cl = tls_conn_new(ccfg, fd[0], host, err);
	struct tls_conn *sv = tls_conn_new(scfg, fd[1], NULL, err);
	int a = 0, b = 0, ok;

	if (cl == NULL || sv == NULL)
		return puts(err), 1;
	for (int i = 0; i < 1000 && (a == 0 || b == 0); i++) {
		a = a ? a : tls_handshake(cl);
		b = b ? b : tls_handshake(sv);
	}
	ok = a == 1 && b == 1 && tls_write(cl, "ping", 4) == 4 &&
	     tls_read(sv, buf, sizeof(buf)) == 4;
	if (!ok)
		puts(tls_error(a == 1 ? sv : cl));
	tls_conn_free(cl);
	tls_conn_free(sv);
	return !ok;
}

static int
probe(int fd[2], char **argv)
{
	char err[TLS_ERR_MAX];
	struct tls_cfg *c = tls_cfg_new(TLS_CLIENT, err);
	struct tls_cfg *s = tls_cfg_new(TLS_SERVER, err);

	if (c == NULL || s == NULL ||
	    tls_cfg_add_psk(c, "probe", key, sizeof(key), err) < 0 ||
	    tls_cfg_add_psk(s, "probe", key, sizeof(key), err) < 0)
		return puts(err), 1;
#ifdef PROBE_CERT
	/* argv: CA file, certificate, key, host */
	if (argv[1] != NULL) {
		struct tls_cfg *cc = tls_cfg_new(TLS_CLIENT, err);
		struct tls_cfg *sc = tls_cfg_new(TLS_SERVER, err);
		if (cc == NULL || sc == NULL ||
		    tls_cfg_ca_file(cc, argv[1], err) < 0 ||
		    tls_cfg_cert_key(sc, argv[2], argv[3], err) < 0)
			return puts(err), 1;
		return talk(cc, sc, fd, argv[4]);
	}
#endif
	(void)argv;
	return talk(c, s, fd, NULL);
}
#else
static int
probe(int fd[2], char **argv)
{
	char buf[8];

	(void)argv;
	return !(write(fd[0], "ping", 4) == 4 && read(fd[1], buf, 8) == 4);
}
#endif

int
main(int argc, char **argv)
{
	int fd[2];

	if (argc > 10)
		return rsp_libc(argv);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) < 0)
		return 1;
	return probe(fd, argv);
}
