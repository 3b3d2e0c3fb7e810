/* failalloc: an LD_PRELOAD allocator shim for the allocation-failure sweep
 * (tests/alloc-sweep.py). It counts malloc, calloc, realloc, strdup and
 * strndup calls made by the main thread once the program enters
 * event_base_dispatch() (the start marker: in mxvet check that is where
 * every check runs), and fails the one numbered FAILALLOC_N (1-based) with
 * ENOMEM. With FAILALLOC_COUNT=FILE it writes the number of calls counted
 * to FILE at exit. libunbound's own thread is not counted: its failures
 * come back as SERVFAIL, which mxvet cannot tell from the network's.
 *
 * FAILALLOC_SCOPE=own (the default) counts only the calls mxvet's own code
 * makes: the first caller frame outside this shim, the C library and the
 * sanitizer runtimes is in the main program (so an asprintf or strdup of
 * mxvet counts, an allocation inside libldns, libevent or libunbound does
 * not: those libraries crash on some of their own failures, which mxvet
 * cannot prevent; see tests/alloc/library-oom.txt). FAILALLOC_SCOPE=all
 * counts every call of the main thread.
 * It forwards to the next allocator (glibc's, or ASan's with
 * ASAN_OPTIONS=verify_asan_link_order=0). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int armed, resolving, scope_all, busy;
static unsigned long counted, fail_at;
static pthread_t main_thread;

/* Address ranges of the loaded objects at start: the main program's (own)
 * and those whose frames are looked through (libc, sanitizers, this shim). */
#define MAX_RANGES 64
static struct { uintptr_t lo, hi; int own; } ranges[MAX_RANGES];
static int nranges;

/* dlsym may allocate before the next allocator is known */
static char boot[8192];
static size_t boot_used;

static void *boot_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (boot_used + n > sizeof boot)
		return NULL;
	p = boot + boot_used;
	boot_used += n;
	return p;
}

static int in_boot(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + sizeof boot;
}

static void resolve(void)
{
	if (next_malloc || resolving)
		return;
	resolving = 1;
	next_malloc = dlsym(RTLD_NEXT, "malloc");
	next_calloc = dlsym(RTLD_NEXT, "calloc");
	next_realloc = dlsym(RTLD_NEXT, "realloc");
	next_free = dlsym(RTLD_NEXT, "free");
	resolving = 0;
}

static int see_through(const char *name)
{
	static const char *const libs[] = { "/libc.so", "/libasan.so", "/libubsan.so",
					    "/failalloc.so", "/libm.so", NULL };

	for (int i = 0; libs[i]; i++)
		if (strstr(name, libs[i]))
			return 1;
	return 0;
}

static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	int own = info->dlpi_name[0] == '\0' && *(int *)arg == 0;

	(void)size;
	(*(int *)arg)++;
	if (!own && !see_through(info->dlpi_name))
		return 0;
	for (int i = 0; i < info->dlpi_phnum && nranges < MAX_RANGES; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		ranges[nranges].lo = info->dlpi_addr + ph->p_vaddr;
		ranges[nranges].hi = ranges[nranges].lo + ph->p_memsz;
		ranges[nranges].own = own;
		nranges++;
	}
	return 0;
}

/* 1 in the main program, 0 in a see-through object, -1 elsewhere. */
static int where(uintptr_t pc)
{
	for (int i = 0; i < nranges; i++)
		if (pc >= ranges[i].lo && pc < ranges[i].hi)
			return ranges[i].own;
	return -1;
}

/* Is the first caller outside the see-through objects mxvet's own code? */
static int own_caller(void)
{
	void *bt[16];
	int n = backtrace(bt, 16);

	for (int i = 0; i < n; i++) {
		int w = where((uintptr_t)bt[i]);
		if (w != 0)
			return w == 1;
	}
	return 0;
}

/* Should this call fail? Counts only the main thread's calls once armed. */
static int fail_now(void)
{
	int own;

	if (!armed || busy || !pthread_equal(pthread_self(), main_thread))
		return 0;
	busy = 1;	/* backtrace may allocate */
	own = scope_all || own_caller();
	busy = 0;
	if (!own)
		return 0;
	counted++;
	if (fail_at && counted == fail_at) {
		if (getenv("FAILALLOC_WHERE")) {	/* say which call site failed */
			void *bt[16];
			busy = 1;
			int n = backtrace(bt, 16);
			write(2, "failalloc: failing this call:\n", 30);
			backtrace_symbols_fd(bt, n, 2);
			busy = 0;
		}
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	resolve();
	if (!next_malloc)
		return boot_alloc(n);
	return fail_now() ? NULL : next_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	resolve();
	if (!next_calloc) {
		void *p = boot_alloc(a * b);
		if (p)
			memset(p, 0, a * b);
		return p;
	}
	return fail_now() ? NULL : next_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	resolve();
	if (in_boot(p)) {
		void *q = malloc(n);
		if (q)
			memcpy(q, p, n);
		return q;
	}
	return fail_now() ? NULL : next_realloc(p, n);
}

void free(void *p)
{
	if (!p || in_boot(p))
		return;
	resolve();
	if (next_free)
		next_free(p);
}

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	return p ? memcpy(p, s, n) : NULL;
}

char *strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

struct event_base;
int event_base_dispatch(struct event_base *base)
{
	int (*next)(struct event_base *) = (int (*)(struct event_base *))
		dlsym(RTLD_NEXT, "event_base_dispatch");
	armed = 1;
	return next(base);
}

/* A crash says where, so that a failing N can be found again. */
static void on_crash(int sig)
{
	void *bt[32];
	int n = backtrace(bt, 32);

	write(2, "failalloc: crash, backtrace:\n", 30);
	backtrace_symbols_fd(bt, n, 2);
	signal(sig, SIG_DFL);
	raise(sig);
}

__attribute__((constructor)) static void start(void)
{
	const char *n = getenv("FAILALLOC_N");

	const char *scope = getenv("FAILALLOC_SCOPE");
	void *one[1];
	int seen = 0;

	main_thread = pthread_self();
	scope_all = scope && strcmp(scope, "all") == 0;
	backtrace(one, 1);	/* loads libgcc now, not while counting */
	dl_iterate_phdr(on_object, &seen);
	fail_at = n ? strtoul(n, NULL, 10) : 0;
	if (fail_at) {
		signal(SIGSEGV, on_crash);
		signal(SIGABRT, on_crash);
	}
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("FAILALLOC_COUNT");
	FILE *f;

	armed = 0;
	if (path && (f = fopen(path, "w"))) {
		fprintf(f, "%lu\n", counted);
		fclose(f);
	}
}
