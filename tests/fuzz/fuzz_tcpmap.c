/*
 * Fuzz target for the TCP-mapping chunk codec.  Input: one byte of peer
 * INIT flags, then a chunk stream.  Every chunk that decodes must
 * re-encode to the same bytes, and the reassembler fed in odd-sized
 * pieces must cut the stream exactly as the plain decoder does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/tcpmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tcpmap_rx rx;

static void
reencode(
    const struct tcpmap_chunk *c, unsigned flags, const uint8_t *p, size_t n)
{
	static uint8_t mem[TCPMAP_WIRE_MAX];
	struct wbuf w;

	wbuf_init(&w, mem, sizeof(mem));
	if (tcpmap_encode(c, flags, &w) == -1 || w.len != n ||
	    memcmp(w.data, p, n) != 0)
		abort();
}

/* Chunks the plain decoder finds; re-encodes each. */
static size_t
walk(const uint8_t *p, size_t n, unsigned flags, int *failed)
{
	struct tcpmap_chunk c;
	struct tcpmap_error e;
	size_t chunks = 0;
	long used;

	*failed = 0;
	while (n > 0) {
		if ((used = tcpmap_decode(p, n, flags, &c, &e)) < 0) {
			*failed = e.code != TCPMAP_ERR_TRUNCATED;
			break;
		}
		reencode(&c, flags, p, (size_t)used);
		p += used;
		n -= (size_t)used;
		chunks++;
	}
	return chunks;
}

/* The same stream through the reassembler, in pieces of 1..7 bytes. */
static size_t
reassemble(const uint8_t *p, size_t n, unsigned flags, int *failed)
{
	struct tcpmap_chunk c;
	struct tcpmap_error e;
	size_t chunks = 0, off = 0, step = 1;
	int r;

	*failed = 0;
	tcpmap_rx_init(&rx);
	while (off < n) {
		size_t k = step < n - off ? step : n - off;

		if ((k = tcpmap_rx_feed(&rx, p + off, k)) == 0)
			abort(); /* only out of memory */
		off += k;
		step = step % 7 + 1;
		while ((r = tcpmap_rx_next(&rx, flags, &c, &e)) == 1)
			chunks++;
		if (r == -1) {
			*failed = 1;
			break;
		}
	}
	tcpmap_rx_free(&rx);
	return chunks;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags;
	size_t a, b;
	int fa, fb;

	if (size < 1)
		return 0;
	flags = data[0] & TCPMAP_INIT_MASK;
	a = walk(data + 1, size - 1, flags, &fa);
	b = reassemble(data + 1, size - 1, flags, &fb);
	if (a != b || fa != fb)
		abort();
	return 0;
}
