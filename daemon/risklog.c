/* risklog: one JSON line per verdict change. */
#include "daemon/risklog.h"
#include "lib/log.h"
#include "engine/verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

struct risklog {
	int fd;
	char *path;
};

struct risklog *risklog_open(const char *path)
{
	struct risklog *r;
	int fd;

	if (!path || !*path)
		return NULL;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		log_warn("risk_log=%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (!(r = malloc(sizeof *r)) || !(r->path = strdup(path))) {
		free(r);
		close(fd);
		return NULL;
	}
	r->fd = fd;
	return r;
}

void risklog_reopen(struct risklog *r)
{
	int fd;

	if (!r)
		return;
	fd = open(r->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		log_warn("risk_log=%s: cannot reopen: %s; writing to the old file", r->path,
			 strerror(errno));
		return;
	}
	close(r->fd);
	r->fd = fd;
	log_info("risk_log=%s: reopened", r->path);
}

void risklog_close(struct risklog *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r->path);
	free(r);
}

void risklog_change(struct risklog *r, const char *domain, int prev, enum action now,
		    const char *reply, const enum finding_code *codes, size_t ncodes)
{
	json_t *o, *fs;
	char *line;

	if (!r || prev == (int)now || (prev < 0 && now == ACT_IGNORE))
		return;
	fs = json_array();
	for (size_t i = 0; i < ncodes; i++)
		json_array_append_new(fs, json_string(finding_info(codes[i])->name));
	o = json_pack("{s:I, s:s, s:s, s:s?, s:o, s:s?}",
		      "time", (json_int_t)time(NULL), "domain", domain,
		      "verdict", verdict_name(now),
		      "previous", prev < 0 ? NULL : verdict_name(prev),
		      "findings", fs, "reply", reply);
	if (!o)
		return;
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return;
	size_t n = strlen(line);
	line[n] = '\n';		/* replaces the NUL; written with its length */
	if (write(r->fd, line, n + 1) != (ssize_t)(n + 1))
		log_warn("risk_log: write failed: %s", strerror(errno));
	free(line);
}
