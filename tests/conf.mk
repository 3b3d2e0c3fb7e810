# conf/mxvet.conf, mxvet.conf(5) and the systemd unit agree with the code.
check_PROGRAMS += tests/dumpconf
tests_dumpconf_SOURCES = tests/dumpconf.c
tests_dumpconf_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
tests_dumpconf_LDADD = libmxvet.a $(DEP_LIBS)
TESTS += tests/conf-consistency.sh
EXTRA_DIST += tests/conf-consistency.sh
# make install DESTDIR=...: the layout, the unit (systemd-analyze), the user
TESTS += tests/install.sh
EXTRA_DIST += tests/install.sh
tests/install.log: mxvetd mxvet tests/dumpconf
# The include layering (lib < engine < checks < cli, daemon).
TESTS += tests/layering.sh
EXTRA_DIST += tests/layering.sh
# mxvet --version, mxvetd -V/-h, and mxvet(1)/mxvetd(8) against the --help texts
TESTS += tests/man-cli.sh
EXTRA_DIST += tests/man-cli.sh
tests/man-cli.log: mxvetd mxvet
