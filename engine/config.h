/* config: mxvet.conf, in Postfix main.cf style ("key = value", '#'
 * comments, continuation lines start with white space).
 * Every parameter is one row of the table in config.c (name, type, default,
 * bounds, help); on_<CODE> keys come from the finding table. A config is
 * built by config_new() with all defaults, then config_load() applies a
 * file. Errors name the file and line.
 *
 * Lifetime: a config is reference counted. config_new() returns it with
 * one reference; whoever keeps the pointer past the current call (the
 * daemon, the engine, each check for its whole run) takes its own with
 * config_ref() and drops it with config_free(); the last one frees it.
 * A reload builds a new config and swaps it in; a check in flight goes on
 * reading the one it started with. Loop thread only (not atomic). */
#ifndef MXVET_CONFIG_H
#define MXVET_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "engine/findings.h"
#include "lib/netaddr.h"
#include "lib/strlist.h"

struct config {
	int refs;			/* config_ref / config_free */
	/* resolution */
	char *unbound_config;
	char *trust_anchor_file;
	long dns_timeout;		/* seconds, like every duration */
	long mx_max_hosts;
	struct strlist checks;		/* dns, authority, smtp */
	struct cidr_list mx_allowed_networks;
	char *mx_providers_file;
	/* authority */
	long authority_timeout;
	long authority_repeat;
	long authority_max_servers;
	/* smtp */
	long smtp_port;
	long smtp_connect_timeout;
	long smtp_banner_timeout;
	long smtp_probe_ttl;
	long smtp_max_concurrent;
	long smtp_blind_after;
	long smtp_max_per_network;
	/* state */
	char *state_dir;
	long dead_after;
	char *risk_log;
	long history_max_entries;
	long history_max_age;
	long history_max_size;		/* MiB */
	/* daemon */
	struct strlist policy_listen;
	char *milter_listen;
	char *admin_listen;
	struct cidr_list policy_allow;
	char *user;
	char *pid_file;
	long decision_timeout;
	char *timeout_action;
	char *error_action;
	struct strlist skip_domains;
	bool log_accepts;
	char *header_name;
	char *detail_header_name;
	char *log_level;		/* err, warn, info, debug (mxvetd) */
	long cache_min_ttl;
	long cache_max_ttl;
	long cache_temp_ttl;
	long cache_max_entries;
	long policy_idle_timeout;
	long max_checks_in_flight;
	char *redis_url;
	char *unix_socket_group;	/* empty: the group of user */
	long unix_socket_mode;		/* permission bits */
	/* verdict policy: on_<code>, -1 = use the class default */
	int action_override[F__COUNT];
	/* where each parameter was set, for messages (config_where()) */
	char *src_path;			/* the file loaded last; NULL: none */
	int *src_line;			/* per table row; 0: not set in the file */
};

struct config *config_new(void);		/* defaults; NULL on OOM */
/* Take a reference; returns cfg. */
const struct config *config_ref(const struct config *cfg);
/* Drop a reference (accepts NULL); the last one frees the config. */
void config_free(const struct config *cfg);
/* Apply a file. Returns 0, or -1 with a message "FILE:LINE: ..." in err. */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
/* The same from an open stream; path only names it in messages. */
int config_load_stream(struct config *cfg, FILE *f, const char *path, char *err,
		       size_t errlen);
/* Set one parameter by name from its textual value (as in the file). */
int config_set(struct config *cfg, const char *key, const char *value,
	       char *err, size_t errlen);
bool config_check_enabled(const struct config *cfg, const char *name);
/* "FILE:LINE" where key was set, or "FILE (key: default)"; into buf. */
const char *config_where(const struct config *cfg, const char *key, char *buf, size_t len);
/* May a reload change key (false: it takes effect at a restart)? Every
 * on_<CODE> is reloadable. */
bool config_reloadable(const char *key);
/* A reload: give next the running values of the keys that only take effect
 * at a restart, so that next describes what actually runs; changed (may
 * be NULL) hears of each such key whose value differed. Returns how many
 * differed, or -1 when out of memory. */
int config_keep_restart_keys(struct config *next, const struct config *running,
			     void (*changed)(void *arg, const char *key), void *arg);
/* Print every parameter with its current value ("mxvet -n" style). */
void config_dump(const struct config *cfg, FILE *out, bool with_help);

/* Parse a Postfix-style duration ("30s", "5m", "2h", "5d", "1w", "10");
 * returns 0 and seconds in *out, or -1. */
int config_parse_duration(const char *s, long *out);

#endif
