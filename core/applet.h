/*
 * Applet declarations.  Each file in applets/ starts with one line
 *
 *	// RSP_APPLET(name, "rsplibname", "one-line summary")
 *
 * which the Makefile collects, sorted, into build/gen/applets.h; main.c
 * expands it into the dispatch table.  No applet list is written by hand.
 */
#ifndef RSP_APPLET_H
#define RSP_APPLET_H

struct applet {
	const char *name;  /* "registrar": rsp registrar */
	const char *alias; /* "rspregistrar": the name RSPLIB users type */
	int (*main)(int argc, char **argv);
	const char *summary;
};

const struct applet *applet_find(const char *name);
/* All applets of this build, sorted by name, terminated by a NULL name. */
extern const struct applet applet_table[];

#endif
