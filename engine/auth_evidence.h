/* auth_evidence: what the direct queries to a domain's authoritative
 * servers showed (filled by engine/authority.c, read by checks/authority.c). */
#ifndef MXVET_AUTH_EVIDENCE_H
#define MXVET_AUTH_EVIDENCE_H

#include <jansson.h>

struct auth_evidence;

void auth_evidence_free(struct auth_evidence *a);
/* The "nameservers" array of the JSON report (new reference). */
json_t *auth_evidence_json(const struct auth_evidence *a);

#endif
