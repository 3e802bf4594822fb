/*
 * SHA-1 after FIPS 180-4 section 6.1: 80 rounds over 64-byte blocks,
 * big-endian words, length-padded final block.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/sha1.h"

static uint32_t
rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void
sha1_block(struct sha1 *c, const uint8_t *p)
{
	uint32_t w[80], a, b, cc, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->h[0];
	b = c->h[1];
	cc = c->h[2];
	d = c->h[3];
	e = c->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ cc ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = cc;
		cc = rol(b, 30);
		b = a;
		a = t;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
}

void
sha1_init(struct sha1 *c)
{
	static const uint32_t h0[5] = {
	    0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

	memcpy(c->h, h0, sizeof(h0));
	c->len = 0;
	c->used = 0;
}

void
sha1_update(struct sha1 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	c->len += len;
	while (len > 0) {
		n = sizeof(c->block) - c->used;
		if (n > len)
			n = len;
		memcpy(c->block + c->used, p, n);
		c->used += n;
		p += n;
		len -= n;
		if (c->used == sizeof(c->block)) {
			sha1_block(c, c->block);
			c->used = 0;
		}
	}
}

void
sha1_final(struct sha1 *c, uint8_t out[SHA1_SIZE])
{
	uint64_t bits = c->len * 8;
	int i;

	c->block[c->used++] = 0x80;
	if (c->used > 56) {
		memset(c->block + c->used, 0, sizeof(c->block) - c->used);
		sha1_block(c, c->block);
		c->used = 0;
	}
	memset(c->block + c->used, 0, 56 - c->used);
	for (i = 0; i < 8; i++)
		c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_block(c, c->block);
	for (i = 0; i < 20; i++)
		out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

long long
sha1_file(const char *path, uint8_t out[SHA1_SIZE])
{
	uint8_t buf[65536];
	struct sha1 c;
	long long size = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	sha1_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		sha1_update(&c, buf, (size_t)n);
		size += n;
	}
	close(fd);
	sha1_final(&c, out);
	return size;
}

void
sha1_hex(const uint8_t hash[SHA1_SIZE], char out[2 * SHA1_SIZE + 1])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SHA1_SIZE; i++) {
		out[2 * i] = hex[hash[i] >> 4];
		out[2 * i + 1] = hex[hash[i] & 15];
	}
	out[2 * SHA1_SIZE] = '\0';
}
