/* Unit tests: engine/config_check.c, one row per mistake it must catch
 * (and per near miss it must let pass), with the FILE:LINE it names. */
#include "engine/config.h"
#include "engine/config_check.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

/* user = and trust_anchor_file = keep the rows independent of the host */
#define BASE "user =\ntrust_anchor_file =\n"

static const struct {
	const char *conf;	/* after BASE: the line numbers start at 3 */
	int ok;
	const char *err;	/* substring of the message when refused */
} rows[] = {
	{ "", 0, NULL },
	/* timeout_action and error_action: fail-open answers only */
	{ "error_action = FOOBAR", -1, "t.conf:3: error_action: \"FOOBAR\" is not one of" },
	{ "timeout_action = FOOBAR", -1, "t.conf:3: timeout_action" },
	{ "error_action = DUNNO", 0, NULL },
	{ "error_action = dunno", 0, NULL },
	{ "error_action = OK", 0, NULL },
	{ "error_action = OK fine", -1, "takes no text" },
	{ "error_action = DEFER", 0, NULL },
	{ "error_action = DEFER_IF_PERMIT mxvet cannot check now", 0, NULL },
	{ "error_action = DEFER_IF_REJECT", 0, NULL },
	{ "error_action = 450 4.7.1 try again later", 0, NULL },
	{ "error_action = 421", -1, "needs a text" },
	{ "error_action = 550 5.1.1 no", -1, "never a reject" },
	{ "error_action = REJECT", -1, "would refuse mail" },
	{ "error_action = WARN mxvet failed", 0, NULL },
	{ "error_action = WARN", -1, "needs a text" },
	{ "error_action = INFO mxvet failed", 0, NULL },
	{ "error_action = PREPEND X-Mxvet: error", 0, NULL },
	{ "error_action = PREPEND X Mxvet: error", -1, "not a header name" },
	{ "error_action = PREPEND no colon", -1, "Header-Name: value" },
	{ "error_action = DISCARD", -1, "is not one of" },
	{ "error_action = HOLD", -1, "is not one of" },
	{ "error_action = DUNNOX", -1, "is not one of" },
	{ "error_action = 45x text", -1, "is not one of" },
	/* endpoints */
	{ "policy_listen = inet:127.0.0.1:70000", -1, "t.conf:3: policy_listen: inet:127.0.0.1:70000: port 70000 is out of range" },
	{ "policy_listen = inet::10045", -1, "empty host" },
	{ "policy_listen = tcp:127.0.0.1:10045", -1, "unknown scheme" },
	{ "policy_listen = inet:127.0.0.1:1 inet:127.0.0.1:2 inet:127.0.0.1:3 inet:127.0.0.1:4 "
	  "inet:127.0.0.1:5 inet:127.0.0.1:6 inet:127.0.0.1:7 inet:127.0.0.1:8 inet:127.0.0.1:9 "
	  "inet:127.0.0.1:10 inet:127.0.0.1:11 inet:127.0.0.1:12 inet:127.0.0.1:13 "
	  "inet:127.0.0.1:14 inet:127.0.0.1:15 inet:127.0.0.1:16", 0, NULL },
	{ "policy_listen = inet:127.0.0.1:1 inet:127.0.0.1:2 inet:127.0.0.1:3 inet:127.0.0.1:4 "
	  "inet:127.0.0.1:5 inet:127.0.0.1:6 inet:127.0.0.1:7 inet:127.0.0.1:8 inet:127.0.0.1:9 "
	  "inet:127.0.0.1:10 inet:127.0.0.1:11 inet:127.0.0.1:12 inet:127.0.0.1:13 "
	  "inet:127.0.0.1:14 inet:127.0.0.1:15 inet:127.0.0.1:16 inet:127.0.0.1:17", -1,
	  "17 endpoints; at most 16" },
	{ "policy_listen =", 0, NULL },
	{ "milter_listen = inet:70000@127.0.0.1", -1, "t.conf:3: milter_listen" },
	{ "milter_listen = inet:8891@127.0.0.1", 0, NULL },
	{ "admin_listen = inet:127.0.0.1:99999", -1, "out of range" },
	{ "admin_listen = inet:192.0.2.1:8080", -1, "LOOPBACK" },
	{ "admin_listen = inet:[::1]:8080", 0, NULL },
	{ "admin_listen = unix:/run/mxvet/admin.sock", 0, NULL },
	{ "admin_listen = unix:admin.sock", -1, "admin_listen" },
	/* files libunbound reads later */
	{ "trust_anchor_file = /nonexistent/root.key", -1, "t.conf:3: trust_anchor_file: /nonexistent/root.key: No such file" },
	{ "trust_anchor_file = /", -1, "not a regular file" },
	{ "unbound_config = /nonexistent/unbound.conf", -1, "t.conf:3: unbound_config: /nonexistent/unbound.conf: No such file" },
	/* orderings, names */
	{ "cache_min_ttl = 2d", -1, "t.conf:3: cache_min_ttl: cache_min_ttl (172800s) is longer" },
	{ "cache_max_ttl = 1m", -1, "t.conf:3: cache_min_ttl" },
	{ "cache_min_ttl = 1h\ncache_max_ttl = 1h", 0, NULL },
	{ "header_name = X Mxvet", -1, "t.conf:3: header_name" },
	{ "header_name = X-Mxvet:", -1, "not a header name" },
	{ "header_name =", -1, "empty header name" },
	{ "detail_header_name = X-Mxvet-Détail", -1, "detail_header_name" },
	{ "pid_file = run/mxvetd.pid", -1, "not an absolute path" },
};

START_TEST(check_rows)
{
	char text[2048], err[1024] = "";
	struct config *cfg = config_new();
	FILE *f;
	int rc;

	snprintf(text, sizeof text, BASE "%s\n", rows[_i].conf);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(f = fmemopen(text, strlen(text), "r"));
	ck_assert_msg(config_load_stream(cfg, f, "t.conf", err, sizeof err) == 0, "%s", err);
	fclose(f);
	rc = config_check(cfg, CONFIG_CHECK_CLI, err, sizeof err);
	ck_assert_msg(rc == rows[_i].ok, "%s: rc %d: %s", rows[_i].conf, rc, err);
	if (rc < 0)
		ck_assert_msg(strstr(err, rows[_i].err), "%s: \"%s\" lacks \"%s\"",
			      rows[_i].conf, err, rows[_i].err);
	config_free(cfg);
}
END_TEST

/* The daemon's scope adds the user and the socket group. */
START_TEST(daemon_scope)
{
	static const char text[] = BASE "user = no-such-user-mxvet\n";
	char err[1024] = "";
	struct config *cfg = config_new();
	FILE *f = fmemopen((char *)text, strlen(text), "r");

	ck_assert_int_eq(config_load_stream(cfg, f, "d.conf", err, sizeof err), 0);
	fclose(f);
	ck_assert_int_eq(config_check(cfg, CONFIG_CHECK_CLI, err, sizeof err), 0);
	ck_assert_int_eq(config_check(cfg, CONFIG_CHECK_ALL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "d.conf:3: user: user no-such-user-mxvet does not exist"), "%s", err);
	ck_assert_int_eq(config_set(cfg, "user", "", err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "unix_socket_group", "no-such-group-mxvet", err,
				    sizeof err), 0);
	ck_assert_int_eq(config_check(cfg, CONFIG_CHECK_ALL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "group no-such-group-mxvet does not exist"), "%s", err);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_check");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, check_rows, 0, sizeof rows / sizeof rows[0]);
	tcase_add_test(tc, daemon_scope);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
