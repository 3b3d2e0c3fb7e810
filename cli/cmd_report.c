/* mxvet report: the risk domains from the domain history (state_dir),
 * worst first. Opens the store read-only, so it runs while mxvetd writes.
 *   text:            VERDICT DOMAIN CODES FIRST_SEEN LAST_SEEN COUNT
 *   --json:          one object per domain per line
 *   --suppress-list: only the names a bulk sender should stop mailing
 *                    (the domain does not exist, refuses mail, has no
 *                    mail host, or is dead) */
#include "cli/cli.h"
#include "engine/config.h"
#include "engine/findings.h"
#include "engine/history.h"
#include "engine/verdict.h"
#include "engine/fleet_codec.h"
#include "engine/fleet_scan.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct row {
	char *domain;
	struct history_rec r;
};

struct rows {
	struct row *v;
	size_t n, cap;
	time_t since;		/* only records checked at or after this */
	size_t nsorted;		/* v[0..nsorted) sorted by domain (fleet merge) */
	bool oom;
};

static const char *const suppress_codes[] = {
	"DOMAIN_NXDOMAIN", "NULL_MX", "NO_MAIL_HOST", "DOMAIN_DEAD", NULL,
};

static bool has_code(const char *codes, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = codes; (p = strstr(p, code)); p += n)
		if ((p == codes || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

static bool suppress(const struct history_rec *r)
{
	for (size_t i = 0; suppress_codes[i]; i++)
		if (has_code(r->codes, suppress_codes[i]))
			return true;
	/* a botched null MX that leaves no usable host is permanent */
	return r->verdict == ACT_REJECT && has_code(r->codes, "NULL_MX_MALFORMED");
}

static int collect(void *arg, const char *domain, const struct history_rec *r)
{
	struct rows *rs = arg;

	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 64;
		struct row *nv = realloc(rs->v, nc * sizeof *nv);
		if (!nv) {
			rs->oom = true;
			return 1;
		}
		rs->v = nv;
		rs->cap = nc;
	}
	if (!(rs->v[rs->n].domain = strdup(domain))) {
		rs->oom = true;
		return 1;
	}
	rs->v[rs->n++].r = *r;
	return 0;
}

static int cmp_domain(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->domain, ((const struct row *)b)->domain);
}

/* A record of the fleet (Redis): merged into this host's, or a new row. */
static int merge_fleet(void *arg, const char *domain, const struct history_rec *r)
{
	struct rows *rs = arg;
	struct row key = { (char *)domain, { 0 } }, *w;

	w = rs->nsorted ? bsearch(&key, rs->v, rs->nsorted, sizeof *rs->v, cmp_domain) : NULL;
	if (!w)
		return collect(arg, domain, r);
	fleet_history_merge(&w->r, r);
	return 0;
}

/* The rows the report shows: risky ones checked since rs->since. */
static void keep_shown(struct rows *rs)
{
	size_t k = 0;

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].r.verdict == ACT_IGNORE || rs->v[i].r.last_seen < rs->since)
			free(rs->v[i].domain);
		else
			rs->v[k++] = rs->v[i];
	}
	rs->n = k;
}

/* Worst first: verdict, then a longer failing streak, then more risky
 * checks, then the most recent; the name breaks ties. */
static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->r.verdict != y->r.verdict)
		return y->r.verdict - x->r.verdict;
	if (x->r.failures != y->r.failures)
		return x->r.failures < y->r.failures ? 1 : -1;
	if (x->r.risk_count != y->r.risk_count)
		return x->r.risk_count < y->r.risk_count ? 1 : -1;
	if (x->r.last_seen != y->r.last_seen)
		return x->r.last_seen < y->r.last_seen ? 1 : -1;
	return strcmp(x->domain, y->domain);
}

static const char *iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || !gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

static json_t *codes_json(const char *codes)
{
	json_t *arr = json_array();
	char *dup = strdup(codes), *save = NULL;

	for (char *t = dup ? strtok_r(dup, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(arr, json_string(t));
	free(dup);
	return arr;
}

static json_t *time_json(time_t t)
{
	char buf[32];
	return t ? json_string(iso(t, buf, sizeof buf)) : json_null();
}

static void print_row(const struct row *w, bool json)
{
	const struct history_rec *r = &w->r;
	char a[32], b[32];

	if (!json) {
		printf("%-8s %s %s first=%s last=%s count=%lu\n", verdict_name(r->verdict),
		       w->domain, *r->codes ? r->codes : "-", iso(r->first_seen, a, sizeof a),
		       iso(r->last_seen, b, sizeof b), r->risk_count);
		return;
	}
	json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:I}",
			      "domain", w->domain, "verdict", verdict_name(r->verdict),
			      "codes", codes_json(r->codes),
			      "first_seen", time_json(r->first_seen),
			      "last_seen", time_json(r->last_seen),
			      "count", (json_int_t)r->risk_count,
			      "checks", (json_int_t)r->checks,
			      "first_failure", time_json(r->first_failure),
			      "last_failure", time_json(r->last_failure),
			      "last_success", time_json(r->last_success),
			      "failures", (json_int_t)r->failures);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(j);
}

static void report_usage(FILE *out)
{
	fprintf(out,
		"usage: mxvet report [--json] [--since DURATION] [--suppress-list]\n"
		"                    [--config FILE] [--state-dir DIR]\n"
		"lists the risk domains of the domain history, worst first;\n"
		"--suppress-list prints only the domains not worth mailing (NXDOMAIN,\n"
		"null MX, no mail host, dead). Exit status: 0, 64 usage, 69 no history,\n"
		"78 bad config.\n");
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ "suppress-list", no_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfgpath = NULL, *state_dir = NULL;
	bool json = false, supp = false;
	long since = -1;
	struct rows rs = { 0 };
	char err[512];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "js:Sc:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's':
			if (config_parse_duration(optarg, &since) != 0) {
				fprintf(stderr, "mxvet report: --since %s: not a duration (e.g. 1h, 7d)\n",
					optarg);
				return EX_USAGE_;
			}
			break;
		case 'S': supp = true; break;
		case 'c': cfgpath = optarg; break;
		case 'd': state_dir = optarg; break;
		case 'h': report_usage(stdout); return 0;
		default: report_usage(stderr); return EX_USAGE_;
		}
	}
	if (optind < argc) {
		report_usage(stderr);
		return EX_USAGE_;
	}
	struct config *cfg;
	struct history *h;
	int orc = cli_open_history("report", cfgpath, state_dir, &cfg, &h);
	if (orc != 0)
		return orc;
	rs.since = since >= 0 ? time(NULL) - since : 0;
	int rc = history_foreach(h, collect, &rs);
	history_close(h);
	/* with redis_url: the fleet's records too, merged with this host's */
	if (rc == 0 && !rs.oom && cfg->redis_url && *cfg->redis_url) {
		if (rs.n)	/* v is NULL without rows */
			qsort(rs.v, rs.n, sizeof *rs.v, cmp_domain);
		rs.nsorted = rs.n;
		if (fleet_history_scan(cfg, merge_fleet, &rs, err, sizeof err) < 0)
			fprintf(stderr, "mxvet report: redis_url: %s: this host's history only\n", err);
	}
	keep_shown(&rs);
	config_free(cfg);
	if (rc != 0 || rs.oom) {
		fprintf(stderr, "mxvet report: cannot read the domain history\n");
		rc = EX_UNAVAIL_;
	} else {
		if (rs.n)
			qsort(rs.v, rs.n, sizeof *rs.v, cmp_rows);
		for (size_t i = 0; i < rs.n; i++) {
			if (supp) {
				if (suppress(&rs.v[i].r))
					printf("%s\n", rs.v[i].domain);
			} else {
				print_row(&rs.v[i], json);
			}
		}
	}
	fflush(stdout);
	for (size_t i = 0; i < rs.n; i++)
		free(rs.v[i].domain);
	free(rs.v);
	return rc;
}
