/*
 * main.c -- wiring only: fds, configuration, -log, the run (run.h), exit.
 * The only place that ends the process.
 */
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "net.h"
#include "report.h"
#include "run.h"
#include "sandbox.h"
#include "tls.h"

extern char **environ;

static int lp_usage_error(const struct lp_result *r, int log_fd)
{
	char line[LP_WHERE_MAX + 2 * LP_DETAIL_MAX];

	lp_report_format(r, line, sizeof line);
	lp_log_line(2, line);
	if (log_fd >= 0)
		lp_log_line(log_fd, line);
	return 1; /* usage errors are 1 in both exit-code modes */
}

int main(int argc, char **argv)
{
	static struct lp_run_config rc;
	struct lp_result r = {0};
	int log_fd = -1;

	/* before anything opens an fd: only 0-2, all valid (sandbox.h) */
	if (lp_sandbox_fds(&r) < 0 || lp_net_init(&r) < 0)
		return lp_usage_error(&r, -1);
	if (lp_config_parse_run(&rc, argc, argv, environ, &r) < 0)
		return lp_usage_error(&r, -1);
	if (rc.group[0].action == LP_HELP) {
		lp_config_usage();
		return 0;
	}
	if (rc.group[0].action == LP_VERSION_ACTION) {
		printf("lprobe %s (%s)\n", LP_VERSION, lp_tls_backend());
		return 0;
	}
	if (rc.group[0].log_path && (log_fd = lp_log_open(rc.group[0].log_path, &r)) < 0)
		return lp_usage_error(&r, -1);
	lp_sandbox_exit(lp_run(&rc, log_fd));
}
