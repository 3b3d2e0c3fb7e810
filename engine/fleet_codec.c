/* fleet_codec: values in Redis and the history merge (see fleet_codec.h). */
#include "engine/fleet_codec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal field ending at '|' (or at end when last); advances *p. */
static int field_num(const char **p, const char *end, long long min, long long max,
		     long long *out)
{
	char buf[24];
	const char *bar = memchr(*p, '|', (size_t)(end - *p));
	size_t n = (size_t)((bar ? bar : end) - *p);
	char *e;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtoll(buf, &e, 10);
	if (*e || errno || *out < min || *out > max)
		return -1;
	*p = bar ? bar + 1 : end;
	return 0;
}

static int field_text(const char **p, const char *end, char *out, size_t cap)
{
	size_t n = (size_t)(end - *p);

	if (n >= cap)
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	/* a value is stored as written; a NUL or line break in it is garbage */
	if (strlen(out) != n || strpbrk(out, "\r\n"))
		return -1;
	*p = end;
	return 0;
}

size_t fleet_verdict_encode(const struct fleet_verdict *v, char *buf)
{
	int n = snprintf(buf, FLEET_VALUE_MAX, "1|%d|%d|%lu|%lld|", (int)v->verdict,
			 v->temporary ? 1 : 0, (unsigned long)v->ttl, (long long)v->expires);
	for (size_t i = 0; i < v->ncodes && n > 0 && n < FLEET_VALUE_MAX; i++)
		n += snprintf(buf + n, (size_t)(FLEET_VALUE_MAX - n), "%s%s:%d", i ? "," : "",
			      finding_info(v->codes[i])->name, (int)v->actions[i]);
	if (n > 0 && n < FLEET_VALUE_MAX)
		n += snprintf(buf + n, (size_t)(FLEET_VALUE_MAX - n), "|%s", v->reply);
	return n > 0 && n < FLEET_VALUE_MAX ? (size_t)n : 0;
}

static int decode_codes(const char **p, const char *end, struct fleet_verdict *v)
{
	const char *bar = memchr(*p, '|', (size_t)(end - *p));
	const char *q = *p;

	if (!bar)
		return -1;
	while (q < bar) {
		char name[64];
		const char *comma = memchr(q, ',', (size_t)(bar - q));
		const char *stop = comma ? comma : bar;
		const char *colon = memchr(q, ':', (size_t)(stop - q));
		int code;

		if (!colon || (size_t)(colon - q) >= sizeof name || stop - colon != 2 ||
		    colon[1] < '0' || colon[1] > '3' || v->ncodes >= FLEET_MAX_CODES)
			return -1;
		memcpy(name, q, (size_t)(colon - q));
		name[colon - q] = '\0';
		if ((code = finding_code_by_name(name)) < 0)
			return -1;
		v->codes[v->ncodes] = (enum finding_code)code;
		v->actions[v->ncodes++] = (enum action)(colon[1] - '0');
		q = comma ? comma + 1 : bar;
	}
	*p = bar + 1;
	return 0;
}

int fleet_verdict_decode(const char *s, size_t len, time_t now, struct fleet_verdict *v)
{
	const char *p = s, *end = s + len;
	long long verdict, temp, ttl, expires;

	memset(v, 0, sizeof *v);
	if (len < 2 || memcmp(s, "1|", 2) != 0)
		return -1;
	p += 2;
	if (field_num(&p, end, ACT_IGNORE, ACT_REJECT, &verdict) < 0 ||
	    field_num(&p, end, 0, 1, &temp) < 0 || field_num(&p, end, 0, UINT32_MAX, &ttl) < 0 ||
	    field_num(&p, end, 0, (long long)1 << 40, &expires) < 0 ||
	    decode_codes(&p, end, v) < 0 || field_text(&p, end, v->reply, sizeof v->reply) < 0)
		goto bad;
	if ((time_t)expires <= now)
		goto bad;
	v->verdict = (enum action)verdict;
	v->temporary = temp != 0;
	v->ttl = (uint32_t)ttl;
	v->expires = (time_t)expires;
	/* a reject or defer without its reply text cannot be answered */
	if ((v->verdict == ACT_REJECT || v->verdict == ACT_DEFER) && !v->reply[0])
		goto bad;
	return 0;
bad:
	memset(v, 0, sizeof *v);
	return -1;
}

size_t fleet_probe_encode(const struct smtp_result *r, time_t expires, char *buf)
{
	int n = snprintf(buf, FLEET_VALUE_MAX, "1|%d|%d|%d|%ld|%lld|%.*s", (int)r->status,
			 r->code, r->connected ? 1 : 0, r->elapsed_ms, (long long)expires,
			 FLEET_REPLY_MAX - 1, r->banner ? r->banner : "");
	return n > 0 && n < FLEET_VALUE_MAX ? (size_t)n : 0;
}

int fleet_probe_decode(const char *s, size_t len, time_t now, struct smtp_result *r,
		       char *banner, time_t *expires)
{
	const char *p = s, *end = s + len;
	long long st, code, conn, el, exp;

	memset(r, 0, sizeof *r);
	if (len < 2 || memcmp(s, "1|", 2) != 0)
		return -1;
	p += 2;
	if (field_num(&p, end, SMTP_ST_NONE + 1, SMTP_ST_ERROR, &st) < 0 ||
	    field_num(&p, end, 0, 999, &code) < 0 || field_num(&p, end, 0, 1, &conn) < 0 ||
	    field_num(&p, end, 0, 3600L * 1000, &el) < 0 ||
	    field_num(&p, end, 0, (long long)1 << 40, &exp) < 0 ||
	    field_text(&p, end, banner, FLEET_REPLY_MAX) < 0 || (time_t)exp <= now ||
	    st == SMTP_ST_SKIPPED)
		return -1;
	r->status = (enum smtp_status)st;
	r->code = (int)code;
	r->connected = conn != 0;
	r->elapsed_ms = (long)el;
	r->banner = banner[0] ? banner : NULL;
	*expires = (time_t)exp;
	return 0;
}

static time_t tmax(time_t a, time_t b) { return a > b ? a : b; }

static time_t tmin_set(time_t a, time_t b)
{
	if (!a || !b)
		return a ? a : b;
	return a < b ? a : b;
}

void fleet_history_merge(struct history_rec *mine, const struct history_rec *theirs)
{
	struct history_rec out = theirs->last_seen > mine->last_seen ? *theirs : *mine;
	const struct history_rec *other = theirs->last_seen > mine->last_seen ? mine : theirs;

	out.first_seen = tmin_set(mine->first_seen, theirs->first_seen);
	out.last_failure = tmax(mine->last_failure, theirs->last_failure);
	out.last_success = tmax(mine->last_success, theirs->last_success);
	out.checks = mine->checks > theirs->checks ? mine->checks : theirs->checks;
	out.risk_count = mine->risk_count > theirs->risk_count ? mine->risk_count
							       : theirs->risk_count;
	if (out.first_failure && other->last_success > out.first_failure) {
		/* the other host saw the domain take mail during this streak */
		out.first_failure = out.last_failure > other->last_success ? out.last_failure : 0;
		out.failures = out.first_failure ? 1 : 0;
		out.failing_for = 0;
	}
	*mine = out;
}
