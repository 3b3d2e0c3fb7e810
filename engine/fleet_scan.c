/* fleet_scan: read the fleet's history records (see fleet_scan.h). */
#include "engine/fleet_scan.h"
#include "engine/config.h"
#include "engine/redis_url.h"

#include <hiredis/hiredis.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_COUNT "500"

static int fail(redisContext *c, redisReply *r, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what,
		 r && r->type == REDIS_REPLY_ERROR ? r->str : c->err ? c->errstr : "no answer");
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return -1;
}

int fleet_history_scan(const struct config *cfg,
		       int (*cb)(void *arg, const char *domain, const struct history_rec *r),
		       void *arg, char *err, size_t errlen)
{
	struct timeval tv = { cfg->redis_timeout / 1000, (cfg->redis_timeout % 1000) * 1000 };
	char pattern[256], cursor[32] = "0";
	size_t plen;
	struct redis_url u;
	redisContext *c;
	redisReply *r;

	if (redis_url_parse(cfg->redis_url, &u, err, errlen) < 0)
		return -1;
	c = u.is_unix ? redisConnectUnixWithTimeout(u.path, tv)
		      : redisConnectWithTimeout(u.host, u.port, tv);
	if (!c || c->err) {
		snprintf(err, errlen, "cannot connect: %s", c ? c->errstr : "out of memory");
		redisFree(c);
		return -1;
	}
	redisSetTimeout(c, tv);
	if (u.password[0]) {
		r = redisCommand(c, "AUTH %s", u.password);
		if (!r || r->type == REDIS_REPLY_ERROR)
			return fail(c, r, err, errlen, "AUTH");
		freeReplyObject(r);
	}
	if (u.db) {
		r = redisCommand(c, "SELECT %d", u.db);
		if (!r || r->type == REDIS_REPLY_ERROR)
			return fail(c, r, err, errlen, "SELECT");
		freeReplyObject(r);
	}
	snprintf(pattern, sizeof pattern, "%sh:*", cfg->redis_prefix);
	plen = strlen(cfg->redis_prefix) + 2;
	do {
		r = redisCommand(c, "SCAN %s MATCH %s COUNT " SCAN_COUNT, cursor, pattern);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY)
			return fail(c, r, err, errlen, "SCAN");
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		redisReply *keys = r->element[1];
		for (size_t i = 0; i < keys->elements; i++) {
			const redisReply *k = keys->element[i];
			struct history_rec rec;
			if (k->type != REDIS_REPLY_STRING || (size_t)k->len <= plen)
				continue;
			redisReply *v = redisCommand(c, "GET %b", k->str, (size_t)k->len);
			if (!v)
				return fail(c, r, err, errlen, "GET");
			/* gone meanwhile (expired) or not a record: skipped */
			if (v->type == REDIS_REPLY_STRING &&
			    history_rec_decode(v->str, (size_t)v->len, &rec) == 0 &&
			    cb(arg, k->str + plen, &rec) != 0) {
				freeReplyObject(v);
				freeReplyObject(r);
				redisFree(c);
				return 0;
			}
			freeReplyObject(v);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	redisFree(c);
	return 0;
}
