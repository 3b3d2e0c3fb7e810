/* maillog: Postfix log lines into records (see maillog.h). A cursor walks
 * the line; every step checks the bytes left, so any input is safe. */
#include "engine/maillog.h"

#include <ctype.h>
#include <string.h>

struct cur {
	const char *p, *end;
};

static bool at(const struct cur *c, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(c->end - c->p) >= n && memcmp(c->p, lit, n) == 0;
}

static bool eat(struct cur *c, const char *lit)
{
	if (!at(c, lit))
		return false;
	c->p += strlen(lit);
	return true;
}

/* n decimal digits into *v */
static bool digits(struct cur *c, int n, int *v)
{
	int x = 0;

	if (c->end - c->p < n)
		return false;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)c->p[i]))
			return false;
		x = x * 10 + (c->p[i] - '0');
	}
	c->p += n;
	*v = x;
	return true;
}

static void skip_frac(struct cur *c)
{
	if (c->p < c->end && (*c->p == '.' || *c->p == ','))
		for (c->p++; c->p < c->end && isdigit((unsigned char)*c->p); c->p++)
			;
}

/* copy [b, e) into dst (cut to fit); true if it was cut */
static bool copy(char *dst, size_t cap, const char *b, const char *e)
{
	size_t n = (size_t)(e - b);
	bool cut = n >= cap;

	if (cut)
		n = cap - 1;
	memcpy(dst, b, n);
	dst[n] = '\0';
	return cut;
}

static const char *find(const char *b, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	for (const char *p = b; p && (size_t)(e - p) >= n; p++) {
		p = memchr(p, lit[0], (size_t)(e - p));
		if (!p || (size_t)(e - p) < n)
			return NULL;
		if (memcmp(p, lit, n) == 0)
			return p;
	}
	return NULL;
}

void maillog_clock_init(struct maillog_clock *clk, time_t now)
{
	struct tm tm;

	memset(clk, 0, sizeof *clk);
	clk->now = now;
	clk->year = localtime_r(&now, &tm) ? tm.tm_year + 1900 : 1970;
	clk->cache_mon = clk->cache_mday = -1;
}

static time_t classic_midnight(struct maillog_clock *clk, int mon, int mday)
{
	struct tm tm;

	if (mon == clk->cache_mon && mday == clk->cache_mday)
		return clk->cache_midnight;
	for (int back = 0; back < 2; back++) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = clk->year - back - 1900;
		tm.tm_mon = mon;
		tm.tm_mday = mday;
		tm.tm_isdst = -1;
		clk->cache_midnight = mktime(&tm);
		/* a stamp well ahead of now is from last year (a log read in January) */
		if (clk->cache_midnight <= clk->now + 86400)
			break;
	}
	clk->cache_mon = mon;
	clk->cache_mday = mday;
	return clk->cache_midnight;
}

/* "Mmm dd hh:mm:ss[.frac] " (day space-padded or zero-padded) */
static bool stamp_classic(struct cur *c, struct maillog_clock *clk, time_t *when)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct cur s = *c;
	int mon = -1, mday, h, m, sec;

	if (s.end - s.p < 16)
		return false;
	for (int i = 0; i < 12; i++)
		if (memcmp(s.p, months + 3 * i, 3) == 0)
			mon = i;
	if (mon < 0 || s.p[3] != ' ')
		return false;
	s.p += 4;
	if (*s.p == ' ')
		s.p++;
	if (!digits(&s, s.p + 1 < s.end && isdigit((unsigned char)s.p[1]) ? 2 : 1, &mday) ||
	    !eat(&s, " ") || !digits(&s, 2, &h) || !eat(&s, ":") || !digits(&s, 2, &m) ||
	    !eat(&s, ":") || !digits(&s, 2, &sec))
		return false;
	skip_frac(&s);
	if (!eat(&s, " ") || mday < 1 || mday > 31 || h > 23 || m > 59 || sec > 60)
		return false;
	*when = classic_midnight(clk, mon, mday) + h * 3600 + m * 60 + sec;
	*c = s;
	return true;
}

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|+hhmm) " */
static bool stamp_iso(struct cur *c, time_t *when)
{
	struct cur s = *c;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;

	if (!digits(&s, 4, &y) || !eat(&s, "-") || !digits(&s, 2, &mo) || !eat(&s, "-") ||
	    !digits(&s, 2, &d) || !(eat(&s, "T") || eat(&s, " ")) || !digits(&s, 2, &h) ||
	    !eat(&s, ":") || !digits(&s, 2, &mi) || !eat(&s, ":") || !digits(&s, 2, &sec))
		return false;
	skip_frac(&s);
	if (eat(&s, "Z")) {
		/* UTC */
	} else if (s.p < s.end && (*s.p == '+' || *s.p == '-')) {
		sign = *s.p++ == '-' ? -1 : 1;
		if (!digits(&s, 2, &oh))
			return false;
		eat(&s, ":");
		if (!digits(&s, 2, &om))
			return false;
	}
	if (!eat(&s, " ") || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	*when = (time_t)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
		sign * (oh * 3600 + om * 60);
	*c = s;
	return true;
}

/* "host prog[pid]: " or "host prog: " after a stamp */
static bool host_prog(struct cur *c, struct maillog_rec *out)
{
	const char *sp = memchr(c->p, ' ', (size_t)(c->end - c->p));
	const char *colon, *pe;

	if (!sp)
		return false;
	colon = find(sp + 1, c->end, ": ");
	if (!colon)
		return false;
	pe = colon;
	if (pe > sp + 1 && pe[-1] == ']') {
		const char *lb = pe;
		while (lb > sp + 1 && *lb != '[')
			lb--;
		if (*lb == '[')
			pe = lb;
	}
	if (pe == sp + 1 || memchr(sp + 1, ' ', (size_t)(pe - sp - 1)))
		return false;
	out->truncated |= copy(out->program, sizeof out->program, sp + 1, pe);
	c->p = colon + 2;
	return true;
}

/* A queue id: short (hex) or long (base 52 with a 'z'), then ": ". */
static bool queue_id(struct cur *c, struct maillog_rec *out)
{
	const char *p = c->p;

	while (p < c->end && isalnum((unsigned char)*p) && p - c->p < MAILLOG_QID_MAX - 1)
		p++;
	if (p - c->p < 5 || c->end - p < 2 || p[0] != ':' || p[1] != ' ')
		return false;
	copy(out->qid, sizeof out->qid, c->p, p);
	c->p = p + 2;
	return true;
}

/* "<ADDR>" then the recipient's domain; the address ends at ">" followed by
 * "," or " " or the end (a quoted local part may hold '>') */
static bool angle_addr(struct cur *c, char *dst, size_t cap, bool *cut)
{
	const char *p;

	if (!eat(c, "<"))
		return false;
	for (p = c->p; p < c->end; p++)
		if (*p == '>' && (p + 1 == c->end || p[1] == ',' || p[1] == ' ' || p[1] == ';'))
			break;
	if (p == c->end)
		return false;
	*cut |= copy(dst, cap, c->p, p);
	c->p = p + 1;
	return true;
}

static void rcpt_domain(struct maillog_rec *out)
{
	const char *at_ = strrchr(out->rcpt, '@');
	size_t n;

	out->domain[0] = '\0';
	if (!at_)
		return;
	copy(out->domain, sizeof out->domain, at_ + 1, at_ + 1 + strlen(at_ + 1));
	for (char *d = out->domain; *d; d++)
		*d = (char)tolower((unsigned char)*d);
	n = strlen(out->domain);
	if (n > 1 && out->domain[n - 1] == '.')
		out->domain[n - 1] = '\0';
}

static enum maillog_status status_word(const char *b, const char *e, bool *verify)
{
	static const struct { const char *w; enum maillog_status s; } words[] = {
		{ "sent", MLS_SENT }, { "deferred", MLS_DEFERRED }, { "bounced", MLS_BOUNCED },
		{ "expired", MLS_EXPIRED }, { "SOFTBOUNCE", MLS_DEFERRED },
	};
	size_t n = (size_t)(e - b);

	*verify = (n == 11 && !memcmp(b, "deliverable", 11)) ||
		  (n == 13 && !memcmp(b, "undeliverable", 13));
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i].w) == n && !memcmp(b, words[i].w, n))
			return words[i].s;
	return MLS_NONE;
}

/* after "QID: to=": the fields up to status= and its reason */
static enum maillog_kind delivery(struct cur *c, struct maillog_rec *out)
{
	const char *st, *w, *rel;
	bool verify;

	if (!angle_addr(c, out->rcpt, sizeof out->rcpt, &out->truncated))
		return ML_MALFORMED;
	rcpt_domain(out);
	st = find(c->p, c->end, ", status=");
	if (!st)
		return ML_MALFORMED;
	if ((rel = find(c->p, st, " relay="))) {
		const char *e = memchr(rel, ',', (size_t)(st - rel));
		out->truncated |= copy(out->relay, sizeof out->relay, rel + 7, e ? e : st);
	}
	if ((rel = find(c->p, st, " dsn="))) {
		const char *e = memchr(rel, ',', (size_t)(st - rel + 1));
		out->truncated |= copy(out->dsn, sizeof out->dsn, rel + 5, e ? e : st);
	}
	c->p = st + 9;
	for (w = c->p; w < c->end && *w != ' ' && *w != ','; w++)
		;
	out->status = status_word(c->p, w, &verify);
	if (verify)
		return ML_OTHER;	/* an address verification probe, not a delivery */
	if (out->status == MLS_NONE)
		return ML_MALFORMED;
	if (w + 1 < c->end && w[0] == ' ' && w[1] == '(') {
		const char *e = c->end;
		if (e[-1] == ')')
			e--;
		out->truncated |= copy(out->text, sizeof out->text, w + 2, e);
	}
	return ML_DELIVERY;
}

/* after "QID: reject: " or "QID: warn: ": "RCPT from CLIENT: TEXT; from=<..> to=<..> ..." */
static enum maillog_kind rcpt_action(struct cur *c, struct maillog_rec *out, enum maillog_kind k)
{
	const char *colon, *semi, *to;
	bool cut = false;

	if (!eat(c, "RCPT from "))
		return ML_OTHER;
	colon = find(c->p, c->end, "]: ");
	semi = colon ? find(colon, c->end, "; from=<") : NULL;
	if (!semi)
		return ML_MALFORMED;
	out->truncated |= copy(out->text, sizeof out->text, colon + 3, semi);
	to = find(semi, c->end, " to=<");
	if (!to)
		return ML_OTHER;	/* a reject before RCPT names no recipient */
	c->p = to + 4;
	if (!angle_addr(c, out->rcpt, sizeof out->rcpt, &cut))
		return ML_MALFORMED;
	out->truncated |= cut;
	rcpt_domain(out);
	return k;
}

static enum maillog_kind message(struct cur *c, struct maillog_rec *out, bool has_prog)
{
	const char *last = strrchr(out->program, '/');
	const char *daemon = last ? last + 1 : "";

	if (eat(c, "NOQUEUE: ")) {
		strcpy(out->qid, "NOQUEUE");
	} else if (!queue_id(c, out)) {
		return has_prog ? ML_OTHER : ML_FOREIGN;
	}
	if (eat(c, "to="))
		return delivery(c, out);
	if (eat(c, "reject: "))
		return rcpt_action(c, out, ML_RCPT_REJECT);
	if (eat(c, "warn: ") || eat(c, "reject_warning: "))	/* WARN, warn_if_reject */
		return rcpt_action(c, out, ML_RCPT_WARN);
	if ((!strcmp(daemon, "qmgr") || !has_prog) && eat(c, "from=") && find(c->p, c->end, ", status=expired")) {
		out->status = MLS_EXPIRED;
		return ML_EXPIRED;
	}
	return has_prog ? ML_OTHER : ML_FOREIGN;
}

enum maillog_kind maillog_parse(const char *line, size_t len, struct maillog_clock *clk,
				struct maillog_rec *out)
{
	struct cur c = { line, line + len };
	bool stamped;

	memset(out, 0, sizeof *out);
	while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r'))
		c.end--;
	if (len > MAILLOG_LINE_MAX || memchr(c.p, '\0', (size_t)(c.end - c.p)))
		return out->kind = ML_MALFORMED;
	stamped = stamp_classic(&c, clk, &out->when) || stamp_iso(&c, &out->when);
	if (stamped) {
		if (!host_prog(&c, out))
			return out->kind = ML_FOREIGN;
		/* sshd, dovecot, mxvetd ...: Postfix names its programs NAME/DAEMON */
		if (!strchr(out->program, '/'))
			return out->kind = ML_FOREIGN;
		return out->kind = message(&c, out, true);
	}
	out->when = 0;
	return out->kind = message(&c, out, false);	/* journalctl -o cat */
}

const char *maillog_kind_name(enum maillog_kind k)
{
	static const char *const n[] = { "foreign", "other", "delivery", "expired",
					 "rcpt_reject", "rcpt_warn", "malformed" };
	return (unsigned)k < ML__KINDS ? n[k] : "?";
}

const char *maillog_status_name(enum maillog_status s)
{
	static const char *const n[] = { "none", "sent", "deferred", "bounced", "expired" };
	return (unsigned)s <= MLS_EXPIRED ? n[s] : "?";
}

const char *maillog_reason_class(const char *text)
{
	/* first match wins: the specific before the general */
	static const struct { const char *needle, *cls; } t[] = {
		{ "does not accept mail (nullMX)", "null MX" },
		{ "Host or domain name not found", "host or domain not found" },
		{ "Name service error", "host or domain not found" },
		{ "loops back to myself", "MX loops back to this host" },
		{ "Connection refused", "connection refused" },
		{ "while receiving the initial server greeting", "no greeting (timeout)" },
		{ "lost connection with", "lost connection" },
		{ "Connection timed out", "connection timed out" },
		{ "conversation with", "conversation timed out" },
		{ "Network is unreachable", "network unreachable" },
		{ "No route to host", "no route to host" },
		{ "refused to talk to me", "greeting refused" },
		{ " said: ", "remote server reply" },
		{ "mail transport unavailable", "transport unavailable" },
		{ "delivery temporarily suspended", "delivery suspended" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strstr(text, t[i].needle))
			return t[i].cls;
	return "other";
}
