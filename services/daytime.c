// RSP_SERVICE(daytime, "Daytime service, pool DaytimePool")
/*
 * Daytime (docs/wire.md 9.3): on a new session, one message with PPID
 * 0 holding the local time, then a graceful shutdown.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "services/service.h"

static const char *const days[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday"};
static const char *const months[] = {"January", "February", "March", "April",
    "May", "June", "July", "August", "September", "October", "November",
    "December"};

int
daytime_format(char *buf, size_t len, long long sec, long usec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	int n;

	if (localtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return -1;
	n = snprintf(buf, len, "%s, %02d-%s-%04d %02d:%02d:%02d.%06ld\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

static void
daytime_up(struct svc_ctx *c, uint32_t session)
{
	struct timeval tv;
	char text[96];
	int n;

	gettimeofday(&tv, NULL);
	n = daytime_format(text, sizeof(text), tv.tv_sec, (long)tv.tv_usec);
	if (n > 0)
		rsp_element_send(c->e, session, 0, 0, text, (size_t)n);
	rsp_element_close_session(c->e, session);
}

static void
daytime_msg(struct svc_ctx *c, const struct rsp_event *ev)
{
	(void)c;
	(void)ev;
}

static void
daytime_down(struct svc_ctx *c, uint32_t session)
{
	(void)c;
	(void)session;
}

const struct svc svc_daytime = {"daytime", "DaytimePool", NULL, NULL,
    daytime_up, daytime_msg, daytime_down, NULL, NULL, NULL, NULL, NULL};
