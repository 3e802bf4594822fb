/*
 * TLS over SCTP framing (core/transport/tls/tls_rec.h): record headers
 * checked before their length is believed, ASAP/ENRP messages cut from
 * decrypted bytes by their Message Length, across record boundaries.
 */
#include <stdint.h>
#include <string.h>

#include "core/transport/tls/tls_rec.h"
#include "tests/unit/testlib.h"

static void
test_records(void)
{
	/* application_data, TLS 1.2 legacy version, 17 bytes */
	uint8_t r[TLS_REC_HDR + 17] = {23, 3, 3, 0, 17};
	uint8_t big[TLS_REC_HDR] = {23, 3, 3, 0x48, 0x01}; /* 18433 */
	uint8_t max[TLS_REC_HDR] = {22, 3, 1, 0x48, 0x00}; /* 18432 */

	test_section("records");
	CHECK(tls_rec_len(r, 0) == 0);
	CHECK(tls_rec_len(r, TLS_REC_HDR - 1) == 0);
	CHECK(tls_rec_len(r, TLS_REC_HDR) == TLS_REC_HDR + 17);
	CHECK(tls_rec_len(r, sizeof(r)) == TLS_REC_HDR + 17);
	CHECK(tls_rec_len(max, sizeof(max)) == TLS_REC_HDR + 18432);
	/* too long, empty, unknown type, not version 3: not a record */
	CHECK(tls_rec_len(big, sizeof(big)) == -1);
	r[3] = r[4] = 0;
	CHECK(tls_rec_len(r, sizeof(r)) == -1);
	r[4] = 17;
	r[0] = 19;
	CHECK(tls_rec_len(r, sizeof(r)) == -1);
	r[0] = 25;
	CHECK(tls_rec_len(r, sizeof(r)) == -1);
	r[0] = 21;
	r[1] = 2;
	CHECK(tls_rec_len(r, sizeof(r)) == -1);
	/* an ASAP Registration in clear on a TLS port: type 1 */
	{
		const uint8_t asap[8] = {1, 0, 0, 8, 0, 9, 0, 4};

		CHECK(tls_rec_len(asap, sizeof(asap)) == -1);
	}
}

static void
test_messages(void)
{
	/* two messages back to back: 8 and 6 bytes */
	const uint8_t two[14] = {
	    1, 0, 0, 8, 0xaa, 0xbb, 0xcc, 0xdd, 3, 0, 0, 6, 0xee, 0xff};
	const uint8_t bad[4] = {1, 0, 0, 3};
	uint8_t big[4] = {5, 0, 0xff, 0xff};

	test_section("messages");
	CHECK(tls_msg_len(two, 0) == 0);
	CHECK(tls_msg_len(two, 3) == 0);
	CHECK(tls_msg_len(two, 7) == 0); /* incomplete: wait for more */
	CHECK(tls_msg_len(two, 8) == 8);
	CHECK(tls_msg_len(two, sizeof(two)) == 8);
	CHECK(tls_msg_len(two + 8, 6) == 6);
	CHECK(tls_msg_len(two + 8, 5) == 0);
	CHECK(tls_msg_len(bad, sizeof(bad)) == -1);
	big[2] = big[3] = 0;
	CHECK(tls_msg_len(big, sizeof(big)) == -1);
	/* 65535 bytes announced, 4 here: not yet */
	big[2] = big[3] = 0xff;
	CHECK(tls_msg_len(big, sizeof(big)) == 0);
}

/* A 20,000-byte message arriving as records of at most 4096 bytes,
 * then a short one in the same record as its tail: the stream is cut
 * where the lengths say, whatever the record boundaries. */
static void
test_reassembly(void)
{
	static uint8_t stream[20000 + 6];
	struct wbuf w;
	size_t off = 0, got[4], ngot = 0, i;
	ssize_t n;

	test_section("reassembly across records");
	memset(stream, 0x5a, sizeof(stream));
	stream[0] = 7;
	stream[2] = 20000 >> 8;
	stream[3] = 20000 & 0xff;
	memcpy(stream + 20000, (const uint8_t[]){8, 0, 0, 6, 1, 2}, 6);
	CHECK(wbuf_init_dynamic(&w, 0, 65536) == 0);
	while (off < sizeof(stream)) {
		size_t rec =
		    sizeof(stream) - off < 4096 ? sizeof(stream) - off : 4096;

		CHECK(wbuf_add(&w, stream + off, rec) == 0);
		off += rec;
		while ((n = tls_msg_len(w.data, w.len)) > 0 && ngot < 4) {
			got[ngot++] = (size_t)n;
			tls_wbuf_drop(&w, (size_t)n);
		}
		CHECK(n >= 0);
	}
	CHECK(ngot == 2);
	CHECK(ngot > 0 && got[0] == 20000);
	CHECK(ngot > 1 && got[1] == 6);
	CHECK(w.len == 0);
	/* drop keeps what follows */
	for (i = 0; i < 10; i++)
		wbuf_add(&w, &(uint8_t){(uint8_t)i}, 1);
	tls_wbuf_drop(&w, 7);
	CHECK(w.len == 3 && w.data[0] == 7 && w.data[2] == 9);
	tls_wbuf_drop(&w, 99);
	CHECK(w.len == 0);
	wbuf_free(&w);
}

int
main(void)
{
	test_records();
	test_messages();
	test_reassembly();
	return test_done();
}
