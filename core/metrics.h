/*
 * Metrics: one snapshot that an applet fills, and the two formats
 * written from it, so the Prometheus text and the JSON status can never
 * disagree (docs/metrics.md lists every metric).
 *
 * A snapshot is a list of families (name, type, help) with their
 * samples (up to MX_LABELS_MAX labels and a value).  Names and label
 * names are the caller's static strings; label values are copied and
 * escaped on output, so a pool handle from the wire can be one (only
 * where the operator opted in: docs/metrics.md, "Labels").  Constant
 * labels (the applet, a PE's or PU's pool from its own configuration)
 * go on every sample: several rsp processes' files side by side in one
 * textfile-collector directory then never give two series one name.
 * The number of samples is bounded (MX_SAMPLES_MAX): a full snapshot
 * drops the rest (mx_dropped() counts them).
 *
 *	struct mx *m = mx_new();
 *	mx_family(m, "rsp_registrar_pools", MX_GAUGE, "pools");
 *	mx_add(m, 3);
 *	mx_family(m, "rsp_registrar_refusals_total", MX_COUNTER, "...");
 *	mx_add1(m, "cause", "invalid_values", 2);
 *	mx_write_prom(m, f); mx_write_json(m, f, "registrar");
 */
#ifndef RSP_CORE_METRICS_H
#define RSP_CORE_METRICS_H

#include <stddef.h>
#include <stdio.h>

enum mx_type {
	MX_COUNTER,
	MX_GAUGE,
};

#define MX_LABELS_MAX  2
#define MX_LABEL_LEN   64   /* a label value, truncated to fit */
#define MX_SAMPLES_MAX 4096 /* per snapshot */

struct mx;

/* NULL with errno. */
struct mx *mx_new(void);
void mx_free(struct mx *m);
/* Empty it for the next fill (keeps its memory). */
void mx_reset(struct mx *m);

/* A label for every sample (up to MX_LABELS_MAX; kept over mx_reset). */
void mx_const_label(struct mx *m, const char *k, const char *v);

/* Start a family; its samples follow.  name and help are not copied. */
void mx_family(
    struct mx *m, const char *name, enum mx_type type, const char *help);
/* A sample of the current family without labels, with one, with two.
 * Label names are not copied; values are. */
void mx_add(struct mx *m, double v);
void mx_add1(struct mx *m, const char *k, const char *v, double val);
void mx_add2(struct mx *m, const char *k1, const char *v1, const char *k2,
    const char *v2, double val);
/* A family with one unlabelled sample. */
void mx_one(struct mx *m, const char *name, enum mx_type type, const char *help,
    double v);

/* Families and samples held, and samples dropped for want of room. */
size_t mx_families(const struct mx *m);
size_t mx_samples(const struct mx *m);
size_t mx_dropped(const struct mx *m);

/*
 * The Prometheus text exposition format 0.0.4: HELP and TYPE lines,
 * then the samples, every line ending in '\n'.
 */
void mx_write_prom(const struct mx *m, FILE *f);
/*
 * JSON for scripts: {"labels":{constant labels},"metrics":{NAME:
 * {"type":..,"help":..,"samples":[{"labels":{..},"value":N},..]},..}}.
 */
void mx_write_json(const struct mx *m, FILE *f);

#endif
