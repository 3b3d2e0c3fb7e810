/* dead: DOMAIN_DEAD. A domain
 * that is undeliverable now (no MX host greets, or every authoritative
 * answer hides the MX behind an apex CNAME) and has been through a
 * failing streak with no success since, is dead: reject 550 5.4.4. The
 * streak comes from the persistent history as it was before this check
 * (ev->history). Connect failures not judged while the prober was blind
 * (smtp_not_judged) never make a domain dead: smtp_none_greets counts
 * their hosts as unknown. Registered after the smtp and authority
 * modules: the apex case is read from their findings in out.
 *
 * A 550 is permanent for the sender, so one failing check and a clock
 * that jumps by dead_after must not be enough. The streak must hold
 * DEAD_MIN_FAILURES failing checks (this one included), its first failure
 * must lie more than dead_after before now, and the failing time actually
 * observed (failing_for plus the gap since the last failure, each gap
 * counting for at most half of dead_after: history_gap_credit) must reach
 * dead_after: a single jump, however long, then counts for half at most.
 * Implausible times (a streak that starts in the future, a last failure
 * before the first, after now) decide nothing. */
#include "checks/registry.h"
#include "engine/config.h"
#include "engine/history.h"

#include <stdio.h>
#include <time.h>

#define DEAD_MIN_FAILURES 3

static bool apex_hides_mx(const struct findings *out)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].code == F_APEX_CNAME && out->v[i].cls == CLASS_TEMPORARY)
			return true;
	return false;
}

void check_dead(const struct evidence *ev, const struct check_env *env, struct findings *out)
{
	const struct ev_history *h = &ev->history;
	long dead_after = env->cfg->dead_after;

	if (!h->have || h->first_failure == 0 || h->last_success > h->first_failure)
		return;
	if (h->first_failure > h->last_failure || h->last_failure > ev->now)
		return;
	if (!smtp_none_greets(ev) && !apex_hides_mx(out))
		return;
	long age = (long)(ev->now - h->first_failure);
	long seen = h->failing_for +
		    history_gap_credit(h->last_failure, ev->now, history_max_gap(dead_after));
	if (h->failures + 1 < DEAD_MIN_FAILURES || age <= dead_after || seen < dead_after)
		return;
	char since[32] = "?";
	struct tm tm;
	if (gmtime_r(&h->first_failure, &tm))
		strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
	findings_add(out, F_DOMAIN_DEAD, CLASS_PERMANENT, NULL, NULL, "mxvet report --json",
		     "%s has had no working mail host for %ld s (since %s, %lu failed "
		     "checks; dead_after is %ld s)", ev->domain, age, since,
		     h->failures + 1, dead_after);
}
