/* log: one place where mxvet writes diagnostics.
 * To syslog (mxvetd, foreground or not) or to stderr (mxvet check, and
 * mxvetd -l stderr). Lines are key=value in Postfix's manner; callers log
 * an error once, where they handle it. Messages less severe than the level
 * are dropped before any formatting. */
#ifndef MXVET_LOG_H
#define MXVET_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* ident: program name; to_syslog: else stderr; facility: syslog facility.
 * With syslog, a socket that cannot be reached is said once on stderr:
 * syslog(3) itself would drop every message without a word. */
void log_open(const char *ident, int to_syslog, int facility);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* "err", "warn", "info", "debug" (as in log_level =); -1 if unknown. */
int log_level_by_name(const char *name, enum log_level *out);
/* The same, applied; an unknown name (the config loader refuses it) keeps
 * the level. */
void log_set_level_name(const char *name);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Peer text made fit for one log line: at most len - 1 bytes of s, control
 * characters as '?'; NULL or "" gives dflt. Returns out. */
const char *log_clean(const char *s, const char *dflt, char *out, size_t len);

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_get_level() >= LOG_LVL_DEBUG) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
