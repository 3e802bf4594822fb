/*
 * RSPLIB's fractal parameter files (its XMLFractalSave format, .fsf):
 * the few tags fractalpooluser reads, and the files of a directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tools/fsf.h"

/* The text of the first <tag>...</tag> in doc, into out. */
static int
xml_text(const char *doc, const char *tag, char *out, size_t n)
{
	char open[64], close[64];
	const char *a, *b;
	size_t len;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((a = strstr(doc, open)) == NULL)
		return -1;
	a += strlen(open);
	if ((b = strstr(a, close)) == NULL)
		return -1;
	while (a < b && (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r'))
		a++;
	len = (size_t)(b - a);
	while (len > 0 && strchr(" \n\t\r", a[len - 1]) != NULL)
		len--;
	if (len >= n)
		return -1;
	memcpy(out, a, len);
	out[len] = '\0';
	return 0;
}

static int
xml_double(const char *doc, const char *tag, double *v)
{
	char s[128], *end;

	if (xml_text(doc, tag, s, sizeof(s)) == -1)
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	return end == s || *end != '\0' || errno == ERANGE ? -1 : 0;
}

/*
 * Read a parameter file into p (Width and Height untouched).  RSPLIB's
 * rules: MandelbrotN or Mandelbrot (anything else: Mandelbrot), N 2 and
 * MaxIterations 123 unless given.  -1 with a reason in *why.
 */
int
fsf_load(const char *path, struct fgp_parameter *p, const char **why)
{
	char doc[FSF_FILE_MAX + 1], name[64], s[64], *end;
	struct fgp_parameter q = *p;
	long long it;
	size_t n;
	FILE *f;

	*why = "unreadable";
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(doc, 1, FSF_FILE_MAX, f);
	fclose(f);
	doc[n] = '\0';
	*why = "not a FractalV1 file";
	if (strstr(doc, "<FractalV1>") == NULL)
		return -1;
	q.algorithm = FGP_ALG_MANDELBROT;
	if (xml_text(doc, "AlgorithmName", name, sizeof(name)) == 0 &&
	    strcmp(name, "MandelbrotN") == 0)
		q.algorithm = FGP_ALG_MANDELBROT_N;
	*why = "C1Real, C1Imag, C2Real or C2Imag missing or bad";
	if (xml_double(doc, "C1Real", &q.c1_real) == -1 ||
	    xml_double(doc, "C1Imag", &q.c1_imag) == -1 ||
	    xml_double(doc, "C2Real", &q.c2_real) == -1 ||
	    xml_double(doc, "C2Imag", &q.c2_imag) == -1)
		return -1;
	q.n = 2.0;
	q.max_iterations = 123;
	*why = "bad N";
	if (strstr(doc, "<N>") != NULL && xml_double(doc, "N", &q.n) == -1)
		return -1;
	*why = "bad MaxIterations";
	if (xml_text(doc, "MaxIterations", s, sizeof(s)) == 0) {
		it = strtoll(s, &end, 10);
		if (end == s || *end != '\0' || it < 0 || it > 1000000)
			return -1;
		q.max_iterations = (uint32_t)it;
	}
	*p = q;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fsf_list(const char *dir, char ***files, int *nfiles)
{
	struct dirent *de;
	size_t l;
	char **v;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".fsf") != 0)
			continue;
		if ((v = realloc((*files),
		         sizeof(*v) * (size_t)((*nfiles) + 1))) == NULL)
			break;
		(*files) = v;
		if (asprintf(&(*files)[(*nfiles)], "%s/%s", dir, de->d_name) ==
		    -1)
			break;
		(*nfiles)++;
	}
	closedir(d);
	qsort((*files), (size_t)(*nfiles), sizeof(*(*files)), name_cmp);
	return 0;
}
