/* sockperm: who may connect to mxvetd's unix sockets (policy, milter, admin).
 * A socket is made under a umask that leaves no more than the wanted mode,
 * then given its owner and group and exactly that mode: never a window in
 * which anyone else could connect. Owner: `user` when started as root;
 * group: `unix_socket_group`, else `user`'s group; mode: `unix_socket_mode`.
 * Started as another user, the owner stays; the group can then be any
 * group that user is a member of (e.g. SupplementaryGroups=postfix). */
#ifndef MXVET_SOCKPERM_H
#define MXVET_SOCKPERM_H

#include <stddef.h>
#include <sys/types.h>

struct config;

struct sock_perm {
	uid_t uid;		/* (uid_t)-1: leave */
	gid_t gid;		/* (gid_t)-1: leave */
	mode_t mode;
};

/* From cfg; -1 with a message if the user or group does not exist. */
int sock_perm_from_config(const struct config *cfg, struct sock_perm *p, char *err,
			  size_t errlen);
/* Around the call that creates the socket file: umask to the mode. */
mode_t sock_perm_umask(const struct sock_perm *p);
/* After it: owner, group, mode; -1 with a message (what names the socket). */
int sock_perm_apply(const char *path, const struct sock_perm *p, const char *what,
		    char *err, size_t errlen);
/* A listening, non-blocking unix socket at path made that way (a stale
 * socket there is replaced, any other file refused); the fd, or -1 with a
 * message naming what (the config key). */
int sock_perm_listen(const char *path, const struct sock_perm *perm, const char *what,
		     int backlog, char *err, size_t errlen);

#endif
