/*
 * sctp-check: proves the running kernel speaks SCTP. Opens a one-to-many
 * (SOCK_SEQPACKET) SCTP socket on 127.0.0.1, sends it one message from a
 * second socket (the association is set up implicitly) and reads it back.
 * Exit 0 and "sctp-check: ok" on success; 1 with the failing step otherwise.
 * Built by make check-sctp on the host, run inside the guest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

static int
fail(const char *what)
{
	fprintf(stderr, "sctp-check: %s: %s\n", what, strerror(errno));
	return 1;
}

int
main(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct pollfd p;
	char buf[64];
	const char msg[] = "sctp-check";
	ssize_t n;
	int srv, cli;

	srv = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (srv < 0)
		return fail("socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP)");
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("bind");
	if (getsockname(srv, (struct sockaddr *)&a, &alen) < 0)
		return fail("getsockname");
	if (listen(srv, 4) < 0)
		return fail("listen");
	cli = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (cli < 0)
		return fail("socket (client)");
	if (sendto(cli, msg, sizeof(msg), 0, (struct sockaddr *)&a,
	        sizeof(a)) != (ssize_t)sizeof(msg))
		return fail("sendto");
	p.fd = srv;
	p.events = POLLIN;
	if (poll(&p, 1, 10000) != 1) {
		errno = errno ? errno : ETIMEDOUT;
		return fail("poll (no message within 10 s)");
	}
	n = recv(srv, buf, sizeof(buf), 0);
	if (n != (ssize_t)sizeof(msg) || memcmp(buf, msg, sizeof(msg)) != 0)
		return fail("recv (wrong or no message)");
	printf("sctp-check: ok (association on 127.0.0.1:%u)\n",
	    ntohs(a.sin_port));
	close(cli);
	close(srv);
	return 0;
}
