/* stage: the contract between the pipeline and a stage, a step that
 * gathers evidence for a check after its MX and MX-host lookups (the
 * authority prober, the SMTP prober). The pipeline loops over the table in
 * engine/stages.c and never names a stage; a stage sees the pipeline only
 * through this header (never pipeline.c's structs or struct engine's
 * fields), so adding a stage is one file and one row of that table.
 *
 * When each hook runs and what it may do:
 *   new          when the engine starts or a reload turns the family on
 *                (once per engine). Returns the stage's long-lived state
 *                (a prober, its cache), or NULL when it cannot start (the
 *                engine fails to start; a reload reports it and leaves the
 *                family off). Reads the current config with engine_config.
 *   start        once per check that wants the stage, from the loop, after
 *                the MX and host lookups. Sets its evidence flag (e.g.
 *                ev->smtp_done) and, for async work, takes holds with
 *                check_hold and gives each back with check_release, from
 *                the loop. It may fill check_evidence(c) until its last
 *                release; after that it must not touch the check.
 *   complete     optional: every stage has released, just before the
 *                checks judge the evidence (synchronous).
 *   reconfigure  optional: after every reload (engine_config is the new
 *                config); a state the new config turns off is kept, unused.
 *   free         at engine_free; pending callbacks are dropped.
 */
#ifndef MXVET_STAGE_H
#define MXVET_STAGE_H

#include <stdbool.h>

struct check;
struct config;
struct engine;
struct event_base;
struct evidence;
struct resolver;

struct stage_ops {
	const char *name;	/* in logs */
	const char *family;	/* the `checks` family that turns it on; NULL: always on */
	unsigned skip_flag;	/* the check_start flag that skips it for one check; 0: none */
	void *(*new)(struct engine *e);
	void (*free)(void *state);
	/* Whether this check needs the stage (NULL: yes). */
	bool (*wanted)(const struct evidence *ev);
	void (*start)(void *state, struct check *c);
	void (*complete)(void *state, struct check *c);
	void (*reconfigure)(void *state);
};

/* The table (engine/stages.c), NULL-terminated, in start order. */
extern const struct stage_ops *const stage_table[];
/* Whether name is a known `checks` family: "dns" or a stage's. */
bool stage_family_known(const char *name);
/* "dns, authority, smtp": the families for messages. */
const char *stage_families(void);

/* What a stage may use of the engine. engine_config is the current config
 * (swapped by a reload: read it as a setting applies, never keep it); a
 * check's own settings come from check_config. */
struct event_base *engine_base(const struct engine *e);
struct resolver *engine_resolver(const struct engine *e);
const struct config *engine_config(const struct engine *e);
/* The fleet's shared tier (engine/fleet.h); NULL without redis_url. */
struct fleet *engine_fleet(const struct engine *e);

/* Settings that are no config keys: what tests change (the SMTP port is
 * the smtp_port key). Set them (engine->opts) before the first check; 0
 * means the default. */
struct engine_options {
	int authority_port;	/* of direct queries to authoritative servers: 53 */
};
const struct engine_options *engine_options(const struct engine *e);
/* The state of stage ops (NULL when its family was never on). */
void *engine_stage_state(const struct engine *e, const struct stage_ops *ops);

/* What a stage may use of a check. */
struct evidence *check_evidence(struct check *c);
/* The config the check started with: it holds a reference until it ends,
 * whatever reloads happen meanwhile. */
const struct config *check_config(const struct check *c);
void check_hold(struct check *c);
/* The check moves on when the last hold is released (from the loop). */
void check_release(struct check *c);

/* The timed stages (the latency histograms of the metrics). dns is the
 * MX and MX-host lookups, timed by the pipeline itself. */
enum check_stage { CHECK_STAGE_DNS, CHECK_STAGE_AUTHORITY, CHECK_STAGE_SMTP, CHECK_STAGE__COUNT };
const char *check_stage_name(enum check_stage s);	/* "dns", "authority", "smtp" */
/* check_hold/check_release for a stage's pieces of work: the stage's time
 * runs from its first hold to the release that leaves it none. */
void check_stage_hold(struct check *c, enum check_stage s);
void check_stage_release(struct check *c, enum check_stage s);

#endif
