/*
 * The public API as an application sees it: the example programs of
 * docs/library.md (docs/examples/resolve.c and poll.c, compiled in here with their main
 * renamed) and the blocking rsp_pu_resolve_wait(), against a registrar and
 * a pool element running in a child process (over the TCP mapping on
 * 127.0.0.1), plus a registrar that never answers.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/registrar/registrar.h"
#include "core/registrar/internal.h"
#include "core/transport/transport.h"
#include "include/rsp.h"
#include "regfix.h"
#include "testlib.h"

int resolve_main(int argc, char **argv);
int poll_main(int argc, char **argv);

#define main resolve_main
#include "docs/examples/resolve.c"
#undef main
#define main poll_main
#include "docs/examples/poll.c"
#undef main

static void
quiet_sink(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

static void
child_pe_cb(const struct rsp_event *ev, void *arg)
{
	int *registered = arg;

	if (ev->type == RSP_EV_REGISTERED)
		*registered = 1;
}

static void
silent_cb(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	(void)ep, (void)ev, (void)arg;
}

/* The child: a registrar, PE $abc00001 in EchoPool with load 0.25 and a
 * listener that never answers; "PORT SILENTPORT\n" on fd once ready. */
static void
child(int fd)
{
	struct reg_config c = regfix_config("0x4444");
	struct ev_loop *loop = ev_loop_new();
	struct registrar *reg;
	struct rsp_element_config ec;
	struct rsp_element *e;
	struct addr_list al;
	struct tr_ep *silent;
	char addr[64], line[64];
	int err, registered = 0;

	if (reg_config_check(&c, line, sizeof(line)) == -1 ||
	    (reg = reg_new(loop, &c)) == NULL || reg_listen(reg, TR_TCP) == -1)
		_exit(1);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", reg->asap.port);
	memset(&ec, 0, sizeof(ec));
	ec.pool_handle = "EchoPool";
	ec.policy = "LeastUsed";
	ec.registrars[0] = addr;
	ec.nregistrars = 1;
	ec.identifier = 0xabc00001;
	ec.transport = TR_TCP;
	if ((e = rsp_element_new(loop, &ec, child_pe_cb, &registered, &err)) ==
	    NULL)
		_exit(1);
	rsp_element_set_load(e, 0x40000000u);
	addr_list_parse(&al, "127.0.0.1:0", 0, ADDR_PORT_ZERO_OK, NULL, 0);
	if ((silent = tr_ep_new(
	         loop, TR_TCP, &al, TR_LISTEN, silent_cb, NULL)) == NULL ||
	    tr_local_addrs(silent, 0, &al) == -1)
		_exit(1);
	while (!registered)
		ev_run_once(loop, 100);
	ev_run_once(loop, 200); /* the re-registration with the load */
	snprintf(line, sizeof(line), "%u %u\n", reg->asap.port, al.port);
	if (write(fd, line, strlen(line)) < 0)
		_exit(1);
	for (;;)
		ev_run_once(loop, 1000);
}

int
main(void)
{
	struct rsp_pu_config pc;
	struct rsp_pe_info pes[4];
	char buf[64], addr[64], quiet[64];
	unsigned port = 0, qport = 0;
	int fds[2], n, rc;
	ssize_t len;
	pid_t pid;

	log_register(quiet_sink, NULL);
	if (pipe(fds) == -1 || (pid = fork()) == -1)
		return 1;
	if (pid == 0) {
		close(fds[0]);
		child(fds[1]);
	}
	close(fds[1]);
	len = read(fds[0], buf, sizeof(buf) - 1);
	buf[len > 0 ? len : 0] = '\0';
	CHECK(sscanf(buf, "%u %u", &port, &qport) == 2);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	snprintf(quiet, sizeof(quiet), "127.0.0.1:%u", qport);

	test_section("rsp_pu_resolve_wait (blocking)");
	memset(&pc, 0, sizeof(pc));
	pc.registrars[0] = addr;
	pc.nregistrars = 1;
	pc.transport = RSP_TRANSPORT_TCP;
	rc = rsp_pu_resolve_wait(&pc, "EchoPool", pes, 4, &n, 10000);
	CHECK(rc == RSP_OK && n == 1 && pes[0].pe_id == 0xabc00001 &&
	      pes[0].transport == RSP_TRANSPORT_TCP && pes[0].naddrs >= 1 &&
	      pes[0].load == 0x40000000u && pes[0].use == 1);
	pc.stale_ms = RSP_STALE_DEFAULT;
	rc = rsp_pu_resolve_wait(&pc, "EchoPool", pes, 4, &n, 10000);
	CHECK(rc == RSP_OK && n == 1 && pes[0].pe_id == 0xabc00001);
	CHECK(rsp_pu_resolve_wait(&pc, "NoPool", pes, 4, &n, 10000) ==
	          RSP_ENOPOOL &&
	      n == 0);
	CHECK(rsp_pu_resolve_wait(&pc, "EchoPool", pes, 0, &n, 10000) ==
	      RSP_ECONFIG);
	pc.registrars[0] = "127.0.0.1:1";
	CHECK(rsp_pu_resolve_wait(&pc, "EchoPool", pes, 4, &n, 10000) ==
	      RSP_ENOREG);
	pc.registrars[0] = quiet; /* never answers */
	CHECK(rsp_pu_resolve_wait(&pc, "EchoPool", pes, 4, &n, 500) ==
	      RSP_ETIMEDOUT);
	pc.nregistrars = 0;
	CHECK(rsp_pu_resolve_wait(&pc, "EchoPool", pes, 4, &n, 500) ==
	      RSP_ECONFIG);

	test_section("the example programs of docs/library.md");
	{
		char *av[] = {"resolve", "EchoPool", addr, "tcp", NULL};
		char *bad[] = {"resolve", "NoPool", addr, "tcp", NULL};

		fflush(stdout);
		CHECK(resolve_main(4, av) == 0);
		CHECK(resolve_main(4, bad) == 1);
		CHECK(resolve_main(1, av) == 2);
		av[0] = "poll";
		CHECK(poll_main(4, av) == 0);
		fflush(stdout);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return test_done();
}
