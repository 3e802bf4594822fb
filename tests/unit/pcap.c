/*
 * pcap reader and writer for the tests (see pcap.h).  Packet bytes are
 * read and written only through proto/buf.h cursors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/buf.h"
#include "pcap.h"

#define LINKTYPE_NULL      0
#define LINKTYPE_ETHERNET  1
#define LINKTYPE_RAW_BSD   12 /* DLT_RAW on most BSDs */
#define LINKTYPE_RAW_OBSD  14 /* DLT_RAW on OpenBSD */
#define LINKTYPE_RAW       101
#define LINKTYPE_LOOP      108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4      228
#define LINKTYPE_IPV6      229

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

#define SCTP_DATA   0
#define SCTP_FLAG_E 0x01
#define SCTP_FLAG_B 0x02

const char *
pcap_linktype_name(uint32_t linktype)
{
	switch (linktype) {
	case LINKTYPE_NULL:
		return "NULL (BSD loopback)";
	case LINKTYPE_ETHERNET:
		return "Ethernet";
	case LINKTYPE_RAW:
	case LINKTYPE_RAW_BSD:
	case LINKTYPE_RAW_OBSD:
		return "raw IP";
	case LINKTYPE_LOOP:
		return "LOOP (OpenBSD loopback)";
	case LINKTYPE_LINUX_SLL:
		return "Linux cooked";
	case LINKTYPE_IPV4:
		return "raw IPv4";
	case LINKTYPE_IPV6:
		return "raw IPv6";
	}
	return "unsupported";
}

static uint32_t
bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

static int
get32(struct buf *b, int swap, uint32_t *v)
{
	if (buf_get_n32(b, v) == -1)
		return -1;
	if (swap)
		*v = bswap32(*v);
	return 0;
}

/* Returns 1 to stop (callback said so), 0 to go on. */
static int
sctp_packet(struct buf *p, struct pcap_msg *m, struct pcap_stats *st,
    pcap_cb cb, void *arg)
{
	struct buf chunk;
	uint32_t vtag, sum;
	uint16_t clen;
	uint8_t ctype, cflags;

	if (buf_get_n16(p, &m->sport) == -1 ||
	    buf_get_n16(p, &m->dport) == -1 || buf_get_n32(p, &vtag) == -1 ||
	    buf_get_n32(p, &sum) == -1) {
		st->truncated++;
		return 0;
	}
	st->sctp_packets++;
	while (buf_left(p) > 0) {
		if (buf_get_n8(p, &ctype) == -1 ||
		    buf_get_n8(p, &cflags) == -1 ||
		    buf_get_n16(p, &clen) == -1 || clen < 4 ||
		    buf_get_sub(p, clen - 4u, &chunk) == -1) {
			st->truncated++;
			return 0;
		}
		/* Padding of the last chunk may be missing in a snap. */
		buf_skip(p, (4 - (clen & 3)) & 3);
		if (ctype != SCTP_DATA)
			continue;
		if (buf_get_n32(&chunk, &m->tsn) == -1 ||
		    buf_get_n16(&chunk, &m->stream) == -1 ||
		    buf_get_n16(&chunk, &m->ssn) == -1 ||
		    buf_get_n32(&chunk, &m->ppid) == -1) {
			st->truncated++;
			return 0;
		}
		st->sctp_data++;
		m->chunk_flags = cflags;
		if ((cflags & (SCTP_FLAG_B | SCTP_FLAG_E)) !=
		    (SCTP_FLAG_B | SCTP_FLAG_E)) {
			st->sctp_fragments++;
			continue;
		}
		m->len = buf_left(&chunk);
		buf_get_ptr(&chunk, m->len, &m->data);
		if (cb(m, arg))
			return 1;
	}
	return 0;
}

static int
udp_packet(struct buf *p, struct pcap_msg *m, struct pcap_stats *st, pcap_cb cb,
    void *arg)
{
	uint16_t ulen, sum;

	if (buf_get_n16(p, &m->sport) == -1 ||
	    buf_get_n16(p, &m->dport) == -1 || buf_get_n16(p, &ulen) == -1 ||
	    buf_get_n16(p, &sum) == -1 || ulen < 8 ||
	    buf_get_ptr(p, ulen - 8u, &m->data) == -1) {
		st->truncated++;
		return 0;
	}
	st->udp++;
	m->len = ulen - 8u;
	m->ppid = 0;
	return cb(m, arg) ? 1 : 0;
}

static int
ip_packet(struct buf *p, struct pcap_msg *m, struct pcap_stats *st, pcap_cb cb,
    void *arg)
{
	struct buf payload;
	uint16_t total, frag, plen;
	uint8_t vihl, proto, hl, tmp8;

	if (buf_left(p) < 1) {
		st->truncated++;
		return 0;
	}
	buf_get_n8(p, &vihl);
	if (vihl >> 4 == 4) {
		m->ipver = 4;
		hl = (uint8_t)((vihl & 0x0f) * 4);
		if (hl < 20 || buf_skip(p, 1) == -1 ||
		    buf_get_n16(p, &total) == -1 || buf_skip(p, 2) == -1 ||
		    buf_get_n16(p, &frag) == -1 || buf_skip(p, 1) == -1 ||
		    buf_get_n8(p, &proto) == -1 || buf_skip(p, 2) == -1 ||
		    buf_get_bytes(p, m->src, 4) == -1 ||
		    buf_get_bytes(p, m->dst, 4) == -1 ||
		    buf_skip(p, hl - 20u) == -1 || total < hl ||
		    buf_get_sub(p, total - hl, &payload) == -1) {
			st->truncated++;
			return 0;
		}
		if (frag & 0x3fff) { /* MF or a fragment offset */
			st->ip_fragments++;
			return 0;
		}
	} else if (vihl >> 4 == 6) {
		m->ipver = 6;
		if (buf_skip(p, 3) == -1 || buf_get_n16(p, &plen) == -1 ||
		    buf_get_n8(p, &proto) == -1 || buf_skip(p, 1) == -1 ||
		    buf_get_bytes(p, m->src, 16) == -1 ||
		    buf_get_bytes(p, m->dst, 16) == -1 ||
		    buf_get_sub(p, plen, &payload) == -1) {
			st->truncated++;
			return 0;
		}
		/* Hop-by-hop, routing, destination options: skip. */
		while (proto == 0 || proto == 43 || proto == 60) {
			if (buf_get_n8(&payload, &proto) == -1 ||
			    buf_get_n8(&payload, &tmp8) == -1 ||
			    buf_skip(&payload, tmp8 * 8u + 6) == -1) {
				st->truncated++;
				return 0;
			}
		}
		if (proto == 44) {
			st->ip_fragments++;
			return 0;
		}
	} else {
		st->non_ip++;
		return 0;
	}
	m->proto = proto;
	if (proto == PCAP_IPPROTO_SCTP)
		return sctp_packet(&payload, m, st, cb, arg);
	if (proto == PCAP_IPPROTO_UDP)
		return udp_packet(&payload, m, st, cb, arg);
	st->other++;
	return 0;
}

/* Strip the link layer; 1 if p now starts at an IP header. */
static int
link_layer(struct buf *p, uint32_t linktype)
{
	uint32_t fam;
	uint16_t et;

	switch (linktype) {
	case LINKTYPE_ETHERNET:
		if (buf_skip(p, 12) == -1 || buf_get_n16(p, &et) == -1)
			return 0;
		while (et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ)
			if (buf_skip(p, 2) == -1 || buf_get_n16(p, &et) == -1)
				return 0;
		return et == ETHERTYPE_IPV4 || et == ETHERTYPE_IPV6;
	case LINKTYPE_NULL:
	case LINKTYPE_LOOP:
		/* Address family, in the capturing host's byte order for
		 * NULL, network order for LOOP: accept both. */
		if (buf_get_n32(p, &fam) == -1)
			return 0;
		if (fam > 0xffff)
			fam = bswap32(fam);
		return fam == 2 || fam == 10 || fam == 24 || fam == 28 ||
		       fam == 30;
	case LINKTYPE_LINUX_SLL:
		if (buf_skip(p, 14) == -1 || buf_get_n16(p, &et) == -1)
			return 0;
		return et == ETHERTYPE_IPV4 || et == ETHERTYPE_IPV6;
	case LINKTYPE_RAW:
	case LINKTYPE_RAW_BSD:
	case LINKTYPE_RAW_OBSD:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return 1;
	}
	return 0;
}

int
pcap_walk(const uint8_t *file, size_t len, pcap_cb cb, void *arg,
    struct pcap_stats *st)
{
	struct buf f, pkt;
	struct pcap_msg m;
	uint32_t magic, v, incl, orig;
	int swap;

	memset(st, 0, sizeof(*st));
	buf_init(&f, file, len);
	if (buf_get_n32(&f, &magic) == -1)
		goto bad;
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		swap = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		swap = 1;
	else
		goto bad;
	/* version (2+2), thiszone, sigfigs, snaplen, linktype */
	if (buf_skip(&f, 16) == -1 || get32(&f, swap, &v) == -1)
		goto bad;
	st->linktype = v & 0x0fffffff;
	while (buf_left(&f) > 0) {
		memset(&m, 0, sizeof(m));
		if (get32(&f, swap, &m.ts_sec) == -1 ||
		    get32(&f, swap, &m.ts_frac) == -1 ||
		    get32(&f, swap, &incl) == -1 ||
		    get32(&f, swap, &orig) == -1 ||
		    buf_get_sub(&f, incl, &pkt) == -1)
			goto bad;
		m.frame = ++st->frames;
		if (!link_layer(&pkt, st->linktype)) {
			st->non_ip++;
			continue;
		}
		if (ip_packet(&pkt, &m, st, cb, arg))
			break;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* ------------------------------------------------------------------ */

uint32_t
pcap_crc32c(const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	uint32_t crc = 0xffffffff;
	size_t i;
	int k;

	if (table[1] == 0) {
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;

			for (k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
			table[i] = c;
		}
	}
	for (i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Internet checksum (RFC 1071) of n bytes, continuing from sum. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	struct buf b;
	uint16_t v;
	uint8_t last;

	buf_init(&b, p, n);
	while (buf_get_n16(&b, &v) == 0)
		sum += v;
	if (buf_get_n8(&b, &last) == 0)
		sum += (uint32_t)last << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static const uint8_t addr_src[4] = {192, 0, 2, 1};
static const uint8_t addr_dst[4] = {192, 0, 2, 2};

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int
pcap_out_open(struct pcap_out *o, const char *path)
{
	uint8_t h[24];

	memset(o, 0, sizeof(*o));
	o->tsn = 1;
	if ((o->f = fopen(path, "wb")) == NULL)
		return -1;
	put_le32(h, 0xa1b2c3d4);
	put_le32(h + 4, 2 | 4 << 16); /* version 2.4 */
	put_le32(h + 8, 0);
	put_le32(h + 12, 0);
	put_le32(h + 16, 65535);
	put_le32(h + 20, LINKTYPE_RAW);
	if (fwrite(h, 1, sizeof(h), o->f) != sizeof(h))
		o->err = 1;
	return 0;
}

/* IPv4 header for a payload of n bytes; returns its start. */
static void
add_ipv4(struct wbuf *w, struct pcap_out *o, uint8_t proto, size_t n)
{
	size_t start = w->len;

	wbuf_add_n8(w, 0x45);
	wbuf_add_n8(w, 0);
	wbuf_add_n16(w, (uint32_t)(20 + n));
	wbuf_add_n16(w, o->ip_id++);
	wbuf_add_n16(w, 0x4000); /* DF */
	wbuf_add_n8(w, 64);
	wbuf_add_n8(w, proto);
	wbuf_add_n16(w, 0);
	wbuf_add(w, addr_src, 4);
	wbuf_add(w, addr_dst, 4);
	if (!wbuf_error(w))
		wbuf_set_n16(
		    w, start + 10, csum_fold(csum_add(0, w->data + start, 20)));
}

static int
write_record(struct pcap_out *o, const struct wbuf *w)
{
	uint8_t h[16];

	if (wbuf_error(w)) {
		o->err = 1;
		errno = wbuf_error(w);
		return -1;
	}
	o->frames++;
	put_le32(h, 1700000000 + o->frames); /* one packet per second */
	put_le32(h + 4, 0);
	put_le32(h + 8, (uint32_t)w->len);
	put_le32(h + 12, (uint32_t)w->len);
	if (fwrite(h, 1, sizeof(h), o->f) != sizeof(h) ||
	    fwrite(w->data, 1, w->len, o->f) != w->len) {
		o->err = 1;
		return -1;
	}
	return 0;
}

int
pcap_out_sctp(struct pcap_out *o, uint16_t sport, uint16_t dport, uint32_t ppid,
    const void *msg, size_t len)
{
	size_t pad = (4 - (len & 3)) & 3, sctp, sctplen = 12 + 16 + len + pad;
	struct wbuf w;
	int rc;

	if (len > 65535 - 20 - 28 - 3) {
		errno = ERANGE;
		return -1;
	}
	if (wbuf_init_dynamic(&w, 20 + sctplen, 20 + sctplen) == -1)
		return -1;
	add_ipv4(&w, o, PCAP_IPPROTO_SCTP, sctplen);
	sctp = w.len;
	wbuf_add_n16(&w, sport);
	wbuf_add_n16(&w, dport);
	wbuf_add_n32(&w, 0x52535031); /* verification tag "RSP1" */
	wbuf_add_n32(&w, 0);          /* checksum, patched below */
	wbuf_add_n8(&w, SCTP_DATA);
	wbuf_add_n8(&w, SCTP_FLAG_B | SCTP_FLAG_E);
	wbuf_add_n16(&w, (uint32_t)(16 + len));
	wbuf_add_n32(&w, o->tsn++);
	wbuf_add_n16(&w, 0); /* stream */
	wbuf_add_n16(&w, o->ssn++);
	wbuf_add_n32(&w, ppid);
	wbuf_add(&w, msg, len);
	wbuf_add_zero(&w, pad);
	/* The CRC32c goes on the wire least significant byte first. */
	if (!wbuf_error(&w))
		wbuf_set_n32(
		    &w, sctp + 8, bswap32(pcap_crc32c(w.data + sctp, sctplen)));
	rc = write_record(o, &w);
	wbuf_free(&w);
	return rc;
}

int
pcap_out_udp(struct pcap_out *o, uint16_t sport, uint16_t dport,
    const void *msg, size_t len)
{
	size_t udp, udplen = 8 + len;
	struct wbuf w;
	uint8_t pseudo[4] = {0, PCAP_IPPROTO_UDP, 0, 0};
	uint32_t sum;
	uint16_t c;
	int rc;

	if (len > 65535 - 28) {
		errno = ERANGE;
		return -1;
	}
	if (wbuf_init_dynamic(&w, 20 + udplen, 20 + udplen) == -1)
		return -1;
	add_ipv4(&w, o, PCAP_IPPROTO_UDP, udplen);
	udp = w.len;
	wbuf_add_n16(&w, sport);
	wbuf_add_n16(&w, dport);
	wbuf_add_n16(&w, (uint32_t)udplen);
	wbuf_add_n16(&w, 0);
	wbuf_add(&w, msg, len);
	if (!wbuf_error(&w)) {
		pseudo[2] = (uint8_t)(udplen >> 8);
		pseudo[3] = (uint8_t)udplen;
		sum = csum_add(0, addr_src, 4);
		sum = csum_add(sum, addr_dst, 4);
		sum = csum_add(sum, pseudo, 4);
		sum = csum_add(sum, w.data + udp, udplen);
		c = csum_fold(sum);
		wbuf_set_n16(&w, udp + 6, c ? c : 0xffff);
	}
	rc = write_record(o, &w);
	wbuf_free(&w);
	return rc;
}

int
pcap_out_close(struct pcap_out *o)
{
	int err = o->err;

	if (o->f != NULL && fclose(o->f) != 0)
		err = 1;
	o->f = NULL;
	return err ? -1 : 0;
}
