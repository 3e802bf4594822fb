/*
 * Fuzz target for the TLS key file (core/transport/tls/tls_keys.c,
 * README "TLS: the key file"): any bytes, written to a memory file and
 * loaded as -tlskeyfile loads its file, either load or fail with a
 * message that starts with the file's name; a loaded file holds what
 * the format allows (keys of 16 to 64 bytes, unique identities, pool
 * patterns for role pe only and at least one there), and its patterns
 * answer for any pool handle without reading outside it.  The parser
 * needs no Mbed TLS, so the default build fuzzes it too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/transport/tls/tls_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What every loaded identity must be; abort() where it is not. */
static void
check_key(const struct tls_keys *keys, const struct tls_key *k,
    const uint8_t *data, size_t size)
{
	if (k->keylen < 16 || k->keylen > TLS_PSK_MAX || k->identity[0] == '\0')
		abort();
	if (tls_keys_find(keys, k->identity) != k)
		abort(); /* identities are unique */
	if ((k->role == TLS_ROLE_PE) != (k->npatterns > 0))
		abort();
	for (int i = 0; i < k->npatterns; i++)
		(void)tls_key_pool_allowed(
		    k, (const uint8_t *)k->patterns[i], strlen(k->patterns[i]));
	/* The input itself as a pool handle: any bytes, NULs included. */
	(void)tls_key_pool_allowed(k, data, size < 64 ? size : 64);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_keys keys;
	char path[64], err[512];
	int fd, i;

	if ((fd = memfd_create("keys", MFD_CLOEXEC)) == -1)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	if (tls_keys_load(&keys, path, err, sizeof(err)) == -1) {
		if (strncmp(err, path, strlen(path)) != 0)
			abort(); /* every error names the file */
		if (keys.n != 0 || keys.k != NULL)
			abort(); /* nothing kept from a refused file */
		close(fd);
		return 0;
	}
	for (i = 0; i < keys.n; i++)
		check_key(&keys, &keys.k[i], data, size);
	tls_keys_free(&keys);
	close(fd);
	return 0;
}
