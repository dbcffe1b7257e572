/*
 * run.h -- one invocation: every group's probe connected, confined and
 * finished in one process, the verdict line, and -wait's attempts.
 *
 * Several groups (SPEC "Several checks in one run") run concurrently under
 * one poll loop, each under its own deadline: healthy iff all are.  The
 * failure line names the first failing group by position, and how many
 * others failed; -v gives every group's line.  Exit status: docker mode's
 * 0/1; in detailed mode the class of the earliest stage that failed in any
 * group (usage 1 < connection 2 < RPC 3 < unhealthy 4).
 *
 * -wait: each attempt runs in a child process, which confines itself
 * exactly as a single run does before it reads any peer byte; the parent
 * only forks, waits, sleeps and reads its child's one-line result from a
 * pipe -- it never talks to a peer.  The run ends within the wait plus one
 * attempt's timeouts.
 */
#ifndef LP_RUN_H
#define LP_RUN_H

#include "config.h"
#include "result.h"

/* Runs rc (validated, action LP_RUN) to its end; log_fd: -log's fd or -1.
 * Returns the exit status. */
int lp_run(const struct lp_run_config *rc, int log_fd);

#endif
