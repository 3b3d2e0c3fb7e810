#!/bin/bash
# MX_TYPO works from the build tree, with no provider file installed: the
# list is built into the binaries, and mx_providers_file replaces it. On
# the loopback lab (mxtypo.test: MX aspmx.l.gooogle.com). TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lab-env.sh"
tmp=$(mktemp -d /tmp/mxvet-typo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/tap.sh"
lab_acquire || { echo "Bail out! cannot start the lab in $MXVET_LAB"; exit 1; }
echo "1..4"
# the lab's own config names no provider file
grep -v '^mx_providers_file' "$MXVET_LAB/mxvet.conf" > "$tmp/builtin.conf"
# user: who runs the test (as root, mxvet check becomes an existing daemon user)
printf 'state_dir =\nuser =\n' >> "$tmp/builtin.conf"
check() {	# config, domain -> JSON on stdout, stderr in $tmp/err, status in $tmp/rc
	"$top_builddir/mxvet" check --json --no-smtp --no-authority --config "$1" "$2" 2> "$tmp/err"
	echo $? > "$tmp/rc"
}
check "$tmp/builtin.conf" mxtypo.test > "$tmp/out"
if grep -q '"code": *"MX_TYPO"' "$tmp/out" && grep -q 'gooogle.com' "$tmp/out" &&
	! grep -q 'MX_TYPO check off' "$tmp/err"; then
	ok "no mx_providers_file: the built-in list finds MX_TYPO on mxtypo.test"
else
	notok "no mx_providers_file: the built-in list finds MX_TYPO on mxtypo.test" \
		"$(cat "$tmp/out" "$tmp/err")"
fi
check "$tmp/builtin.conf" healthy.test > "$tmp/out"
if grep -q '"verdict": *"accept"' "$tmp/out" && ! grep -q MX_TYPO "$tmp/out"; then
	ok "the built-in list leaves healthy.test alone"
else
	notok "the built-in list leaves healthy.test alone" "$(cat "$tmp/out" "$tmp/err")"
fi
# a file replaces the built-in list
echo "example.net" > "$tmp/providers.txt"
{ cat "$tmp/builtin.conf"; echo "mx_providers_file = $tmp/providers.txt"; } > "$tmp/file.conf"
check "$tmp/file.conf" mxtypo.test > "$tmp/out"
if [ "$(cat "$tmp/rc")" != 78 ] && grep -q '"domain": *"mxtypo.test"' "$tmp/out" &&
	! grep -q MX_TYPO "$tmp/out"; then
	ok "mx_providers_file replaces the built-in list"
else
	notok "mx_providers_file replaces the built-in list" "$(cat "$tmp/out" "$tmp/err")"
fi
# a file named but missing is a configuration error, not a silent fallback
{ cat "$tmp/builtin.conf"; echo "mx_providers_file = $tmp/absent.txt"; } > "$tmp/absent.conf"
check "$tmp/absent.conf" mxtypo.test > "$tmp/out"
if [ "$(cat "$tmp/rc")" = 78 ] && grep -q "mx_providers_file.*absent.txt" "$tmp/err"; then
	ok "a missing mx_providers_file stops mxvet check (exit 78, naming it)"
else
	notok "a missing mx_providers_file stops mxvet check (exit 78, naming it)" \
		"rc=$(cat "$tmp/rc")" "$(cat "$tmp/err")"
fi
