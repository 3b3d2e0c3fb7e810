/* engine: creates and frees the shared state of all checks. */
#include "engine/engine.h"
#include "engine/config.h"
#include "engine/detector.h"
#include "engine/history.h"
#include "engine/resolver.h"
#include "engine/stage.h"
#include "lib/log.h"
#include "engine/fleet.h"
#include "engine/engine_metrics.h"

#include <stdio.h>
#include <stdlib.h>

static size_t stage_count(void)
{
	size_t n = 0;

	while (stage_table[n])
		n++;
	return n;
}

/* The stages of the check families e->cfg turns on, if not there yet. */
static int start_stages(struct engine *e, char *err, size_t errlen)
{
	for (size_t i = 0; stage_table[i]; i++) {
		const struct stage_ops *s = stage_table[i];
		if (e->stage_state[i] || (s->family && !config_check_enabled(e->cfg, s->family)))
			continue;
		if (!(e->stage_state[i] = s->new(e))) {
			snprintf(err, errlen, "cannot start the %s stage", s->name);
			return -1;
		}
	}
	return 0;
}

struct event_base *engine_base(const struct engine *e) { return e->base; }
struct resolver *engine_resolver(const struct engine *e) { return e->res; }
const struct config *engine_config(const struct engine *e) { return e->cfg; }
struct fleet *engine_fleet(const struct engine *e) { return e->fleet; }
const struct engine_options *engine_options(const struct engine *e) { return &e->opts; }

void *engine_stage_state(const struct engine *e, const struct stage_ops *ops)
{
	for (size_t i = 0; e->stage_state && stage_table[i]; i++)
		if (stage_table[i] == ops)
			return e->stage_state[i];
	return NULL;
}

struct engine *engine_new(struct event_base *base, const struct config *cfg,
			  const struct detector *detect, unsigned flags, char *err, size_t errlen)
{
	struct engine *e = calloc(1, sizeof *e);
	char why[512];
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->base = base;
	e->cfg = config_ref(cfg);
	if (!(e->metrics = metrics_new()) || metrics_add_source(e->metrics, engine_metrics, e) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!(e->res = resolver_new(base, cfg, err, errlen)))
		goto fail;
	e->detect = detect;
	e->detect_state = detect->state_new(cfg);
	if (!(e->stage_state = calloc(stage_count() + 1, sizeof *e->stage_state))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (start_stages(e, err, errlen) != 0)
		goto fail;
	if (!(flags & ENGINE_NO_HISTORY) && cfg->state_dir && *cfg->state_dir) {
		e->hist = history_open(cfg->state_dir, (flags & ENGINE_HISTORY_RO) != 0,
				       why, sizeof why);
		if (!e->hist && (flags & ENGINE_WARN_NO_HISTORY))
			log_warn("state_dir=%s: no domain history (DOMAIN_DEAD and mxvet report "
				 "are off): %s", cfg->state_dir, why);
		else if (!e->hist)
			log_debug("no domain history: %s", why);
		else if (history_start_pruning(e->hist, e) < 0)
			log_warn("history: cannot start pruning (out of memory)");
	}
	return e;
fail:
	engine_free(e);
	return NULL;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	fleet_free(e->fleet);
	e->fleet = NULL;
	history_close(e->hist);
	for (size_t i = stage_count(); e->stage_state && i-- > 0;)
		if (e->stage_state[i])
			stage_table[i]->free(e->stage_state[i]);
	free(e->stage_state);
	if (e->detect)
		e->detect->state_free(e->detect_state);
	resolver_free(e->res);
	metrics_free(e->metrics);
	config_free(e->cfg);
	free(e);
}

static bool same_networks(const struct cidr_list *a, const struct cidr_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].bits != b->v[i].bits || !netaddr_equal(&a->v[i].net, &b->v[i].net))
			return false;
	return true;
}

int engine_reconfigure(struct engine *e, const struct config *cfg, char *err, size_t errlen)
{
	const struct config *old = e->cfg;

	/* libunbound's do-not-query list is fixed with its context */
	if (e->res && !same_networks(&old->mx_allowed_networks, &cfg->mx_allowed_networks))
		resolver_reconfigure(e->res, cfg);
	e->cfg = config_ref(cfg);
	config_free(old);
	/* checks run the detector synchronously as they finish: no one holds
	 * its state */
	e->detect->state_free(e->detect_state);
	e->detect_state = e->detect->state_new(cfg);
	for (size_t i = 0; stage_table[i]; i++)
		if (e->stage_state[i] && stage_table[i]->reconfigure)
			stage_table[i]->reconfigure(e->stage_state[i]);
	return start_stages(e, err, errlen);
}
