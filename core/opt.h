/*
 * RSPLIB-style option parsing: "-name=value", "-flag", repeatable options,
 * range checks.  Each applet declares its options in a table; the same
 * table drives parsing, --help, --options (for completions) and defaults,
 * so usage text can never drift from what the parser accepts.
 */
#ifndef RSP_OPT_H
#define RSP_OPT_H

#include <stddef.h>
#include <stdio.h>

#include "rsp_features.h" /* RSP_WITH_HELP, mk/features.mk */

enum opt_kind {
	OPT_FLAG,   /* int: 1 when given */
	OPT_STR,    /* const char * */
	OPT_INT,    /* long long within [min, max] */
	OPT_CHOICE, /* int: index into the '|'-separated list in .arg */
	OPT_LIST,   /* struct opt_list: repeatable, each -name=v appended */
	OPT_OPTSTR, /* const char *: the value, "" when given bare */
};

#define OPT_LIST_MAX 64

struct opt_list {
	int n;
	const char *v[OPT_LIST_MAX];
};

struct opt {
	const char *name; /* without the leading '-'; NULL ends a table */
	enum opt_kind kind;
	const char *arg;  /* value placeholder, or "a|b|c" for OPT_CHOICE */
	const char *help; /* one line */
	const char *def;  /* default as text, applied before parsing, or NULL */
	long long min, max;
	size_t off; /* where the value lives in the option struct */
};

/* An option's one-line help: in --help and --options, or, in a build
 * without the help feature (a router's: mk/features.mk), nothing, and
 * the man pages say it. */
#if RSP_WITH_HELP
#define OPT_HELP(s) (s)
#else
#define OPT_HELP(s) NULL
#endif

/* A row of a table whose values live in a struct `type` (field f):
 *	#define REG_OPT(...) OPT_ROW(struct reg_config, __VA_ARGS__)
 * the one row macro; tables name their struct once that way. */
#define OPT_ROW(type, n, k, a, h, d, lo, hi, f)                                \
	{                                                                      \
		(n), (k), (a), OPT_HELP(h), (d), (lo), (hi), offsetof(type, f) \
	}

/* One option table and the struct its offsets point into. */
struct opt_set {
	const struct opt *opts;
	void *base;
};

#define OPT_END                                           \
	{                                                 \
		NULL, OPT_FLAG, NULL, NULL, NULL, 0, 0, 0 \
	}

enum {
	OPT_OK = 0,
	OPT_HELP = 1,   /* usage printed: exit 0 */
	OPT_ERROR = -1, /* message printed: exit 2 */
};

/*
 * Parse argv[1..] into the sets.  Operands (arguments not starting with
 * '-', "-" itself, and everything after "--") are left in argv and their
 * count stored in *noperands after being moved to the front of argv + 1.
 */
int opt_parse(const char *applet, const char *synopsis, int argc, char **argv,
    const struct opt_set *sets, int nsets, int *noperands);
/* Same, but exits: 0 after --help, 2 on a usage error. */
int opt_parse_or_exit(const char *applet, const char *synopsis, int argc,
    char **argv, const struct opt_set *sets, int nsets);
void opt_usage(FILE *f, const char *applet, const char *synopsis,
    const struct opt_set *sets, int nsets);
/*
 * --options: the option table, one line per option, seven fields
 * separated by tabs, "-" for an empty one (docs and man/rsp.1):
 *	-name= or -flag  yes|no|optional  flag|str|int|choice|list|optstr
 *	ARG  MIN..MAX  DEFAULT  HELP
 * The first field is what a user types (completion); init scripts map
 * their configuration onto the rest (openwrt/, systemd/).
 */
void opt_dump(FILE *f, const struct opt_set *sets, int nsets);
/* Parse a decimal or 0x-prefixed integer; -1 with errno on failure. */
int opt_parse_ll(const char *s, long long *v);
/* A number for an option whose table entry is a string (fractions):
 * -1 with a message on stderr when s is not a number in [min, max]. */
int opt_parse_double(const char *argv0, const char *name, const char *s,
    double min, double max, double *out);

#endif
