/* policy_load: a Postfix-like load generator for a policy service.
 * C connections, each sending batches of D pipelined requests of Postfix
 * 3.7's 29 attributes (about 600 bytes) for recipients drawn from a list of
 * domains, waiting for the D answers before the next batch; runs S seconds
 * on one thread with poll(). Counts answers, and the answers that differ
 * from the expected text (-e), so a wrong or slow server cannot look fast.
 * usage: policy_load [-c CONNS] [-d DEPTH] [-s SECONDS] [-e EXPECT] HOST PORT DOMAIN... */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXC 256

struct lc {
	int fd;
	char *batch;
	size_t blen, sent;
	int want, got;
	char prev;
	char ans[256];
	size_t alen;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t request(char *out, size_t len, const char *domain, long n)
{
	return (size_t)snprintf(out, len,
		"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
		"client_address=192.0.2.%ld\nclient_name=mail%ld.example.net\nclient_port=4%04ld\n"
		"reverse_client_name=mail%ld.example.net\nserver_address=127.0.0.1\nserver_port=25\n"
		"helo_name=mail%ld.example.net\nsender=bounce-%ld@lists.example.net\n"
		"recipient=user%ld@%s\nrecipient_count=0\nqueue_id=\ninstance=%lx.%lx.0\n"
		"size=12345\netrn_domain=\nstress=\nsasl_method=\nsasl_username=\nsasl_sender=\n"
		"ccert_subject=\nccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n"
		"encryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\n"
		"encryption_keysize=256\npolicy_context=\n\n",
		n % 250 + 1, n, n % 10000, n, n, n, n, domain, n, n * 7);
}

int main(int argc, char **argv)
{
	int conns = 8, depth = 32, opt;
	double secs = 5;
	const char *expect = "action=DUNNO";
	struct lc c[MAXC];
	struct pollfd pfd[MAXC];
	long answers = 0, wrong = 0;

	while ((opt = getopt(argc, argv, "c:d:s:e:")) != -1) {
		switch (opt) {
		case 'c': conns = atoi(optarg); break;
		case 'd': depth = atoi(optarg); break;
		case 's': secs = atof(optarg); break;
		case 'e': expect = optarg; break;
		default: goto usage;
		}
	}
	if (argc - optind < 3 || conns < 1 || conns > MAXC || depth < 1)
		goto usage;
	const char *host = argv[optind], **doms = (const char **)argv + optind + 2;
	int port = atoi(argv[optind + 1]), ndom = argc - optind - 2;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	for (int i = 0; i < conns; i++) {
		int one = 1;
		size_t cap = (size_t)depth * 1024;
		c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i].fd < 0 || connect(c[i].fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			perror("connect");
			return 1;
		}
		setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c[i].batch = malloc(cap);
		c[i].blen = 0;
		for (int k = 0; k < depth; k++)
			c[i].blen += request(c[i].batch + c[i].blen, cap - c[i].blen,
					     doms[(i * depth + k) % ndom], (long)i * depth + k);
		c[i].sent = 0;
		c[i].want = depth;
		c[i].got = 0;
		c[i].prev = 0;
		c[i].alen = 0;
		pfd[i].fd = c[i].fd;
	}
	double t0 = now_s(), end = t0 + secs;
	while (now_s() < end) {
		for (int i = 0; i < conns; i++)
			pfd[i].events = c[i].sent < c[i].blen ? POLLOUT : POLLIN;
		if (poll(pfd, (nfds_t)conns, 1000) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < conns; i++) {
			struct lc *l = &c[i];
			if (pfd[i].revents & POLLOUT) {
				ssize_t n = send(l->fd, l->batch + l->sent, l->blen - l->sent, MSG_NOSIGNAL);
				if (n <= 0) {
					fprintf(stderr, "send failed\n");
					return 1;
				}
				l->sent += (size_t)n;
			} else if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				char buf[65536];
				ssize_t n = recv(l->fd, buf, sizeof buf, 0);
				if (n <= 0) {
					fprintf(stderr, "connection closed by the server\n");
					return 1;
				}
				for (ssize_t k = 0; k < n; k++) {
					if (buf[k] == '\n' && l->prev == '\n') {
						l->ans[l->alen > 0 ? l->alen - 1 : 0] = '\0';
						wrong += strcmp(l->ans, expect) != 0;
						answers++;
						l->alen = 0;
						l->got++;
						l->prev = 0;
						continue;
					}
					if (l->alen < sizeof l->ans - 1)
						l->ans[l->alen++] = buf[k];
					l->prev = buf[k];
				}
				if (l->got == l->want) {	/* next batch */
					l->got = 0;
					l->sent = 0;
				}
			}
		}
	}
	double el = now_s() - t0;
	printf("connections=%d depth=%d seconds=%.2f answers=%ld wrong=%ld rate=%.0f req/s\n",
	       conns, depth, el, answers, wrong, answers / el);
	return wrong ? 2 : 0;
usage:
	fprintf(stderr, "usage: policy_load [-c CONNS] [-d DEPTH] [-s SECONDS] [-e EXPECT] "
		"HOST PORT DOMAIN...\n");
	return 64;
}
