/* config: the parameter table and the main.cf-style loader. */
#include "engine/config.h"
#include "engine/stage.h"
#include "lib/log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

/* P_NAMES and P_NETS: a list (as P_LIST, sorted, and as P_CIDRS), or
 * "/path" of a file with the entries, one a line ('#' comments). */
enum ptype { P_STR, P_INT, P_DUR, P_BOOL, P_LIST, P_CIDRS, P_MODE, P_NAMES, P_NETS };

/* RELOAD: a SIGHUP applies it (the running daemon reads it from the
 * current config). RESTART: the resolver, the history or the sockets were
 * built from it; a reload keeps the running value and says so. */
enum preload { RELOAD, RESTART };

struct param {
	const char *name;
	enum ptype type;
	enum preload reload;
	size_t off;
	const char *def;
	long min, max;		/* for P_INT, P_DUR and P_MODE */
	const char *help;
};

#define O(f) offsetof(struct config, f)
#define DAY (24L * 3600)

static const struct param params[] = {
	{ "unbound_config", P_STR, RESTART, O(unbound_config), "", 0, 0,
	  "unbound.conf for libunbound; empty: resolve from the root with DNSSEC" },
	{ "trust_anchor_file", P_STR, RESTART, O(trust_anchor_file), "/usr/share/dns/root.key", 0, 0,
	  "root trust anchor used when unbound_config is empty (empty: no DNSSEC)" },
	{ "dns_timeout", P_DUR, RESTART, O(dns_timeout), "5s", 1, 120,
	  "time limit of one recursive lookup; past it: DNS_TIMEOUT" },
	{ "mx_max_hosts", P_INT, RELOAD, O(mx_max_hosts), "16", 1, 256,
	  "MX hosts resolved and probed per domain, in preference order" },
	{ "checks", P_LIST, RELOAD, O(checks), "dns, authority, smtp", 0, 0,
	  "check families to run: dns, authority, smtp" },
	{ "mx_allowed_networks", P_CIDRS, RELOAD, O(mx_allowed_networks), "", 0, 0,
	  "non-routable networks mxvet may contact all the same (SMTP and DNS) and MX hosts may use" },
	{ "mx_providers_file", P_STR, RELOAD, O(mx_providers_file), "", 0, 0,
	  "file of mail providers' MX domains for MX_TYPO, replacing the built-in list; "
	  "empty: the built-in list" },
	{ "authority_timeout", P_DUR, RELOAD, O(authority_timeout), "4s", 1, 60,
	  "time limit of the direct queries to a domain's authoritative servers" },
	{ "authority_repeat", P_INT, RELOAD, O(authority_repeat), "3", 1, 10,
	  "how often the MX query is repeated to each authoritative address" },
	{ "authority_max_servers", P_INT, RELOAD, O(authority_max_servers), "16", 1, 64,
	  "authoritative addresses queried per domain at most" },
	{ "smtp_port", P_INT, RELOAD, O(smtp_port), "25", 1, 65535,
	  "TCP port of the SMTP probe" },
	{ "smtp_connect_timeout", P_DUR, RELOAD, O(smtp_connect_timeout), "10s", 1, 300,
	  "time limit for the SMTP probe's TCP connect; past it: SMTP_TIMEOUT" },
	{ "smtp_banner_timeout", P_DUR, RELOAD, O(smtp_banner_timeout), "30s", 1, 600,
	  "time an MX host may take to greet; past it: SMTP_SILENT" },
	{ "smtp_probe_ttl", P_DUR, RELOAD, O(smtp_probe_ttl), "1h", 0, 7 * DAY,
	  "how long an SMTP probe result is reused for the same address" },
	{ "smtp_max_concurrent", P_INT, RELOAD, O(smtp_max_concurrent), "1024", 1, 65536,
	  "SMTP probes in flight at most (a silent host costs one descriptor)" },
	{ "smtp_blind_after", P_INT, RELOAD, O(smtp_blind_after), "16", 0, 1024 /* EGRESS_WINDOW_MAX */,
	  "when this many addresses probed last in a row gave no contact, mxvet's own "
	  "port 25 is taken to be blocked and connect failures stop counting against "
	  "domains; 0: off" },
	{ "smtp_max_per_network", P_INT, RELOAD, O(smtp_max_per_network), "8", 1, 4096,
	  "SMTP probes in flight at most per destination network (IPv4 /24, IPv6 /48); "
	  "waiting probes are served round robin across networks" },
	{ "state_dir", P_STR, RESTART, O(state_dir), LOCALSTATEDIR "/lib/mxvet", 0, 0,
	  "directory of the persistent domain history (LMDB)" },
	{ "dead_after", P_DUR, RELOAD, O(dead_after), "5d", 1, 365 * DAY,
	  "failing without a break this long makes a domain DOMAIN_DEAD" },
	{ "risk_log", P_STR, RELOAD, O(risk_log), "", 0, 0,
	  "file of JSON lines, one per change of a domain's verdict (empty: none)" },
	{ "history_max_entries", P_INT, RELOAD, O(history_max_entries), "1000000", 100, 1000000000,
	  "domains kept in the history at most (the least recently checked go first)" },
	{ "history_max_age", P_DUR, RELOAD, O(history_max_age), "90d", 3600, 3650 * DAY,
	  "a domain not checked for this long leaves the history" },
	{ "history_max_size", P_INT, RELOAD, O(history_max_size), "1024", 16, 1048576,
	  "largest size of the history file in MiB; when full, nothing new is recorded "
	  "until pruning makes room (checks go on)" },
	{ "policy_listen", P_LIST, RESTART, O(policy_listen), "inet:127.0.0.1:10045", 0, 0,
	  "policy service endpoints: inet:HOST:PORT or unix:PATH" },
	{ "milter_listen", P_STR, RESTART, O(milter_listen), "", 0, 0,
	  "milter endpoint (inet:PORT@HOST or unix:PATH); empty: no milter" },
	{ "admin_listen", P_STR, RESTART, O(admin_listen), "", 0, 0,
	  "admin HTTP endpoint (inet:127.0.0.1:PORT or unix:PATH); empty: none" },
	{ "policy_allow", P_CIDRS, RELOAD, O(policy_allow), "127.0.0.0/8, ::1", 0, 0,
	  "client networks allowed to use the policy service over TCP" },
	{ "user", P_STR, RESTART, O(user), "mxvet", 0, 0,
	  "unprivileged user mxvetd runs as after binding (when started as root)" },
	{ "pid_file", P_STR, RESTART, O(pid_file), "/run/mxvet/mxvetd.pid", 0, 0,
	  "pid file written when mxvetd detaches (its directory is made and given to user)" },
	{ "decision_timeout", P_DUR, RELOAD, O(decision_timeout), "8s", 1, 300,
	  "longest a policy or milter request waits for a verdict" },
	{ "timeout_action", P_STR, RELOAD, O(timeout_action), "DUNNO", 0, 0,
	  "policy answer when decision_timeout runs out" },
	{ "error_action", P_STR, RELOAD, O(error_action), "DUNNO", 0, 0,
	  "policy answer when mxvet itself fails (fail open)" },
	{ "skip_domains", P_NAMES, RELOAD, O(skip_domains), "", 0, 0,
	  "recipient domains (and their subdomains) never checked (DUNNO); a list or /path of a file" },
	{ "log_accepts", P_BOOL, RELOAD, O(log_accepts), "no", 0, 0,
	  "also log accepted recipients" },
	{ "header_name", P_STR, RELOAD, O(header_name), "X-Mxvet", 0, 0,
	  "name of the annotation header" },
	{ "detail_header_name", P_STR, RELOAD, O(detail_header_name), "X-Mxvet-Detail", 0, 0,
	  "name of the per-finding detail header" },
	{ "log_level", P_STR, RELOAD, O(log_level), "info", 0, 0,
	  "least severe messages mxvetd logs: err, warn, info or debug" },
	{ "cache_min_ttl", P_DUR, RELOAD, O(cache_min_ttl), "5m", 0, 30 * DAY,
	  "shortest time a verdict is cached" },
	{ "cache_max_ttl", P_DUR, RELOAD, O(cache_max_ttl), "1d", 0, 30 * DAY,
	  "longest time a verdict is cached" },
	{ "cache_temp_ttl", P_DUR, RELOAD, O(cache_temp_ttl), "2m", 0, DAY,
	  "time a temporary (defer) verdict is cached" },
	{ "cache_max_entries", P_INT, RELOAD, O(cache_max_entries), "1000000", 16, 100000000,
	  "verdicts cached at most (least recently used go first)" },
	{ "policy_idle_timeout", P_DUR, RELOAD, O(policy_idle_timeout), "300s", 1, DAY,
	  "idle policy connections are closed after this" },
	{ "max_checks_in_flight", P_INT, RELOAD, O(max_checks_in_flight), "4096", 1, 1000000,
	  "checks running at once at most; when full, an uncached domain gets "
	  "timeout_action at once and starts no check" },
	{ "redis_url", P_STR, RESTART, O(redis_url), "", 0, 0,
	  "Redis shared by a fleet of mxvetd hosts: redis://[:PASSWORD@]HOST[:PORT][/DB] "
	  "or unix:PATH[?password=PASSWORD&db=DB] (empty: local tiers only)" },
	{ "unix_socket_group", P_STR, RESTART, O(unix_socket_group), "", 0, 0,
	  "group of the unix: policy and milter sockets (e.g. postfix); empty: user's group" },
	{ "unix_socket_mode", P_MODE, RESTART, O(unix_socket_mode), "0660", 0, 0777,
	  "permissions of the unix: policy and milter sockets (octal)" },
	{ "mode", P_STR, RELOAD, O(mode), "enforce", 0, 0,
	  "enforce: reject and defer as the verdict says; warn: only log them (policy "
	  "action WARN, milter headers) and accept" },
	{ "skip_clients", P_NETS, RELOAD, O(skip_clients), "", 0, 0,
	  "client networks whose mail is never checked (DUNNO); a list or /path of a file" },
	{ "skip_senders", P_NAMES, RELOAD, O(skip_senders), "", 0, 0,
	  "senders (addresses, or domains with their subdomains) whose mail is never "
	  "checked (DUNNO); a list or /path of a file" },
	{ "skip_authenticated", P_BOOL, RELOAD, O(skip_authenticated), "no", 0, 0,
	  "never check mail from SASL-authenticated clients" },
	{ "admin_max_connections", P_INT, RESTART, O(admin_max_connections), "32", 1, 4096,
	  "admin API connections open at once at most; more wait in the listen backlog" },
	{ "admin_idle_timeout", P_DUR, RESTART, O(admin_idle_timeout), "10s", 1, 3600,
	  "an admin API connection idle or slow this long is closed" },
	{ "redis_timeout", P_INT, RESTART, O(redis_timeout), "200", 10, 60000,
	  "milliseconds a Redis command may take; past it Redis counts as down, the "
	  "request goes on with the local tiers and the connection is made again" },
	{ "redis_prefix", P_STR, RESTART, O(redis_prefix), "mxv1:", 0, 0,
	  "prefix of every Redis key (it names the format version; hosts sharing "
	  "verdicts use the same one)" },
};

#define NPARAMS (sizeof params / sizeof params[0])

int config_parse_duration(const char *s, long *out)
{
	char *end;
	long mult = 1;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || errno || v < 0)
		return -1;
	if (*end) {
		switch (tolower((unsigned char)*end)) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = DAY; break;
		case 'w': mult = 7 * DAY; break;
		default: return -1;
		}
		if (end[1])
			return -1;
	}
	if (v > LONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1"))
		*out = true;
	else if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

#define LIST_FILE_MAX (64L << 20)	/* bytes of a list file */

/* The entries of a list file as one list text: '#' starts a comment,
 * lines become separators. NULL with a message in err. */
static char *read_list_file(const char *key, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, *line = NULL;
	size_t len = 0, cap = 0;
	long total = 0;
	ssize_t n;
	FILE *out;

	if (!f) {
		snprintf(err, errlen, "%s: %s: %s", key, path, strerror(errno));
		return NULL;
	}
	if (!(out = open_memstream(&text, &len))) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", key);
		return NULL;
	}
	while (total <= LIST_FILE_MAX && (n = getline(&line, &cap, f)) >= 0) {
		total += n;
		line[strcspn(line, "#\r\n")] = '\0';
		fprintf(out, "%s ", line);
	}
	bool big = total > LIST_FILE_MAX, bad = ferror(f) || big;
	free(line);
	fclose(f);
	if (fclose(out) != 0 || bad) {
		snprintf(err, errlen, "%s: %s: %s", key, path,
			 big ? "file too large" : "read error");
		free(text);
		return NULL;
	}
	return text;
}

/* P_NAMES, P_NETS: the list, or the file the value names. Name entries
 * lose a leading '.' or '@' ("@example.org" and ".example.org" mean the
 * domain, as "example.org" does). */
static int set_list_or_file(struct config *cfg, const struct param *p, const char *v,
			    char *err, size_t errlen)
{
	size_t row = (size_t)(p - params);
	void *field = (char *)cfg + p->off;
	char *text = NULL, *file = NULL, why[128];
	int rc = -1;

	if (v[0] == '/') {
		if (!(file = strdup(v)) || !(text = read_list_file(p->name, v, err, errlen)))
			goto out;
		v = text;
	}
	if (p->type == P_NETS) {
		struct cidr_list l;
		if (cidr_list_parse(v, &l, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s: %s%s%s", p->name, file ? file : "", file ? ": " : "",
				 why);
			goto out;
		}
		cidr_list_clear(field);
		*(struct cidr_list *)field = l;
	} else {
		struct strlist l;
		if (strlist_split(v, &l) != 0) {
			snprintf(err, errlen, "%s: out of memory", p->name);
			goto out;
		}
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i][0] == '.' || l.v[i][0] == '@')
				memmove(l.v[i], l.v[i] + 1, strlen(l.v[i]));
		strlist_sort(&l);
		strlist_clear(field);
		*(struct strlist *)field = l;
	}
	free(cfg->src_file[row]);
	cfg->src_file[row] = file;
	file = NULL;
	rc = 0;
out:
	free(file);
	free(text);
	return rc;
}

static int set_param(struct config *cfg, const struct param *p, const char *v,
		     char *err, size_t errlen)
{
	void *field = (char *)cfg + p->off;
	long n;
	char *end;

	switch (p->type) {
	case P_STR: {
		char *dup = strdup(v);
		if (!dup)
			goto oom;
		free(*(char **)field);
		*(char **)field = dup;
		return 0;
	}
	case P_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end || errno) {
			snprintf(err, errlen, "%s: \"%s\" is not a number", p->name, v);
			return -1;
		}
		goto bounds;
	case P_DUR:
		if (config_parse_duration(v, &n) != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not a duration (e.g. 30s, 5m, 2h, 5d)",
				 p->name, v);
			return -1;
		}
		goto bounds;
	case P_MODE:
		/* octal, as chmod(1) takes it */
		errno = 0;
		n = strtol(v, &end, 8);
		if (end == v || *end || errno) {
			snprintf(err, errlen, "%s: \"%s\" is not an octal mode (e.g. 0660)", p->name, v);
			return -1;
		}
		if (n < p->min || n > p->max) {
			snprintf(err, errlen, "%s: %s is out of range (%04lo..%04lo)", p->name, v,
				 p->min, p->max);
			return -1;
		}
		*(long *)field = n;
		return 0;
	case P_BOOL:
		if (parse_bool(v, (bool *)field) != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not yes or no", p->name, v);
			return -1;
		}
		return 0;
	case P_LIST: {
		struct strlist l;
		if (strlist_split(v, &l) != 0)
			goto oom;
		strlist_clear(field);
		*(struct strlist *)field = l;
		return 0;
	}
	case P_CIDRS: {
		struct cidr_list l;
		char why[128];
		if (cidr_list_parse(v, &l, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s: %s", p->name, why);
			return -1;
		}
		cidr_list_clear(field);
		*(struct cidr_list *)field = l;
		return 0;
	}
	case P_NAMES:
	case P_NETS:
		return set_list_or_file(cfg, p, v, err, errlen);
	}
	return -1;
bounds:
	if (n < p->min || n > p->max) {
		snprintf(err, errlen, "%s: %s is out of range (%ld..%ld%s)", p->name, v,
			 p->min, p->max, p->type == P_DUR ? " seconds" : "");
		return -1;
	}
	*(long *)field = n;
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", p->name);
	return -1;
}

static int validate(struct config *cfg, const char *key, char *err, size_t errlen)
{
	if (!strcmp(key, "checks")) {
		for (size_t i = 0; i < cfg->checks.n; i++) {
			if (!stage_family_known(cfg->checks.v[i])) {
				snprintf(err, errlen, "checks: unknown check \"%s\" (%s)",
					 cfg->checks.v[i], stage_families());
				return -1;
			}
		}
	}
	if (!strcmp(key, "mode")) {
		if (strcasecmp(cfg->mode, "enforce") != 0 && strcasecmp(cfg->mode, "warn") != 0) {
			snprintf(err, errlen, "mode: \"%s\" is not enforce or warn", cfg->mode);
			return -1;
		}
		cfg->warn = strcasecmp(cfg->mode, "warn") == 0;
	}
	if (!strcmp(key, "log_level")) {
		enum log_level lvl;
		if (log_level_by_name(cfg->log_level, &lvl) != 0) {
			snprintf(err, errlen, "log_level: \"%s\" is not err, warn, info or debug",
				 cfg->log_level);
			return -1;
		}
	}
	return 0;
}

static int param_index(const char *key)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcmp(params[i].name, key))
			return (int)i;
	return -1;
}

const char *config_where(const struct config *cfg, const char *key, char *buf, size_t len)
{
	int i = param_index(key);

	if (i >= 0 && cfg->src_line && cfg->src_line[i] && cfg->src_path)
		snprintf(buf, len, "%s:%d", cfg->src_path, cfg->src_line[i]);
	else if (cfg->src_path)
		snprintf(buf, len, "%s (%s: default)", cfg->src_path, key);
	else
		snprintf(buf, len, "(%s: default)", key);
	return buf;
}

int config_set(struct config *cfg, const char *key, const char *value,
	       char *err, size_t errlen)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcmp(params[i].name, key)) {
			if (set_param(cfg, &params[i], value, err, errlen) != 0)
				return -1;
			return validate(cfg, key, err, errlen);
		}
	if (!strncmp(key, "on_", 3)) {
		int code = finding_code_by_name(key + 3);
		if (code < 0) {
			snprintf(err, errlen, "%s: no such finding code \"%s\"", key, key + 3);
			return -1;
		}
		int a = action_by_name(value);
		if (a < 0) {
			snprintf(err, errlen, "%s: \"%s\" is not reject, defer, annotate or ignore",
				 key, value);
			return -1;
		}
		cfg->action_override[code] = a;
		return 0;
	}
	snprintf(err, errlen, "unknown parameter \"%s\"", key);
	return -1;
}

struct config *config_new(void)
{
	struct config *cfg = calloc(1, sizeof *cfg);
	char err[256];

	if (!cfg || !(cfg->src_line = calloc(NPARAMS, sizeof *cfg->src_line)) ||
	    !(cfg->src_file = calloc(NPARAMS, sizeof *cfg->src_file))) {
		if (cfg)
			free(cfg->src_line);
		free(cfg);
		return NULL;
	}
	cfg->refs = 1;
	for (int i = 0; i < F__COUNT; i++)
		cfg->action_override[i] = -1;
	for (size_t i = 0; i < NPARAMS; i++)
		if (set_param(cfg, &params[i], params[i].def, err, sizeof err) != 0) {
			/* a bad default is our bug */
			log_err("config default: %s", err);
			config_free(cfg);
			return NULL;
		}
	return cfg;
}

const struct config *config_ref(const struct config *cfg)
{
	/* the count is bookkeeping, not content: holders see a const config */
	((struct config *)cfg)->refs++;
	return cfg;
}

void config_free(const struct config *ccfg)
{
	struct config *cfg = (struct config *)ccfg;

	if (!cfg || --cfg->refs > 0)
		return;
	for (size_t i = 0; i < NPARAMS; i++) {
		void *field = (char *)cfg + params[i].off;
		switch (params[i].type) {
		case P_STR: free(*(char **)field); break;
		case P_LIST: case P_NAMES: strlist_clear(field); break;
		case P_CIDRS: case P_NETS: cidr_list_clear(field); break;
		default: break;
		}
		free(cfg->src_file[i]);
	}
	free(cfg->src_line);
	free(cfg->src_file);
	free(cfg->src_path);
	free(cfg);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One logical line: a key line plus its continuation lines. */
static int apply_logical(struct config *cfg, const char *path, int lineno, char *line,
			 char *err, size_t errlen)
{
	char msg[384];
	char *eq = strchr(line, '=');

	if (!eq) {
		snprintf(err, errlen, "%s:%d: expected \"key = value\"", path, lineno);
		return -1;
	}
	*eq = '\0';
	char *key = trim(line), *val = trim(eq + 1);
	if (!*key) {
		snprintf(err, errlen, "%s:%d: missing parameter name", path, lineno);
		return -1;
	}
	if (config_set(cfg, key, val, msg, sizeof msg) != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
		return -1;
	}
	int i = param_index(key);
	if (i >= 0)
		cfg->src_line[i] = lineno;	/* for config_where() */
	return 0;
}

#define CONFIG_MAX_LINE 65536

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = config_load_stream(cfg, f, path, err, errlen);
	fclose(f);
	return rc;
}

int config_load_stream(struct config *cfg, FILE *f, const char *path, char *err,
		       size_t errlen)
{
	char *line = NULL, *logical = NULL;
	size_t cap = 0, llen = 0;
	ssize_t n;
	int lineno = 0, start = 0, rc = 0;
	char *src = strdup(path);

	if (!src) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	free(cfg->src_path);
	cfg->src_path = src;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > CONFIG_MAX_LINE || memchr(line, '\0', (size_t)n)) {
			snprintf(err, errlen, "%s:%d: line too long or binary", path, lineno);
			rc = -1;
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		char *t = trim(line);
		if (*t == '#' || *t == '\0')
			continue;
		if (isspace((unsigned char)line[0])) {
			/* continuation of the previous parameter, as in main.cf */
			if (!logical) {
				snprintf(err, errlen, "%s:%d: continuation line without a parameter",
					 path, lineno);
				rc = -1;
				break;
			}
			size_t tl = strlen(t);
			char *nl = realloc(logical, llen + tl + 2);
			if (!nl) {
				rc = -1;
				snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
				break;
			}
			logical = nl;
			logical[llen++] = ' ';
			memcpy(logical + llen, t, tl + 1);
			llen += tl;
			continue;
		}
		if (logical)
			rc = apply_logical(cfg, path, start, logical, err, errlen);
		free(logical);
		logical = strdup(t);
		llen = logical ? strlen(logical) : 0;
		start = lineno;
	}
	if (rc == 0 && logical)
		rc = apply_logical(cfg, path, start, logical, err, errlen);
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	free(logical);
	free(line);
	return rc;
}

bool config_check_enabled(const struct config *cfg, const char *name)
{
	return strlist_contains(&cfg->checks, name);
}

/* The value as the loader reads it back (lists: " a, b"; empty: ""). */
static void print_value(const struct config *cfg, const struct param *p, FILE *out)
{
	const void *field = (const char *)cfg + p->off;
	const char *file = cfg->src_file[p - params];
	char buf[64];

	if (file) {		/* read back, it reads the file again */
		fprintf(out, " %s", file);
		return;
	}
	switch (p->type) {
	case P_STR: fprintf(out, " %s", *(char *const *)field); break;
	case P_INT: fprintf(out, " %ld", *(const long *)field); break;
	case P_DUR: fprintf(out, " %lds", *(const long *)field); break;
	case P_MODE: fprintf(out, " %04lo", *(const long *)field); break;
	case P_BOOL: fprintf(out, " %s", *(const bool *)field ? "yes" : "no"); break;
	case P_LIST:
	case P_NAMES: {
		const struct strlist *l = field;
		for (size_t k = 0; k < l->n; k++)
			fprintf(out, "%s %s", k ? "," : "", l->v[k]);
		break;
	}
	case P_CIDRS:
	case P_NETS: {
		const struct cidr_list *l = field;
		for (size_t k = 0; k < l->n; k++)
			fprintf(out, "%s %s/%d", k ? "," : "",
				netaddr_format(&l->v[k].net, buf, sizeof buf), l->v[k].bits);
		break;
	}
	}
}

/* print_value into a new string; NULL when out of memory. */
static char *value_text(const struct config *cfg, const struct param *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	print_value(cfg, p, f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

bool config_reloadable(const char *key)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcmp(params[i].name, key))
			return params[i].reload == RELOAD;
	return !strncmp(key, "on_", 3);
}

/* Compared and copied through the loader's own syntax, so that every
 * type is handled by the code that already parses it. */
int config_keep_restart_keys(struct config *next, const struct config *running,
			     void (*changed)(void *arg, const char *key), void *arg)
{
	int n = 0;
	char err[256];

	for (size_t i = 0; i < NPARAMS; i++) {
		const struct param *p = &params[i];
		if (p->reload != RESTART)
			continue;
		char *was = value_text(running, p), *now = value_text(next, p);
		int rc = was && now ? 0 : -1;
		if (rc == 0 && strcmp(was, now) != 0) {
			rc = set_param(next, p, was[0] == ' ' ? was + 1 : was, err, sizeof err);
			if (rc == 0 && changed)
				changed(arg, p->name);
			n++;
		}
		free(was);
		free(now);
		if (rc != 0)
			return -1;
	}
	return n;
}

void config_dump(const struct config *cfg, FILE *out, bool with_help)
{
	for (size_t i = 0; i < NPARAMS; i++) {
		const struct param *p = &params[i];

		if (with_help)
			fprintf(out, "# %s (default: %s)\n", p->help, *p->def ? p->def : "empty");
		fprintf(out, "%s =", p->name);
		print_value(cfg, p, out);
		fputc('\n', out);
	}
	for (int c = 0; c < F__COUNT; c++)
		if (cfg->action_override[c] >= 0) {
			char key[64];
			const char *n = finding_info(c)->name;
			size_t k = 0;
			for (; n[k] && k < sizeof key - 1; k++)
				key[k] = (char)tolower((unsigned char)n[k]);
			key[k] = '\0';
			fprintf(out, "on_%s = %s\n", key, action_name(cfg->action_override[c]));
		}
}
