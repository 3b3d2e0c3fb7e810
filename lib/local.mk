libmxvet_a_SOURCES += \
	lib/log.c lib/log.h \
	lib/netaddr.c lib/netaddr.h lib/addr_policy.c lib/addr_policy.h \
	lib/strlist.c lib/strlist.h
