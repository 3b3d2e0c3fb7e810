# make bench: the quality bars that run on one box: cached-decision
# throughput of mxvetd against the minimal C floor server (bench/policy-bench.sh),
# memory per cached verdict (bench-cache) and fresh-domain throughput
# (bench-fresh), SMTP probe throughput (bench-smtp) and the prober's
# address table under a flood (bench-smtp-table). Figures and how they were measured: bench/README.md.
EXTRA_PROGRAMS += bench/policy_floor
bench_policy_floor_SOURCES = bench/policy_floor.c
CLEANFILES += bench/policy_floor
EXTRA_DIST += bench/policy-bench.sh bench/README.md

bench-policy-floor: mxvetd bench/policy_load bench/policy_floor
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) $(SHELL) $(top_srcdir)/bench/policy-bench.sh

# make bench-history: the domain history under 1,000,000 unique domains
# with the default bounds (bench/history_bench.c; HISTORY_N to change N).
EXTRA_PROGRAMS += bench/history_bench
bench_history_bench_SOURCES = bench/history_bench.c
bench_history_bench_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
bench_history_bench_LDADD = libmxvet.a $(DEP_LIBS)
CLEANFILES += bench/history_bench
HISTORY_N = 1000000

bench-history: bench/history_bench
	./bench/history_bench $(HISTORY_N)

bench: bench-policy-floor bench-cache bench-fresh bench-smtp bench-smtp-table bench-history
.PHONY: bench bench-policy-floor bench-history

include bench/fresh.mk
include bench/smtp.mk
include bench/cache.mk

# make bench-outcomes: mxvet outcomes over a generated 1 GB maillog, time
# and peak RSS (bench/outcomes-bench.sh; OUTCOMES_MB to change the size).
EXTRA_PROGRAMS += bench/outcomes_gen
bench_outcomes_gen_SOURCES = bench/outcomes_gen.c
bench_outcomes_gen_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
bench_outcomes_gen_LDADD = libmxvet.a $(DEP_LIBS)
CLEANFILES += bench/outcomes_gen
EXTRA_DIST += bench/outcomes-bench.sh

bench-outcomes: mxvet bench/outcomes_gen
	top_builddir=$(abs_top_builddir) $(SHELL) $(top_srcdir)/bench/outcomes-bench.sh
.PHONY: bench-outcomes
