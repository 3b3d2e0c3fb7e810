libmxvet_a_SOURCES += \
	checks/registry.c checks/registry.h \
	checks/domain.c \
	checks/mxhost.c \
	checks/typo.c checks/typo.h \
	checks/authority.c
dist_pkgdata_DATA += data/mx-providers.txt
libmxvet_a_SOURCES += checks/smtp.c checks/dead.c
