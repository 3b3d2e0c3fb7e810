libmxvet_a_SOURCES += \
	checks/registry.c checks/registry.h \
	checks/domain.c \
	checks/mxhost.c \
	checks/typo.c checks/typo.h \
	checks/authority.c
dist_pkgdata_DATA += data/mx-providers.txt
libmxvet_a_SOURCES += checks/smtp.c checks/dead.c
# The provider list of MX_TYPO, built in: mxvet finds typos from the build
# tree and without any installed file; mx_providers_file replaces it.
nodist_libmxvet_a_SOURCES = checks/mx_providers_builtin.c
BUILT_SOURCES = checks/mx_providers_builtin.c
CLEANFILES += checks/mx_providers_builtin.c
EXTRA_DIST += checks/providers.awk
checks/mx_providers_builtin.c: $(top_srcdir)/data/mx-providers.txt $(top_srcdir)/checks/providers.awk
	$(AM_V_GEN)$(MKDIR_P) checks && \
	$(AWK) -f $(top_srcdir)/checks/providers.awk $(top_srcdir)/data/mx-providers.txt > $@.tmp && \
	mv $@.tmp $@
