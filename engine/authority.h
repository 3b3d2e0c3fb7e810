/* authority: the stage that queries a domain's authoritative servers
 * directly (SPEC section 1, third table). */
#ifndef MXVET_AUTHORITY_H
#define MXVET_AUTHORITY_H

struct engine;
struct check;
struct auth_prober;

struct auth_prober *auth_prober_new(struct engine *e);
void auth_prober_free(struct auth_prober *p);
void authority_stage_start(struct check *c);

#endif
