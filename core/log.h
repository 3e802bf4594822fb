/*
 * Logging with RSPLIB's levels and options (-loglevel=0..9, -logcolor,
 * -logfile, plus syslog).  Only applets and core/ runtime code log;
 * proto/ and handlespace/ return errors instead (docs/STYLE.md practice 3).
 */
#ifndef RSP_LOG_H
#define RSP_LOG_H

#include <stdarg.h>

#include "core/opt.h"

enum log_level {
	LOG_LVL_NONE = 0,
	LOG_LVL_ERROR = 1,
	LOG_LVL_WARNING = 2,
	LOG_LVL_NOTICE = 3,
	LOG_LVL_INFO = 4,
	LOG_LVL_VERBOSE1 = 5, /* 5..9: ever more detail, as RSPLIB */
	LOG_LVL_MAX = 9,
};

struct log_config {
	long long level;
	int color; /* index in "auto|on|off" */
	const char *file;
	const char *append; /* "": append to file; else the file, appended */
	int syslog;
};

extern const struct opt log_opts[];
extern struct log_config log_config;

typedef void log_sink(int level, const char *msg, void *arg);

/* Apply log_config (open the file, syslog); -1 with a message on error. */
int log_setup(const char *ident);
void log_close(void);
/* core/log_syslog.c, the syslog feature (mk/features.mk; core/off/syslog.c
 * without it, where -logsyslog does not exist): -logsyslog's side. */
void log_syslog_open(const char *ident);
void log_syslog(int level, const char *msg);
/* Send all output to sink instead (tests, fuzzers, library users). */
void log_register(log_sink *sink, void *arg);
int log_enabled(int level);
/* The descriptor log lines go to (the -logfile, else standard error),
 * for child processes whose output belongs in the log. */
int log_fd(void);

void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap);
_Noreturn void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Lines about what others send us (bad input, refusals, send failures)
 * go through a limit per call site: at most LOG_LIMIT_BURST lines a
 * second; the first line after a quiet spell says how many were
 * suppressed.  A flood of bad messages costs a few lines a second, not
 * the disk (issue: 1.26 GB of log in two minutes).
 */
#define LOG_LIMIT_BURST 5
struct log_limit {
	long long second;         /* CLOCK_MONOTONIC second of `n` */
	unsigned n;               /* lines logged in that second */
	unsigned long suppressed; /* since the last line logged */
};
void log_limited(struct log_limit *l, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define log_limit_at(level, ...)                               \
	do {                                                   \
		static struct log_limit log_site_;             \
		log_limited(&log_site_, (level), __VA_ARGS__); \
	} while (0)
#define log_warning_limited(...) log_limit_at(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice_limited(...)  log_limit_at(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info_limited(...)    log_limit_at(LOG_LVL_INFO, __VA_ARGS__)

#define log_error(...)   log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(n, ...) \
	log_msg(LOG_LVL_VERBOSE1 + (n)-1, __VA_ARGS__) /* n = 1..5 */

#endif
