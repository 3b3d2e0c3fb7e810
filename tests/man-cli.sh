#!/bin/bash
# The command lines and their manual pages agree (TAP): mxvet --version and
# mxvetd -V print the configured version, mxvetd -h its options, and
# mxvet(1) documents every subcommand mxvet --help lists and every option
# each subcommand's --help names (check -v, report, ctl included);
# mxvetd(8) every option of mxvetd -h.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
mxvet=$top_builddir/mxvet
mxvetd=$top_builddir/mxvetd
man1=$top_srcdir/man/mxvet.1
man8=$top_srcdir/man/mxvetd.8
. "$top_srcdir/tests/tap.sh"
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name" "${diag:-}"; fi; diag=; }

version=$(sed -n 's/^AC_INIT(\[mxvet\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
echo "1..9"

out=$("$mxvet" --version 2>&1); rc=$?
diag="rc=$rc out=$out want=mxvet $version"
check "mxvet --version prints mxvet $version, exit 0" test "$rc" = 0 -a "$out" = "mxvet $version" -a -n "$version"

out=$("$mxvetd" -V 2>&1); rc=$?
diag="rc=$rc out=$out"
check "mxvetd -V prints mxvetd $version, exit 0" test "$rc" = 0 -a "$out" = "mxvetd $version"

out=$("$mxvetd" -h 2>/dev/null); rc=$?
missing=
for o in -f -l -n -c -V -h; do grep -q -- "^  $o " <<<"$out" || missing="$missing $o"; done
"$mxvetd" -Z >/dev/null 2>&1; bad=$?
diag="rc=$rc bad-option rc=$bad missing:$missing"
check "mxvetd -h: each option on standard output, exit 0; a bad option exits 64" \
	test "$rc" = 0 -a -z "$missing" -a "$bad" = 64

missing=
for o in f l n c V h; do
	grep -qE "^\.B[IR]? .?\\\\-$o( |\$)" "$man8" || missing="$missing -$o"
done
diag="not in mxvetd.8:$missing"
check "mxvetd(8) documents every option of mxvetd -h" test -z "$missing"

cmds=$("$mxvet" --help | awk '/^commands:/ { on = 1; next } on && !NF { exit } on { print $1 }')
missing=
for c in $cmds; do
	grep -q "^\.B mxvet $c\$" "$man1" || missing="$missing $c"
	grep -q "^\.SH \"MXVET ${c^^}\"\$\|^\.SH \"OPTIONS OF MXVET ${c^^}\"\$" "$man1" ||
		missing="$missing $c(section)"
done
diag="commands: $cmds; not in mxvet.1:$missing"
check "mxvet(1) has a synopsis and a section for each command of mxvet --help" \
	test -n "$cmds" -a -z "$missing"

missing=
for c in $cmds; do
	for o in $("$mxvet" "$c" --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$man1" || missing="$missing $c:$o"
	done
done
diag="not in mxvet.1:$missing"
check "mxvet(1) documents every option each command's --help names" test -z "$missing"

help=$("$mxvet" check --help)
diag="$help"
check "mxvet check --help documents -v/--verbose" grep -q -- '-v|--verbose' <<<"$help"
diag="no -v/--verbose entry in mxvet.1"
check "mxvet(1) documents mxvet check -v" grep -q '^\.BR \\-v ", " \\-\\-verbose$' "$man1"

missing=
for w in metrics risk 'check \\-\\-fresh' 'flush \\-\\-all' 'POST /v1/flush'; do
	grep -q "$w" "$man1" || missing="$missing [$w]"
done
diag="not in mxvet.1:$missing"
check "mxvet(1) describes ctl metrics, risk, check --fresh, flush, flush --all" test -z "$missing"
