/* config_check: cross-key and environment checks of a loaded config (see
 * config_check.h). Each row names the key a mistake is reported against;
 * its FILE:LINE comes from the loader (config_where()). */
#include "engine/config_check.h"
#include "engine/config.h"
#include "lib/endpoint.h"
#include "lib/addr_policy.h"
#include "engine/redis_url.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unbound.h>

#define ACTION_TEXT_MAX 400	/* well inside Postfix's policy line limit */

/* A check: 0, or -1 with the reason in why. */
typedef int (*check_fn)(const struct config *cfg, char *why, size_t whylen);

/* RFC 5322 3.6.8: field-name = 1*ftext, ftext = %d33-57 / %d59-126 */
static int header_name_ok(const char *s, size_t n, char *why, size_t whylen)
{
	if (n == 0) {
		snprintf(why, whylen, "empty header name");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126 || c == ':') {
			snprintf(why, whylen, "\"%.*s\" is not a header name (printable ASCII "
				 "without spaces or ':', RFC 5322)", (int)n, s);
			return -1;
		}
	}
	return 0;
}

static int text_ok(const char *t, bool required, const char *what, char *why, size_t whylen)
{
	if (required && !*t) {
		snprintf(why, whylen, "%s needs a text", what);
		return -1;
	}
	if (strlen(t) > ACTION_TEXT_MAX) {
		snprintf(why, whylen, "%s: text longer than %d characters", what, ACTION_TEXT_MAX);
		return -1;
	}
	for (const char *p = t; *p; p++)
		if ((unsigned char)*p < 32 || (unsigned char)*p > 126) {
			snprintf(why, whylen, "%s: text has a control or non-ASCII character", what);
			return -1;
		}
	return 0;
}

/* The answers for mxvet's own failures (fail open): what Postfix's
 * access(5) accepts minus anything that refuses, drops or reroutes mail.
 *   DUNNO | OK | DEFER [text] | DEFER_IF_PERMIT [text] | DEFER_IF_REJECT [text]
 *   | 4NN text | WARN text | INFO text | PREPEND Header-Name: value */
int config_check_fail_open_action(const char *s, char *why, size_t whylen)
{
	static const struct {
		const char *word;
		bool text_required, text_allowed;
	} words[] = {
		{ "DUNNO", false, false },
		{ "OK", false, false },
		{ "DEFER", false, true },
		{ "DEFER_IF_PERMIT", false, true },
		{ "DEFER_IF_REJECT", false, true },
		{ "WARN", true, true },
		{ "INFO", true, true },
	};
	size_t wl = strcspn(s, " \t");
	const char *rest = s + wl;

	rest += strspn(rest, " \t");
	if (wl == 3 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2])) {
		if (s[0] != '4') {
			snprintf(why, whylen, "\"%s\": only a 4xx code may answer for mxvet's own "
				 "failure (never a reject)", s);
			return -1;
		}
		return text_ok(rest, true, "a 4xx code", why, whylen);
	}
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strlen(words[i].word) != wl || strncasecmp(s, words[i].word, wl) != 0)
			continue;
		if (*rest && !words[i].text_allowed) {
			snprintf(why, whylen, "%s takes no text", words[i].word);
			return -1;
		}
		return text_ok(rest, words[i].text_required, words[i].word, why, whylen);
	}
	if (wl == 7 && !strncasecmp(s, "PREPEND", 7)) {
		const char *colon = strchr(rest, ':');
		if (!colon) {
			snprintf(why, whylen, "PREPEND wants \"Header-Name: value\"");
			return -1;
		}
		if (header_name_ok(rest, (size_t)(colon - rest), why, whylen) < 0)
			return -1;
		return text_ok(colon + 1, false, "PREPEND", why, whylen);
	}
	if ((wl == 6 && !strncasecmp(s, "REJECT", 6)) || (wl == 3 && s[0] == '5'))
		snprintf(why, whylen, "\"%s\" would refuse mail for mxvet's own failure; use "
			 "DUNNO, DEFER_IF_PERMIT, a 4xx code or WARN", s);
	else
		snprintf(why, whylen, "\"%s\" is not one of DUNNO, OK, DEFER, DEFER_IF_PERMIT, "
			 "DEFER_IF_REJECT, 4NN text, WARN text, INFO text, PREPEND header: value", s);
	return -1;
}

static int check_timeout_action(const struct config *cfg, char *why, size_t whylen)
{
	return config_check_fail_open_action(cfg->timeout_action, why, whylen);
}

static int check_error_action(const struct config *cfg, char *why, size_t whylen)
{
	return config_check_fail_open_action(cfg->error_action, why, whylen);
}

static int check_policy_listen(const struct config *cfg, char *why, size_t whylen)
{
	struct endpoint ep;
	char r[256];

	if (cfg->policy_listen.n > CONFIG_MAX_POLICY_LISTEN) {
		snprintf(why, whylen, "%zu endpoints; at most %d", cfg->policy_listen.n,
			 CONFIG_MAX_POLICY_LISTEN);
		return -1;
	}
	for (size_t i = 0; i < cfg->policy_listen.n; i++)
		if (endpoint_parse(cfg->policy_listen.v[i], ENDPOINT_HOSTPORT, &ep, r, sizeof r) < 0) {
			snprintf(why, whylen, "%s: %s", cfg->policy_listen.v[i], r);
			return -1;
		}
	return 0;
}

static int check_milter_listen(const struct config *cfg, char *why, size_t whylen)
{
	struct endpoint ep;
	char r[256];

	if (!*cfg->milter_listen)
		return 0;
	if (endpoint_parse(cfg->milter_listen, ENDPOINT_MILTER, &ep, r, sizeof r) < 0) {
		snprintf(why, whylen, "%s: %s", cfg->milter_listen, r);
		return -1;
	}
	return 0;
}

static int check_admin_listen(const struct config *cfg, char *why, size_t whylen)
{
	struct endpoint ep;
	char r[256];

	if (!*cfg->admin_listen)
		return 0;
	if (endpoint_parse(cfg->admin_listen, ENDPOINT_HOSTPORT, &ep, r, sizeof r) < 0) {
		snprintf(why, whylen, "%s: %s", cfg->admin_listen, r);
		return -1;
	}
	/* it answers anyone who reaches it: loopback only, or a unix socket
	 * (unix_socket_mode and _group say who) */
	if (!ep.is_unix && addr_classify(&ep.addr, NULL) != ADDR_LOOPBACK) {
		snprintf(why, whylen, "%s: want inet:LOOPBACK-ADDRESS:PORT (127.0.0.1 or [::1]) "
			 "or unix:/PATH", cfg->admin_listen);
		return -1;
	}
	return 0;
}

/* A file libunbound will read later, in its own thread, where a failure
 * is only a log line per query: find it unreadable now. */
static int readable_file(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* An override named but unreadable would otherwise pass unseen, with the
 * built-in list in its place. */
static int check_providers_file(const struct config *cfg, char *why, size_t whylen)
{
	if (!*cfg->mx_providers_file)
		return 0;
	return readable_file(cfg->mx_providers_file, why, whylen);
}

static int check_trust_anchor(const struct config *cfg, char *why, size_t whylen)
{
	if (*cfg->unbound_config || !*cfg->trust_anchor_file)
		return 0;	/* unused, or DNSSEC off */
	return readable_file(cfg->trust_anchor_file, why, whylen);
}

/* Each file an unbound.conf option names (a list comes newline-separated). */
static int check_ub_files(struct ub_ctx *ctx, const char *opt, char *why, size_t whylen)
{
	char *v = NULL, *save = NULL;
	int rc = 0;

	if (ub_ctx_get_option(ctx, opt, &v) != 0 || !v)
		return 0;
	for (char *f = strtok_r(v, "\n", &save); f && rc == 0; f = strtok_r(NULL, "\n", &save))
		if (*f && readable_file(f, why, whylen) < 0) {
			size_t n = strlen(why);
			snprintf(why + n, whylen - n, " (%s in the unbound config)", opt);
			rc = -1;
		}
	free(v);
	return rc;
}

static int check_unbound_config(const struct config *cfg, char *why, size_t whylen)
{
	struct ub_ctx *ctx;
	int rc;

	if (!*cfg->unbound_config)
		return 0;
	if (readable_file(cfg->unbound_config, why, whylen) < 0)
		return -1;
	if (!(ctx = ub_ctx_create())) {
		snprintf(why, whylen, "cannot create a libunbound context");
		return -1;
	}
	/* libunbound prints the offending FILE:LINE on stderr itself */
	if ((rc = ub_ctx_config(ctx, cfg->unbound_config)) != 0) {
		snprintf(why, whylen, "%s: libunbound cannot read it: %s", cfg->unbound_config,
			 ub_strerror(rc));
		rc = -1;
	} else if (check_ub_files(ctx, "trust-anchor-file", why, whylen) < 0 ||
		   check_ub_files(ctx, "auto-trust-anchor-file", why, whylen) < 0 ||
		   check_ub_files(ctx, "trusted-keys-file", why, whylen) < 0 ||
		   check_ub_files(ctx, "root-hints", why, whylen) < 0) {
		rc = -1;
	}
	ub_ctx_delete(ctx);
	return rc;
}

static int check_user(const struct config *cfg, char *why, size_t whylen)
{
	if (*cfg->user && !getpwnam(cfg->user)) {
		snprintf(why, whylen, "user %s does not exist (create it, or name another "
			 "unprivileged user)", cfg->user);
		return -1;
	}
	return 0;
}

/* Started unprivileged (the systemd unit), mxvetd can give its sockets
 * only to a group it is a member of. */
static bool member_of(gid_t g)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (getegid() == g)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

static int check_socket_group(const struct config *cfg, char *why, size_t whylen)
{
	struct group *gr;

	if (!*cfg->unix_socket_group)
		return 0;
	if (!(gr = getgrnam(cfg->unix_socket_group))) {
		snprintf(why, whylen, "group %s does not exist", cfg->unix_socket_group);
		return -1;
	}
	if (geteuid() != 0 && !member_of(gr->gr_gid)) {
		snprintf(why, whylen, "not root and not a member of group %s: cannot give it the "
			 "sockets (with systemd: SupplementaryGroups=%s)", gr->gr_name, gr->gr_name);
		return -1;
	}
	return 0;
}

static int check_cache_ttls(const struct config *cfg, char *why, size_t whylen)
{
	if (cfg->cache_min_ttl > cfg->cache_max_ttl) {
		snprintf(why, whylen, "cache_min_ttl (%lds) is longer than cache_max_ttl (%lds)",
			 cfg->cache_min_ttl, cfg->cache_max_ttl);
		return -1;
	}
	return 0;
}

static int check_header_name(const struct config *cfg, char *why, size_t whylen)
{
	return header_name_ok(cfg->header_name, strlen(cfg->header_name), why, whylen);
}

static int check_detail_header_name(const struct config *cfg, char *why, size_t whylen)
{
	return header_name_ok(cfg->detail_header_name, strlen(cfg->detail_header_name), why,
			      whylen);
}

static int check_pid_file(const struct config *cfg, char *why, size_t whylen)
{
	if (*cfg->pid_file && cfg->pid_file[0] != '/') {
		snprintf(why, whylen, "%s is not an absolute path", cfg->pid_file);
		return -1;
	}
	return 0;
}

static int check_redis_url(const struct config *cfg, char *why, size_t whylen)
{
	struct redis_url u;

	return *cfg->redis_url ? redis_url_parse(cfg->redis_url, &u, why, whylen) : 0;
}

static int check_redis_prefix(const struct config *cfg, char *why, size_t whylen)
{
	for (const char *p = cfg->redis_prefix; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			snprintf(why, whylen, "no white space or control characters in a key prefix");
			return -1;
		}
	if (strlen(cfg->redis_prefix) > 100) {
		snprintf(why, whylen, "at most 100 bytes");
		return -1;
	}
	return 0;
}

static const struct {
	const char *key;	/* reported at this key's FILE:LINE */
	const char *alt;	/* ...or this one's, if only it is in the file */
	check_fn fn;
	bool daemon_only;
} rows[] = {
	{ "timeout_action", NULL, check_timeout_action, false },
	{ "error_action", NULL, check_error_action, false },
	{ "policy_listen", NULL, check_policy_listen, false },
	{ "milter_listen", NULL, check_milter_listen, false },
	{ "admin_listen", NULL, check_admin_listen, false },
	{ "unbound_config", NULL, check_unbound_config, false },
	{ "trust_anchor_file", NULL, check_trust_anchor, false },
	{ "user", NULL, check_user, true },
	{ "unix_socket_group", NULL, check_socket_group, true },
	{ "cache_min_ttl", "cache_max_ttl", check_cache_ttls, false },
	{ "header_name", NULL, check_header_name, false },
	{ "detail_header_name", NULL, check_detail_header_name, false },
	{ "pid_file", NULL, check_pid_file, false },
	{ "mx_providers_file", NULL, check_providers_file, false },
	{ "redis_url", NULL, check_redis_url, true },
	{ "redis_prefix", NULL, check_redis_prefix, true },
};

int config_check(const struct config *cfg, enum config_check_scope scope, char *err,
		 size_t errlen)
{
	char why[512], where[512], alt[512];

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (rows[i].daemon_only && scope == CONFIG_CHECK_CLI)
			continue;
		if (scope == CONFIG_CHECK_RELOAD && !config_reloadable(rows[i].key) &&
		    !(rows[i].alt && config_reloadable(rows[i].alt)))
			continue;
		if (rows[i].fn(cfg, why, sizeof why) == 0)
			continue;
		config_where(cfg, rows[i].key, where, sizeof where);
		/* of a pair, name the one the file sets */
		if (rows[i].alt && strstr(where, ": default)") &&
		    !strstr(config_where(cfg, rows[i].alt, alt, sizeof alt), ": default)"))
			snprintf(where, sizeof where, "%s", alt);
		snprintf(err, errlen, "%s: %s: %s", where, rows[i].key, why);
		return -1;
	}
	return 0;
}
