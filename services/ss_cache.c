// RSP_SERVICE_PART(scripting)
/*
 * The scripting service's environment cache (docs/wire.md 9.7.5), in the
 * shape of RSPLIB's: files <sha1 hex>.data in one directory, least
 * recently used evicted first.  Reads copy the file out and check its
 * hash again, so a damaged entry is dropped instead of used.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hex.h"
#include "core/log.h"
#include "services/scripting.h"

static void
entry_path(const struct ss_cache *c, const uint8_t *hash, char *out, size_t n)
{
	char hex[2 * SHA1_SIZE + 1];

	sha1_hex(hash, hex);
	snprintf(out, n, "%s/%s.data", c->dir, hex);
}

/* Copy src to dest, hashing what was copied; size or -1 with errno. */
static long long
copy_file(const char *src, const char *dest, uint8_t *hash)
{
	uint8_t buf[65536];
	struct sha1 h;
	long long size = 0;
	ssize_t n;
	int in, out, saved = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((out = open(
	         dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1) {
		saved = errno;
		close(in);
		errno = saved;
		return -1;
	}
	sha1_init(&h);
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			saved = errno ? errno : EIO;
			break;
		}
		sha1_update(&h, buf, (size_t)n);
		size += n;
	}
	if (n == -1)
		saved = errno;
	close(in);
	if (close(out) == -1 && saved == 0)
		saved = errno;
	if (saved != 0) {
		unlink(dest);
		errno = saved;
		return -1;
	}
	if (hash != NULL)
		sha1_final(&h, hash);
	return size;
}

static int
find(const struct ss_cache *c, const uint8_t *hash)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (memcmp(c->e[i].hash, hash, SHA1_SIZE) == 0)
			return i;
	return -1;
}

static void
drop(struct ss_cache *c, int i)
{
	char path[sizeof(c->dir) + 64];

	entry_path(c, c->e[i].hash, path, sizeof(path));
	unlink(path);
	c->total -= c->e[i].size;
	c->e[i] = c->e[--c->n];
}

/* Evict least recently used entries until `more` entries of size bytes
 * more fit. */
static void
make_room(struct ss_cache *c, int more, long long size)
{
	int i, lru;

	while (c->n > 0 && (c->n + more > c->max_entries ||
	                       c->total + size > c->max_bytes)) {
		for (i = 1, lru = 0; i < c->n; i++)
			if (c->e[i].used < c->e[lru].used)
				lru = i;
		log_info("scripting: evicting cached environment (%lld bytes)",
		    c->e[lru].size);
		drop(c, lru);
	}
}

static int
add(struct ss_cache *c, const uint8_t *hash, long long size)
{
	struct ss_entry *e;

	if ((e = realloc(c->e, (size_t)(c->n + 1) * sizeof(*e))) == NULL)
		return -1;
	c->e = e;
	memcpy(e[c->n].hash, hash, SHA1_SIZE);
	e[c->n].size = size;
	e[c->n].used = ++c->clock;
	c->n++;
	c->total += size;
	return 0;
}

static int
hex_hash(const char *name, uint8_t *hash)
{
	int i, hi, lo;

	if (strlen(name) != 2 * SHA1_SIZE + 5 ||
	    strcmp(name + 2 * SHA1_SIZE, ".data") != 0)
		return -1;
	for (i = 0; i < SHA1_SIZE; i++) {
		hi = hex_digit(name[2 * i]);
		lo = hex_digit(name[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Adopt the entries a previous run left in a permanent cache. */
static void
adopt(struct ss_cache *c)
{
	char path[sizeof(c->dir) + 300];
	uint8_t hash[SHA1_SIZE];
	struct dirent *d;
	struct stat st;
	DIR *dir;

	if ((dir = opendir(c->dir)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", c->dir, d->d_name);
		if (hex_hash(d->d_name, hash) == 0 && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode) && find(c, hash) == -1)
			add(c, hash, (long long)st.st_size);
	}
	closedir(dir);
}

int
ss_cache_init(
    struct ss_cache *c, const char *dir, long long max_bytes, int max_entries)
{
	const char *tmp = getenv("TMPDIR");

	memset(c, 0, sizeof(*c));
	c->max_bytes = max_bytes;
	c->max_entries = max_entries;
	if (dir == NULL) {
		snprintf(c->dir, sizeof(c->dir),
		    "%s/rspSS-EnvironmentCache-XXXXXX",
		    tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(c->dir) == NULL)
			return -1;
		c->temporary = 1;
		return 0;
	}
	if (strlen(dir) >= sizeof(c->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(c->dir, dir);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	adopt(c);
	make_room(c, 0, 0);
	return 0;
}

int
ss_cache_get(struct ss_cache *c, const uint8_t *hash, const char *dest)
{
	char path[sizeof(c->dir) + 64];
	uint8_t got[SHA1_SIZE];
	int i;

	if ((i = find(c, hash)) == -1)
		return -1;
	entry_path(c, hash, path, sizeof(path));
	if (copy_file(path, dest, got) == -1 ||
	    memcmp(got, hash, SHA1_SIZE) != 0) {
		log_warning(
		    "scripting: dropping damaged cached environment %s", path);
		unlink(dest);
		drop(c, i);
		return -1;
	}
	c->e[i].used = ++c->clock;
	return 0;
}

int
ss_cache_put(struct ss_cache *c, const uint8_t *hash, const char *src)
{
	char path[sizeof(c->dir) + 64];
	struct stat st;
	long long size;
	int i;

	if ((i = find(c, hash)) != -1) {
		c->e[i].used = ++c->clock;
		return 0;
	}
	if (stat(src, &st) == -1)
		return -1;
	if (st.st_size > c->max_bytes) {
		errno = EFBIG;
		return -1;
	}
	make_room(c, 1, (long long)st.st_size);
	entry_path(c, hash, path, sizeof(path));
	if ((size = copy_file(src, path, NULL)) == -1)
		return -1;
	if (add(c, hash, size) == -1) {
		unlink(path);
		return -1;
	}
	return 0;
}

void
ss_cache_fini(struct ss_cache *c)
{
	if (c->temporary && c->dir[0] != '\0')
		ss_remove_tree(c->dir);
	free(c->e);
	c->e = NULL;
	c->n = 0;
}
