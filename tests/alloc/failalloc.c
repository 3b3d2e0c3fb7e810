/* failalloc: an LD_PRELOAD allocator shim for the allocation-failure sweep
 * (tests/alloc-sweep.sh). It counts malloc, calloc, realloc, strdup and
 * strndup calls made by the main thread once the program enters
 * event_base_dispatch() (the start marker: in mxvet check that is where
 * every check runs), and fails the one numbered FAILALLOC_N (1-based) with
 * ENOMEM. With FAILALLOC_COUNT=FILE it writes the number of calls counted
 * to FILE at exit. libunbound's own thread is not counted: its failures
 * come back as SERVFAIL, which mxvet cannot tell from the network's.
 * It forwards to the next allocator (glibc's, or ASan's with
 * ASAN_OPTIONS=verify_asan_link_order=0). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int armed, resolving;
static unsigned long counted, fail_at;

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

/* Should this call fail? Counts only the main thread's calls once armed. */
static int fail_now(void)
{
	if (!armed || syscall(SYS_gettid) != getpid())
		return 0;
	counted++;
	if (fail_at && counted == fail_at) {
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

	fail_at = n ? strtoul(n, NULL, 10) : 0;
	if (fail_at) {
		void *one[1];
		backtrace(one, 1);	/* loads libgcc now, not in the handler */
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
