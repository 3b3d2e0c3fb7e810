/* sockperm: owner, group and mode of the unix sockets (see sockperm.h). */
#include "daemon/sockperm.h"
#include "engine/config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sock_perm_from_config(const struct config *cfg, struct sock_perm *p, char *err,
			  size_t errlen)
{
	struct passwd *pw = NULL;

	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	p->mode = (mode_t)cfg->unix_socket_mode & 0777;
	if (geteuid() == 0 && *cfg->user) {
		if (!(pw = getpwnam(cfg->user))) {
			snprintf(err, errlen, "user %s does not exist", cfg->user);
			return -1;
		}
		p->uid = pw->pw_uid;
		p->gid = pw->pw_gid;
	}
	if (*cfg->unix_socket_group) {
		struct group *gr = getgrnam(cfg->unix_socket_group);
		if (!gr) {
			snprintf(err, errlen, "unix_socket_group: group %s does not exist",
				 cfg->unix_socket_group);
			return -1;
		}
		p->gid = gr->gr_gid;
	}
	return 0;
}

mode_t sock_perm_umask(const struct sock_perm *p)
{
	return umask((mode_t)(~p->mode & 0777));
}

int sock_perm_apply(const char *path, const struct sock_perm *p, const char *what,
		    char *err, size_t errlen)
{
	if ((p->uid != (uid_t)-1 || p->gid != (gid_t)-1) &&
	    fchownat(AT_FDCWD, path, p->uid, p->gid, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(err, errlen, "%s unix:%s: cannot give it to uid %ld gid %ld: %s%s", what,
			 path, (long)(int)p->uid, (long)(int)p->gid, strerror(errno),
			 errno == EPERM ? " (not root: the user must be a member of "
					  "unix_socket_group)" : "");
		return -1;
	}
	if (chmod(path, p->mode) < 0) {
		snprintf(err, errlen, "%s unix:%s: chmod %04o: %s", what, path,
			 (unsigned)p->mode, strerror(errno));
		return -1;
	}
	return 0;
}
