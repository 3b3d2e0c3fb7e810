/* policy_parser: the Postfix SMTPD access policy delegation protocol, the
 * request side (SMTPD_POLICY_README): "name=value\n" lines, a request ends
 * with an empty line. Pure and incremental: it scans the bytes a connection
 * has buffered, keeps its position between calls, and yields one request at
 * a time; no I/O, no allocation, so tests can feed it a byte at a time and
 * fuzzers anything.
 *
 * The caller owns the buffer. The parser writes NULs over '=' and '\n' of
 * the lines it has scanned (in place, so names and values become strings)
 * and keeps offsets, so the caller may move or grow the buffer between
 * calls as long as the unconsumed bytes keep their order from buf[0].
 * After PP_REQUEST the request's strings point into buf until the caller
 * drops the consumed bytes; the parser is then ready for the next request.
 * After PP_ERROR the connection is beyond repair: close it. */
#ifndef MXVET_POLICY_PARSER_H
#define MXVET_POLICY_PARSER_H

#include <stddef.h>

#define POLICY_MAX_LINE 4096		/* bytes of one "name=value" line */
#define POLICY_MAX_ATTRS 100		/* attributes per request (Postfix 3.7 sends 29) */
#define POLICY_MAX_REQUEST 16384	/* bytes of one request, blank line included */
#define POLICY_MAX_NAME 64		/* bytes of an attribute name */

/* The attributes mxvetd looks at; others are counted and skipped. */
enum policy_attr {
	PA_REQUEST,
	PA_PROTOCOL_STATE,
	PA_RECIPIENT,
	PA_SENDER,
	PA_CLIENT_ADDRESS,
	PA_QUEUE_ID,
	PA_CLIENT_NAME,
	PA_SASL_USERNAME,
	PA__COUNT
};

struct policy_request {
	const char *v[PA__COUNT];	/* NULL when absent; the last one wins */
	unsigned nattr;
};

enum pp_status { PP_MORE, PP_REQUEST, PP_ERROR };

struct policy_parser {
	size_t pos;			/* bytes of buf scanned */
	size_t line;			/* start of the current line */
	unsigned nattr;
	size_t off[PA__COUNT];		/* value offsets + 1; 0 = absent */
};

void policy_parser_init(struct policy_parser *p);

/* Scan buf[0..len). PP_REQUEST: *req filled, *consumed = its length in
 * bytes (the caller drops them). PP_MORE: need more bytes. PP_ERROR: *why
 * says what was wrong (static text). */
enum pp_status policy_parse(struct policy_parser *p, char *buf, size_t len,
			    struct policy_request *req, size_t *consumed,
			    const char **why);

#endif
