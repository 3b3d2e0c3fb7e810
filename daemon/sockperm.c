/* sockperm: owner, group and mode of the unix sockets (see sockperm.h). */
#include "daemon/sockperm.h"
#include "engine/config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

int sock_perm_listen(const char *path, const struct sock_perm *perm, const char *what,
		     int backlog, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat stb;
	mode_t old;
	int fd, rc;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "%s: unix:%s: path too long", what, path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	/* a stale socket from a previous run; never anything else */
	if (lstat(path, &stb) == 0) {
		if (!S_ISSOCK(stb.st_mode)) {
			snprintf(err, errlen, "%s: unix:%s exists and is not a socket", what, path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: unix:%s: %s", what, path, strerror(errno));
		return -1;
	}
	/* born no more open than the mode: no window for others */
	old = sock_perm_umask(perm);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc < 0 || listen(fd, backlog) < 0) {
		snprintf(err, errlen, "%s: unix:%s: %s", what, path, strerror(errno));
		close(fd);
		return -1;
	}
	if (sock_perm_apply(path, perm, what, err, errlen) < 0) {
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}
