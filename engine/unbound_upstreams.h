/* unbound_upstreams: the addresses an unbound.conf names as forwarders or
 * stub servers (forward-addr:, stub-addr:). The admin chose them, so the
 * address policy that keeps libunbound away from loopback and private
 * space must not cut mxvet off from, say, a local caching resolver on
 * 127.0.0.1 (forward-addr: 127.0.0.1). Only the file itself is read, not
 * its include: files; forward-host:/stub-host: names are not resolved. */
#ifndef MXVET_UNBOUND_UPSTREAMS_H
#define MXVET_UNBOUND_UPSTREAMS_H

#include "lib/netaddr.h"

/* Append a host route for each address named to out (a list of at most
 * a few hundred entries; the rest are ignored). Returns the number added,
 * or -1 if the file cannot be read (out unchanged). */
int unbound_upstreams(const char *path, struct cidr_list *out);

#endif
