/* mxvet ctl: talk to a running mxvetd over its admin_listen endpoint.
 *   mxvet ctl [--config FILE] metrics               Prometheus text
 *   mxvet ctl [--config FILE] risk                  cached risk verdicts, JSON lines
 *   mxvet ctl [--config FILE] check [--fresh] DOMAIN  the daemon's verdict, JSON
 *   mxvet ctl [--config FILE] flush DOMAIN | --all  expire cached verdicts
 * Reads are GETs; a fresh check and a flush change the daemon's state and
 * are POSTs. Exit: 0 on HTTP 200, 1 on another status, 69 when the daemon
 * cannot be reached (or admin_listen is empty), 64 usage, 78 bad config.
 *
 * HTTP is libevent's evhttp client. libevent 2.1 cannot connect that
 * client to a unix socket (2.2 adds evhttp_connection_base_bufferevent_unix_new),
 * so for admin_listen = unix:PATH the request goes out over a bufferevent
 * on the connected socket and the reply is read by http_reply_parse(). */
#include "cli/cli.h"
#include "engine/config.h"
#include "lib/endpoint.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define CTL_TIMEOUT_S 60	/* a fresh check may wait for SMTP banners */
#define CTL_MAX_REPLY (64 * 1024 * 1024)

struct ctl_reply {
	struct event_base *base;
	int status;		/* 0: no answer */
	struct evbuffer *body;
	const char *why;	/* no answer: why */
};

static void ctl_usage(FILE *out)
{
	fprintf(out, "usage: mxvet ctl [--config FILE] metrics | risk | check [--fresh] DOMAIN |\n"
		     "                 flush DOMAIN | flush --all\n");
}

static void on_error(enum evhttp_request_error e, void *arg)
{
	struct ctl_reply *r = arg;

	r->why = e == EVREQ_HTTP_TIMEOUT ? "timed out" : e == EVREQ_HTTP_EOF ?
		 "connection closed (refused or reset)" : "request failed";
}

static void on_reply(struct evhttp_request *req, void *arg)
{
	struct ctl_reply *r = arg;

	if (req && evhttp_request_get_response_code(req) > 0) {
		r->status = evhttp_request_get_response_code(req);
		evbuffer_add_buffer(r->body, evhttp_request_get_input_buffer(req));
	}
	event_base_loopexit(r->base, NULL);
}

/* Over TCP: evhttp. */
static void ctl_http(struct ctl_reply *r, const struct endpoint *ep, enum evhttp_cmd_type cmd,
		     const char *path)
{
	char host[NETADDR_STRLEN];
	struct evhttp_connection *conn;
	struct evhttp_request *req;

	netaddr_format(&ep->addr, host, sizeof host);
	if (!(conn = evhttp_connection_base_new(r->base, NULL, host, (unsigned short)ep->port)) ||
	    !(req = evhttp_request_new(on_reply, r))) {
		r->why = "out of memory";
		if (conn)
			evhttp_connection_free(conn);
		return;
	}
	evhttp_connection_set_timeout(conn, CTL_TIMEOUT_S);
	evhttp_connection_set_max_body_size(conn, CTL_MAX_REPLY);
	evhttp_request_set_error_cb(req, on_error);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "localhost");
	if (evhttp_make_request(conn, req, cmd, path) == 0)
		event_base_dispatch(r->base);	/* on_reply ends it */
	else
		r->why = "cannot send the request";
	evhttp_connection_free(conn);
}

/* The status and body of a whole HTTP/1.0 reply in in (moved to body). */
static int http_reply_parse(struct evbuffer *in, struct evbuffer *body)
{
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
	int status = 0;

	if (!line || sscanf(line, "HTTP/%*d.%*d %d", &status) != 1)
		status = 0;
	free(line);
	while (status && (line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF))) {
		free(line);
		if (n == 0) {
			evbuffer_add_buffer(body, in);
			return status;
		}
	}
	return 0;
}

static void on_unix_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_reply *r = arg;

	if (what & BEV_EVENT_TIMEOUT)
		r->why = "timed out";
	else if (what & BEV_EVENT_EOF)
		r->status = http_reply_parse(bufferevent_get_input(bev), r->body);
	else
		r->why = "connection reset";
	if (!r->status && !r->why)
		r->why = "no HTTP reply";
	event_base_loopexit(r->base, NULL);
}

static void on_unix_read(struct bufferevent *bev, void *arg)
{
	struct ctl_reply *r = arg;

	if (evbuffer_get_length(bufferevent_get_input(bev)) > CTL_MAX_REPLY) {
		r->why = "reply too long";
		event_base_loopexit(r->base, NULL);
	}
}

/* Over a unix socket: connected here, then a bufferevent. */
static void ctl_unix(struct ctl_reply *r, const char *sock, enum evhttp_cmd_type cmd,
		     const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { CTL_TIMEOUT_S, 0 };
	struct bufferevent *bev;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock);	/* length checked */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		r->why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	if (!(bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE))) {
		close(fd);
		r->why = "out of memory";
		return;
	}
	bufferevent_setcb(bev, on_unix_read, NULL, on_unix_event, r);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ);
	evbuffer_add_printf(bufferevent_get_output(bev),
			    "%s %s HTTP/1.0\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n",
			    cmd == EVHTTP_REQ_POST ? "POST" : "GET", path);
	event_base_dispatch(r->base);
	bufferevent_free(bev);
}

/* The request for the command line, or -1 (usage). */
static int ctl_request(int argc, char **argv, bool fresh, bool all, enum evhttp_cmd_type *cmd,
		       char *path, size_t len)
{
	const char *verb = argc > 0 ? argv[0] : "";
	char *enc = NULL;

	*cmd = EVHTTP_REQ_GET;
	if (!strcmp(verb, "metrics") && argc == 1 && !fresh && !all) {
		snprintf(path, len, "/metrics");
		return 0;
	}
	if (!strcmp(verb, "risk") && argc == 1 && !fresh && !all) {
		snprintf(path, len, "/v1/risk");
		return 0;
	}
	if (!strcmp(verb, "flush") && argc == 1 && all && !fresh) {
		*cmd = EVHTTP_REQ_POST;
		snprintf(path, len, "/v1/flush-all");
		return 0;
	}
	if (argc != 2 || all || (strcmp(verb, "check") && strcmp(verb, "flush")) ||
	    (fresh && strcmp(verb, "check")) || strlen(argv[1]) > 1000 ||
	    !(enc = evhttp_uriencode(argv[1], -1, 0)))
		return -1;
	if (!strcmp(verb, "flush") || fresh)
		*cmd = EVHTTP_REQ_POST;
	snprintf(path, len, "/v1/%s/%s", verb, enc);
	free(enc);
	return 0;
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "fresh", no_argument, NULL, 'F' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfgpath = NULL;
	struct ctl_reply r = { 0 };
	enum evhttp_cmd_type cmd;
	struct endpoint ep;
	struct config *cfg;
	char path[3200], why[256];
	bool fresh = false, all = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (opt == 'c') {
			cfgpath = optarg;
		} else if (opt == 'F') {
			fresh = true;
		} else if (opt == 'a') {
			all = true;
		} else {
			ctl_usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : EX_USAGE_;
		}
	}
	if (ctl_request(argc - optind, argv + optind, fresh, all, &cmd, path, sizeof path) < 0) {
		ctl_usage(stderr);
		return EX_USAGE_;
	}
	if (!(cfg = cli_load_config(cfgpath)))
		return EX_CONFIG_;
	if (!*cfg->admin_listen ||
	    endpoint_parse(cfg->admin_listen, ENDPOINT_HOSTPORT, &ep, why, sizeof why) < 0) {
		fprintf(stderr, "mxvet: cannot reach mxvetd at admin_listen \"%s\": %s\n",
			cfg->admin_listen, *cfg->admin_listen ? why : "not configured");
		config_free(cfg);
		return EX_UNAVAIL_;
	}
	if (!(r.base = event_base_new()) || !(r.body = evbuffer_new())) {
		fprintf(stderr, "mxvet: out of memory\n");
		rc = EX_UNAVAIL_;
		goto out;
	}
	if (ep.is_unix)
		ctl_unix(&r, ep.path, cmd, path);
	else
		ctl_http(&r, &ep, cmd, path);
	if (!r.status) {
		fprintf(stderr, "mxvet: cannot reach mxvetd at admin_listen \"%s\": %s\n",
			cfg->admin_listen, r.why ? r.why : "no answer");
		rc = EX_UNAVAIL_;
		goto out;
	}
	while (evbuffer_get_length(r.body) && evbuffer_write(r.body, STDOUT_FILENO) > 0)
		;
	if (r.status != 200)
		fprintf(stderr, "mxvet: mxvetd answered HTTP %d\n", r.status);
	rc = r.status == 200 ? 0 : 1;
out:
	if (r.body)
		evbuffer_free(r.body);
	if (r.base)
		event_base_free(r.base);
	config_free(cfg);
	return rc;
}
