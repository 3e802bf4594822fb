/*
 * sd_notify without libsystemd (core/sdnotify.h): the protocol is one
 * SOCK_DGRAM datagram per message (sd_notify(3), "NOTIFY_SOCKET").
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sdnotify.h"

static struct {
	struct sockaddr_un sun;
	socklen_t len; /* 0: not notifying */
	int64_t watchdog_ms;
	char status[256];
} sdn;

/* The address of $NOTIFY_SOCKET: a path, or '@' for the abstract
 * namespace, whose name is the bytes after a leading NUL and exactly
 * as long as the address length says (no trailing NULs). */
static int
sdn_address(const char *path)
{
	size_t n = strlen(path);

	if ((path[0] != '/' && path[0] != '@') || n < 2 ||
	    n >= sizeof(sdn.sun.sun_path)) {
		log_warning("systemd: NOTIFY_SOCKET=%s ignored: expected an "
		            "absolute path or @name shorter than %zu bytes",
		    path, sizeof(sdn.sun.sun_path));
		return -1;
	}
	memset(&sdn.sun, 0, sizeof(sdn.sun));
	sdn.sun.sun_family = AF_UNIX;
	memcpy(sdn.sun.sun_path, path, n);
	if (path[0] == '@')
		sdn.sun.sun_path[0] = '\0';
	sdn.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

/* $WATCHDOG_USEC / 2 in ms, when $WATCHDOG_PID is unset or ours
 * (sd_watchdog_enabled(3)). */
static int64_t
sdn_watchdog_from_env(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	long long u, p;

	if (usec == NULL || opt_parse_ll(usec, &u) == -1 || u <= 0)
		return 0;
	if (pid != NULL && (opt_parse_ll(pid, &p) == -1 || p != getpid()))
		return 0;
	return u / 2000 > 0 ? u / 2000 : 1;
}

int
sdn_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");

	sdn.len = 0;
	sdn.watchdog_ms = 0;
	sdn.status[0] = '\0';
	if (path != NULL && *path != '\0' && sdn_address(path) == 0)
		sdn.watchdog_ms = sdn_watchdog_from_env();
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (sdn.len != 0)
		log_info("systemd: notifying, watchdog %lld ms",
		    (long long)sdn.watchdog_ms);
	return sdn.len != 0;
}

int
sdn_enabled(void)
{
	return sdn.len != 0;
}

int64_t
sdn_watchdog_ms(void)
{
	return sdn.len != 0 ? sdn.watchdog_ms : 0;
}

static void
sdn_send(const char *msg)
{
	int fd;

	if (sdn.len == 0)
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	                    (const struct sockaddr *)&sdn.sun, sdn.len) == -1)
		log_warning_limited(
		    "systemd: notify '%s': %s", msg, strerror(errno));
	if (fd != -1)
		close(fd);
}

static int64_t
sdn_watchdog_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop, (void)id, (void)arg;
	sdn_send("WATCHDOG=1");
	return sdn.watchdog_ms;
}

int
sdn_watchdog_start(struct ev_loop *loop)
{
	if (sdn_watchdog_ms() == 0)
		return 0;
	return ev_timer_add(loop, sdn.watchdog_ms, sdn_watchdog_cb, NULL) ==
	               EV_TIMER_NONE
	           ? -1
	           : 0;
}

void
sdn_ready(void)
{
	sdn_send("READY=1");
}

void
sdn_status(const char *text)
{
	char msg[sizeof(sdn.status) + 8];

	if (sdn.len == 0 || strcmp(text, sdn.status) == 0)
		return;
	snprintf(sdn.status, sizeof(sdn.status), "%s", text);
	snprintf(msg, sizeof(msg), "STATUS=%s", sdn.status);
	sdn_send(msg);
}

void
sdn_stopping(void)
{
	sdn_send("STOPPING=1");
}
