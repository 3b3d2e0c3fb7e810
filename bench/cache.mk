# mxvetd benchmarks: `make bench-cache` (bytes per cached verdict at a
# million domains, lookup cost); `make bench-policy` is bench-policy-floor
# (bench/local.mk): cached decisions per second against bench/policy_floor.
EXTRA_PROGRAMS += bench/cache_mem bench/policy_load
bench_cache_mem_SOURCES = bench/cache_mem.c
bench_cache_mem_CFLAGS = $(AM_CFLAGS)
bench_cache_mem_LDADD = daemon/libmxvetd.a libmxvet.a $(DEP_LIBS)
bench_policy_load_SOURCES = bench/policy_load.c
CLEANFILES += bench/cache_mem bench/policy_load

bench-cache: bench/cache_mem
	./bench/cache_mem 1000000
bench-policy: bench-policy-floor
.PHONY: bench-cache bench-policy
