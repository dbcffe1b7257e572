/* confine-null: a static program that does nothing but confine itself, for
 * what each way of confining costs a process on its own (bench/bench.py's
 * sandbox table):
 *
 *   confine-null none     PR_SET_NO_NEW_PRIVS only (as every mode below)
 *   confine-null strict   + SECCOMP_MODE_STRICT (lprobe's single probe)
 *   confine-null filter   + a one-instruction seccomp filter (RET ALLOW)
 *   confine-null notsc    + PR_SET_TSC(PR_TSC_SIGSEGV) and no seccomp: on x86
 *                         strict mode also disables the TSC for the process
 *                         (disable_TSC() in kernel/seccomp.c), which flips
 *                         CR4.TSD at every context switch into or out of it
 *
 * then exit(2), the one exit strict mode allows.
 */
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct bpf_insn { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct bpf_prog { unsigned short len; struct bpf_insn *filter; };

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "none";
	struct bpf_insn allow = { 0x06 /* BPF_RET|BPF_K */, 0, 0, 0x7fff0000u /* SECCOMP_RET_ALLOW */ };
	struct bpf_prog prog = { 1, &allow };
	long rc = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 1;
	if (!strcmp(m, "strict"))
		rc = prctl(PR_SET_SECCOMP, 1 /* SECCOMP_MODE_STRICT */, 0, 0, 0);
	else if (!strcmp(m, "filter"))
		rc = syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, &prog);
#ifdef PR_SET_TSC
	else if (!strcmp(m, "notsc"))
		rc = prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0);
#endif
	else if (strcmp(m, "none"))
		rc = -1;
	for (;;)
		syscall(SYS_exit, rc == 0 ? 0 : 1);
}
