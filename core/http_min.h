/*
 * A minimal HTTP/1.x server inside the event loop, for GET /metrics
 * (core/metrics_export.c): GET and HEAD only, one request per
 * connection (answered with "Connection: close"), and bounded in every
 * way a client could stretch it: request head size (HTTP_REQ_MAX),
 * connections at once (HTTP_CONN_MAX: beyond that the listening socket
 * waits), time per connection (HTTP_TIMEOUT_MS, from accept to the
 * last byte written).  Non-blocking throughout: it never holds up the
 * loop; out of descriptors it stops accepting for HTTP_PAUSE_MS instead
 * of spinning on the readable socket.  Statuses per RFC 9110 section 15: 200, 400 (malformed
 * request), 404 (unknown path), 405 (another method, with Allow), 414
 * (path too long), 431 (request head too long), 505 (not HTTP/1.x).
 */
#ifndef RSP_CORE_HTTP_MIN_H
#define RSP_CORE_HTTP_MIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ev_loop;
struct http_srv;

#define HTTP_REQ_MAX    2048 /* request line and headers */
#define HTTP_PATH_MAX   256
#define HTTP_CONN_MAX   8
#define HTTP_TIMEOUT_MS 5000
#define HTTP_PAUSE_MS   1000 /* accept out of descriptors: wait */

/* The answer to a GET or HEAD of path: status (200, or 404 for a path
 * the handler does not serve), content type, and a malloc'd body that
 * the server frees (NULL: none). */
struct http_reply {
	int status;
	const char *ctype;
	char *body;
	size_t len;
};

typedef void http_handler(void *arg, const char *path, struct http_reply *r);

/*
 * Parse a request head in buf[0..len) (no NUL needed).  0: incomplete,
 * read more; 200: a GET or HEAD of *path (the query string cut off;
 * *head set for HEAD); else the error status to answer.
 */
int http_parse(
    const char *buf, size_t len, char *path, size_t pathlen, int *head);

/* "OK", "Not Found", ...; "Error" for a status it does not know. */
const char *http_reason(int status);

/*
 * Listen on addr (port 0: any) and serve.  NULL with a message in err
 * (the address, and why) on failure.
 */
struct http_srv *http_srv_new(struct ev_loop *loop, const struct sockaddr *addr,
    http_handler *h, void *arg, char *err, size_t errlen);
/* Close the listener and every connection. */
void http_srv_free(struct http_srv *s);
/* The bound address (with the port chosen for port 0). */
const struct sockaddr *http_srv_addr(const struct http_srv *s);
/* Connections open now. */
int http_srv_conns(const struct http_srv *s);

#endif
