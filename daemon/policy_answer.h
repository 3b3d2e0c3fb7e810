/* policy_answer: a decision as the policy service's answer, one
 * "action=...\n\n" (SMTPD_POLICY_README). Pure, no I/O. */
#ifndef MXVET_POLICY_ANSWER_H
#define MXVET_POLICY_ANSWER_H

#include <stddef.h>

#include "daemon/decision.h"

/* "action=" + PREPEND header_name: value, a reply or a configured
 * action + "\n\n": POLICY_ANSWER_MAX bytes hold any answer. */
#define POLICY_ANSWER_MAX (16 + DECISION_MAX_TEXT + 8 + 128)

/* The answer: a configured action verbatim (timeout_action,
 * error_action); a defer or reject as its reply, "WARN reply" in warn
 * mode (Postfix logs it and goes on); annotate as "PREPEND header_name:
 * value" (one header; the milter adds one detail header per finding);
 * DUNNO otherwise. Never a CR or LF inside the line (it would end the
 * answer early). out has POLICY_ANSWER_MAX bytes; returns the length. */
size_t policy_answer(const struct decision *dc, const char *header_name, char *out);

#endif
