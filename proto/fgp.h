/*
 * Fractal Generator Protocol, SCTP PPID 32 (docs/wire.md 9.5), and the
 * 76-byte ASAP cookie of its pool elements.
 *
 * Floating-point fields are "network doubles": IEEE 754 binary64,
 * big-endian.  They are converted bit for bit, so any value (NaN
 * payloads included) re-encodes unchanged.
 */
#ifndef RSP_FGP_H
#define RSP_FGP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/app.h"

enum fgp_type {
	FGP_PARAMETER = 0x01,
	FGP_DATA = 0x02,
};

#define FGP_PARAMETER_SIZE   60
#define FGP_DATA_HEADER_SIZE 16
#define FGP_POINTS_MAX       324
#define FGP_DATA_MAX_SIZE    (FGP_DATA_HEADER_SIZE + 4 * FGP_POINTS_MAX)
#define FGP_END_OF_IMAGE     0xffffffffu /* StartX = StartY, Points 0 */

#define FGP_ALG_MANDELBROT   1
#define FGP_ALG_MANDELBROT_N 2

#define FGP_COOKIE_SIZE         76
#define FGP_COOKIE_ID           "<FG-TD1>" /* 8 bytes, no NUL */
#define FGP_COOKIE_PARAM_LENGTH 4          /* RSPLIB quirk: embedded Length */

struct fgp_parameter {
	uint32_t width, height;
	uint32_t max_iterations;
	uint32_t algorithm;
	double c1_real, c1_imag; /* upper-left corner */
	double c2_real, c2_imag; /* lower-right corner */
	double n;                /* exponent for MandelbrotN */
};

struct fgp_data {
	uint32_t start_x, start_y;
	uint32_t points; /* 0..FGP_POINTS_MAX */
	uint32_t values[FGP_POINTS_MAX];
};

struct fgp_msg {
	uint8_t type;
	uint8_t flags;
	union {
		struct fgp_parameter param; /* FGP_PARAMETER */
		struct fgp_data data;       /* FGP_DATA */
	} u;
};

enum app_err fgp_decode(const void *data, size_t len, struct fgp_msg *m);
int fgp_encode(const struct fgp_msg *m, struct wbuf *w);
const char *fgp_type_name(unsigned type);
/* Make m the end-of-image Data message / test for it. */
void fgp_end_of_image(struct fgp_msg *m);
int fgp_is_end_of_image(const struct fgp_msg *m);

/*
 * Cookie: ID, a copy of the Parameter message, and the next pixel.  The
 * embedded message header is kept as found (RSPLIB writes Length 4 and
 * receivers must not check it); fgp_cookie_init() sets RSPLIB's values.
 */
struct fgp_cookie {
	uint8_t param_type;
	uint8_t param_flags;
	uint16_t param_length;
	struct fgp_parameter param;
	uint32_t current_x, current_y;
};

void fgp_cookie_init(struct fgp_cookie *c, const struct fgp_parameter *p,
    uint32_t current_x, uint32_t current_y);
enum app_err fgp_cookie_decode(
    const void *data, size_t len, struct fgp_cookie *c);
int fgp_cookie_encode(const struct fgp_cookie *c, struct wbuf *w);

/* Network double <-> host double, bit for bit. */
uint64_t fgp_double_to_wire(double d);
double fgp_double_from_wire(uint64_t v);

#endif
