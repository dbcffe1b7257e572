/*
 * sandbox.c -- a classic-BPF seccomp filter (Documentation/userspace-api/
 * seccomp_filter.rst): check the architecture, then the syscall number
 * against the allow-list; socket() also has its domain checked.
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define LP_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "lprobe's seccomp filter knows x86_64 and aarch64"
#endif

#define LP_LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define LP_ALLOW       BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define LP_KILL	       BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
/* if nr == n: allow, else fall through to the next test */
#define LP_SYSCALL(n) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1), LP_ALLOW

static const struct sock_filter lp_filter[] = {
	LP_LOAD(arch),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LP_AUDIT_ARCH, 1, 0),
	LP_KILL,
	LP_LOAD(nr),
#ifdef __x86_64__
	/* x32 syscalls share the x86_64 audit arch: refuse them wholesale */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	LP_KILL,
	LP_SYSCALL(SYS_poll),
#endif
	LP_SYSCALL(SYS_ppoll), /* musl's poll() on aarch64 */
	LP_SYSCALL(SYS_sendto),
	LP_SYSCALL(SYS_recvfrom),
	LP_SYSCALL(SYS_connect),
	LP_SYSCALL(SYS_getsockopt),
	LP_SYSCALL(SYS_setsockopt),
	LP_SYSCALL(SYS_close),
	LP_SYSCALL(SYS_write), /* the verdict line and -v, on stderr */
	LP_SYSCALL(SYS_writev),
	LP_SYSCALL(SYS_clock_gettime), /* when the vDSO is not used */
	LP_SYSCALL(SYS_getrandom),     /* TLS entropy */
	LP_SYSCALL(SYS_exit_group),
	LP_SYSCALL(SYS_exit),
	LP_SYSCALL(SYS_rt_sigreturn),
	/* socket(domain, ...): loopback families only */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0),
	LP_KILL,
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 3, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 2, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0),
	LP_KILL,
	LP_ALLOW,
};

int lp_sandbox_enter(struct lp_result *r)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof lp_filter / sizeof lp_filter[0]),
		.filter = (struct sock_filter *)(uintptr_t)lp_filter,
	};

	/* no setuid/file-capability gain from here on; also what lets an
	 * unprivileged process install a filter */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return lp_fail(r, LP_INTERNAL, "sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
#ifdef LP_NO_SECCOMP
	/* sanitizer builds only (make sanitize): ASan's allocator and exit path
	 * need mmap and more.  The filter itself is proven by
	 * tests/unit/test_sandbox.c and tests/integration/test_sandbox.py. */
	(void)prog;
#else
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		return lp_fail(r, LP_INTERNAL, "sandbox: cannot install the seccomp filter: %s",
			       strerror(errno));
#endif
	return 0;
}
