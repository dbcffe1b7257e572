/*
 * confine_check.c -- lprobe's own confinement (src/sandbox.c), applied in a
 * forked child that then tries what a hijacked probe would: a new socket.
 * Prints "filter socket: killed by signal N" (or "NOT killed"), and the
 * same for a read on a held pipe, for contrast.
 * Built static for the arm64 kernel test (tests/arm64-system.sh), where it
 * shows the kernel itself killing the forbidden call.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static void check(const char *name, int forbidden)
{
	struct lp_result r;
	int p[2], status = 0;
	pid_t pid;
	char c;

	if (pipe(p) != 0 || write(p[1], "x", 1) != 1)
		return;
	pid = fork();
	if (pid == 0) {
		if (lp_sandbox_confine(false, false, &r) != 0)
			syscall(SYS_exit, 99);
		if (forbidden)
			(void)socket(AF_INET, SOCK_STREAM, 0);
		else if (read(p[0], &c, 1) != 1)
			syscall(SYS_exit, 1);
		syscall(SYS_exit, 0);
	}
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		printf("%s %s: killed by signal %d\n", name, forbidden ? "socket" : "read",
		       WTERMSIG(status));
	else
		printf("%s %s: NOT killed (exit %d)\n", name, forbidden ? "socket" : "read",
		       WEXITSTATUS(status));
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	check("filter", 1);
	check("filter", 0);
	return 0;
}
