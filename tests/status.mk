# The status page (GET / on admin_listen): unit tests of its parts, and
# the page itself in headless Chromium against mxvetd on the lab; its
# screenshots are kept in the build tree (tests/status-page-*.png).
check_PROGRAMS += tests/unit/test_status
TESTS += tests/unit/test_status tests/status-page.py
EXTRA_DIST += tests/status-page.py
tests_unit_test_status_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_status_LDADD = daemon/libmxvetd.a $(UNIT_LDADD)
tests/status-page.log: mxvetd
CLEANFILES += tests/status-page-index.png tests/status-page-domain.png \
	tests/status-page-index.html tests/status-page-domain.html

# The Debian package: built from a copy of the sources, installed with
# apt-get, run, removed and purged (needs root; tests/deb-package.sh).
TESTS += tests/deb-package.sh
EXTRA_DIST += tests/deb-package.sh debian/changelog debian/control debian/copyright \
	debian/rules debian/source/format debian/mxvet.postinst debian/mxvet.postrm \
	debian/mxvet.prerm
