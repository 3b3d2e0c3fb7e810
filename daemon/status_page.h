/* status_page: the admin endpoint's pages for people, on admin_listen
 * beside /metrics and /v1/ (same loopback-only access, GET and HEAD only):
 *   GET /              decisions per verdict over the last hour and day
 *                      (charts), cache size and hit ratio, checks in
 *                      flight, the guards, and the risk domains worst first
 *                      with their findings, the time since the first
 *                      failure and each finding's reproducing command
 *   GET /domain/NAME   the last check of NAME in full (for a verdict taken
 *                      from the fleet, the admin server first fetches the
 *                      checking host's report into the risk board)
 * One self-contained HTML document each: inline CSS and SVG, no script, no
 * external asset (the Content-Security-Policy header forbids loading any).
 * Every string from a domain, DNS data or an SMTP greeting is escaped
 * (html.h). Read only: a GET starts no check and changes no state. */
#ifndef MXVET_STATUS_PAGE_H
#define MXVET_STATUS_PAGE_H

#include <stdbool.h>

struct evhttp_request;
struct engine;
struct decider;

/* Is path one of the pages? (The admin server routes those here.) */
bool status_page_path(const char *path);
/* Answer req (its path is one of the pages); e may be NULL. */
void status_page_serve(struct evhttp_request *req, struct engine *e, struct decider *d);

#endif
