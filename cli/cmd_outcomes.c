/* mxvet outcomes: read a Postfix log in one pass and check mxvet's
 * verdicts (the domain history) against what Postfix then did with the
 * mail (engine/outcomes.h). The log is read in fixed-size blocks: memory
 * does not grow with its size; a line longer than MAILLOG_LINE_MAX is
 * skipped (counted malformed), never held whole. */
#include "cli/cli.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "engine/findings.h"
#include "engine/history.h"
#include "engine/maillog.h"
#include "engine/outcomes.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BLOCK (1024 * 1024)
#define DEFAULT_MAILLOG "/var/log/mail.log"

/* The verdict and codes of a domain's last check, from the history. The
 * history keys are A-labels; Postfix logs a UTF-8 domain (SMTPUTF8) as is. */
static int history_lookup(void *arg, const char *domain, int *verdict, uint64_t *codes)
{
	struct history_rec r;
	char alabel[DNAME_MAXLEN], err[128];
	char *save = NULL;

	for (const char *p = domain; *p; p++)
		if ((unsigned char)*p >= 0x80) {
			if (dname_normalize(domain, alabel, sizeof alabel, err, sizeof err) == DNAME_OK)
				domain = alabel;
			break;
		}
	int rc = history_get(arg, domain, &r);

	if (rc != 0)
		return rc;
	*verdict = r.verdict;
	*codes = 0;
	for (char *t = strtok_r(r.codes, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int c = finding_code_by_name(t);
		if (c >= 0)
			*codes |= 1ULL << c;
	}
	return 0;
}

/* Feed every line of fd to o. 0, or -1 with errno on a read error. */
static int read_log(int fd, struct outcomes *o)
{
	char *buf = malloc(READ_BLOCK);
	struct maillog_clock clk;
	struct maillog_rec *rec = malloc(sizeof *rec);
	size_t have = 0;
	bool skipping = false;	/* inside a line too long to keep */
	ssize_t n;

	if (!buf || !rec) {
		free(buf);
		free(rec);
		errno = ENOMEM;
		return -1;
	}
	maillog_clock_init(&clk, time(NULL));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		n = read(fd, buf + have, READ_BLOCK - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0 && have == 0)
			break;
		size_t end = have + (size_t)n, start = 0;
		char *nl;
		while ((nl = memchr(buf + start, '\n', end - start))) {
			size_t len = (size_t)(nl - (buf + start));
			if (skipping)
				skipping = false;	/* the tail of an overlong line */
			else
				outcomes_add(o, (maillog_parse(buf + start, len, &clk, rec), rec));
			start += len + 1;
		}
		have = end - start;
		if (n == 0) {		/* a last line without a newline */
			if (!skipping)
				outcomes_add(o, (maillog_parse(buf + start, have, &clk, rec), rec));
			break;
		}
		if (have > MAILLOG_LINE_MAX) {
			/* count it once, then drop bytes up to its newline */
			if (!skipping) {
				maillog_parse(buf + start, have, &clk, rec);
				outcomes_add(o, rec);
			}
			skipping = true;
			have = 0;
		} else {
			memmove(buf, buf + start, have);
		}
	}
	free(buf);
	free(rec);
	return n < 0 ? -1 : 0;
}

static void outcomes_usage(FILE *out)
{
	fprintf(out,
		"usage: mxvet outcomes [--maillog FILE|-] [--since DURATION] [--json]\n"
		"                      [--config FILE] [--state-dir DIR]\n"
		"reads Postfix's log (default " DEFAULT_MAILLOG "; - is standard input,\n"
		"e.g. journalctl -u postfix -o cat | mxvet outcomes --maillog -) and checks\n"
		"mxvet's verdicts in the domain history against Postfix's delivery outcomes.\n"
		"Exit status: 0, 64 usage, 66 cannot read the log, 69 no history, 78 bad config.\n");
}

int cmd_outcomes(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "maillog", required_argument, NULL, 'm' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfgpath = NULL, *state_dir = NULL, *path = DEFAULT_MAILLOG;
	bool json = false;
	long since = -1;
	int c, fd, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:s:jc:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': path = optarg; break;
		case 's':
			if (config_parse_duration(optarg, &since) != 0) {
				fprintf(stderr, "mxvet outcomes: --since %s: not a duration (e.g. 1h, 7d)\n",
					optarg);
				return EX_USAGE_;
			}
			break;
		case 'j': json = true; break;
		case 'c': cfgpath = optarg; break;
		case 'd': state_dir = optarg; break;
		case 'h': outcomes_usage(stdout); return 0;
		default: outcomes_usage(stderr); return EX_USAGE_;
		}
	}
	if (optind < argc) {
		outcomes_usage(stderr);
		return EX_USAGE_;
	}
	struct config *cfg;
	struct history *h;
	if ((rc = cli_open_history("outcomes", cfgpath, state_dir, &cfg, &h)) != 0)
		return rc;
	if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "mxvet outcomes: %s: %s\n", path, strerror(errno));
		history_close(h);
		config_free(cfg);
		return EX_NOINPUT_;
	}
	struct outcomes_limits lim = {
		.max_pending = OUTCOMES_MAX_PENDING,
		.max_domains = OUTCOMES_MAX_DOMAINS,
		.since = since >= 0 ? time(NULL) - since : 0,
	};
	struct outcomes *o = outcomes_new(&lim, history_lookup, h);
	if (!o) {
		fprintf(stderr, "mxvet outcomes: out of memory\n");
		rc = EX_UNAVAIL_;
	} else if (read_log(fd, o) != 0) {
		fprintf(stderr, "mxvet outcomes: reading %s: %s\n", path, strerror(errno));
		rc = EX_NOINPUT_;
	} else {
		outcomes_finish(o);
		if (json)
			outcomes_print_json(o, stdout, strcmp(path, "-") ? path : "stdin");
		else
			outcomes_print(o, stdout, strcmp(path, "-") ? path : "stdin");
	}
	fflush(stdout);
	if (fd != STDIN_FILENO)
		close(fd);
	outcomes_free(o);
	history_close(h);
	config_free(cfg);
	return rc;
}
