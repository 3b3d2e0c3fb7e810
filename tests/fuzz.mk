# libFuzzer targets (clang), run briefly by tests/fuzz.sh in make check.
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
	$(AM_CPPFLAGS) $(DEP_CFLAGS)
FUZZ_CONFIG_SRC = tests/fuzz/fuzz_config.c engine/config.c engine/findings.c \
	lib/netaddr.c lib/strlist.c lib/log.c
FUZZ_DNAME_SRC = tests/fuzz/fuzz_dname.c engine/dname.c lib/netaddr.c
FUZZ_POLICY_SRC = tests/fuzz/fuzz_policy.c daemon/policy_parser.c
EXTRA_DIST += tests/unit/policy_feed.h
FUZZ_DNSREPLY_SRC = tests/fuzz/fuzz_dnsreply.c engine/dnsquery.c lib/netaddr.c lib/log.c
FUZZ_MILTER_REPLY_SRC = tests/fuzz/fuzz_milter_reply.c daemon/milter_reply.c engine/findings.c \
	lib/log.c daemon/decision.c daemon/policy_answer.c
FUZZ_POLICY_SERVER_SRC = tests/fuzz/fuzz_policy_server.c daemon/policy_server.c daemon/sockperm.c lib/endpoint.c \
	daemon/policy_parser.c engine/config.c engine/findings.c lib/netaddr.c lib/strlist.c \
	lib/log.c daemon/decision.c daemon/policy_answer.c
FUZZ_HISTORY_SRC = tests/fuzz/fuzz_history.c engine/history.c engine/findings.c lib/log.c
EXTRA_DIST += tests/fuzz.sh tests/fuzz/corpus tests/fuzz/README.md $(FUZZ_CONFIG_SRC) \
	$(FUZZ_DNAME_SRC) $(FUZZ_POLICY_SRC) $(FUZZ_DNSREPLY_SRC) $(FUZZ_MILTER_REPLY_SRC) \
	$(FUZZ_POLICY_SERVER_SRC) $(FUZZ_HISTORY_SRC)
CLEANFILES += tests/fuzz/fuzz_config tests/fuzz/fuzz_dname tests/fuzz/fuzz_policy \
	tests/fuzz/fuzz_dnsreply tests/fuzz/fuzz_milter_reply tests/fuzz/fuzz_policy_server \
	tests/fuzz/fuzz_history
TESTS += tests/fuzz.sh
if HAVE_CLANG
check_SCRIPTS += tests/fuzz/fuzz_config tests/fuzz/fuzz_dname tests/fuzz/fuzz_policy \
	tests/fuzz/fuzz_dnsreply tests/fuzz/fuzz_milter_reply tests/fuzz/fuzz_policy_server \
	tests/fuzz/fuzz_history
# config.c knows the check families from the stage table: libmxvet.a has the rest
tests/fuzz/fuzz_config: $(FUZZ_CONFIG_SRC) libmxvet.a
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
tests/fuzz/fuzz_dname: $(FUZZ_DNAME_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
tests/fuzz/fuzz_policy: $(FUZZ_POLICY_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^
tests/fuzz/fuzz_dnsreply: $(FUZZ_DNSREPLY_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
tests/fuzz/fuzz_milter_reply: $(FUZZ_MILTER_REPLY_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
tests/fuzz/fuzz_policy_server: $(FUZZ_POLICY_SERVER_SRC) libmxvet.a
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
tests/fuzz/fuzz_history: $(FUZZ_HISTORY_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
endif

# make fuzz: every target for FUZZ_TIME seconds (default 60), figures in
# tests/fuzz/summary.txt (see tests/fuzz/README.md).
FUZZ_TIME = 60
EXTRA_DIST += tests/fuzz/run.sh
fuzz: $(check_SCRIPTS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' FUZZ_TIME='$(FUZZ_TIME)' \
		$(SHELL) $(top_srcdir)/tests/fuzz/run.sh
clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/work tests/fuzz/artifacts tests/fuzz/summary.txt tests/fuzz/fuzz_*.log
.PHONY: fuzz clean-fuzz

# fuzz_maillog: Postfix log lines and the outcome join (mxvet outcomes); the
# two files instrumented, the rest of the engine from libmxvet.a.
FUZZ_MAILLOG_SRC = tests/fuzz/fuzz_maillog.c engine/maillog.c engine/outcomes.c
EXTRA_DIST += $(FUZZ_MAILLOG_SRC)
CLEANFILES += tests/fuzz/fuzz_maillog
if HAVE_CLANG
check_SCRIPTS += tests/fuzz/fuzz_maillog
tests/fuzz/fuzz_maillog: $(FUZZ_MAILLOG_SRC) libmxvet.a
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
endif
