#!/bin/bash
# install: make install DESTDIR=... puts one filesystem layout in place and
# the installed systemd unit is sound: the config where the unit and the
# man pages say (/etc/mxvet/mxvet.conf), the history where the unit's
# StateDirectory= is (/var/lib/mxvet), the mxvet user from the installed
# sysusers.d entry, Type=notify with memory and task limits,
# systemd-analyze verify clean and an exposure of at most 2.0. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
tmp=$(mktemp -d /tmp/mxvet-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
. "$top_srcdir/tests/tap.sh"
check() { local name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else notok "$name" "$(head -c 1500 "$tmp/out")"; fi; }
. "$top_srcdir/tests/skip.sh"
skip() { n=$((n + 1)); skip_case_or_fail "$n" "$1" "$2"; }
echo "1..9"

if ! make -C "$top_builddir" install DESTDIR="$root" > "$tmp/install.log" 2>&1; then
	echo "Bail out! make install failed: $(tail -5 "$tmp/install.log")"
	exit 1
fi
unit=$(find "$root" -name mxvetd.service -type f | head -1)
sysusers=$(find "$root" -path '*/sysusers.d/mxvet.conf' -type f | head -1)
[ -n "$unit" ] || { echo "Bail out! no mxvetd.service installed"; exit 1; }
sbin_mxvetd=$(sed -n 's|^ExecStart=\([^ ]*\) -f -c \(.*\)$|\1|p' "$unit")
conf_path=$(sed -n 's|^ExecStart=\([^ ]*\) -f -c \(.*\)$|\2|p' "$unit")
localstatedir=$(sed -n 's/^localstatedir = //p' "$top_builddir/Makefile")
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile")
defaults=$("$top_builddir/tests/dumpconf")
state_def=$(echo "$defaults" | sed -n 's/^state_dir = //p')
user_def=$(echo "$defaults" | sed -n 's/^user = //p')

# 1. one layout: config at the unit's -c path, /etc unless configured
# otherwise; the built-in default config path the same (mxvetd -n finds it)
layout() {
	[ "$conf_path" = "$sysconfdir/mxvet/mxvet.conf" ] && [ -f "$root$conf_path" ] &&
		[ -x "$root$sbin_mxvetd" ] && grep -q "$sysconfdir/mxvet/mxvet.conf" "$root$sbin_mxvetd" ||
		{ echo "conf $conf_path sysconfdir $sysconfdir binary $sbin_mxvetd"; return 1; }
	# a default ./configure: the paths of the man pages
	if ! grep -q -- "--sysconfdir" "$top_builddir/config.log"; then
		[ "$sysconfdir" = /etc ] || { echo "default sysconfdir $sysconfdir, not /etc"; return 1; }
		grep -q '/etc/mxvet/mxvet.conf' "$top_srcdir/man/mxvetd.8" || return 1
	fi
}
check "the config is installed where the unit and mxvetd look for it ($conf_path)" layout

# 2. the history: state_dir's default is the unit's StateDirectory=
history_dir() {
	local sd
	sd=$(sed -n 's/^StateDirectory=//p' "$unit")
	[ "$state_def" = "$localstatedir/lib/$sd" ] || { echo "state_dir $state_def, unit /var/lib/$sd"; return 1; }
	if ! grep -q -- "--localstatedir" "$top_builddir/config.log"; then
		[ "$state_def" = /var/lib/mxvet ] || { echo "default state_dir $state_def"; return 1; }
	fi
}
check "state_dir's default is the unit's StateDirectory ($state_def)" history_dir

# 3. the unit: notify, limits, the user of the sysusers entry and the config
unit_keys() {
	grep -qx 'Type=notify' "$unit" && grep -q '^MemoryMax=' "$unit" && grep -q '^TasksMax=' "$unit" &&
		grep -qx "User=$user_def" "$unit" || { grep -E '^(Type|MemoryMax|TasksMax|User)=' "$unit"; return 1; }
}
check "the unit: Type=notify, MemoryMax, TasksMax, User=$user_def" unit_keys

# 4. the sysusers entry creates that user (into the DESTDIR root)
if [ -n "$sysusers" ] && command -v systemd-sysusers > /dev/null; then
	mkdir -p "$root/etc"
	touch "$root/etc/passwd" "$root/etc/group"
	users() {
		systemd-sysusers --root="$root" "$sysusers" &&
			grep -q "^$user_def:x:[0-9]*:[0-9]*:.*:/var/lib/mxvet:" "$root/etc/passwd"
	}
	check "the installed sysusers.d entry creates user $user_def" users
else
	[ -n "$sysusers" ] && skip "the installed sysusers.d entry creates user $user_def" "no systemd-sysusers" ||
		notok "the installed sysusers.d entry creates user $user_def" "no sysusers.d/mxvet.conf installed"
fi

# 5-6. systemd-analyze: verify (the binary path mapped into DESTDIR, where
# it is installed) and the exposure level
if command -v systemd-analyze > /dev/null; then
	sed -e "s|$sbin_mxvetd|$root$sbin_mxvetd|g" "$unit" > "$tmp/mxvetd.service"
	verify() { (cd "$tmp" && systemd-analyze verify --man=no "$tmp/mxvetd.service") && ! [ -s "$tmp/out" ]; }
	check "systemd-analyze verify: the installed unit is clean" verify
	systemd-analyze security --offline=true "$tmp/mxvetd.service" > "$tmp/sec" 2>&1
	level=$(sed -n 's/.*Overall exposure level for mxvetd.service: \([0-9.]*\).*/\1/p' "$tmp/sec")
	if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
		ok "systemd-analyze security: exposure $level <= 2.0"
	else
		notok "systemd-analyze security: exposure ${level:-?} <= 2.0" "$(grep '✗' "$tmp/sec")"
	fi
else
	skip "systemd-analyze verify: the installed unit is clean" "no systemd-analyze"
	skip "systemd-analyze security: exposure <= 2.0" "no systemd-analyze"
fi

# 7. mxvetd -n passes the installed example config (user and paths aside)
sample() {
	sed -e "s|^#user = .*|user =|" "$root$conf_path" > "$tmp/sample.conf"
	"$root$sbin_mxvetd" -n -c "$tmp/sample.conf"
}
check "the installed mxvetd -n accepts the installed mxvet.conf" sample

# 8. the man pages name the same places
man_paths() {
	grep -q '/var/lib/mxvet' "$top_srcdir/man/mxvet.conf.5" &&
		grep -q 'sysusers' "$top_srcdir/man/mxvetd.8" &&
		grep -q '/run/mxvet/mxvetd.pid' "$top_srcdir/man/mxvet.conf.5"
}
check "mxvet.conf(5) and mxvetd(8) name /var/lib/mxvet, /run/mxvet/mxvetd.pid, sysusers" man_paths

# 9. make uninstall removes what install added
uninstall() {
	make -C "$top_builddir" uninstall DESTDIR="$root" > "$tmp/out" 2>&1 &&
		! [ -e "$unit" ] && ! [ -e "$sysusers" ] && ! [ -e "$root$sbin_mxvetd" ]
}
check "make uninstall removes the unit, the sysusers entry and the programs" uninstall
