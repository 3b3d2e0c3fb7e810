# libFuzzer targets (clang), run briefly by tests/fuzz.sh in make check.
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
	$(AM_CPPFLAGS) -I$(top_srcdir)/lib $(DEP_CFLAGS)
FUZZ_CONFIG_SRC = tests/fuzz/fuzz_config.c engine/config.c engine/findings.c \
	lib/netaddr.c lib/strlist.c lib/log.c
FUZZ_DNAME_SRC = tests/fuzz/fuzz_dname.c engine/dname.c lib/netaddr.c
FUZZ_POLICY_SRC = tests/fuzz/fuzz_policy.c daemon/policy_parser.c
EXTRA_DIST += tests/fuzz.sh tests/fuzz/corpus $(FUZZ_CONFIG_SRC) $(FUZZ_DNAME_SRC) $(FUZZ_POLICY_SRC)
CLEANFILES += tests/fuzz/fuzz_config tests/fuzz/fuzz_dname tests/fuzz/fuzz_policy
TESTS += tests/fuzz.sh
if HAVE_CLANG
check_SCRIPTS = tests/fuzz/fuzz_config tests/fuzz/fuzz_dname tests/fuzz/fuzz_policy
tests/fuzz/fuzz_config: $(FUZZ_CONFIG_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
tests/fuzz/fuzz_dname: $(FUZZ_DNAME_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
tests/fuzz/fuzz_policy: $(FUZZ_POLICY_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -I$(top_srcdir)/daemon -o $@ $^
endif
