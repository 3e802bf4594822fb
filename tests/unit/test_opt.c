/*
 * Option tables (core/opt.c): RSPLIB syntax, kinds, range and choice
 * errors, defaults, operands, --help/--options and the usage text.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/opt.h"
#include "testlib.h"

struct cfg {
	int flag;
	const char *str;
	long long num;
	int choice;
	struct opt_list list;
	long long port;
};

static const struct opt cfg_opts[] = {
    {"flag", OPT_FLAG, NULL, "a flag", NULL, 0, 0, offsetof(struct cfg, flag)},
    {"str", OPT_STR, "TEXT", "a string", NULL, 0, 0, offsetof(struct cfg, str)},
    {"num", OPT_INT, "N", "a number", "5", 1, 10, offsetof(struct cfg, num)},
    {"choice", OPT_CHOICE, "red|green|blue", "a colour", "green", 0, 0,
        offsetof(struct cfg, choice)},
    {"list", OPT_LIST, "ADDR", "an address", NULL, 0, 0,
        offsetof(struct cfg, list)},
    {"port", OPT_INT, "PORT", "a port", NULL, 0, 65535,
        offsetof(struct cfg, port)},
    OPT_END,
};

static struct cfg cfg;
static struct log_config logc;
static const struct opt_set sets[] = {
    {cfg_opts, &cfg},
    {log_opts, &logc},
};
#define NSETS ((int)(sizeof(sets) / sizeof(sets[0])))

static char out[8192], err[8192];

/* The start of --options for the sets above. */
static const char dump_head[] =
    "-flag\tno\tflag\t-\t-\t-\ta flag\n"
    "-str=\tyes\tstr\tTEXT\t-\t-\ta string\n"
    "-num=\tyes\tint\tN\t1..10\t5\ta number\n"
    "-choice=\tyes\tchoice\tred|green|blue\t-\tgreen\ta colour\n"
    "-list=\tyes\tlist\tADDR\t-\t-\tan address\n"
    "-port=\tyes\tint\tPORT\t0..65535\t-\ta port\n"
    "-loglevel=\tyes\tint\t0..9\t0..9\t3\t";
static int nop;

/* Read what fd 1 or 2 received into a temp file back into buf. */
static void
slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/*
 * Run opt_parse on a NULL-terminated argument vector (argv[0] = "test"),
 * capturing stdout and stderr in out[] and err[].
 */
static int
parse_v(char **argv)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	int argc, rc, so, se;

	if (!fo || !fe)
		abort();
	for (argc = 0; argv[argc]; argc++)
		;
	memset(&cfg, 0, sizeof(cfg));
	memset(&logc, 0, sizeof(logc));
	nop = -1;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	rc = opt_parse("test", "[OPERAND ...]", argc, argv, sets, NSETS, &nop);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(fo, out, sizeof(out));
	slurp(fe, err, sizeof(err));
	return rc;
}

#define PARSE(...) parse_v((char *[]){"test", __VA_ARGS__, NULL})

static void
test_syntax(void)
{
	test_section("syntax");
	CHECK(PARSE("-str=hello", "--num=7", "-flag") == OPT_OK);
	CHECK(cfg.str && strcmp(cfg.str, "hello") == 0);
	CHECK(cfg.num == 7 && cfg.flag == 1);
	CHECK(nop == 0 && err[0] == '\0' && out[0] == '\0');
	CHECK(PARSE("--flag", "-choice=blue") == OPT_OK);
	CHECK(cfg.flag == 1 && cfg.choice == 2);
	/* Only the first '=' separates name and value. */
	CHECK(PARSE("-str=a=b", "-str=") == OPT_OK && strcmp(cfg.str, "") == 0);
	CHECK(PARSE("-str=a=b") == OPT_OK && strcmp(cfg.str, "a=b") == 0);
	/* A later occurrence of a single-valued option wins. */
	CHECK(PARSE("-num=2", "-num=3") == OPT_OK && cfg.num == 3);
	CHECK(PARSE("-num=0x0a") == OPT_OK && cfg.num == 10);
	CHECK(PARSE("-flag=1") == OPT_OK && cfg.flag == 1);
	CHECK(PARSE("-flag=on") == OPT_OK && cfg.flag == 1);
	CHECK(PARSE("-flag=yes") == OPT_ERROR);
	CHECK(strstr(err, "-flag takes no value") != NULL);
	/* Options of every set are found: here the shared log options. */
	CHECK(PARSE("-loglevel=9", "-logcolor=off", "-logfile=/tmp/x",
	          "-logappend", "-logsyslog") == OPT_OK);
	CHECK(logc.level == 9 && logc.color == 2 && logc.append != NULL &&
	      logc.append[0] == '\0' && logc.syslog == 1 &&
	      strcmp(logc.file, "/tmp/x") == 0);
	/* RSPLIB's -logappend=FILE: an optional value. */
	CHECK(PARSE("-logappend=/tmp/y") == OPT_OK && logc.append != NULL &&
	      strcmp(logc.append, "/tmp/y") == 0);
	CHECK(PARSE("-loglevel=1") == OPT_OK && logc.append == NULL);
}

static void
test_list(void)
{
	char *argv[OPT_LIST_MAX + 3], vals[OPT_LIST_MAX + 1][32];
	int i;

	test_section("list");
	CHECK(PARSE("-list=a", "-list=b", "-list=c") == OPT_OK);
	CHECK(cfg.list.n == 3 && strcmp(cfg.list.v[0], "a") == 0 &&
	      strcmp(cfg.list.v[2], "c") == 0);
	CHECK(PARSE("-flag") == OPT_OK && cfg.list.n == 0);

	argv[0] = "test";
	for (i = 0; i < OPT_LIST_MAX; i++) {
		snprintf(vals[i], sizeof(vals[i]), "-list=10.0.0.%d", i);
		argv[i + 1] = vals[i];
	}
	argv[OPT_LIST_MAX + 1] = NULL;
	CHECK(parse_v(argv) == OPT_OK && cfg.list.n == OPT_LIST_MAX);
	CHECK(strcmp(cfg.list.v[OPT_LIST_MAX - 1],
	          vals[OPT_LIST_MAX - 1] + strlen("-list=")) == 0);
	snprintf(vals[OPT_LIST_MAX], sizeof(vals[0]), "-list=one-too-many");
	argv[OPT_LIST_MAX + 1] = vals[OPT_LIST_MAX];
	argv[OPT_LIST_MAX + 2] = NULL;
	CHECK(parse_v(argv) == OPT_ERROR);
	CHECK(strstr(err, "too many -list options") != NULL);
}

static void
test_errors(void)
{
	test_section("errors");
	CHECK(PARSE("-num=11") == OPT_ERROR);
	CHECK(strstr(err, "invalid value '11' for -num") != NULL);
	CHECK(strstr(err, "1..10") != NULL);
	CHECK(PARSE("-num=0") == OPT_ERROR);
	CHECK(PARSE("-num=1") == OPT_OK && cfg.num == 1);
	CHECK(PARSE("-num=10") == OPT_OK && cfg.num == 10);
	CHECK(PARSE("-num=5x") == OPT_ERROR);
	CHECK(PARSE("-num=") == OPT_ERROR);
	CHECK(PARSE("-port=65536") == OPT_ERROR);
	CHECK(PARSE("-port=99999999999999999999") == OPT_ERROR);
	CHECK(PARSE("-port=-1") == OPT_ERROR);
	CHECK(PARSE("-loglevel=10") == OPT_ERROR);

	CHECK(PARSE("-choice=purple") == OPT_ERROR);
	CHECK(strstr(err, "invalid value 'purple' for -choice") != NULL);
	CHECK(strstr(err, "red|green|blue") != NULL);
	CHECK(PARSE("-choice=") == OPT_ERROR);
	CHECK(PARSE("-choice=gree") == OPT_ERROR);
	CHECK(PARSE("-choice=greens") == OPT_ERROR);
	CHECK(PARSE("-logcolor=maybe") == OPT_ERROR);

	CHECK(PARSE("-bogus") == OPT_ERROR);
	CHECK(strstr(err, "test: unknown option '-bogus'") != NULL);
	CHECK(PARSE("--bogus=1") == OPT_ERROR);
	CHECK(strstr(err, "unknown option '--bogus=1'") != NULL);
	/* Prefixes are not abbreviations. */
	CHECK(PARSE("-fla") == OPT_ERROR && PARSE("-flags") == OPT_ERROR);
	CHECK(PARSE("-str=x", "-nope=1", "-flag") == OPT_ERROR);

	CHECK(PARSE("-str") == OPT_ERROR);
	CHECK(strstr(err, "option -str needs a value: -str=TEXT") != NULL);
	CHECK(PARSE("-num") == OPT_ERROR);
	CHECK(PARSE("-list") == OPT_ERROR);
	CHECK(PARSE("-choice") == OPT_ERROR);
	CHECK(strstr(err, "-choice=red|green|blue") != NULL);
}

static void
test_defaults(void)
{
	test_section("defaults");
	CHECK(PARSE("-flag") == OPT_OK);
	CHECK(cfg.num == 5 && cfg.choice == 1 && cfg.str == NULL);
	CHECK(logc.level == 3 && logc.color == 0 && logc.append == 0);
	CHECK(PARSE("-num=9", "-choice=red") == OPT_OK);
	CHECK(cfg.num == 9 && cfg.choice == 0 && cfg.flag == 0);
	/* Defaults are applied before parsing even when the option is given. */
	CHECK(PARSE("-loglevel=0") == OPT_OK && logc.level == 0);
}

static void
test_operands(void)
{
	char *argv[] = {"test", "a", "-flag", "b", "-", "-num=2", "c", NULL};

	test_section("operands");
	CHECK(parse_v(argv) == OPT_OK && nop == 4);
	CHECK(strcmp(argv[1], "a") == 0 && strcmp(argv[2], "b") == 0);
	CHECK(strcmp(argv[3], "-") == 0 && strcmp(argv[4], "c") == 0);
	CHECK(cfg.flag == 1 && cfg.num == 2);
	CHECK(PARSE("x") == OPT_OK && nop == 1);
	/* "--" ends the options. */
	CHECK(PARSE("-num=3", "--", "-flag", "--help") == OPT_OK && nop == 2);
	CHECK(cfg.num == 3 && cfg.flag == 0 && out[0] == '\0');
}

static void
test_help(void)
{
	const struct opt *o;
	char want[64];
	int s;

	test_section("help");
	CHECK(PARSE("--help") == OPT_HELP);
	CHECK(strncmp(out, "usage: rsp test [OPERAND ...]\n", 30) == 0);
	CHECK(err[0] == '\0');
	CHECK(PARSE("-flag", "-h") == OPT_HELP && out[0] != '\0');
	CHECK(PARSE("-help") == OPT_HELP && out[0] != '\0');

	/* Every option of every set, with its placeholder, in the usage. */
	CHECK(PARSE("--help") == OPT_HELP);
	for (s = 0; s < NSETS; s++)
		for (o = sets[s].opts; o->name; o++) {
			if (o->kind == OPT_FLAG)
				snprintf(want, sizeof(want), "  -%s ", o->name);
			else if (o->kind == OPT_OPTSTR)
				snprintf(want, sizeof(want), "  -%s[=%s] ",
				    o->name, o->arg);
			else
				snprintf(want, sizeof(want), "  -%s=%s ",
				    o->name, o->arg);
			if (!CHECK(strstr(out, want) != NULL))
				fprintf(stderr, "  missing '%s'\n", want);
		}
	CHECK(strstr(out, "(1..10, default 5)") != NULL);
	CHECK(strstr(out, "(default green)") != NULL);
	CHECK(strstr(out, "[repeatable]") != NULL);

	/* --options: the table, seven tab-separated fields per option,
	 * "-" for an empty one. */
	CHECK(PARSE("--options") == OPT_HELP);
	CHECK(strncmp(out, dump_head, strlen(dump_head)) == 0);
	CHECK(strstr(out, "\n-logappend\toptional\toptstr\tFILE\t-\t-\t") !=
	      NULL);
	CHECK(strstr(out, "\n-logsyslog\tno\tflag\t-\t-\t-\t") != NULL);
}

int
main(void)
{
	test_syntax();
	test_list();
	test_errors();
	test_defaults();
	test_operands();
	test_help();
	return test_done();
}
