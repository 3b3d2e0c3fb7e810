#!/bin/bash
# deb-package: the Debian package, end to end, leaving the machine as it
# found it. Needs root, dpkg-buildpackage, lintian, apt-get. TAP.
#
#  1. dpkg-buildpackage -us -uc -b in a copy of the sources (a temporary
#     directory: nothing lands beside the source tree); lintian: no error.
#  2. apt-get install ./mxvet_*.deb: the programs, the unit (enabled, not
#     started), the mxvet user, the conffiles, the man pages, the state and
#     log directories.
#  3. mxvetd started the way the unit starts it: with systemd as PID 1,
#     systemctl start; otherwise the unit's ExecStartPre and ExecStart
#     lines, run as its User= with its UMask=, in a private network
#     namespace (unshare -n, loopback only: the packaged config resolves
#     from the internet's root servers, and tests talk to loopback only).
#     One policy request over the installed socket (policy_listen's
#     default, 127.0.0.1:10045): a domain under .invalid, which
#     libunbound answers NXDOMAIN itself, must get the 550 reject.
#  4. The risk log: that verdict is in /var/log/mxvet/risk.log; rotated
#     (logrotate with the packaged file, or, without logrotate, its
#     rename, create and postrotate script run by hand), mxvetd writes to
#     the new file (SIGUSR1).
#  5. Stopped (systemctl stop / SIGTERM), apt-get remove: programs gone,
#     config and state kept; apt-get purge: config, state, logs and the
#     unit's enablement gone, the user kept (Debian's practice for system
#     users: files it owned may remain); the test removes a user it
#     caused to be made, and compares what the package may touch with
#     what was there before.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/skip.sh"
. "$top_srcdir/tests/tap.sh"
check() { local name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else notok "$name" "$(tail -c 2000 "$tmp/out")"; fi; }

if [ -n "${MXVET_DEB_BUILD:-}" ]; then	# run by the package build it runs: a bug
	echo "Bail out! tests/deb-package.sh inside a package build"
	exit 1
fi
[ "$(id -u)" = 0 ] || skip_or_fail "installs a package: needs root"
for c in dpkg-buildpackage lintian apt-get unshare nsenter setpriv python3; do
	command -v "$c" > /dev/null || skip_or_fail "no $c"
done
if dpkg-query -W -f='${Status}' mxvet 2>/dev/null | grep -q 'ok installed\|config-files'; then
	echo "1..1"
	echo "not ok 1 - a package mxvet is installed already: not touched (dpkg --purge mxvet first)"
	exit 1
fi

tmp=$(mktemp -d /tmp/mxvet-deb.XXXXXX)
chmod 755 "$tmp"	# apt's _apt user reads the .deb from here
pid=
user_before=$(getent passwd mxvet || true)
group_before=$(getent group mxvet || true)
export DEBIAN_FRONTEND=noninteractive

# What the package may touch, listed with owner and mode (the same on
# both sides of the test, or the machine changed).
snapshot() {
	{
		for p in /usr/bin/mxvet /usr/sbin/mxvetd /lib/systemd/system/mxvetd.service \
			/usr/lib/sysusers.d/mxvet.conf /usr/share/mxvet /usr/share/doc/mxvet \
			/usr/share/man/man1/mxvet.1.gz /usr/share/man/man5/mxvet.conf.5.gz \
			/usr/share/man/man8/mxvetd.8.gz /etc/mxvet /etc/logrotate.d/mxvet \
			/var/lib/mxvet /var/log/mxvet /run/mxvet /etc/systemd/system \
			/var/lib/systemd/deb-systemd-helper-enabled \
			/var/lib/systemd/deb-systemd-helper-masked; do
			[ -e "$p" ] || [ -L "$p" ] || continue
			find "$p" -printf '%p %u %g %m %l\n'
		done | sort
		getent passwd mxvet
		getent group mxvet
		dpkg-query -W -f='${Package} ${Status}\n' mxvet 2>/dev/null
	}
}

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	if [ -d /run/systemd/system ]; then systemctl stop mxvetd.service 2>/dev/null; fi
	if dpkg-query -W -f='${Status}' mxvet 2>/dev/null | grep -q 'installed\|config-files'; then
		timeout 120 dpkg --purge mxvet > /dev/null 2>&1
	fi
	if [ -z "$user_before" ] && getent passwd mxvet > /dev/null; then userdel mxvet 2>/dev/null; fi
	if [ -z "$group_before" ] && getent group mxvet > /dev/null; then groupdel mxvet 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
echo "1..16"
snapshot > "$tmp/before"

# 1. build in a copy: the tracked (and new, not ignored) files of a git
# checkout, or the whole tree of a release tarball
src=$tmp/src/mxvet
mkdir -p "$src"
if git -C "$top_srcdir" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$src"
else
	cp -a "$top_srcdir/." "$src/" && chmod -R u+w "$src"
fi
t0=$(date +%s)
# not with this make's variables (make check TESTS=... would reach the
# package's own make check through MAKEFLAGS)
build() {
	cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u top_srcdir \
		-u top_builddir MXVET_DEB_BUILD=1 DEB_BUILD_OPTIONS="parallel=2" \
		timeout 900 dpkg-buildpackage -us -uc -b
}
if build > "$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b in a copy of the sources ($(($(date +%s) - t0)) s)"
else
	notok "dpkg-buildpackage -us -uc -b" "$(tail -40 "$tmp/build.log")"
	echo "Bail out! no package"
	exit 1
fi
deb=$(ls "$tmp"/src/mxvet_*.deb 2>/dev/null | head -1)
changes=$(ls "$tmp"/src/mxvet_*.changes 2>/dev/null | head -1)
timeout 300 lintian -I --pedantic "$changes" > "$tmp/lintian" 2>&1
errors=$(grep -c '^E: ' "$tmp/lintian")
if [ "$errors" = 0 ] && [ -n "$deb" ]; then
	ok "lintian: no error ($(grep -c '^W: ' "$tmp/lintian") warnings, $(grep -c '^[IP]: ' "$tmp/lintian") notes)"
	sed -n 's/^\([WIP]: .*\)/# lintian: \1/p' "$tmp/lintian"
else
	notok "lintian: no error" "$(grep '^E: ' "$tmp/lintian")"
fi

# 2. install it as an admin would
check "apt-get install ./$(basename "$deb")" \
	timeout 300 apt-get install -y -q "$deb"
installed() {
	local f
	for f in /usr/bin/mxvet /usr/sbin/mxvetd /lib/systemd/system/mxvetd.service \
		/usr/lib/sysusers.d/mxvet.conf /usr/share/man/man1/mxvet.1.gz \
		/usr/share/man/man5/mxvet.conf.5.gz /usr/share/man/man8/mxvetd.8.gz; do
		[ -f "$f" ] || { echo "missing: $f"; return 1; }
	done
	dpkg-query -W -f='${Conffiles}\n' mxvet | grep -q ' /etc/mxvet/mxvet.conf ' &&
		dpkg-query -W -f='${Conffiles}\n' mxvet | grep -q ' /etc/logrotate.d/mxvet ' ||
		{ dpkg-query -W -f='${Conffiles}\n' mxvet; return 1; }
	grep -qx 'risk_log = /var/log/mxvet/risk.log' /etc/mxvet/mxvet.conf || return 1
	/usr/sbin/mxvetd -n -c /etc/mxvet/mxvet.conf
}
check "the programs, the unit, the sysusers entry and the man pages installed; the config and logrotate file are conffiles" installed
account() {
	local u
	u=$(getent passwd mxvet) || { echo "no user mxvet"; return 1; }
	[ "$(echo "$u" | cut -d: -f3)" -lt 1000 ] && [ "$(echo "$u" | cut -d: -f6)" = /var/lib/mxvet ] &&
		[ "$(stat -c '%U:%G %a' /var/lib/mxvet)" = "mxvet:mxvet 750" ] &&
		[ "$(stat -c '%U:%G %a' /var/log/mxvet)" = "mxvet:mxvet 750" ] ||
		{ echo "$u"; stat -c '%n %U:%G %a' /var/lib/mxvet /var/log/mxvet; return 1; }
}
check "the system user mxvet (home /var/lib/mxvet) owns /var/lib/mxvet and /var/log/mxvet (0750)" account
enabled_not_started() {
	if [ -d /run/systemd/system ]; then
		systemctl is-enabled mxvetd.service && ! systemctl is-active mxvetd.service
	else
		[ -L /etc/systemd/system/multi-user.target.wants/mxvetd.service ] &&
			! pgrep -u mxvet -x mxvetd
	fi
}
check "the unit is enabled (multi-user.target wants it) and mxvetd is not running" enabled_not_started

# 3. start it as the unit does
unit=/lib/systemd/system/mxvetd.service
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
uname=$(sed -n 's/^User=//p' "$unit")
umask_=$(sed -n 's/^UMask=//p' "$unit")
if [ -d /run/systemd/system ]; then
	how="systemctl start mxvetd.service"
	systemctl start mxvetd.service > "$tmp/out" 2>&1
	pid=$(systemctl show -p MainPID --value mxvetd.service)
	[ "$pid" = 0 ] && pid=
	nsrun() { "$@"; }
else
	how="no systemd (PID 1 is $(ps -o comm= -p 1)): the unit's ExecStartPre and ExecStart as User=$uname with UMask=$umask_, in unshare -n"
	unshare -n sh -c "ip link set lo up && umask $umask_ && setpriv --reuid=$uname --regid=$uname --init-groups $pre &&
		exec setpriv --reuid=$uname --regid=$uname --init-groups $start" > "$tmp/mxvetd.log" 2>&1 &
	pid=$!
	nsrun() { nsenter -t "$pid" -n "$@"; }
fi
up=
for _ in $(seq 100); do
	if [ -n "$pid" ] && nsrun bash -c 'exec 3<>/dev/tcp/127.0.0.1/10045' 2>/dev/null; then up=1; break; fi
	sleep 0.1
done
running() {
	[ -n "$up" ] && [ "$(ps -o user= -p "$pid")" = "$uname" ] && [ "$(ps -o comm= -p "$pid")" = mxvetd ] ||
		{ ps -o user=,comm=,args= -p "$pid"; cat "$tmp/mxvetd.log"; return 1; }
}
check "mxvetd started ($how), runs as $uname, listens on 127.0.0.1:10045" running

answer=$(nsrun timeout 20 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", 10045), 5)
s.settimeout(15)
s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
          b"client_address=192.0.2.7\nsender=s@example.org\nrecipient=user@nothing.invalid\n\n")
buf = b""
while b"\n\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
sys.stdout.write(buf.decode().strip())' 2>&1)
want="action=550 5.1.2 recipient domain nothing.invalid does not exist (NXDOMAIN) [DOMAIN_NXDOMAIN]"
if [ "$answer" = "$want" ]; then ok "a policy request over the installed socket: $answer"
else notok "a policy request over the installed socket" "got: $answer" "want: $want"; fi

# 4. the risk log and its rotation
risk=/var/log/mxvet/risk.log
check "the verdict change is in $risk" grep -q '"domain":"nothing.invalid"' "$risk"
open_file() { readlink "/proc/$pid/fd/"* 2>/dev/null | grep '^/var/log/mxvet/'; }
rotate() {
	if command -v logrotate > /dev/null; then
		logrotate -f -s "$tmp/logrotate.state" /etc/logrotate.d/mxvet || return 1
	else
		# what logrotate does with the packaged file: rename, create,
		# then its postrotate script
		mv "$risk" "$risk.1" && install -m 0640 -o mxvet -g mxvet /dev/null "$risk" &&
			sed -n '/postrotate/,/endscript/p' /etc/logrotate.d/mxvet | sed '1d;$d' > "$tmp/postrotate" &&
			sh -e "$tmp/postrotate" || return 1
	fi
	for _ in $(seq 50); do
		[ "$(open_file)" = "$risk" ] && return 0
		sleep 0.1
	done
	echo "mxvetd has open: $(open_file)"
	return 1
}
if command -v logrotate > /dev/null; then rot="logrotate -f"; else rot="no logrotate here: its rename, create and postrotate run by hand"; fi
check "rotated ($rot): mxvetd reopened $risk (SIGUSR1)" rotate

# 5. stop, remove, purge
stop() {
	if [ -d /run/systemd/system ]; then
		systemctl stop mxvetd.service
	else
		kill -TERM "$pid"
		for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		! kill -0 "$pid" 2>/dev/null && wait "$pid"
	fi
}
check "mxvetd stops on SIGTERM (exit 0)" stop
check "the domain history is in /var/lib/mxvet" test -s /var/lib/mxvet/history.mdb
removed() {
	timeout 300 apt-get remove -y -q mxvet || return 1
	[ ! -e /usr/sbin/mxvetd ] && [ ! -e /usr/bin/mxvet ] && [ ! -e "$unit" ] &&
		[ -f /etc/mxvet/mxvet.conf ] && [ -s /var/lib/mxvet/history.mdb ] && [ -d /var/log/mxvet ] &&
		getent passwd mxvet > /dev/null ||
		{ ls -la /etc/mxvet /var/lib/mxvet /var/log/mxvet; return 1; }
}
check "apt-get remove: the programs go; config, state and logs stay" removed
purged() {
	timeout 300 apt-get purge -y -q mxvet || return 1
	local left
	left=$(ls -d /etc/mxvet /var/lib/mxvet /var/log/mxvet /etc/logrotate.d/mxvet \
		/etc/systemd/system/multi-user.target.wants/mxvetd.service 2>/dev/null)
	[ -z "$left" ] && ! dpkg-query -W -f='${Status}' mxvet 2>/dev/null | grep -q 'installed\|config-files' ||
		{ echo "left: $left"; return 1; }
}
check "apt-get purge: config, state, logs and the enablement go" purged
if getent passwd mxvet > /dev/null; then
	ok "the user mxvet stays after the purge (Debian's practice for system users)"
else
	notok "the user mxvet stays after the purge" "it was removed"
fi
if [ -z "$user_before" ]; then userdel mxvet 2>/dev/null; fi
if [ -z "$group_before" ] && getent group mxvet > /dev/null; then groupdel mxvet 2>/dev/null; fi
snapshot > "$tmp/after"
if diff "$tmp/before" "$tmp/after" > "$tmp/diff"; then
	ok "the machine is as it was (files the package may touch, the user and group, dpkg's record)"
else
	notok "the machine is as it was" "$(cat "$tmp/diff")"
fi
