/* config_check: the mistakes a config can hold that no single key's type
 * and bounds reveal: action values, listen endpoints, files that must be
 * there (the trust anchor, the unbound config as libunbound reads it),
 * the user and group, min/max orderings, header names. One table of rows
 * (key, check) in config_check.c; mxvetd -n, every mxvetd start and
 * mxvet check run it before anything else, so a mistake stops the start
 * with exit 78 and names FILE:LINE instead of showing up per request. */
#ifndef MXVET_CONFIG_CHECK_H
#define MXVET_CONFIG_CHECK_H

#include <stddef.h>

struct config;

/* At most this many policy_listen endpoints. */
#define CONFIG_MAX_POLICY_LISTEN 16

enum config_check_scope {
	CONFIG_CHECK_ALL,		/* mxvetd: every row */
	CONFIG_CHECK_CLI,		/* mxvet check: not the daemon's user or socket group */
	CONFIG_CHECK_RELOAD,		/* a reload: the reloadable keys (the others keep
					 * the running values, checked at start) */
};

/* 0 if cfg passes every row of scope; otherwise -1 and the first mistake
 * in err as "FILE:LINE: key: what is wrong". */
int config_check(const struct config *cfg, enum config_check_scope scope, char *err,
		 size_t errlen);

/* The fail-open actions (timeout_action, error_action): 0 if s is one,
 * else -1 with the reason in why. */
int config_check_fail_open_action(const char *s, char *why, size_t whylen);

#endif
