# tap.sh: sourced by the shell tests; TAP lines numbered in order. The
# test prints its own plan ("1..N").
#
#   ok NAME                 a point that passed
#   notok NAME [LINE...]    a point that failed, with its diagnostic lines
#   same NAME WANT GOT      ok when WANT and GOT are equal, else both shown
#   bail REASON             the whole test cannot go on ("Bail out!")
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
}
same() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected: $2" "got:      $3"; fi; }
bail() { echo "Bail out! $*"; exit 1; }
