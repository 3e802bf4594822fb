/*
 * Classic pcap files for the tests (test-only code).
 *
 * pcap_walk() reads a whole capture held in memory: link types Ethernet
 * (with 802.1Q tags), BSD loopback (DLT_NULL, DLT_LOOP), Linux cooked
 * and raw IP; then IPv4 or IPv6 (extension headers skipped, fragments
 * counted and skipped), then every SCTP DATA chunk and every UDP
 * payload, one callback per message.  DATA chunks that are only part of
 * a user message (B and E bits not both set) are counted and skipped:
 * reassembly is not needed for the captures we hold.
 *
 * The writer produces what `text2pcap -S sport,dport,ppid` (or -u for
 * UDP) produces, minus the fake Ethernet header: one packet per message,
 * raw IPv4 (LINKTYPE_RAW), SCTP with a valid CRC32c and one DATA chunk
 * (B+E, stream 0, ordered, TSN and SSN counting up), or UDP.
 */
#ifndef RSP_TEST_PCAP_H
#define RSP_TEST_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAP_IPPROTO_SCTP 132
#define PCAP_IPPROTO_UDP  17

struct pcap_msg {
	uint32_t frame; /* 1-based, as Wireshark numbers them */
	uint32_t ts_sec, ts_frac;
	int ipver;                /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4: first 4 bytes */
	uint8_t proto;            /* PCAP_IPPROTO_SCTP or PCAP_IPPROTO_UDP */
	uint16_t sport, dport;
	/* SCTP only. */
	uint32_t ppid;
	uint32_t tsn;
	uint16_t stream, ssn;
	uint8_t chunk_flags;
	const uint8_t *data; /* the user message / UDP payload */
	size_t len;
};

struct pcap_stats {
	uint32_t frames; /* records in the file */
	uint32_t linktype;
	uint32_t non_ip;       /* ARP, unknown link payload, ... */
	uint32_t ip_fragments; /* IP fragments skipped */
	uint32_t truncated;    /* snapped or malformed packets skipped */
	uint32_t sctp_packets, sctp_data, sctp_fragments;
	uint32_t udp;
	uint32_t other; /* other IP protocols */
};

/* Return non-zero from the callback to stop the walk. */
typedef int (*pcap_cb)(const struct pcap_msg *m, void *arg);

/* 0 on success (whole file walked or stopped by the callback), -1 if
 * the file header or a record header is bad. */
int pcap_walk(const uint8_t *file, size_t len, pcap_cb cb, void *arg,
    struct pcap_stats *st);
const char *pcap_linktype_name(uint32_t linktype);

struct pcap_out {
	FILE *f;
	uint32_t frames;
	uint32_t tsn;
	uint16_t ssn;
	uint16_t ip_id;
	int err;
};

int pcap_out_open(struct pcap_out *o, const char *path);
/* One IPv4/SCTP packet 192.0.2.1:sport -> 192.0.2.2:dport. */
int pcap_out_sctp(struct pcap_out *o, uint16_t sport, uint16_t dport,
    uint32_t ppid, const void *msg, size_t len);
/* One IPv4/UDP datagram. */
int pcap_out_udp(struct pcap_out *o, uint16_t sport, uint16_t dport,
    const void *msg, size_t len);
/* Closes the file; -1 if any write failed. */
int pcap_out_close(struct pcap_out *o);

/* CRC32c (Castagnoli) as SCTP uses it (RFC 4960 appendix B). */
uint32_t pcap_crc32c(const uint8_t *p, size_t n);

#endif
