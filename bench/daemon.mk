# mxvetd benchmarks: `make bench-cache` (bytes per cached verdict at a
# million domains, lookup cost), `make bench-policy` (cached decisions per
# second over loopback, 8 pipelined connections, Postfix-sized requests).
EXTRA_PROGRAMS += bench/cache_mem bench/policy_load bench/policy_floor
bench_cache_mem_SOURCES = bench/cache_mem.c daemon/cache.c daemon/cache.h
bench_cache_mem_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/daemon
bench_policy_load_SOURCES = bench/policy_load.c
bench_policy_floor_SOURCES = bench/policy_floor.c
CLEANFILES += bench/cache_mem bench/policy_load bench/policy_floor
EXTRA_DIST += bench/policy-cached.py

bench-cache: bench/cache_mem
	./bench/cache_mem 1000000
bench-policy: mxvetd bench/policy_load bench/policy_floor
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) /usr/bin/python3 $(top_srcdir)/bench/policy-cached.py
.PHONY: bench-cache bench-policy
