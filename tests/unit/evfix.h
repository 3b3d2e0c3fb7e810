/* evfix: build synthetic evidence for the check-module unit tests. */
#ifndef MXVET_TEST_EVFIX_H
#define MXVET_TEST_EVFIX_H

#include "engine/config.h"
#include "engine/evidence.h"
#include "engine/findings.h"

/* An evidence for domain whose MX lookup ended with st. */
void evfix_init(struct evidence *ev, const char *domain, enum dns_status st);
/* Add an MX host. addrs: space-separated addresses, or NULL when the host
 * was not looked up; a/aaaa: status of its lookups. */
struct ev_mx *evfix_mx(struct evidence *ev, unsigned pref, const char *target,
		       const char *addrs, enum dns_status a, enum dns_status aaaa);
/* Run every registered check; returns the sorted codes "A,B" or "-"
 * (static buffer) and leaves the findings in fs. */
const char *evfix_codes(struct evidence *ev, const struct config *cfg, struct findings *fs);
/* Class of the first finding with code, or -1. */
int evfix_class(const struct findings *fs, enum finding_code code);

#endif
