/*
 * Reader for the annotated hex-dump vector files of tests/vectors/
 * (rsplib-3-generated.txt, demo-messages.txt): blocks separated by lines
 * of '=', a title line, then "    0000  01 02 ..." lines.  Test-only.
 */
#ifndef RSP_VECFILE_H
#define RSP_VECFILE_H

#include <stddef.h>
#include <stdint.h>

struct vec_entry {
	char title[256]; /* the block's first line */
	char proto[32];  /* its first word: "ASAP", "FGP", "CALCAPP", ... */
	long ppid;       /* from "(PPID n, ...)", -1 if absent */
	uint8_t *data;
	size_t len;
};

struct vec_file {
	size_t n;
	struct vec_entry *v;
};

/* 0 on success, -1 if the file cannot be read or a dump is corrupt. */
int vec_load(const char *path, struct vec_file *vf);
void vec_free(struct vec_file *vf);

#endif
