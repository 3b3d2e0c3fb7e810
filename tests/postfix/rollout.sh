# rollout.sh: warn mode and the exemptions end to end through a real
# Postfix, for one front end. Sourced by tests/rollout-policy.sh
# (FRONT=policy: check_policy_service) and tests/rollout-milter.sh
# (FRONT=milter: smtpd_milters), which set FRONT and BASE_PORT (smtpd;
# the sink is +1, mxvetd +2, the SASL server +3, mxvetd's admin API +4).
#
# swaks -> private Postfix (SASL through tests/postfix/sasl-auth.py) ->
# mxvetd on the loopback lab -> the sink. Three configurations, each
# applied by a reload (SIGHUP) of one mxvetd:
#  1. mode = warn: a null MX recipient (rejected in enforce mode, step 2)
#     is accepted and reaches the sink; the policy service's WARN line is
#     in Postfix's log, the milter's X-Mxvet headers in the message;
#     mxvetd logs a warn line; annotations unchanged.
#  2. mode = enforce, skip_clients and skip_domains from files,
#     skip_senders a list: the null MX recipient is rejected, except from
#     a listed client (127.0.0.2), from a listed sender address or sender
#     domain; a listed recipient domain is let through; an authenticated
#     submission is still checked.
#  3. the files changed, skip_senders emptied, skip_authenticated = yes:
#     the old entries no longer exempt, the new ones do, and an
#     authenticated submission passes.
# TAP. Skips only when Postfix, swaks or root are not available.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MXVET_LAB:=/tmp/mxvet-lab}"
SMTPD_PORT=$BASE_PORT
SINK_PORT=$((BASE_PORT + 1))
MXVETD_PORT=$((BASE_PORT + 2))
SASL_PORT=$((BASE_PORT + 3))
ADMIN_PORT=$((BASE_PORT + 4))
PF=$top_srcdir/tests/postfix/pf-instance.sh
MXVETD=$top_builddir/mxvetd

. "$top_srcdir/tests/postfix/e2e-lib.sh"
e2e_begin "rollout-$FRONT"
for p in $SMTPD_PORT $SINK_PORT $MXVETD_PORT $SASL_PORT $ADMIN_PORT; do
	port_free "$p" || bail "127.0.0.1:$p is in use (set the test's port variable)"
done
. "$top_srcdir/tests/lab-env.sh"
lab_acquire || bail "cannot start the lab in $MXVET_LAB"
tsv=$top_srcdir/tests/lab/domains.tsv
pick_classes

sasl_pid=
rollout_cleanup() {
	[ -z "$sasl_pid" ] || kill "$sasl_pid" 2>/dev/null
	e2e_cleanup
}
trap rollout_cleanup EXIT
python3 "$top_srcdir/tests/postfix/sasl-auth.py" 127.0.0.1 "$SASL_PORT" alice s3cret \
	> "$tmp/sasl.log" 2>&1 &
sasl_pid=$!

# mxvetd: the lab's config, the front end's listener, the settings of a
# step (conf STEP KEY=VALUE...), as nobody (the list files readable to it)
mkdir -p "$tmp/state"
chown nobody "$tmp/state"
if [ "$FRONT" = policy ]; then
	listen=("policy_listen=inet:127.0.0.1:$MXVETD_PORT")
	pf_policy=inet:127.0.0.1:$MXVETD_PORT pf_milter=
else
	listen=("policy_listen=" "milter_listen=inet:$MXVETD_PORT@127.0.0.1")
	pf_policy=none pf_milter=inet:127.0.0.1:$MXVETD_PORT
fi
conf() {
	lab_conf "$tmp/mxvetd.conf" "state_dir=$tmp/state" "${listen[@]}" \
		"decision_timeout=15s" "user=nobody" "log_accepts=yes" \
		"admin_listen=inet:127.0.0.1:$ADMIN_PORT" "$@"
}
# reload: SIGHUP, then wait for the line saying it was applied (10 s)
reloads=0
reload() {
	local i
	reloads=$((reloads + 1))
	kill -HUP "$mxvetd_pid"
	for i in $(seq 1 100); do
		[ "$(grep -c 'reload: configuration .* applied' "$tmp/mxvetd.log")" -ge "$reloads" ] && return 0
		sleep 0.1
	done
	bail "mxvetd did not apply reload $reloads: $(tail -3 "$tmp/mxvetd.log")"
}

# sendx TAG FROM LOCAL_ADDR [swaks args...] -- RCPT: one message, from that
# client address (127.0.0.x: Postfix listens on 127.0.0.1, every loopback
# address reaches it) and sender
sendx() {
	local tag=$1 from=$2 li=$3
	shift 3
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	timeout 60 swaks --server 127.0.0.1:"$SMTPD_PORT" --local-interface "$li" --from "$from" \
		--to "$1" "${args[@]}" --header "Subject: mxvet-e2e $tag" --body "token $tag" \
		> "$tmp/$tag.log" 2>&1
}
auth=(--auth PLAIN --auth-user alice --auth-password s3cret)
# code TAG RCPT: the first three characters of the RCPT reply
code() { rcpt_reply "$1" "$2" | cut -c1-3; }
# mx_line WHAT RCPT: mxvetd's decision line of that kind for that recipient
mx_line() { grep -F "to=<$2>" "$tmp/mxvetd.log" | grep -F ": $1: RCPT from " | tail -1; }
# in_sink TAG: the message reached the sink
in_sink() { sink_file "$1" > /dev/null; }
# metric NAME: its value from /metrics
metric() { curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
expect() {	# name, condition (a command), details on failure
	local name=$1 cmd=$2
	shift 2
	if eval "$cmd"; then ok "$name"; else notok "$name" "$@"; fi
}

echo "1..26"

# ---- 1. warn mode -------------------------------------------------------
conf "mode=warn"
"$MXVETD" -f -l stderr -c "$tmp/mxvetd.conf" > "$tmp/mxvetd.log" 2>&1 &
mxvetd_pid=$!
wait_listen "$MXVETD_PORT" "$mxvetd_pid" "$tmp/mxvetd.log"
PF_MAIN_EXTRA="smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$SASL_PORT" \
	"$PF" start "$tmp/pf" "$SMTPD_PORT" "$SINK_PORT" "$pf_policy" $pf_milter \
	> "$tmp/pf.log" 2>&1 || bail "private Postfix did not start: $(tail -5 "$tmp/pf.log")"

N=user@$D_NULLMX
reply="556 5.1.10 recipient domain $D_NULLMX publishes a null MX (RFC 7505) [NULL_MX]"
sendx warn sender@sender.test 127.0.0.1 -- "$N"
check "warn: the null MX recipient ($D_NULLMX) is accepted (RCPT 250)" "250" "$(code warn "$N")"
expect "warn: the message reaches the sink" "in_sink warn"
if [ "$FRONT" = policy ]; then
	# Postfix's own warning: "QUEUEID: warn: RCPT from ...: <text>; from=<..> to=<..> ..."
	expect "warn: Postfix logs the WARN action with mxvetd's reply text" \
		"grep -F ': warn: RCPT from ' '$tmp/pf/maillog' | grep -qF \"[127.0.0.1]: $reply; from=<sender@sender.test> to=<$N>\"" \
		"Postfix: $(grep -F "to=<$N>" "$tmp/pf/maillog" | tail -2)"
else
	f=$(sink_file warn)
	check "warn: the milter adds X-Mxvet (the verdict) and X-Mxvet-Detail instead of rejecting" \
		"$(printf 'X-Mxvet: reject; domain=%s; findings=NULL_MX\nX-Mxvet-Detail: NULL_MX %s publishes a null MX (RFC 7505)' "$D_NULLMX" "$D_NULLMX")" \
		"$( [ -n "$f" ] && grep '^X-Mxvet' "$f")"
fi
expect "warn: mxvetd logs a warn line with the reply it would have given" \
	"mx_line warn '$N' | grep -qF 'domain=$D_NULLMX findings=NULL_MX reply=\"WARN $reply\"'" \
	"mxvetd: $(grep -F "to=<$N>" "$tmp/mxvetd.log")"
sendx warn-annotate sender@sender.test 127.0.0.1 -- "user@$D_CNAME"
f=$(sink_file warn-annotate)
check "warn: annotations unchanged ($D_CNAME: X-Mxvet annotate)" \
	"X-Mxvet: annotate; domain=$D_CNAME; findings=MX_CNAME" \
	"$( [ -n "$f" ] && grep '^X-Mxvet:' "$f")"

check "warn: counted in the metrics (mxvet_warned_total)" "1" "$(metric mxvet_warned_total)"

# ---- 2. enforce, exemptions ---------------------------------------------
printf '# relays\n127.0.0.2   # the office\n' > "$tmp/clients"
printf '%s\n' "$D_NX" > "$tmp/domains"
chmod 644 "$tmp/clients" "$tmp/domains"
conf "mode=enforce" "skip_clients=$tmp/clients" "skip_domains=$tmp/domains" \
	"skip_senders=boss@sender.test, vip.test"
reload
sendx enforce sender@sender.test 127.0.0.1 -- "$N"
check "enforce (after a reload): the null MX recipient is rejected (556)" "556" "$(code enforce "$N")"
sendx client2 sender@sender.test 127.0.0.2 -- "$N"
check "skip_clients (file): the same recipient from 127.0.0.2 is accepted" "250" "$(code client2 "$N")"
expect "skip_clients: the message reaches the sink" "in_sink client2"
expect "skip_clients: mxvetd logs a skip line naming the key" \
	"mx_line skip '$N' | grep -q 'RCPT from [^ ]*\[127.0.0.2\]: .* skip=skip_clients\$'" \
	"mxvetd: $(grep -F "to=<$N>" "$tmp/mxvetd.log" | tail -2)"
sendx boss boss@sender.test 127.0.0.1 -- "$N"
check "skip_senders: a listed sender address is not checked" "250" "$(code boss "$N")"
sendx vip a@mail.vip.test 127.0.0.1 -- "$N"
check "skip_senders: a sender in a subdomain of a listed domain is not checked" "250" "$(code vip "$N")"
sendx other other@sender.test 127.0.0.1 -- "$N"
check "skip_senders: another sender of the same domain is checked (556)" "556" "$(code other "$N")"
X=user@$D_NX
sendx skipdom sender@sender.test 127.0.0.1 -- "$X"
check "skip_domains (file): the NXDOMAIN recipient domain is not checked" "250" "$(code skipdom "$X")"
expect "skip_domains: mxvetd logs skip=skip_domains" \
	"mx_line skip '$X' | grep -q ' skip=skip_domains\$'" "mxvetd: $(grep -F "to=<$X>" "$tmp/mxvetd.log")"
sendx auth1 sender@sender.test 127.0.0.1 "${auth[@]}" -- "$N"
expect "an authenticated submission (SASL, alice) is checked by default: 556" \
	"grep -q '235 2.7.0' '$tmp/auth1.log' && [ \"\$(code auth1 '$N')\" = 556 ]" \
	"$(grep -E '235|535|RCPT|556' "$tmp/auth1.log" | head -5)"

# ---- 3. the lists changed, reread on reload -----------------------------
printf '127.0.0.3\n' > "$tmp/clients"
printf '%s\n' "$D_SERVFAIL" > "$tmp/domains"
conf "mode=enforce" "skip_clients=$tmp/clients" "skip_domains=$tmp/domains" \
	"skip_senders=" "skip_authenticated=yes"
reload
sendx client2b sender@sender.test 127.0.0.2 -- "$X"
check "reload: 127.0.0.2, no longer in the clients file, is checked (NXDOMAIN 550)" "550" \
	"$(code client2b "$X")"
sendx client3 sender@sender.test 127.0.0.3 -- "$N"
check "reload: 127.0.0.3, new in the clients file, is not checked" "250" "$(code client3 "$N")"
S=user@$D_SERVFAIL
sendx skipdom2 sender@sender.test 127.0.0.1 -- "$S"
check "reload: the domain new in the domains file is not checked" "250" "$(code skipdom2 "$S")"
sendx boss2 boss@sender.test 127.0.0.1 -- "$N"
check "reload: skip_senders emptied, the boss is checked (556)" "556" "$(code boss2 "$N")"
sendx auth2 sender@sender.test 127.0.0.1 "${auth[@]}" -- "$X"
check "skip_authenticated = yes: the authenticated submission is not checked" "250" \
	"$(code auth2 "$X")"
expect "skip_authenticated: mxvetd logs skip=skip_authenticated (the login reached it)" \
	"mx_line skip '$X' | grep -q ' skip=skip_authenticated\$'" \
	"mxvetd: $(grep -F "to=<$X>" "$tmp/mxvetd.log" | tail -2)"
expect "... and Postfix logged that message as alice's (sasl_username=alice)" \
	"in_sink auth2 && grep -q 'sasl_method=PLAIN, sasl_username=alice' '$tmp/pf/maillog'" \
	"$(grep -i sasl "$tmp/pf/maillog" | tail -3)"
sendx noauth sender@sender.test 127.0.0.1 -- "$X"
check "... while the same recipient without a login is checked (550)" "550" "$(code noauth "$X")"

# skipped: client2, boss, vip, skipdom, client3, skipdom2, auth2
check "exemptions counted in the metrics (mxvet_skipped_total)" "7" "$(metric mxvet_skipped_total)"

stop_mxvetd "$mxvetd_pid"
if [ -z "$stop_why" ]; then ok "mxvetd exits 0 on SIGTERM after three configurations"
else notok "mxvetd exits 0 on SIGTERM" "$stop_why" "$(tail -20 "$tmp/mxvetd.log")"; fi
mxvetd_pid=
