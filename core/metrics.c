/*
 * The metrics snapshot and its two formats (core/metrics.h): the
 * Prometheus text exposition format 0.0.4 and JSON.  Both walk the
 * same arrays, so they show the same numbers.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

struct mx_family {
	const char *name, *help;
	enum mx_type type;
	size_t first, n; /* its samples */
};

struct mx_sample {
	const char *k[MX_LABELS_MAX]; /* NULL: fewer labels */
	char v[MX_LABELS_MAX][MX_LABEL_LEN];
	double val;
};

struct mx {
	struct mx_sample cl; /* constant labels */
	struct mx_family *fam;
	size_t nfam, capfam;
	struct mx_sample *s;
	size_t ns, caps;
	size_t dropped;
};

struct mx *
mx_new(void)
{
	return calloc(1, sizeof(struct mx));
}

void
mx_free(struct mx *m)
{
	if (m == NULL)
		return;
	free(m->fam);
	free(m->s);
	free(m);
}

void
mx_reset(struct mx *m)
{
	m->nfam = m->ns = m->dropped = 0;
}

/* Room for one more element of an array of cap elements of size sz. */
static int
grow(void *pp, size_t *cap, size_t n, size_t sz, size_t max)
{
	void **p = pp, *np;
	size_t nc;

	if (n < *cap)
		return 0;
	if (n >= max)
		return -1;
	nc = *cap ? *cap * 2 : 16;
	if (nc > max)
		nc = max;
	if ((np = realloc(*p, nc * sz)) == NULL)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

void
mx_family(struct mx *m, const char *name, enum mx_type type, const char *help)
{
	struct mx_family *f;

	/* As many families as samples at most: each has at least one. */
	if (grow(&m->fam, &m->capfam, m->nfam, sizeof(*f), MX_SAMPLES_MAX) ==
	    -1) {
		m->dropped++;
		return;
	}
	f = &m->fam[m->nfam++];
	f->name = name;
	f->help = help;
	f->type = type;
	f->first = m->ns;
	f->n = 0;
}

static struct mx_sample *
sample(struct mx *m, double val)
{
	struct mx_sample *s;

	if (m->nfam == 0 ||
	    grow(&m->s, &m->caps, m->ns, sizeof(*s), MX_SAMPLES_MAX) == -1) {
		m->dropped++;
		return NULL;
	}
	s = &m->s[m->ns++];
	memset(s->k, 0, sizeof(s->k));
	s->val = val;
	m->fam[m->nfam - 1].n++;
	return s;
}

static void
label(struct mx_sample *s, int i, const char *k, const char *v)
{
	s->k[i] = k;
	snprintf(s->v[i], sizeof(s->v[i]), "%s", v);
}

void
mx_add(struct mx *m, double v)
{
	sample(m, v);
}

void
mx_add1(struct mx *m, const char *k, const char *v, double val)
{
	struct mx_sample *s = sample(m, val);

	if (s != NULL)
		label(s, 0, k, v);
}

void
mx_add2(struct mx *m, const char *k1, const char *v1, const char *k2,
    const char *v2, double val)
{
	struct mx_sample *s = sample(m, val);

	if (s != NULL) {
		label(s, 0, k1, v1);
		label(s, 1, k2, v2);
	}
}

void
mx_one(struct mx *m, const char *name, enum mx_type type, const char *help,
    double v)
{
	mx_family(m, name, type, help);
	mx_add(m, v);
}

void
mx_const_label(struct mx *m, const char *k, const char *v)
{
	int i;

	for (i = 0; i < MX_LABELS_MAX; i++)
		if (m->cl.k[i] == NULL) {
			label(&m->cl, i, k, v);
			return;
		}
}

size_t
mx_families(const struct mx *m)
{
	return m->nfam;
}

size_t
mx_samples(const struct mx *m)
{
	return m->ns;
}

size_t
mx_dropped(const struct mx *m)
{
	return m->dropped;
}

/* ---- values and strings ---- */

/* Integers exactly (counters up to 2^53), others with 15 significant digits; both
 * formats accept these, and Prometheus' NaN/+Inf never arise here. */
static void
put_value(FILE *f, double v)
{
	if (!isfinite(v))
		v = 0;
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.15g", v);
}

/* Prometheus escapes: HELP text \\ and \n; label values also \". */
static void
put_prom_str(FILE *f, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

/* RFC 8259 section 7: quote, backslash and control characters escaped;
 * other bytes pass (label values are printable or hex already). */
static void
put_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *
type_name(enum mx_type t)
{
	return t == MX_COUNTER ? "counter" : "gauge";
}

/* ---- Prometheus ---- */

/* The labels of s after n others: how many there are now. */
static int
prom_labels(FILE *f, const struct mx_sample *s, int n)
{
	int i;

	for (i = 0; i < MX_LABELS_MAX && s->k[i] != NULL; i++, n++) {
		fprintf(f, "%c%s=\"", n == 0 ? '{' : ',', s->k[i]);
		put_prom_str(f, s->v[i], 1);
		fputc('"', f);
	}
	return n;
}

static void
prom_sample(
    const struct mx *m, FILE *f, const char *name, const struct mx_sample *s)
{
	fputs(name, f);
	if (prom_labels(f, s, prom_labels(f, &m->cl, 0)) > 0)
		fputc('}', f);
	fputc(' ', f);
	put_value(f, s->val);
	fputc('\n', f);
}

void
mx_write_prom(const struct mx *m, FILE *f)
{
	const struct mx_family *fam;
	size_t i, j;

	for (i = 0; i < m->nfam; i++) {
		fam = &m->fam[i];
		fprintf(f, "# HELP %s ", fam->name);
		put_prom_str(f, fam->help, 0);
		fprintf(f, "\n# TYPE %s %s\n", fam->name, type_name(fam->type));
		for (j = 0; j < fam->n; j++)
			prom_sample(m, f, fam->name, &m->s[fam->first + j]);
	}
}

/* ---- JSON ---- */

static void
json_labels(FILE *f, const struct mx_sample *s)
{
	int i;

	fputs("{\"labels\":{", f);
	for (i = 0; i < MX_LABELS_MAX && s->k[i] != NULL; i++) {
		if (i > 0)
			fputc(',', f);
		put_json_str(f, s->k[i]);
		fputc(':', f);
		put_json_str(f, s->v[i]);
	}
	fputc('}', f);
}

static void
json_sample(FILE *f, const struct mx_sample *s)
{
	json_labels(f, s);
	fputs(",\"value\":", f);
	put_value(f, s->val);
	fputc('}', f);
}

void
mx_write_json(const struct mx *m, FILE *f)
{
	const struct mx_family *fam;
	size_t i, j;

	json_labels(f, &m->cl);
	fputs(",\"metrics\":{", f);
	for (i = 0; i < m->nfam; i++) {
		fam = &m->fam[i];
		fprintf(f, "%s\n", i > 0 ? "," : "");
		put_json_str(f, fam->name);
		fputs(":{\"type\":", f);
		put_json_str(f, type_name(fam->type));
		fputs(",\"help\":", f);
		put_json_str(f, fam->help);
		fputs(",\"samples\":[", f);
		for (j = 0; j < fam->n; j++) {
			if (j > 0)
				fputc(',', f);
			json_sample(f, &m->s[fam->first + j]);
		}
		fputs("]}", f);
	}
	fputs("}}\n", f);
}
