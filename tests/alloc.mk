# The allocation-failure sweep (tests/alloc-sweep.py): an LD_PRELOAD shim
# (tests/alloc/failalloc.c) fails the Nth allocation that mxvet's own code
# makes during whole mxvet check runs on the lab, for 18 lab domains of
# every class: every N of the fast ones, a sample of the slow ones (and of
# all in a sanitizer build, where each run is slower). About 2 minutes, so
# it runs in make check. `make check-alloc` tries every N everywhere;
# SWEEP_SCOPE=all fails libraries' allocations too, which shows the crashes
# inside them listed in tests/alloc/library-oom.txt.
EXTRA_DIST += tests/alloc-sweep.py tests/alloc/failalloc.c tests/alloc/library-oom.txt
CLEANFILES += tests/alloc/failalloc.so
TESTS += tests/alloc-sweep.py
tests/alloc-sweep.log: mxvet tests/alloc/failalloc.so
tests/alloc/failalloc.so: $(top_srcdir)/tests/alloc/failalloc.c
	@$(MKDIR_P) tests/alloc
	$(AM_V_CC)$(CC) -O2 -Wall -Wextra -shared -fPIC -o $@ $< -ldl
check-alloc: mxvet tests/alloc/failalloc.so
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' SWEEP=$${SWEEP-all} \
	  python3 $(top_srcdir)/tests/alloc-sweep.py
.PHONY: check-alloc
