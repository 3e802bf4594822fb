/*
 * Plain main() for any fuzz target (docs/STYLE.md practice 6): feed
 * every regular file of the directory argv[1] to LLVMFuzzerTestOneInput
 * twice (the second run catches state leaking between inputs), so that
 * `make fuzz-replay` checks the committed corpus under ASan/UBSan with
 * gcc.  Fails if the directory is missing or holds no file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read one corpus file; NULL if it is not a readable regular file. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p;
	FILE *f;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	/* One spare byte: malloc(0) may return NULL for an empty file. */
	if ((p = malloc((size_t)st.st_size + 1)) != NULL &&
	    fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)st.st_size;
	return p;
}

int
main(int argc, char *argv[])
{
	struct dirent *de;
	char path[4096];
	unsigned n = 0;
	uint8_t *data;
	size_t len;
	DIR *d;

	if (argc != 2) {
		fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
		return 2;
	}
	if ((d = opendir(argv[1])) == NULL) {
		perror(argv[1]);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		if ((data = slurp(path, &len)) == NULL)
			continue;
		LLVMFuzzerTestOneInput(data, len);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		n++;
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "%s: no corpus files\n", argv[1]);
		return 1;
	}
	printf("%u passed, 0 failed\n", n);
	return 0;
}
