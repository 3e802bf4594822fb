/* TCP-mapping chunk codec and reassembler (docs/wire.md 7). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/tcpmap.h"
#include "testlib.h"

/* Encode c with own_flags and compare with the expected hex. */
static void
check_encode(const struct tcpmap_chunk *c, unsigned flags, const char *hex)
{
	uint8_t want[256], mem[256];
	struct wbuf w;
	long n = test_hex(hex, want, sizeof(want));

	wbuf_init(&w, mem, sizeof(mem));
	CHECK(tcpmap_encode(c, flags, &w) == 0);
	CHECK_BYTES(w.data, w.len, want, (size_t)n);
}

/* Decode hex with peer flags; returns bytes used, fills c. */
static long
decode_hex(const char *hex, unsigned flags, struct tcpmap_chunk *c,
    struct tcpmap_error *e)
{
	static uint8_t in[256];
	long n = test_hex(hex, in, sizeof(in));

	return tcpmap_decode(in, (size_t)n, flags, c, e);
}

static void
test_data(void)
{
	static const uint8_t msg[] = {0x05, 0x00, 0x00, 0x05, 0xaa};
	struct tcpmap_chunk c = {.type = TCPMAP_DATA,
	    .tsn = 7,
	    .stream = 1,
	    .ssn = 2,
	    .ppid = 11,
	    .data = msg,
	    .datalen = sizeof(msg)};
	struct tcpmap_error e;

	test_section("DATA");
	check_encode(&c, 0,
	    "00 00 00 15 00 00 00 07 00 01 00 02 00 00 00 0b"
	    " 05 00 00 05 aa 00 00 00");
	CHECK(decode_hex("00 00 00 15 00 00 00 07 00 01 00 02 00 00 00 0b"
	                 " 05 00 00 05 aa 00 00 00",
	          0, &c, &e) == 24);
	CHECK(c.tsn == 7 && c.stream == 1 && c.ssn == 2 && c.ppid == 11);
	CHECK_BYTES(c.data, c.datalen, msg, sizeof(msg));
	/* Each omission flag drops its field; absent fields read 0. */
	c.data = msg;
	check_encode(&c, TCPMAP_INIT_NO_TSN,
	    "00 00 00 11 00 01 00 02 00 00 00 0b"
	    " 05 00 00 05 aa 00 00 00");
	check_encode(&c, TCPMAP_INIT_NO_STREAM,
	    "00 00 00 11 00 00 00 07"
	    " 00 00 00 0b 05 00 00 05 aa 00 00 00");
	check_encode(&c, TCPMAP_INIT_NO_PPID,
	    "00 00 00 11 00 00 00 07 00 01 00 02"
	    " 05 00 00 05 aa 00 00 00");
	check_encode(
	    &c, TCPMAP_INIT_MASK, "00 00 00 09 05 00 00 05 aa 00 00 00");
	CHECK(decode_hex("00 00 00 09 05 00 00 05 aa 00 00 00",
	          TCPMAP_INIT_MASK, &c, &e) == 12);
	CHECK(c.tsn == 0 && c.stream == 0 && c.ppid == 0 && c.datalen == 5);
	CHECK(decode_hex("00 00 00 0d 00 00 00 07 00 00 00 0b 05 00 00 00",
	          TCPMAP_INIT_NO_STREAM, &c, &e) == 16);
	CHECK(c.tsn == 7 && c.ppid == 11 && c.datalen == 1);
	/* U flag kept; empty user data allowed; aligned: no padding. */
	c.flags = TCPMAP_DATA_U;
	c.stream = 1;
	c.ssn = 2;
	c.datalen = 0;
	check_encode(&c, 0, "00 04 00 10 00 00 00 07 00 01 00 02 00 00 00 0b");
	CHECK(decode_hex("00 04 00 10 00 00 00 07 00 01 00 02 00 00 00 0b", 0,
	          &c, &e) == 16);
	CHECK(c.flags == TCPMAP_DATA_U && c.datalen == 0);
	CHECK(tcpmap_data_hdrlen(0) == 12 && tcpmap_data_hdrlen(7) == 0);
}

static void
test_control(void)
{
	struct tcpmap_chunk c = {.type = TCPMAP_INIT};
	struct tcpmap_error e;

	test_section("INIT, ACK, HEARTBEAT");
	check_encode(&c, 0, "01 00 00 04");
	c.flags = TCPMAP_INIT_NO_TSN | TCPMAP_INIT_NO_PPID;
	check_encode(&c, 0, "01 05 00 04");
	CHECK(decode_hex("01 07 00 04", 0, &c, &e) == 4);
	CHECK(c.type == TCPMAP_INIT && c.flags == 7);

	memset(&c, 0, sizeof(c));
	c.type = TCPMAP_ACK;
	check_encode(&c, 0, "03 00 00 04");
	c.has_tsn = 1;
	c.tsn = 0x01020304;
	check_encode(&c, 0, "03 00 00 08 01 02 03 04");
	CHECK(decode_hex("03 00 00 08 01 02 03 04", 0, &c, &e) == 8);
	CHECK(c.has_tsn && c.tsn == 0x01020304);
	CHECK(decode_hex("03 00 00 04", 0, &c, &e) == 4 && !c.has_tsn);

	memset(&c, 0, sizeof(c));
	c.type = TCPMAP_HEARTBEAT;
	c.data = (const uint8_t *)"abcde";
	c.datalen = 5;
	check_encode(&c, 0, "04 00 00 0d 00 01 00 09 61 62 63 64 65 00 00 00");
	c.type = TCPMAP_HEARTBEAT_ACK;
	check_encode(&c, 0, "05 00 00 0d 00 01 00 09 61 62 63 64 65 00 00 00");
	CHECK(decode_hex("05 00 00 0d 00 01 00 09 61 62 63 64 65 00 00 00", 0,
	          &c, &e) == 16);
	CHECK(c.type == TCPMAP_HEARTBEAT_ACK && c.datalen == 5 &&
	      memcmp(c.data, "abcde", 5) == 0);
	CHECK(decode_hex("04 00 00 08 00 01 00 04", 0, &c, &e) == 8 &&
	      c.datalen == 0);
	CHECK(strcmp(tcpmap_type_name(4), "HEARTBEAT") == 0);
	CHECK(strcmp(tcpmap_type_name(2), "reserved") == 0);
}

struct bad {
	const char *what;
	const char *hex;
	unsigned flags;
	enum tcpmap_err code;
	uint8_t type;
	uint32_t offset;
};

static const struct bad bad_chunks[] = {
    {"empty", "", 0, TCPMAP_ERR_TRUNCATED, 0, 0},
    {"short header", "00 00 00", 0, TCPMAP_ERR_TRUNCATED, 0, 3},
    {"type 2", "02 00 00 04", 0, TCPMAP_ERR_RESERVED_TYPE, 2, 0},
    {"type 6", "06 00 00 04", 0, TCPMAP_ERR_RESERVED_TYPE, 6, 0},
    {"type 255", "ff 00 00 04", 0, TCPMAP_ERR_RESERVED_TYPE, 255, 0},
    {"length 0", "00 00 00 00", 0, TCPMAP_ERR_BAD_LENGTH, 0, 2},
    {"length 3", "03 00 00 03", 0, TCPMAP_ERR_BAD_LENGTH, 3, 2},
    {"INIT long", "01 00 00 08 00 00 00 00", 0, TCPMAP_ERR_BAD_LENGTH, 1, 2},
    {"ACK 6", "03 00 00 06 00 00 00 00", 0, TCPMAP_ERR_BAD_LENGTH, 3, 2},
    {"ACK 12", "03 00 00 0c 00 00 00 00 00 00 00 00", 0, TCPMAP_ERR_BAD_LENGTH,
        3, 2},
    {"HB 4", "04 00 00 04", 0, TCPMAP_ERR_BAD_LENGTH, 4, 2},
    {"DATA short fields", "00 00 00 08 00 00 00 01", 0, TCPMAP_ERR_BAD_LENGTH,
        0, 2},
    {"DATA body cut", "00 00 00 14 00 00 00 01", 0, TCPMAP_ERR_TRUNCATED, 0, 8},
    {"padding cut", "00 00 00 05 aa 00", TCPMAP_INIT_MASK, TCPMAP_ERR_TRUNCATED,
        0, 6},
    {"padding not zero", "00 00 00 05 aa 00 01 00", TCPMAP_INIT_MASK,
        TCPMAP_ERR_BAD_PADDING, 0, 5},
    {"HB info type", "04 00 00 08 00 02 00 04", 0, TCPMAP_ERR_BAD_HB_INFO, 4,
        4},
    {"HB info length", "05 00 00 0c 00 01 00 04 00 00 00 00", 0,
        TCPMAP_ERR_BAD_HB_INFO, 5, 6},
};

static void
test_errors(void)
{
	struct tcpmap_chunk c;
	struct tcpmap_error e;
	char s[128];
	size_t i;

	test_section("errors");
	for (i = 0; i < sizeof(bad_chunks) / sizeof(bad_chunks[0]); i++) {
		const struct bad *b = &bad_chunks[i];

		CHECK(decode_hex(b->hex, b->flags, &c, &e) == -1);
		if (!CHECK(e.code == b->code && e.type == b->type &&
		           e.offset == b->offset))
			test_section(b->what);
	}
	decode_hex("06 00 00 04", 0, &c, &e);
	tcpmap_error_str(&e, s, sizeof(s));
	CHECK(strcmp(s, "reserved chunk type 6 at offset 0") == 0);
	decode_hex("04 00 00 08 00 02 00 04", 0, &c, &e);
	tcpmap_error_str(&e, s, sizeof(s));
	CHECK(strcmp(s, "bad heartbeat info in HEARTBEAT chunk at offset 4") ==
	      0);
	CHECK(strcmp(tcpmap_err_name(99), "unknown error") == 0);
}

static void
test_encode_limits(void)
{
	static uint8_t big[TCPMAP_LEN_MAX];
	struct tcpmap_chunk c = {.type = TCPMAP_DATA, .data = big};
	struct wbuf w;

	test_section("encode limits");
	CHECK(wbuf_init_dynamic(&w, 64, 2 * TCPMAP_WIRE_MAX) == 0);
	c.datalen = TCPMAP_LEN_MAX - 16;
	CHECK(tcpmap_encode(&c, 0, &w) == 0 && w.len == TCPMAP_WIRE_MAX);
	wbuf_reset(&w);
	c.datalen = TCPMAP_LEN_MAX - 15;
	CHECK(tcpmap_encode(&c, 0, &w) == -1 && errno == ERANGE);
	wbuf_reset(&w);
	c.type = TCPMAP_HEARTBEAT;
	c.datalen = TCPMAP_LEN_MAX - 7;
	CHECK(tcpmap_encode(&c, 0, &w) == -1 && errno == ERANGE);
	wbuf_reset(&w);
	c.type = 2;
	CHECK(tcpmap_encode(&c, 0, &w) == -1 && errno == EINVAL);
	wbuf_free(&w);
}

/* A stream of several chunks, fed in every split into three pieces. */
static void
test_reassembly(void)
{
	static const char *stream_hex =
	    "01 00 00 04"
	    " 00 00 00 15 00 00 00 00 00 00 00 00 00 00 00 0b 05 00 00 05 aa"
	    " 00 00 00"
	    " 04 00 00 0a 00 01 00 06 68 69 00 00"
	    " 03 00 00 08 00 00 00 00";
	static const uint8_t types[] = {1, 0, 4, 3};
	struct tcpmap_rx *rx = calloc(1, sizeof(*rx));
	uint8_t in[128];
	struct tcpmap_chunk c;
	struct tcpmap_error e;
	size_t n = (size_t)test_hex(stream_hex, in, sizeof(in)), a, b;
	int bad = 0, r;

	test_section("reassembly");
	tcpmap_rx_init(rx);
	for (a = 0; a <= n; a++) {
		for (b = a; b <= n; b++) {
			size_t cuts[3] = {a, b - a, n - b}, off = 0, k;
			int got = 0;

			tcpmap_rx_free(rx);
			for (k = 0; k < 3; k++) {
				bad |= tcpmap_rx_feed(rx, in + off, cuts[k]) !=
				       cuts[k];
				off += cuts[k];
				while ((r = tcpmap_rx_next(rx, 0, &c, &e)) == 1)
					bad |=
					    got >= 4 || c.type != types[got++];
				bad |= r != 0;
			}
			bad |= got != 4 || tcpmap_rx_pending(rx) != 0;
		}
	}
	CHECK(bad == 0);
	tcpmap_rx_free(rx);
	free(rx);
}

static void
test_reassembly_errors(void)
{
	struct tcpmap_rx *rx = calloc(1, sizeof(*rx));
	static uint8_t big[TCPMAP_WIRE_MAX + 100];
	struct tcpmap_chunk c;
	struct tcpmap_error e;
	uint8_t *p;
	uint8_t in[32];
	size_t n;

	test_section("reassembly errors and bounds");
	tcpmap_rx_init(rx);
	/* A bad header fails at once, at its stream offset. */
	tcpmap_rx_free(rx);
	n = (size_t)test_hex("01 00 00 04 07 00 ff ff", in, sizeof(in));
	tcpmap_rx_feed(rx, in, n);
	CHECK(tcpmap_rx_next(rx, 0, &c, &e) == 1);
	CHECK(tcpmap_rx_next(rx, 0, &c, &e) == -1);
	CHECK(
	    e.code == TCPMAP_ERR_RESERVED_TYPE && e.type == 7 && e.offset == 4);
	tcpmap_rx_free(rx);
	n = (size_t)test_hex("00 00 00 02", in, sizeof(in));
	tcpmap_rx_feed(rx, in, n);
	CHECK(tcpmap_rx_next(rx, 0, &c, &e) == -1 &&
	      e.code == TCPMAP_ERR_BAD_LENGTH && e.offset == 2);
	/* Offsets keep counting after compaction. */
	tcpmap_rx_free(rx);
	n = (size_t)test_hex("01 00 00 04 00 00 00 0d 00", in, sizeof(in));
	tcpmap_rx_feed(rx, in, n);
	CHECK(tcpmap_rx_next(rx, 0, &c, &e) == 1);
	CHECK(tcpmap_rx_next(rx, 0, &c, &e) == 0);
	n = (size_t)test_hex(
	    "00 00 00 00 00 00 00 00 00 00 01 00", in, sizeof(in));
	tcpmap_rx_feed(rx, in, n);
	CHECK(tcpmap_rx_next(rx, 0, &c, &e) == -1 &&
	      e.code == TCPMAP_ERR_BAD_PADDING && e.offset == 4 + 13);
	/* The largest chunk fits; the buffer never takes more. */
	tcpmap_rx_free(rx);
	big[0] = 0;
	big[2] = 0xff;
	big[3] = 0xff;
	CHECK(tcpmap_rx_feed(rx, big, sizeof(big)) == TCPMAP_WIRE_MAX);
	CHECK(tcpmap_rx_space(rx, &p) == 0);
	CHECK(tcpmap_rx_next(rx, 0, &c, &e) == 1 &&
	      c.datalen == TCPMAP_LEN_MAX - 16);
	CHECK(tcpmap_rx_space(rx, &p) == TCPMAP_WIRE_MAX);
	tcpmap_rx_commit(rx, 3);
	CHECK(tcpmap_rx_pending(rx) == 3);
	CHECK(tcpmap_rx_next(rx, 0, &c, &e) == 0);
	tcpmap_rx_free(rx);
	/* Idle streams stay small. */
	tcpmap_rx_free(rx);
	CHECK(tcpmap_rx_feed(rx, in, 4) == 4 && rx->cap == TCPMAP_RX_INITIAL);
	tcpmap_rx_free(rx);
	free(rx);
}

int
main(void)
{
	test_data();
	test_control();
	test_errors();
	test_encode_limits();
	test_reassembly();
	test_reassembly_errors();
	return test_done();
}
