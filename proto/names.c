/*
 * Names of parameters, error causes (docs/wire.md 2.6), decode errors
 * and transport protocols, the one-line description of a decode error,
 * and pool handles: as text, their order, their checksum words.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "proto/codec.h"

struct name {
	uint16_t code;
	const char *name;
};

/* RFC 5354 codes, then the RSPLIB internal numbers seen on the wire. */
static const struct name causes[] = {
    {0x0000, "unspecified error"},
    {0x0001, "unrecognized parameter"},
    {0x0002, "unrecognized message"},
    {0x0003, "invalid values"},
    {0x0004, "non-unique PE identifier"},
    {0x0005, "inconsistent pooling policy"},
    {0x0006, "lack of resources"},
    {0x0007, "inconsistent transport type"},
    {0x0008, "inconsistent data/control configuration"},
    {0x0009, "unknown pool handle"},
    {0x000a, "rejected due to security considerations"},
    {0x0010, "invalid message (RSPLIB)"},
    {0x0011, "invalid value (RSPLIB)"},
    {0x1009, "unrecognized parameter, silent (RSPLIB)"},
    {0x100a, "wrong protocol (RSPLIB)"},
    {0x100b, "unsupported pool policy (RSPLIB)"},
    {0xf000, "invalid ID (RSPLIB)"},
    {0xf001, "own ID (RSPLIB)"},
    {0xf002, "duplicate ID (RSPLIB)"},
    {0xf003, "invalid pool policy (RSPLIB)"},
    {0xf004, "invalid pool handle (RSPLIB)"},
    {0xf005, "invalid addresses (RSPLIB)"},
    {0xf006, "invalid registrator (RSPLIB)"},
    {0xf007, "no usable ASAP addresses (RSPLIB)"},
    {0xf008, "no usable user addresses (RSPLIB)"},
};

static const char *derrs[] = {
    [RSP_DERR_NONE] = "no error",
    [RSP_DERR_TRUNCATED] = "truncated",
    [RSP_DERR_OVERSIZED] = "oversized",
    [RSP_DERR_BAD_LENGTH] = "bad length",
    [RSP_DERR_MISALIGNED] = "misaligned",
    [RSP_DERR_BAD_PADDING] = "bad padding",
    [RSP_DERR_TOO_DEEP] = "too deep",
    [RSP_DERR_DUPLICATE] = "duplicate",
    [RSP_DERR_MISSING] = "missing",
    [RSP_DERR_UNEXPECTED] = "unexpected",
    [RSP_DERR_UNKNOWN_PARAM] = "unknown",
    [RSP_DERR_UNKNOWN_TYPE] = "unknown message type",
    [RSP_DERR_BAD_VALUE] = "bad value in",
    [RSP_DERR_NOMEM] = "out of memory decoding",
};

const char *
rsp_param_name(uint16_t type)
{
	const struct param_desc *d = param_by_type(type, RSP_DIALECT_RFC);

	return d != NULL ? d->name : "unknown parameter";
}

const char *
rsp_cause_name(uint16_t code)
{
	size_t i;

	for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		if (causes[i].code == code)
			return causes[i].name;
	return "unknown cause";
}

const char *
rsp_derr_name(enum rsp_derr code)
{
	if ((size_t)code >= sizeof(derrs) / sizeof(derrs[0]))
		return "invalid error code";
	return derrs[code];
}

/* "truncated parameter 0x000a at offset 20 (cause 0x0003)" */
int
rsp_decode_error_str(const struct rsp_decode_error *e, char *s, size_t n)
{
	const char *what = e->param ? "parameter" : "message";

	if (e->param)
		return snprintf(s, n,
		    "%s %s 0x%04x (%s) at offset %u (cause 0x%04x%s)",
		    rsp_derr_name(e->code), what, e->param,
		    rsp_param_name(e->param), e->offset, e->cause,
		    e->report ? "" : ", drop silently");
	return snprintf(s, n, "%s %s at offset %u (cause 0x%04x%s)",
	    rsp_derr_name(e->code), what, e->offset, e->cause,
	    e->report ? "" : ", drop silently");
}

/* A handle is written as it is when every byte is printable and none
 * would need quoting in key=value output. */
int
rsp_handle_is_plain(const struct rsp_handle *h)
{
	int i;

	for (i = 0; i < h->len; i++)
		if (!isgraph(h->bytes[i]) || h->bytes[i] == '=' ||
		    h->bytes[i] == '"' || h->bytes[i] == '\\')
			return 0;
	return h->len > 0;
}

void
rsp_handle_str(const struct rsp_handle *h, char *s, size_t n)
{
	size_t i, o = 0;

	if (rsp_handle_is_plain(h)) {
		snprintf(s, n, "%.*s", h->len, (const char *)h->bytes);
		return;
	}
	o = (size_t)snprintf(s, n, "0x");
	for (i = 0; i < h->len && o + 3 <= n; i++)
		o += (size_t)snprintf(s + o, n - o, "%02x", h->bytes[i]);
}

/* The handlespace's order (RSPLIB's): length first, then the bytes. */
int
rsp_handle_cmp(const struct rsp_handle *a, const struct rsp_handle *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->bytes, b->bytes, a->len);
}

/* PE checksum (docs/wire.md 4.6, RFC 5353 3.6.2 with RFC 1071): the
 * 16-bit big-endian words of the handle, padded with a zero byte to
 * even length; a PE adds its ID's two halves. */
uint32_t
rsp_checksum_handle(const struct rsp_handle *h)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < h->len; i += 2)
		sum += (uint32_t)h->bytes[i] << 8 | h->bytes[i + 1];
	if (h->len & 1) /* the pad byte is the low half of the last word */
		sum += (uint32_t)h->bytes[h->len - 1] << 8;
	return sum;
}

uint16_t
rsp_checksum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static const struct {
	uint16_t ptype;
	const char *lower, *rsplib;
} transports[] = {
    {RSP_PARAM_SCTP, "sctp", "SCTP"},
    {RSP_PARAM_TCP, "tcp", "TCP"},
    {RSP_PARAM_UDP, "udp", "UDP"},
    {RSP_PARAM_UDPLITE, "udplite", "UDPLite"},
    {RSP_PARAM_DCCP, "dccp", "DCCP"},
};

const char *
rsp_transport_name(uint16_t ptype, int rsplib)
{
	size_t i;

	for (i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		if (transports[i].ptype == ptype)
			return rsplib ? transports[i].rsplib
			              : transports[i].lower;
	return "unknown";
}
