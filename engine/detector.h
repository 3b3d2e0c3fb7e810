/* detector: how the engine runs the detection step (the check modules,
 * pure functions from evidence to findings) without knowing them. The
 * front end hands engine_new a detector (checks/registry.h has the one
 * mxvet ships), so the dependency runs one way: checks/ builds on engine/,
 * never the reverse.
 *
 * The engine calls state_new at engine_new and again on every reload (the
 * old state is freed once the new one is in place; run is synchronous, so
 * no check holds a state across calls). */
#ifndef MXVET_DETECTOR_H
#define MXVET_DETECTOR_H

struct config;
struct evidence;
struct findings;

struct detector {
	/* What the modules keep between checks (a provider list...), built
	 * from cfg; NULL is a valid state (the modules then do without). */
	void *(*state_new)(const struct config *cfg);
	void (*state_free)(void *state);
	/* Adds the findings of every module to out. */
	void (*run)(const void *state, const struct evidence *ev, const struct config *cfg,
		    struct findings *out);
};

#endif
