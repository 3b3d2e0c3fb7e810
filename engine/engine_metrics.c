/* engine_metrics: the engine's families on /metrics (a metrics source, see
 * lib/metrics.h): checks by verdict and finding code, check and stage
 * latency, DNS queries, SMTP probes by outcome, the two guards, the
 * history. A family is written even when its module is off (zeros), so
 * that dashboards and alerts always find their names. */
#include "engine/engine_metrics.h"
#include "engine/authority.h"
#include "engine/engine.h"
#include "engine/findings.h"
#include "engine/history.h"
#include "engine/resolver.h"
#include "engine/smtp_probe.h"
#include "engine/verdict.h"
#include "lib/metrics.h"

#include <stdbool.h>

static void check_families(struct evbuffer *b, const struct engine *e)
{
	const struct engine_stats *s = &e->stats;

	metrics_counter(b, "mxvet_checks_started_total", "checks started", s->checks_started);
	metrics_gauge(b, "mxvet_checks_in_flight", "checks running", s->checks_in_flight);
	metrics_family(b, "mxvet_checks_total", "counter",
		       "checks completed, by verdict (error: no verdict, mxvet's own fault)");
	for (int v = 0; v < 4; v++)
		metrics_sample(b, "mxvet_checks_total", "verdict", verdict_name(v),
			       s->verdicts[v]);
	metrics_sample(b, "mxvet_checks_total", "verdict", "error", s->check_errors);
	metrics_family(b, "mxvet_check_findings_total", "counter",
		       "checks completed with a finding, by code (each code once per check, "
		       "acting or not)");
	for (int c = 0; c < F__COUNT; c++)
		metrics_sample(b, "mxvet_check_findings_total", "code", finding_info(c)->name,
			       s->findings[c]);
	metrics_family(b, "mxvet_check_duration_seconds", "histogram",
		       "time of a whole check, from its start to its verdict");
	metrics_histogram_samples(b, "mxvet_check_duration_seconds", NULL, NULL, &s->check_latency);
	metrics_family(b, "mxvet_check_stage_duration_seconds", "histogram",
		       "time of a check's stage: dns (MX and MX host lookups), authority "
		       "(direct queries to the name servers), smtp (greetings of the MX hosts)");
	for (int st = 0; st < CHECK_STAGE__COUNT; st++)
		metrics_histogram_samples(b, "mxvet_check_stage_duration_seconds", "stage",
					  check_stage_name(st), &s->stage_latency[st]);
}

static void dns_families(struct evbuffer *b, const struct engine *e)
{
	static const struct resolver_stats none;
	const struct resolver_stats *rs = e->res ? resolver_stats(e->res) : &none;
	const struct auth_prober *ap = engine_auth_prober(e);
	const struct auth_prober_stats *as = ap ? auth_prober_stats(ap) : NULL;

	metrics_family(b, "mxvet_dns_queries_total", "counter",
		       "DNS queries sent: recursive (through libunbound; joined lookups not "
		       "counted), direct (to authoritative servers), canary (the resolver "
		       "guard's probes)");
	metrics_sample(b, "mxvet_dns_queries_total", "kind", "recursive", rs->queries);
	metrics_sample(b, "mxvet_dns_queries_total", "kind", "direct", as ? as->queries : 0);
	metrics_sample(b, "mxvet_dns_queries_total", "kind", "canary", rs->canaries);
	metrics_family(b, "mxvet_dns_query_timeouts_total", "counter",
		       "DNS queries that ran out of time, by kind");
	metrics_sample(b, "mxvet_dns_query_timeouts_total", "kind", "recursive", rs->timeouts);
	metrics_sample(b, "mxvet_dns_query_timeouts_total", "kind", "direct",
		       as ? as->timeouts : 0);
	metrics_counter(b, "mxvet_authority_packets_total",
			"direct DNS packets sent (UDP sends, retries, TCP connections)",
			as ? as->packets : 0);
	metrics_counter(b, "mxvet_authority_budget_hits_total",
			"authority stages that spent their packet budget (partial evidence)",
			as ? as->budget_hits : 0);
	metrics_counter(b, "mxvet_dns_lookups_joined_total",
			"recursive lookups answered by a query already in flight", rs->joined);
	metrics_gauge(b, "mxvet_resolver_blind",
		      "1 while the resolver reaches no DNS server (its failures are not held "
		      "against domains)", rs->blind);
	metrics_counter(b, "mxvet_resolver_blind_episodes_total",
			"times the resolver reached no DNS server", rs->blind_episodes);
}

static void smtp_families(struct evbuffer *b, const struct engine *e)
{
	static const struct smtp_stats none;
	const struct smtp_prober *sp = engine_smtp_prober(e);
	const struct smtp_stats *ss = sp ? smtp_prober_stats(sp) : &none;

	metrics_family(b, "mxvet_smtp_probes_total", "counter",
		       "SMTP probes by outcome (ok: 2xx greeting; not_probed: no time or a "
		       "local failure; skipped: refused by the address policy)");
	for (int st = SMTP_ST_OK; st <= SMTP_ST_ERROR; st++)
		metrics_sample(b, "mxvet_smtp_probes_total", "outcome", smtp_status_name(st),
			       ss->results[st]);
	metrics_sample(b, "mxvet_smtp_probes_total", "outcome", "not_probed",
		       ss->results[SMTP_ST_NONE] + ss->queue_expired);
	metrics_sample(b, "mxvet_smtp_probes_total", "outcome", "skipped", ss->skipped);
	metrics_counter(b, "mxvet_smtp_probe_requests_total",
			"addresses the checks asked the prober for", ss->requests);
	metrics_counter(b, "mxvet_smtp_probe_cache_hits_total",
			"addresses answered from a fresh probe result", ss->cache_hits);
	metrics_counter(b, "mxvet_smtp_connects_total", "SMTP probe connections", ss->connects);
	metrics_gauge(b, "mxvet_smtp_probes_in_flight", "SMTP probes connected now",
		      ss->in_flight);
	metrics_gauge(b, "mxvet_smtp_probes_queued",
		      "SMTP probes waiting for a slot (per network or overall)", ss->queue_len);
	metrics_counter(b, "mxvet_smtp_queue_expired_total",
			"SMTP probes given up after waiting a probe's time limit in the queue",
			ss->queue_expired);
	metrics_gauge(b, "mxvet_smtp_blind",
		      "1 while outbound SMTP looks blocked (the egress guard, smtp_blind_after)",
		      ss->blind);
	metrics_counter(b, "mxvet_smtp_blind_episodes_total",
			"times outbound SMTP looked blocked", ss->blind_episodes);
}

static void history_families(struct evbuffer *b, const struct engine *e)
{
	struct history_stats st;

	metrics_gauge(b, "mxvet_history_enabled",
		      "1 if the domain history in state_dir is in use (DOMAIN_DEAD, mxvet report)",
		      e->hist != NULL);
	if (!e->hist)
		return;
	history_get_stats(e->hist, &st);
	metrics_gauge(b, "mxvet_history_entries", "domains in the history", st.entries);
	metrics_gauge(b, "mxvet_history_full",
		      "1 while the history file or its disk is full (history_max_size)", st.full);
	metrics_counter(b, "mxvet_history_full_episodes_total",
			"times the history file or its disk filled up", st.full_episodes);
	metrics_counter(b, "mxvet_history_write_errors_total", "history records not written",
			st.write_errors);
	metrics_counter(b, "mxvet_history_pruned_total",
			"history records deleted by history_max_entries or history_max_age",
			st.pruned);
}

void engine_metrics(struct evbuffer *out, void *arg)
{
	const struct engine *e = arg;

	check_families(out, e);
	dns_families(out, e);
	smtp_families(out, e);
	history_families(out, e);
}
