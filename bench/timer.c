/* timer: run commands interleaved, process by process, and print each run's
 * wall time and the CPU time, page faults and exit status of its process.
 *
 *   timer RUNS WARMUP SPECFILE
 *
 * SPECFILE has one command per line: its name, then its argv, the fields
 * separated by \x1f (argv[0] must be a path: no PATH search).  A command of
 * several programs run one after the other, as a shell's `a && b` would
 * (the next only if the previous exited 0), separates their argvs by \x1e:
 * name \x1f a0 \x1f a1 \x1e b0 \x1f b1.
 *
 * Run i runs every command once, in the file's order when i is even and in
 * the reverse order when it is odd, so that a burst of noise on the machine
 * hits every command alike.  WARMUP such runs come first and are not
 * printed.  Then one line per command and run, tab-separated:
 *
 *   name  run  wall_ns  user_us  sys_us  minflt  majflt  maxrss_kib  status
 *
 * wall_ns: CLOCK_MONOTONIC from before the first vfork to after the last
 * wait4.  The rest come from wait4's rusage of the command's own processes
 * (summed over a sequence; maxrss, the largest): user+sys is the kernel's
 * exact run time of the process (the kernel scales its tick-sampled
 * user/sys split so that their sum is the measured run time), from exec to
 * exit.  Children's stdin, stdout and stderr are /dev/null.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAXCMD = 32, MAXSTEP = 4, MAXARG = 64 };

struct step { char *argv[MAXARG]; };
struct cmd { char *name; struct step step[MAXSTEP]; int nstep; };

struct sample {
	long long wall_ns, user_us, sys_us, minflt, majflt, maxrss;
	int status;
};

static struct cmd cmds[MAXCMD];
static int ncmd, devnull;

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long tv_us(struct timeval t)
{
	return t.tv_sec * 1000000LL + t.tv_usec;
}

static int parse(char *line, struct cmd *c)
{
	char *f, *rest = line;
	int argc = 0;

	line[strcspn(line, "\n")] = 0;
	c->name = strsep(&rest, "\x1f");
	c->nstep = 1;
	while (rest && (f = strsep(&rest, "\x1f"))) {
		char *next = strchr(f, '\x1e');
		if (next)
			*next = 0;
		if (argc + 1 >= MAXARG)
			return -1;
		c->step[c->nstep - 1].argv[argc++] = f;
		if (next) {
			if (c->nstep == MAXSTEP)
				return -1;
			c->step[c->nstep - 1].argv[argc] = NULL;
			c->nstep++, argc = 0;
			c->step[c->nstep - 1].argv[argc++] = next + 1;
		}
	}
	c->step[c->nstep - 1].argv[argc] = NULL;
	return argc > 0 ? 0 : -1;
}

static void run(const struct cmd *c, struct sample *s)
{
	memset(s, 0, sizeof *s);
	long long t0 = now_ns();
	for (int i = 0; i < c->nstep; i++) {
		struct rusage ru;
		int st = 0;
		pid_t pid = vfork();
		if (pid == 0) {
			dup2(devnull, 0), dup2(devnull, 1), dup2(devnull, 2);
			execv(c->step[i].argv[0], c->step[i].argv);
			_exit(127);
		}
		if (pid < 0 || wait4(pid, &st, 0, &ru) != pid) {
			s->status = -1;
			break;
		}
		s->user_us += tv_us(ru.ru_utime);
		s->sys_us += tv_us(ru.ru_stime);
		s->minflt += ru.ru_minflt;
		s->majflt += ru.ru_majflt;
		if (ru.ru_maxrss > s->maxrss)
			s->maxrss = ru.ru_maxrss;
		s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (s->status != 0)
			break;
	}
	s->wall_ns = now_ns() - t0;
}

int main(int argc, char **argv)
{
	static char lines[MAXCMD][8192];
	struct sample s;
	FILE *f;
	int runs, warm;

	if (argc != 4 || (runs = atoi(argv[1])) < 1 || (warm = atoi(argv[2])) < 0) {
		fputs("usage: timer RUNS WARMUP SPECFILE\n", stderr);
		return 2;
	}
	if (!(f = fopen(argv[3], "r")) || (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		perror("timer");
		return 2;
	}
	while (ncmd < MAXCMD && fgets(lines[ncmd], sizeof lines[ncmd], f))
		if (parse(lines[ncmd], &cmds[ncmd]) == 0)
			ncmd++;
	fclose(f);
	if (ncmd == 0) {
		fputs("timer: no command\n", stderr);
		return 2;
	}
	for (int r = -warm; r < runs; r++)
		for (int k = 0; k < ncmd; k++) {
			const struct cmd *c = &cmds[(r & 1) ? ncmd - 1 - k : k];
			run(c, &s);
			if (r >= 0)
				printf("%s\t%d\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%d\n", c->name, r,
				       s.wall_ns, s.user_us, s.sys_us, s.minflt, s.majflt, s.maxrss,
				       s.status);
		}
	return fflush(stdout) == 0 ? 0 : 1;
}
