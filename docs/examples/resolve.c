/*
 * Minimal rsp library program: resolve a pool handle with the blocking
 * rsp_pu_resolve_wait() and print the pool elements, the chosen one first.
 *
 *	usage: resolve POOLHANDLE REGISTRAR[:PORT] [sctp|tcp]
 *
 * Built and run by tests/unit/test_lib_api.c.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rsp.h"

static void
print_pe(const struct rsp_pe_info *pe)
{
	char host[64];
	int i;

	printf("PE $%08x, %s port %u:", pe->pe_id,
	    pe->transport == RSP_TRANSPORT_TCP ? "tcp" : "sctp", pe->port);
	for (i = 0; i < pe->naddrs; i++) {
		const struct sockaddr *sa =
		    (const struct sockaddr *)&pe->addrs[i];
		socklen_t len = sa->sa_family == AF_INET
		                    ? sizeof(struct sockaddr_in)
		                    : sizeof(struct sockaddr_in6);

		if (getnameinfo(sa, len, host, sizeof(host), NULL, 0,
		        NI_NUMERICHOST) == 0)
			printf(" %s", host);
	}
	printf(", load %u\n", pe->load);
}

int
main(int argc, char **argv)
{
	struct rsp_pu_config cfg;
	struct rsp_pe_info pes[RSP_RESOLVE_MAX];
	int err, n, i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s POOLHANDLE REGISTRAR [sctp|tcp]\n",
		    argv[0]);
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.registrars[0] = argv[2];
	cfg.nregistrars = 1;
	cfg.transport = argc > 3 && strcmp(argv[3], "tcp") == 0
	                    ? RSP_TRANSPORT_TCP
	                    : RSP_TRANSPORT_SCTP;
	cfg.stale_ms = RSP_STALE_DEFAULT;
	err =
	    rsp_pu_resolve_wait(&cfg, argv[1], pes, RSP_RESOLVE_MAX, &n, 10000);
	if (err != RSP_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], rsp_strerror(err));
		return 1;
	}
	for (i = 0; i < n; i++)
		print_pe(&pes[i]);
	return 0;
}
