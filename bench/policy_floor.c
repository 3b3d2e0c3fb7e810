/* policy_floor: the floor of the first bar (cached decisions). A minimal C policy
 * server: one thread, epoll, for each readable connection one read(); each
 * complete request in the bytes read is parsed (its lines split into
 * name=value, the recipient located) and answered "action=DUNNO"; the
 * answers of one read go out in one write(). With Postfix's one request at
 * a time per connection that is one read and one write per request, and no
 * allocation, log line or other syscall. mxvetd is measured against it.
 * usage: policy_floor [-s SECONDS] HOST PORT  (exits after SECONDS, default 600) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXFD 1024
#define BUFSZ 65536
#define MAX_REQUEST 8192	/* larger requests close the connection */

struct conn {
	size_t len;
	char buf[BUFSZ];
};

static struct conn *conns[MAXFD];
static char out[BUFSZ];
static volatile unsigned long recipients;	/* keeps the parse from being optimized away */

/* Parse one request [p, end): "name=value\n" lines. 0 or -1 if malformed. */
static int parse(const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eq = memchr(p, '=', (size_t)(nl - p));
		if (!nl || !eq)
			return -1;
		if (eq - p == 9 && !memcmp(p, "recipient", 9))
			recipients += (unsigned long)(nl - eq);
		p = nl + 1;
	}
	return 0;
}

static void drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(conns[fd]);
	conns[fd] = NULL;
}

static void serve(int ep, int fd)
{
	struct conn *c = conns[fd];
	ssize_t n = read(fd, c->buf + c->len, sizeof c->buf - c->len);
	size_t olen = 0, start = 0;

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		drop(ep, fd);
		return;
	}
	c->len += (size_t)n;
	for (;;) {
		char *blank = memmem(c->buf + start, c->len - start, "\n\n", 2);
		if (!blank)
			break;
		if (parse(c->buf + start, blank + 1) != 0 || olen + 14 > sizeof out) {
			drop(ep, fd);
			return;
		}
		memcpy(out + olen, "action=DUNNO\n\n", 14);
		olen += 14;
		start = (size_t)(blank + 2 - c->buf);
	}
	if (c->len - start > MAX_REQUEST) {
		drop(ep, fd);
		return;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	if (olen && write(fd, out, olen) != (ssize_t)olen)
		drop(ep, fd);	/* a floor does not queue output */
}

int main(int argc, char **argv)
{
	int opt, one = 1;
	long secs = 600;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's')
			goto usage;
		secs = atol(optarg);
	}
	if (argc - optind != 2)
		goto usage;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)atoi(argv[optind + 1])) };
	if (inet_pton(AF_INET, argv[optind], &sa.sin_addr) != 1)
		goto usage;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 128) < 0) {
		perror("policy_floor: listen");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	time_t end = time(NULL) + secs;
	while (time(NULL) < end) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 1000);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd != lfd) {
				serve(ep, fd);
				continue;
			}
			int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
			if (cfd < 0)
				continue;
			if (cfd >= MAXFD || !(conns[cfd] = calloc(1, sizeof **conns))) {
				close(cfd);
				continue;
			}
			setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			ev.events = EPOLLIN;
			ev.data.fd = cfd;
			epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
		}
	}
	return 0;
usage:
	fprintf(stderr, "usage: policy_floor [-s SECONDS] HOST PORT\n");
	return 64;
}
