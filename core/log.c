/*
 * Log output: stderr (optionally coloured), a file, syslog or a sink.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

struct log_config log_config = {.level = LOG_LVL_NOTICE};

const struct opt log_opts[] = {
    {"loglevel", OPT_INT, "0..9", "log verbosity (0 silent, 9 most)", "3", 0, 9,
        offsetof(struct log_config, level)},
    {"logcolor", OPT_CHOICE, "auto|on|off", "colour log lines", "auto", 0, 0,
        offsetof(struct log_config, color)},
    {"logfile", OPT_STR, "FILE", "write the log to FILE", NULL, 0, 0,
        offsetof(struct log_config, file)},
    {"logappend", OPT_OPTSTR, "FILE",
        "append the log to FILE (RSPLIB's form), or bare: to -logfile", NULL, 0,
        0, offsetof(struct log_config, append)},
    {"logsyslog", OPT_FLAG, NULL, "log to syslog (daemon facility)", NULL, 0, 0,
        offsetof(struct log_config, syslog)},
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
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
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

static int
syslog_priority(int level)
{
	static const int prio[] = {
	    LOG_CRIT, LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO};

	return level < 5 ? prio[level] : LOG_DEBUG;
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
	char stamp[32];

	if (log_sink_fn) {
		log_sink_fn(level, msg, log_sink_arg);
		return;
	}
	if (log_config.syslog)
		syslog(syslog_priority(level), "%s", msg);
	if (log_config.syslog && !log_fp)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(fp, "%s%s.%03ld %s[%d]: %s%s\n",
	    log_use_color ? level_color(level) : "", stamp,
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
