/*
 * Log output: stderr (optionally coloured), a file, syslog or a sink.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "rsp_features.h" /* RSP_WITH_SYSLOG, mk/features.mk */

struct log_config log_config = {.level = LOG_LVL_NOTICE};

const struct opt log_opts[] = {
    {"loglevel", OPT_INT, "0..9", OPT_HELP("log verbosity (0 silent, 9 most)"),
        "3", 0, 9, offsetof(struct log_config, level)},
    {"logcolor", OPT_CHOICE, "auto|on|off", OPT_HELP("colour log lines"),
        "auto", 0, 0, offsetof(struct log_config, color)},
    {"logfile", OPT_STR, "FILE", OPT_HELP("write the log to FILE"), NULL, 0, 0,
        offsetof(struct log_config, file)},
    {"logappend", OPT_OPTSTR, "FILE",
        OPT_HELP(
            "append the log to FILE (RSPLIB's form), or bare: to -logfile"),
        NULL, 0, 0, offsetof(struct log_config, append)},
#if RSP_WITH_SYSLOG
    {"logsyslog", OPT_FLAG, NULL, OPT_HELP("log to syslog (daemon facility)"),
        NULL, 0, 0, offsetof(struct log_config, syslog)},
#endif
    OPT_END,
};

static FILE *log_fp;
static int log_use_color;
static log_sink *log_sink_fn;
static void *log_sink_arg;
static const char *log_ident = "rsp";

int
log_setup(const char *ident)
{
	const char *file = log_config.file;

	log_ident = ident;
	log_close();
	if (log_config.append != NULL && log_config.append[0] != '\0')
		file = log_config.append;
	if (file) {
		log_fp = fopen(file, log_config.append ? "a" : "w");
		if (!log_fp) {
			fprintf(stderr, "%s: cannot open log file %s: %s\n",
			    ident, file, strerror(errno));
			return -1;
		}
		setvbuf(log_fp, NULL, _IOLBF, 0);
	}
	if (log_config.syslog)
		log_syslog_open(ident);
	log_use_color =
	    log_config.color == 1 ||
	    (log_config.color == 0 && !log_fp && isatty(STDERR_FILENO));
	return 0;
}

void
log_close(void)
{
	if (log_fp)
		fclose(log_fp);
	log_fp = NULL;
}

void
log_register(log_sink *sink, void *arg)
{
	log_sink_fn = sink;
	log_sink_arg = arg;
}

int
log_fd(void)
{
	return fileno(log_fp ? log_fp : stderr);
}

int
log_enabled(int level)
{
	return level <= log_config.level;
}

static const char *
level_color(int level)
{
	static const char *const colors[] = {
	    "\033[1;31m", "\033[31m", "\033[33m", "\033[32m", "\033[36m"};

	return level < 5 ? colors[level] : "\033[2m";
}

static void
log_emit(int level, const char *msg)
{
	FILE *fp = log_fp ? log_fp : stderr;
	struct timespec ts;
	struct tm tm;

	if (log_sink_fn) {
		log_sink_fn(level, msg, log_sink_arg);
		return;
	}
	if (log_config.syslog)
		log_syslog(level, msg);
	if (log_config.syslog && !log_fp)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	/* Not strftime(): only syslog() needs its locale tables in a
	 * static binary, and a build without syslog leaves them out. */
	fprintf(fp, "%s%04d-%02d-%02d %02d:%02d:%02d.%03ld %s[%d]: %s%s\n",
	    log_use_color ? level_color(level) : "", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    ts.tv_nsec / 1000000, log_ident, (int)getpid(), msg,
	    log_use_color ? "\033[0m" : "");
}

void
log_vmsg(int level, const char *fmt, va_list ap)
{
	char msg[1024];

	if (!log_enabled(level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_emit(level, msg);
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_limited(struct log_limit *l, int level, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;
	char msg[1024];
	size_t n;

	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec != l->second) {
		l->second = ts.tv_sec;
		l->n = 0;
	}
	if (l->n >= LOG_LIMIT_BURST) {
		l->suppressed++;
		return;
	}
	l->n++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (l->suppressed > 0 && n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n,
		    " (%lu similar lines suppressed)", l->suppressed);
	l->suppressed = 0;
	log_emit(level, msg);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_LVL_NONE, msg);
	if (log_fp || log_config.syslog || log_sink_fn)
		fprintf(stderr, "%s: %s\n", log_ident, msg);
	exit(1);
}
