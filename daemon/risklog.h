/* risklog: risk_log, JSON lines (jansson), one per change of a domain's
 * verdict (the cache remembers the previous one), not one per message.
 * The file is not capped: logrotate (or an admin) moves it away and sends
 * mxvetd SIGUSR1, which reopens it by name (risklog_reopen); lines are
 * whole single writes in O_APPEND, so none is split across the files. */
#ifndef MXVET_RISKLOG_H
#define MXVET_RISKLOG_H

#include <stddef.h>

#include "engine/findings.h"

struct risklog;

/* path empty or NULL: no risk log (returns NULL, no error). */
struct risklog *risklog_open(const char *path);
void risklog_close(struct risklog *r);
/* Open the path again (after a rotation); on failure the old file stays
 * in use, with a warning. Accepts NULL. */
void risklog_reopen(struct risklog *r);
/* prev: the previous verdict or -1. Writes only when it changed and the
 * line says something: a first verdict of accept is not a change. */
void risklog_change(struct risklog *r, const char *domain, int prev, enum action now,
		    const char *reply, const enum finding_code *codes, size_t ncodes);

#endif
