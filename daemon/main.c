/* mxvetd: the daemon. Start-up in a fixed order (OpenSMTPD's): read and
 * check the config (config_check: exit 78 naming FILE:LINE), detach, bind
 * the sockets, write the pid file, drop to `user`, and only then create
 * the event base and the engine (libunbound threads and the LMDB env must
 * not cross a fork, and must not be created as root). Ready (sd_notify
 * READY=1; a detached start's parent exits 0) only once all of that
 * worked; a detached start that fails exits with the child's code.
 * SIGHUP reloads the config, SIGTERM/SIGINT drain.
 *
 * `user` must exist (exit 78); started as root, mxvetd becomes it; `user =`
 * empty keeps root, with a warning. Started as another user, mxvetd stays
 * that user.
 *
 * Reload (SIGHUP) applies every key the config table marks reloadable,
 * at once, whatever is in flight: each check holds the config it started
 * with until it ends (config.h), the engine and the front ends switch to
 * the new one. Keys marked for a restart (resolver, history, sockets,
 * user, pid_file) keep their running value, and the log names them. */
#include "autoconfig.h"
#include "daemon/admin_http.h"
#include "daemon/cache.h"
#include "engine/config.h"
#include "engine/config_check.h"
#include "daemon/decide.h"
#include "checks/registry.h"
#include "engine/engine.h"
#include "engine/fleet.h"
#include "lib/exit_codes.h"
#include "lib/log.h"
#include "daemon/milter.h"
#include "daemon/milter_bridge.h"
#include "daemon/policy_server.h"
#include "lib/privdrop.h"
#include "daemon/sockperm.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <event2/event.h>
#include <event2/thread.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

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
	struct event *ev_usr1;
	struct timeval drain_deadline;
	int draining;
	int ready_fd;		/* detached: the pipe to the waiting parent; else -1 */
	int log_syslog;		/* else the log is stderr already */
	int pid_written;	/* a failed start removes its pid file */
};

/* A start-up failure: logged, and on stderr for whoever started mxvetd
 * (a detached child keeps the terminal's stderr until it is ready). */
static void startup_error(const struct daemon *dm, const char *msg)
{
	log_err("%s", msg);
	if (dm->log_syslog)
		fprintf(stderr, "mxvetd: %s\n", msg);
}

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

static void usage(FILE *out)
{
	fprintf(out, "usage: mxvetd [-f [-l syslog|stderr]] [-n] [-c FILE] | -V | -h\n");
	if (out == stdout)
		fprintf(out, "  -f         stay in the foreground (for systemd and tests)\n"
			     "  -l WHERE   log to syslog (default) or stderr (with -f)\n"
			     "  -n         check the configuration and exit (78 if bad)\n"
			     "  -c FILE    the configuration (default %s/mxvet/mxvet.conf)\n"
			     "  -V         print the version and exit\n"
			     "  -h         print this help and exit\n"
			     "Signals: HUP reloads, TERM drains and stops, USR1 reopens risk_log.\n"
			     "See mxvetd(8) and mxvet.conf(5).\n", SYSCONFDIR);
	exit(out == stdout ? EX_OK_ : EX_USAGE_);
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
	sd_notify(0, "RELOADING=1");
	if (!n || config_load(n, dm->cfg_path, err, sizeof err) < 0 ||
	    config_check(n, CONFIG_CHECK_RELOAD, err, sizeof err) < 0) {
		log_err("reload: %s; keeping the running configuration", n ? err : "out of memory");
		config_free(n);
		sd_notify(0, "READY=1");
		return;
	}
	if (config_keep_restart_keys(n, dm->cfg, note_restart_key, NULL) < 0) {
		log_err("reload: out of memory; keeping the running configuration");
		config_free(n);
		sd_notify(0, "READY=1");
		return;
	}
	/* never refused for being busy: checks in flight hold the old config
	 * until they end, and it goes with the last of them */
	if (dm->eng && engine_reconfigure(dm->eng, n, err, sizeof err) < 0)
		log_err("reload: %s", err);
	decider_reconfigure(dm->dec, dm->eng, n);
	log_set_level_name(n->log_level);
	if (dm->mb)
		milter_bridge_set_decider(dm->mb, dm->dec);
	if (dm->milter_open)
		milter_reconfigure(milter_wait_s(n), n->header_name, n->detail_header_name);
	policy_server_start(dm->srv, dm->base, dm->dec, n);
	config_free(dm->cfg);
	dm->cfg = n;
	log_info("reload: configuration %s applied; cache kept (%zu entries)", dm->cfg_path,
		 decider_cache_count(dm->dec));
	sd_notify(0, "READY=1");
}

/* SIGUSR1: reopen risk_log (logrotate moved it away). */
static void on_usr1(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *dm = arg;

	(void)sig;
	(void)what;
	decider_reopen_logs(dm->dec);
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
	sd_notify(0, "STOPPING=1");
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

/* The unprivileged user, or NULL to stay who we are (not root, or user
 * empty: config_check has made sure a named user exists). */
static const struct passwd *target_user(const struct config *cfg)
{
	if (geteuid() != 0 || !*cfg->user)
		return NULL;
	return getpwnam(cfg->user);
}

static int drop_privileges(const struct config *cfg, char *err, size_t errlen)
{
	if (geteuid() != 0)
		return 0;
	if (!*cfg->user) {
		log_warn("user is empty: staying root (not recommended)");
		return 0;
	}
	return privdrop_become(cfg->user, cfg->state_dir, err, errlen);
}

/* The pid file, written as root before the drop. Never through a symlink
 * or into a file with other names (the directory may belong to the user,
 * who must not aim root's write elsewhere). A missing directory is made
 * and given to the user, so that the pid file can be removed at exit. */
static int write_pid_file(const struct config *cfg, char *err, size_t errlen)
{
	const char *path = cfg->pid_file;
	const struct passwd *pw = target_user(cfg);
	char dir[4096];
	char *slash;
	struct stat st;
	int fd;

	if (!*path)
		return 0;
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == 0 && pw && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
			log_warn("pid_file=%s: chown %s: %s", path, dir, strerror(errno));
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "pid_file=%s: %s", path,
			 errno == ELOOP ? "is a symbolic link; not followed" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(err, errlen, "pid_file=%s: not a plain file of its own; not written", path);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) < 0 || dprintf(fd, "%ld\n", (long)getpid()) < 0) {
		snprintf(err, errlen, "pid_file=%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Detach: fork, and let the parent wait for the child's word: one byte
 * when it is ready (exit 0), or the end of the pipe when it died (exit
 * with the child's code). Returns in the child: the pipe's write end, or
 * -1 with errno. */
static int detach(void)
{
	int pfd[2], st;
	pid_t pid;
	ssize_t n;
	char c;

	if (pipe2(pfd, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		close(pfd[1]);
		do
			n = read(pfd[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(EX_OK_);
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				_exit(EX_OSERR_);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : EX_OSERR_);
	}
	close(pfd[0]);
	if (setsid() < 0 || chdir("/") < 0)
		return -1;
	return pfd[1];
}

/* Serving: tell systemd (Type=notify) and a waiting parent. */
static void announce_ready(struct daemon *dm)
{
	sd_notify(0, "READY=1");
	if (dm->ready_fd < 0)
		return;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(dm->ready_fd, "R", 1) != 1)
		log_warn("cannot tell the parent that the start worked");
	close(dm->ready_fd);
	dm->ready_fd = -1;
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
	struct sock_perm perm;
	int fg = 0, check_only = 0, to_syslog = 1, opt, code;
	char err[1024];
	char *cfg_real = NULL;

	memset(&dm, 0, sizeof dm);
	dm.ready_fd = -1;
	dm.cfg_path = SYSCONFDIR "/mxvet/mxvet.conf";
	while ((opt = getopt(argc, argv, "fnc:l:Vh")) != -1) {
		switch (opt) {
		case 'f': fg = 1; break;
		case 'V':
			printf("mxvetd %s\n", PACKAGE_VERSION);
			return EX_OK_;
		case 'h': usage(stdout); break;
		case 'l':
			if (strcmp(optarg, "syslog") != 0 && strcmp(optarg, "stderr") != 0)
				usage(stderr);
			to_syslog = !strcmp(optarg, "syslog");
			break;
		case 'n': check_only = 1; break;
		case 'c': dm.cfg_path = optarg; break;
		default: usage(stderr);
		}
	}
	/* stderr is /dev/null once detached */
	if (optind != argc || (!to_syslog && !fg))
		usage(stderr);
	signal(SIGPIPE, SIG_IGN);
	if (!(dm.cfg = config_new()) || config_load(dm.cfg, dm.cfg_path, err, sizeof err) < 0) {
		fprintf(stderr, "mxvetd: %s\n", dm.cfg ? err : "out of memory");
		return cleanup(&dm, EX_CONFIG_);
	}
	if (config_check(dm.cfg, CONFIG_CHECK_ALL, err, sizeof err) < 0) {
		fprintf(stderr, "mxvetd: %s\n", err);
		return cleanup(&dm, EX_CONFIG_);
	}
	if (check_only)
		return cleanup(&dm, EX_OK_);
	/* a reload reads the same file after the chdir("/") of detaching */
	if ((cfg_real = realpath(dm.cfg_path, NULL)))
		dm.cfg_path = cfg_real;
	log_open("mxvetd", to_syslog, LOG_MAIL);
	log_set_level_name(dm.cfg->log_level);
	dm.log_syslog = to_syslog;
	raise_nofile();
	if (!fg && (dm.ready_fd = detach()) < 0) {
		log_err("detach: %s", strerror(errno));
		free(cfg_real);
		return cleanup(&dm, EX_OSERR_);
	}
	if (sock_perm_from_config(dm.cfg, &perm, err, sizeof err) < 0) {
		startup_error(&dm, err);
		code = EX_CONFIG_;
		goto fail;
	}
	if (!(dm.srv = policy_server_new(dm.cfg, err, sizeof err))) {
		startup_error(&dm, err);
		code = EX_OSERR_;
		goto fail;
	}
	if (*dm.cfg->admin_listen && !(dm.admin = admin_http_new(dm.cfg->admin_listen, &perm,
								  err, sizeof err))) {
		startup_error(&dm, err);
		code = EX_OSERR_;
		goto fail;
	}
	if (*dm.cfg->milter_listen) {
		if (milter_open(dm.cfg->milter_listen, milter_wait_s(dm.cfg),
				dm.cfg->header_name, dm.cfg->detail_header_name, &perm, err,
				sizeof err) < 0) {
			startup_error(&dm, err);
			code = EX_OSERR_;
			goto fail;
		}
		dm.milter_open = 1;
	}
	if (!fg && write_pid_file(dm.cfg, err, sizeof err) < 0) {
		startup_error(&dm, err);
		code = EX_CANTCREAT_;
		goto fail;
	}
	dm.pid_written = !fg && *dm.cfg->pid_file;
	if (drop_privileges(dm.cfg, err, sizeof err) < 0) {
		startup_error(&dm, err);
		code = EX_CONFIG_;
		goto fail;
	}
	evthread_use_pthreads();
	if (!(dm.base = event_base_new())) {
		startup_error(&dm, "cannot create the event base");
		code = EX_OSERR_;
		goto fail;
	}
	dm.eng = engine_new(dm.base, dm.cfg, &checks_detector, ENGINE_WARN_NO_HISTORY, err, sizeof err);
	if (!dm.eng) {
		char msg[1100];
		snprintf(msg, sizeof msg, "engine: %s", err);
		startup_error(&dm, msg);
		code = EX_UNAVAIL_;
		goto fail;
	}
	/* a password Redis refuses is a config mistake (78); an unreachable
	 * Redis only a warning */
	if (!(dm.eng->fleet = fleet_new(dm.eng, err, sizeof err, &code)) && code) {
		startup_error(&dm, err);
		goto fail;
	}
	if (!(dm.dec = decider_new(dm.eng, dm.cfg))) {
		startup_error(&dm, "out of memory");
		code = EX_OSERR_;
		goto fail;
	}
	if (dm.milter_open) {
		if (!(dm.mb = milter_bridge_new())) {
			startup_error(&dm, "out of memory");
			code = EX_OSERR_;
			goto fail;
		}
		milter_bridge_set_decider(dm.mb, dm.dec);
		if (milter_start(dm.base, milter_bridge_decide, dm.mb, err, sizeof err) < 0) {
			startup_error(&dm, err);
			code = EX_OSERR_;
			goto fail;
		}
	}
	policy_server_start(dm.srv, dm.base, dm.dec, dm.cfg);
	if (dm.admin && admin_http_start(dm.admin, dm.base, dm.eng, dm.dec, dm.srv) < 0) {
		startup_error(&dm, "admin_listen: cannot serve");
		code = EX_OSERR_;
		goto fail;
	}
	dm.ev_hup = evsignal_new(dm.base, SIGHUP, on_hup, &dm);
	dm.ev_term = evsignal_new(dm.base, SIGTERM, on_term, &dm);
	dm.ev_int = evsignal_new(dm.base, SIGINT, on_term, &dm);
	event_add(dm.ev_hup, NULL);
	event_add(dm.ev_term, NULL);
	event_add(dm.ev_int, NULL);
	dm.ev_usr1 = evsignal_new(dm.base, SIGUSR1, on_usr1, &dm);
	event_add(dm.ev_usr1, NULL);
	log_info("started: config=%s policy_listen=%zu endpoint(s) milter_listen=%s "
		 "decision_timeout=%lds", dm.cfg_path, dm.cfg->policy_listen.n,
		 dm.milter_open ? dm.cfg->milter_listen : "none", dm.cfg->decision_timeout);
	announce_ready(&dm);
	event_base_dispatch(dm.base);

	log_info("stopped: %llu requests, %llu cache hits, %llu checks",
		 (unsigned long long)decider_stats(dm.dec)->requests,
		 (unsigned long long)decider_stats(dm.dec)->cache_hits,
		 (unsigned long long)decider_stats(dm.dec)->checks);
	if (!fg && *dm.cfg->pid_file && unlink(dm.cfg->pid_file) < 0)
		log_warn("pid_file=%s: cannot remove it: %s", dm.cfg->pid_file, strerror(errno));
	code = dm.milter_open && milter_failed() ? EX_SOFTWARE_ : EX_OK_;
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
		event_free(dm.ev_usr1);
		if (dm.ev_drain)
			event_free(dm.ev_drain);
		event_base_free(dm.base);
		config_free(dm.cfg);
	}
	free(cfg_real);
	return code;
fail:
	if (dm.pid_written)
		unlink(dm.cfg->pid_file);
	free(cfg_real);
	return cleanup(&dm, code);
}
