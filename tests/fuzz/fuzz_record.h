/*
 * The length-prefixed record of the stateful targets' inputs
 * (docs/fuzzing.md): a 16-bit length, then as many bytes as it says,
 * cut to what the input has left.
 */
#ifndef RSP_FUZZ_RECORD_H
#define RSP_FUZZ_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* The record at *data into body/len, *data and *size moved past it; 0
 * (nothing moved) when fewer than 2 bytes are left. */
static inline int
fuzz_record(
    const uint8_t **data, size_t *size, const uint8_t **body, size_t *len)
{
	if (*size < 2)
		return 0;
	*len = (size_t)(*data)[0] << 8 | (*data)[1];
	*data += 2;
	*size -= 2;
	if (*len > *size)
		*len = *size;
	*body = *data;
	*data += *len;
	*size -= *len;
	return 1;
}

#endif
