/* noseccomp: run a command with its seccomp confinement made a no-op, so that
 * valgrind can count a program that confines itself.
 *
 *   noseccomp valgrind --tool=callgrind build/lprobe -port=8080
 *
 * Why: valgrind runs the program's code on its own virtual CPU but makes the
 * system calls itself, plus many of its own (rt_sigprocmask around every
 * call, mmap, ...).  A seccomp allow-list installed by the program applies to
 * the whole process, valgrind included, and kills it; SECCOMP_MODE_STRICT
 * (read, write, exit, sigreturn only: lprobe's mode for a single probe) all
 * the more.  So this tracer (ptrace, following forks and threads) turns every
 * seccomp(2) and every prctl(PR_SET_SECCOMP), whatever its mode, strict or
 * filter, into getpid() and makes it return 0: the program believes it is
 * confined and runs exactly as it would, minus the confinement.
 * Everything else is passed through unchanged; the exit status is the
 * command's.  x86-64 only; elsewhere the command runs untraced.
 * Writes "noseccomp: N seccomp call(s) skipped (S strict, F filter)" to
 * stderr, unless NOSECCOMP_QUIET is set (make valgrind: the tests read
 * lprobe's stderr).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#define PTRACE_SYSCALL_INFO_ENTRY 1
#define PTRACE_SYSCALL_INFO_EXIT 2
#endif

#ifndef SECCOMP_MODE_STRICT           /* <linux/seccomp.h>, which musl-gcc does not reach */
#define SECCOMP_MODE_STRICT 1
#endif

struct syscall_info {             /* struct ptrace_syscall_info, the part used here */
	unsigned char op;
	unsigned char pad[3];
	unsigned int arch;
	unsigned long long ip, sp;
	unsigned long long nr;        /* entry.nr (exit: rval) */
	unsigned long long args[6];
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: noseccomp command [args...]\n", stderr);
		return 2;
	}
#if !defined(__x86_64__)
	execvp(argv[1], argv + 1);
	return 127;
#else
	enum { MAXP = 64 };
	pid_t faked[MAXP] = { 0 };    /* tasks stopped inside a faked call */
	int status = 0, skipped = 0, strict = 0;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return 1;
	ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL |
	       PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC);
	ptrace(PTRACE_SYSCALL, pid, 0, 0);
	for (;;) {
		int st, sig = 0;
		pid_t who = waitpid(-1, &st, __WALL);
		if (who < 0)
			break;                                  /* nothing left to trace */
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (who == pid)
				status = st;
			continue;
		}
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {          /* syscall entry or exit */
			struct syscall_info in;
			struct user_regs_struct r;
			int slot = -1;
			memset(&in, 0, sizeof in);
			ptrace(PTRACE_GET_SYSCALL_INFO, who, sizeof in, &in);
			for (int i = 0; i < MAXP; i++)
				if (faked[i] == who)
					slot = i;
			if (in.op == PTRACE_SYSCALL_INFO_ENTRY &&
			    (in.nr == SYS_seccomp || (in.nr == SYS_prctl && in.args[0] == PR_SET_SECCOMP))) {
				ptrace(PTRACE_GETREGS, who, 0, &r);
				r.orig_rax = SYS_getpid;
				ptrace(PTRACE_SETREGS, who, 0, &r);
				for (int i = 0; i < MAXP && slot < 0; i++)
					if (!faked[i])
						faked[slot = i] = who;
				skipped++;
				strict += in.nr == SYS_prctl && in.args[1] == SECCOMP_MODE_STRICT;
			} else if (in.op == PTRACE_SYSCALL_INFO_EXIT && slot >= 0) {
				ptrace(PTRACE_GETREGS, who, 0, &r);
				r.rax = 0;
				ptrace(PTRACE_SETREGS, who, 0, &r);
				faked[slot] = 0;
			}
		} else if (st >> 16) {
			/* fork, clone or exec event: nothing to do */
		} else if (WSTOPSIG(st) != SIGSTOP && WSTOPSIG(st) != SIGTRAP) {
			sig = WSTOPSIG(st);                      /* a real signal: deliver it */
		}
		ptrace(PTRACE_SYSCALL, who, 0, sig);
	}
	if (!getenv("NOSECCOMP_QUIET"))
		fprintf(stderr, "noseccomp: %d seccomp call(s) skipped (%d strict, %d filter)\n",
			skipped, strict, skipped - strict);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
#endif
}
