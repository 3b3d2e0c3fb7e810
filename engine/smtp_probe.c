/* smtp_probe: placeholder until the SMTP prober lands (issue 4). */
#include "smtp_probe.h"

#include <stdlib.h>

struct smtp_prober { int unused; };

struct smtp_prober *smtp_prober_new(struct engine *e)
{
	(void)e;
	return calloc(1, sizeof(struct smtp_prober));
}

void smtp_prober_free(struct smtp_prober *p) { free(p); }
void smtp_stage_start(struct check *c) { (void)c; }
