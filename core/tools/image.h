/*
 * RGB images in memory and their files: binary PPM (P6) and PNG
 * (8-bit truecolour, no interlace) written without zlib, as "stored"
 * (uncompressed) deflate blocks in a zlib stream with its Adler-32,
 * each chunk with its CRC-32 (RFC 1950, 1951, PNG ISO/IEC 15948).
 * Output is a pure function of the pixels and the title: no time
 * stamps, so equal images give byte-identical files.
 */
#ifndef RSP_IMAGE_H
#define RSP_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct image {
	uint32_t width, height;
	uint8_t *rgb; /* width * height * 3 bytes, rows top down */
};

/* Allocate, every pixel (r, g, b); -1 with errno. */
int image_init(struct image *im, uint32_t width, uint32_t height, uint8_t r,
    uint8_t g, uint8_t b);
void image_free(struct image *im);
void image_set(struct image *im, uint32_t x, uint32_t y, const uint8_t rgb[3]);

enum image_format { IMAGE_PPM = 1, IMAGE_PNG = 2 };

/* By the file name's extension (.png, .ppm, any case); 0 if neither. */
int image_format_for(const char *path);
/* Write to path through a temporary file renamed into place, so a
 * reader never sees half a file.  title (may be NULL) goes into a PNG
 * tEXt "Title" chunk or a PPM comment.  -1 with errno. */
int image_write(
    const struct image *im, const char *path, int format, const char *title);
/* The whole file in a malloc'ed buffer (for tests); NULL with errno. */
uint8_t *image_encode(
    const struct image *im, int format, const char *title, size_t *len);

uint32_t image_crc32(uint32_t crc, const void *data, size_t len);
uint32_t image_adler32(uint32_t adler, const void *data, size_t len);

/*
 * HSV to RGB as Qt's QColor does it (hue 0..359 degrees, saturation and
 * value 0..255; 16-bit intermediates rounded, then scaled to 8 bits), so
 * colours match RSPLIB's fractalpooluser.
 */
void image_hsv_to_rgb(int hue, int sat, int val, uint8_t rgb[3]);

#endif
