/* The SMTP prober against fake SMTP hosts in the same event loop, on
 * 127.77.1.x (loopback only; mx_allowed_networks = 127.77.0.0/16):
 * every status, the caps on what a greeting may cost, the address gate
 * (127.0.0.1 and ::1 get no connection, proven by the prober's stats and
 * by a listener that counts accepts), the cache, coalescing and the
 * concurrency cap. */
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/smtp_probe.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum fake { FK_OK, FK_SILENT, FK_TEMPFAIL, FK_REJECT, FK_CLOSE, FK_FLOOD, FK_SLOW, FK_BACKLOG,
	    FK__N };

#define MAXCONN 64

struct fake_srv {
	enum fake kind;
	char addr[32];
	struct evconnlistener *lis;
	int backlog_fd;			/* FK_BACKLOG: listen(0), never accepts */
	int fill[4];			/* connections that fill its queue */
	unsigned accepts, open, max_open;
};

static struct event_base *base;
static struct config *cfg;
static struct engine eng;
static struct smtp_prober *prober;
static struct fake_srv srv[FK__N];
static struct fake_srv lo_srv;		/* 127.0.0.1: must never see a connection */
static int port;
static struct bufferevent *conns[MAXCONN];
static size_t nconns;

struct slow_greet {
	struct bufferevent *bev;
	struct event *ev;
};
static struct slow_greet slows[MAXCONN];
static size_t nslows;

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;

	(void)arg;
	while ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF))) {
		if (!strncmp(line, "QUIT", 4))
			bufferevent_write(bev, "221 bye\r\n", 9);
		free(line);
	}
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct fake_srv *s = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		s->open--;
}

static void slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct slow_greet *sg = arg;

	(void)fd;
	(void)what;
	bufferevent_write(sg->bev, "220 slow but fine\r\n", 19);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct fake_srv *s = arg;
	struct bufferevent *bev;

	(void)l;
	(void)sa;
	(void)salen;
	s->accepts++;
	if (s->kind == FK_CLOSE || nconns == MAXCONN) {
		close(fd);
		return;
	}
	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	conns[nconns++] = bev;
	if (++s->open > s->max_open)
		s->max_open = s->open;
	bufferevent_setcb(bev, conn_read, NULL, conn_event, s);
	bufferevent_enable(bev, EV_READ);
	switch (s->kind) {
	case FK_OK:
		bufferevent_write(bev, "220-fake ESMTP\r\n220-more\r\n220 ready\r\n", 37);
		break;
	case FK_TEMPFAIL:
		bufferevent_write(bev, "421 4.3.2 busy\r\n", 16);
		break;
	case FK_REJECT:
		bufferevent_write(bev, "554 5.7.1 no\r\n", 14);
		break;
	case FK_FLOOD: {
		static char junk[256 * 1024];
		memset(junk, 'x', sizeof junk);
		memcpy(junk, "554 ", 4);
		bufferevent_write(bev, junk, sizeof junk);	/* no line end, ever */
		break;
	}
	case FK_SLOW: {
		struct slow_greet *sg = &slows[nslows++];
		struct timeval tv = { 0, 300 * 1000 };
		sg->bev = bev;
		sg->ev = evtimer_new(base, slow_cb, sg);
		evtimer_add(sg->ev, &tv);
		break;
	}
	default:
		break;		/* silent */
	}
}

static struct sockaddr_in sin_of(const char *addr, int p)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)p);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	return sin;
}

static int start_listener(struct fake_srv *s)
{
	struct sockaddr_in sin = sin_of(s->addr, port);

	if (s->kind == FK_BACKLOG) {
		/* accept queue of one, filled: further SYNs are dropped, so a
		 * connect times out, as to a host behind a silent firewall */
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, 0) != 0) {
			close(fd);
			return -1;
		}
		s->backlog_fd = fd;
		for (int i = 0; i < 4; i++) {
			s->fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			connect(s->fill[i], (struct sockaddr *)&sin, sizeof sin);
		}
		usleep(100 * 1000);
		return 0;
	}
	s->lis = evconnlistener_new_bind(base, on_accept, s,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
					 (struct sockaddr *)&sin, sizeof sin);
	if (!s->lis)
		return -1;
	if (port == 0) {
		struct sockaddr_in got;
		socklen_t gl = sizeof got;
		getsockname(evconnlistener_get_fd(s->lis), (struct sockaddr *)&got, &gl);
		port = ntohs(got.sin_port);
	}
	return 0;
}

static void setup_with(const char *max_concurrent, const char *ttl)
{
	char err[256], pbuf[16];

	base = event_base_new();
	cfg = config_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_nonnull(cfg);
	port = 0;
	nconns = nslows = 0;
	memset(srv, 0, sizeof srv);
	memset(&lo_srv, 0, sizeof lo_srv);
	for (int k = 0; k < FK__N; k++) {
		srv[k].kind = (enum fake)k;
		srv[k].backlog_fd = -1;
		snprintf(srv[k].addr, sizeof srv[k].addr, "127.77.1.%d", k + 1);
		ck_assert_msg(start_listener(&srv[k]) == 0, "cannot listen on %s:%d",
			      srv[k].addr, port);
	}
	/* a witness on 127.0.0.1 at the probe port, if the port is free there */
	lo_srv.kind = FK_OK;
	lo_srv.backlog_fd = -1;
	snprintf(lo_srv.addr, sizeof lo_srv.addr, "127.0.0.1");
	start_listener(&lo_srv);
	snprintf(pbuf, sizeof pbuf, "%d", port);
	ck_assert_int_eq(config_set(cfg, "smtp_port", pbuf, err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "mx_allowed_networks", "127.77.0.0/16", err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "smtp_connect_timeout", "1s", err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "smtp_banner_timeout", "1s", err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "smtp_max_concurrent", max_concurrent, err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "smtp_probe_ttl", ttl, err, sizeof err), 0);
	memset(&eng, 0, sizeof eng);
	eng.base = base;
	eng.cfg = cfg;
	prober = smtp_prober_new(&eng);
	ck_assert_ptr_nonnull(prober);
}

static void setup(void) { setup_with("64", "1h"); }
static void setup_cap1(void) { setup_with("1", "1h"); }
static void setup_ttl0(void) { setup_with("64", "0"); }

static void teardown(void)
{
	smtp_prober_free(prober);
	for (size_t i = 0; i < nslows; i++)
		event_free(slows[i].ev);
	for (size_t i = 0; i < nconns; i++)
		bufferevent_free(conns[i]);
	for (int k = 0; k < FK__N; k++) {
		if (srv[k].lis)
			evconnlistener_free(srv[k].lis);
		if (srv[k].backlog_fd >= 0) {
			close(srv[k].backlog_fd);
			for (int i = 0; i < 4; i++)
				close(srv[k].fill[i]);
		}
	}
	if (lo_srv.lis)
		evconnlistener_free(lo_srv.lis);
	config_free(cfg);
	event_base_free(base);
}

/* ---- driving the prober ---- */

struct got {
	int n;
	struct smtp_result r;
	char banner[SMTP_BANNER_MAX];
	long at_ms;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int pending;

static void on_result(void *arg, const struct smtp_result *r)
{
	struct got *g = arg;

	g->n++;
	g->r = *r;
	g->r.banner = NULL;
	snprintf(g->banner, sizeof g->banner, "%s", r->banner ? r->banner : "");
	g->at_ms = now_ms();
	if (--pending == 0)
		event_base_loopbreak(base);
}

/* Run the loop until every asked probe answered (10 s at most). */
static void run(void)
{
	struct timeval limit = { 10, 0 };

	event_base_loopexit(base, &limit);
	if (pending > 0)
		event_base_dispatch(base);
	ck_assert_int_eq(pending, 0);
}

static void ask(const char *addr, struct got *g)
{
	struct netaddr a;

	ck_assert_int_eq(netaddr_parse(addr, &a), 0);
	pending++;
	ck_assert_int_eq(smtp_probe(prober, &a, on_result, g), 0);
}

struct status_row {
	enum fake kind;		/* FK__N: an address without a listener */
	enum smtp_status want;
	int code;
	long min_ms, max_ms;
};

static const struct status_row status_rows[] = {
	{ FK_OK, SMTP_ST_OK, 220, 0, 500 },
	{ FK_SILENT, SMTP_ST_SILENT, 0, 900, 2000 },
	{ FK_TEMPFAIL, SMTP_ST_TEMPFAIL, 421, 0, 500 },
	{ FK_REJECT, SMTP_ST_REJECT, 554, 0, 500 },
	{ FK_CLOSE, SMTP_ST_SILENT, 0, 0, 500 },
	{ FK_FLOOD, SMTP_ST_REJECT, 554, 0, 500 },	/* cut at the cap, judged */
	{ FK_SLOW, SMTP_ST_OK, 220, 250, 900 },		/* 300 ms < banner timeout */
	{ FK_BACKLOG, SMTP_ST_TIMEOUT, 0, 900, 2000 },
	{ FK__N, SMTP_ST_REFUSED, 0, 0, 500 },
};

START_TEST(test_status)
{
	const struct status_row *r = &status_rows[_i];
	struct got g = { 0 };
	char addr[32];
	long t0 = now_ms();

	snprintf(addr, sizeof addr, "127.77.1.%d", (int)r->kind + 1);
	ask(addr, &g);
	ck_assert_int_eq(g.n, 0);	/* never answered inside smtp_probe() */
	run();
	ck_assert_int_eq(g.n, 1);
	ck_assert_msg(g.r.status == r->want, "%s: got %s, want %s", addr,
		      smtp_status_name(g.r.status), smtp_status_name(r->want));
	ck_assert_int_eq(g.r.code, r->code);
	/* contact for the egress guard: the connection was accepted */
	ck_assert_int_eq(g.r.connected, r->want != SMTP_ST_TIMEOUT && r->want != SMTP_ST_REFUSED);
	long took = g.at_ms - t0;
	ck_assert_msg(took >= r->min_ms && took <= r->max_ms, "%s took %ld ms", addr, took);
	ck_assert_uint_le(strlen(g.banner), SMTP_BANNER_MAX - 1);
	ck_assert_uint_eq(smtp_prober_stats(prober)->connects, 1);
	ck_assert_uint_eq(smtp_prober_stats(prober)->results[r->want], 1);
}
END_TEST

START_TEST(test_gate_no_connect)
{
	struct got g1 = { 0 }, g2 = { 0 };

	ask("127.0.0.1", &g1);
	ask("::1", &g2);
	ck_assert_int_eq(g1.n + g2.n, 0);
	run();
	ck_assert_int_eq(g1.r.status, SMTP_ST_SKIPPED);
	ck_assert_int_eq(g2.r.status, SMTP_ST_SKIPPED);
	const struct smtp_stats *st = smtp_prober_stats(prober);
	ck_assert_uint_eq(st->skipped, 2);
	ck_assert_uint_eq(st->connects, 0);
	ck_assert_uint_eq(lo_srv.accepts, 0);
}
END_TEST

START_TEST(test_cache)
{
	struct got g1 = { 0 }, g2 = { 0 };

	ask("127.77.1.1", &g1);
	run();
	ask("127.77.1.1", &g2);
	ck_assert_int_eq(g2.n, 0);
	run();
	ck_assert_int_eq(g2.r.status, SMTP_ST_OK);
	ck_assert_str_eq(g2.banner, "220-fake ESMTP");
	const struct smtp_stats *st = smtp_prober_stats(prober);
	ck_assert_uint_eq(st->connects, 1);
	ck_assert_uint_eq(st->cache_hits, 1);
	ck_assert_uint_eq(srv[FK_OK].accepts, 1);
}
END_TEST

START_TEST(test_coalesce)
{
	struct got g[3] = { { 0 } };

	for (int i = 0; i < 3; i++)
		ask("127.77.1.7", &g[i]);	/* slow: all three wait for one probe */
	run();
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(g[i].r.status, SMTP_ST_OK);
	ck_assert_uint_eq(smtp_prober_stats(prober)->connects, 1);
	ck_assert_uint_eq(smtp_prober_stats(prober)->coalesced, 2);
	ck_assert_uint_eq(srv[FK_SLOW].accepts, 1);
}
END_TEST

START_TEST(test_ttl0_reprobes)
{
	struct got g1 = { 0 }, g2 = { 0 };

	ask("127.77.1.1", &g1);
	run();
	ask("127.77.1.1", &g2);
	run();
	ck_assert_int_eq(g2.r.status, SMTP_ST_OK);
	ck_assert_uint_eq(smtp_prober_stats(prober)->connects, 2);
	ck_assert_uint_eq(smtp_prober_stats(prober)->cache_hits, 0);
	/* one connection per address at a time: the second request came
	 * while the first connection was still saying QUIT, so it waited for
	 * that connection to close (counted as coalesced) before connecting */
	ck_assert_uint_eq(smtp_prober_stats(prober)->coalesced, 1);
	ck_assert_uint_eq(srv[FK_OK].accepts, 2);
}
END_TEST

/* Expired results leave the table a few at a time as new addresses come
 * (no sweep over the whole table at a size threshold): after a flood of
 * 600 refused addresses with smtp_probe_ttl = 0, 200 new ones push every
 * old entry out. */
START_TEST(test_expiry_incremental)
{
	static struct got g[800];
	char addr[32];
	const struct smtp_stats *st = smtp_prober_stats(prober);

	for (int i = 0; i < 600; i++) {
		snprintf(addr, sizeof addr, "127.77.%d.%d", 10 + i / 200, 1 + i % 200);
		ask(addr, &g[i]);
	}
	run();
	ck_assert_uint_eq(st->entries, 600);
	ck_assert_uint_eq(st->results[SMTP_ST_REFUSED], 600);
	for (int i = 600; i < 800; i++) {
		snprintf(addr, sizeof addr, "127.77.%d.%d", 10 + i / 200, 1 + i % 200);
		ask(addr, &g[i]);
	}
	run();
	ck_assert_uint_eq(st->entries, 200);
	ck_assert_uint_eq(st->expired, 600);
	ck_assert_int_eq(g[799].r.status, SMTP_ST_REFUSED);
}
END_TEST

START_TEST(test_cap)
{
	struct got g[3] = { { 0 } };
	long t0 = now_ms();

	/* three different hosts, cap 1: they run one after another */
	ask("127.77.1.7", &g[0]);	/* slow, 300 ms */
	ask("127.77.1.3", &g[1]);	/* 421 */
	ask("127.77.1.4", &g[2]);	/* 554 */
	run();
	ck_assert_int_eq(g[0].r.status, SMTP_ST_OK);
	ck_assert_int_eq(g[1].r.status, SMTP_ST_TEMPFAIL);
	ck_assert_int_eq(g[2].r.status, SMTP_ST_REJECT);
	ck_assert_uint_eq(smtp_prober_stats(prober)->queued, 2);
	/* served in order: the queued ones only after the slow one */
	ck_assert_int_ge(g[1].at_ms - t0, 250);
	ck_assert_int_ge(g[2].at_ms, g[1].at_ms);
}
END_TEST

/* No descriptor left for the socket: a condition of this machine, so the
 * address is "not probed" (SMTP_ST_NONE), answered from the loop. */
START_TEST(test_local_error)
{
	struct got g = { 0 };
	struct rlimit rl = { 64, 64 };
	int *fds = calloc(65536, sizeof *fds), n = 0, fd;

	/* valgrind refuses setrlimit; its own limit is low enough then */
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_uint_le(rl.rlim_cur, 65536);
	while (n < 65536 && (fd = dup(0)) >= 0)
		fds[n++] = fd;
	ask("127.77.1.1", &g);
	ck_assert_int_eq(g.n, 0);
	run();
	while (n > 0)
		close(fds[--n]);
	free(fds);
	ck_assert_int_eq(g.r.status, SMTP_ST_NONE);
	ck_assert_uint_eq(smtp_prober_stats(prober)->local_errors, 1);
	ck_assert_uint_eq(smtp_prober_stats(prober)->connects, 0);
	ck_assert_uint_eq(srv[FK_OK].accepts, 0);
}
END_TEST

/* The egress guard with smtp_blind_after = 4: four refused addresses in a
 * row fill the window and make the prober blind, marking all four (also in
 * the cache); one greeting ends it; later failures count again. */
START_TEST(test_blind)
{
	struct got g[6] = { { 0 } }, again[4] = { { 0 } }, okg = { 0 };
	char err[128], addr[32];

	ck_assert_int_eq(config_set(cfg, "smtp_blind_after", "4", err, sizeof err), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(addr, sizeof addr, "127.77.2.%d", i + 1);	/* nothing listens */
		ask(addr, &g[i]);
	}
	run();
	ck_assert_uint_eq(smtp_prober_stats(prober)->blind, 1);
	ck_assert_uint_eq(smtp_prober_stats(prober)->blind_episodes, 1);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(g[i].r.status, SMTP_ST_REFUSED);
	/* the cached results of the streak are marked too */
	for (int i = 0; i < 4; i++) {
		snprintf(addr, sizeof addr, "127.77.2.%d", i + 1);
		ask(addr, &again[i]);
	}
	run();
	for (int i = 0; i < 4; i++)
		ck_assert_msg(again[i].r.blind, "cached result %d not marked blind", i);
	/* contact: no longer blind; a new failure is judged */
	ask("127.77.1.1", &okg);
	run();
	ck_assert_int_eq(okg.r.status, SMTP_ST_OK);
	ck_assert(!okg.r.blind);
	ck_assert_uint_eq(smtp_prober_stats(prober)->blind, 0);
	ask("127.77.2.5", &g[4]);
	run();
	ck_assert_int_eq(g[4].r.status, SMTP_ST_REFUSED);
	ck_assert(!g[4].r.blind);
	/* the streak's results stay blind until they expire */
	ask("127.77.2.1", &g[5]);
	run();
	ck_assert(g[5].r.blind);
}
END_TEST

/* The default (16): a few failures in a row are judged as usual. */
START_TEST(test_not_blind_by_default)
{
	struct got g[4] = { { 0 } };
	char addr[32];

	for (int i = 0; i < 4; i++) {
		snprintf(addr, sizeof addr, "127.77.2.%d", i + 1);
		ask(addr, &g[i]);
	}
	run();
	for (int i = 0; i < 4; i++)
		ck_assert(!g[i].r.blind);
	ck_assert_uint_eq(smtp_prober_stats(prober)->blind, 0);
}
END_TEST

/* smtp_probe_ttl 0, smtp_blind_after 2: one address refused again and
 * again is one outcome of the window, never blindness; a second address
 * refused fills it. */
START_TEST(test_blind_distinct)
{
	struct got g[7] = { { 0 } };
	char err[128];

	ck_assert_int_eq(config_set(cfg, "smtp_blind_after", "2", err, sizeof err), 0);
	for (int i = 0; i < 6; i++) {
		ask("127.77.2.9", &g[i]);
		run();
		ck_assert_int_eq(g[i].r.status, SMTP_ST_REFUSED);
		ck_assert(!g[i].r.blind);
	}
	ck_assert_uint_eq(smtp_prober_stats(prober)->connects, 6);
	ck_assert_uint_eq(smtp_prober_stats(prober)->blind, 0);
	ask("127.77.2.10", &g[6]);
	run();
	ck_assert(g[6].r.blind);
	ck_assert_uint_eq(smtp_prober_stats(prober)->blind, 1);
}
END_TEST

/* ---- a reload: the prober reads the engine's current config ---- */

/* What mxvetd's reload does to the engine: a new config (setup's values
 * with key = value) replaces the current one, and the old one is freed. */
static void reload_with(const char *key, const char *value)
{
	struct config *n = config_new();
	char err[256], pbuf[16];

	ck_assert_ptr_nonnull(n);
	snprintf(pbuf, sizeof pbuf, "%d", port);
	ck_assert_int_eq(config_set(n, "smtp_port", pbuf, err, sizeof err), 0);
	ck_assert_int_eq(config_set(n, "mx_allowed_networks", "127.77.0.0/16", err, sizeof err), 0);
	ck_assert_int_eq(config_set(n, "smtp_connect_timeout", "1s", err, sizeof err), 0);
	ck_assert_int_eq(config_set(n, "smtp_banner_timeout", "1s", err, sizeof err), 0);
	ck_assert_int_eq(config_set(n, "smtp_probe_ttl", "1h", err, sizeof err), 0);
	ck_assert_int_eq(config_set(n, key, value, err, sizeof err), 0);
	eng.cfg = n;
	config_free(cfg);
	cfg = n;
}

START_TEST(test_reload_allowed_networks)
{
	struct got g = { 0 };

	reload_with("mx_allowed_networks", "");
	ask("127.77.1.1", &g);
	run();
	ck_assert_int_eq(g.r.status, SMTP_ST_SKIPPED);
	ck_assert_uint_eq(smtp_prober_stats(prober)->connects, 0);
	ck_assert_uint_eq(srv[FK_OK].accepts, 0);
}
END_TEST

START_TEST(test_reload_probe_ttl)
{
	struct got g1 = { 0 }, g2 = { 0 };

	ask("127.77.1.3", &g1);		/* 421, then the connection closes */
	run();
	reload_with("smtp_probe_ttl", "0");	/* applies to the cached result too */
	ask("127.77.1.3", &g2);
	run();
	ck_assert_int_eq(g2.r.status, SMTP_ST_TEMPFAIL);
	ck_assert_uint_eq(smtp_prober_stats(prober)->cache_hits, 0);
	ck_assert_uint_eq(smtp_prober_stats(prober)->connects, 2);
}
END_TEST

START_TEST(test_reload_banner_timeout)
{
	struct got g = { 0 };
	long t0;

	reload_with("smtp_banner_timeout", "2s");
	t0 = now_ms();
	ask("127.77.1.2", &g);		/* silent */
	run();
	ck_assert_int_eq(g.r.status, SMTP_ST_SILENT);
	ck_assert_int_ge(g.at_ms - t0, 1900);
}
END_TEST

/* A new smtp_port: the results cached for the old one are not reused. */
START_TEST(test_reload_port)
{
	struct got g1 = { 0 }, g2 = { 0 };
	char other[16];

	ask("127.77.1.1", &g1);
	run();
	ck_assert_int_eq(g1.r.status, SMTP_ST_OK);
	snprintf(other, sizeof other, "%d", port == 65535 ? 1 : port + 1);	/* nothing there */
	reload_with("smtp_port", other);
	smtp_prober_reconfigure(prober);
	ask("127.77.1.1", &g2);
	run();
	ck_assert_int_eq(g2.r.status, SMTP_ST_REFUSED);
	ck_assert_uint_eq(smtp_prober_stats(prober)->cache_hits, 0);
}
END_TEST

#define N(a) ((int)(sizeof a / sizeof a[0]))

int main(void)
{
	Suite *s = suite_create("smtp_probe");
	TCase *tc = tcase_create("probe");
	TCase *cap = tcase_create("cap");
	TCase *ttl = tcase_create("ttl0");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_loop_test(tc, test_status, 0, N(status_rows));
	tcase_add_test(tc, test_gate_no_connect);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_coalesce);
	tcase_add_test(tc, test_local_error);
	tcase_add_test(tc, test_blind);
	tcase_add_test(tc, test_not_blind_by_default);
	tcase_add_test(tc, test_reload_allowed_networks);
	tcase_add_test(tc, test_reload_probe_ttl);
	tcase_add_test(tc, test_reload_banner_timeout);
	tcase_add_test(tc, test_reload_port);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(cap, setup_cap1, teardown);
	tcase_set_timeout(cap, 15);
	tcase_add_test(cap, test_cap);
	suite_add_tcase(s, cap);
	tcase_add_checked_fixture(ttl, setup_ttl0, teardown);
	tcase_set_timeout(ttl, 15);
	tcase_add_test(ttl, test_ttl0_reprobes);
	tcase_add_test(ttl, test_blind_distinct);
	tcase_add_test(ttl, test_expiry_incremental);
	suite_add_tcase(s, ttl);
	return tap_run(s);
}
