# The allocation-failure sweep (tests/alloc-sweep.py): an LD_PRELOAD shim
# (tests/alloc/failalloc.c) fails the Nth allocation of whole mxvet check
# runs on the lab. `make check-alloc` tries every N for one domain of each
# class (a few minutes); SWEEP_ARGS, SWEEP_RUNS and MXVET (an ASan build)
# narrow or widen it. It is not part of `make check` yet: it still finds
# crashes inside libldns (ldns_pkt_query_new/ldns_wire2pkt), libevent
# (bufferevent_setwatermark) and libunbound (ub_resolve_async) when their
# own allocations fail.
EXTRA_DIST += tests/alloc-sweep.py tests/alloc/failalloc.c
CLEANFILES += tests/alloc/failalloc.so
tests/alloc/failalloc.so: $(top_srcdir)/tests/alloc/failalloc.c
	@$(MKDIR_P) tests/alloc
	$(AM_V_CC)$(CC) -O2 -Wall -Wextra -shared -fPIC -o $@ $< -ldl
check-alloc: mxvet tests/alloc/failalloc.so
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' SWEEP=$${SWEEP-all} \
	  python3 $(top_srcdir)/tests/alloc-sweep.py
.PHONY: check-alloc
