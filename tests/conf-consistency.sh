#!/bin/bash
# conf/mxvet.conf and man/mxvet.conf.5 list exactly the parameters of the
# table in engine/config.c (read through tests/dumpconf, i.e. the code), the
# example's defaults are the table's, the loader accepts the example with
# every line uncommented, and the man pages and the systemd unit are clean.
# The docs (docs/*.md, README.md) name only keys mxvetd -n accepts, and only
# Postfix parameters Postfix knows. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
conf=$top_srcdir/conf/mxvet.conf
man5=$top_srcdir/man/mxvet.conf.5
dump=$top_builddir/tests/dumpconf
tmp=$(mktemp -d /tmp/mxvet-conf-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/skip.sh"
skip() { n=$((n + 1)); skip_case_or_fail "$n" "$1" "$2"; }
same_lines() {	# name, file A, file B
	if diff -u "$2" "$3" > "$tmp/diff"; then ok "$1"; else
		notok "$1"; sed 's/^/# /' "$tmp/diff"; fi
}

echo "1..14"
"$dump" > "$tmp/defaults" || { echo "Bail out! $dump failed"; exit 1; }
sed -n 's/^\([a-z_0-9]*\) =.*/\1/p' "$tmp/defaults" | sort > "$tmp/keys.code"
[ -s "$tmp/keys.code" ] || { echo "Bail out! no keys from $dump"; exit 1; }

# 1. the example lists every key once, commented out ("#key = default")
grep -E '^#[a-z_0-9]+ =' "$conf" | sed 's/^#\([a-z_0-9]*\) =.*/\1/' | grep -v '^on_' | sort > "$tmp/keys.conf"
same_lines "conf/mxvet.conf lists exactly the keys of the parameter table" "$tmp/keys.code" "$tmp/keys.conf"

# 2. mxvet.conf(5) describes every key (".TP" then ".B key", or
# '.BR key " (restart)"' for a key a reload does not change)
awk 'prev == ".TP" && ($1 == ".B" && NF == 2 || $1 == ".BR" && $3 $4 == "\"(restart)\"") &&
	$2 ~ /^[a-z_0-9]+$/ { print $2 } { prev = $0 }' "$man5" | sort > "$tmp/keys.man"
same_lines "mxvet.conf(5) describes exactly the keys of the parameter table" "$tmp/keys.code" "$tmp/keys.man"

# 3. the loader accepts the example with every parameter line uncommented,
# and the values are the table's defaults. The example shows the paths of a
# Debian install (prefix /usr); map them to this build's defaults first.
state_def=$(sed -n 's/^state_dir = //p' "$tmp/defaults")
grep -E '^#[a-z_0-9]+ =' "$conf" | grep -v '^#on_' | sed 's/^#//' |
	sed -e "s|^state_dir = /var/lib/mxvet\$|state_dir = $state_def|" > "$tmp/uncommented.conf"
if "$dump" "$tmp/uncommented.conf" > "$tmp/loaded" 2> "$tmp/err"; then
	ok "the config loader accepts conf/mxvet.conf uncommented"
else
	notok "the config loader accepts conf/mxvet.conf uncommented" "$(cat "$tmp/err")"
fi
same_lines "conf/mxvet.conf shows the table's default values" "$tmp/defaults" "$tmp/loaded"

# 4. the on_<code> examples are valid too, and change what they say
grep -E '^#on_[a-z_]+ =' "$conf" | sed 's/^#//' > "$tmp/on.conf"
if [ "$(wc -l < "$tmp/on.conf")" -ge 2 ] && "$dump" "$tmp/on.conf" > "$tmp/on.out" 2> "$tmp/err" &&
	grep -qx 'on_mx_cname = reject' "$tmp/on.out"; then
	ok "the on_<code> examples load and take effect"
else
	notok "the on_<code> examples load and take effect" "$(cat "$tmp/err" 2>/dev/null)"
fi

# 5. mxvetd -n accepts the example (when mxvetd is built)
if [ -x "$top_builddir/mxvetd" ]; then
	# the user mxvet need not exist on a build host: nobody does
	sed 's/^user = mxvet$/user = nobody/' "$tmp/uncommented.conf" > "$tmp/uncommented-n.conf"
	if "$top_builddir/mxvetd" -n -c "$tmp/uncommented-n.conf" > "$tmp/err" 2>&1; then
		ok "mxvetd -n accepts conf/mxvet.conf uncommented"
	else
		notok "mxvetd -n accepts conf/mxvet.conf uncommented" "$(cat "$tmp/err")"
	fi
else
	skip "mxvetd -n accepts conf/mxvet.conf uncommented" "mxvetd not built"
fi

# 6. man pages format without warnings
if command -v groff > /dev/null; then
	: > "$tmp/groff"
	for m in mxvetd.8 mxvet.1 mxvet.conf.5; do
		groff -man -t -Tutf8 -ww "$top_srcdir/man/$m" 2>> "$tmp/groff" > /dev/null
	done
	if [ -s "$tmp/groff" ]; then notok "man pages format without groff warnings" "$(cat "$tmp/groff")"
	else ok "man pages format without groff warnings"; fi
else
	skip "man pages format without groff warnings" "groff not installed"
fi

# 7. the systemd unit passes systemd-analyze verify
if command -v systemd-analyze > /dev/null; then
	sed -e "s|@sbindir@|$top_builddir|g" -e "s|@sysconfdir@|$tmp|g" \
		"$top_srcdir/systemd/mxvetd.service.in" > "$tmp/mxvetd.service"
	if (cd "$tmp" && systemd-analyze verify --man=no "$tmp/mxvetd.service") > "$tmp/err" 2>&1; then
		ok "systemd-analyze verify mxvetd.service"
	else
		notok "systemd-analyze verify mxvetd.service" "$(cat "$tmp/err")"
	fi
else
	skip "systemd-analyze verify mxvetd.service" "systemd-analyze not installed"
fi

# 8. the keys marked (restart) in mxvet.conf(5) are those the table marks
awk 'prev == ".TP" && $1 == ".BR" && $3 $4 == "\"(restart)\"" { print $2 } { prev = $0 }' "$man5" |
	sort > "$tmp/restart.man"
"$dump" -r | sort > "$tmp/restart.code"
same_lines "mxvet.conf(5) marks exactly the table's restart keys (restart)" "$tmp/restart.code" "$tmp/restart.man"

# 10. mxvetd -n knows every key of the table: each at its default loads
if [ -x "$top_builddir/mxvetd" ]; then
	sed 's/^user = .*/user = nobody/' "$tmp/defaults" > "$tmp/all-n.conf"
	if "$top_builddir/mxvetd" -n -c "$tmp/all-n.conf" > "$tmp/err" 2>&1; then
		ok "mxvetd -n accepts every key of the table at its default"
	else
		notok "mxvetd -n accepts every key of the table at its default" "$(cat "$tmp/err")"
	fi
else
	skip "mxvetd -n accepts every key of the table at its default" "mxvetd not built"
fi

# The keys the docs name: "key = value" lines of their ```mxvet.conf blocks
# and `key = value` code spans in prose (an mxvet key, an on_<code>, or a
# Postfix parameter); the Postfix parameters of their ```main.cf blocks.
docs="$top_srcdir/README.md $(ls "$top_srcdir"/docs/*.md 2>/dev/null | tr '\n' ' ')"
python3 - "$tmp" "$top_srcdir" $docs <<'EOPY'
import os, re, sys
tmp, top, files = sys.argv[1], sys.argv[2], sys.argv[3:]
mx, pf, spans = set(), set(), set()
kv = re.compile(r"^\s*#?\s*([a-z][a-z0-9_]*)\s*=")
for f in files:
    block = None
    for n, line in enumerate(open(f, encoding="utf-8"), 1):
        m = re.match(r"^\s*```\s*(\S*)", line)
        if m:
            block = (m.group(1) or "-") if block is None else None
            continue
        where = "%s:%d" % (os.path.relpath(f, top), n)
        k = kv.match(line)
        if block == "mxvet.conf" and k:
            mx.add((k.group(1), where))
        elif block == "main.cf" and k:
            pf.add((k.group(1), where))
        elif block is None:
            for c in re.findall(r"`([a-z][a-z0-9_]*) = [^`]*`", line):
                spans.add((c, where))
for name, items in (("mxvet", mx), ("postfix", pf), ("spans", spans)):
    with open("%s/docs.%s" % (tmp, name), "w") as out:
        for k, w in sorted(items):
            out.write("%s %s\n" % (k, w))
EOPY
"$dump" -f | awk '{ print "on_" tolower($1) }' > "$tmp/on.keys"
cat "$tmp/keys.code" "$tmp/on.keys" | sort -u > "$tmp/known.mxvet"
if command -v postconf > /dev/null; then
	postconf -d 2> /dev/null | sed -n 's/^\([a-z0-9_]*\) =.*/\1/p' | sort -u > "$tmp/known.postfix"
fi

# 11. every key in the docs' mxvet.conf examples is one mxvetd knows
awk 'NR == FNR { k[$1] = 1; next } !($1 in k) { print $2 ": " $1 }' \
	"$tmp/known.mxvet" "$tmp/docs.mxvet" > "$tmp/unknown"
if [ ! -s "$tmp/docs.mxvet" ]; then
	notok "the docs' mxvet.conf examples name only keys mxvetd knows" "no mxvet.conf block found in $docs"
elif [ -s "$tmp/unknown" ]; then
	notok "the docs' mxvet.conf examples name only keys mxvetd knows" "unknown to mxvetd:"
	sed 's/^/# /' "$tmp/unknown"
else
	ok "the docs' mxvet.conf examples name only keys mxvetd knows ($(cut -d' ' -f1 "$tmp/docs.mxvet" | sort -u | wc -l) keys)"
fi

# 12. mxvetd -n itself accepts each of them (at the table's default, an
# on_<code> as annotate): the docs agree with the daemon, not with a copy
if [ -x "$top_builddir/mxvetd" ]; then
	cut -d' ' -f1 "$tmp/docs.mxvet" "$tmp/docs.spans" | sort -u | while read -r k; do
		case $k in
		on_*) grep -qx "$k" "$tmp/on.keys" && echo "$k = annotate" ;;
		user) echo "user = nobody" ;;
		*) grep "^$k = " "$tmp/defaults" ;;
		esac
	done > "$tmp/docs-n.conf"
	grep -q '^user = ' "$tmp/docs-n.conf" || echo "user = nobody" >> "$tmp/docs-n.conf"
	if ! awk 'NR == FNR { k[$1] = 1; next } !($1 in k) { bad = 1 } END { exit bad }' \
		"$tmp/known.mxvet" "$tmp/docs.mxvet"; then
		# a key the table lacks: let mxvetd -n name it
		awk 'NR == FNR { k[$1] = 1; next } !($1 in k) { print $1 " = x" }' \
			"$tmp/known.mxvet" "$tmp/docs.mxvet" >> "$tmp/docs-n.conf"
	fi
	if "$top_builddir/mxvetd" -n -c "$tmp/docs-n.conf" > "$tmp/err" 2>&1; then
		ok "mxvetd -n accepts every mxvet key the docs name"
	else
		notok "mxvetd -n accepts every mxvet key the docs name" "$(cat "$tmp/err")"
	fi
else
	skip "mxvetd -n accepts every mxvet key the docs name" "mxvetd not built"
fi

# 13. a `key = value` span in the docs' prose is an mxvet key or a Postfix
# parameter
if [ -s "$tmp/known.postfix" ]; then
	sort -u "$tmp/known.mxvet" "$tmp/known.postfix" > "$tmp/known.any"
	awk 'NR == FNR { k[$1] = 1; next } !($1 in k) { print $2 ": " $1 }' \
		"$tmp/known.any" "$tmp/docs.spans" > "$tmp/unknown"
	if [ -s "$tmp/unknown" ]; then
		notok "the docs' key = value spans name known keys" "neither mxvet's nor Postfix's:"
		sed 's/^/# /' "$tmp/unknown"
	else
		ok "the docs' key = value spans name known keys ($(wc -l < "$tmp/docs.spans") spans)"
	fi
else
	skip "the docs' key = value spans name known keys" "postconf not installed"
fi

# 14. the docs' main.cf examples name only parameters Postfix knows
if [ -s "$tmp/known.postfix" ]; then
	awk 'NR == FNR { k[$1] = 1; next } !($1 in k) { print $2 ": " $1 }' \
		"$tmp/known.postfix" "$tmp/docs.postfix" > "$tmp/unknown"
	if [ ! -s "$tmp/docs.postfix" ]; then
		notok "the docs' main.cf examples name only Postfix parameters" "no main.cf block found"
	elif [ -s "$tmp/unknown" ]; then
		notok "the docs' main.cf examples name only Postfix parameters" "unknown to postconf -d:"
		sed 's/^/# /' "$tmp/unknown"
	else
		ok "the docs' main.cf examples name only Postfix parameters ($(cut -d' ' -f1 "$tmp/docs.postfix" | sort -u | wc -l) parameters)"
	fi
else
	skip "the docs' main.cf examples name only Postfix parameters" "postconf not installed"
fi
