/* Cursor tests: every getter refuses to read past its window. */
#include <errno.h>
#include <string.h>

#include "proto/buf.h"
#include "testlib.h"

static void
test_reader(void)
{
	static const uint8_t d[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct buf b, sub;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	test_section("reader");
	buf_init(&b, d, sizeof(d));
	CHECK(buf_get_n8(&b, &v8) == 0 && v8 == 1);
	CHECK(buf_get_n16(&b, &v16) == 0 && v16 == 0x0203);
	CHECK(buf_get_sub(&b, 4, &sub) == 0 && sub.base == 3);
	CHECK(buf_get_n32(&sub, &v32) == 0 && v32 == 0x04050607);
	CHECK(buf_get_n8(&sub, &v8) == -1 && errno == EBADMSG);
	CHECK(buf_offset(&b) == 7);
	CHECK(buf_get_n32(&b, &v32) == -1 && buf_left(&b) == 2);
	CHECK(buf_get_sub(&b, 3, &sub) == -1);
	CHECK(buf_skip(&b, 3) == -1 && buf_skip(&b, 2) == 0);
	buf_init(&b, d, sizeof(d));
	CHECK(buf_get_n64(&b, &v64) == 0 && v64 == 0x0102030405060708ULL);
	CHECK(buf_peek_n16(&b, 0, &v16) == -1);
	buf_init(&b, NULL, 5);
	CHECK(buf_left(&b) == 0);
}

static void
test_writer(void)
{
	static const uint8_t want[] = {
	    0xab, 0x12, 0x34, 0, 0, 0, 9, 0xcd, 0xee, 0, 0, 0};
	uint8_t mem[8];
	struct wbuf w;

	test_section("writer");
	CHECK(wbuf_init_dynamic(&w, 2, 64) == 0);
	wbuf_add_n8(&w, 0xab);
	wbuf_add_n16(&w, 0x1234);
	wbuf_add_n32(&w, 9);
	wbuf_add_n8(&w, 0xcd);
	wbuf_pad4(&w);
	CHECK(w.len == 8);
	wbuf_add_n8(&w, 0xee);
	wbuf_pad4(&w);
	CHECK(wbuf_error(&w) == 0);
	CHECK_BYTES(w.data, w.len, want, sizeof(want));
	CHECK(wbuf_set_n16(&w, 1, 0x10000) == -1 && wbuf_error(&w) == ERANGE);
	wbuf_free(&w);

	wbuf_init(&w, mem, sizeof(mem));
	CHECK(wbuf_add_n64(&w, 1) == 0 && w.len == 8);
	CHECK(wbuf_add_n8(&w, 1) == -1 && wbuf_error(&w) == ERANGE);
	wbuf_reset(&w);
	CHECK(wbuf_add_n16(&w, 7) == 0 && wbuf_set_n16(&w, 0, 0x0102) == 0);
	CHECK(mem[0] == 1 && mem[1] == 2);
	CHECK(wbuf_set_n32(&w, 0, 5) == -1);
	wbuf_init_dynamic(&w, 0, 3);
	CHECK(wbuf_add_n32(&w, 5) == -1 && w.len == 0);
	wbuf_free(&w);
}

int
main(void)
{
	test_reader();
	test_writer();
	return test_done();
}
