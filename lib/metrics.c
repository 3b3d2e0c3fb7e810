/* metrics: Prometheus text writers and the source registry (see .h). */
#include "lib/metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>

/* From 1 ms (a cached or local answer) to 30 s (past every timeout). */
const double metrics_latency_bounds[METRICS_LATENCY_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

struct source {
	metrics_source_fn fn;
	void *arg;
};

struct metrics {
	struct source *v;
	size_t n, cap;
};

struct metrics *metrics_new(void)
{
	return calloc(1, sizeof(struct metrics));
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->v);
	free(m);
}

int metrics_add_source(struct metrics *m, metrics_source_fn fn, void *arg)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct source *v = realloc(m->v, cap * sizeof *v);
		if (!v)
			return -1;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].fn = fn;
	m->v[m->n].arg = arg;
	m->n++;
	return 0;
}

void metrics_remove_source(struct metrics *m, metrics_source_fn fn, void *arg)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (m->v[i].fn == fn && m->v[i].arg == arg) {
			for (size_t k = i + 1; k < m->n; k++)
				m->v[k - 1] = m->v[k];
			m->n--;
			return;
		}
}

void metrics_render(const struct metrics *m, struct evbuffer *out)
{
	for (size_t i = 0; m && i < m->n; i++)
		m->v[i].fn(out, m->v[i].arg);
}

/* HELP text: backslash and newline escaped. */
static void add_escaped(struct evbuffer *out, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*s == '\n')
			evbuffer_add(out, "\\n", 2);
		else if (quote && *s == '"')
			evbuffer_add(out, "\\\"", 2);
		else
			evbuffer_add(out, s, 1);
	}
}

void metrics_family(struct evbuffer *out, const char *name, const char *type,
		    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s ", name);
	add_escaped(out, help, false);
	evbuffer_add_printf(out, "\n# TYPE %s %s\n", name, type);
}

void metrics_sample(struct evbuffer *out, const char *name, const char *label,
		    const char *value, uint64_t v)
{
	if (label) {
		evbuffer_add_printf(out, "%s{%s=\"", name, label);
		add_escaped(out, value, true);
		evbuffer_add_printf(out, "\"} %llu\n", (unsigned long long)v);
	} else {
		evbuffer_add_printf(out, "%s %llu\n", name, (unsigned long long)v);
	}
}

void metrics_counter(struct evbuffer *out, const char *name, const char *help, uint64_t v)
{
	metrics_family(out, name, "counter", help);
	metrics_sample(out, name, NULL, NULL, v);
}

void metrics_gauge(struct evbuffer *out, const char *name, const char *help, uint64_t v)
{
	metrics_family(out, name, "gauge", help);
	metrics_sample(out, name, NULL, NULL, v);
}

void metrics_observe(struct metrics_histogram *h, double seconds)
{
	size_t i = 0;

	if (seconds < 0)
		seconds = 0;
	while (i < METRICS_LATENCY_BUCKETS && seconds > metrics_latency_bounds[i])
		i++;
	if (i < METRICS_LATENCY_BUCKETS)
		h->bucket[i]++;
	h->count++;
	h->sum += seconds;
}

void metrics_histogram_samples(struct evbuffer *out, const char *name, const char *label,
			       const char *value, const struct metrics_histogram *h)
{
	uint64_t cum = 0;
	char lv[128];

	/* label values here are our own stage names: no escaping needed */
	if (label)
		snprintf(lv, sizeof lv, "%s=\"%s\",", label, value);
	else
		lv[0] = '\0';
	for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
		cum += h->bucket[i];
		evbuffer_add_printf(out, "%s_bucket{%sle=\"%g\"} %llu\n", name, lv,
				    metrics_latency_bounds[i], (unsigned long long)cum);
	}
	evbuffer_add_printf(out, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, lv,
			    (unsigned long long)h->count);
	if (label)
		snprintf(lv, sizeof lv, "{%s=\"%s\"}", label, value);
	evbuffer_add_printf(out, "%s_sum%s %.6f\n%s_count%s %llu\n", name, lv, h->sum, name, lv,
			    (unsigned long long)h->count);
}
