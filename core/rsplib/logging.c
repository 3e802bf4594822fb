/*
 * RSPLIB's logging (docs/library.md "RSPLIB's logging").  RSPLIB's
 * programs and its C++ server library print to `stdlog`, a FILE
 * pointer reached through gStdLog (a FILE **) of RSPLIB's helper
 * library libtdloglevel, which they link themselves.  RSPLIB's
 * rsp_initarg() hands its -log* options to libtdloglevel's
 * initLogging(), rsp_initialize() calls its beginLogging() (stdlog
 * becomes standard error unless -logfile= opened a file) and
 * rsp_cleanup() its finishLogging().  This library does the same
 * through dlsym() when the process has libtdloglevel, and sends its own
 * log lines (core/log.c) to stdlog then; without libtdloglevel (Debian's
 * rspterminal, pingpongclient, scriptingclient) the options set this
 * library's own log: level, file, colour.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rsplib/internal.h"

static FILE *own_stdlog;
static int log_given; /* a -log* option was taken */
static char log_path[4096];

/* libtdloglevel's function NAME in this process, or NULL. */
static void *
tdlog(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

static int
bad(const char *arg, const char *expected)
{
	fprintf(stderr, "rsplib: bad option %s: expected %s\n", arg, expected);
	return 0;
}

/* -loglevel=N: 0..9, RSPLIB's levels (core/log.h). */
static int
set_level(const char *arg, const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno || n > LOG_LVL_MAX)
		return bad(arg, "a log level 0..9");
	log_config.level = n;
	return 1;
}

/* -logfile=FILE (written anew) or -logappend=FILE (appended to),
 * opened once now, as RSPLIB does, so that a bad one is refused. */
static int
set_file(const char *arg, const char *v, int append)
{
	FILE *f;

	if (*v == '\0' || strlen(v) >= sizeof(log_path))
		return bad(arg, "a file name");
	if ((f = fopen(v, append ? "a" : "w")) == NULL) {
		fprintf(stderr, "rsplib: bad option %s: cannot open %s: %s\n",
		    arg, v, strerror(errno));
		return 0;
	}
	fclose(f);
	snprintf(log_path, sizeof(log_path), "%s", v);
	log_config.file = log_path;
	log_config.append = append ? "" : NULL;
	return 1;
}

/* The options RSPLIB 3.4.4's libtdloglevel takes, validated and kept
 * for this library's log. */
static int
own_option(const char *arg)
{
	if (strncmp(arg, "-logfile=", 9) == 0)
		return set_file(arg, arg + 9, 0);
	if (strncmp(arg, "-logappend=", 11) == 0)
		return set_file(arg, arg + 11, 1);
	if (strcmp(arg, "-logquiet") == 0) {
		log_config.level = LOG_LVL_NONE;
		return 1;
	}
	if (strncmp(arg, "-loglevel=", 10) == 0)
		return set_level(arg, arg + 10);
	if (strcmp(arg, "-logcolor=on") == 0 ||
	    strcmp(arg, "-logcolor=off") == 0) {
		log_config.color = arg[11] == 'n' ? 1 : 2; /* auto|on|off */
		return 1;
	}
	if (strncmp(arg, "-logcolor=", 10) == 0)
		return bad(arg, "on or off");
	return bad(arg, "-logfile=FILE, -logappend=FILE, -logquiet, "
	                "-loglevel=0..9 or -logcolor=on|off");
}

int
cp_log_option(const char *arg)
{
	int (*init)(const char *) = (int (*)(const char *))tdlog("initLogging");

	if (!own_option(arg))
		return 0;
	log_given = 1;
	/* RSPLIB's bool, one byte: only its lowest byte counts. */
	if (init != NULL && (init(arg) & 0xff) == 0) {
		fprintf(stderr, "rsplib: cannot use %s: %s\n", arg,
		    strerror(errno));
		return 0;
	}
	return 1;
}

/* Our log lines into stdlog, under libtdloglevel's lock. */
static void
stdlog_sink(int level, const char *msg, void *arg)
{
	FILE ***g = arg;
	void (*lock)(void) = (void (*)(void))tdlog("loggingMutexLock");
	void (*unlock)(void) = (void (*)(void))tdlog("loggingMutexUnlock");

	(void)level;
	if (*g == NULL || **g == NULL)
		return;
	if (lock != NULL && unlock != NULL)
		lock();
	fprintf(**g, "rsplib: %s\n", msg);
	fflush(**g);
	if (lock != NULL && unlock != NULL)
		unlock();
}

void
cp_log_begin(void)
{
	FILE ***g = tdlog("gStdLog");
	void (*begin)(void) = (void (*)(void))tdlog("beginLogging");

	if (g == NULL) {
		/* No libtdloglevel: the options are this library's. */
		if (log_given && log_setup("rsplib") == -1)
			log_config.file = NULL;
		return;
	}
	if (begin != NULL)
		begin();
	/* Without beginLogging (never seen): a NULL stdlog crashes the
	 * programs at their first log line. */
	if (*g == NULL) {
		own_stdlog = stderr;
		*g = &own_stdlog;
	} else if (**g == NULL) {
		**g = stderr;
	}
	log_register(stdlog_sink, g);
}

void
cp_log_end(void)
{
	void (*finish)(void) = (void (*)(void))tdlog("finishLogging");

	if (tdlog("gStdLog") == NULL) {
		if (log_given)
			log_close();
		return;
	}
	log_register(NULL, NULL);
	if (finish != NULL)
		finish();
}
