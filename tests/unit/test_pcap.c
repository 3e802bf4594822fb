/*
 * The test pcap reader (tests/unit/pcap.c) on hand-made captures: each
 * supported link type, big- and little-endian files, IPv6 with an
 * extension header, bundled SCTP DATA chunks, fragments (IP and SCTP)
 * skipped and counted, truncated packets refused without over-reads.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "pcap.h"
#include "testlib.h"

struct seen {
	unsigned n;
	struct pcap_msg last[4];
	uint8_t data[4][16];
};

static int
collect(const struct pcap_msg *m, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4) {
		s->last[s->n] = *m;
		memcpy(s->data[s->n], m->data, m->len < 16 ? m->len : 16);
	}
	s->n++;
	return 0;
}

static void
file_header(struct wbuf *w, int le, uint32_t linktype)
{
	wbuf_add_n32(w, le ? 0xd4c3b2a1 : 0xa1b2c3d4);
	if (le) {
		wbuf_add_n32(w, 0x02000400);
		wbuf_add_zero(w, 8);
		wbuf_add_n32(w, 0xffff0000);
		wbuf_add_n32(w, __builtin_bswap32(linktype));
	} else {
		wbuf_add_n32(w, 0x00020004);
		wbuf_add_zero(w, 8);
		wbuf_add_n32(w, 65535);
		wbuf_add_n32(w, linktype);
	}
}

static void
record(struct wbuf *w, int le, const struct wbuf *pkt)
{
	uint32_t n = (uint32_t)pkt->len;

	wbuf_add_zero(w, 8);
	wbuf_add_n32(w, le ? __builtin_bswap32(n) : n);
	wbuf_add_n32(w, le ? __builtin_bswap32(n) : n);
	wbuf_add(w, pkt->data, pkt->len);
}

/* SCTP common header and one DATA chunk of 4 bytes "ABCD" per flags. */
static void
sctp(struct wbuf *p, const uint8_t *flags, int nchunks)
{
	int i;

	wbuf_add_n16(p, 1000);
	wbuf_add_n16(p, 2000);
	wbuf_add_n32(p, 1);
	wbuf_add_n32(p, 0);
	for (i = 0; i < nchunks; i++) {
		wbuf_add_n8(p, 0);
		wbuf_add_n8(p, flags[i]);
		wbuf_add_n16(p, 20);
		wbuf_add_n32(p, 100 + (uint32_t)i);
		wbuf_add_n16(p, 0);
		wbuf_add_n16(p, (uint32_t)i);
		wbuf_add_n32(p, 11);
		wbuf_add(p, "ABCD", 4);
	}
}

static void
ipv4(struct wbuf *p, uint8_t proto, size_t n, uint16_t frag)
{
	static const uint8_t a[4] = {10, 0, 0, 1};

	wbuf_add_n8(p, 0x45);
	wbuf_add_n8(p, 0);
	wbuf_add_n16(p, (uint32_t)(20 + n));
	wbuf_add_n16(p, 0);
	wbuf_add_n16(p, frag);
	wbuf_add_n8(p, 64);
	wbuf_add_n8(p, proto);
	wbuf_add_n16(p, 0);
	wbuf_add(p, a, 4);
	wbuf_add(p, a, 4);
}

static void
test_link_types(void)
{
	static const uint8_t be[] = {0x03}, bundle[] = {0x03, 0x02, 0x03};
	struct wbuf f, p, s;
	struct pcap_stats st;
	struct seen seen;
	int le;

	wbuf_init_dynamic(&f, 256, 65536);
	wbuf_init_dynamic(&p, 256, 65536);
	wbuf_init_dynamic(&s, 256, 65536);
	for (le = 0; le < 2; le++) {
		/* DLT_NULL, IPv6 with a destination options header,
		 * three bundled chunks, the middle one a fragment. */
		test_section(le ? "null/ipv6 le" : "null/ipv6 be");
		wbuf_reset(&f);
		wbuf_reset(&p);
		wbuf_reset(&s);
		file_header(&f, le, 0);
		sctp(&s, bundle, 3);
		wbuf_add_n32(&p, 0x1e000000); /* AF_INET6 = 30, little-endian */
		wbuf_add_n32(&p, 0x60000000);
		wbuf_add_n16(&p, (uint32_t)(8 + s.len));
		wbuf_add_n8(&p, 60);
		wbuf_add_n8(&p, 64);
		wbuf_add_zero(&p, 32);
		wbuf_add_n8(&p, 132);
		wbuf_add_n8(&p, 0);
		wbuf_add_zero(&p, 6);
		wbuf_add(&p, s.data, s.len);
		record(&f, le, &p);
		memset(&seen, 0, sizeof(seen));
		CHECK(pcap_walk(f.data, f.len, collect, &seen, &st) == 0);
		CHECK(st.linktype == 0 && st.frames == 1);
		CHECK(
		    seen.n == 2 && st.sctp_fragments == 1 && st.sctp_data == 3);
		CHECK(seen.last[0].ipver == 6 && seen.last[0].ppid == 11 &&
		      seen.last[0].sport == 1000 && seen.last[0].dport == 2000);
		CHECK(seen.last[1].tsn == 102 && seen.last[1].len == 4 &&
		      memcmp(seen.data[1], "ABCD", 4) == 0);
	}

	/* Ethernet with a VLAN tag, IPv4 fragment skipped, UDP read. */
	test_section("ethernet");
	wbuf_reset(&f);
	file_header(&f, 1, 1);
	wbuf_reset(&p);
	wbuf_add_zero(&p, 12);
	wbuf_add_n16(&p, 0x8100);
	wbuf_add_n16(&p, 5);
	wbuf_add_n16(&p, 0x0800);
	ipv4(&p, 17, 12, 0);
	wbuf_add_n16(&p, 5000);
	wbuf_add_n16(&p, 2960);
	wbuf_add_n16(&p, 12);
	wbuf_add_n16(&p, 0);
	wbuf_add(&p, "WXYZ", 4);
	wbuf_add_zero(&p, 6); /* Ethernet trailer padding */
	record(&f, 1, &p);
	wbuf_reset(&p);
	wbuf_add_zero(&p, 12);
	wbuf_add_n16(&p, 0x0800);
	ipv4(&p, 17, 12, 0x2000); /* MF */
	wbuf_add_zero(&p, 12);
	record(&f, 1, &p);
	wbuf_reset(&p);
	wbuf_add_zero(&p, 12);
	wbuf_add_n16(&p, 0x0806); /* ARP */
	wbuf_add_zero(&p, 28);
	record(&f, 1, &p);
	memset(&seen, 0, sizeof(seen));
	CHECK(pcap_walk(f.data, f.len, collect, &seen, &st) == 0);
	CHECK(st.frames == 3 && seen.n == 1 && st.ip_fragments == 1 &&
	      st.non_ip == 1 && st.udp == 1);
	CHECK(seen.last[0].proto == 17 && seen.last[0].dport == 2960 &&
	      seen.last[0].len == 4 && memcmp(seen.data[0], "WXYZ", 4) == 0);

	/* Raw IPv4 and Linux cooked. */
	test_section("raw, sll");
	wbuf_reset(&f);
	file_header(&f, 0, 101);
	wbuf_reset(&s);
	sctp(&s, be, 1);
	wbuf_reset(&p);
	ipv4(&p, 132, s.len, 0x4000);
	wbuf_add(&p, s.data, s.len);
	record(&f, 0, &p);
	memset(&seen, 0, sizeof(seen));
	CHECK(pcap_walk(f.data, f.len, collect, &seen, &st) == 0);
	CHECK(seen.n == 1 && seen.last[0].ipver == 4);
	wbuf_reset(&f);
	file_header(&f, 0, 113);
	wbuf_reset(&p);
	wbuf_add_zero(&p, 14);
	wbuf_add_n16(&p, 0x0800);
	ipv4(&p, 132, s.len, 0);
	wbuf_add(&p, s.data, s.len);
	record(&f, 0, &p);
	memset(&seen, 0, sizeof(seen));
	CHECK(pcap_walk(f.data, f.len, collect, &seen, &st) == 0);
	CHECK(seen.n == 1);

	/* Every truncation of that file: no crash, no over-read. */
	test_section("truncated");
	{
		size_t n;
		int ok = 1;

		for (n = 0; n < f.len; n++) {
			uint8_t *c = malloc(n ? n : 1);

			memcpy(c, f.data, n);
			memset(&seen, 0, sizeof(seen));
			if (pcap_walk(c, n, collect, &seen, &st) == 0 &&
			    seen.n != 0)
				ok = 0;
			free(c);
		}
		CHECK(ok);
	}
	CHECK(pcap_walk((const uint8_t *)"abcd", 4, collect, &seen, &st) == -1);
	wbuf_free(&f);
	wbuf_free(&p);
	wbuf_free(&s);
}

int
main(void)
{
	test_link_types();
	return test_done();
}
