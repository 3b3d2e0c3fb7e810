/* admin_http: /metrics, /v1/check/DOMAIN, /v1/risk on evhttp.
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
#include "daemon/decide.h"
#include "engine/dname.h"
#include "engine/engine.h"
#include "engine/history.h"
#include "lib/log.h"
#include "lib/netaddr.h"
#include "engine/fleet.h"
#include "lib/addr_policy.h"
#include "engine/pipeline.h"
#include "daemon/policy_server.h"
#include "engine/report.h"
#include "engine/resolver.h"
#include "engine/smtp_probe.h"
#include "daemon/status_page.h"
#include "engine/verdict.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	struct conn_gate *gate;
	struct evhttp *http;
	struct engine *eng;
	struct decider *dec;
	struct policy_server *srv;
};

/* A /v1/check request waiting for its verdict; req is NULL once the
 * client went away (the check still completes: then it is dropped). */
struct admin_job {
	struct evhttp_request *req;
	struct admin_conn *conn;	/* NULL: the connection is not tracked */
	char input[DNAME_MAXLEN];
};

static void history_metrics(struct evbuffer *b, struct admin_http *a);

static void metric(struct evbuffer *b, const char *name, const char *type, const char *help,
		   unsigned long long v)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type,
			    name, v);
}

static void on_metrics(struct evhttp_request *req, void *arg)
{
	struct admin_http *a = arg;
	struct evbuffer *b = evbuffer_new();
	const struct decide_stats *ds = decider_stats(a->dec);
	const struct policy_stats *ps = policy_server_stats(a->srv);

	if (!b) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	metric(b, "mxvet_policy_requests_total", "counter", "policy requests", ds->requests);
	evbuffer_add_printf(b, "# HELP mxvet_policy_answers_total policy answers by verdict\n"
			    "# TYPE mxvet_policy_answers_total counter\n");
	for (int v = 0; v < 4; v++)
		evbuffer_add_printf(b, "mxvet_policy_answers_total{verdict=\"%s\"} %llu\n",
				    verdict_name(v), (unsigned long long)ds->actions[v]);
	metric(b, "mxvet_cache_hits_total", "counter", "cached decisions", ds->cache_hits);
	metric(b, "mxvet_cache_misses_total", "counter", "decisions not in the cache",
	       ds->cache_misses);
	metric(b, "mxvet_cache_entries", "gauge", "verdicts cached", decider_cache_count(a->dec));
	metric(b, "mxvet_cache_evictions_total", "counter", "LRU evictions",
	       decider_cache_evictions(a->dec));
	metric(b, "mxvet_decision_timeouts_total", "counter",
	       "answers given by timeout_action", ds->timeouts);
	metric(b, "mxvet_errors_total", "counter", "answers given by error_action", ds->errors);
	metric(b, "mxvet_warned_total", "counter",
	       "rejects and defers only reported (mode = warn)", ds->warned);
	metric(b, "mxvet_skipped_total", "counter",
	       "requests exempted without a check (skip_clients, skip_senders, skip_domains, "
	       "skip_authenticated)", ds->skipped);
	metric(b, "mxvet_checks_started_total", "counter", "checks started",
	       a->eng->stats.checks_started);
	metric(b, "mxvet_checks_in_flight", "gauge", "checks running",
	       a->eng->stats.checks_in_flight);
	metric(b, "mxvet_history_enabled", "gauge",
	       "1 if the domain history in state_dir is in use (DOMAIN_DEAD, mxvet report)",
	       a->eng->hist != NULL);
	metric(b, "mxvet_checks_refused_total", "counter",
	       "uncached domains answered timeout_action at once: max_checks_in_flight reached",
	       ds->refused);
	metric(b, "mxvet_policy_connections_total", "counter", "policy connections accepted",
	       ps->connections);
	metric(b, "mxvet_policy_connections_open", "gauge", "policy connections open", ps->open);
	metric(b, "mxvet_policy_protocol_errors_total", "counter",
	       "malformed policy requests (connection closed)", ps->protocol_errors);
	metric(b, "mxvet_policy_clients_refused_total", "counter",
	       "TCP clients outside policy_allow", ps->rejected_clients);
	metric(b, "mxvet_policy_slow_clients_dropped_total", "counter",
	       "clients dropped for not reading their answers", ps->dropped_slow);
	if (a->eng && a->eng->res) {
		const struct resolver_stats *rs = resolver_stats(a->eng->res);
		metric(b, "mxvet_resolver_blind", "gauge",
		       "1 while the resolver reaches no DNS server (its failures are not "
		       "held against domains)", rs->blind);
		metric(b, "mxvet_resolver_blind_episodes_total", "counter",
		       "times the resolver reached no DNS server", rs->blind_episodes);
	}
	if (a->eng && engine_smtp_prober(a->eng)) {
		const struct smtp_stats *ss = smtp_prober_stats(engine_smtp_prober(a->eng));
		metric(b, "mxvet_smtp_connects_total", "counter", "SMTP probe connections",
		       ss->connects);
		metric(b, "mxvet_smtp_probes_in_flight", "gauge", "SMTP probes connected now",
		       ss->in_flight);
		metric(b, "mxvet_smtp_probes_queued", "gauge",
		       "SMTP probes waiting for a slot (per network or overall)", ss->queue_len);
		metric(b, "mxvet_smtp_queue_expired_total", "counter",
		       "SMTP probes given up after waiting a probe's time limit in the queue",
		       ss->queue_expired);
		metric(b, "mxvet_smtp_blind", "gauge",
		       "1 while outbound SMTP looks blocked (smtp_blind_after)", ss->blind);
		metric(b, "mxvet_smtp_blind_episodes_total", "counter",
		       "times outbound SMTP looked blocked", ss->blind_episodes);
	}
	if (a->eng && engine_auth_prober(a->eng)) {
		const struct auth_prober_stats *as = auth_prober_stats(engine_auth_prober(a->eng));
		metric(b, "mxvet_authority_packets_total", "counter",
		       "direct DNS packets sent (UDP sends, retries, TCP connections)", as->packets);
		metric(b, "mxvet_authority_budget_hits_total", "counter",
		       "authority stages that spent their packet budget (partial evidence)",
		       as->budget_hits);
	}
	history_metrics(b, a);
	fleet_metrics(a->eng->fleet, b);
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

static void on_verdict(void *arg, const struct decide_result *r)
{
	struct admin_job *j = arg;

	if (j->req) {
		if (j->conn)
			j->conn->job = NULL;
		else
			evhttp_connection_set_closecb(evhttp_request_get_connection(j->req),
						      NULL, NULL);
		json_t *o = !r ? NULL : r->check ? report_json(r->check, j->input)
						 : cached_json(r->dc, j->input);
		if (o && r->check)
			json_object_set_new(o, "cached", json_false());
		if (o)
			send_json(j->req, HTTP_OK, "OK", o);
		else
			evhttp_send_error(j->req, HTTP_SERVUNAVAIL, NULL);
		json_decref(o);
	}
	free(j);
}

/* ?fresh=1 (or yes, true): a new check even when the verdict is cached. */
static bool want_fresh(struct evhttp_request *req)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq kv;
	const char *v;
	bool fresh = false;

	if (!q || evhttp_parse_query_str(q, &kv) < 0)
		return false;
	if ((v = evhttp_find_header(&kv, "fresh")))
		fresh = strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0;
	evhttp_clear_headers(&kv);
	return fresh;
}

static void on_check(struct evhttp_request *req, void *arg)
{
	struct admin_http *a = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	char *in = path ? evhttp_uridecode(path + strlen("/v1/check/"), 0, NULL) : NULL;
	char domain[DNAME_MAXLEN], err[128];
	struct admin_job *j;

	if (!in || dname_normalize(in, domain, sizeof domain, err, sizeof err) != DNAME_OK) {
		json_t *o = json_pack("{s:s, s:s}", "error", "invalid domain", "detail",
				      in ? err : "bad path");
		send_json(req, HTTP_BADREQUEST, "Bad Request", o);
		json_decref(o);
		free(in);
		return;
	}
	if (!(j = calloc(1, sizeof *j)) ||
	    decide_domain(a->dec, domain, want_fresh(req), on_verdict, j) < 0) {
		free(j);
		free(in);
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	j->req = req;
	snprintf(j->input, sizeof j->input, "%s", in);
	free(in);
	if ((j->conn = conn_of(a->gate, evhttp_request_get_connection(req))))
		j->conn->job = j;
	else
		evhttp_connection_set_closecb(evhttp_request_get_connection(req),
					      on_untracked_close, j);
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

static void on_risk(struct evhttp_request *req, void *arg)
{
	struct admin_http *a = arg;
	struct risk_walk w = { evbuffer_new(), 0 };

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

static void on_other(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	if (path && strncmp(path, "/v1/check/", 10) == 0 && path[10]) {
		on_check(req, arg);
		return;
	}
	if (status_page_path(path)) {
		struct admin_http *a = arg;
		status_page_serve(req, a->eng, a->dec);
		return;
	}
	evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}

/* ---- history metrics ---- */

static void history_metrics(struct evbuffer *b, struct admin_http *a)
{
	struct history_stats st;

	if (!a->eng || !a->eng->hist)
		return;
	history_get_stats(a->eng->hist, &st);
	metric(b, "mxvet_history_entries", "gauge", "domains in the history", st.entries);
	metric(b, "mxvet_history_full", "gauge",
	       "1 while the history file or its disk is full (history_max_size)", st.full);
	metric(b, "mxvet_history_full_episodes_total", "counter",
	       "times the history file or its disk filled up", st.full_episodes);
	metric(b, "mxvet_history_write_errors_total", "counter",
	       "history records not written", st.write_errors);
	metric(b, "mxvet_history_pruned_total", "counter",
	       "history records deleted by history_max_entries or history_max_age", st.pruned);
	if (a->gate) {
		metric(b, "mxvet_admin_connections_open", "gauge", "admin API connections open",
		       a->gate->open);
		metric(b, "mxvet_admin_connections_capped_total", "counter",
		       "times the admin API stopped accepting at its connection cap",
		       a->gate->paused_times);
	}
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

struct admin_http *admin_http_new(const char *spec, char *err, size_t errlen)
{
	struct admin_http *a;
	struct netaddr na;
	struct sockaddr_storage ss;
	socklen_t sl;
	int port, fd, one = 1;

	if (strncmp(spec, "inet:", 5) != 0 || netaddr_parse_hostport(spec + 5, &na, &port) < 0) {
		snprintf(err, errlen, "admin_listen: want inet:HOST:PORT, got \"%s\"", spec);
		return NULL;
	}
	if (addr_classify(&na, NULL) != ADDR_LOOPBACK) {
		snprintf(err, errlen, "admin_listen: %s: HOST must be a loopback address "
			 "(the API has no authentication)", spec);
		return NULL;
	}
	sl = netaddr_sockaddr(&na, port, &ss);
	fd = socket(na.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "admin_listen: %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!(a = calloc(1, sizeof *a)) || !(a->gate = calloc(1, sizeof *a->gate))) {
		free(a);
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
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	/* both read at start: the listener and its limits are built once */
	a->gate->max = (size_t)e->cfg->admin_max_connections;
	evhttp_set_timeout(a->http, (int)e->cfg->admin_idle_timeout);
	evhttp_set_bevcb(a->http, gate_new_bev, a->gate);
	evhttp_set_max_headers_size(a->http, 8192);
	evhttp_set_max_body_size(a->http, 0);
	evhttp_set_cb(a->http, "/metrics", on_metrics, a);
	evhttp_set_cb(a->http, "/v1/risk", on_risk, a);
	evhttp_set_gencb(a->http, on_other, a);
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
	if (a->fd >= 0)
		close(a->fd);
	gate_release(a->gate);
	free(a);
}
