/*
 * rsp: one binary, many applets.  Dispatch on basename(argv[0]), then on
 * argv[1] (toybox, dropbear dbmulti).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/applet.h"
#include "rsp_features.h" /* RSP_FEATURES, from mk/features.mk's FEATURES */
#include "version.h"      /* RSP_VERSION, from the Makefile's RSP_VERSION */

#define RSP_APPLET(n, alias, summary) int n##_main(int, char **);
#include "applets.h"
#undef RSP_APPLET

#define RSP_APPLET(n, alias, summary) {#n, alias, n##_main, summary},
const struct applet applet_table[] = {
#include "applets.h"
    {NULL, NULL, NULL, NULL},
};
#undef RSP_APPLET

const struct applet *
applet_find(const char *name)
{
	const struct applet *a;

	for (a = applet_table; a->name; a++)
		if (!strcmp(a->name, name) || !strcmp(a->alias, name))
			return a;
	return NULL;
}

static void
usage(FILE *f)
{
	const struct applet *a;

	fprintf(f,
	    "rsp %s: Reliable Server Pooling (RFC 5351-5356) suite\n\n"
	    "usage: rsp APPLET [-option=value ...]\n"
	    "       APPLET [-option=value ...]    (through a symlink)\n"
	    "       rsp --list | --aliases | --install DIR | --features | "
	    "--version | --help\n"
	    "       rsp APPLET --help | --options\n\napplets:\n",
	    RSP_VERSION);
	for (a = applet_table; a->name; a++)
		fprintf(f, "  %-16s %-18s %s\n", a->name, a->alias, a->summary);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Replace DIR/name with a symlink to target, never clobbering a file. */
static int
install_link(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "rsp: path too long: %s/%s\n", dir, name);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			fprintf(stderr,
			    "rsp: %s exists and is not a symlink; "
			    "not replacing it\n",
			    path);
			return -1;
		}
		unlink(path);
	}
	if (symlink(target, path) == -1) {
		fprintf(stderr, "rsp: symlink %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Links point to "rsp" when DIR holds this binary (make install), else to
 * the binary's absolute path.
 */
static int
install(const char *dir)
{
	char self[PATH_MAX], here[PATH_MAX], there[PATH_MAX + 8];
	const struct applet *a;
	ssize_t n;
	int rc = 0;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0) {
		fprintf(stderr, "rsp: cannot find own binary: %s\n",
		    strerror(errno));
		return 1;
	}
	self[n] = '\0';
	if (!realpath(dir, here)) {
		fprintf(stderr, "rsp: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(there, sizeof(there), "%s/rsp", here);
	if (!strcmp(there, self))
		snprintf(self, sizeof(self), "rsp");
	for (a = applet_table; a->name; a++)
		if (install_link(here, a->alias, self) == -1)
			rc = 1;
	return rc;
}

/*
 * --version anywhere among an applet's options (not after "--", where
 * operands are): OpenWrt's package CI runs every installed binary with
 * it and looks for the package version in the one line.
 */
static int
wants_version(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (!strcmp(argv[i], "--version"))
			return 1;
	return 0;
}

/* --features: the build-time features (mk/features.mk), one a line. */
static void
print_words(const char *s)
{
	size_t n;

	for (s += strspn(s, " "); *s; s += n, s += strspn(s, " ")) {
		n = strcspn(s, " ");
		printf("%.*s\n", (int)n, s);
	}
}

static int
run_applet(const struct applet *a, int argc, char **argv)
{
	if (wants_version(argc, argv)) {
		printf("rsp %s %s (ISC licence)\n", a->name, RSP_VERSION);
		return 0;
	}
	argv[0] = (char *)a->name;
	return a->main(argc, argv);
}

static int
rsp_main(int argc, char **argv)
{
	const struct applet *a;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("rsp %s (ISC licence)\n", RSP_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--features")) {
		print_words(RSP_FEATURES);
		return 0;
	}
	if (!strcmp(argv[1], "--list")) {
		for (a = applet_table; a->name; a++)
			printf("%s\n", a->name);
		return 0;
	}
	if (!strcmp(argv[1], "--aliases")) {
		for (a = applet_table; a->name; a++)
			printf("%s\n", a->alias);
		return 0;
	}
	if (!strcmp(argv[1], "--install")) {
		if (argc != 3) {
			fprintf(stderr, "rsp: usage: rsp --install DIR\n");
			return 2;
		}
		return install(argv[2]);
	}
	if (!(a = applet_find(argv[1]))) {
		fprintf(stderr,
		    "rsp: unknown applet '%s' (rsp --list shows "
		    "them)\n",
		    argv[1]);
		return 2;
	}
	return run_applet(a, argc - 1, argv + 1);
}

int
main(int argc, char **argv)
{
	const struct applet *a = applet_find(base_name(argv[0]));

	if (a)
		return run_applet(a, argc, argv);
	return rsp_main(argc, argv);
}
