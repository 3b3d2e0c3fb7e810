# mxvetd: the daemon (policy service, milter, admin API, verdict cache).
# Everything but main() is a convenience library, so tests and benchmarks
# link the parts they exercise instead of listing sources again.
noinst_LIBRARIES += daemon/libmxvetd.a
daemon_libmxvetd_a_SOURCES = daemon/policy_parser.c daemon/policy_parser.h \
	daemon/policy_server.c daemon/policy_server.h daemon/cache.c daemon/cache.h \
	daemon/decide.c daemon/decide.h daemon/risklog.c daemon/risklog.h \
	daemon/admin_http.c daemon/admin_http.h \
	daemon/milter.c daemon/milter.h daemon/milter_bridge.c daemon/milter_bridge.h \
	daemon/milter_reply.c daemon/milter_reply.h \
	daemon/sockperm.c daemon/sockperm.h \
	daemon/verdict_ring.c daemon/verdict_ring.h daemon/risk_board.c daemon/risk_board.h \
	daemon/html.c daemon/html.h daemon/status_page.c daemon/status_page.h
daemon_libmxvetd_a_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) $(SYSTEMD_CFLAGS)
DAEMON_LDADD = daemon/libmxvetd.a libmxvet.a $(DEP_LIBS) $(MILTER_LIBS) $(SYSTEMD_LIBS)

sbin_PROGRAMS += mxvetd
mxvetd_SOURCES = daemon/main.c
mxvetd_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) $(SYSTEMD_CFLAGS)
mxvetd_LDADD = $(DAEMON_LDADD)
