/*
 * sandbox.h -- confinement (SPEC guarantee 4), kept by the kernel.
 *
 * Order of a run: lp_sandbox_fds() first (only fds 0-2, all valid); then
 * arguments, TLS files and -log are read and every probe connects; then,
 * before a single byte is read from any peer, lp_sandbox_confine():
 *
 *  - PR_SET_NO_NEW_PRIVS, always;
 *  - LP_CONFINE_STRICT (one probe, no -v): SECCOMP_MODE_STRICT -- read,
 *    write, _exit and sigreturn only.  No poll, no clock_gettime, no close:
 *    the probe runs on a blocking socket, its clock is the tick of a timer
 *    armed just before (clock.h), and it ends with lp_sandbox_exit().  The
 *    cheapest confinement there is (no filter to build or run) and the
 *    narrowest.  Where the process already has a seccomp filter (a
 *    container runtime's default profile) the kernel refuses strict mode,
 *    and the filter below is installed instead;
 *  - LP_CONFINE_FILTER (several probes, or -v; and a TLS probe of the
 *    OpenSSL build, whose DRBG calls getpid: LP_TLS_STRICT_OK in tls.h):
 *    a seccomp filter that allows read, write, poll, close,
 *    clock_gettime, getrandom, exit and sigreturn (and, in the OpenSSL
 *    build, getpid: it returns a number, opens nothing).  socket, connect, bind, listen, accept, sendto, sendmsg,
 *    open, execve, fork, mmap, ptrace -- anything else -- kill the process.
 *
 * Either way no new connection, file or process is possible after it: a
 * probe hijacked by a hostile peer can only talk to the sockets it already
 * holds and write to fds 0-2.  If the kernel refuses (qemu-user emulation
 * does), lprobe refuses to probe, unless the user opted out (-no-sandbox).
 */
#ifndef LP_SANDBOX_H
#define LP_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/filter.h>

#include "result.h"

enum lp_confinement { LP_CONFINE_STRICT, LP_CONFINE_FILTER };

/* First thing in main: closes every inherited fd above 2 and makes 0-2
 * valid (a closed one gets a pipe end, so that lp_log never writes into a
 * socket that took its number).  Opens no file.  0, or -1 with r set. */
int lp_sandbox_fds(struct lp_result *r);

/* Confines the process as described above.  unconfined_ok: -no-sandbox,
 * a kernel refusal is then only noted (verbose) and the probe goes on.
 * Returns 0, or -1 with r set (lprobe must then not probe). */
int lp_sandbox_confine(enum lp_confinement how, bool unconfined_ok, bool verbose,
		       struct lp_result *r);

/* Ends the process in the way the confinement allows (_exit(2) under
 * strict mode, exit_group(2) otherwise). */
_Noreturn void lp_sandbox_exit(int code);

/* The filter of LP_CONFINE_FILTER, into f (capacity cap); returns its
 * length.  For tests. */
size_t lp_sandbox_filter(struct sock_filter *f, size_t cap);

#endif
