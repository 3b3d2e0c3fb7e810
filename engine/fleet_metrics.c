/* fleet_metrics: the fleet tier's Prometheus families (see fleet.h), from
 * its public counters. */
#include "engine/fleet.h"
#include "engine/fleet_lease.h"
#include "engine/redis_conn.h"
#include "lib/metrics.h"

#include <event2/buffer.h>

void fleet_metrics(const struct fleet *f, struct evbuffer *b)
{
	const struct redis_conn_stats *s;
	const struct fleet_stats *st;
	const struct fleet_lease_stats *ls;
	uint64_t cum = 0;

	if (!f)
		return;
	ls = fleet_leases_stats(fleet_leases(f));
	s = fleet_redis_stats(f);
	st = fleet_stats(f);
	metrics_gauge(b, "mxvet_redis_up", "1 while the Redis connection serves", s->up ? 1 : 0);
	metrics_counter(b, "mxvet_redis_commands_total", "commands sent to Redis", s->commands);
	metrics_counter(b, "mxvet_redis_errors_total", "Redis commands that failed", s->errors);
	metrics_counter(b, "mxvet_redis_timeouts_total", "Redis commands past redis_timeout", s->timeouts);
	metrics_counter(b, "mxvet_redis_connects_total", "Redis connections made", s->connects);
	metrics_counter(b, "mxvet_redis_connect_failures_total", "Redis connections that failed",
		s->connect_failures);
	metrics_counter(b, "mxvet_redis_outages_total", "times Redis became unavailable", s->outages);
	metrics_counter(b, "mxvet_redis_refused_total", "Redis lookups skipped: not connected", s->refused);
	evbuffer_add_printf(b, "# HELP mxvet_redis_latency_seconds Redis reply latency\n"
			    "# TYPE mxvet_redis_latency_seconds histogram\n");
	for (size_t i = 0; i < REDIS_LAT_BUCKETS; i++) {
		cum += s->lat[i];
		evbuffer_add_printf(b, "mxvet_redis_latency_seconds_bucket{le=\"%g\"} %llu\n",
				    redis_lat_bounds_us[i] / 1e6, (unsigned long long)cum);
	}
	cum += s->lat[REDIS_LAT_BUCKETS];
	evbuffer_add_printf(b, "mxvet_redis_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
			    "mxvet_redis_latency_seconds_sum %.6f\n"
			    "mxvet_redis_latency_seconds_count %llu\n", (unsigned long long)cum,
			    s->lat_sum_us / 1e6, (unsigned long long)cum);
	metrics_counter(b, "mxvet_fleet_verdict_hits_total", "verdicts taken from the fleet",
		st->verdict_hits);
	metrics_counter(b, "mxvet_fleet_verdict_misses_total", "verdicts not in the fleet",
		st->verdict_misses);
	metrics_counter(b, "mxvet_fleet_verdict_writes_total", "verdicts given to the fleet",
		st->verdict_writes);
	metrics_counter(b, "mxvet_fleet_probe_hits_total", "SMTP probe results taken from the fleet",
		st->probe_hits);
	metrics_counter(b, "mxvet_fleet_probe_misses_total", "SMTP probe results not in the fleet",
		st->probe_misses);
	metrics_counter(b, "mxvet_fleet_probe_writes_total", "SMTP probe results given to the fleet",
		st->probe_writes);
	metrics_counter(b, "mxvet_fleet_lock_waits_total", "waits for another host's check or probe",
		st->lock_waits);
	metrics_counter(b, "mxvet_fleet_lock_wait_hits_total", "waits that got the other host's result",
		st->lock_wait_hits);
	metrics_counter(b, "mxvet_fleet_lock_gave_up_total", "waits that ended in our own work",
		st->lock_gave_up);
	metrics_counter(b, "mxvet_fleet_history_merged_total", "fleet history records merged into ours",
		st->history_merged);
	metrics_counter(b, "mxvet_fleet_history_writes_total", "history records given to the fleet",
		st->history_writes);
	metrics_counter(b, "mxvet_fleet_report_writes_total", "check reports given to the fleet",
		st->report_writes);
	metrics_counter(b, "mxvet_fleet_fallbacks_total", "lookups done locally: Redis unusable",
		st->fallbacks + ls->fallbacks);
	metrics_counter(b, "mxvet_fleet_network_leases_total",
		"SMTP probes that took one of their network's fleet-wide slots", ls->granted);
	metrics_counter(b, "mxvet_fleet_network_waits_total",
		"SMTP probes that found their network full across the fleet and waited", ls->waits);
	metrics_counter(b, "mxvet_fleet_network_refused_total",
		"SMTP probes not made: their network stayed full across the fleet", ls->refused);
}
