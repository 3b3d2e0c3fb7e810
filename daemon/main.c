/* mxvetd: the daemon. Start-up in a fixed order (OpenSMTPD's): read the
 * config, bind the policy sockets, detach and write the pid file, drop to
 * `user`, and only then create the event base and the engine (libunbound
 * threads and the LMDB env must not cross a fork, and must not be
 * created as root). SIGHUP reloads the config, SIGTERM/SIGINT drain.
 *
 * `user` when started as root: it must exist (fatal at start-up, exit 78,
 * otherwise); `user =` empty keeps root, with a warning. Started as
 * another user, mxvetd stays that user.
 *
 * Reload (SIGHUP) applies every key the config table marks reloadable,
 * at once, whatever is in flight: each check holds the config it started
 * with until it ends (config.h), the engine and the front ends switch to
 * the new one. Keys marked for a restart (resolver, history, sockets,
 * user, pid_file) keep their running value, and the log names them. */
#include "admin_http.h"
#include "cache.h"
#include "config.h"
#include "decide.h"
#include "engine.h"
#include "log.h"
#include "milter.h"
#include "milter_bridge.h"
#include "policy_server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define EX_OK_ 0
#define EX_USAGE_ 64
#define EX_CONFIG_ 78
#define DRAIN_GRACE_S 5		/* after decision_timeout: checks still running */

struct daemon {
	struct event_base *base;
	const char *cfg_path;
	struct config *cfg;		/* the current one: a reference */
	struct engine *eng;
	struct decider *dec;
	struct policy_server *srv;
	struct admin_http *admin;
	struct milter_bridge *mb;	/* NULL without milter_listen */
	int milter_open;
	struct event *ev_hup, *ev_term, *ev_int, *ev_drain;
	struct timeval drain_deadline;
	int draining;
};

/* Free whatever start-up has built so far (sanitizer runs see no leaks on
 * the early exits) and return code. */
static int cleanup(struct daemon *dm, int code)
{
	if (dm->milter_open)
		milter_close();
	milter_bridge_free(dm->mb);
	admin_http_free(dm->admin);
	decider_free(dm->dec);
	engine_free(dm->eng);
	policy_server_free(dm->srv);
	if (dm->base)
		event_base_free(dm->base);
	config_free(dm->cfg);
	return code;
}

static void usage(void)
{
	fprintf(stderr, "usage: mxvetd [-f [-l syslog|stderr]] [-n] [-c FILE]\n");
	exit(EX_USAGE_);
}

/* The milter waits past decision_timeout, so that timeout_action, not
 * the milter's own fail-open, answers. */
static long milter_wait_s(const struct config *cfg)
{
	return cfg->decision_timeout + 2;
}

static void note_restart_key(void *arg, const char *key)
{
	(void)arg;
	log_warn("reload: %s changed: takes effect after a restart", key);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *dm = arg;
	struct config *n = config_new();
	char err[512];

	(void)sig;
	(void)what;
	if (!n || config_load(n, dm->cfg_path, err, sizeof err) < 0) {
		log_err("reload: %s; keeping the running configuration", n ? err : "out of memory");
		config_free(n);
		return;
	}
	if (config_keep_restart_keys(n, dm->cfg, note_restart_key, NULL) < 0) {
		log_err("reload: out of memory; keeping the running configuration");
		config_free(n);
		return;
	}
	/* never refused for being busy: checks in flight hold the old config
	 * until they end, and it goes with the last of them */
	if (dm->eng && engine_reconfigure(dm->eng, n, err, sizeof err) < 0)
		log_err("reload: %s", err);
	decider_reconfigure(dm->dec, dm->eng, n);
	log_set_level_name(n->log_level);
	if (dm->mb)
		milter_bridge_set_decider(dm->mb, dm->dec, n);
	if (dm->milter_open)
		milter_reconfigure(milter_wait_s(n), n->header_name, n->detail_header_name);
	policy_server_start(dm->srv, dm->base, dm->dec, n);
	config_free(dm->cfg);
	dm->cfg = n;
	log_info("reload: configuration %s applied; cache kept (%zu entries)", dm->cfg_path,
		 decider_cache_count(dm->dec));
}

/* The decider's later answers: the milter's go to the bridge. */
static void on_answer(void *arg, uint64_t conn_id, uint32_t seq, const char *answer,
		      size_t len)
{
	struct daemon *dm = arg;

	if (conn_id == MILTER_CONN_ID && dm->mb)
		milter_bridge_answer(dm->mb, seq, answer, len);
	else
		policy_server_answer(dm->srv, conn_id, seq, answer, len);
}

static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;
	struct timeval now;
	size_t pending = policy_server_pending(dm->srv);
	uint64_t inflight = dm->eng ? dm->eng->stats.checks_in_flight : 0;

	(void)fd;
	(void)what;
	event_base_gettimeofday_cached(dm->base, &now);
	if ((pending == 0 && inflight == 0) || evutil_timercmp(&now, &dm->drain_deadline, >)) {
		if (pending)
			log_warn("shutdown: %zu requests unanswered at the deadline", pending);
		event_base_loopbreak(dm->base);
	}
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *dm = arg;
	struct timeval tick = { 0, 100000 }, now;

	(void)what;
	if (dm->draining)
		return;
	dm->draining = 1;
	log_info("signal %d: draining (%zu requests waiting)", (int)sig,
		 policy_server_pending(dm->srv));
	policy_server_drain(dm->srv);
	admin_http_free(dm->admin);	/* a /v1/check in flight is dropped safely */
	dm->admin = NULL;
	event_base_gettimeofday_cached(dm->base, &now);
	dm->drain_deadline = now;
	dm->drain_deadline.tv_sec += dm->cfg->decision_timeout + DRAIN_GRACE_S;
	dm->ev_drain = event_new(dm->base, -1, EV_PERSIST, on_drain_tick, dm);
	if (!dm->ev_drain)
		event_base_loopbreak(dm->base);
	else
		event_add(dm->ev_drain, &tick);
}

static int drop_privileges(const struct config *cfg, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (!cfg->user || !*cfg->user) {
		log_warn("user is empty: staying root (not recommended)");
		return 0;
	}
	if (!(pw = getpwnam(cfg->user))) {
		snprintf(err, errlen, "user %s does not exist (create it, or set user = to "
			 "another unprivileged user)", cfg->user);
		return -1;
	}
	if (cfg->state_dir && *cfg->state_dir) {
		/* the history lives there and is written as the user */
		mkdir(cfg->state_dir, 0750);
		if (chown(cfg->state_dir, pw->pw_uid, pw->pw_gid) < 0)
			log_warn("state_dir=%s: chown: %s", cfg->state_dir, strerror(errno));
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot become user %s: %s", cfg->user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		snprintf(err, errlen, "privileges not dropped: setuid(0) still works");
		return -1;
	}
	return 0;
}

static int write_pid_file(const char *path, char *err, size_t errlen)
{
	FILE *f;

	if (!path || !*path)
		return 0;
	if (!(f = fopen(path, "w"))) {
		snprintf(err, errlen, "pid_file=%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	return 0;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct daemon dm;
	int fg = 0, check_only = 0, to_syslog = 1, opt, code;
	char err[512];

	memset(&dm, 0, sizeof dm);
	dm.cfg_path = SYSCONFDIR "/mxvet/mxvet.conf";
	while ((opt = getopt(argc, argv, "fnc:l:")) != -1) {
		switch (opt) {
		case 'f': fg = 1; break;
		case 'l':
			if (strcmp(optarg, "syslog") != 0 && strcmp(optarg, "stderr") != 0)
				usage();
			to_syslog = !strcmp(optarg, "syslog");
			break;
		case 'n': check_only = 1; break;
		case 'c': dm.cfg_path = optarg; break;
		default: usage();
		}
	}
	/* stderr is /dev/null once detached */
	if (optind != argc || (!to_syslog && !fg))
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (!(dm.cfg = config_new()) || config_load(dm.cfg, dm.cfg_path, err, sizeof err) < 0) {
		fprintf(stderr, "mxvetd: %s\n", dm.cfg ? err : "out of memory");
		return cleanup(&dm, EX_CONFIG_);
	}
	if (check_only)
		return cleanup(&dm, EX_OK_);
	log_open("mxvetd", to_syslog, LOG_MAIL);
	log_set_level_name(dm.cfg->log_level);
	raise_nofile();
	if (geteuid() == 0 && dm.cfg->user && *dm.cfg->user && !getpwnam(dm.cfg->user)) {
		log_err("user %s does not exist (create it, or set user = to another "
			"unprivileged user)", dm.cfg->user);
		if (to_syslog)
			fprintf(stderr, "mxvetd: user %s does not exist\n", dm.cfg->user);
		return cleanup(&dm, EX_CONFIG_);
	}
	if (!(dm.srv = policy_server_new(dm.cfg, err, sizeof err))) {
		log_err("%s", err);
		if (to_syslog)
			fprintf(stderr, "mxvetd: %s\n", err);
		return cleanup(&dm, 71);
	}
	if (dm.cfg->admin_listen && *dm.cfg->admin_listen &&
	    !(dm.admin = admin_http_new(dm.cfg->admin_listen, err, sizeof err))) {
		log_err("%s", err);
		if (to_syslog)
			fprintf(stderr, "mxvetd: %s\n", err);
		return cleanup(&dm, 71);
	}
	if (dm.cfg->milter_listen && *dm.cfg->milter_listen) {
		if (milter_open(dm.cfg->milter_listen, milter_wait_s(dm.cfg),
				dm.cfg->header_name, dm.cfg->detail_header_name, err,
				sizeof err) < 0) {
			log_err("%s", err);
			if (to_syslog)
				fprintf(stderr, "mxvetd: %s\n", err);
			return cleanup(&dm, 71);
		}
		dm.milter_open = 1;
	}
	if (!fg && daemon(0, 0) < 0) {
		log_err("daemon: %s", strerror(errno));
		return cleanup(&dm, 71);
	}
	if (!fg && write_pid_file(dm.cfg->pid_file, err, sizeof err) < 0)
		log_warn("%s", err);
	if (drop_privileges(dm.cfg, err, sizeof err) < 0) {
		log_err("%s", err);
		return cleanup(&dm, EX_CONFIG_);
	}
	evthread_use_pthreads();
	if (!(dm.base = event_base_new())) {
		log_err("cannot create the event base");
		return cleanup(&dm, 71);
	}
	dm.eng = engine_new(dm.base, dm.cfg, 0, err, sizeof err, &code);
	if (!dm.eng) {
		log_err("engine: %s", err);
		return cleanup(&dm, code ? code : 69);
	}
	if (!(dm.dec = decider_new(dm.eng, dm.cfg, on_answer, &dm))) {
		log_err("out of memory");
		return cleanup(&dm, 71);
	}
	if (dm.milter_open) {
		if (!(dm.mb = milter_bridge_new())) {
			log_err("out of memory");
			return cleanup(&dm, 71);
		}
		milter_bridge_set_decider(dm.mb, dm.dec, dm.cfg);
		if (milter_start(dm.base, milter_bridge_decide, dm.mb, err, sizeof err) < 0) {
			log_err("%s", err);
			return cleanup(&dm, 71);
		}
	}
	policy_server_start(dm.srv, dm.base, dm.dec, dm.cfg);
	if (dm.admin && admin_http_start(dm.admin, dm.base, dm.eng, dm.dec, dm.srv) < 0) {
		log_err("admin_listen: cannot serve");
		return cleanup(&dm, 71);
	}
	dm.ev_hup = evsignal_new(dm.base, SIGHUP, on_hup, &dm);
	dm.ev_term = evsignal_new(dm.base, SIGTERM, on_term, &dm);
	dm.ev_int = evsignal_new(dm.base, SIGINT, on_term, &dm);
	event_add(dm.ev_hup, NULL);
	event_add(dm.ev_term, NULL);
	event_add(dm.ev_int, NULL);
	log_info("started: config=%s policy_listen=%zu endpoint(s) milter_listen=%s "
		 "decision_timeout=%lds", dm.cfg_path, dm.cfg->policy_listen.n,
		 dm.milter_open ? dm.cfg->milter_listen : "none", dm.cfg->decision_timeout);
	event_base_dispatch(dm.base);

	log_info("stopped: %llu requests, %llu cache hits, %llu checks",
		 (unsigned long long)decider_stats(dm.dec)->requests,
		 (unsigned long long)decider_stats(dm.dec)->cache_hits,
		 (unsigned long long)decider_stats(dm.dec)->checks);
	if (!fg && dm.cfg->pid_file && *dm.cfg->pid_file)
		unlink(dm.cfg->pid_file);	/* may fail after the privilege drop */
	if (dm.milter_open)
		milter_close();	/* its sessions wait at most their timeout */
	milter_bridge_free(dm.mb);
	policy_server_free(dm.srv);
	if (dm.eng->stats.checks_in_flight == 0) {
		/* with checks still running the engine cannot be freed: exit */
		admin_http_free(dm.admin);
		engine_free(dm.eng);
		decider_free(dm.dec);
		event_free(dm.ev_hup);
		event_free(dm.ev_term);
		event_free(dm.ev_int);
		if (dm.ev_drain)
			event_free(dm.ev_drain);
		event_base_free(dm.base);
		config_free(dm.cfg);
	}
	return EX_OK_;
}
