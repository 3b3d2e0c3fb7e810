#!/bin/bash
# mode = warn and the skip_* exemptions through a real Postfix with mxvetd
# as its policy service (check_policy_service): tests/postfix/rollout.sh.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MXVET_ROLLOUT_POLICY_PORT:=10871}"	# smtpd; sink +1, mxvetd +2, SASL +3
FRONT=policy
BASE_PORT=$MXVET_ROLLOUT_POLICY_PORT
. "$top_srcdir/tests/postfix/rollout.sh"
