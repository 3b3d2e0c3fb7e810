/* admin_http: the admin endpoint (admin_listen, evhttp):
 *   GET  /metrics          Prometheus text (no per-domain labels): every
 *                          source of engine->metrics (lib/metrics.h)
 *   GET  /v1/check/DOMAIN  the verdict of DOMAIN through the decider: cached,
 *                          or the check in flight or a new one (JSON as
 *                          `mxvet check --json`)
 *   POST /v1/check/DOMAIN  a fresh check, whatever the cache holds
 *   POST /v1/flush/DOMAIN  DOMAIN's cached verdict expires now
 *   POST /v1/flush-all     every cached verdict expires now
 *   GET  /v1/risk          cached verdicts other than accept, JSON lines
 * State changes only by POST (GET to a POST path: 405). It has no
 * authentication: admin_listen is a loopback address, or a unix socket
 * whose owner, group and mode (sockperm.h) say who may use it.
 * At most ADMIN_MAX_CONNS (admin_http.c) connections are open at once. */
#ifndef MXVET_ADMIN_HTTP_H
#define MXVET_ADMIN_HTTP_H

#include <stddef.h>

struct event_base;
struct engine;
struct decider;
struct policy_server;
struct admin_http;
struct sock_perm;

/* Bind admin_listen, "inet:127.0.0.1:PORT" (or [::1]) or "unix:/PATH"
 * (made with perm), before dropping privileges. NULL with err on failure. */
struct admin_http *admin_http_new(const char *spec, const struct sock_perm *perm, char *err,
				  size_t errlen);
/* Serve on base; -1 on failure. Adds the daemon's metric source to
 * e->metrics (removed by admin_http_free). */
int admin_http_start(struct admin_http *a, struct event_base *base, struct engine *e,
		     struct decider *d, struct policy_server *s);
void admin_http_free(struct admin_http *a);

#endif
