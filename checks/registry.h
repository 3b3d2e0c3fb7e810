/* registry: the one table of check modules, and the helpers they share.
 * A check module is a pure function from evidence to findings: no I/O, no
 * clock (ev->now), no global state. Each decides from the evidence whether
 * it has anything to say (e.g. the smtp checks only when ev->smtp_done). */
#ifndef MXVET_REGISTRY_H
#define MXVET_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/detector.h"
#include "engine/evidence.h"
#include "engine/findings.h"

struct config;
struct typo_list;

struct check_env {
	const struct config *cfg;		/* the check's; never NULL (defaults
						 * live in the config table only) */
	const struct typo_list *providers;	/* may be NULL */
};

typedef void (*check_fn)(const struct evidence *ev, const struct check_env *env,
			 struct findings *out);

struct check_desc {
	const char *name;
	check_fn run;
};

/* The registry, NULL-terminated. */
extern const struct check_desc check_registry[];

void checks_run_all(const struct evidence *ev, const struct check_env *env,
		    struct findings *out);

/* The registry as the engine runs it (engine_new): its state is the
 * provider list of mx_providers_file. */
extern const struct detector checks_detector;

/* The modules (one per file in checks/). */
void check_domain(const struct evidence *ev, const struct check_env *env, struct findings *out);
void check_mxhost(const struct evidence *ev, const struct check_env *env, struct findings *out);
void check_authority(const struct evidence *ev, const struct check_env *env, struct findings *out);
void check_typo(const struct evidence *ev, const struct check_env *env, struct findings *out);
void check_smtp(const struct evidence *ev, const struct check_env *env, struct findings *out);
void check_dead(const struct evidence *ev, const struct check_env *env, struct findings *out);

/* Shared judgement: */
/* SERVFAIL, timeout, bogus or library error: nothing known about the name. */
bool dns_lookup_failed(const struct dns_lookup *l);
/* A lone MX whose target is one bare label ("0.", "nullmx."): a botched
 * null MX rather than a host (NULL_MX_MALFORMED). */
bool mx_is_bare_label_null(const struct evidence *ev, size_t i);
/* Could mail be delivered through mx[i]? (a valid name, not an IP literal,
 * at least one routable or allowed address, or not looked up at all). */
bool mx_usable(const struct evidence *ev, size_t i, const struct config *cfg);
bool any_mx_usable(const struct evidence *ev, const struct config *cfg);
/* SMTP was probed and no MX host with a probed address greets 2xx. */
bool smtp_none_greets(const struct evidence *ev);
/* The networks the address policy treats as routable (NULL without cfg). */
const struct cidr_list *mx_allowed(const struct config *cfg);

#endif
