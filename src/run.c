/*
 * run.c -- groups, confinement, verdict line, -wait (run.h).
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"
#include "report.h"
#include "sandbox.h"
#include "tls.h"

#define LP_MSG_MAX (LP_WHERE_MAX + 2 * LP_DETAIL_MAX + 64)

static struct lp_probe lp_probes[LP_MAX_GROUPS];
static size_t lp_nprobes;
static struct lp_tls_files lp_files[LP_MAX_GROUPS];

/* Where group g's verdict comes from: a probe, and a check of it (groups
 * of one -service list share one probe: one connection, a stream each). */
static struct {
	unsigned char probe, check;
} lp_slot[LP_MAX_GROUPS];

static unsigned char lp_checks[LP_MAX_GROUPS]; /* checks each probe carries */

static const struct lp_probe *lp_probe_of(size_t g)
{
	return &lp_probes[lp_slot[g].probe];
}

static const struct lp_result *lp_result_of(size_t g)
{
	return lp_probe_check_result(lp_probe_of(g), lp_slot[g].check);
}

static bool lp_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Groups naming the same TLS files share one load: the first such group's. */
static size_t lp_files_index(const struct lp_run_config *rc, size_t g)
{
	const struct lp_config *c = &rc->group[g], *o;
	size_t i;

	for (i = 0; i < g; i++) {
		o = &rc->group[i];
		if (o->tls && lp_same(o->tls_ca_cert, c->tls_ca_cert) &&
		    lp_same(o->tls_client_cert, c->tls_client_cert) &&
		    lp_same(o->tls_client_key, c->tls_client_key) &&
		    o->tls_no_verify == c->tls_no_verify)
			return i;
	}
	return g;
}

/* Every file read (load: not yet read) and every probe prepared: usage
 * errors before any socket (SPEC).  r names the group when there are
 * several. */
static int lp_prepare_all(const struct lp_run_config *rc, bool load, struct lp_result *r)
{
	size_t g, j;
	char why[LP_DETAIL_MAX];

	lp_nprobes = 0;
	for (g = 0; g < rc->n; g++) {
		const struct lp_config *c = &rc->group[g];
		size_t lead = rc->rides[g];
		if (lead != g) { /* another stream on group lead's connection */
			unsigned char pi = lp_slot[lead].probe;
			lp_slot[g].probe = pi;
			lp_slot[g].check = lp_checks[pi]++;
			if (lp_probe_share(&lp_probes[pi], c, r) < 0)
				goto error;
			continue;
		}
		j = lp_files_index(rc, g);
		if (c->tls && load && j == g && lp_tls_load(&lp_files[g], c, r) < 0)
			goto error;
		lp_slot[g].probe = (unsigned char)lp_nprobes, lp_slot[g].check = 0;
		lp_checks[lp_nprobes] = 1;
		if (lp_probe_init(&lp_probes[lp_nprobes++], c, c->tls ? &lp_files[j] : NULL, r) < 0)
			goto error;
	}
	return 0;
error:
	if (rc->n > 1 && r->kind == LP_USAGE) {
		memcpy(why, r->detail, sizeof why);
		lp_fail(r, LP_USAGE, "group %zu: %.280s", g + 1, why);
	}
	return -1;
}

/* ---- the verdict of a run ------------------------------------------------ */

/* The class of the earliest stage that failed (detailed mode), or 0. */
static int lp_worst(const struct lp_run_config *rc, enum lp_exit_mode mode)
{
	int code, worst = 0;
	size_t g;

	for (g = 0; g < rc->n; g++) {
		code = lp_report_exit_code(lp_result_of(g), mode);
		if (code && (!worst || code < worst))
			worst = code;
	}
	return worst;
}

static void lp_group_line(const struct lp_run_config *rc, size_t g, char *buf, size_t cap)
{
	const struct lp_probe *p = lp_probe_of(g);
	struct lp_result res = *lp_result_of(g);
	char msg[LP_MSG_MAX], svc[160];

	/* a check's verdict is the stream's; the address is the probe's */
	memcpy(res.where, lp_probe_result(p)->where, sizeof res.where);
	lp_report_format(&res, msg, sizeof msg);
	lp_probe_check_label(p, lp_slot[g].check, svc, sizeof svc);
	if (rc->n == 1)
		snprintf(buf, cap, "%s", msg);
	else
		snprintf(buf, cap, "group %zu/%zu (%s %s%s): %.500s", g + 1, rc->n, p->ops->name,
			 res.where, svc, msg);
}

/* The failure line (empty when healthy) and the exit status. */
static int lp_verdict(const struct lp_run_config *rc, char *line, size_t cap)
{
	const struct lp_config *c0 = &rc->group[0];
	size_t g, failed = 0, first = 0;
	char one[LP_MSG_MAX];

	line[0] = '\0';
	for (g = 0; g < rc->n; g++) {
		if (lp_result_of(g)->kind == LP_OK)
			continue;
		if (failed++ == 0)
			first = g;
	}
	if (c0->verbose && rc->n > 1)
		for (g = 0; g < rc->n; g++) {
			lp_group_line(rc, g, one, sizeof one);
			lp_log("%s", one);
		}
	if (failed == 0)
		return 0;
	lp_group_line(rc, first, one, sizeof one);
	if (failed == 1)
		snprintf(line, cap, "%s", one);
	else
		snprintf(line, cap, "%.760s (and %zu other group%s failed)", one, failed - 1,
			 failed == 2 ? "" : "s");
	return lp_worst(rc, c0->exit_mode);
}

/* ---- one attempt ------------------------------------------------------------ */

/* Connect every probe, confine, finish.  Fills line (empty when healthy)
 * and returns the exit status. */
static int lp_attempt(const struct lp_run_config *rc, char *line, size_t cap)
{
	const struct lp_config *c0 = &rc->group[0];
	struct lp_result r = {0};

	lp_probes_connect(lp_probes, lp_nprobes);
	/* SPEC guarantee 4: before a single byte is read from any peer */
	if (lp_sandbox_confine(c0->no_sandbox, c0->verbose, &r) < 0) {
		lp_report_format(&r, line, cap);
		return lp_report_exit_code(&r, c0->exit_mode);
	}
	lp_probes_finish(lp_probes, lp_nprobes);
	return lp_verdict(rc, line, cap);
}

static void lp_say(int log_fd, const char *line)
{
	lp_log_line(2, line);
	if (log_fd >= 0)
		lp_log_line(log_fd, line);
}

/* ---- -wait ------------------------------------------------------------------ */

/* A child runs one attempt and sends its line up a pipe. */
static _Noreturn void lp_child(const struct lp_run_config *rc, int out)
{
	char line[LP_MSG_MAX];
	struct lp_result r = {0};
	int code = 1;
	size_t len;

	if (lp_prepare_all(rc, false, &r) < 0)
		lp_report_format(&r, line, sizeof line);
	else
		code = lp_attempt(rc, line, sizeof line);
	len = strlen(line);
	if (write(out, line, len) < 0)
		code = code ? code : 1;
	_exit(code);
}

/* Runs one attempt in a child; returns its exit status, line its text. */
static int lp_fork_attempt(const struct lp_run_config *rc, char *line, size_t cap)
{
	int p[2], status = 0;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	if (pipe(p) != 0 || (pid = fork()) < 0) {
		snprintf(line, cap, "internal error: fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(p[0]);
		/* the loop killed (a stopped container): its attempt ends too */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		lp_child(rc, p[1]);
	}
	close(p[1]);
	while (got + 1 < cap && (n = read(p[0], line + got, cap - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	line[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	snprintf(line, cap, "internal error: the probe was killed by signal %d%s", WTERMSIG(status),
		 WTERMSIG(status) == SIGSYS ? " (seccomp)" : "");
	return 1;
}

static void lp_sleep_until(int64_t t)
{
	int64_t left = t - lp_now();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)(left / 1000000);
	ts.tv_nsec = (long)(left % 1000000) * 1000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int lp_wait_loop(const struct lp_run_config *rc, int log_fd)
{
	const struct lp_config *c0 = &rc->group[0];
	int64_t interval = (c0->interval_ms ? c0->interval_ms : 1000) * 1000;
	int64_t start = lp_now(), end = start + c0->wait_ms * 1000, next;
	char line[LP_MSG_MAX], out[LP_MSG_MAX + 96], d[24];
	unsigned attempts = 0;
	int code;

	/* the loop itself gains no privilege either; it reads only its
	 * children's pipes */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	for (;;) {
		next = lp_now() + interval;
		attempts++;
		code = lp_fork_attempt(rc, line, sizeof line);
		if (code == 0) {
			if (attempts > 1 && (c0->verbose || log_fd >= 0)) {
				snprintf(out, sizeof out, "healthy after %u attempts", attempts);
				if (c0->verbose)
					lp_log_line(2, out);
				if (log_fd >= 0)
					lp_log_line(log_fd, out);
			}
			return 0;
		}
		if (c0->verbose) {
			snprintf(out, sizeof out, "attempt %u: %s", attempts, line);
			lp_log_line(2, out);
		}
		/* another attempt while the wait lasts, even a shorter gap */
		if (lp_now() >= end)
			break;
		lp_sleep_until(next < end ? next : end);
	}
	lp_format_duration(c0->wait_ms, d, sizeof d);
	snprintf(out, sizeof out, "still unhealthy after %u attempts in %s; last: %s", attempts, d,
		 line);
	lp_say(log_fd, out);
	return code;
}

int lp_run(const struct lp_run_config *rc, int log_fd)
{
	char line[LP_MSG_MAX];
	struct lp_result r = {0};
	int code;

	if (lp_prepare_all(rc, true, &r) < 0) {
		lp_report_format(&r, line, sizeof line);
		lp_say(log_fd, line);
		return lp_report_exit_code(&r, rc->group[0].exit_mode);
	}
	if (rc->group[0].wait_ms)
		return lp_wait_loop(rc, log_fd);
	code = lp_attempt(rc, line, sizeof line);
	if (code != 0)
		lp_say(log_fd, line);
	return code;
}
