#!/bin/sh
# with-dev-log.sh SOCKET CMD [ARG...]: run CMD where /dev/log is SOCKET, so
# a test can read what CMD sends to syslog. A private mount namespace
# (unshare -m, root): a fresh /dev with the usual device nodes bound in and
# SOCKET bound at /dev/log. The host's /dev and its syslog are not touched.
set -eu
[ "${WITH_DEV_LOG_INSIDE:-}" = 1 ] || {
	WITH_DEV_LOG_INSIDE=1 exec unshare -m --propagation private "$0" "$@"
}
sock=$1
shift
host=$(mktemp -d /tmp/mxvet-hostdev.XXXXXX)
mount --bind /dev "$host"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero full random urandom tty; do
	[ -e "$host/$n" ] || continue
	: > "/dev/$n"
	mount --bind "$host/$n" "/dev/$n"
done
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
: > /dev/log
mount --bind "$sock" /dev/log
# the alias of the host's /dev is needed no more (and only ever lived here)
umount "$host"
rmdir "$host"
unset WITH_DEV_LOG_INSIDE
exec "$@"
