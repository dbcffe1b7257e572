/*
 * sandbox.h -- confinement (SPEC guarantee 4), kept by the kernel.
 *
 * Order of a run: lp_sandbox_fds() first (only fds 0-2, all valid); then
 * arguments, TLS files and -log are read and every probe connects; then,
 * before a single byte is read from any peer, lp_sandbox_confine():
 * PR_SET_NO_NEW_PRIVS and a seccomp filter that allows read, write, poll,
 * close, clock_gettime, getrandom, restart_syscall, exit and sigreturn
 * (and getpid in the OpenSSL build: its DRBG calls it on every draw, to
 * notice a fork; it returns a number and opens nothing).
 * socket, connect, bind, listen, accept, sendto, sendmsg, open, execve,
 * fork, mmap, ptrace -- anything else -- kill the process (SIGSYS).
 *
 * No new connection, file or process is possible after it: a probe
 * hijacked by a hostile peer can only talk to the sockets it already holds
 * and write to fds 0-2 (and -log's).  If the kernel refuses (qemu-user
 * emulation does), lprobe refuses to probe, unless the user opted out
 * (-no-sandbox).
 *
 * SECCOMP_MODE_STRICT was tried for the single probe and dropped: it cost
 * as much as the filter here (bench: +33.9 vs +33.1 us; the kernel turns
 * off the TSC for a strict task, so every context switch traps to the
 * hypervisor and the vDSO clock faults), needed a blocking socket and a
 * timer clock of its own, and is refused anyway under a container
 * runtime's seccomp profile (docs/DECISIONS.md).
 */
#ifndef LP_SANDBOX_H
#define LP_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/filter.h>

#include "result.h"

/* First thing in main: closes every inherited fd above 2 and makes 0-2
 * valid (a closed one gets a pipe end, so that lp_log never writes into a
 * socket that took its number).  Opens no file.  0, or -1 with r set. */
int lp_sandbox_fds(struct lp_result *r);

/* Confines the process as described above.  unconfined_ok: -no-sandbox,
 * a kernel refusal is then only noted (verbose) and the probe goes on.
 * Returns 0, or -1 with r set (lprobe must then not probe). */
int lp_sandbox_confine(bool unconfined_ok, bool verbose, struct lp_result *r);

/* The filter, into f (capacity cap); returns its length.  For tests. */
size_t lp_sandbox_filter(struct sock_filter *f, size_t cap);

#endif
