/*
 * clock.c -- CLOCK_MONOTONIC, or a count of ITIMER_REAL ticks under the
 * strict sandbox (clock.h).
 */
#include "clock.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t lp_ticks;
static int64_t lp_tick_base, lp_tick_us; /* lp_tick_us 0: the real clock */

static void lp_on_tick(int sig)
{
	(void)sig;
	lp_ticks++;
}

int64_t lp_now(void)
{
	struct timespec ts;

	if (lp_tick_us)
		return lp_tick_base + (int64_t)lp_ticks * lp_tick_us;
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

int lp_clock_tick_start(int64_t period_us)
{
	struct sigaction sa;
	struct itimerval it;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = lp_on_tick; /* no SA_RESTART: a blocking read returns EINTR */
	if (sigaction(SIGALRM, &sa, NULL) != 0)
		return -1;
	lp_tick_base = lp_now();
	it.it_interval.tv_sec = it.it_value.tv_sec = (time_t)(period_us / 1000000);
	it.it_interval.tv_usec = it.it_value.tv_usec = (suseconds_t)(period_us % 1000000);
	if (setitimer(ITIMER_REAL, &it, NULL) != 0)
		return -1;
	lp_tick_us = period_us;
	return 0;
}
