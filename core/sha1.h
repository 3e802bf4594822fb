/*
 * SHA-1 (FIPS 180-4), for the scripting service's environment hashes
 * (docs/wire.md 9.7.2): RSPLIB names an environment file by the SHA-1
 * of its contents.  Not for security.
 */
#ifndef RSP_SHA1_H
#define RSP_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_SIZE 20

struct sha1 {
	uint32_t h[5];
	uint64_t len; /* bytes so far */
	uint8_t block[64];
	size_t used; /* bytes in block */
};

void sha1_init(struct sha1 *c);
void sha1_update(struct sha1 *c, const void *data, size_t len);
void sha1_final(struct sha1 *c, uint8_t out[SHA1_SIZE]);
/* Hash a whole file; its size, or -1 with errno. */
long long sha1_file(const char *path, uint8_t out[SHA1_SIZE]);
/* 40 lowercase hex digits and a NUL. */
void sha1_hex(const uint8_t hash[SHA1_SIZE], char out[2 * SHA1_SIZE + 1]);

#endif
