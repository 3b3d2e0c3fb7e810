/* metrics: Prometheus text exposition (format 0.0.4) and a registry of
 * metric sources.
 *
 * A source is a function that writes its families into an evbuffer with
 * the writers below; the admin API's /metrics runs every registered source
 * in registration order. A module with counters of its own (a Redis
 * client, say) registers one source when it is created and removes it
 * before it is freed: nothing else has to learn its names.
 *
 * Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in _total, times
 * are in seconds. Label values are escaped here. No per-domain labels:
 * they would make the series count unbounded.
 *
 * Histograms count observations into fixed buckets (cumulative on output,
 * with +Inf, _sum and _count). Everything runs on the loop thread: no
 * locking. */
#ifndef MXVET_METRICS_H
#define MXVET_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct metrics;

typedef void (*metrics_source_fn)(struct evbuffer *out, void *arg);

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);	/* accepts NULL */
/* 0, or -1 when out of memory. */
int metrics_add_source(struct metrics *m, metrics_source_fn fn, void *arg);
/* Remove the source registered with fn and arg (if any). */
void metrics_remove_source(struct metrics *m, metrics_source_fn fn, void *arg);
/* Every source's families, in registration order. */
void metrics_render(const struct metrics *m, struct evbuffer *out);

/* ---- writers ---- */

/* "# HELP" and "# TYPE" lines of a family; its samples follow. */
void metrics_family(struct evbuffer *out, const char *name, const char *type,
		    const char *help);
/* A family of one unlabelled sample. */
void metrics_counter(struct evbuffer *out, const char *name, const char *help, uint64_t v);
void metrics_gauge(struct evbuffer *out, const char *name, const char *help, uint64_t v);
/* One sample name{label="value"} v (label NULL: no label). */
void metrics_sample(struct evbuffer *out, const char *name, const char *label,
		    const char *value, uint64_t v);

/* ---- histograms ---- */

#define METRICS_LATENCY_BUCKETS 14

/* Upper bounds in seconds, shared by every latency histogram. */
extern const double metrics_latency_bounds[METRICS_LATENCY_BUCKETS];

struct metrics_histogram {
	uint64_t bucket[METRICS_LATENCY_BUCKETS];	/* not cumulative */
	uint64_t count;
	double sum;
};

void metrics_observe(struct metrics_histogram *h, double seconds);
/* The samples of one histogram of a family (metrics_family(..., "histogram",
 * ...) first); label NULL for an unlabelled one. */
void metrics_histogram_samples(struct evbuffer *out, const char *name, const char *label,
			       const char *value, const struct metrics_histogram *h);

#endif
