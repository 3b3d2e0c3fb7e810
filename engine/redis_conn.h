/* redis_conn: one asynchronous Redis connection on the event loop
 * (hiredis 0.14 with its libevent adapter), kept alive and bounded in time.
 *
 * hiredis 0.14 has no timeouts and never reconnects, so both are here:
 * - every command has a deadline of redis_timeout. Replies come in order,
 *   so one timer at the oldest command's deadline covers them all. A
 *   command past it means Redis is slow or frozen: the connection is
 *   dropped (every pending command fails at once) and a new one made.
 * - a lost or failed connection is made again with backoff (from
 *   REDIS_BACKOFF_MIN_MS, doubling, up to REDIS_BACKOFF_MAX_MS) and jitter
 *   (a random 50-100% of the step), each time a fresh context. A new
 *   connection serves commands only once its AUTH, SELECT and PING came
 *   back, under the same deadline.
 * - an outage logs one warning when it starts and one line when it ends.
 *
 * redis_conn_cmd either refuses at once (-1: not connected; the caller
 * goes on without Redis) or calls fn exactly once, from the loop, never
 * inside redis_conn_cmd: with the reply, or with NULL when the command
 * failed, timed out or the connection went away. The reply lives until
 * fn returns. Loop thread only. */
#ifndef MXVET_REDIS_CONN_H
#define MXVET_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "engine/redis_url.h"

struct event_base;
struct redisReply;
struct redis_conn;

#define REDIS_BACKOFF_MIN_MS 250
#define REDIS_BACKOFF_MAX_MS 10000
#define REDIS_LAT_BUCKETS 10		/* latency histogram, see redis_lat_bounds_us */

extern const uint32_t redis_lat_bounds_us[REDIS_LAT_BUCKETS];

struct redis_conn_stats {
	uint64_t commands;		/* sent */
	uint64_t refused;		/* not sent: not connected */
	uint64_t errors;		/* failed: error reply, or dropped with the connection */
	uint64_t timeouts;		/* commands past redis_timeout */
	uint64_t connects;		/* connections made (AUTH and PING answered) */
	uint64_t connect_failures;
	uint64_t outages;		/* times it went down */
	uint64_t lat[REDIS_LAT_BUCKETS + 1];	/* replies by latency bucket */
	uint64_t lat_sum_us;
	time_t last_error;		/* wall clock of the last failure; 0: none */
	bool up;
};

typedef void (*redis_reply_fn)(void *arg, const struct redisReply *r);

/* Starts connecting at once (from the loop). NULL when out of memory. */
struct redis_conn *redis_conn_new(struct event_base *base, const struct redis_url *u,
				  long timeout_ms);
/* Pending commands get fn(NULL) first. Accepts NULL. */
void redis_conn_free(struct redis_conn *rc);
bool redis_conn_up(const struct redis_conn *rc);
const struct redis_conn_stats *redis_conn_stats(const struct redis_conn *rc);
/* argv/argvlen as redisAsyncCommandArgv (binary-safe, copied). */
int redis_conn_cmd(struct redis_conn *rc, redis_reply_fn fn, void *arg, int argc,
		   const char **argv, const size_t *argvlen);
/* The same for arguments that are C strings (argc <= 16). */
int redis_conn_cmd_str(struct redis_conn *rc, redis_reply_fn fn, void *arg, int argc,
		       const char **argv);
/* A redis_reply_fn for commands whose reply nobody needs. */
void redis_conn_ignore(void *arg, const struct redisReply *r);

/* At start-up, before the loop: a blocking connect, AUTH, SELECT and
 * PING within timeout_ms. 0: fine; 1: Redis cannot be reached (the
 * daemon goes on and keeps trying); -1: Redis answered but refused the
 * password or the database (a configuration mistake). err says why. */
int redis_conn_check(const struct redis_url *u, long timeout_ms, char *err, size_t errlen);

#endif
