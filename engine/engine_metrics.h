/* engine_metrics: the engine's metric source (lib/metrics.h), registered
 * by engine_new in engine->metrics; arg is the engine. */
#ifndef MXVET_ENGINE_METRICS_H
#define MXVET_ENGINE_METRICS_H

struct evbuffer;

void engine_metrics(struct evbuffer *out, void *arg);

#endif
