#!/bin/bash
# End to end through a real Postfix with mxvetd as its milter: swaks ->
# private Postfix (smtpd_milters, no policy service) -> mxvetd's milter
# front end -> the same decider and cache as the policy service -> the
# sink. Asserts RCPT replies for reject and defer (the engine's codes and
# texts), that accepted mail reaches the sink untouched and annotated mail
# with its X-Mxvet and X-Mxvet-Detail headers, per-recipient answers in one
# message, the verdicts agree with the policy path's (same domains as
# tests/postfix-e2e.sh), and that a SIGTERM ends mxvetd cleanly with the
# milter running. TAP. Skips only without Postfix, swaks or root.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MXVET_LAB:=/tmp/mxvet-lab}"
: "${MXVET_MILTER_PORT:=10755}"	# smtpd; the sink is +1, mxvetd's milter +2
# (not 10745: tests/postfix-e2e.sh, which may run at the same time, has its
# policy port there)
SMTPD_PORT=$MXVET_MILTER_PORT
SINK_PORT=$((MXVET_MILTER_PORT + 1))
MILTER_PORT=$((MXVET_MILTER_PORT + 2))
PF=$top_srcdir/tests/postfix/pf-instance.sh
MXVETD=$top_builddir/mxvetd

. "$top_srcdir/tests/postfix/e2e-lib.sh"
e2e_begin milter-e2e
for p in $SMTPD_PORT $SINK_PORT $MILTER_PORT; do
	port_free "$p" || bail "127.0.0.1:$p is in use (set MXVET_MILTER_PORT)"
done

e2e_lab

pick_classes

# mxvetd with only the milter (policy_listen empty), as nobody
e2e_mxvetd "$MILTER_PORT" "policy_listen=" "milter_listen=inet:$MILTER_PORT@127.0.0.1"

"$PF" start "$tmp/pf" "$SMTPD_PORT" "$SINK_PORT" none "inet:127.0.0.1:$MILTER_PORT" \
	> "$tmp/pf.log" 2>&1 || bail "private Postfix did not start: $(tail -5 "$tmp/pf.log")"

echo "1..12"
# Postfix words a milter's RCPT reply as given (no "Recipient address
# rejected:" prefix); the text is the engine's reply with the domain.
send accept "user@$D_ACCEPT"
check_accepted accept "user@$D_ACCEPT"

send nullmx "user@$D_NULLMX"
check "$D_NULLMX (null MX): RCPT 556 5.1.10 with the NULL_MX text" \
	"556 5.1.10 recipient domain $D_NULLMX publishes a null MX (RFC 7505) [NULL_MX]" \
	"$(rcpt_reply nullmx "user@$D_NULLMX")"
send nx "user@$D_NX"
check "$D_NX (NXDOMAIN): RCPT 550 5.1.2" \
	"550 5.1.2 recipient domain $D_NX does not exist (NXDOMAIN) [DOMAIN_NXDOMAIN]" \
	"$(rcpt_reply nx "user@$D_NX")"
send servfail "user@$D_SERVFAIL"
check "$D_SERVFAIL (SERVFAIL): RCPT 450 4.4.3" \
	"450 4.4.3 recipient domain $D_SERVFAIL cannot be resolved now (SERVFAIL) [DNS_SERVFAIL]" \
	"$(rcpt_reply servfail "user@$D_SERVFAIL")"

send annotate "user@$D_CNAME"
check "$D_CNAME (annotate): RCPT 250" "250 2.1.5 Ok" "$(rcpt_reply annotate "user@$D_CNAME")"
f=$(sink_file annotate)
check "$D_CNAME: the sink gets X-Mxvet and one X-Mxvet-Detail per finding" \
	"$(printf 'X-Mxvet: annotate; domain=%s; findings=MX_CNAME\nX-Mxvet-Detail: MX_CNAME %s %s' \
		"$D_CNAME" "$D_CNAME" "has an MX host that is an alias (CNAME)")" \
	"$( [ -n "$f" ] && grep '^X-Mxvet' "$f")"

# one message, four recipients, each its own answer
send multi "a@$D_ACCEPT" "b@$D_NULLMX" "c@$D_CNAME" "d@$D_SERVFAIL"
check "multi: accepted recipient 250, null MX 556, annotated 250, SERVFAIL 450" \
	"250 556 250 450" \
	"$(for r in "a@$D_ACCEPT" "b@$D_NULLMX" "c@$D_CNAME" "d@$D_SERVFAIL"; do rcpt_reply multi "$r" | cut -c1-3; done | paste -sd' ')"
f=$(sink_file multi)
check "multi: the sink gets exactly the accepted recipients and one X-Mxvet header" \
	"$(printf 'X-Rcpt-Args: <a@%s>\nX-Rcpt-Args: <c@%s>\nX-Mxvet: annotate; domain=%s; findings=MX_CNAME' "$D_ACCEPT" "$D_CNAME" "$D_CNAME")" \
	"$( [ -n "$f" ] && { grep '^X-Rcpt-Args:' "$f" | sed 's/ ORCPT=.*//'; grep '^X-Mxvet:' "$f"; })"

# the decisions went through the decider and are logged as for the policy
# service: the multi message's null MX recipient, found by Postfix's queue
# id (from its milter reject line), with the client (connect callback), the
# sender (MAIL), the recipient, the verdict, the findings and the reply
pf_line=$(grep "postfix/smtpd\[[0-9]*\]: [0-9A-Za-z]*: milter-reject: RCPT from .* to=<b@$D_NULLMX>" "$tmp/pf/maillog" | head -1)
qid=$(echo "$pf_line" | sed -n 's/.*postfix\/smtpd\[[0-9]*\]: \([0-9A-Za-z]*\): milter-reject: .*/\1/p')
client=$(echo "$pf_line" | sed -n 's/.*: milter-reject: RCPT from \([^ ]*\]\): .*/\1/p')
want="mxvetd: $qid: reject: RCPT from $client: from=<sender@sender.test> to=<b@$D_NULLMX> domain=$D_NULLMX findings=NULL_MX reply=\"556 5.1.10 recipient domain $D_NULLMX publishes a null MX (RFC 7505) [NULL_MX]\""
if [ -n "$qid" ] && [ -n "$client" ] && [ "$(grep -F "mxvetd: $qid: " "$tmp/mxvetd.log" | grep -F "to=<b@$D_NULLMX>")" = "$want" ]; then
	ok "mxvetd's line for queue id $qid: client $client, sender, recipient, verdict, findings, reply"
else
	notok "mxvetd logs the milter's reject under Postfix's queue id with every field" \
		"Postfix: $pf_line" "want:    $want" "mxvetd:  $(grep -F "to=<b@$D_NULLMX>" "$tmp/mxvetd.log")"
fi
check "mxvetd started with the milter and no policy listener" "1" \
	"$(grep -c "milter_listen=inet:$MILTER_PORT@127.0.0.1" "$tmp/mxvetd.log")"

stop_mxvetd "$mxvetd_pid"
if [ -z "$stop_why" ]; then ok "mxvetd exits 0 on SIGTERM with the milter running"
else notok "mxvetd exits 0 on SIGTERM with the milter running" "$stop_why" "$(tail -20 "$tmp/mxvetd.log")"; fi
mxvetd_pid=
