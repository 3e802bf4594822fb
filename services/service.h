/*
 * The example services of rsp server (PROTOCOLS.md 9.2, 9.3): each
 * reacts to the pool element's session events.  They run in the
 * element's event loop, never block and never print.
 */
#ifndef RSP_SERVICE_H
#define RSP_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "include/rsp.h"

struct ev_loop;

struct svc_ctx {
	struct ev_loop *loop;
	struct rsp_element *e;
	void *priv; /* the service's own state */
};

struct svc {
	const char *name;                /* "echo" */
	const char *pool_handle;         /* "EchoPool" */
	int (*init)(struct svc_ctx *c);  /* may be NULL */
	void (*fini)(struct svc_ctx *c); /* may be NULL */
	void (*up)(struct svc_ctx *c, uint32_t session);
	void (*msg)(struct svc_ctx *c, const struct rsp_event *ev);
	void (*down)(struct svc_ctx *c, uint32_t session);
};

extern const struct svc svc_echo, svc_discard, svc_daytime, svc_chargen;

#define CHARGEN_MSG_LEN 1024
/* Fill buf with CharGen's pattern: byte i is 30 + (i mod 98). */
void chargen_fill(uint8_t *buf, size_t len);
/* Daytime's text, "Monday, 24-November-2025 10:59:00.123456\n", of the
 * time given (seconds, microseconds, local time); length or -1. */
int daytime_format(char *buf, size_t len, long long sec, long usec);

#endif
