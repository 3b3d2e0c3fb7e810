/* smtp_probe: the stage that connects to MX addresses and reads the
 * greeting (SPEC section 1, fourth table), with a per-address result cache. */
#ifndef MXVET_SMTP_PROBE_H
#define MXVET_SMTP_PROBE_H

struct engine;
struct check;
struct smtp_prober;

struct smtp_prober *smtp_prober_new(struct engine *e);
void smtp_prober_free(struct smtp_prober *p);
void smtp_stage_start(struct check *c);

#endif
