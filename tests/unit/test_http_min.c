/* The minimal HTTP server (core/http_min.c): the request parser on a
 * table of heads, then a real listener on 127.0.0.1 driven by the event
 * loop: answers, limits and the timeout (on a fake clock). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/http_min.h"
#include "testlib.h"

static const struct {
	const char *req;
	int status;
	const char *path;
	int head;
} parse_tab[] = {
    {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, "/metrics", 0},
    {"GET /metrics HTTP/1.0\n\n", 200, "/metrics", 0},
    {"HEAD /status.json?x=1 HTTP/1.1\r\n\r\n", 200, "/status.json", 1},
    {"GET /metrics HTTP/1.1\r\n", 0, NULL, 0}, /* more to come */
    {"GET /met", 0, NULL, 0},
    {"POST /metrics HTTP/1.1\r\n\r\n", 405, NULL, 0},
    {"DELETE / HTTP/1.1\r\n\r\n", 405, NULL, 0},
    {"get /metrics HTTP/1.1\r\n\r\n", 400, NULL, 0},
    {"GET metrics HTTP/1.1\r\n\r\n", 400, NULL, 0},
    {"GET http://x/metrics HTTP/1.1\r\n\r\n", 400, NULL, 0},
    {"GET /metrics\r\n\r\n", 400, NULL, 0},
    {"GET /metrics HTTP/1.1 x\r\n\r\n", 400, NULL, 0},
    {"GET /metrics FTP/1.1\r\n\r\n", 400, NULL, 0},
    {"GET /metrics HTTP/2.0\r\n\r\n", 505, NULL, 0},
    {"\r\n\r\n", 400, NULL, 0},
    {"GET  HTTP/1.1\r\n\r\n", 400, NULL, 0},
};

static void
test_parse(void)
{
	char path[HTTP_PATH_MAX], big[HTTP_REQ_MAX + 10], longpath[600];
	size_t i;
	int head, st;

	test_section("request parser");
	for (i = 0; i < sizeof(parse_tab) / sizeof(parse_tab[0]); i++) {
		head = -1;
		st = http_parse(parse_tab[i].req, strlen(parse_tab[i].req),
		    path, sizeof(path), &head);
		if (!CHECK(st == parse_tab[i].status))
			fprintf(stderr, "  %zu: %d for %s", i, st,
			    parse_tab[i].req);
		if (parse_tab[i].path != NULL)
			CHECK(strcmp(path, parse_tab[i].path) == 0 &&
			      head == parse_tab[i].head);
	}
	memset(big, 'a', sizeof(big));
	CHECK(
	    http_parse(big, HTTP_REQ_MAX - 1, path, sizeof(path), &head) == 0);
	CHECK(http_parse(big, HTTP_REQ_MAX, path, sizeof(path), &head) == 431);
	snprintf(longpath, sizeof(longpath), "GET /%0400d HTTP/1.1\r\n\r\n", 0);
	CHECK(http_parse(longpath, strlen(longpath), path, sizeof(path),
	          &head) == 414);
	CHECK(strcmp(http_reason(404), "Not Found") == 0);
	CHECK(strcmp(http_reason(299), "Error") == 0);
}

/* ---- a live server ---- */

static uint64_t fake_ms;
static int calls;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_ms;
}

static void
handler(void *arg, const char *path, struct http_reply *r)
{
	(void)arg;
	calls++;
	if (strcmp(path, "/metrics") != 0) {
		r->status = 404;
		return;
	}
	r->body = strdup("x_total 1\n");
	r->len = strlen(r->body);
	r->ctype = "text/plain; version=0.0.4";
}

static int
client(const struct sockaddr *to)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, to, sizeof(struct sockaddr_in)) == -1) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Run the loop until fd has its whole answer (the server closed), at
 * most 200 rounds; the answer in buf. */
static size_t
answer(struct ev_loop *loop, int fd, char *buf, size_t max)
{
	size_t len = 0;
	ssize_t n;
	int i;

	for (i = 0; i < 200; i++) {
		ev_run_once(loop, 10);
		n = read(fd, buf + len, max - 1 - len);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* One request on a connection of its own; the answer.  The server
 * closes its side once the client has: the loop runs until then. */
static char *
ask(struct ev_loop *loop, struct http_srv *s, const char *req)
{
	static char buf[8192];
	int fd = client(http_srv_addr(s)), i;

	if (fd == -1)
		return strcpy(buf, "(connect failed)");
	if (write(fd, req, strlen(req)) < 0)
		buf[0] = '\0';
	answer(loop, fd, buf, sizeof(buf));
	close(fd);
	for (i = 0; i < 50 && http_srv_conns(s) > 0; i++)
		ev_run_once(loop, 10);
	return buf;
}

static void
test_answers(struct ev_loop *loop, struct http_srv *s)
{
	char *a;

	test_section("answers");
	a = ask(loop, s, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK(strcmp(a, "HTTP/1.0 200 OK\r\nContent-Type: text/plain; "
	                "version=0.0.4\r\nContent-Length: 10\r\nConnection: "
	                "close\r\n\r\nx_total 1\n") == 0);
	a = ask(loop, s, "HEAD /metrics HTTP/1.0\r\n\r\n");
	CHECK(strstr(a, "Content-Length: 10\r\n") != NULL);
	CHECK(strstr(a, "\r\n\r\n")[4] == '\0'); /* no body */
	a = ask(loop, s, "GET /nothing HTTP/1.1\r\n\r\n");
	CHECK(strncmp(a, "HTTP/1.0 404 Not Found\r\n", 24) == 0);
	CHECK(strstr(a, "\r\n\r\nNot Found\n") != NULL);
	a = ask(loop, s, "PUT /metrics HTTP/1.1\r\n\r\n");
	CHECK(strncmp(a, "HTTP/1.0 405 Method Not Allowed\r\n", 33) == 0);
	CHECK(strstr(a, "Allow: GET, HEAD\r\n") != NULL);
	a = ask(loop, s, "GARBAGE\r\n\r\n");
	CHECK(strncmp(a, "HTTP/1.0 400 Bad Request\r\n", 26) == 0);
	CHECK(http_srv_conns(s) == 0);
}

static void
test_oversize(struct ev_loop *loop, struct http_srv *s)
{
	char big[HTTP_REQ_MAX + 100];
	char *a;

	test_section("a head too long");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "GET /", 5);
	a = ask(loop, s, big);
	CHECK(strncmp(a, "HTTP/1.0 431 ", 13) == 0);
}

static void
test_limits(struct ev_loop *loop, struct http_srv *s)
{
	int fd[HTTP_CONN_MAX + 2], i, before = calls;
	char buf[4096];

	test_section("connection limit and timeout");
	for (i = 0; i < HTTP_CONN_MAX + 2; i++)
		fd[i] = client(http_srv_addr(s));
	for (i = 0; i < 20; i++)
		ev_run_once(loop, 10);
	CHECK(http_srv_conns(s) == HTTP_CONN_MAX); /* the rest wait */
	/* silent clients: nothing answered, the loop goes on */
	fake_ms += HTTP_TIMEOUT_MS - 1;
	ev_run_once(loop, 0);
	CHECK(http_srv_conns(s) == HTTP_CONN_MAX);
	fake_ms += 2;
	for (i = 0; i < 20; i++)
		ev_run_once(loop, 10);
	/* the first ones timed out; the two waiting ones are in now */
	CHECK(http_srv_conns(s) == 2);
	CHECK(calls == before);
	/* a waiting one asks and is answered */
	if (write(fd[HTTP_CONN_MAX], "GET /metrics HTTP/1.0\r\n\r\n", 25) < 0)
		CHECK(0);
	answer(loop, fd[HTTP_CONN_MAX], buf, sizeof(buf));
	CHECK(strncmp(buf, "HTTP/1.0 200 OK\r\n", 17) == 0);
	fake_ms += HTTP_TIMEOUT_MS + 1;
	for (i = 0; i < 5; i++)
		ev_run_once(loop, 10);
	CHECK(http_srv_conns(s) == 0);
	for (i = 0; i < HTTP_CONN_MAX + 2; i++)
		close(fd[i]);
}

/* Out of descriptors: the listener pauses for HTTP_PAUSE_MS instead of
 * waking the loop again and again, then takes the connection. */
static void
test_emfile(struct ev_loop *loop, struct http_srv *s)
{
	struct rlimit old, low;
	int fd, i, spins = 0, held[64], nheld = 0;

	test_section("out of descriptors");
	fd = client(http_srv_addr(s));
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = 64;
	setrlimit(RLIMIT_NOFILE, &low);
	/* fill the table, so that accept4() fails with EMFILE */
	while (nheld < 64 && (held[nheld] = dup(0)) != -1)
		nheld++;
	for (i = 0; i < 10; i++)
		spins += ev_run_once(loop, 10);
	CHECK(http_srv_conns(s) == 0);
	CHECK(spins <= 1); /* one failed accept, then quiet */
	while (nheld > 0)
		close(held[--nheld]);
	setrlimit(RLIMIT_NOFILE, &old);
	fake_ms += HTTP_PAUSE_MS;
	for (i = 0; i < 10 && http_srv_conns(s) == 0; i++)
		ev_run_once(loop, 10);
	CHECK(http_srv_conns(s) == 1);
	close(fd);
	fake_ms += HTTP_TIMEOUT_MS + 1;
	ev_run_once(loop, 10);
	CHECK(http_srv_conns(s) == 0);
}

static void
test_live(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct sockaddr_in sin;
	struct http_srv *s;
	char err[256];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ev_set_clock(loop, fake_clock, NULL);
	s = http_srv_new(
	    loop, (struct sockaddr *)&sin, handler, NULL, err, sizeof(err));
	if (!CHECK(s != NULL))
		return;
	test_answers(loop, s);
	test_oversize(loop, s);
	test_limits(loop, s);
	test_emfile(loop, s);
	http_srv_free(s);
	/* a port in use: an error naming the address */
	s = http_srv_new(
	    loop, (struct sockaddr *)&sin, handler, NULL, err, sizeof(err));
	if (s != NULL) {
		sin.sin_port =
		    ((const struct sockaddr_in *)http_srv_addr(s))->sin_port;
		CHECK(http_srv_new(loop, (struct sockaddr *)&sin, handler, NULL,
		          err, sizeof(err)) == NULL);
		CHECK(strstr(err, "127.0.0.1:") != NULL &&
		      strstr(err, "in use") != NULL);
		http_srv_free(s);
	}
	ev_loop_free(loop);
}

int
main(void)
{
	test_parse();
	test_live();
	return test_done();
}
