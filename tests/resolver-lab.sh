#!/bin/bash
# The resolver's shared in-flight lookups against the lab's real resolver
# (tests/resolver_join.c).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lab-env.sh"
lab_acquire || { echo "Bail out! cannot start the lab in $MXVET_LAB"; exit 1; }
exec "$top_builddir/tests/resolver_join" "$MXVET_LAB/mxvet.conf"
