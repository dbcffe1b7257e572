/*
 * seccomp_dump.c -- print the seccomp filters of a running process, for
 * tests/integration/test_confinement.py.
 *
 *   seccomp_dump PID
 *
 * Attaches with PTRACE_SEIZE, stops the process with PTRACE_INTERRUPT,
 * reads each of its filters with PTRACE_SECCOMP_GET_FILTER (index 0, 1, ...
 * until ENOENT; index 0 is the most recently installed), detaches, and
 * prints one JSON object:
 *
 *   {"filters": [[[code, jt, jf, k], ...], ...]}
 *
 * Needs CAP_SYS_ADMIN (root) and a kernel with CONFIG_CHECKPOINT_RESTORE.
 * Exit 0 on success, 2 with a message on stderr otherwise (EINVAL from the
 * first PTRACE_SECCOMP_GET_FILTER means the process is not in filter mode).
 *
 * Note: interrupting a process blocked in poll(2) makes the kernel resume
 * it through restart_syscall(2) -- which its own filter must allow.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

static int dump(pid_t pid)
{
	unsigned long index;
	long n, i;
	struct sock_filter *f;

	printf("{\"filters\": [");
	for (index = 0;; index++) {
		n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)index, NULL);
		if (n < 0 && errno == ENOENT)
			break;
		if (n < 0) {
			fprintf(stderr, "seccomp_dump: PTRACE_SECCOMP_GET_FILTER %lu: %s\n", index,
				strerror(errno));
			return -1;
		}
		f = calloc((size_t)n, sizeof *f);
		if (!f || ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)index, f) != n) {
			fprintf(stderr, "seccomp_dump: reading filter %lu: %s\n", index,
				strerror(errno));
			free(f);
			return -1;
		}
		printf("%s[", index ? ", " : "");
		for (i = 0; i < n; i++)
			printf("%s[%u, %u, %u, %u]", i ? ", " : "", f[i].code, f[i].jt, f[i].jf,
			       f[i].k);
		printf("]");
		free(f);
	}
	printf("]}\n");
	return 0;
}

int main(int argc, char **argv)
{
	pid_t pid;
	int status, rc;

	if (argc != 2 || (pid = (pid_t)atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: seccomp_dump PID\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
		fprintf(stderr, "seccomp_dump: PTRACE_SEIZE %d: %s\n", (int)pid, strerror(errno));
		return 2;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0 || waitpid(pid, &status, __WALL) != pid) {
		fprintf(stderr, "seccomp_dump: stopping %d: %s\n", (int)pid, strerror(errno));
		return 2;
	}
	if (!WIFSTOPPED(status)) {
		fprintf(stderr, "seccomp_dump: %d ended (status 0x%x)\n", (int)pid, status);
		return 2;
	}
	rc = dump(pid);
	fflush(stdout);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return rc < 0 ? 2 : 0;
}
