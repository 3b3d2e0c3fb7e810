/* risklog: risk_log, JSON lines (jansson), one per change of a domain's
 * verdict (the cache remembers the previous one), not one per message. */
#ifndef MXVET_RISKLOG_H
#define MXVET_RISKLOG_H

#include <stddef.h>

#include "findings.h"

struct risklog;

/* path empty or NULL: no risk log (returns NULL, no error). */
struct risklog *risklog_open(const char *path);
void risklog_close(struct risklog *r);
/* prev: the previous verdict or -1. Writes only when it changed and the
 * line says something: a first verdict of accept is not a change. */
void risklog_change(struct risklog *r, const char *domain, int prev, enum action now,
		    const char *reply, const enum finding_code *codes, size_t ncodes);

#endif
