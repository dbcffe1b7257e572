/*
 * test_sandbox.c -- the seccomp allow-list, proven in forked children:
 * what a probe needs still works, everything else dies with SIGSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox.h"

enum { CALL_SOCKET_INET, CALL_SOCKET_INET6, CALL_SOCKET_UNIX, CALL_SOCKET_NETLINK, CALL_OPEN, CALL_EXECVE,
       CALL_FORK, CALL_MMAP_VIA_SYSCALL };

/* Runs one call inside the sandbox in a child; returns its wait status.
 * The child leaves with the raw exit_group syscall: sanitizer runtimes
 * would make calls of their own at exit. */
static int run_confined(int call)
{
	pid_t pid = fork();
	int status = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct lp_result r;
		long rc = -1;
		if (lp_sandbox_enter(&r) != 0)
			syscall(SYS_exit_group, 99);
		switch (call) {
		case CALL_SOCKET_INET:
			rc = socket(AF_INET, SOCK_STREAM, 0);
			break;
		case CALL_SOCKET_INET6:
			rc = socket(AF_INET6, SOCK_STREAM, 0);
			break;
		case CALL_SOCKET_UNIX:
			rc = socket(AF_UNIX, SOCK_STREAM, 0);
			break;
		case CALL_SOCKET_NETLINK:
			rc = socket(AF_NETLINK, SOCK_RAW, 0);
			break;
		case CALL_OPEN:
			rc = syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
			break;
		case CALL_EXECVE:
			rc = syscall(SYS_execve, "/bin/true", (char *[]){"true", NULL}, (char *[]){NULL});
			break;
		case CALL_FORK:
			rc = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
			break;
		case CALL_MMAP_VIA_SYSCALL:
			rc = syscall(SYS_mmap, 0, 4096, 3, 0x22, -1, 0);
			break;
		}
		syscall(SYS_exit_group, rc >= 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_killed_by_seccomp(int status)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void test_loopback_sockets_are_allowed(void **state)
{
	int st;

	(void)state;
	st = run_confined(CALL_SOCKET_INET);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = run_confined(CALL_SOCKET_INET6);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = run_confined(CALL_SOCKET_UNIX);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_other_socket_families_kill_the_process(void **state)
{
	(void)state;
	assert_killed_by_seccomp(run_confined(CALL_SOCKET_NETLINK));
}

static void test_opening_a_file_kills_the_process(void **state)
{
	(void)state;
	assert_killed_by_seccomp(run_confined(CALL_OPEN));
}

static void test_running_a_program_kills_the_process(void **state)
{
	(void)state;
	assert_killed_by_seccomp(run_confined(CALL_EXECVE));
	assert_killed_by_seccomp(run_confined(CALL_FORK));
}

static void test_mapping_memory_kills_the_process(void **state)
{
	(void)state;
	assert_killed_by_seccomp(run_confined(CALL_MMAP_VIA_SYSCALL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_sockets_are_allowed),
		cmocka_unit_test(test_other_socket_families_kill_the_process),
		cmocka_unit_test(test_opening_a_file_kills_the_process),
		cmocka_unit_test(test_running_a_program_kills_the_process),
		cmocka_unit_test(test_mapping_memory_kills_the_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
