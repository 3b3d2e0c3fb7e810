#!/bin/bash
# mode = warn and the skip_* exemptions through a real Postfix with mxvetd
# as its milter (smtpd_milters): tests/postfix/rollout.sh.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MXVET_ROLLOUT_MILTER_PORT:=10881}"	# smtpd; sink +1, mxvetd +2, SASL +3
FRONT=milter
BASE_PORT=$MXVET_ROLLOUT_MILTER_PORT
. "$top_srcdir/tests/postfix/rollout.sh"
