#!/bin/bash
# The layers, lowest first: lib/ (no mail), engine/ (gathers evidence and
# runs the pipeline), checks/ (pure findings on the engine's evidence),
# then the front ends cli/ and daemon/. An include may only run down or
# sideways, and every project include names its directory, so the layer
# shows in the file itself. Also checked on a planted violation, so this
# test cannot pass by finding no files. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
tmp=$(mktemp -d /tmp/mxvet-layering.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# allowed directories to include from, per layer
allowed() {
	case $1 in
	lib) echo "lib" ;;
	engine) echo "lib engine" ;;
	checks) echo "lib engine checks" ;;
	cli) echo "lib engine checks cli" ;;
	daemon) echo "lib engine checks daemon" ;;
	esac
}

# Prints "file:line: include" for every include of layer dir (under root)
# that breaks the rules.
violations() {	# root, layer
	local root=$1 layer=$2 f line inc dir
	for f in "$root/$layer"/*.[ch]; do
		[ -e "$f" ] || continue
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		while IFS= read -r line; do
			inc=${line#*\"}
			inc=${inc%%\"*}
			[ "$inc" = autoconfig.h ] && continue
			case $inc in
			*/*) dir=${inc%%/*} ;;
			*) echo "${f#$root/}:${line%%:*}: \"$inc\" names no directory"; continue ;;
			esac
			case " $(allowed "$layer") " in
			*" $dir "*) ;;
			*) echo "${f#$root/}:${line%%:*}: $layer/ includes \"$inc\"" ;;
			esac
		done
	done
}

n=0
echo "1..7"
for layer in lib engine checks cli daemon; do
	n=$((n + 1))
	count=$(ls "$top_srcdir/$layer"/*.[ch] 2> /dev/null | wc -l)
	violations "$top_srcdir" "$layer" > "$tmp/out"
	if [ "$count" -gt 0 ] && [ ! -s "$tmp/out" ]; then
		echo "ok $n - $layer/: $count files, every include allowed and qualified"
	else
		echo "not ok $n - $layer/ ($count files)"
		sed 's/^/# /' "$tmp/out"
	fi
done

# The checker itself, on a tree with planted violations.
mkdir -p "$tmp/tree/engine" "$tmp/tree/lib"
printf '#include "engine/a.h"\n#include "checks/registry.h"\n' > "$tmp/tree/engine/a.c"
printf '#include "engine/engine.h"\n#include "log.h"\n' > "$tmp/tree/lib/b.c"
n=$((n + 1))
if violations "$tmp/tree" engine | grep -q 'engine/a.c:2: engine/ includes "checks/registry.h"'; then
	echo "ok $n - an engine/ include of checks/ is caught"
else
	echo "not ok $n - an engine/ include of checks/ is not caught"
fi
n=$((n + 1))
violations "$tmp/tree" lib > "$tmp/out"
if grep -q 'lib/b.c:1: lib/ includes "engine/engine.h"' "$tmp/out" &&
   grep -q 'lib/b.c:2: "log.h" names no directory' "$tmp/out"; then
	echo "ok $n - a lib/ include upwards and an unqualified include are caught"
else
	echo "not ok $n - planted lib/ violations not caught"
	sed 's/^/# /' "$tmp/out"
fi
