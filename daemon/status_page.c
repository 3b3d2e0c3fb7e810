/* status_page: GET / and GET /domain/NAME as HTML, from the decider's
 * counters, verdict ring and risk board, the engine's guards and the
 * domain history. Everything here reads; nothing starts a check or
 * touches the verdict cache. */
#include "autoconfig.h"
#include "daemon/status_page.h"
#include "daemon/decide.h"
#include "daemon/html.h"
#include "daemon/risk_board.h"
#include "daemon/verdict_ring.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "engine/engine.h"
#include "engine/fleet.h"
#include "engine/redis_conn.h"
#include "engine/history.h"
#include "engine/resolver.h"
#include "engine/smtp_probe.h"
#include "engine/verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#define DOMAIN_PREFIX "/domain/"
#define CHART_W 600
#define CHART_H 110

static const char *const css =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:75em}"
	"h1{font-size:1.4em;margin:0}h2{font-size:1.1em;margin:1.4em 0 .4em}"
	".sub{color:#666;margin:.2em 0 1em}"
	"table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.25em .6em;"
	"text-align:left;vertical-align:top}th{background:#f4f4f4}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"code{font:12px ui-monospace,monospace;background:#f6f6f6;padding:0 .2em;"
	"white-space:pre-wrap;word-break:break-all}"
	"pre{font:12px ui-monospace,monospace;background:#f6f6f6;padding:.6em;overflow:auto}"
	".charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}"
	"figcaption{color:#555;margin-bottom:.2em}svg{background:#fafafa;border:1px solid #ddd}"
	".c0{fill:#2e7d32}.c1{fill:#1565c0}.c2{fill:#ef6c00}.c3{fill:#c62828}"
	".v0{color:#2e7d32}.v1{color:#1565c0}.v2{color:#ef6c00}.v3{color:#c62828}"
	".verdict{font-weight:600}.bad{color:#c62828;font-weight:600}.ok{color:#2e7d32}"
	"ul.findings{margin:0;padding-left:1em}ul.findings li{margin:.15em 0}"
	".key{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 .8em}"
	"svg text{font:10px sans-serif;fill:#666}";

static void page_head(struct evbuffer *b, const char *title, bool refresh)
{
	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
	if (refresh)
		evbuffer_add_printf(b, "<meta http-equiv=\"refresh\" content=\"60\">");
	evbuffer_add_printf(b, "<title>");
	html_text(b, title);
	evbuffer_add_printf(b, "</title><style>%s</style></head>\n<body>\n", css);
}

static void send_page(struct evhttp_request *req, int code, const char *reason,
		      struct evbuffer *b)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evbuffer_add_printf(b, "</body></html>\n");
	evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
	/* nothing but the inline style may load or run, whatever got in */
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
			  "form-action 'none'; frame-ancestors 'none'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason, b);
}

/* "42 s", "12 min", "3 h 5 min", "2 d 4 h" */
static const char *span(long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, len, "%ld s", s);
	else if (s < 3600 * 2)
		snprintf(buf, len, "%ld min", s / 60);
	else if (s < 86400 * 2)
		snprintf(buf, len, "%ld h %ld min", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%ld d %ld h", s / 86400, s / 3600 % 24);
	return buf;
}

static const char *iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(buf, len, "-");
	return buf;
}

/* A link to a domain's page: the name percent-encoded in the path, and
 * both escaped for HTML. */
static void domain_link(struct evbuffer *b, const char *domain)
{
	char *enc = evhttp_uriencode(domain, -1, 0);

	evbuffer_add_printf(b, "<a href=\"" DOMAIN_PREFIX);
	html_text(b, enc ? enc : "");
	evbuffer_add_printf(b, "\">");
	html_text(b, domain);
	evbuffer_add_printf(b, "</a>");
	free(enc);
}

/* ---- decisions per verdict ---- */

/* A stacked bar chart of n periods, oldest left; unit names a period. */
static void chart(struct evbuffer *b, const char *id, const char *caption,
		  const uint32_t (*v)[VRING_VERDICTS], int n, const char *unit)
{
	uint64_t max = 1;
	double bw = (double)CHART_W / n;

	for (int k = 0; k < n; k++) {
		uint64_t t = 0;
		for (int c = 0; c < VRING_VERDICTS; c++)
			t += v[k][c];
		if (t > max)
			max = t;
	}
	evbuffer_add_printf(b, "<figure id=\"%s\"><figcaption>%s</figcaption>"
			    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
			    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
			    id, caption, CHART_W, CHART_H + 14, CHART_W, CHART_H + 14, caption);
	for (int k = 0; k < n; k++) {
		double y = CHART_H;
		int ago = n - 1 - k;
		evbuffer_add_printf(b, "<g><title>%d %s ago:", ago, unit);
		for (int c = 0; c < VRING_VERDICTS; c++)
			evbuffer_add_printf(b, " %s %u", verdict_name(c), v[k][c]);
		evbuffer_add_printf(b, "</title>");
		for (int c = 0; c < VRING_VERDICTS; c++) {
			double h = (double)v[k][c] * (CHART_H - 12) / (double)max;
			if (v[k][c] == 0)
				continue;
			y -= h;
			evbuffer_add_printf(b, "<rect class=\"c%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
					    "height=\"%.1f\"/>", c, k * bw + 0.5, y, bw - 1, h);
		}
		evbuffer_add_printf(b, "</g>");
	}
	evbuffer_add_printf(b, "<text x=\"2\" y=\"10\">%llu</text>"
			    "<text x=\"2\" y=\"%d\">%d %s ago</text>"
			    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">now</text></svg></figure>\n",
			    (unsigned long long)max, CHART_H + 12, n, unit, CHART_W - 2, CHART_H + 12);
}

static void decisions(struct evbuffer *b, const struct decider *d)
{
	const struct verdict_ring *r = decider_ring(d);
	uint32_t mins[VRING_MINUTES][VRING_VERDICTS], hours[VRING_HOURS][VRING_VERDICTS];
	uint64_t th[VRING_VERDICTS] = { 0 }, td[VRING_VERDICTS] = { 0 };
	int64_t now = decider_now();

	verdict_ring_minutes(r, now, mins);
	verdict_ring_hours(r, now, hours);
	for (int c = 0; c < VRING_VERDICTS; c++) {
		for (int k = 0; k < VRING_MINUTES; k++)
			th[c] += mins[k][c];
		for (int k = 0; k < VRING_HOURS; k++)
			td[c] += hours[k][c];
	}
	evbuffer_add_printf(b, "<section id=\"decisions\"><h2>Decisions per verdict</h2>"
			    "<p>");
	for (int c = 0; c < VRING_VERDICTS; c++)
		evbuffer_add_printf(b, "<svg class=\"key\" width=\"10\" height=\"10\"><rect "
				    "class=\"c%d\" width=\"10\" height=\"10\"/></svg>%s", c,
				    verdict_name(c));
	evbuffer_add_printf(b, "</p><div class=\"charts\">");
	chart(b, "chart-hour", "Last hour, per minute", (const uint32_t (*)[VRING_VERDICTS])mins,
	      VRING_MINUTES, "min");
	chart(b, "chart-day", "Last day, per hour", (const uint32_t (*)[VRING_VERDICTS])hours,
	      VRING_HOURS, "h");
	evbuffer_add_printf(b, "</div><table id=\"decision-totals\"><tr><th></th>");
	for (int c = 0; c < VRING_VERDICTS; c++)
		evbuffer_add_printf(b, "<th class=\"v%d\">%s</th>", c, verdict_name(c));
	evbuffer_add_printf(b, "</tr><tr><th>last hour</th>");
	for (int c = 0; c < VRING_VERDICTS; c++)
		evbuffer_add_printf(b, "<td class=\"n\" data-span=\"hour\" data-verdict=\"%s\">%llu</td>",
				    verdict_name(c), (unsigned long long)th[c]);
	evbuffer_add_printf(b, "</tr><tr><th>last day</th>");
	for (int c = 0; c < VRING_VERDICTS; c++)
		evbuffer_add_printf(b, "<td class=\"n\" data-span=\"day\" data-verdict=\"%s\">%llu</td>",
				    verdict_name(c), (unsigned long long)td[c]);
	evbuffer_add_printf(b, "</tr></table></section>\n");
}

/* ---- cache, checks, guards ---- */

static void row(struct evbuffer *b, const char *id, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void row(struct evbuffer *b, const char *id, const char *name, const char *fmt, ...)
{
	va_list ap;

	evbuffer_add_printf(b, "<tr><th>%s</th><td id=\"%s\">", name, id);
	va_start(ap, fmt);
	evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	evbuffer_add_printf(b, "</td></tr>");
}

static void engine_state(struct evbuffer *b, const struct engine *e, const struct decider *d)
{
	const struct decide_stats *ds = decider_stats(d);
	uint64_t looked = ds->cache_hits + ds->cache_misses;

	evbuffer_add_printf(b, "<section id=\"engine\"><h2>Cache and checks</h2><table>");
	row(b, "cache-entries", "verdicts cached", "%zu", decider_cache_count(d));
	if (looked)
		row(b, "cache-hit-ratio", "cache hit ratio", "%.1f %% (%llu hits, %llu misses)",
		    100.0 * (double)ds->cache_hits / (double)looked,
		    (unsigned long long)ds->cache_hits, (unsigned long long)ds->cache_misses);
	else
		row(b, "cache-hit-ratio", "cache hit ratio", "- (no lookups yet)");
	if (e)
		row(b, "checks-in-flight", "checks in flight", "%llu of at most %ld",
		    (unsigned long long)e->stats.checks_in_flight, e->cfg->max_checks_in_flight);
	row(b, "checks-started", "checks started", "%llu", (unsigned long long)ds->checks);
	row(b, "answers-fail-open", "answered by timeout_action / error_action", "%llu / %llu",
	    (unsigned long long)ds->timeouts, (unsigned long long)ds->errors);
	evbuffer_add_printf(b, "</table></section>\n");
}

static const char *flag(bool bad, const char *bad_text, const char *ok_text, char *buf,
			size_t len)
{
	snprintf(buf, len, "<span class=\"%s\">%s</span>", bad ? "bad" : "ok",
		 bad ? bad_text : ok_text);
	return buf;
}

static void guards(struct evbuffer *b, struct engine *e, const struct decider *d)
{
	char f[128];

	evbuffer_add_printf(b, "<section id=\"guards\"><h2>Guards</h2><table>");
	if (e && e->res) {
		const struct resolver_stats *rs = resolver_stats(e->res);
		row(b, "guard-dns", "DNS path", "%s; %llu blind episodes",
		    flag(rs->blind, "blind: lookups fail on mxvet's side, answers fail open",
			 "reaches DNS", f, sizeof f),
		    (unsigned long long)rs->blind_episodes);
	}
	if (e && engine_smtp_prober(e)) {
		const struct smtp_stats *ss = smtp_prober_stats(engine_smtp_prober(e));
		row(b, "guard-smtp", "SMTP egress", "%s; %llu blind episodes",
		    flag(ss->blind, "blind: outbound port 25 looks blocked", "probes get through",
			 f, sizeof f),
		    (unsigned long long)ss->blind_episodes);
	} else {
		row(b, "guard-smtp", "SMTP egress", "the smtp check is off");
	}
	if (e && e->hist) {
		struct history_stats st;
		history_get_stats(e->hist, &st);
		row(b, "guard-history", "domain history", "%s; %llu domains",
		    flag(st.full, "full: new records are lost until pruning makes room",
			 "recording", f, sizeof f),
		    (unsigned long long)st.entries);
	} else {
		row(b, "guard-history", "domain history",
		    "<span class=\"bad\">off: state_dir is not usable</span>");
	}
	if (e && e->fleet) {
		const struct redis_conn_stats *rs = fleet_redis_stats(e->fleet);
		char ago[48] = "none";
		if (rs->last_error)
			span((long)(time(NULL) - rs->last_error), ago, sizeof ago);
		row(b, "guard-redis", "fleet (Redis)", "%s; %llu outages; last error: %s%s",
		    flag(!rs->up, "down: this host works alone on its local tiers",
			 "connected", f, sizeof f),
		    (unsigned long long)rs->outages, ago, rs->last_error ? " ago" : "");
	} else if (e) {
		row(b, "guard-redis", "fleet (Redis)", "off: no redis_url, this host works alone");
	}
	if (e) {
		bool full = e->stats.checks_in_flight >= (uint64_t)e->cfg->max_checks_in_flight;
		row(b, "guard-admission", "admission (max_checks_in_flight)", "%s; %llu refused",
		    flag(full, "full: new domains get timeout_action", "open", f, sizeof f),
		    (unsigned long long)decider_stats(d)->refused);
	}
	evbuffer_add_printf(b, "</table></section>\n");
}

/* ---- risk domains ---- */

/* The start of the domain's failing streak: the history's when it goes
 * further back than this daemon's board. */
static time_t first_failure(struct engine *e, const struct risk_entry *r)
{
	struct history_rec h;
	time_t t = r->since;

	if (e && e->hist && history_get(e->hist, r->domain, &h) == 0) {
		if (h.first_failure && h.first_failure < t)
			t = h.first_failure;
	}
	return t;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void findings_list(struct evbuffer *b, const json_t *report)
{
	const json_t *fs = json_object_get(report, "findings"), *f;
	size_t i;

	evbuffer_add_printf(b, "<ul class=\"findings\">");
	json_array_foreach(fs, i, f) {
		const char *detail = jstr(f, "detail"), *rep = jstr(f, "reproduce");
		evbuffer_add_printf(b, "<li><b class=\"code\">");
		html_text(b, jstr(f, "code"));
		evbuffer_add_printf(b, "</b> <span class=\"action\">(");
		html_text(b, jstr(f, "action"));
		evbuffer_add_printf(b, ")</span>");
		if (detail && *detail) {
			evbuffer_add_printf(b, " <span class=\"detail\">");
			html_text(b, detail);
			evbuffer_add_printf(b, "</span>");
		}
		if (rep && *rep) {
			evbuffer_add_printf(b, "<br><code class=\"dig\">");
			html_text(b, rep);
			evbuffer_add_printf(b, "</code>");
		}
		evbuffer_add_printf(b, "</li>");
	}
	evbuffer_add_printf(b, "</ul>");
}

static void risk_domains(struct evbuffer *b, struct engine *e, const struct decider *d)
{
	const struct risk_board *rb = decider_board(d);
	size_t n = risk_board_count(rb);
	const struct risk_entry **v = n ? calloc(n, sizeof *v) : NULL;
	time_t now = time(NULL);
	char ago[48], when[32];

	n = v ? risk_board_sorted(rb, v, n) : 0;
	evbuffer_add_printf(b, "<section id=\"risk\"><h2>Risk domains (%zu), worst first</h2>", n);
	if (!n) {
		evbuffer_add_printf(b, "<p>No domain checked since the start is at risk.</p>"
				    "</section>\n");
		free(v);
		return;
	}
	evbuffer_add_printf(b, "<table id=\"risk-domains\"><thead><tr><th>domain</th>"
			    "<th>verdict</th><th>first failure</th><th>findings and how to "
			    "see them</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		time_t first = first_failure(e, v[i]);
		evbuffer_add_printf(b, "<tr class=\"risk\" data-domain=\"");
		html_text(b, v[i]->domain);
		evbuffer_add_printf(b, "\" data-verdict=\"%s\"><td>", verdict_name(v[i]->verdict));
		domain_link(b, v[i]->domain);
		evbuffer_add_printf(b, "</td><td class=\"verdict v%d\">%s</td>"
				    "<td title=\"%s\">%s ago</td><td>", v[i]->verdict,
				    verdict_name(v[i]->verdict), iso(first, when, sizeof when),
				    span((long)(now - first), ago, sizeof ago));
		findings_list(b, v[i]->report);
		evbuffer_add_printf(b, "</td></tr>\n");
	}
	evbuffer_add_printf(b, "</tbody></table></section>\n");
	free(v);
}

static void index_page(struct evhttp_request *req, struct engine *e, struct decider *d)
{
	struct evbuffer *b = evbuffer_new();
	char when[32];

	if (!b) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	page_head(b, "mxvet status", true);
	evbuffer_add_printf(b, "<header><h1>mxvet status</h1><p class=\"sub\">mxvetd %s; "
			    "page made %s; <a href=\"/metrics\">metrics</a></p></header>\n",
			    PACKAGE_VERSION, iso(time(NULL), when, sizeof when));
	decisions(b, d);
	engine_state(b, e, d);
	guards(b, e, d);
	risk_domains(b, e, d);
	send_page(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* ---- one domain ---- */

/* A JSON value as text: strings as they are, anything else as JSON. */
static void value(struct evbuffer *b, const json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		html_text(b, json_string_value(v));
		return;
	}
	if (!v || json_is_null(v))
		return;
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY))) {
		bool nested = json_is_array(v) || json_is_object(v);
		if (nested)
			evbuffer_add_printf(b, "<code>");
		html_text(b, s);
		if (nested)
			evbuffer_add_printf(b, "</code>");
		free(s);
	}
}

/* An array of objects as a table, one column per key of its objects (in
 * the order first seen). */
static void table_of(struct evbuffer *b, const char *id, const char *title, const json_t *arr)
{
	json_t *keys = json_array(), *o;
	const char *k;
	json_t *ignored;
	size_t i, j;

	evbuffer_add_printf(b, "<h2>%s (%zu)</h2>", title, json_array_size(arr));
	if (!keys || json_array_size(arr) == 0) {
		json_decref(keys);
		return;
	}
	json_array_foreach(arr, i, o) {
		json_object_foreach(o, k, ignored) {
			bool seen = false;
			for (j = 0; j < json_array_size(keys) && !seen; j++)
				seen = strcmp(json_string_value(json_array_get(keys, j)), k) == 0;
			if (!seen)
				json_array_append_new(keys, json_string(k));
		}
	}
	evbuffer_add_printf(b, "<table id=\"%s\"><thead><tr>", id);
	for (j = 0; j < json_array_size(keys); j++) {
		evbuffer_add_printf(b, "<th>");
		html_text(b, json_string_value(json_array_get(keys, j)));
		evbuffer_add_printf(b, "</th>");
	}
	evbuffer_add_printf(b, "</tr></thead><tbody>");
	json_array_foreach(arr, i, o) {
		evbuffer_add_printf(b, "<tr>");
		for (j = 0; j < json_array_size(keys); j++) {
			evbuffer_add_printf(b, "<td>");
			value(b, json_object_get(o, json_string_value(json_array_get(keys, j))));
			evbuffer_add_printf(b, "</td>");
		}
		evbuffer_add_printf(b, "</tr>");
	}
	evbuffer_add_printf(b, "</tbody></table>\n");
	json_decref(keys);
}

static void history_part(struct evbuffer *b, struct engine *e, const char *domain)
{
	struct history_rec h;
	char t1[32], t2[32], t3[32];

	if (!e || !e->hist || history_get(e->hist, domain, &h) != 0)
		return;
	evbuffer_add_printf(b, "<h2>History</h2><table id=\"history\">");
	row(b, "h-first-seen", "first seen at risk", "%s", iso(h.first_seen, t1, sizeof t1));
	row(b, "h-last-seen", "last checked", "%s", iso(h.last_seen, t2, sizeof t2));
	row(b, "h-first-failure", "failing since", "%s", iso(h.first_failure, t3, sizeof t3));
	row(b, "h-counts", "checks / at risk / failures in a row", "%lu / %lu / %lu", h.checks,
	    h.risk_count, h.failures);
	evbuffer_add_printf(b, "</table>\n");
}

static void domain_page(struct evhttp_request *req, struct engine *e, struct decider *d,
			const char *path)
{
	struct evbuffer *b = evbuffer_new();
	char *in = evhttp_uridecode(path + strlen(DOMAIN_PREFIX), 0, NULL);
	char domain[DNAME_MAXLEN], err[128], t1[32], t2[32], ago[48];
	const struct risk_entry *r;
	char *raw;

	if (!b) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		free(in);
		return;
	}
	if (!in || dname_normalize(in, domain, sizeof domain, err, sizeof err) != DNAME_OK) {
		page_head(b, "mxvet: not a domain", false);
		evbuffer_add_printf(b, "<h1>Not a domain</h1><p id=\"error\">");
		html_text(b, in ? in : "");
		evbuffer_add_printf(b, ": ");
		html_text(b, in ? err : "bad path");
		evbuffer_add_printf(b, "</p><p><a href=\"/\">status</a></p>");
		send_page(req, HTTP_BADREQUEST, "Bad Request", b);
		evbuffer_free(b);
		free(in);
		return;
	}
	free(in);
	page_head(b, domain, false);
	evbuffer_add_printf(b, "<header><h1 id=\"domain\">");
	html_text(b, domain);
	evbuffer_add_printf(b, "</h1><p class=\"sub\"><a href=\"/\">status</a></p></header>\n");
	if (!(r = risk_board_get(decider_board(d), domain))) {
		evbuffer_add_printf(b, "<p id=\"no-check\">No check of this domain at risk is kept: "
				    "it was healthy when last checked, was not checked since "
				    "mxvetd started, or made room for others. <code>mxvet check ");
		html_text(b, domain);
		evbuffer_add_printf(b, "</code> checks it now.</p>");
		history_part(b, e, domain);
		send_page(req, HTTP_NOTFOUND, "Not Found", b);
		evbuffer_free(b);
		return;
	}
	evbuffer_add_printf(b, "<table id=\"summary\">");
	row(b, "s-verdict", "verdict", "<span class=\"verdict v%d\">%s</span>", r->verdict,
	    verdict_name(r->verdict));
	evbuffer_add_printf(b, "<tr id=\"s-reply\"><th>reply</th><td>");
	html_text(b, jstr(r->report, "reply"));
	evbuffer_add_printf(b, "</td></tr>");
	row(b, "s-checked", "checked", "%s (%s ago)", iso(r->checked, t1, sizeof t1),
	    span((long)(time(NULL) - r->checked), ago, sizeof ago));
	row(b, "s-since", "at risk since", "%s", iso(r->since, t2, sizeof t2));
	row(b, "s-ttl", "ttl / took", "%lld s / %lld ms",
	    (long long)json_integer_value(json_object_get(r->report, "ttl")),
	    (long long)json_integer_value(json_object_get(r->report, "elapsed_ms")));
	evbuffer_add_printf(b, "</table>\n<h2>Findings</h2>");
	findings_list(b, r->report);
	table_of(b, "findings", "Findings in full", json_object_get(r->report, "findings"));
	table_of(b, "mx", "MX hosts", json_object_get(r->report, "mx"));
	table_of(b, "nameservers", "Authoritative servers",
		 json_object_get(r->report, "nameservers"));
	history_part(b, e, domain);
	if ((raw = json_dumps(r->report, JSON_INDENT(2)))) {
		evbuffer_add_printf(b, "<details><summary>The check as JSON (as <code>mxvet check "
				    "--json</code> prints it)</summary><pre id=\"json\">");
		html_text(b, raw);
		evbuffer_add_printf(b, "</pre></details>\n");
		free(raw);
	}
	send_page(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

bool status_page_path(const char *path)
{
	return path && (strcmp(path, "/") == 0 ||
			(strncmp(path, DOMAIN_PREFIX, strlen(DOMAIN_PREFIX)) == 0 &&
			 path[strlen(DOMAIN_PREFIX)]));
}

void status_page_serve(struct evhttp_request *req, struct engine *e, struct decider *d)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	if (path && strcmp(path, "/") == 0)
		index_page(req, e, d);
	else if (status_page_path(path))
		domain_page(req, e, d, path);
	else
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}
