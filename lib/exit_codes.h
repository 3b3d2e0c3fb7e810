/* exit_codes: the exit statuses of mxvet(1) and mxvetd(8), one table for
 * both programs (the values of sysexits(3), which the man pages name). */
#ifndef MXVET_EXIT_CODES_H
#define MXVET_EXIT_CODES_H

#define EX_OK_ 0
#define EX_USAGE_ 64		/* usage error */
#define EX_NOINPUT_ 66		/* an input file cannot be read (mxvet outcomes) */
#define EX_UNAVAIL_ 69		/* no verdict possible: the resolver could not start */
#define EX_SOFTWARE_ 70		/* mxvetd: the milter (libmilter) stopped by itself */
#define EX_OSERR_ 71		/* the system failed us (fork, sockets, memory) */
#define EX_CANTCREAT_ 73	/* a file we must create (the pid file) */
#define EX_CONFIG_ 78		/* bad configuration */

#endif
