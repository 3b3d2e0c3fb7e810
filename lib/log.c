/* log: stderr or syslog sink with a level filter. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static const char *log_ident = "mxvet";
static int log_syslog;
static enum log_level log_level = LOG_LVL_INFO;

void log_open(const char *ident, int to_syslog, int facility)
{
	log_ident = ident;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void log_set_level(enum log_level lvl) { log_level = lvl; }
enum log_level log_get_level(void) { return log_level; }

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char buf[2048];
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (log_syslog)
		syslog(prio[lvl], "%s%s", tag[lvl], buf);
	else
		fprintf(stderr, "%s: %s%s\n", log_ident, tag[lvl], buf);
}
