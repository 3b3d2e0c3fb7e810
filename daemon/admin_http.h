/* admin_http: the loopback admin endpoint (admin_listen, evhttp):
 *   GET /metrics          Prometheus text (no per-domain labels)
 *   GET /v1/check/DOMAIN  the verdict of DOMAIN through the decider: cached,
 *                         or the check in flight or a new one (JSON as
 *                         `mxvet check --json`); ?fresh=1 skips the cache
 *   GET /v1/risk          cached verdicts other than accept, JSON lines
 * Only loopback addresses may be configured: it has no authentication.
 * At most ADMIN_MAX_CONNS (admin_http.c) connections are open at once. */
#ifndef MXVET_ADMIN_HTTP_H
#define MXVET_ADMIN_HTTP_H

#include <stddef.h>

struct event_base;
struct engine;
struct decider;
struct policy_server;
struct admin_http;

/* Bind admin_listen, "inet:127.0.0.1:PORT" (or [::1]), before dropping
 * privileges. NULL with err on failure. */
struct admin_http *admin_http_new(const char *spec, char *err, size_t errlen);
/* Serve on base; -1 on failure. */
int admin_http_start(struct admin_http *a, struct event_base *base, struct engine *e,
		     struct decider *d, struct policy_server *s);
void admin_http_free(struct admin_http *a);

#endif
