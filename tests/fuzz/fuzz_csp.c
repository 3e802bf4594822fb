/*
 * Fuzz target for the Component Status Protocol report codec
 * (proto/csp.c): every report that decodes must re-encode to exactly
 * the input bytes (legacy Length 0 included).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/csp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[65536];
	struct csp_report r;
	struct wbuf w;

	if (csp_decode(data, size, &r) != APP_OK)
		return 0;
	wbuf_init(&w, mem, sizeof(mem));
	if (csp_encode(&r, &w) == -1 || w.len != size ||
	    memcmp(w.data, data, size) != 0)
		abort();
	csp_report_free(&r);
	return 0;
}
