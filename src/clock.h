/*
 * clock.h -- the one clock every deadline is measured on: CLOCK_MONOTONIC
 * in microseconds (the vDSO: no system call on the usual clock sources;
 * the sandbox allows clock_gettime(2) for the others).
 */
#ifndef LP_CLOCK_H
#define LP_CLOCK_H

#include <stdint.h>

/* Monotonic microseconds: deadlines are absolute values of this clock. */
int64_t lp_now(void);

/* Milliseconds left until deadline, rounded up, 0 if past; for poll(). */
int lp_ms_left(int64_t deadline, int64_t now);

#endif
