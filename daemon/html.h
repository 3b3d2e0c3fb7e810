/* html: strings made safe for an HTML page (the status page). Domain names,
 * DNS data and SMTP greetings are chosen by whoever runs a domain, so every
 * such byte goes through here, in text and in attribute values alike. */
#ifndef MXVET_HTML_H
#define MXVET_HTML_H

#include <stddef.h>

struct evbuffer;

/* Append s (NULL: nothing) with & < > " ' escaped as character references
 * and C0 controls other than tab and newline (and DEL) shown as U+FFFD:
 * the result is text in element content and in quoted attribute values. */
void html_text(struct evbuffer *b, const char *s);
/* The same into buf (always NUL-terminated, cut at a whole reference);
 * returns the length written. For tests and small fixed strings. */
size_t html_escape(char *buf, size_t len, const char *s);

#endif
