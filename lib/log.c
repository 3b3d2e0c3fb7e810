/* log: syslog or stderr sink with a level filter. */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#ifndef _PATH_LOG
#define _PATH_LOG "/dev/log"
#endif

static const char *log_ident = "mxvet";
static int log_syslog;
static enum log_level log_level = LOG_LVL_INFO;

static const char *const level_names[] = { "err", "warn", "info", "debug" };

/* Can syslog(3) reach a log daemon? It tries datagram, then stream. */
static int syslog_reachable(int *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", _PATH_LOG);
	for (size_t i = 0; i < 2; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		int rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
		*err = errno;
		close(fd);
		if (rc == 0)
			return 1;
	}
	return 0;
}

void log_open(const char *ident, int to_syslog, int facility)
{
	int err = 0;

	log_ident = ident;
	log_syslog = to_syslog;
	if (!to_syslog)
		return;
	if (!syslog_reachable(&err))
		fprintf(stderr, "%s: warning: no syslog daemon at %s (%s): messages are lost "
			"until one listens there (use -l stderr to log to stderr)\n",
			ident, _PATH_LOG, strerror(err));
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void log_set_level(enum log_level lvl) { log_level = lvl; }
enum log_level log_get_level(void) { return log_level; }

int log_level_by_name(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (!strcasecmp(name, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

void log_set_level_name(const char *name)
{
	enum log_level lvl;

	if (name && log_level_by_name(name, &lvl) == 0)
		log_level = lvl;
}

const char *log_clean(const char *s, const char *dflt, char *out, size_t len)
{
	size_t n = 0;

	if (!s || !*s)
		s = dflt;
	for (; *s && n + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;
		out[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
	return out;
}

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
