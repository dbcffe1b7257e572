/*
 * sandbox.c -- a classic-BPF seccomp filter
 * (Documentation/userspace-api/seccomp_filter.rst), and the fd hygiene
 * before it.
 *
 * What a filter costs (measured in bench/, see docs/BENCHMARKS.md): the
 * kernel allocates and JIT-compiles it at attach, and then emulates it
 * once for every system call number to build its allow cache
 * (seccomp_cache_prepare in kernel/seccomp.c), at a few microseconds per
 * instruction on the emulated paths.  The emulation stops at the first
 * instruction that is not constant for a given number -- a load of
 * anything but nr or arch -- so this filter starts with one: the cache is
 * never built, attaching costs only the allocation and JIT, and each of
 * the probe's few system calls afterwards runs about ten instructions.
 * Allowed numbers are found by binary search, so the path stays short.
 * x32 numbers (bit 30 set) are larger than every allowed one: killed.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#if defined(__x86_64__)
#define LP_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "lprobe's seccomp filter knows x86_64 and aarch64"
#endif

/* What a probe does once connected, sorted for the binary search. */
static const unsigned lp_allowed[] = {
#if defined(__x86_64__)
	SYS_read,	  /* 0: its sockets */
	SYS_write,	  /* 1: its sockets, the verdict line, -v, -log */
	SYS_close,	  /* 3: a finished probe's socket */
	SYS_poll,	  /* 7 */
	SYS_rt_sigreturn, /* 15 */
#ifdef LP_TLS_OPENSSL
	SYS_getpid, /* 39: OpenSSL's DRBG, every draw (fork check; tls.h) */
#endif
	SYS_exit,	     /* 60 */
	SYS_restart_syscall, /* 219: a poll resumed after SIGSTOP/SIGCONT */
	SYS_clock_gettime,   /* 228: when the vDSO falls back to the kernel */
	SYS_exit_group,	     /* 231 */
	SYS_getrandom,	     /* 318: BearSSL may reseed; no new resource */
#else			     /* aarch64 */
	SYS_close,	     /* 57 */
	SYS_read,	     /* 63 */
	SYS_write,	     /* 64 */
	SYS_ppoll,	     /* 73: musl's poll() */
	SYS_exit,	     /* 93 */
	SYS_exit_group,	     /* 94 */
	SYS_clock_gettime,   /* 113 */
	SYS_restart_syscall, /* 128 */
	SYS_rt_sigreturn,    /* 139 */
#ifdef LP_TLS_OPENSSL
	SYS_getpid,	     /* 172 */
#endif
	SYS_getrandom,	     /* 278 */
#endif
};

#define LP_NALLOWED (sizeof lp_allowed / sizeof lp_allowed[0])

/* Jump targets before they are resolved into offsets. */
#define LP_NEXT	 0u
#define LP_ALLOW 0x10000u
#define LP_KILL	 0x10001u

struct lp_prog {
	struct sock_filter *f;
	unsigned jt[64], jf[64]; /* absolute targets, or LP_ALLOW/LP_KILL/LP_NEXT */
	size_t n, cap;
};

static void lp_emit(struct lp_prog *p, struct sock_filter ins, unsigned jt, unsigned jf)
{
	if (p->n < p->cap && p->n < 64) {
		p->f[p->n] = ins;
		p->jt[p->n] = jt, p->jf[p->n] = jf;
	}
	p->n++;
}

#define LP_LD(off)  ((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off)))
#define LP_RET(act) ((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (act)))
#define LP_J(op, k) ((struct sock_filter)BPF_JUMP(BPF_JMP | (op) | BPF_K, (k), 0, 0))

/* Binary search of nrs[lo, hi): equal -> ALLOW, absent -> KILL. */
static void lp_emit_search(struct lp_prog *p, size_t lo, size_t hi)
{
	size_t i, mid, at;

	if (hi - lo <= 3) {
		for (i = lo; i < hi; i++)
			lp_emit(p, LP_J(BPF_JEQ, lp_allowed[i]), LP_ALLOW,
				i + 1 < hi ? LP_NEXT : LP_KILL);
		return;
	}
	mid = (lo + hi) / 2;
	at = p->n;
	lp_emit(p, LP_J(BPF_JGE, lp_allowed[mid]), 0, LP_NEXT);
	lp_emit_search(p, lo, mid);
	if (at < 64)
		p->jt[at] = (unsigned)p->n;
	lp_emit_search(p, mid, hi);
}

static unsigned char lp_offset(size_t i, unsigned target, size_t allow, size_t kill)
{
	size_t to = target == LP_ALLOW	? allow
		    : target == LP_KILL ? kill
		    : target == LP_NEXT ? i + 1
					: target;
	return (unsigned char)(to - i - 1);
}

size_t lp_sandbox_filter(struct sock_filter *f, size_t cap)
{
	struct lp_prog p = {.f = f, .cap = cap};
	size_t i, allow, kill;

	/* not constant per syscall number: ends the attach-time emulation */
	lp_emit(&p, LP_LD(offsetof(struct seccomp_data, instruction_pointer)), 0, 0);
	lp_emit(&p, LP_LD(offsetof(struct seccomp_data, arch)), 0, 0);
	lp_emit(&p, LP_J(BPF_JEQ, LP_AUDIT_ARCH), LP_NEXT, LP_KILL);
	lp_emit(&p, LP_LD(offsetof(struct seccomp_data, nr)), 0, 0);
	lp_emit_search(&p, 0, LP_NALLOWED);
	allow = p.n;
	lp_emit(&p, LP_RET(SECCOMP_RET_ALLOW), 0, 0);
	kill = p.n;
	lp_emit(&p, LP_RET(SECCOMP_RET_KILL_PROCESS), 0, 0);
	if (p.n > cap || p.n > 64)
		return 0;
	for (i = 0; i < p.n; i++) {
		if (BPF_CLASS(f[i].code) != BPF_JMP)
			continue;
		f[i].jt = lp_offset(i, p.jt[i], allow, kill);
		f[i].jf = lp_offset(i, p.jf[i], allow, kill);
	}
	return p.n;
}

/* ---- fds -------------------------------------------------------------- */

static void lp_close_from(int lo)
{
	struct rlimit rl;
	long fd, max = 65536;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, ~0u, 0u) == 0)
		return;
#endif
	/* kernels before 5.9 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur < max)
		max = (long)rl.rlim_cur;
	for (fd = lo; fd < max; fd++)
		close((int)fd);
}

int lp_sandbox_fds(struct lp_result *r)
{
	/* one poll(2) tells which of 0-2 are closed (POLLNVAL), where three
	 * fcntl(2) calls would */
	struct pollfd pfd[3] = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}};
	int fd, p[2], i;

	lp_close_from(3);
	if (poll(pfd, 3, 0) < 0)
		return lp_fail(r, LP_INTERNAL, "poll: %s", strerror(errno));
	for (fd = 0; fd < 3; fd++) {
		if (!(pfd[fd].revents & POLLNVAL))
			continue;
		/* the lowest free numbers: this one, and maybe another of 0-2 */
		if (pipe(p) != 0)
			return lp_fail(r, LP_INTERNAL, "pipe: %s", strerror(errno));
		for (i = 0; i < 2; i++) {
			if (p[i] > 2)
				close(p[i]);
			else /* a line written there must never block the probe */
				(void)fcntl(p[i], F_SETFL, O_NONBLOCK);
		}
		if (p[0] <= 2 && p[0] != fd)
			pfd[p[0]].revents = 0; /* filled by this pipe as well */
		if (p[1] <= 2 && p[1] != fd)
			pfd[p[1]].revents = 0;
	}
	return 0;
}

/* ---- confinement ------------------------------------------------------- */

static int lp_refused(int err, bool unconfined_ok, bool verbose, struct lp_result *r)
{
	if (unconfined_ok) {
		if (verbose)
			lp_log("sandbox: the kernel refused seccomp (%s); probing UNCONFINED "
			       "(-no-sandbox)",
			       strerror(err));
		return 0;
	}
	return lp_fail(r, LP_INTERNAL,
		       "sandbox: the kernel refused seccomp (%s), as qemu-user emulation does; "
		       "lprobe does not probe unconfined unless told to: -no-sandbox "
		       "(LPROBE_NO_SANDBOX=true)",
		       strerror(err));
}

int lp_sandbox_confine(bool unconfined_ok, bool verbose, struct lp_result *r)
{
	struct sock_filter filter[64];
	struct sock_fprog prog = {.filter = filter};

	/* no setuid/file-capability gain from here on; also what lets an
	 * unprivileged process install a filter */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 && !unconfined_ok)
		return lp_fail(r, LP_INTERNAL, "sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
#ifdef LP_NO_SECCOMP
	/* sanitizer builds only (make sanitize): ASan's allocator and exit path
	 * need mmap and more.  The confinement itself is proven by
	 * tests/unit/test_sandbox.c and tests/integration/test_sandbox.py. */
	(void)prog, (void)verbose, (void)lp_refused;
	return 0;
#else
	/* under a container runtime's own filter (Docker's and podman's
	 * default profiles, Kubernetes' RuntimeDefault) ours goes on top:
	 * the kernel applies the stricter answer of the two */
	prog.len = (unsigned short)lp_sandbox_filter(filter, sizeof filter / sizeof filter[0]);
	if (prog.len == 0)
		return lp_fail(r, LP_INTERNAL, "sandbox: filter too long");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		return lp_refused(errno, unconfined_ok, verbose, r);
	if (verbose)
		lp_log("sandbox: no_new_privs and a seccomp filter (%u instructions) in force",
		       prog.len);
	return 0;
#endif
}
