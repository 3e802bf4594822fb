/*
 * The rsp library in an application's own poll() loop: start a
 * resolution with rsp_pu_resolve(), then wait on rsp_loop_fd() with
 * rsp_loop_timeout() and call rsp_loop_process() until the callback
 * has run.  Any other fds of the application go into the same poll().
 *
 *	usage: poll POOLHANDLE REGISTRAR[:PORT] [sctp|tcp]
 *
 * Built and run by tests/unit/test_lib_api.c.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "rsp.h"

struct result {
	int done;
	int err;
	uint32_t pe_id;
};

static void
resolved(int err, const struct rsp_pe_info *pes, int npes, void *arg)
{
	struct result *r = arg;

	r->done = 1;
	r->err = err;
	if (err == RSP_OK && npes > 0)
		r->pe_id = pes[0].pe_id;
}

int
main(int argc, char **argv)
{
	struct rsp_pu_config cfg;
	struct result r;
	struct ev_loop *loop;
	struct rsp_pu *pu;
	struct pollfd pfd;
	int err;

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
	memset(&r, 0, sizeof(r));
	if ((loop = rsp_loop_new()) == NULL ||
	    (pu = rsp_pu_new(loop, &cfg, &err)) == NULL) {
		fprintf(stderr, "rsp_pu_new failed\n");
		return 1;
	}
	rsp_pu_resolve(pu, argv[1], resolved, &r);
	while (!r.done) {
		pfd.fd = rsp_loop_fd(loop);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, rsp_loop_timeout(loop)) == -1)
			break;
		rsp_loop_process(loop);
	}
	if (r.err == RSP_OK)
		printf("PE $%08x\n", r.pe_id);
	else
		fprintf(stderr, "%s: %s\n", argv[1], rsp_strerror(r.err));
	rsp_pu_free(pu);
	rsp_loop_free(loop);
	return r.err == RSP_OK ? 0 : 1;
}
