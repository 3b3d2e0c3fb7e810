/* monotime: the monotonic clock in milliseconds or microseconds, for
 * deadlines and ages that a wall-clock jump must not move. */
#ifndef MXVET_MONOTIME_H
#define MXVET_MONOTIME_H

#include <time.h>

static inline long monotime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline long monotime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

#endif
