/*
 * sandbox.c -- a classic-BPF seccomp filter (Documentation/userspace-api/
 * seccomp_filter.rst): check the architecture, then the syscall number
 * against the allow-list; socket() also has its domain checked.
 *
 * Attaching a filter costs time in proportion to its length (the kernel
 * checks, converts and JIT-compiles it in every probe: about 0.7 us per
 * instruction on the bench machine), so the program is kept short: every
 * allowed number jumps to one shared ALLOW.  No x32 check is needed: x32
 * numbers carry bit 30 and can never equal an entry of the allow-list.
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
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

/* What a probe does after its files are read. */
static const unsigned lp_allowed[] = {
#ifdef SYS_poll
	SYS_poll,
#endif
	SYS_ppoll,         /* musl's poll() on aarch64 */
	SYS_connect,
	SYS_sendto,
	SYS_recvfrom,
	SYS_getsockopt,
	SYS_setsockopt,
	SYS_close,
	SYS_write,         /* the verdict line and -v, on stderr */
	SYS_writev,
	SYS_clock_gettime, /* when the vDSO is not used */
	SYS_getrandom,     /* TLS entropy */
	SYS_rt_sigreturn,
	SYS_exit,
	SYS_exit_group,
#ifdef LP_TLS_OPENSSL
	/* OpenSSL build (tls_openssl.c) only: */
	SYS_getpid,        /* the DRBG compares the pid on every draw (fork detection) */
#endif
};

#define LP_NALLOWED (sizeof lp_allowed / sizeof lp_allowed[0])
#define LP_FILTER_MAX (LP_NALLOWED + 12)

#define LP_STMT(code, k)	 ((struct sock_filter)BPF_STMT((code), (k)))
#define LP_JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))
#define LP_RET(action)		 LP_STMT(BPF_RET | BPF_K, (action))
#define LP_LOAD(field)		 LP_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define LP_JEQ(k, jt, jf)	 LP_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf))

/* The whole program; returns its length. */
static size_t lp_build_filter(struct sock_filter *f)
{
	size_t n = 0, i;

	f[n++] = LP_LOAD(arch);
	f[n++] = LP_JEQ(LP_AUDIT_ARCH, 1, 0);
	f[n++] = LP_RET(SECCOMP_RET_KILL_PROCESS);
	f[n++] = LP_LOAD(nr);
	/* socket(domain, ...): loopback families only */
	f[n++] = LP_JEQ(SYS_socket, 0, 5);
	f[n++] = LP_LOAD(args[0]);
	f[n++] = LP_JEQ(AF_INET, LP_NALLOWED + 4, 0); /* to ALLOW, past KILL, list, KILL */
	f[n++] = LP_JEQ(AF_INET6, LP_NALLOWED + 3, 0);
	f[n++] = LP_JEQ(AF_UNIX, LP_NALLOWED + 2, 0);
	f[n++] = LP_RET(SECCOMP_RET_KILL_PROCESS);
	for (i = 0; i < LP_NALLOWED; i++) /* each: to ALLOW, past the rest and KILL */
		f[n++] = LP_JEQ(lp_allowed[i], (unsigned char)(LP_NALLOWED - i), 0);
	f[n++] = LP_RET(SECCOMP_RET_KILL_PROCESS);
	f[n++] = LP_RET(SECCOMP_RET_ALLOW);
	return n;
}

int lp_sandbox_enter(struct lp_result *r)
{
	struct sock_filter filter[LP_FILTER_MAX];
	struct sock_fprog prog = {.filter = filter};

	prog.len = (unsigned short)lp_build_filter(filter);
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
