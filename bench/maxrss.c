/* maxrss: run a command N times and print its largest peak RSS (VmHWM), in KiB,
 * followed by the anonymous and file-backed parts of its RSS at exit (RssAnon,
 * RssFile) and its minor page faults (from /proc/PID/stat; they include the
 * few of the forked child before exec): the largest of each over the runs.
 * Exits 1 if any run fails.
 *
 *   maxrss 5 build/lprobe -port=8080
 *
 * Why not getrusage(2) or /usr/bin/time -v: on recent kernels the RSS counters
 * behind ru_maxrss are per-CPU and read approximately, so a process touching a
 * few dozen pages reports 0; and ru_maxrss also counts the forked copy of the
 * parent before exec (GNU time reports ~480 KiB for a static `true` that way).
 * Instead the child is traced (PTRACE_O_TRACEEXIT) and, stopped at its exit
 * with its memory still mapped, its /proc/PID/status VmHWM (the kernel's
 * high-water mark of resident memory, summed exactly) is read.  Processes it
 * forks (busybox wget runs `openssl s_client` for HTTPS) are followed too and
 * their peaks added: they run at the same time.  Threads share the memory and
 * are not followed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

struct mem { long hwm, anon, file, minflt; };

static int status_of(pid_t pid, struct mem *m)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	*m = (struct mem){ -1, 0, 0, 0 };
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "VmHWM:", 6))
			m->hwm = atol(line + 6);
		else if (!strncmp(line, "RssAnon:", 8))
			m->anon = atol(line + 8);
		else if (!strncmp(line, "RssFile:", 8))
			m->file = atol(line + 8);
	}
	fclose(f);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r"))) {
		/* pid (comm) state ppid pgrp session tty tpgid flags minflt ...; comm may hold spaces */
		if (fgets(line, sizeof line, f)) {
			char *p = strrchr(line, ')');
			if (p)
				sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %ld", &m->minflt);
		}
		fclose(f);
	}
	return m->hwm < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct mem max = { -1, 0, 0, 0 };
	int runs = argc > 2 ? atoi(argv[1]) : 0;

	if (runs < 1) {
		fputs("usage: maxrss N command [args...]\n", stderr);
		return 2;
	}
	for (int i = 0; i < runs; i++) {
		struct mem sum = { 0, 0, 0, 0 };
		int status = 0;
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);
			dup2(null, 1);
			dup2(null, 2);
			ptrace(PTRACE_TRACEME, 0, 0, 0);
			execvp(argv[2], argv + 2);       /* stops with SIGTRAP once exec'd */
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
			goto failed;
		ptrace(PTRACE_SETOPTIONS, pid, 0,
		       PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK);
		ptrace(PTRACE_CONT, pid, 0, 0);
		for (;;) {
			int st;
			pid_t who = waitpid(-1, &st, __WALL);
			if (who < 0)
				break;                      /* no traced process left */
			if (WIFEXITED(st) || WIFSIGNALED(st)) {
				if (who == pid)
					status = st;
				continue;
			}
			if (st >> 8 == (SIGTRAP | PTRACE_EVENT_EXIT << 8)) {
				struct mem m;
				if (status_of(who, &m) < 0)
					goto failed;
				sum.hwm += m.hwm;
				sum.anon += m.anon;
				sum.file += m.file;
				sum.minflt += m.minflt;
				ptrace(PTRACE_CONT, who, 0, 0);
			} else if (st >> 16) {              /* fork/vfork event, or a new child's first stop */
				ptrace(PTRACE_CONT, who, 0, 0);
			} else {                            /* pass signals through */
				int sig = WSTOPSIG(st);
				ptrace(PTRACE_CONT, who, 0, sig == SIGTRAP || sig == SIGSTOP ? 0 : sig);
			}
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || sum.hwm <= 0)
			goto failed;
		if (sum.hwm > max.hwm)
			max.hwm = sum.hwm;
		if (sum.anon > max.anon)
			max.anon = sum.anon;
		if (sum.file > max.file)
			max.file = sum.file;
		if (sum.minflt > max.minflt)
			max.minflt = sum.minflt;
		continue;
failed:
		fprintf(stderr, "maxrss: %s: run %d failed (status %#x)\n", argv[2], i, status);
		return 1;
	}
	printf("%ld %ld %ld %ld\n", max.hwm, max.anon, max.file, max.minflt);
	return 0;
}
