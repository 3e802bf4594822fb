/*
 * Fuzz target for the registrar's access list parser
 * (core/registrar/acl.c): any bytes parse or fail with a message that
 * names a line; a parsed list answers every question without reading
 * outside itself.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/registrar/acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	struct rsp_handle h = {8, "EchoPool"};
	char err[256];
	struct acl *a;
	int op;

	err[0] = '\0';
	if ((a = acl_parse((const char *)data, size, err, sizeof(err))) ==
	    NULL) {
		if (err[0] < '1' || err[0] > '9')
			abort(); /* every error names its line */
		return 0;
	}
	s4.sin_addr.s_addr = htonl(0x0a010203);
	s6.sin6_addr.s6_addr[0] = 0x20;
	for (op = ACL_REGISTER; op <= ACL_DUMP; op++) {
		acl_allows(a, (enum acl_op)op, (struct sockaddr *)&s4, &h);
		acl_allows(a, (enum acl_op)op, (struct sockaddr *)&s6, NULL);
	}
	acl_free(a);
	return 0;
}
