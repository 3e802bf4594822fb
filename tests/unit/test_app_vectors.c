/*
 * Golden bytes for the application protocols (docs/wire.md 9, 11.2):
 * every FGP, Ping Pong, CalcApp and SSP vector (PPID 32-35) of
 * tests/vectors/rsplib-3-generated.txt, and the FGP, CalcApp and Ping
 * Pong cookies carried in its ASAP Cookie vectors, decode with the
 * values the titles state and re-encode byte for byte.  Every proper
 * prefix and a one-byte extension of each vector must be refused
 * (exact-size heap copies, so ASan sees any over-read).
 *
 * Run from the repository root.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/calcapp.h"
#include "proto/fgp.h"
#include "proto/pingpong.h"
#include "proto/ssp.h"
#include "proto/wire.h"
#include "testlib.h"
#include "vecfile.h"

#define GEN_FILE "tests/vectors/rsplib-3-generated.txt"

/* Decode `len` bytes as protocol ppid (or cookie kind) and re-encode. */
enum kind {
	K_FGP,
	K_PINGPONG,
	K_CALCAPP,
	K_SSP,
	K_FGP_COOKIE,
	K_CALCAPP_COOKIE,
	K_PINGPONG_COOKIE,
};

static enum app_err
roundtrip(enum kind k, const uint8_t *p, size_t len, struct wbuf *w)
{
	struct fgp_msg fm;
	struct pingpong_msg pm;
	struct calcapp_msg cm;
	struct ssp_msg sm;
	struct fgp_cookie fc;
	struct calcapp_cookie cc;
	uint64_t reply_no;
	enum app_err e = APP_ERR_TYPE;
	int rc = -1;

	wbuf_reset(w);
	switch (k) {
	case K_FGP:
		if ((e = fgp_decode(p, len, &fm)) == APP_OK)
			rc = fgp_encode(&fm, w);
		break;
	case K_PINGPONG:
		if ((e = pingpong_decode(p, len, &pm)) == APP_OK)
			rc = pingpong_encode(&pm, w);
		break;
	case K_CALCAPP:
		if ((e = calcapp_decode(p, len, &cm)) == APP_OK)
			rc = calcapp_encode(&cm, w);
		break;
	case K_SSP:
		if ((e = ssp_decode(p, len, &sm)) == APP_OK)
			rc = ssp_encode(&sm, w);
		break;
	case K_FGP_COOKIE:
		if ((e = fgp_cookie_decode(p, len, &fc)) == APP_OK)
			rc = fgp_cookie_encode(&fc, w);
		break;
	case K_CALCAPP_COOKIE:
		if ((e = calcapp_cookie_decode(p, len, &cc)) == APP_OK)
			rc = calcapp_cookie_encode(&cc, w);
		break;
	case K_PINGPONG_COOKIE:
		if ((e = pingpong_cookie_decode(p, len, &reply_no)) == APP_OK)
			rc = pingpong_cookie_encode(reply_no, w);
		break;
	}
	if (e == APP_OK && rc == -1)
		return APP_ERR_NOMEM; /* encoder refused: reported as failure */
	return e;
}

/* Byte-identical round trip plus refusal of prefixes and extension. */
static void
check_vector(enum kind k, const char *title, const uint8_t *p, size_t len)
{
	struct wbuf w;
	uint8_t *copy;
	size_t n;
	int prefix_ok = 1;

	test_section(title);
	wbuf_init_dynamic(&w, 64, 70000);
	copy = malloc(len);
	memcpy(copy, p, len);
	if (CHECK(roundtrip(k, copy, len, &w) == APP_OK))
		CHECK_BYTES(w.data, w.len, p, len);
	free(copy);
	for (n = 0; n < len; n++) {
		copy = malloc(n ? n : 1);
		memcpy(copy, p, n);
		if (roundtrip(k, copy, n, &w) == APP_OK) {
			fprintf(stderr, "  prefix of %zu bytes accepted\n", n);
			prefix_ok = 0;
		}
		free(copy);
	}
	CHECK(prefix_ok);
	copy = malloc(len + 1);
	memcpy(copy, p, len);
	copy[len] = 0;
	CHECK(roundtrip(k, copy, len + 1, &w) != APP_OK);
	free(copy);
	wbuf_free(&w);
}

/* The value of the Cookie parameter of an ASAP Cookie (Echo) message. */
static int
asap_cookie(const uint8_t *p, size_t len, const uint8_t **cookie, size_t *clen)
{
	struct buf b;
	uint16_t mlen, ptype, plen;
	uint8_t type, flags;

	buf_init(&b, p, len);
	if (buf_get_n8(&b, &type) == -1 || buf_get_n8(&b, &flags) == -1 ||
	    buf_get_n16(&b, &mlen) == -1 || buf_get_n16(&b, &ptype) == -1 ||
	    buf_get_n16(&b, &plen) == -1)
		return -1;
	if ((type != ASAP_COOKIE && type != ASAP_COOKIE_ECHO) ||
	    ptype != RSP_PARAM_COOKIE || plen < 4)
		return -1;
	*clen = plen - 4u;
	return buf_get_ptr(&b, *clen, cookie);
}

static void
check_values(const struct vec_entry *e)
{
	struct fgp_msg fm;
	struct pingpong_msg pm;
	struct calcapp_msg cm;
	struct ssp_msg sm;

	if (strstr(e->title, "FGP_PARAMETER(w=400") &&
	    CHECK(fgp_decode(e->data, e->len, &fm) == APP_OK)) {
		CHECK(fm.u.param.width == 400 && fm.u.param.height == 250);
		CHECK(fm.u.param.max_iterations == 1024);
		CHECK(fm.u.param.algorithm == FGP_ALG_MANDELBROT);
		CHECK(fm.u.param.c1_real == -1.5 && fm.u.param.c1_imag == 1.5);
		CHECK(fm.u.param.c2_real == 1.5 && fm.u.param.c2_imag == -1.5);
		CHECK(fm.u.param.n == 2.0);
	}
	if (strstr(e->title, "points=3: 1,2,1024") &&
	    CHECK(fgp_decode(e->data, e->len, &fm) == APP_OK)) {
		CHECK(fm.u.data.points == 3 && fm.u.data.values[2] == 1024);
		CHECK(!fgp_is_end_of_image(&fm));
	}
	if (strstr(e->title, "end-of-image") &&
	    CHECK(fgp_decode(e->data, e->len, &fm) == APP_OK))
		CHECK(fgp_is_end_of_image(&fm));
	if (strstr(e->title, "CALCAPP_COMPLETE") &&
	    CHECK(calcapp_decode(e->data, e->len, &cm) == APP_OK))
		CHECK(cm.type == CALCAPP_COMPLETE && cm.job_id == 1 &&
		      cm.job_size == 5000000 && cm.completed == 5000000);
	if (strstr(e->title, "PONG(") &&
	    CHECK(pingpong_decode(e->data, e->len, &pm) == APP_OK))
		CHECK(pm.message_no == 1 && pm.reply_no == 1 &&
		      pm.datalen == 5 && memcmp(pm.data, "Hello", 5) == 0);
	if (strstr(e->title, "SSP_NOTREADY") &&
	    CHECK(ssp_decode(e->data, e->len, &sm) == APP_OK))
		CHECK(sm.value == SSP_REASON_FULLY_LOADED && sm.datalen == 3 &&
		      memcmp(sm.data, "pe1", 3) == 0);
	if (strstr(e->title, "SSP_KEEPALIVE_ACK(PE") &&
	    CHECK(ssp_decode(e->data, e->len, &sm) == APP_OK))
		CHECK(sm.has_value == 1 && sm.value == 0);
	if (strstr(e->title, "SSP_KEEPALIVE_ACK(PU") &&
	    CHECK(ssp_decode(e->data, e->len, &sm) == APP_OK))
		CHECK(sm.has_value == 0);
	if (strstr(e->title, "U=1 upload") &&
	    CHECK(ssp_decode(e->data, e->len, &sm) == APP_OK))
		CHECK(sm.flags == SSP_FLAG_U && sm.hash[0] == 0xda &&
		      sm.hash[19] == 0x09);
}

static void
check_cookie_values(enum kind k, const uint8_t *p, size_t len)
{
	struct fgp_cookie fc;
	struct calcapp_cookie cc;
	uint64_t reply_no;

	switch (k) {
	case K_FGP_COOKIE:
		if (CHECK(fgp_cookie_decode(p, len, &fc) == APP_OK))
			CHECK(fc.param_length == FGP_COOKIE_PARAM_LENGTH &&
			      fc.param.width == 400 && fc.current_x == 10 &&
			      fc.current_y == 20 && fc.param.c2_imag == -1.5);
		break;
	case K_CALCAPP_COOKIE:
		if (CHECK(calcapp_cookie_decode(p, len, &cc) == APP_OK))
			CHECK(cc.job_id == 1 && cc.job_size == 5000000 &&
			      cc.completed == 2500000);
		break;
	case K_PINGPONG_COOKIE:
		if (CHECK(pingpong_cookie_decode(p, len, &reply_no) == APP_OK))
			CHECK(reply_no == 5);
		break;
	default:
		break;
	}
}

static void
test_gen_vectors(void)
{
	struct vec_file vf;
	size_t i, napp = 0, ncookie = 0, byproto[4] = {0};

	if (!CHECK(vec_load(GEN_FILE, &vf) == 0))
		return;
	for (i = 0; i < vf.n; i++) {
		const struct vec_entry *e = &vf.v[i];
		const uint8_t *c;
		size_t clen =
		    0; /* gcc 12 -O2 for mips: "may be used uninitialized" */
		enum kind k;

		if (e->ppid >= RSP_PPID_FGP && e->ppid <= RSP_PPID_SSP) {
			k = (enum kind)(K_FGP + (e->ppid - RSP_PPID_FGP));
			check_vector(k, e->title, e->data, e->len);
			check_values(e);
			byproto[e->ppid - RSP_PPID_FGP]++;
			napp++;
			continue;
		}
		if (e->ppid != RSP_PPID_ASAP || !strstr(e->title, "cookie"))
			continue;
		if (strstr(e->title, "FGP cookie"))
			k = K_FGP_COOKIE;
		else if (strstr(e->title, "CalcApp cookie"))
			k = K_CALCAPP_COOKIE;
		else if (strstr(e->title, "PingPong cookie"))
			k = K_PINGPONG_COOKIE;
		else
			continue;
		if (!CHECK(asap_cookie(e->data, e->len, &c, &clen) == 0))
			continue;
		check_vector(k, e->title, c, clen);
		check_cookie_values(k, c, clen);
		ncookie++;
	}
	test_section("counts");
	printf("application vectors: %zu (FGP %zu, PingPong %zu, CalcApp %zu, "
	       "SSP %zu); cookies: %zu\n",
	    napp, byproto[0], byproto[1], byproto[2], byproto[3], ncookie);
	CHECK(napp == 25);
	CHECK(byproto[0] == 3 && byproto[1] == 2 && byproto[2] == 7 &&
	      byproto[3] == 13);
	CHECK(ncookie == 4); /* FGP, CalcApp, PingPong Cookie + Cookie Echo */
	vec_free(&vf);
}

/* Building messages from structs, and what the encoders refuse. */
static void
test_encoders(void)
{
	static const uint8_t eoi[] = {0x02, 0x00, 0x00, 0x10, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	static const uint8_t minus15[] = {0xbf, 0xf8, 0, 0, 0, 0, 0, 0};
	uint8_t big[SSP_CHUNK_MAX + 1] = {0};
	struct fgp_msg fm;
	struct ssp_msg sm;
	struct calcapp_msg cm;
	struct wbuf w;
	struct buf b;
	uint64_t v;

	test_section("encoders");
	wbuf_init_dynamic(&w, 64, 70000);
	fgp_end_of_image(&fm);
	CHECK(fgp_encode(&fm, &w) == 0);
	CHECK_BYTES(w.data, w.len, eoi, sizeof(eoi));

	/* Network doubles are big-endian IEEE 754. */
	wbuf_reset(&w);
	wbuf_add_n64(&w, fgp_double_to_wire(-1.5));
	CHECK_BYTES(w.data, w.len, minus15, sizeof(minus15));
	buf_init(&b, minus15, sizeof(minus15));
	CHECK(buf_get_n64(&b, &v) == 0 && fgp_double_from_wire(v) == -1.5);

	/* Data with too many points, SSP chunk too big, unknown types. */
	memset(&fm, 0, sizeof(fm));
	fm.type = FGP_DATA;
	fm.u.data.points = FGP_POINTS_MAX;
	wbuf_reset(&w);
	CHECK(fgp_encode(&fm, &w) == 0 && w.len == FGP_DATA_MAX_SIZE);
	fm.u.data.points = FGP_POINTS_MAX + 1;
	CHECK(fgp_encode(&fm, &w) == -1);
	memset(&sm, 0, sizeof(sm));
	sm.type = SSP_UPLOAD;
	sm.data = big;
	sm.datalen = SSP_CHUNK_MAX;
	wbuf_reset(&w);
	CHECK(ssp_encode(&sm, &w) == 0 && w.len == SSP_MSG_MAX);
	CHECK(ssp_decode(w.data, w.len, &sm) == APP_OK &&
	      sm.datalen == SSP_CHUNK_MAX);
	sm.datalen = SSP_CHUNK_MAX + 1;
	CHECK(ssp_encode(&sm, &w) == -1);
	sm.type = 8;
	sm.datalen = 0;
	CHECK(ssp_encode(&sm, &w) == -1);
	memset(&cm, 0, sizeof(cm));
	CHECK(calcapp_encode(&cm, &w) == -1); /* type 0 */
	cm.type = 8;
	CHECK(calcapp_encode(&cm, &w) == -1);
	CHECK(calcapp_type_name(CALCAPP_KEEPALIVE_ACK) != NULL);
	CHECK(ssp_type_name(SSP_ENVIRONMENT) != NULL && !ssp_type_name(8));
	wbuf_free(&w);
}

/* Precise errors for hand-made bad messages. */
static void
test_errors(void)
{
	/* Data claiming 2 points with 1 present; Length matches size. */
	static const uint8_t fgp_count[] = {
	    0x02, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1};
	static const uint8_t fgp_many[] = {
	    0x02, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x45};
	static const uint8_t ssp_ack6[] = {0x05, 0, 0, 6, 0, 0};
	static const uint8_t ssp_ka8[] = {0x04, 0, 0, 8, 0, 0, 0, 0};
	static const uint8_t ssp_type9[] = {0x09, 0, 0, 4};
	static const uint8_t pp_short[] = {
	    0x02, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t ppc_bad[] = "<PP-TD2>\0\0\0\0\0\0\0\1";
	uint8_t info[4 + SSP_INFO_MAX + 1] = {0x01, 0, 0, sizeof(info)};
	struct fgp_msg fm;
	struct ssp_msg sm;
	struct pingpong_msg pm;
	uint64_t v;

	test_section("errors");
	CHECK(fgp_decode(fgp_count, sizeof(fgp_count), &fm) == APP_ERR_COUNT);
	CHECK(fgp_decode(fgp_many, sizeof(fgp_many), &fm) == APP_ERR_TOO_LONG);
	CHECK(ssp_decode(ssp_ack6, sizeof(ssp_ack6), &sm) == APP_ERR_SIZE);
	CHECK(ssp_decode(ssp_ka8, sizeof(ssp_ka8), &sm) == APP_ERR_SIZE);
	CHECK(ssp_decode(ssp_type9, sizeof(ssp_type9), &sm) == APP_ERR_TYPE);
	CHECK(ssp_decode(info, sizeof(info), &sm) == APP_ERR_TOO_LONG);
	CHECK(ssp_decode(info, 2, &sm) == APP_ERR_TRUNCATED);
	CHECK(ssp_decode(info, sizeof(info) - 1, &sm) == APP_ERR_LENGTH);
	CHECK(pingpong_decode(pp_short, sizeof(pp_short), &pm) == APP_ERR_SIZE);
	CHECK(pingpong_cookie_decode(ppc_bad, 16, &v) == APP_ERR_ID);
	CHECK(pingpong_cookie_decode(ppc_bad, 15, &v) == APP_ERR_TRUNCATED);
	CHECK(strcmp(app_err_name(APP_ERR_ID), "wrong cookie identifier") == 0);
	CHECK(strcmp(app_err_name((enum app_err)99), "unknown error") == 0);
}

int
main(void)
{
	test_gen_vectors();
	test_encoders();
	test_errors();
	return test_done();
}
