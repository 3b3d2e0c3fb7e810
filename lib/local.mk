libmxvet_a_SOURCES += \
	lib/log.c lib/log.h \
	lib/endpoint.c lib/endpoint.h \
	lib/netaddr.c lib/netaddr.h lib/addr_policy.c lib/addr_policy.h \
	lib/privdrop.c lib/privdrop.h \
	lib/strlist.c lib/strlist.h
libmxvet_a_SOURCES += lib/exit_codes.h
libmxvet_a_SOURCES += lib/monotime.h
libmxvet_a_SOURCES += lib/metrics.c lib/metrics.h
