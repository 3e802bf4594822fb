/*
 * Fuzz target: ENRP messages (PPID 12), both dialects.  See
 * fuzz_codec.h for what is checked.
 */
#include "tests/fuzz/fuzz_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_codec(RSP_PROTO_ENRP, data, size);
}
