/*
 * The minimal HTTP server of core/http_min.h: a request parser that is
 * a pure function (unit-tested on its own), and the connections in the
 * event loop.  Each connection reads its head into a fixed buffer,
 * gets its whole answer at once from the handler, writes it as the
 * socket takes it, and closes once the client has; one timer bounds its
 * life.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/ev.h"
#include "core/http_min.h"

/* ---- parsing (RFC 9112 section 3) ---- */

/* The end of the head: an empty line (CRLF CRLF, or bare LF LF, which
 * RFC 9112 section 2.2 lets a server accept). */
static const char *
head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' &&
		    (buf[i + 1] == '\n' || (buf[i + 1] == '\r' && i + 2 < len &&
		                               buf[i + 2] == '\n')))
			return buf + i;
	return NULL;
}

/* A method token: upper-case letters (every registered method is). */
static int
method_len(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && *p >= 'A' && *p <= 'Z' && p - s < 16)
		p++;
	return p < end && *p == ' ' && p > s ? (int)(p - s) : -1;
}

static int
parse_target(const char *p, const char *sp, char *path, size_t pathlen)
{
	const char *q = memchr(p, '?', (size_t)(sp - p));
	size_t n = (size_t)((q != NULL ? q : sp) - p);

	if (n == 0 || *p != '/')
		return 400; /* origin form only (RFC 9112 3.2.1) */
	if (n >= pathlen)
		return 414;
	memcpy(path, p, n);
	path[n] = '\0';
	return 200;
}

static int
parse_version(const char *v, const char *eol)
{
	size_t n = (size_t)(eol - v);

	if (n > 0 && v[n - 1] == '\r')
		n--;
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' ||
	    v[5] > '9' || v[7] < '0' || v[7] > '9')
		return 400;
	return v[5] == '1' ? 200 : 505;
}

int
http_parse(const char *buf, size_t len, char *path, size_t pathlen, int *head)
{
	const char *end = head_end(buf, len), *eol, *sp;
	int m, rc;

	if (end == NULL)
		return len >= HTTP_REQ_MAX ? 431 : 0;
	eol = memchr(buf, '\n', (size_t)(end - buf) + 1);
	if ((m = method_len(buf, eol)) == -1)
		return 400;
	sp = memchr(buf + m + 1, ' ', (size_t)(eol - (buf + m + 1)));
	if (sp == NULL)
		return 400;
	if ((rc = parse_version(sp + 1, eol)) != 200 ||
	    (rc = parse_target(buf + m + 1, sp, path, pathlen)) != 200)
		return rc;
	*head = m == 4 && memcmp(buf, "HEAD", 4) == 0;
	if (!*head && !(m == 3 && memcmp(buf, "GET", 3) == 0))
		return 405;
	return 200;
}

const char *
http_reason(int status)
{
	static const struct {
		int status;
		const char *reason;
	} tab[] = {{200, "OK"}, {400, "Bad Request"}, {404, "Not Found"},
	    {405, "Method Not Allowed"}, {414, "URI Too Long"},
	    {431, "Request Header Fields Too Large"},
	    {500, "Internal Server Error"},
	    {505, "HTTP Version Not Supported"}};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].status == status)
			return tab[i].reason;
	return "Error";
}

/* ---- connections ---- */

struct http_conn {
	struct http_srv *srv;
	int fd;
	uint64_t timer;
	size_t rlen;
	char req[HTTP_REQ_MAX];
	char *out; /* the whole answer, once known */
	size_t outlen, outoff;
	int draining; /* answered: reading until the client closes */
};

struct http_srv {
	struct ev_loop *loop;
	int fd;
	uint64_t pause; /* accept failed for want of resources */
	struct sockaddr_storage addr;
	http_handler *handler;
	void *arg;
	struct http_conn *conn[HTTP_CONN_MAX];
	int nconn;
};

static void conn_close(struct http_conn *c);

/* Status line, headers and body in one buffer (r's body is freed). */
static void
conn_answer(struct http_conn *c, struct http_reply *r, int head)
{
	const char *reason = http_reason(r->status);
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	if (r->status >= 400) { /* an error's body is its reason */
		free(r->body);
		r->body = NULL;
		r->len = strlen(reason) + 1;
		r->ctype = "text/plain; charset=utf-8";
	}
	if ((f = open_memstream(&out, &outlen)) != NULL) {
		fprintf(f,
		    "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
		    r->status, reason, r->ctype, r->len,
		    r->status == 405 ? "Allow: GET, HEAD\r\n" : "");
		if (!head && r->body != NULL)
			fwrite(r->body, 1, r->len, f);
		else if (!head && r->status >= 400)
			fprintf(f, "%s\n", reason);
		if (fclose(f) != 0) {
			free(out);
			out = NULL;
		}
	}
	free(r->body);
	if (out == NULL) {
		conn_close(c);
		return;
	}
	c->out = out;
	c->outlen = outlen;
	c->outoff = 0;
	ev_mod_fd(c->srv->loop, c->fd, EV_WRITE);
}

static void
conn_request(struct http_conn *c, int status, const char *path, int head)
{
	struct http_reply r = {status, "text/plain; charset=utf-8", NULL, 0};

	if (status == 200)
		c->srv->handler(c->srv->arg, path, &r);
	conn_answer(c, &r, head);
}

static void
conn_read(struct http_conn *c)
{
	char path[HTTP_PATH_MAX];
	int head = 0, status;
	ssize_t n = read(c->fd, c->req + c->rlen, sizeof(c->req) - c->rlen);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* gone before it asked */
		conn_close(c);
		return;
	}
	c->rlen += (size_t)n;
	status = http_parse(c->req, c->rlen, path, sizeof(path), &head);
	if (status != 0)
		conn_request(c, status, path, head);
}

static void
conn_write(struct http_conn *c)
{
	ssize_t n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen) {
		/* A close with unread input (a head over HTTP_REQ_MAX, a
		 * body) resets the connection, and the client may lose the
		 * answer with it: end our side, read until the client
		 * closes (or the connection's time is up), then close. */
		shutdown(c->fd, SHUT_WR);
		c->draining = 1;
		ev_mod_fd(c->srv->loop, c->fd, EV_READ);
	}
}

static void
conn_drain(struct http_conn *c)
{
	ssize_t n = read(c->fd, c->req, sizeof(c->req));

	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

static void
conn_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct http_conn *c = arg;

	(void)loop, (void)fd;
	if (c->draining)
		conn_drain(c);
	else if (c->out != NULL && (events & EV_WRITE))
		conn_write(c);
	else if (c->out == NULL && (events & EV_READ))
		conn_read(c);
}

static int64_t
conn_timeout_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct http_conn *c = arg;

	(void)loop, (void)id;
	c->timer = EV_TIMER_NONE; /* fired: nothing to cancel */
	conn_close(c);
	return EV_NOMORE;
}

static void
conn_close(struct http_conn *c)
{
	struct http_srv *s = c->srv;
	int i;

	ev_del_fd(s->loop, c->fd);
	close(c->fd);
	if (c->timer != EV_TIMER_NONE)
		ev_timer_cancel(s->loop, c->timer);
	free(c->out);
	for (i = 0; i < s->nconn; i++)
		if (s->conn[i] == c) {
			s->conn[i] = s->conn[--s->nconn];
			break;
		}
	free(c);
	/* below the limit again: take the next waiting connection */
	if (s->pause == EV_TIMER_NONE)
		ev_mod_fd(s->loop, s->fd, EV_READ);
}

static void
conn_new(struct http_srv *s, int fd)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	if (c == NULL || ev_add_fd(s->loop, fd, EV_READ, conn_cb, c) == -1) {
		free(c);
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	c->timer = ev_timer_add(s->loop, HTTP_TIMEOUT_MS, conn_timeout_cb, c);
	s->conn[s->nconn++] = c;
}

static int64_t
accept_resume_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct http_srv *s = arg;

	(void)id;
	s->pause = EV_TIMER_NONE;
	if (s->nconn < HTTP_CONN_MAX)
		ev_mod_fd(loop, s->fd, EV_READ);
	return EV_NOMORE;
}

static void
accept_cb(struct ev_loop *loop, int lfd, int events, void *arg)
{
	struct http_srv *s = arg;
	int fd;

	(void)events;
	while (s->nconn < HTTP_CONN_MAX) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			conn_new(s, fd);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return;
		/* out of descriptors or memory: the waiting connection keeps
		 * the socket readable, so pause instead of spinning */
		ev_mod_fd(loop, lfd, EV_NONE);
		if (s->pause == EV_TIMER_NONE)
			s->pause = ev_timer_add(
			    loop, HTTP_PAUSE_MS, accept_resume_cb, s);
		return;
	}
	/* full: the kernel's backlog holds the rest until one closes */
	ev_mod_fd(loop, lfd, EV_NONE);
}

/* ---- the listener ---- */

static int
listen_on(
    struct http_srv *s, const struct sockaddr *addr, char *err, size_t errlen)
{
	char a[ADDR_FMT_LEN];
	socklen_t sl = sizeof(s->addr);
	int one = 1;

	s->fd = socket(
	    addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	        -1 ||
	    bind(s->fd, addr, addr_len(addr)) == -1 ||
	    listen(s->fd, 16) == -1 ||
	    getsockname(s->fd, (struct sockaddr *)&s->addr, &sl) == -1 ||
	    ev_add_fd(s->loop, s->fd, EV_READ, accept_cb, s) == -1) {
		snprintf(err, errlen, "%s: %s", addr_fmt(addr, a, sizeof(a)),
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct http_srv *
http_srv_new(struct ev_loop *loop, const struct sockaddr *addr, http_handler *h,
    void *arg, char *err, size_t errlen)
{
	struct http_srv *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	s->loop = loop;
	s->handler = h;
	s->arg = arg;
	if (listen_on(s, addr, err, errlen) == -1) {
		if (s->fd != -1)
			close(s->fd);
		free(s);
		return NULL;
	}
	return s;
}

void
http_srv_free(struct http_srv *s)
{
	if (s == NULL)
		return;
	if (s->pause != EV_TIMER_NONE)
		ev_timer_cancel(s->loop, s->pause);
	s->pause = EV_TIMER_NONE;
	while (s->nconn > 0)
		conn_close(s->conn[0]);
	ev_del_fd(s->loop, s->fd);
	close(s->fd);
	free(s);
}

const struct sockaddr *
http_srv_addr(const struct http_srv *s)
{
	return (const struct sockaddr *)&s->addr;
}

int
http_srv_conns(const struct http_srv *s)
{
	return s->nconn;
}
