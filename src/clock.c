/*
 * clock.c -- CLOCK_MONOTONIC (clock.h).
 */
#include "clock.h"

#include <time.h>

int64_t lp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int lp_ms_left(int64_t deadline, int64_t now)
{
	int64_t ms;

	if (deadline <= now)
		return 0;
	ms = (deadline - now + 999) / 1000;
	return ms > 86400000 ? 86400000 : (int)ms;
}
