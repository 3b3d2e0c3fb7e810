# mxvetd: the daemon (policy service, verdict cache); see issue 5.
sbin_PROGRAMS += mxvetd
mxvetd_SOURCES = daemon/main.c daemon/policy_parser.c daemon/policy_parser.h \
	daemon/policy_server.c daemon/policy_server.h daemon/cache.c daemon/cache.h \
	daemon/decide.c daemon/decide.h daemon/risklog.c daemon/risklog.h \
	daemon/admin_http.c daemon/admin_http.h \
	daemon/milter.c daemon/milter.h daemon/milter_bridge.c daemon/milter_bridge.h \
	daemon/milter_reply.c daemon/milter_reply.h \
	daemon/sockperm.c daemon/sockperm.h \
	daemon/verdict_ring.c daemon/verdict_ring.h daemon/risk_board.c daemon/risk_board.h \
	daemon/html.c daemon/html.h daemon/status_page.c daemon/status_page.h
mxvetd_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) $(SYSTEMD_CFLAGS) -I$(top_srcdir)/daemon
mxvetd_LDADD = libmxvet.a $(DEP_LIBS) $(MILTER_LIBS) $(SYSTEMD_LIBS)
