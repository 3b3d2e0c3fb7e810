/* history: the persistent per-domain history in LMDB under state_dir
 * (SPEC section 4). */
#ifndef MXVET_HISTORY_H
#define MXVET_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

struct history;
struct check;
struct check_result;

struct history *history_open(const char *state_dir, bool readonly, char *err, size_t errlen);
void history_close(struct history *h);
/* Fill check_evidence(c)->history from the store (synchronous, cheap). */
void history_stage_load(struct check *c);
/* Record the outcome of a completed check. */
void history_stage_store(struct check *c, const struct check_result *res);

#endif
