/* risk_board: the risk domains' last checks, bounded, for the status page.
 * A few hundred entries at most: a linear scan per check is cheaper than
 * the check itself by orders of magnitude, and accepts touch nothing when
 * the board holds no such domain. */
#include "daemon/risk_board.h"
#include "engine/findings.h"
#include "engine/pipeline.h"
#include "engine/report.h"
#include "engine/verdict.h"

#include <stdlib.h>
#include <string.h>

struct risk_board {
	struct risk_entry *v;
	size_t n, max;
};

struct risk_board *risk_board_new(size_t max)
{
	struct risk_board *b = calloc(1, sizeof *b);

	if (!b || !(b->v = calloc(max ? max : 1, sizeof *b->v))) {
		free(b);
		return NULL;
	}
	b->max = max ? max : 1;
	return b;
}

static void entry_clear(struct risk_entry *e)
{
	free(e->domain);
	json_decref(e->report);
	memset(e, 0, sizeof *e);
}

void risk_board_free(struct risk_board *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		entry_clear(&b->v[i]);
	free(b->v);
	free(b);
}

static struct risk_entry *find(const struct risk_board *b, const char *domain)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->v[i].domain, domain) == 0)
			return &b->v[i];
	return NULL;
}

static void drop(struct risk_board *b, struct risk_entry *e)
{
	entry_clear(e);
	*e = b->v[--b->n];
	memset(&b->v[b->n], 0, sizeof b->v[b->n]);
}

void risk_board_put(struct risk_board *b, const char *domain, int verdict, json_t *report,
		    time_t now)
{
	struct risk_entry *e = find(b, domain);

	if (!report || verdict == ACT_IGNORE) {
		if (e)
			drop(b, e);
		json_decref(report);
		return;
	}
	if (e) {
		json_decref(e->report);
		e->report = report;
		e->verdict = verdict;
		e->checked = now;
		return;
	}
	if (b->n == b->max) {
		struct risk_entry *old = &b->v[0];
		for (size_t i = 1; i < b->n; i++)
			if (b->v[i].checked < old->checked)
				old = &b->v[i];
		drop(b, old);
	}
	e = &b->v[b->n];
	if (!(e->domain = strdup(domain))) {
		json_decref(report);
		return;
	}
	e->verdict = verdict;
	e->since = e->checked = now;
	e->report = report;
	b->n++;
}

void risk_board_note(struct risk_board *b, const struct check_result *res, time_t now)
{
	if (!b || res->error)
		return;
	if (res->verdict == ACT_IGNORE) {
		risk_board_put(b, res->domain, ACT_IGNORE, NULL, now);
		return;
	}
	risk_board_put(b, res->domain, res->verdict, report_json(res, res->domain), now);
	struct risk_entry *e = find(b, res->domain);
	if (e)
		e->fleet_bare = res->from_fleet && !res->fleet_report;
}

void risk_board_fill(struct risk_board *b, const char *domain, json_t *report)
{
	struct risk_entry *e = b ? find(b, domain) : NULL;
	const char *v = json_string_value(json_object_get(report, "verdict"));

	if (!e || !e->fleet_bare || !json_is_object(report) || !v ||
	    strcmp(v, verdict_name(e->verdict)) != 0) {
		json_decref(report);
		return;
	}
	json_object_set_new(report, "from_fleet", json_true());
	json_decref(e->report);
	e->report = report;
	e->fleet_bare = false;
}

size_t risk_board_count(const struct risk_board *b) { return b ? b->n : 0; }

const struct risk_entry *risk_board_get(const struct risk_board *b, const char *domain)
{
	return b ? find(b, domain) : NULL;
}

static int worst_first(const void *pa, const void *pb)
{
	const struct risk_entry *x = *(const struct risk_entry *const *)pa;
	const struct risk_entry *y = *(const struct risk_entry *const *)pb;

	if (x->verdict != y->verdict)
		return y->verdict - x->verdict;
	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return strcmp(x->domain, y->domain);
}

size_t risk_board_sorted(const struct risk_board *b, const struct risk_entry **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; b && i < b->n && n < max; i++)
		out[n++] = &b->v[i];
	qsort(out, n, sizeof *out, worst_first);
	return n;
}
