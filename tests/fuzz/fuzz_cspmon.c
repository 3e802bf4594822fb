/*
 * Fuzz target for the CSP monitor's input path (core/tools/cspmon.c), which
 * the codec fuzzer (fuzz_csp) does not reach: the table update, final
 * reports, purging and the display of whatever text a report carries.
 * The input is first fed whole as one datagram, then read as a series
 * of datagrams, each prefixed by a 2-byte big-endian length, arriving
 * 100 ms apart; finally the table is printed in both modes and purged.
 * Printed text must never contain a control character the table did
 * not put there itself (only '\n' in plain mode).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tools/cspmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
print_check(struct cspmon *m, int full, uint64_t now)
{
	static char out[1 << 20];
	struct cspmon_fmt fmt = {full, 0, 6, 42, 24, 72};
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	size_t i;

	if (f == NULL)
		abort();
	memset(out, 0, sizeof(out));
	cspmon_print(m, f, &fmt, now);
	fclose(f);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 && out[i] != '\n')
			abort();
	fmt.color = 1;
	if ((f = fmemopen(out, sizeof(out) - 1, "w")) == NULL)
		abort();
	cspmon_print(m, f, &fmt, now);
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cspmon m;
	uint64_t now = 1000;
	size_t off = 0, len;

	cspmon_init(&m);
	cspmon_input(&m, data, size, now);
	while (off + 2 <= size) {
		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		now += 100;
		cspmon_input(&m, data + off, len, now);
		off += len;
	}
	if (m.n > CSPMON_MAX_ENTRIES || m.dropped > m.received)
		abort();
	print_check(&m, 1, now);
	print_check(&m, 0, now + 500);
	cspmon_purge(&m, now + 1000, 30000);
	cspmon_purge(&m, now + 100000, 30000);
	if (m.n != 0)
		abort();
	cspmon_fini(&m);
	return 0;
}
