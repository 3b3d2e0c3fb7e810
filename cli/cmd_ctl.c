/* mxvet ctl: talk to a running mxvetd over its admin_listen endpoint.
 *   mxvet ctl [--config FILE] metrics        Prometheus text
 *   mxvet ctl [--config FILE] risk           cached risk verdicts, JSON lines
 *   mxvet ctl [--config FILE] check DOMAIN   a fresh check by the daemon, JSON
 * Exit: 0 on HTTP 200, 1 on another status, 69 when the daemon cannot be
 * reached (or admin_listen is empty), 64 usage, 78 bad config.
 * A plain blocking HTTP/1.0 GET: loopback only, bounded by a timeout. */
#include "cli/cli.h"
#include "engine/config.h"
#include "lib/netaddr.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CTL_TIMEOUT_S 60	/* a fresh check may wait for SMTP banners */
#define CTL_MAX_REPLY (64 * 1024 * 1024)

static int ctl_connect(const char *spec)
{
	struct netaddr a;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timeval tv = { CTL_TIMEOUT_S, 0 };
	int port, fd;

	if (!spec || strncmp(spec, "inet:", 5) != 0 || netaddr_parse_hostport(spec + 5, &a, &port) < 0)
		return -1;
	sl = netaddr_sockaddr(&a, port, &ss);
	if ((fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void ctl_usage(FILE *out)
{
	fprintf(out, "usage: mxvet ctl [--config FILE] metrics | risk | check DOMAIN\n");
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfgpath = NULL;
	char path[1100], req[1300];
	struct config *cfg;
	char *buf = NULL, *body;
	size_t len = 0, cap = 0;
	int opt, fd, status = 0, rc;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (opt == 'c') {
			cfgpath = optarg;
		} else {
			ctl_usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : EX_USAGE_;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "metrics") && optind + 1 == argc)
		snprintf(path, sizeof path, "/metrics");
	else if (optind < argc && !strcmp(argv[optind], "risk") && optind + 1 == argc)
		snprintf(path, sizeof path, "/v1/risk");
	else if (optind + 2 == argc && !strcmp(argv[optind], "check") &&
		 strlen(argv[optind + 1]) < 1000 && !strpbrk(argv[optind + 1], "/?# \r\n%"))
		snprintf(path, sizeof path, "/v1/check/%s", argv[optind + 1]);
	else {
		ctl_usage(stderr);
		return EX_USAGE_;
	}
	if (!(cfg = cli_load_config(cfgpath)))
		return EX_CONFIG_;
	fd = ctl_connect(cfg->admin_listen);
	if (fd < 0) {
		fprintf(stderr, "mxvet: cannot reach mxvetd at admin_listen \"%s\": %s\n",
			cfg->admin_listen ? cfg->admin_listen : "",
			cfg->admin_listen && *cfg->admin_listen ? strerror(errno) : "not configured");
		config_free(cfg);
		return EX_UNAVAIL_;
	}
	config_free(cfg);
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: mxvetd\r\n\r\n", path);
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		close(fd);
		return EX_UNAVAIL_;
	}
	for (;;) {
		ssize_t n;
		if (len + 4096 > cap) {
			char *nb;
			if (cap >= CTL_MAX_REPLY || !(nb = realloc(buf, cap ? cap * 2 : 65536)))
				break;
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf || sscanf(buf, "HTTP/%*s %d", &status) != 1) {
		fprintf(stderr, "mxvet: no answer from mxvetd\n");
		free(buf);
		return EX_UNAVAIL_;
	}
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	body = body ? body + 4 : buf + len;
	fwrite(body, 1, (size_t)(buf + len - body), stdout);
	if (status != 200)
		fprintf(stderr, "mxvet: mxvetd answered HTTP %d\n", status);
	rc = status == 200 ? 0 : 1;
	free(buf);
	return rc;
}
