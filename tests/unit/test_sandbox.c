/*
 * test_sandbox.c -- the seccomp allow-list, proven in forked children:
 * what a probe needs still works, everything else dies with SIGSYS.
 *
 * SPEC guarantee 4: the sandbox is entered once the probe is connected, so
 * from then on even a loopback socket(), a connect() or a sendto() with an
 * address kills it; I/O on a socket made before (here one end of a
 * socketpair) still works, and so does a poll() interrupted by a stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <sys/prctl.h>

#include "sandbox.h"

enum {
	CALL_SOCKET_INET,
	CALL_SOCKET_INET6,
	CALL_SOCKET_UNIX,
	CALL_SOCKET_NETLINK,
	CALL_OPEN,
	CALL_EXECVE,
	CALL_FORK,
	CALL_MMAP_VIA_SYSCALL,
	CALL_CONNECT,
	CALL_BIND,
	CALL_SENDTO_ADDRESS,
	CALL_SENDTO_CONNECTED,
	CALL_WRITE_HELD,
	CALL_READ_HELD,
	CALL_POLL
};

/* the child already runs under an allow-all filter, as under a container
 * runtime's default seccomp profile */
static bool lp_prefiltered;

static void install_allow_all(void)
{
	struct sock_filter f[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {.len = 1, .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		syscall(SYS_exit, 98);
}

/* the socket made before confinement: one end of a socketpair whose other
 * end has already written one byte */
static int held_fd = -1;

static const struct sockaddr_un lp_somewhere = {.sun_family = AF_UNIX, .sun_path = "/tmp/x"};

/* Runs one call inside the sandbox in a child; returns its wait status.
 * The child leaves with the raw exit_group syscall: sanitizer runtimes
 * would make calls of their own at exit. */
static int run_confined(int call)
{
	int pair[2];
	pid_t pid;
	int status = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	assert_int_equal(write(pair[1], "x", 1), 1);
	held_fd = pair[0];
	pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct lp_result r;
		long rc = -1;
		if (lp_prefiltered)
			install_allow_all();
		if (lp_sandbox_confine(false, false, &r) != 0)
			syscall(SYS_exit, 99);
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
			rc = syscall(SYS_execve, "/bin/true", (char *[]){"true", NULL},
				     (char *[]){NULL});
			break;
		case CALL_FORK:
			rc = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
			break;
		case CALL_MMAP_VIA_SYSCALL:
			rc = syscall(SYS_mmap, 0, 4096, 3, 0x22, -1, 0);
			break;
		case CALL_CONNECT:
			rc = connect(held_fd, (const struct sockaddr *)&lp_somewhere,
				     sizeof lp_somewhere);
			rc = 0; /* not killed: count as allowed, whatever it returned */
			break;
		case CALL_BIND:
			rc = bind(held_fd, (const struct sockaddr *)&lp_somewhere,
				  sizeof lp_somewhere);
			rc = 0;
			break;
		case CALL_SENDTO_ADDRESS:
			rc = sendto(held_fd, "x", 1, MSG_NOSIGNAL,
				    (const struct sockaddr *)&lp_somewhere, sizeof lp_somewhere);
			rc = 0;
			break;
		case CALL_SENDTO_CONNECTED:
			rc = sendto(held_fd, "x", 1, MSG_NOSIGNAL, NULL, 0);
			break;
		case CALL_WRITE_HELD:
			rc = write(held_fd, "x", 1) == 1 ? 0 : -1;
			break;
		case CALL_READ_HELD: {
			char c;
			rc = read(held_fd, &c, 1) == 1 ? 0 : -1;
			break;
		}
		case CALL_POLL: { /* nothing arrives: waits 300 ms, stopped on the way */
			char c;
			struct pollfd pfd = {.fd = held_fd, .events = POLLIN};
			rc = read(held_fd, &c, 1) == 1 ? 0 : -1;
			if (rc == 0)
				rc = poll(&pfd, 1, 300) == 0 ? 0 : -1;
			break;
		}
		}
		/* exit(2): the one exit strict mode allows (one thread: the same) */
		syscall(SYS_exit, rc >= 0 ? 0 : 1);
	}
	if (call == CALL_POLL) { /* SIGSTOP + SIGCONT while it waits in poll() */
		usleep(100 * 1000);
		kill(pid, SIGSTOP);
		usleep(20 * 1000);
		kill(pid, SIGCONT);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(pair[0]);
	close(pair[1]);
	return status;
}

static void assert_allowed(int status)
{
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void assert_killed_by_seccomp(int status)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* Confinement comes after connecting: no new socket, whatever its family. */
static void test_new_sockets_kill_the_process(void **state)
{
	(void)state;
	assert_killed_by_seccomp(run_confined(CALL_SOCKET_INET));
	assert_killed_by_seccomp(run_confined(CALL_SOCKET_INET6));
	assert_killed_by_seccomp(run_confined(CALL_SOCKET_UNIX));
}

static void test_reaching_an_address_kills_the_process(void **state)
{
	(void)state;
	assert_killed_by_seccomp(run_confined(CALL_CONNECT));
	assert_killed_by_seccomp(run_confined(CALL_BIND));
	assert_killed_by_seccomp(run_confined(CALL_SENDTO_ADDRESS));
}

/* lprobe talks with read(2)/write(2) only: sendto(2) is not needed,
 * even without an address. */
static void test_io_on_the_held_socket_is_allowed(void **state)
{
	(void)state;
	assert_allowed(run_confined(CALL_WRITE_HELD));
	assert_allowed(run_confined(CALL_READ_HELD));
	assert_killed_by_seccomp(run_confined(CALL_SENDTO_CONNECTED));
}

/* A stopped poll() resumes through restart_syscall(2): it must be allowed. */
static void test_poll_survives_a_stop_and_continue(void **state)
{
	(void)state;
	assert_allowed(run_confined(CALL_POLL));
}

/* The filter's allow-list is searched by binary search: it must be sorted,
 * or an allowed call would be killed.  Every call the probe makes must
 * pass (the x86_64/aarch64 numbers come from the libc headers). */
static void test_filter_allows_exactly_the_probe_calls(void **state)
{
	(void)state;
	assert_allowed(run_confined(CALL_READ_HELD));
	assert_allowed(run_confined(CALL_WRITE_HELD));
	assert_allowed(run_confined(CALL_POLL));
	assert_killed_by_seccomp(run_confined(CALL_SENDTO_CONNECTED));
}

/* Docker, podman and Kubernetes' RuntimeDefault leave the probe under
 * their own filter: lprobe's goes on top, and its answers hold. */
static void test_under_a_runtime_filter_ours_still_holds(void **state)
{
	(void)state;
	lp_prefiltered = true;
	assert_killed_by_seccomp(run_confined(CALL_SOCKET_INET));
	assert_killed_by_seccomp(run_confined(CALL_CONNECT));
	assert_killed_by_seccomp(run_confined(CALL_OPEN));
	assert_allowed(run_confined(CALL_READ_HELD));
	assert_allowed(run_confined(CALL_WRITE_HELD));
	lp_prefiltered = false;
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
		cmocka_unit_test(test_new_sockets_kill_the_process),
		cmocka_unit_test(test_reaching_an_address_kills_the_process),
		cmocka_unit_test(test_io_on_the_held_socket_is_allowed),
		cmocka_unit_test(test_poll_survives_a_stop_and_continue),
		cmocka_unit_test(test_other_socket_families_kill_the_process),
		cmocka_unit_test(test_opening_a_file_kills_the_process),
		cmocka_unit_test(test_running_a_program_kills_the_process),
		cmocka_unit_test(test_mapping_memory_kills_the_process),
		cmocka_unit_test(test_filter_allows_exactly_the_probe_calls),
		cmocka_unit_test(test_under_a_runtime_filter_ours_still_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
