# lab-env.sh: sourced by integration tests and `make demo`. Gives one shared
# loopback lab per machine (its servers bind fixed 127.53/127.25 addresses,
# so two labs cannot run at once).
#
#   lab_acquire   start the lab in $MXVET_LAB unless an up-to-date one runs;
#                 a watchdog stops it after $MXVET_LAB_IDLE seconds without use
#   lab_touch     mark the lab as in use (lab_acquire does it)
#   lab_conf FILE write an mxvet.conf for the tests: the lab's, plus the
#                 provider list from the source tree, user empty (stay who
#                 we are), plus any KEY=VALUE args
#   lab_mxvetd CONF LOG PORT
#                 start mxvetd -f on CONF in the background (its output in
#                 LOG, its pid in $pid) and wait up to 10 s until
#                 127.0.0.1:PORT takes connections; 1 if it did not start
#
# Tests run from Automake with top_srcdir and top_builddir exported.
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MXVET_LAB:=/tmp/mxvet-lab}"
: "${MXVET_LAB_IDLE:=180}"
LAB="$top_srcdir/tests/lab/lab"

lab_version() {
	find "$top_srcdir/tests/lab" -type f ! -name '*.pyc' -print0 2>/dev/null | sort -z |
		xargs -0 cat 2>/dev/null | cksum | cut -d' ' -f1
}

lab_touch() {
	touch "$MXVET_LAB.lease" 2>/dev/null || true
}

# The watchdog holds no descriptor of the test harness, or the harness
# would wait for it.
lab_watchdog() {
	(
		exec </dev/null >/dev/null 2>&1
		while :; do
			sleep 10
			[ -f "$MXVET_LAB.lease" ] || break
			age=$(( $(date +%s) - $(stat -c %Y "$MXVET_LAB.lease") ))
			[ "$age" -lt "$MXVET_LAB_IDLE" ] || break
		done
		exec 9>"$MXVET_LAB.lock"
		flock 9
		"$LAB" stop "$MXVET_LAB"
		rm -f "$MXVET_LAB.lease" "$MXVET_LAB.watchdog"
	) &
	echo $! > "$MXVET_LAB.watchdog"
}

lab_acquire() {
	local want have
	want=$(lab_version)
	exec 9>"$MXVET_LAB.lock"
	flock -w 120 9 || { echo "lab: cannot lock $MXVET_LAB.lock" >&2; return 1; }
	have=$(cat "$MXVET_LAB/.version" 2>/dev/null || true)
	if [ "$have" != "$want" ] || ! "$LAB" status "$MXVET_LAB" >/dev/null 2>&1; then
		"$LAB" stop "$MXVET_LAB" >/dev/null 2>&1 || true
		if ! "$LAB" start "$MXVET_LAB" </dev/null >"$MXVET_LAB.start.log" 2>&1; then
			cat "$MXVET_LAB.start.log" >&2
			flock -u 9
			return 1
		fi
		echo "$want" > "$MXVET_LAB/.version"
	fi
	lab_touch
	if ! { [ -f "$MXVET_LAB.watchdog" ] && kill -0 "$(cat "$MXVET_LAB.watchdog")" 2>/dev/null; }; then
		lab_watchdog
	fi
	flock -u 9
	exec 9>&-
	return 0
}

lab_conf() {
	local out=$1
	shift
	{
		cat "$MXVET_LAB/mxvet.conf"
		echo "mx_providers_file = $top_srcdir/data/mx-providers.txt"
		# mxvet check run as root becomes the daemon's user whenever that
		# user exists, and tests/deb-package.sh makes one (mxvet) while it
		# runs: the check then could not reach a test's private state_dir
		# and went on without history. Tests that start mxvetd name its user.
		echo "user ="
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
	} > "$out"
}

lab_mxvetd() {
	"${MXVETD:-$top_builddir/mxvetd}" -f -l stderr -c "$1" > "$2" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		(exec 3<>/dev/tcp/127.0.0.1/"$3") 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
