/* dname: domain names as mxvet handles them. Normalizing recipient domains
 * (case, trailing dot, UTF-8 to A-labels with libidn2, length and label
 * checks), host-name validity for MX targets, and wire-to-text conversion.
 * Pure functions on caller-supplied buffers. */
#ifndef MXVET_DNAME_H
#define MXVET_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNAME_MAXLEN 1024	/* presentation form with escapes */

enum dname_norm {
	DNAME_OK = 0,
	DNAME_ADDRESS_LITERAL = 1,	/* "[192.0.2.1]": not a domain */
	DNAME_INVALID = -1,
};

/* Normalize a recipient domain into out (lower-case A-label, no trailing
 * dot). On DNAME_INVALID err says why. */
enum dname_norm dname_normalize(const char *in, char *out, size_t outlen,
				char *err, size_t errlen);

bool dname_equal(const char *a, const char *b);	/* case and final dot insensitive */
void dname_strip_dot(char *name);		/* "a.b." -> "a.b"; "." stays */

/* Convert an uncompressed wire name at p (at most len bytes) to lower-case
 * presentation form without the final dot ("." for the root), escaping as
 * dig does (\. \\ \DDD). Returns bytes consumed, or -1 if malformed. */
int dname_from_wire(const uint8_t *p, size_t len, char *out, size_t outlen);

/* Is name (presentation form) a valid host name: LDH labels of 1..63,
 * no leading or trailing hyphen, at most 253 octets, at least one label?
 * If not, *why (may be NULL) tells. */
bool dname_is_hostname(const char *name, const char **why);

/* Does the name spell an IP address ("192.0.2.1", "[192.0.2.1]", an IPv6
 * address)? */
bool dname_is_ip_literal(const char *name);

#endif
