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
