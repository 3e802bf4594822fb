/*
 * core/sdnotify.c against a datagram socket of our own: the path and
 * abstract ('@') forms of $NOTIFY_SOCKET, what a bad value does, the
 * variables unset after sdn_init() (children do not inherit them),
 * WATCHDOG_USEC / 2 and WATCHDOG_PID, STATUS= sent only on change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sdnotify.h"
#include "testlib.h"

/* A bound datagram socket: a path, or with abstract set, "\0name". */
static int
listener(const char *name, int abstract)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd == -1)
		return -1;
	memcpy(sun.sun_path + abstract, name, n);
	if (bind(fd, (struct sockaddr *)&sun,
	        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + abstract +
	                    n)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next message, or "" when none is waiting. */
static const char *
next_msg(int fd)
{
	static char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
quiet(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

static void
test_path(void)
{
	char path[64];
	int fd;

	test_section("path socket");
	snprintf(path, sizeof(path), "/tmp/rsp-sdn-%d.sock", (int)getpid());
	unlink(path);
	CHECK((fd = listener(path, 0)) != -1);
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "3000000", 1);
	unsetenv("WATCHDOG_PID");
	CHECK(sdn_init() == 1 && sdn_enabled());
	CHECK(getenv("NOTIFY_SOCKET") == NULL);
	CHECK(getenv("WATCHDOG_USEC") == NULL);
	CHECK(sdn_watchdog_ms() == 1500);
	sdn_ready();
	CHECK(strcmp(next_msg(fd), "READY=1") == 0);
	sdn_status("1[1] PEs in 1 Pool, 0 Peers");
	sdn_status("1[1] PEs in 1 Pool, 0 Peers"); /* unchanged: not sent */
	sdn_status("2[2] PEs in 1 Pool, 0 Peers");
	CHECK(strcmp(next_msg(fd), "STATUS=1[1] PEs in 1 Pool, 0 Peers") == 0);
	CHECK(strcmp(next_msg(fd), "STATUS=2[2] PEs in 1 Pool, 0 Peers") == 0);
	CHECK(strcmp(next_msg(fd), "") == 0);
	sdn_stopping();
	CHECK(strcmp(next_msg(fd), "STOPPING=1") == 0);
	close(fd);
	unlink(path);
}

static void
test_abstract_and_watchdog_pid(void)
{
	char name[64], sock[72], pid[16];
	int fd;

	test_section("abstract socket, WATCHDOG_PID");
	snprintf(name, sizeof(name), "rsp-sdn-%d", (int)getpid());
	CHECK((fd = listener(name, 1)) != -1);
	snprintf(sock, sizeof(sock), "@%s", name);
	setenv("NOTIFY_SOCKET", sock, 1);
	setenv("WATCHDOG_USEC", "1000", 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	CHECK(sdn_init() == 1);
	CHECK(sdn_watchdog_ms() == 1); /* 0.5 ms: at least 1 */
	CHECK(getenv("WATCHDOG_PID") == NULL);
	sdn_ready();
	CHECK(strcmp(next_msg(fd), "READY=1") == 0);
	/* another process's watchdog: none for us */
	setenv("NOTIFY_SOCKET", "@x", 1);
	setenv("WATCHDOG_USEC", "1000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	CHECK(sdn_init() == 1 && sdn_watchdog_ms() == 0);
	close(fd);
}

static void
test_off_and_bad(void)
{
	test_section("unset and bad values");
	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "1000000", 1);
	CHECK(sdn_init() == 0 && !sdn_enabled() && sdn_watchdog_ms() == 0);
	CHECK(sdn_watchdog_start(NULL) == 0); /* no loop needed */
	sdn_ready();                          /* nothing, no crash */
	setenv("NOTIFY_SOCKET", "relative", 1);
	CHECK(sdn_init() == 0);
	setenv("NOTIFY_SOCKET", "@", 1);
	CHECK(sdn_init() == 0);
	setenv("NOTIFY_SOCKET", "/tmp/rsp-sdn-none.sock", 1);
	setenv("WATCHDOG_USEC", "x", 1);
	CHECK(sdn_init() == 1 && sdn_watchdog_ms() == 0);
	sdn_ready(); /* nobody listening: a warning, no crash */
}

int
main(void)
{
	log_register(quiet, NULL);
	test_path();
	test_abstract_and_watchdog_pid();
	test_off_and_bad();
	return test_done();
}
