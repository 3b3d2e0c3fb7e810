/* Unit tests: the parameter table and the main.cf-style loader. */
#include "engine/config.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static const char *write_conf(const char *text)
{
	snprintf(path, sizeof path, "/tmp/mxvet-test-conf-%d", (int)getpid());
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

START_TEST(defaults)
{
	struct config *c = config_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->dns_timeout, 5);
	ck_assert_int_eq(c->smtp_banner_timeout, 30);
	ck_assert_int_eq(c->dead_after, 5 * 86400);
	ck_assert_int_eq(c->decision_timeout, 8);
	ck_assert_int_eq(c->smtp_port, 25);
	ck_assert_int_eq(c->authority_repeat, 3);
	ck_assert_str_eq(c->timeout_action, "DUNNO");
	ck_assert(config_check_enabled(c, "dns"));
	ck_assert(config_check_enabled(c, "authority"));
	ck_assert(config_check_enabled(c, "smtp"));
	ck_assert_uint_eq(c->mx_allowed_networks.n, 0);
	ck_assert_int_eq(c->action_override[F_MX_CNAME], -1);
	config_free(c);
}
END_TEST

START_TEST(durations)
{
	long v;
	ck_assert_int_eq(config_parse_duration("30", &v), 0); ck_assert_int_eq(v, 30);
	ck_assert_int_eq(config_parse_duration("30s", &v), 0); ck_assert_int_eq(v, 30);
	ck_assert_int_eq(config_parse_duration("5m", &v), 0); ck_assert_int_eq(v, 300);
	ck_assert_int_eq(config_parse_duration("2h", &v), 0); ck_assert_int_eq(v, 7200);
	ck_assert_int_eq(config_parse_duration("5d", &v), 0); ck_assert_int_eq(v, 432000);
	ck_assert_int_eq(config_parse_duration("1w", &v), 0); ck_assert_int_eq(v, 604800);
	ck_assert_int_eq(config_parse_duration("", &v), -1);
	ck_assert_int_eq(config_parse_duration("5x", &v), -1);
	ck_assert_int_eq(config_parse_duration("5ss", &v), -1);
	ck_assert_int_eq(config_parse_duration("-5", &v), -1);
	ck_assert_int_eq(config_parse_duration("99999999999999999999d", &v), -1);
}
END_TEST

START_TEST(load_file)
{
	struct config *c = config_new();
	char err[512];
	const char *p = write_conf(
		"# comment\n"
		"dns_timeout = 3s\n"
		"\n"
		"mx_allowed_networks = 127.53.0.0/16,\n"
		"    127.25.0.0/16\n"
		"checks = dns smtp\n"
		"on_mx_cname = reject\n"
		"on_no_mx_implicit = ignore\n"
		"log_accepts = yes\n");
	ck_assert_msg(config_load(c, p, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(c->dns_timeout, 3);
	ck_assert_uint_eq(c->mx_allowed_networks.n, 2);
	ck_assert(!config_check_enabled(c, "authority"));
	ck_assert_int_eq(c->action_override[F_MX_CNAME], ACT_REJECT);
	ck_assert_int_eq(c->action_override[F_NO_MX_IMPLICIT], ACT_IGNORE);
	ck_assert(c->log_accepts);
	config_free(c);
	unlink(p);
}
END_TEST

static const struct { const char *text; const char *want; } bad[] = {
	{ "dns_timeout = 3s\nnosuchkey = 1\n", ":2: unknown parameter \"nosuchkey\"" },
	{ "dns_timeout = forever\n", ":1: dns_timeout: \"forever\" is not a duration" },
	{ "dns_timeout = 0\n", ":1: dns_timeout: 0 is out of range" },
	{ "smtp_port = 70000\n", "smtp_port: 70000 is out of range" },
	{ "smtp_port = 25x\n", "smtp_port: \"25x\" is not a number" },
	{ "log_accepts = maybe\n", "is not yes or no" },
	{ "log_level = loud\n", ":1: log_level: \"loud\" is not err, warn, info or debug" },
	{ "on_no_such_code = reject\n", "no such finding code" },
	{ "on_null_mx = explode\n", "is not reject, defer, annotate or ignore" },
	{ "mx_allowed_networks = 10.0.0.0/99\n", "bad network" },
	{ "checks = dns, magic\n", "unknown check \"magic\"" },
	{ "just some words\n", ":1: expected \"key = value\"" },
	{ "  leading = continuation\n", "continuation line without a parameter" },
	{ "= 5\n", "missing parameter name" },
};

START_TEST(load_bad)
{
	struct config *c = config_new();
	char err[512];
	const char *p = write_conf(bad[_i].text);
	ck_assert_int_eq(config_load(c, p, err, sizeof err), -1);
	ck_assert_msg(strstr(err, bad[_i].want) != NULL, "got \"%s\", want \"%s\"", err,
		      bad[_i].want);
	config_free(c);
	unlink(p);
}
END_TEST

START_TEST(missing_file)
{
	struct config *c = config_new();
	char err[512];
	ck_assert_int_eq(config_load(c, "/nonexistent/mxvet.conf", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/mxvet.conf"));
	config_free(c);
}
END_TEST

START_TEST(binary_file)
{
	struct config *c = config_new();
	char err[512];
	snprintf(path, sizeof path, "/tmp/mxvet-test-bin-%d", (int)getpid());
	FILE *f = fopen(path, "w");
	fwrite("dns_timeout = 3\0\1\2\n", 1, 19, f);
	fclose(f);
	ck_assert_int_eq(config_load(c, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "binary"));
	config_free(c);
	unlink(path);
}
END_TEST

/* The lifetime: each holder's reference keeps the config alive. */
START_TEST(refcount)
{
	struct config *c = config_new();
	const struct config *held;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->refs, 1);
	held = config_ref(c);		/* a check starts */
	ck_assert_ptr_eq(held, c);
	ck_assert_int_eq(c->refs, 2);
	config_free(c);			/* the reload drops the daemon's */
	ck_assert_int_eq(held->refs, 1);
	ck_assert_int_eq(held->smtp_port, 25);	/* still readable (ASan/valgrind) */
	config_free(held);		/* the check ends: freed */
	config_free(NULL);
}
END_TEST

/* Keys a reload must apply (a row each) and keys only a restart applies. */
static const struct { const char *key; bool reloadable; } reload_rows[] = {
	{ "smtp_connect_timeout", true }, { "smtp_banner_timeout", true },
	{ "smtp_probe_ttl", true }, { "smtp_max_concurrent", true },
	{ "smtp_blind_after", true }, { "smtp_port", true }, { "smtp_max_per_network", true },
	{ "max_checks_in_flight", true },
	{ "mx_allowed_networks", true }, { "checks", true }, { "mx_max_hosts", true },
	{ "authority_timeout", true }, { "dead_after", true },
	{ "timeout_action", true }, { "error_action", true }, { "on_mx_cname", true },
	{ "decision_timeout", true }, { "header_name", true }, { "skip_domains", true },
	{ "cache_min_ttl", true }, { "cache_max_ttl", true }, { "cache_temp_ttl", true },
	{ "policy_allow", true }, { "risk_log", true }, { "mx_providers_file", true },
	{ "unbound_config", false }, { "trust_anchor_file", false },
	{ "dns_timeout", false }, { "state_dir", false }, { "policy_listen", false },
	{ "milter_listen", false }, { "admin_listen", false }, { "user", false },
	{ "pid_file", false },
};

START_TEST(reloadable)
{
	ck_assert_msg(config_reloadable(reload_rows[_i].key) == reload_rows[_i].reloadable,
		      "%s", reload_rows[_i].key);
}
END_TEST

static char changed[256];

static void on_changed(void *arg, const char *key)
{
	(void)arg;
	snprintf(changed + strlen(changed), sizeof changed - strlen(changed), "%s%s",
		 *changed ? "," : "", key);
}

/* A reload keeps the running value of every restart key, names each that
 * changed, and applies the rest. */
START_TEST(keep_restart_keys)
{
	struct config *run = config_new(), *next = config_new();
	char err[256];

	ck_assert_int_eq(config_set(run, "policy_listen", "inet:127.0.0.1:1, unix:/tmp/a",
				    err, sizeof err), 0);
	ck_assert_int_eq(config_keep_restart_keys(next, run, NULL, NULL), 1);
	ck_assert_uint_eq(next->policy_listen.n, 2);	/* the running list, copied */
	ck_assert_str_eq(next->policy_listen.v[1], "unix:/tmp/a");
	ck_assert_int_eq(config_keep_restart_keys(next, run, on_changed, NULL), 0);

	ck_assert_int_eq(config_set(next, "dns_timeout", "9s", err, sizeof err), 0);
	ck_assert_int_eq(config_set(next, "unbound_config", "/etc/x.conf", err, sizeof err), 0);
	ck_assert_int_eq(config_set(next, "smtp_banner_timeout", "7s", err, sizeof err), 0);
	ck_assert_int_eq(config_set(next, "checks", "dns", err, sizeof err), 0);
	ck_assert_int_eq(config_set(next, "mx_allowed_networks", "10.0.0.0/8", err, sizeof err), 0);
	changed[0] = '\0';
	ck_assert_int_eq(config_keep_restart_keys(next, run, on_changed, NULL), 2);
	ck_assert_str_eq(changed, "unbound_config,dns_timeout");
	ck_assert_str_eq(next->unbound_config, "");
	ck_assert_int_eq(next->dns_timeout, 5);
	ck_assert_int_eq(next->smtp_banner_timeout, 7);
	ck_assert(!config_check_enabled(next, "smtp"));
	ck_assert_uint_eq(next->mx_allowed_networks.n, 1);
	config_free(run);
	config_free(next);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, load_file);
	tcase_add_loop_test(tc, load_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, binary_file);
	tcase_add_test(tc, refcount);
	tcase_add_loop_test(tc, reloadable, 0, sizeof reload_rows / sizeof reload_rows[0]);
	tcase_add_test(tc, keep_restart_keys);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
