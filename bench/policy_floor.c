/* policy_floor: the floor for cached decisions (SPEC 6): a minimal policy
 * server that splits requests at the blank line, looks at nothing, and
 * answers DUNNO, with one recv and one send per batch (epoll, one thread).
 * usage: policy_floor PORT   (binds 127.0.0.1; runs until killed) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 65536

struct fc {
	int fd;
	size_t len;
	char prev;
	char in[BUF];
};

int main(int argc, char **argv)
{
	static const char dunno[] = "action=DUNNO\n\n";
	static char out[BUF * 2];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, lfd, ep;

	if (argc != 2)
		return 64;
	sa.sin_port = htons((uint16_t)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 128) < 0) {
		perror("bind");
		return 1;
	}
	ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			struct fc *c = evs[i].data.ptr;
			if (!c) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
				if (fd < 0)
					continue;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				c = calloc(1, sizeof *c);
				c->fd = fd;
				struct epoll_event e2 = { .events = EPOLLIN, .data.ptr = c };
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e2);
				continue;
			}
			ssize_t r = recv(c->fd, c->in, sizeof c->in, 0);
			if (r <= 0) {
				close(c->fd);
				free(c);
				continue;
			}
			size_t nans = 0;
			for (ssize_t k = 0; k < r; k++) {
				if (c->in[k] == '\n' && c->prev == '\n') {
					memcpy(out + nans * (sizeof dunno - 1), dunno, sizeof dunno - 1);
					nans++;
					c->prev = 0;
					continue;
				}
				c->prev = c->in[k];
			}
			if (nans && send(c->fd, out, nans * (sizeof dunno - 1), MSG_NOSIGNAL) < 0) {
				close(c->fd);
				free(c);
			}
		}
	}
}
