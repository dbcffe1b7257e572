/*
 * sandbox.h -- confinement before the first socket (SPEC guarantee 4).
 *
 * lp_sandbox_enter() sets PR_SET_NO_NEW_PRIVS and installs a seccomp
 * allow-list of the system calls a probe makes after its files are read:
 * socket (AF_INET, AF_INET6, AF_UNIX only), connect, poll, send/recv,
 * get/setsockopt, close, clock_gettime, getrandom, write (stderr), exit.
 * Anything else -- execve, open, fork, mmap, ptrace, ... -- kills the
 * process (SIGSYS).  If the filter cannot be installed lprobe refuses to
 * probe: a probe that says it is confined must be.
 */
#ifndef LP_SANDBOX_H
#define LP_SANDBOX_H

#include "result.h"

/* Returns 0, or -1 with r set. */
int lp_sandbox_enter(struct lp_result *r);

#endif
