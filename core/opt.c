/*
 * Option tables -> parsed values, usage text and completion lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/opt.h"
#include "rsp_features.h" /* RSP_FEATURES_OFF, mk/features.mk */

#define VAL(set, o, type) ((type *)((char *)(set)->base + (o)->off))

int
opt_parse_ll(const char *s, long long *v)
{
	char *end;

	errno = 0;
	if (*s == '\0') {
		errno = EINVAL;
		return -1;
	}
	*v = strtoll(s, &end, 0);
	if (errno)
		return -1;
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Index of word in a '|' separated list, or -1. */
static int
choice_index(const char *list, const char *word)
{
	size_t wl = strlen(word);
	int i = 0;

	for (;;) {
		const char *bar = strchr(list, '|');
		size_t l = bar ? (size_t)(bar - list) : strlen(list);

		if (l == wl && strncmp(list, word, l) == 0)
			return i;
		if (!bar)
			return -1;
		list = bar + 1;
		i++;
	}
}

static int
opt_store(const char *applet, const struct opt_set *set, const struct opt *o,
    const char *val)
{
	long long n;
	int i;

	switch (o->kind) {
	case OPT_FLAG:
		if (val && strcmp(val, "1") != 0 && strcmp(val, "on") != 0) {
			fprintf(stderr, "%s: option -%s takes no value\n",
			    applet, o->name);
			return -1;
		}
		*VAL(set, o, int) = 1;
		return 0;
	case OPT_STR:
		*VAL(set, o, const char *) = val;
		return 0;
	case OPT_OPTSTR:
		*VAL(set, o, const char *) = val ? val : "";
		return 0;
	case OPT_INT:
		if (opt_parse_ll(val, &n) == -1 || n < o->min || n > o->max) {
			fprintf(stderr,
			    "%s: invalid value '%s' for -%s: expected an "
			    "integer in %lld..%lld\n",
			    applet, val, o->name, o->min, o->max);
			return -1;
		}
		*VAL(set, o, long long) = n;
		return 0;
	case OPT_CHOICE:
		if ((i = choice_index(o->arg, val)) < 0) {
			fprintf(stderr,
			    "%s: invalid value '%s' for -%s: expected %s\n",
			    applet, val, o->name, o->arg);
			return -1;
		}
		*VAL(set, o, int) = i;
		return 0;
	case OPT_LIST: {
		struct opt_list *l = VAL(set, o, struct opt_list);

		if (l->n >= OPT_LIST_MAX) {
			fprintf(stderr, "%s: too many -%s options (max %d)\n",
			    applet, o->name, OPT_LIST_MAX);
			return -1;
		}
		l->v[l->n++] = val;
		return 0;
	}
	}
	return -1;
}

static void
opt_defaults(const struct opt_set *sets, int nsets)
{
	const struct opt *o;
	int s;

	for (s = 0; s < nsets; s++)
		for (o = sets[s].opts; o->name; o++) {
			if (o->kind == OPT_LIST)
				VAL(&sets[s], o, struct opt_list)->n = 0;
			else if (o->kind == OPT_FLAG)
				*VAL(&sets[s], o, int) = 0;
			if (o->def && o->kind != OPT_FLAG &&
			    opt_store("default", &sets[s], o, o->def) == -1)
				abort(); /* a broken table is a bug */
		}
}

static const struct opt *
opt_find(const struct opt_set *sets, int nsets, const char *name, size_t len,
    const struct opt_set **set)
{
	const struct opt *o;
	int s;

	for (s = 0; s < nsets; s++)
		for (o = sets[s].opts; o->name; o++)
			if (strlen(o->name) == len &&
			    strncmp(o->name, name, len) == 0) {
				*set = &sets[s];
				return o;
			}
	return NULL;
}

static int
opt_one(
    const char *applet, const struct opt_set *sets, int nsets, const char *arg)
{
	const struct opt_set *set;
	const struct opt *o;
	const char *name = arg + 1, *eq;

	if (*name == '-') /* accept --name=value too */
		name++;
	eq = strchr(name, '=');
	o = opt_find(
	    sets, nsets, name, eq ? (size_t)(eq - name) : strlen(name), &set);
	if (!o) {
		/* It may be one of a feature this build left out. */
		fprintf(stderr, "%s: unknown option '%s' (try --help%s%s)\n",
		    applet, arg,
		    RSP_FEATURES_OFF[0] ? "; this build leaves out: " : "",
		    RSP_FEATURES_OFF);
		return -1;
	}
	if (!eq && o->kind != OPT_FLAG && o->kind != OPT_OPTSTR) {
		fprintf(stderr, "%s: option -%s needs a value: -%s=%s\n",
		    applet, o->name, o->name, o->arg ? o->arg : "VALUE");
		return -1;
	}
	return opt_store(applet, set, o, eq ? eq + 1 : NULL);
}

static int
is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-help") || !strcmp(a, "-h");
}

int
opt_parse(const char *applet, const char *synopsis, int argc, char **argv,
    const struct opt_set *sets, int nsets, int *noperands)
{
	int i, nop = 0;

	opt_defaults(sets, nsets);
	for (i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			opt_usage(stdout, applet, synopsis, sets, nsets);
			return OPT_HELP;
		}
		if (!strcmp(argv[i], "--options")) {
			opt_dump(stdout, sets, nsets);
			return OPT_HELP;
		}
		if (!strcmp(argv[i], "--")) { /* the rest are operands */
			while (++i < argc)
				argv[1 + nop++] = argv[i];
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			argv[1 + nop++] = argv[i];
			continue;
		}
		if (opt_one(applet, sets, nsets, argv[i]) == -1)
			return OPT_ERROR;
	}
	if (noperands)
		*noperands = nop;
	return OPT_OK;
}

int
opt_parse_or_exit(const char *applet, const char *synopsis, int argc,
    char **argv, const struct opt_set *sets, int nsets)
{
	int nop = 0;

	switch (opt_parse(applet, synopsis, argc, argv, sets, nsets, &nop)) {
	case OPT_HELP:
		exit(0);
	case OPT_ERROR:
		exit(2);
	}
	return nop;
}

static void
opt_usage_line(FILE *f, const struct opt *o)
{
	char lhs[64];

	if (o->kind == OPT_FLAG)
		snprintf(lhs, sizeof(lhs), "-%s", o->name);
	else if (o->kind == OPT_OPTSTR)
		snprintf(lhs, sizeof(lhs), "-%s[=%s]", o->name,
		    o->arg ? o->arg : "VALUE");
	else
		snprintf(lhs, sizeof(lhs), "-%s=%s", o->name,
		    o->arg ? o->arg : "VALUE");
	fprintf(f, "  %-30s %s", lhs, o->help ? o->help : ""); /* OPT_HELP */
	if (o->kind == OPT_INT && o->min != o->max)
		fprintf(f, " (%lld..%lld", o->min, o->max);
	if (o->def && o->kind != OPT_FLAG)
		fprintf(f, "%sdefault %s)",
		    o->kind == OPT_INT && o->min != o->max ? ", " : " (",
		    o->def);
	else if (o->kind == OPT_INT && o->min != o->max)
		fputc(')', f);
	if (o->kind == OPT_LIST)
		fputs(" [repeatable]", f);
	fputc('\n', f);
}

void
opt_usage(FILE *f, const char *applet, const char *synopsis,
    const struct opt_set *sets, int nsets)
{
	const struct opt *o;
	int s;

	fprintf(f, "usage: rsp %s %s\n", applet, synopsis ? synopsis : "");
	for (s = 0; s < nsets; s++) {
		fputc('\n', f);
		for (o = sets[s].opts; o->name; o++)
			opt_usage_line(f, o);
	}
	/* --version is answered by main.c before the applet runs. */
	fprintf(f, "\n  %-30s %s\n  %-30s %s\n  %-30s %s\n", "--help",
	    "this text", "--options", "the option names, one per line",
	    "--version", "the version and licence, one line");
}

static const char *const opt_kind_name[] = {
    [OPT_FLAG] = "flag",
    [OPT_STR] = "str",
    [OPT_INT] = "int",
    [OPT_CHOICE] = "choice",
    [OPT_LIST] = "list",
    [OPT_OPTSTR] = "optstr",
};

/* A field of the dump: "-" when empty, so that a shell's `read` (whose
 * IFS=tab would merge empty fields) always sees seven. */
static const char *
dump_field(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

static void
opt_dump_line(FILE *f, const struct opt *o)
{
	int flag = o->kind == OPT_FLAG, optional = o->kind == OPT_OPTSTR;

	fprintf(f, "-%s%s\t%s\t%s\t%s\t", o->name, flag || optional ? "" : "=",
	    flag       ? "no"
	    : optional ? "optional"
	               : "yes",
	    opt_kind_name[o->kind], dump_field(o->arg));
	if (o->kind == OPT_INT && o->min != o->max)
		fprintf(f, "%lld..%lld", o->min, o->max);
	else
		fputc('-', f);
	fprintf(f, "\t%s\t%s\n", flag ? "-" : dump_field(o->def),
	    dump_field(o->help));
}

void
opt_dump(FILE *f, const struct opt_set *sets, int nsets)
{
	const struct opt *o;
	int s;

	for (s = 0; s < nsets; s++)
		for (o = sets[s].opts; o->name; o++)
			opt_dump_line(f, o);
}

int
opt_parse_double(const char *argv0, const char *name, const char *s, double min,
    double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= min) ||
	    !(v <= max)) {
		fprintf(stderr, "%s: -%s=%s: expected a number %g..%g\n", argv0,
		    name, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}
