# SMTP prober benchmark (bench/smtp-probe.sh); `make bench-smtp`.
EXTRA_PROGRAMS += bench/smtp_probe_bench
bench_smtp_probe_bench_SOURCES = bench/smtp_probe_bench.c
bench_smtp_probe_bench_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
bench_smtp_probe_bench_LDADD = libmxvet.a $(DEP_LIBS)
CLEANFILES += bench/smtp_probe_bench
EXTRA_DIST += bench/smtp-probe.sh

bench-smtp: bench/smtp_probe_bench
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) $(SHELL) $(top_srcdir)/bench/smtp-probe.sh
.PHONY: bench-smtp

# The address table under a flood of distinct addresses; `make bench-smtp-table`.
EXTRA_PROGRAMS += bench/smtp_table_bench
bench_smtp_table_bench_SOURCES = bench/smtp_table_bench.c
bench_smtp_table_bench_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
bench_smtp_table_bench_LDADD = libmxvet.a $(DEP_LIBS)
CLEANFILES += bench/smtp_table_bench
SMTP_TABLE_COUNT = 300000
SMTP_TABLE_SECONDS = 600

bench-smtp-table: bench/smtp_table_bench
	ulimit -n 4096 2>/dev/null; ./bench/smtp_table_bench $(SMTP_TABLE_COUNT) $(SMTP_TABLE_SECONDS)
.PHONY: bench-smtp-table
