/*
 * Fuzz target for the application protocol codecs (proto/fgp.c,
 * pingpong.c, calcapp.c, ssp.c) and their ASAP cookies: the input is fed
 * to every decoder; whatever decodes must re-encode to exactly the
 * input bytes, and byte strings handed out must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/calcapp.h"
#include "proto/fgp.h"
#include "proto/pingpong.h"
#include "proto/ssp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t mem[70000];

static void
same(struct wbuf *w, int rc, const uint8_t *data, size_t size)
{
	if (rc == -1 || w->len != size || memcmp(w->data, data, size) != 0)
		abort();
}

static void
inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	if (n == 0)
		return;
	if (p < data || n > size || p > data + (size - n))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fgp_msg fm;
	struct fgp_cookie fc;
	struct pingpong_msg pm;
	struct calcapp_msg cm;
	struct calcapp_cookie cc;
	struct ssp_msg sm;
	uint64_t reply_no;
	struct wbuf w;

	wbuf_init(&w, mem, sizeof(mem));
	if (fgp_decode(data, size, &fm) == APP_OK)
		same(&w, fgp_encode(&fm, &w), data, size);
	wbuf_reset(&w);
	if (fgp_cookie_decode(data, size, &fc) == APP_OK)
		same(&w, fgp_cookie_encode(&fc, &w), data, size);
	wbuf_reset(&w);
	if (pingpong_decode(data, size, &pm) == APP_OK) {
		inside(pm.data, pm.datalen, data, size);
		same(&w, pingpong_encode(&pm, &w), data, size);
	}
	wbuf_reset(&w);
	if (pingpong_cookie_decode(data, size, &reply_no) == APP_OK)
		same(&w, pingpong_cookie_encode(reply_no, &w), data, size);
	wbuf_reset(&w);
	if (calcapp_decode(data, size, &cm) == APP_OK)
		same(&w, calcapp_encode(&cm, &w), data, size);
	wbuf_reset(&w);
	if (calcapp_cookie_decode(data, size, &cc) == APP_OK)
		same(&w, calcapp_cookie_encode(&cc, &w), data, size);
	wbuf_reset(&w);
	if (ssp_decode(data, size, &sm) == APP_OK) {
		inside(sm.data, sm.datalen, data, size);
		same(&w, ssp_encode(&sm, &w), data, size);
	}
	return 0;
}
