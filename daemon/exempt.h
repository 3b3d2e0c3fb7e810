/* exempt: the rollout exemptions, one place for the policy service and
 * the milter (both ask through the decider): a request from a client in
 * skip_clients, from a sender in skip_senders, to a domain in
 * skip_domains, or (skip_authenticated = yes) from a SASL-authenticated
 * client is not checked. Authenticated submission is checked unless told
 * otherwise: a user who mistypes a domain is best told at RCPT. Pure. */
#ifndef MXVET_EXEMPT_H
#define MXVET_EXEMPT_H

#include <stdbool.h>

struct config;

/* Does domain, or a parent of it, appear in the sorted list? */
struct strlist;
bool exempt_domain_listed(const struct strlist *l, const char *domain);

/* The key that exempts the request ("skip_clients", "skip_senders",
 * "skip_domains", "skip_authenticated"), or NULL. Any argument may be
 * NULL or "" (unknown): an unknown value matches nothing. domain is the
 * normalized recipient domain; sender "user@domain" (domain part
 * case-insensitive, as every match here); client an IPv4 or IPv6
 * address (IPv4-mapped IPv6 counts as IPv4). */
const char *exempt_match(const struct config *cfg, const char *client, const char *sender,
			 const char *sasl_username, const char *domain);

#endif
