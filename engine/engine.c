/* engine: creates and frees the shared state of all checks. */
#include "engine/engine.h"
#include "engine/authority.h"
#include "engine/config.h"
#include "engine/history.h"
#include "lib/log.h"
#include "engine/resolver.h"
#include "engine/smtp_probe.h"
#include "engine/detector.h"
#include "engine/engine_metrics.h"

#include <stdio.h>
#include <stdlib.h>

/* The probers of the check families e->cfg turns on, if not there yet. */
static int start_probers(struct engine *e, char *err, size_t errlen)
{
	if (config_check_enabled(e->cfg, "authority") && !e->auth &&
	    !(e->auth = auth_prober_new(e))) {
		snprintf(err, errlen, "cannot start the authority prober");
		return -1;
	}
	if (config_check_enabled(e->cfg, "smtp") && !e->smtp &&
	    !(e->smtp = smtp_prober_new(e))) {
		snprintf(err, errlen, "cannot start the SMTP prober");
		return -1;
	}
	return 0;
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
	if (start_probers(e, err, errlen) != 0)
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
	history_close(e->hist);
	smtp_prober_free(e->smtp);
	auth_prober_free(e->auth);
	if (e->detect)
		e->detect->state_free(e->detect_state);
	resolver_free(e->res);
	metrics_free(e->metrics);
	config_free(e->cfg);
	free(e);
}

int engine_reconfigure(struct engine *e, const struct config *cfg, char *err, size_t errlen)
{
	const struct config *old = e->cfg;

	e->cfg = config_ref(cfg);
	config_free(old);
	/* checks run the detector synchronously as they finish: no one holds
	 * its state */
	e->detect->state_free(e->detect_state);
	e->detect_state = e->detect->state_new(cfg);
	smtp_prober_reconfigure(e->smtp);
	return start_probers(e, err, errlen);
}
