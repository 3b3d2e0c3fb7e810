/* libFuzzer target: the policy server's connection buffering
 * (daemon/policy_server.c) on a real libevent loop and a real socket.
 *
 * The server listens on a Unix socket in a private temporary directory;
 * each input is one client connection. Input: byte 0 picks the chunk size
 * the client writes in, byte 1 how the stand-in decider answers (at once or
 * later, answer length, order of late answers, whether the client reads
 * eagerly), the rest is the byte stream. Each loop turn delivers some late
 * answers through policy_server_answer(), as the real decider does.
 *
 * The decider here is a stub (the engine is not the subject): its answer
 * for request number seq names seq, so the client can see that answers
 * come back in request order. Checks, with every loop bounded:
 *  - answers arrive in request order, never more than requests parsed
 *    (the parser run on the same bytes says how many there are);
 *  - in the end either every request is answered or the server closed
 *    the connection (a malformed request, or a client that does not read
 *    fast enough): it never stalls with the client waiting;
 *  - once the client is gone nothing stays open or pending, and late
 *    answers for the closed connection are dropped. */
#include "engine/config.h"
#include "daemon/decide.h"
#include "lib/log.h"
#include "daemon/policy_parser.h"
#include "daemon/policy_server.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#define MAX_INPUT 65536
#define MAX_LATE 4096
#define TURNS 4000		/* loop turns per input, at most */

static struct {
	char dir[64], path[96];
	struct config *cfg;
	struct event_base *base;
	struct policy_server *srv;
	/* this input's stub behaviour */
	uint8_t mode;
	uint32_t decided;
	struct late { uint64_t conn; uint32_t seq; } late[MAX_LATE];
	size_t nlate;
} F;

static size_t answer_text(uint32_t seq, char *out)
{
	/* mode bits 2-3: answer length, up to near the decider's limit */
	static const size_t pad[] = { 0, 40, 400, DECIDE_MAX_ANSWER - 40 };
	size_t p = pad[F.mode >> 2 & 3];
	int n = snprintf(out, DECIDE_MAX_ANSWER, "action=DUNNO %u %*s", seq, (int)p, "");
	out[n] = '\n';
	out[n + 1] = '\n';
	return (size_t)n + 2;
}

/* The stand-in for daemon/decide.c (same contract, see decide.h). */
size_t decide_request(struct decider *d, const struct policy_request *req, uint64_t conn_id,
		      uint32_t seq, char *out)
{
	(void)d;
	(void)req;
	F.decided++;
	/* mode bits 0-1: 0 all at once, 1 every other later, 2-3 all later */
	if ((F.mode & 3) == 0 || ((F.mode & 3) == 1 && seq % 2 == 0) || F.nlate == MAX_LATE)
		return answer_text(seq, out);
	F.late[F.nlate].conn = conn_id;
	F.late[F.nlate].seq = seq;
	F.nlate++;
	return 0;
}

/* Answer up to n late requests, newest first when mode bit 4 is set. */
static void answer_late(size_t n)
{
	char ans[DECIDE_MAX_ANSWER];

	while (n-- && F.nlate) {
		size_t i = F.mode & 16 ? F.nlate - 1 : 0;
		struct late l = F.late[i];
		memmove(&F.late[i], &F.late[i + 1], (F.nlate - i - 1) * sizeof *F.late);
		F.nlate--;
		policy_server_answer(F.srv, l.conn, l.seq, ans, answer_text(l.seq, ans));
	}
}

static void cleanup(void)
{
	policy_server_free(F.srv);	/* removes the socket */
	rmdir(F.dir);
}

static void setup(void)
{
	char err[256], ep[128];

	log_open("fuzz_policy_server", 0, 0);
	log_set_level(LOG_LVL_ERR);
	snprintf(F.dir, sizeof F.dir, "/tmp/mxvet-fuzz-ps.XXXXXX");
	if (!mkdtemp(F.dir))
		abort();
	snprintf(F.path, sizeof F.path, "%s/policy", F.dir);
	snprintf(ep, sizeof ep, "unix:%s", F.path);
	F.cfg = config_new();
	F.base = event_base_new();
	/* user empty: the socket stays ours, whatever users this host has */
	if (!F.cfg || !F.base || config_set(F.cfg, "policy_listen", ep, err, sizeof err) != 0 ||
	    config_set(F.cfg, "user", "", err, sizeof err) != 0 ||
	    !(F.srv = policy_server_new(F.cfg, err, sizeof err))) {
		fprintf(stderr, "fuzz_policy_server: setup: %s\n", err);
		abort();
	}
	policy_server_start(F.srv, F.base, NULL, F.cfg);
	atexit(cleanup);
}

/* How many requests the parser finds in the stream, and whether it ends
 * in a malformed one. */
static size_t count_requests(const uint8_t *data, size_t size, bool *bad)
{
	static char buf[MAX_INPUT];
	struct policy_parser p;
	size_t n = 0, have = size;

	memcpy(buf, data, size);
	policy_parser_init(&p);
	*bad = false;
	for (;;) {
		struct policy_request r;
		size_t used;
		const char *why;
		enum pp_status st = policy_parse(&p, buf, have, &r, &used, &why);
		if (st == PP_MORE)
			return n;
		if (st == PP_ERROR) {
			*bad = true;
			return n;
		}
		n++;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
}

struct client {
	int fd;
	bool eof;
	uint32_t answers;
	char buf[2 * DECIDE_MAX_ANSWER];
	size_t have;
};

/* Read what the server sent; check each answer names the next request. */
static void client_read(struct client *c)
{
	while (!c->eof) {
		ssize_t n = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			c->eof = true;	/* closed (or reset) by the server */
			break;
		}
		if (n < 0)
			break;
		c->have += (size_t)n;
		for (;;) {
			char *end = memmem(c->buf, c->have, "\n\n", 2);
			unsigned seq;
			if (!end)
				break;
			*end = '\0';
			if (sscanf(c->buf, "action=DUNNO %u", &seq) != 1 || seq != c->answers)
				abort();	/* not an answer, or out of order */
			c->answers++;
			end += 2;
			c->have -= (size_t)(end - c->buf);
			memmove(c->buf, end, c->have);
		}
		if (c->have == sizeof c->buf)
			abort();	/* longer than any answer */
	}
}

static void turn(struct client *c, bool eager)
{
	event_base_loop(F.base, EVLOOP_NONBLOCK);
	answer_late(1 + (F.mode >> 5));
	if (eager)
		client_read(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sun;
	struct client c = { .fd = -1 };
	size_t nreq, step, off = 0;
	bool bad, eager;
	int turns = 0;

	if (!F.srv)
		setup();
	if (size < 2 || size - 2 > MAX_INPUT)
		return 0;
	step = (size_t)data[0] * 8 + 1;
	F.mode = data[1];
	F.decided = 0;
	F.nlate = 0;
	eager = !(F.mode & 128) || (F.mode & 3) == 0;
	data += 2;
	size -= 2;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", F.path);
	c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		abort();

	/* write the stream chunk by chunk, turning the loop in between */
	while (off < size && !c.eof && turns < TURNS) {
		size_t n = size - off < step ? size - off : step;
		ssize_t w = send(c.fd, data + off, n, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break;	/* the server closed on us */
		if (w > 0)
			off += (size_t)w;
		turn(&c, eager);
		turns++;
	}
	/* the requests the server got, whole or not */
	nreq = count_requests(data, off, &bad);
	/* then let every request be answered, or the connection end */
	for (turns = 0; !c.eof && turns < TURNS; turns++) {
		turn(&c, true);
		if (c.answers == nreq && !F.nlate && !bad) {
			event_base_loop(F.base, EVLOOP_NONBLOCK);
			client_read(&c);
			break;
		}
	}
	if (c.answers > nreq || F.decided > nreq)
		abort();	/* answered more than was asked */
	if (!c.eof && c.answers < nreq)
		abort();	/* stalled: requests unanswered, connection open */
	if (bad && !c.eof)
		abort();	/* a malformed request must end the connection */

	close(c.fd);
	for (int i = 0; i < 100 && policy_server_stats(F.srv)->open; i++)
		event_base_loop(F.base, EVLOOP_NONBLOCK);
	answer_late(MAX_LATE);	/* for a connection that is gone: dropped */
	if (policy_server_stats(F.srv)->open || policy_server_pending(F.srv))
		abort();	/* the closed connection left something behind */
	return 0;
}
