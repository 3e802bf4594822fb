/*
 * Fuzz target for the metrics endpoint's request parser
 * (core/http_min.c http_parse): any bytes give "read more", a GET or
 * HEAD of an origin-form path that fits, or an error status the server
 * knows; and the answer for a prefix is "read more" until the head is
 * complete, as the server reads it (any split of the bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_min.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
known(int st)
{
	return st == 0 || st == 200 || st == 400 || st == 405 || st == 414 ||
	       st == 431 || st == 505;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char path[HTTP_PATH_MAX];
	size_t n = size > HTTP_REQ_MAX ? HTTP_REQ_MAX : size, cut;
	int head = 0, st, st2;

	st = http_parse(buf, n, path, sizeof(path), &head);
	if (!known(st))
		abort();
	if (st == 200 && (path[0] != '/' || strlen(path) >= sizeof(path) ||
	                     strchr(path, '?') != NULL))
		abort();
	/* the server parses what it has after each read: a shorter
	 * prefix must not answer differently from "read more" unless the
	 * head was already complete there */
	cut = n / 2;
	st2 = http_parse(buf, cut, path, sizeof(path), &head);
	if (!known(st2) || (st == 0 && st2 != 0))
		abort();
	return 0;
}
