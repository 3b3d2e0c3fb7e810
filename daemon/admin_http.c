/* admin_http: /metrics, /v1/check/DOMAIN, /v1/risk on evhttp. */
#include "admin_http.h"
#include "cache.h"
#include "decide.h"
#include "dname.h"
#include "engine.h"
#include "log.h"
#include "netaddr.h"
#include "lib/addr_policy.h"
#include "pipeline.h"
#include "policy_server.h"
#include "report.h"
#include "smtp_probe.h"
#include "verdict.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define RISK_MAX 100000		/* lines in one /v1/risk answer */

struct admin_http {
	int fd;			/* bound, until evhttp takes it */
	struct evhttp *http;
	struct engine *eng;
	struct decider *dec;
	struct policy_server *srv;
};

/* A /v1/check request waiting for its check; req is NULL once the
 * client went away (the check still completes: then it is dropped). */
struct admin_job {
	struct evhttp_request *req;
	char input[DNAME_MAXLEN];
};

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
	if (a->eng && a->eng->smtp) {
		const struct smtp_stats *ss = smtp_prober_stats(a->eng->smtp);
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

static void on_conn_close(struct evhttp_connection *conn, void *arg)
{
	struct admin_job *j = arg;
	(void)conn;
	j->req = NULL;
}

static void on_check_done(void *arg, const struct check_result *res)
{
	struct admin_job *j = arg;

	if (j->req) {
		json_t *o = report_json(res, j->input);
		evhttp_connection_set_closecb(evhttp_request_get_connection(j->req), NULL, NULL);
		send_json(j->req, HTTP_OK, "OK", o);
		json_decref(o);
	}
	free(j);
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
	if (!(j = calloc(1, sizeof *j)) || !check_start(a->eng, domain, 0, on_check_done, j)) {
		free(j);
		free(in);
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	j->req = req;
	snprintf(j->input, sizeof j->input, "%s", in);
	free(in);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), on_conn_close, j);
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
	evhttp_send_error(req, HTTP_NOTFOUND, NULL);
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
	if (!(a = calloc(1, sizeof *a))) {
		close(fd);
		snprintf(err, errlen, "admin_listen: out of memory");
		return NULL;
	}
	a->fd = fd;
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
	evhttp_set_timeout(a->http, 30);
	evhttp_set_max_headers_size(a->http, 8192);
	evhttp_set_max_body_size(a->http, 0);
	evhttp_set_cb(a->http, "/metrics", on_metrics, a);
	evhttp_set_cb(a->http, "/v1/risk", on_risk, a);
	evhttp_set_gencb(a->http, on_other, a);
	if (evhttp_accept_socket(a->http, a->fd) < 0)
		return -1;
	a->fd = -1;	/* evhttp owns it now */
	return 0;
}

void admin_http_free(struct admin_http *a)
{
	if (!a)
		return;
	if (a->http)
		evhttp_free(a->http);
	if (a->fd >= 0)
		close(a->fd);
	free(a);
}
