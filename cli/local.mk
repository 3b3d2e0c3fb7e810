bin_PROGRAMS += mxvet
mxvet_SOURCES = cli/mxvet.c cli/cli.h cli/cmd_check.c
mxvet_SOURCES += cli/cmd_report.c
mxvet_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
mxvet_LDADD = libmxvet.a $(DEP_LIBS)
