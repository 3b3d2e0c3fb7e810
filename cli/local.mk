bin_PROGRAMS += mxvet
mxvet_SOURCES = cli/mxvet.c cli/cli.h cli/cmd_check.c cli/cmd_report.c cli/cmd_ctl.c
mxvet_SOURCES += cli/cmd_outcomes.c
mxvet_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
mxvet_LDADD = libmxvet.a $(DEP_LIBS)
