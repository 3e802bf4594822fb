/*
 * Scripting Service Protocol, SCTP PPID 35 (docs/wire.md 9.7).
 *
 * Sizes come from one table (ssp.c).  Keep-Alive Ack is the asymmetric
 * one: 8 bytes with a Status word from the PE, 4 bytes from the PU;
 * has_value tells which.
 */
#ifndef RSP_SSP_H
#define RSP_SSP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/app.h"

enum ssp_type {
	SSP_NOT_READY = 0x00,
	SSP_READY = 0x01,
	SSP_UPLOAD = 0x02,
	SSP_DOWNLOAD = 0x03,
	SSP_KEEPALIVE = 0x04,
	SSP_KEEPALIVE_ACK = 0x05,
	SSP_STATUS = 0x06,
	SSP_ENVIRONMENT = 0x07,
};

#define SSP_FLAG_U    0x01 /* Environment answer: upload needed */
#define SSP_INFO_MAX  64
#define SSP_CHUNK_MAX 16384
#define SSP_MSG_MAX   (4 + SSP_CHUNK_MAX)
#define SSP_HASH_SIZE 20 /* SHA-1 */

#define SSP_REASON_FULLY_LOADED     1
#define SSP_REASON_OUT_OF_RESOURCES 2

struct ssp_msg {
	uint8_t type;
	uint8_t flags;
	/* Not Ready: reason; Status, Keep-Alive Ack (PE form): status. */
	uint32_t value;
	int has_value; /* Keep-Alive Ack only: 1 = PE form (8 bytes) */
	/* Not Ready / Ready: info text; Upload / Download: chunk. */
	const uint8_t *data; /* into the decoded input */
	size_t datalen;
	uint8_t hash[SSP_HASH_SIZE]; /* Environment */
};

enum app_err ssp_decode(const void *data, size_t len, struct ssp_msg *m);
int ssp_encode(const struct ssp_msg *m, struct wbuf *w);
const char *ssp_type_name(unsigned type);

#endif
