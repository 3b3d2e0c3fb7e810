/* privdrop: become an unprivileged user for good (setgroups, setgid,
 * setuid, then make sure setuid(0) fails). Used by mxvetd after binding
 * and by mxvet check run as root, so that both create the history and
 * every other file as the same user. */
#ifndef MXVET_PRIVDROP_H
#define MXVET_PRIVDROP_H

#include <stddef.h>

/* 0 on success, -1 with a message in err. Only for root. own_dir (NULL
 * or empty: none) is made if missing and given to the user first: the
 * history directory, written as the user. */
int privdrop_become(const char *user, const char *own_dir, char *err, size_t errlen);

#endif
