/*
 * clock.h -- the one clock every deadline is measured on.
 *
 * lp_now() is CLOCK_MONOTONIC in microseconds (the vDSO: no system call on
 * the usual clock sources).  Under the strict sandbox (sandbox.h) not even
 * a clock_gettime(2) fallback is allowed, so lp_clock_tick_start() first
 * arms a periodic ITIMER_REAL: from then on lp_now() counts the timer's
 * ticks from the moment it was armed, and each tick's SIGALRM (installed
 * without SA_RESTART) interrupts a blocking read, which returns EINTR and
 * so hands control back to the probe's deadline check.
 */
#ifndef LP_CLOCK_H
#define LP_CLOCK_H

#include <stdint.h>

/* Monotonic microseconds: deadlines are absolute values of this clock. */
int64_t lp_now(void);

/* Milliseconds left until deadline, rounded up, 0 if past; for poll(). */
int lp_ms_left(int64_t deadline, int64_t now);

/* Arms the periodic tick (period_us) and switches lp_now() to it.
 * Returns 0, or -1 (errno set). */
int lp_clock_tick_start(int64_t period_us);

#endif
