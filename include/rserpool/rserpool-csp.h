/*
 * Component Status Protocol identifiers: a 64-bit component ID holds
 * its group (registrar, PE, PU) from bit 56 up and the object number
 * in the 56 bits below, as RSPLIB 3's <rserpool/rserpool-csp.h> lays
 * them out.  ISC licence (LICENSE).
 */
#ifndef RSERPOOL_CSP_H
#define RSERPOOL_CSP_H

#include <stdint.h>

#define CID_GROUP(id)  ((((uint64_t)(id)) >> 56) & 0xffffULL)
#define CID_OBJECT(id) (((uint64_t)(id)) & 0xffffffffffffffULL)
#define CID_COMPOUND(group, object) \
	((((uint64_t)((group)&0xffff)) << 56) | CID_OBJECT(object))

#define CID_GROUP_REGISTRAR   0x0001
#define CID_GROUP_POOLELEMENT 0x0002
#define CID_GROUP_POOLUSER    0x0003

#endif
