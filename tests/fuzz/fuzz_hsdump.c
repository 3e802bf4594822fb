/*
 * Fuzz target for hsdump's receive path (core/tools/hsdump_fmt.c, as
 * applets/hsdump.c's on_msg() drives it): the ENRP messages a
 * registrar answers a dump with, decoded; Handle Table Responses
 * (R=0) merged into the table, the first List Response (R=0) taken as
 * the peer list, anything else ignored; then the table finished and
 * printed in each format with both checksums.
 *
 * Input: ENRP messages, each behind a 16-bit big-endian length.
 * Checks: the sanitizers; the printed text holds no control character
 * but '\n' (a pool handle or address is printed escaped, whatever the
 * bytes); the JSON output's brackets and quotes balance.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tools/hsdump_fmt.h"
#include "proto/msg.h"
#include "tests/fuzz/fuzz_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[1 << 20];

static void
check_json(const char *s)
{
	int depth = 0, in_str = 0;

	for (; *s != '\0'; s++) {
		if (in_str) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '"')
				in_str = 0;
			continue;
		}
		if (*s == '"')
			in_str = 1;
		else if (*s == '{' || *s == '[')
			depth++;
		else if ((*s == '}' || *s == ']') && --depth < 0)
			abort();
	}
	if (depth != 0 || in_str)
		abort();
}

static void
print(const struct hsd_table *t, enum hsd_format fmt)
{
	FILE *f;
	size_t i;

	memset(out, 0, sizeof(out));
	if ((f = fmemopen(out, sizeof(out) - 1, "w")) == NULL)
		abort();
	hsd_print(f, t, fmt);
	fclose(f);
	if (strlen(out) >= sizeof(out) - 2)
		return; /* truncated: the checks need the whole text */
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 && out[i] != '\n')
			abort();
	if (fmt == HSD_JSON)
		check_json(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rsp_decode_error err;
	struct hsd_table t;
	struct rsp_msg m;
	const uint8_t *body;
	size_t len;

	hsd_init(&t, 0x5555);
	while (fuzz_record(&data, &size, &body, &len)) {
		if (rsp_msg_decode(RSP_PROTO_ENRP, body, len, &m, &err) == 0) {
			if (m.type == ENRP_HANDLE_TABLE_RESPONSE &&
			    !(m.flags & ENRP_FLAG_HTRESP_R)) {
				if (hsd_add_response(&t, &m) == -1)
					abort();
			} else if (m.type == ENRP_LIST_RESPONSE &&
			           !(m.flags & ENRP_FLAG_LISTRESP_R) &&
			           !t.has_peers) {
				if (hsd_add_peers(&t, &m) == -1)
					abort();
			} else
				rsp_msg_free(&m);
		}
	}
	if (hsd_finish(&t) == -1)
		abort();
	(void)hsd_checksum(&t, t.registrar);
	(void)hsd_checksum_all(&t);
	print(&t, HSD_TEXT);
	print(&t, HSD_KV);
	print(&t, HSD_JSON);
	hsd_free(&t);
	return 0;
}
