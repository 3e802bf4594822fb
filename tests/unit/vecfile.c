/*
 * Vector file reader (see vecfile.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "vecfile.h"

static int
is_hex_line(const char *line)
{
	return strncmp(line, "    ", 4) == 0 && strlen(line) >= 10 &&
	       strspn(line + 4, "0123456789abcdef") == 4 &&
	       strncmp(line + 8, "  ", 2) == 0;
}

static int
add_hex(struct vec_entry *e, const char *hex)
{
	uint8_t tmp[64];
	long n = test_hex(hex, tmp, sizeof(tmp));
	uint8_t *p;

	if (n < 0)
		return -1;
	if ((p = realloc(e->data, e->len + (size_t)n + 1)) == NULL)
		return -1;
	e->data = p;
	memcpy(e->data + e->len, tmp, (size_t)n);
	e->len += (size_t)n;
	return 0;
}

static struct vec_entry *
new_entry(struct vec_file *vf, const char *title)
{
	struct vec_entry *v, *e;
	const char *p;

	if ((v = realloc(vf->v, (vf->n + 1) * sizeof(*v))) == NULL)
		return NULL;
	vf->v = v;
	e = &v[vf->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->title, sizeof(e->title), "%.*s",
	    (int)(sizeof(e->title) - 1), title);
	e->title[strcspn(e->title, "\r\n")] = '\0';
	snprintf(e->proto, sizeof(e->proto), "%.*s",
	    (int)strcspn(title, " \r\n"), title);
	e->ppid = -1;
	if ((p = strstr(title, "(PPID ")) != NULL)
		e->ppid = strtol(p + 6, NULL, 10);
	return e;
}

int
vec_load(const char *path, struct vec_file *vf)
{
	char line[1024];
	struct vec_entry *e = NULL;
	int want_title = 0, in_dump = 0, rc = 0;
	FILE *f;

	memset(vf, 0, sizeof(*vf));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "=====", 5) == 0) {
			want_title = 1;
			e = NULL;
			continue;
		}
		if (want_title) {
			if (line[strspn(line, " \r\n")] == '\0')
				continue;
			want_title = 0;
			if ((e = new_entry(vf, line)) == NULL) {
				rc = -1;
				break;
			}
			in_dump = 1;
			continue;
		}
		if (e == NULL || !in_dump)
			continue;
		if (strncmp(line, "tshark", 6) == 0) {
			in_dump = 0;
			continue;
		}
		if (is_hex_line(line) && add_hex(e, line + 10) == -1) {
			rc = -1;
			break;
		}
	}
	fclose(f);
	if (rc == -1)
		vec_free(vf);
	return rc;
}

void
vec_free(struct vec_file *vf)
{
	size_t i;

	for (i = 0; i < vf->n; i++)
		free(vf->v[i].data);
	free(vf->v);
	vf->v = NULL;
	vf->n = 0;
}
