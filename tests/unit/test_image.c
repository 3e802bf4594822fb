/*
 * PNG and PPM files (core/tools/image.c): the PNG is taken apart again by an
 * independent reader here (signature, IHDR fields, every chunk's CRC,
 * the zlib header, stored blocks and Adler-32) and must give back the
 * pixels; known CRC-32 and Adler-32 values; Qt's HSV colours.  Plus the
 * fractal generator's point values (services/fractal.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/tools/image.h"
#include "proto/fgp.h"
#include "services/service.h"
#include "testlib.h"

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
test_checksums(void)
{
	test_section("crc32 and adler32");
	/* the classic check values of both algorithms */
	CHECK(image_crc32(0, "123456789", 9) == 0xcbf43926u);
	CHECK(
	    image_crc32(image_crc32(0, "1234", 4), "56789", 5) == 0xcbf43926u);
	CHECK(image_adler32(1, "Wikipedia", 9) == 0x11e60398u);
	CHECK(image_adler32(1, "", 0) == 1);
	CHECK(image_crc32(0, "IEND", 4) == 0xae426082u);
}

/*
 * Decode a PNG written by image_encode: returns the raw scanlines
 * (malloc'ed) or NULL when anything is off.
 */
static uint8_t *
png_decode(const uint8_t *p, size_t len, uint32_t *w, uint32_t *h, char *title,
    size_t tn, int *nbad)
{
	static const uint8_t sig[8] = {
	    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	uint8_t *z = NULL, *raw = NULL, *nz;
	size_t off = 8, zlen = 0, rlen = 0, zo, n;
	uint32_t clen, adler;
	int seen_end = 0, final = 0;

	*nbad = 0;
	if (len < 8 || memcmp(p, sig, 8) != 0)
		return NULL;
	while (off + 12 <= len && !seen_end) {
		clen = be32(p + off);
		if (off + 12 + clen > len)
			return NULL;
		if (image_crc32(0, p + off + 4, 4 + clen) !=
		    be32(p + off + 8 + clen))
			(*nbad)++;
		if (memcmp(p + off + 4, "IHDR", 4) == 0) {
			if (off != 8 || clen != 13)
				return NULL;
			*w = be32(p + off + 8);
			*h = be32(p + off + 12);
			if (memcmp(p + off + 16, "\x08\x02\x00\x00\x00", 5))
				return NULL;
		} else if (memcmp(p + off + 4, "tEXt", 4) == 0 && tn > 0) {
			n = clen - 6 < tn - 1 ? clen - 6 : tn - 1;
			memcpy(title, p + off + 14, n);
			title[n] = '\0';
		} else if (memcmp(p + off + 4, "IDAT", 4) == 0) {
			if ((nz = realloc(z, zlen + clen + 1)) == NULL)
				break;
			z = nz;
			memcpy(z + zlen, p + off + 8, clen);
			zlen += clen;
		} else if (memcmp(p + off + 4, "IEND", 4) == 0)
			seen_end = 1;
		off += 12 + clen;
	}
	if (!seen_end || off != len || zlen < 6 || z[0] != 0x78 ||
	    (z[0] * 256 + z[1]) % 31 != 0)
		goto bad;
	raw = malloc(zlen);
	for (zo = 2; raw != NULL && !final;) {
		if (zo + 5 > zlen || (z[zo] & 0x06) != 0) /* stored only */
			goto bad;
		final = z[zo] & 1;
		n = z[zo + 1] | z[zo + 2] << 8;
		if ((n ^ 0xffff) != (size_t)(z[zo + 3] | z[zo + 4] << 8) ||
		    zo + 5 + n > zlen)
			goto bad;
		memcpy(raw + rlen, z + zo + 5, n);
		rlen += n;
		zo += 5 + n;
	}
	if (raw == NULL || zo + 4 != zlen)
		goto bad;
	adler = be32(z + zo);
	if (adler != image_adler32(1, raw, rlen) ||
	    rlen != (size_t)*h * (1 + 3 * (size_t)*w))
		goto bad;
	free(z);
	return raw;
bad:
	free(z);
	free(raw);
	return NULL;
}

static void
test_png(uint32_t w, uint32_t h)
{
	struct image im;
	uint8_t *file, *raw, px[3];
	uint32_t x, y, gw = 0, gh = 0;
	size_t len;
	char title[64] = "";
	int nbad = -1, same = 1;

	test_section("png");
	CHECK(image_init(&im, w, h, 200, 200, 200) == 0);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			px[0] = (uint8_t)x;
			px[1] = (uint8_t)y;
			px[2] = (uint8_t)(x ^ y);
			image_set(&im, x, y, px);
		}
	image_set(&im, w, 0, px); /* outside: ignored */
	file = image_encode(&im, IMAGE_PNG, "Fractal test", &len);
	CHECK(file != NULL);
	raw = png_decode(file, len, &gw, &gh, title, sizeof(title), &nbad);
	CHECK(raw != NULL);
	CHECK(nbad == 0);
	CHECK(gw == w && gh == h);
	CHECK(strcmp(title, "Fractal test") == 0);
	for (y = 0; raw != NULL && y < h; y++) {
		const uint8_t *row = raw + y * (1 + 3 * (size_t)w);

		same &= row[0] == 0 &&
		        memcmp(row + 1, im.rgb + y * 3 * (size_t)w, 3 * w) == 0;
	}
	CHECK(same);
	/* a flipped bit breaks a CRC */
	if (file != NULL && len > 40) {
		file[40] ^= 1;
		free(raw);
		raw = png_decode(file, len, &gw, &gh, NULL, 0, &nbad);
		CHECK(nbad == 1);
	}
	free(raw);
	free(file);
	image_free(&im);
}

static void
test_ppm(void)
{
	static const char want[] = "P6\n# a\n# b\n2 1\n255\n";
	struct image im;
	uint8_t *file, red[3] = {255, 0, 0};
	size_t len;

	test_section("ppm");
	CHECK(image_init(&im, 2, 1, 1, 2, 3) == 0);
	image_set(&im, 1, 0, red);
	file = image_encode(&im, IMAGE_PPM, "a\nb", &len);
	CHECK(file != NULL && len == sizeof(want) - 1 + 6);
	CHECK(file != NULL && memcmp(file, want, sizeof(want) - 1) == 0);
	CHECK(file != NULL &&
	      memcmp(file + sizeof(want) - 1, "\1\2\3\377\0\0", 6) == 0);
	free(file);
	image_free(&im);
	CHECK(image_format_for("x.png") == IMAGE_PNG);
	CHECK(image_format_for("dir.ppm/x.PPM") == IMAGE_PPM);
	CHECK(image_format_for("x.jpg") == 0);
	CHECK(image_format_for("x.png/y") == 0);
	CHECK(image_init(&im, 0, 5, 0, 0, 0) == -1);
}

static void
test_hsv(void)
{
	uint8_t c[3];

	test_section("hsv (Qt)");
	image_hsv_to_rgb(0, 255, 255, c);
	CHECK(c[0] == 255 && c[1] == 0 && c[2] == 0);
	image_hsv_to_rgb(5, 255, 255, c);
	CHECK(c[0] == 255 && c[1] == 21 && c[2] == 0);
	image_hsv_to_rgb(10, 255, 255, c);
	CHECK(c[0] == 255 && c[1] == 43 && c[2] == 0);
	image_hsv_to_rgb(120, 255, 255, c);
	CHECK(c[0] == 0 && c[1] == 255 && c[2] == 0);
	image_hsv_to_rgb(355, 255, 255, c);
	CHECK(c[0] == 255 && c[1] == 0 && c[2] == 21);
	image_hsv_to_rgb(42, 0, 77, c);
	CHECK(c[0] == 77 && c[1] == 77 && c[2] == 77);
}

static void
test_points(void)
{
	struct fgp_parameter p;
	uint32_t it;

	test_section("fractal points");
	memset(&p, 0, sizeof(p));
	p.width = 4;
	p.height = 4;
	p.max_iterations = 100;
	p.algorithm = FGP_ALG_MANDELBROT;
	p.c1_real = -2.0;
	p.c1_imag = 2.0;
	p.c2_real = 2.0;
	p.c2_imag = -2.0;
	p.n = 2.0;
	/* c = -2 + 2i: z1 = 2 - 2i, |z1|^2 = 8 >= 2 at i = 0 */
	CHECK(fractal_point(&p, 0, 0, 0, &it) == 0 && it == 1);
	/* c = 0 (x = y = 2): never escapes */
	CHECK(fractal_point(&p, 2, 2, 0, &it) == 100 && it == 101);
	/* c = 1 (x = 3, y = 2): z = -1, 0, -1, ... never escapes */
	CHECK(fractal_point(&p, 3, 2, 0, &it) == 100);
	/* c = -1: z = 1, 2 (|z|^2 = 4): escapes at i = 1 */
	CHECK(fractal_point(&p, 1, 2, 0, &it) == 1);
	p.algorithm = FGP_ALG_MANDELBROT_N;
	CHECK(fractal_point(&p, 1, 2, 0, &it) == 1);
	CHECK(fractal_point(&p, 2, 2, 0, &it) == 100);
	p.algorithm = 7; /* anything else: the test pattern */
	CHECK(fractal_point(&p, 3, 2, 0, &it) == 6);
	p.algorithm = FGP_ALG_MANDELBROT;
	CHECK(
	    fractal_point(&p, 70000, 70000, 1, &it) == (70000u * 70000u) % 256);
}

int
main(void)
{
	test_checksums();
	test_png(3, 2);
	test_png(300, 120); /* more than one stored block */
	test_ppm();
	test_hsv();
	test_points();
	return test_done();
}
