/*
 * sandbox.h -- confinement before the first socket (SPEC guarantee 4).
 * Placeholder until the hardening issue: lp_sandbox_enter() sets
 * PR_SET_NO_NEW_PRIVS only.
 */
#ifndef LP_SANDBOX_H
#define LP_SANDBOX_H

#include "result.h"

/* Returns 0, or -1 with r set. */
int lp_sandbox_enter(struct lp_result *r);

#endif
