libmxvet_a_SOURCES += \
	engine/config.c engine/config.h \
	engine/config_check.c engine/config_check.h \
	engine/findings.c engine/findings.h \
	engine/evidence.c engine/evidence.h \
	engine/dname.c engine/dname.h \
	engine/resolver.c engine/resolver.h engine/resolver_guard.c engine/resolver_state.h \
	engine/dns_guard.c engine/dns_guard.h \
	engine/engine.c engine/engine.h \
	engine/pipeline.c engine/pipeline.h \
	engine/verdict.c engine/verdict.h \
	engine/report.c engine/report.h \
	engine/unbound_upstreams.c engine/unbound_upstreams.h
libmxvet_a_SOURCES += \
	engine/auth_evidence.h engine/auth_evidence.c \
	engine/dnsquery.c engine/dnsquery.h \
	engine/auth_cache.c engine/auth_cache.h \
	engine/authority.c engine/authority.h engine/auth_discovery.c engine/auth_stage.h \
	engine/smtp_probe.c engine/smtp_probe.h engine/smtp_table.c engine/smtp_table.h engine/smtp_stage.c engine/probe_sched.c engine/probe_sched.h \
	engine/egress_guard.c engine/egress_guard.h \
	engine/history.c engine/history.h
libmxvet_a_SOURCES += engine/smtp_greeting.c engine/smtp_greeting.h
libmxvet_a_SOURCES += engine/detector.h
libmxvet_a_SOURCES += engine/stage.h engine/stages.c
libmxvet_a_SOURCES += engine/maillog.c engine/maillog.h engine/outcomes.c engine/outcomes.h
libmxvet_a_SOURCES += engine/redis_url.c engine/redis_url.h engine/redis_conn.c engine/redis_conn.h \
	engine/fleet.c engine/fleet.h engine/fleet_codec.c engine/fleet_codec.h \
	engine/fleet_scan.c engine/fleet_scan.h
libmxvet_a_SOURCES += engine/fleet_lease.c engine/fleet_lease.h engine/fleet_metrics.c
libmxvet_a_SOURCES += engine/engine_metrics.c engine/engine_metrics.h
