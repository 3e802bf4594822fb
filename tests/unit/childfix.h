/*
 * A fixture of the RSPLIB API tests: a child process that serves (a
 * registrar, PEs) while the test is the application.  The child writes
 * "PORT\n" on the pipe once it is ready; fork_child() returns that
 * port (0 if it never came) and the child's PID in *pid.  The child
 * runs until the test kills it.  test_tr(): the transport of the
 * child and the application, TCP mapping unless $RSP_TEST_TRANSPORT
 * is sctp (the SCTP test guest, tests/vm/guest-check-sctp.sh).
 */
#ifndef RSP_TESTS_CHILDFIX_H
#define RSP_TESTS_CHILDFIX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/transport/transport.h"

static inline int
test_tr(void)
{
	const char *t = getenv("RSP_TEST_TRANSPORT");

	return t != NULL && strcmp(t, "sctp") == 0 ? TR_SCTP : TR_TCP;
}

static inline unsigned
fork_child(void (*child)(int fd), pid_t *pid)
{
	unsigned port = 0;
	char buf[64];
	int fds[2];
	ssize_t len;

	*pid = -1; /* also when pipe() fails */
	if (pipe(fds) == -1 || (*pid = fork()) == -1)
		return 0;
	if (*pid == 0) {
		close(fds[0]);
		child(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	len = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	buf[len > 0 ? len : 0] = '\0';
	return sscanf(buf, "%u", &port) == 1 ? port : 0;
}

#endif
