/*
 * systemd's service notification (sd_notify(3), systemd.service(5)
 * Type=notify) without libsystemd: one datagram of "KEY=value" lines
 * to the AF_UNIX socket named by $NOTIFY_SOCKET, a path or, with a
 * leading '@', a name in the abstract namespace.  When the variable is
 * unset (not started by systemd, or not Type=notify) every call does
 * nothing.
 *
 *	sdn_init()                     once, early: reads and unsets the
 *	                               variables (children do not inherit)
 *	sdn_watchdog_start(loop)       per loop: WATCHDOG=1 every
 *	                               $WATCHDOG_USEC / 2, from the loop
 *	sdn_ready() / sdn_status(text) / sdn_stopping()
 */
#ifndef RSP_CORE_SDNOTIFY_H
#define RSP_CORE_SDNOTIFY_H

#include <stdint.h>

struct ev_loop;

/* 1 when $NOTIFY_SOCKET was set (notifications go out), else 0. */
int sdn_init(void);
int sdn_enabled(void);
/* The watchdog interval in ms ($WATCHDOG_USEC / 2), 0 when there is no
 * watchdog or $WATCHDOG_PID names another process. */
int64_t sdn_watchdog_ms(void);
/* A loop timer that sends WATCHDOG=1 at sdn_watchdog_ms(): proof that
 * the event loop turns, not only that the process exists.  0 on
 * success or without a watchdog, -1 when the timer cannot be added. */
int sdn_watchdog_start(struct ev_loop *loop);
void sdn_ready(void);
/* STATUS=text, sent only when it differs from the last one. */
void sdn_status(const char *text);
void sdn_stopping(void);

#endif
