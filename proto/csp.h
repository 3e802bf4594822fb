/*
 * Component Status Protocol (docs/wire.md section 8): the status report
 * every RSPLIB component sends by UDP to cspmonitor (port 2960).
 *
 * A report is 288 bytes plus 24 per association.  RSPLIB 3.x writes the
 * total size into Length; RSPLIB 2.x wrote 0.  The decoder accepts both
 * and remembers which (legacy_length), so a report re-encodes
 * byte-identically.  Like cspmonitor, it refuses another version and a
 * size that does not match the association count.
 */
#ifndef RSP_CSP_H
#define RSP_CSP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/app.h"

#define CSP_TYPE_REPORT 0x01
#define CSP_FLAG_FINAL  0x01 /* F: final report, component shutting down */
#define CSP_VERSION     0x00000200

#define CSP_TEXT_SIZE        128 /* Location and Status, NUL-padded ASCII */
#define CSP_HEADER_SIZE      288
#define CSP_ASSOC_SIZE       24
#define CSP_ASSOCS_MAX       ((65535 - CSP_HEADER_SIZE) / CSP_ASSOC_SIZE)
#define CSP_WORKLOAD_NA      0xffff /* workload not available */
#define CSP_DURATION_UNKNOWN UINT64_C(0xffffffffffffffff)

/* Component groups: the top byte of a component ID (8.2). */
enum csp_group {
	CSP_GROUP_PR = 0x01,
	CSP_GROUP_PE = 0x02,
	CSP_GROUP_PU = 0x03,
};

struct csp_assoc {
	uint64_t receiver; /* component ID of the peer */
	uint64_t duration; /* us since establishment, CSP_DURATION_UNKNOWN */
	uint16_t flags;
	uint16_t protocol; /* IP protocol number, 132 = SCTP */
	uint32_t ppid;
};

struct csp_report {
	uint8_t type;          /* CSP_TYPE_REPORT */
	uint8_t flags;         /* CSP_FLAG_FINAL */
	uint8_t legacy_length; /* Length field 0 on the wire (RSPLIB 2.x) */
	uint32_t version;
	uint64_t sender;                 /* component ID */
	uint64_t timestamp;              /* us; absolute in legacy reports */
	uint32_t interval;               /* us until the next report */
	uint8_t location[CSP_TEXT_SIZE]; /* raw field, see csp_text() */
	uint8_t status[CSP_TEXT_SIZE];
	uint16_t workload; /* round(w * 0xfffe), CSP_WORKLOAD_NA */
	uint16_t nassocs;
	struct csp_assoc *assocs; /* malloc'd by csp_decode */
};

/*
 * The report layout as a table (docs/wire.md 8.3), walked by the decoder
 * and the encoder alike and usable for display: wire offset and size,
 * and where the field lives in struct csp_report / struct csp_assoc.
 */
enum csp_kind {
	CSP_F_U8,
	CSP_F_U16,
	CSP_F_U32,
	CSP_F_U64,
	CSP_F_TEXT,   /* CSP_TEXT_SIZE raw bytes */
	CSP_F_LENGTH, /* the Length field: size or 0 (legacy_length) */
	CSP_F_COUNT,  /* the association count (nassocs) */
};

struct csp_field {
	const char *name; /* as in docs/wire.md 8.3 */
	uint16_t offset;  /* on the wire, from the report / entry start */
	uint8_t size;     /* on the wire */
	uint8_t kind;     /* enum csp_kind */
	size_t member;    /* offsetof in the struct */
};

const struct csp_field *csp_report_fields(size_t *n);
const struct csp_field *csp_assoc_fields(size_t *n);

/* Decode one UDP payload.  On APP_OK, free with csp_report_free(). */
enum app_err csp_decode(const void *data, size_t len, struct csp_report *r);
void csp_report_free(struct csp_report *r);
/* Size of the encoding of r, 0 if it has too many associations. */
size_t csp_size(const struct csp_report *r);
/* Zero r and set type, version and workload N/A for building. */
void csp_report_init(struct csp_report *r, uint64_t sender);
int csp_encode(const struct csp_report *r, struct wbuf *w);

/* Component IDs: (group << 56) | (object & 0x00ffffffffffffff). */
uint64_t csp_id(unsigned group, uint64_t object);
unsigned csp_id_group(uint64_t id);
uint64_t csp_id_object(uint64_t id);
const char *csp_group_name(unsigned group); /* "Registrar", ... */

/* Copy str into a NUL-padded text field (truncated at 127 chars). */
void csp_set_text(uint8_t field[CSP_TEXT_SIZE], const char *str);
/* Copy a text field into s as a NUL-terminated string (n >= 1). */
void csp_text(const uint8_t field[CSP_TEXT_SIZE], char *s, size_t n);
/* Workload field from a fraction 0..1 (negative: not available). */
uint16_t csp_workload(double w);

#endif
