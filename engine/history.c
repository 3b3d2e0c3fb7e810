/* history: placeholder until the LMDB history lands (issue 4). */
#include "history.h"

#include <stdlib.h>

struct history *history_open(const char *state_dir, bool readonly, char *err, size_t errlen)
{
	(void)state_dir; (void)readonly; (void)err; (void)errlen;
	return NULL;
}

void history_close(struct history *h) { (void)h; }
void history_stage_load(struct check *c) { (void)c; }
void history_stage_store(struct check *c, const struct check_result *res) { (void)c; (void)res; }
