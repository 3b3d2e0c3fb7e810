# Fresh-domain benchmark (bench/fresh-domains.sh); `make bench-fresh`.
EXTRA_PROGRAMS += bench/ub_floor
bench_ub_floor_SOURCES = bench/ub_floor.c
bench_ub_floor_CFLAGS = $(AM_CFLAGS) $(UNBOUND_CFLAGS) $(LIBEVENT_CFLAGS)
bench_ub_floor_LDADD = $(UNBOUND_LIBS) $(LIBEVENT_LIBS)
CLEANFILES += bench/ub_floor
EXTRA_DIST += bench/fresh-domains.sh

bench-fresh: mxvet bench/ub_floor
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) $(SHELL) $(top_srcdir)/bench/fresh-domains.sh
.PHONY: bench-fresh
