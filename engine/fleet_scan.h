/* fleet_scan: the fleet's domain history as Redis holds it, read with a
 * blocking connection, for `mxvet report` (not for the daemon's loop).
 * Walks PREFIX h:* with SCAN (never KEYS, which would stall Redis). */
#ifndef MXVET_FLEET_SCAN_H
#define MXVET_FLEET_SCAN_H

#include <stddef.h>

#include "engine/history.h"

struct config;

/* cb for every record (stop early by returning non-zero). 0 done, -1
 * with a reason in err (Redis unreachable, refused, or out of memory). */
int fleet_history_scan(const struct config *cfg,
		       int (*cb)(void *arg, const char *domain, const struct history_rec *r),
		       void *arg, char *err, size_t errlen);

#endif
