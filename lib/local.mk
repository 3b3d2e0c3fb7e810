libmxvet_a_SOURCES += \
	lib/log.c lib/log.h \
	lib/netaddr.c lib/netaddr.h \
	lib/strlist.c lib/strlist.h
