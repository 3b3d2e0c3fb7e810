/* privdrop: see privdrop.h. */
#include "lib/privdrop.h"
#include "lib/log.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int privdrop_become(const char *user, const char *own_dir, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		snprintf(err, errlen, "user %s does not exist (create it, or set user = to "
			 "another unprivileged user)", user);
		return -1;
	}
	if (own_dir && *own_dir) {
		mkdir(own_dir, 0750);
		if (chown(own_dir, pw->pw_uid, pw->pw_gid) < 0)
			log_warn("%s: chown to %s: %s", own_dir, user, strerror(errno));
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot become user %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		snprintf(err, errlen, "privileges not dropped: setuid(0) still works");
		return -1;
	}
	return 0;
}
