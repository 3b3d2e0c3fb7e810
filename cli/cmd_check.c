/* mxvet check: run the engine once on each domain and explain. Domains are
 * checked concurrently (bounded), results printed in input order. */
#include "cli/cli.h"
#include "engine/pipeline.h"
#include "engine/config.h"
#include "engine/config_check.h"
#include "engine/dname.h"
#include "checks/registry.h"
#include "engine/engine.h"
#include "engine/history.h"
#include "lib/log.h"
#include "lib/privdrop.h"
#include "engine/report.h"

#include <event2/event.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_IN_FLIGHT 256

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

struct item {
	const char *input;
	char domain[DNAME_MAXLEN];
	char *output;		/* rendered result */
	int verdict;		/* enum action, or -1 */
	const char *error;	/* no verdict: why (mxvet's own fault) */
};

struct run {
	struct engine *eng;
	struct item *items;
	size_t n, next, done, in_flight;
	unsigned flags;
	bool json;
};

static void start_more(struct run *r);

struct ctx {
	struct run *run;
	struct item *item;
};

static void on_result(void *arg, const struct check_result *res)
{
	struct ctx *cx = arg;
	struct item *it = cx->item;
	struct run *r = cx->run;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	free(cx);
	it->verdict = (int)res->verdict;
	it->error = res->error;
	if (mem) {
		if (r->json) {
			json_t *j = report_json(res, it->input);
			char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
			if (s)
				fprintf(mem, "%s\n", s);
			else
				it->error = "out of memory writing the result";
			free(s);
			json_decref(j);
		} else {
			report_text(mem, res, it->input);
		}
		/* glibc's memstream may fail its last realloc at fclose and
		 * still return 0: then buf is NULL */
		if (((ferror(mem) | fclose(mem)) != 0 || !buf) && !it->error)
			it->error = "out of memory writing the result";
		it->output = buf;
	} else {
		it->error = "out of memory writing the result";
	}
	r->done++;
	r->in_flight--;
	start_more(r);
	if (r->done == r->n)
		event_base_loopexit(r->eng->base, NULL);
}

static void start_more(struct run *r)
{
	while (r->next < r->n && r->in_flight < MAX_IN_FLIGHT) {
		struct item *it = &r->items[r->next++];
		struct ctx *cx = malloc(sizeof *cx);
		if (!cx || !check_start(r->eng, it->domain, r->flags, on_result, cx)) {
			free(cx);
			fprintf(stderr, "mxvet: out of memory\n");
			exit(EX_UNAVAIL_);
		}
		cx->run = r;
		cx->item = it;
		r->in_flight++;
	}
}

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: mxvet check [--json] [--config FILE] [--no-smtp] [--no-authority]\n"
		"                   [-v|--verbose] DOMAIN...\n"
		"--verbose logs every lookup, query and probe on standard error.\n"
		"exit status: 0 accept, 1 annotate, 2 defer, 3 reject (worst over the domains);\n"
		"             64 usage error, 69 no verdict (the resolver could not start or\n"
		"             reaches no DNS server, out of memory), 78 bad config\n");
}

/* Run as root, mxvet check becomes the daemon's user first, as mxvetd
 * does: the history and anything else it creates then belong to that
 * user, not to root (a root-owned history would leave the daemon without
 * one). Without such a user no daemon can run as root with this config,
 * and mxvet check stays root. 0, or -1 with a message printed. */
static int run_as_daemon_user(const struct config *cfg)
{
	char err[512];

	if (geteuid() != 0 || !*cfg->user || !getpwnam(cfg->user))
		return 0;
	if (privdrop_become(cfg->user, cfg->state_dir, err, sizeof err) < 0) {
		fprintf(stderr, "mxvet: %s\n", err);
		return -1;
	}
	return 0;
}

struct config *cli_load_config(const char *path)
{
	struct config *cfg = config_new();
	char err[512];
	const char *def = SYSCONFDIR "/mxvet/mxvet.conf";

	if (!cfg) {
		fprintf(stderr, "mxvet: out of memory\n");
		return NULL;
	}
	if (!path && access(def, R_OK) == 0)
		path = def;
	if ((path && config_load(cfg, path, err, sizeof err) != 0) ||
	    config_check(cfg, CONFIG_CHECK_CLI, err, sizeof err) != 0) {
		fprintf(stderr, "mxvet: bad config: %s\n", err);
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

int cli_open_history(const char *cmd, const char *cfgpath, const char *state_dir,
		     struct config **cfg, struct history **h)
{
	char err[512];

	if (!(*cfg = cli_load_config(cfgpath)))
		return EX_CONFIG_;
	if (!(*h = history_open(state_dir ? state_dir : (*cfg)->state_dir, true, err, sizeof err))) {
		fprintf(stderr, "mxvet %s: no domain history: %s\n", cmd, err);
		config_free(*cfg);
		*cfg = NULL;
		return EX_UNAVAIL_;
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "no-smtp", no_argument, NULL, 'S' },
		{ "no-authority", no_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run r = { 0 };
	const char *cfgpath = NULL;
	int c, rc = 0, bad = 0;
	char err[512];

	log_open("mxvet", 0, 0);
	log_set_level(LOG_LVL_WARN);
	while ((c = getopt_long(argc, argv, "jc:SAvh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': r.json = true; break;
		case 'c': cfgpath = optarg; break;
		case 'S': r.flags |= CHECK_NO_SMTP; break;
		case 'A': r.flags |= CHECK_NO_AUTHORITY; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': check_usage(stdout); return 0;
		default: check_usage(stderr); return EX_USAGE_;
		}
	}
	if (optind >= argc) {
		check_usage(stderr);
		return EX_USAGE_;
	}
	r.n = (size_t)(argc - optind);
	r.items = calloc(r.n, sizeof *r.items);
	if (!r.items)
		return EX_UNAVAIL_;
	for (size_t i = 0; i < r.n; i++) {
		struct item *it = &r.items[i];
		it->input = argv[optind + (int)i];
		it->verdict = -1;
		if (dname_normalize(it->input, it->domain, sizeof it->domain, err, sizeof err)
		    != DNAME_OK) {
			fprintf(stderr, "mxvet: %s: not a domain: %s\n", it->input, err);
			bad = 1;
		}
	}
	if (bad) {
		free(r.items);
		return EX_USAGE_;
	}
	struct config *cfg = cli_load_config(cfgpath);
	if (!cfg) {
		free(r.items);
		return EX_CONFIG_;
	}
	if (run_as_daemon_user(cfg) < 0) {
		free(r.items);
		config_free(cfg);
		return EX_CONFIG_;
	}
	signal(SIGPIPE, SIG_IGN);
	struct event_base *base = event_base_new();
	r.eng = base ? engine_new(base, cfg, &checks_detector, 0, err, sizeof err) : NULL;
	if (!r.eng) {
		fprintf(stderr, "mxvet: %s\n", base ? err : "cannot create the event loop");
		rc = EX_UNAVAIL_;
		goto out;
	}
	start_more(&r);
	event_base_dispatch(base);
	for (size_t i = 0; i < r.n; i++) {
		struct item *it = &r.items[i];
		if (it->output)
			fputs(it->output, stdout);
		if (it->verdict > rc)
			rc = it->verdict;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mxvet: cannot write the results\n");
		rc = EX_UNAVAIL_;
	}
	/* a domain without a verdict makes the whole run one without */
	for (size_t i = 0; i < r.n; i++) {
		struct item *it = &r.items[i];
		if (!it->error)
			continue;
		fprintf(stderr, "mxvet: %s: no verdict: %s\n", it->domain, it->error);
		rc = EX_UNAVAIL_;
	}
out:
	for (size_t i = 0; i < r.n; i++)
		free(r.items[i].output);
	free(r.items);
	engine_free(r.eng);
	if (base)
		event_base_free(base);
	config_free(cfg);
	return rc;
}
