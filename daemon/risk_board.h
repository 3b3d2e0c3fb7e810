/* risk_board: the last full check of each risk domain this daemon saw, for
 * the status page (GET / lists them, GET /domain/NAME shows one).
 *
 * Fed by the decider with every completed check: a verdict other than
 * accept keeps the check's report (the JSON of `mxvet check --json`); an
 * accept removes the domain; a check without a verdict (mxvet's own
 * failure) changes nothing. Bounded: at most max domains; past it the one
 * checked longest ago goes. The board owns the reports it keeps. The loop's
 * thread only. */
#ifndef MXVET_RISK_BOARD_H
#define MXVET_RISK_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#define RISK_BOARD_MAX 500

struct check_result;
struct risk_board;

struct risk_entry {
	char *domain;
	int verdict;		/* enum action, never accept */
	time_t since;		/* wall clock: first check of this risky streak */
	time_t checked;		/* wall clock: the last check */
	json_t *report;		/* that check in full */
	bool fleet_bare;	/* a verdict of another host of the fleet whose
				 * report was not fetched with it (the status
				 * page fetches it: risk_board_fill) */
};

struct risk_board *risk_board_new(size_t max);
void risk_board_free(struct risk_board *b);	/* accepts NULL */

/* A completed check (b may be NULL: nothing kept). */
void risk_board_note(struct risk_board *b, const struct check_result *res, time_t now);
/* The same with its parts; report is taken over (NULL: an accept, which
 * removes the domain). */
void risk_board_put(struct risk_board *b, const char *domain, int verdict, json_t *report,
		    time_t now);

/* The fleet's report of a fleet_bare entry (taken over): kept in its place
 * when it is for the same verdict, marked "from_fleet"; else dropped. */
void risk_board_fill(struct risk_board *b, const char *domain, json_t *report);

size_t risk_board_count(const struct risk_board *b);
const struct risk_entry *risk_board_get(const struct risk_board *b, const char *domain);
/* Up to max entries, worst first: the strongest verdict, then the longest
 * streak (oldest since), then the name. Returns how many; they stay valid
 * until the board changes. */
size_t risk_board_sorted(const struct risk_board *b, const struct risk_entry **out, size_t max);

#endif
