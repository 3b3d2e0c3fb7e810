/* admin_http: the admin API on evhttp (see admin_http.h for the routes).
 *
 * One route table: a request is matched on its path, then on its method;
 * a known path asked with another method gets 405 and an Allow header, so
 * nothing that changes state can be reached by GET. POSTs that carry an
 * Origin header come from a browser page (cross-site requests to a
 * loopback port, DNS rebinding): refused, mxvet ctl never sends one.
 * A Host header must name an address or localhost: a page whose name an
 * attacker rebinds to 127.0.0.1 sends its own name and could otherwise
 * read the status page and the risk list.
 *
 * Connections are capped at admin_max_connections (evhttp 2.1 has no such
 * setting). evhttp asks us for each new connection's bufferevent
 * (evhttp_set_bevcb): we count it open there, and right after evhttp has
 * bound it to its connection (an event activated then, run before any
 * read) we learn that connection from the bufferevent's callback argument
 * and set its close callback, which counts it out. At the cap the
 * listener is disabled, so further clients wait in the kernel's backlog
 * until one closes (idle ones are closed after admin_idle_timeout). */
#include "daemon/admin_http.h"
#include "daemon/cache.h"
#include "engine/authority.h"
#include "engine/config.h"
#include "daemon/sockperm.h"
#include "daemon/decide.h"
#include "engine/dname.h"
#include "engine/engine.h"
#include "engine/history.h"
#include "lib/log.h"
#include "lib/netaddr.h"
#include "engine/fleet.h"
#include "lib/endpoint.h"
#include "lib/metrics.h"
#include "lib/addr_policy.h"
#include "engine/pipeline.h"
#include "daemon/policy_server.h"
#include "daemon/risk_board.h"
#include "engine/report.h"
#include "engine/resolver.h"
#include "engine/smtp_probe.h"
#include "daemon/status_page.h"
#include "engine/verdict.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#define RISK_MAX 100000		/* lines in one /v1/risk answer */

/* The connection count; lives until the admin server and its last
 * connection are both gone (evhttp_free closes connections after it
 * freed the listener). */
struct conn_gate {
	struct admin_http *a;	/* NULL once the server is freed */
	struct evconnlistener *lev;
	struct admin_conn *conns;
	size_t open;		/* counted in, not yet out */
	size_t max;		/* admin_max_connections */
	bool paused;
	uint64_t accepted, paused_times;
};

/* One tracked connection, and the /v1/check job waiting on it. */
struct admin_conn {
	struct admin_conn *next;
	struct conn_gate *g;
	struct evhttp_connection *evcon;
	struct admin_job *job;
};

struct admin_http {
	int fd;			/* bound, until evhttp takes it */
	char *unix_path;	/* removed when freed; NULL for inet */
	uint64_t flushes, flushed;	/* POSTs to /v1/flush*, verdicts expired */
	struct conn_gate *gate;
	struct evhttp *http;
	struct engine *eng;
	struct decider *dec;
	struct policy_server *srv;
};

/* A /v1/check request waiting for its verdict, or a /domain/NAME page
 * waiting for the fleet's report; req is NULL once the client went away
 * (the check still completes: then it is dropped). */
struct admin_job {
	struct evhttp_request *req;
	struct admin_conn *conn;	/* NULL: the connection is not tracked */
	char input[DNAME_MAXLEN];
	struct admin_http *a;		/* valid while req is */
	json_t *cached;			/* a cached verdict waiting for its report */
};

/* The daemon's families (the engine adds its own: engine_metrics.c). */
static void daemon_metrics(struct evbuffer *b, void *arg)
{
	struct admin_http *a = arg;
	const struct decide_stats *ds = decider_stats(a->dec);
	const struct policy_stats *ps = policy_server_stats(a->srv);

	metrics_counter(b, "mxvet_policy_requests_total",
			"requests to the decider (policy service and milter recipients)",
			ds->requests);
	metrics_family(b, "mxvet_decisions_total", "counter",
		       "verdicts answered to Postfix (policy service and milter), by verdict");
	for (int v = 0; v < 4; v++)
		metrics_sample(b, "mxvet_decisions_total", "verdict", verdict_name(v),
			       ds->actions[v]);
	metrics_family(b, "mxvet_policy_answers_total", "counter",
		       "the same as mxvet_decisions_total (the older name, kept)");
	for (int v = 0; v < 4; v++)
		metrics_sample(b, "mxvet_policy_answers_total", "verdict", verdict_name(v),
			       ds->actions[v]);
	metrics_family(b, "mxvet_decision_findings_total", "counter",
		       "verdicts answered, by the finding codes that acted in them");
	for (int c = 0; c < F__COUNT; c++)
		metrics_sample(b, "mxvet_decision_findings_total", "code", finding_info(c)->name,
			       ds->codes[c]);
	metrics_counter(b, "mxvet_cache_hits_total", "cached decisions", ds->cache_hits);
	metrics_counter(b, "mxvet_cache_misses_total", "decisions not in the cache",
			ds->cache_misses);
	metrics_gauge(b, "mxvet_cache_entries", "verdicts cached", decider_cache_count(a->dec));
	metrics_counter(b, "mxvet_cache_evictions_total", "LRU evictions",
			decider_cache_evictions(a->dec));
	metrics_counter(b, "mxvet_cache_flushed_total",
			"verdicts expired by the admin API (mxvet ctl flush)", a->flushed);
	metrics_counter(b, "mxvet_decision_timeouts_total", "answers given by timeout_action",
			ds->timeouts);
	metrics_counter(b, "mxvet_errors_total", "answers given by error_action", ds->errors);
	metrics_counter(b, "mxvet_warned_total",
			"rejects and defers only reported (mode = warn)", ds->warned);
	metrics_counter(b, "mxvet_skipped_total",
			"requests exempted without a check (skip_clients, skip_senders, "
			"skip_domains, skip_authenticated)", ds->skipped);
	metrics_counter(b, "mxvet_checks_refused_total",
			"uncached domains answered timeout_action at once: max_checks_in_flight "
			"reached", ds->refused);
	metrics_counter(b, "mxvet_policy_connections_total", "policy connections accepted",
			ps->connections);
	metrics_gauge(b, "mxvet_policy_connections_open", "policy connections open", ps->open);
	metrics_counter(b, "mxvet_policy_protocol_errors_total",
			"malformed policy requests (connection closed)", ps->protocol_errors);
	metrics_counter(b, "mxvet_policy_clients_refused_total",
			"TCP clients outside policy_allow", ps->rejected_clients);
	metrics_counter(b, "mxvet_policy_slow_clients_dropped_total",
			"clients dropped for not reading their answers", ps->dropped_slow);
	metrics_gauge(b, "mxvet_admin_connections_open", "admin API connections open",
		      a->gate->open);
	metrics_counter(b, "mxvet_admin_connections_capped_total",
			"times the admin API stopped accepting at its connection cap",
			a->gate->paused_times);
	fleet_metrics(a->eng->fleet, b);
}

static void on_metrics(struct evhttp_request *req, struct admin_http *a, const char *rest)
{
	struct evbuffer *b = evbuffer_new();

	(void)rest;
	if (!b) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	metrics_render(a->eng->metrics, b);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void send_json(struct evhttp_request *req, int code, const char *reason, json_t *o)
{
	struct evbuffer *b = evbuffer_new();
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (!b || !s) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else {
		evbuffer_add_printf(b, "%s\n", s);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  "application/json");
		evhttp_send_reply(req, code, reason, b);
	}
	free(s);
	if (b)
		evbuffer_free(b);
}

/* An error reply with headers of its own (evhttp_send_error drops them). */
static void send_status(struct evhttp_request *req, int code, const char *reason,
			const char *allow)
{
	struct evbuffer *b = evbuffer_new();

	if (allow)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	if (b)
		evbuffer_add_printf(b, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, b);
	if (b)
		evbuffer_free(b);
}

/* Close callback of a connection the gate did not track (out of memory). */
static void on_untracked_close(struct evhttp_connection *conn, void *arg)
{
	struct admin_job *j = arg;
	(void)conn;
	j->req = NULL;
}

static struct admin_conn *conn_of(struct conn_gate *g, struct evhttp_connection *evcon)
{
	struct admin_conn *c = g->conns;

	while (c && c->evcon != evcon)
		c = c->next;
	return c;
}

/* Forget the job's request: the answer is being sent. */
static void job_detach(struct admin_job *j)
{
	if (j->conn)
		j->conn->job = NULL;
	else
		evhttp_connection_set_closecb(evhttp_request_get_connection(j->req), NULL, NULL);
}

/* Wait on req's connection (its close drops the answer). */
static void job_attach(struct admin_http *a, struct admin_job *j, struct evhttp_request *req)
{
	j->req = req;
	if ((j->conn = conn_of(a->gate, evhttp_request_get_connection(req))))
		j->conn->job = j;
	else
		evhttp_connection_set_closecb(evhttp_request_get_connection(req),
					      on_untracked_close, j);
}

/* A cached verdict: what the cache keeps, in the shape of a check's JSON. */
static json_t *cached_json(const struct decision *dc, const char *input)
{
	json_t *fs = json_array();
	char reply[DECISION_MAX_TEXT + 32];
	bool has_reply = dc->verdict == ACT_DEFER || dc->verdict == ACT_REJECT;

	if (has_reply)
		decision_reply(dc, reply, sizeof reply);
	for (size_t i = 0; i < dc->ncodes; i++)
		json_array_append_new(fs, json_pack("{s:s}", "code",
						    finding_info(dc->codes[i])->name));
	return json_pack("{s:s, s:s, s:s, s:s?, s:b, s:o}", "domain", dc->domain, "input", input,
			 "verdict", verdict_name(dc->verdict), "reply", has_reply ? reply : NULL,
			 "cached", 1, "findings", fs);
}

/* The report Redis keeps for a cached verdict (PREFIX e:DOMAIN, left by
 * the check that made it on whichever host): served in full when it gives
 * the same verdict, else the cache's short form. */
static void on_cached_report(void *arg, const char *json)
{
	struct admin_job *j = arg;
	json_t *o = j->cached, *rep = json ? json_loads(json, 0, NULL) : NULL;
	const char *v = json_string_value(json_object_get(rep, "verdict"));

	if (json_is_object(rep) && v && strcmp(v, json_string_value(json_object_get(o, "verdict"))) == 0) {
		json_object_set(rep, "input", json_object_get(o, "input"));
		json_object_set_new(rep, "cached", json_true());
		json_object_set_new(rep, "from_fleet", json_true());
		o = rep;
	}
	if (j->req) {
		job_detach(j);
		send_json(j->req, HTTP_OK, "OK", o);
	}
	json_decref(rep);
	json_decref(j->cached);
	free(j);
}

static void on_verdict(void *arg, const struct decide_result *r)
{
	struct admin_job *j = arg;

	if (j->req) {
		json_t *o = !r ? NULL : r->check ? report_json(r->check, j->input)
						 : cached_json(r->dc, j->input);
		if (o && r->check)
			json_object_set_new(o, "cached", json_false());
		if (o && !r->check && j->a->eng && j->a->eng->fleet) {
			j->cached = o;
			if (fleet_report_get(j->a->eng->fleet, r->dc->domain, on_cached_report, j) == 0)
				return;
			j->cached = NULL;
		}
		job_detach(j);
		if (o)
			send_json(j->req, HTTP_OK, "OK", o);
		else
			evhttp_send_error(j->req, HTTP_SERVUNAVAIL, NULL);
		json_decref(o);
	}
	free(j);
}

/* Does the query string set key (key=1, yes or true)? */
static bool query_flag(struct evhttp_request *req, const char *key)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq kv;
	const char *v;
	bool on = false;

	if (!q || evhttp_parse_query_str(q, &kv) < 0)
		return false;
	if ((v = evhttp_find_header(&kv, key)))
		on = strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0;
	evhttp_clear_headers(&kv);
	return on;
}

/* The domain named by the rest of the path, normalized into domain; *in
 * gets the decoded input (the caller frees it). On failure a 400 has been
 * sent and *in is NULL. */
static bool path_domain(struct evhttp_request *req, const char *rest, char **in,
			char domain[DNAME_MAXLEN])
{
	char err[128];

	*in = evhttp_uridecode(rest, 0, NULL);
	if (*in && dname_normalize(*in, domain, DNAME_MAXLEN, err, sizeof err) == DNAME_OK)
		return true;
	json_t *o = json_pack("{s:s, s:s}", "error", "invalid domain", "detail",
			      *in ? err : "bad path");
	send_json(req, HTTP_BADREQUEST, "Bad Request", o);
	json_decref(o);
	free(*in);
	*in = NULL;
	return false;
}

/* GET: the verdict as a policy request would get it (cached, joined or a
 * new check); POST: a fresh check whatever the cache holds. */
static void on_check(struct evhttp_request *req, struct admin_http *a, const char *rest)
{
	bool fresh = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	char domain[DNAME_MAXLEN], *in;
	struct admin_job *j;

	if (!fresh && query_flag(req, "fresh")) {
		/* a fresh check replaces the cached verdict: not by GET */
		send_status(req, HTTP_BADMETHOD, "Method Not Allowed: a fresh check is a POST",
			    "POST");
		return;
	}
	if (!path_domain(req, rest, &in, domain))
		return;
	if (!(j = calloc(1, sizeof *j)) ||
	    decide_domain(a->dec, domain, fresh, on_verdict, j) < 0) {
		free(j);
		free(in);
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	snprintf(j->input, sizeof j->input, "%s", in);
	free(in);
	j->a = a;
	job_attach(a, j, req);
}

struct risk_walk {
	struct evbuffer *b;
	size_t n;
};

static int risk_line(void *arg, const char *domain, const struct cache_hit *h, uint32_t ttl_left)
{
	struct risk_walk *w = arg;
	char reply[600];
	json_t *fs, *o;
	char *s;

	if (h->verdict == ACT_IGNORE)
		return 0;
	fs = json_array();
	for (int i = 0; i < h->ncodes; i++)
		json_array_append_new(fs, json_string(finding_info(h->codes[i])->name));
	if (h->tmpl)
		cache_expand(h->tmpl, domain, reply, sizeof reply);
	o = json_pack("{s:s, s:s, s:o, s:s?, s:I}", "domain", domain, "verdict",
		      verdict_name(h->verdict), "findings", fs, "reply", h->tmpl ? reply : NULL,
		      "ttl", (json_int_t)ttl_left);
	if (o && (s = json_dumps(o, JSON_COMPACT))) {
		evbuffer_add_printf(w->b, "%s\n", s);
		free(s);
	}
	json_decref(o);
	return ++w->n >= RISK_MAX;
}

static void on_risk(struct evhttp_request *req, struct admin_http *a, const char *rest)
{
	struct risk_walk w = { evbuffer_new(), 0 };

	(void)rest;
	if (!w.b) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	cache_walk(decider_cache(a->dec), decider_now(), risk_line, &w);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/x-ndjson");
	evhttp_send_reply(req, HTTP_OK, "OK", w.b);
	evbuffer_free(w.b);
}

/* POST /v1/flush/DOMAIN: its verdict expires now; the next request checks
 * it again (a check in flight still stores its verdict). */
static void on_flush(struct evhttp_request *req, struct admin_http *a, const char *rest)
{
	char domain[DNAME_MAXLEN], *in;
	bool was;
	json_t *o;

	if (!path_domain(req, rest, &in, domain))
		return;
	was = cache_expire(decider_cache(a->dec), domain, decider_now());
	a->flushes++;
	a->flushed += was;
	log_info("admin: flush domain=%s flushed=%d", domain, was ? 1 : 0);
	o = json_pack("{s:s, s:i}", "domain", domain, "flushed", was ? 1 : 0);
	send_json(req, HTTP_OK, "OK", o);
	json_decref(o);
	free(in);
}

/* POST /v1/flush-all: every cached verdict expires now. */
static void on_flush_all(struct evhttp_request *req, struct admin_http *a, const char *rest)
{
	size_t n = cache_expire_all(decider_cache(a->dec), decider_now());
	json_t *o = json_pack("{s:I}", "flushed", (json_int_t)n);

	(void)rest;
	a->flushes++;
	a->flushed += n;
	log_info("admin: flush all flushed=%zu", n);
	send_json(req, HTTP_OK, "OK", o);
	json_decref(o);
}

#define GET_HEAD (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)

static void on_fleet_report(void *arg, const char *json)
{
	struct admin_job *j = arg;

	/* req is NULL once the admin server is freed, which always comes
	 * before the engine and its fleet */
	if (j->req) {
		job_detach(j);
		if (json)
			decider_board_fill(j->a->dec, j->input, json);
		status_page_serve(j->req, j->a->eng, j->a->dec);
	}
	free(j);
}

/* GET / and /domain/NAME: the status page (status_page.c). A risk domain
 * whose verdict came from the fleet is shown with the report of the host
 * that checked it, read from Redis now (once: the board keeps it). */
static void on_status_page(struct evhttp_request *req, struct admin_http *a, const char *rest)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	char domain[DNAME_MAXLEN], err[128], *in;
	const struct risk_entry *r;
	struct admin_job *j;

	(void)rest;
	if (a->eng && a->eng->fleet && path && strncmp(path, "/domain/", 8) == 0 &&
	    (in = evhttp_uridecode(path + 8, 0, NULL))) {
		bool ok = dname_normalize(in, domain, sizeof domain, err, sizeof err) == DNAME_OK;
		free(in);
		if (ok && (r = risk_board_get(decider_board(a->dec), domain)) && r->fleet_bare &&
		    (j = calloc(1, sizeof *j))) {
			snprintf(j->input, sizeof j->input, "%s", domain);
			j->a = a;
			if (fleet_report_get(a->eng->fleet, domain, on_fleet_report, j) == 0) {
				job_attach(a, j, req);
				return;
			}
			free(j);
		}
	}
	status_page_serve(req, a->eng, a->dec);
}

/* The routes: a path (exact, or a prefix when it ends in '/': the
 * handler gets the rest, never empty) and the methods it answers; allow
 * is the Allow header sent with a 405 for that path. A new page is one
 * row here. */
static const struct route {
	const char *path;
	unsigned methods;
	void (*fn)(struct evhttp_request *req, struct admin_http *a, const char *rest);
	const char *allow;
} routes[] = {
	{ "/metrics", GET_HEAD, on_metrics, "GET, HEAD" },
	{ "/v1/risk", GET_HEAD, on_risk, "GET, HEAD" },
	{ "/v1/check/", GET_HEAD | EVHTTP_REQ_POST, on_check, "GET, HEAD, POST" },
	{ "/v1/flush/", EVHTTP_REQ_POST, on_flush, "POST" },
	{ "/v1/flush-all", EVHTTP_REQ_POST, on_flush_all, "POST" },
	{ "/", GET_HEAD, on_status_page, "GET, HEAD" },
	{ "/domain/", GET_HEAD, on_status_page, "GET, HEAD" },
};

static const char *route_rest(const struct route *r, const char *path)
{
	size_t n = strlen(r->path);

	if (r->path[n - 1] != '/' || n == 1)
		return strcmp(path, r->path) == 0 ? path + n : NULL;
	return strncmp(path, r->path, n) == 0 && path[n] ? path + n : NULL;
}

/* Host: an IPv4 or [IPv6] literal or localhost, with an optional port. */
static bool host_is_local(const char *h)
{
	char buf[64];
	const char *end;
	unsigned char tmp[sizeof(struct in6_addr)];
	size_t n;

	if (h[0] == '[') {
		if (!(end = strchr(h, ']')) || (end[1] && end[1] != ':'))
			return false;
		if ((n = (size_t)(end - h - 1)) >= sizeof buf)
			return false;
		memcpy(buf, h + 1, n);
		buf[n] = '\0';
		return inet_pton(AF_INET6, buf, tmp) == 1;
	}
	end = strchr(h, ':');
	if ((n = end ? (size_t)(end - h) : strlen(h)) >= sizeof buf)
		return false;
	memcpy(buf, h, n);
	buf[n] = '\0';
	return strcasecmp(buf, "localhost") == 0 || inet_pton(AF_INET, buf, tmp) == 1;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct admin_http *a = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct route *known = NULL;
	const char *rest, *host;

	host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	if (host && !host_is_local(host)) {
		send_status(req, 403, "Forbidden: Host names no address (DNS rebinding?)", NULL);
		return;
	}
	for (size_t i = 0; path && i < sizeof routes / sizeof routes[0]; i++) {
		if (!(rest = route_rest(&routes[i], path)))
			continue;
		known = &routes[i];
		if (!(routes[i].methods & cmd))
			continue;
		if (cmd == EVHTTP_REQ_POST &&
		    evhttp_find_header(evhttp_request_get_input_headers(req), "Origin")) {
			send_status(req, 403, "Forbidden: no POST from a web page", NULL);
			return;
		}
		routes[i].fn(req, a, rest);
		return;
	}
	if (!known) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	send_status(req, HTTP_BADMETHOD, "Method Not Allowed", known->allow);
}

/* ---- the connection cap ---- */

static void gate_release(struct conn_gate *g)
{
	g->open--;
	if (!g->a) {
		if (g->open == 0)
			free(g);
		return;
	}
	if (g->paused && g->open < g->max && g->lev) {
		g->paused = false;
		evconnlistener_enable(g->lev);
	}
}

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct admin_conn *c = arg, **pp;
	struct conn_gate *g = c->g;

	(void)evcon;
	if (c->job)
		c->job->req = NULL;	/* its verdict will be dropped */
	for (pp = &g->conns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	free(c);
	gate_release(g);
}

/* A bufferevent handed to evhttp, waiting to be matched to its connection. */
struct adoption {
	struct conn_gate *g;
	struct bufferevent *bev;	/* referenced until then */
	struct event *ev;
};

static void gate_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct adoption *p = arg;
	struct conn_gate *g = p->g;
	struct admin_conn *c = NULL;
	void *evcon = NULL;

	(void)fd;
	(void)what;
	/* evhttp set (..., evcon) as the callbacks; a freed bufferevent has none */
	bufferevent_getcb(p->bev, NULL, NULL, NULL, &evcon);
	if (evcon && g->a && (c = calloc(1, sizeof *c))) {
		c->g = g;
		c->evcon = evcon;
		c->next = g->conns;
		g->conns = c;
		evhttp_connection_set_closecb(evcon, on_conn_close, c);
	} else {
		gate_release(g);	/* gone already, or not tracked */
	}
	bufferevent_decref(p->bev);
	event_free(p->ev);
	free(p);
}

/* evhttp's bufferevent for a new connection (as evhttp would make it):
 * counted open now, matched to its connection by gate_adopt. */
static struct bufferevent *gate_new_bev(struct event_base *base, void *arg)
{
	struct conn_gate *g = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
	struct adoption *p = bev ? calloc(1, sizeof *p) : NULL;

	if (!p || !(p->ev = event_new(base, -1, 0, gate_adopt, p))) {
		free(p);
		return bev;	/* not counted, but served */
	}
	p->g = g;
	p->bev = bev;
	bufferevent_incref(bev);
	/* active now: runs in this loop pass, before the connection's first read */
	event_active(p->ev, EV_TIMEOUT, 0);
	g->open++;
	g->accepted++;
	if (g->open >= g->max && !g->paused && g->lev) {
		g->paused = true;
		g->paused_times++;
		evconnlistener_disable(g->lev);
	}
	return bev;
}

struct admin_http *admin_http_new(const char *spec, const struct sock_perm *perm, char *err,
				  size_t errlen)
{
	struct admin_http *a;
	struct endpoint ep;
	struct sockaddr_storage ss;
	socklen_t sl;
	char why[256];
	int fd, one = 1;

	if (endpoint_parse(spec, ENDPOINT_HOSTPORT, &ep, why, sizeof why) < 0) {
		snprintf(err, errlen, "admin_listen: %s", why);
		return NULL;
	}
	if (ep.is_unix) {
		/* the socket file's owner, group and mode are the access control */
		if ((fd = sock_perm_listen(ep.path, perm, "admin_listen", 128, err, errlen)) < 0)
			return NULL;
	} else {
		if (addr_classify(&ep.addr, NULL) != ADDR_LOOPBACK) {
			snprintf(err, errlen, "admin_listen: %s: HOST must be a loopback address "
				 "(the API has no authentication)", spec);
			return NULL;
		}
		sl = netaddr_sockaddr(&ep.addr, ep.port, &ss);
		fd = socket(ep.addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
		    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
			snprintf(err, errlen, "admin_listen: %s: %s", spec, strerror(errno));
			if (fd >= 0)
				close(fd);
			return NULL;
		}
	}
	if (!(a = calloc(1, sizeof *a)) || !(a->gate = calloc(1, sizeof *a->gate)) ||
	    (ep.is_unix && !(a->unix_path = strdup(ep.path)))) {
		if (a)
			free(a->gate);
		free(a);
		if (ep.is_unix)
			unlink(ep.path);
		close(fd);
		snprintf(err, errlen, "admin_listen: out of memory");
		return NULL;
	}
	a->fd = fd;
	a->gate->a = a;
	return a;
}

int admin_http_start(struct admin_http *a, struct event_base *base, struct engine *e,
		     struct decider *d, struct policy_server *s)
{
	a->eng = e;
	a->dec = d;
	a->srv = s;
	if (!(a->http = evhttp_new(base)))
		return -1;
	/* others get 501 from evhttp; POSTs have no body */
	evhttp_set_allowed_methods(a->http, GET_HEAD | EVHTTP_REQ_POST);
	/* both read at start: the listener and its limits are built once */
	a->gate->max = (size_t)e->cfg->admin_max_connections;
	evhttp_set_timeout(a->http, (int)e->cfg->admin_idle_timeout);
	evhttp_set_bevcb(a->http, gate_new_bev, a->gate);
	evhttp_set_max_headers_size(a->http, 8192);
	evhttp_set_max_body_size(a->http, 0);
	evhttp_set_gencb(a->http, on_request, a);
	if (metrics_add_source(e->metrics, daemon_metrics, a) < 0)
		return -1;
	struct evhttp_bound_socket *bs = evhttp_accept_socket_with_handle(a->http, a->fd);
	if (!bs)
		return -1;
	a->fd = -1;	/* evhttp owns it now */
	a->gate->lev = evhttp_bound_socket_get_listener(bs);
	return 0;
}

void admin_http_free(struct admin_http *a)
{
	if (!a)
		return;
	/* evhttp_free frees the listener first, then the connections (their
	 * close callbacks run): the gate forgets both and holds itself alive
	 * across the call; adoptions still pending free it last */
	a->gate->a = NULL;
	a->gate->lev = NULL;
	a->gate->open++;
	if (a->http)
		evhttp_free(a->http);
	if (a->eng)
		metrics_remove_source(a->eng->metrics, daemon_metrics, a);
	if (a->fd >= 0)
		close(a->fd);
	if (a->unix_path) {
		unlink(a->unix_path);
		free(a->unix_path);
	}
	gate_release(a->gate);
	free(a);
}
