/*
 * PPM and PNG writers (core/tools/image.h).  The PNG's IDAT holds one zlib
 * stream: header 78 01, stored deflate blocks of at most 65535 bytes
 * (BFINAL on the last), Adler-32 of the raw scanlines (filter byte 0,
 * then the row).  One IDAT chunk per deflate block keeps every chunk
 * small.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/tools/image.h"

#define STORED_MAX 65535

int
image_init(struct image *im, uint32_t width, uint32_t height, uint8_t r,
    uint8_t g, uint8_t b)
{
	size_t i, n;

	im->width = width;
	im->height = height;
	im->rgb = NULL;
	if (width == 0 || height == 0 || width > 65536 || height > 65536) {
		errno = EINVAL;
		return -1;
	}
	n = (size_t)width * height;
	if ((im->rgb = malloc(n * 3)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		im->rgb[3 * i] = r;
		im->rgb[3 * i + 1] = g;
		im->rgb[3 * i + 2] = b;
	}
	return 0;
}

void
image_free(struct image *im)
{
	free(im->rgb);
	im->rgb = NULL;
}

void
image_set(struct image *im, uint32_t x, uint32_t y, const uint8_t rgb[3])
{
	if (x < im->width && y < im->height)
		memcpy(im->rgb + 3 * ((size_t)y * im->width + x), rgb, 3);
}

uint32_t
image_crc32(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[256];
	static int ready;
	const uint8_t *p = data;
	uint32_t c;
	int i, k;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	crc = ~crc;
	while (len-- > 0)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t
image_adler32(uint32_t adler, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t a = adler & 0xffff, b = adler >> 16;
	size_t n;

	while (len > 0) {
		n = len < 5552 ? len : 5552; /* no overflow before the mod */
		len -= n;
		while (n-- > 0) {
			a += *p++;
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return b << 16 | a;
}

/* A growing output buffer; err sticks. */
struct obuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void
ob_add(struct obuf *o, const void *data, size_t len)
{
	uint8_t *np;
	size_t ncap;

	if (o->err || len == 0)
		return;
	if (o->len + len > o->cap) {
		ncap = o->cap ? o->cap : 4096;
		while (ncap < o->len + len)
			ncap *= 2;
		if ((np = realloc(o->p, ncap)) == NULL) {
			o->err = errno;
			return;
		}
		o->p = np;
		o->cap = ncap;
	}
	memcpy(o->p + o->len, data, len);
	o->len += len;
}

static void
ob_u32(struct obuf *o, uint32_t v)
{
	uint8_t b[4] = {v >> 24, v >> 16, v >> 8, v};

	ob_add(o, b, 4);
}

/* Length, type, data, CRC over type and data. */
static void
png_chunk(struct obuf *o, const char type[4], const void *data, size_t len)
{
	uint32_t crc;

	ob_u32(o, (uint32_t)len);
	ob_add(o, type, 4);
	ob_add(o, data, len);
	crc = image_crc32(0, type, 4);
	crc = image_crc32(crc, data, len);
	ob_u32(o, crc);
}

/* The raw scanlines: filter type 0 before each row. */
static uint8_t *
png_scanlines(const struct image *im, size_t *len)
{
	size_t row = (size_t)im->width * 3, y;
	uint8_t *raw;

	*len = (row + 1) * im->height;
	if ((raw = malloc(*len)) == NULL)
		return NULL;
	for (y = 0; y < im->height; y++) {
		raw[y * (row + 1)] = 0;
		memcpy(raw + y * (row + 1) + 1, im->rgb + y * row, row);
	}
	return raw;
}

/* IDAT chunks carrying the zlib stream of raw, split at stored blocks. */
static void
png_idat(struct obuf *o, const uint8_t *raw, size_t len)
{
	static const uint8_t zhdr[2] = {0x78, 0x01}; /* deflate, 32K window */
	uint8_t blk[5 + STORED_MAX + 4];
	uint32_t adler = image_adler32(1, raw, len);
	size_t off = 0, n, b;

	do {
		n = len - off < STORED_MAX ? len - off : STORED_MAX;
		b = 0;
		if (off == 0) {
			memcpy(blk, zhdr, 2);
			b = 2;
		}
		blk[b++] = off + n == len; /* BFINAL, BTYPE 00 */
		blk[b++] = n & 0xff;
		blk[b++] = n >> 8;
		blk[b++] = ~n & 0xff;
		blk[b++] = (~n >> 8) & 0xff;
		memcpy(blk + b, raw + off, n);
		b += n;
		off += n;
		if (off == len) {
			blk[b++] = adler >> 24;
			blk[b++] = adler >> 16;
			blk[b++] = adler >> 8;
			blk[b++] = adler;
		}
		png_chunk(o, "IDAT", blk, b);
	} while (off < len);
}

static void
png_encode(struct obuf *o, const struct image *im, const char *title)
{
	static const uint8_t sig[8] = {
	    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	uint8_t ihdr[13], *raw, *text;
	size_t len, tl;

	ob_add(o, sig, sizeof(sig));
	ihdr[0] = im->width >> 24;
	ihdr[1] = im->width >> 16;
	ihdr[2] = im->width >> 8;
	ihdr[3] = im->width;
	ihdr[4] = im->height >> 24;
	ihdr[5] = im->height >> 16;
	ihdr[6] = im->height >> 8;
	ihdr[7] = im->height;
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 2;  /* truecolour */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering */
	ihdr[12] = 0; /* no interlace */
	png_chunk(o, "IHDR", ihdr, sizeof(ihdr));
	if (title != NULL && *title != '\0') {
		tl = strlen(title);
		if ((text = malloc(6 + tl)) == NULL) {
			o->err = errno;
			return;
		}
		memcpy(text, "Title", 6); /* keyword, NUL, text */
		memcpy(text + 6, title, tl);
		png_chunk(o, "tEXt", text, 6 + tl);
		free(text);
	}
	if ((raw = png_scanlines(im, &len)) == NULL) {
		o->err = errno;
		return;
	}
	png_idat(o, raw, len);
	free(raw);
	png_chunk(o, "IEND", NULL, 0);
}

static void
ppm_encode(struct obuf *o, const struct image *im, const char *title)
{
	char hdr[64];
	const char *nl;
	int n;

	ob_add(o, "P6\n", 3);
	for (; title != NULL && *title != '\0'; title = nl + 1) {
		ob_add(o, "# ", 2);
		if ((nl = strchr(title, '\n')) == NULL) {
			ob_add(o, title, strlen(title));
			ob_add(o, "\n", 1);
			break;
		}
		ob_add(o, title, (size_t)(nl - title) + 1);
	}
	n = snprintf(hdr, sizeof(hdr), "%u %u\n255\n", im->width, im->height);
	ob_add(o, hdr, (size_t)n);
	ob_add(o, im->rgb, (size_t)im->width * im->height * 3);
}

uint8_t *
image_encode(const struct image *im, int format, const char *title, size_t *len)
{
	struct obuf o;

	memset(&o, 0, sizeof(o));
	if (format == IMAGE_PNG)
		png_encode(&o, im, title);
	else if (format == IMAGE_PPM)
		ppm_encode(&o, im, title);
	else
		o.err = EINVAL;
	if (o.err) {
		free(o.p);
		errno = o.err;
		return NULL;
	}
	*len = o.len;
	return o.p;
}

int
image_format_for(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return 0;
	if (strcasecmp(dot, ".png") == 0)
		return IMAGE_PNG;
	if (strcasecmp(dot, ".ppm") == 0)
		return IMAGE_PPM;
	return 0;
}

int
image_write(
    const struct image *im, const char *path, int format, const char *title)
{
	char tmp[4096];
	uint8_t *data;
	size_t len;
	FILE *f;
	int n, e;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((data = image_encode(im, format, title, &len)) == NULL)
		return -1;
	if ((f = fopen(tmp, "wb")) == NULL) {
		e = errno;
		free(data);
		errno = e;
		return -1;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) == EOF) {
		e = errno;
		fclose(f);
		unlink(tmp);
		free(data);
		errno = e;
		return -1;
	}
	free(data);
	if (fclose(f) == EOF || rename(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

void
image_hsv_to_rgb(int hue, int sat, int val, uint8_t rgb[3])
{
	double h, s, v, f, p, q, t, c[3];
	unsigned w;
	int i, k;

	hue = ((hue % 360) + 360) % 360;
	if (sat == 0) {
		rgb[0] = rgb[1] = rgb[2] = (uint8_t)val;
		return;
	}
	/* Qt keeps hue x 100 and 16-bit saturation and value. */
	h = hue * 100 / 6000.0;
	s = sat * 0x101 / 65535.0;
	v = val * 0x101 / 65535.0;
	i = (int)h;
	f = h - i;
	p = v * (1.0 - s);
	q = v * (1.0 - s * f);
	t = v * (1.0 - s * (1.0 - f));
	switch (i) {
	case 0:
		c[0] = v, c[1] = t, c[2] = p;
		break;
	case 1:
		c[0] = q, c[1] = v, c[2] = p;
		break;
	case 2:
		c[0] = p, c[1] = v, c[2] = t;
		break;
	case 3:
		c[0] = p, c[1] = q, c[2] = v;
		break;
	case 4:
		c[0] = t, c[1] = p, c[2] = v;
		break;
	default:
		c[0] = v, c[1] = p, c[2] = q;
		break;
	}
	for (k = 0; k < 3; k++) {
		w = (unsigned)(c[k] * 65535 + 0.5);
		rgb[k] = (uint8_t)((w - (w >> 8) + 0x80) >> 8);
	}
}
